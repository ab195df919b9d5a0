//! `preflight plan from-octopus`: the old server's inventory as a plan on
//! standard output; warnings and a summary on standard error. The plan is
//! parsed before it is printed, so what comes out is a plan `plan check`
//! accepts.

use anyhow::{Context as _, Result, bail};
use probe::Plan;
use probe::octopus_inventory::{ClientOptions, GatherOptions, RenderOptions, gather, render};

use crate::cli::FromOctopusArgs;
use crate::output::out;

/// Pages read per collection at most (100 items each): a server that pages
/// forever stops here.
const MAX_PAGES: usize = 1000;

/// The API key in the environment variable `var` (named by `flag`); errors name the variable, never a value.
pub fn api_key_from_env(var: &str, flag: &str) -> Result<String> {
    if var.is_empty() || var.contains('=') {
        bail!("{flag}: expected the name of an environment variable, found `{var}`");
    }
    match std::env::var(var) {
        Ok(key) => Ok(key),
        Err(std::env::VarError::NotPresent) => bail!(
            "the environment variable {var} is not set: put an API key of the server in it (Octopus: your profile > My API Keys)"
        ),
        Err(std::env::VarError::NotUnicode(_)) => {
            bail!("the environment variable {var} does not hold text")
        }
    }
}

pub fn from_octopus(args: FromOctopusArgs) -> Result<i32> {
    let var = args.api_key_env.trim();
    let api_key = api_key_from_env(var, "--api-key-env")?;
    let ca_file = match &args.ca_file {
        Some(path) => Some(
            std::fs::canonicalize(path)
                .with_context(|| format!("{}: cannot read the CA file", path.display()))?,
        ),
        None => None,
    };
    let options = GatherOptions {
        client: ClientOptions {
            server: args.server.clone(),
            api_key,
            key_source: format!("the environment variable {var}"),
            ca_file: ca_file.clone(),
            timeout: args.timeout.get(),
            max_pages: MAX_PAGES,
        },
        spaces: args.spaces.clone(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let inventory = runtime.block_on(gather(&options))?;
    let rendered = render(
        &inventory,
        &RenderOptions {
            group_by: args.group_by.clone(),
            api_key_env: var.to_string(),
            ca_file: ca_file.map(|p| p.display().to_string()),
            polling: args.polling.clone(),
        },
    );
    let plan = Plan::parse(&rendered.plan, "<plan from-octopus>").context(
        "the plan written from this server does not parse (a bug in preflight: please report it with the server's version)",
    )?;
    out!("{}", rendered.plan)?;
    for warning in &rendered.warnings {
        eprintln!("warning: {warning}");
    }
    let tentacles: usize = plan
        .spec
        .datacenters
        .iter()
        .map(|d| d.tentacles.len())
        .sum();
    eprintln!(
        "wrote a plan for {} data center(s) ({}): {tentacles} Tentacle(s), {} feed(s), from {} space(s) of {} (Octopus {}). Next: fill in [new_server], then `preflight plan check`.",
        rendered.datacenters.len(),
        rendered.datacenters.join(", "),
        plan.spec.feeds.len(),
        inventory.spaces.len(),
        inventory.server,
        inventory.version,
    );
    Ok(report::exit::GO)
}

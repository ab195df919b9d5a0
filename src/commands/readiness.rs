//! `preflight readiness`: read the old Octopus Server's API (every space),
//! judge it with the readiness family's rules, and print and write the
//! report like every run (data center `server`, so `report verify`,
//! `render`, `diff` and `merge` take it).

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::{Context as _, Result, anyhow, bail};
use probe::Plan;
use probe::checks::readiness::{self, GatherOptions, Phase, ReadinessSpec, Target};
use probe::octopus_api::ClientOptions;
use probe::since::Since;

use crate::cli::{PhaseArg, ReadinessArgs, TargetArg};
use crate::commands::from_octopus::api_key_from_env;
use crate::output::{Finished, RunSettings, emit, seal_report};

/// The data center name of a readiness report (one more column in `report merge`).
pub const DATACENTER: &str = "server";

/// Pages read per collection at most (100 items each).
const MAX_PAGES: usize = 1000;

/// One server to read: URL, key variable, CA file.
struct Server {
    url: String,
    key_env: String,
    ca_file: Option<PathBuf>,
}

pub fn readiness(args: ReadinessArgs) -> Result<i32> {
    let plan = match &args.plan {
        Some(path) => Some(Plan::load(path).map_err(|e| anyhow!("{e}"))?),
        None => None,
    };
    let plan_dir = args
        .plan
        .as_deref()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let (old, new) = servers(&args, plan.as_ref(), &plan_dir)?;
    let target = match (args.target, plan.as_ref()) {
        (Some(TargetArg::Cloud), _) => Target::Cloud,
        (Some(TargetArg::Instance), _) => Target::Instance,
        (None, Some(p)) => p
            .spec
            .migration
            .as_ref()
            .and_then(|m| m.target.as_ref())
            .map_or(Target::Cloud, |t| *t.get_ref()),
        (None, None) => Target::Cloud,
    };
    let phase = match args.phase {
        PhaseArg::Prep => Phase::Prep,
        PhaseArg::Cutover => Phase::Cutover,
    };
    let since = args
        .since
        .as_deref()
        .map(|s| Since::parse_at(s, probe::since::now()).map_err(|e| anyhow!("--since: {e}")))
        .transpose()?;
    let storage = args
        .storage_limit
        .as_deref()
        .map(|s| readiness::parse_size(s).map_err(|e| anyhow!("--storage-limit: {e}")))
        .transpose()?;
    let spec = ReadinessSpec::new(target, phase, since, storage)
        .map_err(|e| anyhow!("--storage-limit: {e}"))?;
    let timeout = args.timeout.get();
    let client = |s: &Server, flag: &str| -> Result<ClientOptions> {
        Ok(ClientOptions {
            server: s.url.clone(),
            api_key: api_key_from_env(s.key_env.trim(), flag)?,
            key_source: format!("the environment variable {}", s.key_env.trim()),
            ca_file: s.ca_file.clone(),
            timeout,
            max_pages: MAX_PAGES,
        })
    };
    let old_client = client(&old, "--api-key-env")?;
    let new_client = new
        .as_ref()
        .map(|n| client(n, "--new-api-key-env"))
        .transpose()?;
    let secrets: Vec<String> = std::iter::once(old_client.api_key.clone())
        .chain(new_client.as_ref().map(|c| c.api_key.clone()))
        .collect();
    let options = GatherOptions {
        old: old_client,
        new: new_client,
        since,
    };
    let settings = RunSettings {
        datacenter: DATACENTER.into(),
        migration: plan.as_ref().and_then(Plan::migration),
        plan_sha256: plan.as_ref().map(|p| p.sha256.clone()).unwrap_or_default(),
        secrets,
        ..RunSettings::adhoc(timeout)
    };
    // Every input is understood: now a wrong --out fails before the first request.
    if let Some(dir) = &args.output.out {
        crate::output::prepare_out_dir(dir)?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let finished = runtime.block_on(run(&options, &spec, &settings))?;
    emit(finished, &args.output)
}

/// Reads the server, judges it and builds the sealed report (data center
/// `settings.datacenter`, the settings' secrets redacted): the command's
/// body, and the demo's readiness run.
pub async fn run(
    options: &GatherOptions,
    spec: &ReadinessSpec,
    settings: &RunSettings,
) -> Result<Finished> {
    let started_at = SystemTime::now();
    let start = Instant::now();
    let evidence = readiness::gather(options)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let elapsed_ms = start.elapsed().as_millis() as u64;
    for note in &evidence.notes {
        eprintln!("note: {note}");
    }
    let results = readiness::assess(&evidence, spec)
        .into_iter()
        .map(|f| f.into_result(&evidence.server, elapsed_ms))
        .collect();
    Ok(Finished {
        report: seal_report(results, settings, started_at, false),
        elapsed: start.elapsed(),
    })
}

/// The old server (flags or the plan's `[old_server]`) and, for the version
/// rule, the new one (`--new-server` or the plan's `[new_server]` with an `api_key_env`).
fn servers(
    args: &ReadinessArgs,
    plan: Option<&Plan>,
    plan_dir: &Path,
) -> Result<(Server, Option<Server>)> {
    let ca_file = match &args.ca_file {
        Some(path) => Some(
            std::fs::canonicalize(path)
                .with_context(|| format!("{}: cannot read the CA file", path.display()))?,
        ),
        None => None,
    };
    let old = match (plan, &args.server, &args.api_key_env) {
        (_, Some(url), Some(var)) => Server {
            url: url.clone(),
            key_env: var.clone(),
            ca_file: ca_file.clone(),
        },
        (Some(plan), _, _) => {
            let file = args.plan.as_deref().unwrap_or(Path::new("plan")).display();
            let Some(s) = &plan.spec.old_server else {
                bail!(
                    "{file}: expected an [old_server] section with url and api_key_env for `preflight readiness --plan`"
                );
            };
            let Some(url) = &s.url else {
                bail!(
                    "{file}: [old_server] has no url: `preflight readiness --plan` reads the old server's API there"
                );
            };
            let Some(var) = &s.api_key_env else {
                bail!(
                    "{file}: [old_server] has no api_key_env: name the environment variable holding the old server's API key"
                );
            };
            Server {
                url: url.get_ref().clone(),
                key_env: var.clone(),
                ca_file: ca_file
                    .clone()
                    .or(s.ca_file.as_ref().map(|c| plan_dir.join(c))),
            }
        }
        _ => bail!("give --server URL and --api-key-env VAR, or --plan FILE"),
    };
    let new = match (&args.new_server, &args.new_api_key_env) {
        (Some(url), Some(var)) => Some(Server {
            url: url.clone(),
            key_env: var.clone(),
            ca_file: ca_file.clone(),
        }),
        _ => plan.and_then(|p| p.spec.new_server.as_ref()).and_then(|s| {
            Some(Server {
                url: s.url.as_ref()?.get_ref().clone(),
                key_env: s.api_key_env.clone()?,
                ca_file: ca_file
                    .clone()
                    .or(s.ca_file.as_ref().map(|c| plan_dir.join(c))),
            })
        }),
    };
    Ok((old, new))
}

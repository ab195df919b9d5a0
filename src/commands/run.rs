//! `preflight run`: a plan's checks for one data center, plus this machine's
//! Tentacles with `--discover`.

use anyhow::{Result, bail};
use probe::{Plan, PlannedCheck};

use crate::cli::RunArgs;
use crate::commands::discover::discovered_checks;
use crate::output::{self, RunSettings};

/// The data center of a `run --discover` without a plan.
const LOCAL: &str = "local";

pub fn run(args: RunArgs) -> Result<i32> {
    let plan = args.plan.as_deref().map(Plan::load).transpose()?;
    let (dc, mut checks): (String, Vec<PlannedCheck>) = match &plan {
        Some(plan) => {
            let path = args
                .plan
                .as_deref()
                .unwrap_or_else(|| std::path::Path::new("plan"));
            let dc = match (&args.dc, plan.datacenters()) {
                (Some(dc), _) => dc.clone(),
                (None, [only]) => only.clone(),
                (None, []) => bail!("{}: the plan has no [[datacenter]]", path.display()),
                (None, many) => bail!(
                    "{}: the plan has several data centers; say which one this machine is in with --dc ({})",
                    path.display(),
                    many.join(", ")
                ),
            };
            let Some(checks) = plan.checks_for(&dc) else {
                bail!(
                    "{}: no data center `{dc}` in the plan (it has: {})",
                    path.display(),
                    plan.datacenters().join(", ")
                );
            };
            (dc, checks.to_vec())
        }
        None => (args.dc.clone().unwrap_or_else(|| LOCAL.into()), Vec::new()),
    };
    if args.discover {
        let identity = plan.as_ref().and_then(Plan::new_server_identity);
        for check in discovered_checks(&dc, identity.as_ref()) {
            // A Tentacle the plan already lists (from `discover`) is checked once.
            if !checks.iter().any(|c| c.id == check.id) {
                checks.push(check);
            }
        }
    }
    let defaults = plan
        .as_ref()
        .map(|p| p.spec.defaults.clone())
        .unwrap_or_default();
    let settings = RunSettings {
        datacenter: dc.clone(),
        migration: plan.as_ref().and_then(Plan::migration),
        plan_sha256: plan.as_ref().map(|p| p.sha256.clone()).unwrap_or_default(),
        waivers: plan.as_ref().map(Plan::waivers).unwrap_or_default(),
        timeout: args
            .timeout
            .or(defaults.timeout)
            .map_or(probe::runner::DEFAULT_TIMEOUT, |d| d.get()),
        concurrency: args
            .concurrency
            .map(|c| c as usize)
            .or(defaults.concurrency)
            .unwrap_or(probe::runner::DEFAULT_CONCURRENCY),
        secrets: output::secret_values(
            &plan.as_ref().map(Plan::secret_env_vars).unwrap_or_default(),
        ),
        ca_file: args.ca_file.clone(),
    };
    let resolvers = plan
        .as_ref()
        .map(|p| p.resolvers_for(&dc))
        .unwrap_or_default();
    // Every input is understood: now a wrong --out fails before the first check.
    if let Some(dir) = &args.output.out {
        output::prepare_out_dir(dir)?;
    }
    let finished = output::run_checks_with_resolvers(&checks, &settings, &resolvers)?;
    output::emit(finished, &args.output)
}

//! `preflight run`: a plan's checks for one data center.

use anyhow::{Result, bail};
use probe::Plan;

use crate::cli::RunArgs;
use crate::output::{self, RunSettings};

pub fn run(args: RunArgs) -> Result<i32> {
    let plan = Plan::load(&args.plan)?;
    let dc = match (&args.dc, plan.datacenters()) {
        (Some(dc), _) => dc.clone(),
        (None, [only]) => only.clone(),
        (None, []) => bail!("{}: the plan has no [[datacenter]]", args.plan.display()),
        (None, many) => bail!(
            "{}: the plan has several data centers; say which one this machine is in with --dc ({})",
            args.plan.display(),
            many.join(", ")
        ),
    };
    let Some(checks) = plan.checks_for(&dc) else {
        bail!(
            "{}: no data center `{dc}` in the plan (it has: {})",
            args.plan.display(),
            plan.datacenters().join(", ")
        );
    };
    let defaults = &plan.spec.defaults;
    let settings = RunSettings {
        datacenter: dc.clone(),
        migration: plan.migration(),
        plan_sha256: plan.sha256.clone(),
        waivers: plan.waivers(),
        timeout: args
            .timeout
            .or(defaults.timeout)
            .map_or(probe::runner::DEFAULT_TIMEOUT, |d| d.get()),
        concurrency: args
            .concurrency
            .map(|c| c as usize)
            .or(defaults.concurrency)
            .unwrap_or(probe::runner::DEFAULT_CONCURRENCY),
    };
    let finished = output::run_checks(checks, &settings)?;
    output::emit(&finished, &args.output)
}

//! `preflight plan init` and `preflight plan check` (`plan from-octopus` is in `from_octopus`).

use anyhow::Result;
use probe::Plan;

use crate::cli::PlanCommand;
use crate::output::{out, outln};

pub fn plan(cmd: PlanCommand) -> Result<i32> {
    match cmd {
        PlanCommand::Init => {
            out!("{}", probe::plan::TEMPLATE)?;
            Ok(report::exit::GO)
        }
        PlanCommand::FromOctopus(args) => super::from_octopus::from_octopus(args),
        PlanCommand::Check { file } => {
            let plan = Plan::load(&file)?;
            let total: usize = plan
                .datacenters()
                .iter()
                .map(|dc| plan.checks_for(dc).map_or(0, <[_]>::len))
                .sum();
            outln!(
                "{}: valid plan, {} data center(s), {} check(s)",
                file.display(),
                plan.datacenters().len(),
                total
            )?;
            for dc in plan.datacenters() {
                let checks = plan.checks_for(dc).unwrap_or_default();
                if checks.is_empty() {
                    eprintln!(
                        "warning: {}: data center `{dc}` has no checks: a run there proves nothing and is NO-GO",
                        file.display()
                    );
                }
                for check in checks {
                    outln!("  {:<48} {}  {}", check.id, check.severity, check.title)?;
                }
            }
            Ok(report::exit::GO)
        }
    }
}

//! `preflight discover`: this machine's Tentacle instances as a plan fragment,
//! and the checks `run --discover` adds for them.

use anyhow::Result;
use probe::checks::local::NewServerIdentity;
use probe::tentacle::{Source, TentacleTarget, discover as find};
use probe::{CheckSpec, Outcome, PlannedCheck};
use report::{CheckId, Severity, Status};

use crate::cli::DiscoverArgs;
use crate::output::out;

/// Prints the fragment; exits 2 when a file or a value in one could not be
/// read (the fragment still covers what could) or when no instance was found.
pub fn discover(args: DiscoverArgs) -> Result<i32> {
    let source = if args.config.is_empty() {
        Source::this_machine()
    } else {
        Source::Files(args.config)
    };
    let found = find(&source);
    out!(
        "{}",
        probe::tentacle::fragment::render(&hostname(), &found.instances, &found.errors)
    )?;
    for e in &found.errors {
        eprintln!("error: {e}");
    }
    for instance in &found.instances {
        if let Some(service) = &instance.service {
            let outcome = probe::tentacle::service::assess(&instance.name, service);
            if outcome.status != Status::Pass {
                eprintln!("warning: {}", outcome.reason);
            }
        }
    }
    let problems = found.instances.iter().flat_map(|i| &i.config.problems);
    for p in problems.clone() {
        eprintln!("error: {p} (the rest of the file was read)");
    }
    if found.instances.is_empty() && found.errors.is_empty() {
        eprintln!(
            "error: no Tentacle instance found (looked in {}); name a file with --config PATH",
            source.describe()
        );
        return Ok(report::exit::FAILURE);
    }
    Ok(if found.errors.is_empty() && problems.count() == 0 {
        report::exit::GO
    } else {
        report::exit::FAILURE
    })
}

/// The checks for this machine's Tentacles in data center `dc`: what a
/// fragment from `discover` would give, plus a result for each file that
/// could not be read (a blocker: its Tentacle cannot be checked), or a
/// failed blocker when no Tentacle was found at all: `--discover` asked for
/// this machine's Tentacles to be proven, and finding none proves nothing.
pub fn discovered_checks(dc: &str, new_server: Option<&NewServerIdentity>) -> Vec<PlannedCheck> {
    let source = Source::this_machine();
    let found = find(&source);
    let host = hostname();
    let mut out = Vec::new();
    for instance in &found.instances {
        let target = TentacleTarget::from_instance(instance, &host);
        out.extend(probe::plan::tentacles::tentacle_checks(
            dc, &target, new_server,
        ));
    }
    for instance in &found.instances {
        if let Some(service) = &instance.service {
            out.push(finding(
                CheckId::from_parts(["dc", dc, "local", "service", &instance.name]),
                format!("Tentacle service {} is running", service.name),
                host.clone(),
                Severity::Warning,
                probe::tentacle::service::assess(&instance.name, service),
            ));
        }
        for p in &instance.config.problems {
            out.push(finding(
                CheckId::from_parts([
                    "dc",
                    dc,
                    "local",
                    "discover",
                    &p.file,
                    &format!("line-{}", p.line),
                ]),
                format!("Tentacle configuration {} is readable", p.file),
                p.file.clone(),
                Severity::Blocker,
                Outcome::new(Status::Error, p.to_string()).with_remediation(
                    "fix the value (Tentacle itself cannot use it): the checks of this instance use the rest of the file",
                ),
            ));
        }
    }
    for e in &found.errors {
        out.push(finding(
            CheckId::from_parts(["dc", dc, "local", "discover", &e.file]),
            format!("Tentacle configuration {} is readable", e.file),
            e.file.clone(),
            Severity::Blocker,
            Outcome::new(Status::Error, e.to_string()).with_remediation(
                "fix or restore the file (Tentacle itself cannot start with it), or remove the instance from the index",
            ),
        ));
    }
    if found.instances.is_empty() && found.errors.is_empty() {
        out.push(finding(
            CheckId::from_parts(["dc", dc, "local", "discover"]),
            "Tentacle instances on this machine".into(),
            host,
            Severity::Blocker,
            Outcome::new(
                Status::Fail,
                format!(
                    "no Tentacle instance found (looked in {})",
                    source.describe()
                ),
            )
            .with_remediation("run on a machine with a Tentacle, or leave out --discover"),
        ));
    }
    out
}

fn finding(
    id: CheckId,
    title: String,
    target: String,
    severity: Severity,
    outcome: Outcome,
) -> PlannedCheck {
    PlannedCheck {
        id,
        title,
        target,
        severity,
        spec: CheckSpec::Finding(Box::new(outcome)),
    }
}

/// This machine's name, as reports record it.
pub fn hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

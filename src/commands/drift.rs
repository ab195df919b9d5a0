//! `preflight drift`: read the old and the new instance once (through the
//! one API client), judge the six drift rules over that read, and write a
//! normal report (data center `drift`); with `--out`, also the clone
//! scripts the `drift.polling-clones` evidence holds, beside the report.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use probe::checks::drift::{self, DriftCheck, DriftSpec, InstanceSpec, clone};
use probe::{CheckSpec, Plan, PlannedCheck};
use report::{CheckId, Report};

use crate::cli::DriftArgs;
use crate::commands::from_octopus::api_key_from_env;
use crate::output::{self, RunSettings};

/// The data center every drift report is written under.
pub const DATACENTER: &str = "drift";

/// Pages read per collection at most (100 items each).
const MAX_PAGES: usize = 1000;

/// One instance as the command line or the plan names it.
struct Named {
    url: String,
    api_key_env: String,
    ca_file: Option<PathBuf>,
    /// The flag or plan key that names the variable, for messages.
    source: String,
    /// The flag or plan key that names the URL.
    flag: String,
}

pub fn drift(args: DriftArgs) -> Result<i32> {
    let plan = args.plan.as_deref().map(Plan::load).transpose()?;
    let (old, new) = match (&plan, &args.plan) {
        (Some(plan), Some(path)) => (
            from_plan(plan, path, "old_server", args.ca_file.as_deref())?,
            from_plan(plan, path, "new_server", args.ca_file.as_deref())?,
        ),
        _ => (
            from_flags(&args.old, &args.old_api_key_env, "--old", &args.ca_file)?,
            from_flags(&args.new, &args.new_api_key_env, "--new", &args.ca_file)?,
        ),
    };
    let spec = DriftSpec {
        old: instance(&old)?,
        new: instance(&new)?,
        since: args.since,
        timeout: args.timeout.get(),
        max_pages: MAX_PAGES,
    };
    // Every input is understood: now a wrong --out fails before the first request.
    if let Some(dir) = &args.output.out {
        output::prepare_out_dir(dir)?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut evidence = runtime.block_on(drift::gather(&spec));
    drop(runtime);
    if args.discover {
        evidence.local = Some(local_tentacles(&args.config));
    }
    let checks = checks(evidence);
    let settings = RunSettings {
        datacenter: DATACENTER.into(),
        migration: plan.as_ref().and_then(Plan::migration),
        plan_sha256: plan.as_ref().map(|p| p.sha256.clone()).unwrap_or_default(),
        waivers: plan.as_ref().map(Plan::waivers).unwrap_or_default(),
        secrets: output::secret_values(&[old.api_key_env.clone(), new.api_key_env.clone()]),
        ..RunSettings::adhoc(args.timeout.get())
    };
    let finished = output::run_checks(&checks, &settings)?;
    if let Some(dir) = &args.output.out {
        write_scripts(
            dir,
            &finished.report,
            output::FileMode::from_private(args.output.private),
        )?;
    }
    output::emit(finished, &args.output)
}

/// The six checks over one read of both instances, in report order.
pub fn checks(evidence: drift::DriftEvidence) -> Vec<PlannedCheck> {
    let target = format!("{} → {}", evidence.old.server, evidence.new.server);
    DriftCheck::all(evidence)
        .into_iter()
        .map(|check| PlannedCheck {
            id: CheckId::from_parts([DATACENTER, check.rule.name()]),
            title: check.rule.title().into(),
            target: target.clone(),
            severity: check.rule.severity(),
            spec: CheckSpec::Drift(check),
        })
        .collect()
}

/// This machine's Tentacle instances (or the named config files): each
/// one's thumbprint and trusted servers, and the files that could not be read.
fn local_tentacles(files: &[PathBuf]) -> Vec<drift::LocalTentacle> {
    use probe::tentacle::{Source, discover};
    let source = if files.is_empty() {
        Source::this_machine()
    } else {
        Source::Files(files.to_vec())
    };
    let found = discover(&source);
    let mut out: Vec<drift::LocalTentacle> = found
        .instances
        .iter()
        .map(|i| drift::LocalTentacle {
            instance: i.name.clone(),
            thumbprint: i.config.thumbprint.as_ref().map(|t| t.as_str().to_string()),
            trusted: i
                .config
                .trusted
                .iter()
                .map(|t| {
                    (
                        t.thumbprint.as_str().to_string(),
                        t.style.as_str().to_string(),
                    )
                })
                .collect(),
            error: None,
        })
        .collect();
    out.extend(found.errors.iter().map(|e| drift::LocalTentacle {
        instance: e.file.clone(),
        error: Some(e.to_string()),
        ..drift::LocalTentacle::default()
    }));
    out
}

fn from_flags(
    url: &Option<String>,
    var: &Option<String>,
    flag: &str,
    ca_file: &Option<PathBuf>,
) -> Result<Named> {
    let (Some(url), Some(var)) = (url, var) else {
        bail!("{flag} and {flag}-api-key-env go together (or give --plan)");
    };
    Ok(Named {
        url: url.clone(),
        api_key_env: var.trim().to_string(),
        ca_file: ca_file.clone(),
        source: format!("{flag}-api-key-env"),
        flag: flag.to_string(),
    })
}

fn from_plan(plan: &Plan, path: &Path, section: &str, ca_file: Option<&Path>) -> Result<Named> {
    let server = match section {
        "old_server" => plan.spec.old_server.as_ref(),
        _ => plan.spec.new_server.as_ref(),
    };
    let file = path.display();
    let Some(server) = server else {
        bail!("{file}: expected a [{section}] with url and api_key_env for drift, found none");
    };
    let Some(url) = &server.url else {
        bail!("{file}: [{section}] has no `url`: drift reads the instance's API at it");
    };
    let Some(var) = &server.api_key_env else {
        bail!(
            "{file}: [{section}] has no `api_key_env`: name the environment variable holding an API key of that instance"
        );
    };
    let plan_dir = path.parent().unwrap_or(Path::new("."));
    let ca = server
        .ca_file
        .as_deref()
        .map(|f| probe::plan::resolve_plan_path(plan_dir, f))
        .or_else(|| ca_file.map(Path::to_path_buf));
    Ok(Named {
        url: url.get_ref().clone(),
        api_key_env: var.trim().to_string(),
        ca_file: ca,
        source: format!("[{section}] api_key_env"),
        flag: format!("{file}: [{section}] url"),
    })
}

fn instance(named: &Named) -> Result<InstanceSpec> {
    let api_key = api_key_from_env(&named.api_key_env, &named.source)?;
    let ca_file = match &named.ca_file {
        Some(path) => Some(
            std::fs::canonicalize(path)
                .with_context(|| format!("{}: cannot read the CA file", path.display()))?,
        ),
        None => None,
    };
    let spec = InstanceSpec {
        url: named.url.clone(),
        api_key,
        key_source: format!("the environment variable {}", named.api_key_env),
        ca_file,
    };
    // A URL the client refuses (http://, credentials in it, no host) is the
    // user's input to fix, before any request: exit 2, not a NO-GO.
    probe::octopus_api::ApiClient::new(&probe::octopus_api::ClientOptions {
        server: spec.url.clone(),
        api_key: spec.api_key.clone(),
        key_source: spec.key_source.clone(),
        ca_file: spec.ca_file.clone(),
        timeout: std::time::Duration::from_secs(1),
        max_pages: 1,
    })
    .map_err(|e| anyhow::anyhow!("{}: {e}", named.flag))?;
    Ok(spec)
}

/// The clone scripts as the (redacted) report holds them, written beside it;
/// a run that needs none removes those an earlier run left.
pub fn write_scripts(dir: &Path, report: &Report, mode: output::FileMode) -> Result<()> {
    let id = CheckId::from_parts([DATACENTER, "polling-clones"]);
    let evidence = report
        .results
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.evidence.json());
    let script = |key: &str| {
        evidence
            .and_then(|e| e.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    match (script("clone_tentacles_sh"), script("clone_tentacles_ps1")) {
        (Some(bash), Some(powershell)) => {
            output::write_atomic_set(
                dir,
                &[
                    (clone::BASH_FILE, bash.as_bytes()),
                    (clone::POWERSHELL_FILE, powershell.as_bytes()),
                ],
                mode,
            )?;
            eprintln!(
                "clone scripts written to {} ({}, {}): read them, then run each on its Tentacle's machine",
                dir.display(),
                clone::BASH_FILE,
                clone::POWERSHELL_FILE
            );
        }
        _ => {
            for name in [clone::BASH_FILE, clone::POWERSHELL_FILE] {
                let stale = dir.join(name);
                if stale.exists() {
                    std::fs::remove_file(&stale)
                        .with_context(|| format!("cannot remove the stale {}", stale.display()))?;
                }
            }
        }
    }
    Ok(())
}

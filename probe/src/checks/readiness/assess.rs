//! The readiness rules, one pure function each: the reads a rule needs →
//! a `Finding` with its id, severity, a reason naming what was found, and
//! what to do. A read that failed makes the rule `error` (with the URL and,
//! for 401/403, the permission the key lacks), never a pass.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use report::{Severity, Status};
use serde_json::json;

use super::{
    Finding, Phase, Read, ReadError, ReadinessSpec, ServerEvidence, SpaceEvidence, Target,
};
use crate::checks::dns::scope::not_public;
use crate::checks::octopus::version::{EXPORT_IMPORT_MINIMUM, OctopusVersion};
use crate::contract::Outcome;
use crate::octopus_api::resources::{Action, Machine, Space, Step};

/// Action types that run on the server by design and that Cloud runs itself
/// (they need no worker): manual intervention, email, deploy a release, health check.
pub const SERVER_SIDE_ACTIONS: [&str; 4] = [
    "Octopus.Manual",
    "Octopus.Email",
    "Octopus.DeployRelease",
    "Octopus.HealthCheck",
];

/// The sign-in providers Octopus Cloud offers (Octopus's authentication provider compatibility page).
pub const CLOUD_PROVIDERS: &str =
    "Octopus ID, Microsoft Entra ID (Azure AD), Google Workspace and Okta";

/// Names listed in a reason at most; the evidence has them all.
const LIST_MAX: usize = 8;

/// Every rule, in the order the report shows them.
pub fn assess(ev: &ServerEvidence, spec: &ReadinessSpec) -> Vec<super::Finding> {
    vec![
        version(ev, spec),
        auth_providers(ev, spec),
        users(ev, spec),
        admins(ev, spec),
        run_on_server(ev, spec),
        manual_targets(ev, spec),
        tentacle_versions(ev, spec),
        package_storage(ev, spec),
        triggers(ev, spec),
        step_templates(ev, spec),
        webhooks(ev, spec),
        maintenance_mode(ev, spec),
        task_cap(ev, spec),
        active_tasks(ev, spec),
        ci_activity(ev, spec),
    ]
}

fn finding(id: &'static str, title: &'static str, severity: Severity, outcome: Outcome) -> Finding {
    Finding {
        id,
        title,
        severity,
        outcome,
    }
}

/// A Cloud-only rule's severity: `base` for Cloud, `info` for a new instance.
fn cloud_only(spec: &ReadinessSpec, base: Severity) -> Severity {
    match spec.target {
        Target::Cloud => base,
        Target::Instance => Severity::Info,
    }
}

/// A cutover rule's severity: `blocker` at cutover, `info` while preparing.
fn cutover_only(spec: &ReadinessSpec) -> Severity {
    match spec.phase {
        Phase::Cutover => Severity::Blocker,
        Phase::Prep => Severity::Info,
    }
}

/// The status of a rule that found a problem: `fail` for a blocker, `warn` otherwise.
fn problem(severity: Severity) -> Status {
    if severity == Severity::Blocker {
        Status::Fail
    } else {
        Status::Warn
    }
}

/// The `error` outcome of reads that failed: each URL and, for 401/403, the permission.
fn read_failed(what: &str, errors: &[&ReadError]) -> Outcome {
    let mut seen = BTreeSet::new();
    let lines: Vec<String> = errors
        .iter()
        .map(|e| e.describe())
        .filter(|l| seen.insert(l.clone()))
        .collect();
    let denied: BTreeSet<&str> = errors
        .iter()
        .filter(|e| e.is_denied())
        .map(|e| e.permission)
        .collect();
    let remediation = if denied.is_empty() {
        "check that the server answers these URLs (and that --server is the portal's root URL), then run again".to_string()
    } else {
        format!(
            "give the API key's user a role with the {} permission{} (in every space), or use the key of a user who has it, then run again",
            denied.into_iter().collect::<Vec<_>>().join(", "),
            if errors.iter().filter(|e| e.is_denied()).count() > 1 {
                "s"
            } else {
                ""
            }
        )
    };
    Outcome::new(
        Status::Error,
        format!("could not read {what}: {}", lines.join("; ")),
    )
    .with_remediation(remediation)
    .with_evidence(json!({ "errors": errors }))
}

/// Names, at most `LIST_MAX`, then `and N more`.
fn list(names: &[String]) -> String {
    if names.len() <= LIST_MAX {
        names.join(", ")
    } else {
        format!(
            "{}, and {} more",
            names[..LIST_MAX].join(", "),
            names.len() - LIST_MAX
        )
    }
}

/// Every space's items of one resource, or every read that failed (the space list's included).
fn per_space<'a, T>(
    ev: &'a ServerEvidence,
    pick: impl Fn(&'a SpaceEvidence) -> &'a Read<Vec<T>>,
) -> Result<Vec<(&'a Space, &'a T)>, Vec<&'a ReadError>> {
    let spaces = ev.spaces.as_ref().map_err(|e| vec![e])?;
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for s in spaces {
        match pick(s) {
            Ok(list) => items.extend(list.iter().map(|i| (&s.space, i))),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// `space / rest`, or `rest` on a server without spaces.
fn in_space(space: &Space, rest: &str) -> String {
    if space.id.is_empty() {
        rest.to_string()
    } else {
        format!("{} / {rest}", space.name)
    }
}

/// Bytes as a person reads them, in decimal units (the limits are written so).
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// `readiness.version`: Export/Import needs 2021.1; a new instance must not be older.
pub fn version(ev: &ServerEvidence, spec: &ReadinessSpec) -> Finding {
    let f = |o| finding("readiness.version", "Server version", Severity::Blocker, o);
    let root = match &ev.root {
        Ok(r) => r,
        Err(e) => return f(read_failed("the server's version (/api)", &[e])),
    };
    let minimum: OctopusVersion = EXPORT_IMPORT_MINIMUM.parse().expect("a constant version");
    let old: OctopusVersion = match root.version.parse() {
        Ok(v) => v,
        Err(e) => {
            return f(Outcome::new(
                Status::Error,
                format!("{}/api: Version: {e}", ev.server),
            ));
        }
    };
    let evidence = json!({ "version": root.version, "minimum": EXPORT_IMPORT_MINIMUM,
        "new_version": ev.new_root.as_ref().and_then(|r| r.as_ref().ok()).map(|r| r.version.clone()) });
    if old < minimum {
        return f(Outcome::new(
            Status::Fail,
            format!("the old server runs Octopus {old}, older than {EXPORT_IMPORT_MINIMUM}: Export/Import Projects needs {EXPORT_IMPORT_MINIMUM} or later"),
        )
        .with_remediation(format!("upgrade the old server to {EXPORT_IMPORT_MINIMUM} or later (the same version as the new instance is best) before exporting projects"))
        .with_evidence(evidence));
    }
    if spec.target == Target::Instance
        && let Some(new) = &ev.new_root
    {
        let new = match new {
            Ok(r) => r,
            Err(e) => return f(read_failed("the new instance's version (/api)", &[e])),
        };
        match new.version.parse::<OctopusVersion>() {
            Ok(v) if v < old => {
                return f(Outcome::new(
                    Status::Fail,
                    format!("the new instance runs Octopus {v}, older than the old server's {old}: it cannot import what the old one exports"),
                )
                .with_remediation(format!("upgrade the new instance to {old} or later before importing"))
                .with_evidence(evidence));
            }
            Ok(v) => {
                return f(Outcome::new(
                    Status::Pass,
                    format!("the old server runs Octopus {old} (Export/Import needs {EXPORT_IMPORT_MINIMUM}); the new instance runs {v}, not older"),
                )
                .with_evidence(evidence));
            }
            Err(e) => {
                return f(Outcome::new(
                    Status::Error,
                    format!("the new instance's /api: Version: {e}"),
                ));
            }
        }
    }
    f(Outcome::new(
        Status::Pass,
        format!("the old server runs Octopus {old}: Export/Import Projects needs {EXPORT_IMPORT_MINIMUM} or later"),
    )
    .with_evidence(evidence))
}

/// Whether a provider or identity name is a directory one (Active Directory or LDAP).
fn is_directory(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("active directory") || n.contains("activedirectory") || n.contains("ldap")
}

/// The enabled directory providers: listed by `/api/authentication` (and not
/// `IsEnabled: false`), or enabled in their configuration document.
fn directory_providers(ev: &ServerEvidence) -> Result<Vec<String>, Vec<&ReadError>> {
    let auth = ev.authentication.as_ref().map_err(|e| vec![e])?;
    let mut found = BTreeSet::new();
    for p in &auth.authentication_providers {
        let directory =
            is_directory(&p.name) || p.identity_type.as_deref().is_some_and(is_directory);
        if directory && p.is_enabled != Some(false) {
            found.insert(p.name.clone());
        }
    }
    for ((_, name), (_, read)) in super::gather::DIRECTORY_PROVIDERS
        .iter()
        .zip(&ev.directory_configs)
    {
        match read {
            Ok(c) if c.is_enabled => {
                found.insert((*name).to_string());
            }
            Ok(_) => {
                found.retain(|f| !f.eq_ignore_ascii_case(name));
            }
            // Not every server has every provider; the list above still says.
            Err(_) => {}
        }
    }
    Ok(found.into_iter().collect())
}

/// `readiness.auth-providers`: Cloud has no Active Directory or LDAP.
pub fn auth_providers(ev: &ServerEvidence, spec: &ReadinessSpec) -> Finding {
    let severity = cloud_only(spec, Severity::Warning);
    let f = |o| finding("readiness.auth-providers", "Sign-in providers", severity, o);
    let found = match directory_providers(ev) {
        Ok(f) => f,
        Err(errors) => return f(read_failed("the sign-in providers", &errors)),
    };
    let enabled: Vec<String> = ev
        .authentication
        .as_ref()
        .map(|a| {
            a.authentication_providers
                .iter()
                .filter(|p| p.is_enabled != Some(false))
                .map(|p| p.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let evidence = json!({ "enabled": enabled, "directory": found });
    if found.is_empty() {
        return f(Outcome::new(
            Status::Pass,
            format!(
                "no Active Directory or LDAP sign-in is enabled (enabled: {})",
                list(&enabled)
            ),
        )
        .with_evidence(evidence));
    }
    f(Outcome::new(
        problem(severity),
        format!(
            "{} sign-in is enabled: Octopus Cloud has no Active Directory or LDAP",
            found.join(" and ")
        ),
    )
    .with_remediation(format!(
        "choose the provider the team will use on Cloud ({CLOUD_PROVIDERS}), enable it on the old server now, and have people link it to their accounts before the move"
    ))
    .with_evidence(evidence))
}

/// `readiness.users`: users are not exported; directory-only users cannot sign in on Cloud.
pub fn users(ev: &ServerEvidence, spec: &ReadinessSpec) -> Finding {
    let severity = cloud_only(spec, Severity::Warning);
    let f = |o| finding("readiness.users", "Users", severity, o);
    let users = match &ev.users {
        Ok(u) => u,
        Err(e) => return f(read_failed("the users", &[e])),
    };
    let active: Vec<_> = users.iter().filter(|u| u.is_active).collect();
    let service: Vec<String> = active
        .iter()
        .filter(|u| u.is_service)
        .map(|u| u.username.clone())
        .collect();
    let directory_only: Vec<String> = active
        .iter()
        .filter(|u| {
            !u.is_service
                && !u.identities.is_empty()
                && u.identities
                    .iter()
                    .all(|i| is_directory(&i.identity_provider_name))
        })
        .map(|u| u.username.clone())
        .collect();
    let people = active.len() - service.len();
    let evidence = json!({ "active_users": people, "service_accounts": service, "directory_only": directory_only });
    let services = if service.is_empty() {
        String::new()
    } else {
        format!(
            "; {} service account(s) apart ({}), which sign in with API keys to recreate",
            service.len(),
            list(&service)
        )
    };
    if directory_only.is_empty() {
        return f(Outcome::new(
            Status::Pass,
            format!("{people} active user(s), none signing in only through Active Directory or LDAP{services}; users are not exported: invite them on the new instance"),
        )
        .with_evidence(evidence));
    }
    f(Outcome::new(
        problem(severity),
        format!(
            "{} of {people} active user(s) sign in only through Active Directory or LDAP ({}){services}; users are not exported",
            directory_only.len(),
            list(&directory_only)
        ),
    )
    .with_remediation(format!(
        "before the move, have each of them link a Cloud-compatible login ({CLOUD_PROVIDERS}); invite them on the new instance, since users are not exported; recreate service accounts and their API keys there and update whatever uses them"
    ))
    .with_evidence(evidence))
}

/// Whether an external group id is an Active Directory SID or an LDAP DN.
fn is_directory_group(id: &str) -> bool {
    let up = id.to_ascii_uppercase();
    up.starts_with("S-1-") || up.contains("CN=") || up.contains("DC=") || up.contains("OU=")
}

/// `readiness.admins`: Cloud's highest role is Octopus Manager; directory groups do not resolve there.
pub fn admins(ev: &ServerEvidence, spec: &ReadinessSpec) -> Finding {
    let severity = cloud_only(spec, Severity::Warning);
    let f = |o| {
        finding(
            "readiness.admins",
            "Administrators and directory groups",
            severity,
            o,
        )
    };
    let teams = match &ev.teams {
        Ok(t) => t,
        Err(e) => return f(read_failed("the teams", &[e])),
    };
    let names: HashMap<&str, &str> = ev
        .users
        .as_ref()
        .map(|u| {
            u.iter()
                .map(|u| (u.id.as_str(), u.username.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let admins: Vec<String> = teams
        .iter()
        .filter(|t| t.id == "teams-administrators" || t.name == "Octopus Administrators")
        .flat_map(|t| t.member_user_ids.iter())
        .map(|id| {
            names
                .get(id.as_str())
                .map_or_else(|| id.clone(), |n| n.to_string())
        })
        .collect();
    let fed: Vec<String> = teams
        .iter()
        .filter_map(|t| {
            let groups: Vec<String> = t
                .external_security_groups
                .iter()
                .filter(|g| is_directory_group(&g.id))
                .map(|g| g.display_name.clone().unwrap_or_else(|| g.id.clone()))
                .collect();
            (!groups.is_empty()).then(|| format!("{} ← {}", t.name, groups.join(", ")))
        })
        .collect();
    let evidence = json!({ "administrators": admins, "teams_with_directory_groups": fed });
    let admin_text = format!(
        "Octopus Administrators has {} member(s) ({}){}",
        admins.len(),
        list(&admins),
        if spec.target == Target::Cloud {
            ", who can be at most Octopus Managers on Cloud"
        } else {
            ""
        }
    );
    if fed.is_empty() {
        return f(Outcome::new(
            Status::Pass,
            format!("{admin_text}; no team is fed by Active Directory or LDAP groups"),
        )
        .with_evidence(evidence));
    }
    f(Outcome::new(
        problem(severity),
        format!("{admin_text}; {} team(s) are fed by Active Directory or LDAP groups: {}", fed.len(), list(&fed)),
    )
    .with_remediation("on the new instance add those people to the teams directly, or map the teams to groups of a provider it supports (Microsoft Entra ID groups); decide who becomes Octopus Manager")
    .with_evidence(evidence))
}

/// One step that runs on the server, for the report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServerStep {
    pub space: String,
    pub project: String,
    /// `deployment process` or `runbook <name>`.
    pub process: String,
    pub step: String,
    pub action: String,
    /// `the server` or `the built-in worker`.
    pub runs_on: &'static str,
}

impl ServerStep {
    fn label(&self, has_spaces: bool) -> String {
        let mut parts = Vec::new();
        if has_spaces {
            parts.push(self.space.clone());
        }
        parts.push(self.project.clone());
        if self.process != "deployment process" {
            parts.push(self.process.clone());
        }
        parts.push(self.step.clone());
        parts.join(" / ")
    }
}

/// Where an action that asks to run on the server really runs, or `None` when on a worker.
fn server_side(
    action: &Action,
    default_pool: Option<&str>,
    pools_with_workers: &BTreeSet<&str>,
    built_in_worker: bool,
) -> Option<&'static str> {
    if action.is_disabled || !action.runs_on_server() {
        return None;
    }
    if SERVER_SIDE_ACTIONS.contains(&action.action_type.as_str()) {
        return None;
    }
    if action
        .worker_pool_variable
        .as_deref()
        .is_some_and(|v| !v.trim().is_empty())
    {
        return None;
    }
    let pool = action
        .worker_pool_id
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .or(default_pool);
    match pool {
        // A server without worker pools (before 2018.7) runs it on the server itself.
        None => Some("the server"),
        Some(p) if pools_with_workers.contains(p) => None,
        Some(p) if Some(p) == default_pool && built_in_worker => Some("the built-in worker"),
        // An empty pool that is not the default: the step waits for a worker; not the server.
        Some(_) => None,
    }
}

/// `readiness.run-on-server`: every enabled step that runs on the server or its built-in worker.
pub fn run_on_server(ev: &ServerEvidence, spec: &ReadinessSpec) -> Finding {
    let severity = cloud_only(spec, Severity::Blocker);
    let f = |o| {
        finding(
            "readiness.run-on-server",
            "Steps that run on the server",
            severity,
            o,
        )
    };
    let spaces = match &ev.spaces {
        Ok(s) => s,
        Err(e) => return f(read_failed("the spaces", &[e])),
    };
    let built_in_worker = match &ev.features {
        Ok(c) => c.is_built_in_worker_enabled.unwrap_or(true),
        // Unknown: assume the default (on), so no step is passed over.
        Err(_) => true,
    };
    let mut errors = Vec::new();
    let mut found = Vec::new();
    let has_spaces = spaces.iter().any(|s| !s.space.id.is_empty());
    for s in spaces {
        let (
            Ok(projects),
            Ok(pools),
            Ok(workers),
            Ok(deployment),
            Ok(runbooks),
            Ok(runbook_processes),
        ) = (
            &s.projects,
            &s.worker_pools,
            &s.workers,
            &s.deployment_processes,
            &s.runbooks,
            &s.runbook_processes,
        )
        else {
            for r in [
                s.projects.as_ref().err(),
                s.worker_pools.as_ref().err(),
                s.workers.as_ref().err(),
                s.deployment_processes.as_ref().err(),
                s.runbooks.as_ref().err(),
                s.runbook_processes.as_ref().err(),
            ]
            .into_iter()
            .flatten()
            {
                errors.push(r);
            }
            continue;
        };
        let project_name: HashMap<&str, &str> = projects
            .iter()
            .map(|p| (p.id.as_str(), p.name.as_str()))
            .collect();
        let runbook_name: HashMap<&str, &str> = runbooks
            .iter()
            .map(|r| (r.id.as_str(), r.name.as_str()))
            .collect();
        let default_pool = pools.iter().find(|p| p.is_default).map(|p| p.id.as_str());
        let with_workers: BTreeSet<&str> = workers
            .iter()
            .filter(|w| !w.is_disabled)
            .flat_map(|w| w.worker_pool_ids.iter().map(String::as_str))
            .chain(
                pools
                    .iter()
                    .filter(|p| p.is_dynamic())
                    .map(|p| p.id.as_str()),
            )
            .collect();
        let mut walk = |project_id: &str, process: String, steps: &[Step]| {
            for step in steps {
                for action in &step.actions {
                    if let Some(on) =
                        server_side(action, default_pool, &with_workers, built_in_worker)
                    {
                        found.push(ServerStep {
                            space: s.space.name.clone(),
                            project: project_name
                                .get(project_id)
                                .map_or_else(|| project_id.to_string(), |n| n.to_string()),
                            process: process.clone(),
                            step: step.name.clone(),
                            action: action.name.clone(),
                            runs_on: on,
                        });
                    }
                }
            }
        };
        for p in deployment {
            walk(&p.project_id, "deployment process".into(), &p.steps);
        }
        for p in runbook_processes {
            let name = p
                .runbook_id
                .as_deref()
                .map(|id| {
                    runbook_name
                        .get(id)
                        .map_or_else(|| id.to_string(), |n| n.to_string())
                })
                .unwrap_or_else(|| p.id.clone());
            walk(&p.project_id, format!("runbook {name}"), &p.steps);
        }
    }
    if !errors.is_empty() {
        return f(read_failed(
            "the processes, worker pools and workers",
            &errors,
        ));
    }
    let evidence = json!({ "built_in_worker_enabled": built_in_worker, "steps": found });
    if found.is_empty() {
        return f(Outcome::new(
            Status::Pass,
            "no enabled deployment or runbook step runs on the server or on its built-in worker",
        )
        .with_evidence(evidence));
    }
    let labels: Vec<String> = found
        .iter()
        .map(|s| format!("{} (on {})", s.label(has_spaces), s.runs_on))
        .collect();
    f(Outcome::new(
        problem(severity),
        format!(
            "{} step(s) run on the server, which Octopus Cloud does not do: {}",
            found.len(),
            list(&labels)
        ),
    )
    .with_remediation("before exporting, set each step's execution location to a worker pool (a pool of your own workers, or on Cloud a dynamic pool), run a deployment to prove it, and only then move the project")
    .with_evidence(evidence))
}

/// `readiness.manual-targets`: only Tentacles can be cloned; the rest are recreated by hand.
pub fn manual_targets(ev: &ServerEvidence, _spec: &ReadinessSpec) -> Finding {
    let f = |o| {
        finding(
            "readiness.manual-targets",
            "Targets recreated by hand",
            Severity::Warning,
            o,
        )
    };
    let machines = match per_space(ev, |s| &s.machines) {
        Ok(m) => m,
        Err(errors) => return f(read_failed("the deployment targets", &errors)),
    };
    let manual: Vec<(&Space, &Machine)> = machines
        .into_iter()
        .filter(|(_, m)| !m.is_tentacle())
        .collect();
    let labels: Vec<String> = manual
        .iter()
        .map(|(s, m)| {
            format!(
                "{} ({})",
                in_space(s, &m.name),
                if m.style().is_empty() {
                    "no endpoint"
                } else {
                    m.style()
                }
            )
        })
        .collect();
    let evidence = json!({ "targets": manual.iter().map(|(s, m)| json!({"space": s.name, "name": m.name, "style": m.style()})).collect::<Vec<_>>() });
    if manual.is_empty() {
        return f(
            Outcome::new(Status::Pass, "every deployment target is a Tentacle")
                .with_evidence(evidence),
        );
    }
    f(Outcome::new(
        Status::Warn,
        format!("{} target(s) are not Tentacles and must be recreated by hand on the new instance: {}", manual.len(), list(&labels)),
    )
    .with_remediation("recreate each of these targets on the new instance (with its accounts, environments, roles and tenants) and run a health check before the first deployment there")
    .with_evidence(evidence))
}

/// `readiness.tentacle-versions`: Tentacles the server flags for upgrade.
pub fn tentacle_versions(ev: &ServerEvidence, _spec: &ReadinessSpec) -> Finding {
    let f = |o| {
        finding(
            "readiness.tentacle-versions",
            "Tentacle versions",
            Severity::Warning,
            o,
        )
    };
    let mut errors = Vec::new();
    let mut all = Vec::new();
    match per_space(ev, |s| &s.machines) {
        Ok(m) => all.extend(m),
        Err(e) => errors.extend(e),
    }
    match per_space(ev, |s| &s.workers) {
        Ok(m) => all.extend(m),
        Err(e) => errors.extend(e),
    }
    if !errors.is_empty() {
        return f(read_failed("the targets and workers", &errors));
    }
    let tentacles: Vec<_> = all.into_iter().filter(|(_, m)| m.is_tentacle()).collect();
    let old: Vec<(&Space, &Machine, &str, &str)> = tentacles
        .iter()
        .filter_map(|(s, m)| {
            let v = m.tentacle_version()?;
            let why = if v.upgrade_required {
                "upgrade required"
            } else if v.upgrade_suggested {
                "upgrade suggested"
            } else {
                return None;
            };
            Some((
                *s,
                *m,
                v.version.as_deref().unwrap_or("version unknown"),
                why,
            ))
        })
        .collect();
    let labels: Vec<String> = old
        .iter()
        .map(|(s, m, v, why)| format!("{} ({v}, {why})", in_space(s, &m.name)))
        .collect();
    let evidence = json!({ "tentacles": tentacles.len(), "flagged": old.iter().map(|(s, m, v, why)| json!({"space": s.name, "name": m.name, "version": v, "state": why})).collect::<Vec<_>>() });
    if old.is_empty() {
        return f(Outcome::new(
            Status::Pass,
            format!(
                "none of {} Tentacle(s) is flagged for upgrade",
                tentacles.len()
            ),
        )
        .with_evidence(evidence));
    }
    f(Outcome::new(
        Status::Warn,
        format!("{} of {} Tentacle(s) are older than the server wants: {}", old.len(), tentacles.len(), list(&labels)),
    )
    .with_remediation("upgrade these Tentacles from the old server (Infrastructure → Upgrade Tentacles) before cloning or re-registering them, so the new instance can talk to them")
    .with_evidence(evidence))
}

/// `readiness.package-storage`: Cloud's per-file and total limits; packages are not exported.
pub fn package_storage(ev: &ServerEvidence, spec: &ReadinessSpec) -> Finding {
    let severity = cloud_only(spec, Severity::Blocker);
    let f = |o| {
        finding(
            "readiness.package-storage",
            "Built-in feed storage",
            severity,
            o,
        )
    };
    let packages = match per_space(ev, |s| &s.packages) {
        Ok(p) => p,
        Err(errors) => return f(read_failed("the built-in feed's packages", &errors)),
    };
    // Saturating: a hostile server's sizes cannot overflow the sum.
    let total: u64 = packages
        .iter()
        .filter_map(|(_, p)| p.package_size_bytes)
        .fold(0, u64::saturating_add);
    let unknown = packages
        .iter()
        .filter(|(_, p)| p.package_size_bytes.is_none())
        .count();
    let oversize: Vec<String> = packages
        .iter()
        .filter(|(_, p)| {
            p.package_size_bytes
                .is_some_and(|b| b > spec.file_limit_bytes)
        })
        .map(|(s, p)| {
            in_space(
                s,
                &format!(
                    "{} {} ({})",
                    p.package_id,
                    p.version,
                    size(p.package_size_bytes.unwrap_or(0))
                ),
            )
        })
        .collect();
    let evidence = json!({
        "packages": packages.len(), "total_bytes": total, "unknown_size": unknown,
        "file_limit_bytes": spec.file_limit_bytes, "storage_limit_bytes": spec.storage_limit_bytes,
        "oversize": oversize,
    });
    let unknown_text = if unknown > 0 {
        format!(" ({unknown} without a size)")
    } else {
        String::new()
    };
    let mut problems = Vec::new();
    if !oversize.is_empty() {
        problems.push(format!(
            "{} package(s) over the {} per-file limit: {}",
            oversize.len(),
            size(spec.file_limit_bytes),
            list(&oversize)
        ));
    }
    if total > spec.storage_limit_bytes {
        problems.push(format!(
            "the feed holds {} in all, over the {} storage limit",
            size(total),
            size(spec.storage_limit_bytes)
        ));
    }
    if problems.is_empty() {
        return f(Outcome::new(
            Status::Pass,
            format!("{} package(s), {}{unknown_text}, within the {} per-file and {} total limits; packages are not exported: push the ones still needed to the new instance", packages.len(), size(total), size(spec.file_limit_bytes), size(spec.storage_limit_bytes)),
        )
        .with_evidence(evidence));
    }
    f(Outcome::new(problem(severity), format!("{}; packages are not exported", problems.join("; ")))
        .with_remediation("move large packages to an external feed (or split them), tighten the built-in feed's retention policy, and push only the versions still needed to the new instance")
        .with_evidence(evidence))
}

/// `readiness.triggers`: triggers are not exported.
pub fn triggers(ev: &ServerEvidence, _spec: &ReadinessSpec) -> Finding {
    let f = |o| {
        finding(
            "readiness.triggers",
            "Project triggers",
            Severity::Warning,
            o,
        )
    };
    let mut errors = Vec::new();
    let triggers = per_space(ev, |s| &s.triggers)
        .map_err(|e| errors.extend(e))
        .unwrap_or_default();
    let projects = per_space(ev, |s| &s.projects)
        .map_err(|e| errors.extend(e))
        .unwrap_or_default();
    if !errors.is_empty() {
        return f(read_failed("the project triggers", &errors));
    }
    let names: HashMap<&str, &str> = projects
        .iter()
        .map(|(_, p)| (p.id.as_str(), p.name.as_str()))
        .collect();
    let enabled: Vec<String> = triggers
        .iter()
        .filter(|(_, t)| !t.is_disabled)
        .map(|(s, t)| {
            let kind = t
                .filter
                .as_ref()
                .and_then(|f| f.filter_type.clone())
                .unwrap_or_else(|| "trigger".into());
            in_space(
                s,
                &format!(
                    "{} / {} ({kind})",
                    names
                        .get(t.project_id.as_str())
                        .copied()
                        .unwrap_or(&t.project_id),
                    t.name
                ),
            )
        })
        .collect();
    let evidence = json!({ "triggers": enabled });
    if enabled.is_empty() {
        return f(Outcome::new(Status::Pass, "no enabled project trigger").with_evidence(evidence));
    }
    f(Outcome::new(Status::Warn, format!("{} enabled trigger(s) are not exported and must be recreated: {}", enabled.len(), list(&enabled)))
        .with_remediation("recreate these triggers on the new instance after importing, disabled, and enable them at cutover (with the old ones disabled) so nothing deploys twice")
        .with_evidence(evidence))
}

/// `readiness.step-templates`: templates used by projects travel with them, but some fail on import.
pub fn step_templates(ev: &ServerEvidence, _spec: &ReadinessSpec) -> Finding {
    let f = |o| {
        finding(
            "readiness.step-templates",
            "Step templates",
            Severity::Warning,
            o,
        )
    };
    let templates = match per_space(ev, |s| &s.templates) {
        Ok(t) => t,
        Err(errors) => return f(read_failed("the step templates", &errors)),
    };
    let custom: Vec<String> = templates
        .iter()
        .filter(|(_, t)| t.community_action_template_id.is_none())
        .map(|(s, t)| in_space(s, &t.name))
        .collect();
    let community: Vec<String> = templates
        .iter()
        .filter(|(_, t)| t.community_action_template_id.is_some())
        .map(|(s, t)| in_space(s, &t.name))
        .collect();
    let evidence = json!({ "custom": custom, "community": community });
    if templates.is_empty() {
        return f(Outcome::new(Status::Pass, "no step templates").with_evidence(evidence));
    }
    f(Outcome::new(
        Status::Warn,
        format!("{} step template(s) to carry over: {} custom ({}), {} from the community library ({}); some fail on import", templates.len(), custom.len(), list(&custom), community.len(), list(&community)),
    )
    .with_remediation("install the community templates on the new instance from the library first, export the custom ones (Library → Step Templates → Export) and import them, then import the projects that use them")
    .with_evidence(evidence))
}

/// Why a webhook host cannot be reached from the internet, or `None` when it looks public.
pub fn webhook_host_not_public(host: &str) -> Option<String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return not_public(ip).map(str::to_string);
    }
    let h = bare.trim_end_matches('.').to_ascii_lowercase();
    if h == "localhost" || h.ends_with(".localhost") {
        return Some("loopback (localhost)".into());
    }
    for suffix in [
        ".local",
        ".internal",
        ".lan",
        ".corp",
        ".home.arpa",
        ".intranet",
    ] {
        if h.ends_with(suffix) {
            return Some(format!("an internal name ({suffix})"));
        }
    }
    if !h.contains('.') {
        return Some("a single-label name (resolved only inside the network)".into());
    }
    None
}

/// `readiness.webhooks`: Cloud cannot call a host that is not public.
pub fn webhooks(ev: &ServerEvidence, spec: &ReadinessSpec) -> Finding {
    let severity = cloud_only(spec, Severity::Warning);
    let f = |o| finding("readiness.webhooks", "Webhook subscriptions", severity, o);
    let subs = match per_space(ev, |s| &s.subscriptions) {
        Ok(s) => s,
        Err(errors) => return f(read_failed("the subscriptions", &errors)),
    };
    let mut private = Vec::new();
    let mut hooks = 0;
    for (s, sub) in &subs {
        let Some(uri) = sub
            .event_notification_subscription
            .as_ref()
            .and_then(|e| e.webhook_uri.as_deref())
            .filter(|u| !u.trim().is_empty())
        else {
            continue;
        };
        if sub.is_disabled {
            continue;
        }
        hooks += 1;
        // Only the host is shown: a webhook's path and query often hold its token.
        let why = match url::Url::parse(uri.trim()) {
            Ok(u) => match u.host_str() {
                Some(host) => webhook_host_not_public(host).map(|w| format!("{host}: {w}")),
                None => Some("a URL without a host".to_string()),
            },
            Err(_) => Some("not a URL".to_string()),
        };
        if let Some(why) = why {
            private.push(in_space(s, &format!("{} → {why}", sub.name)));
        }
    }
    let evidence = json!({ "webhooks": hooks, "not_public": private });
    if private.is_empty() {
        return f(Outcome::new(
            Status::Pass,
            format!("{hooks} enabled webhook(s), every host public (names are not resolved)"),
        )
        .with_evidence(evidence));
    }
    f(Outcome::new(
        problem(severity),
        format!("{} webhook(s) call hosts Octopus Cloud cannot reach: {}", private.len(), list(&private)),
    )
    .with_remediation("publish these receivers at a public https:// address (or through a relay the internet can reach) and point the subscriptions there")
    .with_evidence(evidence))
}

/// `cutover.maintenance-mode`: the old server takes no changes during the cutover.
pub fn maintenance_mode(ev: &ServerEvidence, spec: &ReadinessSpec) -> Finding {
    let severity = cutover_only(spec);
    let f = |o| {
        finding(
            "cutover.maintenance-mode",
            "Old server in maintenance mode",
            severity,
            o,
        )
    };
    let m = match &ev.maintenance {
        Ok(m) => m,
        Err(e) => return f(read_failed("the maintenance configuration", &[e])),
    };
    let evidence = json!({ "is_in_maintenance_mode": m.is_in_maintenance_mode });
    match (m.is_in_maintenance_mode, spec.phase) {
        (true, _) => f(Outcome::new(Status::Pass, "the old server is in maintenance mode").with_evidence(evidence)),
        (false, Phase::Prep) => f(Outcome::new(Status::Pass, "the old server is not in maintenance mode (expected while preparing; turn it on at cutover)").with_evidence(evidence)),
        (false, Phase::Cutover) => f(Outcome::new(Status::Fail, "the old server is not in maintenance mode: people and CI can still change it")
            .with_remediation("turn on maintenance mode on the old server (Configuration → Maintenance) before the final export")
            .with_evidence(evidence)),
    }
}

/// `cutover.task-cap`: every node's task cap is 0, so nothing new starts.
pub fn task_cap(ev: &ServerEvidence, spec: &ReadinessSpec) -> Finding {
    let severity = cutover_only(spec);
    let f = |o| finding("cutover.task-cap", "Old server's task cap", severity, o);
    let nodes = match &ev.nodes {
        Ok(n) => n,
        Err(e) => return f(read_failed("the server nodes", &[e])),
    };
    if let Some(n) = nodes.iter().find(|n| n.max_concurrent_tasks.is_none()) {
        return f(Outcome::new(
            Status::Error,
            format!(
                "{}/api/octopusservernodes: node {} has no MaxConcurrentTasks",
                ev.server, n.name
            ),
        ));
    }
    let open: Vec<String> = nodes
        .iter()
        .filter(|n| n.max_concurrent_tasks.unwrap_or(0) > 0)
        .map(|n| {
            format!(
                "{} (task cap {})",
                n.name,
                n.max_concurrent_tasks.unwrap_or(0)
            )
        })
        .collect();
    let evidence = json!({ "nodes": nodes.iter().map(|n| json!({"name": n.name, "max_concurrent_tasks": n.max_concurrent_tasks})).collect::<Vec<_>>() });
    if nodes.is_empty() {
        return f(Outcome::new(
            Status::Error,
            format!("{}/api/octopusservernodes listed no node", ev.server),
        ));
    }
    match (open.is_empty(), spec.phase) {
        (true, _) => f(Outcome::new(Status::Pass, format!("every node's task cap is 0 ({} node(s))", nodes.len())).with_evidence(evidence)),
        (false, Phase::Prep) => f(Outcome::new(Status::Pass, format!("task cap above 0 on {} (expected while preparing; set it to 0 at cutover)", list(&open))).with_evidence(evidence)),
        (false, Phase::Cutover) => f(Outcome::new(Status::Fail, format!("the old server can still start tasks: {}", list(&open)))
            .with_remediation("set the task cap of every node to 0 (Configuration → Nodes) so no deployment starts on the old server")
            .with_evidence(evidence)),
    }
}

/// `cutover.active-tasks`: nothing queued or running on the old server.
pub fn active_tasks(ev: &ServerEvidence, spec: &ReadinessSpec) -> Finding {
    let severity = cutover_only(spec);
    let f = |o| {
        finding(
            "cutover.active-tasks",
            "Tasks running on the old server",
            severity,
            o,
        )
    };
    let tasks = match &ev.active_tasks {
        Ok(t) => t,
        Err(e) => return f(read_failed("the tasks", &[e])),
    };
    let active: Vec<String> = tasks
        .iter()
        .filter(|t| t.is_active())
        .map(|t| {
            format!(
                "{} ({}, {})",
                t.description.clone().unwrap_or_else(|| t.name.clone()),
                t.id,
                t.state
            )
        })
        .collect();
    let evidence = json!({ "active": active });
    match (active.is_empty(), spec.phase) {
        (true, _) => {
            f(Outcome::new(Status::Pass, "no task is queued or running").with_evidence(evidence))
        }
        (false, Phase::Prep) => f(Outcome::new(
            Status::Pass,
            format!(
                "{} task(s) queued or running (expected while preparing): {}",
                active.len(),
                list(&active)
            ),
        )
        .with_evidence(evidence)),
        (false, Phase::Cutover) => f(Outcome::new(
            Status::Fail,
            format!(
                "{} task(s) queued or running: {}",
                active.len(),
                list(&active)
            ),
        )
        .with_remediation("let these tasks finish or cancel them (Tasks) before the final export")
        .with_evidence(evidence)),
    }
}

/// `cutover.ci-activity`: releases created or deployments queued since `--since` (CI still pointed here).
pub fn ci_activity(ev: &ServerEvidence, spec: &ReadinessSpec) -> Finding {
    let severity = match spec.phase {
        Phase::Cutover => Severity::Blocker,
        Phase::Prep => Severity::Warning,
    };
    let (Some(since), Some(events)) = (spec.since, &ev.events) else {
        return finding(
            "cutover.ci-activity",
            "Activity on the old server",
            Severity::Info,
            Outcome::new(
                Status::Skipped,
                "not checked: give --since (the start of the side-by-side window, like 7d or 2026-11-30T09:00:00Z)",
            ),
        );
    };
    let f = |o| {
        finding(
            "cutover.ci-activity",
            "Activity on the old server",
            severity,
            o,
        )
    };
    let events = match events {
        Ok(e) => e,
        Err(e) => return f(read_failed("the audit events", &[e])),
    };
    let mut by_actor: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    let mut unreadable = 0;
    for e in events {
        let Ok(at) = crate::since::parse_instant(&e.occurred) else {
            unreadable += 1;
            continue;
        };
        if at < since.0 {
            continue;
        }
        let release = e.category == "Created"
            && e.related_document_ids
                .iter()
                .any(|d| d.starts_with("Releases-"));
        let deployment = e.category == "DeploymentQueued";
        if !release && !deployment {
            continue;
        }
        let who = e
            .username
            .clone()
            .unwrap_or_else(|| "(unknown user)".into());
        let agent = e
            .user_agent
            .clone()
            .unwrap_or_else(|| "(no user agent)".into());
        let c = by_actor
            .entry((who, crate::text::one_line(&agent, 60)))
            .or_default();
        if release {
            c.0 += 1;
        } else {
            c.1 += 1;
        }
    }
    let since_text = since.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let actors: Vec<String> = by_actor
        .iter()
        .map(|((who, agent), (r, d))| {
            format!("{who} via {agent}: {r} release(s), {d} deployment(s)")
        })
        .collect();
    let evidence = json!({ "since": since_text, "unreadable_times": unreadable,
        "actors": by_actor.iter().map(|((who, agent), (r, d))| json!({"username": who, "user_agent": agent, "releases": r, "deployments": d})).collect::<Vec<_>>() });
    if actors.is_empty() {
        return f(Outcome::new(
            Status::Pass,
            format!(
                "no release created and no deployment queued on the old server since {since_text}"
            ),
        )
        .with_evidence(evidence));
    }
    f(Outcome::new(problem(severity), format!("since {since_text} the old server still received: {}", list(&actors)))
        .with_remediation("point these CI servers and tools at the new instance (its URL and a new API key), then check again; until then the two instances drift apart")
        .with_evidence(evidence))
}

#[cfg(test)]
mod tests;

//! The drift rules, pure: each judges the one read of both instances.
//! Matching is by space (slug, else name), then project slug, package id
//! and version, machine name (ids change on import); Tentacles registered
//! on both are found by certificate thumbprint.

use std::collections::{BTreeMap, BTreeSet};

use report::Status;
use serde_json::{Value, json};

use super::clone::{self, CloneInput, CloneTarget};
use super::{DriftEvidence, DriftRule, InstanceRead, Registration, Side, SpaceRead, WINDOW_LIMIT};
use crate::contract::Outcome;
use crate::thumbprint::Thumbprint;

/// Judges one rule over both instances.
pub fn assess(evidence: &DriftEvidence, rule: DriftRule) -> Outcome {
    if let Some(outcome) = unread(evidence, rule) {
        return outcome;
    }
    match rule {
        DriftRule::Window => window(evidence),
        DriftRule::Projects => projects(evidence),
        DriftRule::Releases => releases(evidence),
        DriftRule::Packages => packages(evidence),
        DriftRule::SharedTargets => shared_targets(evidence),
        DriftRule::PollingClones => polling_clones(evidence),
    }
}

fn instance(e: &DriftEvidence, side: Side) -> &InstanceRead {
    match side {
        Side::Old => &e.old,
        Side::New => &e.new,
    }
}

/// `error` when something the rule needs could not be read, naming the
/// resource, the URL, the HTTP status and the permission.
fn unread(e: &DriftEvidence, rule: DriftRule) -> Option<Outcome> {
    for side in [Side::Old, Side::New] {
        let inst = instance(e, side);
        let Some(f) = inst.failure(rule.needs(side)) else {
            continue;
        };
        let (what, permission) = f.resource.describe();
        let at = f
            .url
            .as_deref()
            .map(|u| format!("GET {u}: "))
            .unwrap_or_default();
        let reason = format!(
            "could not read {what} of the {side} instance ({}): {at}{}",
            inst.server, f.message
        );
        let remediation = match f.status {
            Some(401) => format!(
                "the {side} instance refused the API key: check the variable named by --{side}-api-key-env (or the plan's [{side}_server] api_key_env) holds a current key of {}",
                inst.server
            ),
            Some(403) => format!(
                "give the API key's user a role with {permission} in every space of the {side} instance ({}), then run drift again",
                inst.server
            ),
            _ => format!(
                "make sure {} answers from here (URL, --ca-file, --timeout), then run drift again",
                inst.server
            ),
        };
        return Some(
            Outcome::new(Status::Error, reason)
                .with_remediation(remediation)
                .with_evidence(json!({
                    "instance": side,
                    "server": inst.server,
                    "resource": f.resource,
                    "url": f.url,
                    "http_status": f.status,
                    "message": f.message,
                })),
        );
    }
    None
}

fn servers(e: &DriftEvidence) -> Value {
    json!({
        "old_server": e.old.server,
        "old_version": e.old.version,
        "new_server": e.new.server,
        "new_version": e.new.version,
        "since": e.since.to_string(),
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    if let (Value::Object(b), Value::Object(x)) = (&mut base, extra) {
        b.extend(x);
    }
    base
}

/// Names for a reason: the first few, then how many more.
fn names(items: &[String]) -> String {
    // Items that hold commas themselves are told apart by semicolons.
    let sep = if items.iter().any(|i| i.contains(", ")) {
        "; "
    } else {
        ", "
    };
    const SHOWN: usize = 5;
    let mut out = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(sep);
    if items.len() > SHOWN {
        out.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn time(t: &crate::since::Instant) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn window(e: &DriftEvidence) -> Outcome {
    let age = e.since.age(e.read_at);
    let days = age.as_secs_f64() / 86_400.0;
    let limit_days = WINDOW_LIMIT.as_secs() / 86_400;
    let mut notes: Vec<&String> = e.old.notes.iter().chain(&e.new.notes).collect();
    notes.dedup();
    let evidence = with(
        servers(e),
        json!({
            "read_at": time(&e.read_at),
            "window_days": (days * 10.0).round() / 10.0,
            "limit_days": limit_days,
            "notes": notes,
        }),
    );
    if age > WINDOW_LIMIT {
        Outcome::new(
            Status::Warn,
            format!(
                "the two instances have run side by side for {days:.1} days since {} (more than {limit_days}): the longer, the more drifts",
                e.since
            ),
        )
        .with_remediation(
            "plan the cutover soon (\"a few days, a week tops\"), or take a fresh copy and start the window again",
        )
        .with_evidence(evidence)
    } else {
        Outcome::new(
            Status::Pass,
            format!(
                "side by side for {days:.1} days since {} (at most {limit_days})",
                e.since
            ),
        )
        .with_evidence(evidence)
    }
}

/// Each old space with its match on the new instance.
fn space_pairs(e: &DriftEvidence) -> Vec<(&SpaceRead, Option<&SpaceRead>)> {
    e.old
        .spaces
        .iter()
        .map(|s| (s, e.new.space_like(s)))
        .collect()
}

fn projects(e: &DriftEvidence) -> Outcome {
    let mut missing = Vec::new();
    let mut changed = Vec::new();
    let mut missing_names = Vec::new();
    let mut changed_names = Vec::new();
    for (old, new) in space_pairs(e) {
        for p in &old.projects {
            let label = format!("{}/{}", old.name, p.slug);
            let Some(q) = new.and_then(|n| {
                n.projects
                    .iter()
                    .find(|q| q.slug.eq_ignore_ascii_case(&p.slug))
            }) else {
                missing.push(json!({
                    "space": old.name,
                    "project": p.slug,
                    "name": p.name,
                    "space_on_new": if new.is_some() { "present" } else { "missing" },
                }));
                missing_names.push(label);
                continue;
            };
            let mut what = Vec::new();
            if let (Some(a), Some(b)) = (p.process_version, q.process_version)
                && a != b
            {
                what.push(format!(
                    "deployment process Version {a} on the old, {b} on the new"
                ));
            }
            if let (Some(a), Some(b)) = (p.variables_version, q.variables_version)
                && a != b
            {
                what.push(format!("variables Version {a} on the old, {b} on the new"));
            }
            // The audit log names the process or variable set it changed.
            let owned = [p.process_id.as_deref(), p.variable_set_id.as_deref()];
            let events: Vec<String> = old
                .events
                .iter()
                .filter(|ev| ev.occurred > e.since.0)
                .filter(|ev| ev.related.iter().any(|r| owned.contains(&Some(r.as_str()))))
                .map(|ev| {
                    format!(
                        "{} {} by {}: {}",
                        time(&ev.occurred),
                        ev.category,
                        ev.username,
                        crate::text::one_line(&ev.message, 160)
                    )
                })
                .collect();
            if what.is_empty() && events.is_empty() {
                continue;
            }
            if what.is_empty() {
                what.push(format!(
                    "{} since the copy (audit log)",
                    plural(events.len(), "change", "changes")
                ));
            }
            changed_names.push(format!("{label}: {}", what.join("; ")));
            changed.push(json!({
                "space": old.name,
                "project": p.slug,
                "changed": what,
                "old_process_version": p.process_version,
                "new_process_version": q.process_version,
                "old_variables_version": p.variables_version,
                "new_variables_version": q.variables_version,
                "events": events,
            }));
        }
    }
    let compared: usize = e.old.spaces.iter().map(|s| s.projects.len()).sum();
    let evidence = with(
        servers(e),
        json!({ "projects_compared": compared, "missing": missing, "changed": changed }),
    );
    if missing.is_empty() && changed.is_empty() {
        return Outcome::new(
            Status::Pass,
            format!(
                "all {} of the old instance are on the new one, none changed since {}",
                plural(compared, "project", "projects"),
                e.since
            ),
        )
        .with_evidence(evidence);
    }
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!(
            "{} missing on the new instance ({})",
            plural(missing.len(), "project", "projects"),
            names(&missing_names)
        ));
    }
    if !changed.is_empty() {
        parts.push(format!(
            "{} changed on the old one since {} ({})",
            plural(changed.len(), "project", "projects"),
            e.since,
            names(&changed_names)
        ));
    }
    Outcome::new(Status::Fail, parts.join("; "))
        .with_remediation(
            "export these projects from the old instance again (Export/Import Projects) and import them into the new one, or freeze changes on the old instance until cutover",
        )
        .with_evidence(evidence)
}

/// One project's activity on the old instance since the copy.
#[derive(Default)]
struct ProjectActivity {
    /// Versions of releases the new instance lacks.
    releases: Vec<String>,
    deployments: usize,
    environments: BTreeSet<String>,
    last: Option<crate::since::Instant>,
}

fn releases(e: &DriftEvidence) -> Outcome {
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    let mut release_count = 0;
    let mut deployment_count = 0;
    for (old, new) in space_pairs(e) {
        // Per project slug: releases missing on the new instance, deployments since.
        let mut per: BTreeMap<String, ProjectActivity> = BTreeMap::new();
        for r in old.releases.iter().filter(|r| r.assembled > e.since.0) {
            let Some(p) = old.project(&r.project_id) else {
                continue;
            };
            let on_new = new.is_some_and(|n| {
                n.projects
                    .iter()
                    .filter(|q| q.slug.eq_ignore_ascii_case(&p.slug))
                    .any(|q| {
                        n.releases
                            .iter()
                            .any(|nr| nr.project_id == q.id && nr.version == r.version)
                    })
            });
            if on_new {
                continue;
            }
            let entry = per.entry(p.slug.clone()).or_default();
            entry.releases.push(r.version.clone());
            entry.last = entry.last.max(Some(r.assembled));
        }
        for d in old.deployments.iter().filter(|d| d.created > e.since.0) {
            let slug = old
                .project(&d.project_id)
                .map_or_else(|| d.project_id.clone(), |p| p.slug.clone());
            let entry = per.entry(slug).or_default();
            entry.deployments += 1;
            entry.environments.insert(d.environment.clone());
            entry.last = entry.last.max(Some(d.created));
        }
        for (slug, activity) in per {
            let ProjectActivity {
                releases: versions,
                deployments,
                environments,
                last,
            } = activity;
            release_count += versions.len();
            deployment_count += deployments;
            let mut what = Vec::new();
            if !versions.is_empty() {
                what.push(format!("release {}", versions.join(", ")));
            }
            if deployments > 0 {
                what.push(plural(deployments, "deployment", "deployments"));
            }
            labels.push(format!("{}/{slug}: {}", old.name, what.join(", ")));
            rows.push(json!({
                "space": old.name,
                "project": slug,
                "releases": versions,
                "deployments": deployments,
                "environments": environments,
                "last": last.map(|t| time(&t)),
            }));
        }
    }
    let evidence = with(servers(e), json!({ "projects": rows }));
    if rows.is_empty() {
        return Outcome::new(
            Status::Pass,
            format!(
                "no release made and no deployment run on the old instance since {}",
                e.since
            ),
        )
        .with_evidence(evidence);
    }
    Outcome::new(
        Status::Fail,
        format!(
            "since {} the old instance made {} the new one lacks and ran {}: {}",
            e.since,
            plural(release_count, "release", "releases"),
            plural(deployment_count, "deployment", "deployments"),
            names(&labels)
        ),
    )
    .with_remediation(
        "the new instance will not have these: export the projects again before cutover, or deploy only from one instance (put the old one in maintenance mode)",
    )
    .with_evidence(evidence)
}

fn packages(e: &DriftEvidence) -> Outcome {
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    let mut versions_missing = 0;
    let mut compared = 0;
    for (old, new) in space_pairs(e) {
        let mut per: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for p in &old.packages {
            compared += 1;
            let on_new = new.is_some_and(|n| {
                n.packages.iter().any(|q| {
                    q.package_id.eq_ignore_ascii_case(&p.package_id) && q.version == p.version
                })
            });
            if !on_new {
                per.entry(&p.package_id).or_default().push(&p.version);
            }
        }
        for (id, versions) in per {
            versions_missing += versions.len();
            labels.push(format!("{}/{id} {}", old.name, versions.join(", ")));
            rows.push(json!({ "space": old.name, "package": id, "versions": versions }));
        }
    }
    let evidence = with(
        servers(e),
        json!({ "versions_compared": compared, "missing": rows }),
    );
    if rows.is_empty() {
        return Outcome::new(
            Status::Pass,
            format!(
                "all {} in the old instance's built-in feed are on the new one",
                plural(compared, "package version", "package versions")
            ),
        )
        .with_evidence(evidence);
    }
    Outcome::new(
        Status::Fail,
        format!(
            "{} in the old instance's built-in feed are not on the new one: {}",
            plural(versions_missing, "package version", "package versions"),
            names(&labels)
        ),
    )
    .with_remediation(
        "push these packages to the new instance's built-in feed (packages are not exported with projects), e.g. with `octopus package upload` or the old feed's package download",
    )
    .with_evidence(evidence)
}

/// A thumbprint as compared: normalised when it parses, else upper-cased.
fn thumb(t: &str) -> String {
    t.parse::<Thumbprint>()
        .map(|t| t.as_str().to_string())
        .unwrap_or_else(|_| t.trim().to_ascii_uppercase())
}

fn tentacles(i: &InstanceRead) -> BTreeMap<String, Vec<(&SpaceRead, &Registration)>> {
    let mut map: BTreeMap<String, Vec<(&SpaceRead, &Registration)>> = BTreeMap::new();
    for s in &i.spaces {
        for r in &s.registrations {
            if let Some(t) = r.thumbprint.as_deref().filter(|t| !t.trim().is_empty()) {
                map.entry(thumb(t)).or_default().push((s, r));
            }
        }
    }
    map
}

fn shared_targets(e: &DriftEvidence) -> Outcome {
    let old = tentacles(&e.old);
    let new = tentacles(&e.new);
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for (tp, on_old) in &old {
        let Some(on_new) = new.get(tp) else { continue };
        let list = |v: &[(&SpaceRead, &Registration)]| {
            v.iter()
                .map(|(s, r)| format!("{}/{}", s.name, r.name))
                .collect::<Vec<_>>()
        };
        let first = on_old[0].1;
        labels.push(first.name.clone());
        rows.push(json!({
            "thumbprint": tp,
            "on_old": list(on_old),
            "on_new": list(on_new),
            "style": first.style,
            "tentacle_version": first.tentacle_version,
        }));
    }
    let versions_differ = e.old.version != e.new.version;
    let (local_rows, local_note) = local_tentacles(e, &old, &new);
    let evidence = with(
        servers(e),
        json!({ "versions_differ": versions_differ, "shared": rows, "this_machine": local_rows }),
    );
    if rows.is_empty() {
        return Outcome::new(
            Status::Pass,
            format!("no Tentacle is registered on both instances (no two registrations share a thumbprint){local_note}"),
        )
        .with_evidence(evidence);
    }
    let what = format!(
        "{} registered on both instances ({})",
        plural(rows.len(), "Tentacle is", "Tentacles are"),
        names(&labels)
    );
    if !versions_differ {
        return Outcome::new(
            Status::Pass,
            format!(
                "{what}; both servers run {}, so Calamari is not churned{local_note}",
                e.old.version.as_deref().unwrap_or("the same version")
            ),
        )
        .with_evidence(evidence);
    }
    Outcome::new(
        Status::Warn,
        format!(
            "{what} while the old server runs {} and the new {}: each deployment upgrades or downgrades Calamari on them, and each server prompts to upgrade their Tentacles{local_note}",
            e.old.version.as_deref().unwrap_or("?"),
            e.new.version.as_deref().unwrap_or("?")
        ),
    )
    .with_remediation(
        "deploy to these from one instance only until cutover (disable them on the other), and do not accept the Tentacle upgrade prompts on the old server",
    )
    .with_evidence(evidence)
}

/// This machine's Tentacle instances (with `--discover`): which instance
/// trusts which server, and where each is registered; and the reason's tail.
fn local_tentacles(
    e: &DriftEvidence,
    old: &BTreeMap<String, Vec<(&SpaceRead, &Registration)>>,
    new: &BTreeMap<String, Vec<(&SpaceRead, &Registration)>>,
) -> (Vec<Value>, String) {
    let Some(local) = &e.local else {
        return (Vec::new(), String::new());
    };
    let server_tp = |i: &InstanceRead| i.thumbprint.as_deref().map(thumb);
    let (old_tp, new_tp) = (server_tp(&e.old), server_tp(&e.new));
    let mut rows = Vec::new();
    let mut said = Vec::new();
    for t in local {
        if let Some(error) = &t.error {
            said.push(format!("{} unreadable", t.instance));
            rows.push(json!({ "instance": t.instance, "error": error }));
            continue;
        }
        let trusts = |server: &Option<String>| {
            server.as_ref().and_then(|s| {
                t.trusted
                    .iter()
                    .find(|(tp, _)| thumb(tp) == *s)
                    .map(|(_, style)| style.clone())
            })
        };
        let (on_old, on_new) = (trusts(&old_tp), trusts(&new_tp));
        let tp = t.thumbprint.as_deref().map(thumb);
        let registered = |map: &BTreeMap<String, Vec<(&SpaceRead, &Registration)>>| {
            tp.as_ref().is_some_and(|tp| map.contains_key(tp))
        };
        let servers: Vec<&str> = [(on_old.is_some(), "old"), (on_new.is_some(), "new")]
            .into_iter()
            .filter_map(|(yes, name)| yes.then_some(name))
            .collect();
        said.push(format!(
            "{} trusts {}",
            t.instance,
            if servers.is_empty() {
                "neither".to_string()
            } else {
                servers.join(" and ")
            }
        ));
        rows.push(json!({
            "instance": t.instance,
            "thumbprint": tp,
            "trusts_old": on_old.unwrap_or_else(|| "no".into()),
            "trusts_new": on_new.unwrap_or_else(|| "no".into()),
            "registered_on_old": registered(old),
            "registered_on_new": registered(new),
        }));
    }
    let note = if said.is_empty() {
        "; no Tentacle instance on this machine".to_string()
    } else {
        format!("; on this machine: {}", said.join(", "))
    };
    (rows, note)
}

/// Scheme, host and port: where a Tentacle polls.
fn origin(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| url.to_string(), |u| u.origin().ascii_serialization())
}

fn polling_clones(e: &DriftEvidence) -> Outcome {
    let mut rows = Vec::new();
    let mut to_clone: Vec<CloneTarget<'_>> = Vec::new();
    let mut to_trust: Vec<CloneTarget<'_>> = Vec::new();
    let mut trusted = BTreeSet::new();
    let mut cloned = Vec::new();
    for (old, new) in space_pairs(e) {
        for r in &old.registrations {
            let action = if r.is_polling() {
                let on_new = new.and_then(|n| {
                    n.registrations
                        .iter()
                        .find(|q| q.is_polling() && q.name.eq_ignore_ascii_case(&r.name))
                });
                match on_new {
                    Some(q) => {
                        cloned.push(r.name.clone());
                        format!(
                            "registered on the new instance (health: {})",
                            q.health.as_deref().unwrap_or("unknown")
                        )
                    }
                    None => {
                        to_clone.push(CloneTarget {
                            space: &old.name,
                            registration: r,
                        });
                        "clone".to_string()
                    }
                }
            } else if r.is_listening() {
                // One trust line per Tentacle, however many spaces hold it.
                let key = r
                    .thumbprint
                    .as_deref()
                    .map(thumb)
                    .unwrap_or_else(|| r.name.clone());
                if !trusted.insert(key) {
                    continue;
                }
                to_trust.push(CloneTarget {
                    space: &old.name,
                    registration: r,
                });
                "trust the new server".to_string()
            } else {
                continue;
            };
            rows.push(json!({
                "space": old.name,
                "machine": r.name,
                "kind": r.kind,
                "style": if r.is_polling() { "polling" } else { "listening" },
                "environments": r.environments,
                "roles": r.roles,
                "tenants": r.tenants,
                "worker_pools": r.worker_pools,
                "action": action,
            }));
        }
    }
    let moves = origin(&e.old.server) != origin(&e.new.server);
    let new_thumbprint = e.new.thumbprint.clone().unwrap_or_default();
    let scripts = (!to_clone.is_empty() || !to_trust.is_empty()).then(|| {
        clone::scripts(&CloneInput {
            old_server: &e.old.server,
            new_server: &e.new.server,
            new_thumbprint: &new_thumbprint,
            polling: if moves { to_clone.clone() } else { Vec::new() },
            listening: to_trust.clone(),
        })
    });
    let mut evidence = with(
        servers(e),
        json!({
            "new_thumbprint": new_thumbprint,
            "server_address_changes": moves,
            "tentacles": rows,
        }),
    );
    if let Some(s) = &scripts {
        evidence = with(
            evidence,
            json!({
                "scripts": format!("{} and {}, written beside the report with --out; preflight does not run them", clone::BASH_FILE, clone::POWERSHELL_FILE),
                "clone_tentacles_sh": s.bash,
                "clone_tentacles_ps1": s.powershell,
            }),
        );
    }
    if !moves {
        return Outcome::new(
            Status::Pass,
            format!(
                "the new instance keeps the old one's address ({}): polling Tentacles follow it and need only trust its certificate",
                origin(&e.new.server)
            ),
        )
        .with_evidence(evidence);
    }
    if to_clone.is_empty() {
        let reason = if cloned.is_empty() {
            "no polling Tentacle is registered on the old instance".to_string()
        } else {
            format!(
                "every polling Tentacle of the old instance is registered on the new one too ({})",
                names(&cloned)
            )
        };
        return Outcome::new(Status::Pass, reason).with_evidence(evidence);
    }
    let labels: Vec<String> = to_clone
        .iter()
        .map(|t| t.registration.name.clone())
        .collect();
    Outcome::new(
        Status::Fail,
        format!(
            "{} on the old instance {} no clone on the new server ({}): a polling Tentacle talks to one server only",
            plural(to_clone.len(), "polling Tentacle", "polling Tentacles"),
            if to_clone.len() == 1 { "has" } else { "have" },
            names(&labels)
        ),
    )
    .with_remediation(format!(
        "on each machine, read and run `{} MACHINE` (Linux) or `{} -Machine MACHINE` (Windows), written beside the report with --out, with {} set to an API key of the new server",
        clone::BASH_FILE,
        clone::POWERSHELL_FILE,
        clone::API_KEY_VARIABLE
    ))
    .with_evidence(evidence)
}

#[cfg(test)]
mod tests;

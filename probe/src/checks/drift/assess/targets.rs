//! The Tentacles: those registered on both instances (by thumbprint) while
//! the servers' versions differ, this machine's instances (with
//! `--discover`), and the polling Tentacles that need a clone, with the
//! scripts that make one.

use std::collections::{BTreeMap, BTreeSet};

use report::Status;
use serde_json::{Value, json};

use super::{names, plural, servers, space_pairs, with};
use crate::checks::drift::clone::{self, CloneInput, CloneTarget};
use crate::checks::drift::{DriftEvidence, InstanceRead, Registration, SpaceRead};
use crate::contract::Outcome;
use crate::thumbprint::Thumbprint;

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

pub(super) fn shared_targets(e: &DriftEvidence) -> Outcome {
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

pub(super) fn polling_clones(e: &DriftEvidence) -> Outcome {
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

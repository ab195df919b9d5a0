//! The drift rules, pure: each judges the one read of both instances.
//! Here the dispatch, the `error` for anything unread, the helpers and the
//! window; `content` judges what the old instance gained (projects,
//! releases, packages), `targets` the Tentacles (shared, to clone).
//! Matching is by space (slug, else name), then project slug, package id
//! and version, machine name (ids change on import); Tentacles registered
//! on both are found by certificate thumbprint.

mod content;
mod targets;

use report::Status;
use serde_json::{Value, json};

use super::{DriftEvidence, DriftRule, InstanceRead, Side, SpaceRead, WINDOW_LIMIT};
use crate::contract::Outcome;
use content::{packages, projects, releases};
use targets::{polling_clones, shared_targets};

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

pub(super) fn servers(e: &DriftEvidence) -> Value {
    json!({
        "old_server": e.old.server,
        "old_version": e.old.version,
        "new_server": e.new.server,
        "new_version": e.new.version,
        "since": e.since.to_string(),
    })
}

pub(super) fn with(mut base: Value, extra: Value) -> Value {
    if let (Value::Object(b), Value::Object(x)) = (&mut base, extra) {
        b.extend(x);
    }
    base
}

/// Names for a reason: the first few, then how many more.
pub(super) fn names(items: &[String]) -> String {
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

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(super) fn time(t: &crate::since::Instant) -> String {
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
pub(super) fn space_pairs(e: &DriftEvidence) -> Vec<(&SpaceRead, Option<&SpaceRead>)> {
    e.old
        .spaces
        .iter()
        .map(|s| (s, e.new.space_like(s)))
        .collect()
}

#[cfg(test)]
mod tests;

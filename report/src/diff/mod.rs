//! `report diff BEFORE AFTER`: what changed between two runs, by check id —
//! how the after-cutover run is compared with the before run.
//!
//! A result's level is 0 when it passed, 1 when it is a warning or waived,
//! 2 when it blocks. A higher level after is a regression, a lower one a fix,
//! another status at the same level a change. Checks only in one run are new
//! or gone. Evidence is compared field by field with volatile fields left
//! out (timings such as `connect_ms` and `elapsed_ms`, TTLs, days left), so a
//! changed thumbprint or resolved address shows and a slower connect does not.
//! Checks are matched on their id without the `dc.<name>.` prefix, so two
//! data centers can be compared too.

mod evidence;
pub mod render;

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::merge::row_key;
use crate::model::{CheckResult, Report, RunHeader, Severity, Status};
use crate::verdict;

pub use evidence::{FieldChange, is_volatile};

/// A check whose status moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The id in the after run.
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub before: Status,
    pub after: Status,
    pub before_reason: String,
    pub after_reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
}

/// A check present in only one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub reason: String,
}

/// A check whose evidence changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceChange {
    pub id: String,
    pub title: String,
    pub changes: Vec<FieldChange>,
}

/// Everything that changed from one run to the other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub before: RunHeader,
    pub after: RunHeader,
    /// The runs used different plans: new and gone checks may come from that.
    pub plan_changed: bool,
    pub regressed: Vec<StatusChange>,
    pub fixed: Vec<StatusChange>,
    /// Other status moves at the same level (`fail` → `error`).
    pub changed: Vec<StatusChange>,
    pub new: Vec<Presence>,
    pub gone: Vec<Presence>,
    pub evidence: Vec<EvidenceChange>,
}

impl Diff {
    /// True when nothing changed (the runs' times and digests aside).
    pub fn is_empty(&self) -> bool {
        self.regressed.is_empty()
            && self.fixed.is_empty()
            && self.changed.is_empty()
            && self.new.is_empty()
            && self.gone.is_empty()
            && self.evidence.is_empty()
    }

    /// Exit 1 when anything regressed, 0 otherwise.
    pub fn exit_code(&self) -> i32 {
        if self.regressed.is_empty() {
            crate::exit::GO
        } else {
            crate::exit::NO_GO
        }
    }
}

/// How much a result stands in the way: 0 passed, 1 warning or waived, 2 blocks.
pub fn level(r: &CheckResult) -> u8 {
    if verdict::blocks(r) {
        2
    } else if verdict::is_warning(r) || r.status == Status::Waived {
        1
    } else {
        0
    }
}

fn presence(r: &CheckResult) -> Presence {
    Presence {
        id: r.id.to_string(),
        title: r.title.clone(),
        severity: r.severity,
        status: r.status,
        reason: r.reason.clone(),
    }
}

/// Compares two runs.
pub fn diff(before: &Report, after: &Report) -> Diff {
    let before_by_key: HashMap<String, &CheckResult> = before
        .results
        .iter()
        .map(|r| (row_key(r.id.as_str(), &before.datacenter), r))
        .collect();
    let after_keys: HashSet<String> = after
        .results
        .iter()
        .map(|r| row_key(r.id.as_str(), &after.datacenter))
        .collect();
    let mut d = Diff {
        before: before.header(),
        after: after.header(),
        plan_changed: before.plan_sha256 != after.plan_sha256,
        regressed: Vec::new(),
        fixed: Vec::new(),
        changed: Vec::new(),
        new: Vec::new(),
        gone: Vec::new(),
        evidence: Vec::new(),
    };
    for a in &after.results {
        let Some(b) = before_by_key.get(&row_key(a.id.as_str(), &after.datacenter)) else {
            d.new.push(presence(a));
            continue;
        };
        if a.status != b.status {
            let change = StatusChange {
                id: a.id.to_string(),
                title: a.title.clone(),
                severity: a.severity,
                before: b.status,
                after: a.status,
                before_reason: b.reason.clone(),
                after_reason: a.reason.clone(),
                remediation: a.remediation.clone(),
            };
            match level(a).cmp(&level(b)) {
                std::cmp::Ordering::Greater => d.regressed.push(change),
                std::cmp::Ordering::Less => d.fixed.push(change),
                std::cmp::Ordering::Equal => d.changed.push(change),
            }
        }
        let changes = evidence::compare(&b.evidence.to_value(), &a.evidence.to_value());
        if !changes.is_empty() {
            d.evidence.push(EvidenceChange {
                id: a.id.to_string(),
                title: a.title.clone(),
                changes,
            });
        }
    }
    for b in &before.results {
        if !after_keys.contains(&row_key(b.id.as_str(), &before.datacenter)) {
            d.gone.push(presence(b));
        }
    }
    d
}

#[cfg(test)]
mod tests;

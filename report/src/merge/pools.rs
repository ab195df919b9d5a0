//! Worker pools across runs. A pool's status is the worst status the data
//! center's own reports give the pool's checks (the worker count and every
//! must-reach path), so the merge never says WARN where those reports say
//! PASS, or PASS where they say FAIL.
//!
//! Beside it, what the merge alone can tell: which of the listed workers
//! proved their reach from their own run. Worker results (family `worker`)
//! carry `evidence.pool` and `evidence.workers` (the workers the plan lists).
//! A listed worker counts when a run from that host (matched by name:
//! `worker01` matches `worker01.example.com`) has no worker result of that
//! pool that failed, errored or was not run. A host that ran the pool's
//! checks without being listed is named but not counted. The proof is
//! reported in words (and `proven`), never as a status of its own: a run
//! from a jump host is evidence about the data center, not about a worker.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{CheckResult, Family, Report, Status};

/// Workers per pool (the plan's rule; below it the per-worker proof is incomplete).
pub const MIN_WORKERS: usize = 2;

/// The rule for one pool in one data center.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolFinding {
    pub datacenter: String,
    pub pool: String,
    /// Workers the plan lists for the pool.
    pub listed: Vec<String>,
    /// Listed workers whose run passed every check of the pool.
    pub proven: Vec<String>,
    /// Listed workers whose run has a pool check that did not pass.
    pub failing: Vec<String>,
    /// Listed workers with no run among the merged reports.
    pub not_reported: Vec<String>,
    /// Hosts that ran the pool's checks without being listed as its workers.
    pub unlisted: Vec<String>,
    /// The worst status the data center's own reports give the pool's checks.
    pub status: Status,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
}

/// True when `host` (a machine name, maybe short) names `worker` (as the plan lists it).
fn same_machine(host: &str, worker: &str) -> bool {
    let (h, w) = (host.to_ascii_lowercase(), worker.to_ascii_lowercase());
    h == w || w.starts_with(&format!("{h}.")) || h.starts_with(&format!("{w}."))
}

/// What the runs say about one pool of one data center.
struct Seen<'a> {
    datacenter: String,
    pool: String,
    listed: Vec<String>,
    /// Per host: whether every check of the pool passed in its run.
    hosts: Vec<(String, bool)>,
    /// The pool's result with the worst status, over every run.
    worst: &'a CheckResult,
}

/// Evaluates every pool of every data center found in the runs.
pub fn evaluate(runs: &[&Report]) -> Vec<PoolFinding> {
    let mut pools: Vec<Seen> = Vec::new();
    for run in runs {
        for r in run.results.iter().filter(|r| r.family == Family::Worker) {
            let Some(pool) = r.evidence.json().get("pool").and_then(Value::as_str) else {
                continue;
            };
            let listed: Vec<String> = r
                .evidence
                .json()
                .get("workers")
                .and_then(Value::as_array)
                .map(|ws| {
                    ws.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            let ok = matches!(r.status, Status::Pass | Status::Warn | Status::Waived);
            let entry = match pools
                .iter()
                .position(|s| s.datacenter == run.datacenter && s.pool == pool)
            {
                Some(i) => &mut pools[i],
                None => {
                    pools.push(Seen {
                        datacenter: run.datacenter.clone(),
                        pool: pool.to_string(),
                        listed: Vec::new(),
                        hosts: Vec::new(),
                        worst: r,
                    });
                    pools.last_mut().expect("just pushed")
                }
            };
            if r.status.severity_rank() > entry.worst.status.severity_rank() {
                entry.worst = r;
            }
            for w in listed {
                if !entry.listed.contains(&w) {
                    entry.listed.push(w);
                }
            }
            match entry.hosts.iter_mut().find(|(h, _)| *h == run.host) {
                Some((_, passed)) => *passed &= ok,
                None => entry.hosts.push((run.host.clone(), ok)),
            }
        }
    }
    pools
        .into_iter()
        .map(|s| finding(s.datacenter, s.pool, s.listed, &s.hosts, s.worst))
        .collect()
}

fn finding(
    datacenter: String,
    pool: String,
    listed: Vec<String>,
    hosts: &[(String, bool)],
    worst: &CheckResult,
) -> PoolFinding {
    let mut proven = Vec::new();
    let mut failing = Vec::new();
    let mut not_reported = Vec::new();
    for w in &listed {
        match hosts.iter().find(|(h, _)| same_machine(h, w)) {
            Some((_, true)) => proven.push(w.clone()),
            Some((_, false)) => failing.push(w.clone()),
            None => not_reported.push(w.clone()),
        }
    }
    let unlisted: Vec<String> = hosts
        .iter()
        .filter(|(h, _)| !listed.iter().any(|w| same_machine(h, w)))
        .map(|(h, _)| h.clone())
        .collect();
    let status = worst.status;
    let mut parts = vec![match status {
        Status::Pass => "the data center's checks of the pool passed".to_string(),
        other => format!(
            "the data center's checks of the pool: {} ({})",
            other.as_str().to_uppercase(),
            worst.reason
        ),
    }];
    let mut proof = format!(
        "{} of {} listed workers proved their reach from their own run{}",
        proven.len(),
        listed.len(),
        if proven.is_empty() {
            String::new()
        } else {
            format!(" ({})", proven.join(", "))
        }
    );
    if !failing.is_empty() {
        proof.push_str(&format!("; failing: {}", failing.join(", ")));
    }
    if !not_reported.is_empty() {
        proof.push_str(&format!("; no report from: {}", not_reported.join(", ")));
    }
    if !unlisted.is_empty() {
        proof.push_str(&format!(
            "; ran but not listed as workers: {}",
            unlisted.join(", ")
        ));
    }
    parts.push(proof);
    if proven.len() < MIN_WORKERS && !not_reported.is_empty() {
        parts.push(format!(
            "to prove each worker's reach, run preflight on {} and merge their reports",
            not_reported.join(", ")
        ));
    }
    let reason = parts.join("; ");
    let remediation = (status != Status::Pass)
        .then(|| worst.remediation.clone())
        .flatten();
    PoolFinding {
        datacenter,
        pool,
        listed,
        proven,
        failing,
        not_reported,
        unlisted,
        status,
        reason,
        remediation,
    }
}

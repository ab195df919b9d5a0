//! The worker-pool rule across runs: at least two workers of each pool must
//! have proven, each from its own run, that they reach what the pool needs.
//!
//! Worker results (family `worker`) carry `evidence.pool` and
//! `evidence.workers` (the workers the plan lists). A listed worker counts
//! when a run from that host (matched by name: `worker01` matches
//! `worker01.example.com`) has no worker result of that pool that failed,
//! errored or was not run. A host that ran the pool's checks without being
//! listed is named but not counted.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{Family, Report, Status};

/// Workers per pool that must prove their reach.
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
    /// `pass` with at least [`MIN_WORKERS`] proven, `warn` otherwise.
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
struct Seen {
    datacenter: String,
    pool: String,
    listed: Vec<String>,
    /// Per host: whether every check of the pool passed in its run.
    hosts: Vec<(String, bool)>,
}

/// Evaluates every pool of every data center found in the runs.
pub fn evaluate(runs: &[&Report]) -> Vec<PoolFinding> {
    let mut pools: Vec<Seen> = Vec::new();
    for run in runs {
        for r in run.results.iter().filter(|r| r.family == Family::Worker) {
            let Some(pool) = r.evidence.get("pool").and_then(Value::as_str) else {
                continue;
            };
            let listed: Vec<String> = r
                .evidence
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
                    });
                    pools.last_mut().expect("just pushed")
                }
            };
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
        .map(|s| finding(s.datacenter, s.pool, s.listed, &s.hosts))
        .collect()
}

fn finding(
    datacenter: String,
    pool: String,
    listed: Vec<String>,
    hosts: &[(String, bool)],
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
    let mut parts = vec![format!(
        "{} of {} listed workers proved they reach what pool `{pool}` needs{}",
        proven.len(),
        listed.len(),
        if proven.is_empty() {
            String::new()
        } else {
            format!(" ({})", proven.join(", "))
        }
    )];
    if !failing.is_empty() {
        parts.push(format!("failing: {}", failing.join(", ")));
    }
    if !not_reported.is_empty() {
        parts.push(format!("no report from: {}", not_reported.join(", ")));
    }
    if !unlisted.is_empty() {
        parts.push(format!(
            "ran but not listed as workers: {}",
            unlisted.join(", ")
        ));
    }
    let (status, remediation) = if proven.len() >= MIN_WORKERS {
        (Status::Pass, None)
    } else {
        let mut todo = Vec::new();
        if !not_reported.is_empty() {
            todo.push(format!(
                "run preflight on {} and merge their reports",
                not_reported.join(", ")
            ));
        }
        if !failing.is_empty() {
            todo.push(format!("fix what {} cannot reach", failing.join(", ")));
        }
        if listed.len() < MIN_WORKERS {
            todo.push(format!(
                "list at least {MIN_WORKERS} workers for pool `{pool}`"
            ));
        }
        (Status::Warn, Some(todo.join("; ")))
    };
    let reason = if status == Status::Warn {
        format!(
            "{}; at least {MIN_WORKERS} workers per pool",
            parts.join("; ")
        )
    } else {
        parts.join("; ")
    };
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

//! Worker pools: each pool has at least two workers (redundancy), and from a
//! worker every `must_reach` target and the new server's polling endpoint
//! answer on TCP. Every result carries the pool and its workers in the
//! evidence, so `report merge` can weigh the runs of one pool together.

use serde::Serialize;

use report::Status;

use crate::checks::tcp::{TcpEvidence, TcpSpec};
use crate::contract::Outcome;
use crate::ports::port_name;

/// Fewer workers than this in a pool is a warning.
pub const MIN_WORKERS: usize = 2;

/// The pool-size rule for one pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSizeSpec {
    pub pool: String,
    pub workers: Vec<String>,
}

/// Evidence of the pool-size rule: the pool and its workers as the plan lists them.
#[derive(Debug, Clone, Serialize)]
pub struct PoolEvidence<'a> {
    pub pool: &'a str,
    pub workers: &'a [String],
    pub worker_count: usize,
    pub min_workers: usize,
}

/// At least two workers per pool; pure.
pub fn assess_pool_size(spec: &PoolSizeSpec) -> Outcome {
    let mut workers = spec.workers.clone();
    workers.sort();
    workers.dedup();
    let count = workers.len();
    let evidence = PoolEvidence {
        pool: &spec.pool,
        workers: &spec.workers,
        worker_count: count,
        min_workers: MIN_WORKERS,
    };
    let listed = if workers.is_empty() {
        "no worker listed".to_string()
    } else {
        format!("{count} worker(s): {}", workers.join(", "))
    };
    let outcome = if count >= MIN_WORKERS {
        Outcome::new(Status::Pass, listed)
    } else {
        Outcome::new(
            Status::Warn,
            format!("{listed}; at least two workers per pool for redundancy"),
        )
        .with_remediation(format!(
            "add a second worker to pool `{}` (in the same data center), so a deployment does not stop when one worker is down or being patched",
            spec.pool
        ))
    };
    outcome.with_evidence(evidence)
}

/// A TCP reachability check run from a worker of a pool.
#[derive(Debug, Clone)]
pub struct WorkerTcpSpec {
    pub pool: String,
    pub workers: Vec<String>,
    /// What the target is for ("SQL", "file share", "new server polling").
    pub purpose: String,
    pub tcp: TcpSpec,
}

/// TCP evidence with the pool it was gathered for.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerTcpEvidence<'a> {
    pub pool: &'a str,
    pub workers: &'a [String],
    pub purpose: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_name: Option<&'static str>,
    #[serde(flatten)]
    pub tcp: &'a TcpEvidence,
}

/// The TCP assessment, with the pool's names in the evidence and the
/// remediation. Pure.
pub fn assess_reach(evidence: &TcpEvidence, spec: &WorkerTcpSpec, origin: &str) -> Outcome {
    let mut outcome = crate::checks::tcp::assess(evidence, &spec.tcp, origin);
    outcome.remediation = outcome.remediation.map(|r| {
        format!(
            "deployments on worker pool `{}` need this ({}): {r}",
            spec.pool, spec.purpose
        )
    });
    outcome.with_evidence(WorkerTcpEvidence {
        pool: &spec.pool,
        workers: &spec.workers,
        purpose: &spec.purpose,
        port_name: port_name(spec.tcp.endpoint.port),
        tcp: evidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tcp::Expect;
    use crate::checks::tcp::{AddressProbe, PortState};
    use crate::endpoint::Endpoint;

    fn pool(workers: &[&str]) -> PoolSizeSpec {
        PoolSizeSpec {
            pool: "east-workers".into(),
            workers: workers.iter().map(|w| w.to_string()).collect(),
        }
    }

    #[test]
    fn a_pool_needs_two_distinct_workers() {
        let one = assess_pool_size(&pool(&["worker01"]));
        assert_eq!(one.status, Status::Warn);
        assert!(
            one.reason
                .contains("at least two workers per pool for redundancy"),
            "{}",
            one.reason
        );
        assert_eq!(one.evidence.json()["pool"], "east-workers");
        assert_eq!(one.evidence.json()["worker_count"], 1);
        assert!(one.remediation.unwrap().contains("east-workers"));

        // The same worker listed twice is still one worker.
        let twice = assess_pool_size(&pool(&["worker01", "worker01"]));
        assert_eq!(twice.status, Status::Warn);

        let none = assess_pool_size(&pool(&[]));
        assert_eq!(none.status, Status::Warn);
        assert!(none.reason.starts_with("no worker listed"));

        let two = assess_pool_size(&pool(&["worker02", "worker01"]));
        assert_eq!(two.status, Status::Pass);
        assert_eq!(two.reason, "2 worker(s): worker01, worker02");
        assert_eq!(two.evidence.json()["workers"][0], "worker02");
    }

    #[test]
    fn reach_evidence_names_the_pool_port_and_purpose() {
        let spec = WorkerTcpSpec {
            pool: "east-workers".into(),
            workers: vec!["worker01".into(), "worker02".into()],
            purpose: "SQL".into(),
            tcp: TcpSpec {
                endpoint: Endpoint::new("sql01.example.com", 1433),
                expect: Expect::Open,
            },
        };
        let filtered = TcpEvidence {
            resolver: Some("system".into()),
            dns_error: None,
            addresses: vec![AddressProbe {
                connect_ms: 3000,
                ..AddressProbe::new("192.0.2.10:1433".parse().unwrap(), PortState::Filtered)
            }],
        };
        let o = assess_reach(&filtered, &spec, "data center east");
        assert_eq!(o.status, Status::Fail);
        assert_eq!(o.evidence.json()["pool"], "east-workers");
        assert_eq!(o.evidence.json()["workers"][1], "worker02");
        assert_eq!(o.evidence.json()["port_name"], "SQL Server");
        assert_eq!(o.evidence.json()["addresses"][0]["state"], "filtered");
        let remedy = o.remediation.unwrap();
        assert!(
            remedy.starts_with("deployments on worker pool `east-workers` need this (SQL)"),
            "{remedy}"
        );
        assert!(remedy.contains("TCP 1433"), "{remedy}");

        let open = TcpEvidence {
            addresses: vec![AddressProbe {
                state: PortState::Open,
                ..filtered.addresses[0].clone()
            }],
            ..filtered
        };
        let o = assess_reach(&open, &spec, "data center east");
        assert_eq!(o.status, Status::Pass);
        assert!(o.remediation.is_none());
    }
}

//! `[[datacenter.worker_pool]]` compiled into checks: the pool-size rule, each
//! `must_reach` target, and the new server's polling endpoint, all in the
//! `worker` family with ids `dc.<dc>.worker.<pool>.…`.

use report::{CheckId, Severity};

use super::spec::{Expect, WorkerPoolSpec};
use crate::check::{CheckSpec, PlannedCheck};
use crate::checks::tcp::TcpSpec;
use crate::checks::worker::{PoolSizeSpec, WorkerTcpSpec};
use crate::endpoint::Endpoint;
use crate::ports::{describe_port, port_name};

/// The checks for one pool, in plan order.
pub fn worker_pool_checks(
    dc: &str,
    pool: &WorkerPoolSpec,
    new_server_polling: Option<&Endpoint>,
) -> Vec<PlannedCheck> {
    let name = pool.name.get_ref();
    let mut out = vec![PlannedCheck {
        id: CheckId::from_parts(["dc", dc, "worker", name, "workers"]),
        title: format!("Worker pool {name}: at least two workers"),
        target: name.clone(),
        severity: Severity::Warning,
        spec: CheckSpec::PoolSize(PoolSizeSpec {
            pool: name.clone(),
            workers: pool.workers.clone(),
        }),
    }];
    let reach = |endpoint: &Endpoint, purpose: String, severity, id_part: &str| PlannedCheck {
        id: CheckId::from_parts(["dc", dc, "worker", name, id_part]),
        title: format!(
            "Worker pool {name}: {purpose} ({})",
            describe_port(endpoint.port)
        ),
        target: endpoint.to_string(),
        severity,
        spec: CheckSpec::WorkerTcp(Box::new(WorkerTcpSpec {
            pool: name.clone(),
            workers: pool.workers.clone(),
            purpose,
            tcp: TcpSpec {
                endpoint: endpoint.clone(),
                expect: Expect::Open,
            },
        })),
    };
    for m in &pool.must_reach {
        let purpose = m
            .purpose
            .clone()
            .or_else(|| port_name(m.target.port).map(str::to_string))
            .unwrap_or_else(|| format!("reach {}", m.target));
        out.push(reach(&m.target, purpose, m.severity, &m.target.to_string()));
    }
    if let Some(polling) = new_server_polling {
        out.push(reach(
            polling,
            "new server polling endpoint".into(),
            Severity::Blocker,
            "new-server-polling",
        ));
    }
    out
}

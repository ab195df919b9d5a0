//! Runs planned checks with bounded concurrency and a per-check time limit,
//! and returns results in plan order whatever order they finish in.

use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use report::{CheckResult, Status, Waiver};

use crate::check::{CheckSpec, PlannedCheck};
use crate::checks;
use crate::contract::{Context, Outcome};
use crate::plan::PlanWaiver;

/// How many checks run at once, by default: no bound of its own, so every
/// connect starts at once; the open-file limit bounds it
/// (`net::descriptors::Descriptors::concurrency`).
pub const DEFAULT_CONCURRENCY: usize = usize::MAX;
/// Per-operation timeout, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// Runs every check and returns one result per check, in the order given.
///
/// `cancel` resolving (Ctrl-C) stops the run: checks in flight are dropped and
/// every check without a result is reported `skipped`. `on_result` is called as
/// each check finishes (for a progress bar).
pub async fn run(
    checks: &[PlannedCheck],
    ctx: &Context,
    concurrency: usize,
    cancel: impl Future<Output = ()>,
    mut on_result: impl FnMut(&CheckResult),
) -> Vec<CheckResult> {
    let mut slots: Vec<Option<CheckResult>> = vec![None; checks.len()];
    let mut stream = futures_util::stream::iter(checks.iter().enumerate())
        .map(|(i, check)| async move { (i, execute(check, ctx).await) })
        .buffer_unordered(concurrency.max(1));
    let mut cancel = std::pin::pin!(cancel);
    // Tokio's timer wakes its I/O driver (an eventfd write, a system call)
    // for every new timer due before the one the driver last slept toward;
    // before the driver has slept with any timer at all, that is every
    // timer, so each check's two timers in the first burst cost two writes
    // (10,613 writes in a run of 20,000 refused targets, 4,989 of them in
    // flight at first; 2 writes with the primer). One sleep of the driver
    // with a short timer pending first, and the burst's timers, all due
    // later, wake nothing.
    let mut primer = std::pin::pin!(tokio::time::sleep(Duration::from_millis(1)));
    tokio::select! {
        biased;
        // Polled first: a timer is registered when it is first polled.
        () = &mut primer => {}
        () = tokio::task::yield_now() => {}
    }
    loop {
        tokio::select! {
            next = stream.next() => match next {
                Some((i, result)) => {
                    on_result(&result);
                    slots[i] = Some(result);
                }
                None => break,
            },
            () = &mut cancel => break,
        }
    }
    drop(stream);
    // Collected in place (the slots' allocation becomes the results'): no
    // second copy of every result at the end of a large run.
    slots
        .into_iter()
        .enumerate()
        .map(|(i, slot)| {
            slot.unwrap_or_else(|| {
                finish(
                    &checks[i],
                    Outcome::new(Status::Skipped, "not run: the run was interrupted"),
                    Duration::ZERO,
                )
            })
        })
        .collect()
}

/// Runs one check: gather, then assess, bounded by a guard well above the
/// family's own timeouts so that a bug can never hang the run.
pub async fn execute(check: &PlannedCheck, ctx: &Context) -> CheckResult {
    let start = Instant::now();
    let guard = ctx.budget().guard();
    let outcome = match tokio::time::timeout(guard, dispatch(&check.spec, ctx)).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::new(
            Status::Error,
            format!(
                "did not finish within {:.1}s (the check's time limit)",
                guard.as_secs_f64()
            ),
        ),
    };
    finish(check, outcome, start.elapsed())
}

/// Runs one check's family. Every family but TCP is boxed: a future is as
/// large as its largest arm, and a run keeps thousands of TCP checks in
/// flight at once, each of which would otherwise carry a TLS handshake's
/// worth of state.
async fn dispatch(spec: &CheckSpec, ctx: &Context) -> Outcome {
    match spec {
        CheckSpec::Tcp(tcp) => {
            let evidence = checks::tcp::gather(ctx, &tcp.endpoint).await;
            checks::tcp::assess(&evidence, tcp, &ctx.origin)
        }
        CheckSpec::PoolSize(pool) => checks::worker::assess_pool_size(pool),
        CheckSpec::WorkerTcp(reach) => {
            let evidence = checks::tcp::gather(ctx, &reach.tcp.endpoint).await;
            checks::worker::assess_reach(&evidence, reach, &ctx.origin)
        }
        CheckSpec::TentacleTrust(trust) => checks::local::assess_trust(trust),
        CheckSpec::Finding(outcome) => (**outcome).clone(),
        CheckSpec::Clock(clock) => {
            let evidence = Box::pin(checks::clock::gather(ctx, clock)).await;
            checks::clock::assess(&evidence, &ctx.origin)
        }
        CheckSpec::Dns(dns) => {
            let evidence = Box::pin(checks::dns::gather(ctx, dns)).await;
            checks::dns::assess(&evidence, dns, &ctx.origin)
        }
        CheckSpec::Tls(tls) => {
            let evidence = Box::pin(checks::tls::gather(ctx, tls)).await;
            checks::tls::assess(&evidence, tls, &ctx.origin)
        }
        CheckSpec::Feed(feed) => {
            let evidence = Box::pin(checks::feed::gather(ctx, feed)).await;
            checks::feed::assess(&evidence, feed, &ctx.origin)
        }
        CheckSpec::OctopusApi(api) => {
            let evidence = Box::pin(checks::octopus::gather_api(ctx, api)).await;
            checks::octopus::assess_api(&evidence, api, &ctx.origin)
        }
        CheckSpec::OctopusThumbprint(t) => {
            let evidence = Box::pin(checks::octopus::gather_thumbprint(ctx, t)).await;
            checks::octopus::assess_thumbprint(&evidence, t, &ctx.origin)
        }
        CheckSpec::Drift(d) => checks::drift::assess(&d.evidence, d.rule),
    }
}

fn finish(check: &PlannedCheck, mut outcome: Outcome, elapsed: Duration) -> CheckResult {
    // `format!` leaves room to grow; a result is kept to the end of the run.
    outcome.reason.shrink_to_fit();
    if let Some(remediation) = &mut outcome.remediation {
        remediation.shrink_to_fit();
    }
    CheckResult {
        id: check.id.clone(),
        family: check.family(),
        title: check.title.clone(),
        target: check.target.clone(),
        severity: check.severity,
        status: outcome.status,
        reason: outcome.reason,
        remediation: outcome.remediation,
        evidence: outcome.evidence,
        elapsed_ms: elapsed.as_millis() as u64,
        waiver: None,
    }
}

/// Applies the plan's waivers: a waived check that did not pass becomes
/// `waived` (keeping its original status); one that passed stays `pass`.
pub fn apply_waivers(results: &mut [CheckResult], waivers: &[PlanWaiver]) {
    for r in results.iter_mut() {
        let Some(w) = waivers.iter().find(|w| w.id == r.id) else {
            continue;
        };
        if r.status == Status::Pass {
            continue;
        }
        r.waiver = Some(Waiver {
            reason: w.reason.clone(),
            ticket: w.ticket.clone(),
            original_status: r.status,
        });
        r.reason = format!("waived ({}): {}", w.ticket, r.reason);
        r.status = Status::Waived;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::tcp::Expect;
    use crate::checks::tcp::TcpSpec;
    use crate::endpoint::Endpoint;
    use report::{CheckId, Severity};

    fn tcp_check(id: &str, endpoint: Endpoint) -> PlannedCheck {
        PlannedCheck {
            id: CheckId::new(id),
            title: id.into(),
            target: endpoint.to_string(),
            severity: Severity::Blocker,
            spec: CheckSpec::Tcp(TcpSpec {
                endpoint,
                expect: Expect::Open,
            }),
        }
    }

    #[tokio::test]
    async fn results_come_back_in_plan_order() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap().port();
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let checks: Vec<PlannedCheck> = (0..20)
            .map(|i| {
                let port = if i % 2 == 0 { open } else { closed };
                tcp_check(&format!("c{i}"), Endpoint::new("127.0.0.1", port))
            })
            .collect();
        let ctx = Context::new(Duration::from_secs(2), "test");
        let mut seen = 0;
        let results = run(&checks, &ctx, 3, std::future::pending(), |_| seen += 1).await;
        assert_eq!(seen, 20);
        for (i, r) in results.iter().enumerate() {
            assert_eq!(r.id.as_str(), format!("c{i}"));
            let expected = if i % 2 == 0 {
                Status::Pass
            } else {
                Status::Fail
            };
            assert_eq!(r.status, expected, "{}: {}", r.id, r.reason);
        }
    }

    #[test]
    fn a_tcp_check_in_flight_stays_small() {
        // Every check of a run can be in flight at once; the other families
        // are boxed so that a TCP check does not carry a TLS handshake's
        // state (8.8 KiB each before, 44 MB for 5,000 refused targets).
        let ctx = Context::new(Duration::from_secs(1), "test");
        let check = tcp_check("c", Endpoint::new("127.0.0.1", 9));
        let future = execute(&check, &ctx);
        let size = std::mem::size_of_val(&future);
        println!("a TCP check's future: {size} bytes");
        assert!(size <= 1024, "{size} bytes");
    }

    #[tokio::test]
    async fn cancel_marks_unfinished_checks_skipped() {
        let checks = vec![tcp_check("c0", Endpoint::new("127.0.0.1", 9))];
        let ctx = Context::new(Duration::from_secs(2), "test");
        let results = run(&checks, &ctx, 1, std::future::ready(()), |_| {}).await;
        // Either the check finished first or it was skipped; never missing.
        assert_eq!(results.len(), 1);
        let checks: Vec<PlannedCheck> = (0..50)
            .map(|i| tcp_check(&format!("c{i}"), Endpoint::new("127.0.0.1", 9)))
            .collect();
        let results = run(&checks, &ctx, 1, std::future::ready(()), |_| {}).await;
        assert_eq!(results.len(), 50);
        assert!(results.iter().any(|r| r.status == Status::Skipped));
        assert_eq!(
            report::Verdict::of(&results, false),
            report::Verdict::NoGo,
            "a skipped blocker is NO-GO"
        );
    }

    #[test]
    fn waivers_turn_failures_into_waived_never_pass() {
        let mk = |id: &str, status| CheckResult {
            id: CheckId::new(id),
            family: report::Family::Tcp,
            title: String::new(),
            target: String::new(),
            severity: Severity::Blocker,
            status,
            reason: "filtered".into(),
            remediation: None,
            evidence: Default::default(),
            elapsed_ms: 0,
            waiver: None,
        };
        let mut results = vec![
            mk("a", Status::Fail),
            mk("b", Status::Pass),
            mk("c", Status::Fail),
        ];
        let waivers = vec![
            PlanWaiver {
                id: CheckId::new("a"),
                reason: "later".into(),
                ticket: "CHG-1".into(),
            },
            PlanWaiver {
                id: CheckId::new("b"),
                reason: "moot".into(),
                ticket: "CHG-2".into(),
            },
        ];
        apply_waivers(&mut results, &waivers);
        assert_eq!(results[0].status, Status::Waived);
        assert_eq!(
            results[0].waiver.as_ref().unwrap().original_status,
            Status::Fail
        );
        assert_eq!(results[1].status, Status::Pass);
        assert!(results[1].waiver.is_none());
        assert_eq!(results[2].status, Status::Fail);
    }
}

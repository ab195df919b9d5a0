//! Diff: regressions, fixes, changes, new and gone checks, evidence changes.

use serde_json::json;

use super::*;
use crate::model::{CheckId, Family, Tool};

fn result(
    id: &str,
    severity: Severity,
    status: Status,
    evidence: serde_json::Value,
) -> CheckResult {
    CheckResult {
        id: CheckId::new(id),
        family: Family::Tcp,
        title: id.into(),
        target: "192.0.2.1:443".into(),
        severity,
        status,
        reason: format!("{status}"),
        remediation: Some("open it".into()),
        evidence: evidence.into(),
        elapsed_ms: 1,
        waiver: None,
    }
}

fn report(dc: &str, results: Vec<CheckResult>) -> Report {
    Report::new(
        Tool {
            name: "preflight".into(),
            version: "0".into(),
        },
        None,
        "jump01".into(),
        dc.into(),
        None,
        "t".into(),
        "t".into(),
        "plan".into(),
        results,
    )
}

fn tcp(address: &str, state: &str, ms: u64) -> serde_json::Value {
    json!({"resolver": "system", "addresses": [{"address": address, "state": state, "connect_ms": ms}]})
}

#[test]
fn before_and_after_cutover() {
    let before = report(
        "east",
        vec![
            result(
                "dc.east.tcp.polling",
                Severity::Blocker,
                Status::Pass,
                tcp("203.0.113.10:443", "open", 12),
            ),
            result(
                "dc.east.tcp.new-https",
                Severity::Blocker,
                Status::Fail,
                tcp("203.0.113.20:443", "filtered", 3000),
            ),
            result(
                "dc.east.tcp.old",
                Severity::Blocker,
                Status::Pass,
                json!(null),
            ),
            result(
                "dc.east.tcp.sql",
                Severity::Blocker,
                Status::Fail,
                json!(null),
            ),
            result(
                "dc.east.tcp.same",
                Severity::Blocker,
                Status::Pass,
                tcp("192.0.2.5:22", "open", 1),
            ),
        ],
    );
    let after = report(
        "east",
        vec![
            result(
                "dc.east.tcp.polling",
                Severity::Blocker,
                Status::Fail,
                tcp("203.0.113.11:443", "filtered", 3000),
            ),
            result(
                "dc.east.tcp.new-https",
                Severity::Blocker,
                Status::Pass,
                tcp("203.0.113.20:443", "open", 9),
            ),
            result(
                "dc.east.tcp.sql",
                Severity::Blocker,
                Status::Error,
                json!(null),
            ),
            result(
                "dc.east.tcp.tentacle",
                Severity::Blocker,
                Status::Pass,
                json!(null),
            ),
            result(
                "dc.east.tcp.same",
                Severity::Blocker,
                Status::Pass,
                tcp("192.0.2.5:22", "open", 250),
            ),
        ],
    );
    let d = diff(&before, &after);
    let ids = |v: &[StatusChange]| v.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&d.regressed), ["dc.east.tcp.polling"]);
    assert_eq!(ids(&d.fixed), ["dc.east.tcp.new-https"]);
    assert_eq!(
        ids(&d.changed),
        ["dc.east.tcp.sql"],
        "fail → error: still blocking"
    );
    assert_eq!(
        d.new.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["dc.east.tcp.tentacle"]
    );
    assert_eq!(
        d.gone.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["dc.east.tcp.old"]
    );
    assert_eq!(d.exit_code(), crate::exit::NO_GO);
    let polling = d
        .evidence
        .iter()
        .find(|e| e.id == "dc.east.tcp.polling")
        .unwrap();
    assert_eq!(
        polling.changes,
        [
            FieldChange {
                path: "addresses[203.0.113.10:443]".into(),
                before: Some("state=open".into()),
                after: None
            },
            FieldChange {
                path: "addresses[203.0.113.11:443]".into(),
                before: None,
                after: Some("state=filtered".into())
            },
        ]
    );
    let https = d
        .evidence
        .iter()
        .find(|e| e.id == "dc.east.tcp.new-https")
        .unwrap();
    assert_eq!(
        https.changes,
        [FieldChange {
            path: "addresses[203.0.113.20:443]".into(),
            before: Some("state=filtered".into()),
            after: Some("state=open".into())
        }],
        "connect_ms is volatile"
    );
    assert!(
        d.evidence.iter().all(|e| e.id != "dc.east.tcp.same"),
        "only a timing changed"
    );
}

#[test]
fn a_changed_thumbprint_and_resolver_answers_show_and_order_does_not_matter() {
    let tls = |thumb: &str| json!({"thumbprint_sha1": thumb, "handshake_ms": 40, "chain": [{"subject": "CN=x", "not_after": "2027"}]});
    let dns = |a: &[&str]| json!({"resolvers": [{"resolver": "system", "addresses": a, "ttl_s": 300, "elapsed_ms": 2}]});
    let before = report(
        "east",
        vec![
            result(
                "dc.east.tls.polling",
                Severity::Blocker,
                Status::Pass,
                tls("3F9A"),
            ),
            result(
                "dc.east.dns.polling",
                Severity::Blocker,
                Status::Pass,
                dns(&["192.0.2.1", "192.0.2.2"]),
            ),
        ],
    );
    let after = report(
        "east",
        vec![
            result(
                "dc.east.dns.polling",
                Severity::Blocker,
                Status::Pass,
                dns(&["192.0.2.2", "192.0.2.1"]),
            ),
            result(
                "dc.east.tls.polling",
                Severity::Blocker,
                Status::Pass,
                tls("7B21"),
            ),
        ],
    );
    let d = diff(&before, &after);
    assert_eq!(d.exit_code(), crate::exit::GO, "nothing regressed");
    assert_eq!(d.evidence.len(), 1, "{:?}", d.evidence);
    assert_eq!(
        d.evidence[0].changes,
        [FieldChange {
            path: "thumbprint_sha1".into(),
            before: Some("3F9A".into()),
            after: Some("7B21".into())
        }]
    );
    let changed_dns = report(
        "east",
        vec![result(
            "dc.east.dns.polling",
            Severity::Blocker,
            Status::Pass,
            dns(&["192.0.2.9"]),
        )],
    );
    let d = diff(&after, &changed_dns);
    let change = &d
        .evidence
        .iter()
        .find(|e| e.id == "dc.east.dns.polling")
        .unwrap()
        .changes[0];
    assert_eq!(change.path, "resolvers[system]");
    assert_eq!(
        (change.before.as_deref(), change.after.as_deref()),
        (
            Some("addresses=192.0.2.1, 192.0.2.2"),
            Some("addresses=192.0.2.9")
        )
    );
}

#[test]
fn levels_make_warnings_and_waivers_regressions_from_a_pass() {
    let pass = result(
        "dc.east.tcp.a",
        Severity::Warning,
        Status::Pass,
        json!(null),
    );
    let warn = result(
        "dc.east.tcp.a",
        Severity::Warning,
        Status::Warn,
        json!(null),
    );
    let nonblocking_fail = result(
        "dc.east.tcp.a",
        Severity::Warning,
        Status::Fail,
        json!(null),
    );
    assert_eq!(
        (level(&pass), level(&warn), level(&nonblocking_fail)),
        (0, 1, 1)
    );
    let d = diff(
        &report("east", vec![pass]),
        &report("east", vec![warn.clone()]),
    );
    assert_eq!(d.regressed.len(), 1);
    let d = diff(
        &report("east", vec![warn]),
        &report("east", vec![nonblocking_fail]),
    );
    assert_eq!((d.regressed.len(), d.changed.len()), (0, 1));
}

#[test]
fn data_centers_compare_on_ids_without_their_prefix() {
    let east = report(
        "east",
        vec![result(
            "dc.east.tcp.polling",
            Severity::Blocker,
            Status::Pass,
            json!(null),
        )],
    );
    let west = report(
        "west",
        vec![result(
            "dc.west.tcp.polling",
            Severity::Blocker,
            Status::Fail,
            json!(null),
        )],
    );
    let d = diff(&east, &west);
    assert_eq!(d.regressed.len(), 1);
    assert!(d.new.is_empty() && d.gone.is_empty());
}

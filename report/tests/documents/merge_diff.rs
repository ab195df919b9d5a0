//! Properties of merge and diff over generated reports.

use proptest::prelude::*;
use report::Integrity;
use report::load::{self, Loaded};
use report::model::{CheckId, CheckResult, Family, Severity, Status, Tool};
use report::{Report, Verdict, diff, merge};
use serde_json::Value;

fn evidence() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (0u64..5000).prop_map(Value::from),
        "[a-z0-9.:]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "address",
                    "state",
                    "connect_ms",
                    "resolver",
                    "pool",
                    "x"
                ]),
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

fn result() -> impl Strategy<Value = (Status, Severity, usize, Value)> {
    (
        prop::sample::select(Status::ALL.to_vec()),
        prop::sample::select(vec![Severity::Blocker, Severity::Warning, Severity::Info]),
        0..Family::ALL.len(),
        evidence(),
    )
}

fn report() -> impl Strategy<Value = Report> {
    (
        "[a-z]{1,6}",
        "[a-z0-9]{1,8}",
        prop::collection::vec(result(), 0..10),
    )
        .prop_map(|(dc, host, rs)| {
            let results = rs
                .into_iter()
                .enumerate()
                .map(|(i, (status, severity, family, evidence))| CheckResult {
                    id: CheckId::new(format!("dc.{dc}.tcp.c{i}")),
                    family: Family::ALL[family],
                    title: format!("check {i}"),
                    target: "192.0.2.1:443".into(),
                    severity,
                    status,
                    reason: format!("{status}"),
                    remediation: None,
                    evidence: evidence.into(),
                    elapsed_ms: i as u64,
                    waiver: None,
                })
                .collect();
            let mut r = Report::new(
                Tool {
                    name: "preflight".into(),
                    version: "0".into(),
                },
                None,
                host,
                dc,
                None,
                "2026-11-23T08:58:34Z".into(),
                "2026-11-23T08:58:35Z".into(),
                "plan".into(),
                results,
            );
            r.seal();
            r
        })
}

fn loaded(r: &Report) -> Loaded {
    Loaded {
        file: "report.json".into(),
        integrity: Integrity::Verified { digest: r.digest() },
        report: r.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn merging_one_report_keeps_its_verdict_and_every_status(r in report()) {
        let tool = r.tool.clone();
        let m = merge::merge(&[loaded(&r)], tool, false).unwrap();
        prop_assert_eq!(m.verdict, r.verdict);
        prop_assert_eq!(m.verdict, Verdict::of(&r.results, r.interrupted));
        prop_assert_eq!(m.exit_code(), report::exit_code(&r.results, r.interrupted, report::FailOn::Blocker));
        prop_assert_eq!(m.matrix.len(), r.results.len());
        for (row, result) in m.matrix.iter().zip(&r.results) {
            prop_assert_eq!(row.cells[&r.datacenter].status, result.status);
        }
        // The merged document survives writing and reading, and verifies.
        let mut bytes = Vec::new();
        m.write_json(&mut bytes).unwrap();
        let back = load::parse_merged(std::str::from_utf8(&bytes).unwrap(), "merge.json").unwrap();
        prop_assert!(back.integrity.is_verified());
        prop_assert_eq!(back.merged.verdict, m.verdict);
    }

    #[test]
    fn a_report_diffed_with_itself_is_empty(r in report()) {
        let d = diff::diff(&r, &r);
        prop_assert!(d.is_empty(), "{:?}", d);
        prop_assert_eq!(d.exit_code(), report::exit::GO);
    }

    #[test]
    fn turning_a_passing_blocker_into_a_failure_is_one_regression(r in report(), pick in any::<prop::sample::Index>()) {
        let passing: Vec<usize> = r.results.iter().enumerate()
            .filter(|(_, x)| x.status == Status::Pass && x.severity == Severity::Blocker)
            .map(|(i, _)| i)
            .collect();
        prop_assume!(!passing.is_empty());
        let i = passing[pick.index(passing.len())];
        let mut after = r.clone();
        after.results[i].status = Status::Fail;
        let d = diff::diff(&r, &after);
        prop_assert_eq!(d.regressed.len(), 1);
        prop_assert_eq!(d.regressed[0].id.as_str(), r.results[i].id.as_str());
        prop_assert_eq!(d.exit_code(), report::exit::NO_GO);
        let back = diff::diff(&after, &r);
        prop_assert_eq!((back.regressed.len(), back.fixed.len()), (0, 1));
    }
}

/// A fixture, named by its file name only (the snapshot must not depend on the checkout's path).
fn fixture(name: &str) -> Loaded {
    let mut l = load::read_report(&crate::support::fixture_path(name)).unwrap();
    l.file = name.into();
    l
}

#[test]
fn merge_of_a_go_and_a_no_go_data_center_snapshot() {
    let inputs = [fixture("east-go.json"), fixture("west-no-go.json")];
    let mut m = merge::merge(&inputs, inputs[0].report.tool.clone(), false).unwrap();
    m.seal();
    assert_eq!(m.verdict, Verdict::NoGo);
    let mut md = Vec::new();
    merge::render::write_markdown(&mut md, &m).unwrap();
    insta::assert_snapshot!("merge.md", String::from_utf8(md).unwrap());
    let mut table = Vec::new();
    merge::render::write_table(&mut table, &m, report::table::DEFAULT_WIDTH).unwrap();
    insta::assert_snapshot!("merge.table", String::from_utf8(table).unwrap());
    let mut summary = Vec::new();
    report::summary::write_merge_summary(&mut summary, &m, report::summary::Markup::Markdown)
        .unwrap();
    insta::assert_snapshot!("merge.summary.md", String::from_utf8(summary).unwrap());
    let mut jira = Vec::new();
    report::summary::write_merge_summary(&mut jira, &m, report::summary::Markup::Jira).unwrap();
    insta::assert_snapshot!("merge.jira", String::from_utf8(jira).unwrap());
}

#[test]
fn diff_before_and_after_the_cutover_snapshot() {
    let before = fixture("west-no-go.json");
    let after = fixture("west-after.json");
    let d = diff::diff(&before.report, &after.report);
    assert_eq!(d.regressed.len(), 1);
    assert_eq!(d.regressed[0].id, "dc.west.tcp.new-server-https");
    let fixed: Vec<&str> = d.fixed.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        fixed,
        [
            "dc.west.tcp.new-server-polling",
            "dc.west.tls.new-server-polling",
            "dc.west.dns.polling-name",
            "dc.west.octopus.old-server-version"
        ]
    );
    let mut text = Vec::new();
    diff::render::write_text(&mut text, &d).unwrap();
    insta::assert_snapshot!("diff.txt", String::from_utf8(text).unwrap());
    let mut md = Vec::new();
    diff::render::write_markdown(&mut md, &d).unwrap();
    insta::assert_snapshot!("diff.md", String::from_utf8(md).unwrap());
    let mut summary = Vec::new();
    diff::render::write_summary(&mut summary, &d, report::summary::Markup::Markdown).unwrap();
    insta::assert_snapshot!("diff.summary.md", String::from_utf8(summary).unwrap());
    let mut jira = Vec::new();
    diff::render::write_summary(&mut jira, &d, report::summary::Markup::Jira).unwrap();
    insta::assert_snapshot!("diff.jira", String::from_utf8(jira).unwrap());
}

#[test]
fn diff_json_snapshot_with_the_runs_times_and_hosts_redacted() {
    let d = diff::diff(
        &fixture("west-no-go.json").report,
        &fixture("west-after.json").report,
    );
    insta::assert_json_snapshot!("diff.json", d, {
        ".before.started_at" => "[time]",
        ".after.started_at" => "[time]",
        ".before.host" => "[host]",
        ".after.host" => "[host]",
    });
}

//! Merge: the matrix, verdicts, replaced runs, mixed plans and worker pools.

use serde_json::json;

use super::*;
use crate::integrity::Integrity;
use crate::model::{CheckId, CheckResult};

fn result(id: &str, severity: Severity, status: Status) -> CheckResult {
    CheckResult {
        id: CheckId::new(id),
        family: Family::Tcp,
        title: id.into(),
        target: "192.0.2.1:443".into(),
        severity,
        status,
        reason: format!("{status}"),
        remediation: None,
        evidence: Default::default(),
        elapsed_ms: 1,
        waiver: None,
    }
}

fn run(dc: &str, host: &str, started: &str, results: Vec<CheckResult>) -> Loaded {
    let report = Report::new(
        Tool {
            name: "preflight".into(),
            version: "0".into(),
        },
        None,
        host.into(),
        dc.into(),
        None,
        started.into(),
        started.into(),
        "plan-a".into(),
        results,
    );
    Loaded {
        file: format!("{dc}-{host}-{started}.json"),
        integrity: Integrity::Verified {
            digest: report.digest(),
        },
        report,
    }
}

fn tool() -> Tool {
    Tool {
        name: "preflight".into(),
        version: "0".into(),
    }
}

#[test]
fn rows_line_up_across_data_centers_and_any_no_go_makes_it_no_go() {
    let east = run(
        "east",
        "j1",
        "t1",
        vec![
            result(
                "dc.east.tcp.new-server-polling",
                Severity::Blocker,
                Status::Pass,
            ),
            result(
                "dc.east.tcp.tentacle-web01",
                Severity::Blocker,
                Status::Pass,
            ),
        ],
    );
    let west = run(
        "west",
        "j2",
        "t1",
        vec![
            result(
                "dc.west.tcp.new-server-polling",
                Severity::Blocker,
                Status::Fail,
            ),
            result("dc.west.tcp.sql", Severity::Warning, Status::Fail),
        ],
    );
    let m = merge(&[east, west], tool(), false).unwrap();
    assert_eq!(m.verdict, Verdict::NoGo);
    assert_eq!(m.exit_code(), crate::exit::NO_GO);
    let verdicts: Vec<_> = m
        .datacenters
        .iter()
        .map(|d| (d.name.as_str(), d.verdict))
        .collect();
    assert_eq!(verdicts, [("east", Verdict::Go), ("west", Verdict::NoGo)]);
    assert_eq!(m.datacenters[1].blockers, ["tcp.new-server-polling"]);
    let keys: Vec<_> = m.matrix.iter().map(|r| r.check.as_str()).collect();
    assert_eq!(
        keys,
        ["tcp.new-server-polling", "tcp.tentacle-web01", "tcp.sql"]
    );
    let polling = &m.matrix[0];
    assert_eq!(polling.cells["east"].status, Status::Pass);
    assert_eq!(polling.cells["west"].status, Status::Fail);
    assert!(polling.cells["west"].blocks);
    assert!(
        !m.matrix[1].cells.contains_key("west"),
        "a check only east has"
    );

    let mut text = Vec::new();
    render::write_table(&mut text, &m, crate::table::DEFAULT_WIDTH).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("west: NO-GO (j2) — blocked by tcp.new-server-polling"),
        "{text}"
    );
    assert!(
        text.contains("overall: NO-GO across 2 data center(s)"),
        "{text}"
    );
}

#[test]
fn runs_of_one_data_center_combine_and_a_later_run_of_a_host_replaces_the_earlier() {
    let first = run(
        "east",
        "w1",
        "2026-11-23T08:00:00Z",
        vec![result("dc.east.tcp.a", Severity::Blocker, Status::Fail)],
    );
    let other_host = run(
        "east",
        "w2",
        "2026-11-23T08:00:00Z",
        vec![result("dc.east.tcp.a", Severity::Blocker, Status::Pass)],
    );
    let rerun = run(
        "east",
        "w1",
        "2026-11-23T09:00:00Z",
        vec![result("dc.east.tcp.a", Severity::Blocker, Status::Pass)],
    );
    let m = merge(
        &[first.clone(), other_host.clone(), rerun.clone()],
        tool(),
        false,
    )
    .unwrap();
    assert_eq!(
        m.verdict,
        Verdict::Go,
        "the failing run was replaced by a later one"
    );
    assert_eq!(
        m.sources[0].replaced_by.as_deref(),
        Some(rerun.file.as_str())
    );
    assert_eq!(m.runs.len(), 2);
    assert_eq!(m.matrix[0].cells["east"].runs.len(), 2);
    // Given in the other order, the later run still wins.
    let m = merge(&[rerun, other_host.clone(), first.clone()], tool(), false).unwrap();
    assert_eq!(m.verdict, Verdict::Go);
    // Without the rerun, one failing host makes the data center NO-GO, and the cell says how many.
    let m = merge(&[first, other_host], tool(), false).unwrap();
    assert_eq!(m.verdict, Verdict::NoGo);
    let mut md = Vec::new();
    render::write_markdown(&mut md, &m).unwrap();
    assert!(String::from_utf8(md).unwrap().contains("| FAIL (1/2) |"));
}

#[test]
fn a_hostile_start_time_cannot_add_a_column_to_the_markdown_sources_table() {
    let m = merge(
        &[run(
            "east",
            "j1",
            "2024-01-01|<b>x</b>",
            vec![result("dc.east.tcp.a", Severity::Blocker, Status::Pass)],
        )],
        tool(),
        false,
    )
    .unwrap();
    let mut md = Vec::new();
    render::write_markdown(&mut md, &m).unwrap();
    let md = String::from_utf8(md).unwrap();
    let row = md
        .lines()
        .find(|l| l.contains("2024-01-01"))
        .expect("the run's row");
    let column_bars = row.replace(r"\|", "").matches('|').count();
    assert_eq!(column_bars, 8, "seven cells: {row}");
    assert!(row.contains(r"2024-01-01\|\<b\>x\</b\>"), "{row}");
}

#[test]
fn different_plans_are_refused_unless_allowed() {
    let a = run("east", "j1", "t", vec![]);
    let mut b = run("west", "j2", "t", vec![]);
    b.report.plan_sha256 = "plan-b".into();
    let err = merge(&[a.clone(), b.clone()], tool(), false).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("different plans") && text.contains("plan-a in east-j1-t.json"),
        "{text}"
    );
    assert!(text.contains("--allow-mixed-plans"), "{text}");
    let m = merge(&[a, b], tool(), true).unwrap();
    assert_eq!(m.plan_sha256, ["plan-a", "plan-b"]);
    assert_eq!(merge(&[], tool(), true).unwrap_err(), MergeError::Empty);
}

fn worker_result(dc: &str, pool: &str, status: Status) -> CheckResult {
    let mut r = result(
        &format!("dc.{dc}.worker.{pool}.sql-1433"),
        Severity::Blocker,
        status,
    );
    r.family = Family::Worker;
    r.evidence = json!({"pool": pool, "workers": ["w1.example.com", "w2.example.com", "w3.example.com"], "addresses": []}).into();
    r
}

#[test]
fn a_pool_has_the_status_its_data_centers_reports_give_it() {
    // One run from a jump host (not a listed worker), as the demo does: its
    // pool checks pass, so the pool passes; the missing per-worker proof is
    // said in words, not as a WARN the report never gave.
    let jump = run(
        "east",
        "jump01",
        "t",
        vec![worker_result("east", "east-workers", Status::Pass)],
    );
    let m = merge(&[jump], tool(), false).unwrap();
    let p = &m.worker_pools[0];
    assert_eq!(p.status, Status::Pass);
    assert_eq!(m.matrix[0].cells["east"].status, Status::Pass);
    assert!(p.remediation.is_none());
    assert!(
        p.reason.contains("0 of 3 listed workers proved")
            && p.reason.contains("run preflight on w1.example.com"),
        "{}",
        p.reason
    );
    // The data center's own count check warns: so does the pool, with its remediation.
    let mut count = worker_result("west", "west-workers", Status::Warn);
    count.id = CheckId::new("dc.west.worker.west-workers.workers");
    count.reason = "1 worker(s)".into();
    count.remediation = Some("add a second worker".into());
    let west = run(
        "west",
        "jump02",
        "t",
        vec![worker_result("west", "west-workers", Status::Pass), count],
    );
    let m = merge(&[west], tool(), false).unwrap();
    let p = &m.worker_pools[0];
    assert_eq!(p.status, Status::Warn);
    assert!(p.reason.contains("WARN (1 worker(s))"), "{}", p.reason);
    assert_eq!(p.remediation.as_deref(), Some("add a second worker"));
}

#[test]
fn worker_pools_need_two_listed_workers_proven_by_their_own_runs() {
    let w1 = run(
        "east",
        "w1",
        "t",
        vec![worker_result("east", "east-workers", Status::Pass)],
    );
    let w2 = run(
        "east",
        "W2",
        "t",
        vec![worker_result("east", "east-workers", Status::Fail)],
    );
    let jump = run(
        "east",
        "jump01",
        "t",
        vec![worker_result("east", "east-workers", Status::Pass)],
    );
    let m = merge(&[w1.clone(), w2, jump], tool(), false).unwrap();
    assert_eq!(m.worker_pools.len(), 1);
    let p = &m.worker_pools[0];
    assert_eq!(p.status, Status::Fail, "w2's own report fails the pool");
    assert_eq!(p.proven, ["w1.example.com"]);
    assert_eq!(
        p.failing,
        ["w2.example.com"],
        "names match case-insensitively, short or full"
    );
    assert_eq!(p.not_reported, ["w3.example.com"]);
    assert_eq!(
        p.unlisted,
        ["jump01"],
        "a host that is not a listed worker does not count"
    );
    assert!(p.reason.contains("1 of 3 listed workers"), "{}", p.reason);
    assert!(
        p.reason.contains("run preflight on w3.example.com"),
        "{}",
        p.reason
    );

    let w3 = run(
        "east",
        "w3.example.com",
        "t",
        vec![worker_result("east", "east-workers", Status::Warn)],
    );
    let m = merge(&[w1, w3], tool(), false).unwrap();
    assert_eq!(
        m.worker_pools[0].status,
        Status::Warn,
        "w3's own report warns: the pool does too"
    );
    assert_eq!(
        m.worker_pools[0].proven,
        ["w1.example.com", "w3.example.com"]
    );
}

#[test]
fn the_merged_document_round_trips_and_verifies() {
    let m = merge(
        &[run(
            "east",
            "j1",
            "t",
            vec![result("dc.east.tcp.a", Severity::Blocker, Status::Pass)],
        )],
        tool(),
        false,
    )
    .unwrap();
    let mut bytes = Vec::new();
    m.write_json(&mut bytes).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert!(crate::integrity::check(&value).is_verified());
    assert_eq!(value["kind"], "merge");
    let back: Merged = serde_json::from_value(value).unwrap();
    assert_eq!(back.matrix, m.matrix);
}

#[test]
fn an_interrupted_or_empty_run_makes_its_data_center_no_go_and_every_form_says_why() {
    let east = run(
        "east",
        "j1",
        "2026-01-01T00:00:00Z",
        vec![result("dc.east.tcp.a", Severity::Warning, Status::Pass)],
    );
    let mut west = run(
        "west",
        "j2",
        "2026-01-01T00:00:00Z",
        vec![
            result("dc.west.tcp.a", Severity::Blocker, Status::Pass),
            result("dc.west.tcp.b", Severity::Warning, Status::Skipped),
        ],
    );
    west.report.mark_interrupted();
    let north = run("north", "j3", "2026-01-01T00:00:00Z", Vec::new());
    let m = merge(&[east, west, north], tool(), false).unwrap();
    let verdicts: Vec<_> = m
        .datacenters
        .iter()
        .map(|d| (d.name.as_str(), d.verdict))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("east", Verdict::Go),
            ("west", Verdict::NoGo),
            ("north", Verdict::NoGo)
        ]
    );
    let mut table = Vec::new();
    render::write_table(&mut table, &m, crate::table::DEFAULT_WIDTH).unwrap();
    let mut md = Vec::new();
    render::write_markdown(&mut md, &m).unwrap();
    let mut html = Vec::new();
    render::write_html(&mut html, &m).unwrap();
    let mut junit = Vec::new();
    render::write_junit(&mut junit, &m).unwrap();
    for (name, text) in [
        ("table", table),
        ("md", md),
        ("html", html),
        ("junit", junit),
    ] {
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("INTERRUPTED"), "{name}: {text}");
        assert!(
            text.contains("the run was interrupted: 1 check not run"),
            "{name}: {text}"
        );
        assert!(text.contains("no check ran"), "{name}: {text}");
    }
}

#[test]
fn a_matrix_row_never_shows_a_warning_beside_blocker() {
    let east = run(
        "east",
        "j1",
        "t",
        vec![result(
            "dc.east.dns.polling",
            Severity::Blocker,
            Status::Warn,
        )],
    );
    let west = run(
        "west",
        "j2",
        "t",
        vec![result(
            "dc.west.dns.polling",
            Severity::Blocker,
            Status::Pass,
        )],
    );
    let m = merge(&[east.clone(), west], tool(), false).unwrap();
    let mut table = Vec::new();
    render::write_table(&mut table, &m, crate::table::DEFAULT_WIDTH).unwrap();
    let table = String::from_utf8(table).unwrap();
    let row = table.lines().find(|l| l.contains("dns.polling")).unwrap();
    assert!(
        row.contains("warning") && !row.contains("blocker"),
        "{table}"
    );

    let failing = run(
        "west",
        "j2",
        "t",
        vec![result(
            "dc.west.dns.polling",
            Severity::Blocker,
            Status::Fail,
        )],
    );
    let m = merge(&[east, failing], tool(), false).unwrap();
    let mut md = Vec::new();
    render::write_markdown(&mut md, &m).unwrap();
    let md = String::from_utf8(md).unwrap();
    let row = md.lines().find(|l| l.contains("`dns.polling`")).unwrap();
    assert!(row.contains("| blocker |"), "a cell blocks: {md}");
}

#[test]
fn a_plan_digest_of_multi_byte_characters_is_shortened_without_a_panic() {
    let a = run("east", "j1", "t", vec![]);
    let mut b = run("west", "j2", "t", vec![]);
    // Byte 12 falls inside the fifth character (1 + 3 + 3 + 3 + 3 bytes).
    b.report.plan_sha256 = format!("a{}", "€".repeat(15));
    let err = merge(&[a, b], tool(), false).unwrap_err().to_string();
    assert!(
        err.contains(&format!("a{} in west-j2-t.json", "€".repeat(11))),
        "twelve characters, not twelve bytes: {err}"
    );
}

mod properties {
    //! Merges of two or more reports from different plans: never a panic;
    //! every input check appears once; the verdicts follow from the inputs.

    use proptest::prelude::*;

    use super::*;

    const STATUSES: [Status; 6] = [
        Status::Pass,
        Status::Fail,
        Status::Warn,
        Status::Error,
        Status::Skipped,
        Status::Waived,
    ];
    const SEVERITIES: [Severity; 3] = [Severity::Blocker, Severity::Warning, Severity::Info];
    const DATACENTERS: [&str; 3] = ["east", "west", "Süd Ost"];

    /// A generated result: check name index, status index, severity index, reason.
    type Spec = (usize, usize, usize, String);

    fn arb_results() -> impl Strategy<Value = Vec<Spec>> {
        proptest::collection::btree_map(0usize..6, (0usize..6, 0usize..3, ".{0,12}"), 0..6)
            .prop_map(|m| {
                m.into_iter()
                    .map(|(name, (status, severity, reason))| (name, status, severity, reason))
                    .collect()
            })
    }

    /// One report: its data center, plan digest (any text: a file's) and results.
    fn arb_report() -> impl Strategy<Value = (usize, String, Vec<Spec>)> {
        (0usize..3, "[a-f0-9€é]{0,16}", arb_results())
    }

    fn build(i: usize, dc: usize, plan: &str, results: &[Spec]) -> Loaded {
        let dc = DATACENTERS[dc];
        let results = results
            .iter()
            .map(|(name, status, severity, reason)| {
                let mut r = result(
                    &format!("dc.{}.tcp.check-{name}", slug(dc)),
                    SEVERITIES[*severity],
                    STATUSES[*status],
                );
                r.reason = reason.clone();
                r
            })
            .collect();
        // A host of its own per input: no run replaces another.
        let mut l = run(dc, &format!("host{i}"), "2026-01-01T00:00:00Z", results);
        l.report.plan_sha256 = plan.to_string();
        l.file = format!("input-{i}.json");
        l
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn merges_of_reports_from_different_plans_keep_every_check_and_the_verdict(
            specs in proptest::collection::vec(arb_report(), 2..5)
        ) {
            let inputs: Vec<Loaded> = specs
                .iter()
                .enumerate()
                .map(|(i, (dc, plan, results))| build(i, *dc, plan, results))
                .collect();
            let plans: std::collections::BTreeSet<&str> =
                inputs.iter().map(|l| l.report.plan_sha256.as_str()).collect();
            let strict = merge(&inputs, tool(), false);
            prop_assert_eq!(strict.is_err(), plans.len() > 1);
            if let Err(e) = &strict {
                prop_assert!(e.to_string().contains("--allow-mixed-plans"));
            }
            let m = merge(&inputs, tool(), true).unwrap();

            // Every input check appears once: one row per key, one entry per run.
            let mut keys: Vec<&str> = m.matrix.iter().map(|r| r.check.as_str()).collect();
            let rows = keys.len();
            keys.sort_unstable();
            keys.dedup();
            prop_assert_eq!(keys.len(), rows, "a check has two rows");
            for l in &inputs {
                for r in &l.report.results {
                    let key = row_key(r.id.as_str(), &l.report.datacenter);
                    let row = m.matrix.iter().find(|row| row.check == key);
                    prop_assert!(row.is_some(), "{} is missing", key);
                    let cell = &row.unwrap().cells[&l.report.datacenter];
                    let entries: Vec<_> = cell.runs.iter().filter(|h| h.host == l.report.host).collect();
                    prop_assert_eq!(entries.len(), 1);
                    prop_assert_eq!(entries[0].status, r.status);
                    prop_assert_eq!(&entries[0].reason, &r.reason);
                    prop_assert!(cell.status.severity_rank() >= r.status.severity_rank());
                    prop_assert!(!verdict::blocks(r) || cell.blocks);
                }
            }
            let cells: usize = m.matrix.iter().flat_map(|r| r.cells.values()).map(|c| c.runs.len()).sum();
            let checks: usize = inputs.iter().map(|l| l.report.results.len()).sum();
            prop_assert_eq!(cells, checks, "a check counted twice");

            // The verdicts follow from the inputs.
            let expected = Verdict::of_parts(inputs.iter().map(|l| Verdict::of(&l.report.results, l.report.interrupted)));
            prop_assert_eq!(m.verdict, expected);
            for dc in &m.datacenters {
                let runs: Vec<&Loaded> = inputs.iter().filter(|l| l.report.datacenter == dc.name).collect();
                prop_assert_eq!(
                    dc.verdict,
                    Verdict::of_parts(runs.iter().map(|l| Verdict::of(&l.report.results, l.report.interrupted)))
                );
                let all: Vec<CheckResult> = runs.iter().flat_map(|l| l.report.results.clone()).collect();
                prop_assert_eq!(&dc.summary, &Summary::of(&all));
            }
            prop_assert_eq!(m.plan_sha256.len(), plans.len());

            // It renders in every form, and what it writes reads back verified.
            let mut out = Vec::new();
            render::write_table(&mut out, &m, crate::table::DEFAULT_WIDTH).unwrap();
            render::write_markdown(&mut out, &m).unwrap();
            render::write_html(&mut out, &m).unwrap();
            render::write_junit(&mut out, &m).unwrap();
            let mut json = Vec::new();
            m.write_json(&mut json).unwrap();
            let back = crate::load::parse_merged(std::str::from_utf8(&json).unwrap(), "m.json").unwrap();
            prop_assert!(back.integrity.is_verified());
            prop_assert_eq!(back.merged.verdict, m.verdict);
        }
    }
}

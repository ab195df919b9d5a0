//! Each renderer on the fixed report: a snapshot, and the properties a
//! snapshot cannot see (self-contained HTML, JUnit counts).

use quick_xml::events::Event;
use report::model::{CheckId, CheckResult, Family, Severity, Status};
use report::summary::Markup;
use report::{Report, verdict};

use crate::support::{render_all, west};

/// The run's times and host name vary between runs of the real tool; the
/// snapshots must not depend on them (evidence dates such as a certificate's
/// `not_after` stay).
macro_rules! stable_snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"2026-11-23T08:58:3\d(\.\d+)?(Z|\+00:00)", "[time]"),
            (r"jump01\.west\.example\.com", "[host]"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

#[test]
fn markdown_snapshot() {
    let docs = render_all(&west().report);
    stable_snapshot!("west.md", &docs[0].1);
}

#[test]
fn html_snapshot() {
    let docs = render_all(&west().report);
    stable_snapshot!("west.html", &docs[1].1);
}

#[test]
fn junit_snapshot() {
    let docs = render_all(&west().report);
    stable_snapshot!("west.junit.xml", &docs[2].1);
}

#[test]
fn md_summary_snapshot() {
    let mut md = Vec::new();
    report::summary::write_summary(&mut md, &west().report, Markup::Markdown).unwrap();
    stable_snapshot!("west.summary.md", String::from_utf8(md).unwrap());
}

#[test]
fn jira_snapshot() {
    let mut jira = Vec::new();
    report::summary::write_summary(&mut jira, &west().report, Markup::Jira).unwrap();
    stable_snapshot!("west.jira", String::from_utf8(jira).unwrap());
}

#[test]
fn the_summary_and_jira_say_the_same_things_in_the_same_order() {
    let report = west().report;
    let (mut md, mut jira) = (Vec::new(), Vec::new());
    report::summary::write_summary(&mut md, &report, Markup::Markdown).unwrap();
    report::summary::write_summary(&mut jira, &report, Markup::Jira).unwrap();
    let (md, jira) = (
        String::from_utf8(md).unwrap(),
        String::from_utf8(jira).unwrap(),
    );
    assert_eq!(
        md.lines().count(),
        jira.lines().count() + 3,
        "Markdown tables have a separator row"
    );
    let order = [
        "Blockers (3)",
        "Firewall rules to request (3)",
        "Already open (2)",
    ];
    for doc in [&md, &jira] {
        let at: Vec<usize> = order.iter().map(|h| doc.find(h).expect(h)).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{doc}");
        for r in report.results.iter().filter(|r| verdict::blocks(r)) {
            let title = r.title.replace('-', "\\-");
            assert!(
                doc.contains(&r.title) || doc.contains(&title),
                "{}",
                r.title
            );
        }
        assert!(
            !doc.contains("Evidence"),
            "the summary leaves the evidence to the full report"
        );
    }
    assert!(
        jira.starts_with("h1. NO\\-GO: data center west\n"),
        "{jira}"
    );
    assert!(jira.contains("||Source||Destination||Port||"), "{jira}");
}

#[test]
fn printed_page_one_holds_the_verdict_the_rules_and_the_blockers_only() {
    let html = &render_all(&west().report)[1].1;
    let start = html.find("<div class=\"page-one\">").expect("page one");
    let end = start + html[start..].find("</section>\n</div>").expect("its end");
    let page_one = &html[start..end];
    for part in [
        "class=\"verdict\"",
        "Firewall rules to request (3)",
        "Blockers (3)",
    ] {
        assert!(page_one.contains(part), "{part} on page one");
    }
    for later in ["Warnings (", "Already open (", "Passed (", "<details"] {
        assert!(!page_one.contains(later), "{later} is not on page one");
        assert!(html[end..].contains(later), "{later} comes after page one");
    }
    // Passed checks' evidence is closed and marked; print hides it and breaks after page one.
    assert_eq!(
        html.matches("<details").count(),
        html.matches("open=\"open\"").count() + html.matches("class=\"passed\"><summary>").count()
    );
    let print = &report::html::STYLE[report::html::STYLE.find("@media print").unwrap()..];
    assert!(
        print.contains(".page-one { break-after: page; }"),
        "{print}"
    );
    assert!(
        print.contains("details.passed { display: none; }"),
        "{print}"
    );
}

#[test]
fn markdown_has_the_sections_a_change_board_reads_in_order() {
    let report = west().report;
    let md = &render_all(&report)[0].1;
    let digest = format!(
        "| Report SHA-256 | `{}` |",
        report.report_sha256.as_deref().unwrap()
    );
    let order = [
        "# NO-GO: data center west",
        "**NO-GO — 3 blockers did not pass",
        digest.as_str(),
        "## Blockers (3)",
        "## Warnings (2)",
        "## Waived (1)",
        "## Passed (2)",
        "## Evidence",
        "| `203.0.113.20:443` | `filtered` | `3000` |",
        "| `192.0.2.53` | `answer` | `198.51.100.7` |",
    ];
    let mut at = 0;
    for needle in order {
        let found = md[at..]
            .find(needle)
            .unwrap_or_else(|| panic!("`{needle}` missing or out of order in:\n{md}"));
        at += found;
    }
}

/// A report whose text tries to inject markup and external references.
fn hostile() -> Report {
    let mut r = west().report;
    r.results[0].reason = "<script src=\"https://evil.example.com/x.js\"></script>".into();
    r.results[0].title = "\"><img src=x onerror=alert(1)>".into();
    r.results[1].evidence = serde_json::json!({
        "body": "<link rel=stylesheet href=\"http://evil.example.com/a.css\">",
        "url(": "url(https://evil.example.com/bg.png)"
    })
    .into();
    r.seal();
    r
}

#[test]
fn html_loads_nothing_from_anywhere() {
    for report in [west().report, hostile()] {
        let html = &render_all(&report)[1].1;
        let mut reader = quick_xml::Reader::from_str(html);
        let mut in_style = false;
        let mut urls_in_text = 0;
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).to_lowercase();
                    assert!(
                        ![
                            "script", "link", "img", "iframe", "object", "embed", "base", "form",
                            "svg", "video", "audio", "source", "frame"
                        ]
                        .contains(&name.as_str()),
                        "<{name}> element in the HTML"
                    );
                    in_style = name == "style";
                    for attr in e.attributes() {
                        let attr = attr.expect("well-formed attribute");
                        let key = String::from_utf8_lossy(attr.key.as_ref()).to_lowercase();
                        let value = String::from_utf8_lossy(&attr.value).to_lowercase();
                        assert!(!key.starts_with("on"), "event handler attribute {key}");
                        assert!(
                            !value.contains("://") && !value.contains("url("),
                            "external reference in {key}=\"{value}\""
                        );
                        if key == "href" {
                            assert!(value.starts_with('#'), "href leaves the page: {value}");
                        }
                    }
                }
                Ok(Event::Text(t)) => {
                    let text = String::from_utf8_lossy(t.as_ref()).to_lowercase();
                    if in_style {
                        assert!(
                            !text.contains("url(")
                                && !text.contains("@import")
                                && !text.contains("://"),
                            "the stylesheet loads something"
                        );
                    } else {
                        urls_in_text += text.matches("://").count();
                    }
                }
                Ok(Event::End(_)) => in_style = false,
                Ok(_) => {}
                Err(e) => panic!(
                    "the HTML is not well-formed at {}: {e}",
                    reader.error_position()
                ),
            }
        }
        assert!(
            urls_in_text > 0,
            "the fixture's URLs are shown as text (this test would otherwise prove nothing)"
        );
        let raw = html.to_lowercase();
        assert!(raw.contains("content-security-policy") && raw.contains("default-src 'none'"));
        assert!(
            !raw.contains("<script"),
            "no script, even escaped input stays text"
        );
    }
}

#[test]
fn junit_parses_and_counts_match_the_verdict() {
    let report = west().report;
    let xml = &render_all(&report)[2].1;
    let parsed = quick_junit::Report::deserialize_from_str(xml).expect("JUnit parses");
    assert_eq!(parsed.test_suites.len(), 1);
    let suite = &parsed.test_suites[0];
    let blocking_fail = report
        .results
        .iter()
        .filter(|r| verdict::blocks(r) && r.status == Status::Fail)
        .count();
    let blocking_other =
        report.results.iter().filter(|r| verdict::blocks(r)).count() - blocking_fail;
    let skipped = report
        .results
        .iter()
        .filter(|r| !verdict::blocks(r) && r.status != Status::Pass)
        .count();
    assert_eq!(suite.tests, report.results.len());
    assert_eq!(
        (suite.failures, suite.errors, suite.skipped),
        (blocking_fail, blocking_other, skipped)
    );
    assert_eq!(
        (suite.failures, suite.errors, suite.skipped),
        (2, 1, 3),
        "the fixture's shape"
    );
    assert_eq!(parsed.tests, report.results.len());
    let polling = suite
        .test_cases
        .iter()
        .find(|c| c.name.as_str() == "dc.west.tcp.new-server-polling")
        .expect("one test case per check id");
    match &polling.status {
        quick_junit::TestCaseStatus::NonSuccess {
            message,
            description,
            ..
        } => {
            assert!(
                message
                    .as_ref()
                    .unwrap()
                    .as_str()
                    .starts_with("fail: filtered")
            );
            let d = description.as_ref().unwrap().as_str();
            assert!(d.contains("what to do: ask for a firewall rule"), "{d}");
            assert!(d.contains("`203.0.113.20:443` | `filtered`"), "{d}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn every_status_and_severity_renders_in_every_format() {
    let mut results = Vec::new();
    for (i, status) in Status::ALL.into_iter().enumerate() {
        for severity in [Severity::Blocker, Severity::Warning, Severity::Info] {
            results.push(CheckResult {
                id: CheckId::new(format!("dc.x.tcp.c{i}-{severity}")),
                family: Family::ALL[i % Family::ALL.len()],
                title: format!("{status} {severity}"),
                target: "192.0.2.1:1".into(),
                severity,
                status,
                reason: "r".into(),
                remediation: Some("do".into()),
                evidence: serde_json::json!([1, {"a": [[]]}]).into(),
                elapsed_ms: 1,
                waiver: None,
            });
        }
    }
    let report = Report::new(
        report::Tool {
            name: "preflight".into(),
            version: "0".into(),
        },
        None,
        "h".into(),
        "x".into(),
        None,
        "not a time".into(),
        "".into(),
        String::new(),
        results,
    );
    for (format, text) in render_all(&report) {
        if format == "rules.csv" {
            // Evidence without a network path: the header alone.
            assert_eq!(text.lines().count(), 1, "{text}");
            continue;
        }
        assert!(text.contains("dc.x.tcp.c0-blocker"), "{format}");
    }
}

#[test]
fn an_interrupted_run_says_so_in_every_document_and_reads_back() {
    let mut report = west().report;
    let before = render_all(&report);
    for (name, text) in &before {
        assert!(
            !text.contains("INTERRUPTED") && !text.contains("\"interrupted\""),
            "{name} says interrupted before the run was"
        );
    }
    // The fixture is from before the field existed: it still verifies.
    assert!(west().integrity.is_verified());
    report.mark_interrupted();
    report.seal();
    for (name, text) in render_all(&report) {
        if name == "rules.csv" {
            // Rows to import into a firewall tool: a CSV has no place for a
            // banner; the documents beside it say the run was interrupted.
            continue;
        }
        assert!(
            text.contains("INTERRUPTED")
                || (name == "report.json" && text.contains("\"interrupted\": true")),
            "{name} does not say the run was interrupted:\n{text}"
        );
    }
    let mut json = Vec::new();
    report.write_json(&mut json).unwrap();
    let json = String::from_utf8(json).unwrap();
    assert!(json.contains("\"interrupted\": true"), "{json}");
    let loaded = report::load::parse_report(&json, "report.json").unwrap();
    assert!(loaded.report.interrupted && loaded.integrity.is_verified());
    assert_eq!(loaded.report.verdict, report::Verdict::NoGo);
    // Dropping the field from an interrupted run is an edit the reader catches.
    let edited = json.replace("\"interrupted\": true,", "");
    let l = report::load::parse_report(&edited, "report.json").unwrap();
    assert!(!l.integrity.is_verified());
}

//! JUnit XML through `quick-junit`, so CI pipelines show checks natively:
//! one test suite per report, one test case per check.
//!
//! The mapping keeps "the pipeline is red" equal to NO-GO:
//! - a blocker that failed is a `<failure>`; one that errored or was not run
//!   is an `<error>` (no data is not a pass);
//! - warnings (a `warn`, or a non-blocker that did not pass) and waived checks
//!   are `<skipped>` with the reason, visible but not failing the build;
//! - a pass is a plain test case;
//! - a run that was interrupted or proved nothing (no check ran, none
//!   gathered evidence) gets one more `<error>` case, `dc.<dc>.verdict`,
//!   with the reason.
//!
//! The suite's properties carry the verdict, the run's facts and the
//! firewall rules to request (`firewall_rule.N`, one line each).
//!
//! Failures carry the reason as the message and the reason, the remediation
//! and the evidence (as Markdown text) as the description.

use std::io::{self, Write};
use std::time::Duration;

use chrono::DateTime;
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use crate::evidence;
use crate::markdown;
use crate::model::{CheckResult, Report, Status};
use crate::verdict;

/// Writes the report as a JUnit XML document with one test suite.
pub fn write_junit(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let mut doc = quick_junit::Report::new(format!("preflight {}", report.datacenter));
    doc.add_test_suite(suite(report));
    doc.serialize(out).map_err(io::Error::other)
}

/// The test suite for one report (merge puts one per data center run in a document).
pub fn suite(report: &Report) -> TestSuite {
    let mut suite = TestSuite::new(format!(
        "preflight: data center {} ({}){}",
        report.datacenter,
        report.host,
        if report.interrupted {
            " — INTERRUPTED"
        } else {
            ""
        }
    ));
    if let Ok(t) = DateTime::parse_from_rfc3339(&report.started_at) {
        suite.set_timestamp(t);
        if let Ok(end) = DateTime::parse_from_rfc3339(&report.finished_at) {
            let ms = (end - t).num_milliseconds().max(0) as u64;
            suite.set_time(Duration::from_millis(ms));
        }
    }
    let mut properties = vec![
        Property::new("verdict", report.verdict.as_str()),
        Property::new("datacenter", report.datacenter.as_str()),
        Property::new("host", report.host.as_str()),
        Property::new("plan_sha256", report.plan_sha256.as_str()),
    ];
    if let Some(reason) = verdict::unproven(&report.results, report.interrupted) {
        properties.push(Property::new("verdict_reason", reason.as_str()));
    }
    if report.interrupted {
        properties.push(Property::new("interrupted", "true"));
    }
    if let Some(d) = &report.report_sha256 {
        properties.push(Property::new("report_sha256", d.as_str()));
    }
    if let Some(m) = &report.migration {
        properties.push(Property::new("migration", m.name.as_str()));
        if let Some(t) = &m.ticket {
            properties.push(Property::new("ticket", t.as_str()));
        }
    }
    let rules = crate::rules::of(report);
    let (request, in_place) = crate::rules::split(&rules);
    properties.push(Property::new(
        "firewall_rules_to_request",
        request.len().to_string(),
    ));
    properties.push(Property::new(
        "firewall_paths_already_open",
        in_place.len().to_string(),
    ));
    for (i, r) in request.iter().enumerate() {
        properties.push(Property::new(
            format!("firewall_rule.{}", i + 1),
            format!(
                "{} {} {} from {} to {}: {} ({}) [{}]",
                r.protocol,
                r.port,
                r.direction.as_str(),
                r.source(),
                r.destination(),
                r.action,
                r.state,
                r.check_ids.join(", ")
            ),
        ));
    }
    suite.add_properties(properties);
    let classname_dc = report.datacenter.replace('.', "_");
    for r in &report.results {
        let mut case = TestCase::new(r.id.as_str(), status(r));
        case.set_classname(format!("preflight.{classname_dc}.{}", r.family));
        case.set_time(Duration::from_millis(r.elapsed_ms));
        if r.status == Status::Pass {
            case.set_system_out(format!("{}\n{}\n{}", r.title, r.target, r.reason));
        }
        suite.add_test_case(case);
    }
    // A run that proved nothing or was interrupted is NO-GO without a failing
    // blocker: one error case keeps the pipeline red, with the reason.
    if let Some(reason) = verdict::unproven(&report.results, report.interrupted) {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_type(if report.interrupted {
            "interrupted"
        } else {
            "no-evidence"
        });
        status.set_message(reason);
        let mut case = TestCase::new(format!("dc.{classname_dc}.verdict"), status);
        case.set_classname(format!("preflight.{classname_dc}"));
        suite.add_test_case(case);
    }
    suite
}

fn status(r: &CheckResult) -> TestCaseStatus {
    let mut status = if verdict::blocks(r) {
        let kind = if r.status == Status::Fail {
            NonSuccessKind::Failure
        } else {
            NonSuccessKind::Error
        };
        let mut s = TestCaseStatus::non_success(kind);
        s.set_type(match r.status {
            Status::Skipped => "not-run",
            other => other.as_str(),
        });
        s
    } else if r.status == Status::Pass {
        return TestCaseStatus::success();
    } else {
        let mut s = TestCaseStatus::skipped();
        s.set_type(if r.status == Status::Waived {
            "waived"
        } else {
            "warning"
        });
        s
    };
    status.set_message(message(r));
    status.set_description(description(r));
    status
}

fn message(r: &CheckResult) -> String {
    match (&r.status, &r.waiver) {
        (Status::Waived, Some(w)) => format!(
            "waived ({}, was {}): {}",
            w.ticket, w.original_status, r.reason
        ),
        (Status::Skipped, _) if r.reason.starts_with("not run") => r.reason.clone(),
        (Status::Skipped, _) => format!("not run: {}", r.reason),
        (status, _) => format!("{status}: {}", r.reason),
    }
}

fn description(r: &CheckResult) -> String {
    let mut text = format!(
        "{}\ntarget: {}\nseverity: {}\nstatus: {}\nfound: {}\n",
        r.title, r.target, r.severity, r.status, r.reason
    );
    if let Some(rem) = &r.remediation {
        text.push_str(&format!("what to do: {rem}\n"));
    }
    if let Some(w) = &r.waiver {
        text.push_str(&format!("waiver: {} ({})\n", w.reason, w.ticket));
    }
    let blocks = evidence::view(&r.evidence.to_value());
    if !blocks.is_empty() {
        let mut md = Vec::new();
        if markdown::write_blocks(&mut md, &blocks, 4).is_ok() {
            text.push_str("\nevidence:\n");
            text.push_str(&String::from_utf8_lossy(&md));
        }
    }
    text
}

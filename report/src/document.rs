//! What every go/no-go document says, in the same order: the header facts,
//! the verdict line, then the results grouped by what a reader must do with
//! them. The Markdown and HTML renderers lay this out; they decide nothing.

use crate::model::{CheckResult, Report, Status};
use crate::verdict::{self, Verdict};

/// The results of a report, grouped for a reader.
#[derive(Debug, Default)]
pub struct Groups<'a> {
    /// Blockers that failed, errored or were not run: each one makes it NO-GO.
    pub blockers: Vec<&'a CheckResult>,
    /// Warnings, and non-blockers that did not pass.
    pub warnings: Vec<&'a CheckResult>,
    /// Failures the plan accepts, with a reason and a ticket.
    pub waived: Vec<&'a CheckResult>,
    pub passed: Vec<&'a CheckResult>,
}

impl<'a> Groups<'a> {
    pub fn of(report: &'a Report) -> Self {
        let mut g = Groups::default();
        for r in &report.results {
            if verdict::blocks(r) {
                g.blockers.push(r);
            } else if verdict::is_warning(r) {
                g.warnings.push(r);
            } else if r.status == Status::Waived {
                g.waived.push(r);
            } else {
                g.passed.push(r);
            }
        }
        g
    }

    /// Results whose evidence a reader needs: everything that did not pass.
    pub fn needing_evidence(&self) -> impl Iterator<Item = &'a CheckResult> + '_ {
        self.blockers
            .iter()
            .chain(&self.warnings)
            .chain(&self.waived)
            .copied()
    }
}

/// `label: value` lines of the document header, in order; absent values are left out.
pub fn header_facts(report: &Report) -> Vec<(&'static str, String)> {
    let mut facts = Vec::new();
    if let Some(m) = &report.migration {
        facts.push(("Migration", m.name.clone()));
        if let Some(t) = &m.ticket {
            facts.push(("Change ticket", t.clone()));
        }
    }
    facts.push(("Data center", report.datacenter.clone()));
    if report.interrupted {
        facts.push((
            "Run",
            "INTERRUPTED (Ctrl-C) before every check finished: the checks not run are listed as NOT RUN"
                .into(),
        ));
    }
    facts.push(("Host", report.host.clone()));
    if let Some(op) = &report.operator {
        facts.push(("Operator", op.clone()));
    }
    facts.push(("Started", report.started_at.clone()));
    facts.push(("Finished", report.finished_at.clone()));
    facts.push((
        "Tool",
        format!("{} {}", report.tool.name, report.tool.version),
    ));
    facts.push((
        "Plan SHA-256",
        if report.plan_sha256.is_empty() {
            "(no plan: ad-hoc checks)".into()
        } else {
            report.plan_sha256.clone()
        },
    ));
    facts.push((
        "Report SHA-256",
        report
            .report_sha256
            .clone()
            .unwrap_or_else(|| "(not sealed)".into()),
    ));
    facts
}

/// The verdict in one line: `NO-GO — 1 blocker did not pass · 2 of 5 checks passed · 1 warning · 1 waived`;
/// a run that was interrupted or proved nothing says so first
/// (`NO-GO — the run was interrupted: 3 checks not run · …`).
pub fn verdict_line(report: &Report) -> String {
    let g = Groups::of(report);
    let total = report.results.len();
    let mut parts = Vec::new();
    if let Some(reason) = verdict::unproven(&report.results, report.interrupted) {
        parts.push(reason);
    }
    match report.verdict {
        Verdict::NoGo if g.blockers.is_empty() && !parts.is_empty() => {}
        Verdict::NoGo => parts.push(format!(
            "{} blocker{} did not pass",
            g.blockers.len(),
            plural(g.blockers.len())
        )),
        Verdict::Go => parts.push("every blocker passed".into()),
    }
    parts.push(format!("{} of {total} checks passed", g.passed.len()));
    if !g.warnings.is_empty() {
        parts.push(format!(
            "{} warning{}",
            g.warnings.len(),
            plural(g.warnings.len())
        ));
    }
    if !g.waived.is_empty() {
        parts.push(format!("{} waived", g.waived.len()));
    }
    format!("{} — {}", report.verdict, parts.join(" · "))
}

/// What a reader sees for a status: `FAIL`, `NOT RUN`, `WAIVED (was fail)`.
pub fn status_label(result: &CheckResult) -> String {
    match (&result.status, &result.waiver) {
        (Status::Waived, Some(w)) => format!("WAIVED (was {})", w.original_status),
        (status, _) => status_word(*status),
    }
}

/// A status in capitals, `skipped` read as `NOT RUN`.
pub fn status_word(status: Status) -> String {
    match status {
        Status::Skipped => "NOT RUN".into(),
        other => other.as_str().to_uppercase(),
    }
}

/// True for a character the Markdown and HTML documents drop: a control
/// character other than tab, newline and carriage return (XML forbids most
/// of them and none prints). Each renderer escapes the rest its own way.
pub fn is_stripped_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

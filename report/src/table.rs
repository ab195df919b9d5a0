//! The terminal table: one row per check, failures first, then what to do
//! about each one. It fits the width it is given (`COLUMNS`, the terminal's,
//! or 120 when output is piped), and a check id is never broken across lines
//! so it can be copied.

use std::io::{self, Write};

use comfy_table::{
    Cell, Color, ColumnConstraint, ContentArrangement, Table, Width, presets::UTF8_FULL_CONDENSED,
};

use crate::document::Groups;
use crate::model::{CheckResult, Report, Status};
use crate::terminal::clean;
use crate::verdict;

/// The width when nothing says otherwise (not a terminal, no `COLUMNS`).
pub const DEFAULT_WIDTH: u16 = 120;

/// The order of the rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Blockers that did not pass (failed, then errored, then not run), then
    /// warnings, then waived, then passed (the documents' order), each group
    /// otherwise in plan order.
    #[default]
    Failures,
    /// The plan's order.
    Plan,
}

/// How the table is drawn.
#[derive(Debug, Clone, Copy)]
pub struct TableStyle {
    /// Colour the status column (only on a terminal, never with `NO_COLOR`).
    pub color: bool,
    /// The widest a line may be, in columns (a check id longer than fits still is not broken).
    pub width: u16,
    pub sort: Sort,
}

impl Default for TableStyle {
    fn default() -> Self {
        TableStyle {
            color: false,
            width: DEFAULT_WIDTH,
            sort: Sort::default(),
        }
    }
}

fn status_color(status: Status) -> Color {
    match status {
        Status::Pass => Color::Green,
        Status::Fail | Status::Error => Color::Red,
        Status::Warn | Status::Skipped => Color::Yellow,
        Status::Waived => Color::Cyan,
    }
}

/// The results in the order `sort` asks for.
pub fn ordered(report: &Report, sort: Sort) -> Vec<&CheckResult> {
    match sort {
        Sort::Plan => report.results.iter().collect(),
        Sort::Failures => {
            let mut g = Groups::of(report);
            // Among blockers, what failed before what errored before what did not run.
            g.blockers
                .sort_by_key(|r| std::cmp::Reverse(r.status.severity_rank()));
            g.blockers
                .into_iter()
                .chain(g.warnings)
                .chain(g.waived)
                .chain(g.passed)
                .collect()
        }
    }
}

/// A table that fits `width` columns without breaking what `unbreakable` holds
/// (its minimum width per column index): the one layout the report and the
/// merge tables share.
pub fn fitted_table(width: u16, header: Vec<Cell>, unbreakable: &[(usize, u16)]) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.force_no_tty();
    table.set_content_arrangement(ContentArrangement::Dynamic);
    table.set_width(width);
    table.set_header(header);
    for &(index, min) in unbreakable {
        if let Some(column) = table.column_mut(index) {
            column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(min)));
        }
    }
    table
}

/// `text` wrapped to `width` columns, the first line after `first`, the
/// others after `rest`. Lines break between words, never at a hyphen (check
/// ids and host names stay whole); only a word longer than a line is broken.
pub fn wrap(text: &str, width: u16, first: &str, rest: &str) -> String {
    let options = textwrap::Options::new(usize::from(width).max(20))
        .initial_indent(first)
        .subsequent_indent(rest)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::fill(text, options)
}

/// Writes the results table followed by the remediation of every result that did not pass.
pub fn write_table(out: &mut impl Write, report: &Report, style: TableStyle) -> io::Result<()> {
    if report.interrupted {
        writeln!(
            out,
            "{}",
            wrap(
                "INTERRUPTED: the run was stopped (Ctrl-C) before every check finished; the checks not run are SKIPPED.",
                style.width,
                "",
                ""
            )
        )?;
    }
    let rows = ordered(report, style.sort);
    let id_width = rows
        .iter()
        .map(|r| r.id.as_str().chars().count())
        .max()
        .unwrap_or(0);
    // Constraints count the cell's padding, one space each side.
    let id_width = u16::try_from(id_width + 2).unwrap_or(u16::MAX);
    let mut table = fitted_table(
        style.width,
        vec![
            Cell::new("Status"),
            Cell::new("Severity"),
            Cell::new("Check and target"),
            Cell::new("Reason"),
        ],
        &[(0, 8), (1, 10), (2, id_width)],
    );
    if style.color {
        table.enforce_styling();
    }
    for r in &rows {
        let mut status = Cell::new(r.status.as_str().to_uppercase());
        if style.color {
            status = status.fg(status_color(r.status));
        }
        table.add_row(vec![
            status,
            Cell::new(verdict::effective_severity(r).as_str()),
            // The id first and whole, to be copied; the target under the title.
            Cell::new(format!(
                "{}\n{}\n→ {}",
                clean(r.id.as_str()),
                clean(&r.title),
                clean(&r.target)
            )),
            Cell::new(clean(&r.reason)),
        ]);
    }
    writeln!(out, "{table}")?;

    let todo: Vec<&&CheckResult> = rows
        .iter()
        .filter(|r| verdict::blocks(r) || verdict::is_warning(r))
        .filter(|r| r.remediation.is_some())
        .collect();
    if !todo.is_empty() {
        writeln!(out, "\nWhat to do:")?;
        for r in todo {
            let remediation = r.remediation.as_deref().unwrap_or_default();
            let head =
                clean(&format!("{} ({}):", r.id, verdict::effective_severity(r))).to_string();
            let remediation = clean(remediation);
            if head.chars().count() + 4 > usize::from(style.width) {
                // An id longer than a line: whole on its own line, not broken.
                writeln!(out, "  - {head}")?;
                writeln!(out, "{}", wrap(&remediation, style.width, "    ", "    "))?;
            } else {
                let line = format!("{head} {remediation}");
                writeln!(out, "{}", wrap(&line, style.width, "  - ", "    "))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CheckId, Family, Severity, Tool};

    fn result(id: &str, severity: Severity, status: Status, remediation: &str) -> CheckResult {
        CheckResult {
            id: CheckId::new(id),
            family: Family::Tcp,
            title: "What this check proves, in a few words".into(),
            target: "polling.example.com:10943".into(),
            severity,
            status,
            reason: "filtered: 192.0.2.10:10943 did not answer within 3 s, and nothing came back from the route either".into(),
            remediation: Some(remediation.into()),
            evidence: Default::default(),
            elapsed_ms: 3000,
            waiver: None,
        }
    }

    fn report(results: Vec<CheckResult>) -> Report {
        Report::new(
            Tool {
                name: "preflight".into(),
                version: "0".into(),
            },
            None,
            "jump01".into(),
            "east".into(),
            None,
            "2026-01-01T00:00:00Z".into(),
            "2026-01-01T00:00:01Z".into(),
            String::new(),
            results,
        )
    }

    fn render(report: &Report, style: TableStyle) -> String {
        let mut buf = Vec::new();
        write_table(&mut buf, report, style).unwrap();
        String::from_utf8(buf).unwrap()
    }

    fn sample() -> Report {
        report(vec![
            result(
                "dc.east.tcp.new-server-https",
                Severity::Blocker,
                Status::Pass,
                "not shown for a pass",
            ),
            result(
                "dc.east.worker.east-workers.workers",
                Severity::Warning,
                Status::Fail,
                "add a second worker to pool `east-workers` (in the same data center), so a deployment does not stop when one worker is down",
            ),
            result(
                "dc.east.tentacle.app05.tls.127-0-0-1-46387",
                Severity::Blocker,
                Status::Fail,
                "ask the proxy team to allow CONNECT to 127.0.0.1:46387 from data center east (proxies often allow CONNECT to port 443 only; Halibut needs 46387 and a raw TLS tunnel, without SSL inspection)",
            ),
        ])
    }

    #[test]
    fn table_lists_every_check_and_the_remediation_of_failures() {
        let text = render(&sample(), TableStyle::default());
        assert!(text.contains("FAIL") && text.contains("PASS"), "{text}");
        assert!(text.contains("dc.east.tcp.new-server-https"));
        assert!(text.contains("ask the proxy team"));
        assert!(!text.contains("not shown for a pass"));
        assert!(
            !text.contains('\u{1b}'),
            "no colour codes when color is off"
        );
    }

    #[test]
    fn the_table_fits_the_width_and_never_breaks_a_check_id() {
        let report = sample();
        for width in [80u16, 100, 120, 200] {
            let text = render(
                &report,
                TableStyle {
                    width,
                    ..TableStyle::default()
                },
            );
            for line in text.lines() {
                assert!(
                    line.chars().count() <= usize::from(width),
                    "{width}: {} columns: {line}",
                    line.chars().count()
                );
            }
            let table = &text[..text.find("What to do").unwrap()];
            for r in &report.results {
                assert!(
                    table.lines().any(|l| l.contains(r.id.as_str())),
                    "{width}: {} broken:\n{text}",
                    r.id
                );
            }
        }
    }

    #[test]
    fn failures_come_first_unless_plan_order_is_asked_for() {
        let report = sample();
        let position = |text: &str, id: &str| text.find(id).unwrap();
        let text = render(&report, TableStyle::default());
        let table = &text[..text.find("What to do").unwrap()];
        let blocker = position(table, "dc.east.tentacle.app05.tls.127-0-0-1-46387");
        let warning = position(table, "dc.east.worker.east-workers.workers");
        let passed = position(table, "dc.east.tcp.new-server-https");
        assert!(blocker < warning && warning < passed, "{table}");
        let text = render(
            &report,
            TableStyle {
                sort: Sort::Plan,
                ..TableStyle::default()
            },
        );
        let table = &text[..text.find("What to do").unwrap()];
        let blocker = position(table, "dc.east.tentacle.app05.tls.127-0-0-1-46387");
        let warning = position(table, "dc.east.worker.east-workers.workers");
        let passed = position(table, "dc.east.tcp.new-server-https");
        assert!(passed < warning && warning < blocker, "{table}");
    }

    #[test]
    fn among_blockers_failures_come_before_errors_and_checks_not_run() {
        let report = report(vec![
            result("dc.east.tcp.a", Severity::Blocker, Status::Skipped, "x"),
            result("dc.east.tcp.b", Severity::Blocker, Status::Error, "x"),
            result("dc.east.tcp.c", Severity::Warning, Status::Warn, "x"),
            result("dc.east.tcp.d", Severity::Blocker, Status::Fail, "x"),
        ]);
        let ids: Vec<&str> = ordered(&report, Sort::Failures)
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "dc.east.tcp.d",
                "dc.east.tcp.b",
                "dc.east.tcp.a",
                "dc.east.tcp.c"
            ]
        );
        let ids: Vec<&str> = ordered(&report, Sort::Plan)
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "dc.east.tcp.a",
                "dc.east.tcp.b",
                "dc.east.tcp.c",
                "dc.east.tcp.d"
            ]
        );
    }

    #[test]
    fn an_interrupted_run_says_so_above_the_table() {
        let mut report = sample();
        assert!(!render(&report, TableStyle::default()).contains("INTERRUPTED"));
        report.mark_interrupted();
        assert!(render(&report, TableStyle::default()).starts_with("INTERRUPTED"));
    }

    #[test]
    fn a_blocker_that_only_warns_reads_as_a_warning_everywhere_in_the_table() {
        let warn = CheckResult {
            id: CheckId::new("dc.east.dns.polling"),
            family: Family::Dns,
            title: "Polling name resolves".into(),
            target: "polling.example.com".into(),
            severity: Severity::Blocker,
            status: Status::Warn,
            reason: "resolvers disagree".into(),
            remediation: Some("make them agree".into()),
            evidence: Default::default(),
            elapsed_ms: 1,
            waiver: None,
        };
        let text = render(&report(vec![warn]), TableStyle::default());
        let row = text.lines().find(|l| l.contains("WARN")).unwrap();
        assert!(
            row.contains("warning") && !row.contains("blocker"),
            "{text}"
        );
        assert!(
            text.contains("dc.east.dns.polling (warning): make them agree"),
            "{text}"
        );
        assert!(!text.contains("(blocker)"), "{text}");
    }
}

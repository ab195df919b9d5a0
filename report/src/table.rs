//! The terminal table: one row per check, then what to do about each failure.

use std::io::{self, Write};

use comfy_table::{Cell, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use crate::model::{CheckResult, Status};
use crate::terminal::clean;
use crate::verdict;

/// How the table is drawn.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableStyle {
    /// Colour the status column (only on a terminal, never with `NO_COLOR`).
    pub color: bool,
    /// Wrap to the terminal's width (only on a terminal); otherwise lines stay long.
    pub wrap: bool,
}

fn status_color(status: Status) -> Color {
    match status {
        Status::Pass => Color::Green,
        Status::Fail | Status::Error => Color::Red,
        Status::Warn | Status::Skipped => Color::Yellow,
        Status::Waived => Color::Cyan,
    }
}

/// Writes the results table followed by the remediation of every result that did not pass.
pub fn write_table(
    out: &mut impl Write,
    results: &[CheckResult],
    style: TableStyle,
) -> io::Result<()> {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    if style.wrap {
        table.set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.force_no_tty();
        table.set_content_arrangement(ContentArrangement::Disabled);
    }
    if style.color {
        table.enforce_styling();
    }
    table.set_header(vec!["Status", "Severity", "Check", "Target", "Reason"]);
    for r in results {
        let mut status = Cell::new(r.status.as_str().to_uppercase());
        if style.color {
            status = status.fg(status_color(r.status));
        }
        table.add_row(vec![
            status,
            Cell::new(r.severity.as_str()),
            Cell::new(format!("{}\n{}", clean(&r.title), clean(r.id.as_str()))),
            Cell::new(clean(&r.target)),
            Cell::new(clean(&r.reason)),
        ]);
    }
    writeln!(out, "{table}")?;

    let todo: Vec<&CheckResult> = results
        .iter()
        .filter(|r| verdict::blocks(r) || verdict::is_warning(r))
        .filter(|r| r.remediation.is_some())
        .collect();
    if !todo.is_empty() {
        writeln!(out, "\nWhat to do:")?;
        for r in todo {
            let remediation = r.remediation.as_deref().unwrap_or_default();
            let line = format!("  - {} ({}): {}", r.id, r.severity, remediation);
            writeln!(out, "{}", clean(&line))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CheckId, Family, Severity};

    #[test]
    fn table_lists_every_check_and_the_remediation_of_failures() {
        let results = vec![
            CheckResult {
                id: CheckId::new("dc.east.tcp.polling"),
                family: Family::Tcp,
                title: "New server polling".into(),
                target: "polling.example.com:10943".into(),
                severity: Severity::Blocker,
                status: Status::Fail,
                reason: "filtered: 192.0.2.10:10943".into(),
                remediation: Some("open TCP 10943 outbound".into()),
                evidence: serde_json::Value::Null,
                elapsed_ms: 3000,
                waiver: None,
            },
            CheckResult {
                id: CheckId::new("dc.east.tcp.https"),
                family: Family::Tcp,
                title: "New server HTTPS".into(),
                target: "octopus.example.com:443".into(),
                severity: Severity::Blocker,
                status: Status::Pass,
                reason: "open".into(),
                remediation: Some("not shown for a pass".into()),
                evidence: serde_json::Value::Null,
                elapsed_ms: 3,
                waiver: None,
            },
        ];
        let mut buf = Vec::new();
        write_table(&mut buf, &results, TableStyle::default()).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains("FAIL") && text.contains("PASS"), "{text}");
        assert!(text.contains("dc.east.tcp.polling"));
        assert!(text.contains("open TCP 10943 outbound"));
        assert!(!text.contains("not shown for a pass"));
        assert!(
            !text.contains('\u{1b}'),
            "no colour codes when color is off"
        );
    }
}

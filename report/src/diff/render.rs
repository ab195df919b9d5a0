//! The diff as terminal text, Markdown (for the cutover ticket), HTML,
//! JUnit (for a pipeline: a regression fails it), and ticket-sized in
//! Markdown or Jira wiki markup.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::{Diff, Presence, StatusChange};
use crate::html::{self, esc};
use crate::markdown::{code, run_cells, text};
use crate::model::RunHeader;
use crate::summary::{Markup, Syntax};
use crate::terminal::clean;

fn side_line(label: &str, s: &RunHeader) -> String {
    format!(
        "{label}: {} on {}, {} ({})",
        s.datacenter, s.host, s.started_at, s.verdict
    )
}

fn change_line(c: &StatusChange) -> String {
    format!("{}  {} → {}  {}", c.id, c.before, c.after, c.after_reason)
}

fn presence_line(p: &Presence) -> String {
    format!("{}  {} ({})  {}", p.id, p.status, p.severity, p.reason)
}

fn optional(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(absent)")
}

/// Plain text for a terminal.
pub fn write_text(out: &mut impl Write, d: &Diff) -> io::Result<()> {
    writeln!(out, "{}", clean(&side_line("before", &d.before)))?;
    writeln!(out, "{}", clean(&side_line("after ", &d.after)))?;
    if d.plan_changed {
        writeln!(
            out,
            "note: the runs used different plans; new and gone checks may come from that"
        )?;
    }
    if d.is_empty() {
        writeln!(out, "\nNo change.")?;
        return Ok(());
    }
    let sections: [(&str, Vec<String>); 5] = [
        ("Regressed", d.regressed.iter().map(change_line).collect()),
        ("Fixed", d.fixed.iter().map(change_line).collect()),
        ("Changed", d.changed.iter().map(change_line).collect()),
        ("New", d.new.iter().map(presence_line).collect()),
        ("Gone", d.gone.iter().map(presence_line).collect()),
    ];
    for (title, lines) in sections {
        if !lines.is_empty() {
            writeln!(out, "\n{title} ({}):", lines.len())?;
            for line in lines {
                writeln!(out, "  {}", clean(&line))?;
            }
        }
    }
    if !d.evidence.is_empty() {
        writeln!(out, "\nEvidence changed ({}):", d.evidence.len())?;
        for e in &d.evidence {
            writeln!(out, "  {}", clean(&e.id))?;
            for c in &e.changes {
                let line = format!(
                    "{}: {} → {}",
                    c.path,
                    optional(&c.before),
                    optional(&c.after)
                );
                writeln!(out, "    {}", clean(&line))?;
            }
        }
    }
    writeln!(
        out,
        "\n{} regressed, {} fixed, {} changed, {} new, {} gone, {} with changed evidence",
        d.regressed.len(),
        d.fixed.len(),
        d.changed.len(),
        d.new.len(),
        d.gone.len(),
        d.evidence.len()
    )
}

/// Markdown, for the change ticket.
pub fn write_markdown(out: &mut impl Write, d: &Diff) -> io::Result<()> {
    let verdict = if d.before.verdict == d.after.verdict {
        format!("{} (unchanged)", d.after.verdict)
    } else {
        format!("{} → {}", d.before.verdict, d.after.verdict)
    };
    writeln!(
        out,
        "# Diff: {} regressed, {} fixed · {verdict}\n",
        d.regressed.len(),
        d.fixed.len()
    )?;
    writeln!(
        out,
        "| | Data center | Host | Started | Verdict | Report SHA-256 |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for (label, s) in [("Before", &d.before), ("After", &d.after)] {
        writeln!(out, "| {label} | {} |", run_cells(s))?;
    }
    if d.plan_changed {
        writeln!(
            out,
            "\nThe runs used different plans: new and gone checks may come from that."
        )?;
    }
    if d.is_empty() {
        writeln!(out, "\nNo change.")?;
        return Ok(());
    }
    for (title, changes) in [
        ("Regressed", &d.regressed),
        ("Fixed", &d.fixed),
        ("Changed", &d.changed),
    ] {
        if changes.is_empty() {
            continue;
        }
        writeln!(out, "\n## {title} ({})\n", changes.len())?;
        writeln!(
            out,
            "| Check | Before | After | Found | What to do |\n|---|---|---|---|---|"
        )?;
        for c in changes.iter() {
            writeln!(
                out,
                "| {} {} | {} | {} | {} | {} |",
                text(&c.title),
                code(&c.id),
                c.before.as_str().to_uppercase(),
                c.after.as_str().to_uppercase(),
                text(&c.after_reason),
                text(c.remediation.as_deref().unwrap_or(""))
            )?;
        }
    }
    for (title, list) in [("New", &d.new), ("Gone", &d.gone)] {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "\n## {title} ({})\n", list.len())?;
        writeln!(out, "| Check | Status | Found |\n|---|---|---|")?;
        for p in list.iter() {
            writeln!(
                out,
                "| {} {} | {} | {} |",
                text(&p.title),
                code(&p.id),
                p.status.as_str().to_uppercase(),
                text(&p.reason)
            )?;
        }
    }
    if !d.evidence.is_empty() {
        writeln!(out, "\n## Evidence changed ({})\n", d.evidence.len())?;
        writeln!(out, "| Check | Field | Before | After |\n|---|---|---|---|")?;
        for e in &d.evidence {
            for c in &e.changes {
                writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    code(&e.id),
                    code(&c.path),
                    code(optional(&c.before)),
                    code(optional(&c.after))
                )?;
            }
        }
    }
    Ok(())
}

/// One self-contained HTML page (the report's head, style and foot): the two
/// runs, then regressed, fixed, changed, new and gone checks, then evidence.
pub fn write_html(out: &mut impl Write, d: &Diff) -> io::Result<()> {
    let title = format!(
        "Diff: {} regressed, {} fixed · {} → {}",
        d.regressed.len(),
        d.fixed.len(),
        d.before.verdict,
        d.after.verdict
    );
    html::write_head(out, &format!("{title} · preflight"))?;
    writeln!(out, "<h1>{}</h1>", esc(&title))?;
    writeln!(
        out,
        "<table><thead><tr><th></th><th>Data center</th><th>Host</th><th>Started</th><th>Verdict</th><th>Report SHA-256</th></tr></thead><tbody>"
    )?;
    for (label, s) in [("Before", &d.before), ("After", &d.after)] {
        writeln!(
            out,
            "<tr><td>{label}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&s.datacenter),
            esc(&s.host),
            esc(&s.started_at),
            s.verdict,
            esc(s.report_sha256.as_deref().unwrap_or("(not sealed)"))
        )?;
    }
    writeln!(out, "</tbody></table>")?;
    if d.plan_changed {
        writeln!(
            out,
            "<p>The runs used different plans: new and gone checks may come from that.</p>"
        )?;
    }
    if d.is_empty() {
        writeln!(out, "<p>No change.</p>")?;
    }
    for (title, changes) in [
        ("Regressed", &d.regressed),
        ("Fixed", &d.fixed),
        ("Changed", &d.changed),
    ] {
        if changes.is_empty() {
            continue;
        }
        writeln!(out, "<h2>{title} ({})</h2>", changes.len())?;
        writeln!(
            out,
            "<table><thead><tr><th>Check</th><th>Before</th><th>After</th><th>Found</th><th>What to do</th></tr></thead><tbody>"
        )?;
        for c in changes.iter() {
            writeln!(
                out,
                "<tr><td>{}<br/><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&c.title),
                esc(&c.id),
                c.before.as_str().to_uppercase(),
                c.after.as_str().to_uppercase(),
                esc(&c.after_reason),
                esc(c.remediation.as_deref().unwrap_or(""))
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    for (title, list) in [("New", &d.new), ("Gone", &d.gone)] {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "<h2>{title} ({})</h2>", list.len())?;
        writeln!(
            out,
            "<table><thead><tr><th>Check</th><th>Status</th><th>Found</th></tr></thead><tbody>"
        )?;
        for p in list.iter() {
            writeln!(
                out,
                "<tr><td>{}<br/><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&p.title),
                esc(&p.id),
                p.status.as_str().to_uppercase(),
                esc(&p.reason)
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    if !d.evidence.is_empty() {
        writeln!(out, "<h2>Evidence changed ({})</h2>", d.evidence.len())?;
        writeln!(
            out,
            "<table><thead><tr><th>Check</th><th>Field</th><th>Before</th><th>After</th></tr></thead><tbody>"
        )?;
        for e in &d.evidence {
            for c in &e.changes {
                writeln!(
                    out,
                    "<tr><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                    esc(&e.id),
                    esc(&c.path),
                    esc(optional(&c.before)),
                    esc(optional(&c.after))
                )?;
            }
        }
        writeln!(out, "</tbody></table>")?;
    }
    let tool = crate::model::Tool {
        name: "preflight".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    html::write_foot(out, &tool, "report diff")
}

/// JUnit XML for a pipeline: one test case per regressed, fixed, changed,
/// new or gone check; a regression is a `<failure>` (as the exit code is 1),
/// everything else passes with what moved as its output.
pub fn write_junit(out: &mut impl Write, d: &Diff) -> io::Result<()> {
    let mut suite = TestSuite::new(format!(
        "preflight diff: {} ({}) → {} ({})",
        d.before.datacenter, d.before.started_at, d.after.datacenter, d.after.started_at
    ));
    suite.add_properties([
        Property::new("before_verdict", d.before.verdict.as_str()),
        Property::new("after_verdict", d.after.verdict.as_str()),
    ]);
    for c in &d.regressed {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_type("regressed");
        status.set_message(format!("{} → {}: {}", c.before, c.after, c.after_reason));
        if let Some(r) = &c.remediation {
            status.set_description(format!("what to do: {r}"));
        }
        let mut case = TestCase::new(c.id.as_str(), status);
        case.set_classname("preflight.diff.regressed");
        suite.add_test_case(case);
    }
    let moved = [("fixed", &d.fixed), ("changed", &d.changed)];
    for (kind, changes) in moved {
        for c in changes.iter() {
            let mut case = TestCase::new(c.id.as_str(), TestCaseStatus::success());
            case.set_classname(format!("preflight.diff.{kind}"));
            case.set_system_out(change_line(c));
            suite.add_test_case(case);
        }
    }
    for (kind, list) in [("new", &d.new), ("gone", &d.gone)] {
        for p in list.iter() {
            let mut case = TestCase::new(p.id.as_str(), TestCaseStatus::success());
            case.set_classname(format!("preflight.diff.{kind}"));
            case.set_system_out(presence_line(p));
            suite.add_test_case(case);
        }
    }
    let mut doc = quick_junit::Report::new("preflight diff");
    doc.add_test_suite(suite);
    doc.serialize(out).map_err(io::Error::other)
}

/// The ticket-sized diff (`--format md-summary`, or `jira` in Jira wiki
/// markup): the two runs, the verdicts, and every check whose status
/// changed, appeared or went; the evidence changes are counted, and listed
/// in the full diff (`--format md`).
pub fn write_summary(out: &mut impl Write, d: &Diff, markup: Markup) -> io::Result<()> {
    let m = Syntax(markup);
    let verdict = if d.before.verdict == d.after.verdict {
        format!("{} (unchanged)", d.after.verdict)
    } else {
        format!("{} → {}", d.before.verdict, d.after.verdict)
    };
    m.heading(
        out,
        1,
        &format!(
            "Diff: {} regressed, {} fixed · {verdict}",
            d.regressed.len(),
            d.fixed.len()
        ),
    )?;
    for (label, s) in [("Before", &d.before), ("After", &d.after)] {
        writeln!(
            out,
            "* {}: {} on {}, {}, {} · {}",
            label,
            m.text(&s.datacenter),
            m.text(&s.host),
            m.text(&s.started_at),
            m.text(s.verdict.as_str()),
            m.code(s.report_sha256.as_deref().unwrap_or(""))
        )?;
    }
    writeln!(out)?;
    if d.plan_changed {
        writeln!(
            out,
            "{}\n",
            m.text("The runs used different plans: new and gone checks may come from that.")
        )?;
    }
    for (title, changes) in [
        ("Regressed", &d.regressed),
        ("Fixed", &d.fixed),
        ("Changed", &d.changed),
    ] {
        if changes.is_empty() {
            continue;
        }
        m.heading(out, 2, &format!("{title} ({})", changes.len()))?;
        m.table_header(out, &["Check", "Before", "After", "Found", "What to do"])?;
        for c in changes.iter() {
            m.table_row(
                out,
                &[
                    format!("{} {}", m.text(&c.title), m.code(&c.id)),
                    c.before.as_str().to_uppercase(),
                    c.after.as_str().to_uppercase(),
                    m.text(&c.after_reason),
                    m.text(c.remediation.as_deref().unwrap_or("")),
                ],
            )?;
        }
        writeln!(out)?;
    }
    for (title, list) in [("New", &d.new), ("Gone", &d.gone)] {
        if list.is_empty() {
            continue;
        }
        m.heading(out, 2, &format!("{title} ({})", list.len()))?;
        m.table_header(out, &["Check", "Status", "Found"])?;
        for p in list.iter() {
            m.table_row(
                out,
                &[
                    format!("{} {}", m.text(&p.title), m.code(&p.id)),
                    p.status.as_str().to_uppercase(),
                    m.text(&p.reason),
                ],
            )?;
        }
        writeln!(out)?;
    }
    let fields: usize = d.evidence.iter().map(|e| e.changes.len()).sum();
    writeln!(
        out,
        "{}",
        m.text(&if d.is_empty() {
            "No change.".to_string()
        } else {
            format!(
                "{fields} evidence field{} changed in {} check{}: the full diff (--format md) lists them.",
                crate::document::plural(fields),
                d.evidence.len(),
                crate::document::plural(d.evidence.len())
            )
        })
    )
}

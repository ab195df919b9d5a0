//! The diff as terminal text and as Markdown (for the cutover ticket).

use std::io::{self, Write};

use super::{Diff, Presence, StatusChange};
use crate::markdown::{code, run_cells, text};
use crate::model::RunHeader;
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

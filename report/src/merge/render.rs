//! The merged document as a terminal table, Markdown, HTML and JUnit: the
//! verdict, a verdict per data center, the matrix, the worker pools, the
//! blockers with what to do, and the input files with their integrity.

use std::io::{self, Write};

use comfy_table::{Cell as TableCell, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use super::{MatrixRow, Merged, Source};
use crate::document::status_word;
use crate::html::{self, esc};
use crate::markdown::{code, run_cells, text};
use crate::model::Status;
use crate::terminal::clean;
use crate::verdict::Verdict;

/// A cell as a reader sees it: `FAIL`, or `FAIL (1/2)` when only some hosts failed; `—` when absent.
fn cell_label(row: &MatrixRow, dc: &str) -> String {
    match row.cells.get(dc) {
        None => "—".into(),
        Some(c) if c.runs.len() > 1 => {
            let worst = c.runs.iter().filter(|r| r.status == c.status).count();
            format!("{} ({worst}/{})", status_word(c.status), c.runs.len())
        }
        Some(c) => status_word(c.status),
    }
}

/// A source's integrity, its signer and the run that replaced it: `verified, signed by alice@example.com (replaced by b.json)`.
fn integrity_note(s: &Source) -> String {
    let mut note = s.integrity.clone();
    if let Some(signer) = &s.signed_by {
        note.push_str(&format!(", signed by {signer}"));
    }
    if let Some(by) = &s.replaced_by {
        note.push_str(&format!(" (replaced by {by})"));
    }
    note
}

/// One line per data center: `east: GO (jump01)`.
fn dc_lines(m: &Merged) -> Vec<String> {
    m.datacenters
        .iter()
        .map(|d| {
            let mut line = format!("{}: {} ({})", d.name, d.verdict, d.hosts.join(", "));
            if !d.blockers.is_empty() {
                line.push_str(&format!(" — blocked by {}", d.blockers.join(", ")));
            }
            line
        })
        .collect()
}

/// The terminal form: the matrix, then the verdicts.
pub fn write_table(out: &mut impl Write, m: &Merged, wrap: bool) -> io::Result<()> {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    if wrap {
        table.set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.force_no_tty();
        table.set_content_arrangement(ContentArrangement::Disabled);
    }
    let mut header = vec![TableCell::new("Check"), TableCell::new("Severity")];
    header.extend(
        m.datacenters
            .iter()
            .map(|d| TableCell::new(format!("{}\n{}", clean(&d.name), d.verdict))),
    );
    table.set_header(header);
    for row in &m.matrix {
        let mut cells = vec![
            TableCell::new(clean(&row.check)),
            TableCell::new(row.severity.as_str()),
        ];
        cells.extend(
            m.datacenters
                .iter()
                .map(|d| TableCell::new(cell_label(row, &d.name))),
        );
        table.add_row(cells);
    }
    writeln!(out, "{table}")?;
    writeln!(out)?;
    let mut lines = dc_lines(m);
    for p in &m.worker_pools {
        lines.push(format!(
            "pool {} in {}: {}: {}",
            p.pool,
            p.datacenter,
            p.status.as_str().to_uppercase(),
            p.reason
        ));
    }
    for s in m
        .sources
        .iter()
        .filter(|s| s.integrity != "verified" || s.replaced_by.is_some())
    {
        lines.push(match &s.replaced_by {
            Some(by) => format!("note: {} is replaced by the later run {by}", s.file),
            None => format!("warning: {}: digest {}", s.file, s.integrity),
        });
    }
    for s in &m.sources {
        if let Some(signer) = &s.signed_by {
            lines.push(format!("signed: {} by {signer}", s.file));
        }
    }
    for line in lines {
        writeln!(out, "{}", clean(&line))?;
    }
    writeln!(
        out,
        "\noverall: {} across {} data center(s)",
        m.verdict,
        m.datacenters.len()
    )
}

/// The Markdown form.
pub fn write_markdown(out: &mut impl Write, m: &Merged) -> io::Result<()> {
    writeln!(
        out,
        "# {}: {} data centers\n",
        m.verdict,
        m.datacenters.len()
    )?;
    if let Some(mig) = &m.migration {
        let ticket = mig
            .ticket
            .as_deref()
            .map(|t| format!(" ({})", text(t)))
            .unwrap_or_default();
        writeln!(out, "Migration: {}{ticket}\n", text(&mig.name))?;
    }
    for line in dc_lines(m) {
        writeln!(out, "- {}", text(&line))?;
    }
    writeln!(out, "\n## Matrix\n")?;
    let names: Vec<String> = m
        .datacenters
        .iter()
        .map(|d| format!("{} ({})", text(&d.name), d.verdict))
        .collect();
    writeln!(out, "| Check | Severity | {} |", names.join(" | "))?;
    writeln!(out, "|---|---|{}", "---|".repeat(names.len()))?;
    for row in &m.matrix {
        let cells: Vec<String> = m
            .datacenters
            .iter()
            .map(|d| cell_label(row, &d.name))
            .collect();
        writeln!(
            out,
            "| {} {} | {} | {} |",
            text(&row.title),
            code(&row.check),
            row.severity,
            cells.join(" | ")
        )?;
    }
    if !m.worker_pools.is_empty() {
        writeln!(
            out,
            "\n## Worker pools (at least {} workers each)\n",
            super::MIN_WORKERS
        )?;
        writeln!(
            out,
            "| Data center | Pool | Status | Found | What to do |\n|---|---|---|---|---|"
        )?;
        for p in &m.worker_pools {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                text(&p.datacenter),
                code(&p.pool),
                p.status.as_str().to_uppercase(),
                text(&p.reason),
                text(p.remediation.as_deref().unwrap_or(""))
            )?;
        }
    }
    let blockers = blockers(m);
    if !blockers.is_empty() {
        writeln!(out, "\n## Blockers\n")?;
        writeln!(
            out,
            "| Data center | Host | Check | Found | What to do |\n|---|---|---|---|---|"
        )?;
        for (dc, host, r) in blockers {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                text(dc),
                text(host),
                code(r.id.as_str()),
                text(&r.reason),
                text(r.remediation.as_deref().unwrap_or(""))
            )?;
        }
    }
    writeln!(out, "\n## Reports merged\n")?;
    writeln!(
        out,
        "| File | Data center | Host | Started | Verdict | Report SHA-256 | Integrity |\n|---|---|---|---|---|---|---|"
    )?;
    for s in &m.sources {
        writeln!(
            out,
            "| {} | {} | {} |",
            code(&s.file),
            run_cells(&s.run),
            text(&integrity_note(s))
        )?;
    }
    writeln!(
        out,
        "\nPlan SHA-256: {}",
        m.plan_sha256
            .iter()
            .map(|p| code(p))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    writeln!(
        out,
        "\n---\n{} {} · merged document SHA-256 {}",
        text(&m.tool.name),
        text(&m.tool.version),
        code(m.report_sha256.as_deref().unwrap_or("(not sealed)"))
    )
}

/// Blockers that did not pass, with their data center and host, in matrix order.
fn blockers(m: &Merged) -> Vec<(&str, &str, &crate::model::CheckResult)> {
    m.runs
        .iter()
        .flat_map(|run| {
            run.results
                .iter()
                .filter(|r| crate::verdict::blocks(r))
                .map(move |r| (run.datacenter.as_str(), run.host.as_str(), r))
        })
        .collect()
}

fn status_class(status: Status) -> &'static str {
    status.as_str()
}

/// The HTML form: one self-contained page like a single report's.
pub fn write_html(out: &mut impl Write, m: &Merged) -> io::Result<()> {
    let migration = m
        .migration
        .as_ref()
        .map(|x| format!(" · {}", x.name))
        .unwrap_or_default();
    html::write_head(
        out,
        &format!(
            "{} · {} data centers{migration} · preflight",
            m.verdict,
            m.datacenters.len()
        ),
    )?;
    let class = if m.verdict == Verdict::Go {
        "go"
    } else {
        "nogo"
    };
    writeln!(
        out,
        "<header class=\"banner {class}\"><div class=\"verdict\">{}</div>",
        m.verdict
    )?;
    writeln!(
        out,
        "<div class=\"where\">{} data centers{}</div>",
        m.datacenters.len(),
        esc(&migration)
    )?;
    for line in dc_lines(m) {
        writeln!(out, "<div class=\"line\">{}</div>", esc(&line))?;
    }
    writeln!(out, "</header>")?;
    writeln!(
        out,
        "<section><h2>Matrix</h2><table><thead><tr><th>Check</th><th>Severity</th>"
    )?;
    for d in &m.datacenters {
        writeln!(
            out,
            "<th>{} <span class=\"st {}\">{}</span></th>",
            esc(&d.name),
            if d.verdict == Verdict::Go {
                "pass"
            } else {
                "fail"
            },
            d.verdict
        )?;
    }
    writeln!(out, "</tr></thead><tbody>")?;
    for row in &m.matrix {
        write!(
            out,
            "<tr><td class=\"check\"><span class=\"title\">{}</span><code>{}</code></td><td>{}</td>",
            esc(&row.title),
            esc(&row.check),
            row.severity
        )?;
        for d in &m.datacenters {
            match row.cells.get(&d.name) {
                Some(c) => write!(
                    out,
                    "<td><span class=\"st {}\">{}</span></td>",
                    status_class(c.status),
                    esc(&cell_label(row, &d.name))
                )?,
                None => write!(out, "<td class=\"muted\">—</td>")?,
            }
        }
        writeln!(out, "</tr>")?;
    }
    writeln!(out, "</tbody></table></section>")?;
    if !m.worker_pools.is_empty() {
        writeln!(
            out,
            "<section><h2>Worker pools <span class=\"note\">at least {} workers each</span></h2><table><thead><tr><th>Status</th><th>Data center</th><th>Pool</th><th>Found</th><th>What to do</th></tr></thead><tbody>",
            super::MIN_WORKERS
        )?;
        for p in &m.worker_pools {
            writeln!(
                out,
                "<tr><td><span class=\"st {}\">{}</span></td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                status_class(p.status),
                p.status.as_str().to_uppercase(),
                esc(&p.datacenter),
                esc(&p.pool),
                esc(&p.reason),
                esc(p.remediation.as_deref().unwrap_or(""))
            )?;
        }
        writeln!(out, "</tbody></table></section>")?;
    }
    let blockers = blockers(m);
    if !blockers.is_empty() {
        writeln!(
            out,
            "<section><h2>Blockers ({})</h2><table><thead><tr><th>Data center</th><th>Host</th><th>Check</th><th>Found</th><th>What to do</th></tr></thead><tbody>",
            blockers.len()
        )?;
        for (dc, host, r) in blockers {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"check\"><span class=\"title\">{}</span><code>{}</code></td><td>{}</td><td class=\"todo\">{}</td></tr>",
                esc(dc),
                esc(host),
                esc(&r.title),
                esc(r.id.as_str()),
                esc(&r.reason),
                esc(r.remediation.as_deref().unwrap_or(""))
            )?;
        }
        writeln!(out, "</tbody></table></section>")?;
    }
    writeln!(
        out,
        "<section><h2>Reports merged</h2><table><thead><tr><th>File</th><th>Data center</th><th>Host</th><th>Started</th><th>Verdict</th><th>Report SHA-256</th><th>Integrity</th></tr></thead><tbody>"
    )?;
    for s in &m.sources {
        writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code class=\"hash\">{}</code></td><td class=\"{}\">{}</td></tr>",
            esc(&s.file),
            esc(&s.run.datacenter),
            esc(&s.run.host),
            esc(&s.run.started_at),
            s.run.verdict,
            esc(s.run.report_sha256.as_deref().unwrap_or("")),
            if s.integrity == "verified" {
                "good"
            } else {
                "bad"
            },
            esc(&integrity_note(s))
        )?;
    }
    writeln!(out, "</tbody></table></section>")?;
    html::write_foot(
        out,
        &m.tool,
        &format!(
            "plan SHA-256 <code class=\"hash\">{}</code> · merged document SHA-256 <code class=\"hash\">{}</code>",
            esc(&m.plan_sha256.join(", ")),
            esc(m.report_sha256.as_deref().unwrap_or("(not sealed)"))
        ),
    )
}

/// JUnit: one test suite per merged run.
pub fn write_junit(out: &mut impl Write, m: &Merged) -> io::Result<()> {
    let mut doc = quick_junit::Report::new(format!("preflight merge ({})", m.verdict));
    for run in &m.runs {
        doc.add_test_suite(crate::junit::suite(run));
    }
    doc.serialize(out).map_err(io::Error::other)
}

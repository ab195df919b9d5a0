//! The merged document as a terminal table, Markdown, HTML and JUnit: the
//! verdict, a verdict per data center, the matrix, the worker pools, the
//! blockers with what to do, and the input files with their integrity.

use std::io::{self, Write};

use comfy_table::Cell as TableCell;

use super::{MatrixRow, Merged, Source};
use crate::document::status_word;
use crate::html::{self, esc};
use crate::markdown::{code, run_cells, text};
use crate::model::{Severity, Status};
use crate::table::{fitted_table, wrap};
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

/// The severity a row shows beside its cells, by the rule of a single
/// report's table: `blocker` when a cell blocks; `warning` when no cell
/// blocks and one only warns (a blocker that warns in one data center and
/// passes in another reads `warning`, never `WARN` beside `blocker`); the
/// check's own severity otherwise.
fn shown_severity(row: &MatrixRow) -> Severity {
    let warns = |c: &&super::Cell| {
        !c.blocks
            && matches!(
                c.status,
                Status::Warn | Status::Fail | Status::Error | Status::Skipped
            )
    };
    if row.cells.values().any(|c| c.blocks) {
        Severity::Blocker
    } else if row.severity == Severity::Blocker && row.cells.values().any(|c| warns(&c)) {
        Severity::Warning
    } else {
        row.severity
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
            let reasons: Vec<String> = m
                .runs
                .iter()
                .filter(|r| r.datacenter == d.name)
                .filter_map(|r| {
                    crate::verdict::unproven(&r.results, r.interrupted)
                        .map(|why| format!("{}: {why}", r.host))
                })
                .collect();
            if m.runs
                .iter()
                .any(|r| r.datacenter == d.name && r.interrupted)
            {
                line.push_str(" — INTERRUPTED");
            }
            if !reasons.is_empty() {
                line.push_str(&format!(" — {}", reasons.join("; ")));
            }
            if !d.blockers.is_empty() {
                line.push_str(&format!(" — blocked by {}", d.blockers.join(", ")));
            }
            line
        })
        .collect()
}

/// The terminal form, `width` columns wide (a check id is never broken):
/// the matrix, then the verdicts.
pub fn write_table(out: &mut impl Write, m: &Merged, width: u16) -> io::Result<()> {
    let mut header = vec![TableCell::new("Check"), TableCell::new("Severity")];
    header.extend(
        m.datacenters
            .iter()
            .map(|d| TableCell::new(format!("{}\n{}", clean(&d.name), d.verdict))),
    );
    let id_width = m
        .matrix
        .iter()
        .map(|r| r.check.chars().count() + 2)
        .max()
        .unwrap_or(0);
    let mut table = fitted_table(
        width,
        header,
        &[(0, u16::try_from(id_width).unwrap_or(u16::MAX))],
    );
    for row in &m.matrix {
        let mut cells = vec![
            TableCell::new(clean(&row.check)),
            TableCell::new(shown_severity(row).as_str()),
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
        writeln!(out, "{}", wrap(&clean(&line), width, "", "  "))?;
    }
    crate::rules::write_text(out, &m.rules(), width)?;
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
    crate::markdown::write_rules(out, &m.rules(), 2)?;
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
            shown_severity(row),
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
    writeln!(out, "<div class=\"page-one\">")?;
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
    let rules = m.rules();
    html::write_rule_requests(out, &rules)?;
    let blockers = blockers(m);
    if !blockers.is_empty() {
        writeln!(
            out,
            "<section><h2>Blockers ({})</h2><table class=\"cards\"><thead><tr><th>Data center</th><th>Host</th><th>Check</th><th>Found</th><th>What to do</th></tr></thead><tbody>",
            blockers.len()
        )?;
        for (dc, host, r) in blockers {
            writeln!(
                out,
                "<tr><td data-label=\"Data center\">{}</td><td data-label=\"Host\">{}</td><td data-label=\"Check\" class=\"check\"><span class=\"title\">{}</span><code>{}</code></td><td data-label=\"Found\">{}</td><td data-label=\"What to do\" class=\"todo\">{}</td></tr>",
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
    writeln!(out, "</div>")?;
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
            shown_severity(row)
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
            "<section><h2>Worker pools <span class=\"note\">at least {} workers each</span></h2><table class=\"cards\"><thead><tr><th>Status</th><th>Data center</th><th>Pool</th><th>Found</th><th>What to do</th></tr></thead><tbody>",
            super::MIN_WORKERS
        )?;
        for p in &m.worker_pools {
            writeln!(
                out,
                "<tr><td data-label=\"Status\"><span class=\"st {}\">{}</span></td><td data-label=\"Data center\">{}</td><td data-label=\"Pool\"><code>{}</code></td><td data-label=\"Found\">{}</td><td data-label=\"What to do\">{}</td></tr>",
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
    html::write_open_paths(out, &rules)?;
    writeln!(
        out,
        "<section><h2>Reports merged</h2><table class=\"cards\"><thead><tr><th>File</th><th>Data center</th><th>Host</th><th>Started</th><th>Verdict</th><th>Report SHA-256</th><th>Integrity</th></tr></thead><tbody>"
    )?;
    for s in &m.sources {
        writeln!(
            out,
            "<tr><td data-label=\"File\"><code>{}</code></td><td data-label=\"Data center\">{}</td><td data-label=\"Host\">{}</td><td data-label=\"Started\">{}</td><td data-label=\"Verdict\">{}</td><td data-label=\"Report SHA-256\"><code class=\"hash\">{}</code></td><td data-label=\"Integrity\" class=\"{}\">{}</td></tr>",
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

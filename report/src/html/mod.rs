//! The HTML document: one self-contained file. The style is inline, there is
//! no script, no font, no image and no link to anywhere else, and a
//! Content-Security-Policy forbids loading anything even if a value slipped
//! through. The verdict banner comes first, then the firewall rules to
//! request and the blockers (page one when printed); evidence is
//! collapsible (`<details>`, open for what did not pass, so it prints; the
//! evidence of passed checks is left out of print).
//!
//! Tables never clip: long values wrap anywhere, and below 860 px the
//! result and rule tables (`class="cards"`) become one card per row, each
//! cell labelled from `data-label`.
//!
//! The markup is well-formed XML (every element closed, only XML's own
//! entities), which the tests rely on to parse it.

use std::io::{self, Write};

use crate::document::{self, Groups};
use crate::evidence::{self, Block, Tone};
use crate::model::{CheckResult, Report, Status, Tool};
use crate::rules::Rule;
use crate::verdict::Verdict;

/// The inline stylesheet.
pub const STYLE: &str = include_str!("style.css");

/// The document head up to `<body>`: charset, a policy that forbids every
/// external load, the title and the stylesheet.
pub fn write_head(out: &mut impl Write, title: &str) -> io::Result<()> {
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\"><head><meta charset=\"utf-8\"/>")?;
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"/>"
    )?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
    )?;
    writeln!(out, "<title>{}</title>", esc(title))?;
    writeln!(out, "<style>\n{STYLE}</style></head>\n<body><main>")
}

/// The end of a page [`write_head`] began: a last line naming the tool, then
/// `digests` (markup, its values already escaped).
pub fn write_foot(out: &mut impl Write, tool: &Tool, digests: &str) -> io::Result<()> {
    writeln!(
        out,
        "<p class=\"digest\">{} {} · {digests}</p>",
        esc(&tool.name),
        esc(&tool.version)
    )?;
    writeln!(out, "</main></body></html>")
}

/// Writes the report as one HTML page.
pub fn write_html(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let groups = Groups::of(report);
    let migration = report
        .migration
        .as_ref()
        .map(|m| format!(" · {}", m.name))
        .unwrap_or_default();
    write_head(
        out,
        &format!(
            "{} · data center {}{migration} · preflight",
            report.verdict, report.datacenter
        ),
    )?;
    let class = match report.verdict {
        Verdict::Go => "go",
        Verdict::NoGo => "nogo",
    };
    // Page one when printed: the verdict, the facts, the rules, the blockers.
    writeln!(out, "<div class=\"page-one\">")?;
    writeln!(out, "<header class=\"banner {class}\">")?;
    writeln!(out, "<div class=\"verdict\">{}</div>", report.verdict)?;
    writeln!(
        out,
        "<div class=\"where\">data center {}{}</div>",
        esc(&report.datacenter),
        esc(&migration)
    )?;
    writeln!(
        out,
        "<div class=\"line\">{}</div>",
        esc(&document::verdict_line(report))
    )?;
    writeln!(out, "</header>")?;

    writeln!(out, "<dl class=\"meta\">")?;
    for (label, value) in document::header_facts(report) {
        if label.ends_with("SHA-256") {
            writeln!(out, "<dt>{label}</dt><dd><code>{}</code></dd>", esc(&value))?;
        } else {
            writeln!(out, "<dt>{label}</dt><dd>{}</dd>", esc(&value))?;
        }
    }
    writeln!(out, "</dl>")?;
    writeln!(out, "<ul class=\"counts\">")?;
    for status in Status::ALL {
        let n = report.summary.count(status);
        if n > 0 || status == Status::Pass {
            writeln!(out, "<li><b>{n}</b> {status}</li>")?;
        }
    }
    writeln!(out, "<li><b>{}</b> total</li></ul>", report.summary.total)?;

    let rules = crate::rules::of(report);
    write_rule_requests(out, &rules)?;
    to_do(out, "Blockers", "each one makes it NO-GO", &groups.blockers)?;
    writeln!(out, "</div>")?;
    to_do(
        out,
        "Warnings",
        "they do not block the migration",
        &groups.warnings,
    )?;
    write_open_paths(out, &rules)?;
    if !groups.waived.is_empty() {
        writeln!(
            out,
            "<section><h2>Waived ({})</h2><table class=\"cards\"><thead><tr><th>Status</th><th>Check</th><th>Target</th><th>Found</th><th>Waiver</th><th>Ticket</th></tr></thead><tbody>",
            groups.waived.len()
        )?;
        for r in &groups.waived {
            let (reason, ticket) = r
                .waiver
                .as_ref()
                .map_or(("", ""), |w| (w.reason.as_str(), w.ticket.as_str()));
            writeln!(
                out,
                "<tr><td data-label=\"Status\">{}</td>{}<td data-label=\"Target\"><code>{}</code></td><td data-label=\"Found\">{}</td><td data-label=\"Waiver\">{}</td><td data-label=\"Ticket\">{}</td></tr>",
                badge(r),
                check_cell(r),
                esc(&r.target),
                esc(&r.reason),
                esc(reason),
                esc(ticket)
            )?;
        }
        writeln!(out, "</tbody></table></section>")?;
    }
    if !groups.passed.is_empty() {
        writeln!(
            out,
            "<section class=\"passed\"><h2>Passed ({})</h2><table class=\"cards\"><thead><tr><th>Status</th><th>Check</th><th>Target</th><th>Found</th></tr></thead><tbody>",
            groups.passed.len()
        )?;
        for r in &groups.passed {
            writeln!(
                out,
                "<tr><td data-label=\"Status\">{}</td>{}<td data-label=\"Target\"><code>{}</code></td><td data-label=\"Found\">{}</td></tr>",
                badge(r),
                check_cell(r),
                esc(&r.target),
                esc(&r.reason)
            )?;
        }
        writeln!(out, "</tbody></table></section>")?;
    }

    writeln!(out, "<section><h2>Evidence</h2>")?;
    for r in groups.needing_evidence() {
        write_evidence(out, r, true)?;
    }
    for r in &groups.passed {
        write_evidence(out, r, false)?;
    }
    writeln!(out, "</section>")?;
    write_foot(
        out,
        &report.tool,
        &format!(
            "report SHA-256 <code>{}</code> · check <code>report.json</code> with <code>preflight report verify report.json</code>",
            esc(report.report_sha256.as_deref().unwrap_or("(not sealed)"))
        ),
    )
}

fn to_do(
    out: &mut impl Write,
    heading: &str,
    note: &str,
    results: &[&CheckResult],
) -> io::Result<()> {
    if results.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<section><h2>{heading} ({}) <span class=\"note\">{note}</span></h2>",
        results.len()
    )?;
    writeln!(
        out,
        "<table class=\"cards\"><thead><tr><th>Status</th><th>Check</th><th>Target</th><th>Found</th><th>What to do</th></tr></thead><tbody>"
    )?;
    for r in results {
        writeln!(
            out,
            "<tr><td data-label=\"Status\">{}</td>{}<td data-label=\"Target\"><code>{}</code></td><td data-label=\"Found\">{}</td><td data-label=\"What to do\" class=\"todo\">{}</td></tr>",
            badge(r),
            check_cell(r),
            esc(&r.target),
            esc(&r.reason),
            esc(r.remediation.as_deref().unwrap_or(""))
        )?;
    }
    writeln!(out, "</tbody></table></section>")
}

/// The firewall rules to request (nothing when no path was tried).
pub fn write_rule_requests(out: &mut impl Write, rules: &[Rule]) -> io::Result<()> {
    if rules.is_empty() {
        return Ok(());
    }
    let (request, _) = crate::rules::split(rules);
    if request.is_empty() {
        return writeln!(
            out,
            "<section class=\"rules\"><h2>Firewall rules to request: none</h2></section>"
        );
    }
    writeln!(
        out,
        "<section class=\"rules\"><h2>Firewall rules to request ({}) <span class=\"note\">also in rules.csv</span></h2>",
        request.len()
    )?;
    write_rule_table(out, &request)?;
    writeln!(out, "</section>")
}

/// The paths already open (or closed as planned), listed apart from the requests.
pub fn write_open_paths(out: &mut impl Write, rules: &[Rule]) -> io::Result<()> {
    let (_, in_place) = crate::rules::split(rules);
    if in_place.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "<section class=\"open-paths\"><h2>Already open ({}) <span class=\"note\">no change needed</span></h2>",
        in_place.len()
    )?;
    write_rule_table(out, &in_place)?;
    writeln!(out, "</section>")
}

fn write_rule_table(out: &mut impl Write, rules: &[&Rule]) -> io::Result<()> {
    writeln!(
        out,
        "<table class=\"cards\"><thead><tr><th>Source</th><th>Destination</th><th>Port</th><th>Direction</th><th>Action</th><th>Seen</th><th>Purpose</th><th>Checks</th></tr></thead><tbody>"
    )?;
    for r in rules {
        let ids: Vec<String> = r
            .check_ids
            .iter()
            .map(|id| format!("<code>{}</code>", esc(id)))
            .collect();
        writeln!(
            out,
            "<tr><td data-label=\"Source\"><code>{}</code></td><td data-label=\"Destination\"><code>{}</code></td><td data-label=\"Port\">{} {}</td><td data-label=\"Direction\">{}</td><td data-label=\"Action\">{}</td><td data-label=\"Seen\">{}</td><td data-label=\"Purpose\">{}</td><td data-label=\"Checks\" class=\"ids\">{}</td></tr>",
            esc(&r.source()),
            esc(&r.destination()),
            esc(&r.protocol),
            r.port,
            r.direction.as_str(),
            esc(&r.action),
            esc(&r.state),
            esc(&r.purpose),
            ids.join(" ")
        )?;
    }
    writeln!(out, "</tbody></table>")
}

fn write_evidence(out: &mut impl Write, r: &CheckResult, open: bool) -> io::Result<()> {
    writeln!(
        out,
        "<details id=\"{}\"{}><summary>{} <b>{}</b> <code>{}</code></summary><div class=\"evidence\">",
        anchor(r),
        if open {
            " open=\"open\""
        } else {
            " class=\"passed\""
        },
        badge(r),
        esc(&r.title),
        esc(r.id.as_str())
    )?;
    writeln!(
        out,
        "<p class=\"target\">target <code>{}</code> · {} · {} ms · {}</p>",
        esc(&r.target),
        r.family,
        r.elapsed_ms,
        esc(&r.reason)
    )?;
    if let Some(rem) = r.remediation.as_deref().filter(|_| open) {
        writeln!(out, "<p class=\"todo\">What to do: {}</p>", esc(rem))?;
    }
    let blocks = evidence::view(&r.evidence.to_value());
    if blocks.is_empty() {
        writeln!(out, "<p class=\"muted\">No evidence recorded.</p>")?;
    }
    write_blocks(out, &blocks)?;
    writeln!(out, "</div></details>")
}

/// Writes an evidence view.
pub fn write_blocks(out: &mut impl Write, blocks: &[Block]) -> io::Result<()> {
    for block in blocks {
        match block {
            Block::Facts(facts) => {
                writeln!(out, "<dl>")?;
                for f in facts {
                    writeln!(
                        out,
                        "<dt>{}</dt><dd class=\"mono{}\">{}</dd>",
                        esc(&f.label),
                        tone_class(f.tone),
                        esc(&f.value)
                    )?;
                }
                writeln!(out, "</dl>")?;
            }
            Block::Table {
                title,
                columns,
                rows,
            } => {
                if !title.is_empty() {
                    writeln!(out, "<h4>{}</h4>", esc(title))?;
                }
                write!(out, "<table><thead><tr>")?;
                for c in columns {
                    write!(out, "<th>{}</th>", esc(c))?;
                }
                writeln!(out, "</tr></thead><tbody>")?;
                for row in rows {
                    write!(out, "<tr>")?;
                    for cell in row {
                        write!(
                            out,
                            "<td class=\"mono{}\">{}</td>",
                            tone_class(cell.tone),
                            esc(&cell.text)
                        )?;
                    }
                    writeln!(out, "</tr>")?;
                }
                writeln!(out, "</tbody></table>")?;
            }
            Block::Section { title, blocks } => {
                writeln!(out, "<h4>{}</h4><div>", esc(title))?;
                write_blocks(out, blocks)?;
                writeln!(out, "</div>")?;
            }
            Block::Text(t) => writeln!(out, "<p class=\"mono\">{}</p>", esc(t))?,
            Block::Code { title, text } => writeln!(
                out,
                "<h4>{}</h4><pre class=\"mono\">{}</pre>",
                esc(title),
                esc(text)
            )?,
        }
    }
    Ok(())
}

fn tone_class(tone: Tone) -> &'static str {
    match tone {
        Tone::Neutral => "",
        Tone::Good => " good",
        Tone::Bad => " bad",
    }
}

/// The status badge of a result.
pub fn badge(r: &CheckResult) -> String {
    format!(
        "<span class=\"st {}\">{}</span>",
        r.status,
        esc(&document::status_label(r))
    )
}

fn check_cell(r: &CheckResult) -> String {
    format!(
        "<td data-label=\"Check\" class=\"check\"><a href=\"#{}\" class=\"title\">{}</a><code>{}</code></td>",
        anchor(r),
        esc(&r.title),
        esc(r.id.as_str())
    )
}

/// An element id for a result's evidence: `ev-` and the check id, kept to safe characters.
fn anchor(r: &CheckResult) -> String {
    let safe: String =
        r.id.as_str()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
    format!("ev-{safe}")
}

/// Escapes text for element content and attribute values; drops control
/// characters XML does not allow.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if document::is_stripped_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_markup() {
        assert_eq!(
            esc("<script src=\"x\">&'\u{7}"),
            "&lt;script src=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}

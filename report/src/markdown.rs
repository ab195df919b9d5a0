//! The Markdown document: pastes into Jira, ServiceNow, GitHub and Azure
//! DevOps. Header, verdict line, blockers with what to do, warnings, waived,
//! a compact table of what passed, then the evidence of everything that did
//! not pass. Only pipe tables, headings, lists and code spans: the subset
//! every one of those tools renders.

use std::io::{self, Write};

use crate::document::{self, Groups};
use crate::evidence::{self, Block};
use crate::model::{CheckResult, Report, RunHeader};
use crate::rules::Rule;

/// Writes the report as Markdown.
pub fn write_markdown(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let groups = Groups::of(report);
    writeln!(
        out,
        "# {}: data center {}\n",
        report.verdict,
        text(&report.datacenter)
    )?;
    writeln!(out, "**{}**\n", text(&document::verdict_line(report)))?;
    writeln!(out, "| | |\n|---|---|")?;
    for (label, value) in document::header_facts(report) {
        let value = if label.ends_with("SHA-256") && !value.starts_with('(') {
            code(&value)
        } else {
            text(&value)
        };
        writeln!(out, "| {label} | {value} |")?;
    }

    write_rules(out, &crate::rules::of(report), 2)?;
    to_do(out, "Blockers", &groups.blockers, "each one makes it NO-GO")?;
    to_do(
        out,
        "Warnings",
        &groups.warnings,
        "they do not block the migration",
    )?;
    if !groups.waived.is_empty() {
        writeln!(out, "\n## Waived ({})\n", groups.waived.len())?;
        writeln!(out, "| Check | Target | Found | Waiver | Ticket |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for r in &groups.waived {
            let (reason, ticket) = r
                .waiver
                .as_ref()
                .map_or((String::new(), String::new()), |w| {
                    (text(&w.reason), text(&w.ticket))
                });
            writeln!(
                out,
                "| {} | {} | {}: {} | {reason} | {ticket} |",
                check(r),
                code(&r.target),
                document::status_label(r),
                text(&r.reason)
            )?;
        }
    }
    if !groups.passed.is_empty() {
        writeln!(out, "\n## Passed ({})\n", groups.passed.len())?;
        writeln!(out, "| Check | Target | Found |\n|---|---|---|")?;
        for r in &groups.passed {
            writeln!(
                out,
                "| {} | {} | {} |",
                check(r),
                code(&r.target),
                text(&r.reason)
            )?;
        }
    }

    let with_evidence: Vec<&CheckResult> = groups.needing_evidence().collect();
    if !with_evidence.is_empty() {
        writeln!(out, "\n## Evidence")?;
        for r in with_evidence {
            writeln!(
                out,
                "\n### {} {}\n",
                document::status_label(r),
                code(r.id.as_str())
            )?;
            writeln!(out, "{} · {}\n", text(&r.title), code(&r.target))?;
            let blocks = evidence::view(&r.evidence.to_value());
            if blocks.is_empty() {
                writeln!(out, "(no evidence recorded)")?;
            }
            write_blocks(out, &blocks, 4)?;
        }
    }
    writeln!(
        out,
        "\n---\n{} {} · verify `report.json` with `preflight report verify report.json`",
        text(&report.tool.name),
        text(&report.tool.version)
    )?;
    Ok(())
}

fn to_do(
    out: &mut impl Write,
    heading: &str,
    results: &[&CheckResult],
    note: &str,
) -> io::Result<()> {
    if results.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n## {heading} ({}): {note}\n", results.len())?;
    writeln!(out, "| Check | Target | Status | Found | What to do |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for r in results {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            check(r),
            code(&r.target),
            document::status_label(r),
            text(&r.reason),
            text(r.remediation.as_deref().unwrap_or(""))
        )?;
    }
    Ok(())
}

/// The firewall rules: a table of the rules to request, then the paths
/// already open; `level` is the heading level. Nothing when there is no path.
pub fn write_rules(out: &mut impl Write, rules: &[Rule], level: usize) -> io::Result<()> {
    let (request, in_place) = crate::rules::split(rules);
    if rules.is_empty() {
        return Ok(());
    }
    let h = "#".repeat(level.min(6));
    if request.is_empty() {
        writeln!(out, "\n{h} Firewall rules to request: none\n")?;
    } else {
        writeln!(
            out,
            "\n{h} Firewall rules to request ({}): also in `rules.csv`\n",
            request.len()
        )?;
        write_rule_table(out, &request)?;
    }
    if !in_place.is_empty() {
        writeln!(
            out,
            "\n{h} Already open ({}): no change needed\n",
            in_place.len()
        )?;
        write_rule_table(out, &in_place)?;
    }
    Ok(())
}

fn write_rule_table(out: &mut impl Write, rules: &[&Rule]) -> io::Result<()> {
    writeln!(
        out,
        "| Source | Destination | Port | Direction | Action | Seen | Purpose | Checks |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|")?;
    for r in rules {
        let ids: Vec<String> = r.check_ids.iter().map(|id| code(id)).collect();
        writeln!(
            out,
            "| {} | {} | {} {} | {} | {} | {} | {} | {} |",
            text(&r.source()),
            text(&r.destination()),
            r.protocol,
            r.port,
            r.direction.as_str(),
            text(&r.action),
            text(&r.state),
            text(&r.purpose),
            ids.join(" ")
        )?;
    }
    Ok(())
}

/// Writes an evidence view; `level` is the heading level of its sections.
pub fn write_blocks(out: &mut impl Write, blocks: &[Block], level: usize) -> io::Result<()> {
    for block in blocks {
        match block {
            Block::Facts(facts) => {
                for f in facts {
                    writeln!(out, "- {}: {}", text(&f.label), code(&f.value))?;
                }
                writeln!(out)?;
            }
            Block::Table {
                title,
                columns,
                rows,
            } => {
                if !title.is_empty() {
                    writeln!(out, "{}:\n", text(title))?;
                }
                let header: Vec<String> = columns.iter().map(|c| text(c)).collect();
                writeln!(out, "| {} |", header.join(" | "))?;
                writeln!(out, "|{}", "---|".repeat(columns.len()))?;
                for row in rows {
                    let cells: Vec<String> = row.iter().map(|c| code(&c.text)).collect();
                    writeln!(out, "| {} |", cells.join(" | "))?;
                }
                writeln!(out)?;
            }
            Block::Section { title, blocks } => {
                writeln!(out, "{} {}\n", "#".repeat(level.min(6)), text(title))?;
                write_blocks(out, blocks, level + 1)?;
            }
            Block::Text(t) => writeln!(out, "{}\n", code(t))?,
            Block::Code { title, text: body } => {
                writeln!(out, "{}:\n", text(title))?;
                writeln!(out, "{}\n", fenced(body))?;
            }
        }
    }
    Ok(())
}

/// A fenced code block: its fence longer than any run of backticks inside,
/// so the text cannot end it; control characters but tabs and newlines dropped.
pub fn fenced(body: &str) -> String {
    let clean: String = body
        .chars()
        .filter(|&c| c != '\r' && !document::is_stripped_control(c))
        .collect();
    let mut longest = 0;
    let mut run = 0;
    for c in clean.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}text\n{}\n{fence}", clean.trim_end_matches('\n'))
}

/// `title (`id`)`: what a person reads, and the id diff, merge and waivers use.
fn check(r: &CheckResult) -> String {
    format!("{} ({})", text(&r.title), code(r.id.as_str()))
}

/// A run's cells of a table row, `|`-separated: data center, host, started,
/// verdict, report SHA-256 (the runs a merge lists and a diff compares).
pub fn run_cells(run: &RunHeader) -> String {
    format!(
        "{} | {} | {} | {} | {}",
        text(&run.datacenter),
        text(&run.host),
        text(&run.started_at),
        run.verdict,
        code(run.report_sha256.as_deref().unwrap_or(""))
    )
}

/// Text for a table cell or a line: Markdown syntax is escaped, so a hostile
/// reason cannot add a link, an image or a column; newlines become spaces.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\t' => out.push(' '),
            c if document::is_stripped_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// A code span (hosts, ids, digests, evidence values): no formatting inside,
/// and a pipe still cannot end the table cell.
pub fn code(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    let inner: String = s
        .chars()
        .map(|c| match c {
            '`' => '\'',
            '\r' | '\n' | '\t' => ' ',
            c => c,
        })
        .filter(|&c| !document::is_stripped_control(c))
        .collect::<String>()
        .replace('|', "\\|");
    format!("`{inner}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fenced_block_cannot_be_closed_from_inside() {
        assert_eq!(fenced("a\nb\n"), "```text\na\nb\n```");
        assert_eq!(fenced("x ```` y\u{7}"), "`````text\nx ```` y\n`````");
    }

    #[test]
    fn hostile_text_cannot_break_the_table_or_add_links() {
        assert_eq!(
            text("a|b [x](https://evil.example.com) <img>\nnext"),
            r"a\|b \[x\](https://evil.example.com) \<img\> next"
        );
        assert_eq!(code("a`b|c"), r"`a'b\|c`");
        assert_eq!(code(""), "");
    }
}

//! The ticket-sized documents: `--format md-summary` (Markdown) and
//! `--format jira` (Jira Server/Data Center wiki markup), the same content
//! in two markups — the header facts, the verdict line, the blockers with
//! what to do, and the firewall rules (to request, and already open). The
//! full report (`report.md`, `report.html`) keeps warnings, passes and the
//! evidence; the summary names how many there are and where.

use std::io::{self, Write};

use crate::document::{self, Groups};
use crate::markdown;
use crate::merge::Merged;
use crate::model::{CheckResult, Report};
use crate::rules::{self, Rule};
use crate::verdict;

/// The markup a summary is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    /// GitHub-flavoured Markdown: pipe tables, `##` headings, code spans.
    Markdown,
    /// Jira wiki markup: `h2.`, `||header||`, `{{monospace}}`.
    Jira,
}

/// What a summary says, whatever its markup.
struct Ticket<'a> {
    title: String,
    verdict_line: String,
    facts: Vec<(&'static str, String)>,
    /// Where the blocker was seen (`west on jump01`), for a merge; empty for one report.
    blockers: Vec<(String, &'a CheckResult)>,
    rules: Vec<Rule>,
    /// What the full documents hold beyond the summary.
    also: String,
}

/// Writes the summary of one report.
pub fn write_summary(out: &mut impl Write, report: &Report, markup: Markup) -> io::Result<()> {
    let groups = Groups::of(report);
    let facts = document::header_facts(report)
        .into_iter()
        .filter(|(label, _)| {
            matches!(
                *label,
                "Migration"
                    | "Change ticket"
                    | "Data center"
                    | "Host"
                    | "Started"
                    | "Report SHA-256"
            )
        })
        .collect();
    let ticket = Ticket {
        title: format!("{}: data center {}", report.verdict, report.datacenter),
        verdict_line: document::verdict_line(report),
        facts,
        blockers: groups
            .blockers
            .iter()
            .map(|r| (String::new(), *r))
            .collect(),
        rules: rules::of(report),
        also: format!(
            "{} warning{}, {} waived and {} passed check{} are in the full report (report.md, report.html) with the evidence of each.",
            groups.warnings.len(),
            document::plural(groups.warnings.len()),
            groups.waived.len(),
            groups.passed.len(),
            document::plural(groups.passed.len()),
        ),
    };
    write(out, &ticket, markup)
}

/// Writes the summary of a merge: every data center's verdict, every
/// blocker with where it was seen, one deduplicated rule list.
pub fn write_merge_summary(out: &mut impl Write, m: &Merged, markup: Markup) -> io::Result<()> {
    let mut facts = Vec::new();
    if let Some(mig) = &m.migration {
        facts.push(("Migration", mig.name.clone()));
        if let Some(t) = &mig.ticket {
            facts.push(("Change ticket", t.clone()));
        }
    }
    for d in &m.datacenters {
        facts.push((
            "Data center",
            format!("{}: {} ({})", d.name, d.verdict, d.hosts.join(", ")),
        ));
    }
    if let Some(digest) = &m.report_sha256 {
        facts.push(("Merged document SHA-256", digest.clone()));
    }
    let blockers = m
        .runs
        .iter()
        .flat_map(|run| {
            run.results
                .iter()
                .filter(|r| verdict::blocks(r))
                .map(move |r| (format!("{} on {}", run.datacenter, run.host), r))
        })
        .collect();
    let ticket = Ticket {
        title: format!("{}: {} data centers", m.verdict, m.datacenters.len()),
        verdict_line: format!(
            "{} — {} of {} data centers GO",
            m.verdict,
            m.datacenters
                .iter()
                .filter(|d| d.verdict == crate::Verdict::Go)
                .count(),
            m.datacenters.len()
        ),
        facts,
        blockers,
        rules: m.rules(),
        also: "The matrix of every check, the worker pools and the reports merged are in the full document (merge.md, merge.html).".into(),
    };
    write(out, &ticket, markup)
}

fn write(out: &mut impl Write, t: &Ticket, markup: Markup) -> io::Result<()> {
    let m = Syntax(markup);
    m.heading(out, 1, &t.title)?;
    writeln!(out, "{}\n", m.bold(&t.verdict_line))?;
    for (label, value) in &t.facts {
        let value = if label.ends_with("SHA-256") {
            m.code(value)
        } else {
            m.text(value)
        };
        writeln!(out, "* {}: {value}", m.text(label))?;
    }
    writeln!(out)?;
    if t.blockers.is_empty() {
        m.heading(out, 2, "Blockers: none")?;
    } else {
        m.heading(
            out,
            2,
            &format!("Blockers ({}): each one makes it NO-GO", t.blockers.len()),
        )?;
        let merged = t.blockers.iter().any(|(at, _)| !at.is_empty());
        let mut header = vec!["Check", "Target", "Found", "What to do"];
        if merged {
            header.insert(0, "Where");
        }
        m.table_header(out, &header)?;
        for (at, r) in &t.blockers {
            let mut cells = vec![
                format!("{} {}", m.text(&r.title), m.code(r.id.as_str())),
                m.code(&r.target),
                format!("{}: {}", document::status_label(r), m.text(&r.reason)),
                m.text(r.remediation.as_deref().unwrap_or("")),
            ];
            if merged {
                cells.insert(0, m.text(at));
            }
            m.table_row(out, &cells)?;
        }
        writeln!(out)?;
    }
    let (request, in_place) = rules::split(&t.rules);
    if request.is_empty() {
        m.heading(out, 2, "Firewall rules to request: none")?;
    } else {
        m.heading(
            out,
            2,
            &format!(
                "Firewall rules to request ({}): also in rules.csv",
                request.len()
            ),
        )?;
        rule_table(out, &m, &request)?;
    }
    if !in_place.is_empty() {
        m.heading(
            out,
            2,
            &format!("Already open ({}): no change needed", in_place.len()),
        )?;
        rule_table(out, &m, &in_place)?;
    }
    writeln!(out, "{}", m.text(&t.also))
}

fn rule_table(out: &mut impl Write, m: &Syntax, rules: &[&Rule]) -> io::Result<()> {
    m.table_header(
        out,
        &[
            "Source",
            "Destination",
            "Port",
            "Direction",
            "Action",
            "Seen",
            "Purpose",
            "Checks",
        ],
    )?;
    for r in rules {
        let ids: Vec<String> = r.check_ids.iter().map(|id| m.code(id)).collect();
        m.table_row(
            out,
            &[
                m.text(&r.source()),
                m.text(&r.destination()),
                format!("{} {}", r.protocol, r.port),
                r.direction.as_str().to_string(),
                m.text(&r.action),
                m.text(&r.state),
                m.text(&r.purpose),
                ids.join(" "),
            ],
        )?;
    }
    writeln!(out)
}

/// The few constructs a summary uses, in one markup (the diff's summary uses them too).
pub(crate) struct Syntax(pub(crate) Markup);

impl Syntax {
    pub(crate) fn heading(
        &self,
        out: &mut impl Write,
        level: usize,
        title: &str,
    ) -> io::Result<()> {
        match self.0 {
            Markup::Markdown => writeln!(out, "{} {}\n", "#".repeat(level), self.text(title)),
            Markup::Jira => writeln!(out, "h{level}. {}\n", self.text(title)),
        }
    }

    pub(crate) fn bold(&self, s: &str) -> String {
        match self.0 {
            Markup::Markdown => format!("**{}**", self.text(s)),
            Markup::Jira => format!("*{}*", self.text(s)),
        }
    }

    pub(crate) fn text(&self, s: &str) -> String {
        match self.0 {
            Markup::Markdown => markdown::text(s),
            Markup::Jira => jira_text(s),
        }
    }

    pub(crate) fn code(&self, s: &str) -> String {
        match self.0 {
            Markup::Markdown => markdown::code(s),
            Markup::Jira if s.is_empty() => String::new(),
            Markup::Jira => format!("{{{{{}}}}}", jira_text(s)),
        }
    }

    pub(crate) fn table_header(&self, out: &mut impl Write, columns: &[&str]) -> io::Result<()> {
        match self.0 {
            Markup::Markdown => {
                writeln!(out, "| {} |", columns.join(" | "))?;
                writeln!(out, "|{}", "---|".repeat(columns.len()))
            }
            Markup::Jira => writeln!(out, "||{}||", columns.join("||")),
        }
    }

    pub(crate) fn table_row(&self, out: &mut impl Write, cells: &[String]) -> io::Result<()> {
        match self.0 {
            Markup::Markdown => writeln!(out, "| {} |", cells.join(" | ")),
            Markup::Jira => {
                // An empty Jira cell needs a space, or the row loses a column.
                let cells: Vec<&str> = cells
                    .iter()
                    .map(|c| if c.is_empty() { " " } else { c.as_str() })
                    .collect();
                writeln!(out, "|{}|", cells.join("|"))
            }
        }
    }
}

/// Text for Jira wiki markup: every character that starts markup
/// (`* _ + ^ ~ ? - [ ] { } ! |`) is escaped with a backslash, a backslash
/// itself becomes `&#92;` (two would be a line break), line breaks become
/// spaces and control characters go.
pub fn jira_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("&#92;"),
            '*' | '_' | '+' | '^' | '~' | '?' | '-' | '[' | ']' | '{' | '}' | '!' | '|' => {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_text_cannot_add_markup_a_link_or_a_column() {
        assert_eq!(
            jira_text("a|b [x|https://evil.example.com] *bold* {code} !img.png!\nC:\\x"),
            r"a\|b \[x\|https://evil.example.com\] \*bold\* \{code\} \!img.png\! C:&#92;x"
        );
        assert_eq!(jira_text("tentacle-web02"), r"tentacle\-web02");
    }
}

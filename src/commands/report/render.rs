//! `preflight report render FILE --format table|json|md|md-summary|jira|html|junit`, for a
//! report.json or a merge.json.

use std::io::Write;

use anyhow::Result;
use report::load::{self, Document};
use report::merge::render as merged;
use report::summary::{self, Markup};

use crate::cli::{Format, RenderArgs};
use crate::output;

/// Renders a saved document on standard output; exit 0 once written.
pub fn render(args: RenderArgs) -> Result<i32> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match load::read_document(&args.file)? {
        Document::Report(mut loaded) => {
            super::warn_unverified(&loaded.file, &loaded.integrity);
            report::Redactor::new().report(&mut loaded.report);
            let report = &loaded.report;
            match args.format {
                Format::Json => report.write_json(&mut out)?,
                Format::Md => report::markdown::write_markdown(&mut out, report)?,
                Format::MdSummary => summary::write_summary(&mut out, report, Markup::Markdown)?,
                Format::Jira => summary::write_summary(&mut out, report, Markup::Jira)?,
                Format::Html => report::html::write_html(&mut out, report)?,
                Format::Junit => report::junit::write_junit(&mut out, report)?,
                Format::Table => {
                    output::print_table(&mut out, report, args.sort)?;
                    let verdict = format!(
                        "{}: {}",
                        report.datacenter,
                        report::document::verdict_line(report)
                    );
                    writeln!(
                        out,
                        "\n{}",
                        output::fitted(&report::terminal::clean(&verdict))
                    )?;
                }
            }
        }
        Document::Merged(mut loaded) => {
            super::warn_unverified(&loaded.file, &loaded.integrity);
            for run in &mut loaded.merged.runs {
                report::Redactor::new().report(run);
            }
            let m = &loaded.merged;
            match args.format {
                Format::Json => m.write_json(&mut out)?,
                Format::Md => merged::write_markdown(&mut out, m)?,
                Format::MdSummary => summary::write_merge_summary(&mut out, m, Markup::Markdown)?,
                Format::Jira => summary::write_merge_summary(&mut out, m, Markup::Jira)?,
                Format::Html => merged::write_html(&mut out, m)?,
                Format::Junit => merged::write_junit(&mut out, m)?,
                Format::Table => merged::write_table(&mut out, m, output::text_width())?,
            }
        }
    }
    out.flush()?;
    Ok(report::exit::GO)
}

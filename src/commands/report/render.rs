//! `preflight report render FILE --format md|html|junit|table`, for a
//! report.json or a merge.json.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use report::load::{self, Document};
use report::merge::render as merged;

use crate::cli::{RenderArgs, RenderFormat};
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
                RenderFormat::Md => report::markdown::write_markdown(&mut out, report)?,
                RenderFormat::Html => report::html::write_html(&mut out, report)?,
                RenderFormat::Junit => report::junit::write_junit(&mut out, report)?,
                RenderFormat::Table => {
                    output::print_table(&mut out, report)?;
                    let line = format!(
                        "{}: {}",
                        report.datacenter,
                        report::document::verdict_line(report)
                    );
                    writeln!(out, "\n{}", report::terminal::clean(&line))?;
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
                RenderFormat::Md => merged::write_markdown(&mut out, m)?,
                RenderFormat::Html => merged::write_html(&mut out, m)?,
                RenderFormat::Junit => merged::write_junit(&mut out, m)?,
                RenderFormat::Table => {
                    merged::write_table(&mut out, m, std::io::stdout().is_terminal())?
                }
            }
        }
    }
    out.flush()?;
    Ok(report::exit::GO)
}

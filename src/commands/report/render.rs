//! `preflight report render FILE --format md|html|junit|table`.

use std::io::Write;

use anyhow::Result;

use crate::cli::{RenderArgs, RenderFormat};
use crate::output;

/// Renders a saved report on standard output; exit 0 once written.
pub fn render(args: RenderArgs) -> Result<i32> {
    let loaded = super::load(&args.file)?;
    let report = &loaded.report;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        RenderFormat::Md => report::markdown::write_markdown(&mut out, report)?,
        RenderFormat::Html => report::html::write_html(&mut out, report)?,
        RenderFormat::Junit => report::junit::write_junit(&mut out, report)?,
        RenderFormat::Table => {
            output::print_table(&mut out, report)?;
            writeln!(
                out,
                "\n{}: {}",
                report.datacenter,
                report::document::verdict_line(report)
            )?;
        }
    }
    out.flush()?;
    Ok(report::exit::GO)
}

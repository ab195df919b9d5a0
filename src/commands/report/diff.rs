//! `preflight report diff BEFORE AFTER`.

use std::io::Write;

use anyhow::Result;
use report::diff::{self, render};

use crate::cli::{DiffArgs, Format};

/// Prints what changed; exit 1 when anything regressed.
pub fn diff(args: DiffArgs) -> Result<i32> {
    let before = super::load(&args.before)?;
    let after = super::load(&args.after)?;
    let d = diff::diff(&before.report, &after.report);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Table => render::write_text(&mut out, &d)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &d)?;
            writeln!(out)?;
        }
        Format::Md => render::write_markdown(&mut out, &d)?,
        Format::MdSummary => {
            render::write_summary(&mut out, &d, report::summary::Markup::Markdown)?
        }
        Format::Jira => render::write_summary(&mut out, &d, report::summary::Markup::Jira)?,
        Format::Html => render::write_html(&mut out, &d)?,
        Format::Junit => render::write_junit(&mut out, &d)?,
    }
    out.flush()?;
    Ok(d.exit_code())
}

//! `preflight report merge FILE... [--out DIR]`.

use std::io::Write;

use anyhow::Result;
use report::merge::{self, Merged, render};
use report::summary::{self, Markup};

use crate::cli::{Format, MergeArgs};
use crate::output;

/// Merges, prints, writes; exit 1 when any data center is NO-GO.
pub fn merge(args: MergeArgs) -> Result<i32> {
    if let Some(dir) = &args.out {
        output::prepare_out_dir(dir)?;
    }
    let inputs = args
        .files
        .iter()
        .map(|f| super::load(f))
        .collect::<Result<Vec<_>>>()?;
    let tool = report::Tool {
        name: env!("CARGO_PKG_NAME").into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let mut merged = merge::merge(&inputs, tool, args.allow_mixed_plans)?;
    merged.seal();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Table => render::write_table(&mut out, &merged, output::text_width())?,
        Format::Json => merged.write_json(&mut out)?,
        Format::Md => render::write_markdown(&mut out, &merged)?,
        Format::MdSummary => summary::write_merge_summary(&mut out, &merged, Markup::Markdown)?,
        Format::Jira => summary::write_merge_summary(&mut out, &merged, Markup::Jira)?,
        Format::Html => render::write_html(&mut out, &merged)?,
        Format::Junit => render::write_junit(&mut out, &merged)?,
    }
    out.flush()?;
    if let Some(dir) = &args.out {
        write_files(dir, &merged, output::FileMode::from_private(args.private))?;
        eprintln!(
            "merged documents written to {} (merge.json, merge.md, merge.html, merge.junit.xml, rules.csv)",
            dir.display()
        );
    }
    Ok(merged.exit_code())
}

/// Writes the merged document in every format, atomically as a set.
pub fn write_files(dir: &std::path::Path, merged: &Merged, mode: output::FileMode) -> Result<()> {
    let rendered = report::files::render_merge_files(merged)?;
    let files: Vec<(&str, &[u8])> = rendered
        .iter()
        .map(|(name, bytes)| (*name, &bytes[..]))
        .collect();
    output::write_atomic_set(dir, &files, mode)
}

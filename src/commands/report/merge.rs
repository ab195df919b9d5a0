//! `preflight report merge FILE... [--out DIR]`.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use report::merge::{self, Merged, render};

use crate::cli::{MergeArgs, MergeFormat};
use crate::output;

/// The files `--out DIR` writes, in the order they are renamed into place.
pub const MERGE_FILES: [&str; 4] = ["merge.md", "merge.html", "merge.junit.xml", "merge.json"];

/// Merges, prints, writes; exit 1 when any data center is NO-GO.
pub fn merge(args: MergeArgs) -> Result<i32> {
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
    // JSON carries the digest it computes while writing; the other documents
    // print it, so they need it first.
    if !matches!(args.format, MergeFormat::Json) || args.out.is_some() {
        merged.seal();
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        MergeFormat::Table => {
            render::write_table(&mut out, &merged, std::io::stdout().is_terminal())?
        }
        MergeFormat::Json => merged.write_json(&mut out)?,
        MergeFormat::Md => render::write_markdown(&mut out, &merged)?,
        MergeFormat::Html => render::write_html(&mut out, &merged)?,
    }
    out.flush()?;
    if let Some(dir) = &args.out {
        write_files(dir, &merged)?;
        eprintln!(
            "merged documents written to {} (merge.json, merge.md, merge.html, merge.junit.xml)",
            dir.display()
        );
    }
    Ok(merged.exit_code())
}

/// Writes the merged document in every format, atomically as a set.
pub fn write_files(dir: &std::path::Path, merged: &Merged) -> Result<()> {
    output::write_atomic_with(dir, &MERGE_FILES, |name, out| match name {
        "merge.md" => render::write_markdown(out, merged),
        "merge.html" => render::write_html(out, merged),
        "merge.junit.xml" => render::write_junit(out, merged),
        _ => merged.write_json(out),
    })
}

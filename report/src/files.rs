//! The documents `--out DIR` writes (of a run, and of a merge), rendered in
//! one place: the binary streams each into its file, the redaction tests
//! read every one of them.

use std::io;

use crate::merge::Merged;
use crate::model::Report;

/// The files `--out DIR` writes, in the order they are renamed into place
/// (`report.json`, which carries the digest, last).
pub const REPORT_FILES: [&str; 5] = [
    "report.md",
    "report.html",
    "report.junit.xml",
    "rules.csv",
    "report.json",
];

/// The files `report merge --out DIR` writes, in the order they are renamed
/// into place (`merge.json` last).
pub const MERGE_FILES: [&str; 5] = [
    "merge.md",
    "merge.html",
    "merge.junit.xml",
    "rules.csv",
    "merge.json",
];

fn no_such(name: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("no such document: {name}"),
    )
}

/// Writes the document named `name` (one of [`REPORT_FILES`]) of `report`
/// to `out`, as it renders: nothing is held in memory but the writer's buffer.
pub fn write_document(report: &Report, name: &str, out: &mut impl io::Write) -> io::Result<()> {
    match name {
        "report.md" => crate::markdown::write_markdown(out, report),
        "report.html" => crate::html::write_html(out, report),
        "report.junit.xml" => crate::junit::write_junit(out, report),
        "rules.csv" => crate::rules::write_csv(out, &crate::rules::of(report)),
        "report.json" => report.write_json(out),
        other => Err(no_such(other)),
    }
}

/// Writes the document named `name` (one of [`MERGE_FILES`]) of a merge to
/// `out`; `rules.csv` is the one deduplicated list for every data center.
pub fn write_merge_document(
    merged: &Merged,
    name: &str,
    out: &mut impl io::Write,
) -> io::Result<()> {
    match name {
        "merge.md" => crate::merge::render::write_markdown(out, merged),
        "merge.html" => crate::merge::render::write_html(out, merged),
        "merge.junit.xml" => crate::merge::render::write_junit(out, merged),
        "rules.csv" => crate::rules::write_csv(out, &merged.rules()),
        "merge.json" => merged.write_json(out),
        other => Err(no_such(other)),
    }
}

/// Every document of `report`, named as in [`REPORT_FILES`] and in that order.
pub fn render_report_files(report: &Report) -> io::Result<Vec<(&'static str, Vec<u8>)>> {
    REPORT_FILES
        .into_iter()
        .map(|name| {
            let mut bytes = Vec::new();
            write_document(report, name, &mut bytes)?;
            Ok((name, bytes))
        })
        .collect()
}

/// Every document of a merge, named as in [`MERGE_FILES`] and in that order.
pub fn render_merge_files(merged: &Merged) -> io::Result<Vec<(&'static str, Vec<u8>)>> {
    MERGE_FILES
        .into_iter()
        .map(|name| {
            let mut bytes = Vec::new();
            write_merge_document(merged, name, &mut bytes)?;
            Ok((name, bytes))
        })
        .collect()
}

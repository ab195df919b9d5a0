//! The documents `--out DIR` writes (of a run, and of a merge), rendered in
//! one place: the binary writes them, the redaction tests read every one of them.

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

/// Every document of `report`, named as in [`REPORT_FILES`] and in that order.
pub fn render_report_files(report: &Report) -> io::Result<Vec<(&'static str, Vec<u8>)>> {
    let mut md = Vec::new();
    crate::markdown::write_markdown(&mut md, report)?;
    let mut html = Vec::new();
    crate::html::write_html(&mut html, report)?;
    let mut junit = Vec::new();
    crate::junit::write_junit(&mut junit, report)?;
    let mut csv = Vec::new();
    crate::rules::write_csv(&mut csv, &crate::rules::of(report))?;
    let mut json = Vec::new();
    report.write_json(&mut json)?;
    Ok(REPORT_FILES
        .into_iter()
        .zip([md, html, junit, csv, json])
        .collect())
}

/// Every document of a merge, named as in [`MERGE_FILES`] and in that order;
/// `rules.csv` is the one deduplicated list for every data center.
pub fn render_merge_files(merged: &Merged) -> io::Result<Vec<(&'static str, Vec<u8>)>> {
    let mut md = Vec::new();
    crate::merge::render::write_markdown(&mut md, merged)?;
    let mut html = Vec::new();
    crate::merge::render::write_html(&mut html, merged)?;
    let mut junit = Vec::new();
    crate::merge::render::write_junit(&mut junit, merged)?;
    let mut csv = Vec::new();
    crate::rules::write_csv(&mut csv, &merged.rules())?;
    let mut json = Vec::new();
    merged.write_json(&mut json)?;
    Ok(MERGE_FILES
        .into_iter()
        .zip([md, html, junit, csv, json])
        .collect())
}

//! The documents `--out DIR` writes, rendered in one place: the binary
//! writes them, the redaction tests read every one of them.

use std::io;

use crate::model::Report;

/// The files `--out DIR` writes, in the order they are renamed into place
/// (`report.json`, which carries the digest, last).
pub const REPORT_FILES: [&str; 4] = [
    "report.md",
    "report.html",
    "report.junit.xml",
    "report.json",
];

/// Every document of `report`, named as in [`REPORT_FILES`] and in that order.
pub fn render_report_files(report: &Report) -> io::Result<Vec<(&'static str, Vec<u8>)>> {
    let mut md = Vec::new();
    crate::markdown::write_markdown(&mut md, report)?;
    let mut html = Vec::new();
    crate::html::write_html(&mut html, report)?;
    let mut junit = Vec::new();
    crate::junit::write_junit(&mut junit, report)?;
    let mut json = Vec::new();
    report.write_json(&mut json)?;
    Ok(REPORT_FILES
        .into_iter()
        .zip([md, html, junit, json])
        .collect())
}

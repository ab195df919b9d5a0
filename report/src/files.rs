//! The documents `--out DIR` writes, rendered in one place: the binary
//! streams each into its file, the redaction tests read every one of them.

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

/// Writes the document named `name` (one of [`REPORT_FILES`]) of `report`
/// to `out`, as it renders: nothing is held in memory but the writer's buffer.
pub fn write_document(report: &Report, name: &str, out: &mut impl io::Write) -> io::Result<()> {
    match name {
        "report.md" => crate::markdown::write_markdown(out, report),
        "report.html" => crate::html::write_html(out, report),
        "report.junit.xml" => crate::junit::write_junit(out, report),
        "report.json" => report.write_json(out),
        other => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("no such document: {other}"),
        )),
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

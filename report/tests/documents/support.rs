//! The fixture report and helpers to render it.

use std::path::PathBuf;

use report::Report;
use report::load::{self, Loaded};

/// `fixtures/reports/<name>` in the workspace.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/reports")
        .join(name)
}

/// The west NO-GO fixture, as read from disk.
pub fn west() -> Loaded {
    load::read_report(&fixture_path("west-no-go.json")).expect("fixture reads")
}

/// Every rendering of a report: the `--out` files by name, then the terminal table.
pub fn render_all(report: &Report) -> Vec<(&'static str, String)> {
    let mut documents = report::files::render_report_files(report).unwrap();
    let mut table = Vec::new();
    report::table::write_table(&mut table, report, Default::default()).unwrap();
    documents.push(("table", table));
    documents
        .into_iter()
        .map(|(name, bytes)| (name, String::from_utf8(bytes).unwrap()))
        .collect()
}

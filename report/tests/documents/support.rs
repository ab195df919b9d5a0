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

/// Every rendering of a report, by format name.
pub fn render_all(report: &Report) -> Vec<(&'static str, String)> {
    let mut md = Vec::new();
    report::markdown::write_markdown(&mut md, report).unwrap();
    let mut html = Vec::new();
    report::html::write_html(&mut html, report).unwrap();
    let mut junit = Vec::new();
    report::junit::write_junit(&mut junit, report).unwrap();
    let mut json = Vec::new();
    report.write_json(&mut json).unwrap();
    let mut table = Vec::new();
    report::table::write_table(&mut table, &report.results, Default::default()).unwrap();
    [
        ("md", md),
        ("html", html),
        ("junit", junit),
        ("json", json),
        ("table", table),
    ]
    .into_iter()
    .map(|(name, bytes)| (name, String::from_utf8(bytes).unwrap()))
    .collect()
}

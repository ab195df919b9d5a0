//! `report diff BEFORE AFTER` over saved reports (untrusted input): never
//! panic; every form renders.
//!
//! The input is two report.json texts separated by a NUL byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use report::diff::{self, render};
use report::load::parse_report;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some((before, after)) = text.split_once('\0') else {
        return;
    };
    let (Ok(before), Ok(after)) = (
        parse_report(before, "before.json"),
        parse_report(after, "after.json"),
    ) else {
        return;
    };
    let d = diff::diff(&before.report, &after.report);
    let mut out = Vec::new();
    render::write_text(&mut out, &d).unwrap();
    render::write_markdown(&mut out, &d).unwrap();
    serde_json::to_writer(&mut out, &d).unwrap();
    let _ = d.exit_code();
    // A report compared with itself has no change.
    assert!(diff::diff(&after.report, &after.report).is_empty());
});

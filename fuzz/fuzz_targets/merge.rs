//! `report merge` over saved reports (untrusted input): never panic, and the
//! merged document renders in every format and reads back.
//!
//! The input is up to four report.json texts separated by NUL bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use report::load::{parse_merged, parse_report};
use report::merge::{self, render};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let inputs: Vec<_> = text
        .split('\0')
        .take(4)
        .enumerate()
        .filter_map(|(i, part)| parse_report(part, &format!("fuzz-{i}.json")).ok())
        .collect();
    let tool = report::Tool {
        name: "preflight".into(),
        version: "fuzz".into(),
    };
    let _ = merge::merge(&inputs, tool.clone(), false);
    let Ok(mut merged) = merge::merge(&inputs, tool, true) else {
        return;
    };
    merged.seal();
    let mut out = Vec::new();
    render::write_table(&mut out, &merged, 40).unwrap();
    render::write_table(&mut out, &merged, 200).unwrap();
    render::write_markdown(&mut out, &merged).unwrap();
    render::write_html(&mut out, &merged).unwrap();
    render::write_junit(&mut out, &merged).unwrap();
    let mut json = Vec::new();
    merged.write_json(&mut json).unwrap();
    // What merge writes, load reads back, and it verifies.
    let json = String::from_utf8(json).unwrap();
    let loaded = parse_merged(&json, "merge.json").unwrap();
    assert!(loaded.integrity.is_verified());
});

//! `report render` of a saved report.json or merge.json (untrusted input):
//! never panic in any renderer, and the terminal forms carry no escape
//! sequence.
#![no_main]

use libfuzzer_sys::fuzz_target;
use report::load::{parse_merged, parse_report, parse_value};
use report::merge::render as merged;
use report::table::{TableStyle, write_table};

/// The terminal forms' own colours are off here: any control character in
/// them came from the input.
fn assert_terminal_safe(out: &[u8]) {
    let text = String::from_utf8_lossy(out);
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "a control character reached terminal text: {text:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(value) = parse_value(text, "fuzz.json") else {
        return;
    };
    if value.get("kind").is_some() {
        let Ok(loaded) = parse_merged(text, "merge.json") else {
            return;
        };
        let m = &loaded.merged;
        let mut out = Vec::new();
        merged::write_table(&mut out, m, 40).unwrap();
        merged::write_table(&mut out, m, 200).unwrap();
        assert_terminal_safe(&out);
        merged::write_markdown(&mut out, m).unwrap();
        merged::write_html(&mut out, m).unwrap();
        merged::write_junit(&mut out, m).unwrap();
        return;
    }
    let Ok(mut loaded) = parse_report(text, "report.json") else {
        return;
    };
    report::Redactor::new().report(&mut loaded.report);
    let r = &loaded.report;
    for style in [
        TableStyle::default(),
        TableStyle {
            color: true,
            width: 40,
            sort: report::table::Sort::Plan,
        },
        TableStyle {
            color: false,
            width: 400,
            ..TableStyle::default()
        },
    ] {
        let mut out = Vec::new();
        write_table(&mut out, r, style).unwrap();
        if !style.color {
            assert_terminal_safe(&out);
        }
    }
    let _ = report::document::verdict_line(r);
    // Every file `--out` writes.
    let files = report::files::render_report_files(r).unwrap();
    assert_eq!(files.len(), report::files::REPORT_FILES.len());
});

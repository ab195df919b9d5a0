//! Saved reports are untrusted input (render, merge, diff, verify): never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = report::load::parse_report(text, "fuzz.json");
    }
});

//! Plans are untrusted input: any bytes must parse or fail with a located error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(err) = probe::Plan::parse(text, "fuzz.toml") {
            assert!(err.line <= text.lines().count() + 1);
        }
    }
});

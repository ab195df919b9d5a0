//! Tentacle.config files are untrusted input: any bytes must parse or fail with an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = probe::tentacle::TentacleConfig::parse(text, "fuzz.config");
    }
});

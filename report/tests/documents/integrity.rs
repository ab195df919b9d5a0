//! The digest: the fixture (sealed by scripts/seal-fixture.py, an independent
//! implementation) verifies, a written report verifies, and any one-character
//! edit of a report is caught.

use proptest::prelude::*;
use report::Integrity;
use report::integrity;
use report::load;

use crate::support::{fixture_path, west};

#[test]
fn the_fixture_sealed_by_another_implementation_verifies() {
    let loaded = west();
    assert!(
        loaded.integrity.is_verified(),
        "Rust and scripts/seal-fixture.py disagree on the canonical form: {}",
        loaded.integrity
    );
    assert_eq!(
        loaded.report.report_sha256.as_deref(),
        Some(loaded.report.digest().as_str()),
        "the model's digest equals the file's"
    );
}

#[test]
fn written_reports_carry_a_digest_that_verifies_and_floats_survive() {
    let mut report = west().report;
    let mut evidence = report.results[0].evidence.json().clone();
    evidence["ratio"] = serde_json::json!(0.1 + 0.2);
    report.results[0].evidence = evidence.into();
    report.report_sha256 = None;
    let mut bytes = Vec::new();
    report.write_json(&mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let loaded = load::parse_report(&text, "r.json").unwrap();
    assert!(loaded.integrity.is_verified(), "{}", loaded.integrity);
}

/// Byte offsets of ASCII letters and digits in the document.
fn editable(text: &str) -> Vec<usize> {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| b.is_ascii_alphanumeric())
        .map(|(i, _)| i)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any letter or digit changed to another: the file either no longer
    /// parses (also caught: verify exits 2) or no longer verifies.
    #[test]
    fn a_one_character_edit_is_detected(pick in any::<prop::sample::Index>(), to in "[a-zA-Z0-9]") {
        let text = std::fs::read_to_string(fixture_path("west-no-go.json")).unwrap();
        let positions = editable(&text);
        let at = positions[pick.index(positions.len())];
        let to = to.as_bytes()[0];
        prop_assume!(text.as_bytes()[at] != to);
        let mut bytes = text.into_bytes();
        bytes[at] = to;
        let edited = String::from_utf8(bytes).unwrap();
        if let Ok(value) = load::parse_value(&edited, "r.json") {
            let result = integrity::check(&value);
            prop_assert!(!matches!(result, Integrity::Verified { .. }), "edit at {} not detected", at);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Reports are untrusted input: any byte mutation of a real report either
    /// loads (and then renders in every format) or is refused with an error;
    /// nothing panics.
    #[test]
    fn mutated_reports_never_panic_the_reader_or_the_renderers(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = std::fs::read(fixture_path("west-no-go.json")).unwrap();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        let Ok(text) = String::from_utf8(bytes) else { return Ok(()); };
        match load::parse_report(&text, "r.json") {
            Ok(loaded) => {
                let _ = crate::support::render_all(&loaded.report);
            }
            Err(e) => prop_assert!(e.to_string().starts_with("r.json"), "{}", e),
        }
    }
}

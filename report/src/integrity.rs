//! The integrity digest of a document (`report.json`, `merge.json`).
//!
//! The digest is the SHA-256 of the document's canonical form: the JSON value
//! without its top-level `report_sha256` field, written with no whitespace,
//! object keys sorted by their UTF-16 code units (as RFC 8785 does), strings
//! and numbers as serde_json writes them. Re-indenting the file does not
//! change it; changing any key or value does.
//!
//! It detects edits, not forgery: whoever edits the file can recompute it.
//! The Markdown and HTML documents print it, so the copy pasted into a change
//! ticket pins the JSON down.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The top-level field that carries the digest.
pub const DIGEST_FIELD: &str = "report_sha256";

/// Writes `value` in canonical form.
pub fn canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            // Writing a scalar into a Vec cannot fail.
            serde_json::to_writer(&mut *out, value).unwrap_or_default();
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key).unwrap_or_default();
                out.push(b':');
                canonical(item, out);
            }
            out.push(b'}');
        }
    }
}

/// The digest of a document: lowercase hex SHA-256 of its canonical form
/// without the top-level [`DIGEST_FIELD`].
pub fn digest_of(document: &Value) -> String {
    let mut bytes = Vec::new();
    match document {
        Value::Object(map) if map.contains_key(DIGEST_FIELD) => {
            let mut map = map.clone();
            map.remove(DIGEST_FIELD);
            canonical(&Value::Object(map), &mut bytes);
        }
        other => canonical(other, &mut bytes),
    }
    hex(&Sha256::digest(&bytes))
}

/// The digest of anything that serializes to a JSON document.
pub fn digest_of_serializable(document: &impl Serialize) -> String {
    digest_of(&serde_json::to_value(document).unwrap_or(Value::Null))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a document still matches the digest it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integrity {
    /// The stored digest matches the contents.
    Verified { digest: String },
    /// The document carries no digest.
    Missing { computed: String },
    /// The contents changed after the digest was written.
    Mismatch { stored: String, computed: String },
}

impl Integrity {
    pub fn is_verified(&self) -> bool {
        matches!(self, Integrity::Verified { .. })
    }

    /// One word for reports: `verified`, `missing`, `mismatch`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Integrity::Verified { .. } => "verified",
            Integrity::Missing { .. } => "missing",
            Integrity::Mismatch { .. } => "mismatch",
        }
    }
}

impl std::fmt::Display for Integrity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Integrity::Verified { digest } => write!(f, "OK: the contents match sha256 {digest}"),
            Integrity::Missing { computed } => write!(
                f,
                "no `{DIGEST_FIELD}` field: nothing to verify (the contents hash to {computed})"
            ),
            Integrity::Mismatch { stored, computed } => write!(
                f,
                "MODIFIED: the file says sha256 {stored}, its contents hash to {computed}: it was edited after it was written"
            ),
        }
    }
}

/// Checks a parsed document against the digest it carries. The comparison is
/// exact (lowercase hex), so even a change of case in the digest is caught.
pub fn check(document: &Value) -> Integrity {
    let computed = digest_of(document);
    match document.get(DIGEST_FIELD) {
        None | Some(Value::Null) => Integrity::Missing { computed },
        Some(Value::String(stored)) if *stored == computed => {
            Integrity::Verified { digest: computed }
        }
        Some(Value::String(stored)) => Integrity::Mismatch {
            stored: stored.clone(),
            computed,
        },
        Some(other) => Integrity::Mismatch {
            stored: other.to_string(),
            computed,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_form_sorts_keys_and_drops_whitespace() {
        let mut out = Vec::new();
        canonical(
            &json!({"b": [1, {"z": null, "a": true}], "a": "x\"y", "é": 1.5}),
            &mut out,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":"x\"y","b":[1,{"a":true,"z":null}],"é":1.5}"#
        );
    }

    #[test]
    fn digest_ignores_key_order_and_the_digest_field() {
        let a = json!({"x": 1, "y": [2, 3]});
        let b = json!({"y": [2, 3], "x": 1, "report_sha256": "whatever"});
        assert_eq!(digest_of(&a), digest_of(&b));
        assert_ne!(digest_of(&a), digest_of(&json!({"x": 1, "y": [3, 2]})));
        // The empty object's SHA-256, computed independently (`printf '{}' | sha256sum`).
        assert_eq!(
            digest_of(&json!({})),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }

    #[test]
    fn check_reports_each_state() {
        let mut doc = json!({"a": 1});
        let digest = digest_of(&doc);
        assert!(matches!(check(&doc), Integrity::Missing { .. }));
        doc["report_sha256"] = json!(digest);
        assert!(check(&doc).is_verified());
        doc["a"] = json!(2);
        assert!(matches!(check(&doc), Integrity::Mismatch { .. }));
        doc["a"] = json!(1);
        doc["report_sha256"] = json!(digest.to_uppercase());
        assert_eq!(check(&doc).as_str(), "mismatch");
    }
}

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

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::canonical::{self, Tee, Top};

/// The top-level field that carries the digest.
pub const DIGEST_FIELD: &str = "report_sha256";

/// Writes `value` in canonical form (the reference: [`crate::canonical`]
/// writes the same bytes from any `Serialize`).
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
    // Written straight into the hash: no copy of the document to drop the field.
    digest_streaming(document, None)
}

/// The digest of anything that serializes to a JSON document (the same as
/// [`digest_of`] over its `serde_json::to_value`, without building that value).
pub fn digest_of_serializable(document: &impl Serialize) -> String {
    digest_streaming(document, None)
}

/// [`digest_of_serializable`], writing the top-level member `stream` (a
/// report's `results`) into the hash as it is serialized instead of
/// buffering it: memory stays at one element's canonical bytes.
pub fn digest_streaming(
    document: &(impl Serialize + ?Sized),
    stream: Option<&'static str>,
) -> String {
    let mut hash = HashWriter::default();
    let top = Top {
        skip: Some(DIGEST_FIELD),
        stream,
    };
    match canonical::write(document, &mut hash, top) {
        Ok(()) => hash.finish(),
        Err(e) if stream.is_some() && canonical::is_out_of_order(&e) => {
            digest_streaming(document, None)
        }
        // Only a hand-written `Serialize` can fail (a map with an object as
        // key); `to_value` failing made the digest that of `null`.
        Err(_) => digest_of(&Value::Null),
    }
}

/// Writes `document` as pretty JSON to `out` (buffered, flushed at the end)
/// with the digest of what was written as its last member, [`DIGEST_FIELD`]
/// (whatever that field held before), and returns the digest. One pass: the
/// canonical bytes are hashed while the pretty ones are written, `stream`
/// as in [`digest_streaming`].
pub fn write_sealed(
    document: &(impl Serialize + ?Sized),
    stream: Option<&'static str>,
    out: &mut impl Write,
) -> io::Result<String> {
    let mut out = io::BufWriter::with_capacity(64 * 1024, out);
    let mut pretty = serde_json::Serializer::pretty(&mut out);
    let mut hash = HashWriter::default();
    let mut digest = String::new();
    let tee = Tee {
        pretty: &mut pretty,
        canonical: &mut hash,
        top: Top {
            skip: Some(DIGEST_FIELD),
            stream,
        },
        seal: |streamed: Option<&mut HashWriter>| {
            digest = match streamed {
                Some(hash) => std::mem::take(hash).finish(),
                None => digest_streaming(document, None),
            };
            digest.clone()
        },
    };
    document.serialize(tee)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(digest)
}

/// An `io::Write` that hashes what it is given.
#[derive(Default)]
struct HashWriter(Sha256);

impl HashWriter {
    fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

impl Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
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

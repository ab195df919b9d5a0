//! Reading documents back: `report.json` for render, merge and diff, any
//! sealed document for verify. Files are untrusted input: the read is bounded,
//! every error names the file (with line and column for JSON errors) and says
//! what was expected, and nothing here panics.

use std::io::Read;
use std::path::Path;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::integrity::{self, Integrity};
use crate::merge::{self, Merged};
pub use crate::model::Loaded;
use crate::model::{Report, SCHEMA_VERSION, Summary};
use crate::verdict::Verdict;

/// Larger files are refused: a report of 100,000 checks is a few tens of MiB.
pub const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: larger than {limit} bytes: expected a preflight report")]
    TooLarge { file: String, limit: u64 },
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Content { file: String, message: String },
}

/// Reads a file into text, refusing anything over [`MAX_DOCUMENT_BYTES`] or not UTF-8.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let file = path.display().to_string();
    let io = |source| LoadError::Io {
        file: file.clone(),
        source,
    };
    let handle = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    handle
        .take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(LoadError::TooLarge {
            file,
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    String::from_utf8(bytes).map_err(|e| LoadError::Content {
        file,
        message: format!(
            "not UTF-8 text (invalid byte at offset {}): expected a JSON document",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// Parses any JSON document, with the error's line and column. A key twice
/// in one object is refused (`duplicate key`, at its line and column): JSON
/// readers disagree on which value wins, so a document carrying both could
/// show one to a reader and verify with the other.
pub fn parse_value(text: &str, file: &str) -> Result<Value, LoadError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = UniqueKeys
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| syntax(&e, file))?;
    Ok(value)
}

/// A JSON value whose objects may not repeat a key.
struct UniqueKeys;

/// The longest key quoted in an error, in characters.
const MAX_KEY_SHOWN: usize = 64;

impl<'de> DeserializeSeed<'de> for UniqueKeys {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(UniqueKeys)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                let shown: String = key.chars().take(MAX_KEY_SHOWN).collect();
                let more = if shown.len() < key.len() { "…" } else { "" };
                return Err(serde::de::Error::custom(format!(
                    "duplicate key `{shown}{more}` (a key may appear once per object; readers disagree on which value wins)"
                )));
            }
            let value = map.next_value_seed(UniqueKeys)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

fn syntax(e: &serde_json::Error, file: &str) -> LoadError {
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    let message = if e.is_eof() {
        format!("{message} (the file is truncated?)")
    } else {
        message
    };
    LoadError::Syntax {
        file: file.to_string(),
        line: e.line(),
        column: e.column(),
        message,
    }
}

/// The typed document, read from the value already parsed (no second parse
/// of the text); when its shape is wrong, the text is parsed again for the
/// error's line and column.
fn typed<T: serde::de::DeserializeOwned>(
    value: &Value,
    text: &str,
    file: &str,
) -> Result<T, LoadError> {
    T::deserialize(value).or_else(|_| serde_json::from_str(text).map_err(|e| syntax(&e, file)))
}

/// Reads and checks a `report.json`.
pub fn read_report(path: &Path) -> Result<Loaded, LoadError> {
    let text = read_text(path)?;
    parse_report(&text, &path.display().to_string())
}

/// Parses and checks a report: the schema version, the shape (with line and
/// column), and that the stored verdict and summary follow from the results.
pub fn parse_report(text: &str, file: &str) -> Result<Loaded, LoadError> {
    let value = parse_value(text, file)?;
    let content = |message: String| LoadError::Content {
        file: file.to_string(),
        message,
    };
    let Value::Object(map) = &value else {
        return Err(content(
            "expected a JSON object (a preflight report.json)".into(),
        ));
    };
    if let Some(kind) = map.get("kind").and_then(Value::as_str) {
        return Err(content(format!(
            "this is a `{kind}` document, expected a single data center's report.json"
        )));
    }
    match map.get("schema_version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(SCHEMA_VERSION) => {}
        Some(v) => {
            return Err(content(format!(
                "expected schema_version {SCHEMA_VERSION}, found {v}: written by another version of preflight"
            )));
        }
        None => {
            return Err(content(
                "no `schema_version`: expected a preflight report.json".into(),
            ));
        }
    }
    let report = typed::<Report>(&value, text, file)?;
    let recomputed = report.recomputed_verdict();
    if report.verdict != recomputed {
        return Err(content(format!(
            "the verdict says {} but the results make it {recomputed}: the file was edited or is corrupt",
            report.verdict
        )));
    }
    if report.summary != Summary::of(&report.results) {
        return Err(content(
            "the summary does not count the results: the file was edited or is corrupt".into(),
        ));
    }
    Ok(Loaded {
        file: file.to_string(),
        integrity: integrity::check(&value),
        report,
    })
}

/// A merged document read from disk, with whether it still matches its digest.
#[derive(Debug, Clone)]
pub struct LoadedMerge {
    pub file: String,
    pub merged: Merged,
    pub integrity: Integrity,
}

/// Either kind of document preflight writes.
#[derive(Debug, Clone)]
pub enum Document {
    Report(Loaded),
    Merged(LoadedMerge),
}

/// Reads a report.json or a merge.json, telling them apart by `kind`.
pub fn read_document(path: &Path) -> Result<Document, LoadError> {
    let text = read_text(path)?;
    let file = path.display().to_string();
    let value = parse_value(&text, &file)?;
    match value.get("kind").and_then(Value::as_str) {
        Some(merge::KIND) => parse_merged(&text, &file).map(Document::Merged),
        _ => parse_report(&text, &file).map(Document::Report),
    }
}

/// Parses and checks a merged document: kind, schema version, shape, and
/// that the verdicts follow from the runs it embeds.
pub fn parse_merged(text: &str, file: &str) -> Result<LoadedMerge, LoadError> {
    let value = parse_value(text, file)?;
    let content = |message: String| LoadError::Content {
        file: file.to_string(),
        message,
    };
    match value.get("schema_version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(merge::MERGE_SCHEMA_VERSION) => {}
        other => {
            return Err(content(format!(
                "expected a merged document with schema_version {}, found {}",
                merge::MERGE_SCHEMA_VERSION,
                other.map_or("none".to_string(), |v| v.to_string())
            )));
        }
    }
    let merged = typed::<Merged>(&value, text, file)?;
    for dc in &merged.datacenters {
        let expected = Verdict::of_parts(
            merged
                .runs
                .iter()
                .filter(|r| r.datacenter == dc.name)
                .map(Report::recomputed_verdict),
        );
        if dc.verdict != expected {
            return Err(content(format!(
                "data center {} says {} but its runs make it {expected}: the file was edited or is corrupt",
                dc.name, dc.verdict
            )));
        }
    }
    let expected = Verdict::of_parts(merged.datacenters.iter().map(|d| d.verdict));
    if merged.verdict != expected {
        return Err(content(format!(
            "the verdict says {} but the data centers make it {expected}: the file was edited or is corrupt",
            merged.verdict
        )));
    }
    Ok(LoadedMerge {
        file: file.to_string(),
        integrity: integrity::check(&value),
        merged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_name_file_line_and_column() {
        let err = parse_report("{\n  \"schema_version\": 1,\n  oops\n}", "r.json").unwrap_err();
        assert_eq!(
            err.to_string(),
            "r.json:3:3: key must be a string",
            "{err:?}"
        );
        let err = parse_report("{\"schema_version\": 1,", "r.json").unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
    }

    #[test]
    fn a_key_twice_in_one_object_is_refused_with_its_name_and_line() {
        let text = "{\n  \"schema_version\": 1,\n  \"results\": [{\"reason\": \"open\",\n    \"reason\": \"filtered\"}]\n}";
        let err = parse_report(text, "r.json").unwrap_err().to_string();
        assert!(
            err.starts_with("r.json:4:") && err.contains("duplicate key `reason`"),
            "{err}"
        );
        let err = parse_value("{\"verdict\": \"GO\", \"verdict\": \"NO-GO\"}", "m.json")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("m.json:1:") && err.contains("`verdict`"),
            "{err}"
        );
        // The same key in two objects is fine; so are nesting and every scalar.
        let value = parse_value(
            "{\"a\": {\"k\": 1}, \"b\": {\"k\": [true, null, -2, 1.5, \"s\"]}}",
            "ok.json",
        )
        .unwrap();
        assert_eq!(
            value,
            serde_json::json!({"a": {"k": 1}, "b": {"k": [true, null, -2, 1.5, "s"]}})
        );
        let long = "k".repeat(100);
        let err = parse_value(&format!("{{\"{long}\": 1, \"{long}\": 2}}"), "l.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("`{}…`", "k".repeat(64))), "{err}");
        assert!(parse_value("{} trailing", "t.json").is_err());
    }

    #[test]
    fn wrong_shapes_say_what_was_expected() {
        for (text, needle) in [
            ("[]", "expected a JSON object"),
            (
                "{\"schema_version\": 9}",
                "expected schema_version 1, found 9",
            ),
            ("{}", "no `schema_version`"),
            ("{\"kind\": \"merge\"}", "this is a `merge` document"),
            (
                "{\"schema_version\": 1, \"tool\": 5}",
                "r.json:1:31: invalid type: integer `5`",
            ),
        ] {
            let err = parse_report(text, "r.json").unwrap_err().to_string();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }
}

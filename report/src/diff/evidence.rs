//! Field-by-field comparison of two evidence values, without volatile fields.
//!
//! Evidence is flattened to `path → value` leaves: object keys join with `.`,
//! arrays of objects are keyed by an identifying field when they have one, so
//! that order does not matter, and a flat element reads as one line
//! (`addresses[203.0.113.10:443]: state=open`, `resolvers[192.0.2.53]:
//! outcome=answer; addresses=192.0.2.7`); arrays of plain values compare as sets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::evidence::scalar;

/// One evidence field that differs; `None` where it is absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// Fields that change from run to run without meaning anything: timings,
/// TTLs counting down, days left before expiry, clock readings.
pub fn is_volatile(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["_ms", "_us", "_ns", "_s", "_at"]
        .iter()
        .any(|suffix| k.ends_with(suffix))
        || k.contains("skew")
        || [
            "elapsed",
            "duration",
            "ttl",
            "days_left",
            "days_remaining",
            "date",
            "server_date",
            "timestamp",
            "time",
        ]
        .contains(&k.as_str())
}

/// Fields that name an array element, in order of preference.
const IDENTITY_KEYS: [&str; 9] = [
    "address", "resolver", "id", "name", "url", "subject", "host", "pool", "kind",
];

/// The differences from `before` to `after`, sorted by path.
pub fn compare(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut b = BTreeMap::new();
    let mut a = BTreeMap::new();
    flatten(before, String::new(), &mut b);
    flatten(after, String::new(), &mut a);
    let mut changes = Vec::new();
    for (path, bv) in &b {
        match a.get(path) {
            Some(av) if av == bv => {}
            other => changes.push(FieldChange {
                path: path.clone(),
                before: Some(bv.clone()),
                after: other.cloned(),
            }),
        }
    }
    for (path, av) in &a {
        if !b.contains_key(path) {
            changes.push(FieldChange {
                path: path.clone(),
                before: None,
                after: Some(av.clone()),
            });
        }
    }
    changes.sort_by(|x, y| x.path.cmp(&y.path));
    changes
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn flatten(value: &Value, path: String, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Null if path.is_empty() => {}
        Value::Object(map) => {
            for (k, v) in map {
                if !is_volatile(k) {
                    flatten(v, join(&path, k), out);
                }
            }
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            for (i, item) in items.iter().enumerate() {
                let identity = IDENTITY_KEYS.iter().copied().find(|k| {
                    item.get(*k)
                        .is_some_and(|v| !v.is_object() && !v.is_array())
                });
                let name = identity
                    .and_then(|k| item.get(k))
                    .map(scalar)
                    .unwrap_or_else(|| i.to_string());
                let n = seen.entry(name.clone()).or_insert(0);
                *n += 1;
                let name = if *n > 1 { format!("{name}#{n}") } else { name };
                let element = format!("{path}[{name}]");
                match (identity, one_line(item, identity)) {
                    // A flat element reads best as one line: `state=open`.
                    (Some(_), Some(line)) => {
                        out.insert(element, line);
                    }
                    _ => flatten(item, element, out),
                }
            }
        }
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            let mut values: Vec<String> = items.iter().map(scalar).collect();
            values.sort();
            let label = if values.is_empty() {
                "(none)".to_string()
            } else {
                values.join(", ")
            };
            out.insert(path_or_root(path), label);
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(item, format!("{path}[{i}]"), out);
            }
        }
        other => {
            out.insert(path_or_root(path), scalar(other));
        }
    }
}

/// A flat object (plain values and arrays of them) as `key=value; …`, without
/// its identity field and volatile fields; `None` when it nests deeper.
fn one_line(item: &Value, identity: Option<&str>) -> Option<String> {
    let map = item.as_object()?;
    let mut parts = Vec::new();
    for (k, v) in map {
        if Some(k.as_str()) == identity || is_volatile(k) {
            continue;
        }
        match v {
            Value::Object(_) => return None,
            Value::Array(items) if items.iter().any(|x| x.is_object() || x.is_array()) => {
                return None;
            }
            Value::Array(items) => {
                let mut values: Vec<String> = items.iter().map(scalar).collect();
                values.sort();
                let joined = if values.is_empty() {
                    "(none)".to_string()
                } else {
                    values.join(", ")
                };
                parts.push(format!("{k}={joined}"));
            }
            Value::Null => {}
            other => parts.push(format!("{k}={}", scalar(other))),
        }
    }
    Some(if parts.is_empty() {
        "present".into()
    } else {
        parts.join("; ")
    })
}

fn path_or_root(path: String) -> String {
    if path.is_empty() {
        "(evidence)".into()
    } else {
        path
    }
}

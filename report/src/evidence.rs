//! A readable view of any evidence JSON, shared by the Markdown and HTML
//! renderers.
//!
//! Evidence is family-specific JSON, so nothing here knows a family: scalars
//! become facts (`resolver: system`), arrays of objects become tables (TCP
//! `addresses` with their states, DNS answers per resolver, a certificate
//! chain), nested objects become titled sections, text of several lines (a
//! script a family wrote) a preformatted block. A new family's evidence
//! shows up readably without changes here. Keys keep the order the family
//! wrote them in.

use serde_json::Value;

/// Below this depth, nested values are shown as compact JSON.
const MAX_DEPTH: usize = 6;

/// How a value reads: good, bad or neither. Only values under keys that name
/// an outcome (`state`, `status`, `outcome`, …) get a tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Neutral,
    Good,
    Bad,
}

/// One labelled value.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub label: String,
    pub value: String,
    pub tone: Tone,
}

/// One table cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
}

/// A piece of the evidence view.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Labelled scalar values, in order.
    Facts(Vec<Fact>),
    /// An array of objects: one row each, columns the union of their keys.
    Table {
        title: String,
        columns: Vec<String>,
        rows: Vec<Vec<Cell>>,
    },
    /// A nested object.
    Section { title: String, blocks: Vec<Block> },
    /// A bare value (evidence that is not an object).
    Text(String),
    /// Text of several lines under a key (a script), shown as it is.
    Code { title: String, text: String },
}

/// The view of one result's evidence; empty for `null` or `{}`.
pub fn view(evidence: &Value) -> Vec<Block> {
    blocks(evidence, 0)
}

fn blocks(value: &Value, depth: usize) -> Vec<Block> {
    match value {
        Value::Null => Vec::new(),
        Value::Array(items) if items.is_empty() => Vec::new(),
        Value::Array(items) if depth < MAX_DEPTH && items.iter().all(Value::is_object) => {
            vec![table(String::new(), items)]
        }
        Value::Object(map) if depth < MAX_DEPTH => {
            let mut facts = Vec::new();
            let mut rest = Vec::new();
            for (key, item) in map {
                match item {
                    Value::Null => {}
                    Value::Array(items)
                        if !items.is_empty() && items.iter().all(Value::is_object) =>
                    {
                        rest.push(table(label(key), items));
                    }
                    Value::Object(inner) if !inner.is_empty() => rest.push(Block::Section {
                        title: label(key),
                        blocks: blocks(item, depth + 1),
                    }),
                    Value::String(text) if text.trim_end().contains('\n') => {
                        rest.push(Block::Code {
                            title: label(key),
                            text: text.clone(),
                        });
                    }
                    _ => facts.push(Fact {
                        label: label(key),
                        value: scalar(item),
                        tone: tone(key, item),
                    }),
                }
            }
            let mut out = Vec::new();
            if !facts.is_empty() {
                out.push(Block::Facts(facts));
            }
            out.extend(rest);
            out
        }
        Value::Object(map) if map.is_empty() => Vec::new(),
        other => vec![Block::Text(scalar(other))],
    }
}

fn table(title: String, items: &[Value]) -> Block {
    let mut keys: Vec<&String> = Vec::new();
    for item in items {
        if let Value::Object(map) = item {
            for key in map.keys() {
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
    }
    let rows = items
        .iter()
        .map(|item| {
            keys.iter()
                .map(|key| match item.get(key.as_str()) {
                    None | Some(Value::Null) => Cell {
                        text: String::new(),
                        tone: Tone::Neutral,
                    },
                    Some(v) => Cell {
                        text: scalar(v),
                        tone: tone(key, v),
                    },
                })
                .collect()
        })
        .collect();
    Block::Table {
        title,
        columns: keys.iter().map(|k| label(k)).collect(),
        rows,
    }
}

/// `connect_ms` → `connect ms`: the JSON key, readable.
pub fn label(key: &str) -> String {
    key.replace('_', " ")
}

/// A value as one line of text: strings bare, arrays of scalars joined with
/// `, `, anything deeper as compact JSON.
pub fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(items) if items.is_empty() => "(none)".into(),
        Value::Array(items) if items.iter().all(|v| !v.is_array() && !v.is_object()) => {
            items.iter().map(scalar).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

/// Keys whose value says how something went.
const OUTCOME_KEYS: [&str; 7] = [
    "state", "status", "outcome", "result", "verdict", "halibut", "match",
];

fn tone(key: &str, value: &Value) -> Tone {
    if !OUTCOME_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
        return Tone::Neutral;
    }
    match value {
        Value::Bool(true) => Tone::Good,
        Value::Bool(false) => Tone::Bad,
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "open" | "pass" | "answer" | "ok" | "success" | "server" | "tentacle" | "go" => {
                Tone::Good
            }
            "filtered" | "refused" | "unreachable" | "error" | "fail" | "failed" | "nxdomain"
            | "nodata" | "servfail" | "timeout" | "dns-failed" | "mismatch" | "none" | "no-go" => {
                Tone::Bad
            }
            _ => Tone::Neutral,
        },
        _ => Tone::Neutral,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tcp_evidence_reads_as_facts_and_an_address_table() {
        let v = json!({
            "resolver": "system",
            "addresses": [
                {"address": "192.0.2.10:443", "state": "open", "connect_ms": 3},
                {"address": "[2001:db8::10]:443", "state": "filtered", "connect_ms": 3000, "error": "timed out"}
            ]
        });
        let blocks = view(&v);
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            blocks[0],
            Block::Facts(vec![Fact {
                label: "resolver".into(),
                value: "system".into(),
                tone: Tone::Neutral
            }])
        );
        let Block::Table {
            title,
            columns,
            rows,
        } = &blocks[1]
        else {
            panic!("expected a table: {blocks:?}");
        };
        assert_eq!(title, "addresses");
        assert_eq!(columns, &["address", "state", "connect ms", "error"]);
        assert_eq!(rows[0][1].tone, Tone::Good);
        assert_eq!(rows[1][1].tone, Tone::Bad);
        assert_eq!(rows[0][3].text, "", "a missing key is an empty cell");
    }

    #[test]
    fn unknown_shapes_still_render() {
        let v = json!({
            "chain": [{"subject": "CN=Octopus Portal", "names": ["a", "b"], "ext": {"x": 1}}],
            "tls": {"version": "TLSv1.3", "alpn": []},
            "halibut": "server",
            "nothing": null
        });
        let blocks = view(&v);
        assert!(matches!(&blocks[0], Block::Facts(f) if f[0].tone == Tone::Good));
        let Block::Table { rows, .. } = &blocks[1] else {
            panic!("{blocks:?}")
        };
        assert_eq!(rows[0][1].text, "a, b");
        assert_eq!(rows[0][2].text, r#"{"x":1}"#);
        assert!(matches!(&blocks[2], Block::Section { title, .. } if title == "tls"));
        assert_eq!(
            view(&json!("just text")),
            vec![Block::Text("just text".into())]
        );
        assert!(view(&json!(null)).is_empty());
    }

    #[test]
    fn text_of_several_lines_is_a_block_of_its_own() {
        let v = json!({ "note": "one line\n", "clone_sh": "#!/bin/sh\necho hi\n" });
        assert_eq!(
            view(&v),
            vec![
                Block::Facts(vec![Fact {
                    label: "note".into(),
                    value: "one line\n".into(),
                    tone: Tone::Neutral
                }]),
                Block::Code {
                    title: "clone sh".into(),
                    text: "#!/bin/sh\necho hi\n".into()
                }
            ]
        );
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut v = json!(1);
        for _ in 0..100 {
            v = json!({ "k": v });
        }
        let mut depth = 0;
        let mut blocks = view(&v);
        while let Some(Block::Section { blocks: inner, .. }) = blocks.first().cloned() {
            depth += 1;
            blocks = inner;
        }
        assert!(depth <= MAX_DEPTH, "{depth}");
    }
}

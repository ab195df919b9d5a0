//! The canonical serializer writes the bytes of the reference
//! (`integrity::canonical` over `serde_json::to_value`) for every shape
//! serde has, streams without changing them, and the tee writes what
//! `to_writer_pretty` wrote.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};

use super::*;
use crate::integrity::{self, DIGEST_FIELD};
use crate::model::{
    CheckId, CheckResult, Family, Migration, Report, Severity, Status, Tool, Waiver,
};

/// The reference bytes: the value tree, then `integrity::canonical`.
fn reference(value: &impl Serialize) -> String {
    let mut out = Vec::new();
    integrity::canonical(&serde_json::to_value(value).unwrap(), &mut out);
    String::from_utf8(out).unwrap()
}

fn streamed(value: &impl Serialize, top: Top) -> Result<String, Error> {
    let mut out = Vec::new();
    write(value, &mut out, top)?;
    Ok(String::from_utf8(out).unwrap())
}

fn direct(value: &impl Serialize) -> String {
    streamed(value, Top::default()).unwrap()
}

#[derive(Serialize)]
enum Shape {
    Unit,
    Newtype(u8),
    Tuple(i8, String),
    Struct { z: bool, a: Option<f32> },
}

#[derive(Serialize)]
struct Inner {
    flag: bool,
}

#[derive(Serialize)]
struct Everything {
    zeta: u64,
    alpha: i64,
    small: f32,
    big: f64,
    not_a_number: f64,
    huge: u128,
    negative: i128,
    letter: char,
    text: &'static str,
    #[serde(with = "bytes")]
    raw: Vec<u8>,
    none: Option<u8>,
    unit: (),
    pair: (u8, &'static str),
    shapes: Vec<Shape>,
    numbered: BTreeMap<u32, &'static str>,
    #[serde(flatten)]
    inner: Inner,
    nested: Value,
}

mod bytes {
    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }
}

fn everything() -> Everything {
    Everything {
        zeta: u64::MAX,
        alpha: i64::MIN,
        small: 0.1,
        big: 0.1 + 0.2,
        not_a_number: f64::NAN,
        huge: u128::from(u64::MAX),
        negative: -5,
        letter: 'é',
        text: "tab\tquote\"back\\slash\u{1}\u{7f}é😀",
        raw: vec![0, 255],
        none: None,
        unit: (),
        pair: (1, "x"),
        shapes: vec![
            Shape::Unit,
            Shape::Newtype(7),
            Shape::Tuple(-1, "t".into()),
            Shape::Struct {
                z: true,
                a: Some(1.5),
            },
        ],
        numbered: [(10, "ten"), (9, "nine")].into_iter().collect(),
        inner: Inner { flag: false },
        nested: json!({"b": [1, {"z": null, "a": true}], "a": "x", "é": 1.5, "\u{ff61}": 1, "😀": 2}),
    }
}

#[test]
fn every_serde_shape_writes_the_reference_bytes() {
    let value = everything();
    assert_eq!(direct(&value), reference(&value));
    // Spot checks of what the reference does, so a change to both is seen.
    let text = direct(&value);
    assert!(text.contains(r#""small":0.10000000149011612"#), "{text}");
    assert!(text.contains(r#""not_a_number":null"#), "{text}");
    assert!(
        text.contains(r#""numbered":{"10":"ten","9":"nine"}"#),
        "{text}"
    );
    assert!(text.contains(r#"{"Struct":{"a":1.5,"z":true}}"#), "{text}");
    // UTF-16 order: U+FF61 sorts after U+1F600's surrogates (0xD83D).
    assert!(text.contains(r#""é":1.5,"😀":2,"｡":1}"#), "{text}");
}

#[test]
fn a_repeated_key_keeps_its_last_value_as_a_value_map_does() {
    #[derive(Serialize)]
    struct Twice {
        a: u8,
        #[serde(flatten)]
        more: BTreeMap<&'static str, u8>,
    }
    let twice = Twice {
        a: 1,
        more: [("a", 2), ("b", 3)].into_iter().collect(),
    };
    assert_eq!(direct(&twice), reference(&twice));
    assert_eq!(direct(&twice), r#"{"a":2,"b":3}"#);
}

#[test]
fn numbers_out_of_range_fail_as_to_value_does() {
    assert!(serde_json::to_value(u128::MAX).is_err());
    assert!(streamed(&u128::MAX, Top::default()).is_err());
    assert!(streamed(&i128::MIN, Top::default()).is_err());
}

fn result(i: usize) -> CheckResult {
    CheckResult {
        id: CheckId::new(format!("dc.east.tcp.t{i}")),
        family: Family::Tcp,
        title: format!("TCP reach 192.0.2.{i}:443"),
        target: format!("192.0.2.{i}:443"),
        severity: Severity::Blocker,
        status: if i.is_multiple_of(2) {
            Status::Pass
        } else {
            Status::Waived
        },
        reason: "open".into(),
        remediation: i.is_multiple_of(3).then(|| "open the firewall".into()),
        evidence: json!({"addresses": [{"address": format!("192.0.2.{i}:443"), "state": "open", "connect_ms": i}], "resolver": "literal"}).into(),
        elapsed_ms: i as u64,
        waiver: (!i.is_multiple_of(2)).then(|| Waiver {
            reason: "later".into(),
            ticket: "CHG-1".into(),
            original_status: Status::Fail,
        }),
    }
}

fn report(results: usize, full: bool) -> Report {
    let mut r = Report::new(
        Tool {
            name: "preflight".into(),
            version: "0.1.0".into(),
        },
        full.then(|| Migration {
            name: "move".into(),
            ticket: Some("CHG-9".into()),
        }),
        "host-1".into(),
        "east".into(),
        full.then(|| "ops".into()),
        "2026-01-01T00:00:00Z".into(),
        "2026-01-01T00:00:02Z".into(),
        "ab".repeat(32),
        (0..results).map(result).collect(),
    );
    r.report_sha256 = Some("stale".into());
    r
}

/// The digest as it was computed before streaming: the value tree without the field.
fn old_digest(document: &impl Serialize) -> String {
    let mut value = serde_json::to_value(document).unwrap();
    value.as_object_mut().unwrap().remove(DIGEST_FIELD);
    integrity::digest_of(&value)
}

#[test]
fn a_report_streams_its_results_and_digests_as_before() {
    for (results, full) in [(0, false), (1, true), (7, true), (7, false)] {
        let r = report(results, full);
        let top = Top {
            skip: Some(DIGEST_FIELD),
            stream: Some("results"),
        };
        // The streamed write succeeds (no fallback) and is byte for byte the reference.
        let mut without = serde_json::to_value(&r).unwrap();
        without.as_object_mut().unwrap().remove(DIGEST_FIELD);
        assert_eq!(streamed(&r, top).unwrap(), reference(&without));
        assert_eq!(r.digest(), old_digest(&r), "{results} results, full {full}");
    }
}

#[test]
fn a_merged_document_streams_its_runs_and_digests_as_before() {
    let inputs: Vec<crate::model::Loaded> = ["east", "west"]
        .iter()
        .map(|dc| {
            let mut r = report(3, true);
            r.datacenter = dc.to_string();
            r.seal();
            crate::model::Loaded {
                file: format!("{dc}.json"),
                integrity: crate::integrity::Integrity::Missing {
                    computed: String::new(),
                },
                report: r,
            }
        })
        .collect();
    let merged = crate::merge::merge(
        &inputs,
        Tool {
            name: "preflight".into(),
            version: "0".into(),
        },
        false,
    )
    .unwrap();
    let top = Top {
        skip: Some(DIGEST_FIELD),
        stream: Some("runs"),
    };
    assert!(
        streamed(&merged, top).is_ok(),
        "the runs stream without a fallback"
    );
    assert_eq!(merged.digest(), old_digest(&merged));
    // The runs keep their own `report_sha256`: only the top level's is left out.
    assert!(
        streamed(&merged, top)
            .unwrap()
            .contains(r#""report_sha256":""#)
    );
}

#[test]
fn a_member_sorting_before_the_streamed_one_after_it_falls_back() {
    #[derive(Serialize)]
    struct Late {
        m: Vec<u8>,
        a: u8,
    }
    let late = Late {
        m: vec![1, 2],
        a: 3,
    };
    let top = Top {
        skip: None,
        stream: Some("m"),
    };
    let err = streamed(&late, top).unwrap_err();
    assert!(is_out_of_order(&err), "{err}");
    assert_eq!(
        integrity::digest_streaming(&late, Some("m")),
        integrity::digest_of(&serde_json::to_value(&late).unwrap())
    );
}

#[test]
fn write_sealed_writes_what_to_writer_pretty_wrote_with_the_digest_last() {
    for (results, full) in [(0, false), (5, true)] {
        let r = report(results, full);
        let mut written = Vec::new();
        let digest = integrity::write_sealed(&r, Some("results"), &mut written).unwrap();
        let mut sealed = r.clone();
        sealed.report_sha256 = Some(old_digest(&r));
        let mut expected = serde_json::to_vec_pretty(&sealed).unwrap();
        expected.push(b'\n');
        assert_eq!(
            String::from_utf8(written).unwrap(),
            String::from_utf8(expected).unwrap()
        );
        assert_eq!(Some(digest), sealed.report_sha256);
    }
}

/// Any JSON value: nested arrays and objects, unicode keys, every number kind.
fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("\\PC{0,4}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_value_writes_the_reference_bytes(value in any_value()) {
        prop_assert_eq!(direct(&value), reference(&value));
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

    /// The byte-wise shortcut orders keys exactly as UTF-16 code units do
    /// (RFC 8785), whatever characters they hold.
    #[test]
    fn key_order_is_utf16_order(
        a in "(\\PC|[a-z_]|\u{FF61}|\u{1F600}|\u{E000}|\u{10000}){0,6}",
        b in "(\\PC|[a-z_]|\u{FF61}|\u{1F600}|\u{E000}|\u{10000}){0,6}",
        prefix in "[a-z\u{FF61}\u{1F600}]{0,3}",
    ) {
        for (x, y) in [(a.clone(), b.clone()), (format!("{prefix}{a}"), format!("{prefix}{b}"))] {
            proptest::prop_assert_eq!(
                crate::canonical::key_order(&x, &y),
                x.encode_utf16().cmp(y.encode_utf16()),
                "{:?} {:?}", x, y
            );
        }
    }
}

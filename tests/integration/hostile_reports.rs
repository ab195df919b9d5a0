//! Report files are untrusted input: a report.json someone else wrote must
//! not panic a `report` command, nor reach the terminal with an escape
//! sequence in it (issue 18).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{run, stderr, stdout};

/// Clears the screen, sets the window title, turns text red (C1 CSI) and
/// starts a forged line.
const HOSTILE: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31mINJECTED\r\nGO\u{202e}";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "preflight-hostile-reports-{}-{name}",
        std::process::id()
    ));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/reports")
        .join(name)
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Appends [`HOSTILE`] to every string of `value`.
fn poison(value: &mut Value) {
    match value {
        Value::String(s) => s.push_str(HOSTILE),
        Value::Array(items) => items.iter_mut().for_each(poison),
        Value::Object(map) => map.values_mut().for_each(poison),
        _ => {}
    }
}

/// Writes `value` sealed with its own digest, as a real (if hostile) report.
fn write_sealed(path: &Path, mut value: Value) {
    value["report_sha256"] = Value::String(report::integrity::digest_of(&value));
    std::fs::write(path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
}

/// West's NO-GO report with the escape sequences in its host, and in every
/// check's title, id, target, reason, remediation and evidence string.
fn hostile_report(dir: &Path) -> PathBuf {
    let mut value = read(&fixture("west-no-go.json"));
    poison(&mut value["host"]);
    for r in value["results"].as_array_mut().unwrap() {
        for field in ["title", "id", "target", "reason", "remediation", "evidence"] {
            if let Some(v) = r.get_mut(field) {
                poison(v);
            }
        }
    }
    let path = dir.join("hostile.json");
    write_sealed(&path, value);
    path
}

fn assert_no_escape(what: &str, out: &std::process::Output) {
    for (stream, text) in [("stdout", stdout(out)), ("stderr", stderr(out))] {
        for bad in ['\u{1b}', '\u{9b}', '\u{7}', '\r', '\u{202e}'] {
            assert!(
                !text.contains(bad),
                "{what}: {bad:?} reached {stream}:\n{text}"
            );
        }
    }
    assert_ne!(out.status.code(), Some(101), "{what} panicked");
}

#[test]
fn hostile_strings_reach_no_terminal_output_of_render_merge_diff_verify_or_an_error() {
    let dir = temp_dir("escapes");
    let hostile = hostile_report(&dir);
    let h = arg(&hostile);

    let out = run(&["report", "render", h, "--format", "table"]);
    assert_no_escape("render --format table", &out);
    assert!(stdout(&out).contains("INJECTED"), "{}", stdout(&out));

    let east = fixture("east-go.json");
    let out = run(&["report", "merge", arg(&east), h]);
    assert_no_escape("merge", &out);
    assert!(stdout(&out).contains("INJECTED"), "{}", stdout(&out));

    let out = run(&["report", "diff", arg(&fixture("west-after.json")), h]);
    assert_no_escape("diff", &out);
    assert!(stdout(&out).contains("INJECTED"), "{}", stdout(&out));

    // A stored digest that is an escape sequence: verify and render quote it.
    let mut edited = read(&hostile);
    edited["report_sha256"] = Value::String(HOSTILE.into());
    let edited_path = dir.join("edited.json");
    std::fs::write(&edited_path, edited.to_string()).unwrap();
    let out = run(&["report", "verify", arg(&edited_path)]);
    assert_no_escape("verify", &out);
    assert!(stdout(&out).contains("MODIFIED"), "{}", stdout(&out));
    let out = run(&["report", "render", arg(&edited_path), "--format", "table"]);
    assert_no_escape("render of an edited report", &out);
    assert!(stderr(&out).contains("INJECTED"), "{}", stderr(&out));

    // An error quoting the file: the binary's one error line.
    let kind = dir.join("kind.json");
    std::fs::write(&kind, serde_json::json!({ "kind": HOSTILE }).to_string()).unwrap();
    let out = run(&["report", "render", arg(&kind)]);
    assert_no_escape("an error", &out);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("INJECTED"), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn merge_of_a_report_with_a_multi_byte_plan_digest_exits_2_with_the_files_named() {
    let dir = temp_dir("multibyte");
    let mut value = read(&fixture("west-no-go.json"));
    value["plan_sha256"] = Value::String(format!("a{}", "€".repeat(40)));
    let west = dir.join("west.json");
    write_sealed(&west, value);
    let east = fixture("east-go.json");
    let out = run(&["report", "merge", arg(&east), arg(&west)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("different plans")
            && err.contains(&format!("a{} in {}", "€".repeat(11), arg(&west))),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

//! `preflight report …` and the documents `--out` writes, end to end.

use std::path::{Path, PathBuf};

use crate::support::{run, stderr, stdout};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("preflight-report-{}-{name}", std::process::id()));
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

#[test]
fn demo_writes_four_documents_per_data_center_and_they_verify() {
    let dir = temp_dir("demo");
    let out = run(&["demo", "--out", arg(&dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    for dc in ["east", "west"] {
        for file in [
            "report.json",
            "report.md",
            "report.html",
            "report.junit.xml",
        ] {
            let path = dir.join(dc).join(file);
            assert!(path.is_file(), "{} missing", path.display());
        }
        let out = run(&["report", "verify", arg(&dir.join(dc).join("report.json"))]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        assert!(stdout(&out).contains(": OK: the contents match sha256"));
    }
    let html = std::fs::read_to_string(dir.join("west/report.html")).unwrap();
    assert!(
        html.contains("<header class=\"banner nogo\">"),
        "the verdict banner comes first"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("west/report.json")).unwrap())
            .unwrap();
    let digest = json["report_sha256"].as_str().unwrap();
    assert!(
        html.contains(digest),
        "the HTML shows the digest of the JSON"
    );
    let md = std::fs::read_to_string(dir.join("west/report.md")).unwrap();
    assert!(md.starts_with("# NO-GO: data center west"), "{md}");
    assert!(
        md.contains(&format!("| Report SHA-256 | `{digest}` |")),
        "{md}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn verify_detects_a_one_character_edit_and_names_bad_json_by_line_and_column() {
    let dir = temp_dir("verify");
    let original = std::fs::read_to_string(fixture("west-no-go.json")).unwrap();
    let good = dir.join("good.json");
    std::fs::write(&good, &original).unwrap();
    let out = run(&["report", "verify", arg(&good)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // 3000 ms → 3001 ms in the polling evidence: still valid JSON, one character.
    let edited = dir.join("edited.json");
    let text = original.replacen("\"connect_ms\": 3000", "\"connect_ms\": 3001", 1);
    assert_ne!(text, original);
    std::fs::write(&edited, text).unwrap();
    let out = run(&["report", "verify", arg(&good), arg(&edited)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("edited.json: MODIFIED"),
        "{}",
        stdout(&out)
    );

    let broken = dir.join("broken.json");
    std::fs::write(
        &broken,
        "{\n  \"schema_version\": 1,\n  \"tool\": {\"name\" \"x\"}\n}\n",
    )
    .unwrap();
    for args in [
        vec!["report", "verify", arg(&broken)],
        vec!["report", "render", arg(&broken)],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains(&format!("{}:3:19: expected `:`", broken.display())),
            "{}",
            stderr(&out)
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn render_writes_each_format_and_warns_about_an_edited_report() {
    let file = fixture("west-no-go.json");
    for (format, needle) in [
        ("md", "# NO-GO: data center west"),
        ("html", "<div class=\"verdict\">NO-GO</div>"),
        ("junit", "<testsuites name=\"preflight west\" tests=\"8\""),
        ("table", "west: NO-GO — 3 blockers did not pass"),
    ] {
        let out = run(&["report", "render", arg(&file), "--format", format]);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert!(stdout(&out).contains(needle), "{format}: {}", stdout(&out));
        assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    }
    let dir = temp_dir("render");
    let edited = dir.join("report.json");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replacen("alice", "mallory", 1);
    std::fs::write(&edited, text).unwrap();
    let out = run(&["report", "render", arg(&edited)]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("warning:") && stderr(&out).contains("MODIFIED"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(&dir).ok();
}

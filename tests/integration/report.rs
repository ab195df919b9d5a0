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
fn demo_writes_five_documents_per_data_center_and_they_verify() {
    let dir = temp_dir("demo");
    let out = run(&["demo", "--out", arg(&dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    for dc in ["east", "west"] {
        for file in [
            "report.json",
            "report.md",
            "report.html",
            "report.junit.xml",
            "rules.csv",
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

#[test]
fn merge_of_a_go_and_a_no_go_data_center_prints_the_matrix_and_exits_1() {
    let dir = temp_dir("merge");
    let east = fixture("east-go.json");
    let west = fixture("west-no-go.json");
    let out = run(&[
        "report",
        "merge",
        arg(&east),
        arg(&west),
        "--out",
        arg(&dir),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("│ tcp.new-server-polling     ┆ blocker  ┆ PASS ┆ FAIL"),
        "{text}"
    );
    assert!(
        text.contains("east: GO (jump01.east.example.com)"),
        "{text}"
    );
    assert!(
        text.contains("west: NO-GO (jump01.west.example.com) — blocked by"),
        "{text}"
    );
    assert!(
        text.contains("overall: NO-GO across 2 data center(s)"),
        "{text}"
    );
    for file in [
        "merge.json",
        "merge.md",
        "merge.html",
        "merge.junit.xml",
        "rules.csv",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let out = run(&["report", "verify", arg(&dir.join("merge.json"))]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = run(&[
        "report",
        "render",
        arg(&dir.join("merge.json")),
        "--format",
        "md",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("# NO-GO: 2 data centers"));

    let out = run(&["report", "merge", arg(&east)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "one GO data center merges to GO"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn merge_refuses_reports_of_different_plans_unless_allowed() {
    let dir = temp_dir("mixed");
    let mut other = report::load::read_report(&fixture("east-go.json"))
        .unwrap()
        .report;
    other.plan_sha256 = "0".repeat(64);
    let mut json = Vec::new();
    other.write_json(&mut json).unwrap();
    let other_path = dir.join("east-other-plan.json");
    std::fs::write(&other_path, json).unwrap();
    let west = fixture("west-no-go.json");
    let out = run(&["report", "merge", arg(&other_path), arg(&west)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("different plans") && err.contains("--allow-mixed-plans"),
        "{err}"
    );
    assert!(
        err.contains("000000000000 in ") && err.contains("af1e51d0c3f0 in "),
        "{err}"
    );
    let out = run(&[
        "report",
        "merge",
        "--allow-mixed-plans",
        arg(&other_path),
        arg(&west),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn diff_before_and_after_shows_the_regression_the_fixes_and_the_new_thumbprint() {
    let before = fixture("west-no-go.json");
    let after = fixture("west-after.json");
    let out = run(&["report", "diff", arg(&before), arg(&after)]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a regression exits 1: {}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.contains("Regressed (1):\n  dc.west.tcp.new-server-https  pass → fail"),
        "{text}"
    );
    assert!(
        text.contains("Fixed (4):\n  dc.west.tcp.new-server-polling  fail → pass"),
        "{text}"
    );
    assert!(
        text.contains("thumbprint_sha1: 7B21E4D5C6F70819A2B3C4D5E6F708192A3B4C5D → 3F9A2C1B0D4E5F60718293A4B5C6D7E8F9012345"),
        "{text}"
    );
    assert!(
        !text.contains("connect_ms") && !text.contains("elapsed_ms"),
        "timings are not changes: {text}"
    );

    let out = run(&["report", "diff", arg(&after), arg(&after)]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("No change."));

    let out = run(&[
        "report",
        "diff",
        arg(&before),
        arg(&after),
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["regressed"][0]["id"], "dc.west.tcp.new-server-https");
    let out = run(&[
        "report",
        "diff",
        arg(&after),
        arg(&before),
        "--format",
        "md",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("# Diff: 4 regressed, 1 fixed"),
        "{}",
        stdout(&out)
    );
}

/// Secrets a plan's free text could carry (a purpose pasted from a runbook),
/// through a real run of every family a plan can hold today (TCP, worker):
/// none reaches standard output in any format, nor any file of `--out`.
#[test]
fn secrets_in_a_plan_reach_no_output_of_a_real_run() {
    let dir = temp_dir("secrets");
    let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = open.local_addr().unwrap().port();
    let open2 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port2 = open2.local_addr().unwrap().port();
    let secrets = [
        "Hunter2-Secret",
        "s3cr3t-Pa55",
        "tok-9F8E7D6C5B4A",
        "API-ABCDEFGHIJKLMNOPQRSTU1",
    ];
    let plan = format!(
        r#"version = 1
[migration]
name = "m"
[[datacenter]]
name = "east"
  [[datacenter.tcp]]
  name = "app"
  target = "127.0.0.1:{port}"
  purpose = "App via https://svc:Hunter2-Secret@proxy.example.com:3128"
  [[datacenter.worker_pool]]
  name = "east-workers"
  workers = ["w1.example.com", "w2.example.com"]
  must_reach = [
    {{ target = "127.0.0.1:{port}", purpose = "SQL (password=s3cr3t-Pa55; Authorization: Bearer tok-9F8E7D6C5B4A)" }},
    {{ target = "127.0.0.1:{port2}", purpose = "API with X-Octopus-ApiKey API-ABCDEFGHIJKLMNOPQRSTU1" }},
  ]
"#
    );
    let plan_path = dir.join("plan.toml");
    std::fs::write(&plan_path, plan).unwrap();
    let out_dir = dir.join("out");
    let mut outputs = Vec::new();
    for format in ["table", "json", "md", "html", "junit"] {
        let out = run(&[
            "run",
            "--plan",
            arg(&plan_path),
            "--format",
            format,
            "--out",
            arg(&out_dir),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        outputs.push((
            format.to_string(),
            format!("{}{}", stdout(&out), stderr(&out)),
        ));
    }
    for file in [
        "report.json",
        "report.md",
        "report.html",
        "report.junit.xml",
        "rules.csv",
    ] {
        outputs.push((
            file.into(),
            std::fs::read_to_string(out_dir.join(file)).unwrap(),
        ));
    }
    for (name, text) in &outputs {
        assert!(
            text.contains("proxy.example.com:3128"),
            "{name}: the purpose is shown: {text}"
        );
        for secret in secrets {
            assert!(
                !text.contains(secret),
                "{secret} leaked into {name}:\n{text}"
            );
        }
    }
    drop((open, open2));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn merge_and_diff_name_a_corrupt_report_by_line_and_column() {
    let dir = temp_dir("corrupt");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"schema_version\": 1,\n\"results\": [}\n").unwrap();
    let good = fixture("east-go.json");
    for args in [
        vec!["report", "merge", arg(&good), arg(&broken)],
        vec!["report", "diff", arg(&good), arg(&broken)],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains(&format!("{}:2:13:", broken.display())),
            "{}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The TLS family through an authenticating proxy, with the password in the
/// proxy URL and in an environment variable, right and wrong: the password
/// reaches no format on standard output and no file of `--out`.
#[test]
fn proxy_passwords_of_a_tls_check_reach_no_output() {
    use crate::support::{LabRuntime, run_with_env};
    use lab::proxy::{HttpProxy, ProxyOptions};
    use lab::tls::TlsServer;

    const PASSWORD: &str = "Sup3r-s3cret-9Q";
    let dir = temp_dir("tls-secrets");
    let lab = LabRuntime::new();
    let server = lab.start(TlsServer::octopus_server());
    let proxy = lab.start(HttpProxy::start(ProxyOptions {
        credentials: Some(("tentacle".into(), PASSWORD.into())),
        ..ProxyOptions::default()
    }));
    let inline = proxy
        .url()
        .replacen("://", &format!("://tentacle:{PASSWORD}@"), 1);
    let wrong_inline = proxy
        .url()
        .replacen("://", "://tentacle:Wrong-Pa55word@", 1);
    let target = server.addr.to_string();
    let plain = proxy.url();
    // (proxy arguments, environment)
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);
    let cases: [Case; 3] = [
        (vec!["--proxy", &inline], vec![]),
        (vec!["--proxy", &wrong_inline], vec![]),
        (
            vec![
                "--proxy",
                &plain,
                "--proxy-user-env",
                "LAB_PROXY_USER",
                "--proxy-password-env",
                "LAB_PROXY_PASSWORD",
            ],
            vec![
                ("LAB_PROXY_USER", "tentacle"),
                ("LAB_PROXY_PASSWORD", PASSWORD),
            ],
        ),
    ];
    let mut checked = 0;
    for (i, (proxy_args, env)) in cases.iter().enumerate() {
        let out_dir = dir.join(format!("case{i}"));
        for format in ["table", "json", "md", "html", "junit"] {
            let mut args = vec![
                "check",
                "tls",
                target.as_str(),
                "--format",
                format,
                "--out",
                arg(&out_dir),
            ];
            args.extend(proxy_args.iter().copied());
            let out = run_with_env(&args, env);
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{args:?}: {}",
                stderr(&out)
            );
            let text = format!("{}{}", stdout(&out), stderr(&out));
            for secret in [PASSWORD, "Wrong-Pa55word"] {
                assert!(
                    !text.contains(secret),
                    "{secret} leaked into {format} ({args:?}):\n{text}"
                );
            }
            for file in [
                "report.json",
                "report.md",
                "report.html",
                "report.junit.xml",
                "rules.csv",
            ] {
                let text = std::fs::read_to_string(out_dir.join(file)).unwrap();
                for secret in [PASSWORD, "Wrong-Pa55word"] {
                    assert!(
                        !text.contains(secret),
                        "{secret} leaked into {file} ({args:?}):\n{text}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 75);
    assert!(
        proxy.requests().iter().any(|r| r.authenticated),
        "the right password was used, so the test went through the proxy"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_command_that_prints_a_document_takes_the_same_formats() {
    let east = fixture("east-go.json");
    let west = fixture("west-no-go.json");
    let after = fixture("west-after.json");
    let merged_dir = temp_dir("formats-merged");
    let out = run(&[
        "report",
        "merge",
        arg(&east),
        arg(&west),
        "--out",
        arg(&merged_dir),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let merged = merged_dir.join("merge.json");
    // What each format must look like: its first bytes, or a marker inside.
    let looks_right = |format: &str, text: &str| match format {
        "table" => text.contains('┆'),
        "json" => serde_json::from_str::<serde_json::Value>(text).is_ok(),
        "md" => text.starts_with("# "),
        "html" => text.starts_with("<!DOCTYPE html>"),
        "junit" => text.starts_with("<?xml") && text.contains("<testsuites"),
        _ => false,
    };
    let commands: Vec<Vec<&str>> = vec![
        vec!["report", "render", arg(&west)],
        vec!["report", "render", arg(&merged)],
        vec!["report", "merge", arg(&east), arg(&west)],
        vec!["report", "diff", arg(&west), arg(&after)],
    ];
    for command in &commands {
        for format in ["table", "json", "md", "html", "junit"] {
            let out = run(&[&command[..], &["--format", format]].concat());
            let text = stdout(&out);
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{command:?} --format {format}: {}",
                stderr(&out)
            );
            if command[1] == "diff" && format == "table" {
                assert!(text.starts_with("before: "), "{text}");
                continue;
            }
            assert!(
                looks_right(format, &text),
                "{command:?} --format {format}:\n{text}"
            );
        }
    }
    // The diff's JUnit fails the pipeline exactly when it exits 1: one failure per regression.
    let out = run(&[
        "report",
        "diff",
        arg(&west),
        arg(&after),
        "--format",
        "junit",
    ]);
    let regressed: serde_json::Value = serde_json::from_str(&stdout(&run(&[
        "report",
        "diff",
        arg(&west),
        arg(&after),
        "--format",
        "json",
    ])))
    .unwrap();
    let failures = stdout(&out).matches("<failure").count();
    assert_eq!(failures, regressed["regressed"].as_array().unwrap().len());
    assert_eq!(out.status.code(), Some(if failures > 0 { 1 } else { 0 }));
    // `report render --format json` writes the document back, still verified.
    let copy = merged_dir.join("west-copy.json");
    std::fs::write(
        &copy,
        stdout(&run(&["report", "render", arg(&west), "--format", "json"])),
    )
    .unwrap();
    let verify = run(&["report", "verify", arg(&copy)]);
    assert_eq!(verify.status.code(), Some(0), "{}", stdout(&verify));
}

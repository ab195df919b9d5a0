//! Plan validation and the command-line contract: exit codes and error locations.

use crate::support::{run, stderr, stdout};

fn write_plan(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("preflight-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("plan.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn bad_plans_exit_2_with_file_line_column_and_what_was_expected() {
    let cases = [
        (
            "typo",
            "version = 1\n[defaults]\ntiemout = \"3s\"\n",
            ":3:1: unknown field `tiemout`, expected",
        ),
        (
            "unitless",
            "version = 1\n[defaults]\ntimeout = 3\n",
            ":3:11: `timeout`: expected a duration with a unit",
        ),
        (
            "port",
            "version = 1\n[[datacenter]]\nname = \"east\"\n  [[datacenter.tcp]]\n  target = \"db.example.com:70000\"\n",
            ":5:12: `target`: expected a port from 1 to 65535",
        ),
        (
            "quoted-number",
            "version = 1\n[defaults]\nconcurrency = \"1\"\n",
            ":3:15: `concurrency`: expected a number (a whole number, without quotes), found the text \"1\" (write it without quotes: concurrency = 1)",
        ),
        (
            "list-for-text",
            "version = 1\n[[datacenter]]\nname = [\"east\"]\n",
            ":3:8: `name`: expected text in double quotes, found a list",
        ),
    ];
    for (name, text, needle) in cases {
        let path = write_plan(name, text);
        for args in [
            vec!["plan", "check", path.to_str().unwrap()],
            vec!["run", "--plan", path.to_str().unwrap()],
        ] {
            let out = run(&args);
            assert_eq!(out.status.code(), Some(2), "{name}: {args:?}");
            let err = stderr(&out);
            assert!(
                err.contains(&format!("{}{needle}", path.display())),
                "{name}: expected `{needle}` in: {err}"
            );
        }
    }
}

#[test]
fn plan_init_prints_a_plan_that_plan_check_accepts() {
    let out = run(&["plan", "init"]);
    assert_eq!(out.status.code(), Some(0));
    let path = write_plan("init", &stdout(&out));
    let out = run(&["plan", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("dc.east.tcp.new-server-polling"));
}

#[test]
fn run_needs_a_known_data_center() {
    let path = write_plan(
        "dcs",
        "version = 1\n[[datacenter]]\nname = \"east\"\n[[datacenter]]\nname = \"west\"\n",
    );
    let out = run(&["run", "--plan", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--dc (east, west)"),
        "{}",
        stderr(&out)
    );
    let out = run(&["run", "--plan", path.to_str().unwrap(), "--dc", "north"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no data center `north`"));
}

#[test]
fn run_writes_report_json_and_exits_by_verdict() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let open = listener.local_addr().unwrap().port();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let text = format!(
        "version = 1\n[migration]\nname = \"t\"\n[[datacenter]]\nname = \"east\"\n\
         [[datacenter.tcp]]\nname = \"ok\"\ntarget = \"127.0.0.1:{open}\"\n\
         [[datacenter.tcp]]\nname = \"warn\"\ntarget = \"127.0.0.1:{closed}\"\nseverity = \"warning\"\n"
    );
    let path = write_plan("run", &text);
    let out_dir = path.parent().unwrap().join("reports");
    let out = run(&[
        "run",
        "--plan",
        path.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("east: GO — 1 passed, 1 warning, 0 failed"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["verdict"], "GO");
    assert_eq!(report["datacenter"], "east");
    assert_eq!(report["plan_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(report["summary"]["pass"], 1);
    assert_eq!(report["results"][0]["id"], "dc.east.tcp.ok");
    let mut leftovers: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    leftovers.sort();
    assert_eq!(
        leftovers,
        [
            "report.html",
            "report.json",
            "report.junit.xml",
            "report.md",
            "rules.csv"
        ],
        "the five documents, and no temporary file left behind"
    );

    let out = run(&[
        "run",
        "--plan",
        path.to_str().unwrap(),
        "--fail-on",
        "warning",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "--fail-on warning turns the warning into exit 1"
    );
    drop(listener);
}

#[test]
fn help_explains_exit_codes() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("NO-GO: a blocker failed"));
    assert!(stdout(&out).contains("130  interrupted"));
}

#[test]
fn a_run_that_proves_nothing_is_no_go_with_the_reason() {
    // A data center without a single check.
    let path = write_plan("empty-dc", "version = 1\n[[datacenter]]\nname = \"east\"\n");
    let out = run(&["plan", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out)
            .contains("data center `east` has no checks: a run there proves nothing and is NO-GO"),
        "{}",
        stderr(&out)
    );
    let out = run(&["run", "--plan", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let summary = stdout(&out);
    assert!(
        summary.contains("east: NO-GO — 0 passed")
            && summary.contains("no check ran: nothing was proven"),
        "{summary}"
    );
    let out = run(&["run", "--plan", path.to_str().unwrap(), "--format", "md"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).starts_with("# NO-GO"), "{}", stdout(&out));
    assert!(stdout(&out).contains("no check ran"), "{}", stdout(&out));
    let out = run(&["run", "--plan", path.to_str().unwrap(), "--format", "junit"]);
    assert!(
        stdout(&out).contains("dc.east.verdict") && stdout(&out).contains("<error"),
        "the pipeline goes red too: {}",
        stdout(&out)
    );

    // `run --discover` on a machine without a Tentacle.
    let index =
        std::env::temp_dir().join(format!("preflight-cli-{}-no-tentacle", std::process::id()));
    std::fs::create_dir_all(&index).unwrap();
    let out = crate::support::preflight()
        .args(["run", "--discover", "--format", "json"])
        .env("PREFLIGHT_TENTACLE_INSTANCES", &index)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["verdict"], "NO-GO");
    assert_eq!(report["results"][0]["status"], "fail");
    assert!(
        report["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("no Tentacle instance found"),
        "{report}"
    );
}

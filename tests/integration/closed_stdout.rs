//! A closed standard output (`preflight … | head -0`): no command panics
//! (exit 101); each exits 2 with one line on standard error, and `--out`
//! files are written before standard output, so they survive (issue 18).

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use crate::support::{preflight, stderr};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "preflight-closed-stdout-{}-{name}",
        std::process::id()
    ));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
        .display()
        .to_string()
}

/// Runs the binary with standard output a pipe whose reading end is already
/// closed: its first write fails with EPIPE, whatever the timing.
fn run_with_closed_stdout(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    preflight()
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn assert_one_line_exit_2(args: &[&str], out: &Output) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.lines().last()
            == Some("error: standard output was closed before everything was written")
            && !err.contains("panicked"),
        "{args:?}: {err}"
    );
}

#[test]
fn every_printing_command_exits_2_with_one_line_when_stdout_is_closed() {
    let dir = temp_dir("commands");
    let plan = dir.join("plan.toml");
    std::fs::write(
        &plan,
        "version = 1\n[[datacenter]]\nname = \"east\"\n  [[datacenter.tcp]]\n  target = \"127.0.0.1:1\"\n",
    )
    .unwrap();
    let plan = plan.display().to_string();
    let (east, west, after) = (
        fixture("reports/east-go.json"),
        fixture("reports/west-no-go.json"),
        fixture("reports/west-after.json"),
    );
    let config = fixture("tentacle/listening.config");
    let cases: Vec<Vec<&str>> = vec![
        vec!["plan", "init"],
        vec!["plan", "check", &plan],
        vec!["run", "--plan", &plan, "--timeout", "1s"],
        vec![
            "run",
            "--plan",
            &plan,
            "--timeout",
            "1s",
            "--format",
            "json",
        ],
        vec!["check", "tcp", "127.0.0.1:1", "--timeout", "1s"],
        vec!["discover", "--config", &config],
        vec!["report", "verify", &west],
        vec!["report", "render", &west],
        vec!["report", "render", &west, "--format", "table"],
        vec!["report", "merge", &east, &west],
        vec!["report", "merge", &east, &west, "--format", "json"],
        vec!["report", "diff", &west, &after],
        vec!["report", "diff", &west, &after, "--format", "json"],
    ];
    for args in &cases {
        let out = run_with_closed_stdout(args);
        assert_one_line_exit_2(args, &out);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn out_files_are_written_before_stdout_so_a_broken_pipe_leaves_them() {
    let dir = temp_dir("out");
    let run_dir = dir.join("run");
    let args = [
        "check",
        "tcp",
        "127.0.0.1:1",
        "--timeout",
        "1s",
        "--out",
        run_dir.to_str().unwrap(),
    ];
    let out = run_with_closed_stdout(&args);
    assert_one_line_exit_2(&args, &out);
    for name in [
        "report.json",
        "report.md",
        "report.html",
        "report.junit.xml",
    ] {
        assert!(
            run_dir.join(name).is_file(),
            "{name} missing: {}",
            stderr(&out)
        );
    }

    let merge_dir = dir.join("merged");
    let (east, west) = (
        fixture("reports/east-go.json"),
        fixture("reports/west-no-go.json"),
    );
    let args = [
        "report",
        "merge",
        &east,
        &west,
        "--out",
        merge_dir.to_str().unwrap(),
    ];
    let out = run_with_closed_stdout(&args);
    assert_one_line_exit_2(&args, &out);
    for name in ["merge.json", "merge.md", "merge.html", "merge.junit.xml"] {
        assert!(
            merge_dir.join(name).is_file(),
            "{name} missing: {}",
            stderr(&out)
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

//! Output safety: a report that cannot be written fails clearly and leaves no
//! half-written file; an interrupted run still writes a valid report.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{enter_netns, nft, preflight, run, sh, stderr, stdout};

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn full_disk_fails_clearly_and_keeps_the_previous_report() {
    if !enter_netns("output::full_disk_fails_clearly_and_keeps_the_previous_report") {
        return;
    }
    let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = open.local_addr().unwrap().to_string();
    let mnt = tempfile::tempdir().unwrap();
    let mnt = mnt.path();
    sh(&format!(
        "mount -t tmpfs -o size=64k tmpfs {}",
        mnt.display()
    ));
    let out_dir = mnt.join("reports");
    // A first run fits and leaves a report.
    let out = run(&["check", "tcp", &target, "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let documents = [
        "report.html",
        "report.json",
        "report.junit.xml",
        "report.md",
        "rules.csv",
    ];
    let before: Vec<Vec<u8>> = documents
        .iter()
        .map(|f| std::fs::read(out_dir.join(f)).unwrap())
        .collect();
    // Fill the file system, then run again.
    let _ = std::process::Command::new("dd")
        .args(["if=/dev/zero", "bs=4k", "count=64"])
        .arg(format!("of={}", mnt.join("fill").display()))
        .stderr(Stdio::null())
        .status();
    let out = run(&["check", "tcp", &target, "--out", out_dir.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a report that cannot be written is a tool failure"
    );
    let err = stderr(&out);
    assert!(
        err.contains("cannot write") && err.contains("report."),
        "{err}"
    );
    assert!(err.contains("No space left"), "{err}");
    assert_eq!(
        files_in(&out_dir),
        documents,
        "no temporary file left behind"
    );
    for (file, before) in documents.iter().zip(&before) {
        assert_eq!(
            &std::fs::read(out_dir.join(file)).unwrap(),
            before,
            "previous {file} intact: the set is replaced whole or not at all"
        );
    }
    drop(open);
}

#[test]
fn read_only_output_directory_fails_clearly() {
    if !enter_netns("output::read_only_output_directory_fails_clearly") {
        return;
    }
    let mnt = tempfile::tempdir().unwrap();
    sh(&format!(
        "mount -t tmpfs -o ro,size=64k tmpfs {}",
        mnt.path().display()
    ));
    let out_dir = mnt.path().join("east");
    let out = run(&[
        "check",
        "tcp",
        "127.0.0.1:9",
        "--timeout",
        "500ms",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(&out_dir.display().to_string()), "{err}");
    assert!(err.contains("Read-only file system"), "{err}");
}

#[test]
fn interrupted_run_writes_a_valid_report_with_unfinished_checks_skipped() {
    if !enter_netns("output::interrupted_run_writes_a_valid_report_with_unfinished_checks_skipped")
    {
        return;
    }
    nft("table ip lab {
           chain output {
             type filter hook output priority 0; policy accept;
             tcp dport 41010 drop
           }
         }");
    let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = open.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let child = preflight()
        .args([
            "check",
            "tcp",
            &target,
            "127.0.0.1:41010",
            "--timeout",
            "20s",
            "--format",
            "json",
        ])
        .args(["--out", dir.path().to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    sh(&format!("kill -INT {}", child.id()));
    let out = child.wait_with_output().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "Ctrl-C stops the run promptly"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a skipped blocker is NO-GO: {}",
        stderr(&out)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(
        report,
        serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()
    );
    assert_eq!(report["results"][0]["status"], "pass");
    assert_eq!(report["results"][1]["status"], "skipped");
    assert_eq!(report["verdict"], "NO-GO");
    drop(open);
}

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
             tcp dport 21010 drop
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
            "127.0.0.1:21010",
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
        Some(130),
        "an interrupted run exits 130: {}",
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
    assert_eq!(report["interrupted"], true);
    drop(open);
}

/// A loopback listener that accepts connections and never says a word: a
/// check against it waits for its timeout. `accepted` counts connections.
fn silent_listener() -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        // Bounded: a few connections, held open until the test process ends.
        for stream in listener.incoming().take(16) {
            let Ok(stream) = stream else { break };
            held.push(stream);
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    (addr, accepted)
}

#[test]
fn ctrl_c_exits_130_and_every_document_says_interrupted() {
    let (stalled, accepted) = silent_listener();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("reports");
    let start = Instant::now();
    let child = preflight()
        .args(["check", "tls", &stalled.to_string(), "--timeout", "20s"])
        .args(["--out", out_dir.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait (bounded) until the check is connected and waiting on the silent
    // peer: the run is under way, nothing has finished.
    while accepted.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the check never connected"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    sh(&format!("kill -INT {}", child.id()));
    let out = child.wait_with_output().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "Ctrl-C stops the run promptly, not after the 20 s timeout"
    );
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("INTERRUPTED"), "{text}");
    let summary = text.lines().last().unwrap();
    assert!(
        summary.starts_with("adhoc: NO-GO — 0 passed, 0 warnings, 0 failed, 1 not run in ")
            && summary.ends_with("— the run was interrupted: 1 check not run"),
        "{summary}"
    );
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    for file in ["report.md", "report.html", "report.junit.xml"] {
        let document = std::fs::read_to_string(out_dir.join(file)).unwrap();
        assert!(
            document.contains("INTERRUPTED") && document.contains("the run was interrupted"),
            "{file}:\n{document}"
        );
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["interrupted"], true);
    assert_eq!(report["verdict"], "NO-GO");
    assert_eq!(report["summary"]["skipped"], 1);
    assert_eq!(report["summary"]["fail"], 0);
    // The interrupted report is a valid, sealed document.
    let verify = run(&[
        "report",
        "verify",
        out_dir.join("report.json").to_str().unwrap(),
    ]);
    assert_eq!(verify.status.code(), Some(0), "{}", stdout(&verify));
}

#[test]
fn a_wrong_out_fails_in_under_a_second_before_any_check() {
    if !enter_netns("output::a_wrong_out_fails_in_under_a_second_before_any_check") {
        return;
    }
    // Every check here would wait 20 s on the silent peer: a run that got as
    // far as checking could not fail in under a second.
    let (stalled, accepted) = silent_listener();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let read_only = dir.path().join("ro");
    std::fs::create_dir(&read_only).unwrap();
    sh(&format!(
        "mount -t tmpfs -o ro,size=64k tmpfs {}",
        read_only.display()
    ));
    let cases = [
        (file.clone(), "not a directory"),
        (file.join("below"), "cannot create the directory"),
        (read_only.clone(), "Read-only file system"),
        (read_only.join("new"), "Read-only file system"),
    ];
    for (out_dir, why) in cases {
        for args in [
            vec!["check", "tls", &*stalled.to_string(), "--timeout", "20s"]
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>(),
            vec!["run", "--discover", "--timeout", "20s"]
                .into_iter()
                .map(String::from)
                .collect(),
        ] {
            let start = Instant::now();
            let out = preflight()
                .args(&args)
                .arg("--out")
                .arg(&out_dir)
                .env("PREFLIGHT_TENTACLE_INSTANCES", dir.path())
                .output()
                .unwrap();
            let took = start.elapsed();
            let err = stderr(&out);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{args:?} {}: {err}",
                out_dir.display()
            );
            assert!(
                took < Duration::from_secs(1),
                "{args:?} --out {}: {took:?}",
                out_dir.display()
            );
            assert!(
                err.contains(&format!("--out {}", out_dir.display())) && err.contains(why),
                "{err}"
            );
        }
    }
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no check ran"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "not a directory",
        "the file is untouched"
    );
}

#[cfg(unix)]
#[test]
fn documents_are_written_with_the_usual_mode_unless_private() {
    use std::os::unix::fs::PermissionsExt;
    let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = open.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_preflight");
    for (umask, private, expected) in [
        ("022", "", 0o644),
        ("027", "", 0o640),
        ("002", "", 0o664),
        ("022", "--private", 0o600),
    ] {
        let out_dir = dir.path().join(format!("{umask}{private}"));
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" check tcp {target} --format json --out \"$1\" {private} >/dev/null"
            ))
            .arg(bin)
            .arg(&out_dir)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(0));
        let mut names = files_in(&out_dir);
        assert_eq!(
            names.len(),
            report::files::REPORT_FILES.len(),
            "{names:?}: no temporary file left"
        );
        for name in names.drain(..) {
            let mode = std::fs::metadata(out_dir.join(&name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(
                mode, expected,
                "umask {umask} {private}: {name} is {mode:o}, expected {expected:o}"
            );
        }
    }
    drop(open);
}

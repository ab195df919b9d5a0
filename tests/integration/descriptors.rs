//! The open-file limit: a run with fewer descriptors than targets holds its
//! concurrency below the limit, says so, and still classifies every target
//! (running out of descriptors would make healthy targets `error` results
//! and the run a false NO-GO).

use std::net::TcpListener;

use crate::support::{preflight, stderr, stdout};

#[test]
fn a_run_under_a_low_open_file_limit_classifies_every_target() {
    // 40 ports that accept (never accepted: the kernel completes the
    // handshake) and 40 where nothing listens.
    let open: Vec<TcpListener> = (0..40)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let closed: Vec<u16> = (0..40)
        .map(|_| {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        })
        .collect();
    let mut targets: Vec<String> = open
        .iter()
        .map(|l| l.local_addr().unwrap().to_string())
        .collect();
    targets.extend(closed.iter().map(|p| format!("127.0.0.1:{p}")));

    // `prlimit` (util-linux) sets a hard limit of 64 the run cannot raise.
    let bin = preflight().get_program().to_owned();
    let out = std::process::Command::new("prlimit")
        .arg("--nofile=64:64")
        .arg("--")
        .arg(bin)
        .args(["check", "tcp", "--timeout", "5s", "--format", "json"])
        .args(&targets)
        .env("NO_COLOR", "1")
        .output()
        .expect("run prlimit (Debian package util-linux)");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 80);
    for (i, r) in results.iter().enumerate() {
        let state = r["evidence"]["addresses"][0]["state"].as_str().unwrap();
        let (expected_state, expected_status) = if i < 40 {
            ("open", "pass")
        } else {
            ("refused", "fail")
        };
        assert_eq!(state, expected_state, "{}: {}", r["target"], r["reason"]);
        assert_eq!(r["status"], expected_status, "{}", r["target"]);
    }
    // NO-GO because of the 40 refused ports, and only them.
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(report["summary"]["error"], 0);
    let err = stderr(&out);
    assert!(
        err.contains("note: running at most ")
            && err.contains(" of 80 checks at once: the open-file limit is 64 with "),
        "{err}"
    );
    drop(open);
}

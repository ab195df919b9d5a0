//! The firewall lab: inside a namespace of our own, nft rules make ports
//! filtered (DROP) and unreachable (ICMP host-unreachable), and `check tcp`
//! must classify each correctly and in time.

use std::time::{Duration, Instant};

use crate::support::{enter_netns, nft, run, stdout};

#[test]
fn four_states_in_one_call() {
    if !enter_netns("firewall::four_states_in_one_call") {
        return;
    }
    let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let open_port = open.local_addr().unwrap().port();
    let refused_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Below the ephemeral range (32768-60999): no connection's own source
    // port, nor the port bound above, can be one of these, so no answer to
    // another target is dropped or rejected by these rules.
    let (filtered_port, unreachable_port) = (21003, 21004);
    nft(&format!(
        "table ip lab {{
           chain output {{
             type filter hook output priority 0; policy accept;
             tcp dport {filtered_port} drop
             tcp dport {unreachable_port} reject with icmp type host-unreachable
           }}
         }}"
    ));
    let targets: Vec<String> = [open_port, refused_port, filtered_port, unreachable_port]
        .iter()
        .map(|p| format!("127.0.0.1:{p}"))
        .collect();
    let mut args = vec!["check", "tcp", "--timeout", "1s", "--format", "json"];
    args.extend(targets.iter().map(String::as_str));
    let start = Instant::now();
    let out = run(&args);
    let elapsed = start.elapsed();
    assert_eq!(
        out.status.code(),
        Some(1),
        "NO-GO: three targets are closed"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let states: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["evidence"]["addresses"][0]["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["open", "refused", "filtered", "unreachable"],
        "ports {open_port}, {refused_port}, {filtered_port}, {unreachable_port}: {}",
        serde_json::to_string_pretty(&report["results"]).unwrap_or_default()
    );
    let filtered_ms = report["results"][2]["evidence"]["addresses"][0]["connect_ms"]
        .as_u64()
        .unwrap();
    assert!(
        (950..1300).contains(&filtered_ms),
        "filtered should take about the 1s timeout, took {filtered_ms} ms"
    );
    assert!(
        elapsed < Duration::from_millis(2500),
        "the whole call should take about one timeout (checks run in parallel), took {elapsed:?}"
    );
    assert_eq!(report["verdict"], "NO-GO");
    drop(open);
}

#[test]
fn blocked_expectation_passes_when_the_firewall_drops() {
    if !enter_netns("firewall::blocked_expectation_passes_when_the_firewall_drops") {
        return;
    }
    nft("table ip lab {
           chain output {
             type filter hook output priority 0; policy accept;
             tcp dport 5985 drop
           }
         }");
    let listener = std::net::TcpListener::bind("127.0.0.1:5986").unwrap();
    let out = run(&[
        "check",
        "tcp",
        "--timeout",
        "500ms",
        "--expect",
        "blocked",
        "127.0.0.1:5985",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("blocked as expected: filtered"));
    let out = run(&[
        "check",
        "tcp",
        "--timeout",
        "500ms",
        "--expect",
        "blocked",
        "127.0.0.1:5986",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "an open port fails a blocked expectation"
    );
    assert!(stdout(&out).contains("expected blocked, but open"));
    drop(listener);
}

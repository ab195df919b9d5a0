//! `check dns` and DNS plan entries end to end: the real binary against the
//! loopback authority (hickory-server) and a resolver that never answers,
//! both started in this test process. No query leaves 127.0.0.1.

use std::time::{Duration, Instant};

use lab::dns::{DnsServer, LabZone, PUBLIC_STAND_IN, SilentDns};

use crate::support::{run, stderr, stdout};

/// A runtime whose worker threads serve the lab while the test runs the binary.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn zone(polling: std::net::Ipv4Addr) -> LabZone {
    LabZone::new("example.com")
        .a("octopus.example.com", std::net::Ipv4Addr::LOCALHOST)
        .a("polling.example.com", polling)
        .a("web01.example.com", PUBLIC_STAND_IN)
        .a(
            "web02.example.com",
            std::net::Ipv4Addr::new(192, 168, 10, 20),
        )
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", stdout(out), stderr(out)))
}

#[test]
fn check_dns_reports_answer_and_nxdomain_per_resolver() {
    let rt = runtime();
    let lab = rt
        .block_on(DnsServer::start(&zone(std::net::Ipv4Addr::LOCALHOST)))
        .unwrap();
    let resolver = lab.addr.to_string();
    let out = run(&[
        "check",
        "dns",
        "octopus.example.com",
        "missing.example.com",
        "--resolver",
        &resolver,
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "NXDOMAIN is NO-GO: {}",
        stdout(&out)
    );
    let report = json(&out);
    let results = report["results"].as_array().unwrap();
    assert_eq!(results[0]["id"], "adhoc.dns.octopus-example-com");
    assert_eq!(results[0]["family"], "dns");
    assert_eq!(results[0]["status"], "pass");
    let answer = &results[0]["evidence"]["answers"][0];
    assert_eq!(answer["resolver"], resolver.as_str());
    assert_eq!(answer["outcome"], "answer");
    assert_eq!(answer["addresses"], serde_json::json!(["127.0.0.1"]));
    assert_eq!(answer["ttl_s"], 300);
    assert!(answer["elapsed_ms"].is_u64());
    assert_eq!(results[1]["status"], "fail");
    assert_eq!(results[1]["evidence"]["answers"][0]["outcome"], "nxdomain");
    assert!(results[1]["reason"].as_str().unwrap().contains("NXDOMAIN"));
}

#[test]
fn check_dns_times_out_within_the_timeout_plus_a_small_margin() {
    let rt = runtime();
    let silent = rt.block_on(SilentDns::start()).unwrap();
    let resolver = silent.addr.to_string();
    let start = Instant::now();
    let out = run(&[
        "check",
        "dns",
        "octopus.example.com",
        "--resolver",
        &resolver,
        "--timeout",
        "1s",
        "--format",
        "json",
    ]);
    let took = start.elapsed();
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(
        report["results"][0]["evidence"]["answers"][0]["outcome"],
        "timeout"
    );
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_millis(1700),
        "took {took:?} for a 1 s timeout"
    );
}

#[test]
fn check_dns_judges_expected_and_public_addresses_in_the_table() {
    let rt = runtime();
    let lab = rt
        .block_on(DnsServer::start(&zone(std::net::Ipv4Addr::LOCALHOST)))
        .unwrap();
    let resolver = lab.addr.to_string();
    let out = run(&[
        "check",
        "dns",
        "web01.example.com",
        "--resolver",
        &resolver,
        "--public",
        "--expect-address",
        &PUBLIC_STAND_IN.to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("PASS"), "{}", stdout(&out));
    let out = run(&[
        "check",
        "dns",
        "web02.example.com",
        "--resolver",
        &resolver,
        "--public",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("192.168.10.20 is private"), "{text}");
    assert!(
        text.contains("What to do:") && text.contains("polling Tentacle"),
        "{text}"
    );
    let out = run(&[
        "check",
        "dns",
        "octopus.example.com",
        "--resolver",
        &resolver,
        "--expect-address",
        "127.0.0.2",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("mismatch: expected 127.0.0.2, found 127.0.0.1"));
}

#[test]
fn check_dns_refuses_bad_input_with_exit_2() {
    let out = run(&[
        "check",
        "dns",
        "octopus.example.com",
        "--resolver",
        "dns.example.com",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("expected \"system\""),
        "{}",
        stderr(&out)
    );
    let out = run(&["check", "dns", "192.0.2.10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("found the IP address"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_polling_name_that_differs_between_resolvers_warns_with_both_answers() {
    let rt = runtime();
    let inside = rt
        .block_on(DnsServer::start(&zone(std::net::Ipv4Addr::LOCALHOST)))
        .unwrap();
    let outside = rt
        .block_on(DnsServer::start(&zone(std::net::Ipv4Addr::new(
            127, 0, 0, 2,
        ))))
        .unwrap();
    // The polling port answers as Halibut (dc.east.tls.new-server-polling).
    let listener = rt.block_on(lab::tls::TlsServer::octopus_server()).unwrap();
    let port = listener.addr.port();
    let plan = format!(
        "version = 1\n[new_server]\npolling = \"polling.example.com:{port}\"\n\
         [dns]\nresolvers = [\"{}\", \"{}\"]\n[[datacenter]]\nname = \"east\"\n",
        inside.addr, outside.addr
    );
    let dir = std::env::temp_dir().join(format!("preflight-dns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("plan.toml");
    std::fs::write(&path, plan).unwrap();
    let out = run(&["run", "--plan", path.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "a warning keeps GO: {text}");
    assert!(text.contains("WARN"), "{text}");
    assert!(text.contains("resolvers disagree"), "{text}");
    assert!(
        text.contains(&format!("{}: 127.0.0.1", inside.addr)),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}: 127.0.0.2", outside.addr)),
        "{text}"
    );
    assert!(text.contains("split-horizon"), "{text}");

    let out = run(&["run", "--plan", path.to_str().unwrap(), "--format", "json"]);
    let report = json(&out);
    let tcp = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "dc.east.tcp.new-server-polling")
        .unwrap();
    assert_eq!(tcp["status"], "pass", "{tcp}");
    assert_eq!(
        tcp["evidence"]["resolver"],
        inside.addr.to_string().as_str(),
        "the TCP check records which resolver answered"
    );
    assert_eq!(
        tcp["evidence"]["addresses"][0]["address"],
        format!("127.0.0.1:{port}")
    );
    std::fs::remove_dir_all(&dir).ok();
    drop(listener);
}

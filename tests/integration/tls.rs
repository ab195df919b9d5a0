//! `preflight check tls` against loopback TLS endpoints from the `lab` crate.

use std::time::{Duration, Instant};

use lab::certs;
use lab::misbehaving::{Behaviour, Misbehaving};
use lab::proxy::{HttpProxy, ProxyOptions};
use lab::tls::{TlsServer, Welcome};

use crate::support::{LabRuntime, json, run, run_with_env, stdout};

/// The SHA-1 fingerprint `openssl x509 -fingerprint -sha1` prints for a PEM
/// certificate, as 40 hex digits without colons.
fn openssl_sha1(pem: &str) -> String {
    let path = std::env::temp_dir().join(format!(
        "preflight-tls-{}-{}.pem",
        std::process::id(),
        pem.len()
    ));
    std::fs::write(&path, pem).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha1", "-in"])
        .arg(&path)
        .output()
        .expect("this test compares with `openssl`: install the Debian package `openssl` (scripts/test does this as root)");
    std::fs::remove_file(&path).ok();
    assert!(out.status.success(), "openssl failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let (_, value) = text.trim().split_once('=').expect("openssl output");
    value.replace(':', "").to_uppercase()
}

#[test]
fn check_tls_prints_the_same_thumbprint_as_openssl() {
    let lab = LabRuntime::new();
    let server = lab.start(TlsServer::octopus_server());
    let expected = openssl_sha1(&server.identity.leaf_pem());
    assert_eq!(expected.len(), 40);
    let target = server.addr.to_string();
    let out = run(&["check", "tls", &target, "--expect", "server"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(&expected), "expected {expected} in:\n{text}");

    let out = run(&["check", "tls", &target, "--format", "json"]);
    let report = json(&out);
    let ev = &report["results"][0]["evidence"];
    assert_eq!(ev["thumbprint_sha1"], expected.as_str());
    assert_eq!(ev["halibut"], "server");
    assert_eq!(ev["chain"][0]["subject"], "CN=Octopus Portal");
    assert_eq!(ev["chain"][0]["self_signed"], true);
    for key in ["fingerprint_sha256", "tls_version", "cipher"] {
        assert!(ev[key].is_string(), "{key}: {ev}");
    }
    for key in ["issuer", "not_after", "signature_algorithm"] {
        assert!(ev["chain"][0][key].is_string(), "chain.{key}: {ev}");
    }
}

#[test]
fn check_tls_tells_server_tentacle_and_not_halibut_apart() {
    let lab = LabRuntime::new();
    let server = lab.start(TlsServer::octopus_server());
    let tentacle = lab.start(TlsServer::octopus_tentacle());
    let web = lab.start(TlsServer::web(
        certs::halibut("portal.example.com", 365).unwrap(),
        "HTTP/1.1 302 Found\r\nLocation: /app\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ));
    for (addr, role, code) in [
        (server.addr, "server", 0),
        (tentacle.addr, "tentacle", 0),
        (web.addr, "none", 1),
    ] {
        let out = run(&["check", "tls", &addr.to_string(), "--format", "json"]);
        let report = json(&out);
        assert_eq!(out.status.code(), Some(code), "{role}: {report}");
        assert_eq!(report["results"][0]["evidence"]["halibut"], role);
    }
    // Several endpoints in one call: one result each, in the order given.
    let (s, t, w) = (
        server.addr.to_string(),
        tentacle.addr.to_string(),
        web.addr.to_string(),
    );
    let out = run(&["check", "tls", &s, &t, &w, "--format", "json"]);
    let report = json(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the web server is not Halibut: {report}"
    );
    let roles: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["evidence"]["halibut"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["server", "tentacle", "none"]);
    let out = run(&["check", "tls", &web.addr.to_string()]);
    assert!(
        stdout(&out).contains("not a Halibut endpoint: it answered `HTTP/1.1 302 Found`"),
        "{}",
        stdout(&out)
    );
    let out = run(&[
        "check",
        "tls",
        &tentacle.addr.to_string(),
        "--expect",
        "server",
    ]);
    assert_eq!(out.status.code(), Some(1), "a Tentacle is not the server");
}

#[test]
fn check_tls_flags_interception_naming_the_inspection_ca() {
    let lab = LabRuntime::new();
    let middlebox = lab.start(TlsServer::intercepting(Welcome::Server));
    let out = run(&[
        "check",
        "tls",
        &middlebox.addr.to_string(),
        "--expect",
        "server",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("probable TLS inspection"), "{text}");
    assert!(text.contains(certs::INSPECTION_CA_CN), "{text}");
}

#[test]
fn a_wrong_thumbprint_exits_1_showing_both_values() {
    let lab = LabRuntime::new();
    let server = lab.start(TlsServer::octopus_server());
    let found = server.identity.thumbprint().to_string();
    let wrong = "3f:9a:0c:1d:2e:3f:4a:5b:6c:7d:8e:9f:0a:1b:2c:3d:4e:5f:6a:7b";
    let dir = std::env::temp_dir().join(format!("preflight-tls-wrong-{}", std::process::id()));
    let out = run(&[
        "check",
        "tls",
        &server.addr.to_string(),
        "--thumbprint",
        wrong,
        "--out",
        dir.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    // The instruction's placeholders survive redaction, in every document.
    assert!(
        text.contains("Tentacle poll-server --server=<new server URL> --apikey=<API key>"),
        "{text}"
    );
    for file in [
        "report.json",
        "report.md",
        "report.html",
        "report.junit.xml",
    ] {
        let doc = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(!doc.contains("[redacted]"), "{file}: {doc}");
        assert!(doc.contains("API key"), "{file}: {doc}");
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        text.contains("3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B"),
        "{text}"
    );
    assert!(text.contains(&found), "{text}");
    assert!(
        text.contains(&format!("Tentacle configure --trust={found}")),
        "{text}"
    );
    let out = run(&[
        "check",
        "tls",
        &server.addr.to_string(),
        "--thumbprint",
        &found.to_lowercase(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_silent_endpoint_ends_within_the_timeout_with_an_error() {
    let lab = LabRuntime::new();
    let silent = lab.start(Misbehaving::start(Behaviour::NeverSpeaks));
    let start = Instant::now();
    let out = run(&[
        "check",
        "tls",
        &silent.addr.to_string(),
        "--timeout",
        "1s",
        "--format",
        "json",
    ]);
    let took = start.elapsed();
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(took < Duration::from_secs(3), "{took:?}");
    let result = &report["results"][0];
    assert_eq!(result["status"], "error", "{result}");
    assert!(
        result["reason"]
            .as_str()
            .unwrap()
            .contains("no TLS answer within 1.0s"),
        "{result}"
    );
}

#[test]
fn through_a_proxy_with_credentials_from_the_environment() {
    let lab = LabRuntime::new();
    let server = lab.start(TlsServer::octopus_server());
    let proxy = lab.start(HttpProxy::start(ProxyOptions {
        credentials: Some(("tentacle".into(), "Sup3r-s3cret".into())),
        ..ProxyOptions::default()
    }));
    let args = [
        "check",
        "tls",
        &server.addr.to_string(),
        "--proxy",
        &proxy.url(),
        "--proxy-user-env",
        "LAB_PROXY_USER",
        "--proxy-password-env",
        "LAB_PROXY_PASSWORD",
    ];
    let env = [
        ("LAB_PROXY_USER", "tentacle"),
        ("LAB_PROXY_PASSWORD", "Sup3r-s3cret"),
    ];
    let out = run_with_env(&args, &env);
    let text = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("via proxy {}", proxy.url())),
        "{text}"
    );
    assert!(!text.contains("Sup3r-s3cret"), "{text}");
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let out = run_with_env(&json_args, &env);
    assert!(!stdout(&out).contains("Sup3r-s3cret"));
    assert_eq!(json(&out)["results"][0]["evidence"]["proxy"], proxy.url());
    assert!(proxy.requests().iter().all(|r| r.authenticated));

    // Wrong password: the proxy's 407 is reported as such.
    let out = run_with_env(
        &args,
        &[
            ("LAB_PROXY_USER", "tentacle"),
            ("LAB_PROXY_PASSWORD", "nope"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("rejected the credentials"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_plan_with_polling_via_proxy_tunnels_the_polling_check() {
    let lab = LabRuntime::new();
    let server = lab.start(TlsServer::octopus_server());
    let proxy = lab.start(HttpProxy::start(ProxyOptions {
        credentials: Some(("east-tentacles".into(), "Pr0xy-pa55".into())),
        ..ProxyOptions::default()
    }));
    let plan = format!(
        "version = 1\n[new_server]\npolling = \"{}\"\nthumbprint = \"{}\"\n\
         [proxy]\nurl = \"{}\"\nusername_env = \"LAB_PROXY_USER\"\npassword_env = \"LAB_PROXY_PASSWORD\"\n\
         [[datacenter]]\nname = \"east\"\npolling_via = \"proxy\"\n",
        server.addr,
        server.identity.thumbprint(),
        proxy.url()
    );
    let dir = std::env::temp_dir().join(format!("preflight-it-via-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("plan.toml");
    std::fs::write(&path, plan).unwrap();
    let env = [
        ("LAB_PROXY_USER", "east-tentacles"),
        ("LAB_PROXY_PASSWORD", "Pr0xy-pa55"),
    ];
    let out = run_with_env(
        &["run", "--plan", path.to_str().unwrap(), "--format", "json"],
        &env,
    );
    let text = stdout(&out);
    assert!(!text.contains("Pr0xy-pa55"), "{text}");
    let report = json(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    let tls = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "dc.east.tls.new-server-polling")
        .unwrap()
        .clone();
    assert_eq!(tls["status"], "pass", "{tls}");
    assert_eq!(tls["evidence"]["proxy"], proxy.url());
    assert_eq!(tls["evidence"]["halibut"], "server");
    assert!(
        proxy.requests().iter().any(|r| r.method == "CONNECT"
            && r.authenticated
            && r.target == server.addr.to_string())
    );
    std::fs::remove_dir_all(&dir).ok();
}

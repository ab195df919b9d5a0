//! `preflight check octopus` against the lab's fake Octopus portal.

use lab::octopus::{OctopusApi, OctopusApiOptions};
use lab::tls::TlsServer;

use crate::support::{LabRuntime, json, run, run_with_env, stdout};

const KEY: &str = "API-LAB0123456789ABCDEFGHIJKLMN";

fn portal(lab: &LabRuntime, version: &str, polling: &TlsServer) -> (OctopusApi, String) {
    let api = lab.start(OctopusApi::start(OctopusApiOptions {
        version: version.into(),
        thumbprint: polling.identity.thumbprint(),
        api_key: KEY.into(),
        names: Vec::new(),
        clock_offset_s: 0,
    }));
    let ca = std::env::temp_dir().join(format!(
        "preflight-it-octopus-{}-{}.pem",
        std::process::id(),
        api.server.addr.port()
    ));
    std::fs::write(&ca, api.ca.pem()).unwrap();
    (api, ca.display().to_string())
}

#[test]
fn an_old_server_exits_1_with_the_upgrade_remedy() {
    let lab = LabRuntime::new();
    let polling = lab.start(TlsServer::octopus_server());
    let (api, ca) = portal(&lab, "2020.6.4671", &polling);
    let out = run(&["check", "octopus", &api.url(), "--ca-file", &ca]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("Octopus Deploy 2020.6.4671 is older than 2021.1"),
        "{text}"
    );
    assert!(
        text.contains("upgrade the old server to 2021.1 or later before exporting"),
        "{text}"
    );

    // SSL_CERT_FILE replaces the system's roots, as for every TLS client here.
    let out = run_with_env(
        &["check", "octopus", &api.url(), "--min-version", "2020.1"],
        &[("SSL_CERT_FILE", ca.as_str())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // Without either, the lab's CA is not trusted: the remedy names ca_file.
    let out = run(&["check", "octopus", &api.url()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("ca_file"), "{}", stdout(&out));
}

#[test]
fn with_an_api_key_the_certificate_matches_the_polling_port_and_the_key_never_shows() {
    let lab = LabRuntime::new();
    let polling = lab.start(TlsServer::octopus_server());
    let (api, ca) = portal(&lab, "2024.3.12741", &polling);
    let thumbprint = polling.identity.thumbprint().to_string();
    let args = [
        "check",
        "octopus",
        &api.url(),
        "--ca-file",
        &ca,
        "--api-key-env",
        "LAB_OCTOPUS_API_KEY",
        "--polling",
        &polling.addr.to_string(),
        "--thumbprint",
        &thumbprint,
    ];
    let out = run_with_env(&args, &[("LAB_OCTOPUS_API_KEY", KEY)]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("server certificate {thumbprint}")),
        "{text}"
    );
    assert!(!text.contains(KEY), "{text}");
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let out = run_with_env(&json_args, &[("LAB_OCTOPUS_API_KEY", KEY)]);
    assert!(!stdout(&out).contains(KEY));
    let report = json(&out);
    let cert = &report["results"][1];
    assert_eq!(cert["evidence"]["api_thumbprint"], thumbprint.as_str());
    assert_eq!(cert["evidence"]["polling_thumbprint"], thumbprint.as_str());
    assert_eq!(cert["evidence"]["api_key_env"], "LAB_OCTOPUS_API_KEY");

    // A wrong key: refused, an error naming the variable.
    let out = run_with_env(&args, &[("LAB_OCTOPUS_API_KEY", "API-WRONG0000000000")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("the API key in LAB_OCTOPUS_API_KEY was refused (HTTP 401)"),
        "{}",
        stdout(&out)
    );
}

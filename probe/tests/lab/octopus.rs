//! The API checks against the lab's fake Octopus portal.

use std::time::Duration;

use report::Status;

use lab::octopus::{OctopusApi, OctopusApiOptions};
use lab::tls::TlsServer;
use probe::Context;
use probe::checks::octopus::*;
use probe::checks::octopus::{OctopusVersion, assess_api, assess_thumbprint};
use probe::checks::tls::{Expected, TlsSpec};
use probe::endpoint::Endpoint;

fn ctx() -> Context {
    Context::new(Duration::from_secs(2), "the test")
}

/// An environment variable the test runner always sets, standing in for an
/// API key variable (tests cannot set variables: `unsafe` is forbidden).
const KEY_VAR: &str = "CARGO_MANIFEST_DIR";

fn key() -> String {
    std::env::var(KEY_VAR).expect("cargo sets CARGO_MANIFEST_DIR for tests")
}

async fn portal(version: &str, server: &TlsServer) -> (OctopusApi, std::path::PathBuf) {
    let api = OctopusApi::start(OctopusApiOptions {
        version: version.into(),
        thumbprint: server.identity.thumbprint(),
        api_key: key(),
        names: Vec::new(),
        clock_offset_s: 0,
    })
    .await
    .unwrap();
    let ca = std::env::temp_dir().join(format!(
        "preflight-octopus-ca-{}-{}.pem",
        std::process::id(),
        api.server.addr.port()
    ));
    std::fs::write(&ca, api.ca.pem()).unwrap();
    (api, ca)
}

#[tokio::test]
async fn an_old_version_is_read_and_judged() {
    let polling = TlsServer::octopus_server().await.unwrap();
    let (api, ca) = portal("2020.6.4671", &polling).await;
    let spec = ApiSpec {
        url: api.url(),
        min_version: Some("2021.1".parse::<OctopusVersion>().unwrap()),
        ca_file: Some(ca.clone()),
    };
    let ev = gather_api(&ctx(), &spec).await;
    assert_eq!(ev.error, None);
    assert_eq!(ev.status, Some(200));
    assert_eq!(ev.application.as_deref(), Some("Octopus Deploy"));
    assert_eq!(ev.version.as_deref(), Some("2020.6.4671"));
    let o = assess_api(&ev, &spec, "east");
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.contains("older than 2021.1"), "{}", o.reason);
    std::fs::remove_file(ca).ok();
}

#[tokio::test]
async fn without_the_ca_file_the_portal_is_untrusted() {
    let polling = TlsServer::octopus_server().await.unwrap();
    let (api, ca) = portal("2024.3.12741", &polling).await;
    let spec = ApiSpec {
        url: api.url(),
        min_version: None,
        ca_file: None,
    };
    let ev = gather_api(&ctx(), &spec).await;
    let e = ev.error.clone().expect("untrusted");
    assert_eq!(e.kind, RequestFailure::Untrusted, "{}", e.detail);
    let o = assess_api(&ev, &spec, "east");
    assert!(o.remediation.unwrap().contains("ca_file"));
    std::fs::remove_file(ca).ok();
}

#[tokio::test]
async fn a_web_server_without_version_is_not_octopus() {
    let web = TlsServer::web(
        lab::certs::halibut("127.0.0.1", 30).unwrap(),
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 12\r\nConnection: close\r\n\r\n<html></html>",
    )
    .await
    .unwrap();
    // Its self-signed certificate is its own CA: trust it through a ca_file.
    let ca = std::env::temp_dir().join(format!("preflight-web-ca-{}.pem", web.addr.port()));
    std::fs::write(&ca, web.identity.leaf_pem()).unwrap();
    let spec = ApiSpec {
        url: format!("https://{}", web.addr),
        min_version: None,
        ca_file: Some(ca.clone()),
    };
    let ev = gather_api(&ctx(), &spec).await;
    // rustls refuses a self-signed leaf used as its own root (not a CA): that is an untrusted error,
    // or, if accepted, the page has no Version. Either way it is not a pass.
    let o = assess_api(&ev, &spec, "east");
    assert_ne!(o.status, Status::Pass, "{ev:?}");
    std::fs::remove_file(ca).ok();
}

#[tokio::test]
async fn the_api_certificate_is_compared_with_the_polling_port() {
    let polling = TlsServer::octopus_server().await.unwrap();
    let (api, ca) = portal("2024.3.12741", &polling).await;
    let spec = ThumbprintSpec {
        url: api.url(),
        api_key_env: KEY_VAR.into(),
        ca_file: Some(ca.clone()),
        polling: Some(TlsSpec::new(
            Endpoint::new("127.0.0.1", polling.addr.port()),
            Expected::Server,
        )),
        expected: Some(polling.identity.thumbprint()),
    };
    let ev = gather_thumbprint(&ctx(), &spec).await;
    assert_eq!(ev.error, None);
    assert_eq!(ev.api_thumbprint, Some(polling.identity.thumbprint()));
    assert_eq!(ev.polling_thumbprint, Some(polling.identity.thumbprint()));
    let o = assess_thumbprint(&ev, &spec, "east");
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    let json = serde_json::to_string(&ev).unwrap();
    assert!(
        !json.contains(&key()),
        "the key's value never appears: {json}"
    );

    // A middlebox on the polling port presents another certificate.
    let middlebox = TlsServer::intercepting(lab::tls::Welcome::Server)
        .await
        .unwrap();
    let spec = ThumbprintSpec {
        polling: Some(TlsSpec::new(
            Endpoint::new("127.0.0.1", middlebox.addr.port()),
            Expected::Server,
        )),
        ..spec
    };
    let o = assess_thumbprint(&gather_thumbprint(&ctx(), &spec).await, &spec, "east");
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.contains("the polling port"), "{}", o.reason);

    // An unset variable: the certificate is not read, and the result says which variable.
    let spec = ThumbprintSpec {
        api_key_env: "PREFLIGHT_TEST_SURELY_UNSET_KEY".into(),
        ..spec
    };
    let ev = gather_thumbprint(&ctx(), &spec).await;
    assert_eq!(ev.status, None);
    let o = assess_thumbprint(&ev, &spec, "east");
    assert_eq!(o.status, Status::Error);
    assert!(
        o.reason
            .contains("PREFLIGHT_TEST_SURELY_UNSET_KEY is not set")
    );
    std::fs::remove_file(ca).ok();
}

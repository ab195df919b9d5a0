//! The path logic without a network: `via = "both"` outcomes, the evidence
//! shape, Octopus Cloud's reach, missing credentials.

use report::Status;

use super::protocol::{ex, spec};
use lab::feeds;
use probe::checks::feed::*;

fn path(via: PathVia, answer: Result<Exchange, TransportError>) -> PathEvidence {
    PathEvidence {
        via,
        url: "https://nuget.example.com/v3/index.json".into(),
        final_url: Some("https://nuget.example.com/v3/index.json".into()),
        proxy: (via == PathVia::Proxy).then(|| "http://proxy.example.com:3128".into()),
        proxy_source: None,
        bypassed_by: None,
        redirects: vec![],
        answer,
        login: None,
        authenticated: false,
        elapsed_ms: 5,
        unused_env_proxy: None,
        address: None,
        source: None,
    }
}

fn blocked() -> Result<Exchange, TransportError> {
    Err(TransportError {
        stage: Stage::Timeout,
        message: "operation timed out".into(),
    })
}

fn index() -> Result<Exchange, TransportError> {
    Ok(ex(200, "application/json", feeds::NUGET_V3_INDEX))
}

#[test]
fn via_both_tells_direct_blocked_proxy_ok_from_both_failing() {
    let s = spec(
        FeedKind::NugetV3,
        "https://nuget.example.com/v3/index.json",
        Via::Both,
    );
    let ev = |d, p| FeedEvidence {
        paths: vec![path(PathVia::Direct, d), path(PathVia::Proxy, p)],
        ..Default::default()
    };
    let o = assess(&ev(blocked(), index()), &s, "data center east");
    assert_eq!(o.status, Status::Pass);
    assert!(
        o.reason
            .starts_with("direct blocked, proxy OK (through http://proxy.example.com:3128)"),
        "{}",
        o.reason
    );
    assert_eq!(o.evidence.json()["paths"][0]["via"], "direct");
    assert_eq!(o.evidence.json()["paths"][0]["protocol_ok"], false);
    assert_eq!(o.evidence.json()["paths"][0]["error"], "timeout");
    assert_eq!(
        o.evidence.json()["paths"][1]["proxy"],
        "http://proxy.example.com:3128"
    );
    assert_eq!(o.evidence.json()["paths"][1]["protocol_ok"], true);

    let block = Ok(ex(200, "text/html", feeds::BLOCK_PAGE_HTML));
    let o = assess(&ev(blocked(), block), &s, "data center east");
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.starts_with("both fail"), "{}", o.reason);
    assert!(
        o.reason.contains("not a NuGet v3 service index"),
        "{}",
        o.reason
    );

    let o = assess(&ev(index(), blocked()), &s, "east");
    assert_eq!(o.status, Status::Warn);
    assert!(
        o.reason.starts_with("direct OK, proxy fails"),
        "{}",
        o.reason
    );
}

#[test]
fn single_path_evidence_has_the_documented_keys() {
    let s = spec(
        FeedKind::NugetV3,
        "https://nuget.example.com/v3/index.json",
        Via::Direct,
    );
    let ev = FeedEvidence {
        paths: vec![path(PathVia::Direct, index())],
        ..Default::default()
    };
    let o = assess(&ev, &s, "east");
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    for key in [
        "kind",
        "url",
        "final_url",
        "status",
        "via",
        "proxy",
        "elapsed_ms",
        "protocol_ok",
        "detail",
    ] {
        assert!(
            o.evidence.json().get(key).is_some(),
            "missing {key}: {}",
            o.evidence
        );
    }
    assert_eq!(o.evidence.json()["kind"], "nuget-v3");
    assert_eq!(o.evidence.json()["status"], 200);
    assert!(o.evidence.json()["proxy"].is_null());
}

#[test]
fn server_side_feed_on_a_private_address_fails_for_octopus_cloud() {
    let mut s = spec(
        FeedKind::NugetV3,
        "https://nuget.corp.example.com/v3/index.json",
        Via::Direct,
    );
    s.server_side = true;
    s.cloud = true;
    let ev = FeedEvidence {
        paths: vec![path(PathVia::Direct, index())],
        resolved: Some(Ok(vec!["10.20.30.40".parse().unwrap()])),
        setup_error: None,
    };
    let o = assess(&ev, &s, "east");
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.reason.contains("10.20.30.40 (private (RFC 1918"),
        "{}",
        o.reason
    );
    assert!(o.reason.contains("Octopus Cloud cannot reach a private address; expose it or use a publicly reachable proxy"), "{}", o.reason);
    assert_eq!(o.evidence.json()["resolved"][0], "10.20.30.40");
    let public = FeedEvidence {
        resolved: Some(Ok(vec!["100.128.0.1".parse().unwrap()])),
        ..ev
    };
    assert_eq!(assess(&public, &s, "east").status, Status::Pass);
}

#[test]
fn a_missing_credential_variable_is_an_error_naming_the_variable_only() {
    let s = spec(
        FeedKind::NugetV3,
        "https://nuget.example.com/v3/index.json",
        Via::Direct,
    );
    let ev = FeedEvidence {
        setup_error: Some(
            "the environment variable NUGET_TOKEN (the feed password) is not set in this shell"
                .into(),
        ),
        ..Default::default()
    };
    let o = assess(&ev, &s, "east");
    assert_eq!(o.status, Status::Error);
    assert!(o.reason.contains("NUGET_TOKEN"), "{}", o.reason);
}

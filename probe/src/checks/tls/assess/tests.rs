use super::*;
use crate::checks::tls::CertInfo;
use crate::endpoint::Endpoint;
use crate::thumbprint::Thumbprint;

const FOUND: &str = "AB12AB12AB12AB12AB12AB12AB12AB12AB12AB12";
const OTHER: &str = "3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B";

fn cert(subject: &str, issuer: &str, self_signed: bool, sig: &str) -> CertInfo {
    CertInfo {
        subject: subject.into(),
        issuer: issuer.into(),
        serial: "01".into(),
        not_before: "2026-01-01T00:00:00Z".into(),
        not_after: "2126-01-01T00:00:00Z".into(),
        signature_algorithm: sig.into(),
        key_type: "RSA".into(),
        key_bits: Some(2048),
        self_signed,
        not_before_unix: 0,
        not_after_unix: 0,
    }
}

/// A completed handshake with a self-signed Halibut server answering.
fn server_evidence() -> TlsEvidence {
    TlsEvidence {
        target: "octopus.example.com:10943".into(),
        sni: Some("octopus.example.com".into()),
        tls_version: Some("TLSv1.3".into()),
        cipher: Some("TLS13_AES_256_GCM_SHA384".into()),
        thumbprint_sha1: Some(FOUND.parse().unwrap()),
        fingerprint_sha256: Some("00".repeat(32)),
        chain: vec![cert(
            "CN=Octopus Portal",
            "CN=Octopus Portal",
            true,
            "sha256WithRSAEncryption",
        )],
        days_left: Some(36000),
        halibut: Some(HalibutRole::Server),
        halibut_answer: Some("HTTP/1.0 200 OK".into()),
        ..TlsEvidence::default()
    }
}

fn spec(expected: Expected) -> TlsSpec {
    TlsSpec::new(Endpoint::new("octopus.example.com", 10943), expected)
}

fn with_thumbprint(mut s: TlsSpec, t: &str) -> TlsSpec {
    s.thumbprint = Some(t.parse::<Thumbprint>().unwrap());
    s
}

#[test]
fn a_self_signed_server_with_the_expected_thumbprint_passes() {
    let o = assess(
        &server_evidence(),
        &with_thumbprint(spec(Expected::Server), &FOUND.to_lowercase()),
        "data center east",
    );
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert!(
        o.reason.contains("Octopus Server polling endpoint"),
        "{}",
        o.reason
    );
    assert!(
        o.reason
            .contains(&format!("thumbprint {FOUND} (as expected)")),
        "{}",
        o.reason
    );
    assert!(o.remediation.is_none());
    assert_eq!(o.evidence.json()["thumbprint_sha1"], FOUND);
    assert_eq!(o.evidence.json()["halibut"], "server");
    assert_eq!(o.evidence.json()["chain"][0]["self_signed"], true);
}

#[test]
fn a_thumbprint_mismatch_fails_showing_both_values_and_the_trust_command() {
    let o = assess(
        &server_evidence(),
        &with_thumbprint(spec(Expected::Server), OTHER),
        "data center east",
    );
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.reason
            .contains(&format!("expected {OTHER}, found {FOUND}")),
        "{}",
        o.reason
    );
    let remedy = o.remediation.unwrap();
    assert!(
        remedy.contains(&format!("Tentacle configure --trust={FOUND}")),
        "{remedy}"
    );
    assert!(remedy.contains("Tentacle poll-server"), "{remedy}");

    let mut tentacle = server_evidence();
    tentacle.halibut = Some(HalibutRole::Tentacle);
    let o = assess(
        &tentacle,
        &with_thumbprint(spec(Expected::Tentacle), OTHER),
        "east",
    );
    assert_eq!(o.status, Status::Fail);
    assert!(o.remediation.unwrap().contains("Connectivity"));
}

#[test]
fn a_ca_issued_leaf_on_a_halibut_port_is_flagged_as_inspection_naming_the_issuer() {
    let mut ev = server_evidence();
    ev.chain = vec![
        cert(
            "CN=Octopus Portal",
            "CN=Contoso TLS Inspection CA",
            false,
            "sha256WithRSAEncryption",
        ),
        cert(
            "CN=Contoso TLS Inspection CA",
            "CN=Contoso TLS Inspection CA",
            true,
            "ecdsa-with-SHA256",
        ),
    ];
    let o = assess(&ev, &spec(Expected::Server), "data center east");
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.contains("probable TLS inspection"), "{}", o.reason);
    assert!(
        o.reason.contains("CN=Contoso TLS Inspection CA"),
        "{}",
        o.reason
    );
    assert!(o.remediation.unwrap().contains("bypass"));

    // The same certificate on a plain TLS endpoint (a web portal) is normal.
    ev.halibut = Some(HalibutRole::None);
    let o = assess(&ev, &spec(Expected::Tls), "east");
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    // But a Halibut page behind a CA-issued leaf is inspection, even ad hoc.
    ev.halibut = Some(HalibutRole::Server);
    assert_eq!(
        assess(&ev, &spec(Expected::Tls), "east").status,
        Status::Fail
    );
}

#[test]
fn the_halibut_role_must_fit() {
    let mut ev = server_evidence();
    ev.halibut = Some(HalibutRole::Tentacle);
    let o = assess(&ev, &spec(Expected::Server), "east");
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.contains("listening Tentacle"), "{}", o.reason);
    assert_eq!(
        assess(&ev, &spec(Expected::Halibut), "east").status,
        Status::Pass
    );

    ev.halibut = Some(HalibutRole::None);
    ev.halibut_answer = Some("HTTP/1.1 403 Forbidden".into());
    let o = assess(&ev, &spec(Expected::Halibut), "east");
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.reason
            .contains("not a Halibut endpoint: it answered `HTTP/1.1 403 Forbidden`"),
        "{}",
        o.reason
    );
    assert_eq!(
        assess(&ev, &spec(Expected::Tls), "east").status,
        Status::Pass
    );
}

#[test]
fn halibut_silence_after_the_handshake_is_an_error() {
    let mut ev = server_evidence();
    ev.halibut = Some(HalibutRole::None);
    ev.halibut_answer = None;
    ev.error = Some(Failure {
        stage: Stage::Halibut,
        kind: FailureKind::Timeout,
        detail: "nothing answered GET / within 2.0s".into(),
    });
    let o = assess(&ev, &spec(Expected::Server), "east");
    assert_eq!(o.status, Status::Error, "{}", o.reason);
    assert_eq!(
        assess(&ev, &spec(Expected::Tls), "east").status,
        Status::Pass
    );
}

#[test]
fn expiry_fails_when_expired_and_warns_within_30_days() {
    let mut ev = server_evidence();
    ev.days_left = Some(-3);
    let o = assess(&ev, &spec(Expected::Server), "east");
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.contains("expired 3 days ago"), "{}", o.reason);
    ev.days_left = Some(30);
    let o = assess(&ev, &spec(Expected::Server), "east");
    assert_eq!(o.status, Status::Warn);
    assert!(o.reason.contains("expires in 30 days"), "{}", o.reason);
    ev.days_left = Some(31);
    assert_eq!(
        assess(&ev, &spec(Expected::Server), "east").status,
        Status::Pass
    );
}

#[test]
fn a_sha1_signature_warns_with_the_tentacle_fix() {
    let mut ev = server_evidence();
    ev.halibut = Some(HalibutRole::Tentacle);
    ev.chain[0] = cert(
        "CN=Octopus Tentacle",
        "CN=Octopus Tentacle",
        true,
        "sha1WithRSAEncryption",
    );
    let o = assess(&ev, &spec(Expected::Tentacle), "east");
    assert_eq!(o.status, Status::Warn);
    assert!(o.reason.contains("sha1WithRSAEncryption"), "{}", o.reason);
    assert!(o.remediation.unwrap().contains("Tentacle new-certificate"));
}

#[test]
fn old_tls_fails_for_cloud_only() {
    let mut ev = server_evidence();
    ev.tls_version = Some("TLSv1.1".into());
    let mut cloud = TlsSpec::new(
        Endpoint::new("polling.acme.octopus.app", 443),
        Expected::Server,
    );
    assert!(cloud.cloud);
    assert_eq!(assess(&ev, &cloud, "east").status, Status::Fail);
    cloud.cloud = false;
    assert_eq!(assess(&ev, &cloud, "east").status, Status::Warn);

    let too_old = TlsEvidence {
        target: "polling.acme.octopus.app:443".into(),
        error: Some(Failure {
            stage: Stage::Handshake,
            kind: FailureKind::TlsTooOld,
            detail: "the endpoint offers only TLS 1.0 or 1.1".into(),
        }),
        ..TlsEvidence::default()
    };
    cloud.cloud = true;
    let o = assess(&too_old, &cloud, "east");
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.reason.contains("Octopus Cloud requires TLS 1.2"),
        "{}",
        o.reason
    );
    cloud.cloud = false;
    assert_eq!(assess(&too_old, &cloud, "east").status, Status::Error);
}

fn failed(stage: Stage, kind: FailureKind, detail: &str) -> TlsEvidence {
    TlsEvidence {
        target: "octopus.example.com:10943".into(),
        proxy: (stage == Stage::Proxy).then(|| "http://proxy.example.com:3128".into()),
        error: Some(Failure {
            stage,
            kind,
            detail: detail.into(),
        }),
        ..TlsEvidence::default()
    }
}

#[test]
fn failed_steps_map_to_statuses_and_remedies() {
    let cases = [
        (
            Stage::Resolve,
            FailureKind::DnsFailed,
            Status::Fail,
            "resolve",
        ),
        (
            Stage::Connect,
            FailureKind::Filtered,
            Status::Fail,
            "firewall rule allowing TCP 10943",
        ),
        (
            Stage::Connect,
            FailureKind::Refused,
            Status::Fail,
            "nothing accepts TCP 10943",
        ),
        (
            Stage::Proxy,
            FailureKind::ProxyRefused,
            Status::Fail,
            "allow CONNECT to octopus.example.com:10943",
        ),
        (
            Stage::Proxy,
            FailureKind::ProxyAuthRequired,
            Status::Fail,
            "username_env",
        ),
        (
            Stage::Proxy,
            FailureKind::ProxyTargetUnreachable,
            Status::Fail,
            "from the proxy",
        ),
        (
            Stage::Handshake,
            FailureKind::Timeout,
            Status::Error,
            "does not speak TLS",
        ),
        (
            Stage::Handshake,
            FailureKind::PlainHttp,
            Status::Fail,
            "Halibut port",
        ),
        (
            Stage::Handshake,
            FailureKind::NotTls,
            Status::Fail,
            "Halibut port",
        ),
        (
            Stage::Handshake,
            FailureKind::Closed,
            Status::Fail,
            "resets TLS",
        ),
    ];
    for (stage, kind, status, needle) in cases {
        let o = assess(
            &failed(stage, kind, "detail"),
            &spec(Expected::Server),
            "data center east",
        );
        assert_eq!(o.status, status, "{kind:?}: {}", o.reason);
        let remedy = o.remediation.unwrap_or_default();
        assert!(remedy.contains(needle), "{kind:?}: {remedy}");
        assert_eq!(
            o.evidence.json()["error"]["stage"],
            serde_json::to_value(stage).unwrap()
        );
    }
    let proxy_refused = assess(
        &failed(
            Stage::Proxy,
            FailureKind::ProxyRefused,
            "the proxy refused the CONNECT (HTTP/1.1 403 Forbidden)",
        ),
        &spec(Expected::Server),
        "east",
    );
    assert!(
        proxy_refused
            .reason
            .contains("http://proxy.example.com:3128 refused CONNECT"),
        "{}",
        proxy_refused.reason
    );
}

#[test]
fn evidence_has_the_documented_keys() {
    let o = assess(&server_evidence(), &spec(Expected::Server), "east");
    let v = o.evidence.json();
    for key in [
        "thumbprint_sha1",
        "fingerprint_sha256",
        "tls_version",
        "cipher",
        "chain",
        "halibut",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    for key in [
        "subject",
        "issuer",
        "not_after",
        "signature_algorithm",
        "self_signed",
    ] {
        assert!(v["chain"][0].get(key).is_some(), "missing chain.{key}: {v}");
    }
    assert!(v["chain"][0].get("not_after_unix").is_none());
}

#[test]
fn a_stand_in_listener_is_a_warning_where_a_tentacle_belongs() {
    let mut ev = server_evidence();
    ev.halibut = Some(HalibutRole::Standin);
    ev.halibut_answer = Some("HTTP/1.0 200 OK".into());
    ev.standin = true;
    ev.chain[0] = cert(
        "CN=preflight stand-in",
        "CN=preflight stand-in",
        true,
        "ecdsa-with-SHA256",
    );
    let o = assess(&ev, &spec(Expected::Tentacle), "east");
    assert_eq!(o.status, Status::Warn, "{}", o.reason);
    assert!(o.reason.contains("stand-in"), "{}", o.reason);
    assert_eq!(
        assess(&ev, &spec(Expected::Halibut), "east").status,
        Status::Warn
    );
    assert_eq!(
        assess(&ev, &spec(Expected::Server), "east").status,
        Status::Fail
    );
    assert_eq!(o.evidence.json()["standin"], true);
    assert_eq!(o.evidence.json()["halibut"], "standin");
    assert!(
        o.reason
            .contains("a preflight stand-in listener (not a Tentacle)"),
        "{}",
        o.reason
    );
    let server = assess(&ev, &spec(Expected::Server), "east");
    assert!(
        server
            .reason
            .contains("a preflight stand-in listener (not a Tentacle) answered where"),
        "{}",
        server.reason
    );
}

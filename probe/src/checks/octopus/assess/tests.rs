use super::*;
use crate::thumbprint::Thumbprint;

const SERVER: &str = "5AD34C6FA28245C232E974057CA88EF20D4EB745";
const OTHER: &str = "3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B";

fn t(s: &str) -> Thumbprint {
    s.parse().unwrap()
}

fn api_spec(min: Option<&str>) -> ApiSpec {
    ApiSpec {
        url: "https://octopus.example.com".into(),
        min_version: min.map(|m| m.parse().unwrap()),
        ca_file: None,
    }
}

fn answered(version: &str) -> ApiEvidence {
    ApiEvidence {
        url: "https://octopus.example.com/api".into(),
        status: Some(200),
        elapsed_ms: Some(12),
        application: Some("Octopus Deploy".into()),
        version: Some(version.into()),
        api_version: Some("3.0.0".into()),
        ..ApiEvidence::default()
    }
}

#[test]
fn an_old_server_below_2021_1_is_a_blocker_with_the_upgrade_remedy() {
    let o = assess_api(&answered("2020.6.4671"), &api_spec(Some("2021.1")), "east");
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.reason.contains("2020.6.4671 is older than 2021.1"),
        "{}",
        o.reason
    );
    assert!(
        o.remediation
            .unwrap()
            .contains("upgrade the old server to 2021.1 or later before exporting")
    );
    let o = assess_api(&answered("2021.1.7500"), &api_spec(Some("2021.1")), "east");
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert_eq!(o.evidence.json()["version"], "2021.1.7500");
    let o = assess_api(&answered("2020.6.4671"), &api_spec(None), "east");
    assert_eq!(o.status, Status::Pass, "no minimum on the new server");
}

#[test]
fn something_else_answering_is_not_octopus() {
    let mut ev = answered("x");
    ev.version = None;
    ev.application = None;
    ev.body_start = Some("<html><title>Sign in</title>".into());
    let o = assess_api(&ev, &api_spec(Some("2021.1")), "east");
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.contains("not an Octopus Server"), "{}", o.reason);
    assert!(o.reason.contains("Sign in"), "{}", o.reason);

    let mut ev = answered("2024.1");
    ev.status = Some(407);
    let o = assess_api(&ev, &api_spec(None), "east");
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.contains("HTTP 407"), "{}", o.reason);
}

#[test]
fn request_failures_say_what_to_do() {
    let failed = |kind, detail: &str| ApiEvidence {
        url: "https://octopus.example.com/api".into(),
        error: Some(RequestError {
            kind,
            detail: detail.into(),
        }),
        ..ApiEvidence::default()
    };
    let o = assess_api(
        &failed(
            RequestFailure::Untrusted,
            "invalid peer certificate: UnknownIssuer",
        ),
        &api_spec(None),
        "east",
    );
    assert_eq!(o.status, Status::Fail);
    assert!(o.remediation.unwrap().contains("ca_file"));
    let o = assess_api(
        &failed(RequestFailure::Connect, "refused"),
        &api_spec(None),
        "data center east",
    );
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.remediation
            .unwrap()
            .contains("from data center east to octopus.example.com")
    );
    let o = assess_api(
        &failed(RequestFailure::Setup, "ca.pem: cannot read"),
        &api_spec(None),
        "east",
    );
    assert_eq!(o.status, Status::Error);
}

fn thumb_spec(expected: Option<&str>) -> ThumbprintSpec {
    ThumbprintSpec {
        url: "https://octopus.example.com".into(),
        api_key_env: "OCTOPUS_API_KEY".into(),
        ca_file: None,
        polling: None,
        expected: expected.map(t),
    }
}

fn seen(api: Option<&str>, polling: Option<&str>) -> ThumbprintEvidence {
    ThumbprintEvidence {
        url: "https://octopus.example.com/api/configuration/certificates/certificate-global".into(),
        api_key_env: "OCTOPUS_API_KEY".into(),
        status: Some(200),
        api_thumbprint: api.map(t),
        polling_target: polling.map(|_| "octopus.example.com:10943".into()),
        polling_thumbprint: polling.map(t),
        ..ThumbprintEvidence::default()
    }
}

#[test]
fn api_polling_port_and_plan_must_agree() {
    let o = assess_thumbprint(
        &seen(Some(SERVER), Some(SERVER)),
        &thumb_spec(Some(SERVER)),
        "east",
    );
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert!(
        o.reason.contains("the polling port and the plan agree"),
        "{}",
        o.reason
    );

    let o = assess_thumbprint(&seen(Some(SERVER), Some(OTHER)), &thumb_spec(None), "east");
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.reason.contains(&format!(
            "presents {OTHER}, but the server's certificate is {SERVER}"
        )),
        "{}",
        o.reason
    );

    let o = assess_thumbprint(
        &seen(Some(SERVER), Some(SERVER)),
        &thumb_spec(Some(OTHER)),
        "east",
    );
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.remediation
            .unwrap()
            .contains(&format!("Tentacle configure --trust={SERVER}"))
    );
}

#[test]
fn a_missing_or_refused_key_is_an_error_naming_the_variable_not_its_value() {
    let mut ev = seen(None, None);
    ev.status = None;
    let o = assess_thumbprint(&ev, &thumb_spec(None), "east");
    assert_eq!(o.status, Status::Error);
    assert!(
        o.reason.contains("OCTOPUS_API_KEY is not set"),
        "{}",
        o.reason
    );
    ev.status = Some(401);
    let o = assess_thumbprint(&ev, &thumb_spec(None), "east");
    assert_eq!(o.status, Status::Error);
    assert!(o.reason.contains("refused (HTTP 401)"), "{}", o.reason);
}

#[test]
fn an_unreachable_polling_port_leaves_a_warning() {
    let mut ev = seen(Some(SERVER), None);
    ev.polling_target = Some("octopus.example.com:10943".into());
    ev.polling_error = Some("filtered: 192.0.2.10:10943 (2000 ms)".into());
    let o = assess_thumbprint(&ev, &thumb_spec(Some(SERVER)), "east");
    assert_eq!(o.status, Status::Warn, "{}", o.reason);
    assert!(o.reason.contains("not compared"), "{}", o.reason);
}

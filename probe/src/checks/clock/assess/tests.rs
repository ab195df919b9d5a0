use std::time::SystemTime;

use report::Status;

use super::*;
use crate::checks::clock::ClockEvidence;

fn evidence(date: Option<&str>, local: SystemTime) -> ClockEvidence {
    ClockEvidence {
        url: "https://acme.octopus.app/api".into(),
        status: Some(200),
        server_date: date.map(str::to_string),
        local_time: humantime::format_rfc3339_seconds(local).to_string(),
        skew_s: date.and_then(|d| skew(d, local)),
        elapsed_ms: 40,
        error: None,
    }
}

fn at(rfc3339: &str) -> SystemTime {
    humantime::parse_rfc3339(rfc3339).unwrap()
}

#[test]
fn http_dates_give_a_signed_skew() {
    let local = at("2026-11-23T10:00:00Z");
    assert_eq!(skew("Mon, 23 Nov 2026 10:00:00 GMT", local), Some(0));
    assert_eq!(skew("Mon, 23 Nov 2026 10:07:30 GMT", local), Some(450));
    assert_eq!(skew("Mon, 23 Nov 2026 09:58:00 GMT", local), Some(-120));
    assert_eq!(skew("yesterday", local), None);
}

#[test]
fn five_minutes_apart_passes_more_is_a_warning() {
    let local = at("2026-11-23T10:00:00Z");
    let close = assess(
        &evidence(Some("Mon, 23 Nov 2026 10:05:00 GMT"), local),
        "data center east",
    );
    assert_eq!(close.status, Status::Pass, "{}", close.reason);
    assert!(close.reason.contains("within 5 min"), "{}", close.reason);

    let ahead = assess(
        &evidence(Some("Mon, 23 Nov 2026 09:52:30 GMT"), local),
        "data center east",
    );
    assert_eq!(ahead.status, Status::Warn);
    assert!(
        ahead
            .reason
            .contains("7 min 30 s ahead of the new server's"),
        "{}",
        ahead.reason
    );
    let remedy = ahead.remediation.unwrap();
    assert!(remedy.contains("NTP") && remedy.contains("data center east"));
    assert_eq!(ahead.evidence.json()["skew_s"], -450);
    assert_eq!(
        ahead.evidence.json()["server_date"],
        "Mon, 23 Nov 2026 09:52:30 GMT"
    );

    let behind = assess(
        &evidence(Some("Mon, 23 Nov 2026 12:05:00 GMT"), local),
        "east",
    );
    assert_eq!(behind.status, Status::Warn);
    assert!(
        behind.reason.contains("2 h 5 min behind"),
        "{}",
        behind.reason
    );
}

#[test]
fn no_usable_date_is_an_error_not_a_pass() {
    let local = at("2026-11-23T10:00:00Z");
    assert_eq!(assess(&evidence(None, local), "east").status, Status::Error);
    let garbled = assess(&evidence(Some("soon\u{7}"), local), "east");
    assert_eq!(garbled.status, Status::Error);
    assert!(garbled.reason.contains("`soon\\x07`"), "{}", garbled.reason);
    let unreachable = ClockEvidence {
        error: Some("connection refused".into()),
        ..evidence(None, local)
    };
    assert_eq!(assess(&unreachable, "east").status, Status::Error);
}

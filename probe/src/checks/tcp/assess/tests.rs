use super::*;
use crate::endpoint::Endpoint;

fn probe(addr: &str, state: PortState) -> AddressProbe {
    AddressProbe {
        connect_ms: 1,
        ..AddressProbe::new(addr.parse().unwrap(), state)
    }
}

fn spec(expect: Expect) -> TcpSpec {
    TcpSpec {
        endpoint: Endpoint::new("polling.example.com", 10943),
        expect,
    }
}

fn evidence(addresses: Vec<AddressProbe>) -> TcpEvidence {
    TcpEvidence {
        resolver: Some("system".into()),
        dns_error: None,
        addresses,
    }
}

#[test]
fn open_expectation_passes_only_when_every_address_is_open() {
    let all_open = evidence(vec![
        probe("192.0.2.1:10943", PortState::Open),
        probe("[2001:db8::1]:10943", PortState::Open),
    ]);
    assert_eq!(
        assess(&all_open, &spec(Expect::Open), "east").status,
        Status::Pass
    );

    let partial = evidence(vec![
        probe("192.0.2.1:10943", PortState::Open),
        probe("[2001:db8::1]:10943", PortState::Filtered),
    ]);
    let o = assess(&partial, &spec(Expect::Open), "east");
    assert_eq!(o.status, Status::Warn);
    assert!(
        o.reason.contains("filtered: [2001:db8::1]:10943"),
        "{}",
        o.reason
    );
}

#[test]
fn each_closed_state_fails_an_open_expectation_with_a_fitting_remedy() {
    for (state, needle) in [
        (PortState::Refused, "reset"),
        (PortState::Filtered, "firewall rule allowing TCP 10943"),
        (PortState::Unreachable, "no route"),
    ] {
        let ev = evidence(vec![probe("192.0.2.1:10943", state)]);
        let o = assess(&ev, &spec(Expect::Open), "data center east");
        assert_eq!(o.status, Status::Fail, "{state:?}");
        assert!(o.reason.starts_with(state.as_str()), "{}", o.reason);
        let remedy = o.remediation.unwrap();
        assert!(remedy.contains(needle), "{remedy}");
        assert!(remedy.contains("data center east"), "{remedy}");
    }
}

#[test]
fn blocked_expectation_fails_when_anything_is_open() {
    let ev = evidence(vec![
        probe("192.0.2.1:5985", PortState::Filtered),
        probe("192.0.2.2:5985", PortState::Open),
    ]);
    assert_eq!(
        assess(&ev, &spec(Expect::Blocked), "east").status,
        Status::Fail
    );
    let ev = evidence(vec![
        probe("192.0.2.1:5985", PortState::Filtered),
        probe("192.0.2.2:5985", PortState::Refused),
        probe("192.0.2.3:5985", PortState::Unreachable),
    ]);
    assert_eq!(
        assess(&ev, &spec(Expect::Blocked), "east").status,
        Status::Pass
    );
}

#[test]
fn local_errors_are_errors_not_passes() {
    let ev = evidence(vec![probe("[2001:db8::1]:443", PortState::Error)]);
    assert_eq!(
        assess(&ev, &spec(Expect::Open), "east").status,
        Status::Error
    );
    assert_eq!(
        assess(&ev, &spec(Expect::Blocked), "east").status,
        Status::Error
    );
    let empty = evidence(vec![]);
    assert_eq!(
        assess(&empty, &spec(Expect::Blocked), "east").status,
        Status::Error
    );
}

#[test]
fn dns_failure_fails_open_and_does_not_prove_blocked() {
    let ev = TcpEvidence {
        resolver: None,
        dns_error: Some("NXDOMAIN".into()),
        addresses: vec![],
    };
    let o = assess(&ev, &spec(Expect::Open), "east");
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.starts_with("dns-failed"));
    assert_eq!(
        assess(&ev, &spec(Expect::Blocked), "east").status,
        Status::Error
    );
}

#[test]
fn evidence_serializes_in_the_documented_shape() {
    let ev = evidence(vec![probe("127.0.0.1:10943", PortState::Filtered)]);
    let v = serde_json::to_value(&ev).unwrap();
    assert_eq!(v["addresses"][0]["address"], "127.0.0.1:10943");
    assert_eq!(v["addresses"][0]["state"], "filtered");
    assert_eq!(v["addresses"][0]["connect_ms"], 1);
}

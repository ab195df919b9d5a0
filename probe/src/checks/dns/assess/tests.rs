//! The assessment of DNS evidence, without a network.

use report::Status;

use crate::checks::dns::*;
use crate::net::resolve::{DnsOutcome, ResolverAnswer};

fn answer(resolver: &str, outcome: DnsOutcome, ips: &[&str]) -> ResolverAnswer {
    ResolverAnswer {
        resolver: resolver.into(),
        outcome,
        addresses: ips.iter().map(|s| s.parse().unwrap()).collect(),
        cname_chain: Vec::new(),
        ttl_s: Some(300),
        elapsed_ms: 3,
        detail: match outcome {
            DnsOutcome::Servfail => Some("SERVFAIL".into()),
            DnsOutcome::Error => Some("no connections available".into()),
            _ => None,
        },
    }
}

fn evidence(answers: Vec<ResolverAnswer>) -> DnsEvidence {
    DnsEvidence {
        name: "polling.example.com".into(),
        answers,
        same_as: Vec::new(),
    }
}

fn spec(expect: DnsExpect) -> DnsSpec {
    DnsSpec {
        name: "polling.example.com".into(),
        expect,
    }
}

fn judge(answers: Vec<ResolverAnswer>, expect: DnsExpect) -> crate::Outcome {
    assess(&evidence(answers), &spec(expect), "data center east")
}

#[test]
fn every_resolver_answering_passes_and_the_reason_shows_each_answer() {
    let o = judge(
        vec![
            answer("system", DnsOutcome::Answer, &["192.0.2.10"]),
            answer("192.0.2.53:53", DnsOutcome::Answer, &["192.0.2.10"]),
        ],
        DnsExpect::default(),
    );
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert_eq!(
        o.reason,
        "system: 192.0.2.10 (TTL 300 s); 192.0.2.53:53: 192.0.2.10 (TTL 300 s)"
    );
    assert!(o.remediation.is_none());
    assert_eq!(o.evidence.json()["answers"][1]["resolver"], "192.0.2.53:53");
}

#[test]
fn each_failure_outcome_says_what_happened_and_what_to_do() {
    for (outcome, status, reason, remedy) in [
        (
            DnsOutcome::Nxdomain,
            Status::Fail,
            "NXDOMAIN",
            "create the A/AAAA record",
        ),
        (
            DnsOutcome::Nodata,
            Status::Fail,
            "NODATA",
            "create the A/AAAA record",
        ),
        (
            DnsOutcome::Servfail,
            Status::Fail,
            "SERVFAIL",
            "forwarding or delegation",
        ),
        (
            DnsOutcome::Timeout,
            Status::Fail,
            "timeout (no answer in 3 ms)",
            "UDP and TCP",
        ),
        (
            DnsOutcome::Error,
            Status::Error,
            "error (no connections",
            "/etc/resolv.conf",
        ),
    ] {
        let o = judge(
            vec![
                answer("system", DnsOutcome::Answer, &["192.0.2.10"]),
                answer("192.0.2.53:53", outcome, &[]),
            ],
            DnsExpect::default(),
        );
        assert_eq!(o.status, status, "{outcome:?}: {}", o.reason);
        assert!(o.reason.starts_with("192.0.2.53:53: "), "{}", o.reason);
        assert!(o.reason.contains(reason), "{outcome:?}: {}", o.reason);
        let r = o.remediation.unwrap_or_default();
        assert!(r.contains(remedy), "{outcome:?}: {r}");
    }
}

#[test]
fn must_not_resolve_passes_on_nxdomain_and_is_not_proven_by_a_timeout() {
    let expect = DnsExpect {
        resolves: false,
        ..DnsExpect::default()
    };
    let o = judge(
        vec![
            answer("system", DnsOutcome::Nxdomain, &[]),
            answer("192.0.2.53:53", DnsOutcome::Nodata, &[]),
        ],
        expect.clone(),
    );
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert!(o.reason.starts_with("does not resolve, as expected"));
    let o = judge(
        vec![answer("system", DnsOutcome::Answer, &["192.0.2.10"])],
        expect.clone(),
    );
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.contains("must not resolve"), "{}", o.reason);
    assert!(o.remediation.unwrap().contains("remove the DNS record"));
    for outcome in [DnsOutcome::Timeout, DnsOutcome::Servfail] {
        let o = judge(vec![answer("system", outcome, &[])], expect.clone());
        assert_eq!(o.status, Status::Error, "{outcome:?}");
        assert!(o.reason.contains("not proven"), "{}", o.reason);
    }
}

#[test]
fn expected_addresses_compare_exactly_or_as_contained() {
    let want = |mode, ips: &[&str]| DnsExpect {
        addresses: Some(AddressExpect {
            addresses: ips.iter().map(|s| s.parse().unwrap()).collect(),
            mode,
        }),
        ..DnsExpect::default()
    };
    let found = || {
        vec![answer(
            "system",
            DnsOutcome::Answer,
            &["192.0.2.10", "192.0.2.11"],
        )]
    };
    let exact = judge(
        found(),
        want(AddressMatch::Exact, &["192.0.2.11", "192.0.2.10"]),
    );
    assert_eq!(exact.status, Status::Pass);
    let o = judge(found(), want(AddressMatch::Exact, &["192.0.2.10"]));
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.reason
            .contains("mismatch: expected 192.0.2.10, found 192.0.2.10, 192.0.2.11"),
        "{}",
        o.reason
    );
    assert!(o.remediation.unwrap().contains("up to 300 s"));
    let contains = judge(found(), want(AddressMatch::Contains, &["192.0.2.10"]));
    assert_eq!(contains.status, Status::Pass);
    let o = judge(found(), want(AddressMatch::Contains, &["192.0.2.12"]));
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.contains("192.0.2.12 missing"), "{}", o.reason);
}

#[test]
fn the_cname_chain_must_pass_through_the_named_target() {
    let mut a = answer("system", DnsOutcome::Answer, &["192.0.2.10"]);
    a.cname_chain = vec!["acme.octopus.app".into(), "edge.example.net".into()];
    let expect = |cname: &str| DnsExpect {
        cname: Some(cname.into()),
        ..DnsExpect::default()
    };
    assert_eq!(
        judge(vec![a.clone()], expect("ACME.octopus.app.")).status,
        Status::Pass
    );
    let o = judge(vec![a.clone()], expect("other.example.com"));
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.reason
            .contains("the CNAME chain acme.octopus.app → edge.example.net does not pass through other.example.com"),
        "{}",
        o.reason
    );
    let plain = answer("system", DnsOutcome::Answer, &["192.0.2.10"]);
    let o = judge(vec![plain], expect("acme.octopus.app"));
    assert!(o.reason.contains("no CNAME"), "{}", o.reason);
}

#[test]
fn a_private_address_fails_public_with_a_remediation_naming_the_fix() {
    let public = DnsExpect {
        public: true,
        ..DnsExpect::default()
    };
    let o = judge(
        vec![answer(
            "system",
            DnsOutcome::Answer,
            &["10.20.30.40", "1.1.1.1"],
        )],
        public.clone(),
    );
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.reason.contains("10.20.30.40 is private (RFC 1918"),
        "{}",
        o.reason
    );
    assert!(!o.reason.contains("1.1.1.1 is"), "{}", o.reason);
    let r = o.remediation.unwrap();
    assert!(
        r.contains("Octopus Cloud reaches listening Tentacles"),
        "{r}"
    );
    assert!(r.contains("polling Tentacle"), "{r}");
    let o = judge(
        vec![answer(
            "system",
            DnsOutcome::Answer,
            &["1.1.1.1", "2606:4700::1111"],
        )],
        public,
    );
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
}

#[test]
fn resolvers_that_disagree_warn_with_both_answers_or_fail_when_told() {
    let answers = || {
        vec![
            answer("system", DnsOutcome::Answer, &["10.0.0.5"]),
            answer("192.0.2.53:53", DnsOutcome::Answer, &["203.0.113.5"]),
            answer("192.0.2.54:53", DnsOutcome::Timeout, &[]),
        ]
    };
    let agree = vec![
        answer("system", DnsOutcome::Answer, &["10.0.0.5"]),
        answer("192.0.2.53:53", DnsOutcome::Answer, &["10.0.0.5"]),
    ];
    assert_eq!(judge(agree, DnsExpect::default()).status, Status::Pass);
    let mut two = answers();
    two.pop();
    let o = judge(two, DnsExpect::default());
    assert_eq!(o.status, Status::Warn);
    assert_eq!(
        o.reason,
        "resolvers disagree: system: 10.0.0.5 (TTL 300 s); 192.0.2.53:53: 203.0.113.5 (TTL 300 s)"
    );
    assert!(o.remediation.unwrap().contains("split-horizon"));
    let mut two = answers();
    two.pop();
    let strict = DnsExpect {
        same_everywhere: true,
        ..DnsExpect::default()
    };
    assert_eq!(judge(two, strict).status, Status::Fail);
    // A resolver that answered and one that says NXDOMAIN disagree too.
    let o = judge(
        vec![
            answer("system", DnsOutcome::Answer, &["10.0.0.5"]),
            answer("192.0.2.53:53", DnsOutcome::Nxdomain, &[]),
        ],
        DnsExpect::default(),
    );
    assert_eq!(
        o.status,
        Status::Fail,
        "NXDOMAIN fails the default expectation"
    );
    assert!(o.reason.contains("resolvers disagree"), "{}", o.reason);
    // The timeout fails the check; the disagreement is still shown.
    let o = judge(answers(), DnsExpect::default());
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.contains("timeout") && o.reason.contains("disagree"));
}

#[test]
fn a_repointed_name_must_resolve_to_the_reference_addresses_on_each_resolver() {
    let expect = DnsExpect {
        same_as: vec!["acme.octopus.app".into()],
        ..DnsExpect::default()
    };
    let with_reference = |own: &[&str], reference: Vec<ResolverAnswer>| DnsEvidence {
        name: "octopus.example.com".into(),
        answers: vec![answer("system", DnsOutcome::Answer, own)],
        same_as: vec![NameAnswers {
            name: "acme.octopus.app".into(),
            answers: reference,
        }],
    };
    let s = DnsSpec {
        name: "octopus.example.com".into(),
        expect,
    };
    let new = || {
        vec![answer(
            "system",
            DnsOutcome::Answer,
            &["192.0.2.80", "192.0.2.81"],
        )]
    };
    let o = assess(&with_reference(&["192.0.2.80"], new()), &s, "east");
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    let o = assess(&with_reference(&["198.51.100.7"], new()), &s, "east");
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.reason.contains(
            "198.51.100.7 is not an address of acme.octopus.app (192.0.2.80, 192.0.2.81)"
        ),
        "{}",
        o.reason
    );
    assert!(
        o.remediation
            .unwrap()
            .contains("repoint octopus.example.com")
    );
    let gone = vec![answer("system", DnsOutcome::Nxdomain, &[])];
    let o = assess(&with_reference(&["192.0.2.80"], gone), &s, "east");
    assert_eq!(o.status, Status::Error, "{}", o.reason);
    let literal = vec![answer("literal", DnsOutcome::Answer, &["192.0.2.80"])];
    let o = assess(&with_reference(&["192.0.2.80"], literal), &s, "east");
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
}

#[test]
fn no_resolver_is_an_error_not_a_pass() {
    let o = judge(vec![], DnsExpect::default());
    assert_eq!(o.status, Status::Error);
}

//! The TCP family's evidence, typed. A data center's port list is most of a
//! large run (20,000 targets and more), so its results keep this small
//! record instead of a JSON tree ([`crate::result::Evidence::Tcp`]); it
//! serializes to exactly the JSON the tree held.

use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

/// How one address answered a connection attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PortState {
    /// The handshake completed.
    Open,
    /// The host answered with a reset: nothing listens, or a firewall rejects.
    Refused,
    /// No answer before the timeout: a firewall drops the traffic.
    Filtered,
    /// Host or network unreachable (ICMP, or no route).
    Unreachable,
    /// Any other local error (for example, no IPv6 on this machine).
    Error,
}

impl PortState {
    pub fn as_str(self) -> &'static str {
        match self {
            PortState::Open => "open",
            PortState::Refused => "refused",
            PortState::Filtered => "filtered",
            PortState::Unreachable => "unreachable",
            PortState::Error => "error",
        }
    }
}

/// How the source address of a probe was learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceFrom {
    /// The local address of the connection that opened.
    Connection,
    /// The address the kernel's route picks for the destination (the
    /// connection did not open, so it has no local address of its own).
    Route,
}

impl SourceFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFrom::Connection => "connection",
            SourceFrom::Route => "route",
        }
    }
}

/// One address and how it answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressProbe {
    pub address: SocketAddr,
    pub state: PortState,
    pub connect_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// This machine's address the connection left from: what a firewall
    /// rule names as the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_from: Option<SourceFrom>,
}

impl AddressProbe {
    /// A probe of `address` in `state` with nothing else recorded.
    pub fn new(address: SocketAddr, state: PortState) -> Self {
        AddressProbe {
            address,
            state,
            connect_ms: 0,
            error: None,
            source: None,
            source_from: None,
        }
    }
}

/// Everything a TCP check saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TcpEvidence {
    /// Which resolver answered (`system`, or `literal` for an IP address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolver: Option<String>,
    /// Set when the name did not resolve (`dns-failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_error: Option<String>,
    pub addresses: Vec<AddressProbe>,
}

impl TcpEvidence {
    /// Every key the JSON form can have, for redaction (a key is text too).
    pub const KEYS: [&'static str; 9] = [
        "resolver",
        "dns_error",
        "addresses",
        "address",
        "state",
        "connect_ms",
        "error",
        "source",
        "source_from",
    ];

    /// Calls `f` with the free text the JSON form holds (the resolver's
    /// name, error messages); stops at the first `true`.
    pub fn any_free_text(&self, mut f: impl FnMut(&str) -> bool) -> bool {
        self.resolver.as_deref().is_some_and(&mut f)
            || self.dns_error.as_deref().is_some_and(&mut f)
            || self
                .addresses
                .iter()
                .any(|a| a.error.as_deref().is_some_and(&mut f))
    }

    /// Calls `f` with the rest of the JSON form's strings, as they are
    /// written there: addresses (`127.0.0.1:443`, `[::1]:443`) and the fixed
    /// words of states and sources. No redaction pattern can match them
    /// (digits, hex letters and `.:[]%`, and words with none of the
    /// patterns' words: a test holds it); only a secret's exact value can.
    pub fn any_fixed_text(&self, mut f: impl FnMut(&str) -> bool) -> bool {
        use std::fmt::Write as _;
        let mut buf = String::new();
        let mut shown = |f: &mut dyn FnMut(&str) -> bool, value: &dyn std::fmt::Display| {
            buf.clear();
            let _ = write!(buf, "{value}");
            f(&buf)
        };
        self.addresses.iter().any(|a| {
            shown(&mut f, &a.address)
                || f(a.state.as_str())
                || a.source.is_some_and(|ip| shown(&mut f, &ip))
                || a.source_from.is_some_and(|s| f(s.as_str()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CheckId, CheckResult, Evidence, Family, Redactor, Severity, Status};

    fn sample() -> TcpEvidence {
        TcpEvidence {
            resolver: Some("system".into()),
            dns_error: None,
            addresses: vec![
                AddressProbe {
                    address: "192.0.2.10:10943".parse().unwrap(),
                    state: PortState::Open,
                    connect_ms: 12,
                    error: None,
                    source: Some("198.51.100.7".parse().unwrap()),
                    source_from: Some(SourceFrom::Connection),
                },
                AddressProbe {
                    address: "[2001:db8::10]:10943".parse().unwrap(),
                    state: PortState::Unreachable,
                    connect_ms: 0,
                    error: Some("No route to host (os error 113)".into()),
                    source: None,
                    source_from: None,
                },
                AddressProbe::new("192.0.2.11:10943".parse().unwrap(), PortState::Filtered),
            ],
        }
    }

    fn result(evidence: Evidence) -> CheckResult {
        CheckResult {
            id: CheckId::new("east.tcp.polling"),
            family: Family::Tcp,
            title: "TCP reach polling.example.com:10943".into(),
            target: "polling.example.com:10943".into(),
            severity: Severity::Blocker,
            status: Status::Fail,
            reason: "filtered".into(),
            remediation: None,
            evidence,
            elapsed_ms: 2000,
            waiver: None,
        }
    }

    #[test]
    fn typed_evidence_writes_the_json_its_tree_would() {
        let typed = sample();
        let tree = serde_json::to_value(&typed).unwrap();
        let a = result(Evidence::tcp(typed));
        let b = result(Evidence::Json(tree.clone()));
        // The pretty text and the canonical digest are the same bytes.
        assert_eq!(
            serde_json::to_string_pretty(&a).unwrap(),
            serde_json::to_string_pretty(&b).unwrap()
        );
        assert_eq!(
            crate::integrity::digest_streaming(&a, None),
            crate::integrity::digest_streaming(&b, None)
        );
        // Read back, it is the JSON form, equal to the typed one.
        let back: CheckResult = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert!(matches!(back.evidence, Evidence::Json(_)));
        assert_eq!(back, a);
        assert_eq!(a.evidence.json(), &tree);
        assert_eq!(&*a.evidence.to_value(), &tree);
        assert_eq!(tree["addresses"][1]["address"], "[2001:db8::10]:10943");
        assert!(tree["addresses"][2].get("source").is_none());
        // A name that did not resolve: no addresses, the error kept.
        let failed = TcpEvidence {
            resolver: None,
            dns_error: Some("no record for polling.example.com".into()),
            addresses: Vec::new(),
        };
        assert_eq!(
            serde_json::to_string(&Evidence::tcp(failed.clone())).unwrap(),
            serde_json::to_string(&serde_json::to_value(&failed).unwrap()).unwrap()
        );
    }

    /// Redacts a report holding `evidence` once typed and once as JSON.
    fn redact_both(secrets: &[&str], evidence: TcpEvidence) -> (Evidence, Evidence) {
        let redactor = Redactor::new().with_secrets(secrets.iter().map(|s| s.to_string()));
        let tree = serde_json::to_value(&evidence).unwrap();
        let mut out = Vec::new();
        for e in [Evidence::tcp(evidence), Evidence::Json(tree)] {
            let mut report = crate::Report::new(
                crate::Tool {
                    name: "preflight".into(),
                    version: "0".into(),
                },
                None,
                "host".into(),
                "east".into(),
                None,
                "2026-12-02T00:00:00Z".into(),
                "2026-12-02T00:00:01Z".into(),
                String::new(),
                vec![result(e)],
            );
            redactor.report(&mut report);
            out.push(report.results.remove(0).evidence);
        }
        let json = out.pop().unwrap();
        (out.pop().unwrap(), json)
    }

    #[test]
    fn typed_evidence_is_redacted_exactly_as_its_json_form() {
        // Nothing to redact: it stays typed (no JSON tree is made).
        let (typed, json) = redact_both(&["hunter2-secret"], sample());
        assert!(matches!(typed, Evidence::Tcp(..)), "{typed:?}");
        assert_eq!(typed.json(), json.json());
        // A secret in an error text, in an address, in a fixed word and in a
        // key: the same JSON comes out of both, and the secret is gone.
        let mut leaky = sample();
        leaky.addresses[1].error = Some("proxy said password=hunter2 to us".into());
        for (secrets, gone) in [
            (&[][..], "hunter2"),
            (&["hunter2"][..], "hunter2"),
            (&["2001:db8::10"][..], "2001:db8::10"),
            (&["route", "unreachable"][..], "unreachable"),
            (&["connect_ms"][..], "connect_ms"),
            (&["system"][..], "system"),
        ] {
            let (typed, json) = redact_both(secrets, leaky.clone());
            assert_eq!(typed.json(), json.json(), "{secrets:?}");
            assert!(
                !typed.to_string().contains(gone),
                "{gone} survived: {typed}"
            );
            assert!(matches!(typed, Evidence::Json(_)), "{secrets:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]

        /// What `any_fixed_text` gives is never touched by the patterns, so
        /// without secrets it need not be looked at.
        #[test]
        fn addresses_and_fixed_words_never_match_a_pattern(
            v4 in proptest::prelude::any::<std::net::SocketAddrV4>(),
            v6 in proptest::prelude::any::<std::net::SocketAddrV6>(),
        ) {
            let redactor = Redactor::new();
            let mut texts = vec![v4.to_string(), v6.to_string(), v4.ip().to_string(), v6.ip().to_string()];
            texts.extend(
                [PortState::Open, PortState::Refused, PortState::Filtered, PortState::Unreachable, PortState::Error]
                    .map(|s| s.as_str().to_string()),
            );
            texts.extend([SourceFrom::Connection, SourceFrom::Route].map(|s| s.as_str().to_string()));
            for text in texts {
                proptest::prop_assert!(
                    matches!(redactor.text(&text), std::borrow::Cow::Borrowed(_)),
                    "{}", text
                );
            }
        }
    }
}

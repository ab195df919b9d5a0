//! TCP reachability: resolve the name, connect to every address (IPv4 and
//! IPv6) and classify each as open, refused, filtered or unreachable.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::net::TcpStream;

use report::Status;

use crate::check::{Context, Outcome};
use crate::endpoint::Endpoint;
use crate::plan::spec::Expect;

/// What a TCP check connects to and what it expects.
#[derive(Debug, Clone)]
pub struct TcpSpec {
    pub endpoint: Endpoint,
    pub expect: Expect,
}

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

/// One address and how it answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressProbe {
    pub address: SocketAddr,
    pub state: PortState,
    pub connect_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
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

/// Resolves and connects to every address concurrently, each bounded by the context's timeout.
pub async fn gather(ctx: &Context, endpoint: &Endpoint) -> TcpEvidence {
    let resolution = match ctx.resolvers.resolve(&endpoint.host).await {
        Ok(r) => r,
        Err(e) => {
            return TcpEvidence {
                resolver: None,
                dns_error: Some(e.0),
                addresses: Vec::new(),
            };
        }
    };
    let probes = resolution
        .addresses
        .iter()
        .map(|ip| connect(SocketAddr::new(*ip, endpoint.port), ctx.timeout));
    let addresses = futures_util::future::join_all(probes).await;
    TcpEvidence {
        resolver: Some(resolution.resolver),
        dns_error: None,
        addresses,
    }
}

/// Connects once and classifies the answer.
pub async fn connect(address: SocketAddr, timeout: Duration) -> AddressProbe {
    connect_stream(address, timeout).await.0
}

/// Connects once, classifies the answer, and keeps the stream when open (for
/// families that speak over it: TLS, proxies).
pub async fn connect_stream(
    address: SocketAddr,
    timeout: Duration,
) -> (AddressProbe, Option<TcpStream>) {
    let start = Instant::now();
    let result = tokio::time::timeout(timeout, TcpStream::connect(address)).await;
    let connect_ms = start.elapsed().as_millis() as u64;
    let (state, error, stream) = match result {
        Ok(Ok(stream)) => (PortState::Open, None, Some(stream)),
        Ok(Err(e)) => {
            let (state, error) = classify_error(&e);
            (state, error, None)
        }
        Err(_) => (PortState::Filtered, None, None),
    };
    let probe = AddressProbe {
        address,
        state,
        connect_ms,
        error,
    };
    (probe, stream)
}

/// Connects to every address at once and keeps the first that opens (the
/// others are dropped), all within one `timeout`. With no open address, the
/// last failure is returned.
pub async fn connect_first(
    addresses: &[std::net::IpAddr],
    port: u16,
    timeout: Duration,
) -> Result<(AddressProbe, TcpStream), AddressProbe> {
    let attempts = addresses.iter().map(|ip| {
        Box::pin(async move {
            match connect_stream(SocketAddr::new(*ip, port), timeout).await {
                (probe, Some(stream)) => Ok((probe, stream)),
                (probe, None) => Err(probe),
            }
        })
    });
    if addresses.is_empty() {
        return Err(AddressProbe {
            address: SocketAddr::new(std::net::Ipv4Addr::UNSPECIFIED.into(), port),
            state: PortState::Error,
            connect_ms: 0,
            error: Some("no address to connect to".into()),
        });
    }
    futures_util::future::select_ok(attempts)
        .await
        .map(|(found, _rest)| found)
}

fn classify_error(e: &io::Error) -> (PortState, Option<String>) {
    match e.kind() {
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset => {
            (PortState::Refused, None)
        }
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            (PortState::Unreachable, Some(e.to_string()))
        }
        io::ErrorKind::TimedOut => (PortState::Filtered, Some(e.to_string())),
        _ => (PortState::Error, Some(e.to_string())),
    }
}

/// Judges the evidence against the expectation. Pure: no I/O.
pub fn assess(evidence: &TcpEvidence, spec: &TcpSpec, origin: &str) -> Outcome {
    let ep = &spec.endpoint;
    if let Some(err) = &evidence.dns_error {
        let outcome = match spec.expect {
            Expect::Open => Outcome::new(Status::Fail, format!("dns-failed: {err}"))
                .with_remediation(format!(
                    "make {} resolve from {origin} (check the DNS record and this data center's resolvers)",
                    ep.host
                )),
            Expect::Blocked => Outcome::new(
                Status::Error,
                format!("dns-failed: {err}; the block is not proven"),
            )
            .with_remediation(format!(
                "test with the address {} resolves to elsewhere, or name the address in the plan",
                ep.host
            )),
        };
        return outcome.with_evidence(evidence);
    }
    if evidence.addresses.is_empty() {
        return Outcome::new(Status::Error, "no address to connect to").with_evidence(evidence);
    }

    let open: Vec<&AddressProbe> = evidence
        .addresses
        .iter()
        .filter(|a| a.state == PortState::Open)
        .collect();
    let errors: Vec<&AddressProbe> = evidence
        .addresses
        .iter()
        .filter(|a| a.state == PortState::Error)
        .collect();
    let states = describe(&evidence.addresses);

    let outcome = match spec.expect {
        Expect::Open if open.len() == evidence.addresses.len() => {
            Outcome::new(Status::Pass, states)
        }
        Expect::Open if !open.is_empty() => Outcome::new(
            Status::Warn,
            format!("reachable on some addresses only: {states}"),
        )
        .with_remediation(format!(
            "clients may try the failing addresses first and stall: open TCP {} from {origin} to every address of {}, or remove the failing records",
            ep.port, ep.host
        )),
        Expect::Open if errors.len() == evidence.addresses.len() => {
            Outcome::new(Status::Error, format!("could not test: {states}"))
        }
        Expect::Open => Outcome::new(Status::Fail, states)
            .with_remediation(open_remediation(&evidence.addresses, ep, origin)),
        Expect::Blocked if !open.is_empty() => Outcome::new(
            Status::Fail,
            format!("expected blocked, but open: {states}"),
        )
        .with_remediation(format!(
            "block TCP {} from {origin} to {}: the plan says this path must be closed",
            ep.port, ep.host
        )),
        Expect::Blocked if !errors.is_empty() => Outcome::new(
            Status::Error,
            format!("could not prove the block: {states}"),
        ),
        Expect::Blocked => Outcome::new(Status::Pass, format!("blocked as expected: {states}")),
    };
    outcome.with_evidence(evidence)
}

fn open_remediation(addresses: &[AddressProbe], ep: &Endpoint, origin: &str) -> String {
    let worst = addresses
        .iter()
        .map(|a| a.state)
        .find(|s| *s != PortState::Open)
        .unwrap_or(PortState::Error);
    let ips: Vec<String> = addresses
        .iter()
        .map(|a| a.address.ip().to_string())
        .collect();
    // Name the addresses when the target is a name: firewall rules are written for addresses.
    let list = if ep.ip().is_some() {
        String::new()
    } else {
        format!(" ({})", ips.join(", "))
    };
    match worst {
        PortState::Refused => format!(
            "{} answered with a reset on TCP {}: start the service there, or ask for the firewall rule that rejects TCP {} from {origin} to {}{list} to be opened",
            ep.host, ep.port, ep.port, ep.host
        ),
        PortState::Unreachable => format!(
            "no route from {origin} to {}{list}: ask for the route, or the firewall rule rejecting TCP {} with ICMP, to be fixed",
            ep.host, ep.port
        ),
        _ => format!(
            "ask for a firewall rule allowing TCP {} outbound from {origin} to {}{list}",
            ep.port, ep.host
        ),
    }
}

/// `open: 127.0.0.1:443 (2 ms); filtered: [::1]:443 (3000 ms)`, grouped by state in a fixed order.
fn describe(addresses: &[AddressProbe]) -> String {
    let order = [
        PortState::Open,
        PortState::Refused,
        PortState::Filtered,
        PortState::Unreachable,
        PortState::Error,
    ];
    let mut parts = Vec::new();
    for state in order {
        let of_state: Vec<String> = addresses
            .iter()
            .filter(|a| a.state == state)
            .map(|a| match &a.error {
                Some(e) if state == PortState::Error => format!("{} ({e})", a.address),
                _ => format!("{} ({} ms)", a.address, a.connect_ms),
            })
            .collect();
        if !of_state.is_empty() {
            parts.push(format!("{}: {}", state.as_str(), of_state.join(", ")));
        }
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(addr: &str, state: PortState) -> AddressProbe {
        AddressProbe {
            address: addr.parse().unwrap(),
            state,
            connect_ms: 1,
            error: None,
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

    #[test]
    fn io_errors_map_to_states() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(classify_error(&refused).0, PortState::Refused);
        let unreachable = io::Error::from(io::ErrorKind::HostUnreachable);
        assert_eq!(classify_error(&unreachable).0, PortState::Unreachable);
        let net = io::Error::from(io::ErrorKind::NetworkUnreachable);
        assert_eq!(classify_error(&net).0, PortState::Unreachable);
        let other = io::Error::from(io::ErrorKind::AddrNotAvailable);
        assert_eq!(classify_error(&other).0, PortState::Error);
    }
}

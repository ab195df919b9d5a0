//! Pure: a TCP check's evidence against its expectation, with the firewall
//! rule to ask for.

use report::Status;

use super::{AddressProbe, Expect, PortState, TcpEvidence, TcpSpec};
use crate::contract::Outcome;
use crate::endpoint::Endpoint;

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
        return outcome.with_tcp_evidence(evidence.clone());
    }
    if evidence.addresses.is_empty() {
        return Outcome::new(Status::Error, "no address to connect to")
            .with_tcp_evidence(evidence.clone());
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
    outcome.with_tcp_evidence(evidence.clone())
}

fn open_remediation(addresses: &[AddressProbe], ep: &Endpoint, origin: &str) -> String {
    let worst = addresses
        .iter()
        .map(|a| a.state)
        .find(|s| *s != PortState::Open)
        .unwrap_or(PortState::Error);
    // Name the addresses when the target is a name: firewall rules are written for addresses.
    let list = if ep.ip().is_some() {
        String::new()
    } else {
        let ips: Vec<String> = addresses
            .iter()
            .map(|a| a.address.ip().to_string())
            .collect();
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
    use std::fmt::Write as _;
    let mut out = String::new();
    for state in order {
        let mut of_state = addresses.iter().filter(|a| a.state == state).peekable();
        if of_state.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(state.as_str());
        out.push_str(": ");
        for (i, a) in of_state.enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            // Writing to a String cannot fail.
            let _ = match &a.error {
                Some(e) if state == PortState::Error => write!(out, "{} ({e})", a.address),
                _ => write!(out, "{} ({} ms)", a.address, a.connect_ms),
            };
        }
    }
    out
}

#[cfg(test)]
mod tests;

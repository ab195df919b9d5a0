//! One resolver's answer for one name: the A and AAAA queries made at once,
//! each bounded by the timeout, and classified into one outcome.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use hickory_resolver::TokioResolver;
use hickory_resolver::lookup::Lookup;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use serde::Serialize;

/// What one resolver said about a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DnsOutcome {
    /// At least one A or AAAA record.
    Answer,
    /// The name does not exist.
    Nxdomain,
    /// The name exists but has no A or AAAA record.
    Nodata,
    /// The resolver answered with an error code (SERVFAIL, REFUSED, ...).
    Servfail,
    /// No answer within the timeout.
    Timeout,
    /// The query could not be made (no system configuration, socket error).
    Error,
}

/// One resolver's answer, as recorded in the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolverAnswer {
    /// `system`, or the server as `ip:port`.
    pub resolver: String,
    pub outcome: DnsOutcome,
    /// Every A and AAAA address, sorted.
    pub addresses: Vec<IpAddr>,
    /// The names the CNAME records led through, in order, without the final dot.
    pub cname_chain: Vec<String>,
    /// The smallest TTL of the answer (for NXDOMAIN/NODATA: the negative-caching TTL), when known.
    pub ttl_s: Option<u32>,
    pub elapsed_ms: u64,
    /// The error code, the error, or what went wrong with one of the two queries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ResolverAnswer {
    /// `192.0.2.53:53: 192.0.2.10, 2001:db8::10` or `system: NXDOMAIN`.
    pub fn describe(&self) -> String {
        format!("{}: {}", self.resolver, self.what())
    }

    /// The answer without the resolver: addresses, or what happened instead.
    pub fn what(&self) -> String {
        match self.outcome {
            DnsOutcome::Answer => join_addresses(&self.addresses),
            DnsOutcome::Nxdomain => "NXDOMAIN".into(),
            DnsOutcome::Nodata => "NODATA (no A or AAAA record)".into(),
            DnsOutcome::Servfail => self.detail.clone().unwrap_or_else(|| "SERVFAIL".into()),
            DnsOutcome::Timeout => format!("timeout (no answer in {} ms)", self.elapsed_ms),
            DnsOutcome::Error => format!(
                "error ({})",
                self.detail.as_deref().unwrap_or("unknown error")
            ),
        }
    }
}

/// Addresses as `a, b, c`.
pub fn join_addresses(addresses: &[IpAddr]) -> String {
    addresses
        .iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// How one of the two queries (A or AAAA) ended.
#[derive(Debug)]
enum One {
    Records {
        addresses: Vec<IpAddr>,
        chain: Vec<String>,
        ttl: Option<u32>,
    },
    NxDomain(Option<u32>),
    NoData(Option<u32>, Vec<String>),
    Failed(String),
    Timeout,
    Error(String),
}

/// Asks `resolver` for A and AAAA at once. `fqdn`: the name is absolute (no search list).
pub(super) async fn query(
    resolver: Result<&TokioResolver, &String>,
    label: String,
    name: &str,
    fqdn: bool,
    timeout: Duration,
) -> ResolverAnswer {
    let start = Instant::now();
    let (a, aaaa) = match (resolver, dns_name(name, fqdn)) {
        (Err(e), _) => (One::Error(e.clone()), One::Error(e.clone())),
        (_, Err(e)) => (One::Error(e.clone()), One::Error(e)),
        (Ok(r), Ok(name)) => {
            let (a, aaaa) = futures_util::future::join(
                tokio::time::timeout(timeout, r.lookup(name.clone(), RecordType::A)),
                tokio::time::timeout(timeout, r.lookup(name, RecordType::AAAA)),
            )
            .await;
            (classify(a), classify(aaaa))
        }
    };
    combine(label, a, aaaa, start.elapsed())
}

fn dns_name(name: &str, fqdn: bool) -> Result<Name, String> {
    let mut n =
        Name::from_ascii(name).map_err(|e| format!("`{name}` is not a valid DNS name: {e}"))?;
    if fqdn {
        n.set_fqdn(true);
    }
    Ok(n)
}

fn classify(result: Result<Result<Lookup, NetError>, tokio::time::error::Elapsed>) -> One {
    let lookup = match result {
        Err(_) => return One::Timeout,
        Ok(Err(e)) => return classify_error(e),
        Ok(Ok(lookup)) => lookup,
    };
    let mut addresses = Vec::new();
    let mut chain = Vec::new();
    let mut ttl: Option<u32> = None;
    for record in lookup.answers() {
        match &record.data {
            RData::A(a) => addresses.push(IpAddr::V4(a.0)),
            RData::AAAA(a) => addresses.push(IpAddr::V6(a.0)),
            RData::CNAME(c) => chain.push(plain(&c.0)),
            _ => continue,
        }
        ttl = Some(ttl.map_or(record.ttl, |t| t.min(record.ttl)));
    }
    if addresses.is_empty() {
        One::NoData(ttl, chain)
    } else {
        One::Records {
            addresses,
            chain,
            ttl,
        }
    }
}

fn classify_error(e: NetError) -> One {
    match e {
        NetError::Timeout => One::Timeout,
        NetError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => One::Timeout,
        NetError::Dns(DnsError::NoRecordsFound(nr)) => match nr.response_code {
            ResponseCode::NXDomain => One::NxDomain(nr.negative_ttl),
            ResponseCode::NoError => One::NoData(nr.negative_ttl, Vec::new()),
            code => One::Failed(mnemonic(code)),
        },
        NetError::Dns(DnsError::ResponseCode(code)) => One::Failed(mnemonic(code)),
        other => One::Error(other.to_string()),
    }
}

fn mnemonic(code: ResponseCode) -> String {
    match code {
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::Refused => "REFUSED".into(),
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        other => format!("RCODE {} ({other})", u16::from(other)),
    }
}

/// A name as people write it: `octopus.example.com`, no final dot.
fn plain(name: &Name) -> String {
    name.to_ascii().trim_end_matches('.').to_string()
}

/// One outcome from the two queries: an address from either is an answer;
/// otherwise the most telling failure wins.
fn combine(resolver: String, a: One, aaaa: One, elapsed: Duration) -> ResolverAnswer {
    let mut answer = ResolverAnswer {
        resolver,
        outcome: DnsOutcome::Nodata,
        addresses: Vec::new(),
        cname_chain: Vec::new(),
        ttl_s: None,
        elapsed_ms: elapsed.as_millis() as u64,
        detail: None,
    };
    let parts = [("A", &a), ("AAAA", &aaaa)];
    let min_ttl = |x: Option<u32>, y: Option<u32>| match (x, y) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    let mut partial = Vec::new();
    for (kind, one) in parts {
        match one {
            One::Records {
                addresses,
                chain,
                ttl,
            } => {
                answer.outcome = DnsOutcome::Answer;
                answer.addresses.extend(addresses);
                for c in chain {
                    if !answer.cname_chain.contains(c) {
                        answer.cname_chain.push(c.clone());
                    }
                }
                answer.ttl_s = min_ttl(answer.ttl_s, *ttl);
            }
            One::Timeout => partial.push(format!("{kind}: timeout")),
            One::Failed(code) => partial.push(format!("{kind}: {code}")),
            One::Error(e) => partial.push(format!("{kind}: {e}")),
            One::NxDomain(_) | One::NoData(..) => {}
        }
    }
    if answer.outcome == DnsOutcome::Answer {
        answer.addresses.sort();
        answer.addresses.dedup();
        if !partial.is_empty() {
            answer.detail = Some(partial.join("; "));
        }
        return answer;
    }
    let all = [&a, &aaaa];
    if let Some(ttl) = all.iter().find_map(|o| match o {
        One::NxDomain(ttl) => Some(*ttl),
        _ => None,
    }) {
        answer.outcome = DnsOutcome::Nxdomain;
        answer.ttl_s = ttl;
    } else if all.iter().any(|o| matches!(o, One::Timeout)) {
        answer.outcome = DnsOutcome::Timeout;
    } else if let Some(code) = all.iter().find_map(|o| match o {
        One::Failed(code) => Some(code.clone()),
        _ => None,
    }) {
        answer.outcome = DnsOutcome::Servfail;
        answer.detail = Some(code);
    } else if let Some(e) = all.iter().find_map(|o| match o {
        One::Error(e) => Some(e.clone()),
        _ => None,
    }) {
        answer.outcome = DnsOutcome::Error;
        answer.detail = Some(e);
    } else {
        answer.outcome = DnsOutcome::Nodata;
        for o in all {
            if let One::NoData(ttl, chain) = o {
                answer.ttl_s = min_ttl(answer.ttl_s, *ttl);
                for c in chain {
                    if !answer.cname_chain.contains(c) {
                        answer.cname_chain.push(c.clone());
                    }
                }
            }
        }
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(ips: &[&str], ttl: u32) -> One {
        One::Records {
            addresses: ips.iter().map(|s| s.parse().unwrap()).collect(),
            chain: vec!["edge.example.com".into()],
            ttl: Some(ttl),
        }
    }

    #[test]
    fn an_address_from_either_query_is_an_answer_and_the_other_failure_is_kept() {
        let a = combine(
            "system".into(),
            records(&["192.0.2.10"], 300),
            One::Timeout,
            Duration::from_millis(7),
        );
        assert_eq!(a.outcome, DnsOutcome::Answer);
        assert_eq!(a.ttl_s, Some(300));
        assert_eq!(a.detail.as_deref(), Some("AAAA: timeout"));
        assert_eq!(a.cname_chain, ["edge.example.com"]);
        let both = combine(
            "system".into(),
            records(&["192.0.2.10"], 300),
            records(&["2001:db8::10"], 60),
            Duration::ZERO,
        );
        assert_eq!(both.addresses.len(), 2);
        assert_eq!(both.ttl_s, Some(60));
        assert_eq!(both.cname_chain.len(), 1, "the shared chain is listed once");
    }

    #[test]
    fn failures_rank_nxdomain_then_timeout_then_servfail_then_error_then_nodata() {
        let c = |a, b| combine("r".into(), a, b, Duration::ZERO).outcome;
        assert_eq!(
            c(One::NxDomain(Some(60)), One::Timeout),
            DnsOutcome::Nxdomain
        );
        assert_eq!(
            c(One::NoData(None, vec![]), One::Timeout),
            DnsOutcome::Timeout
        );
        assert_eq!(
            c(One::Failed("REFUSED".into()), One::Error("x".into())),
            DnsOutcome::Servfail
        );
        assert_eq!(
            c(One::Error("x".into()), One::NoData(None, vec![])),
            DnsOutcome::Error
        );
        assert_eq!(
            c(One::NoData(Some(30), vec![]), One::NoData(None, vec![])),
            DnsOutcome::Nodata
        );
        let refused = combine(
            "r".into(),
            One::Failed("REFUSED".into()),
            One::Failed("REFUSED".into()),
            Duration::ZERO,
        );
        assert_eq!(refused.what(), "REFUSED");
    }

    #[test]
    fn evidence_has_the_documented_shape() {
        let a = combine(
            "127.0.0.1:5353".into(),
            One::NxDomain(Some(30)),
            One::NxDomain(Some(30)),
            Duration::from_millis(4),
        );
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"resolver": "127.0.0.1:5353", "outcome": "nxdomain",
                "addresses": [], "cname_chain": [], "ttl_s": 30, "elapsed_ms": 4})
        );
    }
}

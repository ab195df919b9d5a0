//! Name resolution with hickory-resolver (never the libc resolver, so
//! timeouts are ours): the system configuration and the resolvers a plan
//! names. A TCP check takes the first resolver that answers; a DNS check
//! keeps every resolver's answer.

mod query;

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    ConnectionConfig, LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use query::{DnsOutcome, ResolverAnswer, join_addresses};

/// One resolver to ask: the system configuration, or a DNS server at `ip:port`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResolverSpec {
    /// `/etc/resolv.conf` and the hosts file, as this machine's programs resolve.
    System,
    /// A DNS server (UDP, falling back to TCP on truncation).
    Server(SocketAddr),
}

/// Why a resolver string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected \"system\", an IP address or IP:port (\"192.0.2.53\", \"192.0.2.54:5353\", \"[2001:db8::53]:53\"), found `{0}`"
)]
pub struct ResolverSpecError(pub String);

impl FromStr for ResolverSpec {
    type Err = ResolverSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("system") {
            return Ok(ResolverSpec::System);
        }
        let addr = if let Ok(ip) = t.parse::<IpAddr>() {
            SocketAddr::new(ip, 53)
        } else {
            t.parse::<SocketAddr>()
                .map_err(|_| ResolverSpecError(s.to_string()))?
        };
        if addr.port() == 0 {
            return Err(ResolverSpecError(s.to_string()));
        }
        Ok(ResolverSpec::Server(addr))
    }
}

impl fmt::Display for ResolverSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolverSpec::System => f.write_str("system"),
            ResolverSpec::Server(addr) => write!(f, "{addr}"),
        }
    }
}

impl<'de> Deserialize<'de> for ResolverSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for ResolverSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The resolvers a run uses, in the plan's order (by default: the system configuration).
/// Cloning is cheap (hickory resolvers share their state).
#[derive(Debug, Clone)]
pub struct Resolvers {
    entries: Vec<Entry>,
    timeout: Duration,
}

#[derive(Debug, Clone)]
struct Entry {
    spec: ResolverSpec,
    /// Building can fail (no system configuration); the error is reported per check.
    resolver: Result<TokioResolver, String>,
}

/// The addresses a name resolved to, and which resolver answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Resolution {
    /// `"literal"` for an IP address written in the plan, else the resolver (`system`, `192.0.2.53:53`).
    pub resolver: String,
    pub addresses: Vec<IpAddr>,
}

/// Why a name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ResolveError(pub String);

impl Resolvers {
    /// The system configuration (`/etc/resolv.conf`, the hosts file) only.
    pub fn system(timeout: Duration) -> Self {
        Resolvers::new(&[ResolverSpec::System], timeout)
    }

    /// These resolvers, in this order; an empty list means the system configuration.
    pub fn new(specs: &[ResolverSpec], timeout: Duration) -> Self {
        let specs: &[ResolverSpec] = if specs.is_empty() {
            &[ResolverSpec::System]
        } else {
            specs
        };
        let entries = specs
            .iter()
            .map(|spec| Entry {
                spec: *spec,
                resolver: build(spec, timeout),
            })
            .collect();
        Resolvers { entries, timeout }
    }

    /// The resolvers, in order.
    pub fn specs(&self) -> Vec<ResolverSpec> {
        self.entries.iter().map(|e| e.spec).collect()
    }

    /// Asks every resolver at once for the A and AAAA records of `name`, each
    /// bounded by the timeout; one answer per resolver, in order.
    pub async fn query_all(&self, name: &str) -> Vec<ResolverAnswer> {
        let queries = self.entries.iter().map(|e| {
            query::query(
                e.resolver.as_ref(),
                e.spec.to_string(),
                name,
                matches!(e.spec, ResolverSpec::Server(_)),
                self.timeout,
            )
        });
        futures_util::future::join_all(queries).await
    }

    /// Resolves `host` to every IPv4 and IPv6 address, from the first resolver
    /// (in plan order) that answers with addresses. IP literals are returned as they are.
    pub async fn resolve(&self, host: &str) -> Result<Resolution, ResolveError> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(Resolution {
                resolver: "literal".into(),
                addresses: vec![ip],
            });
        }
        // Boxed: an IP literal (most TCP checks at scale) then costs no
        // resolver state in the check's future.
        let answers = Box::pin(self.query_all(host)).await;
        if let Some(a) = answers.iter().find(|a| a.outcome == DnsOutcome::Answer) {
            return Ok(Resolution {
                resolver: a.resolver.clone(),
                addresses: a.addresses.clone(),
            });
        }
        let why: Vec<String> = answers.iter().map(ResolverAnswer::describe).collect();
        Err(ResolveError(format!(
            "{host} did not resolve: {}",
            why.join("; ")
        )))
    }
}

fn build(spec: &ResolverSpec, timeout: Duration) -> Result<TokioResolver, String> {
    let mut builder = match spec {
        ResolverSpec::System => TokioResolver::builder_tokio()
            .map_err(|e| format!("cannot read the system DNS configuration: {e}"))?,
        ResolverSpec::Server(addr) => {
            let mut udp = ConnectionConfig::udp();
            udp.port = addr.port();
            let mut tcp = ConnectionConfig::tcp();
            tcp.port = addr.port();
            let server = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
            TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![server]),
                TokioRuntimeProvider::default(),
            )
        }
    };
    let opts = builder.options_mut();
    opts.timeout = timeout;
    opts.attempts = 1;
    // Every check sees a fresh answer and its real TTL, not this run's cache.
    opts.cache_size = 0;
    opts.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
    if let ResolverSpec::Server(_) = spec {
        // A named resolver is asked what *it* answers; the hosts file is the system's business.
        opts.use_hosts_file = ResolveHosts::Never;
    }
    builder
        .build()
        .map_err(|e| format!("cannot set up the resolver {spec}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolver_specs_parse_and_print_with_their_port() {
        for (text, shown) in [
            ("system", "system"),
            ("SYSTEM", "system"),
            ("192.0.2.53", "192.0.2.53:53"),
            ("192.0.2.54:5353", "192.0.2.54:5353"),
            ("2001:db8::53", "[2001:db8::53]:53"),
            ("[2001:db8::53]:5353", "[2001:db8::53]:5353"),
        ] {
            let spec: ResolverSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), shown, "{text}");
        }
        for bad in ["dns.example.com", "192.0.2.53:0", "192.0.2.53:99999", ""] {
            let err = bad.parse::<ResolverSpec>().unwrap_err();
            assert!(err.to_string().contains("expected \"system\""), "{err}");
        }
    }

    #[tokio::test]
    async fn ip_literals_need_no_resolver() {
        let r = Resolvers::new(&[], Duration::from_secs(1));
        assert_eq!(r.specs(), [ResolverSpec::System]);
        let res = r.resolve("::1").await.unwrap();
        assert_eq!(res.resolver, "literal");
        assert_eq!(res.addresses, ["::1".parse::<IpAddr>().unwrap()]);
    }
}

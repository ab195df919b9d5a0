//! Name resolution for checks that connect: the system configuration, read
//! with hickory-resolver (never the libc resolver, so timeouts are ours).

use std::net::IpAddr;
use std::time::Duration;

use hickory_resolver::TokioResolver;

/// The resolvers a run uses. Today: the system configuration.
#[derive(Debug)]
pub struct Resolvers {
    system: Result<TokioResolver, String>,
}

/// The addresses a name resolved to, and which resolver answered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Resolution {
    /// `"literal"` for an IP address written in the plan, else the resolver's name.
    pub resolver: String,
    pub addresses: Vec<IpAddr>,
}

/// Why a name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ResolveError(pub String);

impl Resolvers {
    /// Reads the system configuration (`/etc/resolv.conf`, the hosts file).
    pub fn system(timeout: Duration) -> Self {
        let system = TokioResolver::builder_tokio()
            .map(|mut b| {
                let opts = b.options_mut();
                opts.timeout = timeout;
                opts.attempts = 1;
                b
            })
            .and_then(|b| b.build())
            .map_err(|e| format!("cannot read the system DNS configuration: {e}"));
        Resolvers { system }
    }

    /// Resolves `host` to every IPv4 and IPv6 address. IP literals are returned as they are.
    pub async fn resolve(&self, host: &str) -> Result<Resolution, ResolveError> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(Resolution {
                resolver: "literal".into(),
                addresses: vec![ip],
            });
        }
        let resolver = self.system.as_ref().map_err(|e| ResolveError(e.clone()))?;
        let lookup = resolver
            .lookup_ip(host)
            .await
            .map_err(|e| ResolveError(format!("{host} did not resolve: {e}")))?;
        let mut addresses: Vec<IpAddr> = lookup.iter().collect();
        addresses.sort();
        addresses.dedup();
        if addresses.is_empty() {
            return Err(ResolveError(format!("{host} resolved to no address")));
        }
        Ok(Resolution {
            resolver: "system".into(),
            addresses,
        })
    }
}

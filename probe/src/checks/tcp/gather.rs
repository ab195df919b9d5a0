//! The I/O of a TCP check: resolve, then connect to every address at once.

use std::net::SocketAddr;

use super::TcpEvidence;
use crate::contract::Context;
use crate::endpoint::Endpoint;
use crate::net::tcp::connect;

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

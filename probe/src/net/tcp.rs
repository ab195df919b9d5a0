//! TCP connects: one address at a time, classified as open, refused,
//! filtered or unreachable, with the stream kept for families that speak
//! over it (TLS, CONNECT tunnels).

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::net::TcpStream;

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

#[cfg(test)]
mod tests {
    use super::*;

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

//! HTTP CONNECT tunnels through a proxy, the way a polling Tentacle reaches
//! its server when its polling proxy is set. The proxy's answer is read
//! byte by byte (bounded) so nothing of the tunnelled stream is consumed.
//!
//! The route is `net::proxy`'s one `ProxyRoute`. Credentials come from the
//! proxy URL's user info or from environment variables it names; they are
//! sent as Basic authentication and never appear in a display form,
//! evidence or errors.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::proxy::ProxyRoute;
use super::resolve::Resolvers;
use super::tcp::{PortState, connect_first};
use crate::endpoint::Endpoint;

/// Largest proxy response head read.
const MAX_HEAD: usize = 16 * 1024;

/// Why a tunnel could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TunnelError {
    /// The proxy's own name did not resolve.
    ProxyDns(String),
    /// The proxy itself did not accept the TCP connection.
    ProxyUnreachable { state: PortState, detail: String },
    /// The credentials could not be read (an environment variable is missing).
    Credentials(String),
    /// The proxy asked for authentication (407), or rejected the credentials sent.
    AuthRequired {
        sent_credentials: bool,
        status_line: String,
    },
    /// The proxy refused the CONNECT by policy (403 and other 4xx/5xx).
    Refused { status: u16, status_line: String },
    /// The proxy could not reach the target itself (502, 503, 504).
    TargetUnreachable { status: u16, status_line: String },
    /// The proxy did not answer the CONNECT in time.
    Timeout,
    /// The proxy's answer was not HTTP.
    Malformed(String),
    /// Reading or writing failed.
    Io(String),
}

impl fmt::Display for TunnelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TunnelError::ProxyDns(e) => write!(f, "the proxy's name did not resolve: {e}"),
            TunnelError::ProxyUnreachable { state, detail } => {
                write!(f, "cannot reach the proxy: {} {detail}", state.as_str())
            }
            TunnelError::Credentials(e) => f.write_str(e),
            TunnelError::AuthRequired {
                sent_credentials: true,
                status_line,
            } => write!(f, "the proxy rejected the credentials ({status_line})"),
            TunnelError::AuthRequired { status_line, .. } => {
                write!(f, "the proxy requires authentication ({status_line})")
            }
            TunnelError::Refused { status_line, .. } => {
                write!(f, "the proxy refused the CONNECT ({status_line})")
            }
            TunnelError::TargetUnreachable { status_line, .. } => {
                write!(f, "the proxy could not reach the target ({status_line})")
            }
            TunnelError::Timeout => f.write_str("the proxy did not answer the CONNECT in time"),
            TunnelError::Malformed(e) => write!(f, "the proxy's answer is not HTTP: {e}"),
            TunnelError::Io(e) => write!(f, "the proxy connection failed: {e}"),
        }
    }
}

/// An open tunnel and what the proxy answered.
#[derive(Debug)]
pub struct Tunnel {
    pub stream: TcpStream,
    /// The proxy's status line (`HTTP/1.1 200 Connection established`).
    pub status_line: String,
    pub status: u16,
}

/// Connects to the proxy and asks it for a tunnel to `target`. The proxy
/// resolves the target's name. Each step is bounded by `timeout`.
pub async fn open(
    resolvers: &Resolvers,
    route: &ProxyRoute,
    target: &Endpoint,
    timeout: Duration,
) -> Result<Tunnel, TunnelError> {
    let credentials = route
        .auth
        .credentials(&|name| std::env::var(name).ok())
        .map_err(TunnelError::Credentials)?;
    let resolution = resolvers
        .resolve(&route.endpoint.host)
        .await
        .map_err(|e| TunnelError::ProxyDns(e.0))?;
    let mut stream = match connect_first(&resolution.addresses, route.endpoint.port, timeout).await
    {
        Ok((_, stream)) => stream,
        Err(p) => {
            let why = p.error.unwrap_or_else(|| format!("{} ms", p.connect_ms));
            return Err(TunnelError::ProxyUnreachable {
                state: p.state,
                detail: format!("{} ({why})", p.address),
            });
        }
    };
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some((user, pass)) = &credentials {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    request.push_str("\r\n");
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        read_head(&mut stream).await
    };
    let head = match tokio::time::timeout(timeout, exchange).await {
        Err(_) => return Err(TunnelError::Timeout),
        Ok(Err(e)) => return Err(TunnelError::Io(e.to_string())),
        Ok(Ok(head)) => head,
    };
    let (status, status_line) = status_of(&head)?;
    match status {
        200..=299 => Ok(Tunnel {
            stream,
            status_line,
            status,
        }),
        407 => Err(TunnelError::AuthRequired {
            sent_credentials: credentials.is_some(),
            status_line,
        }),
        502..=504 => Err(TunnelError::TargetUnreachable {
            status,
            status_line,
        }),
        _ => Err(TunnelError::Refused {
            status,
            status_line,
        }),
    }
}

/// Reads one byte at a time up to the blank line, so the tunnel's first
/// bytes stay in the socket for the TLS client.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(128);
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < MAX_HEAD {
        if stream.read(&mut byte).await? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    Ok(head)
}

/// The status code and status line of a proxy's answer.
fn status_of(head: &[u8]) -> Result<(u16, String), TunnelError> {
    let text = String::from_utf8_lossy(head);
    let line = text.lines().next().unwrap_or_default().trim().to_string();
    let mut parts = line.split_whitespace();
    let version = parts.next().unwrap_or_default();
    let code = parts.next().and_then(|c| c.parse::<u16>().ok());
    match code {
        Some(code) if version.starts_with("HTTP/") => Ok((code, line)),
        _ => Err(TunnelError::Malformed(if line.is_empty() {
            "the proxy closed the connection without answering".to_string()
        } else {
            crate::text::printable(line.as_bytes(), 80)
        })),
    }
}

#[cfg(test)]
mod tests;

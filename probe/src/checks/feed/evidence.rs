//! What a feed check gathers for one path: the HTTP answer (status,
//! headers, a bounded body), the redirects followed, or where the request
//! failed. Plain data, judged by `protocol` and `assess`.

use serde::Serialize;

use super::PathVia;
use super::docker::LoginRoundTrip;
use crate::net::proxy::ProxySource;

/// One HTTP answer: status, headers (names lower-cased) and the body up to the cap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exchange {
    pub status: u16,
    /// At most 64, each value cut at 512 characters.
    pub headers: Vec<(String, String)>,
    /// At most `BODY_CAP` bytes.
    pub body: Vec<u8>,
    /// The body was longer than the cap; only its start was read.
    pub truncated: bool,
}

impl Exchange {
    /// The first value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One redirect followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redirect {
    pub status: u16,
    pub location: String,
}

/// Where a request failed before an HTTP answer came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The probe could not start (no proxy configured, a bad proxy URL or CA file).
    Setup,
    Dns,
    /// TCP connect refused or unreachable (to the feed, or to the proxy).
    Connect,
    /// No answer within the timeout (a firewall that drops).
    Timeout,
    /// The proxy refused the CONNECT tunnel.
    Tunnel,
    /// The proxy asked for credentials (407).
    ProxyAuth,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// Too many redirects, or a redirect without a usable location.
    Redirect,
    /// The answer broke off while its body was read.
    Body,
    Other,
}

/// Why no HTTP answer came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    pub stage: Stage,
    pub message: String,
}

/// What one path (direct or proxy) saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathEvidence {
    pub via: PathVia,
    /// The URL requested first.
    pub url: String,
    /// The URL of the last answer, after redirects.
    pub final_url: Option<String>,
    /// The proxy used, redacted; `None` when the request went direct.
    pub proxy: Option<String>,
    pub proxy_source: Option<ProxySource>,
    /// The no-proxy rule that sent a proxy path direct.
    pub bypassed_by: Option<String>,
    pub redirects: Vec<Redirect>,
    /// The last answer (after redirects), or why none came.
    pub answer: Result<Exchange, TransportError>,
    /// Docker: the login round-trip, when credentials were given and the registry challenged.
    pub login: Option<LoginRoundTrip>,
    /// Credentials were sent with the request.
    pub authenticated: bool,
    pub elapsed_ms: u64,
    /// A proxy variable set in this environment that a direct path did not use.
    pub unused_env_proxy: Option<String>,
}

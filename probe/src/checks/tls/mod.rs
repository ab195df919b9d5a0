//! TLS identity and Halibut: connect (directly or through an HTTP proxy),
//! complete the handshake while recording the presented chain instead of
//! judging it, read the certificate details, send Halibut a plain `GET` to
//! learn whether a server, a Tentacle or something else answers, and then
//! judge all of it in a pure function.
//!
//! - `gather`: the I/O (connect, tunnel, handshake, Halibut page).
//! - `verifier`: the rustls verifier that records the chain, and the client
//!   certificate resolver that answers a CertificateRequest with nothing.
//! - `chain`: certificate details parsed with x509-parser.
//! - `halibut`: the `GET` Halibut answers and how its answer is read.
//! - `assess`: the judgement (thumbprint, interception, expiry, SHA-1,
//!   TLS version, role) and the remediation a person can act on.

pub mod assess;
pub mod chain;
pub mod gather;
pub mod halibut;
mod verifier;

use serde::Serialize;

use crate::endpoint::Endpoint;
use crate::net::proxy::ProxyRoute;
use crate::thumbprint::Thumbprint;

pub use assess::assess;
pub use chain::CertInfo;
pub use gather::gather;
pub use halibut::HalibutRole;

/// What answers on the endpoint, as the plan expects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expected {
    /// An Octopus Server polling endpoint (10943, or Cloud's polling host on 443).
    Server,
    /// A listening Tentacle (10933).
    Tentacle,
    /// Halibut, server or Tentacle.
    Halibut,
    /// Any TLS endpoint: the Halibut answer is recorded, not required.
    Tls,
}

impl Expected {
    /// Whether a Halibut endpoint (self-signed, thumbprint-trusted) belongs here.
    pub fn is_halibut(self) -> bool {
        self != Expected::Tls
    }
}

/// What a TLS check connects to and what it expects.
#[derive(Debug, Clone)]
pub struct TlsSpec {
    pub endpoint: Endpoint,
    /// The name sent as SNI; `None` sends the endpoint's host when it is a name.
    pub sni: Option<String>,
    /// The leaf thumbprint Tentacles (or the server) will trust.
    pub thumbprint: Option<Thumbprint>,
    pub expected: Expected,
    /// Octopus Cloud: TLS 1.2 at least.
    pub cloud: bool,
    /// Tunnel through this HTTP proxy (CONNECT) instead of connecting directly.
    pub proxy: Option<ProxyRoute>,
}

impl TlsSpec {
    /// A spec with no expectations beyond `expected`, connecting directly.
    pub fn new(endpoint: Endpoint, expected: Expected) -> Self {
        let cloud = is_cloud_host(&endpoint.host);
        TlsSpec {
            endpoint,
            sni: None,
            thumbprint: None,
            expected,
            cloud,
            proxy: None,
        }
    }

    /// The SNI name actually sent: the override, else the host when it is not an IP literal.
    pub fn sni_name(&self) -> Option<String> {
        match &self.sni {
            Some(name) => Some(name.clone()),
            None if self.endpoint.ip().is_none() => Some(self.endpoint.host.clone()),
            None => None,
        }
    }
}

/// Octopus Cloud hosts (`acme.octopus.app`, `polling.acme.octopus.app`).
pub fn is_cloud_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host.ends_with(".octopus.app")
}

/// The step that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Resolve,
    Connect,
    Proxy,
    Handshake,
    Halibut,
}

/// What went wrong, in words a report can group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    DnsFailed,
    Refused,
    Filtered,
    Unreachable,
    ProxyUnreachable,
    ProxyAuthRequired,
    ProxyRefused,
    ProxyTargetUnreachable,
    ProxyError,
    Timeout,
    PlainHttp,
    NotTls,
    TlsTooOld,
    HandshakeFailed,
    Closed,
    Io,
}

/// A failed step: where, what, and the detail as observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub stage: Stage,
    pub kind: FailureKind,
    pub detail: String,
}

/// Everything a TLS check saw. Field names are part of report.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct TlsEvidence {
    /// `host:port` as planned.
    pub target: String,
    /// The SNI name sent (absent for an IP literal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// The proxy tunnelled through (`http://host:port`, never with credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// The proxy's answer to CONNECT (`HTTP/1.1 200 Connection established`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_status: Option<String>,
    /// The address connected to (directly).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// This machine's address the connection left from (to the target, or
    /// to the proxy): the connection's own, or the route's when it did not open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake_ms: Option<u64>,
    /// `TLSv1.2`, `TLSv1.3`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    /// Whether the server asked for a client certificate (Halibut does; none was sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_certificate_requested: Option<bool>,
    /// SHA-1 of the leaf's DER, 40 uppercase hex digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbprint_sha1: Option<Thumbprint>,
    /// SHA-256 of the leaf's DER, 64 uppercase hex digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint_sha256: Option<String>,
    /// The presented chain, leaf first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<CertInfo>,
    /// Whole days until the leaf expires (negative: expired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// Who answered the plain `GET`: `server`, `tentacle` or `none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub halibut: Option<HalibutRole>,
    /// The first line of that answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub halibut_answer: Option<String>,
    /// `preflight listen` answered: a stand-in holding a future Tentacle's port.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub standin: bool,
    /// The step that failed, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
}

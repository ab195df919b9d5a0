//! Clock skew: the `Date` header of the new server's HTTPS answer against
//! this machine's clock. TLS certificate validity and Octopus's tokens fail
//! on clocks that disagree, so more than five minutes apart is a warning.
//!
//! The request goes through `crate::net::http` (reqwest over rustls, platform
//! roots plus `ca_file`, the run's resolvers, no proxy); any answer with a
//! `Date` header will do, whatever its status.

//!
//! `gather` (gather.rs) makes the one request; `assess` (assess.rs) is pure.

mod assess;
mod gather;

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

pub use assess::{assess, skew};
pub use gather::gather;

/// More apart than this is a warning.
pub const MAX_SKEW: Duration = Duration::from_secs(5 * 60);
/// The most of the answer's body that is read (only its headers matter).
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// Whose clock to compare with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockSpec {
    /// The server's base URL (`https://acme.octopus.app`); `/api` is requested.
    pub url: String,
    /// Extra trusted CA certificates (PEM) for a server behind a corporate CA.
    pub ca_file: Option<PathBuf>,
}

/// What was seen. Field names are part of report.json.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClockEvidence {
    /// The URL requested.
    pub url: String,
    /// The HTTP status of the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The `Date` header as the server sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_date: Option<String>,
    /// This machine's clock halfway through the request (RFC 3339, UTC).
    pub local_time: String,
    /// Server minus local, in seconds (positive: this machine is behind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skew_s: Option<i64>,
    /// How long the request took; the comparison is good to about half of it plus 1 s.
    pub elapsed_ms: u64,
    /// Why there is no comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

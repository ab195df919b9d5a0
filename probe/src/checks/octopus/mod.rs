//! The Octopus Server's own API: `GET /api` proves the portal answers as
//! Octopus and tells its version (Export/Import Projects needs 2021.1 or
//! later on the old server); with an API key from an environment variable,
//! `GET /api/configuration/certificates/certificate-global` tells the server
//! certificate's thumbprint, compared with what the polling port presents
//! and with the plan. The key's value never leaves the request header.
//!
//! - `version`: Octopus version numbers and their order.
//! - `gather`: the HTTP requests (reqwest over rustls, platform roots plus
//!   `ca_file`) and the polling port's TLS probe.
//! - `assess`: the judgement and remediation, pure.

pub mod assess;
pub mod gather;
pub mod version;

use std::path::PathBuf;

use serde::Serialize;

use crate::checks::tls::TlsSpec;
use crate::thumbprint::Thumbprint;

pub use assess::{assess_api, assess_thumbprint};
pub use gather::{gather_api, gather_thumbprint};
pub use version::{EXPORT_IMPORT_MINIMUM, OctopusVersion};

/// `GET {url}/api`: what to reach and the version it must have.
#[derive(Debug, Clone)]
pub struct ApiSpec {
    /// The portal's base URL (`https://octopus.example.com`).
    pub url: String,
    /// The oldest version that passes (2021.1 on the old server).
    pub min_version: Option<OctopusVersion>,
    /// Extra trusted CA certificates (PEM) for a portal behind a corporate CA.
    pub ca_file: Option<PathBuf>,
}

/// The server certificate as the API reports it, compared with the polling
/// port and the plan.
#[derive(Debug, Clone)]
pub struct ThumbprintSpec {
    pub url: String,
    /// The environment variable holding the API key (its name only).
    pub api_key_env: String,
    pub ca_file: Option<PathBuf>,
    /// The polling endpoint to probe, when there is one.
    pub polling: Option<TlsSpec>,
    /// The thumbprint the plan says Tentacles will be told.
    pub expected: Option<Thumbprint>,
}

/// Why a request gave no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestFailure {
    /// Refused, no route, or the name did not resolve.
    Connect,
    /// The portal's certificate is not trusted (platform roots plus `ca_file`).
    Untrusted,
    Timeout,
    /// The client could not be built (an unreadable `ca_file`).
    Setup,
    /// Anything else the request failed with.
    Other,
}

/// A failed request: what kind, and the detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestError {
    pub kind: RequestFailure,
    pub detail: String,
}

/// What `GET /api` answered. Field names are part of report.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ApiEvidence {
    /// The URL requested (`https://octopus.example.com/api`).
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u64>,
    /// `Application` (`Octopus Deploy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// `Version` (`2020.6.4671`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// The oldest version that passes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_version: Option<String>,
    /// The start of a body that is not Octopus's JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RequestError>,
}

/// What the certificate comparison saw. Field names are part of report.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ThumbprintEvidence {
    /// `…/api/configuration/certificates/certificate-global`.
    pub url: String,
    /// The variable the API key was read from (never its value).
    pub api_key_env: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The server certificate's thumbprint as the API reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_thumbprint: Option<Thumbprint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RequestError>,
    /// The polling endpoint probed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polling_target: Option<String>,
    /// The thumbprint the polling endpoint presented.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polling_thumbprint: Option<Thumbprint>,
    /// Why the polling endpoint gave no thumbprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polling_error: Option<String>,
    /// The thumbprint the plan names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Thumbprint>,
}

/// `https://host/` + `api…`, without doubling the slash.
pub fn api_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

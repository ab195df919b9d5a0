//! Packages in the server's built-in feed (`/api/{space}/packages`).

use serde::Deserialize;

/// One version of a package in the built-in feed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Package {
    /// `packages-Acme.Web.1.0.0`.
    pub id: Option<String>,
    /// `Acme.Web`.
    pub package_id: String,
    /// `1.0.0`.
    pub version: String,
    /// The file's size in bytes; `None` when the server does not say.
    pub package_size_bytes: Option<u64>,
    /// When it was pushed (RFC 3339).
    pub published: Option<String>,
    pub feed_id: Option<String>,
    /// `.nupkg`, `.zip`, `.tar.gz`.
    pub file_extension: Option<String>,
    pub hash: Option<String>,
}

//! The Octopus REST API client every command that reads a server shares
//! (`plan from-octopus`, `readiness`, `drift`): `client` (the one
//! `ApiClient`: https only, the key only in `X-Octopus-ApiKey` to the
//! server's origin, bounded requests, at most `MAX_IN_FLIGHT` of them at
//! once, paging to a stated maximum) and the
//! two shapes every resource comes in, `ApiError` and `Page`, and
//! `resources`, the one serde type per API resource (a file per area).

pub mod client;
pub mod resources;

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

pub use client::{
    ApiClient, BODY_CAP, ClientOptions, Collection, MAX_IN_FLIGHT, PAGE_SIZE, parse_json,
};

/// Why a read failed: where, with what HTTP status, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The URL that failed; `None` for a problem before any request.
    pub url: Option<String>,
    /// The HTTP status when the server answered with one that is not 2xx
    /// (401 and 403 tell a missing permission from a broken server).
    pub status: Option<u16>,
    pub message: String,
}

/// Most characters an [`ApiError`] message keeps (and its URL, [`MAX_ERROR_URL`]):
/// server text goes into them (names, versions, links), and a hostile server
/// must neither fill a terminal nor send it control sequences.
pub const MAX_ERROR_MESSAGE: usize = 600;
/// Most characters of an [`ApiError`]'s URL.
pub const MAX_ERROR_URL: usize = 300;

impl ApiError {
    /// An error at `url`; both are made one line without control characters and bounded.
    pub fn at(url: &str, message: String) -> Self {
        ApiError {
            url: Some(crate::text::one_line(url, MAX_ERROR_URL)),
            status: None,
            message: crate::text::one_line(&message, MAX_ERROR_MESSAGE),
        }
    }

    /// An error before any request; scrubbed and bounded like [`ApiError::at`].
    pub fn setup(message: String) -> Self {
        ApiError {
            url: None,
            status: None,
            message: crate::text::one_line(&message, MAX_ERROR_MESSAGE),
        }
    }

    /// The key was refused (401) or lacks a permission (403).
    pub fn is_denied(&self) -> bool {
        matches!(self.status, Some(401 | 403))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.url {
            Some(url) => write!(f, "GET {url}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ApiError {}

/// One page of a collection (`Items`, `TotalResults`, `Links["Page.Next"]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items the whole collection holds (all pages).
    pub total_results: Option<u64>,
    #[serde(default)]
    pub links: BTreeMap<String, serde_json::Value>,
}

impl<T> Page<T> {
    /// The next page's link (`/api/Spaces-1/machines?skip=30&take=30`), when there is one.
    pub fn next(&self) -> Option<&str> {
        self.links
            .get("Page.Next")
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    }
}

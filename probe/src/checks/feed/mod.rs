//! Package feeds: does each feed answer its own protocol (NuGet v3/v2,
//! Docker/OCI, Helm, Maven, or plain HTTP), directly and/or through the HTTP
//! proxy? A TCP connect proves little: a proxy's block page, an SSO login
//! page or a 404 also "connect".
//!
//! Three floors, as every family: this file holds the spec and the
//! evidence types; `gather` (gather.rs) does all the HTTP, following and
//! recording redirects, reading bodies with a size cap, and the Docker login
//! round-trip; `assess` (assess.rs) is pure: it judges each path's answer
//! with the protocol rules in protocol.rs, which use the pure helpers of
//! docker.rs (registry challenges) and xml.rs (the XML feeds).

mod assess;
pub mod docker;
mod gather;
pub mod protocol;
mod xml;

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use assess::{FeedProbe, assess};
pub use gather::{MAX_REDIRECTS, gather, gather_with_env};

use crate::contract::SpecError;
use crate::net::proxy::{ProxyConfig, ProxySource, redact_url};

/// Largest body read from a feed; more is left unread (and says so).
pub const BODY_CAP: usize = 2 * 1024 * 1024;

/// Which protocol a feed speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeedKind {
    /// NuGet v3: the service index (`index.json`).
    NugetV3,
    /// NuGet v2: the OData service document or `$metadata`.
    NugetV2,
    /// Docker / OCI distribution: `GET /v2/`.
    Docker,
    /// Helm chart repository: `index.yaml`.
    Helm,
    /// Maven repository: a `maven-metadata.xml` (or the repository root).
    Maven,
    /// Any URL that must answer an expected status.
    Http,
}

impl FeedKind {
    /// Every kind, in the order help texts list them.
    pub const ALL: [FeedKind; 6] = [
        FeedKind::NugetV3,
        FeedKind::NugetV2,
        FeedKind::Docker,
        FeedKind::Helm,
        FeedKind::Maven,
        FeedKind::Http,
    ];

    /// The kind as the plan writes it (`nuget-v3`).
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::NugetV3 => "nuget-v3",
            FeedKind::NugetV2 => "nuget-v2",
            FeedKind::Docker => "docker",
            FeedKind::Helm => "helm",
            FeedKind::Maven => "maven",
            FeedKind::Http => "http",
        }
    }

    /// What a correct answer is, as a person names it ("a NuGet v3 service index").
    pub fn expected(self) -> &'static str {
        match self {
            FeedKind::NugetV3 => "a NuGet v3 service index",
            FeedKind::NugetV2 => "a NuGet v2 (OData) feed",
            FeedKind::Docker => "a Docker/OCI registry",
            FeedKind::Helm => "a Helm repository index",
            FeedKind::Maven => "a Maven repository",
            FeedKind::Http => "the expected HTTP answer",
        }
    }
}

impl fmt::Display for FeedKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which network paths a feed is probed over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// Straight to the feed.
    #[default]
    Direct,
    /// Through the HTTP proxy.
    Proxy,
    /// Both, reported separately ("direct blocked, proxy OK" is common and fine).
    Both,
}

/// One of the two paths a request can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PathVia {
    Direct,
    Proxy,
}

/// Feed credentials, named by environment variable (never the values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// HTTP basic: a user name and a password or API key.
    Basic {
        username_env: String,
        password_env: String,
    },
    /// A bearer token (`Authorization: Bearer …`).
    Token { token_env: String },
}

/// What a feed check probes and expects. Built by [`FeedSpec::new`] (and
/// its `with_` steps, which validate too); outside probe it cannot be
/// written as a literal, so no rule can be skipped.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FeedSpec {
    pub kind: FeedKind,
    /// The URL as written; the probe URL is derived from it (`/v2/`, `index.yaml`).
    pub url: url::Url,
    pub credentials: Option<Credentials>,
    pub via: Via,
    /// For `http` feeds: the status the final answer must have.
    pub expect_status: u16,
    /// Extra trusted CA certificates (PEM) for this feed.
    pub ca_file: Option<PathBuf>,
    /// The proxy the plan (or `--proxy`) gives; `None`: the environment's.
    pub proxy: Option<ProxyConfig>,
    /// The Octopus server itself fetches this feed.
    pub server_side: bool,
    /// The server is Octopus Cloud: a server-side feed must resolve to public addresses.
    pub cloud: bool,
}

impl FeedSpec {
    /// A feed of `kind` at `url`, probed over `via`: the URL must be http(s)
    /// with a host and no credentials in it (they belong in environment
    /// variables). Status 200 is expected; no credentials, no proxy but the
    /// environment's, not server-side.
    pub fn new(kind: FeedKind, url: &str, via: Via) -> Result<FeedSpec, SpecError> {
        let bad = |why: &str| {
            SpecError::new(
                "url",
                format!(
                    "expected an http(s) URL like \"https://nuget.example.com/v3/index.json\", found `{}` ({why})",
                    redact_url(url)
                ),
            )
        };
        let url = match url::Url::parse(url) {
            Ok(u) if !matches!(u.scheme(), "http" | "https") => {
                return Err(bad("not http or https"));
            }
            Ok(u) if u.host_str().is_none() => return Err(bad("no host")),
            Ok(u) if !u.username().is_empty() || u.password().is_some() => {
                return Err(bad(
                    "credentials belong in environment variables: username_env, password_env or token_env",
                ));
            }
            Ok(u) => u,
            Err(e) => return Err(bad(&e.to_string())),
        };
        Ok(FeedSpec {
            kind,
            url,
            credentials: None,
            via,
            expect_status: 200,
            ca_file: None,
            proxy: None,
            server_side: false,
            cloud: false,
        })
    }

    /// Credentials named by environment variable: a user name and a
    /// password, or a token, or none. Only for an https URL: credentials are
    /// never sent over plain http.
    pub fn with_credentials(
        mut self,
        username_env: Option<String>,
        password_env: Option<String>,
        token_env: Option<String>,
    ) -> Result<FeedSpec, SpecError> {
        self.credentials = match (username_env, password_env, token_env) {
            (None, None, None) => None,
            (None, None, Some(token_env)) => Some(Credentials::Token { token_env }),
            (Some(username_env), Some(password_env), None) => Some(Credentials::Basic {
                username_env,
                password_env,
            }),
            (_, _, Some(_)) => {
                return Err(SpecError::new(
                    "token_env",
                    "expected either `token_env` or `username_env` + `password_env`, not both",
                ));
            }
            (user, _, None) => {
                return Err(SpecError::new(
                    if user.is_some() {
                        "username_env"
                    } else {
                        "password_env"
                    },
                    "expected both `username_env` and `password_env`, or neither",
                ));
            }
        };
        let field = match &self.credentials {
            None => return Ok(self),
            Some(Credentials::Basic { .. }) => "password_env",
            Some(Credentials::Token { .. }) => "token_env",
        };
        if self.url.scheme() != "https" {
            return Err(SpecError::new(
                field,
                format!(
                    "`{field}` needs an https feed URL: {} is plain http, and credentials are never sent over plain http",
                    self.url
                ),
            ));
        }
        Ok(self)
    }

    /// The status an `http` feed's final answer must have (100 to 599).
    pub fn with_expect_status(mut self, status: u16) -> Result<FeedSpec, SpecError> {
        if self.kind != FeedKind::Http {
            return Err(SpecError::new(
                "expect_status",
                format!(
                    "`expect_status` applies to kind = \"http\" only; this feed is {}",
                    self.kind
                ),
            ));
        }
        if !(100..=599).contains(&status) {
            return Err(SpecError::new(
                "expect_status",
                format!("expected an HTTP status from 100 to 599, found {status}"),
            ));
        }
        self.expect_status = status;
        Ok(self)
    }

    /// The URL actually requested: `/v2/` for Docker, `index.yaml` for Helm, else the URL.
    pub fn probe_url(&self) -> url::Url {
        let mut url = self.url.clone();
        let path = url.path().to_string();
        match self.kind {
            FeedKind::Docker if !path.trim_end_matches('/').ends_with("/v2") => {
                url.set_path(&format!("{}/v2/", path.trim_end_matches('/')));
            }
            FeedKind::Helm if !path.ends_with(".yaml") && !path.ends_with(".yml") => {
                url.set_path(&format!("{}/index.yaml", path.trim_end_matches('/')));
            }
            _ => {}
        }
        url
    }
}

/// Everything a feed check saw.
#[derive(Debug, Clone, Default)]
pub struct FeedEvidence {
    /// One entry per path probed, direct first.
    pub paths: Vec<PathEvidence>,
    /// For a server-side feed when the server is Octopus Cloud: what the host resolved to.
    pub resolved: Option<Result<Vec<IpAddr>, String>>,
    /// Set when the probe could not start (a credential variable not set, a bad CA file).
    pub setup_error: Option<String>,
}

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
    /// The first address of the host the request went to (the proxy's on a
    /// proxy path), as this data center's resolvers answer.
    pub address: Option<String>,
    /// This machine's address the kernel's route picks for `address`: the
    /// source a firewall rule names.
    pub source: Option<String>,
}

/// The Docker login round-trip: challenge → token from the realm → `/v2/` again. Serialized as `login` (a key named `token` would be taken for a credential by report redaction).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoginRoundTrip {
    /// `bearer` or `basic`, from the registry's challenge.
    pub scheme: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    /// The token endpoint's status (bearer only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm_status: Option<u16>,
    /// The token endpoint returned a token (its value is never recorded).
    pub token_issued: bool,
    /// The registry's status for `/v2/` with the token (or basic credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

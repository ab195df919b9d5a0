//! Package feeds: does each feed answer its own protocol (NuGet v3/v2,
//! Docker/OCI, Helm, Maven, or plain HTTP), directly and/or through the HTTP
//! proxy? A TCP connect proves little: a proxy's block page, an SSO login
//! page or a 404 also "connect".
//!
//! `gather` (fetch.rs) does the HTTP, following and recording redirects and
//! reading bodies with a size cap, into the plain data of evidence.rs;
//! `assess` (assess.rs) is pure: it judges each path's answer with the
//! protocol rules in protocol.rs (docker.rs for registries, xml.rs for the
//! XML feeds).

mod assess;
pub mod docker;
mod evidence;
mod fetch;
pub mod protocol;
mod xml;

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use assess::{FeedProbe, assess};
pub use docker::LoginRoundTrip;
pub use evidence::{Exchange, PathEvidence, Redirect, Stage, TransportError};

use crate::check::Context;
use crate::proxy::{ProxyConfig, ProxySource};

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

/// What a feed check probes and expects.
#[derive(Debug, Clone)]
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
    pub proxy: Option<(ProxyConfig, ProxySource)>,
    /// The Octopus server itself fetches this feed.
    pub server_side: bool,
    /// The server is Octopus Cloud: a server-side feed must resolve to public addresses.
    pub cloud: bool,
}

impl FeedSpec {
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

/// Probes the feed over the paths its spec asks for, reading environment
/// variables (credentials, proxies) from this process.
pub async fn gather(ctx: &Context, spec: &FeedSpec) -> FeedEvidence {
    gather_with_env(ctx, spec, &|name| std::env::var(name).ok()).await
}

/// [`gather`] with the environment given as a function (tests pass a map).
pub async fn gather_with_env(
    ctx: &Context,
    spec: &FeedSpec,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> FeedEvidence {
    let mut evidence = FeedEvidence::default();
    if spec.server_side && spec.cloud {
        let host = spec.url.host_str().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        evidence.resolved = Some(
            ctx.resolvers
                .resolve(host)
                .await
                .map(|r| r.addresses)
                .map_err(|e| e.0),
        );
    }
    let credentials = match fetch::read_credentials(spec.credentials.as_ref(), env) {
        Ok(c) => c,
        Err(e) => {
            evidence.setup_error = Some(e);
            return evidence;
        }
    };
    let paths: &[PathVia] = match spec.via {
        Via::Direct => &[PathVia::Direct],
        Via::Proxy => &[PathVia::Proxy],
        Via::Both => &[PathVia::Direct, PathVia::Proxy],
    };
    let probes = paths
        .iter()
        .map(|via| fetch::probe_path(ctx, spec, *via, credentials.as_ref(), env));
    evidence.paths = futures_util::future::join_all(probes).await;
    evidence
}

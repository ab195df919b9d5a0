//! The plan file as written (`version = 1`): serde types that refuse unknown keys.
//!
//! Every field here is documented in `template.toml`, which `preflight plan init`
//! prints; a test keeps the two in step.

use std::net::IpAddr;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use report::Severity;

use crate::checks::dns::AddressMatch;
use crate::checks::feed::{FeedKind, Via};
pub use crate::checks::tcp::Expect;
use crate::duration::PlanDuration;
use crate::endpoint::{Endpoint, HostName};
use crate::net::resolve::ResolverSpec;
use crate::thumbprint::Thumbprint;

/// The whole plan file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    /// Format version; only 1 exists.
    pub version: Spanned<u32>,
    pub migration: Option<MigrationSpec>,
    pub old_server: Option<ServerSpec>,
    pub new_server: Option<ServerSpec>,
    #[serde(default)]
    pub defaults: DefaultsSpec,
    #[serde(default)]
    pub dns: DnsSettingsSpec,
    #[serde(default, rename = "datacenter")]
    pub datacenters: Vec<DatacenterSpec>,
    /// `[proxy]`: the HTTP proxy feeds are reached through.
    pub proxy: Option<ProxySpec>,
    #[serde(default, rename = "feed")]
    pub feeds: Vec<FeedPlanSpec>,
    #[serde(default, rename = "waive")]
    pub waivers: Vec<WaiverSpec>,
}

/// `[migration]`: what the report is about.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationSpec {
    pub name: String,
    pub ticket: Option<String>,
    /// Where the old server's projects go: `cloud` (default) or `instance`
    /// (a new self-hosted server); `preflight readiness` judges by it.
    pub target: Option<Spanned<crate::checks::readiness::Target>>,
}

/// `[old_server]` / `[new_server]`: an Octopus Server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSpec {
    /// The HTTPS URL of the web portal and API (`https://acme.octopus.app`).
    pub url: Option<Spanned<String>>,
    /// Where polling Tentacles connect (`octopus.example.com:10943`, `polling.acme.octopus.app:443`).
    pub polling: Option<Endpoint>,
    /// The server certificate thumbprint Tentacles will trust (SHA-1, 40 hex digits).
    pub thumbprint: Option<Thumbprint>,
    /// The environment variable holding an API key (its name, never the key):
    /// the server certificate is then read from the API and compared.
    pub api_key_env: Option<String>,
    /// Extra trusted CA certificates (PEM) for the portal's HTTPS, relative to the plan.
    pub ca_file: Option<String>,
    /// `[old_server]` only: its names now point at the new server, so they
    /// must resolve to the new server's addresses.
    pub repointed: Option<Spanned<bool>>,
}

/// `[defaults]`: run settings the command line can override.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultsSpec {
    pub timeout: Option<PlanDuration>,
    pub concurrency: Option<usize>,
}

/// `[[datacenter]]`: what one data center must (and must not) reach.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatacenterSpec {
    pub name: Spanned<String>,
    /// How this data center's polling Tentacles reach the new server's
    /// polling endpoint: `direct` (default) or through `[proxy]`.
    pub polling_via: Option<Spanned<PollingVia>>,
    /// This data center's resolvers; overrides `[dns] resolvers`.
    pub resolvers: Option<Spanned<Vec<ResolverSpec>>>,
    #[serde(default)]
    pub tcp: Vec<TcpSpec>,
    #[serde(default, rename = "worker_pool")]
    pub worker_pools: Vec<WorkerPoolSpec>,
    #[serde(default, rename = "tentacle")]
    pub tentacles: Vec<TentacleSpec>,
    #[serde(default)]
    pub dns: Vec<DnsCheckSpec>,
}

/// `[dns]`: the resolvers every data center asks, and how strict agreement is.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsSettingsSpec {
    /// `"system"`, `"ip"` or `"ip:port"`, in order; default `["system"]`.
    pub resolvers: Option<Spanned<Vec<ResolverSpec>>>,
    /// Resolvers that disagree fail DNS checks (default: they warn).
    #[serde(default)]
    pub same_everywhere: bool,
}

/// `[[datacenter.dns]]`: a name that must (or must not) resolve, and how.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsCheckSpec {
    /// Short name, part of the check id; defaults to the host.
    pub name: Option<String>,
    pub host: Spanned<String>,
    /// `false`: the name must not resolve (NXDOMAIN or NODATA everywhere).
    pub resolves: Option<bool>,
    pub addresses: Option<Vec<IpAddr>>,
    /// How `addresses` compare: `exact` (default) or `contains`.
    #[serde(rename = "match")]
    pub address_match: Option<AddressMatch>,
    /// A name the CNAME chain must pass through.
    pub cname: Option<String>,
    /// Every address must be publicly routable.
    #[serde(default)]
    pub public: bool,
    /// Overrides `[dns] same_everywhere` for this name.
    pub same_everywhere: Option<bool>,
    /// Names or IPs whose addresses must include this name's.
    #[serde(default)]
    pub same_as: Vec<String>,
    #[serde(default = "blocker")]
    pub severity: Severity,
    /// What the name is for, shown as the check's title.
    pub purpose: Option<String>,
}

/// `[[datacenter.tcp]]`: one TCP reachability expectation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcpSpec {
    /// Short name, part of the check id; defaults to the target.
    pub name: Option<String>,
    pub target: Endpoint,
    #[serde(default)]
    pub expect: Expect,
    #[serde(default = "blocker")]
    pub severity: Severity,
    /// What the connection is for, shown as the check's title.
    pub purpose: Option<String>,
}

fn blocker() -> Severity {
    Severity::Blocker
}

/// `[[datacenter.worker_pool]]`: a worker pool and what its workers must reach.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerPoolSpec {
    /// The pool's name, part of the check ids.
    pub name: Spanned<String>,
    /// The workers in the pool (host names, as Octopus shows them).
    #[serde(default)]
    pub workers: Vec<String>,
    /// What deployments running on these workers connect to.
    #[serde(default)]
    pub must_reach: Vec<MustReachSpec>,
}

/// One `must_reach` entry: `{ target = "sql01.example.com:1433", purpose = "SQL" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MustReachSpec {
    pub target: Endpoint,
    /// What it is for ("SQL", "file share", "Kubernetes API"); defaults to the port's name.
    pub purpose: Option<String>,
    #[serde(default = "blocker")]
    pub severity: Severity,
}

/// `[[datacenter.tentacle]]`: a Tentacle instance (`preflight discover` writes these).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TentacleSpec {
    /// Part of the check ids (`web01-tentacle`).
    pub name: Spanned<String>,
    /// The instance name on its machine (default `Tentacle`), used in remediation commands.
    pub instance: Option<String>,
    /// The machine it runs on (a host name or IP address; no spaces or control characters).
    pub host: Option<HostName>,
    /// Where its configuration was read (for the reader; not used by checks).
    pub config: Option<String>,
    /// Its own certificate thumbprint.
    pub thumbprint: Option<Thumbprint>,
    /// The port it listens on; absent when it only polls.
    pub listen_port: Option<u16>,
    /// The address it listens on (absent: every interface).
    pub listen_ip: Option<String>,
    /// The HTTP proxy it polls through (`host:port`).
    pub polling_proxy: Option<Endpoint>,
    /// The Octopus Servers it trusts.
    #[serde(default, rename = "trust")]
    pub trusts: Vec<TrustSpec>,
}

/// `[[datacenter.tentacle.trust]]`: a server the Tentacle trusts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustSpec {
    pub style: TrustStyle,
    pub thumbprint: Thumbprint,
    /// Polling only: where it connects (`https://octopus.example.com:10943`).
    pub address: Option<Spanned<String>>,
}

/// Whether the server connects to the Tentacle or the Tentacle polls the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrustStyle {
    Listening,
    Polling,
}

/// `[proxy]`: the HTTP proxy Tentacles and workers use; credentials by environment variable.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxySpec {
    /// `http://proxy.example.com:3128`.
    pub url: Spanned<String>,
    pub username_env: Option<String>,
    pub password_env: Option<String>,
    /// Hosts reached without the proxy (`example.com` covers its subdomains; IPs and CIDR blocks too).
    #[serde(default)]
    pub no_proxy: Vec<String>,
}

/// `[[feed]]`: a package feed deployments pull from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedPlanSpec {
    /// Part of the check id `dc.<dc>.feed.<name>`.
    pub name: Spanned<String>,
    pub kind: FeedKind,
    pub url: Spanned<String>,
    /// Environment variables holding basic credentials (user name and password or API key).
    pub username_env: Option<String>,
    pub password_env: Option<Spanned<String>>,
    /// Environment variable holding a bearer token (instead of username/password).
    pub token_env: Option<Spanned<String>>,
    #[serde(default)]
    pub via: Via,
    /// The Octopus server itself fetches from this feed (not only Tentacles and workers).
    #[serde(default)]
    pub server_side: bool,
    /// For `kind = "http"`: the status the URL must answer (default 200).
    pub expect_status: Option<Spanned<u16>>,
    /// Extra trusted CA certificates (PEM) for this feed.
    pub ca_file: Option<PathBuf>,
    /// Only these data centers check the feed (default: every one).
    pub datacenters: Option<Spanned<Vec<String>>>,
    #[serde(default = "blocker")]
    pub severity: Severity,
    /// What the feed is for, shown as the check's title.
    pub purpose: Option<String>,
}

/// `[[waive]]`: a known failure accepted for this migration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverSpec {
    pub id: Spanned<String>,
    pub reason: String,
    pub ticket: String,
}

/// How polling Tentacles of a data center reach the polling endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PollingVia {
    /// Straight to the server.
    #[default]
    Direct,
    /// Through the plan's `[proxy]` (Tentacle's polling proxy setting), with CONNECT.
    Proxy,
}

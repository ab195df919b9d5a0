//! The plan file as written (`version = 1`): serde types that refuse unknown keys.
//!
//! Every field here is documented in `template.toml`, which `preflight plan init`
//! prints; a test keeps the two in step.

use serde::Deserialize;
use toml::Spanned;

use report::Severity;

use crate::duration::PlanDuration;
use crate::endpoint::Endpoint;
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
    #[serde(default, rename = "datacenter")]
    pub datacenters: Vec<DatacenterSpec>,
    #[serde(default, rename = "waive")]
    pub waivers: Vec<WaiverSpec>,
}

/// `[migration]`: what the report is about.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationSpec {
    pub name: String,
    pub ticket: Option<String>,
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
    #[serde(default)]
    pub tcp: Vec<TcpSpec>,
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

/// Whether a target must be reachable or must be blocked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    #[default]
    Open,
    Blocked,
}

/// `[[waive]]`: a known failure accepted for this migration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverSpec {
    pub id: Spanned<String>,
    pub reason: String,
    pub ticket: String,
}

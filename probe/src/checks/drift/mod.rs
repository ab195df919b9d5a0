//! Drift between the old Octopus instance and the new one while they run
//! side by side (DESIGN §12): what the old one gained since the copy was
//! taken (projects, changed processes and variables, releases and
//! deployments, built-in feed packages), which Tentacles are registered on
//! both, and which polling Tentacles still need a clone pointed at the new
//! server.
//!
//! Unlike the per-endpoint families, one read of the two instances serves
//! all six rules: `gather` reads both through `octopus_api::ApiClient` once
//! (every failure kept, per resource, as evidence) and each rule's `assess`
//! judges that one [`DriftEvidence`]. Resources are matched by space and
//! slug (ids change on import), Tentacles by thumbprint.
//!
//! - `mod.rs`: the spec, the rules and the evidence (plain summaries of
//!   what was read, names already resolved from ids);
//! - `gather.rs`: all the I/O;
//! - `summary.rs`: the API resources read turned into those summaries (pure);
//! - `assess.rs`: the six rules, pure;
//! - `clone.rs`: the Bash and PowerShell scripts that clone polling
//!   Tentacles (pure text; preflight never runs them).

pub mod assess;
pub mod clone;
pub mod gather;
pub mod summary;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use report::Severity;
use serde::Serialize;

use crate::since::{Instant, Since};

pub use assess::assess;
pub use gather::gather;

/// The longest side-by-side window before `drift.window` warns ("a few
/// days, a week tops").
pub const WINDOW_LIMIT: Duration = Duration::from_secs(7 * 24 * 3600);

/// One instance to read: its portal and the key's source (never the key in Debug).
#[derive(Clone)]
pub struct InstanceSpec {
    /// `https://octopus.example.com` (with its virtual directory, if any).
    pub url: String,
    pub api_key: String,
    /// Where the key came from, for messages (`the environment variable NEW_KEY`).
    pub key_source: String,
    pub ca_file: Option<PathBuf>,
}

impl fmt::Debug for InstanceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstanceSpec")
            .field("url", &self.url)
            .field("api_key", &"<redacted>")
            .field("key_source", &self.key_source)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// What `preflight drift` compares.
#[derive(Debug, Clone)]
pub struct DriftSpec {
    pub old: InstanceSpec,
    pub new: InstanceSpec,
    /// When the copy was taken: the side-by-side window's start.
    pub since: Since,
    /// Bounds each API request.
    pub timeout: Duration,
    /// Pages read per collection at most.
    pub max_pages: usize,
}

/// One planned drift check: a rule and the read it judges (shared by all six).
#[derive(Debug, Clone)]
pub struct DriftCheck {
    pub rule: DriftRule,
    pub evidence: Arc<DriftEvidence>,
}

impl DriftCheck {
    /// The six checks over one read, in report order.
    pub fn all(evidence: DriftEvidence) -> Vec<DriftCheck> {
        let evidence = Arc::new(evidence);
        DriftRule::ALL
            .into_iter()
            .map(|rule| DriftCheck {
                rule,
                evidence: Arc::clone(&evidence),
            })
            .collect()
    }
}

/// The six drift rules, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftRule {
    Window,
    Projects,
    Releases,
    Packages,
    SharedTargets,
    PollingClones,
}

impl DriftRule {
    pub const ALL: [DriftRule; 6] = [
        DriftRule::Window,
        DriftRule::Projects,
        DriftRule::Releases,
        DriftRule::Packages,
        DriftRule::SharedTargets,
        DriftRule::PollingClones,
    ];

    /// The last part of the check id (`drift.<name>`).
    pub fn name(self) -> &'static str {
        match self {
            DriftRule::Window => "window",
            DriftRule::Projects => "projects",
            DriftRule::Releases => "releases",
            DriftRule::Packages => "packages",
            DriftRule::SharedTargets => "shared-targets",
            DriftRule::PollingClones => "polling-clones",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            DriftRule::Window => "Side-by-side window",
            DriftRule::Projects => "Projects missing or changed on the old instance",
            DriftRule::Releases => "Releases and deployments on the old instance since the copy",
            DriftRule::Packages => "Built-in feed packages missing on the new instance",
            DriftRule::SharedTargets => "Targets registered on both instances",
            DriftRule::PollingClones => "Polling Tentacles that need a clone for the new server",
        }
    }

    /// Data the new instance lacks blocks; churn and an old window warn.
    pub fn severity(self) -> Severity {
        match self {
            DriftRule::Window | DriftRule::SharedTargets => Severity::Warning,
            DriftRule::Projects
            | DriftRule::Releases
            | DriftRule::Packages
            | DriftRule::PollingClones => Severity::Blocker,
        }
    }

    /// What each rule reads from `side`: a failure to read one of these
    /// makes the rule `error` (no data is not a pass).
    pub fn needs(self, side: Side) -> &'static [Resource] {
        use Resource::*;
        match (self, side) {
            (DriftRule::Window, _) => &[],
            (DriftRule::Projects, Side::Old) => {
                &[Server, Spaces, Projects, Processes, Variables, Events]
            }
            (DriftRule::Projects, Side::New) => &[Server, Spaces, Projects, Processes, Variables],
            (DriftRule::Releases, Side::Old) => &[Server, Spaces, Projects, Releases, Deployments],
            (DriftRule::Releases, Side::New) => &[Server, Spaces, Projects, Releases],
            (DriftRule::Packages, _) => &[Server, Spaces, Packages],
            (DriftRule::SharedTargets, _) => &[Server, Spaces, Machines, Workers],
            (DriftRule::PollingClones, Side::Old) => &[
                Server,
                Spaces,
                Machines,
                Workers,
                Environments,
                Tenants,
                WorkerPools,
            ],
            (DriftRule::PollingClones, Side::New) => {
                &[Server, Certificate, Spaces, Machines, Workers]
            }
        }
    }
}

/// A kind of resource read from an instance; a failure is kept per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resource {
    /// `GET /api`: application and version.
    Server,
    /// The server certificate (`certificate-global`).
    Certificate,
    Spaces,
    Projects,
    /// Deployment processes (their `Version`).
    Processes,
    /// Project variable sets (their `Version`).
    Variables,
    Releases,
    Deployments,
    /// Audit events since the copy.
    Events,
    /// Built-in feed packages.
    Packages,
    /// Deployment targets.
    Machines,
    Workers,
    Environments,
    Tenants,
    WorkerPools,
}

impl Resource {
    /// As a person names it, with the permission that reads it.
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            Resource::Server => ("the API root", "none (GET /api is public)"),
            Resource::Certificate => (
                "the server certificate",
                "ConfigureServer or AdministerSystem",
            ),
            Resource::Spaces => ("the spaces", "SpaceView"),
            Resource::Projects => ("the projects", "ProjectView"),
            Resource::Processes => ("the deployment processes", "ProcessView"),
            Resource::Variables => ("the project variables", "VariableView"),
            Resource::Releases => ("the releases", "ReleaseView"),
            Resource::Deployments => ("the deployments", "DeploymentView"),
            Resource::Events => ("the audit log", "EventView"),
            Resource::Packages => ("the built-in feed's packages", "FeedView"),
            Resource::Machines => ("the deployment targets", "MachineView"),
            Resource::Workers => ("the workers", "WorkerView"),
            Resource::Environments => ("the environments", "EnvironmentView"),
            Resource::Tenants => ("the tenants", "TenantView"),
            Resource::WorkerPools => ("the worker pools", "WorkerView"),
        }
    }
}

/// Which instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Old,
    New,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Old => "old",
            Side::New => "new",
        })
    }
}

/// A read that failed: which resource, where, and the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadFailure {
    pub resource: Resource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub message: String,
}

/// Both instances as read, and the window.
#[derive(Debug, Clone)]
pub struct DriftEvidence {
    pub old: InstanceRead,
    pub new: InstanceRead,
    pub since: Since,
    /// When the instances were read.
    pub read_at: Instant,
    /// This machine's Tentacle instances, when asked for (`--discover`).
    pub local: Option<Vec<LocalTentacle>>,
}

/// A Tentacle instance on this machine: its certificate and whom it trusts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalTentacle {
    /// The instance name (`Tentacle`), or the file that could not be read.
    pub instance: String,
    pub thumbprint: Option<String>,
    /// Trusted servers: thumbprint and style (`listening`, `polling`).
    pub trusted: Vec<(String, String)>,
    /// Why the configuration could not be read.
    pub error: Option<String>,
}

/// One instance as read.
#[derive(Debug, Clone, Default)]
pub struct InstanceRead {
    /// The portal URL.
    pub server: String,
    /// `Version` of `/api`.
    pub version: Option<String>,
    /// The server certificate's thumbprint.
    pub thumbprint: Option<String>,
    pub spaces: Vec<SpaceRead>,
    /// Every read that failed (the rules that need one of these are `error`).
    pub failures: Vec<ReadFailure>,
    /// Worth telling (a collection whose pages disagreed with its total).
    pub notes: Vec<String>,
}

impl InstanceRead {
    /// The first failure among `resources`.
    pub fn failure(&self, resources: &[Resource]) -> Option<&ReadFailure> {
        self.failures
            .iter()
            .find(|f| resources.contains(&f.resource))
    }

    /// The space matched to `other` (by slug, else by name, ignoring case).
    pub fn space_like(&self, other: &SpaceRead) -> Option<&SpaceRead> {
        self.spaces
            .iter()
            .find(|s| s.key().eq_ignore_ascii_case(&other.key()))
            .or_else(|| {
                self.spaces
                    .iter()
                    .find(|s| s.name.eq_ignore_ascii_case(&other.name))
            })
    }
}

/// One space's resources, names resolved.
#[derive(Debug, Clone, Default)]
pub struct SpaceRead {
    pub id: String,
    pub name: String,
    pub slug: Option<String>,
    pub projects: Vec<ProjectState>,
    /// Releases (the rules pick those made since the window began).
    pub releases: Vec<ReleaseRecord>,
    /// Deployments (the rules pick those since the window began).
    pub deployments: Vec<DeploymentRecord>,
    /// Audit events since the window began (old instance only).
    pub events: Vec<ChangeEvent>,
    pub packages: Vec<PackageVersion>,
    /// Deployment targets and workers.
    pub registrations: Vec<Registration>,
}

impl SpaceRead {
    /// What spaces are matched by: the slug, or the name slugged.
    pub fn key(&self) -> String {
        self.slug
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| report::model::slug(&self.name))
    }

    pub fn project(&self, id: &str) -> Option<&ProjectState> {
        self.projects.iter().find(|p| p.id == id)
    }
}

/// A project and the versions of what it owns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectState {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub process_id: Option<String>,
    /// The deployment process's `Version` (bumped on every change).
    pub process_version: Option<u64>,
    pub variable_set_id: Option<String>,
    pub variables_version: Option<u64>,
}

/// A release: its project (id on this instance), version and when it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRecord {
    pub project_id: String,
    pub version: String,
    pub assembled: Instant,
}

/// A deployment: its project, environment (name) and when it was queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentRecord {
    pub project_id: String,
    pub environment: String,
    pub created: Instant,
}

/// An audit event: when, who, what it says, and the documents it touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEvent {
    pub occurred: Instant,
    pub category: String,
    pub username: String,
    pub message: String,
    pub related: Vec<String>,
}

/// A built-in feed package version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PackageVersion {
    pub package_id: String,
    pub version: String,
}

/// Whether a registration is a deployment target or a worker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationKind {
    #[default]
    Target,
    Worker,
}

/// A deployment target or worker as registered, ids resolved to names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registration {
    pub kind: RegistrationKind,
    pub name: String,
    /// `TentacleActive` (polling), `TentaclePassive` (listening), `Ssh`, …
    pub style: String,
    pub thumbprint: Option<String>,
    pub uri: Option<String>,
    pub environments: Vec<String>,
    pub roles: Vec<String>,
    pub tenants: Vec<String>,
    /// `Untenanted`, `Tenanted`, `TenantedOrUntenanted`.
    pub tenanted: Option<String>,
    pub worker_pools: Vec<String>,
    pub tentacle_version: Option<String>,
    pub health: Option<String>,
    pub disabled: bool,
}

impl Registration {
    pub fn is_polling(&self) -> bool {
        self.style == "TentacleActive"
    }

    pub fn is_listening(&self) -> bool {
        self.style == "TentaclePassive"
    }
}

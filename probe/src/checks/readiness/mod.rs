//! The readiness family: what the old Octopus Server's REST API says about
//! moving it to Octopus Cloud or to a new self-hosted instance (DESIGN §12).
//! `gather` reads every resource the rules need, in every space, through
//! `octopus_api::ApiClient`, keeping each endpoint's failure as that
//! endpoint's `Read` error (a 401/403 on one resource is not a crash);
//! `assess` has one pure function per rule (`readiness.<name>`,
//! `cutover.<name>`), each turning the reads it needs into a `Finding`.

pub mod assess;
pub mod gather;

use serde::Serialize;

use crate::contract::{Outcome, SpecError};
use crate::octopus_api::ApiError;
use crate::octopus_api::resources::{
    ActionTemplate, AuthenticationInfo, DeploymentProcess, Event, FeaturesConfiguration, Machine,
    MaintenanceConfiguration, Package, Project, ProjectTrigger, ProviderConfiguration, Root,
    Runbook, RunbookProcess, ServerNode, ServerTask, Space, Subscription, Team, User, WorkerPool,
};
use crate::since::Since;

pub use assess::assess;
pub use gather::{GatherOptions, gather};

/// Octopus Cloud's largest single package: "Maximum size for any single
/// package is 5 GB" (Octopus docs, "Migrating to Octopus Cloud", storage
/// limits; <https://octopus.com/docs/octopus-cloud#octopus-cloud-storage-limits>).
/// Decimal gigabytes, the stricter reading.
pub const CLOUD_FILE_LIMIT_BYTES: u64 = 5_000_000_000;

/// Octopus Cloud's file storage for artifacts, task logs, packages, the
/// package cache and event exports: "limited to 1 TB" (the same page).
pub const CLOUD_STORAGE_LIMIT_BYTES: u64 = 1_000_000_000_000;

/// Where the old server's projects are going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Octopus Cloud: no AD/LDAP, nothing on the server, storage limits.
    Cloud,
    /// A new self-hosted instance: the Cloud-only rules are `info`.
    Instance,
}

/// Where in the migration the run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Preparing: the cutover rules are `info`.
    Prep,
    /// Cutting over: the old server must be quiet (maintenance mode, task cap 0, nothing running).
    Cutover,
}

/// What to check the server against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessSpec {
    pub target: Target,
    pub phase: Phase,
    /// Start of the side-by-side window (`cutover.ci-activity`).
    pub since: Option<Since>,
    /// Total storage the target allows (bytes).
    pub storage_limit_bytes: u64,
    /// Largest single package the target allows (bytes).
    pub file_limit_bytes: u64,
}

impl ReadinessSpec {
    /// The one constructor: a limit of 0 is refused (it would make every package a blocker).
    pub fn new(
        target: Target,
        phase: Phase,
        since: Option<Since>,
        storage_limit_bytes: Option<u64>,
    ) -> Result<ReadinessSpec, SpecError> {
        let storage_limit_bytes = storage_limit_bytes.unwrap_or(CLOUD_STORAGE_LIMIT_BYTES);
        if storage_limit_bytes == 0 {
            return Err(SpecError::new(
                "storage_limit",
                "expected a storage limit above 0 like 1TB or 500GB, found 0",
            ));
        }
        Ok(ReadinessSpec {
            target,
            phase,
            since,
            storage_limit_bytes,
            file_limit_bytes: CLOUD_FILE_LIMIT_BYTES,
        })
    }
}

/// Why one endpoint could not be read: the URL, the HTTP status, what was
/// wrong, and (for 401/403) the permission the key's user lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadError {
    pub url: Option<String>,
    pub status: Option<u16>,
    pub message: String,
    /// The Octopus permission reading it takes (`ProcessView`, `UserView`, ...).
    pub permission: &'static str,
}

impl ReadError {
    pub fn from_api(e: ApiError, permission: &'static str) -> Self {
        ReadError {
            url: e.url,
            status: e.status,
            message: e.message,
            permission,
        }
    }

    /// 401 or 403: the key may not read this.
    pub fn is_denied(&self) -> bool {
        matches!(self.status, Some(401 | 403))
    }

    /// One line for a reason: `GET <url>: HTTP 403 … (needs ProcessView)`.
    pub fn describe(&self) -> String {
        let at = self.url.as_deref().unwrap_or("(before any request)");
        if self.is_denied() {
            format!(
                "GET {at}: {} (the key's user needs the {} permission)",
                self.message, self.permission
            )
        } else {
            format!("GET {at}: {}", self.message)
        }
    }
}

/// One endpoint's answer, or why there is none.
pub type Read<T> = Result<T, ReadError>;

/// Everything read from the old server.
#[derive(Debug, Clone)]
pub struct ServerEvidence {
    /// The portal URL (no credentials).
    pub server: String,
    pub root: Read<Root>,
    /// `/api` of the new instance (`--new-server`), when given.
    pub new_root: Option<Read<Root>>,
    pub authentication: Read<AuthenticationInfo>,
    /// `authentication-directoryservices` and `authentication-ldap`, as the server answered.
    pub directory_configs: Vec<(String, Read<ProviderConfiguration>)>,
    pub users: Read<Vec<User>>,
    pub teams: Read<Vec<Team>>,
    pub features: Read<FeaturesConfiguration>,
    pub maintenance: Read<MaintenanceConfiguration>,
    pub nodes: Read<Vec<ServerNode>>,
    /// Tasks queued, executing or being cancelled.
    pub active_tasks: Read<Vec<ServerTask>>,
    /// Audit events since `--since` (`None` without it).
    pub events: Option<Read<Vec<Event>>>,
    /// Every space, or why the list could not be read.
    pub spaces: Read<Vec<SpaceEvidence>>,
    /// Things worth telling (a collection whose pages disagreed with its total).
    pub notes: Vec<String>,
}

/// One space's resources.
#[derive(Debug, Clone)]
pub struct SpaceEvidence {
    pub space: Space,
    pub projects: Read<Vec<Project>>,
    pub deployment_processes: Read<Vec<DeploymentProcess>>,
    pub runbooks: Read<Vec<Runbook>>,
    pub runbook_processes: Read<Vec<RunbookProcess>>,
    pub worker_pools: Read<Vec<WorkerPool>>,
    pub workers: Read<Vec<Machine>>,
    pub machines: Read<Vec<Machine>>,
    pub packages: Read<Vec<Package>>,
    pub triggers: Read<Vec<ProjectTrigger>>,
    pub templates: Read<Vec<ActionTemplate>>,
    pub subscriptions: Read<Vec<Subscription>>,
}

/// One rule's result: its id, title, severity and outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// `readiness.run-on-server`, `cutover.task-cap`.
    pub id: &'static str,
    pub title: &'static str,
    pub severity: report::Severity,
    pub outcome: Outcome,
}

impl Finding {
    /// The report's result for this finding; `server` is what was checked.
    pub fn into_result(self, server: &str, elapsed_ms: u64) -> report::CheckResult {
        report::CheckResult {
            id: report::CheckId::new(self.id),
            family: report::Family::Readiness,
            title: self.title.to_string(),
            target: server.to_string(),
            severity: self.severity,
            status: self.outcome.status,
            reason: self.outcome.reason,
            remediation: self.outcome.remediation,
            evidence: self.outcome.evidence,
            elapsed_ms,
            waiver: None,
        }
    }
}

/// A size like `1TB`, `500GB`, `1.5TiB` or `1000000` (bytes): decimal units
/// (KB, MB, GB, TB) are powers of 1000, binary ones (KiB … TiB) of 1024.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => {
            return Err(format!(
                "expected a size like 1TB, 500GB or 1.5TiB, found `{}` (unknown unit)",
                crate::text::one_line(t, 40)
            ));
        }
    };
    let value: f64 = number.parse().map_err(|_| {
        format!(
            "expected a size like 1TB, 500GB or 1.5TiB, found `{}`",
            crate::text::one_line(t, 40)
        )
    })?;
    let bytes = value * factor as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(format!("`{}` is too large", crate::text::one_line(t, 40)));
    }
    Ok(bytes.round() as u64)
}

impl ServerEvidence {
    /// A server with nothing on it (every read answered, every list empty):
    /// the base tests and examples change one thing in.
    pub fn empty(server: &str) -> ServerEvidence {
        ServerEvidence {
            server: server.to_string(),
            root: Ok(Root {
                application: "Octopus Deploy".into(),
                version: "2024.1.12281".into(),
                api_version: None,
                installation_id: None,
                links: Default::default(),
            }),
            new_root: None,
            authentication: Ok(AuthenticationInfo {
                authentication_providers: Vec::new(),
                auto_login_enabled: false,
            }),
            directory_configs: Vec::new(),
            users: Ok(Vec::new()),
            teams: Ok(Vec::new()),
            features: Ok(FeaturesConfiguration {
                is_built_in_worker_enabled: Some(true),
                is_community_action_templates_enabled: None,
            }),
            maintenance: Ok(MaintenanceConfiguration {
                is_in_maintenance_mode: false,
            }),
            nodes: Ok(Vec::new()),
            active_tasks: Ok(Vec::new()),
            events: None,
            spaces: Ok(Vec::new()),
            notes: Vec::new(),
        }
    }
}

impl SpaceEvidence {
    /// A space with nothing in it.
    pub fn empty(id: &str, name: &str) -> SpaceEvidence {
        SpaceEvidence {
            space: Space {
                id: id.into(),
                name: name.into(),
                slug: None,
            },
            projects: Ok(Vec::new()),
            deployment_processes: Ok(Vec::new()),
            runbooks: Ok(Vec::new()),
            runbook_processes: Ok(Vec::new()),
            worker_pools: Ok(Vec::new()),
            workers: Ok(Vec::new()),
            machines: Ok(Vec::new()),
            packages: Ok(Vec::new()),
            triggers: Ok(Vec::new()),
            templates: Ok(Vec::new()),
            subscriptions: Ok(Vec::new()),
        }
    }
}

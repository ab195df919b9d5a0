//! The audit log (`/api/events`) and server tasks (`/api/tasks`).

use serde::Deserialize;

use super::null_default;

/// An audit event (`/api/events`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Event {
    pub id: String,
    /// `Created`, `Modified`, `Deleted`, `DeploymentQueued`, `DeploymentStarted`, `LoginSucceeded`, ...
    pub category: String,
    /// When (RFC 3339).
    pub occurred: String,
    pub user_id: Option<String>,
    pub username: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub is_service: bool,
    /// `API key`, `Session cookie`, ...
    pub identity_established_with: Option<String>,
    /// The HTTP user agent of the request that caused it (`octo/9.1.7`, `Octopus.Client/14.3`, a browser).
    pub user_agent: Option<String>,
    /// `Releases-12`, `Deployments-40`, `Projects-1`, `Environments-2`.
    #[serde(default, deserialize_with = "null_default")]
    pub related_document_ids: Vec<String>,
    pub message: Option<String>,
    pub space_id: Option<String>,
}

/// A server task (`/api/tasks`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerTask {
    pub id: String,
    /// `Deploy`, `RunbookRun`, `Health`, `Upgrade`, `Backup`, ...
    pub name: String,
    pub description: Option<String>,
    /// `Queued`, `Executing`, `Cancelling`, `Success`, `Failed`, `Canceled`, `TimedOut`.
    pub state: String,
    #[serde(default, deserialize_with = "null_default")]
    pub is_completed: bool,
    pub queue_time: Option<String>,
    pub start_time: Option<String>,
    pub space_id: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub has_pending_interruptions: bool,
}

impl ServerTask {
    /// Queued, running or being cancelled: not finished.
    pub fn is_active(&self) -> bool {
        matches!(self.state.as_str(), "Queued" | "Executing" | "Cancelling")
    }
}

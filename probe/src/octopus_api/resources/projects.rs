//! Projects and what they hold: deployment and runbook processes (steps and
//! their actions), runbooks, variable sets (their version only: values may
//! be secrets and are never read), releases, deployments and triggers.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{SensitiveValue, null_default};

/// A project (`/api/{space}/projects`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Project {
    pub id: String,
    pub name: String,
    pub slug: Option<String>,
    pub space_id: Option<String>,
    /// `deploymentprocess-Projects-1`; a version-controlled project's process lives in Git.
    pub deployment_process_id: Option<String>,
    pub variable_set_id: Option<String>,
    pub project_group_id: Option<String>,
    pub lifecycle_id: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub is_disabled: bool,
    /// Config as Code: the process and variables are in a Git repository.
    #[serde(default, deserialize_with = "null_default")]
    pub is_version_controlled: bool,
}

/// A deployment process (`/api/{space}/deploymentprocesses`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeploymentProcess {
    pub id: String,
    pub project_id: String,
    pub space_id: Option<String>,
    /// Goes up by one with every change.
    pub version: Option<u64>,
    #[serde(default, deserialize_with = "null_default")]
    pub steps: Vec<Step>,
    pub last_snapshot_id: Option<String>,
}

/// A runbook process (`/api/{space}/runbookProcesses`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunbookProcess {
    pub id: String,
    pub project_id: String,
    pub runbook_id: Option<String>,
    pub space_id: Option<String>,
    pub version: Option<u64>,
    #[serde(default, deserialize_with = "null_default")]
    pub steps: Vec<Step>,
}

/// A step of a process (`Steps[]`): one or more actions run together.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Step {
    pub id: Option<String>,
    pub name: String,
    /// `Success`, `Failure`, `Always`, `Variable`.
    pub condition: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub actions: Vec<Action>,
    #[serde(default, deserialize_with = "null_default")]
    pub properties: BTreeMap<String, PropertyValue>,
}

/// An action of a step (`Steps[].Actions[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Action {
    pub id: Option<String>,
    pub name: String,
    /// `Octopus.Script`, `Octopus.TentaclePackage`, `Octopus.Manual`, `Octopus.KubernetesDeployRawYaml`, ...
    pub action_type: String,
    #[serde(default, deserialize_with = "null_default")]
    pub is_disabled: bool,
    /// The worker pool it runs on (run-on-server actions); `None` is the space's default pool.
    pub worker_pool_id: Option<String>,
    /// A variable naming the pool, when the pool is chosen per environment.
    pub worker_pool_variable: Option<String>,
    /// `Octopus.Action.RunOnServer` = `"true"`, `Octopus.Action.Script.ScriptSource`, ...
    /// Sensitive properties come back as `{ "HasValue": true }`.
    #[serde(default, deserialize_with = "null_default")]
    pub properties: BTreeMap<String, PropertyValue>,
    #[serde(default, deserialize_with = "null_default")]
    pub environments: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub channels: Vec<String>,
}

impl Action {
    /// The text of a property, if it is one.
    pub fn property(&self, name: &str) -> Option<&str> {
        match self.properties.get(name)? {
            PropertyValue::Text(s) => Some(s),
            _ => None,
        }
    }

    /// `Properties["Octopus.Action.RunOnServer"]` is `"true"` (any case).
    pub fn runs_on_server(&self) -> bool {
        self.property("Octopus.Action.RunOnServer")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }
}

/// A property value: text, a sensitive value (only whether it is set), or
/// anything else (a number, an object: not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropertyValue {
    Text(String),
    Sensitive(SensitiveValue),
    Other,
}

impl<'de> Deserialize<'de> for PropertyValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// `{ "HasValue": … }` with the key required, so any other object is `Other`.
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Marker {
            has_value: bool,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Sensitive(Marker),
            Other(serde::de::IgnoredAny),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Text(s) => PropertyValue::Text(s),
            Raw::Sensitive(m) => PropertyValue::Sensitive(SensitiveValue {
                has_value: m.has_value,
            }),
            Raw::Other(_) => PropertyValue::Other,
        })
    }
}

/// A runbook (`/api/{space}/runbooks`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Runbook {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub runbook_process_id: Option<String>,
    pub published_runbook_snapshot_id: Option<String>,
    pub space_id: Option<String>,
}

/// A variable set (`/api/{space}/variables/{id}`): its owner and version.
/// `Variables` is not read: values may be secrets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VariableSet {
    pub id: String,
    pub owner_id: Option<String>,
    pub space_id: Option<String>,
    pub version: Option<u64>,
}

/// A release (`/api/{space}/releases`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Release {
    pub id: String,
    /// The release number (`1.4.2`).
    pub version: String,
    pub project_id: String,
    pub channel_id: Option<String>,
    pub space_id: Option<String>,
    /// When it was created (RFC 3339).
    pub assembled: Option<String>,
}

/// A deployment (`/api/{space}/deployments`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Deployment {
    pub id: String,
    pub name: Option<String>,
    pub release_id: String,
    pub project_id: Option<String>,
    pub environment_id: Option<String>,
    pub tenant_id: Option<String>,
    pub task_id: Option<String>,
    pub space_id: Option<String>,
    /// When it was queued (RFC 3339).
    pub created: Option<String>,
    pub deployed_by: Option<String>,
    pub deployed_by_id: Option<String>,
}

/// A project trigger (`/api/{space}/projecttriggers`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProjectTrigger {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub space_id: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub is_disabled: bool,
    pub filter: Option<TriggerFilter>,
    pub action: Option<TriggerAction>,
}

/// `Filter` of a trigger: what fires it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TriggerFilter {
    /// `MachineFilter`, `OnceDailySchedule`, `CronExpressionSchedule`, `FeedFilter`, ...
    pub filter_type: Option<String>,
}

/// `Action` of a trigger: what it does.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TriggerAction {
    /// `AutoDeploy`, `DeployLatestRelease`, `RunRunbook`, `CreateRelease`, ...
    pub action_type: Option<String>,
}

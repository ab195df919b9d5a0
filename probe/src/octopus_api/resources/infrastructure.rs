//! Spaces and what they deploy to: environments, worker pools, deployment
//! targets and workers (one `Machine` type, with its `Endpoint`), tenants,
//! and package feeds.

use serde::Deserialize;

use super::{SensitiveValue, null_default};

/// A space (`/api/spaces`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Space {
    /// `Spaces-1`.
    pub id: String,
    pub name: String,
    pub slug: Option<String>,
}

/// An environment (`/api/{space}/environments`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    pub id: String,
    pub name: String,
    pub slug: Option<String>,
}

/// A worker pool (`/api/{space}/workerpools`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WorkerPool {
    pub id: String,
    pub name: String,
    pub slug: Option<String>,
    /// `StaticWorkerPool` or `DynamicWorkerPool` (Octopus Cloud's hosted workers).
    pub worker_pool_type: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub is_default: bool,
}

impl WorkerPool {
    /// A pool of Octopus Cloud's dynamic workers (no machine of ours in it).
    pub fn is_dynamic(&self) -> bool {
        self.worker_pool_type.as_deref() == Some("DynamicWorkerPool")
    }
}

/// A deployment target (`/api/{space}/machines`) or a worker (`/api/{space}/workers`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Machine {
    /// `Machines-1`, `Workers-1`.
    pub id: String,
    pub name: String,
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub is_disabled: bool,
    /// How the server talks to it; older servers also repeat `Uri` and `Thumbprint` at the top.
    pub endpoint: Option<MachineEndpoint>,
    pub uri: Option<String>,
    pub thumbprint: Option<String>,
    /// Deployment targets only.
    #[serde(default, deserialize_with = "null_default")]
    pub environment_ids: Vec<String>,
    /// Deployment targets only ("target tags" in newer portals).
    #[serde(default, deserialize_with = "null_default")]
    pub roles: Vec<String>,
    /// Deployment targets only.
    #[serde(default, deserialize_with = "null_default")]
    pub tenant_ids: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub tenant_tags: Vec<String>,
    /// `Untenanted`, `Tenanted`, `TenantedOrUntenanted`.
    pub tenanted_deployment_participation: Option<String>,
    /// Workers only.
    #[serde(default, deserialize_with = "null_default")]
    pub worker_pool_ids: Vec<String>,
    pub machine_policy_id: Option<String>,
    /// `Healthy`, `Unhealthy`, `Unavailable`, `HasWarnings`, `Unknown`.
    pub health_status: Option<String>,
    pub space_id: Option<String>,
}

impl Machine {
    /// The communication style (`TentaclePassive`, `TentacleActive`, `Ssh`, `Kubernetes`, `None`, ...).
    pub fn style(&self) -> &str {
        self.endpoint
            .as_ref()
            .map_or("", |e| e.communication_style.as_str())
    }

    /// The endpoint's `Uri`, else the top-level one.
    pub fn uri(&self) -> Option<&str> {
        self.endpoint
            .as_ref()
            .and_then(|e| e.uri.as_deref())
            .or(self.uri.as_deref())
            .filter(|u| !u.is_empty())
    }

    /// The endpoint's `Thumbprint`, else the top-level one.
    pub fn thumbprint(&self) -> Option<&str> {
        self.endpoint
            .as_ref()
            .and_then(|e| e.thumbprint.as_deref())
            .or(self.thumbprint.as_deref())
            .filter(|t| !t.is_empty())
    }

    /// A listening (`TentaclePassive`) or polling (`TentacleActive`) Tentacle.
    pub fn is_tentacle(&self) -> bool {
        matches!(self.style(), "TentaclePassive" | "TentacleActive")
    }

    /// The Tentacle's version details, when the server recorded them.
    pub fn tentacle_version(&self) -> Option<&TentacleVersionDetails> {
        self.endpoint
            .as_ref()
            .and_then(|e| e.tentacle_version_details.as_ref())
    }
}

/// `Endpoint` of a machine: its style and the fields that style has.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MachineEndpoint {
    /// `TentaclePassive` (listening), `TentacleActive` (polling), `Ssh`,
    /// `OfflineDrop`, `AzureWebApp`, `AzureCloudService`,
    /// `AzureServiceFabricCluster`, `Kubernetes`, `KubernetesTentacle`,
    /// `StepPackage`, `None` (a cloud region).
    pub communication_style: String,
    /// Tentacles: `https://web01.example.com:10933/` (listening) or `poll://SUBSCRIPTIONID/` (polling).
    pub uri: Option<String>,
    /// Tentacles: the Tentacle's certificate thumbprint.
    pub thumbprint: Option<String>,
    /// Tentacles: the version the server last saw.
    pub tentacle_version_details: Option<TentacleVersionDetails>,
    /// SSH targets.
    pub host: Option<String>,
    pub port: Option<u16>,
    /// Kubernetes targets: `https://k8s.example.com:6443`.
    pub cluster_url: Option<String>,
    /// Azure Web App targets.
    pub web_app_name: Option<String>,
    /// Listening Tentacles the server reaches through a proxy.
    pub proxy_id: Option<String>,
}

/// `Endpoint.TentacleVersionDetails`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TentacleVersionDetails {
    /// `6.3.417`; absent until the server has seen the Tentacle.
    pub version: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub upgrade_suggested: bool,
    #[serde(default, deserialize_with = "null_default")]
    pub upgrade_required: bool,
    #[serde(default, deserialize_with = "null_default")]
    pub upgrade_available: bool,
    #[serde(default, deserialize_with = "null_default")]
    pub upgrade_locked: bool,
}

/// A tenant (`/api/{space}/tenants`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub tenant_tags: Vec<String>,
    /// Project id → environment ids the tenant is connected to.
    #[serde(default, deserialize_with = "null_default")]
    pub project_environments: std::collections::BTreeMap<String, Vec<String>>,
}

/// A package feed (`/api/{space}/feeds`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Feed {
    pub id: String,
    pub name: String,
    /// `NuGet`, `Docker`, `Helm`, `Maven`, `GitHub`, `BuiltIn`, `OctopusProject`,
    /// `AwsElasticContainerRegistry`, `S3`, `ArtifactoryGeneric`, `OciRegistry`, ...
    pub feed_type: String,
    pub feed_uri: Option<String>,
    /// The user name Octopus sends (not a secret; the password is never readable).
    pub username: Option<String>,
    pub password: Option<SensitiveValue>,
    /// Where packages may be downloaded: `Server`, `ExecutionTarget`, `NotAcquired`.
    #[serde(default, deserialize_with = "null_default")]
    pub package_acquisition_location_options: Vec<String>,
}

impl Feed {
    /// Whether Octopus holds a password or token for this feed.
    pub fn has_password(&self) -> bool {
        self.password.as_ref().is_some_and(|p| p.has_value)
    }
}

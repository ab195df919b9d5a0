//! The Octopus REST API resources `plan from-octopus` reads, as serde types.
//! Only the fields the plan needs are read; unknown fields are ignored (the
//! API grows with every release), missing required ones are errors. Secrets
//! the API would send (feed passwords come back as `{ "HasValue": true }`)
//! are never deserialized.

use std::collections::BTreeMap;

use serde::Deserialize;

/// `GET /api`: what the server is.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Root {
    /// `Octopus Deploy`.
    pub application: String,
    /// `2020.6.4671`, `2024.3.12741`.
    pub version: String,
    /// Link templates (`Spaces`: `/api/spaces{/id}{?skip,take}`); absent before spaces existed.
    #[serde(default)]
    pub links: BTreeMap<String, serde_json::Value>,
}

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
}

/// A worker pool (`/api/{space}/workerpools`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WorkerPool {
    pub id: String,
    pub name: String,
    /// `StaticWorkerPool` or `DynamicWorkerPool` (Octopus Cloud's hosted workers).
    pub worker_pool_type: Option<String>,
    #[serde(default)]
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
    #[serde(default)]
    pub is_disabled: bool,
    /// How the server talks to it; older servers also repeat `Uri` and `Thumbprint` at the top.
    pub endpoint: Option<MachineEndpoint>,
    pub uri: Option<String>,
    pub thumbprint: Option<String>,
    /// Deployment targets only.
    #[serde(default)]
    pub environment_ids: Vec<String>,
    /// Deployment targets only ("target tags" in newer portals).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Workers only.
    #[serde(default)]
    pub worker_pool_ids: Vec<String>,
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
}

/// `Endpoint` of a machine: its style and the fields that style has.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MachineEndpoint {
    pub communication_style: String,
    /// Tentacles: `https://web01.example.com:10933/` (listening) or `poll://SUBSCRIPTIONID/` (polling).
    pub uri: Option<String>,
    /// Tentacles: the Tentacle's certificate thumbprint.
    pub thumbprint: Option<String>,
    /// SSH targets.
    pub host: Option<String>,
    pub port: Option<u16>,
    /// Kubernetes targets: `https://k8s.example.com:6443`.
    pub cluster_url: Option<String>,
    /// Listening Tentacles the server reaches through a proxy.
    pub proxy_id: Option<String>,
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
    #[serde(default)]
    pub package_acquisition_location_options: Vec<String>,
}

impl Feed {
    /// Whether Octopus holds a password or token for this feed.
    pub fn has_password(&self) -> bool {
        self.password.as_ref().is_some_and(|p| p.has_value)
    }
}

/// A sensitive property as the API shows it: only whether it is set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SensitiveValue {
    #[serde(default)]
    pub has_value: bool,
}

/// `GET /api/configuration/certificates/certificate-global`: the server certificate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerCertificate {
    pub thumbprint: String,
}

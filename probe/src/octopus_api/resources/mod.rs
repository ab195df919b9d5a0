//! The Octopus REST API resources, one type per resource, a file per area,
//! in the shapes the server returns them (field names from Octopus's own
//! client models, OctopusDeploy/OctopusClients `Octopus.Client.Model` and
//! go-octopusdeploy `pkg/…`). Every command that reads a server uses these
//! (`plan from-octopus`, `readiness`, `drift`).
//!
//! The rules every type here follows: unknown fields are ignored (the API
//! grows with every release); a field an older server or another kind of
//! resource may leave out is an `Option` or `#[serde(default)]`; only what
//! identifies a resource (`Id`, `Name`) is required. Secrets are never
//! deserialized: sensitive values come back from the API as
//! `{ "HasValue": true, "NewValue": null }` and are read as [`SensitiveValue`]
//! (only whether one is set); fields that may hold one in clear (a webhook's
//! header value, a variable's value) are not fields of these types at all.

pub mod events;
pub mod infrastructure;
pub mod packages;
pub mod projects;
pub mod server;
pub mod subscriptions;
pub mod templates;
pub mod users;

use serde::{Deserialize, Deserializer};

pub use events::{Event, ServerTask};
pub use infrastructure::{
    Environment, Feed, Machine, MachineEndpoint, Space, Tenant, TentacleVersionDetails, WorkerPool,
};
pub use packages::Package;
pub use projects::{
    Action, Deployment, DeploymentProcess, Project, ProjectTrigger, PropertyValue, Release,
    Runbook, RunbookProcess, Step, VariableSet,
};
pub use server::{
    AuthenticationInfo, AuthenticationProvider, FeaturesConfiguration, MaintenanceConfiguration,
    ProviderConfiguration, Root, ServerCertificate, ServerConfiguration, ServerNode,
};
pub use subscriptions::{EventNotificationSubscription, Subscription};
pub use templates::{ActionTemplate, ActionTemplateParameter};
pub use users::{ExternalSecurityGroup, Identity, Team, User};

/// A sensitive property as the API shows it: only whether it is set (the
/// value itself never leaves the server, and is never read here).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SensitiveValue {
    #[serde(default)]
    pub has_value: bool,
}

/// `null` read as the type's default (the API writes `null` for empty lists
/// and flags on some versions).
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests;

//! The server itself: the root document, its certificate, its configuration
//! (maintenance mode, features, nodes and their task cap) and how people
//! sign in (`/api/authentication`, `/api/configuration/authentication-*`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::null_default;

/// `GET /api`: what the server is.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Root {
    /// `Octopus Deploy`.
    pub application: String,
    /// `2020.6.4671`, `2024.3.12741`.
    pub version: String,
    /// `3.0.0`.
    pub api_version: Option<String>,
    pub installation_id: Option<String>,
    /// Link templates (`Spaces`: `/api/spaces{/id}{?skip,take}`); absent before spaces existed.
    #[serde(default, deserialize_with = "null_default")]
    pub links: BTreeMap<String, serde_json::Value>,
}

/// `GET /api/configuration/certificates/certificate-global`: the server certificate.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerCertificate {
    pub thumbprint: String,
}

/// `GET /api/serverconfiguration`: the server's name and public URL.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerConfiguration {
    pub id: Option<String>,
    pub name: Option<String>,
    /// The URL the server says it is reached at (used in emails and links).
    pub server_uri: Option<String>,
}

/// `GET /api/maintenanceconfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MaintenanceConfiguration {
    /// Required: a document without it says nothing about maintenance mode.
    pub is_in_maintenance_mode: bool,
}

/// `GET /api/featuresconfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FeaturesConfiguration {
    /// Whether steps without a worker pool may run on the server's built-in
    /// worker (`IsBuiltinWorkerEnabled` on 2018/2019 servers); `None` when
    /// the server does not say.
    #[serde(alias = "IsBuiltinWorkerEnabled")]
    pub is_built_in_worker_enabled: Option<bool>,
    pub is_community_action_templates_enabled: Option<bool>,
}

/// A server node (`/api/octopusservernodes`): one per HA node.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerNode {
    pub id: String,
    pub name: String,
    /// The task cap: how many tasks the node runs at once (0 drains it).
    pub max_concurrent_tasks: Option<u32>,
    #[serde(default)]
    pub is_in_maintenance_mode: bool,
    #[serde(default)]
    pub is_offline: bool,
    pub last_seen: Option<String>,
}

/// `GET /api/authentication`: the sign-in providers the server offers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthenticationInfo {
    pub authentication_providers: Vec<AuthenticationProvider>,
    #[serde(default)]
    pub auto_login_enabled: bool,
}

/// One sign-in provider (`AuthenticationProviderElement`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthenticationProvider {
    /// `Active Directory`, `LDAP`, `Username/Password`, `Azure AD`, `GoogleApps`, `Okta`, `Octopus ID`, `Guest`.
    pub name: String,
    /// `ActiveDirectory`, `OAuth`, `UsernamePassword`, `Guest`, ...
    pub identity_type: Option<String>,
    /// Newer servers list disabled providers too and say so here.
    pub is_enabled: Option<bool>,
    #[serde(default)]
    pub forms_login_enabled: bool,
}

/// `GET /api/configuration/authentication-<provider>` (`authentication-directoryservices`, `authentication-ldap`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProviderConfiguration {
    pub id: Option<String>,
    /// Required: the point of reading the document.
    pub is_enabled: bool,
}

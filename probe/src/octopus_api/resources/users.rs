//! Users, teams and the external (Active Directory, LDAP, Azure AD) groups
//! and identities they sign in with. Passwords and API keys are not part
//! of these documents and are not read.

use serde::Deserialize;

use super::null_default;

/// A user (`/api/users`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: Option<String>,
    pub email_address: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub is_active: bool,
    /// A service account: signs in with an API key only.
    #[serde(default, deserialize_with = "null_default")]
    pub is_service: bool,
    /// How the user signs in; empty for service accounts.
    #[serde(default, deserialize_with = "null_default")]
    pub identities: Vec<Identity>,
}

/// One way a user signs in (`Identities[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Identity {
    /// `Active Directory`, `LDAP`, `Octopus ID`, `Azure AD`, `Usernamepassword`, ...
    pub identity_provider_name: String,
}

/// A team (`/api/teams`): `teams-administrators` is Octopus Administrators.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Team {
    pub id: String,
    pub name: String,
    /// `None` for a team across all spaces.
    pub space_id: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub member_user_ids: Vec<String>,
    /// Active Directory / LDAP / Azure AD groups whose members belong to the team.
    #[serde(default, deserialize_with = "null_default")]
    pub external_security_groups: Vec<ExternalSecurityGroup>,
}

/// An external group (`ExternalSecurityGroups[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExternalSecurityGroup {
    /// An AD SID (`S-1-5-21-…`), an LDAP DN, an Azure AD object id.
    pub id: String,
    pub display_name: Option<String>,
    pub display_id_and_name: Option<bool>,
}

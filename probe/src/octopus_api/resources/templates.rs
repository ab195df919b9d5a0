//! Step templates (`/api/{space}/actiontemplates`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{PropertyValue, null_default};

/// A step template.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ActionTemplate {
    pub id: String,
    pub name: String,
    pub space_id: Option<String>,
    /// `Octopus.Script`, `Octopus.AzurePowerShell`, ...
    pub action_type: String,
    pub version: Option<u64>,
    /// Set when it was installed from the community library.
    pub community_action_template_id: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub properties: BTreeMap<String, PropertyValue>,
    #[serde(default, deserialize_with = "null_default")]
    pub parameters: Vec<ActionTemplateParameter>,
}

/// A parameter of a step template. `DefaultValue` may be a secret and is not read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ActionTemplateParameter {
    pub name: String,
    pub label: Option<String>,
    /// `{"Octopus.ControlType": "Sensitive"}`, ...
    #[serde(default, deserialize_with = "null_default")]
    pub display_settings: BTreeMap<String, PropertyValue>,
}

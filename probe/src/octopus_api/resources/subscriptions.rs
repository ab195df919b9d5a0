//! Subscriptions (`/api/{space}/subscriptions`): audit events sent by email
//! or to a webhook.

use serde::Deserialize;

use super::null_default;

/// A subscription.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subscription {
    pub id: String,
    pub name: String,
    pub space_id: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub is_disabled: bool,
    pub event_notification_subscription: Option<EventNotificationSubscription>,
}

/// `EventNotificationSubscription`: where events go. `WebhookHeaderValue`
/// may be a secret and is not read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventNotificationSubscription {
    /// The URL Octopus POSTs events to (`https://hooks.example.com/octopus`); empty for email only.
    #[serde(rename = "WebhookURI")]
    pub webhook_uri: Option<String>,
    /// The header's name only.
    pub webhook_header_key: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub email_teams: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub webhook_teams: Vec<String>,
}

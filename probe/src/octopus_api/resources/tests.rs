use proptest::prelude::*;

use super::*;

#[test]
fn a_machine_reads_its_endpoint_and_tentacle_version_and_ignores_unknown_fields() {
    let m: Machine = serde_json::from_str(
        r#"{"Id":"Machines-1","Name":"web01","IsDisabled":false,"HealthStatus":"Healthy",
            "EnvironmentIds":["Environments-1"],"Roles":["web"],"TenantIds":null,"SomethingNew":{"a":1},
            "Endpoint":{"CommunicationStyle":"TentaclePassive","Uri":"https://127.0.0.1:10933/",
              "Thumbprint":"AB12","TentacleVersionDetails":{"UpgradeLocked":false,"Version":"4.0.7",
              "UpgradeSuggested":true,"UpgradeRequired":false,"UpgradeAvailable":true}}}"#,
    )
    .unwrap();
    assert!(m.is_tentacle());
    assert_eq!(m.uri(), Some("https://127.0.0.1:10933/"));
    assert_eq!(m.thumbprint(), Some("AB12"));
    assert!(m.tenant_ids.is_empty());
    let v = m.tentacle_version().unwrap();
    assert_eq!(v.version.as_deref(), Some("4.0.7"));
    assert!(v.upgrade_suggested && !v.upgrade_required);
}

#[test]
fn an_action_says_whether_it_runs_on_the_server_and_keeps_no_secret() {
    let p: DeploymentProcess = serde_json::from_str(
        r#"{"Id":"deploymentprocess-Projects-1","ProjectId":"Projects-1","Version":7,
            "Steps":[{"Id":"s1","Name":"Migrate","Actions":[{"Id":"a1","Name":"Migrate",
              "ActionType":"Octopus.Script","IsDisabled":false,"WorkerPoolId":null,
              "Properties":{"Octopus.Action.RunOnServer":"True","Password":{"HasValue":true,"NewValue":null},
                "Count":3,"Object":{"A":1}}}]}]}"#,
    )
    .unwrap();
    let a = &p.steps[0].actions[0];
    assert!(a.runs_on_server());
    assert_eq!(
        a.properties["Password"],
        PropertyValue::Sensitive(SensitiveValue { has_value: true })
    );
    assert_eq!(a.properties["Count"], PropertyValue::Other);
    assert_eq!(a.properties["Object"], PropertyValue::Other);
    assert_eq!(p.version, Some(7));
}

#[test]
fn a_webhook_subscription_never_reads_the_header_value() {
    let s: Subscription = serde_json::from_str(
        r#"{"Id":"Subscriptions-1","Name":"Chat","IsDisabled":false,
            "EventNotificationSubscription":{"WebhookURI":"https://hooks.example.com/x",
              "WebhookHeaderKey":"Authorization","WebhookHeaderValue":"Bearer s3cret-header"}}"#,
    )
    .unwrap();
    let e = s.event_notification_subscription.as_ref().unwrap();
    assert_eq!(
        e.webhook_uri.as_deref(),
        Some("https://hooks.example.com/x")
    );
    assert!(!format!("{s:?}").contains("s3cret-header"));
}

#[test]
fn old_servers_spell_the_built_in_worker_flag_their_way() {
    let f: FeaturesConfiguration =
        serde_json::from_str(r#"{"Id":"features","IsBuiltinWorkerEnabled":false}"#).unwrap();
    assert_eq!(f.is_built_in_worker_enabled, Some(false));
    let f: FeaturesConfiguration = serde_json::from_str(r#"{"Id":"features"}"#).unwrap();
    assert_eq!(f.is_built_in_worker_enabled, None);
}

#[test]
fn a_required_field_missing_is_an_error_naming_it() {
    let e = serde_json::from_str::<MaintenanceConfiguration>(r#"{"Id":"maintenance"}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("IsInMaintenanceMode"), "{e}");
}

/// Any JSON value, nested a little.
fn json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[ -~]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("true"),
            Just("TentaclePassive"),
            Just("Octopus.Action.RunOnServer"),
            Just("HasValue")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let names = prop_oneof![
            Just("Id".to_string()),
            Just("Name".to_string()),
            Just("Items".to_string()),
            Just("Steps".to_string()),
            Just("Actions".to_string()),
            Just("Properties".to_string()),
            Just("Endpoint".to_string()),
            Just("Version".to_string()),
            Just("HasValue".to_string()),
            Just("TentacleVersionDetails".to_string()),
            Just("CommunicationStyle".to_string()),
            Just("ActionType".to_string()),
            Just("ProjectId".to_string()),
            Just("Links".to_string()),
            Just("PackageSizeBytes".to_string()),
            Just("Identities".to_string()),
            "[A-Za-z]{1,8}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map(names, inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Hostile JSON (any shape, any nesting, the right names with the wrong
    /// types) is an error or a value, never a panic, for every resource.
    #[test]
    fn hostile_json_never_panics(v in json(), bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let text = v.to_string();
        macro_rules! each {
            ($($t:ty),*) => {$(
                let _ = serde_json::from_str::<$t>(&text);
                let _ = serde_json::from_str::<crate::octopus_api::Page<$t>>(&text);
                let _ = serde_json::from_slice::<$t>(&bytes);
            )*};
        }
        each!(Root, ServerCertificate, ServerConfiguration, MaintenanceConfiguration,
            FeaturesConfiguration, ServerNode, AuthenticationInfo, ProviderConfiguration,
            Space, Environment, WorkerPool, Machine, Tenant, Feed, Project, DeploymentProcess,
            RunbookProcess, Runbook, VariableSet, Release, Deployment, ProjectTrigger, Package,
            User, Team, Event, ServerTask, Subscription, ActionTemplate);
    }
}

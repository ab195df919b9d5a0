//! Each rule on evidence built in memory: a pass, the problem it exists
//! for, and `error` when the read it needs failed. No network.

use serde_json::json;

use super::*;
use crate::checks::readiness::{
    Phase, ReadError, ReadinessSpec, ServerEvidence, SpaceEvidence, Target, parse_size,
};
use crate::since::{Since, parse_instant};

fn de<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn spec(target: Target, phase: Phase) -> ReadinessSpec {
    ReadinessSpec::new(target, phase, None, None).unwrap()
}

fn cloud() -> ReadinessSpec {
    spec(Target::Cloud, Phase::Prep)
}

fn denied(path: &str, permission: &'static str) -> ReadError {
    ReadError {
        url: Some(format!("https://octopus.example.com/api/{path}")),
        status: Some(403),
        message: "HTTP 403 Forbidden: the API key's user may not read this".into(),
        permission,
    }
}

/// A server with one space, `Default`.
fn server() -> ServerEvidence {
    let mut ev = ServerEvidence::empty("https://octopus.example.com");
    ev.spaces = Ok(vec![SpaceEvidence::empty("Spaces-1", "Default")]);
    ev
}

fn space(ev: &mut ServerEvidence) -> &mut SpaceEvidence {
    &mut ev.spaces.as_mut().unwrap()[0]
}

fn status(f: &Finding) -> Status {
    f.outcome.status
}

#[test]
fn version_needs_2021_1_and_a_new_instance_not_older() {
    let mut ev = server();
    let f = version(&ev, &cloud());
    assert_eq!(status(&f), Status::Pass, "{}", f.outcome.reason);
    assert_eq!(f.severity, Severity::Blocker);

    ev.root.as_mut().unwrap().version = "2020.6.4671".into();
    let f = version(&ev, &cloud());
    assert_eq!(status(&f), Status::Fail);
    assert!(
        f.outcome.reason.contains("2020.6.4671, older than 2021.1"),
        "{}",
        f.outcome.reason
    );

    ev.root.as_mut().unwrap().version = "2023.2.13142".into();
    let mut new = ServerEvidence::empty("x").root.unwrap();
    new.version = "2022.4.1".into();
    ev.new_root = Some(Ok(new));
    let f = version(&ev, &spec(Target::Instance, Phase::Prep));
    assert_eq!(status(&f), Status::Fail);
    assert!(
        f.outcome
            .reason
            .contains("2022.4.1, older than the old server's 2023.2.13142"),
        "{}",
        f.outcome.reason
    );
    // For Cloud the new instance's version is Octopus's business.
    assert_eq!(status(&version(&ev, &cloud())), Status::Pass);

    ev.root = Err(denied("", "none (anonymous)"));
    assert_eq!(status(&version(&ev, &cloud())), Status::Error);
}

#[test]
fn auth_providers_warn_on_directory_sign_in_and_trust_the_configuration_documents() {
    let mut ev = server();
    ev.authentication = Ok(de(json!({"AuthenticationProviders": [
        {"Name": "Username/Password", "IdentityType": "UsernamePassword"},
        {"Name": "LDAP", "IdentityType": "Ldap"}
    ]})));
    let f = auth_providers(&ev, &cloud());
    assert_eq!((status(&f), f.severity), (Status::Warn, Severity::Warning));
    assert!(
        f.outcome.reason.starts_with("LDAP sign-in is enabled"),
        "{}",
        f.outcome.reason
    );
    assert!(
        f.outcome
            .remediation
            .as_deref()
            .unwrap()
            .contains("Octopus ID")
    );
    // Its configuration says it is off: not counted.
    ev.directory_configs = vec![
        (
            "authentication-directoryservices".into(),
            Err(denied(
                "configuration/authentication-directoryservices",
                "ConfigureServer",
            )),
        ),
        (
            "authentication-ldap".into(),
            Ok(de(json!({"IsEnabled": false}))),
        ),
    ];
    assert_eq!(status(&auth_providers(&ev, &cloud())), Status::Pass);
    // Active Directory enabled in its configuration though the list omits it.
    ev.directory_configs[0].1 = Ok(de(json!({"IsEnabled": true})));
    let f = auth_providers(&ev, &cloud());
    assert!(
        f.outcome.reason.starts_with("Active Directory sign-in"),
        "{}",
        f.outcome.reason
    );
    // For a new instance it is information.
    let f = auth_providers(&ev, &spec(Target::Instance, Phase::Prep));
    assert_eq!((status(&f), f.severity), (Status::Warn, Severity::Info));
    ev.authentication = Err(denied("authentication", "none (anonymous)"));
    assert_eq!(status(&auth_providers(&ev, &cloud())), Status::Error);
}

#[test]
fn users_counts_directory_only_people_and_lists_service_accounts_apart() {
    let mut ev = server();
    ev.users = Ok(de(json!([
        {"Id": "Users-1", "Username": "admin", "IsActive": true, "Identities": [{"IdentityProviderName": "Usernamepassword"}]},
        {"Id": "Users-2", "Username": "alice", "IsActive": true, "Identities": [{"IdentityProviderName": "Active Directory"}]},
        {"Id": "Users-3", "Username": "bob", "IsActive": true, "Identities": [{"IdentityProviderName": "Active Directory"}, {"IdentityProviderName": "Octopus ID"}]},
        {"Id": "Users-4", "Username": "gone", "IsActive": false, "Identities": [{"IdentityProviderName": "LDAP"}]},
        {"Id": "Users-5", "Username": "ci-bot", "IsActive": true, "IsService": true, "Identities": []}
    ])));
    let f = users(&ev, &cloud());
    assert_eq!(status(&f), Status::Warn);
    assert!(
        f.outcome.reason.starts_with(
            "1 of 3 active user(s) sign in only through Active Directory or LDAP (alice)"
        ),
        "{}",
        f.outcome.reason
    );
    assert!(
        f.outcome
            .reason
            .contains("1 service account(s) apart (ci-bot)"),
        "{}",
        f.outcome.reason
    );
    ev.users = Err(denied("users", "UserView"));
    let f = users(&ev, &cloud());
    assert_eq!(status(&f), Status::Error);
    assert!(
        f.outcome.reason.contains("UserView permission"),
        "{}",
        f.outcome.reason
    );
    assert!(f.outcome.remediation.unwrap().contains("UserView"));
}

#[test]
fn admins_names_members_and_teams_fed_by_directory_groups_only() {
    let mut ev = server();
    ev.users = Ok(de(json!([{"Id": "Users-1", "Username": "admin"}])));
    ev.teams = Ok(de(json!([
        {"Id": "teams-administrators", "Name": "Octopus Administrators", "MemberUserIds": ["Users-1", "Users-9"]},
        {"Id": "Teams-3", "Name": "Cloud ops", "ExternalSecurityGroups": [{"Id": "4c1b7e0a-aad-group", "DisplayName": "Entra ops"}]}
    ])));
    let f = admins(&ev, &cloud());
    assert_eq!(
        status(&f),
        Status::Pass,
        "an Entra ID group is not a directory group"
    );
    assert!(
        f.outcome.reason.contains("2 member(s) (admin, Users-9)"),
        "{}",
        f.outcome.reason
    );
    ev.teams
        .as_mut()
        .unwrap()
        .push(de(json!({"Id": "Teams-4", "Name": "DBAs",
        "ExternalSecurityGroups": [{"Id": "CN=DBAs,OU=Groups,DC=corp,DC=example,DC=com"}]})));
    let f = admins(&ev, &cloud());
    assert_eq!(status(&f), Status::Warn);
    assert!(
        f.outcome.reason.contains("DBAs ← CN=DBAs,OU=Groups"),
        "{}",
        f.outcome.reason
    );
}

fn action(name: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut a = json!({"Name": name, "ActionType": "Octopus.Script", "Properties": {"Octopus.Action.RunOnServer": "true"}});
    for (k, v) in extra.as_object().unwrap() {
        a[k] = v.clone();
    }
    a
}

fn with_process(ev: &mut ServerEvidence, actions: Vec<serde_json::Value>) {
    let s = space(ev);
    s.projects = Ok(de(json!([{"Id": "Projects-1", "Name": "Acme.Web"}])));
    s.worker_pools = Ok(de(json!([
        {"Id": "WorkerPools-1", "Name": "Default Worker Pool", "IsDefault": true},
        {"Id": "WorkerPools-2", "Name": "DC East"},
        {"Id": "WorkerPools-3", "Name": "Empty"}
    ])));
    s.workers = Ok(de(
        json!([{"Id": "Workers-1", "Name": "w1", "WorkerPoolIds": ["WorkerPools-2"]}]),
    ));
    let steps: Vec<_> = actions
        .into_iter()
        .map(|a| json!({"Name": a["Name"].clone(), "Actions": [a]}))
        .collect();
    s.deployment_processes = Ok(de(
        json!([{"Id": "dp-1", "ProjectId": "Projects-1", "Steps": steps}]),
    ));
}

#[test]
fn run_on_server_finds_steps_on_the_server_or_the_built_in_worker_and_nothing_else() {
    let mut ev = server();
    with_process(
        &mut ev,
        vec![
            action("On default pool", json!({})),
            action("On DC East", json!({"WorkerPoolId": "WorkerPools-2"})),
            action("On an empty pool", json!({"WorkerPoolId": "WorkerPools-3"})),
            action("By variable", json!({"WorkerPoolVariable": "Pool"})),
            action("Disabled", json!({"IsDisabled": true})),
            action("Approve", json!({"ActionType": "Octopus.Manual"})),
            action(
                "On a target",
                json!({"Properties": {"Octopus.Action.RunOnServer": "false"}}),
            ),
        ],
    );
    let f = run_on_server(&ev, &cloud());
    assert_eq!((status(&f), f.severity), (Status::Fail, Severity::Blocker));
    assert_eq!(
        f.outcome.reason,
        "1 step(s) run on the server, which Octopus Cloud does not do: Default / Acme.Web / On default pool (on the built-in worker)"
    );
    // A worker in the default pool: it runs there.
    space(&mut ev).workers.as_mut().unwrap()[0]
        .worker_pool_ids
        .push("WorkerPools-1".into());
    assert_eq!(status(&run_on_server(&ev, &cloud())), Status::Pass);
    // A server without worker pools runs it on itself.
    space(&mut ev).worker_pools = Ok(Vec::new());
    let f = run_on_server(&ev, &cloud());
    assert!(
        f.outcome.reason.contains("(on the server)"),
        "{}",
        f.outcome.reason
    );
    // A new instance can keep them: information.
    let f = run_on_server(&ev, &spec(Target::Instance, Phase::Prep));
    assert_eq!((status(&f), f.severity), (Status::Warn, Severity::Info));
    // A process that cannot be read is an error naming the permission, not a pass.
    space(&mut ev).deployment_processes =
        Err(denied("Spaces-1/deploymentprocesses", "ProcessView"));
    let f = run_on_server(&ev, &cloud());
    assert_eq!(status(&f), Status::Error);
    assert!(
        f.outcome.reason.contains("Spaces-1/deploymentprocesses")
            && f.outcome.reason.contains("ProcessView"),
        "{}",
        f.outcome.reason
    );
}

#[test]
fn manual_targets_are_everything_but_tentacles() {
    let mut ev = server();
    space(&mut ev).machines = Ok(de(json!([
        {"Id": "Machines-1", "Name": "web01", "Endpoint": {"CommunicationStyle": "TentaclePassive"}},
        {"Id": "Machines-2", "Name": "app01", "Endpoint": {"CommunicationStyle": "TentacleActive"}},
    ])));
    assert_eq!(status(&manual_targets(&ev, &cloud())), Status::Pass);
    space(&mut ev).machines.as_mut().unwrap().push(de(
        json!({"Id": "Machines-3", "Name": "ssh01", "Endpoint": {"CommunicationStyle": "Ssh"}}),
    ));
    let f = manual_targets(&ev, &cloud());
    assert_eq!(status(&f), Status::Warn);
    assert!(
        f.outcome.reason.contains("1 target(s)")
            && f.outcome.reason.contains("Default / ssh01 (Ssh)"),
        "{}",
        f.outcome.reason
    );
    ev.spaces = Err(denied("spaces", "SpaceView"));
    assert_eq!(status(&manual_targets(&ev, &cloud())), Status::Error);
}

#[test]
fn tentacle_versions_names_those_flagged_for_upgrade() {
    let mut ev = server();
    space(&mut ev).machines = Ok(de(json!([
        {"Id": "Machines-1", "Name": "web01", "Endpoint": {"CommunicationStyle": "TentaclePassive", "TentacleVersionDetails": {"Version": "8.1.1403"}}},
    ])));
    space(&mut ev).workers = Ok(de(json!([
        {"Id": "Workers-1", "Name": "w-old", "Endpoint": {"CommunicationStyle": "TentacleActive", "TentacleVersionDetails": {"Version": "3.25.0", "UpgradeRequired": true}}},
    ])));
    let f = tentacle_versions(&ev, &cloud());
    assert_eq!(status(&f), Status::Warn);
    assert_eq!(
        f.outcome.reason,
        "1 of 2 Tentacle(s) are older than the server wants: Default / w-old (3.25.0, upgrade required)"
    );
}

fn packages(ev: &mut ServerEvidence, sizes: &[Option<u64>]) {
    let list: Vec<serde_json::Value> = sizes
        .iter()
        .enumerate()
        .map(|(i, s)| json!({"PackageId": format!("Pkg{i}"), "Version": "1.0.0", "PackageSizeBytes": s}))
        .collect();
    space(ev).packages = Ok(de(json!(list)));
}

#[test]
fn package_storage_holds_the_per_file_limit_exactly_and_the_total() {
    let mut ev = server();
    let limit = crate::checks::readiness::CLOUD_FILE_LIMIT_BYTES;
    packages(&mut ev, &[Some(limit), None]);
    let f = package_storage(&ev, &cloud());
    assert_eq!(
        status(&f),
        Status::Pass,
        "exactly the limit is allowed: {}",
        f.outcome.reason
    );
    assert!(
        f.outcome.reason.contains("(1 without a size)"),
        "{}",
        f.outcome.reason
    );
    packages(&mut ev, &[Some(limit + 1)]);
    let f = package_storage(&ev, &cloud());
    assert_eq!((status(&f), f.severity), (Status::Fail, Severity::Blocker));
    assert!(
        f.outcome.reason.contains("Default / Pkg0 1.0.0 (5.0 GB)"),
        "{}",
        f.outcome.reason
    );
    // The total against --storage-limit, exactly.
    let small = ReadinessSpec::new(Target::Cloud, Phase::Prep, None, Some(3_000)).unwrap();
    packages(&mut ev, &[Some(1_000), Some(2_000)]);
    assert_eq!(status(&package_storage(&ev, &small)), Status::Pass);
    packages(&mut ev, &[Some(1_000), Some(2_001)]);
    let f = package_storage(&ev, &small);
    assert_eq!(status(&f), Status::Fail);
    assert!(
        f.outcome
            .reason
            .contains("3.0 KB in all, over the 3.0 KB storage limit"),
        "{}",
        f.outcome.reason
    );
    assert_eq!(
        package_storage(&ev, &spec(Target::Instance, Phase::Prep)).severity,
        Severity::Info
    );
    assert!(ReadinessSpec::new(Target::Cloud, Phase::Prep, None, Some(0)).is_err());
}

#[test]
fn triggers_and_step_templates_are_listed_for_recreation() {
    let mut ev = server();
    assert_eq!(status(&triggers(&ev, &cloud())), Status::Pass);
    assert_eq!(status(&step_templates(&ev, &cloud())), Status::Pass);
    let s = space(&mut ev);
    s.projects = Ok(de(json!([{"Id": "Projects-1", "Name": "Acme.Web"}])));
    s.triggers = Ok(de(json!([
        {"Id": "T-1", "Name": "Nightly", "ProjectId": "Projects-1", "Filter": {"FilterType": "OnceDailySchedule"}},
        {"Id": "T-2", "Name": "Off", "ProjectId": "Projects-1", "IsDisabled": true}
    ])));
    s.templates = Ok(de(
        json!([{"Id": "AT-1", "Name": "Notify", "ActionType": "Octopus.Script"}]),
    ));
    let f = triggers(&ev, &cloud());
    assert_eq!(
        f.outcome.reason,
        "1 enabled trigger(s) are not exported and must be recreated: Default / Acme.Web / Nightly (OnceDailySchedule)"
    );
    let f = step_templates(&ev, &cloud());
    assert_eq!(status(&f), Status::Warn);
    assert!(
        f.outcome.reason.contains("1 custom (Default / Notify)"),
        "{}",
        f.outcome.reason
    );
    space(&mut ev).triggers = Err(denied("Spaces-1/projecttriggers", "TriggerView"));
    assert_eq!(status(&triggers(&ev, &cloud())), Status::Error);
}

#[test]
fn webhooks_to_hosts_cloud_cannot_reach_show_the_host_and_never_the_path() {
    let mut ev = server();
    let sub = |name: &str, uri: &str| json!({"Id": name, "Name": name, "EventNotificationSubscription": {"WebhookURI": uri}});
    space(&mut ev).subscriptions = Ok(de(json!([
        sub("public", "https://hooks.example.com/x"),
        sub(
            "private",
            "https://user:pw-1x@192.168.4.20/hook/tok-abc123?key=qk-999"
        ),
        sub("single", "http://chatops:8080/"),
        sub("email", ""),
    ])));
    let f = webhooks(&ev, &cloud());
    assert_eq!(status(&f), Status::Warn);
    assert!(
        f.outcome.reason.starts_with("2 webhook(s)"),
        "{}",
        f.outcome.reason
    );
    assert!(
        f.outcome
            .reason
            .contains("private → 192.168.4.20: private (RFC 1918, 192.168.0.0/16)"),
        "{}",
        f.outcome.reason
    );
    assert!(
        f.outcome
            .reason
            .contains("single → chatops: a single-label name"),
        "{}",
        f.outcome.reason
    );
    let all = format!("{f:?}");
    for secret in ["pw-1x", "tok-abc123", "qk-999"] {
        assert!(!all.contains(secret), "{secret} in {all}");
    }
    assert_eq!(webhook_host_not_public("hooks.example.com"), None);
    assert!(webhook_host_not_public("[::1]").is_some());
    assert!(webhook_host_not_public("ci.corp").is_some());
}

#[test]
fn cutover_rules_are_blockers_at_cutover_and_information_while_preparing() {
    let mut ev = server();
    ev.nodes = Ok(de(
        json!([{"Id": "n1", "Name": "NODE-1", "MaxConcurrentTasks": 5}, {"Id": "n2", "Name": "NODE-2", "MaxConcurrentTasks": 0}]),
    ));
    ev.active_tasks = Ok(de(json!([
        {"Id": "ServerTasks-1", "Name": "Deploy", "Description": "Deploy Acme", "State": "Executing"},
        {"Id": "ServerTasks-2", "Name": "Health", "State": "Success", "IsCompleted": true}
    ])));
    let cut = spec(Target::Cloud, Phase::Cutover);
    let prep = cloud();
    for (f, text) in [
        (maintenance_mode(&ev, &cut), "not in maintenance mode"),
        (task_cap(&ev, &cut), "NODE-1 (task cap 5)"),
        (
            active_tasks(&ev, &cut),
            "Deploy Acme (ServerTasks-1, Executing)",
        ),
    ] {
        assert_eq!(
            (status(&f), f.severity),
            (Status::Fail, Severity::Blocker),
            "{}",
            f.id
        );
        assert!(f.outcome.reason.contains(text), "{}", f.outcome.reason);
        assert!(
            !f.outcome.reason.contains("NODE-2") && !f.outcome.reason.contains("ServerTasks-2")
        );
    }
    for f in [
        maintenance_mode(&ev, &prep),
        task_cap(&ev, &prep),
        active_tasks(&ev, &prep),
    ] {
        assert_eq!(
            (status(&f), f.severity),
            (Status::Pass, Severity::Info),
            "{}",
            f.id
        );
    }
    ev.maintenance.as_mut().unwrap().is_in_maintenance_mode = true;
    ev.nodes.as_mut().unwrap()[0].max_concurrent_tasks = Some(0);
    ev.active_tasks.as_mut().unwrap().remove(0);
    for f in [
        maintenance_mode(&ev, &cut),
        task_cap(&ev, &cut),
        active_tasks(&ev, &cut),
    ] {
        assert_eq!(status(&f), Status::Pass, "{}: {}", f.id, f.outcome.reason);
    }
    // A node without its task cap is an error naming the field.
    ev.nodes.as_mut().unwrap()[0].max_concurrent_tasks = None;
    let f = task_cap(&ev, &cut);
    assert_eq!(status(&f), Status::Error);
    assert!(
        f.outcome.reason.contains("MaxConcurrentTasks"),
        "{}",
        f.outcome.reason
    );
    ev.maintenance = Err(denied("maintenanceconfiguration", "ConfigureServer"));
    assert_eq!(status(&maintenance_mode(&ev, &cut)), Status::Error);
}

#[test]
fn ci_activity_counts_releases_and_deployments_since_the_window_by_user_and_agent() {
    let mut ev = server();
    let since = Since(parse_instant("2026-11-25T00:00:00Z").unwrap());
    let mut s = cloud();
    assert_eq!(
        status(&ci_activity(&ev, &s)),
        Status::Skipped,
        "no --since: not a pass"
    );
    s.since = Some(since);
    ev.events = Some(Ok(de(json!([
        {"Id": "E1", "Category": "Created", "Occurred": "2026-11-30T09:15:02.123+10:00", "Username": "ci-bot", "UserAgent": "octo/9.1.7", "RelatedDocumentIds": ["Releases-12"]},
        {"Id": "E2", "Category": "DeploymentQueued", "Occurred": "2026-11-30T09:16:00+10:00", "Username": "ci-bot", "UserAgent": "octo/9.1.7", "RelatedDocumentIds": ["Deployments-4"]},
        {"Id": "E3", "Category": "Created", "Occurred": "2026-11-24T23:59:59Z", "Username": "old", "UserAgent": "octo/8", "RelatedDocumentIds": ["Releases-1"]},
        {"Id": "E4", "Category": "Created", "Occurred": "2026-11-26T00:00:00Z", "Username": "alice", "UserAgent": "Mozilla", "RelatedDocumentIds": ["Projects-1"]}
    ]))));
    let f = ci_activity(&ev, &s);
    assert_eq!((status(&f), f.severity), (Status::Warn, Severity::Warning));
    assert_eq!(
        f.outcome.reason,
        "since 2026-11-25T00:00:00Z the old server still received: ci-bot via octo/9.1.7: 1 release(s), 1 deployment(s)"
    );
    s.phase = Phase::Cutover;
    assert_eq!(
        (status(&ci_activity(&ev, &s)), ci_activity(&ev, &s).severity),
        (Status::Fail, Severity::Blocker)
    );
    ev.events = Some(Err(denied("events", "EventView")));
    assert_eq!(status(&ci_activity(&ev, &s)), Status::Error);
}

#[test]
fn every_rule_runs_once_with_a_stable_id() {
    let ids: Vec<&str> = assess(&server(), &cloud()).iter().map(|f| f.id).collect();
    assert_eq!(
        ids,
        [
            "readiness.version",
            "readiness.auth-providers",
            "readiness.users",
            "readiness.admins",
            "readiness.run-on-server",
            "readiness.manual-targets",
            "readiness.tentacle-versions",
            "readiness.package-storage",
            "readiness.triggers",
            "readiness.step-templates",
            "readiness.webhooks",
            "cutover.maintenance-mode",
            "cutover.task-cap",
            "cutover.active-tasks",
            "cutover.ci-activity",
        ]
    );
}

#[test]
fn sizes_parse_in_decimal_and_binary_units() {
    assert_eq!(parse_size("1TB"), Ok(1_000_000_000_000));
    assert_eq!(parse_size("500 GB"), Ok(500_000_000_000));
    assert_eq!(parse_size("1.5TiB"), Ok(1_649_267_441_664));
    assert_eq!(parse_size("1000"), Ok(1000));
    assert!(parse_size("1 parsec").unwrap_err().contains("unknown unit"));
    assert!(parse_size("").is_err());
    assert!(parse_size("99999999999999TB").is_err());
    assert_eq!(size(999), "999 B");
    assert_eq!(size(6_200_000_000), "6.2 GB");
}

mod hostile {
    use proptest::prelude::*;

    use super::*;

    /// Text a hostile server might send: empty, huge-ish, control characters, look-alike values.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("true".to_string()),
            Just("2021.1".to_string()),
            Just("999999999999999999999.1".to_string()),
            Just("2026-11-30T09:15:02.123+10:00".to_string()),
            Just("http://[::1".to_string()),
            Just("https://u:p@10.0.0.1/x".to_string()),
            "[ -~]{0,20}",
            "\\PC{0,12}",
        ]
    }

    fn size() -> impl Strategy<Value = Option<u64>> {
        prop_oneof![
            Just(None),
            Just(Some(u64::MAX)),
            any::<u64>().prop_map(Some)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Whatever a server sends that deserializes, every rule judges it
        /// without panicking (sizes that overflow a sum, versions that are
        /// not numbers, URLs that are not URLs, times that are not times).
        #[test]
        fn every_rule_survives_what_a_hostile_server_sends(
            version in text(),
            names in proptest::collection::vec(text(), 1..4),
            sizes in proptest::collection::vec(size(), 0..4),
            caps in proptest::collection::vec(proptest::option::of(any::<u32>()), 0..3),
            flags in proptest::collection::vec(any::<bool>(), 4),
            cloud_target in any::<bool>(),
            cutover in any::<bool>(),
        ) {
            let mut ev = server();
            ev.root.as_mut().unwrap().version = version.clone();
            ev.new_root = Some(Ok(ServerEvidence::empty("x").root.unwrap()));
            ev.maintenance.as_mut().unwrap().is_in_maintenance_mode = flags[0];
            let n = &names[0];
            ev.users = Ok(de(json!([{"Id": n, "Username": n, "IsActive": flags[1], "IsService": flags[2],
                "Identities": names.iter().map(|p| json!({"IdentityProviderName": p})).collect::<Vec<_>>()}])));
            ev.teams = Ok(de(json!([{"Id": "teams-administrators", "Name": n, "MemberUserIds": names,
                "ExternalSecurityGroups": names.iter().map(|g| json!({"Id": g})).collect::<Vec<_>>()}])));
            ev.nodes = Ok(caps.iter().map(|c| de(json!({"Id": n, "Name": n, "MaxConcurrentTasks": c}))).collect());
            ev.active_tasks = Ok(de(json!([{"Id": n, "Name": n, "State": names.last().unwrap()}])));
            ev.events = Some(Ok(names.iter().map(|t| de(json!({"Id": t, "Category": "Created", "Occurred": t,
                "RelatedDocumentIds": ["Releases-1"]}))).collect()));
            let s = space(&mut ev);
            s.packages = Ok(sizes.iter().map(|b| de(json!({"PackageId": n, "Version": version, "PackageSizeBytes": b}))).collect());
            s.subscriptions = Ok(names.iter().map(|u| de(json!({"Id": u, "Name": u,
                "EventNotificationSubscription": {"WebhookURI": u}}))).collect());
            s.machines = Ok(names.iter().map(|m| de(json!({"Id": m, "Name": m,
                "Endpoint": {"CommunicationStyle": m, "TentacleVersionDetails": {"Version": m, "UpgradeRequired": flags[3]}}}))).collect());
            with_process(&mut ev, names.iter().map(|a| action(a, json!({"WorkerPoolId": a}))).collect());
            let spec = ReadinessSpec {
                target: if cloud_target { Target::Cloud } else { Target::Instance },
                phase: if cutover { Phase::Cutover } else { Phase::Prep },
                since: Some(Since(parse_instant("2026-11-25T00:00:00Z").unwrap())),
                storage_limit_bytes: 1,
                file_limit_bytes: 1,
            };
            let findings = assess(&ev, &spec);
            prop_assert_eq!(findings.len(), 15);
        }
    }
}

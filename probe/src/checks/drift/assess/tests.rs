use super::*;
use crate::checks::drift::{
    ChangeEvent, DeploymentRecord, LocalTentacle, PackageVersion, ProjectState, ReadFailure,
    Registration, RegistrationKind, ReleaseRecord, Resource,
};
use crate::since::{Since, parse_instant};

fn t(s: &str) -> crate::since::Instant {
    parse_instant(s).unwrap()
}

fn project(id: &str, slug: &str, process: u64, variables: u64) -> ProjectState {
    ProjectState {
        id: id.into(),
        name: slug.to_uppercase(),
        slug: slug.into(),
        process_id: Some(format!("deploymentprocess-{id}")),
        process_version: Some(process),
        variable_set_id: Some(format!("variableset-{id}")),
        variables_version: Some(variables),
    }
}

fn tentacle(kind: RegistrationKind, name: &str, style: &str, tp: &str) -> Registration {
    Registration {
        kind,
        name: name.into(),
        style: style.into(),
        thumbprint: Some(tp.into()),
        environments: vec!["Production".into()],
        roles: vec!["app-server".into()],
        tenants: vec!["Acme".into()],
        tenanted: Some("TenantedOrUntenanted".into()),
        worker_pools: if kind == RegistrationKind::Worker {
            vec!["DC East".into()]
        } else {
            vec![]
        },
        tentacle_version: Some("8.1.1403".into()),
        health: Some("Healthy".into()),
        ..Registration::default()
    }
}

const APP01: &str = "8F2D4B6A0C1E3F5A7B9D1C3E5F7A9B0D2C4E6F02";
const WEB01: &str = "3C7A91E2B45D08F6A1C93E7B2D4F60A8C1E5B901";
const WE2: &str = "6C8E0A2B4D6F8A0C2E4B6D8F0A2C4E6B8D0F2A12";

/// The baseline both instances share: the copy as taken.
fn baseline(server: &str, version: &str) -> InstanceRead {
    InstanceRead {
        server: server.into(),
        version: Some(version.into()),
        thumbprint: Some("5E8B7D2C41A09F36E1D4C7B2A58F903D6E1C4B27".into()),
        spaces: vec![SpaceRead {
            id: "Spaces-1".into(),
            name: "Default".into(),
            slug: Some("default".into()),
            projects: vec![
                project("Projects-1", "web-portal", 14, 7),
                project("Projects-2", "billing-api", 3, 2),
            ],
            releases: vec![ReleaseRecord {
                project_id: "Projects-1".into(),
                version: "1.0.0".into(),
                assembled: t("2026-11-20T10:00:00Z"),
            }],
            deployments: vec![DeploymentRecord {
                project_id: "Projects-1".into(),
                environment: "Production".into(),
                created: t("2026-11-20T11:00:00Z"),
            }],
            events: vec![],
            packages: vec![PackageVersion {
                package_id: "WebPortal".into(),
                version: "1.0.0".into(),
            }],
            registrations: vec![
                tentacle(RegistrationKind::Target, "web01", "TentaclePassive", WEB01),
                tentacle(RegistrationKind::Target, "app01", "TentacleActive", APP01),
                tentacle(RegistrationKind::Worker, "w-east-2", "TentacleActive", WE2),
            ],
        }],
        failures: vec![],
        notes: vec![],
    }
}

fn evidence(old: InstanceRead, new: InstanceRead) -> DriftEvidence {
    DriftEvidence {
        old,
        new,
        since: Since(t("2026-11-30T09:00:00Z")),
        read_at: t("2026-12-02T09:00:00Z"),
        local: None,
    }
}

/// Identical instances (the new already has clones registered).
fn identical() -> DriftEvidence {
    let old = baseline("https://old.example.com", "2024.1.12281");
    let mut new = baseline("https://new.example.com", "2024.1.12281");
    // The clones poll the new server with certificates of their own.
    for r in &mut new.spaces[0].registrations {
        if r.is_polling() {
            r.thumbprint = Some(format!("0{}", &r.thumbprint.clone().unwrap()[1..]));
        }
    }
    evidence(old, new)
}

#[test]
fn identical_instances_pass_every_rule() {
    let e = identical();
    for rule in DriftRule::ALL {
        let o = assess(&e, rule);
        assert_eq!(o.status, Status::Pass, "{rule:?}: {}", o.reason);
    }
    assert_eq!(
        assess(&e, DriftRule::Projects).reason,
        "all 2 projects of the old instance are on the new one, none changed since 2026-11-30T09:00:00Z"
    );
    assert_eq!(
        assess(&e, DriftRule::PollingClones).reason,
        "every polling Tentacle of the old instance is registered on the new one too (app01, w-east-2)"
    );
}

#[test]
fn the_window_warns_past_seven_days_exactly() {
    let mut e = identical();
    e.since = Since(t("2026-11-25T09:00:00Z"));
    let o = assess(&e, DriftRule::Window);
    assert_eq!(
        o.status,
        Status::Pass,
        "exactly 7 days is still within: {}",
        o.reason
    );
    assert_eq!(o.evidence.json()["window_days"], 7.0);
    e.since = Since(t("2026-11-25T08:59:59Z"));
    let o = assess(&e, DriftRule::Window);
    assert_eq!(o.status, Status::Warn);
    assert!(o.reason.starts_with("the two instances have run side by side for 7.0 days since 2026-11-25T08:59:59Z (more than 7)"), "{}", o.reason);
    assert_eq!(DriftRule::Window.severity(), report::Severity::Warning);
}

#[test]
fn projects_are_matched_by_space_and_slug_and_missing_or_changed_ones_named() {
    let mut e = identical();
    // Ids differ after import: the match is by slug.
    for p in &mut e.new.spaces[0].projects {
        p.id = format!("Projects-9{}", p.id);
        p.process_id = Some("other".into());
    }
    assert_eq!(assess(&e, DriftRule::Projects).status, Status::Pass);
    let old = &mut e.old.spaces[0];
    old.projects.push(project("Projects-3", "reporting", 1, 1));
    old.projects[0].process_version = Some(15);
    old.events.push(ChangeEvent {
        occurred: t("2026-12-01T08:00:00Z"),
        category: "Modified".into(),
        username: "jane".into(),
        message: "Variable set modified".into(),
        related: vec!["Projects-2".into(), "variableset-Projects-2".into()],
    });
    // An event before the window, or about something else, is no drift.
    old.events.push(ChangeEvent {
        occurred: t("2026-11-29T08:00:00Z"),
        category: "Modified".into(),
        username: "jane".into(),
        message: "Deployment process modified".into(),
        related: vec!["deploymentprocess-Projects-2".into()],
    });
    let o = assess(&e, DriftRule::Projects);
    assert_eq!(o.status, Status::Fail);
    assert_eq!(
        o.reason,
        "1 project missing on the new instance (Default/reporting); 2 projects changed on the old one since 2026-11-30T09:00:00Z (Default/web-portal: deployment process Version 15 on the old, 14 on the new; Default/billing-api: 1 change since the copy (audit log))"
    );
    assert_eq!(o.evidence.json()["missing"][0]["project"], "reporting");
    assert_eq!(
        o.evidence.json()["changed"][1]["events"][0],
        "2026-12-01T08:00:00Z Modified by jane: Variable set modified"
    );
}

#[test]
fn a_space_missing_on_the_new_instance_misses_all_its_projects() {
    let mut e = identical();
    e.new.spaces[0].slug = Some("platform".into());
    e.new.spaces[0].name = "Platform".into();
    let o = assess(&e, DriftRule::Projects);
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.evidence.json()["missing"].as_array().unwrap().len(), 2);
    assert_eq!(o.evidence.json()["missing"][0]["space_on_new"], "missing");
}

#[test]
fn releases_and_deployments_since_the_copy_are_listed_per_project() {
    let mut e = identical();
    let old = &mut e.old.spaces[0];
    for (v, at) in [
        ("1.1.0", "2026-12-01T10:00:00Z"),
        ("1.2.0", "2026-12-01T12:00:00Z"),
    ] {
        old.releases.push(ReleaseRecord {
            project_id: "Projects-1".into(),
            version: v.into(),
            assembled: t(at),
        });
    }
    old.deployments.push(DeploymentRecord {
        project_id: "Projects-1".into(),
        environment: "Staging".into(),
        created: t("2026-12-01T13:00:00Z"),
    });
    // 1.2.0 was exported again: the new instance has it (under its own project id).
    e.new.spaces[0].projects[0].id = "Projects-77".into();
    e.new.spaces[0].releases.push(ReleaseRecord {
        project_id: "Projects-77".into(),
        version: "1.2.0".into(),
        assembled: t("2026-12-01T14:00:00Z"),
    });
    let o = assess(&e, DriftRule::Releases);
    assert_eq!(o.status, Status::Fail);
    assert_eq!(
        o.reason,
        "since 2026-11-30T09:00:00Z the old instance made 1 release the new one lacks and ran 1 deployment: Default/web-portal: release 1.1.0, 1 deployment"
    );
    assert_eq!(
        o.evidence.json()["projects"][0]["environments"],
        json!(["Staging"])
    );
    assert_eq!(
        o.evidence.json()["projects"][0]["last"],
        "2026-12-01T13:00:00Z"
    );
}

#[test]
fn package_versions_missing_on_the_new_instance_are_named() {
    let mut e = identical();
    let old = &mut e.old.spaces[0];
    old.packages.push(PackageVersion {
        package_id: "WebPortal".into(),
        version: "1.1.0".into(),
    });
    old.packages.push(PackageVersion {
        package_id: "BillingApi".into(),
        version: "3.0.1".into(),
    });
    // Package ids compare ignoring case, versions exactly.
    e.new.spaces[0].packages[0].package_id = "webportal".into();
    let o = assess(&e, DriftRule::Packages);
    assert_eq!(o.status, Status::Fail);
    assert_eq!(
        o.reason,
        "2 package versions in the old instance's built-in feed are not on the new one: Default/BillingApi 3.0.1, Default/WebPortal 1.1.0"
    );
}

#[test]
fn shared_targets_warn_only_when_the_server_versions_differ() {
    let e = identical();
    let o = assess(&e, DriftRule::SharedTargets);
    assert_eq!(o.status, Status::Pass);
    assert!(
        o.reason.starts_with(
            "1 Tentacle is registered on both instances (web01); both servers run 2024.1.12281"
        ),
        "{}",
        o.reason
    );
    let mut e = identical();
    e.new.version = Some("2025.2.1000".into());
    // Thumbprints compare however they are written.
    e.new.spaces[0].registrations[0].thumbprint = Some(WEB01.to_lowercase());
    let o = assess(&e, DriftRule::SharedTargets);
    assert_eq!(o.status, Status::Warn);
    assert!(
        o.reason
            .contains("while the old server runs 2024.1.12281 and the new 2025.2.1000"),
        "{}",
        o.reason
    );
    assert_eq!(
        o.evidence.json()["shared"][0]["on_new"],
        json!(["Default/web01"])
    );
}

#[test]
fn polling_tentacles_without_a_registration_on_the_new_instance_need_a_clone_script() {
    let mut e = identical();
    e.new.spaces[0].registrations.retain(|r| !r.is_polling());
    let o = assess(&e, DriftRule::PollingClones);
    assert_eq!(o.status, Status::Fail);
    assert_eq!(
        o.reason,
        "2 polling Tentacles on the old instance have no clone on the new server (app01, w-east-2): a polling Tentacle talks to one server only"
    );
    let sh = o.evidence.json()["clone_tentacles_sh"].as_str().unwrap();
    assert!(sh.contains("register-with --instance \"$CLONE\" --server \"$NEW_SERVER\" --apiKey \"$NEW_SERVER_API_KEY\" --comms-style 'TentacleActive' --name 'app01' --space 'Default' --server-comms-port '10943' --environment 'Production' --role 'app-server' --tenant 'Acme'"), "{sh}");
    assert!(sh.contains("register-worker --instance \"$CLONE\" --server \"$NEW_SERVER\" --apiKey \"$NEW_SERVER_API_KEY\" --comms-style 'TentacleActive' --name 'w-east-2' --space 'Default' --server-comms-port '10943' --workerpool 'DC East'"));
    assert!(sh.contains("NEW_SERVER='https://new.example.com'"));
    assert!(
        o.evidence.json()["clone_tentacles_ps1"]
            .as_str()
            .unwrap()
            .contains("'w-east-2' {")
    );
    let rows = o.evidence.json()["tentacles"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["action"], "trust the new server");
    assert_eq!(rows[1]["action"], "clone");
}

#[test]
fn a_new_instance_at_the_old_address_needs_no_clone() {
    let mut e = identical();
    e.new.server = "https://old.example.com/".into();
    e.new.spaces[0].registrations.clear();
    let o = assess(&e, DriftRule::PollingClones);
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
}

#[test]
fn a_refused_key_on_the_new_instance_is_an_error_naming_it_never_a_pass() {
    let mut e = identical();
    e.new.failures.push(ReadFailure {
        resource: Resource::Spaces,
        url: Some("https://new.example.com/api/spaces?skip=0&take=100".into()),
        status: Some(401),
        message: "HTTP 401 Unauthorized: the API key from the environment variable NEW_KEY was not accepted".into(),
    });
    for rule in DriftRule::ALL {
        let o = assess(&e, rule);
        if rule == DriftRule::Window {
            assert_eq!(o.status, Status::Pass);
            continue;
        }
        assert_eq!(o.status, Status::Error, "{rule:?}");
        assert!(o.reason.starts_with("could not read the spaces of the new instance (https://new.example.com): GET https://new.example.com/api/spaces?skip=0&take=100: HTTP 401"), "{}", o.reason);
        assert!(
            o.remediation
                .as_deref()
                .unwrap()
                .starts_with("the new instance refused the API key")
        );
    }
    // A missing permission on one resource errors only the rules that need it.
    let mut e = identical();
    e.old.failures.push(ReadFailure {
        resource: Resource::Packages,
        url: None,
        status: Some(403),
        message: "HTTP 403 Forbidden".into(),
    });
    assert_eq!(assess(&e, DriftRule::Packages).status, Status::Error);
    assert!(
        assess(&e, DriftRule::Packages)
            .remediation
            .unwrap()
            .contains("FeedView")
    );
    assert_eq!(assess(&e, DriftRule::Projects).status, Status::Pass);
}

#[test]
fn this_machines_tentacles_say_which_server_each_trusts() {
    let mut e = identical();
    e.old.thumbprint = Some("5E8B7D2C41A09F36E1D4C7B2A58F903D6E1C4B27".into());
    e.new.thumbprint = Some("0A1B2C3D4E5F60718293A4B5C6D7E8F901234567".into());
    e.local = Some(vec![
        LocalTentacle {
            instance: "Tentacle".into(),
            thumbprint: Some(WEB01.to_lowercase()),
            trusted: vec![(
                "5E8B7D2C41A09F36E1D4C7B2A58F903D6E1C4B27".into(),
                "listening".into(),
            )],
            error: None,
        },
        LocalTentacle {
            instance: "Tentacle-new".into(),
            thumbprint: Some("ABCDEF0123456789ABCDEF0123456789ABCDEF01".into()),
            trusted: vec![(
                "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567".into(),
                "polling".into(),
            )],
            error: None,
        },
        LocalTentacle {
            instance: "/etc/octopus/Broken.config".into(),
            error: Some("expected XML".into()),
            ..LocalTentacle::default()
        },
    ]);
    let o = assess(&e, DriftRule::SharedTargets);
    assert_eq!(o.status, Status::Pass);
    assert!(
        o.reason.ends_with("; on this machine: Tentacle trusts old, Tentacle-new trusts new, /etc/octopus/Broken.config unreadable"),
        "{}",
        o.reason
    );
    let rows = o.evidence.json()["this_machine"].as_array().unwrap();
    assert_eq!(rows[0]["trusts_old"], "listening");
    assert_eq!(rows[0]["trusts_new"], "no");
    assert_eq!(rows[0]["registered_on_old"], true);
    assert_eq!(rows[0]["registered_on_new"], true);
    assert_eq!(rows[1]["trusts_new"], "polling");
    assert_eq!(rows[1]["registered_on_new"], false);
    assert_eq!(rows[2]["error"], "expected XML");
    // Without --discover nothing is said about this machine.
    let o = assess(&identical(), DriftRule::SharedTargets);
    assert!(!o.reason.contains("this machine"));
}

#[test]
fn the_spec_never_prints_an_api_key() {
    let instance = |key: &str| crate::checks::drift::InstanceSpec {
        url: "https://old.example.com".into(),
        api_key: key.into(),
        key_source: "the environment variable OLD_KEY".into(),
        ca_file: None,
    };
    let spec = crate::checks::drift::DriftSpec {
        old: instance("API-OLDSECRET0123456789ABCDEF"),
        new: instance("API-NEWSECRET0123456789ABCDEF"),
        since: Since(t("2026-11-30T09:00:00Z")),
        timeout: std::time::Duration::from_secs(1),
        max_pages: 1,
    };
    let printed = format!("{spec:?}");
    assert!(
        printed.contains("OLD_KEY") && printed.contains("<redacted>"),
        "{printed}"
    );
    assert!(!printed.contains("SECRET0123"), "{printed}");
}

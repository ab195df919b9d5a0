//! What `gather` read, as the rules see it: the API resources of one space
//! (`octopus_api::resources`) turned into the plain summaries of `mod.rs`,
//! ids resolved to names (environments, tenants, worker pools), versions
//! joined to their projects, times parsed as UTC. Pure.

use std::collections::HashMap;

use super::{
    ChangeEvent, DeploymentRecord, PackageVersion, ProjectState, Registration, RegistrationKind,
    ReleaseRecord, SpaceRead,
};
use crate::octopus_api::resources::projects::Deployment;
use crate::octopus_api::resources::{
    DeploymentProcess, Environment, Event, Machine, Package, Project, Release, Space, Tenant,
    WorkerPool,
};
use crate::since::{Instant, parse_instant};

/// One space's collections as read (empty where a read failed).
#[derive(Debug, Default)]
pub struct Collections {
    pub environments: Vec<Environment>,
    pub tenants: Vec<Tenant>,
    pub pools: Vec<WorkerPool>,
    pub projects: Vec<Project>,
    pub processes: Vec<DeploymentProcess>,
    /// Variable set id → its `Version`.
    pub variable_versions: HashMap<String, Option<u64>>,
    pub releases: Vec<Release>,
    pub deployments: Vec<Deployment>,
    pub events: Vec<Event>,
    pub packages: Vec<Package>,
    pub machines: Vec<Machine>,
    pub workers: Vec<Machine>,
}

/// The space's summary, and notes on what could not be used (a time that
/// does not parse).
pub fn space_summary(space: &Space, c: &Collections) -> (SpaceRead, Vec<String>) {
    let of = |what: &str| {
        if space.id.is_empty() {
            what.to_string()
        } else {
            format!("{what} of space {}", space.name)
        }
    };
    let Collections {
        environments,
        tenants,
        pools,
        projects,
        processes,
        variable_versions,
        releases,
        deployments,
        events,
        packages,
        machines,
        workers,
    } = c;
    let env_names: HashMap<&str, &str> = environments
        .iter()
        .map(|e| (e.id.as_str(), e.name.as_str()))
        .collect();
    let tenant_names: HashMap<&str, &str> = tenants
        .iter()
        .map(|t| (t.id.as_str(), t.name.as_str()))
        .collect();
    let pool_names: HashMap<&str, &str> = pools
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    let name = |map: &HashMap<&str, &str>, id: &String| {
        map.get(id.as_str())
            .map_or_else(|| id.clone(), |n| n.to_string())
    };
    let process_version: HashMap<&str, Option<u64>> = processes
        .iter()
        .map(|p| (p.id.as_str(), p.version))
        .collect();
    let mut notes = Vec::new();
    let mut instant = |what: &str, id: &str, t: Option<&str>| -> Option<Instant> {
        match t.map(parse_instant) {
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => {
                notes.push(format!("{} {id}: {e}", of(what)));
                None
            }
            None => {
                notes.push(format!("{} {id} has no time", of(what)));
                None
            }
        }
    };
    let mut out = SpaceRead {
        id: space.id.clone(),
        name: space.name.clone(),
        slug: space.slug.clone(),
        ..SpaceRead::default()
    };
    out.projects = projects
        .iter()
        .map(|p| ProjectState {
            id: p.id.clone(),
            name: p.name.clone(),
            slug: p
                .slug
                .clone()
                .unwrap_or_else(|| report::model::slug(&p.name)),
            process_id: p.deployment_process_id.clone(),
            process_version: p
                .deployment_process_id
                .as_deref()
                .and_then(|id| process_version.get(id).copied().flatten()),
            variable_set_id: p.variable_set_id.clone(),
            variables_version: p
                .variable_set_id
                .as_deref()
                .and_then(|id| variable_versions.get(id).copied().flatten()),
        })
        .collect();
    out.releases = releases
        .iter()
        .filter_map(|rel| {
            Some(ReleaseRecord {
                project_id: rel.project_id.clone(),
                version: rel.version.clone(),
                assembled: instant("release", &rel.id, rel.assembled.as_deref())?,
            })
        })
        .collect();
    out.deployments = deployments
        .iter()
        .filter_map(|d| {
            Some(DeploymentRecord {
                project_id: d.project_id.clone().unwrap_or_default(),
                environment: d
                    .environment_id
                    .as_ref()
                    .map(|id| name(&env_names, id))
                    .unwrap_or_default(),
                created: instant("deployment", &d.id, d.created.as_deref())?,
            })
        })
        .collect();
    out.events = events
        .iter()
        .filter_map(|ev| {
            Some(ChangeEvent {
                occurred: instant("audit event", &ev.id, Some(&ev.occurred))?,
                category: ev.category.clone(),
                username: ev.username.clone().unwrap_or_default(),
                message: ev.message.clone().unwrap_or_default(),
                related: ev.related_document_ids.clone(),
            })
        })
        .collect();
    out.packages = packages
        .iter()
        .map(|p| PackageVersion {
            package_id: p.package_id.clone(),
            version: p.version.clone(),
        })
        .collect();
    let registration = |m: &Machine, kind: RegistrationKind| Registration {
        kind,
        name: m.name.clone(),
        style: m.style().to_string(),
        thumbprint: m.thumbprint().map(str::to_string),
        uri: m.uri().map(str::to_string),
        environments: m
            .environment_ids
            .iter()
            .map(|id| name(&env_names, id))
            .collect(),
        roles: m.roles.clone(),
        tenants: m
            .tenant_ids
            .iter()
            .map(|id| name(&tenant_names, id))
            .collect(),
        tenanted: m.tenanted_deployment_participation.clone(),
        worker_pools: m
            .worker_pool_ids
            .iter()
            .map(|id| name(&pool_names, id))
            .collect(),
        tentacle_version: m.tentacle_version().and_then(|v| v.version.clone()),
        health: m.health_status.clone(),
        disabled: m.is_disabled,
    };
    out.registrations = machines
        .iter()
        .map(|m| registration(m, RegistrationKind::Target))
        .chain(
            workers
                .iter()
                .map(|m| registration(m, RegistrationKind::Worker)),
        )
        .collect();
    (out, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn ids_become_names_versions_join_their_projects_and_bad_times_are_noted() {
        let space: Space =
            parse(serde_json::json!({"Id": "Spaces-1", "Name": "Default", "Slug": "default"}));
        let c = Collections {
            environments: vec![parse(
                serde_json::json!({"Id": "Environments-1", "Name": "Production"}),
            )],
            projects: vec![parse(serde_json::json!({
                "Id": "Projects-1", "Name": "Web Portal",
                "DeploymentProcessId": "deploymentprocess-Projects-1", "VariableSetId": "variableset-Projects-1"
            }))],
            processes: vec![parse(
                serde_json::json!({"Id": "deploymentprocess-Projects-1", "ProjectId": "Projects-1", "Version": 14}),
            )],
            variable_versions: HashMap::from([("variableset-Projects-1".to_string(), Some(7))]),
            releases: vec![
                parse(
                    serde_json::json!({"Id": "Releases-1", "Version": "1.0.0", "ProjectId": "Projects-1", "Assembled": "2026-12-01T10:00:00.000+10:00"}),
                ),
                parse(
                    serde_json::json!({"Id": "Releases-2", "Version": "1.0.1", "ProjectId": "Projects-1", "Assembled": "yesterday"}),
                ),
            ],
            machines: vec![parse(serde_json::json!({
                "Id": "Machines-1", "Name": "app01", "EnvironmentIds": ["Environments-1", "Environments-9"],
                "TenantIds": ["Tenants-4"], "Roles": ["app"],
                "Endpoint": {"CommunicationStyle": "TentacleActive", "Thumbprint": "AB", "TentacleVersionDetails": {"Version": "8.1.1403"}}
            }))],
            ..Collections::default()
        };
        let (s, notes) = space_summary(&space, &c);
        // A project without a slug is matched by its name, slugged.
        assert_eq!(s.projects[0].slug, "web-portal");
        assert_eq!(
            (
                s.projects[0].process_version,
                s.projects[0].variables_version
            ),
            (Some(14), Some(7))
        );
        assert_eq!(s.releases.len(), 1);
        assert_eq!(
            s.releases[0].assembled.to_rfc3339(),
            "2026-12-01T00:00:00+00:00"
        );
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].starts_with("release of space Default Releases-2: expected an RFC 3339 time"),
            "{notes:?}"
        );
        let r = &s.registrations[0];
        // An id the space does not list stays an id, rather than vanishing.
        assert_eq!(r.environments, ["Production", "Environments-9"]);
        assert_eq!(r.tenants, ["Tenants-4"]);
        assert!(r.is_polling());
        assert_eq!(r.tentacle_version.as_deref(), Some("8.1.1403"));
    }
}

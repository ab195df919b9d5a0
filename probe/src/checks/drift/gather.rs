//! Reads both instances through `octopus_api::ApiClient` (https only, the
//! key only in its header, bounded requests, paging to a maximum), at the
//! same time, into the plain summaries the rules judge. A failed read is
//! kept as a [`ReadFailure`] of its resource, never dropped: a refused key
//! (401) or a server that no longer answers `/api` stops that instance's
//! read and marks every resource unread; anything else (403 on one
//! collection, a 404 from an older server, paging that never ends) marks
//! only that resource.

use std::collections::HashMap;

use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::summary;
use super::{
    DriftEvidence, DriftSpec, InstanceRead, InstanceSpec, ReadFailure, Resource, SpaceRead,
};
use crate::octopus_api::resources::projects::Deployment;
use crate::octopus_api::resources::{
    DeploymentProcess, Environment, Event, Machine, Package, Project, Release, Root,
    ServerCertificate, Space, Tenant, VariableSet, WorkerPool,
};
use crate::octopus_api::{ApiClient, ApiError, ClientOptions};

/// Variable sets read at once (one request per project).
const VARIABLE_READS_IN_FLIGHT: usize = 8;

/// Reads the old and the new instance at the same time.
pub async fn gather(spec: &DriftSpec) -> DriftEvidence {
    let (old, new) = tokio::join!(
        read_instance(spec, &spec.old, true),
        read_instance(spec, &spec.new, false)
    );
    DriftEvidence {
        old,
        new,
        since: spec.since,
        read_at: crate::since::now(),
        local: None,
    }
}

/// Every resource kind, for marking an instance unread.
const ALL: [Resource; 15] = [
    Resource::Server,
    Resource::Certificate,
    Resource::Spaces,
    Resource::Projects,
    Resource::Processes,
    Resource::Variables,
    Resource::Releases,
    Resource::Deployments,
    Resource::Events,
    Resource::Packages,
    Resource::Machines,
    Resource::Workers,
    Resource::Environments,
    Resource::Tenants,
    Resource::WorkerPools,
];

/// Stops an instance's read: the key was refused or the server is gone.
struct Stop;

struct Reader<'a> {
    api: ApiClient,
    read: &'a mut InstanceRead,
}

impl Reader<'_> {
    async fn failed(&mut self, resource: Resource, e: &ApiError) -> Option<Stop> {
        self.read.failures.push(ReadFailure {
            resource,
            url: e.url.clone(),
            status: e.status,
            message: error_message(e),
        });
        // 401: the key is refused everywhere. No status: a page that would
        // not parse or never ended, or a server that stopped answering; only
        // the last stops the read (every further request would wait too).
        let gone = e.status.is_none() && !self.answers().await;
        if e.status == Some(401) || gone {
            mark_all(self.read, resource, e);
            return Some(Stop);
        }
        None
    }

    /// Whether `GET /api` still answers (with anything).
    async fn answers(&self) -> bool {
        match self
            .api
            .get::<serde_json::Value>(&self.api.url(""), "the API root")
            .await
        {
            Ok(_) => true,
            Err(e) => e.status.is_some(),
        }
    }

    /// A whole collection, or `None` (the failure recorded) when it could not be read.
    async fn all<T: DeserializeOwned>(
        &mut self,
        resource: Resource,
        rest: &str,
        query: &[(&str, &str)],
        what: &str,
    ) -> Result<Option<Vec<T>>, Stop> {
        match self.api.get_all_with::<T>(rest, query, what).await {
            Ok(c) => {
                self.read.notes.extend(c.note);
                Ok(Some(c.items))
            }
            Err(e) => match self.failed(resource, &e).await {
                Some(stop) => Err(stop),
                None => Ok(None),
            },
        }
    }
}

/// The error's message without the URL (kept apart in the failure).
fn error_message(e: &ApiError) -> String {
    crate::text::one_line(&e.message, 400)
}

fn mark_all(read: &mut InstanceRead, cause: Resource, e: &ApiError) {
    for resource in ALL {
        if resource != cause && !read.failures.iter().any(|f| f.resource == resource) {
            read.failures.push(ReadFailure {
                resource,
                url: e.url.clone(),
                status: e.status,
                message: error_message(e),
            });
        }
    }
}

async fn read_instance(spec: &DriftSpec, instance: &InstanceSpec, old: bool) -> InstanceRead {
    let mut read = InstanceRead {
        server: instance.url.trim().trim_end_matches('/').to_string(),
        ..InstanceRead::default()
    };
    let api = match ApiClient::new(&ClientOptions {
        server: instance.url.clone(),
        api_key: instance.api_key.clone(),
        key_source: instance.key_source.clone(),
        ca_file: instance.ca_file.clone(),
        timeout: spec.timeout,
        max_pages: spec.max_pages,
    }) {
        Ok(api) => api,
        Err(e) => {
            read.failures.push(ReadFailure {
                resource: Resource::Server,
                url: e.url.clone(),
                status: e.status,
                message: error_message(&e),
            });
            mark_all(&mut read, Resource::Server, &e);
            return read;
        }
    };
    read.server = api.server();
    let since = spec.since.to_string();
    let mut reader = Reader {
        api,
        read: &mut read,
    };
    let _ = read_all(&mut reader, old.then_some(since.as_str())).await;
    read
}

/// Reads everything the rules need; `events_from` (the old instance only)
/// also reads the audit log from that time.
async fn read_all(r: &mut Reader<'_>, events_from: Option<&str>) -> Result<(), Stop> {
    let root_url = r.api.url("");
    let root: Root = match r
        .api
        .get(
            &root_url,
            "the Octopus API root document (Application, Version, Links)",
        )
        .await
    {
        Ok(root) => root,
        Err(e) => {
            // Without the root nothing else is worth asking.
            r.read.failures.push(ReadFailure {
                resource: Resource::Server,
                url: e.url.clone(),
                status: e.status,
                message: error_message(&e),
            });
            mark_all(r.read, Resource::Server, &e);
            return Err(Stop);
        }
    };
    if !root.application.to_ascii_lowercase().contains("octopus") {
        let e = ApiError::at(
            root_url.as_str(),
            format!(
                "expected Application \"Octopus Deploy\", found \"{}\": this is not an Octopus Server",
                crate::text::one_line(&root.application, 60)
            ),
        );
        r.read.failures.push(ReadFailure {
            resource: Resource::Server,
            url: e.url.clone(),
            status: None,
            message: e.message.clone(),
        });
        mark_all(r.read, Resource::Server, &e);
        return Err(Stop);
    }
    r.read.version = Some(root.version.clone());
    let cert_url = r.api.url("configuration/certificates/certificate-global");
    match r
        .api
        .get::<ServerCertificate>(
            &cert_url,
            "the server certificate (an object with Thumbprint)",
        )
        .await
    {
        Ok(c) => r.read.thumbprint = Some(c.thumbprint),
        Err(e) => {
            if let Some(stop) = r.failed(Resource::Certificate, &e).await {
                return Err(stop);
            }
        }
    }
    let spaces: Vec<Space> = if root.links.contains_key("Spaces") {
        match r.all(Resource::Spaces, "spaces", &[], "spaces").await? {
            Some(s) => s,
            None => return Ok(()),
        }
    } else {
        vec![Space {
            id: String::new(),
            name: "(no spaces)".into(),
            slug: None,
        }]
    };
    for space in spaces {
        let s = read_space(r, &space, events_from).await?;
        r.read.spaces.push(s);
    }
    Ok(())
}

async fn read_space(
    r: &mut Reader<'_>,
    space: &Space,
    events_from: Option<&str>,
) -> Result<SpaceRead, Stop> {
    let prefix = if space.id.is_empty() {
        String::new()
    } else {
        format!("{}/", space.id)
    };
    let of = |what: &str| {
        if space.id.is_empty() {
            what.to_string()
        } else {
            format!("{what} of space {}", space.name)
        }
    };
    let path = |p: &str| format!("{prefix}{p}");
    let environments: Vec<Environment> = r
        .all(
            Resource::Environments,
            &path("environments"),
            &[],
            &of("environments"),
        )
        .await?
        .unwrap_or_default();
    let tenants: Vec<Tenant> = r
        .all(Resource::Tenants, &path("tenants"), &[], &of("tenants"))
        .await?
        .unwrap_or_default();
    let pools: Vec<WorkerPool> = r
        .all(
            Resource::WorkerPools,
            &path("workerpools"),
            &[],
            &of("worker pools"),
        )
        .await?
        .unwrap_or_default();
    let projects: Vec<Project> = r
        .all(Resource::Projects, &path("projects"), &[], &of("projects"))
        .await?
        .unwrap_or_default();
    let processes: Vec<DeploymentProcess> = r
        .all(
            Resource::Processes,
            &path("deploymentprocesses"),
            &[],
            &of("deployment processes"),
        )
        .await?
        .unwrap_or_default();
    let variable_versions = read_variable_sets(r, &prefix, &projects).await?;
    let releases: Vec<Release> = r
        .all(Resource::Releases, &path("releases"), &[], &of("releases"))
        .await?
        .unwrap_or_default();
    let deployments: Vec<Deployment> = r
        .all(
            Resource::Deployments,
            &path("deployments"),
            &[],
            &of("deployments"),
        )
        .await?
        .unwrap_or_default();
    let events: Vec<Event> = match events_from {
        Some(from) => r
            .all(
                Resource::Events,
                &path("events"),
                &[("from", from)],
                &of("audit events"),
            )
            .await?
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let packages: Vec<Package> = r
        .all(
            Resource::Packages,
            &path("packages"),
            &[],
            &of("built-in feed packages"),
        )
        .await?
        .unwrap_or_default();
    let machines: Vec<Machine> = r
        .all(
            Resource::Machines,
            &path("machines"),
            &[],
            &of("deployment targets"),
        )
        .await?
        .unwrap_or_default();
    let workers: Vec<Machine> = r
        .all(Resource::Workers, &path("workers"), &[], &of("workers"))
        .await?
        .unwrap_or_default();

    let (out, notes) = summary::space_summary(
        space,
        &summary::Collections {
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
        },
    );
    r.read.notes.extend(notes);
    Ok(out)
}

/// Each project's variable set version (`/api/{space}/variables/{id}`), a
/// few requests at a time.
async fn read_variable_sets(
    r: &mut Reader<'_>,
    prefix: &str,
    projects: &[Project],
) -> Result<HashMap<String, Option<u64>>, Stop> {
    let ids: Vec<&str> = projects
        .iter()
        .filter_map(|p| p.variable_set_id.as_deref())
        .collect();
    let api = &r.api;
    let results: Vec<Result<VariableSet, ApiError>> = futures_util::stream::iter(ids)
        .map(|id| {
            let url = api.url(&format!("{prefix}variables/{id}"));
            async move {
                api.get::<VariableSet>(&url, "a variable set (Id, OwnerId, Version)")
                    .await
            }
        })
        .buffered(VARIABLE_READS_IN_FLIGHT)
        .collect()
        .await;
    let mut versions = HashMap::new();
    for result in results {
        match result {
            Ok(set) => {
                versions.insert(set.id, set.version);
            }
            Err(e) => {
                if let Some(stop) = r.failed(Resource::Variables, &e).await {
                    return Err(stop);
                }
            }
        }
    }
    Ok(versions)
}

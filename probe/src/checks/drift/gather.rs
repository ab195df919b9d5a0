//! Reads both instances through `octopus_api::ApiClient` (https only, the
//! key only in its header, bounded requests, paging to a maximum, at most
//! `MAX_IN_FLIGHT` requests at once per instance), at the same time, into
//! the plain summaries the rules judge. An instance's independent reads run
//! concurrently (the root first, the spaces list before the spaces, the
//! projects before their variable sets); their outcomes are then kept in
//! one fixed order, so the same answers make the same evidence however they
//! arrive. A failed read is kept as a [`ReadFailure`] of its resource,
//! never dropped: a refused key (401) or a server that no longer answers
//! `/api` stops that instance's read (the requests still waiting are not
//! sent) and marks every resource unread once; anything else (403 on one
//! collection, a 404 from an older server, paging that never ends) marks
//! only that resource.

use std::collections::HashMap;
use std::sync::Mutex;

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
use crate::octopus_api::{ApiClient, ApiError, ClientOptions, MAX_IN_FLIGHT};

/// Spaces whose collections are read at once: enough to keep the client's
/// turns busy across a space's end, few enough that the outcomes waiting
/// to be kept in order do not grow with the number of spaces.
const SPACES_AT_ONCE: usize = 2;

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

/// One read's outcome, kept (in the fixed order) by [`Reader::keep`].
enum Fetched<T> {
    /// What was read, and the paging note when its pages disagreed with `TotalResults`.
    Read(T, Option<String>),
    /// A failure of this resource only.
    Failed(Resource, ApiError),
    /// A failure that stops the instance's read (401, a server that no longer answers).
    Stops(Resource, ApiError),
    /// Not read: another read had already stopped the instance's read.
    Skipped,
}

struct Reader {
    api: ApiClient,
    /// The first failure that stopped the read, for the reads skipped after it.
    stopped: Mutex<Option<(Resource, ApiError)>>,
}

impl Reader {
    /// A whole collection.
    async fn all<T: DeserializeOwned>(
        &self,
        resource: Resource,
        rest: &str,
        query: &[(&str, &str)],
        what: &str,
    ) -> Fetched<Vec<T>> {
        if self.api.is_stopped() {
            return Fetched::Skipped;
        }
        match self.api.get_all_with::<T>(rest, query, what).await {
            Ok(c) => Fetched::Read(c.items, c.note),
            Err(e) => self.judge(resource, e).await,
        }
    }

    /// One document.
    async fn one<T: DeserializeOwned>(
        &self,
        resource: Resource,
        url: &url::Url,
        what: &str,
    ) -> Fetched<T> {
        if self.api.is_stopped() {
            return Fetched::Skipped;
        }
        match self.api.get::<T>(url, what).await {
            Ok(t) => Fetched::Read(t, None),
            Err(e) => self.judge(resource, e).await,
        }
    }

    /// Whether a failure stops the instance's read; when it does, the
    /// requests still waiting for a turn are not sent.
    async fn judge<T>(&self, resource: Resource, e: ApiError) -> Fetched<T> {
        // 401: the key is refused everywhere. A 401 is this read's own
        // answer even when another read stopped first (the certificate and
        // the spaces list are asked together; the certificate is kept first).
        let stops = if e.status == Some(401) {
            true
        } else if e.status.is_none() {
            // No status: a page that would not parse or never ended, or a
            // server that stopped answering; only the last stops the read
            // (every further request would wait too). Once stopped, it is
            // also how a request refused by the stop fails.
            if self.api.is_stopped() {
                return Fetched::Skipped;
            }
            !self.answers().await
        } else {
            false
        };
        if !stops {
            return Fetched::Failed(resource, e);
        }
        if let Ok(mut first) = self.stopped.lock() {
            first.get_or_insert_with(|| (resource, e.clone()));
        }
        self.api.stop();
        Fetched::Stops(resource, e)
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

    /// Keeps a read's outcome in `read`: what was read (`None` when it
    /// failed, the failure recorded), or `Stop` with every resource marked
    /// unread. Called in one fixed order, so the evidence does not depend on
    /// the order the answers arrived in.
    fn keep<T>(&self, read: &mut InstanceRead, fetched: Fetched<T>) -> Result<Option<T>, Stop> {
        let (resource, e) = match fetched {
            Fetched::Read(t, note) => {
                read.notes.extend(note);
                return Ok(Some(t));
            }
            Fetched::Failed(resource, e) => {
                read.failures.push(failure(resource, &e));
                return Ok(None);
            }
            Fetched::Stops(resource, e) => (resource, e),
            Fetched::Skipped => self
                .stopped
                .lock()
                .ok()
                .and_then(|first| first.clone())
                .unwrap_or_else(|| {
                    (
                        Resource::Server,
                        ApiError::setup("the read was stopped".into()),
                    )
                }),
        };
        read.failures.push(failure(resource, &e));
        mark_all(read, resource, &e);
        Err(Stop)
    }
}

fn failure(resource: Resource, e: &ApiError) -> ReadFailure {
    ReadFailure {
        resource,
        url: e.url.clone(),
        status: e.status,
        message: error_message(e),
    }
}

/// The error's message without the URL (kept apart in the failure).
fn error_message(e: &ApiError) -> String {
    crate::text::one_line(&e.message, 400)
}

fn mark_all(read: &mut InstanceRead, cause: Resource, e: &ApiError) {
    for resource in ALL {
        if resource != cause && !read.failures.iter().any(|f| f.resource == resource) {
            read.failures.push(failure(resource, e));
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
            read.failures.push(failure(Resource::Server, &e));
            mark_all(&mut read, Resource::Server, &e);
            return read;
        }
    };
    read.server = api.server();
    let since = spec.since.to_string();
    let reader = Reader {
        api,
        stopped: Mutex::new(None),
    };
    let _ = read_all(&reader, &mut read, old.then_some(since.as_str())).await;
    read
}

/// Reads everything the rules need; `events_from` (the old instance only)
/// also reads the audit log from that time.
async fn read_all(
    r: &Reader,
    read: &mut InstanceRead,
    events_from: Option<&str>,
) -> Result<(), Stop> {
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
            read.failures.push(failure(Resource::Server, &e));
            mark_all(read, Resource::Server, &e);
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
        read.failures.push(ReadFailure {
            resource: Resource::Server,
            url: e.url.clone(),
            status: None,
            message: e.message.clone(),
        });
        mark_all(read, Resource::Server, &e);
        return Err(Stop);
    }
    read.version = Some(root.version.clone());
    let cert_url = r.api.url("configuration/certificates/certificate-global");
    let (certificate, spaces) = tokio::join!(
        r.one::<ServerCertificate>(
            Resource::Certificate,
            &cert_url,
            "the server certificate (an object with Thumbprint)",
        ),
        async {
            if root.links.contains_key("Spaces") {
                Some(
                    r.all::<Space>(Resource::Spaces, "spaces", &[], "spaces")
                        .await,
                )
            } else {
                None
            }
        }
    );
    if let Some(c) = r.keep(read, certificate)? {
        read.thumbprint = Some(c.thumbprint);
    }
    let spaces: Vec<Space> = match spaces {
        Some(fetched) => match r.keep(read, fetched)? {
            Some(s) => s,
            None => return Ok(()),
        },
        None => vec![Space {
            id: String::new(),
            name: "(no spaces)".into(),
            slug: None,
        }],
    };
    // A few spaces at a time, kept in the server's order; a stop drops the rest.
    let mut fetched = futures_util::stream::iter(&spaces)
        .map(|space| read_space(r, space, events_from))
        .buffered(SPACES_AT_ONCE);
    while let Some(space) = fetched.next().await {
        let s = keep_space(r, read, space)?;
        read.spaces.push(s);
    }
    Ok(())
}

/// One space's reads, before they are kept.
struct SpaceFetched<'a> {
    space: &'a Space,
    environments: Fetched<Vec<Environment>>,
    tenants: Fetched<Vec<Tenant>>,
    pools: Fetched<Vec<WorkerPool>>,
    projects: Fetched<Vec<Project>>,
    processes: Fetched<Vec<DeploymentProcess>>,
    variable_sets: Vec<Fetched<VariableSet>>,
    releases: Fetched<Vec<Release>>,
    deployments: Fetched<Vec<Deployment>>,
    events: Option<Fetched<Vec<Event>>>,
    packages: Fetched<Vec<Package>>,
    machines: Fetched<Vec<Machine>>,
    workers: Fetched<Vec<Machine>>,
}

/// Reads a space's collections concurrently (the variable sets after the projects).
async fn read_space<'a>(
    r: &Reader,
    space: &'a Space,
    events_from: Option<&str>,
) -> SpaceFetched<'a> {
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
    // Each read in its own future owning its path and description.
    macro_rules! all {
        ($resource:expr, $path:literal, $what:literal) => {
            async { r.all($resource, &path($path), &[], &of($what)).await }
        };
    }
    let projects_then_variables = async {
        let projects = r
            .all::<Project>(Resource::Projects, &path("projects"), &[], &of("projects"))
            .await;
        let variable_sets = match &projects {
            Fetched::Read(projects, _) => read_variable_sets(r, &prefix, projects).await,
            _ => Vec::new(),
        };
        (projects, variable_sets)
    };
    let events = async {
        match events_from {
            Some(from) => Some(
                r.all(
                    Resource::Events,
                    &path("events"),
                    &[("from", from)],
                    &of("audit events"),
                )
                .await,
            ),
            None => None,
        }
    };
    let (
        environments,
        tenants,
        pools,
        (projects, variable_sets),
        processes,
        releases,
        deployments,
        events,
        packages,
        machines,
        workers,
    ) = tokio::join!(
        all!(Resource::Environments, "environments", "environments"),
        all!(Resource::Tenants, "tenants", "tenants"),
        all!(Resource::WorkerPools, "workerpools", "worker pools"),
        projects_then_variables,
        all!(
            Resource::Processes,
            "deploymentprocesses",
            "deployment processes"
        ),
        all!(Resource::Releases, "releases", "releases"),
        all!(Resource::Deployments, "deployments", "deployments"),
        events,
        all!(Resource::Packages, "packages", "built-in feed packages"),
        all!(Resource::Machines, "machines", "deployment targets"),
        all!(Resource::Workers, "workers", "workers"),
    );
    SpaceFetched {
        space,
        environments,
        tenants,
        pools,
        projects,
        processes,
        variable_sets,
        releases,
        deployments,
        events,
        packages,
        machines,
        workers,
    }
}

/// Keeps a space's reads in the order they were once made one after another.
fn keep_space(r: &Reader, read: &mut InstanceRead, f: SpaceFetched<'_>) -> Result<SpaceRead, Stop> {
    let environments = r.keep(read, f.environments)?.unwrap_or_default();
    let tenants = r.keep(read, f.tenants)?.unwrap_or_default();
    let pools = r.keep(read, f.pools)?.unwrap_or_default();
    let projects = r.keep(read, f.projects)?.unwrap_or_default();
    let processes = r.keep(read, f.processes)?.unwrap_or_default();
    let mut variable_versions = HashMap::new();
    for set in f.variable_sets {
        if let Some(set) = r.keep(read, set)? {
            variable_versions.insert(set.id, set.version);
        }
    }
    let releases = r.keep(read, f.releases)?.unwrap_or_default();
    let deployments = r.keep(read, f.deployments)?.unwrap_or_default();
    let events = match f.events {
        Some(events) => r.keep(read, events)?.unwrap_or_default(),
        None => Vec::new(),
    };
    let packages = r.keep(read, f.packages)?.unwrap_or_default();
    let machines = r.keep(read, f.machines)?.unwrap_or_default();
    let workers = r.keep(read, f.workers)?.unwrap_or_default();
    let (out, notes) = summary::space_summary(
        f.space,
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
    read.notes.extend(notes);
    Ok(out)
}

/// Each project's variable set (`/api/{space}/variables/{id}`), in the
/// projects' order, as many at once as the client has turns.
async fn read_variable_sets(
    r: &Reader,
    prefix: &str,
    projects: &[Project],
) -> Vec<Fetched<VariableSet>> {
    let urls: Vec<url::Url> = projects
        .iter()
        .filter_map(|p| p.variable_set_id.as_deref())
        .map(|id| r.api.url(&format!("{prefix}variables/{id}")))
        .collect();
    futures_util::stream::iter(&urls)
        .map(|url| {
            r.one::<VariableSet>(
                Resource::Variables,
                url,
                "a variable set (Id, OwnerId, Version)",
            )
        })
        .buffered(MAX_IN_FLIGHT)
        .collect()
        .await
}

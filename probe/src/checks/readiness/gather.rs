//! All of the readiness family's I/O: the old server's resources through
//! `octopus_api::ApiClient` (https only, the key only to the server's
//! origin, each request bounded, paging to `max_pages`, at most
//! `MAX_IN_FLIGHT` requests at once), every space, the independent reads
//! concurrently and the evidence in a fixed order. A
//! failure on one endpoint is kept as that endpoint's `ReadError` so the
//! rules that need it say `error` and the others still run; only a client
//! that cannot be built at all (an http:// URL, an empty key) is an error
//! of the whole gather, before any request.

use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::{Read, ReadError, ServerEvidence, SpaceEvidence};
use crate::octopus_api::resources::{
    AuthenticationInfo, FeaturesConfiguration, MaintenanceConfiguration, ProviderConfiguration,
    Root, Space,
};
use crate::octopus_api::{ApiClient, ApiError, ClientOptions};
use crate::since::Since;

/// The directory sign-in providers' configuration documents: (id, name).
pub const DIRECTORY_PROVIDERS: [(&str, &str); 2] = [
    ("authentication-directoryservices", "Active Directory"),
    ("authentication-ldap", "LDAP"),
];

/// What to read: the old server, optionally the new one, and the window start.
#[derive(Debug, Clone)]
pub struct GatherOptions {
    pub old: ClientOptions,
    pub new: Option<ClientOptions>,
    pub since: Option<Since>,
}

/// Spaces whose collections are read at once: enough to keep the client's
/// [`MAX_IN_FLIGHT`](crate::octopus_api::MAX_IN_FLIGHT) turns busy across a space's end, few enough that the
/// evidence waiting to be kept in order does not grow with the server.
const SPACES_AT_ONCE: usize = 2;

/// A collection's items (or its failure) and its paging note, kept apart so
/// concurrent reads can put their notes in a fixed order afterwards.
struct Listed<T> {
    read: Read<Vec<T>>,
    note: Option<String>,
}

impl<T> Listed<T> {
    /// The items or failure; the note goes to `notes`.
    fn keep(self, notes: &mut Vec<String>) -> Read<Vec<T>> {
        notes.extend(self.note);
        self.read
    }
}

struct Reader {
    api: ApiClient,
}

impl Reader {
    async fn one<T: DeserializeOwned>(
        &self,
        rest: &str,
        what: &str,
        permission: &'static str,
    ) -> Read<T> {
        self.api
            .get(&self.api.url(rest), what)
            .await
            .map_err(|e| ReadError::from_api(e, permission))
    }

    async fn all<T: DeserializeOwned>(
        &self,
        rest: &str,
        query: &[(&str, &str)],
        what: &str,
        permission: &'static str,
    ) -> Listed<T> {
        match self.api.get_all_with(rest, query, what).await {
            Ok(c) => Listed {
                read: Ok(c.items),
                note: c.note,
            },
            Err(e) => Listed {
                read: Err(ReadError::from_api(e, permission)),
                note: None,
            },
        }
    }
}

/// Reads the old server (and `/api` of the new one). `Err` only when the
/// client cannot be built; every endpoint's own failure is in the evidence.
///
/// The reads run concurrently, the client holding at most
/// [`MAX_IN_FLIGHT`](crate::octopus_api::MAX_IN_FLIGHT) requests at once; the evidence and its notes come out
/// in one fixed order whatever order the answers arrive in.
pub async fn gather(options: &GatherOptions) -> Result<ServerEvidence, ApiError> {
    let api = ApiClient::new(&options.old)?;
    let new_api = options.new.as_ref().map(ApiClient::new).transpose()?;
    let r = &Reader { api };
    let since = options
        .since
        .map(|Since(from)| from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    // The spaces list needs the root's links; everything else is independent.
    let root_and_spaces = async {
        let root: Read<Root> = r
            .one(
                "",
                "the Octopus API root document (Application, Version)",
                "none (anonymous)",
            )
            .await;
        let has_spaces = root
            .as_ref()
            .is_ok_and(|root| root.links.contains_key("Spaces"));
        let spaces: Option<Listed<Space>> = if has_spaces || root.is_err() {
            Some(r.all("spaces", &[], "spaces", "SpaceView").await)
        } else {
            None
        };
        (root, spaces)
    };
    let new_root = async {
        match &new_api {
            Some(api) => Some(
                api.get(
                    &api.url(""),
                    "the Octopus API root document (Application, Version)",
                )
                .await
                .map_err(|e| ReadError::from_api(e, "none (anonymous)")),
            ),
            None => None,
        }
    };
    let authentication = r.one::<AuthenticationInfo>(
        "authentication",
        "the sign-in providers (AuthenticationProviders[])",
        "none (anonymous)",
    );
    let directory_configs =
        futures_util::future::join_all(DIRECTORY_PROVIDERS.iter().map(|(id, _)| async move {
            let read: Read<ProviderConfiguration> = r
                .one(
                    &format!("configuration/{id}"),
                    "a sign-in provider's configuration (IsEnabled)",
                    "ConfigureServer",
                )
                .await;
            (id.to_string(), read)
        }));
    let users = r.all("users", &[], "users", "UserView");
    let teams = r.all("teams", &[("includeSystem", "true")], "teams", "TeamView");
    let features = r.one::<FeaturesConfiguration>(
        "featuresconfiguration",
        "the features configuration (IsBuiltInWorkerEnabled)",
        "ConfigureServer",
    );
    let maintenance = r.one::<MaintenanceConfiguration>(
        "maintenanceconfiguration",
        "the maintenance configuration (IsInMaintenanceMode)",
        "ConfigureServer",
    );
    let nodes = r.all("octopusservernodes", &[], "server nodes", "ConfigureServer");
    let active_tasks = r.all(
        "tasks",
        &[("states", "Queued,Executing,Cancelling")],
        "active tasks",
        "TaskView",
    );
    let events = async {
        match &since {
            Some(from) => Some(
                r.all(
                    "events",
                    &[
                        ("from", from.as_str()),
                        ("eventCategories", "Created,DeploymentQueued"),
                    ],
                    "audit events",
                    "EventView",
                )
                .await,
            ),
            None => None,
        }
    };
    let (
        (root, spaces),
        new_root,
        authentication,
        directory_configs,
        users,
        teams,
        features,
        maintenance,
        nodes,
        active_tasks,
        events,
    ) = tokio::join!(
        root_and_spaces,
        new_root,
        authentication,
        directory_configs,
        users,
        teams,
        features,
        maintenance,
        nodes,
        active_tasks,
        events
    );
    // Notes in the order the reads were once made one after another.
    let mut notes = Vec::new();
    let users = users.keep(&mut notes);
    let teams = teams.keep(&mut notes);
    let nodes = nodes.keep(&mut notes);
    let active_tasks = active_tasks.keep(&mut notes);
    let events = events.map(|e| e.keep(&mut notes));
    let spaces: Read<Vec<Space>> = match spaces {
        Some(listed) => listed.keep(&mut notes),
        // Before 2019.1: one space without an id, its resources under /api.
        None => Ok(vec![Space {
            id: String::new(),
            name: "(no spaces)".into(),
            slug: None,
        }]),
    };
    let spaces = match spaces {
        Ok(list) => {
            let read: Vec<(SpaceEvidence, Vec<String>)> = futures_util::stream::iter(list)
                .map(|space| read_space(r, space))
                .buffered(SPACES_AT_ONCE)
                .collect()
                .await;
            let mut out = Vec::with_capacity(read.len());
            for (space, space_notes) in read {
                notes.extend(space_notes);
                out.push(space);
            }
            Ok(out)
        }
        Err(e) => Err(e),
    };
    Ok(ServerEvidence {
        server: r.api.server(),
        root,
        new_root,
        authentication,
        directory_configs,
        users,
        teams,
        features,
        maintenance,
        nodes,
        active_tasks,
        events,
        spaces,
        notes,
    })
}

/// A space's eleven collections, read concurrently, with their notes in a fixed order.
async fn read_space(r: &Reader, space: Space) -> (SpaceEvidence, Vec<String>) {
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
    let (prefix, of) = (&prefix, &of);
    macro_rules! all {
        ($path:literal, $what:literal, $perm:literal) => {
            async move {
                r.all(&format!("{prefix}{}", $path), &[], &of($what), $perm)
                    .await
            }
        };
    }
    let (
        projects,
        deployment_processes,
        runbooks,
        runbook_processes,
        worker_pools,
        workers,
        machines,
        packages,
        triggers,
        templates,
        subscriptions,
    ) = tokio::join!(
        all!("projects", "projects", "ProjectView"),
        all!("deploymentprocesses", "deployment processes", "ProcessView"),
        all!("runbooks", "runbooks", "RunbookView"),
        all!("runbookProcesses", "runbook processes", "RunbookView"),
        all!("workerpools", "worker pools", "WorkerView"),
        all!("workers", "workers", "WorkerView"),
        all!("machines", "deployment targets", "MachineView"),
        all!("packages", "built-in feed packages", "FeedView"),
        all!("projecttriggers", "project triggers", "TriggerView"),
        all!("actiontemplates", "step templates", "ActionTemplateView"),
        all!("subscriptions", "subscriptions", "SubscriptionView"),
    );
    let mut notes = Vec::new();
    let evidence = SpaceEvidence {
        projects: projects.keep(&mut notes),
        deployment_processes: deployment_processes.keep(&mut notes),
        runbooks: runbooks.keep(&mut notes),
        runbook_processes: runbook_processes.keep(&mut notes),
        worker_pools: worker_pools.keep(&mut notes),
        workers: workers.keep(&mut notes),
        machines: machines.keep(&mut notes),
        packages: packages.keep(&mut notes),
        triggers: triggers.keep(&mut notes),
        templates: templates.keep(&mut notes),
        subscriptions: subscriptions.keep(&mut notes),
        space,
    };
    (evidence, notes)
}

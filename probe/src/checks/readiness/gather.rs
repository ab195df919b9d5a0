//! All of the readiness family's I/O: the old server's resources through
//! `octopus_api::ApiClient` (https only, the key only to the server's
//! origin, each request bounded, paging to `max_pages`), every space. A
//! failure on one endpoint is kept as that endpoint's `ReadError` so the
//! rules that need it say `error` and the others still run; only a client
//! that cannot be built at all (an http:// URL, an empty key) is an error
//! of the whole gather, before any request.

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

struct Reader {
    api: ApiClient,
    notes: Vec<String>,
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
        &mut self,
        rest: &str,
        query: &[(&str, &str)],
        what: &str,
        permission: &'static str,
    ) -> Read<Vec<T>> {
        match self.api.get_all_with(rest, query, what).await {
            Ok(c) => {
                self.notes.extend(c.note);
                Ok(c.items)
            }
            Err(e) => Err(ReadError::from_api(e, permission)),
        }
    }
}

/// Reads the old server (and `/api` of the new one). `Err` only when the
/// client cannot be built; every endpoint's own failure is in the evidence.
pub async fn gather(options: &GatherOptions) -> Result<ServerEvidence, ApiError> {
    let api = ApiClient::new(&options.old)?;
    let new_api = options.new.as_ref().map(ApiClient::new).transpose()?;
    let mut r = Reader {
        api,
        notes: Vec::new(),
    };
    let root: Read<Root> = r
        .one(
            "",
            "the Octopus API root document (Application, Version)",
            "none (anonymous)",
        )
        .await;
    let new_root = match &new_api {
        Some(api) => Some(
            api.get(
                &api.url(""),
                "the Octopus API root document (Application, Version)",
            )
            .await
            .map_err(|e| ReadError::from_api(e, "none (anonymous)")),
        ),
        None => None,
    };
    let authentication: Read<AuthenticationInfo> = r
        .one(
            "authentication",
            "the sign-in providers (AuthenticationProviders[])",
            "none (anonymous)",
        )
        .await;
    let mut directory_configs = Vec::new();
    for (id, _) in DIRECTORY_PROVIDERS {
        let read: Read<ProviderConfiguration> = r
            .one(
                &format!("configuration/{id}"),
                "a sign-in provider's configuration (IsEnabled)",
                "ConfigureServer",
            )
            .await;
        directory_configs.push((id.to_string(), read));
    }
    let users = r.all("users", &[], "users", "UserView").await;
    let teams = r
        .all("teams", &[("includeSystem", "true")], "teams", "TeamView")
        .await;
    let features: Read<FeaturesConfiguration> = r
        .one(
            "featuresconfiguration",
            "the features configuration (IsBuiltInWorkerEnabled)",
            "ConfigureServer",
        )
        .await;
    let maintenance: Read<MaintenanceConfiguration> = r
        .one(
            "maintenanceconfiguration",
            "the maintenance configuration (IsInMaintenanceMode)",
            "ConfigureServer",
        )
        .await;
    let nodes = r
        .all("octopusservernodes", &[], "server nodes", "ConfigureServer")
        .await;
    let active_tasks = r
        .all(
            "tasks",
            &[("states", "Queued,Executing,Cancelling")],
            "active tasks",
            "TaskView",
        )
        .await;
    let events = match options.since {
        Some(Since(from)) => {
            let from = from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            Some(
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
            )
        }
        None => None,
    };
    let has_spaces = root
        .as_ref()
        .is_ok_and(|root| root.links.contains_key("Spaces"));
    let spaces: Read<Vec<Space>> = if has_spaces || root.is_err() {
        r.all("spaces", &[], "spaces", "SpaceView").await
    } else {
        // Before 2019.1: one space without an id, its resources under /api.
        Ok(vec![Space {
            id: String::new(),
            name: "(no spaces)".into(),
            slug: None,
        }])
    };
    let spaces = match spaces {
        Ok(list) => {
            let mut out = Vec::new();
            for space in list {
                out.push(read_space(&mut r, space).await);
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
        notes: r.notes,
    })
}

async fn read_space(r: &mut Reader, space: Space) -> SpaceEvidence {
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
    macro_rules! all {
        ($path:literal, $what:literal, $perm:literal) => {
            r.all(&format!("{prefix}{}", $path), &[], &of($what), $perm)
                .await
        };
    }
    let projects = all!("projects", "projects", "ProjectView");
    let deployment_processes = all!("deploymentprocesses", "deployment processes", "ProcessView");
    let runbooks = all!("runbooks", "runbooks", "RunbookView");
    let runbook_processes = all!("runbookProcesses", "runbook processes", "RunbookView");
    let worker_pools = all!("workerpools", "worker pools", "WorkerView");
    let workers = all!("workers", "workers", "WorkerView");
    let machines = all!("machines", "deployment targets", "MachineView");
    let packages = all!("packages", "built-in feed packages", "FeedView");
    let triggers = all!("projecttriggers", "project triggers", "TriggerView");
    let templates = all!("actiontemplates", "step templates", "ActionTemplateView");
    let subscriptions = all!("subscriptions", "subscriptions", "SubscriptionView");
    SpaceEvidence {
        space,
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
    }
}

//! `preflight plan from-octopus`: read the inventory of the Octopus Server
//! being migrated through its REST API (`gather`, I/O through `octopus_api`) and write
//! it as a plan (`render`, a pure function over the `Inventory`). Data
//! centers come from `group`: deployment targets by environment or by a role
//! prefix, workers by worker pool.

pub mod feeds;
pub mod group;
pub mod layout;
pub mod render;

pub use crate::octopus_api::{ApiError, ClientOptions};
pub use group::GroupBy;
pub use render::{RenderOptions, Rendered, render};

use futures_util::StreamExt;

use crate::octopus_api::ApiClient;
use crate::octopus_api::resources::{
    Environment, Feed, Machine, Root, ServerCertificate, Space, WorkerPool,
};
use crate::thumbprint::Thumbprint;

/// Everything read from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// The portal URL the inventory was read from.
    pub server: String,
    /// `Application` and `Version` of `/api`.
    pub application: String,
    pub version: String,
    /// The server certificate's thumbprint (`certificate-global`).
    pub thumbprint: Thumbprint,
    /// False on servers from before spaces (2019.1): one space without an id.
    pub has_spaces: bool,
    pub spaces: Vec<SpaceInventory>,
    /// Things worth telling the user (a collection whose pages disagreed with its total).
    pub notes: Vec<String>,
}

/// One space's infrastructure and feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceInventory {
    pub space: Space,
    pub environments: Vec<Environment>,
    pub worker_pools: Vec<WorkerPool>,
    /// Deployment targets.
    pub machines: Vec<Machine>,
    pub workers: Vec<Machine>,
    pub feeds: Vec<Feed>,
}

/// What to read: the client settings and which spaces (names, slugs or ids; empty: all).
#[derive(Debug, Clone)]
pub struct GatherOptions {
    pub client: ClientOptions,
    pub spaces: Vec<String>,
}

/// The resource types it reads (one place for all commands).
pub use crate::octopus_api::resources as api;

/// Reads `/api`, the server certificate, the spaces and each space's
/// environments, worker pools, deployment targets, workers and feeds.
pub async fn gather(options: &GatherOptions) -> Result<Inventory, ApiError> {
    let api = ApiClient::new(&options.client)?;
    let root: Root = api
        .get(
            &api.url(""),
            "the Octopus API root document (Application, Version, Links)",
        )
        .await?;
    if !root.application.to_ascii_lowercase().contains("octopus") {
        return Err(ApiError::at(
            api.url("").as_str(),
            format!(
                "expected Application \"Octopus Deploy\", found \"{}\": this is not an Octopus Server",
                root.application
            ),
        ));
    }
    let certificate_url = api.url("configuration/certificates/certificate-global");
    let certificate: ServerCertificate = api
        .get(
            &certificate_url,
            "the server certificate (an object with Thumbprint)",
        )
        .await?;
    let thumbprint: Thumbprint = certificate
        .thumbprint
        .parse()
        .map_err(|e: String| ApiError::at(certificate_url.as_str(), e))?;
    let mut notes = Vec::new();
    let has_spaces = root.links.contains_key("Spaces");
    let spaces = if has_spaces {
        let all = api.get_all::<Space>("spaces", "spaces").await?;
        notes.extend(all.note);
        select_spaces(all.items, &options.spaces)?
    } else if options.spaces.is_empty() {
        vec![Space {
            id: String::new(),
            name: "(no spaces)".into(),
            slug: None,
        }]
    } else {
        return Err(ApiError::setup(format!(
            "--space was given, but {} (Octopus {}) has no spaces (they came with 2019.1)",
            api.server(),
            root.version
        )));
    };
    // Every space's five collections, read a few at a time (pages of one
    // collection in order, as `Page.Next` leads), kept in the server's order.
    let client = &api;
    let reads = spaces.iter().flat_map(|space| {
        Collection::ALL
            .into_iter()
            .map(move |collection| read_collection(client, space, collection))
    });
    // As many collections as the client has turns: more would only wait.
    let mut read = futures_util::stream::iter(reads).buffered(crate::octopus_api::MAX_IN_FLIGHT);
    let mut out: Vec<SpaceInventory> = Vec::with_capacity(spaces.len());
    for space in spaces.iter().cloned() {
        let mut inventory = SpaceInventory {
            space,
            environments: Vec::new(),
            worker_pools: Vec::new(),
            machines: Vec::new(),
            workers: Vec::new(),
            feeds: Vec::new(),
        };
        for _ in Collection::ALL {
            let Some(items) = read.next().await else {
                break;
            };
            let (items, note) = items?;
            notes.extend(note);
            match items {
                Items::Environments(v) => inventory.environments = v,
                Items::WorkerPools(v) => inventory.worker_pools = v,
                Items::Machines(v) => inventory.machines = v,
                Items::Workers(v) => inventory.workers = v,
                Items::Feeds(v) => inventory.feeds = v,
            }
        }
        out.push(inventory);
    }
    Ok(Inventory {
        server: api.server(),
        application: root.application,
        version: root.version,
        thumbprint,
        has_spaces,
        spaces: out,
        notes,
    })
}

/// The collections read from every space, in the order they are kept.
#[derive(Debug, Clone, Copy)]
enum Collection {
    Environments,
    WorkerPools,
    Machines,
    Workers,
    Feeds,
}

impl Collection {
    const ALL: [Collection; 5] = [
        Collection::Environments,
        Collection::WorkerPools,
        Collection::Machines,
        Collection::Workers,
        Collection::Feeds,
    ];
}

/// One collection's items, typed.
enum Items {
    Environments(Vec<Environment>),
    WorkerPools(Vec<WorkerPool>),
    Machines(Vec<Machine>),
    Workers(Vec<Machine>),
    Feeds(Vec<Feed>),
}

/// Reads every page of one collection of one space (a server without
/// spaces has its collections at the API's root).
async fn read_collection(
    api: &ApiClient,
    space: &Space,
    collection: Collection,
) -> Result<(Items, Option<String>), ApiError> {
    let (path, what) = match collection {
        Collection::Environments => ("environments", "environments"),
        Collection::WorkerPools => ("workerpools", "worker pools"),
        Collection::Machines => ("machines", "deployment targets"),
        Collection::Workers => ("workers", "workers"),
        Collection::Feeds => ("feeds", "feeds"),
    };
    let (rest, label) = if space.id.is_empty() {
        (path.to_string(), what.to_string())
    } else {
        (
            format!("{}/{path}", space.id),
            format!("{what} of space {}", space.name),
        )
    };
    macro_rules! read {
        ($variant:ident) => {{
            let c = api.get_all(&rest, &label).await?;
            (Items::$variant(c.items), c.note)
        }};
    }
    Ok(match collection {
        Collection::Environments => read!(Environments),
        Collection::WorkerPools => read!(WorkerPools),
        Collection::Machines => read!(Machines),
        Collection::Workers => read!(Workers),
        Collection::Feeds => read!(Feeds),
    })
}

/// The spaces `--space` names (by name, slug or id, ignoring case), in the
/// server's order; every name must match one.
pub fn select_spaces(all: Vec<Space>, wanted: &[String]) -> Result<Vec<Space>, ApiError> {
    if wanted.is_empty() {
        return Ok(all);
    }
    let matches = |s: &Space, w: &str| {
        s.name.eq_ignore_ascii_case(w)
            || s.id.eq_ignore_ascii_case(w)
            || s.slug.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(w))
    };
    if let Some(missing) = wanted.iter().find(|w| !all.iter().any(|s| matches(s, w))) {
        let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
        return Err(ApiError::setup(format!(
            "--space {missing}: expected one of the server's spaces ({}), found no such space",
            names.join(", ")
        )));
    }
    Ok(all
        .into_iter()
        .filter(|s| wanted.iter().any(|w| matches(s, w)))
        .collect())
}

//! Tests of `plan from-octopus`: the pure arrangement and rendering over the
//! fixtures read straight from disk (`render`), and the gathering against
//! the fake API serving the same fixtures (`gather`). Both follow the
//! fixtures' paging with the fake's own `route_of`.

mod gather;
mod render;

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use lab::octopus_api::route_of;
use probe::octopus_api::Page;
use probe::octopus_inventory::api::{Root, ServerCertificate, Space};
use probe::octopus_inventory::{Inventory, SpaceInventory};

/// `fixtures/octopus-api` of the workspace.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/octopus-api")
}

fn read<T: DeserializeOwned>(route: &str) -> T {
    let path = fixtures().join(format!("{route}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// Every item of a collection, following `Page.Next` through the fixture files.
fn all<T: DeserializeOwned>(route: &str) -> Vec<T> {
    let mut items = Vec::new();
    let mut route = route.to_string();
    for _ in 0..10 {
        let page: Page<T> = read(&route);
        let next = page.next().map(str::to_string);
        items.extend(page.items);
        match next {
            Some(n) => route = route_of(&n).expect("a fixture route"),
            None => return items,
        }
    }
    panic!("fixture paging of {route} does not end");
}

/// The inventory the fixtures describe, read without a server.
pub fn fixture_inventory(server: &str) -> Inventory {
    let root: Root = read("api");
    let certificate: ServerCertificate = read("api/configuration/certificates/certificate-global");
    let spaces: Vec<Space> = all("api/spaces");
    Inventory {
        server: server.to_string(),
        application: root.application,
        version: root.version,
        thumbprint: certificate.thumbprint.parse().unwrap(),
        has_spaces: true,
        spaces: spaces
            .into_iter()
            .map(|space| {
                let at = |what: &str| format!("api/{}/{what}", space.id);
                SpaceInventory {
                    environments: all(&at("environments")),
                    worker_pools: all(&at("workerpools")),
                    machines: all(&at("machines")),
                    workers: all(&at("workers")),
                    feeds: all(&at("feeds")),
                    space,
                }
            })
            .collect(),
        notes: Vec::new(),
    }
}

//! A fake Octopus REST API for `plan from-octopus` and `readiness`: it serves the JSON
//! documents of a fixture directory (`fixtures/octopus-api/`) the way a
//! server pages them, requires `X-Octopus-ApiKey` everywhere but `/api`
//! (401 otherwise, as Octopus answers), and can be told to misbehave on one
//! route (an error status, a malformed page, paging that never ends). It
//! can answer slowly ([`Delay`]), and counts the most requests it held at
//! once ([`FakeOctopus::most_in_flight`]), so tests can see a client's
//! bound on concurrent reads and that answers arriving out of order change
//! nothing.
//!
//! Routes map to files: `GET /api` is `api.json`, `GET /api/Spaces-1/machines`
//! is `api/Spaces-1/machines.json`, and `?skip=2` (any `skip` above 0) is
//! `api/Spaces-1/machines.skip-2.json`, so each file is one recorded page
//! whose `Links["Page.Next"]` names the next. Replacements (fixture text →
//! what a test serves instead) point the recorded addresses and
//! thumbprints at lab servers.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::web::{HttpServer, Request, Response, Seen};

/// How one route misbehaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// This status with an Octopus error body; `{key}` in the message becomes
    /// the API key the client sent (a server that echoes it).
    Status(u16, String),
    /// This fixture file (relative to the fixture directory) instead of the route's.
    Fixture(String),
    /// This body, as it is.
    Body(String),
    /// A page of one item whose `Page.Next` always names one more.
    EndlessPaging,
}

/// How long the fake takes to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delay {
    /// At once.
    #[default]
    None,
    /// Every request after this long.
    Fixed(Duration),
    /// Each route after its own multiple (1 to 5) of this, so requests sent
    /// together are answered in another order than they were sent.
    Scrambled(Duration),
    /// Requests whose path starts with this prefix (`/api/Spaces-1/`) after
    /// this long, the others at once: one part of the server answers last.
    Prefix(&'static str, Duration),
}

impl Delay {
    /// How long to wait before answering `target` (path and query).
    pub fn of(self, target: &str) -> Duration {
        match self {
            Delay::None => Duration::ZERO,
            Delay::Fixed(d) => d,
            Delay::Scrambled(d) => {
                // FNV-1a over the path: stable across runs and platforms.
                let path = target.split('?').next().unwrap_or_default();
                let hash = path.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                });
                d * (1 + (hash % 5) as u32)
            }
            Delay::Prefix(prefix, d) if target.starts_with(prefix) => d,
            Delay::Prefix(..) => Duration::ZERO,
        }
    }
}

/// What the fake serves.
#[derive(Debug, Clone)]
pub struct FakeOctopusOptions {
    /// The fixture directory (`fixtures/octopus-api`).
    pub fixtures: PathBuf,
    /// The API key it accepts.
    pub api_key: String,
    /// Text replaced in every body served: `(in the fixture, served instead)`.
    pub replacements: Vec<(String, String)>,
    /// Routes (`api/Spaces-1/machines.skip-2`) that misbehave.
    pub faults: HashMap<String, Fault>,
    /// How long each answer takes.
    pub delay: Delay,
}

/// A running fake; stops when dropped.
pub struct FakeOctopus {
    pub server: HttpServer,
    /// `https://127.0.0.1:PORT` (or `http://`).
    pub url: String,
}

impl FakeOctopus {
    /// Serves on `bind` (loopback, port 0 for any), over TLS when `tls` is given.
    pub async fn start(
        bind: SocketAddr,
        tls: Option<Arc<rustls::ServerConfig>>,
        options: FakeOctopusOptions,
    ) -> io::Result<FakeOctopus> {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let delay = options.delay;
        let options = Arc::new(options);
        let server = HttpServer::start_delayed(
            bind,
            tls,
            move |req| answer(req, &options),
            move |req| delay.of(&req.path),
        )
        .await?;
        let url = format!("{scheme}://{}", server.addr);
        Ok(FakeOctopus { server, url })
    }

    /// The requests served so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.server.seen()
    }

    /// The most requests it was answering at once.
    pub fn most_in_flight(&self) -> usize {
        self.server.most_in_flight()
    }
}

/// The clean server of `fixtures/octopus-api/clean/` (ready for Cloud, quiet),
/// built in so `preflight demo` can serve it without the source tree:
/// `(file, text)`, written out by [`write_fixtures`].
pub const CLEAN_SERVER: &[(&str, &str)] = &[
    (
        "api.json",
        include_str!("../../fixtures/octopus-api/clean/api.json"),
    ),
    (
        "api/Spaces-1/actiontemplates.json",
        include_str!("../../fixtures/octopus-api/clean/api/Spaces-1/actiontemplates.json"),
    ),
    (
        "api/Spaces-1/deploymentprocesses.json",
        include_str!("../../fixtures/octopus-api/clean/api/Spaces-1/deploymentprocesses.json"),
    ),
    (
        "api/Spaces-1/machines.json",
        include_str!("../../fixtures/octopus-api/clean/api/Spaces-1/machines.json"),
    ),
    (
        "api/Spaces-1/packages.json",
        include_str!("../../fixtures/octopus-api/clean/api/Spaces-1/packages.json"),
    ),
    (
        "api/Spaces-1/projects.json",
        include_str!("../../fixtures/octopus-api/clean/api/Spaces-1/projects.json"),
    ),
    (
        "api/Spaces-1/projecttriggers.json",
        include_str!("../../fixtures/octopus-api/clean/api/Spaces-1/projecttriggers.json"),
    ),
    (
        "api/Spaces-1/runbookProcesses.json",
        include_str!("../../fixtures/octopus-api/clean/api/Spaces-1/runbookProcesses.json"),
    ),
    (
        "api/Spaces-1/runbooks.json",
        include_str!("../../fixtures/octopus-api/clean/api/Spaces-1/runbooks.json"),
    ),
    (
        "api/Spaces-1/subscriptions.json",
        include_str!("../../fixtures/octopus-api/clean/api/Spaces-1/subscriptions.json"),
    ),
    (
        "api/Spaces-1/workerpools.json",
        include_str!("../../fixtures/octopus-api/clean/api/Spaces-1/workerpools.json"),
    ),
    (
        "api/Spaces-1/workers.json",
        include_str!("../../fixtures/octopus-api/clean/api/Spaces-1/workers.json"),
    ),
    (
        "api/authentication.json",
        include_str!("../../fixtures/octopus-api/clean/api/authentication.json"),
    ),
    (
        "api/events.json",
        include_str!("../../fixtures/octopus-api/clean/api/events.json"),
    ),
    (
        "api/featuresconfiguration.json",
        include_str!("../../fixtures/octopus-api/clean/api/featuresconfiguration.json"),
    ),
    (
        "api/maintenanceconfiguration.json",
        include_str!("../../fixtures/octopus-api/clean/api/maintenanceconfiguration.json"),
    ),
    (
        "api/octopusservernodes.json",
        include_str!("../../fixtures/octopus-api/clean/api/octopusservernodes.json"),
    ),
    (
        "api/spaces.json",
        include_str!("../../fixtures/octopus-api/clean/api/spaces.json"),
    ),
    (
        "api/tasks.json",
        include_str!("../../fixtures/octopus-api/clean/api/tasks.json"),
    ),
    (
        "api/teams.json",
        include_str!("../../fixtures/octopus-api/clean/api/teams.json"),
    ),
    (
        "api/users.json",
        include_str!("../../fixtures/octopus-api/clean/api/users.json"),
    ),
];

/// Writes fixture files (`(relative path, text)`) under `dir`, creating folders.
pub fn write_fixtures(dir: &Path, files: &[(&str, &str)]) -> io::Result<()> {
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

const JSON: &str = "application/json; charset=utf-8";

fn error(status: u16, message: &str) -> Response {
    let body = serde_json::json!({ "ErrorMessage": message, "Errors": [message] });
    Response::new(status, JSON, body.to_string())
}

/// The route of a request: its path without `/` at either end, `.skip-N` for a later page.
pub fn route_of(target: &str) -> Option<String> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = path.trim_matches('/');
    let safe = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    if !path.split('/').all(safe) {
        return None;
    }
    let skip = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("skip="))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    Some(if skip > 0 {
        format!("{path}.skip-{skip}")
    } else {
        path.to_string()
    })
}

fn answer(req: &Request, options: &FakeOctopusOptions) -> Response {
    let Some(route) = route_of(&req.path) else {
        return error(404, "The resource you requested was not found.");
    };
    let key = req.header("x-octopus-apikey").unwrap_or_default();
    if route != "api" && key != options.api_key {
        return error(
            401,
            "You must be logged in to perform this action. Please provide a valid API key or log in again.",
        );
    }
    // Endless paging applies to every page of its route.
    let base = route.split(".skip-").next().unwrap_or_default();
    let fault = options.faults.get(&route).or_else(|| {
        options
            .faults
            .get(base)
            .filter(|f| **f == Fault::EndlessPaging)
    });
    let file = match fault {
        Some(Fault::Status(status, message)) => {
            return error(*status, &message.replace("{key}", key));
        }
        Some(Fault::EndlessPaging) => return endless(&req.path),
        Some(Fault::Body(body)) => return Response::new(200, JSON, body.clone()),
        Some(Fault::Fixture(name)) => options.fixtures.join(name),
        None => options.fixtures.join(format!("{route}.json")),
    };
    match std::fs::read_to_string(&file) {
        Ok(mut body) => {
            for (from, to) in &options.replacements {
                body = body.replace(from, to);
            }
            Response::new(200, JSON, body)
        }
        Err(_) => error(404, "The resource you requested was not found."),
    }
}

fn endless(target: &str) -> Response {
    let path = target.split('?').next().unwrap_or_default();
    let skip = route_of(target)
        .and_then(|r| {
            r.rsplit_once(".skip-")
                .and_then(|(_, n)| n.parse::<u64>().ok())
        })
        .unwrap_or(0);
    let body = serde_json::json!({
        "ItemType": "Environment",
        "TotalResults": skip + 2,
        "ItemsPerPage": 1,
        "Items": [{ "Id": format!("Environments-{}", skip + 1), "Name": format!("Endless {}", skip + 1) }],
        "Links": {
            "Self": format!("{path}?skip={skip}&take=1"),
            "Page.Next": format!("{path}?skip={}&take=1", skip + 1)
        }
    });
    Response::new(200, JSON, body.to_string())
}

#[cfg(test)]
mod tests {
    use super::{CLEAN_SERVER, route_of};

    #[test]
    fn the_built_in_clean_server_is_every_file_of_its_fixture_set() {
        fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, root, out);
                } else {
                    out.push(p.strip_prefix(root).unwrap().display().to_string());
                }
            }
        }
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/octopus-api/clean");
        let mut on_disk = Vec::new();
        walk(&root, &root, &mut on_disk);
        on_disk.sort();
        let built_in: Vec<String> = CLEAN_SERVER.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            built_in, on_disk,
            "regenerate CLEAN_SERVER's list after generate.py changes clean/"
        );
    }

    #[test]
    fn a_scrambled_delay_differs_between_routes_and_not_between_pages() {
        use super::Delay;
        use std::time::Duration;
        let d = Delay::Scrambled(Duration::from_millis(10));
        let routes = [
            "/api",
            "/api/users",
            "/api/teams",
            "/api/Spaces-1/projects",
            "/api/Spaces-1/machines",
            "/api/Spaces-2/machines",
        ];
        let delays: std::collections::BTreeSet<Duration> = routes.iter().map(|r| d.of(r)).collect();
        assert!(delays.len() >= 3, "{delays:?}");
        assert!(delays.iter().all(|d| (10..=50).contains(&d.as_millis())));
        assert_eq!(
            d.of("/api/Spaces-1/machines?skip=0"),
            d.of("/api/Spaces-1/machines?skip=2")
        );
        let slow = Delay::Prefix("/api/Spaces-1/", Duration::from_millis(7));
        assert_eq!(slow.of("/api/Spaces-1/machines"), Duration::from_millis(7));
        assert_eq!(slow.of("/api/Spaces-2/machines"), Duration::ZERO);
        assert_eq!(Delay::None.of("/api"), Duration::ZERO);
    }

    #[test]
    fn routes_name_fixture_files_and_refuse_escapes() {
        assert_eq!(route_of("/api").as_deref(), Some("api"));
        assert_eq!(
            route_of("/api/Spaces-1/machines?skip=0&take=100").as_deref(),
            Some("api/Spaces-1/machines")
        );
        assert_eq!(
            route_of("/api/Spaces-1/machines?skip=2&take=2").as_deref(),
            Some("api/Spaces-1/machines.skip-2")
        );
        assert_eq!(route_of("/api/../../etc/passwd"), None);
        assert_eq!(route_of("/api/a%2Fb"), None);
        assert_eq!(route_of("/"), None);
    }
}

//! The inventory arranged as a plan: data centers holding worker pools,
//! Tentacles and other targets, and the feeds, every name a unique slug.
//! A Tentacle registered in several spaces (or as a target and a worker)
//! appears once. Pure: `render` turns this into text.

use std::collections::{BTreeMap, HashMap};

use super::feeds::{FeedEntry, map_feed};
use super::group::{GroupBy, Namer};
use super::{Inventory, SpaceInventory};
use crate::endpoint::Endpoint;
use crate::octopus_api::resources::Machine;
use crate::thumbprint::Thumbprint;

/// One data center's part of the plan.
#[derive(Debug, Default)]
pub struct Datacenter {
    pub pools: Vec<Pool>,
    pub tentacles: Vec<Tentacle>,
    /// Targets that are not Tentacles but have an address (SSH, Kubernetes).
    pub tcp: Vec<Tcp>,
    /// Machines left out, with why.
    pub skipped: Vec<String>,
}

impl Datacenter {
    /// Nothing to check: no pool, no Tentacle, no TCP target.
    pub fn is_empty(&self) -> bool {
        self.pools.is_empty() && self.tentacles.is_empty() && self.tcp.is_empty()
    }
}

/// A static worker pool and its workers' names.
#[derive(Debug)]
pub struct Pool {
    pub name: String,
    pub label: String,
    pub workers: Vec<String>,
}

/// A listening or polling Tentacle.
#[derive(Debug)]
pub struct Tentacle {
    pub name: String,
    /// `Deployment target web01 (space Default, Machines-1): listening Tentacle, ...`.
    pub comment: Vec<String>,
    pub thumbprint: Option<Thumbprint>,
    /// Listening: where the server connects.
    pub listen: Option<Endpoint>,
}

/// A `[[datacenter.tcp]]` entry.
#[derive(Debug)]
pub struct Tcp {
    pub name: String,
    pub comment: String,
    pub target: Endpoint,
    pub purpose: String,
}

/// A `[[feed]]` entry with its name and where it came from.
#[derive(Debug)]
pub struct Feed {
    pub name: String,
    pub comment: Vec<String>,
    pub entry: FeedEntry,
}

/// The whole arrangement.
#[derive(Debug, Default)]
pub struct Layout {
    pub datacenters: BTreeMap<String, Datacenter>,
    pub feeds: Vec<Feed>,
    /// Feeds left out, with why.
    pub skipped_feeds: Vec<String>,
}

/// Arranges the inventory into data centers.
pub fn arrange(inventory: &Inventory, group_by: &GroupBy) -> Layout {
    let mut layout = Layout::default();
    let mut names = Namer::default();
    let mut pool_names = Namer::default();
    // The first registration of a Tentacle URI keeps it; later ones are noted there.
    let mut by_uri: HashMap<String, (String, usize)> = HashMap::new();
    let many = inventory.spaces.len() > 1;
    for space in &inventory.spaces {
        for pool in space.worker_pools.iter().filter(|p| !p.is_dynamic()) {
            let workers: Vec<String> = space
                .workers
                .iter()
                .filter(|w| w.worker_pool_ids.contains(&pool.id))
                .map(|w| w.name.clone())
                .collect();
            if workers.is_empty() {
                continue;
            }
            let dc = group_by.pool_datacenter(&pool.name);
            layout.datacenters.entry(dc).or_default().pools.push(Pool {
                name: pool_names.unique(&pool.name),
                label: labelled(&pool.name, space, many),
                workers,
            });
        }
        let machines = space
            .machines
            .iter()
            .map(|m| (m, "Deployment target", group_by.place_target(m, space)))
            .chain(
                space
                    .workers
                    .iter()
                    .map(|w| (w, "Worker", group_by.place_worker(w, space))),
            );
        for (m, kind, placement) in machines {
            let dc = layout
                .datacenters
                .entry(placement.datacenter.clone())
                .or_default();
            let mut head = format!(
                "{kind} {} ({}{}): {}",
                m.name,
                if many || inventory.has_spaces {
                    format!("space {}, ", space.space.name)
                } else {
                    String::new()
                },
                m.id,
                describe(m)
            );
            head.push_str(&format!(", {}", placement.because));
            if !placement.also.is_empty() {
                head.push_str(&format!(" (also {})", placement.also.join(", ")));
            }
            if m.is_disabled {
                head.push_str("; disabled in Octopus");
            }
            match m.style() {
                "TentaclePassive" | "TentacleActive" => {
                    let Some(uri) = m.uri() else {
                        dc.skipped.push(format!("{head}: no Uri, not checked"));
                        continue;
                    };
                    if let Some((first, index)) = by_uri.get(&uri.to_ascii_lowercase()) {
                        if let Some(t) = layout
                            .datacenters
                            .get_mut(first)
                            .and_then(|d| d.tentacles.get_mut(*index))
                        {
                            t.comment.push(format!("also registered as: {head}"));
                        }
                        continue;
                    }
                    let mut comment = vec![head];
                    let thumbprint = match m.thumbprint().map(str::parse::<Thumbprint>) {
                        Some(Ok(t)) => Some(t),
                        Some(Err(e)) => {
                            comment.push(format!("its Thumbprint is unusable: {e}"));
                            None
                        }
                        None => None,
                    };
                    let listen = if m.style() == "TentaclePassive" {
                        match listening_endpoint(uri) {
                            Ok(e) => Some(e),
                            Err(e) => {
                                dc.skipped.push(format!("{}: {e}", comment[0]));
                                continue;
                            }
                        }
                    } else {
                        None
                    };
                    if let Some(proxy) = m.endpoint.as_ref().and_then(|e| e.proxy_id.as_ref()) {
                        comment.push(format!("the server reaches it through the proxy {proxy}"));
                    }
                    by_uri.insert(
                        uri.to_ascii_lowercase(),
                        (placement.datacenter.clone(), dc.tentacles.len()),
                    );
                    dc.tentacles.push(Tentacle {
                        name: names.unique(&m.name),
                        comment,
                        thumbprint,
                        listen,
                    });
                }
                "Ssh" | "Kubernetes" => match other_endpoint(m) {
                    Ok((target, what)) => dc.tcp.push(Tcp {
                        name: names.unique(&format!("{}-{what}", m.name)),
                        comment: head,
                        purpose: format!("{kind} {}: {}", m.name, purpose(what)),
                        target,
                    }),
                    Err(e) => dc.skipped.push(format!("{head}: {e}")),
                },
                _ => dc
                    .skipped
                    .push(format!("{head}: nothing to reach, not checked")),
            }
        }
    }
    let mut feed_names = Namer::default();
    let mut by_feed: HashMap<(String, String), usize> = HashMap::new();
    for space in &inventory.spaces {
        for feed in &space.feeds {
            let from = labelled(&feed.name, space, many);
            let name = report::model::slug(&feed.name);
            match map_feed(feed, &name) {
                Err(why) => layout
                    .skipped_feeds
                    .push(format!("{from} ({}): {why}", feed.id)),
                Ok(entry) => {
                    let key = (entry.kind.to_string(), entry.url.clone());
                    if let Some(&i) = by_feed.get(&key) {
                        layout.feeds[i]
                            .comment
                            .push(format!("also in Octopus as {from} ({})", feed.id));
                        continue;
                    }
                    let name = feed_names.unique(&feed.name);
                    // Credential variable names follow the unique name.
                    let entry = map_feed(feed, &name).unwrap_or(entry);
                    by_feed.insert(key, layout.feeds.len());
                    let mut comment = vec![format!(
                        "{from} ({}, {}, {})",
                        feed.id, feed.feed_type, entry.kind
                    )];
                    comment.extend(entry.notes.iter().cloned());
                    layout.feeds.push(Feed {
                        name,
                        comment,
                        entry,
                    });
                }
            }
        }
    }
    layout
}

/// `East Workers` or, with several spaces, `East Workers (space Platform)`.
fn labelled(name: &str, space: &SpaceInventory, many: bool) -> String {
    if many {
        format!("{name} (space {})", space.space.name)
    } else {
        name.to_string()
    }
}

fn describe(m: &Machine) -> String {
    match m.style() {
        "TentaclePassive" => format!("listening Tentacle at {}", m.uri().unwrap_or("(no Uri)")),
        "TentacleActive" => match m.uri().and_then(|u| u.strip_prefix("poll://")) {
            Some(sub) => format!(
                "polling Tentacle, subscription {}",
                sub.trim_end_matches('/')
            ),
            None => "polling Tentacle".into(),
        },
        "Ssh" => "SSH target".into(),
        "Kubernetes" => "Kubernetes cluster".into(),
        "" => "no Endpoint".into(),
        other => format!("communication style {other}"),
    }
}

/// `https://web01.example.com:10933/` as `web01.example.com:10933`.
pub fn listening_endpoint(uri: &str) -> Result<Endpoint, String> {
    let url = url::Url::parse(uri).map_err(|e| {
        format!("expected a Uri like https://web01.example.com:10933/, found `{uri}` ({e})")
    })?;
    let host = url
        .host_str()
        .ok_or_else(|| format!("expected a host in the Uri, found `{uri}`"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok(Endpoint::new(host, url.port().unwrap_or(10933)))
}

/// The address an SSH target or a Kubernetes cluster is reached at.
fn other_endpoint(m: &Machine) -> Result<(Endpoint, &'static str), String> {
    let e = m.endpoint.as_ref().ok_or("no Endpoint")?;
    if m.style() == "Ssh" {
        let host = e
            .host
            .as_deref()
            .filter(|h| !h.is_empty())
            .ok_or("no Host")?;
        return Ok((Endpoint::new(host, e.port.unwrap_or(22)), "ssh"));
    }
    let raw = e.cluster_url.as_deref().ok_or("no ClusterUrl")?;
    let url = url::Url::parse(raw).map_err(|err| {
        format!("expected a ClusterUrl like https://k8s.example.com:6443, found `{raw}` ({err})")
    })?;
    let host = url.host_str().ok_or("no host in its ClusterUrl")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((
        Endpoint::new(host, url.port_or_known_default().unwrap_or(443)),
        "kubernetes-api",
    ))
}

fn purpose(what: &str) -> &'static str {
    match what {
        "ssh" => "the server connects in over SSH",
        _ => "the Kubernetes API deployments talk to",
    }
}

//! Which data center a machine belongs to. Octopus has no "data center":
//! DESIGN says one worker pool per data center, so a worker goes to its
//! pool's data center; a deployment target goes by its environment (the
//! default) or by a role with a prefix (`--group-by role:dc-`: role `dc-east`
//! means data center `east`). Names become plan names (slugs, unique).

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use report::model::slug;

use super::SpaceInventory;
use crate::octopus_api::resources::Machine;

/// The data center of machines the rule does not place.
pub const UNASSIGNED: &str = "unassigned";

/// How deployment targets are grouped into data centers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum GroupBy {
    /// A target's (first) environment names its data center.
    #[default]
    Environment,
    /// A target's role starting with this prefix names it, prefix removed.
    Role { prefix: String },
}

impl FromStr for GroupBy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            None if s == "environment" => Ok(GroupBy::Environment),
            Some(("role", prefix)) if !prefix.trim().is_empty() => Ok(GroupBy::Role {
                prefix: prefix.trim().to_string(),
            }),
            _ => Err(format!(
                "expected `environment` or `role:PREFIX` (role `dc-east` with `role:dc-` means data center `east`), found `{s}`"
            )),
        }
    }
}

impl fmt::Display for GroupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupBy::Environment => f.write_str("environment"),
            GroupBy::Role { prefix } => write!(f, "role:{prefix}"),
        }
    }
}

/// Where a machine goes and why, for the comment above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The data center's plan name.
    pub datacenter: String,
    /// What put it there (`environment Production`, `role dc-east`, `worker pool East`).
    pub because: String,
    /// Other candidates it was not put in (a target in two environments).
    pub also: Vec<String>,
}

impl GroupBy {
    /// The data center of a deployment target.
    pub fn place_target(&self, m: &Machine, space: &SpaceInventory) -> Placement {
        let candidates: Vec<(String, String)> = match self {
            GroupBy::Environment => m
                .environment_ids
                .iter()
                .map(|id| {
                    let name = space
                        .environments
                        .iter()
                        .find(|e| &e.id == id)
                        .map_or(id.as_str(), |e| e.name.as_str());
                    (slug(name), format!("environment {name}"))
                })
                .collect(),
            GroupBy::Role { prefix } => {
                let mut roles: Vec<&String> = m
                    .roles
                    .iter()
                    .filter(|r| strip_prefix(r, prefix).is_some())
                    .collect();
                roles.sort();
                roles
                    .into_iter()
                    .filter_map(|r| Some((slug(strip_prefix(r, prefix)?), format!("role {r}"))))
                    .collect()
            }
        };
        placement(candidates)
    }

    /// The data center of a worker: its (first static) worker pool's name,
    /// without the role prefix when `--group-by role:PREFIX` is used and the
    /// pool is named like the roles.
    pub fn place_worker(&self, w: &Machine, space: &SpaceInventory) -> Placement {
        let candidates = w
            .worker_pool_ids
            .iter()
            .filter_map(|id| space.worker_pools.iter().find(|p| &p.id == id))
            .filter(|p| !p.is_dynamic())
            .map(|p| {
                (
                    self.pool_datacenter(&p.name),
                    format!("worker pool {}", p.name),
                )
            })
            .collect();
        placement(candidates)
    }

    /// The data center a worker pool stands for: its name as a slug, without
    /// the role prefix when the slug starts with it (`DC East` with `role:dc-`
    /// is `east`).
    pub fn pool_datacenter(&self, pool: &str) -> String {
        let name = slug(pool);
        if let GroupBy::Role { prefix } = self {
            let mut p = slug(prefix);
            if prefix.ends_with(|c: char| !c.is_ascii_alphanumeric()) {
                p.push('-');
            }
            if let Some(rest) = name.strip_prefix(&p).filter(|r| !r.is_empty()) {
                return slug(rest);
            }
        }
        name
    }
}

/// `text` without `prefix` (ignoring case), when it starts with it and something follows.
fn strip_prefix<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    let rest = &text[prefix.len()..];
    (head.eq_ignore_ascii_case(prefix) && !rest.trim().is_empty()).then_some(rest)
}

fn placement(candidates: Vec<(String, String)>) -> Placement {
    let mut candidates = candidates.into_iter();
    match candidates.next() {
        None => Placement {
            datacenter: UNASSIGNED.into(),
            because: "nothing placed it".into(),
            also: Vec::new(),
        },
        Some((datacenter, because)) => Placement {
            datacenter,
            because,
            also: candidates.map(|(_, b)| b).collect(),
        },
    }
}

/// Hands out plan names: slugs, each used once (`web01`, `web01-2`).
#[derive(Debug, Default)]
pub struct Namer {
    taken: HashSet<String>,
}

impl Namer {
    /// A slug of `wanted` not handed out before.
    pub fn unique(&mut self, wanted: &str) -> String {
        let base = slug(wanted);
        let mut name = base.clone();
        let mut n = 2;
        while !self.taken.insert(name.clone()) {
            name = format!("{base}-{n}");
            n += 1;
        }
        name
    }
}

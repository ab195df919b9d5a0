//! `report merge`: one document across data centers.
//!
//! Rows are checks (the id without its `dc.<name>.` prefix, so the same plan
//! entry lines up across data centers), columns are data centers, a cell is
//! the worst status of that check across the data center's runs. A data
//! center is NO-GO when any of its runs is; the merge is NO-GO when any data
//! center is. Several runs of one data center (one per worker, say) are kept
//! side by side; a second run of the same host replaces its earlier one.
//!
//! The worker-pool rule (at least two workers per pool) is evaluated across
//! the runs of one data center: a listed worker counts when its own run of the
//! pool's checks passed. It is advisory: it never changes a verdict.

mod pools;
pub mod render;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::integrity::Integrity;
use crate::model::{
    Family, Loaded, Migration, Report, RunHeader, Severity, Status, Summary, Tool, slug,
};
use crate::verdict::{self, Verdict};

pub use pools::{MIN_WORKERS, PoolFinding};

/// The `kind` of a merged document.
pub const KIND: &str = "merge";

/// Version of the merged document's format.
pub const MERGE_SCHEMA_VERSION: u32 = 1;

/// Why reports cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge: expected at least one report.json")]
    Empty,
    #[error(
        "the reports come from different plans (a check id means different things in each): {0}; merge reports of one plan, or pass --allow-mixed-plans"
    )]
    MixedPlans(String),
}

/// One merged document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merged {
    pub schema_version: u32,
    /// Always [`KIND`].
    pub kind: String,
    pub tool: Tool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<Migration>,
    /// The distinct plan digests of the runs (one unless `--allow-mixed-plans`).
    pub plan_sha256: Vec<String>,
    /// NO-GO when any data center is.
    pub verdict: Verdict,
    /// Columns, in the order the data centers first appear in the inputs.
    pub datacenters: Vec<DatacenterVerdict>,
    /// Rows: one per check, in the order checks first appear.
    pub matrix: Vec<MatrixRow>,
    /// The at-least-two-workers rule per pool and data center.
    pub worker_pools: Vec<PoolFinding>,
    /// Every input file, including replaced runs.
    pub sources: Vec<Source>,
    /// The runs the matrix is built from, whole (with their own digests).
    pub runs: Vec<Report>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_sha256: Option<String>,
}

/// A data center's column: its verdict and what makes it NO-GO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatacenterVerdict {
    pub name: String,
    pub verdict: Verdict,
    /// The hosts whose runs count, in input order.
    pub hosts: Vec<String>,
    /// Row keys of the blockers that did not pass, on any host.
    pub blockers: Vec<String>,
    /// Counts over every run of the data center.
    pub summary: Summary,
}

/// One check across data centers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixRow {
    /// The check id without `dc.<datacenter>.` (`tcp.new-server-polling`).
    pub check: String,
    pub title: String,
    pub family: Family,
    /// The most severe severity any data center gave the check.
    pub severity: Severity,
    /// By data center name; absent where the data center has no such check.
    pub cells: BTreeMap<String, Cell>,
}

/// One check in one data center.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// The worst status across the data center's runs.
    pub status: Status,
    /// True when this cell makes its data center NO-GO.
    pub blocks: bool,
    /// Each run's status, by host.
    pub runs: Vec<HostStatus>,
}

/// One run's status of a check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostStatus {
    pub host: String,
    pub status: Status,
    pub reason: String,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub file: String,
    /// The run the file holds (its fields sit beside `file` in the JSON).
    #[serde(flatten)]
    pub run: RunHeader,
    /// `verified`, `missing` or `mismatch`: whether the file matched its digest.
    pub integrity: String,
    /// Set when a later run of the same host in the same data center replaced this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
    /// Who signed the file, when the merge checked signatures (`--allowed-signers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
}

/// A check id without its data center prefix, so rows line up across data centers.
pub fn row_key(id: &str, datacenter: &str) -> String {
    let prefix = format!("dc.{}.", slug(datacenter));
    id.strip_prefix(&prefix).unwrap_or(id).to_string()
}

/// Merges reports. `tool` names the merging tool; with `allow_mixed_plans`
/// false, reports of different plans are refused.
pub fn merge(inputs: &[Loaded], tool: Tool, allow_mixed_plans: bool) -> Result<Merged, MergeError> {
    if inputs.is_empty() {
        return Err(MergeError::Empty);
    }
    let mut plans: Vec<(String, Vec<String>)> = Vec::new();
    for l in inputs {
        match plans.iter_mut().find(|(d, _)| *d == l.report.plan_sha256) {
            Some((_, files)) => files.push(l.file.clone()),
            None => plans.push((l.report.plan_sha256.clone(), vec![l.file.clone()])),
        }
    }
    if plans.len() > 1 && !allow_mixed_plans {
        let listing: Vec<String> = plans
            .iter()
            .map(|(digest, files)| {
                // A digest read from a file is untrusted: shorten by characters, not bytes.
                let short: String = if digest.is_empty() {
                    "(no plan)".into()
                } else {
                    digest.chars().take(12).collect()
                };
                format!("{short} in {}", files.join(", "))
            })
            .collect();
        return Err(MergeError::MixedPlans(listing.join("; ")));
    }

    let mut sources: Vec<Source> = inputs.iter().map(source).collect();
    let used = latest_per_host(inputs, &mut sources);
    let runs: Vec<&Report> = used.iter().map(|&i| &inputs[i].report).collect();

    // Indexes by name, so a merge of many large reports stays linear.
    let mut datacenters: Vec<DatacenterVerdict> = Vec::new();
    let mut datacenter_index: HashMap<&str, usize> = HashMap::new();
    let mut blocker_keys: Vec<HashSet<String>> = Vec::new();
    let mut matrix: Vec<MatrixRow> = Vec::new();
    let mut row_index: HashMap<String, usize> = HashMap::new();
    for run in &runs {
        let dc = *datacenter_index
            .entry(run.datacenter.as_str())
            .or_insert_with(|| {
                datacenters.push(DatacenterVerdict {
                    name: run.datacenter.clone(),
                    verdict: Verdict::Go,
                    hosts: Vec::new(),
                    blockers: Vec::new(),
                    summary: Summary::default(),
                });
                blocker_keys.push(HashSet::new());
                datacenters.len() - 1
            });
        let column = &mut datacenters[dc];
        column.hosts.push(run.host.clone());
        if run.recomputed_verdict() == Verdict::NoGo {
            column.verdict = Verdict::NoGo;
        }
        for r in &run.results {
            column.summary.add(r.status);
            let key = row_key(r.id.as_str(), &run.datacenter);
            let row = match row_index.get(&key) {
                Some(&i) => &mut matrix[i],
                None => {
                    row_index.insert(key.clone(), matrix.len());
                    matrix.push(MatrixRow {
                        check: key.clone(),
                        title: r.title.clone(),
                        family: r.family,
                        severity: r.severity,
                        cells: BTreeMap::new(),
                    });
                    matrix.last_mut().expect("just pushed")
                }
            };
            row.severity = row.severity.min(r.severity);
            if !row.cells.contains_key(&run.datacenter) {
                row.cells.insert(
                    run.datacenter.clone(),
                    Cell {
                        status: r.status,
                        blocks: false,
                        runs: Vec::new(),
                    },
                );
            }
            let Some(cell) = row.cells.get_mut(&run.datacenter) else {
                continue;
            };
            if r.status.severity_rank() > cell.status.severity_rank() {
                cell.status = r.status;
            }
            cell.blocks |= verdict::blocks(r);
            cell.runs.push(HostStatus {
                host: run.host.clone(),
                status: r.status,
                reason: r.reason.clone(),
            });
            if verdict::blocks(r) && blocker_keys[dc].insert(key.clone()) {
                column.blockers.push(key);
            }
        }
    }
    let verdict = Verdict::of_parts(datacenters.iter().map(|d| d.verdict));
    Ok(Merged {
        schema_version: MERGE_SCHEMA_VERSION,
        kind: KIND.into(),
        tool,
        migration: runs.iter().find_map(|r| r.migration.clone()),
        plan_sha256: plans.into_iter().map(|(d, _)| d).collect(),
        verdict,
        worker_pools: pools::evaluate(&runs),
        datacenters,
        matrix,
        sources,
        runs: runs.into_iter().cloned().collect(),
        report_sha256: None,
    })
}

fn source(l: &Loaded) -> Source {
    Source {
        file: l.file.clone(),
        run: l.report.header(),
        integrity: match &l.integrity {
            Integrity::Verified { .. } => "verified",
            Integrity::Missing { .. } => "missing",
            Integrity::Mismatch { .. } => "mismatch",
        }
        .into(),
        replaced_by: None,
        signed_by: None,
    }
}

/// Indexes of the inputs that count: per data center and host, the run that
/// started last (the later argument on a tie). Marks the others as replaced.
fn latest_per_host(inputs: &[Loaded], sources: &mut [Source]) -> Vec<usize> {
    let mut latest: Vec<usize> = Vec::new();
    let mut by_host: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, l) in inputs.iter().enumerate() {
        let run = (l.report.datacenter.as_str(), l.report.host.as_str());
        match by_host.get(&run) {
            Some(&k) if inputs[latest[k]].report.started_at <= l.report.started_at => {
                sources[latest[k]].replaced_by = Some(l.file.clone());
                latest[k] = i;
            }
            Some(&k) => sources[i].replaced_by = Some(inputs[latest[k]].file.clone()),
            None => {
                by_host.insert(run, latest.len());
                latest.push(i);
            }
        }
    }
    latest.sort_unstable();
    latest
}

impl Merged {
    /// The integrity digest of the merged document as it is now.
    pub fn digest(&self) -> String {
        crate::integrity::digest_streaming(self, Some("runs"))
    }

    /// Records the current digest in `report_sha256`.
    pub fn seal(&mut self) {
        self.report_sha256 = Some(self.digest());
    }

    /// Writes the merged document as pretty-printed JSON carrying its current digest.
    pub fn write_json(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        crate::integrity::write_sealed(self, Some("runs"), out).map(drop)
    }

    /// The firewall rules of every run, as one deduplicated list (derived
    /// from the runs each time, so a merge.json of any version has them).
    pub fn rules(&self) -> Vec<crate::rules::Rule> {
        crate::rules::merge(&self.runs)
    }

    /// The process exit code: 1 when any data center is NO-GO.
    pub fn exit_code(&self) -> i32 {
        match self.verdict {
            Verdict::Go => crate::exit::GO,
            Verdict::NoGo => crate::exit::NO_GO,
        }
    }
}

#[cfg(test)]
mod tests;

//! What the old instance gained since the copy and the new one lacks:
//! projects (missing, or with a changed process or variables), releases and
//! deployments, built-in feed packages. Matched by space, project slug,
//! release version, package id and version.

use std::collections::{BTreeMap, BTreeSet};

use report::Status;
use serde_json::json;

use super::{names, plural, servers, space_pairs, time, with};
use crate::checks::drift::DriftEvidence;
use crate::contract::Outcome;

pub(super) fn projects(e: &DriftEvidence) -> Outcome {
    let mut missing = Vec::new();
    let mut changed = Vec::new();
    let mut missing_names = Vec::new();
    let mut changed_names = Vec::new();
    for (old, new) in space_pairs(e) {
        for p in &old.projects {
            let label = format!("{}/{}", old.name, p.slug);
            let Some(q) = new.and_then(|n| {
                n.projects
                    .iter()
                    .find(|q| q.slug.eq_ignore_ascii_case(&p.slug))
            }) else {
                missing.push(json!({
                    "space": old.name,
                    "project": p.slug,
                    "name": p.name,
                    "space_on_new": if new.is_some() { "present" } else { "missing" },
                }));
                missing_names.push(label);
                continue;
            };
            let mut what = Vec::new();
            if let (Some(a), Some(b)) = (p.process_version, q.process_version)
                && a != b
            {
                what.push(format!(
                    "deployment process Version {a} on the old, {b} on the new"
                ));
            }
            if let (Some(a), Some(b)) = (p.variables_version, q.variables_version)
                && a != b
            {
                what.push(format!("variables Version {a} on the old, {b} on the new"));
            }
            // The audit log names the process or variable set it changed.
            let owned = [p.process_id.as_deref(), p.variable_set_id.as_deref()];
            let events: Vec<String> = old
                .events
                .iter()
                .filter(|ev| ev.occurred > e.since.0)
                .filter(|ev| ev.related.iter().any(|r| owned.contains(&Some(r.as_str()))))
                .map(|ev| {
                    format!(
                        "{} {} by {}: {}",
                        time(&ev.occurred),
                        ev.category,
                        ev.username,
                        crate::text::one_line(&ev.message, 160)
                    )
                })
                .collect();
            if what.is_empty() && events.is_empty() {
                continue;
            }
            if what.is_empty() {
                what.push(format!(
                    "{} since the copy (audit log)",
                    plural(events.len(), "change", "changes")
                ));
            }
            changed_names.push(format!("{label}: {}", what.join("; ")));
            changed.push(json!({
                "space": old.name,
                "project": p.slug,
                "changed": what,
                "old_process_version": p.process_version,
                "new_process_version": q.process_version,
                "old_variables_version": p.variables_version,
                "new_variables_version": q.variables_version,
                "events": events,
            }));
        }
    }
    let compared: usize = e.old.spaces.iter().map(|s| s.projects.len()).sum();
    let evidence = with(
        servers(e),
        json!({ "projects_compared": compared, "missing": missing, "changed": changed }),
    );
    if missing.is_empty() && changed.is_empty() {
        return Outcome::new(
            Status::Pass,
            format!(
                "all {} of the old instance are on the new one, none changed since {}",
                plural(compared, "project", "projects"),
                e.since
            ),
        )
        .with_evidence(evidence);
    }
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!(
            "{} missing on the new instance ({})",
            plural(missing.len(), "project", "projects"),
            names(&missing_names)
        ));
    }
    if !changed.is_empty() {
        parts.push(format!(
            "{} changed on the old one since {} ({})",
            plural(changed.len(), "project", "projects"),
            e.since,
            names(&changed_names)
        ));
    }
    Outcome::new(Status::Fail, parts.join("; "))
        .with_remediation(
            "export these projects from the old instance again (Export/Import Projects) and import them into the new one, or freeze changes on the old instance until cutover",
        )
        .with_evidence(evidence)
}

/// One project's activity on the old instance since the copy.
#[derive(Default)]
struct ProjectActivity {
    /// Versions of releases the new instance lacks.
    releases: Vec<String>,
    deployments: usize,
    environments: BTreeSet<String>,
    last: Option<crate::since::Instant>,
}

pub(super) fn releases(e: &DriftEvidence) -> Outcome {
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    let mut release_count = 0;
    let mut deployment_count = 0;
    for (old, new) in space_pairs(e) {
        // Per project slug: releases missing on the new instance, deployments since.
        let mut per: BTreeMap<String, ProjectActivity> = BTreeMap::new();
        for r in old.releases.iter().filter(|r| r.assembled > e.since.0) {
            let Some(p) = old.project(&r.project_id) else {
                continue;
            };
            let on_new = new.is_some_and(|n| {
                n.projects
                    .iter()
                    .filter(|q| q.slug.eq_ignore_ascii_case(&p.slug))
                    .any(|q| {
                        n.releases
                            .iter()
                            .any(|nr| nr.project_id == q.id && nr.version == r.version)
                    })
            });
            if on_new {
                continue;
            }
            let entry = per.entry(p.slug.clone()).or_default();
            entry.releases.push(r.version.clone());
            entry.last = entry.last.max(Some(r.assembled));
        }
        for d in old.deployments.iter().filter(|d| d.created > e.since.0) {
            let slug = old
                .project(&d.project_id)
                .map_or_else(|| d.project_id.clone(), |p| p.slug.clone());
            let entry = per.entry(slug).or_default();
            entry.deployments += 1;
            entry.environments.insert(d.environment.clone());
            entry.last = entry.last.max(Some(d.created));
        }
        for (slug, activity) in per {
            let ProjectActivity {
                releases: versions,
                deployments,
                environments,
                last,
            } = activity;
            release_count += versions.len();
            deployment_count += deployments;
            let mut what = Vec::new();
            if !versions.is_empty() {
                what.push(format!("release {}", versions.join(", ")));
            }
            if deployments > 0 {
                what.push(plural(deployments, "deployment", "deployments"));
            }
            labels.push(format!("{}/{slug}: {}", old.name, what.join(", ")));
            rows.push(json!({
                "space": old.name,
                "project": slug,
                "releases": versions,
                "deployments": deployments,
                "environments": environments,
                "last": last.map(|t| time(&t)),
            }));
        }
    }
    let evidence = with(servers(e), json!({ "projects": rows }));
    if rows.is_empty() {
        return Outcome::new(
            Status::Pass,
            format!(
                "no release made and no deployment run on the old instance since {}",
                e.since
            ),
        )
        .with_evidence(evidence);
    }
    Outcome::new(
        Status::Fail,
        format!(
            "since {} the old instance made {} the new one lacks and ran {}: {}",
            e.since,
            plural(release_count, "release", "releases"),
            plural(deployment_count, "deployment", "deployments"),
            names(&labels)
        ),
    )
    .with_remediation(
        "the new instance will not have these: export the projects again before cutover, or deploy only from one instance (put the old one in maintenance mode)",
    )
    .with_evidence(evidence)
}

pub(super) fn packages(e: &DriftEvidence) -> Outcome {
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    let mut versions_missing = 0;
    let mut compared = 0;
    for (old, new) in space_pairs(e) {
        let mut per: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for p in &old.packages {
            compared += 1;
            let on_new = new.is_some_and(|n| {
                n.packages.iter().any(|q| {
                    q.package_id.eq_ignore_ascii_case(&p.package_id) && q.version == p.version
                })
            });
            if !on_new {
                per.entry(&p.package_id).or_default().push(&p.version);
            }
        }
        for (id, versions) in per {
            versions_missing += versions.len();
            labels.push(format!("{}/{id} {}", old.name, versions.join(", ")));
            rows.push(json!({ "space": old.name, "package": id, "versions": versions }));
        }
    }
    let evidence = with(
        servers(e),
        json!({ "versions_compared": compared, "missing": rows }),
    );
    if rows.is_empty() {
        return Outcome::new(
            Status::Pass,
            format!(
                "all {} in the old instance's built-in feed are on the new one",
                plural(compared, "package version", "package versions")
            ),
        )
        .with_evidence(evidence);
    }
    Outcome::new(
        Status::Fail,
        format!(
            "{} in the old instance's built-in feed are not on the new one: {}",
            plural(versions_missing, "package version", "package versions"),
            names(&labels)
        ),
    )
    .with_remediation(
        "push these packages to the new instance's built-in feed (packages are not exported with projects), e.g. with `octopus package upload` or the old feed's package download",
    )
    .with_evidence(evidence)
}

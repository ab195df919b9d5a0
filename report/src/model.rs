//! The result model: one `CheckResult` per check, gathered into a `Report`.
//!
//! `report.json` is this model serialized; its field names are a public
//! format (`schema_version` 1), so renaming a field is a breaking change.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::verdict::Verdict;

/// Version of the `report.json` format.
pub const SCHEMA_VERSION: u32 = 1;

/// Stable identifier of a check, derived from the plan (`dc.east.tcp.new-server-polling`).
///
/// Diff, merge and waivers match on it, so it must not depend on run order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CheckId(String);

impl CheckId {
    /// Builds an id from dot-separated parts, each slugged to `[a-z0-9-]`.
    pub fn from_parts<I, S>(parts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let parts: Vec<String> = parts.into_iter().map(|p| slug(p.as_ref())).collect();
        CheckId(parts.join("."))
    }

    /// Wraps an id that is already in its final form (read from a plan or a report).
    pub fn new(id: impl Into<String>) -> Self {
        CheckId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lower-cases and keeps `[a-z0-9]`, turning every other run of characters into one `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push('x');
    }
    out
}

/// What a check looks at. The report groups and filters on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Tcp,
    Dns,
    Tls,
    Halibut,
    Octopus,
    Feed,
    Worker,
    Local,
}

impl Family {
    /// Every family (a new variant goes here too: the redaction test walks this list).
    pub const ALL: [Family; 8] = [
        Family::Tcp,
        Family::Dns,
        Family::Tls,
        Family::Halibut,
        Family::Octopus,
        Family::Feed,
        Family::Worker,
        Family::Local,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Tcp => "tcp",
            Family::Dns => "dns",
            Family::Tls => "tls",
            Family::Halibut => "halibut",
            Family::Octopus => "octopus",
            Family::Feed => "feed",
            Family::Worker => "worker",
            Family::Local => "local",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a failure of the check matters to the go/no-go decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A failure means the migration cannot go ahead.
    Blocker,
    /// A failure is reported but does not stop the migration.
    Warning,
    /// Shown for information only.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Blocker => "blocker",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The expectation held.
    Pass,
    /// The expectation did not hold.
    Fail,
    /// It held, but with something a person should look at.
    Warn,
    /// The check could not gather its evidence (no data is not a pass).
    Error,
    /// The check was not run (interrupted, or its prerequisite failed).
    Skipped,
    /// It did not pass, and the plan waives it with a reason and a ticket.
    Waived,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Pass,
        Status::Fail,
        Status::Warn,
        Status::Error,
        Status::Skipped,
        Status::Waived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Error => "error",
            Status::Skipped => "skipped",
            Status::Waived => "waived",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A known failure accepted by the plan (`[[waive]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiver {
    pub reason: String,
    pub ticket: String,
    /// The status the check had before the waiver applied.
    pub original_status: Status,
}

/// The result of one check: what was checked, what happened, why, and what to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: CheckId,
    pub family: Family,
    pub title: String,
    /// What was checked, as a person would name it (`polling.example.com:10943`).
    pub target: String,
    pub severity: Severity,
    pub status: Status,
    /// One line: what was found.
    pub reason: String,
    /// What a person should do about a failure: the rule to open, the command to run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// Structured, family-specific evidence (addresses, answers, certificates).
    #[serde(default)]
    pub evidence: serde_json::Value,
    pub elapsed_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Waiver>,
}

/// Which tool wrote the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// The migration the plan describes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migration {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

/// Counts of results by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub error: usize,
    pub skipped: usize,
    pub waived: usize,
}

impl Summary {
    pub fn of(results: &[CheckResult]) -> Self {
        let mut s = Summary {
            total: results.len(),
            ..Summary::default()
        };
        for r in results {
            *s.count_mut(r.status) += 1;
        }
        s
    }

    pub fn count(&self, status: Status) -> usize {
        match status {
            Status::Pass => self.pass,
            Status::Fail => self.fail,
            Status::Warn => self.warn,
            Status::Error => self.error,
            Status::Skipped => self.skipped,
            Status::Waived => self.waived,
        }
    }

    fn count_mut(&mut self, status: Status) -> &mut usize {
        match status {
            Status::Pass => &mut self.pass,
            Status::Fail => &mut self.fail,
            Status::Warn => &mut self.warn,
            Status::Error => &mut self.error,
            Status::Skipped => &mut self.skipped,
            Status::Waived => &mut self.waived,
        }
    }
}

/// One run of preflight from one data center: the document attached to the change ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<Migration>,
    pub host: String,
    pub datacenter: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// RFC 3339, UTC.
    pub finished_at: String,
    /// SHA-256 of the plan file's bytes (empty for ad-hoc checks).
    pub plan_sha256: String,
    pub verdict: Verdict,
    pub summary: Summary,
    pub results: Vec<CheckResult>,
    /// SHA-256 of the canonical document without this field (see [`crate::integrity`]).
    /// Set by [`Report::seal`]; `write_json` always writes the current digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_sha256: Option<String>,
}

impl Report {
    /// Builds a report from results, computing the summary and the verdict.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        tool: Tool,
        migration: Option<Migration>,
        host: String,
        datacenter: String,
        operator: Option<String>,
        started_at: String,
        finished_at: String,
        plan_sha256: String,
        results: Vec<CheckResult>,
    ) -> Self {
        Report {
            schema_version: SCHEMA_VERSION,
            tool,
            migration,
            host,
            datacenter,
            operator,
            started_at,
            finished_at,
            plan_sha256,
            verdict: Verdict::of(&results),
            summary: Summary::of(&results),
            results,
            report_sha256: None,
        }
    }

    /// The integrity digest of the report as it is now (the `report_sha256` field excluded).
    pub fn digest(&self) -> String {
        crate::integrity::digest_of_serializable(self)
    }

    /// Records the current digest in `report_sha256`, so renderers can show it.
    /// Call it last, after redaction: any later change invalidates it.
    pub fn seal(&mut self) {
        self.report_sha256 = Some(self.digest());
    }

    /// Writes the report as pretty-printed JSON carrying its current digest.
    pub fn write_json(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let digest = self.digest();
        if self.report_sha256.as_deref() == Some(digest.as_str()) {
            serde_json::to_writer_pretty(&mut *out, self)?;
        } else {
            let mut sealed = self.clone();
            sealed.report_sha256 = Some(digest);
            serde_json::to_writer_pretty(&mut *out, &sealed)?;
        }
        out.write_all(b"\n")
    }

    /// Reads a report written by `write_json`.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_keeps_ids_stable_and_readable() {
        assert_eq!(slug("New server: polling"), "new-server-polling");
        assert_eq!(
            slug("polling.acme.octopus.app:443"),
            "polling-acme-octopus-app-443"
        );
        assert_eq!(slug("--"), "x");
        let id = CheckId::from_parts(["dc", "East", "tcp", "SQL 1433"]);
        assert_eq!(id.as_str(), "dc.east.tcp.sql-1433");
    }
}

//! One check's result and its parts: the id, family, severity, status and
//! waiver of a check, and the counts of results by status. The floor under
//! the verdict rule and the `Report` (`crate::model` re-exports all of it).

use std::fmt;

use serde::{Deserialize, Serialize};

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
    /// The old server's API: what blocks a move to Cloud or a new instance.
    Readiness,
    /// The old and the new instance compared while they run side by side.
    Drift,
}

impl Family {
    /// Every family (a new variant goes here too: the redaction test walks this list).
    pub const ALL: [Family; 10] = [
        Family::Tcp,
        Family::Dns,
        Family::Tls,
        Family::Halibut,
        Family::Octopus,
        Family::Feed,
        Family::Worker,
        Family::Local,
        Family::Readiness,
        Family::Drift,
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
            Family::Readiness => "readiness",
            Family::Drift => "drift",
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

    /// How bad the status is, for a worst-of: pass < waived < warn < skipped
    /// < error < fail. A failure outranks an error (the check saw the
    /// problem; an error only says it could not look), and anything not run
    /// outranks a warning. Compare by this, not by the derived `Ord`, which
    /// follows the declaration order and means nothing.
    pub fn severity_rank(self) -> u8 {
        match self {
            Status::Pass => 0,
            Status::Waived => 1,
            Status::Warn => 2,
            Status::Skipped => 3,
            Status::Error => 4,
            Status::Fail => 5,
        }
    }

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
    pub evidence: Evidence,
    pub elapsed_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Waiver>,
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

    /// Counts one more result of this status.
    pub fn add(&mut self, status: Status) {
        self.total += 1;
        *self.count_mut(status) += 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_rank_orders_every_status_from_best_to_worst() {
        let mut all = Status::ALL;
        all.sort_by_key(|s| s.severity_rank());
        assert_eq!(
            all,
            [
                Status::Pass,
                Status::Waived,
                Status::Warn,
                Status::Skipped,
                Status::Error,
                Status::Fail
            ]
        );
    }

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

/// A result's evidence: the JSON a family wrote, or a TCP check's evidence
/// kept typed. Both serialize to the same JSON; a report read back from a
/// file holds `Json`.
///
/// `Tcp` exists for size: a port list of 20,000 targets kept 20,000 JSON
/// trees (maps, keys and strings: about 1 KiB each) until the report was
/// written; the typed record is a tenth of that and serializes straight
/// into the report and its digest. [`Evidence::json`] gives the JSON form of
/// either (made once and kept, for code that reads evidence by key);
/// renderers that walk every result use [`Evidence::to_value`], which
/// keeps nothing.
#[derive(Debug, Clone)]
pub enum Evidence {
    Json(serde_json::Value),
    Tcp(
        crate::tcp::TcpEvidence,
        std::sync::OnceLock<serde_json::Value>,
    ),
}

impl Evidence {
    /// Typed TCP evidence.
    pub fn tcp(evidence: crate::tcp::TcpEvidence) -> Self {
        Evidence::Tcp(evidence, std::sync::OnceLock::new())
    }

    /// The JSON form, kept once made.
    pub fn json(&self) -> &serde_json::Value {
        match self {
            Evidence::Json(value) => value,
            Evidence::Tcp(typed, value) => value.get_or_init(|| to_json(typed)),
        }
    }

    /// The JSON form, made for the caller and not kept.
    pub fn to_value(&self) -> std::borrow::Cow<'_, serde_json::Value> {
        match self {
            Evidence::Json(value) => std::borrow::Cow::Borrowed(value),
            Evidence::Tcp(typed, value) => match value.get() {
                Some(value) => std::borrow::Cow::Borrowed(value),
                None => std::borrow::Cow::Owned(to_json(typed)),
            },
        }
    }
}

fn to_json(value: &impl Serialize) -> serde_json::Value {
    // Serializing plain data (strings, numbers, addresses) cannot fail.
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// The JSON form, compact (as `serde_json::Value` shows itself).
impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.to_value(), f)
    }
}

impl Default for Evidence {
    fn default() -> Self {
        Evidence::Json(serde_json::Value::Null)
    }
}

impl From<serde_json::Value> for Evidence {
    fn from(value: serde_json::Value) -> Self {
        Evidence::Json(value)
    }
}

impl PartialEq for Evidence {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Evidence::Tcp(a, _), Evidence::Tcp(b, _)) => a == b,
            _ => self.json() == other.json(),
        }
    }
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Evidence::Json(value) => value.serialize(serializer),
            Evidence::Tcp(typed, _) => typed.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Evidence {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(deserializer).map(Evidence::Json)
    }
}

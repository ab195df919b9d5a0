//! The result model: one `CheckResult` per check, gathered into a `Report`.
//!
//! `report.json` is this model serialized; its field names are a public
//! format (`schema_version` 1), so renaming a field is a breaking change.
//! The per-check types live in `result` (under the verdict rule); the
//! `Report` that carries a verdict lives here, above it.

use serde::{Deserialize, Serialize};

use crate::integrity::Integrity;
pub use crate::result::{
    CheckId, CheckResult, Evidence, Family, Severity, Status, Summary, Waiver, slug,
};
use crate::verdict::Verdict;

/// Version of the `report.json` format.
pub const SCHEMA_VERSION: u32 = 1;

/// The member of a report written into the digest as it is serialized
/// rather than buffered (see [`crate::canonical::Top::stream`]): every
/// member declared before it in [`Report`] that sorts after it is buffered,
/// which is a few header fields.
const STREAMED_FIELD: &str = "results";

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
    /// True when the run was stopped (Ctrl-C) before every check finished:
    /// the unfinished checks are `skipped` and the verdict is NO-GO. Absent
    /// when false, so reports written before the field still load and verify.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    pub summary: Summary,
    pub results: Vec<CheckResult>,
    /// SHA-256 of the canonical document without this field (see [`crate::integrity`]).
    /// Set by [`Report::seal`]; `write_json` always writes the current digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_sha256: Option<String>,
}

/// What names one run where a merge or a diff lists it: where and when it
/// ran, its verdict, and the digests of its plan and of its document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunHeader {
    pub datacenter: String,
    pub host: String,
    pub started_at: String,
    pub verdict: Verdict,
    pub plan_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_sha256: Option<String>,
}

/// A report with where it came from: the file it was read from (or a name
/// for one made in memory) and whether it still matches its digest. What
/// `load` returns and what `merge` takes.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file name as given, for messages.
    pub file: String,
    pub report: Report,
    pub integrity: Integrity,
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
            verdict: Verdict::of(&results, false),
            interrupted: false,
            summary: Summary::of(&results),
            results,
            report_sha256: None,
        }
    }

    /// Marks the run as interrupted (Ctrl-C) and makes its verdict follow.
    /// Call it before [`Report::seal`].
    pub fn mark_interrupted(&mut self) {
        self.interrupted = true;
        self.verdict = Verdict::of(&self.results, true);
    }

    /// The verdict the results (and whether the run was interrupted) make:
    /// what `verdict` must say.
    pub fn recomputed_verdict(&self) -> Verdict {
        Verdict::of(&self.results, self.interrupted)
    }

    /// The header merge and diff name the run by.
    pub fn header(&self) -> RunHeader {
        RunHeader {
            datacenter: self.datacenter.clone(),
            host: self.host.clone(),
            started_at: self.started_at.clone(),
            verdict: self.verdict,
            plan_sha256: self.plan_sha256.clone(),
            report_sha256: self.report_sha256.clone(),
        }
    }

    /// The integrity digest of the report as it is now (the `report_sha256` field excluded).
    /// The results are hashed one by one as they are serialized: no copy of the report.
    pub fn digest(&self) -> String {
        crate::integrity::digest_streaming(self, Some(STREAMED_FIELD))
    }

    /// Records the current digest in `report_sha256`, so renderers can show it.
    /// Call it last, after redaction: any later change invalidates it.
    pub fn seal(&mut self) {
        self.report_sha256 = Some(self.digest());
    }

    /// Writes the report as pretty-printed JSON carrying its current digest,
    /// computed while writing (one pass; `report_sha256` is not trusted).
    pub fn write_json(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        crate::integrity::write_sealed(self, Some(STREAMED_FIELD), out).map(drop)
    }

    /// Reads a report written by `write_json`.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

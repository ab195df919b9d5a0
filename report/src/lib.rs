//! The result model of a preflight run and everything that turns it into a
//! document: the verdict rules, the summary and the renderers.
//!
//! This crate opens no socket and runs no async runtime: it reads results and
//! writes text. Every renderer writes to `&mut impl io::Write`.
#![forbid(unsafe_code)]

pub mod canonical;
pub mod diff;
pub mod document;
pub mod evidence;
pub mod files;
pub mod html;
pub mod integrity;
pub mod junit;
pub mod load;
pub mod markdown;
pub mod merge;
pub mod model;
pub mod redact;
mod result;
pub mod rules;
pub mod signature;
pub mod summary;
pub mod table;
pub mod tcp;
pub mod terminal;
pub mod verdict;

pub use integrity::Integrity;
pub use model::{
    CheckId, CheckResult, Evidence, Family, Migration, Report, SCHEMA_VERSION, Severity, Status,
    Summary, Tool, Waiver,
};
pub use redact::Redactor;
pub use verdict::{FailOn, Verdict, exit_code};

/// Process exit codes, one meaning each (like ripgrep's).
pub mod exit {
    /// Every blocker passed (warnings allowed unless `--fail-on warning`).
    pub const GO: i32 = 0;
    /// At least one blocker failed, errored or was not run.
    pub const NO_GO: i32 = 1;
    /// The input or the tool failed: a bad plan, an unreadable file, an internal error.
    pub const FAILURE: i32 = 2;
    /// The run was interrupted (Ctrl-C): 128 + SIGINT, as a shell reports it.
    pub const INTERRUPTED: i32 = 130;
}

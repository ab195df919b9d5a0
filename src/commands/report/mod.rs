//! `preflight report …`: saved documents, read back as untrusted input.
//! One file per subcommand.

mod diff;
pub(crate) mod merge;
mod render;
mod verify;

use anyhow::Result;

use crate::cli::ReportCommand;

pub fn report(cmd: ReportCommand) -> Result<i32> {
    match cmd {
        ReportCommand::Verify { files } => verify::verify(&files),
        ReportCommand::Render(args) => render::render(args),
        ReportCommand::Merge(args) => merge::merge(args),
        ReportCommand::Diff(args) => diff::diff(args),
    }
}

/// Reads a report.json and warns on standard error when it does not match its
/// digest; the result is redacted again (reports written by preflight already
/// are; this covers files written or edited elsewhere).
pub fn load(path: &std::path::Path) -> Result<report::load::Loaded> {
    let mut loaded = report::load::read_report(path)?;
    warn_unverified(&loaded.file, &loaded.integrity);
    report::Redactor::new().report(&mut loaded.report);
    Ok(loaded)
}

/// Says on standard error when a document no longer matches its digest.
pub fn warn_unverified(file: &str, integrity: &report::Integrity) {
    if !integrity.is_verified() {
        let line = format!("warning: {file}: {integrity}");
        eprintln!("{}", report::terminal::clean(&line));
    }
}

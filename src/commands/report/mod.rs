//! `preflight report …`: saved documents, read back as untrusted input.
//! One file per subcommand.

mod diff;
pub(crate) mod merge;
mod render;
mod sign;
mod verify;

use anyhow::Result;

use crate::cli::ReportCommand;

pub fn report(cmd: ReportCommand) -> Result<i32> {
    match cmd {
        ReportCommand::Verify(args) => verify::verify(args),
        ReportCommand::Sign(args) => sign::sign(args),
        ReportCommand::Render(args) => render::render(args),
        ReportCommand::Merge(args) => merge::merge(args),
        ReportCommand::Diff(args) => diff::diff(args),
    }
}

/// Reads a report.json and warns on standard error when it does not match its
/// digest; the result is redacted again (reports written by preflight already
/// are; this covers files written or edited elsewhere).
pub fn load(path: &std::path::Path) -> Result<report::load::Loaded> {
    load_with_text(path).map(|(loaded, _)| loaded)
}

/// [`load`], with the file's text as read (what its signature covers).
pub fn load_with_text(path: &std::path::Path) -> Result<(report::load::Loaded, String)> {
    let text = report::load::read_text(path)?;
    let mut loaded = report::load::parse_report(&text, &path.display().to_string())?;
    warn_unverified(&loaded.file, &loaded.integrity);
    report::Redactor::new().report(&mut loaded.report);
    Ok((loaded, text))
}

/// Says on standard error when a document no longer matches its digest.
pub fn warn_unverified(file: &str, integrity: &report::Integrity) {
    if !integrity.is_verified() {
        let line = format!("warning: {file}: {integrity}");
        eprintln!("{}", report::terminal::clean(&line));
    }
}

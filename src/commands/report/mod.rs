//! `preflight report …`: saved documents, read back as untrusted input.
//! One file per subcommand.

mod render;
mod verify;

use anyhow::Result;

use crate::cli::ReportCommand;

pub fn report(cmd: ReportCommand) -> Result<i32> {
    match cmd {
        ReportCommand::Verify { files } => verify::verify(&files),
        ReportCommand::Render(args) => render::render(args),
    }
}

/// Reads a report.json and warns on standard error when it does not match its
/// digest; the result is redacted again (reports written by preflight already
/// are; this covers files written or edited elsewhere).
pub fn load(path: &std::path::Path) -> Result<report::load::Loaded> {
    let mut loaded = report::load::read_report(path)?;
    if !loaded.integrity.is_verified() {
        eprintln!("warning: {}: {}", loaded.file, loaded.integrity);
    }
    report::Redactor::new().report(&mut loaded.report);
    Ok(loaded)
}

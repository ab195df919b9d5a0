//! Shared tail of every command that runs checks: run them with a progress
//! bar and Ctrl-C handling, build the report, print it, write the files.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use probe::net::resolve::ResolverSpec;
use probe::plan::PlanWaiver;
use probe::{Context, PlannedCheck};
use report::{Migration, Report, Tool};

use crate::cli::{Format, OutputArgs, SortArg};

/// `print!` for commands: the write (and a flush) returns its error instead of
/// panicking when standard output is closed (`preflight … | head -0`); the
/// binary turns a broken pipe into one line and exit 2 (see `main`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        write!(stdout, $($arg)*).and_then(|()| stdout.flush())
    }};
}

/// `println!` for commands, like [`out!`].
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, $($arg)*).and_then(|()| stdout.flush())
    }};
}

pub(crate) use {out, outln};

/// True when `err` comes from writing to a closed pipe (EPIPE).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| {
                cause
                    .downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            })
            == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// The data center name of ad-hoc `check` runs.
pub const ADHOC: &str = "adhoc";

/// Everything a run needs besides the checks themselves.
pub struct RunSettings {
    pub datacenter: String,
    pub migration: Option<Migration>,
    pub plan_sha256: String,
    pub waivers: Vec<PlanWaiver>,
    pub timeout: Duration,
    pub concurrency: usize,
    /// Extra trusted CA certificates for HTTPS checks (`--ca-file`).
    pub ca_file: Option<std::path::PathBuf>,
    /// Values of the plan's secret environment variables: redacted from every output.
    pub secrets: Vec<String>,
}

impl RunSettings {
    /// Settings of an ad-hoc `check` run: no plan, no waivers, no secrets, no
    /// CA file, the default concurrency. Callers override what their family needs.
    pub fn adhoc(timeout: Duration) -> Self {
        RunSettings {
            datacenter: ADHOC.into(),
            migration: None,
            plan_sha256: String::new(),
            waivers: Vec::new(),
            timeout,
            concurrency: probe::runner::DEFAULT_CONCURRENCY,
            ca_file: None,
            secrets: Vec::new(),
        }
    }
}

/// The values of the named environment variables that are set (and not empty).
pub fn secret_values(names: &[String]) -> Vec<String> {
    names
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .filter(|v| !v.is_empty())
        .collect()
}

/// A finished run: the report and how long it took.
pub struct Finished {
    /// Redacted; sealed when it came from [`seal_report`], otherwise not yet
    /// ([`emit`] seals it when it writes a document that shows the digest).
    pub report: Report,
    pub elapsed: Duration,
}

/// Runs the checks on a new runtime, with a progress bar on a terminal and
/// Ctrl-C stopping new work (unfinished checks become `skipped`). Names are
/// resolved with the system configuration.
pub fn run_checks(checks: &[PlannedCheck], settings: &RunSettings) -> Result<Finished> {
    run_checks_with_resolvers(checks, settings, &[])
}

/// [`run_checks`] with these resolvers, in order (empty: the system configuration).
pub fn run_checks_with_resolvers(
    checks: &[PlannedCheck],
    settings: &RunSettings,
    resolvers: &[ResolverSpec],
) -> Result<Finished> {
    // One thread: the runner polls every check from this task anyway, and
    // I/O readiness then wakes it without a hop between threads.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run_checks_async_with_resolvers(checks, settings, resolvers))
}

/// The async body of [`run_checks_with_resolvers`], for callers that already run a runtime (the demo).
pub async fn run_checks_async_with_resolvers(
    checks: &[PlannedCheck],
    settings: &RunSettings,
    resolvers: &[ResolverSpec],
) -> Result<Finished> {
    let started_at = SystemTime::now();
    let start = Instant::now();
    let origin = if settings.datacenter == ADHOC {
        "this machine".to_string()
    } else {
        format!("data center {}", settings.datacenter)
    };
    let ctx = Context::new(settings.timeout, origin)
        .with_resolvers(resolvers)
        .with_ca_file(settings.ca_file.clone());
    let progress = progress_bar(checks.len() as u64);
    // Set only when Ctrl-C stopped the run: a run that finished first is not interrupted.
    let interrupted = std::sync::atomic::AtomicBool::new(false);
    let cancel = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        interrupted.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    // Every check starts at once unless the open-file limit says otherwise.
    let (concurrency, note) = probe::net::descriptors::Descriptors::raise()
        .concurrency(settings.concurrency, checks.len());
    if let Some(note) = note {
        progress.suspend(|| eprintln!("note: {note}"));
    }
    let shown = !progress.is_hidden();
    let mut results = probe::runner::run(checks, &ctx, concurrency, cancel, |r| {
        if shown {
            progress.set_message(r.id.to_string());
            progress.inc(1);
        }
    })
    .await;
    progress.finish_and_clear();
    probe::runner::apply_waivers(&mut results, &settings.waivers);
    Ok(Finished {
        // Sealed by whoever writes it (`emit`, the demo): the digest is a
        // whole pass over the report, and JSON on standard output computes
        // it while writing anyway.
        report: build_report(
            results,
            settings,
            started_at,
            interrupted.load(std::sync::atomic::Ordering::SeqCst),
        ),
        elapsed: start.elapsed(),
    })
}

/// The report of finished results: header facts, credentials redacted
/// (the settings' secrets too), sealed with its digest. Every command that
/// produces a report.json ends here (or in [`build_report`]).
pub fn seal_report(
    results: Vec<report::CheckResult>,
    settings: &RunSettings,
    started_at: SystemTime,
    interrupted: bool,
) -> Report {
    let mut report = build_report(results, settings, started_at, interrupted);
    report.seal();
    report
}

/// [`seal_report`] without the seal, for a caller that seals it when (and
/// only if) a document needs the digest.
pub fn build_report(
    results: Vec<report::CheckResult>,
    settings: &RunSettings,
    started_at: SystemTime,
    interrupted: bool,
) -> Report {
    let mut report = Report::new(
        Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        settings.migration.clone(),
        gethostname::gethostname().to_string_lossy().into_owned(),
        settings.datacenter.clone(),
        operator(),
        rfc3339(started_at),
        rfc3339(SystemTime::now()),
        settings.plan_sha256.clone(),
        results,
    );
    if interrupted {
        report.mark_interrupted();
    }
    // Nothing below sees a credential: table, JSON and every file come from this.
    report::Redactor::new()
        .with_secrets(settings.secrets.iter().cloned())
        .report(&mut report);
    report
}

fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed}] {bar:30} {pos}/{len} {wide_msg}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn operator() -> Option<String> {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|s| !s.is_empty())
}

/// RFC 3339 in UTC, to the second.
pub fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Prints the finished run in the chosen format, writes `--out` files, and
/// returns the exit code (130 when the run was interrupted).
pub fn emit(mut finished: Finished, output: &OutputArgs) -> Result<i32> {
    // report.json seals itself as it is written (`write_json` hashes what it
    // writes); every other document shows the digest, so it is computed
    // first — once, and not at all when JSON on standard output is all.
    if output.out.is_some() || !matches!(output.format, Format::Json) {
        finished.report.seal();
    }
    let code = emit_sealed(&finished, output);
    // Not freed: the process exits next, and giving a large run's results
    // back to the allocator one by one costs more than the exit does.
    std::mem::forget(finished);
    code
}

fn emit_sealed(finished: &Finished, output: &OutputArgs) -> Result<i32> {
    let report = &finished.report;
    // The files first: a reader that closes standard output early (`| head`)
    // must not cost the documents.
    if let Some(dir) = &output.out {
        write_report_files(dir, report, FileMode::from_private(output.private))?;
        eprintln!(
            "report written to {} (report.json, report.md, report.html, report.junit.xml, rules.csv)",
            dir.display()
        );
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match output.format {
        Format::Json => report.write_json(&mut out)?,
        Format::Md => report::markdown::write_markdown(&mut out, report)?,
        Format::MdSummary => {
            report::summary::write_summary(&mut out, report, report::summary::Markup::Markdown)?
        }
        Format::Jira => {
            report::summary::write_summary(&mut out, report, report::summary::Markup::Jira)?
        }
        Format::Html => report::html::write_html(&mut out, report)?,
        Format::Junit => report::junit::write_junit(&mut out, report)?,
        Format::Table => {
            print_table(&mut out, report, output.sort)?;
            let summary = format!(
                "{}: {}",
                report.datacenter,
                report::verdict::summary_line(
                    &report.results,
                    report.interrupted,
                    finished.elapsed
                )
            );
            writeln!(out, "\n{}", fitted(&report::terminal::clean(&summary)))?;
        }
    }
    out.flush()?;
    if report.interrupted {
        eprintln!("interrupted: the checks that had not finished are reported as not run");
    }
    Ok(report::exit_code(
        &report.results,
        report.interrupted,
        output.fail_on.into(),
    ))
}

/// The width terminal text is laid out to: `COLUMNS` when set, else the
/// terminal's width, else (piped, redirected) 120.
pub fn text_width() -> u16 {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|&c| c > 0)
    {
        return columns;
    }
    if std::io::stdout().is_terminal()
        && let Some((_, columns)) = console::Term::stdout().size_checked()
    {
        return columns;
    }
    report::table::DEFAULT_WIDTH
}

/// A line of prose wrapped to [`text_width`], continuation lines indented.
pub fn fitted(line: &str) -> String {
    report::table::wrap(line, text_width(), "", "  ")
}

/// The results table, fitted to [`text_width`], with colour only on a
/// terminal and never with `NO_COLOR`.
pub fn print_table(out: &mut impl Write, report: &Report, sort: SortArg) -> Result<()> {
    let tty = std::io::stdout().is_terminal();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let style = report::table::TableStyle {
        color: tty && !no_color,
        width: text_width(),
        sort: sort.into(),
    };
    let width = style.width;
    report::table::write_table(out, report, style)?;
    report::rules::write_text(out, &report::rules::of(report), width)?;
    Ok(())
}

/// Checks an `--out` directory before any work: it is created if missing,
/// must be a directory, and must take a new file (one is created and
/// removed). Called before the first check runs, so a wrong `--out` fails in
/// a moment instead of after the run.
pub fn prepare_out_dir(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!(
            "--out {}: not a directory (it is a file): give a directory for the documents",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("--out {}: cannot create the directory", dir.display()))?;
    tempfile::Builder::new()
        .prefix(".preflight-write-test.")
        .tempfile_in(dir)
        .with_context(|| format!("--out {}: cannot write into the directory", dir.display()))?;
    Ok(())
}

/// Who may read the files `--out` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    /// The usual mode: 0666 minus the umask (a colleague, or the web server
    /// that publishes reports, can read them).
    Shared,
    /// 0600: the owner only (`--private`).
    Private,
}

impl FileMode {
    pub fn from_private(private: bool) -> Self {
        if private {
            FileMode::Private
        } else {
            FileMode::Shared
        }
    }

    #[cfg(unix)]
    fn permissions(self) -> std::fs::Permissions {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(match self {
            FileMode::Shared => 0o666,
            FileMode::Private => 0o600,
        })
    }
}

/// Writes the report in every format into `dir` (created if missing).
/// Everything is rendered, then written to temporary files, then renamed into
/// place (`report.json` last): a full disk or any write error leaves the
/// previous set of documents as it was.
pub fn write_report_files(dir: &Path, report: &Report, mode: FileMode) -> Result<()> {
    write_atomic_with(dir, &report::files::REPORT_FILES, mode, |name, out| {
        report::files::write_document(report, name, out)
    })
}

/// Writes a file so that a reader sees either the old content or the whole
/// new one: a temporary file in the same directory, synced, then renamed.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8], mode: FileMode) -> Result<()> {
    write_atomic_set(dir, &[(name, bytes)], mode)
}

/// Writes several files into `dir`: every one to a synced temporary file
/// first, and only when all are written, each renamed over its target. On an
/// error the temporary files are removed and no target is touched. The
/// temporary file is created with the final mode (umask applied), so the
/// rename changes nothing but the name.
pub fn write_atomic_set(dir: &Path, files: &[(&str, &[u8])], mode: FileMode) -> Result<()> {
    let names: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
    write_atomic_with(dir, &names, mode, |name, out| {
        let bytes = files
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&[][..], |(_, b)| *b);
        out.write_all(bytes)
    })
}

/// [`write_atomic_set`] with each file's content streamed by `render` into
/// its temporary file (buffered) instead of held in memory.
pub fn write_atomic_with(
    dir: &Path,
    names: &[&str],
    mode: FileMode,
    mut render: impl FnMut(&str, &mut std::io::BufWriter<&mut std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    let mut staged = Vec::with_capacity(names.len());
    for name in names {
        let target = dir.join(name);
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix);
        #[cfg(unix)]
        builder.permissions(mode.permissions());
        #[cfg(not(unix))]
        let _ = mode;
        let mut tmp = builder
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, tmp.as_file_mut());
        render(name, &mut out)
            .and_then(|()| out.flush())
            .with_context(|| format!("cannot write {}", target.display()))?;
        drop(out);
        tmp.as_file()
            .sync_all()
            .with_context(|| format!("cannot write {}", target.display()))?;
        staged.push((tmp, target));
    }
    for (tmp, target) in staged {
        tmp.persist(&target)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    Ok(())
}

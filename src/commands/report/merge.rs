//! `preflight report merge FILE... [--out DIR]`.

use std::io::Write;
use std::time::SystemTime;

use anyhow::{Result, bail};
use report::merge::{self, Merged, render};
use report::signature::{self, AllowedSigners, SignatureCheck};
use report::summary::{self, Markup};

use crate::cli::{Format, MergeArgs};
use crate::output;

/// Merges, prints, writes; exit 1 when any data center is NO-GO. Inputs
/// that do not match their digest (or signature) are refused unless
/// `--allow-modified`; with `--allowed-signers`, inputs without a good
/// signature by one of them are refused unless `--allow-unsigned`.
pub fn merge(args: MergeArgs) -> Result<i32> {
    if let Some(dir) = &args.out {
        output::prepare_out_dir(dir)?;
    }
    let signers = args
        .allowed_signers
        .as_deref()
        .map(AllowedSigners::read)
        .transpose()?;
    let mut inputs = Vec::with_capacity(args.files.len());
    let mut signed_by = Vec::with_capacity(args.files.len());
    let mut refused = Vec::new();
    for path in &args.files {
        let (loaded, text) = super::load_with_text(path)?;
        if !loaded.integrity.is_verified() && !args.allow_modified {
            refused.push(format!(
                "{}: {} (--allow-modified merges it anyway)",
                loaded.file,
                match loaded.integrity {
                    report::Integrity::Missing { .. } =>
                        "carries no digest, so an edit cannot be ruled out",
                    _ => "MODIFIED: its contents no longer match its digest",
                }
            ));
        }
        let mut signer = None;
        if let Some(signers) = &signers {
            let check = signature::check_file(path, text.as_bytes(), signers, SystemTime::now())?;
            match &check {
                SignatureCheck::Good { signer: who, .. } => signer = Some(who.clone()),
                SignatureCheck::Bad { .. } if !args.allow_modified => refused.push(format!(
                    "{}: {check} (--allow-modified merges it anyway)",
                    loaded.file
                )),
                SignatureCheck::Missing | SignatureCheck::UnknownKey { .. }
                    if !args.allow_unsigned =>
                {
                    refused.push(format!(
                        "{}: {check} (--allow-unsigned merges it anyway)",
                        loaded.file
                    ))
                }
                _ => {}
            }
        }
        inputs.push(loaded);
        signed_by.push(signer);
    }
    if !refused.is_empty() {
        bail!("refusing to merge: {}", refused.join("; "));
    }
    let tool = report::Tool {
        name: env!("CARGO_PKG_NAME").into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let mut merged = merge::merge(&inputs, tool, args.allow_mixed_plans)?;
    // Sources are in input order: each records who signed it.
    for (source, signer) in merged.sources.iter_mut().zip(signed_by) {
        source.signed_by = signer;
    }
    merged.seal();
    // The files first: a closed standard output must not cost them.
    if let Some(dir) = &args.out {
        write_files(dir, &merged, output::FileMode::from_private(args.private))?;
        eprintln!(
            "merged documents written to {} (merge.json, merge.md, merge.html, merge.junit.xml, rules.csv)",
            dir.display()
        );
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Table => render::write_table(&mut out, &merged, output::text_width())?,
        Format::Json => merged.write_json(&mut out)?,
        Format::Md => render::write_markdown(&mut out, &merged)?,
        Format::MdSummary => summary::write_merge_summary(&mut out, &merged, Markup::Markdown)?,
        Format::Jira => summary::write_merge_summary(&mut out, &merged, Markup::Jira)?,
        Format::Html => render::write_html(&mut out, &merged)?,
        Format::Junit => render::write_junit(&mut out, &merged)?,
    }
    out.flush()?;
    Ok(merged.exit_code())
}

/// Writes the merged document in every format, atomically as a set, each
/// streamed into its file.
pub fn write_files(dir: &std::path::Path, merged: &Merged, mode: output::FileMode) -> Result<()> {
    output::write_atomic_with(dir, &report::files::MERGE_FILES, mode, |name, out| {
        report::files::write_merge_document(merged, name, out)
    })
}

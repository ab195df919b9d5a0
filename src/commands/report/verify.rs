//! `preflight report verify FILE... [--allowed-signers F]`: does each
//! document still match its digest, and who signed it?

use std::time::SystemTime;

use report::integrity;
use report::load;
use report::signature::{self, AllowedSigners};
use report::terminal::clean;

use crate::cli::VerifyArgs;
use crate::output::outln;

/// Exit 0 when every file verifies (and, with --allowed-signers, carries a
/// good signature by one of them), 1 when one was modified, carries no
/// digest or no good signature, 2 when one cannot be read or is not JSON.
pub fn verify(args: VerifyArgs) -> anyhow::Result<i32> {
    let signers = args
        .allowed_signers
        .as_deref()
        .map(AllowedSigners::read)
        .transpose()?;
    let mut code = report::exit::GO;
    let mut fail = |c: i32| {
        if c == report::exit::FAILURE || code == report::exit::GO {
            code = c;
        }
    };
    for path in &args.files {
        let name = path.display().to_string();
        let text = match load::read_text(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {}", clean(&e.to_string()));
                fail(report::exit::FAILURE);
                continue;
            }
        };
        let value = match load::parse_value(&text, &name) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("error: {}", clean(&e.to_string()));
                fail(report::exit::FAILURE);
                continue;
            }
        };
        let result = integrity::check(&value);
        outln!("{}", clean(&format!("{name}: {result}")))?;
        if !result.is_verified() {
            fail(report::exit::NO_GO);
        }
        match &signers {
            Some(signers) => {
                match signature::check_file(path, text.as_bytes(), signers, SystemTime::now()) {
                    Ok(check) => {
                        outln!("{}", clean(&format!("{name}: {check}")))?;
                        if !check.is_good() {
                            fail(report::exit::NO_GO);
                        }
                    }
                    Err(e) => {
                        eprintln!("error: {}", clean(&e.to_string()));
                        fail(report::exit::FAILURE);
                    }
                }
            }
            None if signature::sig_path(path).exists() => eprintln!(
                "note: {}: the signature was not checked: pass --allowed-signers FILE to check it and name the signer",
                clean(&signature::sig_path(path).display().to_string())
            ),
            None => {}
        }
    }
    Ok(code)
}

//! `preflight report verify FILE...`: does each document still match its digest?

use std::path::PathBuf;

use report::integrity;
use report::load;
use report::terminal::clean;

use crate::output::outln;

/// Exit 0 when every file verifies, 1 when one was modified or carries no
/// digest, 2 when one cannot be read or is not JSON.
pub fn verify(files: &[PathBuf]) -> anyhow::Result<i32> {
    let mut code = report::exit::GO;
    for path in files {
        let name = path.display().to_string();
        let value = match load::read_text(path).and_then(|text| load::parse_value(&text, &name)) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("error: {}", clean(&e.to_string()));
                code = report::exit::FAILURE;
                continue;
            }
        };
        let result = integrity::check(&value);
        outln!("{}", clean(&format!("{name}: {result}")))?;
        if !result.is_verified() && code == report::exit::GO {
            code = report::exit::NO_GO;
        }
    }
    Ok(code)
}

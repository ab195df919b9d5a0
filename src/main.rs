//! `preflight`: prove, from one data center, that every connection an Octopus
//! Deploy migration needs works, and say GO or NO-GO.
//!
//! The binary is thin: it parses arguments, hands plain configuration to the
//! `probe` and `report` crates, and maps the outcome to an exit code.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod output;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let code = match commands::dispatch(cli) {
        Ok(code) => code,
        Err(err) if output::is_broken_pipe(&err) => {
            eprintln!("error: standard output was closed before everything was written");
            report::exit::FAILURE
        }
        Err(err) => {
            // An error may quote a file or a server: no escape sequence reaches the terminal.
            eprintln!("error: {}", report::terminal::clean(&format!("{err:#}")));
            report::exit::FAILURE
        }
    };
    std::process::exit(code);
}

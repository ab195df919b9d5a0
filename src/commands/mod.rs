//! One module per command; each returns the process exit code.

mod check;
mod demo;
mod discover;
mod drift;
mod from_octopus;
mod listen;
mod plan;
mod readiness;
mod report;
mod run;

use anyhow::Result;

use crate::cli::{Cli, Command};

pub fn dispatch(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Plan(cmd) => plan::plan(cmd),
        Command::Check(cmd) => check::check(cmd),
        Command::Demo(args) => demo::demo(args),
        Command::Discover(args) => discover::discover(args),
        Command::Report(cmd) => report::report(cmd),
        Command::Listen(args) => listen::listen(args),
        Command::Readiness(args) => readiness::readiness(args),
        Command::Drift(args) => drift::drift(args),
    }
}

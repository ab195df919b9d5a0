//! `preflight check …`: one ad-hoc check family from the command line, one
//! file per family. Each builds `PlannedCheck`s and hands them to the same
//! runner and output as `run`, so tables, JSON and exit codes are identical.

mod dns;
mod feed;
mod octopus;
mod tcp;
mod tls;

use anyhow::Result;

use crate::cli::CheckCommand;

pub fn check(cmd: CheckCommand) -> Result<i32> {
    match cmd {
        CheckCommand::Tcp(args) => tcp::tcp(args),
        CheckCommand::Dns(args) => dns::dns(args),
        CheckCommand::Tls(args) => tls::tls(args),
        CheckCommand::Feed(args) => feed::feed(args),
        CheckCommand::Octopus(args) => octopus::octopus(args),
    }
}

//! End-to-end tests: the real `preflight` binary against loopback servers and
//! the firewall lab (a network namespace this test run creates). Nothing here
//! sends traffic anywhere but 127.0.0.0/8 and ::1.

mod cli;
mod closed_stdout;
mod demo;
mod dns;
mod feeds;
mod feeds_e2e;
mod firewall;
mod fleet;
mod from_octopus;
mod hostile;
mod hostile_reports;
mod listen;
mod octopus;
mod output;
mod report;
mod signed_reports;
mod support;
mod tentacle;
mod tls;

//! End-to-end tests: the real `preflight` binary against loopback servers and
//! the firewall lab (a network namespace this test run creates). Nothing here
//! sends traffic anywhere but 127.0.0.0/8 and ::1.

mod cli;
mod closed_stdout;
mod demo;
mod descriptors;
mod dns;
mod docs;
mod drift;
mod feeds;
mod feeds_e2e;
mod firewall;
mod fleet;
mod from_octopus;
mod hostile;
mod hostile_reports;
mod html_layout;
mod listen;
mod octopus;
mod output;
mod readiness;
mod report;
mod signed_reports;
mod support;
mod tentacle;
mod tls;

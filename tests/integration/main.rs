//! End-to-end tests: the real `preflight` binary against loopback servers and
//! the firewall lab (a network namespace this test run creates). Nothing here
//! sends traffic anywhere but 127.0.0.0/8 and ::1.

mod cli;
mod demo;
mod descriptors;
mod dns;
mod feeds;
mod feeds_e2e;
mod firewall;
mod fleet;
mod from_octopus;
mod hostile;
mod listen;
mod octopus;
mod output;
mod report;
mod support;
mod tentacle;
mod tls;

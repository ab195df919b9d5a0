//! The loopback lab: small servers on 127.0.0.1 that stand in for the
//! endpoints a migration needs. `preflight demo`, the tests (probe's in
//! `probe/tests/lab/`, the binary's in `tests/integration/`) and the
//! benchmark (`examples/bench_lab.rs`) run against them. Everything here
//! binds to loopback only and stops when dropped.
//!
//! The lab is not the product: it depends on `probe` (thumbprints, the feed
//! body cap), and `probe` never depends on it.
#![forbid(unsafe_code)]

pub mod certs;
pub mod dns;
pub mod drift;
pub mod feeds;
pub mod http;
pub mod misbehaving;
pub mod octopus;
pub mod octopus_api;
pub mod proxy;
pub mod tcp;
pub mod tls;
pub mod web;

//! The loopback lab: small servers on 127.0.0.1 that stand in for the
//! endpoints a migration needs. `preflight demo` and the tests run against
//! them. Everything here binds to loopback only and stops when dropped.

pub mod certs;
pub mod dns;
pub mod feeds;
pub mod http;
pub mod misbehaving;
pub mod octopus;
pub mod octopus_api;
pub mod proxy;
pub mod tcp;
pub mod tls;
pub mod web;

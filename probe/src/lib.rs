//! Everything that touches the network: the plan, the checks (each family a
//! `gather` that does I/O and a pure `assess`) and the runner. The loopback
//! lab that `preflight demo` and the tests run against is the `lab` crate,
//! which depends on this one.
#![forbid(unsafe_code)]

pub mod check;
pub mod checks;
pub mod duration;
pub mod endpoint;
pub mod http;
pub mod location;
pub mod octopus_inventory;
pub mod plan;
pub mod ports;
pub mod proxy;
pub mod resolve;
pub mod runner;
pub mod standin;
pub mod tentacle;
pub mod thumbprint;
pub mod tunnel;

pub use check::{CheckSpec, Context, Outcome, PlannedCheck};
pub use endpoint::Endpoint;
pub use plan::{Plan, PlanError};

//! Everything that touches the network: the plan, the checks (each family a
//! `gather` that does I/O and a pure `assess`), the runner, and the network
//! layer they stand on. Floors, each importing only those below it:
//! `text`, `endpoint`, `thumbprint`, `duration`, `since`, `location`, `ports` →
//! `net`, `octopus_api` → `contract` → `checks::<family>` → `check` (the list of
//! families) → `plan`, `runner`, `tentacle`, `octopus_inventory`.
//! The loopback lab that `preflight demo` and the tests run against is the
//! `lab` crate, which depends on this one.
#![forbid(unsafe_code)]

mod check;
pub mod checks;
mod contract;
pub mod duration;
pub mod endpoint;
mod location;
pub mod net;
pub mod octopus_api;
pub mod octopus_inventory;
pub mod plan;
mod ports;
pub mod runner;
pub mod since;
pub mod standin;
pub mod tentacle;
mod text;
pub mod thumbprint;

pub use check::{CheckSpec, PlannedCheck};
pub use contract::{Budget, Context, Outcome, SpecError};
pub use endpoint::Endpoint;
pub use plan::{Plan, PlanError};

#[cfg(test)]
mod redaction_tests;

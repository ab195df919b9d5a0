//! Check families. Each module has a `gather` that does the I/O and returns
//! evidence, and an `assess` that is a pure function from evidence and
//! expectation to an `Outcome`.

pub mod clock;
pub mod dns;
pub mod drift;
pub mod feed;
pub mod local;
pub mod octopus;
pub mod readiness;
pub mod tcp;
pub mod tls;
pub mod worker;

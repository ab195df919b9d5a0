//! probe's tests against the loopback lab (the `lab` crate): each check
//! family's `gather` and `assess` end to end, on loopback only. They live
//! here, not beside the code, because the lab depends on probe: an
//! integration test links the one probe library that the lab links too.

mod clock;
mod dns;
mod drift;
mod feed;
mod octopus;
mod octopus_inventory;
mod pinned;
mod readiness;
mod tls;
mod tunnel;

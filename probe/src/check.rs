//! What the runner executes: a planned check (id, title, severity and a
//! family-specific spec). `CheckSpec` is the list of families; it sits above
//! them (the contract every family works to is in `contract`).

use report::{CheckId, Family, Severity};

use crate::checks;
use crate::contract::Outcome;

/// One check, ready to run: everything the report needs before any I/O happens.
#[derive(Debug, Clone)]
pub struct PlannedCheck {
    pub id: CheckId,
    pub title: String,
    /// What is checked, as a person names it (`polling.example.com:10943`).
    pub target: String,
    pub severity: Severity,
    pub spec: CheckSpec,
}

impl PlannedCheck {
    pub fn family(&self) -> Family {
        self.spec.family()
    }
}

/// The family-specific part of a check. Adding a family adds a variant here
/// (see ARCHITECTURE.md).
///
/// Every family but the small ones is boxed: a plan of 20,000 TCP targets
/// holds 20,000 of these, each as large as the largest variant (376 bytes
/// a planned check before, 136 now).
#[derive(Debug, Clone)]
pub enum CheckSpec {
    Tcp(checks::tcp::TcpSpec),
    /// A worker pool has at least two workers.
    PoolSize(checks::worker::PoolSizeSpec),
    /// A target a worker pool must reach, over TCP.
    WorkerTcp(Box<checks::worker::WorkerTcpSpec>),
    /// A Tentacle trusts the new server's certificate.
    TentacleTrust(Box<checks::local::TentacleTrustSpec>),
    /// Something found before the run (a Tentacle config that could not be
    /// read, no Tentacle where one was looked for): its outcome is already known.
    Finding(Box<Outcome>),
    /// This machine's clock against the new server's `Date`.
    Clock(checks::clock::ClockSpec),
    Dns(Box<checks::dns::DnsSpec>),
    /// TLS identity and Halibut role of an endpoint.
    Tls(Box<checks::tls::TlsSpec>),
    Feed(Box<checks::feed::FeedSpec>),
    /// `GET /api` of an Octopus Server: reachable, version.
    OctopusApi(Box<checks::octopus::ApiSpec>),
    /// The server certificate by API key, against the polling port and the plan.
    OctopusThumbprint(Box<checks::octopus::ThumbprintSpec>),
    /// One drift rule over the one read of both instances (`preflight drift`
    /// reads them once, before the run, for all six rules).
    Drift(checks::drift::DriftCheck),
}

impl CheckSpec {
    pub fn family(&self) -> Family {
        match self {
            CheckSpec::Tcp(_) => Family::Tcp,
            CheckSpec::PoolSize(_) | CheckSpec::WorkerTcp(_) => Family::Worker,
            CheckSpec::TentacleTrust(_) | CheckSpec::Finding(_) | CheckSpec::Clock(_) => {
                Family::Local
            }
            CheckSpec::Dns(_) => Family::Dns,
            CheckSpec::Tls(_) => Family::Tls,
            CheckSpec::Feed(_) => Family::Feed,
            CheckSpec::OctopusApi(_) | CheckSpec::OctopusThumbprint(_) => Family::Octopus,
            CheckSpec::Drift(_) => Family::Drift,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_planned_check_stays_small() {
        // A plan keeps every check to the end of the run: 20,000 TCP
        // targets are 20,000 of these. The large families are boxed.
        let size = std::mem::size_of::<super::PlannedCheck>();
        println!("a planned check: {size} bytes");
        assert!(size <= 136, "{size} bytes");
    }
}

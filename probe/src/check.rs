//! What the runner executes: a planned check (id, title, severity and a
//! family-specific spec) and the outcome a family's assessment returns.

use std::path::PathBuf;
use std::time::Duration;

use report::{CheckId, Family, Severity, Status};

use crate::checks;
use crate::resolve::{ResolverSpec, Resolvers};

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
#[derive(Debug, Clone)]
pub enum CheckSpec {
    Tcp(checks::tcp::TcpSpec),
    /// A worker pool has at least two workers.
    PoolSize(checks::worker::PoolSizeSpec),
    /// A target a worker pool must reach, over TCP.
    WorkerTcp(checks::worker::WorkerTcpSpec),
    /// A Tentacle trusts the new server's certificate.
    TentacleTrust(checks::local::TentacleTrustSpec),
    /// Something found before the run (a Tentacle config that could not be
    /// read, no Tentacle where one was looked for): its outcome is already known.
    Finding(Outcome),
    /// This machine's clock against the new server's `Date`.
    Clock(checks::clock::ClockSpec),
    Dns(checks::dns::DnsSpec),
    /// TLS identity and Halibut role of an endpoint.
    Tls(checks::tls::TlsSpec),
    Feed(Box<checks::feed::FeedSpec>),
    /// `GET /api` of an Octopus Server: reachable, version.
    OctopusApi(checks::octopus::ApiSpec),
    /// The server certificate by API key, against the polling port and the plan.
    OctopusThumbprint(checks::octopus::ThumbprintSpec),
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
        }
    }
}

/// What an assessment decided: status, a one-line reason, what to do, and the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub reason: String,
    pub remediation: Option<String>,
    pub evidence: serde_json::Value,
}

impl Outcome {
    pub fn new(status: Status, reason: impl Into<String>) -> Self {
        Outcome {
            status,
            reason: reason.into(),
            remediation: None,
            evidence: serde_json::Value::Null,
        }
    }

    pub fn with_remediation(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = Some(remediation.into());
        self
    }

    pub fn with_evidence(mut self, evidence: impl serde::Serialize) -> Self {
        self.evidence = serde_json::to_value(evidence).unwrap_or(serde_json::Value::Null);
        self
    }
}

/// Shared state for one run: the resolvers, the timeout, and where we run from.
///
/// `Context::new` uses the system resolver configuration; `with_resolvers`
/// replaces it with the data center's resolvers.
#[derive(Debug)]
pub struct Context {
    pub resolvers: Resolvers,
    /// Per-operation timeout (connect, handshake, resolution).
    pub timeout: Duration,
    /// Where the checks run from, for remediation text ("from data center east").
    pub origin: String,
    /// Extra trusted CA certificates (PEM) for HTTPS checks (`--ca-file`).
    pub ca_file: Option<PathBuf>,
}

impl Context {
    pub fn new(timeout: Duration, origin: impl Into<String>) -> Self {
        Context {
            resolvers: Resolvers::system(timeout),
            timeout,
            origin: origin.into(),
            ca_file: None,
        }
    }

    /// Resolves names with these resolvers (in this order) instead of the system configuration.
    pub fn with_resolvers(mut self, resolvers: &[ResolverSpec]) -> Self {
        self.resolvers = Resolvers::new(resolvers, self.timeout);
        self
    }

    /// Trusts the CA certificates in this PEM file too (besides the platform's roots).
    pub fn with_ca_file(mut self, ca_file: Option<PathBuf>) -> Self {
        self.ca_file = ca_file;
        self
    }
}

//! The contract every check family works to, below all of them: the
//! `Context` a check runs in, the `Outcome` its assessment returns, and the
//! `Budget` that turns the one `--timeout` a user gives into each step's
//! deadline and the runner's guard. Families import this; it imports no family.

use std::path::PathBuf;
use std::time::Duration;

use report::Status;

use crate::net::resolve::{ResolverSpec, Resolvers};

/// Why a check's spec cannot be built: which field was wrong (the plan key,
/// so the plan can point at it; the command line names its flag) and what
/// was expected. Every family's spec is built by one validating constructor
/// that both the plan compiler and the `check` subcommands call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The plan key at fault (`url`, `expect_status`, `username_env`…).
    pub field: &'static str,
    pub message: String,
}

impl SpecError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        SpecError {
            field,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SpecError {}

/// Where a saturated deadline lands: far enough that nothing waits for it
/// (durations are capped at a day, `PlanDuration::MAX`), near enough to add.
const FAR: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// `start + d` for a tokio deadline, saturating instead of panicking.
pub fn after(start: tokio::time::Instant, d: Duration) -> tokio::time::Instant {
    start
        .checked_add(d)
        .or_else(|| start.checked_add(FAR))
        .unwrap_or(start)
}

/// How a check's time is spent. `--timeout` bounds one step (a connect, a
/// CONNECT through a proxy, a handshake, one HTTP exchange, a resolution); a
/// family whose check takes several steps in a row gives the check
/// `steps(n)` in all, with `n` at most [`Budget::MAX_STEPS`]. The runner's
/// guard sits a second above the longest check, so a family that keeps to
/// its steps is never cut off by the guard, and a bug cannot hang a run.
/// Today: TLS takes 4 (resolution + connect + CONNECT share 2, the
/// handshake, the Halibut answer), a feed 3 (connect, redirects, the
/// registry's token), the Octopus API and the clock 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// One step's limit: the run's `--timeout`.
    pub step: Duration,
}

impl Budget {
    /// The most steps one check may take in a row (TLS's four).
    pub const MAX_STEPS: u32 = 4;

    /// `n` steps in a row; saturates instead of overflowing.
    pub fn steps(self, n: u32) -> Duration {
        debug_assert!(
            n <= Self::MAX_STEPS,
            "a check takes at most MAX_STEPS steps"
        );
        self.step.saturating_mul(n)
    }

    /// The instant `n` steps after `start`; saturates (a far deadline) instead of overflowing.
    pub fn deadline(self, start: std::time::Instant, n: u32) -> std::time::Instant {
        start
            .checked_add(self.steps(n))
            .or_else(|| start.checked_add(FAR))
            .unwrap_or(start)
    }

    /// The runner's limit for one whole check: `MAX_STEPS` steps and a second.
    pub fn guard(self) -> Duration {
        self.steps(Self::MAX_STEPS)
            .saturating_add(Duration::from_secs(1))
    }
}

/// What an assessment decided: status, a one-line reason, what to do, and the evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub reason: String,
    pub remediation: Option<String>,
    pub evidence: report::Evidence,
}

impl Outcome {
    pub fn new(status: Status, reason: impl Into<String>) -> Self {
        Outcome {
            status,
            reason: reason.into(),
            remediation: None,
            evidence: report::Evidence::default(),
        }
    }

    pub fn with_remediation(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = Some(remediation.into());
        self
    }

    pub fn with_evidence(mut self, evidence: impl serde::Serialize) -> Self {
        self.evidence = serde_json::to_value(evidence)
            .unwrap_or(serde_json::Value::Null)
            .into();
        self
    }

    /// TCP evidence, kept typed (see [`report::Evidence`]).
    pub fn with_tcp_evidence(mut self, evidence: report::tcp::TcpEvidence) -> Self {
        self.evidence = report::Evidence::tcp(evidence);
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

    /// The deadlines derived from `timeout`.
    pub fn budget(&self) -> Budget {
        Budget { step: self.timeout }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_sits_a_second_above_the_longest_check() {
        let budget = Budget {
            step: Duration::from_secs(2),
        };
        assert_eq!(budget.steps(Budget::MAX_STEPS), Duration::from_secs(8));
        assert_eq!(budget.guard(), Duration::from_secs(9));
    }

    #[test]
    fn huge_timeouts_saturate_instead_of_panicking() {
        let budget = Budget {
            step: Duration::MAX / 2,
        };
        assert_eq!(budget.steps(3), Duration::MAX);
        assert_eq!(budget.guard(), Duration::MAX);
        let now = std::time::Instant::now();
        assert_eq!(budget.deadline(now, 3), now + FAR);
    }

    #[test]
    fn after_saturates() {
        let now = tokio::time::Instant::now();
        assert_eq!(after(now, Duration::MAX), now + FAR);
        assert_eq!(
            after(now, Duration::from_secs(3)),
            now + Duration::from_secs(3)
        );
    }
}

//! The go/no-go rule. No data is not a pass: a blocker that failed, errored
//! or was skipped makes the run NO-GO; a waived check is never counted as a pass.

use serde::{Deserialize, Serialize};

use crate::exit;
use crate::result::{CheckResult, Severity, Status, Summary};

/// The decision the report exists for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    #[serde(rename = "GO")]
    Go,
    #[serde(rename = "NO-GO")]
    NoGo,
}

impl Verdict {
    /// NO-GO when any blocker is `fail`, `error` or `skipped`; GO otherwise.
    pub fn of(results: &[CheckResult]) -> Self {
        if results.iter().any(blocks) {
            Verdict::NoGo
        } else {
            Verdict::Go
        }
    }

    /// NO-GO when any part (a run, a data center) is NO-GO; GO otherwise,
    /// and for no parts: how a merge combines verdicts.
    pub fn of_parts(parts: impl IntoIterator<Item = Verdict>) -> Self {
        if parts.into_iter().any(|v| v == Verdict::NoGo) {
            Verdict::NoGo
        } else {
            Verdict::Go
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Go => "GO",
            Verdict::NoGo => "NO-GO",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// True when this result alone makes the run NO-GO.
pub fn blocks(result: &CheckResult) -> bool {
    result.severity == Severity::Blocker
        && matches!(
            result.status,
            Status::Fail | Status::Error | Status::Skipped
        )
}

/// True when this result is something a person should look at but does not block:
/// a `warn`, or a non-blocker that failed, errored or was skipped.
pub fn is_warning(result: &CheckResult) -> bool {
    match result.status {
        Status::Warn => true,
        Status::Fail | Status::Error | Status::Skipped => result.severity != Severity::Blocker,
        Status::Pass | Status::Waived => false,
    }
}

/// The severity a result carries in this run, shown beside its status: a
/// blocker that only warns does not block, so it reads as a warning (no row
/// says both `WARN` and `blocker`); every other result keeps its own.
pub fn effective_severity(result: &CheckResult) -> Severity {
    if result.severity == Severity::Blocker && !blocks(result) && is_warning(result) {
        Severity::Warning
    } else {
        result.severity
    }
}

/// Which results, beyond blockers, make the process exit non-zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FailOn {
    /// Only a NO-GO exits 1 (the default).
    #[default]
    Blocker,
    /// Any warning exits 1 too.
    Warning,
}

/// The process exit code for a finished run.
pub fn exit_code(results: &[CheckResult], fail_on: FailOn) -> i32 {
    let verdict = Verdict::of(results);
    if verdict == Verdict::NoGo {
        return exit::NO_GO;
    }
    if fail_on == FailOn::Warning && results.iter().any(is_warning) {
        return exit::NO_GO;
    }
    exit::GO
}

/// The one-line summary: `GO — 41 passed, 2 warnings, 0 failed in 3.1s`.
pub fn summary_line(results: &[CheckResult], elapsed: std::time::Duration) -> String {
    let verdict = Verdict::of(results);
    let s = Summary::of(results);
    let warnings = results.iter().filter(|r| is_warning(r)).count();
    let failed = results.iter().filter(|r| blocks(r)).count();
    let mut line = format!(
        "{verdict} — {} passed, {} warning{}, {} failed",
        s.pass,
        warnings,
        if warnings == 1 { "" } else { "s" },
        failed
    );
    if s.waived > 0 {
        line.push_str(&format!(", {} waived", s.waived));
    }
    line.push_str(&format!(" in {:.1}s", elapsed.as_secs_f64()));
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{CheckId, Family};

    fn result(severity: Severity, status: Status) -> CheckResult {
        CheckResult {
            id: CheckId::new("dc.east.tcp.x"),
            family: Family::Tcp,
            title: "x".into(),
            target: "x:1".into(),
            severity,
            status,
            reason: String::new(),
            remediation: None,
            evidence: serde_json::Value::Null,
            elapsed_ms: 0,
            waiver: None,
        }
    }

    #[test]
    fn every_blocker_status_maps_to_the_documented_verdict() {
        for status in Status::ALL {
            let expected = match status {
                Status::Fail | Status::Error | Status::Skipped => Verdict::NoGo,
                Status::Pass | Status::Warn | Status::Waived => Verdict::Go,
            };
            assert_eq!(
                Verdict::of(&[result(Severity::Blocker, status)]),
                expected,
                "blocker {status}"
            );
        }
    }

    #[test]
    fn skipped_or_errored_blocker_is_no_go() {
        let ok = result(Severity::Blocker, Status::Pass);
        assert_eq!(Verdict::of(std::slice::from_ref(&ok)), Verdict::Go);
        for bad in [Status::Skipped, Status::Error] {
            let rs = vec![ok.clone(), result(Severity::Blocker, bad)];
            assert_eq!(Verdict::of(&rs), Verdict::NoGo, "{bad}");
            assert_eq!(exit_code(&rs, FailOn::Blocker), exit::NO_GO);
        }
    }

    #[test]
    fn failed_warning_keeps_go_unless_fail_on_warning() {
        let rs = vec![
            result(Severity::Blocker, Status::Pass),
            result(Severity::Warning, Status::Fail),
        ];
        assert_eq!(Verdict::of(&rs), Verdict::Go);
        assert_eq!(exit_code(&rs, FailOn::Blocker), exit::GO);
        assert_eq!(exit_code(&rs, FailOn::Warning), exit::NO_GO);
    }

    #[test]
    fn waived_is_neither_pass_nor_blocking() {
        let rs = vec![result(Severity::Blocker, Status::Waived)];
        assert_eq!(Verdict::of(&rs), Verdict::Go);
        let s = Summary::of(&rs);
        assert_eq!((s.pass, s.waived), (0, 1));
        assert!(summary_line(&rs, std::time::Duration::ZERO).contains("0 passed"));
        assert!(summary_line(&rs, std::time::Duration::ZERO).contains("1 waived"));
    }

    #[test]
    fn empty_run_is_go_and_summary_reads_well() {
        assert_eq!(Verdict::of(&[]), Verdict::Go);
        let rs = vec![
            result(Severity::Blocker, Status::Pass),
            result(Severity::Info, Status::Warn),
        ];
        assert_eq!(
            summary_line(&rs, std::time::Duration::from_millis(3140)),
            "GO — 1 passed, 1 warning, 0 failed in 3.1s"
        );
    }

    #[test]
    fn no_result_reads_as_both_a_warning_and_a_blocker() {
        for status in Status::ALL {
            for severity in [Severity::Blocker, Severity::Warning, Severity::Info] {
                let r = result(severity, status);
                let shown = effective_severity(&r);
                if is_warning(&r) {
                    assert_ne!(shown, Severity::Blocker, "{status} {severity}");
                }
                if blocks(&r) {
                    assert_eq!(shown, Severity::Blocker, "{status} {severity}");
                }
            }
        }
        assert_eq!(
            effective_severity(&result(Severity::Blocker, Status::Warn)),
            Severity::Warning
        );
        assert_eq!(
            effective_severity(&result(Severity::Blocker, Status::Pass)),
            Severity::Blocker
        );
    }

    #[test]
    fn verdict_serializes_as_documented() {
        assert_eq!(serde_json::to_string(&Verdict::NoGo).unwrap(), "\"NO-GO\"");
        assert_eq!(serde_json::to_string(&Verdict::Go).unwrap(), "\"GO\"");
    }
}

//! The go/no-go rule. No data is not a pass: a blocker that failed, errored
//! or was skipped makes the run NO-GO; a waived check is never counted as a
//! pass; a run that proved nothing (no check ran, or none gathered evidence)
//! or was interrupted is NO-GO whatever its blockers say.

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
    /// NO-GO when any blocker is `fail`, `error` or `skipped`, or when the
    /// run proved nothing or was interrupted ([`unproven`]); GO otherwise.
    pub fn of(results: &[CheckResult], interrupted: bool) -> Self {
        if results.iter().any(blocks) || unproven(results, interrupted).is_some() {
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

/// Why a run is NO-GO besides its blockers, if it is: it was interrupted
/// (Ctrl-C), no check ran (an empty data center, `run --discover` on a
/// machine without a Tentacle), or no check gathered evidence (every one
/// errored or was not run). Each document prints this reason.
pub fn unproven(results: &[CheckResult], interrupted: bool) -> Option<String> {
    if interrupted {
        let not_run = results
            .iter()
            .filter(|r| r.status == Status::Skipped)
            .count();
        return Some(format!(
            "the run was interrupted: {not_run} check{} not run",
            if not_run == 1 { "" } else { "s" }
        ));
    }
    if results.is_empty() {
        return Some("no check ran: nothing was proven".into());
    }
    if !results.iter().any(gathered_evidence) {
        return Some(
            "no check gathered evidence (every one errored or was not run): nothing was proven"
                .into(),
        );
    }
    None
}

/// True when the check got an answer to judge: it passed, failed or warned,
/// or was waived after doing so.
fn gathered_evidence(result: &CheckResult) -> bool {
    match (&result.status, &result.waiver) {
        (Status::Waived, Some(w)) => matches!(
            w.original_status,
            Status::Pass | Status::Fail | Status::Warn
        ),
        // A waiver whose original status is not recorded: the check ran.
        (Status::Waived, None) => true,
        (status, _) => matches!(status, Status::Pass | Status::Fail | Status::Warn),
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

/// The process exit code for a finished run: 130 when it was interrupted
/// (the shell's code for Ctrl-C), then 1 for NO-GO, then `fail_on`.
pub fn exit_code(results: &[CheckResult], interrupted: bool, fail_on: FailOn) -> i32 {
    if interrupted {
        return exit::INTERRUPTED;
    }
    let verdict = Verdict::of(results, interrupted);
    if verdict == Verdict::NoGo {
        return exit::NO_GO;
    }
    if fail_on == FailOn::Warning && results.iter().any(is_warning) {
        return exit::NO_GO;
    }
    exit::GO
}

/// The one-line summary, counting each result once by what it is:
/// `GO — 41 passed, 2 warnings, 0 failed in 3.1s`, then, when there are
/// any, `1 errored`, `2 not run` and `1 waived`, and the reason a run that
/// proved nothing or was interrupted is NO-GO.
pub fn summary_line(
    results: &[CheckResult],
    interrupted: bool,
    elapsed: std::time::Duration,
) -> String {
    let verdict = Verdict::of(results, interrupted);
    let s = Summary::of(results);
    // A check not run or errored is counted as that, not as a warning or a failure.
    let warnings = results
        .iter()
        .filter(|r| is_warning(r) && !matches!(r.status, Status::Skipped | Status::Error))
        .count();
    let failed = results
        .iter()
        .filter(|r| blocks(r) && r.status == Status::Fail)
        .count();
    let mut line = format!(
        "{verdict} — {} passed, {} warning{}, {} failed",
        s.pass,
        warnings,
        if warnings == 1 { "" } else { "s" },
        failed
    );
    if s.error > 0 {
        line.push_str(&format!(", {} errored", s.error));
    }
    if s.skipped > 0 {
        line.push_str(&format!(", {} not run", s.skipped));
    }
    if s.waived > 0 {
        line.push_str(&format!(", {} waived", s.waived));
    }
    line.push_str(&format!(" in {:.1}s", elapsed.as_secs_f64()));
    if let Some(reason) = unproven(results, interrupted) {
        line.push_str(&format!(" — {reason}"));
    }
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
            evidence: Default::default(),
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
                Verdict::of(&[result(Severity::Blocker, status)], false),
                expected,
                "blocker {status}"
            );
        }
    }

    #[test]
    fn skipped_or_errored_blocker_is_no_go() {
        let ok = result(Severity::Blocker, Status::Pass);
        assert_eq!(Verdict::of(std::slice::from_ref(&ok), false), Verdict::Go);
        for bad in [Status::Skipped, Status::Error] {
            let rs = vec![ok.clone(), result(Severity::Blocker, bad)];
            assert_eq!(Verdict::of(&rs, false), Verdict::NoGo, "{bad}");
            assert_eq!(exit_code(&rs, false, FailOn::Blocker), exit::NO_GO);
        }
    }

    #[test]
    fn failed_warning_keeps_go_unless_fail_on_warning() {
        let rs = vec![
            result(Severity::Blocker, Status::Pass),
            result(Severity::Warning, Status::Fail),
        ];
        assert_eq!(Verdict::of(&rs, false), Verdict::Go);
        assert_eq!(exit_code(&rs, false, FailOn::Blocker), exit::GO);
        assert_eq!(exit_code(&rs, false, FailOn::Warning), exit::NO_GO);
    }

    #[test]
    fn waived_is_neither_pass_nor_blocking() {
        let rs = vec![result(Severity::Blocker, Status::Waived)];
        assert_eq!(Verdict::of(&rs, false), Verdict::Go);
        let s = Summary::of(&rs);
        assert_eq!((s.pass, s.waived), (0, 1));
        assert!(summary_line(&rs, false, std::time::Duration::ZERO).contains("0 passed"));
        assert!(summary_line(&rs, false, std::time::Duration::ZERO).contains("1 waived"));
    }

    #[test]
    fn summary_reads_well() {
        let rs = vec![
            result(Severity::Blocker, Status::Pass),
            result(Severity::Info, Status::Warn),
        ];
        assert_eq!(
            summary_line(&rs, false, std::time::Duration::from_millis(3140)),
            "GO — 1 passed, 1 warning, 0 failed in 3.1s"
        );
    }

    #[test]
    fn a_run_that_proved_nothing_is_no_go_with_its_reason() {
        assert_eq!(Verdict::of(&[], false), Verdict::NoGo);
        assert_eq!(exit_code(&[], false, FailOn::Blocker), exit::NO_GO);
        assert_eq!(
            summary_line(&[], false, std::time::Duration::ZERO),
            "NO-GO — 0 passed, 0 warnings, 0 failed in 0.0s — no check ran: nothing was proven"
        );
        // Non-blockers only, every one errored or not run: no blocker fails, still nothing proven.
        let rs = vec![
            result(Severity::Warning, Status::Error),
            result(Severity::Info, Status::Skipped),
        ];
        assert_eq!(Verdict::of(&rs, false), Verdict::NoGo);
        assert!(
            unproven(&rs, false)
                .unwrap()
                .starts_with("no check gathered evidence"),
        );
        // One answer is enough evidence: the usual rule decides.
        let mut with_answer = rs.clone();
        with_answer.push(result(Severity::Info, Status::Pass));
        assert_eq!(Verdict::of(&with_answer, false), Verdict::Go);
        assert_eq!(unproven(&with_answer, false), None);
        // A waiver over an error proves nothing either.
        let mut waived_error = result(Severity::Blocker, Status::Waived);
        waived_error.waiver = Some(crate::result::Waiver {
            reason: "known".into(),
            ticket: "CHG-1".into(),
            original_status: Status::Error,
        });
        assert_eq!(Verdict::of(&[waived_error], false), Verdict::NoGo);
    }

    #[test]
    fn an_interrupted_run_is_no_go_exits_130_and_counts_skipped_as_not_run() {
        let rs = vec![
            result(Severity::Blocker, Status::Pass),
            result(Severity::Warning, Status::Skipped),
        ];
        // Only a warning was not run: complete, that would be GO.
        assert_eq!(Verdict::of(&rs, false), Verdict::Go);
        assert_eq!(Verdict::of(&rs, true), Verdict::NoGo);
        assert_eq!(exit_code(&rs, true, FailOn::Blocker), exit::INTERRUPTED);
        assert_eq!(exit::INTERRUPTED, 130);
        assert_eq!(
            summary_line(&rs, true, std::time::Duration::from_millis(1200)),
            "NO-GO — 1 passed, 0 warnings, 0 failed, 1 not run in 1.2s — the run was interrupted: 1 check not run"
        );
        // A skipped blocker is not run, not failed.
        let rs = vec![
            result(Severity::Blocker, Status::Pass),
            result(Severity::Blocker, Status::Skipped),
            result(Severity::Blocker, Status::Error),
        ];
        assert_eq!(
            summary_line(&rs, false, std::time::Duration::ZERO),
            "NO-GO — 1 passed, 0 warnings, 0 failed, 1 errored, 1 not run in 0.0s"
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

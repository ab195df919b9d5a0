//! `preflight readiness` against the fake Octopus API over HTTPS (a lab CA,
//! `--ca-file`): the server with every problem is NO-GO naming each one,
//! the clean one GO; `--phase cutover` turns the quiet-server rules into
//! blockers; a key without one permission makes only the rules that needed
//! it `error`; http:// is refused before any request; the key shows up
//! nowhere.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lab::certs::LabCa;
use lab::feeds::server_tls;
use lab::octopus_api::{Delay, FakeOctopus, FakeOctopusOptions, Fault};

use crate::support::{LabRuntime, json, run_with_env, stderr, stdout};

const KEY: &str = "API-READINESSLAB0123456789ABCD";
/// Secrets in the fixtures that must never be shown: a webhook's path token and header value.
const FIXTURE_SECRETS: [&str; 2] = ["chat-tok-7f3a9c", "hdr-secret-91b2"];

fn fixtures(set: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/octopus-api");
    if set.is_empty() { root } else { root.join(set) }
}

struct Lab {
    _runtime: LabRuntime,
    fake: FakeOctopus,
    ca_file: PathBuf,
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(dir) = self.ca_file.parent() {
            std::fs::remove_dir_all(dir).ok();
        }
    }
}

/// The fake serving fixture set `set` ("" for the server with every problem, "clean").
fn lab(name: &str, set: &str, faults: &[(&str, Fault)], tls: bool) -> Lab {
    let runtime = LabRuntime::new();
    let dir =
        std::env::temp_dir().join(format!("preflight-readiness-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = LabCa::new("readiness test CA").unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let cert = ca.issue("127.0.0.1", &["127.0.0.1", "localhost"]).unwrap();
    let fake = runtime.start(FakeOctopus::start(
        "127.0.0.1:0".parse().unwrap(),
        tls.then(|| server_tls(&cert).unwrap()),
        FakeOctopusOptions {
            fixtures: fixtures(set),
            api_key: KEY.into(),
            replacements: Vec::new(),
            faults: faults
                .iter()
                .map(|(r, f)| (r.to_string(), f.clone()))
                .collect::<HashMap<_, _>>(),
            delay: Delay::None,
        },
    ));
    Lab {
        _runtime: runtime,
        fake,
        ca_file,
    }
}

fn readiness(lab: &Lab, extra: &[&str]) -> std::process::Output {
    let ca = lab.ca_file.display().to_string();
    let mut args = vec![
        "readiness",
        "--server",
        &lab.fake.url,
        "--api-key-env",
        "OLD_OCTOPUS_API_KEY",
        "--ca-file",
        &ca,
        "--timeout",
        "10s",
    ];
    args.extend_from_slice(extra);
    run_with_env(&args, &[("OLD_OCTOPUS_API_KEY", KEY)])
}

/// The result with this id: (status, severity, reason).
fn result(report: &serde_json::Value, id: &str) -> (String, String, String) {
    let r = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no result {id} in {report:#}"));
    (
        r["status"].as_str().unwrap().to_string(),
        r["severity"].as_str().unwrap().to_string(),
        r["reason"].as_str().unwrap().to_string(),
    )
}

fn assert_no_secret(texts: &[&str]) {
    for t in texts {
        assert!(!t.contains(KEY), "the API key leaked: {t}");
        for s in FIXTURE_SECRETS {
            assert!(!t.contains(s), "a fixture secret ({s}) leaked: {t}");
        }
    }
}

#[test]
fn the_server_with_every_problem_is_no_go_naming_each_and_the_documents_verify() {
    let lab = lab("problem", "", &[], true);
    let out_dir = lab.ca_file.parent().unwrap().join("out");
    let out_s = out_dir.display().to_string();
    let o = readiness(
        &lab,
        &[
            "--format",
            "json",
            "--since",
            "2026-11-25T00:00:00Z",
            "--out",
            &out_s,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = json(&o);
    assert_eq!(report["datacenter"], "server");
    assert_eq!(report["verdict"], "NO-GO");

    let (status, severity, reason) = result(&report, "readiness.run-on-server");
    assert_eq!((status.as_str(), severity.as_str()), ("fail", "blocker"));
    assert!(
        reason.contains("Default / Acme.Web / Migrate database (on the built-in worker)"),
        "{reason}"
    );
    assert!(
        reason.contains("Default / Acme.Web / runbook Restart app / Recycle app pool"),
        "{reason}"
    );
    assert!(
        reason.starts_with("2 step(s)"),
        "disabled, manual and pooled steps are not counted: {reason}"
    );

    let (status, severity, reason) = result(&report, "readiness.auth-providers");
    assert_eq!((status.as_str(), severity.as_str()), ("warn", "warning"));
    assert!(
        reason.starts_with("Active Directory sign-in is enabled"),
        "LDAP is disabled in its configuration: {reason}"
    );

    let (status, _, reason) = result(&report, "readiness.users");
    assert_eq!(status, "warn");
    assert!(
        reason.contains("2 of 4 active user(s)") && reason.contains("alice, bob"),
        "{reason}"
    );
    assert!(
        reason.contains("1 service account(s) apart (ci-bot)"),
        "{reason}"
    );

    let (status, _, reason) = result(&report, "readiness.admins");
    assert_eq!(status, "warn");
    assert!(
        reason.contains("Octopus Administrators has 2 member(s) (admin, alice)"),
        "{reason}"
    );
    assert!(
        reason.contains("Release Managers ← CORP\\Release Managers"),
        "{reason}"
    );

    let (status, _, reason) = result(&report, "readiness.manual-targets");
    assert_eq!(status, "warn");
    assert!(
        reason.contains("Default / ssh01 (Ssh)")
            && reason.contains("Platform Team / k8s-east (Kubernetes)"),
        "{reason}"
    );

    let (status, _, reason) = result(&report, "readiness.tentacle-versions");
    assert_eq!(status, "warn");
    assert!(
        reason.contains("Default / web02 (3.25.0, upgrade required)"),
        "{reason}"
    );

    let (status, severity, reason) = result(&report, "readiness.package-storage");
    assert_eq!((status.as_str(), severity.as_str()), ("fail", "blocker"));
    assert!(
        reason.contains("Default / Acme.Db 2.0.0 (6.2 GB)")
            && reason.contains("5.0 GB per-file limit"),
        "{reason}"
    );
    assert!(!reason.contains("Acme.Web"), "{reason}");

    let (status, _, reason) = result(&report, "readiness.triggers");
    assert_eq!(status, "warn");
    assert!(
        reason.contains("Default / Acme.Web / Nightly deploy (OnceDailySchedule)"),
        "{reason}"
    );

    let (status, _, reason) = result(&report, "readiness.step-templates");
    assert_eq!(status, "warn");
    assert!(
        reason.contains("1 custom (Default / Notify chat)")
            && reason.contains("SQL - Execute Script"),
        "{reason}"
    );

    let (status, _, reason) = result(&report, "readiness.webhooks");
    assert_eq!(status, "warn");
    assert!(
        reason.contains("Default / Ops chat → 10.20.30.40: private (RFC 1918, 10.0.0.0/8)"),
        "{reason}"
    );

    let (status, _, reason) = result(&report, "readiness.version");
    assert_eq!(status, "pass", "{reason}");

    let (status, severity, reason) = result(&report, "cutover.ci-activity");
    assert_eq!((status.as_str(), severity.as_str()), ("warn", "warning"));
    assert!(
        reason.contains("ci-bot via octo/9.1.7: 1 release(s), 1 deployment(s)"),
        "the October release is before --since: {reason}"
    );
    assert!(
        !reason.contains("alice"),
        "a modification is not CI activity: {reason}"
    );

    // The documents: no key, no webhook token, and report verify accepts them.
    let mut texts = vec![stdout(&o), stderr(&o)];
    for f in [
        "report.json",
        "report.md",
        "report.html",
        "report.junit.xml",
    ] {
        texts.push(std::fs::read_to_string(out_dir.join(f)).unwrap());
    }
    assert_no_secret(&texts.iter().map(String::as_str).collect::<Vec<_>>());
    let report_json = out_dir.join("report.json").display().to_string();
    let verify = run_with_env(&["report", "verify", &report_json], &[]);
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
    let render = run_with_env(&["report", "render", &report_json, "--format", "md"], &[]);
    assert_eq!(render.status.code(), Some(0), "{}", stderr(&render));
    assert!(stdout(&render).contains("readiness.run-on-server"));
    // Every request carried the key; none went anywhere but the fake.
    assert!(
        lab.fake
            .seen()
            .iter()
            .any(|s| s.path.starts_with("/api/Spaces-2/deploymentprocesses"))
    );
}

#[test]
fn the_clean_server_is_go() {
    let lab = lab("clean", "clean", &[], true);
    let o = readiness(
        &lab,
        &[
            "--format",
            "json",
            "--phase",
            "cutover",
            "--since",
            "2026-11-25T00:00:00Z",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let report = json(&o);
    assert_eq!(report["verdict"], "GO");
    for r in report["results"].as_array().unwrap() {
        assert_eq!(r["status"], "pass", "{r:#}");
    }
    assert_eq!(report["results"].as_array().unwrap().len(), 15);
    assert_no_secret(&[&stdout(&o), &stderr(&o)]);
}

#[test]
fn cutover_names_maintenance_mode_the_task_cap_and_the_running_task_and_prep_passes_them() {
    let lab = lab("cutover", "", &[], true);
    let o = readiness(&lab, &["--format", "json", "--phase", "cutover"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = json(&o);
    let (status, severity, reason) = result(&report, "cutover.maintenance-mode");
    assert_eq!((status.as_str(), severity.as_str()), ("fail", "blocker"));
    assert!(reason.contains("not in maintenance mode"), "{reason}");
    let (status, severity, reason) = result(&report, "cutover.task-cap");
    assert_eq!((status.as_str(), severity.as_str()), ("fail", "blocker"));
    assert!(reason.contains("OCTO-NODE-1 (task cap 5)"), "{reason}");
    let (status, severity, reason) = result(&report, "cutover.active-tasks");
    assert_eq!((status.as_str(), severity.as_str()), ("fail", "blocker"));
    assert!(
        reason.starts_with("1 task(s)")
            && reason.contains(
                "Deploy Acme.Web release 1.4.2 to Production (ServerTasks-102, Executing)"
            ),
        "{reason}"
    );

    let o = readiness(&lab, &["--format", "json", "--phase", "prep"]);
    let report = json(&o);
    for id in [
        "cutover.maintenance-mode",
        "cutover.task-cap",
        "cutover.active-tasks",
    ] {
        let (status, severity, reason) = result(&report, id);
        assert_eq!(
            (status.as_str(), severity.as_str()),
            ("pass", "info"),
            "{id}: {reason}"
        );
    }
    // Without --since the CI rule says it did not look; it does not pass.
    let (status, severity, _) = result(&report, "cutover.ci-activity");
    assert_eq!((status.as_str(), severity.as_str()), ("skipped", "info"));
}

#[test]
fn a_key_without_one_permission_errors_only_the_rules_that_needed_it() {
    let denied = Fault::Status(
        403,
        "You do not have permission to perform this action. Please contact your Octopus administrator. Missing permission: ProcessView (key {key})".into(),
    );
    let lab = lab(
        "denied",
        "",
        &[("api/Spaces-2/deploymentprocesses", denied)],
        true,
    );
    let o = readiness(&lab, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = json(&o);
    let (status, _, reason) = result(&report, "readiness.run-on-server");
    assert_eq!(status, "error");
    assert!(
        reason.contains("/api/Spaces-2/deploymentprocesses")
            && reason.contains("HTTP 403")
            && reason.contains("ProcessView permission"),
        "{reason}"
    );
    // The others still ran.
    assert_eq!(result(&report, "readiness.manual-targets").0, "warn");
    assert_eq!(result(&report, "readiness.package-storage").0, "fail");
    assert_eq!(result(&report, "readiness.version").0, "pass");
    assert_no_secret(&[&stdout(&o), &stderr(&o)]);
}

#[test]
fn a_missing_field_is_an_error_naming_the_endpoint_and_the_field() {
    let lab = lab(
        "field",
        "clean",
        &[(
            "api/maintenanceconfiguration",
            Fault::Body(r#"{"Id":"maintenance"}"#.into()),
        )],
        true,
    );
    let o = readiness(&lab, &["--format", "json", "--phase", "cutover"]);
    assert_eq!(o.status.code(), Some(1));
    let (status, _, reason) = result(&json(&o), "cutover.maintenance-mode");
    assert_eq!(status, "error");
    assert!(
        reason.contains("/api/maintenanceconfiguration") && reason.contains("IsInMaintenanceMode"),
        "{reason}"
    );
}

#[test]
fn http_is_refused_before_any_request() {
    let lab = lab("http", "clean", &[], false);
    assert!(lab.fake.url.starts_with("http://"));
    let o = readiness(&lab, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("refusing") && err.contains("http://"), "{err}");
    assert!(
        lab.fake.seen().is_empty(),
        "a request was sent: {:?}",
        lab.fake.seen()
    );
    assert_no_secret(&[&stdout(&o), &err]);
}

#[test]
fn a_wrong_key_is_error_on_every_rule_that_reads_with_it_and_never_printed() {
    let lab = lab("wrongkey", "clean", &[], true);
    let ca = lab.ca_file.display().to_string();
    let wrong = "API-WRONGKEY0000000000000000000";
    let o = run_with_env(
        &[
            "readiness",
            "--server",
            &lab.fake.url,
            "--api-key-env",
            "K",
            "--ca-file",
            &ca,
            "--format",
            "json",
        ],
        &[("K", wrong)],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = json(&o);
    let (status, _, reason) = result(&report, "readiness.run-on-server");
    assert_eq!(status, "error");
    assert!(reason.contains("HTTP 401"), "{reason}");
    assert!(!stdout(&o).contains(wrong) && !stderr(&o).contains(wrong));
}

#[test]
fn a_plan_gives_the_servers_and_the_target_and_a_new_instance_older_than_the_old_is_a_blocker() {
    let old = lab("plan-old", "", &[], true);
    // The new instance answers /api with an older version than the old server's 2024.1.
    let new = lab(
        "plan-new",
        "clean",
        &[(
            "api",
            Fault::Body(
                r#"{"Application":"Octopus Deploy","Version":"2023.4.8000","Links":{}}"#.into(),
            ),
        )],
        true,
    );
    let dir = old.ca_file.parent().unwrap().to_path_buf();
    std::fs::copy(&new.ca_file, dir.join("new-ca.pem")).unwrap();
    let plan = dir.join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            r#"version = 1

[migration]
name = "Acme: to a new instance"
target = "instance"

[old_server]
url = "{old}"
api_key_env = "OLD_KEY"
ca_file = "ca.pem"

[new_server]
url = "{new}"
api_key_env = "NEW_KEY"
ca_file = "new-ca.pem"
"#,
            old = old.fake.url,
            new = new.fake.url
        ),
    )
    .unwrap();
    let plan_s = plan.display().to_string();
    // One CA file per server: the flag would override both, so give none.
    let o = run_with_env(
        &["readiness", "--plan", &plan_s, "--format", "json"],
        &[("OLD_KEY", KEY), ("NEW_KEY", KEY)],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = json(&o);
    assert_eq!(report["migration"]["name"], "Acme: to a new instance");
    let (status, severity, reason) = result(&report, "readiness.version");
    assert_eq!((status.as_str(), severity.as_str()), ("fail", "blocker"));
    assert!(
        reason.contains("2023.4.8000, older than the old server's 2024.1.12281"),
        "{reason}"
    );
    // For a new instance the Cloud-only rules are information.
    for id in [
        "readiness.run-on-server",
        "readiness.package-storage",
        "readiness.auth-providers",
    ] {
        let (status, severity, _) = result(&report, id);
        assert_eq!(
            (status.as_str(), severity.as_str()),
            ("warn", "info"),
            "{id}"
        );
    }
    assert!(!report["plan_sha256"].as_str().unwrap().is_empty());
    assert_no_secret(&[&stdout(&o), &stderr(&o)]);

    // A target the plan does not know: exit 2 naming the file, line and column.
    std::fs::write(
        &plan,
        "version = 1\n[migration]\nname = \"x\"\ntarget = \"moon\"\n",
    )
    .unwrap();
    let o = run_with_env(&["readiness", "--plan", &plan_s], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("plan.toml:4:") && err.contains("moon"),
        "{err}"
    );
}

#[test]
fn report_diff_compares_a_prep_and_a_cutover_run_and_an_unset_key_is_exit_2() {
    let lab = lab("diff", "", &[], true);
    let dir = lab.ca_file.parent().unwrap().to_path_buf();
    let (prep, cut) = (dir.join("prep"), dir.join("cutover"));
    for (phase, out) in [("prep", &prep), ("cutover", &cut)] {
        let o = readiness(&lab, &["--phase", phase, "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    }
    let before = prep.join("report.json").display().to_string();
    let after = cut.join("report.json").display().to_string();
    let diff = run_with_env(&["report", "diff", &before, &after], &[]);
    assert_eq!(
        diff.status.code(),
        Some(1),
        "the cutover rules regressed: {}",
        stdout(&diff)
    );
    let text = stdout(&diff);
    assert!(
        text.contains("cutover.task-cap") && text.contains("cutover.maintenance-mode"),
        "{text}"
    );

    let ca = lab.ca_file.display().to_string();
    let requests = lab.fake.seen().len();
    let o = run_with_env(
        &[
            "readiness",
            "--server",
            &lab.fake.url,
            "--api-key-env",
            "PREFLIGHT_UNSET_KEY_VAR",
            "--ca-file",
            &ca,
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("PREFLIGHT_UNSET_KEY_VAR is not set"),
        "{}",
        stderr(&o)
    );
    assert_eq!(lab.fake.seen().len(), requests, "no request without a key");
}

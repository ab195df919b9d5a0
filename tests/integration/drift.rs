//! `preflight drift` against two fake instances (`lab::octopus_api` serving
//! `fixtures/octopus-api/drift/`, generator `generate_drift.py`) over HTTPS
//! with a lab CA: the drifting pair is NO-GO naming each drift and writes
//! clone scripts that pass shellcheck; the identical pair is GO; a new
//! instance that refuses the key is `error`, never a pass; no API key
//! appears anywhere.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use lab::certs::LabCa;
use lab::feeds::server_tls;
use lab::octopus_api::{Delay, FakeOctopus, FakeOctopusOptions};
use serde_json::Value;

use crate::support::{Dir, LabRuntime, json, run, run_with_env, stderr, stdout};

const OLD_KEY: &str = "API-DRIFTOLD0123456789ABCDEFGH";
const NEW_KEY: &str = "API-DRIFTNEW0123456789ABCDEFGH";
const SINCE: &str = "2026-11-30T09:00:00Z";

fn fixtures(which: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/octopus-api/drift")
        .join(which)
}

fn fake(lab: &LabRuntime, ca: &LabCa, which: &str, key: &str) -> FakeOctopus {
    let cert = ca.issue("127.0.0.1", &["127.0.0.1", "localhost"]).unwrap();
    lab.start(FakeOctopus::start(
        "127.0.0.1:0".parse().unwrap(),
        Some(server_tls(&cert).unwrap()),
        FakeOctopusOptions {
            fixtures: fixtures(which),
            api_key: key.into(),
            replacements: Vec::new(),
            faults: HashMap::new(),
            delay: Delay::None,
        },
    ))
}

fn drift(old: &str, new: &str, ca_file: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "drift",
        "--old",
        old,
        "--old-api-key-env",
        "OLD_OCTOPUS_KEY",
        "--new",
        new,
        "--new-api-key-env",
        "NEW_OCTOPUS_KEY",
        "--since",
        SINCE,
        "--ca-file",
        ca_file,
        "--timeout",
        "10s",
    ];
    args.extend_from_slice(extra);
    run_with_env(
        &args,
        &[("OLD_OCTOPUS_KEY", OLD_KEY), ("NEW_OCTOPUS_KEY", NEW_KEY)],
    )
}

fn result<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report}"))
}

fn reason(report: &Value, id: &str) -> String {
    result(report, id)["reason"].as_str().unwrap().to_string()
}

fn assert_no_key(texts: &[(&str, &str)]) {
    for (what, text) in texts {
        for key in [OLD_KEY, NEW_KEY] {
            assert!(
                !text.contains(key),
                "the API key leaked into {what}:\n{text}"
            );
        }
    }
}

/// Every file in `dir`, as text.
fn files(dir: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn two_drifting_instances_are_no_go_naming_each_drift_and_the_clone_scripts() {
    let lab = LabRuntime::new();
    let dir = Dir::new("drift-drifting");
    let ca = LabCa::new("drift test CA").unwrap();
    let ca_file = dir.path("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let old = fake(&lab, &ca, "old", OLD_KEY);
    let new = fake(&lab, &ca, "new", NEW_KEY);
    let out_dir = dir.path("out");
    let out = drift(
        &old.url,
        &new.url,
        &ca_file,
        &["--format", "json", "--out", &out_dir],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let report = json(&out);
    assert_eq!(report["datacenter"], "drift");
    assert_eq!(report["verdict"], "NO-GO");
    let ids: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "drift.window",
            "drift.projects",
            "drift.releases",
            "drift.packages",
            "drift.shared-targets",
            "drift.polling-clones"
        ]
    );

    assert_eq!(result(&report, "drift.projects")["status"], "fail");
    assert_eq!(
        reason(&report, "drift.projects"),
        "1 project missing on the new instance (Default/reporting); 2 projects changed on the old one since 2026-11-30T09:00:00Z (Default/web-portal: deployment process Version 15 on the old, 14 on the new; Default/billing-api: 1 change since the copy (audit log))"
    );
    assert_eq!(result(&report, "drift.releases")["status"], "fail");
    assert_eq!(
        reason(&report, "drift.releases"),
        "since 2026-11-30T09:00:00Z the old instance made 2 releases the new one lacks and ran 2 deployments: Default/billing-api: release 3.1.0; Default/web-portal: release 1.1.0, 2 deployments"
    );
    assert_eq!(result(&report, "drift.packages")["status"], "fail");
    assert_eq!(
        reason(&report, "drift.packages"),
        "2 package versions in the old instance's built-in feed are not on the new one: Default/BillingApi 3.1.0, Default/WebPortal 1.1.0"
    );
    assert_eq!(result(&report, "drift.shared-targets")["status"], "warn");
    assert!(
        reason(&report, "drift.shared-targets").starts_with("2 Tentacles are registered on both instances (w-east-1, web01) while the old server runs 2024.1.12281 and the new 2025.3.3000"),
        "{}",
        reason(&report, "drift.shared-targets")
    );
    let clones = result(&report, "drift.polling-clones");
    assert_eq!(clones["status"], "fail");
    assert_eq!(
        clones["reason"],
        "3 polling Tentacles on the old instance have no clone on the new server (app01, w-east-2, ops01): a polling Tentacle talks to one server only"
    );

    // One block per polling Tentacle, registered as on the old instance.
    let sh = clones["evidence"]["clone_tentacles_sh"].as_str().unwrap();
    let register = |name: &str| -> String {
        sh.lines()
            .find(|l| l.contains("\" register-") && l.contains(&format!("--name '{name}'")))
            .unwrap_or_else(|| panic!("no register line for {name}:\n{sh}"))
            .trim()
            .to_string()
    };
    let new_url = format!("NEW_SERVER='{}'", new.url);
    assert!(sh.contains(&new_url), "{sh}");
    assert!(register("app01").ends_with(
        "--comms-style 'TentacleActive' --name 'app01' --space 'Default' --server-comms-port '10943' --environment 'Production' --environment 'Staging' --role 'app-server' --role 'dc-east' --tenant 'Acme Corp' --tenant 'Globex' --tenanted-deployment-participation 'TenantedOrUntenanted'"
    ), "{}", register("app01"));
    assert!(register("w-east-2").starts_with("\"$TENTACLE\" register-worker "));
    assert!(register("w-east-2").ends_with(
        "--name 'w-east-2' --space 'Default' --server-comms-port '10943' --workerpool 'DC East'"
    ));
    assert!(register("ops01").ends_with("--name 'ops01' --space 'Platform Team' --server-comms-port '10943' --environment 'Operations' --role 'ops' --tenanted-deployment-participation 'Untenanted'"));
    assert_eq!(
        sh.matches("create-instance --instance").count(),
        3,
        "one clone per polling Tentacle"
    );
    // Listening Tentacles only trust the new certificate.
    assert_eq!(sh.matches("--trust \"$NEW_THUMBPRINT\"").count(), 2);
    assert!(sh.contains("NEW_THUMBPRINT='0A1B2C3D4E5F60718293A4B5C6D7E8F901234567'"));

    // Written beside the report, as the report shows them; shellcheck agrees.
    let written = files(&out_dir);
    let names: Vec<&str> = written
        .iter()
        .map(|(p, _)| Path::new(p).file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "clone-tentacles.ps1",
            "clone-tentacles.sh",
            "report.html",
            "report.json",
            "report.junit.xml",
            "report.md",
            "rules.csv"
        ]
    );
    assert_eq!(written[1].1, sh);
    assert_eq!(
        written[0].1,
        clones["evidence"]["clone_tentacles_ps1"].as_str().unwrap()
    );
    let check = Command::new("shellcheck")
        .args(["--shell=bash", "--severity=style", &written[1].0])
        .output()
        .expect("the clone script test needs shellcheck: install the Debian package `shellcheck` (scripts/test does this as root)");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let md = &written[5].1;
    assert!(
        md.contains("clone tentacles sh:\n\n```text\n#!/usr/bin/env bash\n"),
        "{md}"
    );
    assert!(
        written[2]
            .1
            .contains("<pre class=\"mono\">#!/usr/bin/env bash\n")
    );

    let verify = run(&["report", "verify", &dir.path("out/report.json")]);
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
    let mut texts: Vec<(&str, &str)> = written
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let (o, e) = (stdout(&out), stderr(&out));
    texts.push(("stdout", &o));
    texts.push(("stderr", &e));
    assert_no_key(&texts);

    // The same instances from a plan's [old_server] and [new_server], the CA file relative to it.
    let plan = format!(
        "version = 1\n\n[old_server]\nurl = \"{}\"\napi_key_env = \"OLD_OCTOPUS_KEY\"\nca_file = \"ca.pem\"\n\n[new_server]\nurl = \"{}\"\napi_key_env = \"NEW_OCTOPUS_KEY\"\nca_file = \"ca.pem\"\n",
        old.url, new.url
    );
    std::fs::write(dir.path("plan.toml"), plan).unwrap();
    let out = run_with_env(
        &[
            "drift",
            "--plan",
            &dir.path("plan.toml"),
            "--since",
            SINCE,
            "--format",
            "md",
        ],
        &[("OLD_OCTOPUS_KEY", OLD_KEY), ("NEW_OCTOPUS_KEY", NEW_KEY)],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("drift.polling-clones"));
    assert_no_key(&[("stdout", &stdout(&out)), ("stderr", &stderr(&out))]);

    // --discover: which of this machine's Tentacle instances trusts which server.
    let config = |thumbprint: &str, trusted: &str, style: u8| {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<octopus-settings>\n  <set key=\"Tentacle.CertificateThumbprint\">{thumbprint}</set>\n  <set key=\"Tentacle.Communication.TrustedOctopusServers\">[{{\"Thumbprint\":\"{trusted}\",\"CommunicationStyle\":{style},\"Address\":null}}]</set>\n</octopus-settings>\n"
        )
    };
    // web01's certificate, trusting the old server (listening).
    std::fs::write(
        dir.path("tentacle-web01.config"),
        config(
            "3C7A91E2B45D08F6A1C93E7B2D4F60A8C1E5B901",
            "5E8B7D2C41A09F36E1D4C7B2A58F903D6E1C4B27",
            1,
        ),
    )
    .unwrap();
    std::fs::write(dir.path("broken.config"), "<octopus-settings>").unwrap();
    let out = drift(
        &old.url,
        &new.url,
        &ca_file,
        &[
            "--format",
            "json",
            "--discover",
            "--config",
            &dir.path("tentacle-web01.config"),
            "--config",
            &dir.path("broken.config"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let shared = result(&report, "drift.shared-targets");
    assert!(
        shared["reason"]
            .as_str()
            .unwrap()
            .contains("; on this machine: web01 trusts old, "),
        "{shared}"
    );
    assert_eq!(
        shared["evidence"]["this_machine"][0]["registered_on_new"],
        true
    );
    assert_eq!(shared["evidence"]["this_machine"][0]["trusts_new"], "no");
    assert!(
        shared["evidence"]["this_machine"][1]["error"]
            .as_str()
            .unwrap()
            .contains("broken.config")
    );
}

#[test]
fn two_identical_instances_are_go() {
    let lab = LabRuntime::new();
    let dir = Dir::new("drift-identical");
    let ca = LabCa::new("drift test CA").unwrap();
    let ca_file = dir.path("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let old = fake(&lab, &ca, "same", OLD_KEY);
    let new = fake(&lab, &ca, "same", NEW_KEY);
    let out = drift(&old.url, &new.url, &ca_file, &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let report = json(&out);
    for r in report["results"].as_array().unwrap() {
        // The window warns only if this test runs more than 7 days after SINCE.
        let ok = r["status"] == "pass" || (r["id"] == "drift.window" && r["status"] == "warn");
        assert!(ok, "{r}");
    }
    assert_eq!(
        reason(&report, "drift.polling-clones"),
        "every polling Tentacle of the old instance is registered on the new one too (app01, w-east-2, ops01)"
    );
}

#[test]
fn a_new_instance_that_refuses_the_key_is_an_error_never_a_pass() {
    let lab = LabRuntime::new();
    let dir = Dir::new("drift-refused");
    let ca = LabCa::new("drift test CA").unwrap();
    let ca_file = dir.path("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let old = fake(&lab, &ca, "same", OLD_KEY);
    // The new instance accepts another key than the one given.
    let new = fake(&lab, &ca, "same", "API-SOMEOTHERKEY000000000000000");
    let out = drift(&old.url, &new.url, &ca_file, &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let report = json(&out);
    for r in report["results"].as_array().unwrap() {
        if r["id"] == "drift.window" {
            continue;
        }
        assert_eq!(r["status"], "error", "{r}");
        let reason = r["reason"].as_str().unwrap();
        assert!(reason.contains("of the new instance") && reason.contains("HTTP 401 Unauthorized: the API key from the environment variable NEW_OCTOPUS_KEY was not accepted"), "{reason}");
    }
    assert_no_key(&[("stdout", &stdout(&out)), ("stderr", &stderr(&out))]);

    // http:// is refused before any request: the input is wrong (exit 2).
    let (old_seen, new_seen) = (old.seen().len(), new.seen().len());
    let out = drift(
        &old.url,
        &new.url.replace("https://", "http://"),
        &ca_file,
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--new: refusing `http://127.0.0.1:"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        (old.seen().len(), new.seen().len()),
        (old_seen, new_seen),
        "no request was sent"
    );
    assert_no_key(&[("stdout", &stdout(&out)), ("stderr", &stderr(&out))]);
}

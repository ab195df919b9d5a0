//! `preflight plan from-octopus` against the fake Octopus API serving
//! `fixtures/octopus-api` over HTTPS (a lab CA, `--ca-file`): the plan it
//! writes passes `plan check` and `run --dc east` executes it against lab
//! servers standing in for the recorded Tentacles, polling port and feeds.
//! Errors exit 2 naming the URL; the API key shows up nowhere.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lab::certs::LabCa;
use lab::feeds::{FeedLab, LAB_USER, server_tls};
use lab::octopus_api::{Delay, FakeOctopus, FakeOctopusOptions, Fault};
use lab::tcp::OpenPort;
use lab::tls::TlsServer;
use lab::web::{HttpServer, Response};

use crate::support::{Dir, LabRuntime, json, run_with_env, stderr, stdout};

const KEY: &str = "API-OCTOPLANLAB0123456789ABCDEF";
const FEED_PASSWORD: &str = "Zq8-feed-s3cret-octoplan";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/octopus-api")
}

fn fake(
    lab: &LabRuntime,
    ca: &LabCa,
    replacements: Vec<(String, String)>,
    faults: &[(&str, Fault)],
) -> FakeOctopus {
    let cert = ca.issue("127.0.0.1", &["127.0.0.1", "localhost"]).unwrap();
    lab.start(FakeOctopus::start(
        "127.0.0.1:0".parse().unwrap(),
        Some(server_tls(&cert).unwrap()),
        FakeOctopusOptions {
            fixtures: fixtures(),
            api_key: KEY.into(),
            replacements,
            faults: faults
                .iter()
                .map(|(r, f)| (r.to_string(), f.clone()))
                .collect::<HashMap<_, _>>(),
            delay: Delay::None,
        },
    ))
}

fn from_octopus(server: &str, ca_file: &str, extra: &[&str], key: &str) -> std::process::Output {
    let mut args = vec![
        "plan",
        "from-octopus",
        "--server",
        server,
        "--api-key-env",
        "OLD_OCTOPUS_API_KEY",
        "--ca-file",
        ca_file,
    ];
    args.extend_from_slice(extra);
    run_with_env(&args, &[("OLD_OCTOPUS_API_KEY", key)])
}

#[test]
fn the_plan_written_from_the_api_passes_plan_check_and_runs_go_in_east() {
    let lab = LabRuntime::new();
    let dir = Dir::new("from-octopus-e2e");
    let ca = LabCa::new("from-octopus test CA").unwrap();
    let ca_file = dir.path("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();

    // Lab servers for what data center east must reach.
    let polling = lab.start(TlsServer::octopus_server());
    let web01 = lab.start(TlsServer::octopus_tentacle());
    let db01 = lab.start(TlsServer::octopus_tentacle());
    let worker = lab.start(TlsServer::octopus_tentacle());
    let k8s = lab.start(OpenPort::start());
    let feed_cert = ca.issue("127.0.0.1", &["127.0.0.1", "localhost"]).unwrap();
    let feeds = lab.start(FeedLab::start(
        "127.0.0.1:0".parse().unwrap(),
        Some(server_tls(&feed_cert).unwrap()),
        FEED_PASSWORD,
    ));
    let github = lab.start(HttpServer::start(
        "127.0.0.1:0".parse().unwrap(),
        Some(server_tls(&feed_cert).unwrap()),
        |_| Response::new(200, "application/json", r#"{"current_user_url":"/user"}"#),
    ));
    let mut replacements = vec![
        (
            "5E8B7D2C41A09F36E1D4C7B2A58F903D6E1C4B27".to_string(),
            polling.identity.thumbprint().to_string(),
        ),
        (
            "https://127.0.0.15:6443".into(),
            format!("https://{}", k8s.addr),
        ),
        ("https://127.0.0.1:18443".into(), feeds.base.clone()),
        (
            "localhost:18443".into(),
            format!("localhost:{}", feeds.server.addr.port()),
        ),
        (
            "https://127.0.0.1:18444/".into(),
            format!("https://{}/", github.addr),
        ),
    ];
    for (uri, thumbprint, server) in [
        (
            "https://127.0.0.11:10933/",
            "3C7A91E2B45D08F6A1C93E7B2D4F60A8C1E5B901",
            &web01,
        ),
        (
            "https://127.0.0.14:10933/",
            "2E4A6C8E0B2D4F6A8C0E2B4D6F8A0C2E4B6D8F21",
            &db01,
        ),
        (
            "https://127.0.0.21:10933/",
            "1A3B5C7D9E0F2A4B6C8D0E1F3A5B7C9D0E2F4A11",
            &worker,
        ),
    ] {
        replacements.push((uri.into(), format!("https://{}/", server.addr)));
        replacements.push((thumbprint.into(), server.identity.thumbprint().to_string()));
    }
    let api = fake(&lab, &ca, replacements, &[]);

    let polling_addr = polling.addr.to_string();
    let out = from_octopus(
        &api.url,
        &ca_file,
        &["--group-by", "role:dc-", "--polling", &polling_addr],
        KEY,
    );
    let plan = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}{plan}", stderr(&out));
    assert!(
        stderr(&out).contains("wrote a plan for 2 data center(s) (east, west): 7 Tentacle(s), 8 feed(s), from 2 space(s)"),
        "{}",
        stderr(&out)
    );
    assert!(!plan.contains(KEY) && !stderr(&out).contains(KEY));
    // The certificate comparison is opt-in: uncommenting api_key_env adds it.
    let opted_in = "\napi_key_env = \"OLD_OCTOPUS_API_KEY\"";
    let plan = plan.replacen("\n# api_key_env = \"OLD_OCTOPUS_API_KEY\"", opted_in, 1);
    assert!(plan.contains(opted_in), "{plan}");
    let plan_file = dir.path("plan.toml");
    std::fs::write(&plan_file, &plan).unwrap();

    let check = run_with_env(&["plan", "check", &plan_file], &[]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert!(
        stdout(&check).contains("valid plan, 2 data center(s)"),
        "{}",
        stdout(&check)
    );

    let report_dir = dir.path("east");
    let env = [
        ("OLD_OCTOPUS_API_KEY", KEY),
        ("FEED_PRIVATE_NUGET_USERNAME", LAB_USER),
        ("FEED_PRIVATE_NUGET_PASSWORD", FEED_PASSWORD),
        ("FEED_GITHUB_RELEASES_TOKEN", FEED_PASSWORD),
    ];
    let args = [
        "run",
        "--plan",
        &plan_file,
        "--dc",
        "east",
        "--ca-file",
        &ca_file,
        "--format",
        "json",
        "--out",
        &report_dir,
    ];
    let out = run_with_env(&args, &env);
    let report = json(&out);
    let results = report["results"].as_array().unwrap();
    let status: HashMap<&str, &str> = results
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    let not_passed: Vec<_> = results
        .iter()
        .filter(|r| r["status"] != "pass")
        .map(|r| format!("{} {}: {}", r["id"], r["status"], r["reason"]))
        .collect();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{not_passed:#?}\n{}",
        stderr(&out)
    );
    for id in [
        "dc.east.octopus.old-server-api",
        "dc.east.octopus.old-server-certificate",
        "dc.east.tentacle.web01.tls",
        "dc.east.tentacle.db01.tls",
        "dc.east.tentacle.w-east-1.tls",
        "dc.east.tcp.k8s-east-kubernetes-api",
        "dc.east.worker.dc-east.workers",
        "dc.east.feed.public-nuget-mirror",
        "dc.east.feed.legacy-nuget",
        "dc.east.feed.private-nuget",
        "dc.east.feed.docker-registry",
        "dc.east.feed.helm-charts",
        "dc.east.feed.maven-mirror",
        "dc.east.feed.github-releases",
        "dc.east.feed.container-images",
    ] {
        assert_eq!(status.get(id), Some(&"pass"), "{id}: {not_passed:#?}");
    }
    let polls = format!("tcp.127-0-0-1-{}", polling.addr.port());
    for tentacle in ["app01", "w-east-2"] {
        let id = format!("dc.east.tentacle.{tentacle}.{polls}");
        assert_eq!(status.get(id.as_str()), Some(&"pass"), "{id}: {status:#?}");
    }
    // Nothing of west ran here, and no output holds the key or the feed password.
    assert!(!status.keys().any(|id| id.starts_with("dc.west.")));
    for file in std::fs::read_dir(&report_dir).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        assert!(!text.contains(KEY) && !text.contains(FEED_PASSWORD));
    }
    assert!(!stdout(&out).contains(KEY) && !stderr(&out).contains(KEY));
}

#[test]
fn by_environment_an_old_version_warns_and_the_plan_still_checks() {
    let lab = LabRuntime::new();
    let dir = Dir::new("from-octopus-environment");
    let ca = LabCa::new("from-octopus test CA").unwrap();
    let ca_file = dir.path("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let api = fake(
        &lab,
        &ca,
        vec![("2024.1.12281".into(), "2020.6.4671".into())],
        &[],
    );
    let out = from_octopus(&api.url, &ca_file, &["--space", "Default"], KEY);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: the old server runs Octopus 2020.6.4671: Export/Import Projects needs 2021.1 or later"),
        "{}",
        stderr(&out)
    );
    let plan_file = dir.path("plan.toml");
    std::fs::write(&plan_file, stdout(&out)).unwrap();
    let check = run_with_env(&["plan", "check", &plan_file], &[]);
    let listed = stdout(&check);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert!(listed.contains("valid plan, 4 data center(s)"), "{listed}");
    for id in [
        "dc.production.octopus.old-server-api",
        "dc.production.tentacle.web02.tls",
        "dc.staging.tcp.ssh01-ssh",
        "dc.dc-east.worker.dc-east.workers",
    ] {
        assert!(listed.contains(id), "{id} not in {listed}");
    }
    assert!(
        !listed.contains("db01"),
        "space Platform Team was not asked for: {listed}"
    );
}

#[test]
fn api_failures_exit_2_naming_the_url_and_never_the_key() {
    let lab = LabRuntime::new();
    let dir = Dir::new("from-octopus-errors");
    let ca = LabCa::new("from-octopus test CA").unwrap();
    let ca_file = dir.path("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let api = fake(
        &lab,
        &ca,
        Vec::new(),
        &[(
            "api/Spaces-1/workers.skip-2",
            Fault::Fixture("faults/malformed-page.json".into()),
        )],
    );
    let cases = [
        (
            "API-WRONG-KEY-000000",
            "/api/configuration/certificates/certificate-global: HTTP 401 Unauthorized: the API key from the environment variable OLD_OCTOPUS_API_KEY was not accepted",
        ),
        (
            KEY,
            "/api/Spaces-1/workers?skip=2&take=2: expected a page of workers of space Default (Items, TotalResults, Links) as JSON, found malformed JSON",
        ),
    ];
    for (key, expected) in cases {
        let out = from_octopus(&api.url, &ca_file, &[], key);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
        assert!(
            stdout(&out).is_empty(),
            "no plan on failure: {}",
            stdout(&out)
        );
        assert!(!stderr(&out).contains(KEY));
    }
    let out = run_with_env(
        &[
            "plan",
            "from-octopus",
            "--server",
            &api.url,
            "--api-key-env",
            "NO_SUCH_VARIABLE_SET",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the environment variable NO_SUCH_VARIABLE_SET is not set"),
        "{}",
        stderr(&out)
    );
    let out = from_octopus(&api.url, &ca_file, &["--group-by", "pool"], KEY);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("expected `environment` or `role:PREFIX`"),
        "{}",
        stderr(&out)
    );
}

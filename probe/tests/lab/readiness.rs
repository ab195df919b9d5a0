//! The readiness family's `gather` against the fake API over HTTPS: every
//! space's resources are read, the filters go in the query, a 403 on one
//! endpoint stays that endpoint's error while the rest are read, the reads
//! run `MAX_IN_FLIGHT` at a time (not one, not more), and the evidence does
//! not depend on the order the answers arrive in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lab::certs::LabCa;
use lab::feeds::server_tls;
use lab::octopus_api::{Delay, FakeOctopus, FakeOctopusOptions, Fault};
use probe::checks::readiness::{GatherOptions, gather};
use probe::octopus_api::{ClientOptions, MAX_IN_FLIGHT};
use probe::since::{Since, parse_instant};

const KEY: &str = "API-READINESSGATHER0123456789A";

async fn fake(faults: &[(&str, Fault)], name: &str) -> (FakeOctopus, PathBuf) {
    fake_delayed(faults, name, Delay::None).await
}

async fn fake_delayed(
    faults: &[(&str, Fault)],
    name: &str,
    delay: Delay,
) -> (FakeOctopus, PathBuf) {
    let ca = LabCa::new("readiness gather CA").unwrap();
    let cert = ca.issue("127.0.0.1", &["127.0.0.1"]).unwrap();
    let ca_file = std::env::temp_dir().join(format!(
        "preflight-readiness-gather-{name}-{}.pem",
        std::process::id()
    ));
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let api = FakeOctopus::start(
        "127.0.0.1:0".parse().unwrap(),
        Some(server_tls(&cert).unwrap()),
        FakeOctopusOptions {
            fixtures: Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/octopus-api"),
            api_key: KEY.into(),
            replacements: Vec::new(),
            faults: faults
                .iter()
                .map(|(r, f)| (r.to_string(), f.clone()))
                .collect::<HashMap<_, _>>(),
            delay,
        },
    )
    .await
    .unwrap();
    (api, ca_file)
}

fn options(url: &str, ca_file: &Path, since: Option<Since>) -> GatherOptions {
    GatherOptions {
        old: ClientOptions {
            server: url.into(),
            api_key: KEY.into(),
            key_source: "the environment variable K".into(),
            ca_file: Some(ca_file.to_path_buf()),
            timeout: Duration::from_secs(10),
            max_pages: 50,
        },
        new: None,
        since,
    }
}

#[tokio::test]
async fn every_space_is_read_and_the_filters_go_in_the_query() {
    let (api, ca_file) = fake(&[], "all").await;
    let since = Since(parse_instant("2026-11-25T00:00:00Z").unwrap());
    let ev = gather(&options(&api.url, &ca_file, Some(since)))
        .await
        .unwrap();
    std::fs::remove_file(&ca_file).ok();
    let spaces = ev.spaces.as_ref().unwrap();
    assert_eq!(
        spaces
            .iter()
            .map(|s| s.space.name.as_str())
            .collect::<Vec<_>>(),
        ["Default", "Platform Team"]
    );
    // Machines over three pages in space 1, a Kubernetes target in space 2.
    assert_eq!(spaces[0].machines.as_ref().unwrap().len(), 5);
    assert_eq!(spaces[1].machines.as_ref().unwrap().len(), 3);
    assert_eq!(spaces[0].deployment_processes.as_ref().unwrap().len(), 2);
    assert!(spaces[1].deployment_processes.as_ref().unwrap().is_empty());
    assert_eq!(ev.users.as_ref().unwrap().len(), 6);
    assert!(ev.directory_configs.iter().all(|(_, r)| r.is_ok()));
    assert_eq!(ev.events.as_ref().unwrap().as_ref().unwrap().len(), 4);
    let seen: Vec<String> = api.seen().into_iter().map(|s| s.path).collect();
    assert!(
        seen.iter().any(|p| p.starts_with("/api/events?")
            && p.contains("from=2026-11-25T00%3A00%3A00Z")
            && p.contains("eventCategories=Created%2CDeploymentQueued")),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|p| p.starts_with("/api/tasks?")
            && p.contains("states=Queued%2CExecuting%2CCancelling")),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_denied_endpoint_is_its_own_error_and_the_rest_are_read() {
    let (api, ca_file) = fake(
        &[(
            "api/Spaces-1/packages",
            Fault::Status(403, "Missing permission: FeedView".into()),
        )],
        "denied",
    )
    .await;
    let ev = gather(&options(&api.url, &ca_file, None)).await.unwrap();
    std::fs::remove_file(&ca_file).ok();
    let spaces = ev.spaces.as_ref().unwrap();
    let e = spaces[0].packages.as_ref().unwrap_err();
    assert_eq!(e.status, Some(403));
    assert_eq!(e.permission, "FeedView");
    assert!(e.is_denied());
    assert!(
        e.describe().contains("/api/Spaces-1/packages")
            && e.describe().contains("FeedView permission"),
        "{}",
        e.describe()
    );
    assert!(spaces[0].machines.is_ok() && spaces[1].packages.is_ok() && ev.users.is_ok());
    assert!(ev.events.is_none(), "no --since: no audit events read");
}

#[tokio::test]
async fn http_is_refused_before_any_request() {
    let api = FakeOctopus::start(
        "127.0.0.1:0".parse().unwrap(),
        None,
        FakeOctopusOptions {
            fixtures: Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/octopus-api/clean"),
            api_key: KEY.into(),
            replacements: Vec::new(),
            faults: HashMap::new(),
            delay: Delay::None,
        },
    )
    .await
    .unwrap();
    let e = gather(&options(&api.url, Path::new("/nonexistent.pem"), None))
        .await
        .unwrap_err();
    assert!(e.message.contains("refusing") && e.url.is_none(), "{e}");
    assert!(api.seen().is_empty());
}

#[tokio::test]
async fn reads_run_concurrently_but_never_more_than_max_in_flight_at_once() {
    // Every answer takes a while, so reads sent together overlap at the
    // server: more than MAX_IN_FLIGHT of them are ready to go at the start
    // (eleven top-level reads) and in every space (eleven collections).
    let (api, ca_file) = fake_delayed(&[], "bound", Delay::Fixed(Duration::from_millis(150))).await;
    let ev = gather(&options(&api.url, &ca_file, None)).await.unwrap();
    std::fs::remove_file(&ca_file).ok();
    assert_eq!(ev.spaces.as_ref().unwrap().len(), 2);
    assert!(api.seen().len() > 2 * MAX_IN_FLIGHT, "{}", api.seen().len());
    assert_eq!(
        api.most_in_flight(),
        MAX_IN_FLIGHT,
        "parallel (not one at a time) and bounded (never more)"
    );
}

#[tokio::test]
async fn the_evidence_is_the_same_whatever_order_the_answers_arrive_in() {
    // Failures, paging notes from the top level and from a space: all of
    // them must come out in one order, answers in order or scrambled.
    let mismatch = |what: &str| {
        Fault::Body(format!(
            r#"{{"ItemType":"{what}","TotalResults":3,"ItemsPerPage":100,"Items":[],"Links":{{}}}}"#
        ))
    };
    let faults = [
        (
            "api/Spaces-1/packages",
            Fault::Status(403, "Missing permission: FeedView".into()),
        ),
        (
            "api/Spaces-1/subscriptions",
            Fault::Status(500, "boom".into()),
        ),
        ("api/teams", mismatch("Team")),
        ("api/Spaces-2/runbooks", mismatch("Runbook")),
        ("api/users", Fault::Body("{ not json".into())),
    ];
    let since = Since(parse_instant("2026-11-25T00:00:00Z").unwrap());
    let mut evidence = Vec::new();
    for (name, delay) in [
        ("in-order", Delay::None),
        ("scrambled", Delay::Scrambled(Duration::from_millis(15))),
        (
            "first-space-last",
            Delay::Prefix("/api/Spaces-1/", Duration::from_millis(200)),
        ),
        (
            "second-space-last",
            Delay::Prefix("/api/Spaces-2/", Duration::from_millis(200)),
        ),
        (
            "top-level-last",
            Delay::Prefix("/api/teams", Duration::from_millis(200)),
        ),
    ] {
        let (api, ca_file) = fake_delayed(&faults, name, delay).await;
        let ev = gather(&options(&api.url, &ca_file, Some(since)))
            .await
            .unwrap();
        std::fs::remove_file(&ca_file).ok();
        assert_eq!(ev.notes.len(), 2, "{:?}", ev.notes);
        evidence.push(format!("{ev:?}").replace(&api.url, "https://fake"));
    }
    assert!(evidence[0].contains("FeedView") && evidence[0].contains("TotalResults said 3"));
    for (i, other) in evidence.iter().enumerate().skip(1) {
        assert_eq!(&evidence[0], other, "run {i}");
    }
}

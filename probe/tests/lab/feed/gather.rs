//! Feed checks against the loopback feed lab: every kind over TLS with a
//! throw-away CA, redirects, the Docker login, missing credentials, names
//! resolved by the run's resolvers.

use std::collections::HashMap;
use std::time::Duration;

use report::Status;

use super::protocol::spec;
use lab::certs::LabCa;
use lab::feeds::{FeedLab, LAB_USER, paths};
use probe::Context;
use probe::checks::feed::*;

fn ctx() -> Context {
    Context::new(Duration::from_secs(2), "test")
}

const PASSWORD: &str = "lab-Pa55word-7f3a9c";

fn lab_env() -> impl Fn(&str) -> Option<String> + Sync {
    let map: HashMap<&str, &str> = [("FEED_USER", LAB_USER), ("FEED_PASSWORD", PASSWORD)].into();
    move |k| map.get(k).map(|v| v.to_string())
}

fn basic() -> Option<Credentials> {
    Some(Credentials::Basic {
        username_env: "FEED_USER".into(),
        password_env: "FEED_PASSWORD".into(),
    })
}

async fn run(s: &FeedSpec) -> report::Status {
    let ev = gather_with_env(&ctx(), s, &lab_env()).await;
    let o = assess(&ev, s, "test");
    let text = format!("{} {}", o.reason, o.evidence);
    assert!(!text.contains(PASSWORD), "the password leaked: {text}");
    o.status
}

#[tokio::test]
async fn every_feed_kind_against_the_loopback_lab_over_tls() {
    let ca = LabCa::new("preflight test CA").unwrap();
    let cert = ca.issue("127.0.0.1", &["127.0.0.1", "localhost"]).unwrap();
    let lab = FeedLab::start(
        "127.0.0.1:0".parse().unwrap(),
        Some(lab::feeds::server_tls(&cert).unwrap()),
        PASSWORD,
    )
    .await
    .unwrap();
    let dir = tempfile_dir("tls");
    let ca_file = {
        let path = dir.join("ca.pem");
        std::fs::write(&path, ca.pem()).unwrap();
        path
    };
    let cases = [
        (FeedKind::NugetV3, paths::NUGET_V3, None, Status::Pass),
        (FeedKind::NugetV3, paths::NUGET_V3_MOVED, None, Status::Pass),
        (
            FeedKind::NugetV3,
            paths::NUGET_V3_PRIVATE,
            basic(),
            Status::Pass,
        ),
        (
            FeedKind::NugetV3,
            paths::NUGET_V3_PRIVATE,
            None,
            Status::Fail,
        ),
        (FeedKind::NugetV3, paths::BLOCKED_FEED, None, Status::Fail),
        (FeedKind::NugetV3, paths::SSO_FEED, None, Status::Fail),
        (FeedKind::NugetV3, paths::LOOP, None, Status::Fail),
        (FeedKind::NugetV3, paths::HUGE, None, Status::Fail),
        (FeedKind::NugetV2, paths::NUGET_V2, None, Status::Pass),
        (FeedKind::Helm, paths::HELM, None, Status::Pass),
        (FeedKind::Maven, paths::MAVEN_METADATA, None, Status::Pass),
        (FeedKind::Maven, paths::MAVEN_ROOT, None, Status::Pass),
        (FeedKind::Docker, paths::DOCKER_OPEN, None, Status::Pass),
        (FeedKind::Docker, paths::DOCKER_AUTH, None, Status::Pass),
        (FeedKind::Docker, paths::DOCKER_AUTH, basic(), Status::Pass),
        (FeedKind::Docker, paths::WEB_401, None, Status::Fail),
        (FeedKind::Http, "/nothing-here", None, Status::Fail),
    ];
    for (kind, p, creds, want) in cases {
        let mut s = spec(kind, &lab.url(p), Via::Direct);
        s.credentials = creds;
        s.ca_file = Some(ca_file.clone());
        assert_eq!(run(&s).await, want, "{kind} {p}");
    }
    // Without the lab CA the certificate is not trusted: a TLS failure, not a pass.
    let s = spec(FeedKind::NugetV3, &lab.url(paths::NUGET_V3), Via::Direct);
    let ev = gather_with_env(&ctx(), &s, &lab_env()).await;
    let o = assess(&ev, &s, "test");
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.evidence.json()["error"], "tls", "{}", o.evidence);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn redirects_are_recorded_and_wrong_docker_credentials_fail() {
    let lab = FeedLab::start("127.0.0.1:0".parse().unwrap(), None, PASSWORD)
        .await
        .unwrap();
    let s = spec(
        FeedKind::NugetV3,
        &lab.url(paths::BLOCKED_FEED),
        Via::Direct,
    );
    let o = assess(&gather_with_env(&ctx(), &s, &lab_env()).await, &s, "test");
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.evidence.json()["redirects"][0]["status"], 302);
    assert_eq!(o.evidence.json()["final_url"], lab.url(paths::BLOCK_PAGE));
    assert!(
        o.reason.contains("not a NuGet v3 service index"),
        "{}",
        o.reason
    );

    // Credentials go only over https: the registry half runs on the TLS lab.
    let ca = LabCa::new("preflight test CA").unwrap();
    let cert = ca.issue("127.0.0.1", &["127.0.0.1"]).unwrap();
    let lab = FeedLab::start(
        "127.0.0.1:0".parse().unwrap(),
        Some(lab::feeds::server_tls(&cert).unwrap()),
        PASSWORD,
    )
    .await
    .unwrap();
    let dir = tempfile_dir("wrong-docker");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let mut s = spec(FeedKind::Docker, &lab.url(paths::DOCKER_AUTH), Via::Direct);
    s.credentials = basic();
    s.ca_file = Some(ca_file);
    let wrong = |k: &str| match k {
        "FEED_USER" => Some(LAB_USER.to_string()),
        "FEED_PASSWORD" => Some("wrong-password".to_string()),
        _ => None,
    };
    let o = assess(&gather_with_env(&ctx(), &s, &wrong).await, &s, "test");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(o.reason.contains("login failed"), "{}", o.reason);
    assert_eq!(o.evidence.json()["login"]["realm_status"], 401);
    // Credentials went to the token realm, never preemptively to /v2/.
    let seen = lab.server.seen();
    assert!(
        seen.iter()
            .any(|r| r.path.starts_with("/auth/token") && r.authorization)
    );
    assert!(
        seen.iter()
            .filter(|r| r.path == "/auth/v2/")
            .all(|r| !r.authorization)
    );
}

#[tokio::test]
async fn via_proxy_without_a_proxy_is_an_error_and_a_refused_port_fails() {
    let lab = FeedLab::start("127.0.0.1:0".parse().unwrap(), None, PASSWORD)
        .await
        .unwrap();
    let s = spec(FeedKind::NugetV3, &lab.url(paths::NUGET_V3), Via::Proxy);
    let o = assess(&gather_with_env(&ctx(), &s, &|_| None).await, &s, "test");
    assert_eq!(o.status, Status::Error, "{}", o.reason);
    assert!(o.reason.contains("no proxy for http URLs"), "{}", o.reason);

    let closed = lab::tcp::closed_port().unwrap();
    let s = spec(FeedKind::Helm, &format!("http://{closed}/"), Via::Direct);
    let o = assess(&gather_with_env(&ctx(), &s, &|_| None).await, &s, "test");
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.evidence.json()["error"], "connect", "{}", o.evidence);
    assert_eq!(
        o.evidence.json()["address"],
        closed.to_string(),
        "{}",
        o.evidence
    );
    assert_eq!(
        o.evidence.json()["source"],
        "127.0.0.1",
        "the route's source"
    );
    assert!(
        o.remediation
            .unwrap()
            .contains("firewall rule allowing TCP")
    );
}

#[tokio::test]
async fn a_missing_credential_variable_stops_before_any_request() {
    let lab = FeedLab::start("127.0.0.1:0".parse().unwrap(), None, PASSWORD)
        .await
        .unwrap();
    // https (credentials go nowhere else); nothing is sent, so no TLS is needed.
    let url = lab
        .url(paths::NUGET_V3_PRIVATE)
        .replace("http://", "https://");
    let mut s = spec(FeedKind::NugetV3, &url, Via::Direct);
    s.credentials = basic();
    let o = assess(&gather_with_env(&ctx(), &s, &|_| None).await, &s, "test");
    assert_eq!(o.status, Status::Error);
    assert!(o.reason.contains("FEED_USER"), "{}", o.reason);
    assert!(lab.server.seen().is_empty());
}

fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("preflight-feed-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn feed_names_resolve_with_the_runs_resolvers_and_cloud_reach_is_judged() {
    use lab::dns::{DnsServer, LabZone};
    use probe::net::resolve::ResolverSpec;
    let zone = LabZone::new("example.com").a("feeds.example.com", std::net::Ipv4Addr::LOCALHOST);
    let dns = DnsServer::start(&zone).await.unwrap();
    let lab = FeedLab::start("127.0.0.1:0".parse().unwrap(), None, PASSWORD)
        .await
        .unwrap();
    let ctx = ctx().with_resolvers(&[ResolverSpec::Server(dns.addr)]);
    let url = format!(
        "http://feeds.example.com:{}{}",
        lab.server.addr.port(),
        paths::NUGET_V3
    );
    let mut s = spec(FeedKind::NugetV3, &url, Via::Direct);
    let o = assess(&gather_with_env(&ctx, &s, &|_| None).await, &s, "east");
    assert_eq!(o.status, Status::Pass, "{}", o.reason);

    // The Octopus Cloud server fetches it: a loopback (non-public) address fails.
    s.server_side = true;
    s.cloud = true;
    let o = assess(&gather_with_env(&ctx, &s, &|_| None).await, &s, "east");
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(
        o.reason
            .starts_with("feeds.example.com resolves to 127.0.0.1 (loopback"),
        "{}",
        o.reason
    );
    assert_eq!(o.evidence.json()["resolved"][0], "127.0.0.1");
    assert_eq!(
        o.evidence.json()["protocol_ok"],
        true,
        "the probe itself still ran"
    );
}

#[tokio::test]
async fn hostile_endpoints_fail_in_bounded_time() {
    use lab::misbehaving::{Behaviour, Misbehaving};
    let ctx = Context::new(Duration::from_millis(500), "test");
    for (behaviour, stage) in [
        (Behaviour::NeverSpeaks, "timeout"),
        (Behaviour::Garbage, "tls"),
        (Behaviour::PlainHttp, "tls"),
    ] {
        let server = Misbehaving::start(behaviour).await.unwrap();
        let s = spec(
            FeedKind::NugetV3,
            &format!("https://{}/v3/index.json", server.addr),
            Via::Direct,
        );
        let start = std::time::Instant::now();
        let o = assess(&gather_with_env(&ctx, &s, &|_| None).await, &s, "test");
        let took = start.elapsed();
        assert_eq!(o.status, Status::Fail, "{behaviour:?}: {}", o.reason);
        assert_eq!(
            o.evidence.json()["error"],
            stage,
            "{behaviour:?}: {}",
            o.evidence
        );
        assert!(
            took < Duration::from_millis(2000),
            "{behaviour:?} took {took:?}"
        );
    }
}

#[tokio::test]
async fn a_redirect_loop_is_followed_exactly_max_redirects_times() {
    // The documented limit: docs/trust.md and the message say 10.
    assert_eq!(MAX_REDIRECTS, 10);
    let lab = FeedLab::start("127.0.0.1:0".parse().unwrap(), None, PASSWORD)
        .await
        .unwrap();
    let s = spec(FeedKind::NugetV3, &lab.url(paths::LOOP), Via::Direct);
    let o = assess(&gather_with_env(&ctx(), &s, &|_| None).await, &s, "test");
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert_eq!(o.evidence.json()["error"], "redirect", "{}", o.evidence);
    assert!(
        o.reason.contains(
            "stopped after following 10 redirects (the limit); the last answer redirects again, to `/loop`"
        ),
        "{}",
        o.reason
    );
    // The first request and the 10 redirects followed: 11 requests, each
    // answer a redirect (recorded), the last one not followed.
    let requests = lab
        .server
        .seen()
        .iter()
        .filter(|r| r.path == paths::LOOP)
        .count();
    assert_eq!(requests, MAX_REDIRECTS + 1);
    assert_eq!(
        o.evidence.json()["redirects"].as_array().map(Vec::len),
        Some(MAX_REDIRECTS + 1)
    );
    assert_eq!(o.evidence.json()["final_url"], lab.url(paths::LOOP));
}

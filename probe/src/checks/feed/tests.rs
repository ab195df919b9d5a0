//! Feed checks: the protocol rules and the path logic without a network, then
//! `gather` against the loopback feed lab (plain and TLS).

use std::collections::HashMap;
use std::time::Duration;

use report::Status;

use super::fetch::Stage;
use super::protocol::{judge, parse_challenge, token_from_json};
use super::*;
use crate::lab::certs::LabCa;
use crate::lab::feeds::{self, FeedLab, LAB_USER, paths};

fn ex(status: u16, content_type: &str, body: &str) -> Exchange {
    Exchange {
        status,
        headers: vec![("content-type".into(), content_type.into())],
        body: body.as_bytes().to_vec(),
        truncated: false,
    }
}

fn spec(kind: FeedKind, url: &str, via: Via) -> FeedSpec {
    FeedSpec {
        kind,
        url: url::Url::parse(url).unwrap(),
        credentials: None,
        via,
        expect_status: 200,
        ca_file: None,
        proxy: None,
        server_side: false,
        cloud: false,
    }
}

#[test]
fn nuget_v3_index_passes_and_a_block_page_fails_with_its_first_bytes() {
    let ok = judge(
        FeedKind::NugetV3,
        &ex(200, "application/json", feeds::NUGET_V3_INDEX),
        200,
        false,
        None,
    );
    assert!(ok.ok, "{}", ok.detail);
    assert!(
        ok.detail.contains("version 3.0.0") && ok.detail.contains("PackageBaseAddress"),
        "{}",
        ok.detail
    );

    let block = judge(
        FeedKind::NugetV3,
        &ex(200, "text/html", feeds::BLOCK_PAGE_HTML),
        200,
        false,
        None,
    );
    assert!(!block.ok);
    assert!(
        block.detail.starts_with("not a NuGet v3 service index"),
        "{}",
        block.detail
    );
    assert!(
        block.detail.contains("text/html") && block.detail.contains("Access denied"),
        "{}",
        block.detail
    );

    let v2_json = r#"{"version": "2.0.0", "resources": []}"#;
    assert!(
        !judge(
            FeedKind::NugetV3,
            &ex(200, "application/json", v2_json),
            200,
            false,
            None
        )
        .ok
    );
    let no_types = r#"{"version": "3.0.0", "resources": [{"@type": "RegistrationsBaseUrl"}]}"#;
    let j = judge(
        FeedKind::NugetV3,
        &ex(200, "application/json", no_types),
        200,
        false,
        None,
    );
    assert!(
        !j.ok && j.detail.contains("neither PackageBaseAddress"),
        "{}",
        j.detail
    );
}

#[test]
fn status_codes_say_what_went_wrong() {
    let j = judge(
        FeedKind::NugetV3,
        &ex(401, "text/plain", "no"),
        200,
        true,
        None,
    );
    assert!(
        j.detail.contains("credentials were rejected"),
        "{}",
        j.detail
    );
    let j = judge(
        FeedKind::NugetV3,
        &ex(401, "text/plain", "no"),
        200,
        false,
        None,
    );
    assert!(j.detail.contains("wants credentials"), "{}", j.detail);
    let j = judge(
        FeedKind::Helm,
        &ex(404, "text/html", "<h1>404</h1>"),
        200,
        false,
        None,
    );
    assert!(!j.ok && j.detail.contains("HTTP 404"), "{}", j.detail);
    assert!(judge(FeedKind::Http, &ex(204, "", ""), 204, false, None).ok);
    let j = judge(
        FeedKind::Http,
        &ex(200, "text/html", "hi"),
        204,
        false,
        None,
    );
    assert!(
        !j.ok && j.detail.contains("expected HTTP 204"),
        "{}",
        j.detail
    );
}

#[test]
fn nuget_v2_service_document_and_metadata_pass_html_fails() {
    for body in [feeds::NUGET_V2_SERVICE, feeds::NUGET_V2_METADATA] {
        let j = judge(
            FeedKind::NugetV2,
            &ex(200, "application/xml", body),
            200,
            false,
            None,
        );
        assert!(j.ok, "{}", j.detail);
    }
    let j = judge(
        FeedKind::NugetV2,
        &ex(200, "text/html", feeds::BLOCK_PAGE_HTML),
        200,
        false,
        None,
    );
    assert!(
        !j.ok && j.detail.starts_with("not a NuGet v2"),
        "{}",
        j.detail
    );
    let other = "<?xml version=\"1.0\"?><rss><channel/></rss>";
    let j = judge(
        FeedKind::NugetV2,
        &ex(200, "application/xml", other),
        200,
        false,
        None,
    );
    assert!(!j.ok && j.detail.contains("<rss>"), "{}", j.detail);
}

#[test]
fn helm_and_maven_documents() {
    let j = judge(
        FeedKind::Helm,
        &ex(200, "application/x-yaml", feeds::HELM_INDEX),
        200,
        false,
        None,
    );
    assert!(j.ok && j.detail.contains("2 charts"), "{}", j.detail);
    let j = judge(
        FeedKind::Helm,
        &ex(200, "text/html", feeds::BLOCK_PAGE_HTML),
        200,
        false,
        None,
    );
    assert!(!j.ok && j.detail.contains("apiVersion"), "{}", j.detail);
    let mut big = ex(200, "application/x-yaml", feeds::HELM_INDEX);
    big.truncated = true;
    let j = judge(FeedKind::Helm, &big, 200, false, None);
    assert!(j.ok && j.detail.contains("first 2 MiB"), "{}", j.detail);

    let j = judge(
        FeedKind::Maven,
        &ex(200, "text/xml", feeds::MAVEN_METADATA_XML),
        200,
        false,
        None,
    );
    assert!(j.ok && j.detail.contains("2 versions"), "{}", j.detail);
    let login =
        "<html><form><input type=\"password\" name=\"p\"><a href=\"/help\">help</a></form></html>";
    assert!(
        !judge(
            FeedKind::Maven,
            &ex(200, "text/html", login),
            200,
            false,
            None
        )
        .ok
    );
    let listing = "<html><body><a href=\"org/\">org/</a></body></html>";
    let j = judge(
        FeedKind::Maven,
        &ex(200, "text/html", listing),
        200,
        false,
        None,
    );
    assert!(j.ok && j.detail.contains("weak evidence"), "{}", j.detail);
}

#[test]
fn docker_registry_401_differs_from_a_web_server_401() {
    let challenge =
        "Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\"";
    let registry = ex(401, "application/json", "{}");
    let mut registry = registry;
    registry
        .headers
        .push(("www-authenticate".into(), challenge.into()));
    registry.headers.push((
        "docker-distribution-api-version".into(),
        "registry/2.0".into(),
    ));
    let j = judge(FeedKind::Docker, &registry, 200, false, None);
    assert!(j.ok, "{}", j.detail);
    assert!(
        j.detail.contains("realm https://auth.example.com/token"),
        "{}",
        j.detail
    );

    let mut web = ex(401, "text/html", "<html>401</html>");
    web.headers
        .push(("www-authenticate".into(), "Basic realm=\"intranet\"".into()));
    let j = judge(FeedKind::Docker, &web, 200, false, None);
    assert!(!j.ok, "{}", j.detail);
    assert!(
        j.detail.contains("a web server asking for credentials"),
        "{}",
        j.detail
    );

    let trip_ok = LoginRoundTrip {
        scheme: "bearer".into(),
        token_issued: true,
        realm_status: Some(200),
        registry_status: Some(200),
        ..Default::default()
    };
    assert!(judge(FeedKind::Docker, &registry, 200, true, Some(&trip_ok)).ok);
    let trip_bad = LoginRoundTrip {
        scheme: "bearer".into(),
        realm_status: Some(401),
        error: Some("the realm returned no token".into()),
        ..Default::default()
    };
    let j = judge(FeedKind::Docker, &registry, 200, true, Some(&trip_bad));
    assert!(!j.ok && j.detail.contains("login failed"), "{}", j.detail);
}

#[test]
fn challenges_and_tokens_parse() {
    let c = parse_challenge(
        "Bearer realm=\"https://a.example.com/t\",service=\"r\",scope=\"repository:x:pull,push\"",
    )
    .unwrap();
    assert_eq!(c.scheme, "bearer");
    assert_eq!(c.param("realm"), Some("https://a.example.com/t"));
    assert_eq!(c.param("scope"), Some("repository:x:pull,push"));
    assert_eq!(
        parse_challenge("Basic realm=x").unwrap().param("realm"),
        Some("x")
    );
    assert_eq!(
        token_from_json(br#"{"access_token":"abc"}"#),
        Some("abc".into())
    );
    assert_eq!(token_from_json(b"<html>"), None);
}

fn path(via: PathVia, answer: Result<Exchange, TransportError>) -> PathEvidence {
    PathEvidence {
        via,
        url: "https://nuget.example.com/v3/index.json".into(),
        final_url: Some("https://nuget.example.com/v3/index.json".into()),
        proxy: (via == PathVia::Proxy).then(|| "http://proxy.example.com:3128".into()),
        proxy_source: None,
        bypassed_by: None,
        redirects: vec![],
        answer,
        login: None,
        authenticated: false,
        elapsed_ms: 5,
        unused_env_proxy: None,
    }
}

fn blocked() -> Result<Exchange, TransportError> {
    Err(TransportError {
        stage: Stage::Timeout,
        message: "operation timed out".into(),
    })
}

fn index() -> Result<Exchange, TransportError> {
    Ok(ex(200, "application/json", feeds::NUGET_V3_INDEX))
}

#[test]
fn via_both_tells_direct_blocked_proxy_ok_from_both_failing() {
    let s = spec(
        FeedKind::NugetV3,
        "https://nuget.example.com/v3/index.json",
        Via::Both,
    );
    let ev = |d, p| FeedEvidence {
        paths: vec![path(PathVia::Direct, d), path(PathVia::Proxy, p)],
        ..Default::default()
    };
    let o = assess(&ev(blocked(), index()), &s, "data center east");
    assert_eq!(o.status, Status::Pass);
    assert!(
        o.reason
            .starts_with("direct blocked, proxy OK (through http://proxy.example.com:3128)"),
        "{}",
        o.reason
    );
    assert_eq!(o.evidence["paths"][0]["via"], "direct");
    assert_eq!(o.evidence["paths"][0]["protocol_ok"], false);
    assert_eq!(o.evidence["paths"][0]["error"], "timeout");
    assert_eq!(
        o.evidence["paths"][1]["proxy"],
        "http://proxy.example.com:3128"
    );
    assert_eq!(o.evidence["paths"][1]["protocol_ok"], true);

    let block = Ok(ex(200, "text/html", feeds::BLOCK_PAGE_HTML));
    let o = assess(&ev(blocked(), block), &s, "data center east");
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.starts_with("both fail"), "{}", o.reason);
    assert!(
        o.reason.contains("not a NuGet v3 service index"),
        "{}",
        o.reason
    );

    let o = assess(&ev(index(), blocked()), &s, "east");
    assert_eq!(o.status, Status::Warn);
    assert!(
        o.reason.starts_with("direct OK, proxy fails"),
        "{}",
        o.reason
    );
}

#[test]
fn single_path_evidence_has_the_documented_keys() {
    let s = spec(
        FeedKind::NugetV3,
        "https://nuget.example.com/v3/index.json",
        Via::Direct,
    );
    let ev = FeedEvidence {
        paths: vec![path(PathVia::Direct, index())],
        ..Default::default()
    };
    let o = assess(&ev, &s, "east");
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    for key in [
        "kind",
        "url",
        "final_url",
        "status",
        "via",
        "proxy",
        "elapsed_ms",
        "protocol_ok",
        "detail",
    ] {
        assert!(
            o.evidence.get(key).is_some(),
            "missing {key}: {}",
            o.evidence
        );
    }
    assert_eq!(o.evidence["kind"], "nuget-v3");
    assert_eq!(o.evidence["status"], 200);
    assert!(o.evidence["proxy"].is_null());
}

#[test]
fn server_side_feed_on_a_private_address_fails_for_octopus_cloud() {
    let mut s = spec(
        FeedKind::NugetV3,
        "https://nuget.corp.example.com/v3/index.json",
        Via::Direct,
    );
    s.server_side = true;
    s.cloud = true;
    let ev = FeedEvidence {
        paths: vec![path(PathVia::Direct, index())],
        resolved: Some(Ok(vec!["10.20.30.40".parse().unwrap()])),
        setup_error: None,
    };
    let o = assess(&ev, &s, "east");
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.reason.contains("10.20.30.40 (private (RFC 1918"),
        "{}",
        o.reason
    );
    assert!(o.reason.contains("Octopus Cloud cannot reach a private address; expose it or use a publicly reachable proxy"), "{}", o.reason);
    assert_eq!(o.evidence["resolved"][0], "10.20.30.40");
    let public = FeedEvidence {
        resolved: Some(Ok(vec!["100.128.0.1".parse().unwrap()])),
        ..ev
    };
    assert_eq!(assess(&public, &s, "east").status, Status::Pass);
}

#[test]
fn a_missing_credential_variable_is_an_error_naming_the_variable_only() {
    let s = spec(
        FeedKind::NugetV3,
        "https://nuget.example.com/v3/index.json",
        Via::Direct,
    );
    let ev = FeedEvidence {
        setup_error: Some(
            "the environment variable NUGET_TOKEN (the feed password) is not set in this shell"
                .into(),
        ),
        ..Default::default()
    };
    let o = assess(&ev, &s, "east");
    assert_eq!(o.status, Status::Error);
    assert!(o.reason.contains("NUGET_TOKEN"), "{}", o.reason);
}

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
        Some(crate::lab::feeds::server_tls(&cert).unwrap()),
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
    assert_eq!(o.evidence["error"], "tls", "{}", o.evidence);
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
    assert_eq!(o.evidence["redirects"][0]["status"], 302);
    assert_eq!(o.evidence["final_url"], lab.url(paths::BLOCK_PAGE));
    assert!(
        o.reason.contains("not a NuGet v3 service index"),
        "{}",
        o.reason
    );

    let mut s = spec(FeedKind::Docker, &lab.url(paths::DOCKER_AUTH), Via::Direct);
    s.credentials = basic();
    let wrong = |k: &str| match k {
        "FEED_USER" => Some(LAB_USER.to_string()),
        "FEED_PASSWORD" => Some("wrong-password".to_string()),
        _ => None,
    };
    let o = assess(&gather_with_env(&ctx(), &s, &wrong).await, &s, "test");
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(o.reason.contains("login failed"), "{}", o.reason);
    assert_eq!(o.evidence["login"]["realm_status"], 401);
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

    let closed = crate::lab::tcp::closed_port().unwrap();
    let s = spec(FeedKind::Helm, &format!("http://{closed}/"), Via::Direct);
    let o = assess(&gather_with_env(&ctx(), &s, &|_| None).await, &s, "test");
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.evidence["error"], "connect", "{}", o.evidence);
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
    let mut s = spec(
        FeedKind::NugetV3,
        &lab.url(paths::NUGET_V3_PRIVATE),
        Via::Direct,
    );
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
    use crate::lab::dns::{DnsServer, LabZone};
    use crate::resolve::ResolverSpec;
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
    assert_eq!(o.evidence["resolved"][0], "127.0.0.1");
    assert_eq!(
        o.evidence["protocol_ok"], true,
        "the probe itself still ran"
    );
}

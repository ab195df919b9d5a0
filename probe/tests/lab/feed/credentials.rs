//! Where feed credentials may go, against hostile loopback servers: a
//! registry that redirects `/v2/` to plain http on another address, token
//! realms on plain http or on another site, an https feed that redirects to
//! http. The second address is 127.0.0.2 (another origin on loopback); each
//! server records whether an `Authorization` header reached it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use lab::certs::LabCa;
use lab::feeds::{LAB_USER, server_tls};
use lab::web::{HttpServer, Response};
use probe::Context;
use probe::checks::feed::*;
use report::Status;

const PASSWORD: &str = "cred-Pa55word-91b2e4";

fn env() -> impl Fn(&str) -> Option<String> + Sync {
    let map: HashMap<&str, &str> = [("FEED_USER", LAB_USER), ("FEED_PASSWORD", PASSWORD)].into();
    move |k| map.get(k).map(|v| v.to_string())
}

/// A TLS lab: the CA file a spec trusts and a server config for 127.0.0.1 and 127.0.0.2.
struct Tls {
    ca_file: std::path::PathBuf,
    config: Arc<rustls::ServerConfig>,
    dir: std::path::PathBuf,
}

impl Tls {
    fn new(name: &str, extra_names: &[&str]) -> Tls {
        let ca = LabCa::new("preflight credentials test CA").unwrap();
        let mut names = vec!["127.0.0.1", "127.0.0.2"];
        names.extend_from_slice(extra_names);
        let cert = ca.issue("127.0.0.1", &names).unwrap();
        let dir =
            std::env::temp_dir().join(format!("preflight-cred-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        Tls {
            ca_file,
            config: server_tls(&cert).unwrap(),
            dir,
        }
    }
}

impl Drop for Tls {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

fn docker_spec(url: &str, tls: &Tls) -> FeedSpec {
    let mut s = FeedSpec::new(FeedKind::Docker, url, Via::Direct)
        .unwrap()
        .with_credentials(Some("FEED_USER".into()), Some("FEED_PASSWORD".into()), None)
        .unwrap();
    s.ca_file = Some(tls.ca_file.clone());
    s
}

async fn run(ctx: &Context, s: &FeedSpec) -> probe::Outcome {
    let o = assess(&gather_with_env(ctx, s, &env()).await, s, "test");
    let text = format!("{} {}", o.reason, o.evidence);
    assert!(!text.contains(PASSWORD), "the password leaked: {text}");
    o
}

fn ctx() -> Context {
    Context::new(Duration::from_secs(2), "test")
}

fn loopback(last: u8) -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, last], 0))
}

#[tokio::test]
async fn a_registry_redirecting_to_plain_http_elsewhere_never_gets_the_password() {
    let tls = Tls::new("redirect", &[]);
    // Elsewhere: plain http on another address, asking for Basic credentials.
    let elsewhere = HttpServer::start(loopback(2), None, |_| {
        Response::new(401, "application/json", "{}")
            .with_header("WWW-Authenticate", "Basic realm=\"registry\"")
            .with_header("Docker-Distribution-API-Version", "registry/2.0")
    })
    .await
    .unwrap();
    let target = format!("http://{}/v2/", elsewhere.addr);
    let registry = HttpServer::start(loopback(1), Some(tls.config.clone()), move |_| {
        Response::redirect(302, &target)
    })
    .await
    .unwrap();
    let s = docker_spec(&format!("https://{}/", registry.addr), &tls);
    let o = run(&ctx(), &s).await;
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(
        o.reason.contains("not the configured https://127.0.0.1:")
            && o.reason.contains("credentials not sent"),
        "{}",
        o.reason
    );
    assert_eq!(o.evidence.json()["redirects"][0]["status"], 302);
    let seen = elsewhere.seen();
    assert!(
        !seen.is_empty(),
        "the redirect was followed (without credentials)"
    );
    assert!(seen.iter().all(|r| !r.authorization), "{seen:?}");
    assert!(registry.seen().iter().all(|r| !r.authorization));
}

/// A registry on 127.0.0.1 whose `/v2/` challenges with a Bearer realm
/// `realm`; it never answers 200.
async fn registry_with_realm(tls: &Tls, realm: String) -> HttpServer {
    HttpServer::start(loopback(1), Some(tls.config.clone()), move |_| {
        Response::new(401, "application/json", "{}")
            .with_header(
                "WWW-Authenticate",
                &format!("Bearer realm=\"{realm}\",service=\"registry\""),
            )
            .with_header("Docker-Distribution-API-Version", "registry/2.0")
    })
    .await
    .unwrap()
}

/// A token service that hands out a token to anyone.
fn token_service(_: &lab::web::Request) -> Response {
    Response::new(200, "application/json", r#"{"token":"t-1"}"#)
}

#[tokio::test]
async fn a_token_realm_over_http_or_on_another_site_gets_no_credentials() {
    let tls = Tls::new("realm", &[]);
    // Plain http on another address.
    let plain = HttpServer::start(loopback(2), None, token_service)
        .await
        .unwrap();
    // https, but another host (127.0.0.2 is not the registry's 127.0.0.1).
    let other = HttpServer::start(loopback(2), Some(tls.config.clone()), token_service)
        .await
        .unwrap();
    for (realm, why) in [
        (format!("http://{}/token", plain.addr), "is not https"),
        (
            format!("https://{}/token", other.addr),
            "not the registry's site (127.0.0.1)",
        ),
    ] {
        let registry = registry_with_realm(&tls, realm.clone()).await;
        let s = docker_spec(&format!("https://{}/", registry.addr), &tls);
        let o = run(&ctx(), &s).await;
        assert_eq!(o.status, Status::Fail, "{realm}: {}", o.reason);
        assert!(o.reason.contains(why), "{realm}: {}", o.reason);
        assert!(registry.seen().iter().all(|r| !r.authorization));
    }
    assert!(plain.seen().is_empty(), "{:?}", plain.seen());
    assert!(other.seen().is_empty(), "{:?}", other.seen());
}

#[tokio::test]
async fn a_token_realm_on_the_registrys_parent_domain_gets_the_login() {
    use lab::dns::{DnsServer, LabZone};
    use probe::net::resolve::ResolverSpec;
    // Docker Hub's shape: registry-1.example.com, token service auth.example.com.
    let tls = Tls::new("hub", &["registry-1.example.com", "auth.example.com"]);
    let zone = LabZone::new("example.com")
        .a("registry-1.example.com", std::net::Ipv4Addr::LOCALHOST)
        .a("auth.example.com", std::net::Ipv4Addr::new(127, 0, 0, 2));
    let dns = DnsServer::start(&zone).await.unwrap();
    let auth = HttpServer::start(loopback(2), Some(tls.config.clone()), token_service)
        .await
        .unwrap();
    let registry = registry_with_realm(
        &tls,
        format!("https://auth.example.com:{}/token", auth.addr.port()),
    )
    .await;
    let ctx = ctx().with_resolvers(&[ResolverSpec::Server(dns.addr)]);
    let s = docker_spec(
        &format!("https://registry-1.example.com:{}/", registry.addr.port()),
        &tls,
    );
    let o = run(&ctx, &s).await;
    // The token service got the credentials and issued a token; the lab
    // registry never accepts one, so the login still fails, for that reason.
    assert_eq!(
        o.evidence.json()["login"]["token_issued"],
        true,
        "{}",
        o.evidence
    );
    assert!(auth.seen().iter().all(|r| r.authorization));
    assert_eq!(auth.seen().len(), 1);
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
}

#[tokio::test]
async fn an_https_feed_redirecting_to_http_is_followed_without_credentials() {
    let tls = Tls::new("downgrade", &[]);
    let plain = HttpServer::start(loopback(1), None, |_| {
        Response::new(401, "text/plain", "credentials required\n")
            .with_header("WWW-Authenticate", "Basic realm=\"feeds\"")
    })
    .await
    .unwrap();
    // The same host, plain http: another origin all the same.
    let target = format!("http://{}/v3/index.json", plain.addr);
    let feed = HttpServer::start(loopback(1), Some(tls.config.clone()), move |_| {
        Response::redirect(301, &target)
    })
    .await
    .unwrap();
    let mut s = FeedSpec::new(
        FeedKind::NugetV3,
        &format!("https://{}/v3/index.json", feed.addr),
        Via::Direct,
    )
    .unwrap()
    .with_credentials(Some("FEED_USER".into()), Some("FEED_PASSWORD".into()), None)
    .unwrap();
    s.ca_file = Some(tls.ca_file.clone());
    let o = run(&ctx(), &s).await;
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(
        feed.seen().iter().all(|r| r.authorization),
        "{:?}",
        feed.seen()
    );
    assert_eq!(plain.seen().len(), 1);
    assert!(
        !plain.seen()[0].authorization,
        "credentials went over plain http"
    );
}

#[tokio::test]
async fn feed_credentials_over_plain_http_are_refused_before_any_request() {
    let e = FeedSpec::new(
        FeedKind::NugetV3,
        "http://feeds.example.com/v3/index.json",
        Via::Direct,
    )
    .unwrap()
    .with_credentials(None, None, Some("FEED_TOKEN".into()))
    .unwrap_err();
    assert_eq!(e.field, "token_env");
    assert!(e.message.contains("plain http"), "{}", e.message);
    let e = FeedSpec::new(FeedKind::Docker, "http://192.0.2.5:5000/", Via::Direct)
        .unwrap()
        .with_credentials(Some("U".into()), Some("P".into()), None)
        .unwrap_err();
    assert_eq!(e.field, "password_env");

    // A spec whose credentials were set around the constructor is refused by gather.
    let server = HttpServer::start(loopback(1), None, token_service)
        .await
        .unwrap();
    let mut s = FeedSpec::new(
        FeedKind::NugetV3,
        &format!("http://{}/v3/index.json", server.addr),
        Via::Direct,
    )
    .unwrap();
    s.credentials = Some(Credentials::Token {
        token_env: "FEED_PASSWORD".into(),
    });
    let o = run(&ctx(), &s).await;
    assert_eq!(o.status, Status::Error, "{}", o.reason);
    assert!(o.reason.contains("sent only over https"), "{}", o.reason);
    assert!(server.seen().is_empty());
}

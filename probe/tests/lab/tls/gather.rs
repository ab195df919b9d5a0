//! `gather` against the loopback lab: every kind of endpoint the issue names.

use std::time::{Duration, Instant};

use report::Status;

use lab::certs;
use lab::misbehaving::{Behaviour, Misbehaving};
use lab::proxy::{HttpProxy, ProxyOptions, Refuse};
use lab::tls::{ServerOptions, TlsServer, Versions, Welcome, welcome_page};
use probe::Context;
use probe::checks::tls::*;
use probe::checks::tls::{Expected, HalibutRole, assess};
use probe::endpoint::Endpoint;
use probe::net::proxy::{ProxyAuth, ProxyRoute, ProxySource};

const TIMEOUT: Duration = Duration::from_millis(1500);

fn ctx() -> Context {
    Context::new(TIMEOUT, "the test")
}

fn spec_for(addr: std::net::SocketAddr, expected: Expected) -> TlsSpec {
    TlsSpec::new(Endpoint::new("127.0.0.1", addr.port()), expected)
}

#[tokio::test]
async fn a_halibut_server_is_identified_with_its_thumbprint() {
    let server = TlsServer::octopus_server().await.unwrap();
    let mut spec = spec_for(server.addr, Expected::Server);
    spec.thumbprint = Some(server.identity.thumbprint());
    let ev = gather(&ctx(), &spec).await;
    assert_eq!(ev.error, None);
    assert_eq!(ev.thumbprint_sha1, Some(server.identity.thumbprint()));
    assert_eq!(ev.fingerprint_sha256.as_ref().map(String::len), Some(64));
    assert_eq!(ev.tls_version.as_deref(), Some("TLSv1.3"));
    assert!(
        ev.cipher.as_deref().unwrap().starts_with("TLS13_"),
        "{ev:?}"
    );
    assert_eq!(ev.client_certificate_requested, Some(true));
    assert_eq!(ev.halibut, Some(HalibutRole::Server));
    assert_eq!(ev.halibut_answer.as_deref(), Some("HTTP/1.0 200 OK"));
    assert_eq!(
        ev.source.as_deref(),
        Some("127.0.0.1"),
        "the connection's own address"
    );
    assert_eq!(ev.chain[0].subject, "CN=Octopus Portal");
    assert_eq!(ev.chain[0].key_bits, Some(2048));
    assert!(ev.sni.is_none(), "no SNI for an IP literal");
    assert!(ev.days_left.unwrap() > 36000);
    let o = assess(&ev, &spec, "east");
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
}

#[tokio::test]
async fn a_tls12_tentacle_is_identified() {
    let tentacle = TlsServer::start(
        certs::octopus_tentacle().unwrap(),
        ServerOptions {
            versions: Versions::Tls12Only,
            ..ServerOptions::default()
        },
        std::sync::Arc::new(|_| welcome_page(Welcome::Tentacle)),
    )
    .await
    .unwrap();
    let mut spec = spec_for(tentacle.addr, Expected::Tentacle);
    spec.sni = Some("web01.example.com".into());
    let ev = gather(&ctx(), &spec).await;
    assert_eq!(ev.error, None);
    assert_eq!(ev.tls_version.as_deref(), Some("TLSv1.2"));
    assert_eq!(ev.halibut, Some(HalibutRole::Tentacle));
    assert_eq!(ev.sni.as_deref(), Some("web01.example.com"));
    assert_eq!(assess(&ev, &spec, "east").status, Status::Pass);
    // A Tentacle where the server was expected fails.
    let as_server = spec_for(tentacle.addr, Expected::Server);
    assert_eq!(assess(&ev, &as_server, "east").status, Status::Fail);
}

#[tokio::test]
async fn an_intercepting_endpoint_is_flagged_with_the_inspection_ca() {
    let middlebox = TlsServer::intercepting(Welcome::Server).await.unwrap();
    let spec = spec_for(middlebox.addr, Expected::Server);
    let ev = gather(&ctx(), &spec).await;
    assert_eq!(ev.chain.len(), 2);
    assert!(!ev.chain[0].self_signed);
    let o = assess(&ev, &spec, "east");
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.contains(certs::INSPECTION_CA_CN), "{}", o.reason);
}

#[tokio::test]
async fn a_web_server_is_not_halibut() {
    let web = TlsServer::web(
        certs::halibut("www.example.com", 365).unwrap(),
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
    )
    .await
    .unwrap();
    let spec = spec_for(web.addr, Expected::Halibut);
    let ev = gather(&ctx(), &spec).await;
    assert_eq!(ev.halibut, Some(HalibutRole::None));
    assert_eq!(ev.halibut_answer.as_deref(), Some("HTTP/1.1 200 OK"));
    let o = assess(&ev, &spec, "east");
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.contains("not a Halibut endpoint"), "{}", o.reason);
}

#[tokio::test]
async fn an_endpoint_that_never_speaks_is_an_error_within_the_timeout() {
    let silent = Misbehaving::start(Behaviour::NeverSpeaks).await.unwrap();
    let spec = spec_for(silent.addr, Expected::Server);
    let start = Instant::now();
    let ev = gather(&ctx(), &spec).await;
    let took = start.elapsed();
    assert!(
        took >= TIMEOUT && took < TIMEOUT + Duration::from_millis(700),
        "{took:?}"
    );
    let f = ev.error.clone().unwrap();
    assert_eq!((f.stage, f.kind), (Stage::Handshake, FailureKind::Timeout));
    let o = assess(&ev, &spec, "east");
    assert_eq!(o.status, Status::Error);
    assert!(
        o.reason.contains("never answered the ClientHello"),
        "{}",
        o.reason
    );
}

#[tokio::test]
async fn garbage_plain_http_and_old_tls_are_told_apart() {
    let cases = [
        (Behaviour::Garbage, FailureKind::NotTls, "SSH-2.0-OpenSSH"),
        (
            Behaviour::PlainHttp,
            FailureKind::PlainHttp,
            "HTTP/1.1 400 Bad Request",
        ),
        (
            Behaviour::LegacyTls,
            FailureKind::TlsTooOld,
            "TLS 1.0 or 1.1",
        ),
    ];
    for (behaviour, kind, needle) in cases {
        let endpoint = Misbehaving::start(behaviour).await.unwrap();
        let ev = gather(&ctx(), &spec_for(endpoint.addr, Expected::Server)).await;
        let f = ev
            .error
            .clone()
            .unwrap_or_else(|| panic!("{behaviour:?}: {ev:?}"));
        assert_eq!(f.kind, kind, "{behaviour:?}: {f:?}");
        assert!(f.detail.contains(needle), "{behaviour:?}: {}", f.detail);
    }
}

#[tokio::test]
async fn a_closed_port_is_refused() {
    let port = lab::tcp::closed_port().unwrap();
    let ev = gather(&ctx(), &spec_for(port, Expected::Server)).await;
    assert_eq!(
        ev.source.as_deref(),
        Some("127.0.0.1"),
        "the route's source"
    );
    let f = ev.error.unwrap();
    assert_eq!((f.stage, f.kind), (Stage::Connect, FailureKind::Refused));
}

fn via(route: ProxyRoute, addr: std::net::SocketAddr) -> TlsSpec {
    let mut spec = spec_for(addr, Expected::Server);
    spec.proxy = Some(route);
    spec
}

#[tokio::test]
async fn through_a_proxy_the_server_is_reached_by_connect() {
    let server = TlsServer::octopus_server().await.unwrap();
    let proxy = HttpProxy::start(ProxyOptions {
        credentials: Some(("tentacle".into(), "pr0xy".into())),
        ..ProxyOptions::default()
    })
    .await
    .unwrap();
    let route = ProxyRoute::parse(
        &format!("http://tentacle:pr0xy@{}", proxy.addr),
        ProxySource::CommandLine,
    )
    .unwrap();
    let ev = gather(&ctx(), &via(route.clone(), server.addr)).await;
    assert_eq!(ev.error, None);
    assert_eq!(ev.halibut, Some(HalibutRole::Server));
    assert_eq!(ev.thumbprint_sha1, Some(server.identity.thumbprint()));
    // The URL carried credentials: shown, never their values.
    assert_eq!(
        ev.proxy.as_deref(),
        Some(format!("http://***@{}", proxy.addr).as_str())
    );
    assert!(ev.proxy_status.as_deref().unwrap().contains(" 200 "));
    assert!(ev.address.is_none(), "the proxy connects, not us");
    let log = proxy.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].target, server.addr.to_string());
    assert!(log[0].authenticated);
    let json = serde_json::to_string(&ev).unwrap();
    assert!(!json.contains("pr0xy"), "{json}");

    // Without credentials: 407, reported as such.
    let bare = ProxyRoute {
        auth: ProxyAuth::None,
        ..route
    };
    let ev = gather(&ctx(), &via(bare, server.addr)).await;
    let f = ev.error.unwrap();
    assert_eq!(
        (f.stage, f.kind),
        (Stage::Proxy, FailureKind::ProxyAuthRequired)
    );
}

#[tokio::test]
async fn a_refusing_proxy_is_distinct_from_a_server_that_does_not_answer() {
    let server = TlsServer::octopus_server().await.unwrap();
    let refusing = HttpProxy::start(ProxyOptions {
        refuse: Refuse::Everything,
        ..ProxyOptions::default()
    })
    .await
    .unwrap();
    let route = ProxyRoute::parse(&refusing.url(), ProxySource::CommandLine).unwrap();
    let ev = gather(&ctx(), &via(route, server.addr)).await;
    assert_eq!(
        ev.source.as_deref(),
        Some("127.0.0.1"),
        "the route to the proxy"
    );
    let f = ev.error.unwrap();
    assert_eq!(f.kind, FailureKind::ProxyRefused);
    assert!(ev.proxy_status.unwrap().contains("403"));

    let open = HttpProxy::open().await.unwrap();
    let closed = lab::tcp::closed_port().unwrap();
    let route = ProxyRoute::parse(&open.url(), ProxySource::CommandLine).unwrap();
    let ev = gather(&ctx(), &via(route, closed)).await;
    assert_eq!(ev.error.unwrap().kind, FailureKind::ProxyTargetUnreachable);

    let no_proxy = lab::tcp::closed_port().unwrap();
    let route = ProxyRoute::parse(&format!("http://{no_proxy}"), ProxySource::CommandLine).unwrap();
    let ev = gather(&ctx(), &via(route, server.addr)).await;
    assert_eq!(ev.error.unwrap().kind, FailureKind::ProxyUnreachable);
}

#[tokio::test]
async fn expiring_expired_and_sha1_certificates() {
    let expiring = TlsServer::halibut(
        certs::halibut(certs::TENTACLE_CN, 10).unwrap(),
        Welcome::Tentacle,
    )
    .await
    .unwrap();
    let spec = spec_for(expiring.addr, Expected::Tentacle);
    let ev = gather(&ctx(), &spec).await;
    assert!(matches!(ev.days_left, Some(9 | 10)), "{:?}", ev.days_left);
    assert_eq!(assess(&ev, &spec, "east").status, Status::Warn);

    let expired = TlsServer::halibut(
        certs::halibut(certs::TENTACLE_CN, -2).unwrap(),
        Welcome::Tentacle,
    )
    .await
    .unwrap();
    let spec = spec_for(expired.addr, Expected::Tentacle);
    let ev = gather(&ctx(), &spec).await;
    assert_eq!(assess(&ev, &spec, "east").status, Status::Fail);

    let sha1 = TlsServer::halibut(certs::sha1_tentacle().unwrap(), Welcome::Tentacle)
        .await
        .unwrap();
    let spec = spec_for(sha1.addr, Expected::Tentacle);
    let ev = gather(&ctx(), &spec).await;
    assert_eq!(ev.chain[0].signature_algorithm, "sha1WithRSAEncryption");
    let o = assess(&ev, &spec, "east");
    assert_eq!(o.status, Status::Warn, "{}", o.reason);
}

#[tokio::test]
async fn an_sni_with_cr_lf_never_reaches_the_host_line() {
    // A web server over TLS that records whether an Authorization header came.
    let ca = lab::certs::LabCa::new("sni test CA").unwrap();
    let cert = ca.issue("127.0.0.1", &["127.0.0.1"]).unwrap();
    let server = lab::web::HttpServer::start(
        "127.0.0.1:0".parse().unwrap(),
        Some(lab::feeds::server_tls(&cert).unwrap()),
        |_| lab::web::Response::new(200, "text/html", "<html>hello</html>"),
    )
    .await
    .unwrap();
    let mut spec = spec_for(server.addr, Expected::Halibut);
    spec.sni = Some("evil.example.com\r\nAuthorization: Basic aW5qZWN0ZWQ=".into());
    let ev = gather(&ctx(), &spec).await;
    let o = assess(&ev, &spec, "test");
    assert_ne!(o.status, Status::Pass, "{}", o.reason);
    let text = format!("{} {}", o.reason, o.evidence);
    assert!(text.contains("no request was sent"), "{text}");
    assert!(!o.reason.contains('\r'), "{}", o.reason);
    assert!(
        server.seen().iter().all(|r| !r.authorization),
        "a header was injected: {:?}",
        server.seen()
    );
}

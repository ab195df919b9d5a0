//! Feed checks through the lab's HTTP proxy: CONNECT for HTTPS feeds,
//! absolute-form requests for plain HTTP, credentials, refusals, the
//! environment's proxy variables and `NO_PROXY`.

use std::collections::HashMap;
use std::time::Duration;

use report::Status;

use lab::certs::LabCa;
use lab::feeds::{FeedLab, paths};
use lab::proxy::{HttpProxy, ProxyOptions, Refuse};
use probe::Context;
use probe::Outcome;
use probe::checks::feed::*;
use probe::net::proxy::{ProxyConfig, ProxyRoute, ProxySource};

const PROXY_PASSWORD: &str = "pr0xy-Secret-91d2";

fn ctx() -> Context {
    Context::new(Duration::from_secs(2), "data center east")
}

fn env_of(pairs: &[(&'static str, String)]) -> impl Fn(&str) -> Option<String> + Sync + use<> {
    let map: HashMap<&str, String> = pairs.iter().cloned().collect();
    move |k| map.get(k).cloned()
}

fn spec(url: &str, via: Via) -> FeedSpec {
    FeedSpec::new(FeedKind::NugetV3, url, via).unwrap()
}

fn plan_proxy(proxy: &HttpProxy, with_credentials: bool) -> Option<ProxyConfig> {
    let route = ProxyRoute::parse(&proxy.url(), ProxySource::Plan).unwrap();
    Some(ProxyConfig {
        route: if with_credentials {
            route.with_env_credentials("PROXY_USER", "PROXY_PASSWORD")
        } else {
            route
        },
        no_proxy: vec![],
    })
}

async fn check(s: &FeedSpec, env: &(dyn Fn(&str) -> Option<String> + Sync)) -> Outcome {
    let o = assess(
        &gather_with_env(&ctx(), s, env).await,
        s,
        "data center east",
    );
    let text = format!("{} {:?} {}", o.reason, o.remediation, o.evidence);
    assert!(
        !text.contains(PROXY_PASSWORD),
        "the proxy password leaked: {text}"
    );
    o
}

#[tokio::test]
async fn https_feed_through_connect_and_plain_http_through_absolute_form() {
    let ca = LabCa::new("proxy test CA").unwrap();
    let cert = ca.issue("127.0.0.1", &["127.0.0.1"]).unwrap();
    let tls = FeedLab::start(
        "127.0.0.1:0".parse().unwrap(),
        Some(lab::feeds::server_tls(&cert).unwrap()),
        "pw",
    )
    .await
    .unwrap();
    let plain = FeedLab::start("127.0.0.1:0".parse().unwrap(), None, "pw")
        .await
        .unwrap();
    let proxy = HttpProxy::start(ProxyOptions::default()).await.unwrap();
    let dir = std::env::temp_dir().join(format!("preflight-feed-proxy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = {
        let path = dir.join("ca.pem");
        std::fs::write(&path, ca.pem()).unwrap();
        path
    };

    let mut s = spec(&tls.url(paths::NUGET_V3), Via::Proxy);
    s.ca_file = Some(ca_file.clone());
    s.proxy = plan_proxy(&proxy, false);
    let o = check(&s, &|_| None).await;
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert_eq!(o.evidence.json()["proxy"], proxy.url());
    assert_eq!(o.evidence.json()["proxy_source"], "plan");
    let mut plain_spec = spec(&plain.url(paths::NUGET_V3), s.via);
    plain_spec.proxy = s.proxy;
    let s = plain_spec;
    let o = check(&s, &|_| None).await;
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    let asked: Vec<(String, String)> = proxy
        .requests()
        .into_iter()
        .map(|r| (r.method, r.target))
        .collect();
    assert_eq!(
        asked[0],
        ("CONNECT".to_string(), tls.server.addr.to_string()),
        "{asked:?}"
    );
    assert_eq!(
        asked[1],
        ("GET".to_string(), plain.url(paths::NUGET_V3)),
        "{asked:?}"
    );
    // The feed saw the request through the proxy, once per path.
    assert_eq!(tls.server.seen().len(), 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn proxy_credentials_refusals_and_via_both() {
    let feeds = FeedLab::start("127.0.0.1:0".parse().unwrap(), None, "pw")
        .await
        .unwrap();
    let url = feeds.url(paths::NUGET_V3);
    let authed = HttpProxy::start(ProxyOptions {
        credentials: Some(("svc-proxy".into(), PROXY_PASSWORD.into())),
        ..ProxyOptions::default()
    })
    .await
    .unwrap();
    let env = env_of(&[
        ("PROXY_USER", "svc-proxy".into()),
        ("PROXY_PASSWORD", PROXY_PASSWORD.into()),
    ]);

    let mut s = spec(&url, Via::Proxy);
    s.proxy = plan_proxy(&authed, false);
    let o = check(&s, &env).await;
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert_eq!(o.evidence.json()["status"], 407, "{}", o.evidence);
    assert!(
        o.reason.contains("the proxy wants credentials"),
        "{}",
        o.reason
    );

    s.proxy = plan_proxy(&authed, true);
    let o = check(&s, &env).await;
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert!(authed.requests().iter().any(|r| r.authenticated));

    let refusing = HttpProxy::start(ProxyOptions {
        refuse: Refuse::Everything,
        ..ProxyOptions::default()
    })
    .await
    .unwrap();
    let mut both = spec(&url, Via::Both);
    both.proxy = plan_proxy(&refusing, false);
    let o = check(&both, &|_| None).await;
    assert_eq!(o.status, Status::Warn, "{}", o.reason);
    assert!(
        o.reason.starts_with("direct OK, proxy fails"),
        "{}",
        o.reason
    );
    assert_eq!(o.evidence.json()["paths"][0]["via"], "direct");
    assert_eq!(o.evidence.json()["paths"][1]["status"], 403);

    let open = HttpProxy::open().await.unwrap();
    both.proxy = plan_proxy(&open, false);
    let o = check(&both, &|_| None).await;
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert!(o.reason.starts_with("direct and through"), "{}", o.reason);
}

#[tokio::test]
async fn a_refused_connect_tunnel_is_named_as_such() {
    let ca = LabCa::new("tunnel CA").unwrap();
    let cert = ca.issue("127.0.0.1", &["127.0.0.1"]).unwrap();
    let tls = FeedLab::start(
        "127.0.0.1:0".parse().unwrap(),
        Some(lab::feeds::server_tls(&cert).unwrap()),
        "pw",
    )
    .await
    .unwrap();
    let refusing = HttpProxy::start(ProxyOptions {
        refuse: Refuse::Everything,
        ..ProxyOptions::default()
    })
    .await
    .unwrap();
    let mut s = spec(&tls.url(paths::NUGET_V3), Via::Proxy);
    s.proxy = plan_proxy(&refusing, false);
    let o = check(&s, &|_| None).await;
    assert_eq!(o.status, Status::Fail);
    assert_eq!(o.evidence.json()["error"], "tunnel", "{}", o.evidence);
    // The first hop is the proxy: its address, and the source towards it.
    assert_eq!(
        o.evidence.json()["address"],
        refusing.addr.to_string(),
        "{}",
        o.evidence
    );
    assert_eq!(o.evidence.json()["source"], "127.0.0.1");
    assert!(
        o.reason.contains("refused the CONNECT tunnel"),
        "{}",
        o.reason
    );
    assert!(
        o.remediation
            .unwrap()
            .contains("allow CONNECT from data center east")
    );
}

#[tokio::test]
async fn environment_proxies_are_noted_and_no_proxy_goes_direct() {
    let feeds = FeedLab::start("127.0.0.1:0".parse().unwrap(), None, "pw")
        .await
        .unwrap();
    let proxy = HttpProxy::open().await.unwrap();
    let with_creds = proxy
        .url()
        .replacen("http://", &format!("http://svc:{PROXY_PASSWORD}@"), 1);
    let s = spec(&feeds.url(paths::NUGET_V3), Via::Proxy);
    let o = check(&s, &env_of(&[("HTTP_PROXY", with_creds)])).await;
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert_eq!(
        o.evidence.json()["proxy_source"],
        "environment (HTTP_PROXY)"
    );
    assert_eq!(
        o.evidence.json()["proxy"],
        proxy.url().replacen("http://", "http://***@", 1)
    );
    assert!(
        o.evidence.json()["notes"][0]
            .as_str()
            .unwrap()
            .contains("a Tentacle running as a service often does not see it")
    );
    assert_eq!(proxy.requests().len(), 1);

    let env = env_of(&[
        ("HTTP_PROXY", proxy.url()),
        ("NO_PROXY", "localhost,127.0.0.0/8".into()),
    ]);
    let o = check(&s, &env).await;
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert!(o.evidence.json()["proxy"].is_null());
    assert!(
        o.evidence.json()["notes"][0]
            .as_str()
            .unwrap()
            .contains("NO_PROXY=127.0.0.0/8 matches"),
        "{}",
        o.evidence
    );
    assert_eq!(
        proxy.requests().len(),
        1,
        "NO_PROXY kept the request off the proxy"
    );

    let direct = spec(&feeds.url(paths::NUGET_V3), Via::Direct);
    let o = check(&direct, &env_of(&[("HTTP_PROXY", proxy.url())])).await;
    assert!(
        o.evidence.json()["notes"][0]
            .as_str()
            .unwrap()
            .contains("HTTP_PROXY is set"),
        "{}",
        o.evidence
    );
    assert_eq!(proxy.requests().len(), 1, "via = direct ignores HTTP_PROXY");
}

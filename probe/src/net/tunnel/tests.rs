use super::*;
use crate::lab::proxy::{HttpProxy, ProxyOptions};
use crate::net::proxy::ProxySource;

#[test]
fn status_lines_parse_or_are_malformed() {
    assert_eq!(
        status_of(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n").unwrap(),
        (
            407,
            "HTTP/1.1 407 Proxy Authentication Required".to_string()
        )
    );
    assert!(matches!(status_of(b""), Err(TunnelError::Malformed(_))));
    assert!(matches!(
        status_of(b"SSH-2.0-x\r\n"),
        Err(TunnelError::Malformed(_))
    ));
}

#[tokio::test]
async fn missing_credential_variables_are_named() {
    let route = ProxyRoute::parse("http://127.0.0.1:9", ProxySource::CommandLine)
        .unwrap()
        .with_env_credentials(
            "PREFLIGHT_TEST_SURELY_UNSET_USER",
            "PREFLIGHT_TEST_SURELY_UNSET_PASS",
        );
    let err = open(
        &Resolvers::system(Duration::from_secs(1)),
        &route,
        &Endpoint::new("127.0.0.1", 10943),
        Duration::from_secs(1),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("PREFLIGHT_TEST_SURELY_UNSET_USER (the proxy username) is not set"),
        "{err}"
    );
}

#[tokio::test]
async fn a_tunnel_carries_bytes_after_the_proxy_answer() {
    let target = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target_addr = target.local_addr().unwrap();
    tokio::spawn(async move {
        if let Ok((mut s, _)) = target.accept().await {
            let _ = s.write_all(b"hello through the tunnel").await;
        }
    });
    let proxy = HttpProxy::start(ProxyOptions::default()).await.unwrap();
    let route = ProxyRoute::parse(&proxy.url(), ProxySource::CommandLine).unwrap();
    let mut tunnel = open(
        &Resolvers::system(Duration::from_secs(1)),
        &route,
        &Endpoint::new("127.0.0.1", target_addr.port()),
        Duration::from_secs(2),
    )
    .await
    .unwrap();
    assert_eq!(tunnel.status, 200);
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(2), tunnel.stream.read_to_end(&mut got))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, b"hello through the tunnel");
}

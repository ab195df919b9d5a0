//! A CONNECT tunnel through the lab's HTTP proxy.

use std::time::Duration;

use lab::proxy::{HttpProxy, ProxyOptions};
use probe::Endpoint;
use probe::net::proxy::{ProxyRoute, ProxySource};
use probe::net::resolve::Resolvers;
use probe::net::tunnel::open;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

use tokio::io::AsyncReadExt;

use super::*;
use crate::http::MAX_HEAD;

/// A loopback server that answers each connection with `reply` after reading
/// what the client sent (up to a blank line or close), and keeps that request.
async fn origin(reply: &'static [u8]) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let mut got = Vec::new();
            while !got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() < 4096 {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            kept.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&got).into_owned());
            let _ = s.write_all(reply).await;
        }
    });
    (addr, seen)
}

/// Sends `request` to the proxy and returns everything it answers until close.
async fn exchange(proxy: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(proxy).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out))
        .await
        .expect("the proxy closes the connection")
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

fn basic(user: &str, pass: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
}

#[tokio::test]
async fn connect_tunnels_bytes_both_ways() {
    let (target, seen) = origin(b"HTTP/1.0 200 OK\r\n\r\nhello").await;
    let proxy = HttpProxy::open().await.unwrap();
    let answer = exchange(
        proxy.addr,
        format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\nGET / HTTP/1.1\r\n\r\n")
            .as_bytes(),
    )
    .await;
    assert!(
        answer.starts_with("HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.0 200 OK"),
        "{answer}"
    );
    assert!(answer.ends_with("hello"), "{answer}");
    assert_eq!(seen.lock().unwrap()[0], "GET / HTTP/1.1\r\n\r\n");
    let log = proxy.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].method.as_str(), log[0].status),
        ("CONNECT", 200),
        "{log:?}"
    );
    assert_eq!(log[0].target, target.to_string());
}

#[tokio::test]
async fn basic_auth_is_required_when_configured() {
    let (target, _) = origin(b"HTTP/1.0 200 OK\r\n\r\n").await;
    let proxy = HttpProxy::start(ProxyOptions {
        credentials: Some(("lab".into(), "s3cret".into())),
        ..ProxyOptions::default()
    })
    .await
    .unwrap();
    let without = exchange(
        proxy.addr,
        format!("CONNECT {target} HTTP/1.1\r\n\r\n").as_bytes(),
    )
    .await;
    assert!(without.starts_with("HTTP/1.1 407 "), "{without}");
    assert!(without.contains("Proxy-Authenticate: Basic"), "{without}");
    let wrong = format!(
        "CONNECT {target} HTTP/1.1\r\nProxy-Authorization: Basic {}\r\n\r\n",
        basic("lab", "wrong")
    );
    assert!(
        exchange(proxy.addr, wrong.as_bytes())
            .await
            .starts_with("HTTP/1.1 407 ")
    );
    let right = format!(
        "CONNECT {target} HTTP/1.1\r\nProxy-Authorization: Basic {}\r\n\r\nGET / HTTP/1.1\r\n\r\n",
        basic("lab", "s3cret")
    );
    assert!(
        exchange(proxy.addr, right.as_bytes())
            .await
            .starts_with("HTTP/1.1 200 ")
    );
    let statuses: Vec<(u16, bool)> = proxy
        .requests()
        .iter()
        .map(|r| (r.status, r.authenticated))
        .collect();
    assert_eq!(statuses, [(407, false), (407, false), (200, true)]);
}

#[tokio::test]
async fn refusals_and_unreachable_targets_have_distinct_statuses() {
    let (target, seen) = origin(b"HTTP/1.0 200 OK\r\n\r\n").await;
    let everything = HttpProxy::start(ProxyOptions {
        refuse: Refuse::Everything,
        ..ProxyOptions::default()
    })
    .await
    .unwrap();
    let a = exchange(
        everything.addr,
        format!("CONNECT {target} HTTP/1.1\r\n\r\n").as_bytes(),
    )
    .await;
    assert!(a.starts_with("HTTP/1.1 403 "), "{a}");

    let listed = HttpProxy::start(ProxyOptions {
        refuse: Refuse::Targets(vec![target.to_string()]),
        ..ProxyOptions::default()
    })
    .await
    .unwrap();
    let b = exchange(
        listed.addr,
        format!("CONNECT {target} HTTP/1.1\r\n\r\n").as_bytes(),
    )
    .await;
    assert!(b.starts_with("HTTP/1.1 403 "), "{b}");
    assert!(
        seen.lock().unwrap().is_empty(),
        "a refused request reached the target"
    );

    let closed = crate::tcp::closed_port().unwrap();
    let c = exchange(
        listed.addr,
        format!("CONNECT {closed} HTTP/1.1\r\n\r\n").as_bytes(),
    )
    .await;
    assert!(c.starts_with("HTTP/1.1 502 "), "{c}");
}

#[tokio::test]
async fn only_loopback_targets_are_reached() {
    let proxy = HttpProxy::open().await.unwrap();
    for target in ["192.0.2.1:443", "example.com:443", "[2001:db8::1]:443"] {
        let a = exchange(
            proxy.addr,
            format!("CONNECT {target} HTTP/1.1\r\n\r\n").as_bytes(),
        )
        .await;
        assert!(a.starts_with("HTTP/1.1 403 "), "{target}: {a}");
    }
}

#[tokio::test]
async fn absolute_form_requests_are_forwarded_without_proxy_headers() {
    let (target, seen) = origin(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await;
    let proxy = HttpProxy::start(ProxyOptions {
        credentials: Some(("lab".into(), "pw".into())),
        ..ProxyOptions::default()
    })
    .await
    .unwrap();
    let request = format!(
        "GET http://{target}/v3/index.json?x=1 HTTP/1.1\r\nHost: {target}\r\nProxy-Authorization: Basic {}\r\nProxy-Connection: keep-alive\r\n\r\n",
        basic("lab", "pw")
    );
    let answer = exchange(proxy.addr, request.as_bytes()).await;
    assert!(answer.ends_with("\r\n\r\nok"), "{answer}");
    let sent = seen.lock().unwrap()[0].clone();
    assert!(
        sent.starts_with("GET /v3/index.json?x=1 HTTP/1.1\r\n"),
        "{sent}"
    );
    assert!(sent.contains(&format!("Host: {target}")), "{sent}");
    assert!(!sent.to_ascii_lowercase().contains("proxy-"), "{sent}");
    assert!(sent.contains("Connection: close"), "{sent}");
}

#[tokio::test]
async fn oversized_and_malformed_heads_are_rejected() {
    let proxy = HttpProxy::open().await.unwrap();
    let huge = format!(
        "CONNECT 127.0.0.1:1 HTTP/1.1\r\nX: {}\r\n\r\n",
        "a".repeat(MAX_HEAD)
    );
    let a = exchange(proxy.addr, huge.as_bytes()).await;
    assert!(a.starts_with("HTTP/1.1 431 "), "{a}");
    let b = exchange(proxy.addr, b"NONSENSE\r\n\r\n").await;
    assert!(b.starts_with("HTTP/1.1 400 "), "{b}");
    let c = exchange(proxy.addr, b"GET https://127.0.0.1:1/ HTTP/1.1\r\n\r\n").await;
    assert!(c.starts_with("HTTP/1.1 400 "), "{c}");
}

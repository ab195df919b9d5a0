use std::sync::Mutex;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::*;

/// Accepts any certificate and keeps the leaf, as the TLS check does.
#[derive(Debug, Default)]
struct Recorder(Mutex<Option<Vec<u8>>>);

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        *self.0.lock().unwrap() = Some(end_entity.to_vec());
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::ring::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Connects, sends `request`, returns the leaf certificate and what came back.
async fn exchange(addr: SocketAddr, request: &[u8]) -> (Vec<u8>, Vec<u8>) {
    exchange_from([127, 0, 0, 1], addr, request).await
}

/// A TCP connection to `addr` from the loopback address `source`.
async fn connect_from(source: [u8; 4], addr: SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((source, 0))).unwrap();
    socket.connect(addr).await.unwrap()
}

/// [`exchange`] from the loopback address `source` (127.0.0.2 is another peer).
async fn exchange_from(source: [u8; 4], addr: SocketAddr, request: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let recorder = Arc::new(Recorder::default());
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(recorder.clone())
            .with_no_client_auth();
    let tcp = connect_from(source, addr).await;
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    tls.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tls.read_to_end(&mut answer)).await;
    let leaf = recorder.0.lock().unwrap().clone().unwrap();
    (leaf, answer)
}

#[tokio::test]
async fn answers_a_get_with_the_stand_in_page_and_logs_the_peer() {
    let standin = StandIn::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = standin.local_addr().unwrap();
    let thumbprint = standin.thumbprint().clone();
    let (logs_tx, mut logs_rx) = tokio::sync::mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(standin.serve(
        Duration::from_secs(30),
        async {
            let _ = stop_rx.await;
        },
        move |entry| {
            let _ = logs_tx.send(entry);
        },
    ));

    let (leaf, answer) = exchange(addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(Thumbprint::of_der(&leaf), thumbprint);
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.0 200 OK\r\n"), "{text}");
    assert!(text.contains(STANDIN_MARK), "{text}");
    assert!(!text.contains("Octopus Tentacle configured successfully"));
    let entry = logs_rx.recv().await.unwrap();
    assert_eq!(entry.peer.map(|p| p.ip()), Some(addr.ip()));
    assert!(
        entry.outcome.contains("`GET / HTTP/1.1` answered"),
        "{}",
        entry.outcome
    );

    // Anything but a GET gets no answer.
    let (_, answer) = exchange(addr, b"MX\r\n\r\n").await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    let entry = logs_rx.recv().await.unwrap();
    assert!(
        entry.outcome.starts_with("not a GET (`MX`)"),
        "{}",
        entry.outcome
    );

    // Plain TCP without TLS is logged as a failed handshake.
    let mut raw = TcpStream::connect(addr).await.unwrap();
    raw.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), raw.read_to_end(&mut rest)).await;
    let entry = logs_rx.recv().await.unwrap();
    assert!(
        entry.outcome.starts_with("TLS handshake failed"),
        "{}",
        entry.outcome
    );

    stop_tx.send(()).unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("stops when told")
        .unwrap();
    assert_eq!(seen, 3);
}

#[tokio::test]
async fn stops_by_itself_at_its_deadline_even_with_a_silent_client() {
    let standin = StandIn::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = standin.local_addr().unwrap();
    let start = Instant::now();
    let server =
        tokio::spawn(standin.serve(Duration::from_millis(500), std::future::pending(), |_| {}));
    // Connects and never speaks: it must not keep the listener alive.
    let _silent = TcpStream::connect(addr).await.unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("stops at the deadline")
        .unwrap();
    assert_eq!(seen, 1);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the port is released"
    );
}

#[test]
fn the_page_is_a_complete_http_answer() {
    let page = page();
    let text = String::from_utf8(page).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.contains(&format!("Content-Length: {}", body.len())));
}

/// Starts `standin` for 30 s; its log entries arrive on the receiver.
fn serve_logged(
    standin: StandIn,
) -> (
    tokio::sync::mpsc::UnboundedReceiver<ConnectionLog>,
    tokio::task::JoinHandle<usize>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let server = tokio::spawn(standin.serve(
        Duration::from_secs(30),
        std::future::pending(),
        move |entry| {
            let _ = tx.send(entry);
        },
    ));
    (rx, server)
}

#[tokio::test]
async fn one_peer_holding_idle_sockets_does_not_lock_out_another() {
    let limits = Limits::default();
    assert_eq!((limits.per_peer, limits.total), (8, 64));
    let standin = StandIn::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = standin.local_addr().unwrap();
    let (mut logs, server) = serve_logged(standin);
    // 127.0.0.1 opens as many idle sockets as the whole stand-in serves.
    let mut idle = Vec::new();
    for _ in 0..limits.total {
        idle.push(connect_from([127, 0, 0, 1], addr).await);
    }
    let mut refused = 0;
    while refused < limits.total - limits.per_peer {
        let entry = tokio::time::timeout(Duration::from_secs(5), logs.recv())
            .await
            .expect("every socket past the peer's share is closed at once")
            .unwrap();
        assert_eq!(
            entry.outcome,
            "closed at once: 8 connections already open from 127.0.0.1"
        );
        refused += 1;
    }
    // Another peer still gets the page.
    let (_, answer) = exchange_from([127, 0, 0, 2], addr, b"GET / HTTP/1.1\r\n\r\n").await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.contains(STANDIN_MARK), "{text}");
    let entry = logs.recv().await.unwrap();
    assert_eq!(entry.peer.map(|p| p.ip()), Some([127, 0, 0, 2].into()));
    // Exactly `per_peer` of the idle sockets are still held (nothing else logged).
    assert!(logs.try_recv().is_err());
    drop(idle);
    server.abort();
}

#[tokio::test]
async fn an_idle_connection_gives_its_slot_back_after_one_step() {
    let limits = Limits {
        per_peer: 2,
        total: 64,
        step: Duration::from_millis(300),
    };
    let standin = StandIn::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
        .with_limits(limits);
    let addr = standin.local_addr().unwrap();
    let (mut logs, server) = serve_logged(standin);
    let _a = connect_from([127, 0, 0, 1], addr).await;
    let _b = connect_from([127, 0, 0, 1], addr).await;
    let _c = connect_from([127, 0, 0, 1], addr).await;
    let first = logs.recv().await.unwrap();
    assert_eq!(
        first.outcome,
        "closed at once: 2 connections already open from 127.0.0.1"
    );
    // Both silent ones are dropped after one step, and say so.
    let start = Instant::now();
    for _ in 0..2 {
        let entry = tokio::time::timeout(Duration::from_secs(5), logs.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(entry.outcome, "no TLS handshake within 300 ms");
    }
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // The same peer is served again.
    let (_, answer) = exchange(addr, b"GET / HTTP/1.1\r\n\r\n").await;
    assert!(String::from_utf8_lossy(&answer).contains(STANDIN_MARK));
    server.abort();
}

#[test]
fn accept_errors_back_off_from_10_ms_doubling_to_1_s() {
    let ms = |n| accept_backoff(n).as_millis();
    assert_eq!(
        [1, 2, 3, 4, 5, 6, 7, 8].map(ms),
        [10, 20, 40, 80, 160, 320, 640, 1000]
    );
    assert_eq!(ms(u32::MAX), 1000);
    assert_eq!(ms(0), 10);
}

#[test]
fn log_lines_name_the_peer_or_the_listener() {
    let peer = ConnectionLog {
        peer: Some("127.0.0.2:5000".parse().unwrap()),
        outcome: "x".into(),
    };
    assert_eq!(peer.to_string(), "127.0.0.2:5000: x");
    let listener = ConnectionLog {
        peer: None,
        outcome: "accept failed".into(),
    };
    assert_eq!(listener.to_string(), "listener: accept failed");
}

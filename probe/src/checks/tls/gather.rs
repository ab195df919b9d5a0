//! The I/O of a TLS check: connect (or tunnel through the proxy), handshake
//! with the recording verifier, read the chain, then ask Halibut who it is.
//! Every step is bounded by the context's timeout; a failure ends the
//! gathering with a `Failure` naming the step, never a hang.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::{Instant, SystemTime};

use rustls::pki_types::ServerName;
use rustls::{AlertDescription, PeerIncompatible};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::halibut::{self, MAX_ANSWER};
use super::verifier::{Observed, client_config};
use super::{Failure, FailureKind, Stage, TlsEvidence, TlsSpec, chain};
use crate::contract::Context;
use crate::net::proxy::ProxyRoute;
use crate::net::tcp::{PortState, connect_first, route_source};
use crate::net::tunnel::{self, TunnelError};
use crate::thumbprint::Thumbprint;

/// How many of the first bytes the server sent are kept, to say what answered
/// when it was not TLS.
const FIRST_BYTES: usize = 256;

/// Connects, handshakes and asks Halibut who answers. Never fails: what went
/// wrong is in the evidence's `error`.
pub async fn gather(ctx: &Context, spec: &TlsSpec) -> TlsEvidence {
    let mut ev = TlsEvidence {
        target: spec.endpoint.to_string(),
        sni: spec.sni_name(),
        ..TlsEvidence::default()
    };
    let start = Instant::now();
    // Resolution, connect and the proxy's CONNECT share two timeouts, so that
    // with the handshake and the Halibut answer the whole check stays within
    // four: the runner's guard is above that.
    let opened = tokio::time::timeout(ctx.budget().steps(2), open(ctx, spec, &mut ev)).await;
    let tcp = match opened {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(failure)) => {
            ev.error = Some(failure);
            return ev;
        }
        Err(_) => {
            let stage = if spec.proxy.is_some() {
                Stage::Proxy
            } else {
                Stage::Connect
            };
            ev.error = Some(failure(
                stage,
                FailureKind::Timeout,
                format!(
                    "no connection to {} within {}",
                    spec.endpoint,
                    seconds(ctx.budget().steps(2))
                ),
            ));
            return ev;
        }
    };
    ev.connect_ms = Some(start.elapsed().as_millis() as u64);

    let observed = Arc::new(Observed::default());
    let config = match client_config(&observed) {
        Ok(c) => c,
        Err(e) => {
            ev.error = Some(failure(Stage::Handshake, FailureKind::Io, e.to_string()));
            return ev;
        }
    };
    let name = server_name(spec);
    let first = Arc::new(Mutex::new(Vec::new()));
    let recorder = Recorder {
        inner: tcp,
        first: Arc::clone(&first),
    };
    let handshake_start = Instant::now();
    let result = tokio::time::timeout(
        ctx.timeout,
        TlsConnector::from(Arc::new(config)).connect(name, recorder),
    )
    .await;
    ev.handshake_ms = Some(handshake_start.elapsed().as_millis() as u64);
    let first_bytes = first.lock().map(|f| f.clone()).unwrap_or_default();
    let mut tls = match result {
        Err(_) => {
            ev.error = Some(failure(
                Stage::Handshake,
                FailureKind::Timeout,
                format!(
                    "no TLS answer within {}: the port accepts TCP but {}",
                    seconds(ctx.timeout),
                    if first_bytes.is_empty() {
                        "never answered the ClientHello".to_string()
                    } else {
                        format!(
                            "answered only `{}`",
                            crate::text::printable(&first_bytes, 60)
                        )
                    }
                ),
            ));
            return ev;
        }
        Ok(Err(e)) => {
            ev.error = Some(classify_handshake_error(&e, &first_bytes));
            return ev;
        }
        Ok(Ok(tls)) => tls,
    };

    record_session(&tls, &observed, &mut ev);
    let host = spec
        .sni_name()
        .unwrap_or_else(|| spec.endpoint.host.clone());
    ask_halibut(&mut tls, &host, ctx.timeout, &mut ev).await;
    ev
}

/// A TCP stream to the endpoint: direct (every address at once, first open
/// wins) or through the proxy's CONNECT tunnel.
async fn open(ctx: &Context, spec: &TlsSpec, ev: &mut TlsEvidence) -> Result<TcpStream, Failure> {
    if let Some(route) = &spec.proxy {
        ev.proxy = Some(route.display());
        return match tunnel::open(&ctx.resolvers, route, &spec.endpoint, ctx.timeout).await {
            Ok(t) => {
                ev.proxy_status = Some(t.status_line);
                ev.source = t.stream.local_addr().ok().map(|a| a.ip().to_string());
                Ok(t.stream)
            }
            Err(e) => {
                ev.source = proxy_route_source(ctx, route).await;
                let kind = match &e {
                    TunnelError::ProxyDns(_) | TunnelError::ProxyUnreachable { .. } => {
                        FailureKind::ProxyUnreachable
                    }
                    TunnelError::AuthRequired { status_line, .. } => {
                        ev.proxy_status = Some(status_line.clone());
                        FailureKind::ProxyAuthRequired
                    }
                    TunnelError::Refused { status_line, .. } => {
                        ev.proxy_status = Some(status_line.clone());
                        FailureKind::ProxyRefused
                    }
                    TunnelError::TargetUnreachable { status_line, .. } => {
                        ev.proxy_status = Some(status_line.clone());
                        FailureKind::ProxyTargetUnreachable
                    }
                    TunnelError::Timeout => FailureKind::Timeout,
                    TunnelError::Credentials(_)
                    | TunnelError::Malformed(_)
                    | TunnelError::Io(_) => FailureKind::ProxyError,
                };
                Err(failure(Stage::Proxy, kind, e.to_string()))
            }
        };
    }
    let resolution = ctx
        .resolvers
        .resolve(&spec.endpoint.host)
        .await
        .map_err(|e| failure(Stage::Resolve, FailureKind::DnsFailed, e.0))?;
    match connect_first(&resolution.addresses, spec.endpoint.port, ctx.timeout).await {
        Ok((probe, stream)) => {
            ev.address = Some(probe.address.to_string());
            ev.source = probe.source.map(|ip| ip.to_string());
            Ok(stream)
        }
        Err(probe) => {
            let kind = match probe.state {
                PortState::Refused => FailureKind::Refused,
                PortState::Filtered => FailureKind::Filtered,
                PortState::Unreachable => FailureKind::Unreachable,
                PortState::Open | PortState::Error => FailureKind::Io,
            };
            let detail = match &probe.error {
                Some(e) => format!("{}: {} ({e})", probe.state.as_str(), probe.address),
                None => format!(
                    "{}: {} ({} ms)",
                    probe.state.as_str(),
                    probe.address,
                    probe.connect_ms
                ),
            };
            ev.address = Some(probe.address.to_string());
            ev.source = probe.source.map(|ip| ip.to_string());
            Err(failure(Stage::Connect, kind, detail))
        }
    }
}

/// Where a connection to the proxy leaves from, when the tunnel failed: the
/// route's source address for the proxy's first address.
async fn proxy_route_source(ctx: &Context, route: &ProxyRoute) -> Option<String> {
    let ip = match route.endpoint.ip() {
        Some(ip) => ip,
        None => *ctx
            .resolvers
            .resolve(&route.endpoint.host)
            .await
            .ok()?
            .addresses
            .first()?,
    };
    route_source(SocketAddr::new(ip, route.endpoint.port)).map(|ip| ip.to_string())
}

fn server_name(spec: &TlsSpec) -> ServerName<'static> {
    let fallback = || {
        ServerName::IpAddress(
            spec.endpoint
                .ip()
                .unwrap_or(std::net::Ipv4Addr::LOCALHOST.into())
                .into(),
        )
    };
    match spec.sni_name() {
        Some(name) => ServerName::try_from(name).unwrap_or_else(|_| fallback()),
        None => fallback(),
    }
}

/// Version, cipher, ALPN, the chain and the leaf's fingerprints.
fn record_session(tls: &TlsStream<Recorder<TcpStream>>, observed: &Observed, ev: &mut TlsEvidence) {
    let (_, conn) = tls.get_ref();
    ev.tls_version = conn.protocol_version().map(version_name);
    ev.cipher = conn
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()));
    ev.alpn = conn
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    ev.client_certificate_requested = observed.certificate_requested.lock().ok().map(|r| *r);
    let presented = observed.chain.lock().map(|c| c.clone()).unwrap_or_default();
    if let Some(leaf) = presented.first() {
        ev.thumbprint_sha1 = Some(Thumbprint::of_der(leaf));
        ev.fingerprint_sha256 = Some(hex::encode_upper(Sha256::digest(leaf)));
    }
    for der in &presented {
        match chain::parse(der) {
            Ok(info) => ev.chain.push(info),
            Err(e) if ev.chain.is_empty() => {
                ev.error = Some(failure(Stage::Handshake, FailureKind::HandshakeFailed, e));
                break;
            }
            Err(_) => break,
        }
    }
    ev.days_left = ev
        .chain
        .first()
        .map(|leaf| chain::days_left(leaf.not_after_unix, SystemTime::now()));
}

/// Sends the plain `GET` and reads a bounded answer. A close without
/// `close_notify` after the page is Halibut's normal end.
async fn ask_halibut(
    tls: &mut TlsStream<Recorder<TcpStream>>,
    host: &str,
    timeout: std::time::Duration,
    ev: &mut TlsEvidence,
) {
    let request = match halibut::request(host) {
        Ok(r) => r,
        Err(why) => {
            ev.error = Some(failure(Stage::Halibut, FailureKind::Io, why));
            return;
        }
    };
    let deadline = crate::contract::after(tokio::time::Instant::now(), timeout);
    let sent = tokio::time::timeout_at(deadline, async {
        tls.write_all(&request).await?;
        tls.flush().await
    })
    .await;
    let mut answer = Vec::new();
    let mut problem: Option<Failure> = match sent {
        Err(_) => Some(failure(
            Stage::Halibut,
            FailureKind::Timeout,
            format!("could not send GET / within {}", seconds(timeout)),
        )),
        Ok(Err(e)) => Some(failure(
            Stage::Halibut,
            FailureKind::Closed,
            format!("the connection failed after the handshake: {e}"),
        )),
        Ok(Ok(())) => None,
    };
    let mut buf = [0u8; 4096];
    while problem.is_none()
        && answer.len() < MAX_ANSWER
        && halibut::identify(&answer) == halibut::HalibutRole::None
    {
        match tokio::time::timeout_at(deadline, tls.read(&mut buf)).await {
            Err(_) => {
                if answer.is_empty() {
                    problem = Some(failure(
                        Stage::Halibut,
                        FailureKind::Timeout,
                        format!(
                            "the handshake completed, but nothing answered GET / within {}",
                            seconds(timeout)
                        ),
                    ));
                }
                break;
            }
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n.min(MAX_ANSWER - answer.len())]),
            Ok(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Ok(Err(e)) => {
                if answer.is_empty() {
                    problem = Some(failure(
                        Stage::Halibut,
                        FailureKind::Closed,
                        format!("the connection was closed before any answer to GET /: {e}"),
                    ));
                }
                break;
            }
        }
    }
    if problem.is_none() && answer.is_empty() {
        problem = Some(failure(
            Stage::Halibut,
            FailureKind::Closed,
            "the endpoint closed the connection without answering GET /".into(),
        ));
    }
    ev.halibut = Some(halibut::identify(&answer));
    ev.halibut_answer = halibut::first_line(&answer);
    ev.standin = halibut::is_standin(&answer);
    if ev.error.is_none() {
        ev.error = problem;
    }
}

/// Turns a failed handshake into a `Failure` that says what answered.
pub fn classify_handshake_error(e: &io::Error, first_bytes: &[u8]) -> Failure {
    let seen = if first_bytes.is_empty() {
        String::new()
    } else {
        format!("; it sent `{}`", crate::text::printable(first_bytes, 60))
    };
    if first_bytes.starts_with(b"HTTP/") {
        return failure(
            Stage::Handshake,
            FailureKind::PlainHttp,
            format!(
                "the endpoint speaks plain HTTP, not TLS: it answered `{}`",
                halibut::first_line(first_bytes).unwrap_or_default()
            ),
        );
    }
    let tls_error = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    match tls_error {
        Some(rustls::Error::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13))
        | Some(rustls::Error::AlertReceived(AlertDescription::ProtocolVersion)) => failure(
            Stage::Handshake,
            FailureKind::TlsTooOld,
            "the endpoint offers only TLS 1.0 or 1.1 (TLS 1.2 or 1.3 required)".into(),
        ),
        Some(
            rustls::Error::InvalidMessage(_)
            | rustls::Error::InappropriateMessage { .. }
            | rustls::Error::InappropriateHandshakeMessage { .. },
        ) => failure(
            Stage::Handshake,
            FailureKind::NotTls,
            format!("the endpoint does not speak TLS{seen}"),
        ),
        Some(rustls::Error::AlertReceived(alert)) => failure(
            Stage::Handshake,
            FailureKind::HandshakeFailed,
            format!("the server ended the handshake with the TLS alert {alert:?}"),
        ),
        Some(other) => failure(
            Stage::Handshake,
            FailureKind::HandshakeFailed,
            format!("the handshake failed: {other}"),
        ),
        None => match e.kind() {
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => failure(
                Stage::Handshake,
                FailureKind::Closed,
                format!("the endpoint closed the connection during the handshake{seen}"),
            ),
            _ => failure(
                Stage::Handshake,
                FailureKind::Io,
                format!("the handshake failed: {e}{seen}"),
            ),
        },
    }
}

fn failure(stage: Stage, kind: FailureKind, detail: String) -> Failure {
    Failure {
        stage,
        kind,
        detail,
    }
}

fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        rustls::ProtocolVersion::TLSv1_1 => "TLSv1.1".into(),
        rustls::ProtocolVersion::TLSv1_0 => "TLSv1.0".into(),
        other => format!("{other:?}"),
    }
}

fn seconds(d: std::time::Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// A stream that keeps the first bytes it reads, so a failed handshake can
/// say what the other side sent instead of a ServerHello.
pub struct Recorder<S> {
    inner: S,
    first: Arc<Mutex<Vec<u8>>>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Recorder<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &poll
            && let Ok(mut first) = this.first.lock()
        {
            let fresh = &buf.filled()[before..];
            let room = FIRST_BYTES.saturating_sub(first.len());
            first.extend_from_slice(&fresh[..fresh.len().min(room)]);
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorder<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

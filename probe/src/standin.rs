//! The stand-in listener (`preflight listen`): before a listening Tentacle
//! exists, it holds the Tentacle's port so the inbound rule from the new
//! server can be tested with `preflight check tls host:10933`.
//!
//! It serves TLS with a certificate generated at start, reads one bounded
//! request per connection, answers a plain `GET` with a fixed page saying it is
//! a preflight stand-in (so it is never mistaken for a real Tentacle), logs
//! each connection's source address, and stops by itself at its deadline.
//! It serves nothing else and acts on no input.
//!
//! It is reachable by anyone who can reach the port, so it is bounded:
//! [`Limits`] caps connections per peer address and overall (one client
//! holding idle sockets cannot lock a tester out), an idle connection gives
//! its slot back after a few seconds, and an accept error (out of file
//! descriptors) pauses the accept loop with a bounded back-off instead of
//! spinning.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::thumbprint::Thumbprint;

/// The page a `GET` receives; `check tls` recognises the stand-in by [`STANDIN_MARK`].
pub const STANDIN_MARK: &str = "preflight stand-in listener";
/// The certificate's common name.
pub const STANDIN_CN: &str = "preflight stand-in";
/// The longest a stand-in may run.
pub const MAX_DURATION: Duration = crate::duration::PlanDuration::MAX;
/// How long it runs unless told otherwise.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(15 * 60);
/// The most of a request that is read.
const MAX_REQUEST: usize = 8 * 1024;
/// The first pause after an accept error; it doubles up to [`MAX_ACCEPT_BACKOFF`].
pub const MIN_ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
/// The longest pause after accept errors in a row.
pub const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// How much of the stand-in one peer, and everyone, may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once from one peer address (any port); more are closed at once.
    pub per_peer: usize,
    /// Connections served at once in all; more are closed at once.
    pub total: usize,
    /// How long a client has to finish the handshake, then to send its
    /// request, then to take the answer: an idle connection holds its slot
    /// no longer than this (three times in all, at most).
    pub step: Duration,
}

impl Default for Limits {
    /// 8 per peer, 64 in all, 5 s per step.
    fn default() -> Self {
        Limits {
            per_peer: 8,
            total: 64,
            step: Duration::from_secs(5),
        }
    }
}

/// The pause after `errors` accept errors in a row (1, 2, …): 10 ms doubling
/// up to 1 s.
pub fn accept_backoff(errors: u32) -> Duration {
    let doubled = MIN_ACCEPT_BACKOFF.saturating_mul(1u32 << errors.saturating_sub(1).min(16));
    doubled.min(MAX_ACCEPT_BACKOFF)
}

/// The fixed answer to a `GET`: `HTTP/1.0 200 OK` and a page naming the stand-in.
pub fn page() -> Vec<u8> {
    let html = format!(
        "<html><head><title>preflight stand-in</title></head><body><p>{STANDIN_MARK}</p><p>This is not an Octopus Tentacle. It holds this port so that a firewall rule can be tested before the Tentacle is installed.</p></body></html>"
    );
    format!(
        "HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
        html.len()
    )
    .into_bytes()
}

/// What happened on one connection (or to the accept loop), for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLog {
    /// The client; `None` for the listener itself (an accept error).
    pub peer: Option<SocketAddr>,
    pub outcome: String,
}

impl fmt::Display for ConnectionLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.peer {
            Some(peer) => write!(f, "{peer}: {}", self.outcome),
            None => write!(f, "listener: {}", self.outcome),
        }
    }
}

/// Connections open per peer address; a [`PeerSlot`] gives its place back when dropped.
#[derive(Default)]
struct PeerCounts(Mutex<HashMap<IpAddr, usize>>);

struct PeerSlot {
    counts: Arc<PeerCounts>,
    ip: IpAddr,
}

impl PeerCounts {
    /// A slot for `ip`, unless it already holds `max`.
    fn take(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<PeerSlot> {
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(PeerSlot {
            counts: self.clone(),
            ip,
        })
    }
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// A bound stand-in, not yet serving.
pub struct StandIn {
    listener: TcpListener,
    acceptor: TlsAcceptor,
    thumbprint: Thumbprint,
    limits: Limits,
}

impl StandIn {
    /// Binds `addr` and generates the certificate.
    pub async fn bind(addr: SocketAddr) -> io::Result<StandIn> {
        let (cert, key) = certificate().map_err(io::Error::other)?;
        let thumbprint = Thumbprint::of_der(cert.as_ref());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .map_err(io::Error::other)?;
        let listener = TcpListener::bind(addr).await?;
        Ok(StandIn {
            listener,
            acceptor: TlsAcceptor::from(Arc::new(config)),
            thumbprint,
            limits: Limits::default(),
        })
    }

    /// Other limits than [`Limits::default`] (tests use shorter steps).
    pub fn with_limits(mut self, limits: Limits) -> StandIn {
        self.limits = limits;
        self
    }

    /// Where it listens (the real port when 0 was asked).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The certificate's SHA-1 thumbprint.
    pub fn thumbprint(&self) -> &Thumbprint {
        &self.thumbprint
    }

    /// Serves until `duration` has passed or `stop` resolves, calling `log`
    /// once per connection. Connections still open at the end are cut.
    /// Returns how many connections it saw.
    pub async fn serve(
        self,
        duration: Duration,
        stop: impl Future<Output = ()>,
        mut log: impl FnMut(ConnectionLog),
    ) -> usize {
        let deadline = tokio::time::sleep(duration.min(MAX_DURATION));
        tokio::pin!(deadline, stop);
        let limits = self.limits;
        let slots = Arc::new(Semaphore::new(limits.total));
        let peers = Arc::new(PeerCounts::default());
        let mut tasks: JoinSet<ConnectionLog> = JoinSet::new();
        let mut seen = 0;
        let mut accept_errors = 0u32;
        loop {
            tokio::select! {
                () = &mut deadline => break,
                () = &mut stop => break,
                Some(Ok(entry)) = tasks.join_next(), if !tasks.is_empty() => log(entry),
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(a) => {
                            accept_errors = 0;
                            a
                        }
                        Err(e) => {
                            // Out of descriptors (or a transient error): pause, never spin.
                            accept_errors = accept_errors.saturating_add(1);
                            let pause = accept_backoff(accept_errors);
                            log(ConnectionLog {
                                peer: None,
                                outcome: format!("accept failed: {e}; pausing {} ms", pause.as_millis()),
                            });
                            tokio::select! {
                                () = &mut deadline => break,
                                () = &mut stop => break,
                                () = tokio::time::sleep(pause) => continue,
                            }
                        }
                    };
                    seen += 1;
                    let Some(peer_slot) = peers.take(peer.ip(), limits.per_peer) else {
                        log(ConnectionLog {
                            peer: Some(peer),
                            outcome: format!("closed at once: {} connections already open from {}", limits.per_peer, peer.ip()),
                        });
                        continue;
                    };
                    let Ok(permit) = slots.clone().try_acquire_owned() else {
                        log(ConnectionLog { peer: Some(peer), outcome: format!("closed at once: {} connections already open", limits.total) });
                        continue;
                    };
                    let acceptor = self.acceptor.clone();
                    tasks.spawn(async move {
                        let outcome = answer(acceptor, stream, limits.step).await;
                        drop((permit, peer_slot));
                        ConnectionLog { peer: Some(peer), outcome }
                    });
                }
            }
        }
        tasks.abort_all();
        while let Some(done) = tasks.join_next().await {
            if let Ok(entry) = done {
                log(entry);
            }
        }
        seen
    }
}

/// One connection: handshake, one bounded request, the page for a `GET`.
async fn answer(acceptor: TlsAcceptor, stream: tokio::net::TcpStream, step: Duration) -> String {
    let start = Instant::now();
    let mut tls = match tokio::time::timeout(step, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => return format!("TLS handshake failed: {e}"),
        Err(_) => return format!("no TLS handshake within {} ms", step.as_millis()),
    };
    let mut request = Vec::new();
    let read = tokio::time::timeout(step, async {
        let mut buf = [0u8; 1024];
        while request.len() < MAX_REQUEST && !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tls.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
        }
        io::Result::Ok(())
    })
    .await;
    let first_line = request
        .split(|b| *b == b'\n')
        .next()
        .map(|l| crate::text::printable(l.strip_suffix(b"\r").unwrap_or(l), 80))
        .unwrap_or_default();
    match read {
        Err(_) if request.is_empty() => {
            return "TLS handshake completed; no request followed".into();
        }
        Ok(Err(e)) if request.is_empty() => {
            return format!("TLS handshake completed; then {e}");
        }
        _ => {}
    }
    if !request.starts_with(b"GET ") {
        return if request.is_empty() {
            "TLS handshake completed; closed without a request".into()
        } else {
            format!("not a GET (`{first_line}`): closed without an answer")
        };
    }
    let written = tokio::time::timeout(step, async {
        tls.write_all(&page()).await?;
        tls.shutdown().await
    })
    .await;
    match written {
        Ok(Ok(())) => format!(
            "TLS handshake and `{first_line}` answered with the stand-in page ({} ms)",
            start.elapsed().as_millis()
        ),
        _ => format!("`{first_line}`: the answer could not be sent"),
    }
}

/// A fresh self-signed certificate (ECDSA P-256), valid from an hour ago for a year.
fn certificate() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, STANDIN_CN);
    params.distinguished_name = name;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(365);
    let key = KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok((
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    ))
}

#[cfg(test)]
mod tests;

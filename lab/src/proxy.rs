//! An HTTP proxy on loopback, as the corporate proxy a Tentacle or a feed
//! client goes through: `CONNECT host:port` tunnels and absolute-form plain
//! HTTP requests (`GET http://host:port/path`), optional Basic authentication
//! (407 without it), refusals (403), 502/504 when the target does not answer.
//!
//! It only ever connects to loopback targets (an IP literal in 127.0.0.0/8 or
//! `::1`, or `localhost`); anything else is refused with 403 before any
//! traffic is sent. Every read and the life of every tunnel is bounded, and
//! it records what it was asked so tests can prove traffic went through it.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::http::{Head, HeadError, read_head, respond};

/// How long a client has to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the proxy waits to connect to the target.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest a tunnel or forwarded exchange may live.
const TUNNEL_LIFETIME: Duration = Duration::from_secs(60);
/// Connections handled at once; more are answered 503.
const MAX_CONNECTIONS: usize = 64;

/// Which requests the proxy refuses with 403 Forbidden.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Refuse {
    /// Refuse nothing (loopback targets only, always).
    #[default]
    Nothing,
    /// Refuse every request, as a proxy whose policy blocks the destination.
    Everything,
    /// Refuse these targets, written `host:port` as the client sends them.
    Targets(Vec<String>),
}

/// How the lab proxy behaves.
#[derive(Debug, Clone, Default)]
pub struct ProxyOptions {
    /// When set, requests need `Proxy-Authorization: Basic` with this user and password (407 otherwise).
    pub credentials: Option<(String, String)>,
    /// Requests refused with 403.
    pub refuse: Refuse,
}

/// One request the proxy answered, for tests to inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRequest {
    /// `CONNECT`, `GET`, ...
    pub method: String,
    /// The target as asked: `host:port` for CONNECT, the URL otherwise.
    pub target: String,
    /// The status the proxy answered (200 when it tunnelled or forwarded).
    pub status: u16,
    /// Whether the request carried the right credentials (always false without `credentials`).
    pub authenticated: bool,
}

/// A running lab proxy; it stops when dropped.
#[derive(Debug)]
pub struct HttpProxy {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<ProxyRequest>>>,
    task: JoinHandle<()>,
}

impl HttpProxy {
    /// Starts a proxy on 127.0.0.1 with the given behaviour.
    pub async fn start(options: ProxyOptions) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let options = Arc::new(options);
        let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let task_log = Arc::clone(&log);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                    let _ = respond(&mut stream, 503, "Service Unavailable", &[]).await;
                    continue;
                };
                let options = Arc::clone(&options);
                let log = Arc::clone(&task_log);
                tokio::spawn(async move {
                    let _ = handle(stream, &options, &log).await;
                    drop(permit);
                });
            }
        });
        Ok(HttpProxy { addr, log, task })
    }

    /// Starts an open proxy: no authentication, refuses nothing.
    pub async fn open() -> io::Result<Self> {
        HttpProxy::start(ProxyOptions::default()).await
    }

    /// `http://127.0.0.1:PORT`, the URL clients are given.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests answered so far, in order.
    pub fn requests(&self) -> Vec<ProxyRequest> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for HttpProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    mut client: TcpStream,
    options: &ProxyOptions,
    log: &Mutex<Vec<ProxyRequest>>,
) -> io::Result<()> {
    let head = match tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut client)).await {
        Err(_) => return Ok(()),
        Ok(Err(HeadError::TooLarge)) => {
            return respond(&mut client, 431, "Request Header Fields Too Large", &[]).await;
        }
        Ok(Err(HeadError::Malformed)) => {
            return respond(&mut client, 400, "Bad Request", &[]).await;
        }
        Ok(Err(HeadError::Io(e))) => return Err(e),
        Ok(Ok(head)) => head,
    };
    let authenticated = options.credentials.as_ref().is_some_and(|(user, pass)| {
        head.header("proxy-authorization")
            .is_some_and(|v| basic_matches(v, user, pass))
    });
    let record = |status: u16| {
        if let Ok(mut l) = log.lock() {
            l.push(ProxyRequest {
                method: head.method.clone(),
                target: head.target.clone(),
                status,
                authenticated,
            });
        }
    };

    if options.credentials.is_some() && !authenticated {
        record(407);
        return respond(
            &mut client,
            407,
            "Proxy Authentication Required",
            &["Proxy-Authenticate: Basic realm=\"preflight-lab\""],
        )
        .await;
    }
    let Some((host, port, path)) = destination(&head) else {
        record(400);
        return respond(&mut client, 400, "Bad Request", &[]).await;
    };
    let authority = format!("{host}:{port}");
    let refused = match &options.refuse {
        Refuse::Nothing => false,
        Refuse::Everything => true,
        Refuse::Targets(t) => t.contains(&authority),
    };
    let Some(ip) = loopback(&host).filter(|_| !refused) else {
        record(403);
        return respond(&mut client, 403, "Forbidden", &[]).await;
    };
    let upstream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((ip, port))).await
    {
        Ok(Ok(s)) => s,
        Ok(Err(_)) => {
            record(502);
            return respond(&mut client, 502, "Bad Gateway", &[]).await;
        }
        Err(_) => {
            record(504);
            return respond(&mut client, 504, "Gateway Timeout", &[]).await;
        }
    };
    record(200);
    let mut upstream = upstream;
    if head.method.eq_ignore_ascii_case("CONNECT") {
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
        upstream.write_all(&head.rest).await?;
    } else {
        upstream.write_all(&origin_request(&head, &path)).await?;
    }
    let _ = tokio::time::timeout(
        TUNNEL_LIFETIME,
        tokio::io::copy_bidirectional(&mut client, &mut upstream),
    )
    .await;
    Ok(())
}

/// Host, port and (for plain HTTP) the origin-form path the request is for.
fn destination(head: &Head) -> Option<(String, u16, String)> {
    if head.method.eq_ignore_ascii_case("CONNECT") {
        let ep: probe::Endpoint = head.target.parse().ok()?;
        return Some((ep.host, ep.port, String::new()));
    }
    let url = url::Url::parse(&head.target).ok()?;
    if url.scheme() != "http" {
        return None;
    }
    let host = url
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let mut path = url.path().to_string();
    if let Some(q) = url.query() {
        path.push('?');
        path.push_str(q);
    }
    Some((host, url.port_or_known_default()?, path))
}

/// The address of a loopback host, or `None` for anything else (never resolved).
fn loopback(host: &str) -> Option<IpAddr> {
    if host.eq_ignore_ascii_case("localhost") {
        return Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    host.parse::<IpAddr>().ok().filter(IpAddr::is_loopback)
}

/// The request rewritten for the origin server: origin-form path, proxy headers
/// dropped, and `Connection: close` so one client connection carries one request.
fn origin_request(head: &Head, path: &str) -> Vec<u8> {
    let mut out = format!("{} {path} HTTP/1.1\r\n", head.method);
    for (name, value) in &head.headers {
        let hop = [
            "proxy-authorization",
            "proxy-connection",
            "connection",
            "keep-alive",
        ];
        if !hop.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&head.rest);
    bytes
}

fn basic_matches(header: &str, user: &str, pass: &str) -> bool {
    let Some((scheme, token)) = header.trim().split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .is_ok_and(|d| d == format!("{user}:{pass}").as_bytes())
}

#[cfg(test)]
mod tests;

//! A tiny web server for the lab: one request per connection (its head read
//! with `lab::http::read_head`, bounded), plain or TLS, answering from a
//! handler function, optionally after a delay. It serves fixed documents to
//! tests and the demo; it is not a general web server. It counts the
//! requests it holds at once, so tests can see how many a client sent
//! together.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A request as the lab sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path and query (`/v2/`), also for absolute-form targets.
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first value of a header, name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An answer: status, headers, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A response with this status, content type and body.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        Response::new(status, "text/plain", format!("see {location}\n"))
            .with_header("Location", location)
    }
}

/// What a lab server was asked: method, path, and whether credentials came
/// with it (never the credentials themselves).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: bool,
}

type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;
type Delay = Arc<dyn Fn(&Request) -> Duration + Send + Sync>;

/// Requests being answered now, and the most there ever were at once.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

/// One request counted in [`InFlight`] from its head read until its answer is ready.
struct Counted<'a>(&'a InFlight);

impl<'a> Counted<'a> {
    fn new(flight: &'a InFlight) -> Self {
        let now = flight.now.fetch_add(1, Ordering::SeqCst) + 1;
        flight.most.fetch_max(now, Ordering::SeqCst);
        Counted(flight)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running lab HTTP server; stops when dropped.
pub struct HttpServer {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    flight: Arc<InFlight>,
    task: JoinHandle<()>,
}

impl HttpServer {
    /// Serves `handler` on `bind` (a loopback address, port 0 for any), over TLS when `tls` is given.
    pub async fn start(
        bind: SocketAddr,
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> io::Result<HttpServer> {
        HttpServer::start_delayed(bind, tls, handler, |_| Duration::ZERO).await
    }

    /// Like [`HttpServer::start`], answering each request only after `delay(request)`.
    pub async fn start_delayed(
        bind: SocketAddr,
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
        delay: impl Fn(&Request) -> Duration + Send + Sync + 'static,
    ) -> io::Result<HttpServer> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let flight = Arc::new(InFlight::default());
        let handler: Handler = Arc::new(handler);
        let delay: Delay = Arc::new(delay);
        let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
        let (log, counter) = (seen.clone(), flight.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (acceptor, lab) = (
                    acceptor.clone(),
                    Lab {
                        handler: handler.clone(),
                        delay: delay.clone(),
                        log: log.clone(),
                        flight: counter.clone(),
                    },
                );
                tokio::spawn(async move {
                    let limit = Duration::from_secs(10);
                    let _ = tokio::time::timeout(limit, async {
                        match acceptor {
                            Some(a) => match a.accept(stream).await {
                                Ok(tls) => serve(tls, &lab).await,
                                Err(_) => Ok(()),
                            },
                            None => serve(stream, &lab).await,
                        }
                    })
                    .await;
                });
            }
        });
        Ok(HttpServer {
            addr,
            seen,
            flight,
            task,
        })
    }

    /// The requests served so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The most requests this server was answering at once (each counted
    /// from its head read until its answer, delay included, was ready; so
    /// never more than the client had waiting for an answer).
    pub fn most_in_flight(&self) -> usize {
        self.flight.most.load(Ordering::SeqCst)
    }
}

/// What a connection's task needs from its server.
struct Lab {
    handler: Handler,
    delay: Delay,
    log: Arc<Mutex<Vec<Seen>>>,
    flight: Arc<InFlight>,
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, lab: &Lab) -> io::Result<()> {
    let Some(request) = read_head(&mut stream).await? else {
        return Ok(());
    };
    if let Ok(mut l) = lab.log.lock() {
        l.push(Seen {
            method: request.method.clone(),
            path: request.path.clone(),
            authorization: request.header("authorization").is_some(),
        });
    }
    let response = {
        // Counted until the answer is ready, not until it is written: the
        // client may see the whole body and send its next request before
        // this task gets to run again.
        let _counted = Counted::new(&lab.flight);
        let response = (lab.handler)(&request);
        let delay = (lab.delay)(&request);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        response
    };
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    stream.write_all(head.as_bytes()).await?;
    if request.method != "HEAD" {
        stream.write_all(&response.body).await?;
    }
    stream.flush().await?;
    stream.shutdown().await
}

/// Reads one request head; `None` for a connection that sent no valid one.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<Option<Request>> {
    let head = match crate::http::read_head(stream).await {
        Ok(head) => head,
        Err(crate::http::HeadError::Io(e)) => return Err(e),
        Err(_) => return Ok(None),
    };
    // Absolute-form targets (a proxy forwarding plain HTTP) keep only their path.
    let path = match head.target.find("://") {
        Some(i) => head.target[i + 3..]
            .find('/')
            .map_or("/".to_string(), |j| head.target[i + 3 + j..].to_string()),
        None => head.target.clone(),
    };
    let headers = head
        .headers
        .into_iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v))
        .collect();
    Ok(Some(Request {
        method: head.method,
        path,
        headers,
    }))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        407 => "Proxy Authentication Required",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

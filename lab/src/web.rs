//! A tiny web server for the lab: one request per connection (its head read
//! with `lab::http::read_head`, bounded), plain or TLS, answering from a
//! handler function. It serves fixed documents to tests and the demo; it is
//! not a general web server.

use std::io;
use std::net::SocketAddr;
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

/// A running lab HTTP server; stops when dropped.
pub struct HttpServer {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl HttpServer {
    /// Serves `handler` on `bind` (a loopback address, port 0 for any), over TLS when `tls` is given.
    pub async fn start(
        bind: SocketAddr,
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
    ) -> io::Result<HttpServer> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
        let log = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, log, acceptor) = (handler.clone(), log.clone(), acceptor.clone());
                tokio::spawn(async move {
                    let limit = Duration::from_secs(10);
                    let _ = tokio::time::timeout(limit, async {
                        match acceptor {
                            Some(a) => match a.accept(stream).await {
                                Ok(tls) => serve(tls, &handler, &log).await,
                                Err(_) => Ok(()),
                            },
                            None => serve(stream, &handler, &log).await,
                        }
                    })
                    .await;
                });
            }
        });
        Ok(HttpServer { addr, seen, task })
    }

    /// The requests served so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    handler: &Handler,
    log: &Mutex<Vec<Seen>>,
) -> io::Result<()> {
    let Some(request) = read_head(&mut stream).await? else {
        return Ok(());
    };
    if let Ok(mut l) = log.lock() {
        l.push(Seen {
            method: request.method.clone(),
            path: request.path.clone(),
            authorization: request.header("authorization").is_some(),
        });
    }
    let response = handler(&request);
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

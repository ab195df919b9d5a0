//! The little HTTP the lab servers speak: a bounded request-head reader and a
//! response writer. Only what the lab needs; never used against real servers.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Largest request head (request line and headers) a lab server reads.
pub const MAX_HEAD: usize = 16 * 1024;

/// A parsed request head and whatever the client sent after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    /// As sent: a path, `host:port` (CONNECT) or an absolute URL (proxies).
    pub target: String,
    pub headers: Vec<(String, String)>,
    /// Bytes read past the head (a body, or pipelined data).
    pub rest: Vec<u8>,
}

impl Head {
    /// The first header with this name, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request head could not be read.
#[derive(Debug)]
pub enum HeadError {
    /// Longer than `MAX_HEAD`.
    TooLarge,
    /// Not an HTTP/1.x request head (or the client closed before its end).
    Malformed,
    Io(io::Error),
}

/// Reads up to the blank line ending the head, never more than `MAX_HEAD` bytes
/// of head. Callers bound it in time.
pub async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Head, HeadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return Err(HeadError::TooLarge);
        }
        let n = stream.read(&mut chunk).await.map_err(HeadError::Io)?;
        if n == 0 {
            return Err(HeadError::Malformed);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    if end > MAX_HEAD {
        return Err(HeadError::TooLarge);
    }
    let text = std::str::from_utf8(&buf[..end]).map_err(|_| HeadError::Malformed)?;
    let mut lines = text.split("\r\n");
    let mut parts = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed);
    };
    if !version.starts_with("HTTP/1.") || method.is_empty() || target.is_empty() {
        return Err(HeadError::Malformed);
    }
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':').ok_or(HeadError::Malformed)?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(Head {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        rest: buf[end + 4..].to_vec(),
    })
}

/// A complete `HTTP/1.1` response with a body and `Connection: close`.
pub fn response(
    status: u16,
    reason: &str,
    extra_headers: &[&str],
    content_type: &str,
    body: &str,
) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    for h in extra_headers {
        out.push_str(h);
        out.push_str("\r\n");
    }
    out.push_str(&format!(
        "Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    out.into_bytes()
}

/// Writes a plain-text response and shuts the write side.
pub async fn respond<S: AsyncWrite + Unpin>(
    stream: &mut S,
    status: u16,
    reason: &str,
    extra_headers: &[&str],
) -> io::Result<()> {
    let body = format!("preflight lab: {status} {reason}\n");
    let bytes = response(status, reason, extra_headers, "text/plain", &body);
    stream.write_all(&bytes).await?;
    stream.shutdown().await
}

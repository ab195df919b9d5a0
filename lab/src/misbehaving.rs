//! Endpoints that accept TCP but do not speak TLS properly: one that never
//! says anything, one that sends garbage instead of a ServerHello, a plain
//! HTTP server, and one that only speaks TLS 1.0. A client must turn each
//! into a clear error within its timeout, never a hang.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// The longest the lab holds one connection open.
const HOLD: Duration = Duration::from_secs(30);
/// Connections held at once; more wait in the accept queue.
const MAX_CONNECTIONS: usize = 64;

/// What the endpoint does with a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Accepts, reads and discards, never writes.
    NeverSpeaks,
    /// Answers the ClientHello with an SSH banner.
    Garbage,
    /// An HTTP server: answers the ClientHello with `400 Bad Request`.
    PlainHttp,
    /// Answers the ClientHello with a TLS 1.0 ServerHello.
    LegacyTls,
}

/// A running misbehaving endpoint on 127.0.0.1; it stops when dropped.
#[derive(Debug)]
pub struct Misbehaving {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Misbehaving {
    /// Starts an endpoint with the given behaviour.
    pub async fn start(behaviour: Behaviour) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let task = tokio::spawn(async move {
            loop {
                let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
                    return;
                };
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(HOLD, serve(stream, behaviour)).await;
                    drop(permit);
                });
            }
        });
        Ok(Misbehaving { addr, task })
    }
}

impl Drop for Misbehaving {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The SSH banner the `Garbage` endpoint sends.
pub const SSH_BANNER: &[u8] = b"SSH-2.0-OpenSSH_9.6p1 Debian\r\n";

async fn serve(mut stream: TcpStream, behaviour: Behaviour) -> io::Result<()> {
    let mut buf = [0u8; 4096];
    match behaviour {
        Behaviour::NeverSpeaks => while stream.read(&mut buf).await? > 0 {},
        Behaviour::Garbage => {
            stream.write_all(SSH_BANNER).await?;
            while stream.read(&mut buf).await? > 0 {}
        }
        Behaviour::PlainHttp => {
            let _ = stream.read(&mut buf).await?;
            let body = "<html><head><title>400 Bad Request</title></head><body><h1>400 Bad Request</h1></body></html>\r\n";
            let reply = format!(
                "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(reply.as_bytes()).await?;
            stream.shutdown().await?;
        }
        Behaviour::LegacyTls => {
            let _ = stream.read(&mut buf).await?;
            stream.write_all(&tls10_server_hello()).await?;
            while stream.read(&mut buf).await? > 0 {}
        }
    }
    Ok(())
}

/// A TLS 1.0 ServerHello record choosing TLS_RSA_WITH_AES_128_CBC_SHA.
fn tls10_server_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x01]; // server_version TLS 1.0
    body.extend_from_slice(&[0x5a; 32]); // random
    body.push(0); // session id length
    body.extend_from_slice(&[0x00, 0x2f]); // cipher suite
    body.push(0); // compression: null
    let mut handshake = vec![0x02]; // ServerHello
    handshake.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

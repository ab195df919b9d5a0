//! TCP stand-ins: a port that accepts, a port that refuses, and a port that
//! never answers (SYNs dropped), all on loopback and without privileges.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

/// A loopback port that accepts connections and closes them at once.
#[derive(Debug)]
pub struct OpenPort {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl OpenPort {
    pub async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                drop(stream);
            }
        });
        Ok(OpenPort { addr, task })
    }
}

impl Drop for OpenPort {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback port with nothing listening: connecting is refused (RST).
pub fn closed_port() -> io::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.local_addr()
}

/// A loopback port that never answers: a listener whose accept queue is
/// full, so the kernel drops new SYNs and a client waits for its timeout,
/// exactly as behind a firewall DROP rule.
#[derive(Debug)]
pub struct SilentPort {
    pub addr: SocketAddr,
    _listener: TcpListener,
    _fillers: Vec<TcpStream>,
}

impl SilentPort {
    pub async fn start() -> io::Result<Self> {
        let socket = TcpSocket::new_v4()?;
        socket.bind("127.0.0.1:0".parse().expect("literal address"))?;
        let listener = socket.listen(0)?;
        let addr = listener.local_addr()?;
        let mut fillers = Vec::new();
        // Linux queues backlog + 1 connections; fill until connects stall.
        // Two stalls in a row, so that one slow connect on a loaded machine
        // is not taken for a full queue (a later connect would then succeed).
        let mut stalls = 0;
        for _ in 0..32 {
            match tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => {
                    stalls = 0;
                    fillers.push(stream);
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    stalls += 1;
                    if stalls == 2 {
                        return Ok(SilentPort {
                            addr,
                            _listener: listener,
                            _fillers: fillers,
                        });
                    }
                }
            }
        }
        Err(io::Error::other(
            "could not fill the accept queue: this kernel answers SYNs on a full queue",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use probe::net::tcp::{PortState, connect};

    #[tokio::test]
    async fn lab_ports_classify_as_intended() {
        let open = OpenPort::start().await.unwrap();
        let silent = SilentPort::start().await.unwrap();
        let closed = closed_port().unwrap();
        let t = Duration::from_millis(500);
        assert_eq!(connect(open.addr, t).await.state, PortState::Open);
        assert_eq!(connect(closed, t).await.state, PortState::Refused);
        let filtered = connect(silent.addr, t).await;
        assert_eq!(filtered.state, PortState::Filtered);
        assert!(
            filtered.connect_ms >= 450 && filtered.connect_ms < 1500,
            "{filtered:?}"
        );
    }
}

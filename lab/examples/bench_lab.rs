//! Loopback servers for `scripts/bench`: N Halibut-like TLS endpoints
//! (self-signed RSA 2048 `Octopus Tentacle`, the welcome page, abrupt close).
//!
//! Prints one `127.0.0.1:PORT THUMBPRINT` line per endpoint, then `ready`,
//! and serves until its standard input closes (the benchmark holds it open)
//! or 10 minutes pass, whichever is first. Binds only to 127.0.0.1.

use std::io::{BufRead, Write};
use std::time::Duration;

use lab::tls::{TlsServer, Welcome};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(200);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let identity = lab::certs::octopus_tentacle()?;
    let servers = runtime.block_on(async {
        let mut servers = Vec::with_capacity(count);
        for _ in 0..count {
            servers.push(TlsServer::halibut(identity.clone(), Welcome::Tentacle).await?);
        }
        Ok::<_, std::io::Error>(servers)
    })?;
    let mut out = std::io::stdout().lock();
    for s in &servers {
        writeln!(out, "{} {}", s.addr, s.identity.thumbprint())?;
    }
    writeln!(out, "ready")?;
    out.flush()?;
    drop(out);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = std::io::stdin().lock().lines().count();
        let _ = done_tx.send(());
    });
    let _ = done_rx.recv_timeout(Duration::from_secs(600));
    drop(servers);
    Ok(())
}

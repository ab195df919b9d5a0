//! `preflight listen`: the stand-in listener. Prints its port and
//! thumbprint, logs each connection, and stops by itself.

use std::net::SocketAddr;
use std::time::{Instant, SystemTime};

use anyhow::{Context as _, Result, bail};
use probe::standin::{MAX_DURATION, StandIn};

use crate::cli::ListenArgs;
use crate::output::{outln, rfc3339};

pub fn listen(args: ListenArgs) -> Result<i32> {
    let duration = args.duration.get();
    if duration > MAX_DURATION {
        bail!(
            "--for {}: expected at most 24h (a stand-in must not outlive the test it is for)",
            args.duration
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let addr = SocketAddr::new(args.bind, args.port);
        let standin = StandIn::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = standin.local_addr()?;
        let thumbprint = standin.thumbprint().clone();
        let until = SystemTime::now() + duration;
        outln!(
            "preflight stand-in listening on {local} for {} (until {}); Ctrl-C stops it",
            args.duration,
            rfc3339(until)
        )?;
        outln!("port: {}", local.port())?;
        outln!("thumbprint: {thumbprint}")?;
        outln!(
            "It is not a Tentacle: it answers TLS and one plain GET per connection. From the new server's side, test the inbound rule with:"
        )?;
        outln!(
            "  preflight check tls <this host>:{} --thumbprint {thumbprint}",
            local.port()
        )?;
        let start = Instant::now();
        let stop = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let seen = standin
            .serve(duration, stop, |entry| {
                // A closed standard output loses the log line; the stand-in
                // keeps serving until its time is up (the final line says so).
                let _ = outln!("{} {entry}", rfc3339(SystemTime::now()));
            })
            .await;
        outln!(
            "stopped after {}s: {seen} connection(s)",
            start.elapsed().as_secs()
        )?;
        Ok(report::exit::GO)
    })
}

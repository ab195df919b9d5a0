//! What `scripts/bench` measures preflight against, on loopback only:
//!
//! - `bench_lab [tls] N`: N Halibut-like TLS endpoints (self-signed RSA 2048
//!   `Octopus Tentacle`, the welcome page, abrupt close). Prints one
//!   `127.0.0.1:PORT THUMBPRINT` line per endpoint, then `ready`.
//! - `bench_lab octopus DIR KEY CA_FILE`: the fake Octopus API
//!   (`lab::octopus_api`) serving the pages in DIR over TLS, accepting the
//!   API key KEY; writes its CA certificate to CA_FILE, prints its URL, then
//!   `ready`.
//! - `bench_lab reports DIR COUNT RESULTS`: writes COUNT sealed report.json
//!   files of RESULTS results each into DIR (8 hosts per data center; the
//!   first 150 checks shared by every data center, the rest per host), then
//!   prints `ready`.
//!
//! The servers serve until standard input closes (the benchmark holds it
//! open) or 10 minutes pass, whichever is first. They bind only to 127.0.0.1.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Duration;

use lab::octopus_api::{Delay, FakeOctopus, FakeOctopusOptions};
use lab::tls::{TlsServer, Welcome};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("octopus") => octopus(&args[1..]),
        Some("reports") => reports(&args[1..]),
        Some("tls") => tls(args.get(1)),
        _ => tls(args.first()),
    }
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
}

fn tls(count: Option<&String>) -> Result<(), Error> {
    let count: usize = count.map(|s| s.parse()).transpose()?.unwrap_or(200);
    let runtime = runtime()?;
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
    ready(out)?;
    serve_until_stdin_closes();
    drop(servers);
    Ok(())
}

fn octopus(args: &[String]) -> Result<(), Error> {
    let [dir, key, ca_file] = args else {
        return Err("usage: bench_lab octopus DIR KEY CA_FILE".into());
    };
    let runtime = runtime()?;
    let ca = lab::certs::LabCa::new("preflight bench CA")?;
    std::fs::write(ca_file, ca.pem())?;
    let cert = ca.issue("127.0.0.1", &["127.0.0.1", "localhost"])?;
    let tls = lab::feeds::server_tls(&cert)?;
    let fake = runtime.block_on(FakeOctopus::start(
        "127.0.0.1:0".parse()?,
        Some(tls),
        FakeOctopusOptions {
            fixtures: PathBuf::from(dir),
            api_key: key.clone(),
            replacements: Vec::new(),
            faults: HashMap::new(),
            delay: Delay::None,
        },
    ))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", fake.url)?;
    ready(out)?;
    serve_until_stdin_closes();
    drop(fake);
    drop(runtime);
    Ok(())
}

fn reports(args: &[String]) -> Result<(), Error> {
    let [dir, count, results] = args else {
        return Err("usage: bench_lab reports DIR COUNT RESULTS".into());
    };
    let (count, results): (usize, usize) = (count.parse()?, results.parse()?);
    std::fs::create_dir_all(dir)?;
    for i in 0..count {
        let (dc, host) = (format!("dc{:03}", i / 8), format!("host{i:04}"));
        let checks = (0..results)
            .map(|j| {
                let name = if j < 150 {
                    format!("port-{j}")
                } else {
                    format!("{host}-{j}")
                };
                let target = format!("192.0.2.{}:{}", j % 250 + 1, 10_000 + j);
                let status = if (i + j) % 97 == 0 {
                    report::Status::Fail
                } else {
                    report::Status::Pass
                };
                report::CheckResult {
                    id: report::CheckId::from_parts(["dc", &dc, "tcp", &name]),
                    family: report::Family::Tcp,
                    title: format!("TCP reach {target}"),
                    target: target.clone(),
                    severity: report::Severity::Blocker,
                    status,
                    reason: match status {
                        report::Status::Pass => "open".into(),
                        _ => "filtered: no answer within 2s".into(),
                    },
                    remediation: None,
                    evidence: serde_json::json!({
                        "resolver": "literal",
                        "addresses": [{"address": target, "state": "open", "connect_ms": j % 7}],
                    })
                    .into(),
                    elapsed_ms: (j % 7) as u64,
                    waiver: None,
                }
            })
            .collect();
        let mut r = report::Report::new(
            report::Tool {
                name: "preflight".into(),
                version: "0.1.0".into(),
            },
            None,
            host.clone(),
            dc,
            None,
            "2026-01-01T00:00:00Z".into(),
            "2026-01-01T00:00:02Z".into(),
            "5e".repeat(32),
            checks,
        );
        r.seal();
        let mut file = std::io::BufWriter::new(std::fs::File::create(
            PathBuf::from(dir).join(format!("{host}.json")),
        )?);
        r.write_json(&mut file)?;
        file.flush()?;
    }
    ready(std::io::stdout().lock())
}

fn ready(mut out: std::io::StdoutLock<'_>) -> Result<(), Error> {
    writeln!(out, "ready")?;
    out.flush()?;
    Ok(())
}

fn serve_until_stdin_closes() {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = std::io::stdin().lock().lines().count();
        let _ = done_tx.send(());
    });
    let _ = done_rx.recv_timeout(Duration::from_secs(600));
}

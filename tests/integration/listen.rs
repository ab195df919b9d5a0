//! `preflight listen` end to end: the stand-in prints its port and
//! thumbprint, answers on loopback, and stops by itself.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{preflight, run, stderr, stdout};

/// A running `preflight listen`: its port, thumbprint, and the lines it prints.
struct Listener {
    child: Child,
    port: u16,
    thumbprint: String,
    lines: mpsc::Receiver<String>,
}

fn start_listener(duration: &str) -> Listener {
    let mut child = preflight()
        .args([
            "listen",
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
            "--for",
            duration,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start preflight listen");
    let (tx, lines) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut port = None;
    let mut thumbprint = None;
    let deadline = Instant::now() + Duration::from_secs(10);
    while port.is_none() || thumbprint.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .expect("listen prints its port and thumbprint");
        if let Some(p) = line.strip_prefix("port: ") {
            port = Some(p.parse().unwrap());
        }
        if let Some(t) = line.strip_prefix("thumbprint: ") {
            thumbprint = Some(t.to_string());
        }
    }
    Listener {
        child,
        port: port.unwrap(),
        thumbprint: thumbprint.unwrap(),
        lines,
    }
}

/// The next connection log line (`<time> <peer>: <outcome>`), skipping the banner.
fn next_log_line(lines: &mpsc::Receiver<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .expect("a log line for the connection");
        if line.starts_with(|c: char| c.is_ascii_digit()) {
            return line;
        }
    }
}

/// Waits (bounded) for the process to exit on its own; returns its exit code.
fn wait_exit(child: &mut Child, within: Duration) -> i32 {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the listener did not stop by itself within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn listen_prints_port_and_thumbprint_answers_and_stops_by_itself() {
    let started = Instant::now();
    let mut listener = start_listener("5s");
    assert_eq!(listener.thumbprint.len(), 40, "{}", listener.thumbprint);
    assert!(listener.thumbprint.chars().all(|c| c.is_ascii_hexdigit()));
    let target = format!("127.0.0.1:{}", listener.port);

    let out = run(&["check", "tcp", &target, "--timeout", "2s"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // Each connection is logged with its source address.
    let logged = next_log_line(&listener.lines);

    // From the server's side, `check tls` sees the stand-in and its thumbprint:
    // the path works (a warning, exit 0), the Tentacle is not there yet.
    let out = run(&[
        "check",
        "tls",
        &target,
        "--expect",
        "tentacle",
        "--thumbprint",
        &listener.thumbprint,
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = &report["results"][0];
    assert_eq!(out.status.code(), Some(0), "{result}");
    assert_eq!(result["status"], "warn", "{result}");
    assert_eq!(result["evidence"]["standin"], true, "{result}");
    assert_eq!(
        result["evidence"]["thumbprint_sha1"],
        listener.thumbprint.as_str()
    );
    assert_eq!(result["evidence"]["halibut"], "standin", "{result}");
    let reason = result["reason"].as_str().unwrap();
    assert!(reason.contains("preflight stand-in"), "{reason}");
    assert!(reason.contains("(as expected)"), "{reason}");
    assert!(logged.contains(" 127.0.0.1:"), "{logged}");

    // A wrong thumbprint fails (exit 1), showing both values.
    let wrong = "0000000000000000000000000000000000000000";
    let out = run(&["check", "tls", &target, "--thumbprint", wrong]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(wrong) && stdout(&out).contains(&listener.thumbprint),
        "{}",
        stdout(&out)
    );
    // Each TLS connection is logged as answered with the stand-in page.
    let logged = next_log_line(&listener.lines);
    assert!(
        logged.contains("answered with the stand-in page"),
        "{logged}"
    );

    assert_eq!(wait_exit(&mut listener.child, Duration::from_secs(20)), 0);
    assert!(started.elapsed() >= Duration::from_secs(5));
    let rest: Vec<String> = listener.lines.try_iter().collect();
    assert!(
        rest.iter().any(|l| l.starts_with("stopped after")),
        "{rest:?}"
    );
    let out = run(&["check", "tcp", &target, "--timeout", "1s"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the port is closed once it stopped"
    );
}

#[test]
fn listen_refuses_more_than_a_day() {
    let out = run(&[
        "listen",
        "--port",
        "0",
        "--bind",
        "127.0.0.1",
        "--for",
        "25h",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--for <DURATION>': expected a duration of at most 24h, found `25h`"),
        "{}",
        stderr(&out)
    );
}

/// CPU time (user + system) of a process so far, from /proc (Linux).
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which ends with `)`): utime is the 12th, stime the 13th.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // USER_HZ is 100 on every Linux this runs on.
    Duration::from_millis(ticks * 10)
}

#[test]
fn out_of_descriptors_the_accept_loop_backs_off_instead_of_spinning() {
    // 16 descriptors: the runtime and the listener take about 10, so a few
    // idle clients exhaust them and every accept fails with EMFILE.
    let mut child = std::process::Command::new("bash")
        .args([
            "-c",
            "ulimit -n 16 && exec \"$0\" listen --port 0 --bind 127.0.0.1 --for 8s",
            env!("CARGO_BIN_EXE_preflight"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let port: u16 = loop {
        let line = lines.recv_timeout(Duration::from_secs(10)).unwrap();
        if let Some(p) = line.strip_prefix("port: ") {
            break p.parse().unwrap();
        }
    };
    let clients: Vec<_> = (0..12)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let before = cpu_time(child.id());
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_time(child.id()) - before;
    let mut log = Vec::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_millis(100)) {
        log.push(line);
    }
    drop(clients);
    let _ = child.kill();
    let _ = child.wait();
    eprintln!("CPU used in 2 s while out of descriptors: {used:?}");
    // A spinning loop burns the whole 2 s; backing off uses next to nothing.
    assert!(used < Duration::from_millis(150), "{used:?} of CPU in 2 s");
    assert!(
        log.iter().any(
            |l| l.contains("listener: accept failed: Too many open files") && l.contains("pausing")
        ),
        "{log:#?}"
    );
    // The back-off is bounded: the loop keeps trying (at least once a second).
    let failures = log.iter().filter(|l| l.contains("accept failed")).count();
    assert!(
        (3..=40).contains(&failures),
        "{failures} accept failures logged: {log:#?}"
    );
}

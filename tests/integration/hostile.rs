//! Hostile endpoints (issue 9): servers that misbehave on purpose, on
//! loopback. Each must end in a clear `fail`/`error` within its timeout plus a
//! small margin: never a hang, a panic or unbounded memory.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::support::{run, stdout};

/// Serves each accepted connection with `serve` on its own thread, for at
/// most `connections` connections; the listener lives as long as the test.
fn server(connections: usize, serve: fn(TcpStream, u16)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections).flatten() {
            std::thread::spawn(move || serve(stream, port));
        }
    });
    port
}

/// Reads the request head (bounded), so the client is past sending.
fn read_request(stream: &mut TcpStream) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut buf = [0u8; 4096];
    let _ = stream.read(&mut buf);
}

fn feed_check(url: &str) -> (serde_json::Value, Duration, Option<i32>) {
    let start = Instant::now();
    let out = run(&[
        "check",
        "feed",
        url,
        "--kind",
        "http",
        "--timeout",
        "1s",
        "--format",
        "json",
    ]);
    let took = start.elapsed();
    let report: serde_json::Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("no JSON report ({e}): {}", stdout(&out)));
    (report, took, out.status.code())
}

fn assert_bounded_failure(
    name: &str,
    report: &serde_json::Value,
    took: Duration,
    code: Option<i32>,
) {
    let status = report["results"][0]["status"].as_str().unwrap_or_default();
    assert!(
        matches!(status, "fail" | "error"),
        "{name}: expected fail or error, got {status}: {report}"
    );
    assert!(
        !report["results"][0]["reason"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );
    assert_eq!(code, Some(1), "{name}: a failed blocker is NO-GO");
    assert!(took < Duration::from_secs(8), "{name} took {took:?}");
}

#[test]
fn http_headers_that_never_end() {
    let port = server(4, |mut s, _| {
        read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\n");
        // At most ~64 MiB of headers, then stop: the client must give up long before.
        for i in 0..2_000_000u32 {
            if s.write_all(format!("X-Filler-{i}: aaaaaaaaaaaaaaaaaaaa\r\n").as_bytes())
                .is_err()
            {
                return;
            }
        }
    });
    let (report, took, code) = feed_check(&format!("http://127.0.0.1:{port}/"));
    assert_bounded_failure("endless headers", &report, took, code);
    let reason = report["results"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("too large"), "{reason}");
}

#[test]
fn a_two_gib_body_is_not_read_to_the_end() {
    let port = server(4, |mut s, _| {
        read_request(&mut s);
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n",
        );
        let chunk = vec![b' '; 64 * 1024];
        // 2 GiB announced; the write loop ends when the client hangs up.
        for _ in 0..32_768 {
            if s.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let start = Instant::now();
    let out = run(&[
        "check",
        "feed",
        &format!("http://127.0.0.1:{port}/v3/index.json"),
        "--kind",
        "nuget-v3",
        "--timeout",
        "2s",
        "--format",
        "json",
    ]);
    let took = start.elapsed();
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_bounded_failure("2 GiB body", &report, took, out.status.code());
    let reason = report["results"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("body is larger than"), "{reason}");
}

#[test]
fn a_redirect_loop_stops_after_exactly_ten_redirects() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static REQUESTS: AtomicUsize = AtomicUsize::new(0);
    let port = server(64, |mut s, port| {
        read_request(&mut s);
        REQUESTS.fetch_add(1, Ordering::SeqCst);
        let _ = s.write_all(
            format!("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/again\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
    });
    let (report, took, code) = feed_check(&format!("http://127.0.0.1:{port}/"));
    assert_bounded_failure("redirect loop", &report, took, code);
    let result = &report["results"][0];
    let reason = result["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("stopped after following 10 redirects (the limit)"),
        "{reason}"
    );
    // The first request and exactly 10 redirects followed: 11 requests; every
    // answer (the 11th too, not followed) is recorded.
    assert_eq!(REQUESTS.load(Ordering::SeqCst), 11);
    assert_eq!(
        result["evidence"]["redirects"].as_array().map(Vec::len),
        Some(11),
        "{result}"
    );
}

#[test]
fn a_huge_timeout_is_a_clear_error_not_a_panic() {
    for flag_value in ["300000000000y", "25h"] {
        let out = run(&[
            "check",
            "feed",
            "https://127.0.0.1:9/",
            "--kind",
            "helm",
            "--timeout",
            flag_value,
        ]);
        let err = crate::support::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!(
                "expected a duration of at most 24h, found `{flag_value}`"
            )),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn tls_closed_mid_handshake_is_a_clear_error() {
    let port = server(4, |mut s, _| {
        // Read the ClientHello, answer half a record header, and hang up.
        read_request(&mut s);
        let _ = s.write_all(&[0x16, 0x03, 0x03]);
    });
    let start = Instant::now();
    let out = run(&[
        "check",
        "tls",
        &format!("127.0.0.1:{port}"),
        "--timeout",
        "1s",
        "--format",
        "json",
    ]);
    let took = start.elapsed();
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_bounded_failure("TLS closed mid-handshake", &report, took, out.status.code());
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[test]
fn an_sni_flag_with_cr_lf_is_refused_before_any_connection() {
    let out = run(&[
        "check",
        "tls",
        "127.0.0.1:9",
        "--sni",
        "evil.example.com\r\nX-Injected: 1",
    ]);
    let err = crate::support::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("invalid value")
            && err.contains("--sni <NAME>")
            && err.contains("control characters are refused"),
        "{err}"
    );
}

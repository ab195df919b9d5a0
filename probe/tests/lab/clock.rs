//! The clock check against the lab's Octopus portal, whose `Date` header
//! runs at a chosen offset, and against a port that never answers.

use std::time::{Duration, Instant};

use lab::octopus::{OctopusApi, OctopusApiOptions};
use lab::tcp::SilentPort;
use probe::Context;
use probe::checks::clock::{ClockSpec, assess, gather};
use report::Status;

async fn portal(clock_offset_s: i64) -> (OctopusApi, ClockSpec) {
    let api = OctopusApi::start(OctopusApiOptions {
        version: "2024.3.12741".into(),
        thumbprint: "3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B".parse().unwrap(),
        api_key: "unused".into(),
        names: Vec::new(),
        clock_offset_s,
    })
    .await
    .unwrap();
    let ca = std::env::temp_dir().join(format!(
        "preflight-clock-ca-{}-{}.pem",
        std::process::id(),
        api.server.addr.port()
    ));
    std::fs::write(&ca, api.ca.pem()).unwrap();
    let spec = ClockSpec {
        url: api.url(),
        ca_file: Some(ca),
    };
    (api, spec)
}

#[tokio::test]
async fn a_loopback_server_ten_minutes_ahead_is_a_warning() {
    let ctx = Context::new(Duration::from_secs(2), "the test");
    let (_api, spec) = portal(600).await;
    let ev = gather(&ctx, &spec).await;
    assert_eq!(ev.error, None);
    assert_eq!(ev.status, Some(200));
    let skew = ev.skew_s.unwrap();
    assert!((598..=602).contains(&skew), "{ev:?}");
    let o = assess(&ev, "the test");
    assert_eq!(o.status, Status::Warn, "{}", o.reason);
    assert!(o.reason.contains("behind the new server's"), "{}", o.reason);
    std::fs::remove_file(spec.ca_file.unwrap()).ok();

    let (_api, spec) = portal(0).await;
    let ev = gather(&ctx, &spec).await;
    assert!(ev.skew_s.unwrap().abs() <= 2, "{ev:?}");
    assert_eq!(assess(&ev, "the test").status, Status::Pass);
    std::fs::remove_file(spec.ca_file.unwrap()).ok();
}

#[tokio::test]
async fn an_untrusted_or_silent_server_is_an_error_within_the_timeout() {
    let ctx = Context::new(Duration::from_millis(500), "the test");
    let (_api, mut spec) = portal(0).await;
    let ca = spec.ca_file.take().unwrap();
    let o = assess(&gather(&ctx, &spec).await, "the test");
    assert_eq!(o.status, Status::Error, "{}", o.reason);
    std::fs::remove_file(ca).ok();

    let silent = SilentPort::start().await.unwrap();
    let spec = ClockSpec {
        url: format!("https://{}", silent.addr),
        ca_file: None,
    };
    let start = Instant::now();
    let o = assess(&gather(&ctx, &spec).await, "the test");
    assert_eq!(o.status, Status::Error, "{}", o.reason);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}

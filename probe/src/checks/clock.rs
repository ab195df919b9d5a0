//! Clock skew: the `Date` header of the new server's HTTPS answer against
//! this machine's clock. TLS certificate validity and Octopus's tokens fail
//! on clocks that disagree, so more than five minutes apart is a warning.
//!
//! The request goes through `crate::net::http` (reqwest over rustls, platform
//! roots plus `ca_file`, the run's resolvers, no proxy); any answer with a
//! `Date` header will do, whatever its status.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use report::Status;

use crate::contract::{Context, Outcome};
use crate::net::http::{HttpOptions, describe_error};

/// More apart than this is a warning.
pub const MAX_SKEW: Duration = Duration::from_secs(5 * 60);
/// The most of the answer's body that is read (only its headers matter).
const MAX_BODY: usize = 64 * 1024;

/// Whose clock to compare with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockSpec {
    /// The server's base URL (`https://acme.octopus.app`); `/api` is requested.
    pub url: String,
    /// Extra trusted CA certificates (PEM) for a server behind a corporate CA.
    pub ca_file: Option<PathBuf>,
}

/// What was seen. Field names are part of report.json.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClockEvidence {
    /// The URL requested.
    pub url: String,
    /// The HTTP status of the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The `Date` header as the server sent it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_date: Option<String>,
    /// This machine's clock halfway through the request (RFC 3339, UTC).
    pub local_time: String,
    /// Server minus local, in seconds (positive: this machine is behind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skew_s: Option<i64>,
    /// How long the request took; the comparison is good to about half of it plus 1 s.
    pub elapsed_ms: u64,
    /// Why there is no comparison.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `GET {url}/api`, bounded by twice the context's timeout, and the skew it shows.
pub async fn gather(ctx: &Context, spec: &ClockSpec) -> ClockEvidence {
    let url = format!("{}/api", spec.url.trim_end_matches('/'));
    let sent = SystemTime::now();
    let start = Instant::now();
    let answer = request(ctx, spec, &url).await;
    let elapsed = start.elapsed();
    let local = sent + elapsed / 2;
    let mut ev = ClockEvidence {
        url,
        local_time: humantime::format_rfc3339_seconds(local).to_string(),
        elapsed_ms: elapsed.as_millis() as u64,
        ..ClockEvidence::default()
    };
    match answer {
        Err(e) => ev.error = Some(e),
        Ok((status, date)) => {
            ev.status = Some(status);
            ev.server_date = date;
            ev.skew_s = ev.server_date.as_deref().and_then(|d| skew(d, local));
        }
    }
    ev
}

/// The status and `Date` header of one bounded request.
async fn request(
    ctx: &Context,
    spec: &ClockSpec,
    url: &str,
) -> Result<(u16, Option<String>), String> {
    let client = crate::net::http::client(&HttpOptions {
        connect_timeout: ctx.timeout,
        ca_file: spec.ca_file.clone().or_else(|| ctx.ca_file.clone()),
        proxy: None,
        resolvers: Some(ctx.resolvers.clone()),
    })?;
    let limit = ctx.budget().steps(2);
    let exchange = async {
        let mut response = client.get(url).timeout(limit).send().await?;
        let status = response.status().as_u16();
        let date = response
            .headers()
            .get(reqwest::header::DATE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        // Read (a bounded part of) the body so the connection ends cleanly.
        let _ = crate::net::http::read_capped(&mut response, MAX_BODY).await;
        Ok::<_, reqwest::Error>((status, date))
    };
    match tokio::time::timeout(limit + Duration::from_millis(200), exchange).await {
        Err(_) => Err(format!("no answer within {:.1}s", limit.as_secs_f64())),
        Ok(Err(e)) => Err(describe_error(&e)),
        Ok(Ok(answer)) => Ok(answer),
    }
}

/// Server minus local in whole seconds, when `date` is an HTTP date.
pub fn skew(date: &str, local: SystemTime) -> Option<i64> {
    let server = httpdate::parse_http_date(date.trim()).ok()?;
    Some(match server.duration_since(local) {
        Ok(ahead) => ahead.as_secs_f64().round() as i64,
        Err(behind) => -(behind.duration().as_secs_f64().round() as i64),
    })
}

/// Within five minutes passes; more is a warning; no usable `Date` is an
/// error (no data is not a pass). Pure.
pub fn assess(ev: &ClockEvidence, origin: &str) -> Outcome {
    if let Some(e) = &ev.error {
        return Outcome::new(
            Status::Error,
            format!("could not ask {} for its time: {e}", ev.url),
        )
        .with_evidence(ev);
    }
    let Some(date) = &ev.server_date else {
        return Outcome::new(
            Status::Error,
            format!(
                "{} answered without a Date header: the clocks cannot be compared",
                ev.url
            ),
        )
        .with_evidence(ev);
    };
    let Some(skew) = ev.skew_s else {
        return Outcome::new(
            Status::Error,
            format!(
                "expected an HTTP date in the Date header, found `{}`",
                crate::text::excerpt(date)
            ),
        )
        .with_evidence(ev);
    };
    let apart = describe(skew);
    if skew == 0 {
        return Outcome::new(
            Status::Pass,
            format!("this machine's clock matches the new server's to the second (Date: {date})"),
        )
        .with_evidence(ev);
    }
    if skew.unsigned_abs() <= MAX_SKEW.as_secs() {
        return Outcome::new(
            Status::Pass,
            format!("this machine's clock is within {apart} of the new server's (Date: {date})"),
        )
        .with_evidence(ev);
    }
    let direction = if skew > 0 { "behind" } else { "ahead of" };
    Outcome::new(
        Status::Warn,
        format!(
            "this machine's clock is {apart} {direction} the new server's (Date: {date}, local {}): more than 5 minutes",
            ev.local_time
        ),
    )
    .with_remediation(format!(
        "synchronise the clock of this machine in {origin} with NTP (`timedatectl set-ntp true`, or `w32tm /resync` on Windows): certificates and Octopus's tokens are rejected on skewed clocks"
    ))
    .with_evidence(ev)
}

/// `42 s`, `7 min 30 s`, `2 h 5 min`.
fn describe(skew: i64) -> String {
    let s = skew.unsigned_abs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 if s.is_multiple_of(60) => format!("{} min", s / 60),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(date: Option<&str>, local: SystemTime) -> ClockEvidence {
        ClockEvidence {
            url: "https://acme.octopus.app/api".into(),
            status: Some(200),
            server_date: date.map(str::to_string),
            local_time: humantime::format_rfc3339_seconds(local).to_string(),
            skew_s: date.and_then(|d| skew(d, local)),
            elapsed_ms: 40,
            error: None,
        }
    }

    fn at(rfc3339: &str) -> SystemTime {
        humantime::parse_rfc3339(rfc3339).unwrap()
    }

    #[test]
    fn http_dates_give_a_signed_skew() {
        let local = at("2026-11-23T10:00:00Z");
        assert_eq!(skew("Mon, 23 Nov 2026 10:00:00 GMT", local), Some(0));
        assert_eq!(skew("Mon, 23 Nov 2026 10:07:30 GMT", local), Some(450));
        assert_eq!(skew("Mon, 23 Nov 2026 09:58:00 GMT", local), Some(-120));
        assert_eq!(skew("yesterday", local), None);
    }

    #[test]
    fn five_minutes_apart_passes_more_is_a_warning() {
        let local = at("2026-11-23T10:00:00Z");
        let close = assess(
            &evidence(Some("Mon, 23 Nov 2026 10:05:00 GMT"), local),
            "data center east",
        );
        assert_eq!(close.status, Status::Pass, "{}", close.reason);
        assert!(close.reason.contains("within 5 min"), "{}", close.reason);

        let ahead = assess(
            &evidence(Some("Mon, 23 Nov 2026 09:52:30 GMT"), local),
            "data center east",
        );
        assert_eq!(ahead.status, Status::Warn);
        assert!(
            ahead
                .reason
                .contains("7 min 30 s ahead of the new server's"),
            "{}",
            ahead.reason
        );
        let remedy = ahead.remediation.unwrap();
        assert!(remedy.contains("NTP") && remedy.contains("data center east"));
        assert_eq!(ahead.evidence["skew_s"], -450);
        assert_eq!(
            ahead.evidence["server_date"],
            "Mon, 23 Nov 2026 09:52:30 GMT"
        );

        let behind = assess(
            &evidence(Some("Mon, 23 Nov 2026 12:05:00 GMT"), local),
            "east",
        );
        assert_eq!(behind.status, Status::Warn);
        assert!(
            behind.reason.contains("2 h 5 min behind"),
            "{}",
            behind.reason
        );
    }

    #[test]
    fn no_usable_date_is_an_error_not_a_pass() {
        let local = at("2026-11-23T10:00:00Z");
        assert_eq!(assess(&evidence(None, local), "east").status, Status::Error);
        let garbled = assess(&evidence(Some("soon\u{7}"), local), "east");
        assert_eq!(garbled.status, Status::Error);
        assert!(garbled.reason.contains("`soon\\x07`"), "{}", garbled.reason);
        let unreachable = ClockEvidence {
            error: Some("connection refused".into()),
            ..evidence(None, local)
        };
        assert_eq!(assess(&unreachable, "east").status, Status::Error);
    }
}

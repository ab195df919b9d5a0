//! Pure: the skew against the limit, with what to do about it.

use std::time::SystemTime;

use report::Status;

use super::{ClockEvidence, MAX_SKEW};
use crate::contract::Outcome;

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
mod tests;

//! Instants: `--since` (an RFC 3339 time, or a duration back from now such
//! as `7d`) and the timestamps the Octopus API writes (`2026-11-30T09:15:02.123+10:00`),
//! both as UTC so they compare.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

/// An instant read from a flag, a plan or an API document, in UTC.
pub type Instant = DateTime<Utc>;

/// The current time, in UTC.
pub fn now() -> Instant {
    Instant::from(std::time::SystemTime::now())
}

/// Parses an RFC 3339 time with any offset (`Z`, `+10:00`) into UTC.
pub fn parse_instant(s: &str) -> Result<Instant, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!(
                "expected an RFC 3339 time like 2026-11-30T09:00:00Z, found `{}` ({e})",
                crate::text::one_line(s, 60)
            )
        })
}

/// `--since`: when the side-by-side window began (the copy was taken, the
/// new instance came up). Written as an RFC 3339 time or as a duration back
/// from now (`7d`, `36h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Since(pub Instant);

impl Since {
    /// Parses `s` relative to `now` (a duration is subtracted from it).
    pub fn parse_at(s: &str, now: Instant) -> Result<Since, String> {
        let t = s.trim();
        if t.is_empty() {
            return Err(
                "expected a time like 2026-11-30T09:00:00Z or a duration like 7d, found nothing"
                    .into(),
            );
        }
        if t.as_bytes()[0].is_ascii_digit() && t.len() >= 10 && t.as_bytes().get(4) == Some(&b'-') {
            let at = parse_instant(t)?;
            if at > now {
                return Err(format!(
                    "--since {t} is in the future (now is {})",
                    now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ));
            }
            return Ok(Since(at));
        }
        let d = humantime::parse_duration(t).map_err(|e| {
            format!("expected a time like 2026-11-30T09:00:00Z or a duration like 7d or 36h, found `{}` ({e})", crate::text::one_line(s, 60))
        })?;
        let back = chrono::Duration::from_std(d)
            .ok()
            .and_then(|d| now.checked_sub_signed(d))
            .ok_or_else(|| {
                format!("--since {t} reaches back further than a date can be written")
            })?;
        Ok(Since(back))
    }

    /// How long ago the window began, as of `now` (zero if in the future).
    pub fn age(&self, now: Instant) -> std::time::Duration {
        (now - self.0).to_std().unwrap_or_default()
    }
}

impl FromStr for Since {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Since::parse_at(s, now())
    }
}

impl fmt::Display for Since {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Instant {
        parse_instant("2026-12-02T12:00:00Z").unwrap()
    }

    #[test]
    fn an_rfc3339_time_with_any_offset_is_read_as_utc() {
        let s = Since::parse_at("2026-11-30T19:00:00+10:00", now()).unwrap();
        assert_eq!(s.to_string(), "2026-11-30T09:00:00Z");
        assert_eq!(s.age(now()), std::time::Duration::from_secs(51 * 3600));
        let api = parse_instant("2026-11-30T09:15:02.123+00:00").unwrap();
        assert_eq!(
            api.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "2026-11-30T09:15:02.123Z"
        );
    }

    #[test]
    fn a_duration_reaches_back_from_now() {
        assert_eq!(
            Since::parse_at("7d", now()).unwrap().to_string(),
            "2026-11-25T12:00:00Z"
        );
        assert_eq!(
            Since::parse_at(" 36h ", now()).unwrap().to_string(),
            "2026-12-01T00:00:00Z"
        );
    }

    #[test]
    fn nonsense_the_future_and_huge_durations_are_refused_with_the_words_to_fix_them() {
        let e = Since::parse_at("last week", now()).unwrap_err();
        assert!(
            e.starts_with("expected a time like 2026-11-30T09:00:00Z or a duration like 7d"),
            "{e}"
        );
        let e = Since::parse_at("2027-01-01T00:00:00Z", now()).unwrap_err();
        assert_eq!(
            e,
            "--since 2027-01-01T00:00:00Z is in the future (now is 2026-12-02T12:00:00Z)"
        );
        let e = Since::parse_at("2026-13-01T00:00:00Z", now()).unwrap_err();
        assert!(e.starts_with("expected an RFC 3339 time"), "{e}");
        let e = Since::parse_at("300000000000y", now()).unwrap_err();
        assert!(
            e.contains("reaches back further") || e.starts_with("expected"),
            "{e}"
        );
        assert!(Since::parse_at("", now()).is_err());
    }
}

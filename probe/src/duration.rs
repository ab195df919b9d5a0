//! Durations written with units (`"3s"`, `"500ms"`, `"15m"`), as plans and flags take them.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// A duration that was written with a unit. A bare number is refused: `3` could
/// mean seconds or milliseconds, and a plan is read by people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlanDuration(pub Duration);

impl PlanDuration {
    /// The longest duration a plan or flag may give (24 hours): a timeout
    /// longer than a day is a typo, and every sum or multiple of a capped
    /// duration (a check's budget, its guard, a deadline) stays far inside
    /// what `Duration` and `Instant` can hold.
    pub const MAX: Duration = Duration::from_secs(24 * 60 * 60);

    pub fn get(self) -> Duration {
        self.0
    }
}

impl FromStr for PlanDuration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected = "expected a duration with a unit, like \"3s\", \"500ms\" or \"15m\"";
        let t = s.trim();
        if t.is_empty() || t.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(format!("{expected}, found `{s}`"));
        }
        let d =
            humantime::parse_duration(t).map_err(|e| format!("{expected}, found `{s}` ({e})"))?;
        if d.is_zero() {
            return Err(format!(
                "expected a duration greater than zero, found `{s}`"
            ));
        }
        if d > Self::MAX {
            return Err(format!(
                "expected a duration of at most 24h, found `{}`",
                crate::text::excerpt(t)
            ));
        }
        Ok(PlanDuration(d))
    }
}

impl fmt::Display for PlanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for PlanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = PlanDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration with a unit, like \"3s\" or \"500ms\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PlanDuration, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<PlanDuration, E> {
                Err(E::custom(format!(
                    "expected a duration with a unit, like \"{v}s\" or \"{v}ms\", found the bare number {v}"
                )))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<PlanDuration, E> {
                self.visit_i64(v as i64)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<PlanDuration, E> {
                Err(E::custom(format!(
                    "expected a duration with a unit, like \"{v}s\", found the bare number {v}"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_required() {
        assert_eq!(
            "3s".parse::<PlanDuration>().unwrap().get(),
            Duration::from_secs(3)
        );
        assert_eq!(
            "500ms".parse::<PlanDuration>().unwrap().get(),
            Duration::from_millis(500)
        );
        assert_eq!(
            "15m".parse::<PlanDuration>().unwrap().get(),
            Duration::from_secs(900)
        );
        assert!(
            "3".parse::<PlanDuration>()
                .unwrap_err()
                .contains("with a unit")
        );
        assert!("0s".parse::<PlanDuration>().is_err());
        // The cap, exactly: 24h is accepted, a nanosecond more is not.
        assert_eq!(
            "24h".parse::<PlanDuration>().unwrap().get(),
            PlanDuration::MAX
        );
        for huge in ["24h 1ns", "2d", "300000000000y"] {
            let e = huge.parse::<PlanDuration>().unwrap_err();
            assert_eq!(
                e,
                format!("expected a duration of at most 24h, found `{huge}`")
            );
        }
        // Past what humantime can hold: an error too, never a panic.
        assert!("30000000000000000000000y".parse::<PlanDuration>().is_err());
        assert!("soon".parse::<PlanDuration>().is_err());
    }
}

//! Octopus Server versions as `/api` reports them (`2020.6.4671`,
//! `2023.2.13142`, `3.17.1`), compared by their numeric parts.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// The oldest server Export/Import Projects runs on.
pub const EXPORT_IMPORT_MINIMUM: &str = "2021.1";

/// A version: its numeric parts (a pre-release suffix after `-` or `+` is ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OctopusVersion {
    parts: Vec<u64>,
    text: String,
}

impl FromStr for OctopusVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let core = text.split(['-', '+', ' ']).next().unwrap_or_default();
        let parts: Result<Vec<u64>, _> = core.split('.').map(str::parse::<u64>).collect();
        match parts {
            Ok(parts) if !parts.is_empty() => Ok(OctopusVersion {
                parts,
                text: text.to_string(),
            }),
            _ => Err(format!(
                "expected a version like \"2021.1\" or \"2020.6.4671\", found `{s}`"
            )),
        }
    }
}

impl Ord for OctopusVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.parts.len().max(other.parts.len());
        let at = |v: &OctopusVersion, i: usize| v.parts.get(i).copied().unwrap_or(0);
        (0..len)
            .map(|i| at(self, i).cmp(&at(other, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for OctopusVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for OctopusVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for OctopusVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> OctopusVersion {
        s.parse().unwrap()
    }

    #[test]
    fn versions_compare_by_numeric_parts() {
        let min = v(EXPORT_IMPORT_MINIMUM);
        assert!(v("2020.6.4671") < min);
        assert!(v("3.17.1") < min);
        assert!(v("2021.1") >= min);
        assert!(v("2021.1.7500") >= min);
        assert!(v("2024.3.12741") > min);
        assert!(v("2021.1.0-rc1") >= min);
        assert!(v("2020.12.9") < min);
        assert_eq!(v("2021.1"), v("2021.1"));
        assert_eq!(v("2021.1.0").cmp(&v("2021.1")), Ordering::Equal);
    }

    #[test]
    fn junk_is_refused_with_what_was_expected() {
        for bad in ["", "latest", "2021.x", "v2021.1"] {
            let e = bad.parse::<OctopusVersion>().unwrap_err();
            assert!(e.contains("expected a version"), "{e}");
        }
    }
}

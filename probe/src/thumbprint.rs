//! Certificate thumbprints: SHA-1 of the leaf certificate's DER, as Octopus shows them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A SHA-1 thumbprint, normalised to 40 uppercase hex digits. Parsing ignores
/// case, spaces and colons, so values pasted from Windows, OpenSSL or the
/// Octopus portal compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Thumbprint(String);

impl Thumbprint {
    /// The thumbprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Self {
        use sha1::{Digest, Sha1};
        Thumbprint(hex::encode_upper(Sha1::digest(der)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Thumbprint {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let cleaned: String = s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ':')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if cleaned.len() != 40 || !cleaned.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!(
                "expected a SHA-1 thumbprint of 40 hex digits (spaces and colons allowed), found `{s}`"
            ));
        }
        Ok(Thumbprint(cleaned))
    }
}

impl fmt::Display for Thumbprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Thumbprint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for Thumbprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_ignoring_case_spaces_and_colons() {
        let a: Thumbprint = "3f9a0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b".parse().unwrap();
        let b: Thumbprint = "3F:9A:0C:1D:2E:3F:4A:5B:6C:7D:8E:9F:0A:1B:2C:3D:4E:5F:6A:7B"
            .parse()
            .unwrap();
        let c: Thumbprint = "3F9A 0C1D 2E3F 4A5B 6C7D 8E9F 0A1B 2C3D 4E5F 6A7B"
            .parse()
            .unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(a.as_str(), "3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B");
        assert!("3F9A".parse::<Thumbprint>().is_err());
        assert!(
            "zz9a0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b"
                .parse::<Thumbprint>()
                .is_err()
        );
    }

    #[test]
    fn thumbprint_of_der_is_sha1_uppercase() {
        // SHA-1 of the empty input.
        assert_eq!(
            Thumbprint::of_der(b"").as_str(),
            "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"
        );
    }
}

//! Certificate details, parsed with x509-parser: what a person compares with
//! what they expect (subject, issuer, validity, signature algorithm, key).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use x509_parser::error::X509Error;
use x509_parser::oid_registry::{OID_EC_P256, OID_NIST_EC_P384, OID_NIST_EC_P521};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

/// One certificate of the presented chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// RFC 4514 form: `CN=Octopus Portal`.
    pub subject: String,
    pub issuer: String,
    /// Hex, colon-separated as OpenSSL prints it.
    pub serial: String,
    /// RFC 3339, UTC.
    pub not_before: String,
    pub not_after: String,
    /// `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, `sha1WithRSAEncryption`...
    pub signature_algorithm: String,
    /// `RSA`, `EC P-256`, `Ed25519`...
    pub key_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_bits: Option<u32>,
    /// Issuer equals subject and the certificate's own key verifies its signature.
    pub self_signed: bool,
    /// `not_before` and `not_after` as Unix seconds, for the assessment.
    #[serde(skip)]
    pub not_before_unix: i64,
    #[serde(skip)]
    pub not_after_unix: i64,
}

impl CertInfo {
    /// Whether the certificate is signed with SHA-1 (or MD5): Octopus Cloud rejects these.
    pub fn weak_signature(&self) -> bool {
        let alg = self.signature_algorithm.to_ascii_lowercase();
        alg.contains("sha1") || alg.contains("md5")
    }
}

/// Parses one DER certificate.
pub fn parse(der: &[u8]) -> Result<CertInfo, String> {
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| format!("the certificate does not parse as X.509: {e}"))?;
    let registry = x509_parser::objects::oid_registry();
    let sig_oid = &cert.signature_algorithm.algorithm;
    let signature_algorithm = x509_parser::objects::oid2sn(sig_oid, registry)
        .map(str::to_string)
        .unwrap_or_else(|_| sig_oid.to_id_string());
    let (key_type, key_bits) = key_of(&cert);
    let same_name = cert.subject().as_raw() == cert.issuer().as_raw();
    let self_signed = same_name
        && match cert.verify_signature(None) {
            Ok(()) => true,
            // An algorithm ring cannot verify: judge by the names alone.
            Err(X509Error::SignatureUnsupportedAlgorithm) => true,
            Err(_) => false,
        };
    let validity = cert.validity();
    let not_before_unix = validity.not_before.timestamp();
    let not_after_unix = validity.not_after.timestamp();
    Ok(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: serial_hex(cert.raw_serial()),
        not_before: rfc3339(not_before_unix),
        not_after: rfc3339(not_after_unix),
        signature_algorithm,
        key_type,
        key_bits,
        self_signed,
        not_before_unix,
        not_after_unix,
    })
}

fn key_of(cert: &X509Certificate<'_>) -> (String, Option<u32>) {
    let spki = cert.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => ("RSA".into(), Some(rsa.key_size() as u32)),
        Ok(PublicKey::EC(point)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok());
            let name = match curve {
                Some(oid) if oid == OID_EC_P256 => "EC P-256",
                Some(oid) if oid == OID_NIST_EC_P384 => "EC P-384",
                Some(oid) if oid == OID_NIST_EC_P521 => "EC P-521",
                _ => "EC",
            };
            (name.into(), Some(point.key_size() as u32))
        }
        Ok(PublicKey::DSA(_)) => ("DSA".into(), None),
        _ => {
            let registry = x509_parser::objects::oid_registry();
            let oid = &spki.algorithm.algorithm;
            let name = x509_parser::objects::oid2sn(oid, registry)
                .map(str::to_string)
                .unwrap_or_else(|_| oid.to_id_string());
            let name = if name == "ed25519" {
                "Ed25519".into()
            } else {
                name
            };
            (name, None)
        }
    }
}

fn serial_hex(raw: &[u8]) -> String {
    let trimmed: &[u8] = match raw {
        [0, rest @ ..] if !rest.is_empty() => rest,
        other => other,
    };
    trimmed
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Unix seconds as RFC 3339 UTC; dates before 1970 are clamped to the epoch.
pub fn rfc3339(unix: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_secs(unix.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Whole days from `now` to `not_after`, rounded down (negative once expired).
pub fn days_left(not_after_unix: i64, now: SystemTime) -> i64 {
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    (not_after_unix - now).div_euclid(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse(b"not a certificate").is_err());
        assert!(parse(&[]).is_err());
    }

    #[test]
    fn days_left_rounds_down_and_goes_negative() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(days_left(1_000_000 + 86_400 * 3 + 5, now), 3);
        assert_eq!(days_left(1_000_000 - 1, now), -1);
    }
}

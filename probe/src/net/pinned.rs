//! Certificates webpki will not take as a server's own, handled on purpose:
//! a self-signed certificate marked as a CA (`CaUsedAsEndEntity`: what
//! `openssl req -x509` makes, and what an Octopus portal often presents)
//! and an X.509 v1 certificate (`UnsupportedCertVersion`: what
//! `openssl x509 -req` makes without extensions).
//!
//! - [`verify_handshake_signature`] proves the server holds the key of the
//!   certificate it presented, falling back to the certificate's own public
//!   key (read with x509-parser) when webpki cannot parse the certificate.
//! - [`PinningVerifier`] is the HTTPS clients' verifier: webpki with the
//!   platform's roots and the CA file; when webpki refuses the server's
//!   certificate for one of those two reasons, the certificate is trusted
//!   only if the CA file holds exactly it (byte for byte) and it names the
//!   host connected to; otherwise the error says what the certificate is,
//!   with its thumbprint, instead of webpki's name for it.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::thumbprint::Thumbprint;

/// Why webpki refused a server's certificate, when it is one handled here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusual {
    /// A certificate marked as a CA (basicConstraints CA:TRUE) presented as the server's own.
    CaAsServer,
    /// An X.509 version 1 certificate (no extensions).
    Version1,
}

impl Unusual {
    /// Which of the two a rustls error is, if either.
    pub fn of(e: &rustls::Error) -> Option<Unusual> {
        let rustls::Error::InvalidCertificate(CertificateError::Other(other)) = e else {
            return None;
        };
        match other.0.downcast_ref::<webpki::Error>()? {
            webpki::Error::CaUsedAsEndEntity => Some(Unusual::CaAsServer),
            webpki::Error::UnsupportedCertVersion => Some(Unusual::Version1),
            _ => None,
        }
    }

    /// The certificate as a person names it, with its thumbprint.
    pub fn describe(self, cert: &[u8]) -> String {
        let thumbprint = Thumbprint::of_der(cert);
        match self {
            Unusual::CaAsServer => format!(
                "the server presents a certificate marked as a CA (basicConstraints CA:TRUE, usually self-signed; SHA-1 thumbprint {thumbprint}) as its own"
            ),
            Unusual::Version1 => format!(
                "the server presents an X.509 version 1 certificate (no extensions, as `openssl x509 -req` makes; SHA-1 thumbprint {thumbprint})"
            ),
        }
    }
}

/// Verifies a TLS 1.2 (`tls13` false) or 1.3 handshake signature with the
/// key of `cert`: webpki's way, or, for a certificate webpki cannot parse
/// (X.509 v1), with the public key x509-parser reads from it.
pub fn verify_handshake_signature(
    tls13: bool,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
    algorithms: &WebPkiSupportedAlgorithms,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let by_webpki = if tls13 {
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    } else {
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    };
    match by_webpki {
        // rustls refused a scheme TLS 1.3 does not allow before it parsed the
        // certificate: an error about the certificate means the scheme is fine.
        Err(e) if Unusual::of(&e).is_some() => verify_with_own_key(message, cert, dss, algorithms),
        other => other,
    }
}

/// The signature checked against the certificate's subjectPublicKey with
/// each algorithm the provider maps the scheme to.
fn verify_with_own_key(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
    algorithms: &WebPkiSupportedAlgorithms,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let bad = || rustls::Error::InvalidCertificate(CertificateError::BadSignature);
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref())
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let key = &parsed.public_key().subject_public_key.data;
    let candidates = algorithms
        .mapping
        .iter()
        .find(|(scheme, _)| *scheme == dss.scheme)
        .map(|(_, algs)| *algs)
        .ok_or_else(bad)?;
    let verified = candidates
        .iter()
        .any(|alg| alg.verify_signature(key, message, dss.signature()).is_ok());
    if verified {
        Ok(HandshakeSignatureValid::assertion())
    } else {
        Err(bad())
    }
}

/// Whether `cert` names `server` (a DNS name in its subjectAltName, or an IP
/// address there; with no subjectAltName, its common name), read with
/// x509-parser so that v1 certificates are read too. Names compare exactly,
/// ignoring case (no wildcards: a pinned certificate is one server's).
fn names(cert: &[u8], server: &ServerName<'_>) -> bool {
    let Ok((_, parsed)) = x509_parser::parse_x509_certificate(cert) else {
        return false;
    };
    let wanted = match server {
        ServerName::DnsName(d) => d.as_ref().to_ascii_lowercase(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        _ => return false,
    };
    if let Ok(Some(san)) = parsed.subject_alternative_name() {
        return san.value.general_names.iter().any(|name| match name {
            x509_parser::extensions::GeneralName::DNSName(d) => d.eq_ignore_ascii_case(&wanted),
            x509_parser::extensions::GeneralName::IPAddress(bytes) => {
                let ip = match bytes.len() {
                    4 => <[u8; 4]>::try_from(*bytes).ok().map(std::net::IpAddr::from),
                    16 => <[u8; 16]>::try_from(*bytes)
                        .ok()
                        .map(std::net::IpAddr::from),
                    _ => None,
                };
                ip.is_some_and(|ip| ip.to_string() == wanted)
            }
            _ => false,
        });
    }
    parsed
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok())
        .any(|cn| cn.eq_ignore_ascii_case(&wanted))
}

/// webpki over the roots, with the exception above for certificates the CA
/// file holds exactly.
#[derive(Debug)]
pub struct PinningVerifier {
    /// `None` when there is no root at all (no platform roots, no CA file):
    /// every certificate is then of an unknown issuer, as webpki would say.
    inner: Option<Arc<WebPkiServerVerifier>>,
    /// The CA file's certificates, each trusted as a server's own when webpki refuses it as above.
    pinned: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinningVerifier {
    /// Roots as given; `pinned` are the CA file's certificates.
    pub fn new(
        roots: RootCertStore,
        pinned: Vec<CertificateDer<'static>>,
        provider: Arc<rustls::crypto::CryptoProvider>,
    ) -> Result<PinningVerifier, String> {
        let algorithms = provider.signature_verification_algorithms;
        let inner = if roots.is_empty() {
            None
        } else {
            Some(
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .map_err(|e| format!("cannot configure certificate verification: {e}"))?,
            )
        };
        Ok(PinningVerifier {
            inner,
            pinned,
            algorithms,
        })
    }
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(inner) = &self.inner else {
            return Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ));
        };
        let e = match inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let Some(unusual) = Unusual::of(&e) else {
            return Err(e);
        };
        let pinned = self
            .pinned
            .iter()
            .any(|c| c.as_ref() == end_entity.as_ref());
        let what = unusual.describe(end_entity);
        match (pinned, names(end_entity, server_name)) {
            (true, true) => Ok(ServerCertVerified::assertion()),
            (true, false) => Err(rustls::Error::General(format!(
                "{what}; the CA file holds exactly this certificate, but it does not name {}",
                server_name.to_str()
            ))),
            (false, _) => Err(rustls::Error::General(format!(
                "{what}; such a certificate is trusted only when the CA file holds exactly it"
            ))),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_handshake_signature(false, message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_handshake_signature(true, message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// What to do about an error [`PinningVerifier`] gave (found in `message`,
/// wherever the HTTP client put it), for a server reached as `host`.
pub fn remedy(message: &str, host: &str) -> Option<String> {
    let thumbprint = message
        .split_once("SHA-1 thumbprint ")
        .map(|(_, rest)| rest.chars().take(40).collect::<String>())?;
    if message.contains("does not name") {
        return Some(format!(
            "reach the server by a name its certificate (thumbprint {thumbprint}) carries, or give {host} a certificate that names it"
        ));
    }
    message
        .contains("trusted only when the CA file holds exactly it")
        .then(|| format!(
            "give exactly the certificate with thumbprint {thumbprint} (the server's own) as ca_file or --ca-file after checking it is {host}'s, or give {host} a certificate issued by a CA"
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_roots_at_all_still_builds_a_verifier_that_trusts_nothing() {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = PinningVerifier::new(RootCertStore::empty(), Vec::new(), provider).unwrap();
        let cert = CertificateDer::from(vec![0x30, 0x00]);
        let name = ServerName::try_from("feeds.example.com").unwrap();
        let e = verifier
            .verify_server_cert(&cert, &[], &name, &[], UnixTime::now())
            .unwrap_err();
        assert_eq!(
            e,
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)
        );
    }

    #[test]
    fn remedies_name_the_thumbprint() {
        let t = "0123456789ABCDEF0123456789ABCDEF01234567";
        let refused = format!(
            "x (SHA-1 thumbprint {t}) as its own; such a certificate is trusted only when the CA file holds exactly it"
        );
        assert!(remedy(&refused, "h").unwrap().starts_with(&format!(
            "give exactly the certificate with thumbprint {t} (the server's own)"
        )));
        let unnamed = format!(
            "x (SHA-1 thumbprint {t}); the CA file holds exactly this certificate, but it does not name h"
        );
        assert!(
            remedy(&unnamed, "h")
                .unwrap()
                .starts_with("reach the server by a name")
        );
        assert_eq!(remedy("unknown issuer", "h"), None);
    }
}

//! Certificates for the loopback lab, shaped like the ones a migration meets:
//! Halibut's self-signed RSA 2048 certificates (CN `Octopus Portal` for the
//! server, `Octopus Tentacle` for a Tentacle), a leaf forged by a TLS
//! inspection CA, certificates about to expire or expired, a SHA-1-signed
//! one, and a small web PKI (a lab root CA and a server certificate for
//! 127.0.0.1) for the fake Octopus API.
//!
//! Certificates are generated at run time with rcgen. The RSA key and the
//! SHA-1 certificate come from `fixtures/tls/` (its `generate.sh` made them):
//! rcgen with `ring` neither generates RSA keys nor signs with SHA-1.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PKCS_RSA_SHA256, SerialNumber,
};
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

use probe::thumbprint::Thumbprint;

/// The common name Octopus Server gives its Halibut certificate.
pub const SERVER_CN: &str = "Octopus Portal";
/// The common name a Tentacle gives its certificate.
pub const TENTACLE_CN: &str = "Octopus Tentacle";
/// The lab's TLS inspection CA, as a corporate middlebox would name it.
pub const INSPECTION_CA_CN: &str = "Contoso TLS Inspection CA";
/// The lab's web root CA (signs the fake Octopus API's certificate).
pub const LAB_ROOT_CA_CN: &str = "preflight lab root CA";

const LAB_RSA_KEY: &str = include_str!("../../fixtures/tls/lab-rsa2048.key");
const SHA1_TENTACLE: &str = include_str!("../../fixtures/tls/sha1-tentacle.pem");

/// A certificate chain (leaf first) and the leaf's private key.
#[derive(Debug)]
pub struct LabIdentity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivatePkcs8KeyDer<'static>,
}

impl Clone for LabIdentity {
    fn clone(&self) -> Self {
        LabIdentity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl LabIdentity {
    /// The leaf certificate, DER.
    pub fn leaf_der(&self) -> &[u8] {
        self.chain.first().map_or(&[], |c| c.as_ref())
    }

    /// The leaf certificate, PEM (what `openssl x509` reads).
    pub fn leaf_pem(&self) -> String {
        pem_encode(self.leaf_der())
    }

    /// The leaf's SHA-1 thumbprint, as Octopus shows it.
    pub fn thumbprint(&self) -> Thumbprint {
        Thumbprint::of_der(self.leaf_der())
    }
}

/// A lab CA: its certificate and what signs with it.
pub struct LabCa {
    pub cert: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for LabCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LabCa").finish_non_exhaustive()
    }
}

impl LabCa {
    /// A new self-signed CA named `cn` (ECDSA P-256).
    pub fn new(cn: &str) -> Result<LabCa, rcgen::Error> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name = name(cn);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = days_from_now(-1);
        params.not_after = days_from_now(3650);
        let cert = params.self_signed(&key)?.der().clone();
        Ok(LabCa {
            cert,
            issuer: Issuer::new(params, key),
        })
    }

    /// The CA certificate, PEM (for a `ca_file`).
    pub fn pem(&self) -> String {
        pem_encode(&self.cert)
    }

    /// A leaf for `cn` with the given subject alternative names, signed by this CA.
    pub fn issue(&self, cn: &str, alt_names: &[&str]) -> Result<LabIdentity, rcgen::Error> {
        let key = KeyPair::generate()?;
        let names: Vec<String> = alt_names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names)?;
        params.distinguished_name = name(cn);
        params.not_before = days_from_now(-1);
        params.not_after = days_from_now(365);
        let leaf = params.signed_by(&key, &self.issuer)?;
        Ok(LabIdentity {
            chain: vec![leaf.der().clone(), self.cert.clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }
}

/// A Halibut-shaped certificate: self-signed, RSA 2048, CN `cn`, no alternative
/// names, valid from yesterday for `days_left` days (negative: already expired).
pub fn halibut(cn: &str, days_left: i64) -> Result<LabIdentity, rcgen::Error> {
    let key = KeyPair::from_pkcs8_pem_and_sign_algo(LAB_RSA_KEY, &PKCS_RSA_SHA256)?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = name(cn);
    params.serial_number = Some(SerialNumber::from_slice(&random_serial()));
    params.not_before = days_from_now(days_left.min(0) - 30);
    params.not_after = days_from_now(days_left);
    let cert = params.self_signed(&key)?;
    Ok(LabIdentity {
        chain: vec![cert.der().clone()],
        key: PrivatePkcs8KeyDer::from(key.serialize_der()),
    })
}

/// The Octopus Server's polling certificate (valid for 100 years, as Octopus makes it).
pub fn octopus_server() -> Result<LabIdentity, rcgen::Error> {
    halibut(SERVER_CN, 36500)
}

/// A listening Tentacle's certificate.
pub fn octopus_tentacle() -> Result<LabIdentity, rcgen::Error> {
    halibut(TENTACLE_CN, 36500)
}

/// A Tentacle certificate signed with SHA-1 (from the committed fixture).
pub fn sha1_tentacle() -> Result<LabIdentity, rcgen::Error> {
    let der = pem_decode(SHA1_TENTACLE).ok_or(rcgen::Error::CouldNotParseCertificate)?;
    let key = KeyPair::from_pkcs8_pem_and_sign_algo(LAB_RSA_KEY, &PKCS_RSA_SHA256)?;
    Ok(LabIdentity {
        chain: vec![CertificateDer::from(der)],
        key: PrivatePkcs8KeyDer::from(key.serialize_der()),
    })
}

/// What a TLS inspection box presents instead of the real certificate: the
/// same subject, issued by the inspection CA, chain sent with it.
pub fn intercepted(cn: &str) -> Result<(LabIdentity, LabCa), rcgen::Error> {
    let ca = LabCa::new(INSPECTION_CA_CN)?;
    let key = KeyPair::from_pkcs8_pem_and_sign_algo(LAB_RSA_KEY, &PKCS_RSA_SHA256)?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = name(cn);
    params.not_before = days_from_now(-1);
    params.not_after = days_from_now(90);
    let leaf = params.signed_by(&key, &ca.issuer)?;
    let identity = LabIdentity {
        chain: vec![leaf.der().clone(), ca.cert.clone()],
        key: PrivatePkcs8KeyDer::from(key.serialize_der()),
    };
    Ok((identity, ca))
}

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

fn days_from_now(days: i64) -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::days(days)
}

/// 16 random bytes with the top bit clear (a positive DER integer).
fn random_serial() -> [u8; 16] {
    let mut serial = [0u8; 16];
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut serial).is_err() {
        serial = *b"preflight-lab-01";
    }
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    serial
}

fn pem_encode(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn pem_decode(pem: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE-----"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halibut_certificates_are_self_signed_rsa_with_the_octopus_names() {
        let server = octopus_server().unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(server.leaf_der()).unwrap();
        assert_eq!(cert.subject().to_string(), "CN=Octopus Portal");
        assert_eq!(cert.issuer().to_string(), "CN=Octopus Portal");
        assert_eq!(
            cert.signature_algorithm.algorithm,
            x509_parser::oid_registry::OID_PKCS1_SHA256WITHRSA
        );
        assert_eq!(server.chain.len(), 1);
        assert_eq!(server.thumbprint(), Thumbprint::of_der(server.leaf_der()));
        // Two generations differ (fresh serial), as two installations would.
        assert_ne!(octopus_server().unwrap().thumbprint(), server.thumbprint());
    }

    #[test]
    fn intercepted_leaf_is_issued_by_the_inspection_ca() {
        let (id, _ca) = intercepted(SERVER_CN).unwrap();
        let (_, leaf) = x509_parser::parse_x509_certificate(id.leaf_der()).unwrap();
        assert_eq!(leaf.subject().to_string(), "CN=Octopus Portal");
        assert_eq!(leaf.issuer().to_string(), format!("CN={INSPECTION_CA_CN}"));
        assert_eq!(id.chain.len(), 2);
    }

    #[test]
    fn pem_round_trips_and_sha1_fixture_loads() {
        let id = octopus_tentacle().unwrap();
        assert_eq!(pem_decode(&id.leaf_pem()).unwrap(), id.leaf_der());
        let sha1 = sha1_tentacle().unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(sha1.leaf_der()).unwrap();
        assert_eq!(
            cert.signature_algorithm.algorithm,
            x509_parser::oid_registry::OID_PKCS1_SHA1WITHRSA
        );
    }
}

//! Certificate details (`chain::parse`) of the lab's certificates: a
//! Halibut self-signed RSA leaf, an inspection CA's leaf, the SHA-1 fixture.

use std::time::SystemTime;

use lab::certs;
use probe::checks::tls::chain::{days_left, parse};

#[test]
fn halibut_certificate_details() {
    let id = certs::octopus_server().unwrap();
    let info = parse(id.leaf_der()).unwrap();
    assert_eq!(info.subject, "CN=Octopus Portal");
    assert_eq!(info.issuer, "CN=Octopus Portal");
    assert_eq!(info.signature_algorithm, "sha256WithRSAEncryption");
    assert_eq!((info.key_type.as_str(), info.key_bits), ("RSA", Some(2048)));
    assert!(info.self_signed);
    assert!(!info.weak_signature());
    assert!(info.not_after.ends_with('Z'), "{}", info.not_after);
    assert!(days_left(info.not_after_unix, SystemTime::now()) > 36000);
}

#[test]
fn inspection_leaf_is_not_self_signed_and_ca_is() {
    let (id, _) = certs::intercepted(certs::SERVER_CN).unwrap();
    let leaf = parse(&id.chain[0]).unwrap();
    let ca = parse(&id.chain[1]).unwrap();
    assert!(!leaf.self_signed);
    assert_eq!(leaf.issuer, format!("CN={}", certs::INSPECTION_CA_CN));
    assert!(ca.self_signed);
    assert_eq!(ca.key_type, "EC P-256");
    assert_eq!(ca.signature_algorithm, "ecdsa-with-SHA256");
}

#[test]
fn sha1_fixture_is_self_signed_with_a_weak_signature() {
    let id = certs::sha1_tentacle().unwrap();
    let info = parse(id.leaf_der()).unwrap();
    assert_eq!(info.signature_algorithm, "sha1WithRSAEncryption");
    assert!(info.weak_signature());
    assert!(info.self_signed);
    assert_eq!(info.serial, "5E:ED");
}

//! Certificates webpki will not take as a server's own (`net::pinned`): a
//! self-signed portal certificate marked as a CA and an X.509 v1
//! certificate, made by `fixtures/tls/generate-trust.sh`, served on
//! loopback. Given as the CA file they are trusted exactly; otherwise the
//! reason names what they are; the TLS check records them and verifies the
//! handshake signature with their key.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lab::web::{HttpServer, Response};
use probe::Context;
use probe::checks::feed::{FeedKind, FeedSpec, Via, assess as assess_feed, gather_with_env};
use probe::checks::tls::{Expected, TlsSpec, assess as assess_tls, gather as gather_tls};
use probe::endpoint::Endpoint;
use probe::thumbprint::Thumbprint;
use report::Status;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/tls")
        .join(name)
}

fn cert(name: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_file(fixture(name)).unwrap()
}

/// Presents the certificate as it is: rustls's own check that a server's
/// certificate matches its key parses it with webpki, which refuses a v1.
#[derive(Debug)]
struct Presents(Arc<CertifiedKey>);

impl ResolvesServerCert for Presents {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

fn server_config(name: &str) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::from_pem_file(fixture("lab-rsa2048.key")).unwrap();
    let signer = provider.key_provider.load_private_key(key).unwrap();
    let presents = Presents(Arc::new(CertifiedKey::new(vec![cert(name)], signer)));
    Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(presents)),
    )
}

async fn web_server(name: &str) -> HttpServer {
    web_server_on(name, "127.0.0.1:0").await
}

async fn web_server_on(name: &str, bind: &str) -> HttpServer {
    HttpServer::start(bind.parse().unwrap(), Some(server_config(name)), |_| {
        Response::new(200, "text/plain", "ok\n")
    })
    .await
    .unwrap()
}

fn ctx() -> Context {
    Context::new(Duration::from_secs(2), "test")
}

async fn feed(server: &HttpServer, host: &str, ca_file: Option<PathBuf>) -> probe::Outcome {
    let url = format!("https://{host}:{}/", server.addr.port());
    let mut spec = FeedSpec::new(FeedKind::Http, &url, Via::Direct).unwrap();
    spec.ca_file = ca_file;
    assess_feed(
        &gather_with_env(&ctx(), &spec, &|_| None).await,
        &spec,
        "test",
    )
}

#[tokio::test]
async fn a_self_signed_portal_certificate_given_as_the_ca_file_is_trusted_exactly() {
    let name = "portal-ca-self-signed.pem";
    let thumbprint = Thumbprint::of_der(&cert(name));
    let server = web_server(name).await;
    let o = feed(&server, "127.0.0.1", Some(fixture(name))).await;
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    // Not given: the reason says what the certificate is, not "unknown issuer".
    let o = feed(&server, "127.0.0.1", None).await;
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.reason.contains(&format!(
            "the server presents a certificate marked as a CA (basicConstraints CA:TRUE, usually self-signed; SHA-1 thumbprint {thumbprint}) as its own; such a certificate is trusted only when the CA file holds exactly it"
        )),
        "{}",
        o.reason
    );
    let remedy = o.remediation.unwrap();
    assert!(
        remedy.contains(&format!(
            "give exactly the certificate with thumbprint {thumbprint}"
        )),
        "{remedy}"
    );
    // Given, but reached at an address it does not name (it names 127.0.0.1).
    let elsewhere = web_server_on(name, "127.0.0.2:0").await;
    let o = feed(&elsewhere, "127.0.0.2", Some(fixture(name))).await;
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(
        o.reason
            .contains("the CA file holds exactly this certificate, but it does not name 127.0.0.2"),
        "{}",
        o.reason
    );
}

#[tokio::test]
async fn an_x509_v1_certificate_given_as_the_ca_file_is_trusted_exactly() {
    let name = "x509-v1.pem";
    let thumbprint = Thumbprint::of_der(&cert(name));
    let server = web_server(name).await;
    let o = feed(&server, "127.0.0.1", Some(fixture(name))).await;
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    let o = feed(&server, "127.0.0.1", None).await;
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.reason.contains(&format!(
            "the server presents an X.509 version 1 certificate (no extensions, as `openssl x509 -req` makes; SHA-1 thumbprint {thumbprint})"
        )),
        "{}",
        o.reason
    );
    // Another certificate in the CA file does not stand for this one.
    let o = feed(
        &server,
        "127.0.0.1",
        Some(fixture("portal-ca-self-signed.pem")),
    )
    .await;
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
}

#[tokio::test]
async fn the_tls_check_records_an_x509_v1_certificate_and_verifies_its_signature() {
    for name in ["x509-v1.pem", "portal-ca-self-signed.pem"] {
        let server = web_server(name).await;
        let spec = TlsSpec::new(
            Endpoint::new("127.0.0.1", server.addr.port()),
            Expected::Tls,
        );
        let ev = gather_tls(&ctx(), &spec).await;
        let o = assess_tls(&ev, &spec, "test");
        assert_eq!(
            ev.thumbprint_sha1,
            Some(Thumbprint::of_der(&cert(name))),
            "{name}: {}",
            o.reason
        );
        assert!(ev.error.is_none(), "{name}: {:?}", ev.error);
        assert!(!o.reason.contains("firewall"), "{name}: {}", o.reason);
        assert_eq!(o.status, Status::Pass, "{name}: {}", o.reason);
    }
}

#[tokio::test]
async fn a_server_without_the_key_of_its_v1_certificate_fails_the_handshake() {
    // The v1 certificate (an RSA key) presented by a server that signs with another key.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let other = rcgen::KeyPair::generate().unwrap();
    let other = PrivateKeyDer::try_from(other.serialize_der()).unwrap();
    let signer = provider.key_provider.load_private_key(other).unwrap();
    let presents = Presents(Arc::new(CertifiedKey::new(
        vec![cert("x509-v1.pem")],
        signer,
    )));
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(presents)),
    );
    let server = HttpServer::start("127.0.0.1:0".parse().unwrap(), Some(config), |_| {
        Response::new(200, "text/plain", "ok\n")
    })
    .await
    .unwrap();
    let spec = TlsSpec::new(
        Endpoint::new("127.0.0.1", server.addr.port()),
        Expected::Tls,
    );
    let ev = gather_tls(&ctx(), &spec).await;
    let error = ev.error.expect("the handshake signature does not verify");
    assert!(error.detail.contains("handshake failed"), "{error:?}");
    let o = feed(&server, "127.0.0.1", Some(fixture("x509-v1.pem"))).await;
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
}

#[tokio::test]
async fn a_self_signed_portal_given_as_the_ca_file_passes_the_octopus_check() {
    use probe::checks::octopus::{ApiSpec, assess_api, gather_api};
    let name = "portal-ca-self-signed.pem";
    let thumbprint = Thumbprint::of_der(&cert(name));
    let portal = HttpServer::start(
        "127.0.0.1:0".parse().unwrap(),
        Some(server_config(name)),
        |_| {
            Response::new(
                200,
                "application/json",
                r#"{"Application":"Octopus Deploy","Version":"2024.3.12741"}"#,
            )
        },
    )
    .await
    .unwrap();
    let url = format!("https://127.0.0.1:{}/", portal.addr.port());
    let with = ApiSpec {
        url: url.clone(),
        min_version: None,
        ca_file: Some(fixture(name)),
    };
    let o = assess_api(&gather_api(&ctx(), &with).await, &with, "east");
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    // Without it: the true reason and remedy, not "the ca_file does not hold the CA".
    let without = ApiSpec {
        url,
        min_version: None,
        ca_file: Some(fixture("x509-v1.pem")),
    };
    let o = assess_api(&gather_api(&ctx(), &without).await, &without, "east");
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(o.reason.contains("marked as a CA"), "{}", o.reason);
    let remedy = o.remediation.unwrap();
    assert!(
        remedy.contains(&format!(
            "give exactly the certificate with thumbprint {thumbprint}"
        )),
        "{remedy}"
    );
    assert!(!remedy.contains("does not hold the CA"), "{remedy}");
}

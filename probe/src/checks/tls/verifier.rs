//! The client side of the handshake: a server-certificate verifier that
//! records the chain and accepts it (the judging happens afterwards, in
//! `assess`), still checking that the server holds the leaf's private key,
//! and a client-certificate resolver that notes a CertificateRequest and
//! answers it with no certificate, as Halibut endpoints accept.

use std::sync::{Arc, Mutex};

use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

use crate::net::pinned::verify_handshake_signature;

/// What the handshake showed, shared between the config's callbacks and `gather`.
#[derive(Debug, Default)]
pub struct Observed {
    /// The presented chain, leaf first.
    pub chain: Mutex<Vec<CertificateDer<'static>>>,
    /// Set when the server sent a CertificateRequest.
    pub certificate_requested: Mutex<bool>,
}

/// A client config for one probe: TLS 1.2 and 1.3 with the ring provider,
/// offering `http/1.1`, recording into `observed`.
pub fn client_config(observed: &Arc<Observed>) -> Result<ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(RecordingVerifier {
        observed: Arc::clone(observed),
        algorithms: provider.signature_verification_algorithms,
    });
    let resolver = Arc::new(NoClientCertificate {
        observed: Arc::clone(observed),
    });
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(resolver);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[derive(Debug)]
struct RecordingVerifier {
    observed: Arc<Observed>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.clone().into_owned()];
        chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        if let Ok(mut seen) = self.observed.chain.lock() {
            *seen = chain;
        }
        Ok(ServerCertVerified::assertion())
    }

    // The handshake signature is still verified: it proves the endpoint holds
    // the private key of the certificate whose thumbprint we report, an
    // X.509 v1 certificate's too (webpki cannot parse those: net::pinned
    // reads its key).
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

#[derive(Debug)]
struct NoClientCertificate {
    observed: Arc<Observed>,
}

impl ResolvesClientCert for NoClientCertificate {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        if let Ok(mut requested) = self.observed.certificate_requested.lock() {
            *requested = true;
        }
        None
    }

    fn has_certs(&self) -> bool {
        false
    }
}

//! TLS servers for the lab. Halibut-like endpoints ask for a client
//! certificate but accept none, answer a plain `GET` with Halibut's
//! `HTTP/1.0` welcome page, and close without `close_notify`, as Octopus
//! Server's polling port and a listening Tentacle do. The same server, given
//! another handler, stands in for a TLS inspection box or a web server.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::certs::{self, LabIdentity};
use crate::http::{Head, read_head};

/// How long a client has to finish the handshake, and then to send its request.
const STEP_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; more wait for the accept queue.
const MAX_CONNECTIONS: usize = 64;

/// Builds the response to one request.
pub type Handler = Arc<dyn Fn(&Head) -> Vec<u8> + Send + Sync>;

/// Which TLS versions the server offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Versions {
    /// TLS 1.2 and 1.3 (rustls' safe defaults).
    #[default]
    Tls12And13,
    /// TLS 1.2 only, as an older Windows Tentacle.
    Tls12Only,
}

/// How the server ends a connection after its answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Close {
    /// Close the TCP connection without `close_notify`, as Halibut does.
    #[default]
    Abrupt,
    /// Send `close_notify` first, as a well-behaved web server does.
    Notify,
}

/// Settings of a lab TLS server.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerOptions {
    pub versions: Versions,
    pub close: Close,
}

/// Which Halibut welcome page to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Welcome {
    /// The Octopus Server's polling port.
    Server,
    /// A listening Tentacle.
    Tentacle,
}

/// Halibut's answer to a plain HTTP `GET`: `HTTP/1.0 200 OK` and a small page.
pub fn welcome_page(welcome: Welcome) -> Vec<u8> {
    let html = match welcome {
        Welcome::Server => {
            "<html><body><p>Octopus Server configured successfully</p><p>If you can view this page, your Octopus Server is configured and ready to accept polling Tentacles.</p></body></html>"
        }
        Welcome::Tentacle => {
            "<html><body><p>Octopus Tentacle configured successfully</p><p>If you can view this page, your Octopus Tentacle is configured and ready to accept deployment commands.</p></body></html>"
        }
    };
    format!(
        "HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n{html}",
        html.len()
    )
    .into_bytes()
}

/// A running lab TLS server on 127.0.0.1; it stops when dropped.
pub struct TlsServer {
    pub addr: SocketAddr,
    /// The certificate chain and key it presents.
    pub identity: LabIdentity,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for TlsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl TlsServer {
    /// Starts a server presenting `identity` and answering each request with `handler`.
    pub async fn start(
        identity: LabIdentity,
        options: ServerOptions,
        handler: Handler,
    ) -> io::Result<Self> {
        let config = server_config(&identity, options.versions)?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let task = tokio::spawn(async move {
            loop {
                let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
                    return;
                };
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let handler = Arc::clone(&handler);
                tokio::spawn(async move {
                    let _ = serve(acceptor, tcp, options.close, &handler).await;
                    drop(permit);
                });
            }
        });
        Ok(TlsServer {
            addr,
            identity,
            task,
        })
    }

    /// A Halibut endpoint presenting `identity` and serving `welcome`'s page.
    pub async fn halibut(identity: LabIdentity, welcome: Welcome) -> io::Result<Self> {
        let page = welcome_page(welcome);
        TlsServer::start(
            identity,
            ServerOptions::default(),
            Arc::new(move |_| page.clone()),
        )
        .await
    }

    /// An Octopus Server polling port: self-signed RSA 2048 `Octopus Portal`.
    pub async fn octopus_server() -> io::Result<Self> {
        TlsServer::halibut(
            certs::octopus_server().map_err(io::Error::other)?,
            Welcome::Server,
        )
        .await
    }

    /// A listening Tentacle: self-signed RSA 2048 `Octopus Tentacle`.
    pub async fn octopus_tentacle() -> io::Result<Self> {
        TlsServer::halibut(
            certs::octopus_tentacle().map_err(io::Error::other)?,
            Welcome::Tentacle,
        )
        .await
    }

    /// A TLS inspection box in front of a server or Tentacle: the welcome
    /// page comes through, but the leaf is issued by the lab's inspection CA.
    pub async fn intercepting(welcome: Welcome) -> io::Result<Self> {
        let cn = match welcome {
            Welcome::Server => certs::SERVER_CN,
            Welcome::Tentacle => certs::TENTACLE_CN,
        };
        let (identity, _ca) = certs::intercepted(cn).map_err(io::Error::other)?;
        TlsServer::halibut(identity, welcome).await
    }

    /// A TLS endpoint that is not Halibut: `page` is its whole HTTP response.
    pub async fn web(identity: LabIdentity, page: &str) -> io::Result<Self> {
        let page = page.as_bytes().to_vec();
        TlsServer::start(
            identity,
            ServerOptions {
                close: Close::Notify,
                ..ServerOptions::default()
            },
            Arc::new(move |_| page.clone()),
        )
        .await
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    acceptor: TlsAcceptor,
    tcp: tokio::net::TcpStream,
    close: Close,
    handler: &Handler,
) -> io::Result<()> {
    let mut tls = tokio::time::timeout(STEP_TIMEOUT, acceptor.accept(tcp))
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
    let head = tokio::time::timeout(STEP_TIMEOUT, read_head(&mut tls))
        .await
        .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))?
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
    tls.write_all(&handler(&head)).await?;
    tls.flush().await?;
    match close {
        Close::Notify => tls.shutdown().await,
        // Drop the TLS state without close_notify; closing the socket ends it.
        Close::Abrupt => {
            let (mut tcp, _) = tls.into_inner();
            tcp.shutdown().await
        }
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_config(identity: &LabIdentity, versions: Versions) -> io::Result<ServerConfig> {
    let provider = provider();
    let verifier = Arc::new(AnyClientCertificate {
        algorithms: provider.signature_verification_algorithms,
    });
    let builder = ServerConfig::builder_with_provider(provider);
    let builder = match versions {
        Versions::Tls12And13 => builder.with_safe_default_protocol_versions(),
        Versions::Tls12Only => builder.with_protocol_versions(&[&rustls::version::TLS12]),
    }
    .map_err(io::Error::other)?;
    builder
        .with_client_cert_verifier(verifier)
        .with_single_cert(identity.chain.clone(), identity.key.clone_key().into())
        .map_err(io::Error::other)
}

/// Asks for a client certificate and accepts any, or none: Halibut decides
/// trust by thumbprint after the handshake, and answers a plain `GET` without one.
#[derive(Debug)]
struct AnyClientCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyClientCertificate {
    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

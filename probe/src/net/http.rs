//! HTTP clients for checks that speak HTTP(S): reqwest over rustls with the
//! `ring` provider, trusting the platform's roots (or `SSL_CERT_FILE` /
//! `SSL_CERT_DIR` when set) plus an optional CA file, never following
//! redirects by itself (callers follow and record them), using exactly the
//! proxy the caller chose (never one picked up silently from the
//! environment), and resolving names with the run's resolvers (the data
//! center's, as every other check does) instead of the libc resolver.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::proxy::ProxyRoute;
use super::resolve::Resolvers;

/// How to build one client.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// Bounds the TCP connect, the proxy tunnel and the TLS handshake.
    pub connect_timeout: Duration,
    /// Extra trusted CA certificates (PEM), added to the platform's roots.
    pub ca_file: Option<PathBuf>,
    /// The proxy every request goes through; `None` means direct.
    pub proxy: Option<ProxyRoute>,
    /// Resolve names (the feed's, or the proxy's) with these; `None`: the system's.
    pub resolvers: Option<Resolvers>,
}

/// The base every HTTP client starts from: rustls (ring) with platform roots
/// plus `ca_file`, no automatic redirects, no proxy from the environment.
pub fn base_builder(
    connect_timeout: Duration,
    ca_file: Option<&Path>,
) -> Result<reqwest::ClientBuilder, String> {
    let roots = root_store(ca_file)?;
    let pinned = match ca_file {
        Some(path) => read_ca_file(path)?,
        None => Vec::new(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // webpki over the roots, and a CA file's exact certificate trusted as
    // the server's own where webpki refuses it (net::pinned).
    let verifier = super::pinned::PinningVerifier::new(roots, pinned, provider.clone())?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot configure TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .user_agent(concat!("preflight/", env!("CARGO_PKG_VERSION")))
        .no_proxy())
}

/// Builds a client: [`base_builder`], names resolved with the run's
/// resolvers when given, and only `options.proxy`.
pub fn client(options: &HttpOptions) -> Result<reqwest::Client, String> {
    let mut builder = base_builder(options.connect_timeout, options.ca_file.as_deref())?;
    if let Some(resolvers) = &options.resolvers {
        builder = builder.dns_resolver(PlanResolver(resolvers.clone()));
    }
    if let Some(route) = &options.proxy {
        let mut p = reqwest::Proxy::all(route.url())
            .map_err(|e| format!("cannot use the proxy {}: {e}", route.display()))?;
        if let Some((user, password)) = route.auth.credentials(&|name| std::env::var(name).ok())? {
            p = p.basic_auth(&user, &password);
        }
        builder = builder.proxy(p);
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Lets reqwest resolve with the run's resolvers.
struct PlanResolver(Resolvers);

impl reqwest::dns::Resolve for PlanResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolvers = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let resolution = resolvers.resolve(&host).await?;
            // reqwest puts the request's port in place of 0.
            let addrs: reqwest::dns::Addrs = Box::new(
                resolution
                    .addresses
                    .into_iter()
                    .map(|ip| std::net::SocketAddr::new(ip, 0)),
            );
            Ok(addrs)
        })
    }
}

/// The platform's roots (read once per process) plus the certificates of `ca_file`.
pub fn root_store(ca_file: Option<&Path>) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    for cert in platform_roots() {
        // A platform root rustls cannot parse is skipped, as browsers do.
        let _ = store.add(cert.clone());
    }
    if let Some(path) = ca_file {
        let certs = read_ca_file(path)?;
        for cert in certs {
            store.add(cert).map_err(|e| {
                format!(
                    "{}: a certificate in this CA file is not usable as a root: {e}",
                    path.display()
                )
            })?;
        }
    }
    Ok(store)
}

/// Reads every PEM certificate in a CA file; an empty or unreadable file is an error.
pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("{}: cannot read the CA file: {e}", path.display()))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| {
            format!(
                "{}: expected PEM certificates (-----BEGIN CERTIFICATE-----), found unreadable PEM: {e}",
                path.display()
            )
        })?;
    if certs.is_empty() {
        return Err(format!(
            "{}: expected PEM certificates (-----BEGIN CERTIFICATE-----), found none",
            path.display()
        ));
    }
    Ok(certs)
}

/// The platform's trusted roots: the system store, or the files `SSL_CERT_FILE`
/// / `SSL_CERT_DIR` name when they are set (rustls-native-certs reads those).
fn platform_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// Reads a response body up to `cap` bytes; says whether more was left unread.
pub async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = cap - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
        if body.len() == cap {
            // Exactly at the cap: truncated only if anything follows.
            let more = response.chunk().await?.is_some_and(|c| !c.is_empty());
            return Ok((body, more));
        }
    }
    Ok((body, false))
}

/// Describes a reqwest error with its causes, so "error sending request"
/// says what actually failed (refused, timed out, certificate, tunnel).
pub fn describe_error(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_file_errors_name_the_file_and_what_was_expected() {
        let dir = std::env::temp_dir().join(format!("preflight-http-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = read_ca_file(&empty).unwrap_err();
        assert!(e.contains("empty.pem") && e.contains("found none"), "{e}");
        let missing = dir.join("missing.pem");
        let e = read_ca_file(&missing).unwrap_err();
        assert!(e.contains("missing.pem: cannot read"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}

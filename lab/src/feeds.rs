//! Loopback package feeds: one server answering every feed kind the feed
//! check knows (NuGet v3/v2, Docker registries open and with a token
//! round-trip, Helm, Maven), and the things that are not feeds but answer
//! like one (a proxy block page, an SSO login page, a web server's 401,
//! redirect loops, a huge body). The same documents are what the nginx
//! end-to-end test serves (see [`FEED_FILES`]).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::certs::LabIdentity;
use crate::web::{HttpServer, Request, Response};

/// Paths the lab serves, for tests and the demo.
pub mod paths {
    /// A NuGet v3 service index.
    pub const NUGET_V3: &str = "/nuget/v3/index.json";
    /// A NuGet v3 index that needs basic credentials.
    pub const NUGET_V3_PRIVATE: &str = "/private/v3/index.json";
    /// Redirects (301) to [`NUGET_V3`].
    pub const NUGET_V3_MOVED: &str = "/moved/v3/index.json";
    /// A NuGet v2 feed root (OData service document); `$metadata` below it.
    pub const NUGET_V2: &str = "/nuget/v2/";
    /// A Helm repository (its `index.yaml` below it).
    pub const HELM: &str = "/helm/";
    /// A Maven `maven-metadata.xml`.
    pub const MAVEN_METADATA: &str = "/maven/org/example/app/maven-metadata.xml";
    /// A Maven repository root (a directory listing).
    pub const MAVEN_ROOT: &str = "/maven/";
    /// A registry that answers `/v2/` with 200.
    pub const DOCKER_OPEN: &str = "/open";
    /// A registry that answers 401 with a Bearer challenge; its realm is `/auth/token`.
    pub const DOCKER_AUTH: &str = "/auth";
    /// A web server answering 401 without the registry header.
    pub const WEB_401: &str = "/web401";
    /// A proxy's block page (200, HTML).
    pub const BLOCK_PAGE: &str = "/blocked.html";
    /// A feed URL that a proxy redirects to its block page.
    pub const BLOCKED_FEED: &str = "/blocked-feed/v3/index.json";
    /// A feed URL that redirects to an SSO login page.
    pub const SSO_FEED: &str = "/sso/v3/index.json";
    /// Redirects to itself, forever.
    pub const LOOP: &str = "/loop";
    /// A body larger than the feed check reads.
    pub const HUGE: &str = "/huge";
}

/// The user name the lab accepts (the password is the caller's).
pub const LAB_USER: &str = "lab-reader";

/// The static feed documents, by path: what `FeedLab` serves and what the
/// nginx end-to-end test writes into its document root.
pub const FEED_FILES: &[(&str, &str)] = &[
    ("nuget/v3/index.json", NUGET_V3_INDEX),
    ("nuget/v2/index.xml", NUGET_V2_SERVICE),
    ("helm/index.yaml", HELM_INDEX),
    (
        "maven/org/example/app/maven-metadata.xml",
        MAVEN_METADATA_XML,
    ),
    ("blocked.html", BLOCK_PAGE_HTML),
];

/// A NuGet v3 service index, shaped like nuget.org's.
pub const NUGET_V3_INDEX: &str = r#"{
  "version": "3.0.0",
  "resources": [
    {"@id": "https://feeds.example.com/v3-flatcontainer/", "@type": "PackageBaseAddress/3.0.0"},
    {"@id": "https://feeds.example.com/query", "@type": "SearchQueryService"},
    {"@id": "https://feeds.example.com/registration/", "@type": "RegistrationsBaseUrl"}
  ]
}
"#;

/// A NuGet v2 OData service document.
pub const NUGET_V2_SERVICE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<service xml:base="https://feeds.example.com/api/v2/" xmlns="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom">
  <workspace><atom:title>Default</atom:title><collection href="Packages"><atom:title>Packages</atom:title></collection></workspace>
</service>
"#;

/// A NuGet v2 `$metadata` document (trimmed).
pub const NUGET_V2_METADATA: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx">
  <edmx:DataServices><Schema Namespace="NuGetGallery" xmlns="http://schemas.microsoft.com/ado/2006/04/edm">
    <EntityType Name="V2FeedPackage"><Key><PropertyRef Name="Id"/></Key></EntityType>
    <EntityContainer Name="FeedContext_x0060_1"><EntitySet Name="Packages" EntityType="NuGetGallery.V2FeedPackage"/></EntityContainer>
  </Schema></edmx:DataServices>
</edmx:Edmx>
"#;

/// A Helm repository index with two charts.
pub const HELM_INDEX: &str = "apiVersion: v1
entries:
  web:
  - apiVersion: v2
    name: web
    version: 1.2.0
    urls:
    - charts/web-1.2.0.tgz
  worker:
  - apiVersion: v2
    name: worker
    version: 0.3.1
    urls:
    - charts/worker-0.3.1.tgz
generated: \"2026-11-01T00:00:00Z\"
";

/// A Maven `maven-metadata.xml`.
pub const MAVEN_METADATA_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>org.example</groupId>
  <artifactId>app</artifactId>
  <versioning>
    <latest>1.1.0</latest>
    <release>1.1.0</release>
    <versions><version>1.0.0</version><version>1.1.0</version></versions>
  </versioning>
</metadata>
"#;

/// What a corporate proxy shows instead of the page asked for.
pub const BLOCK_PAGE_HTML: &str = "<!DOCTYPE html>\n<html><head><title>Access denied</title></head>\n<body><h1>Access denied by corporate web policy</h1><p>Category: Uncategorized. Contact the service desk.</p></body></html>\n";

const LOGIN_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form method=\"post\" action=\"/login\"><input name=\"user\"><input type=\"password\" name=\"password\"><button>Sign in</button></form></body></html>\n";

const MAVEN_LISTING: &str = "<html><head><title>Index of /maven/</title></head><body><h1>Index of /maven/</h1><pre><a href=\"org/\">org/</a></pre></body></html>\n";

/// A rustls server configuration presenting `identity` (a `LabCa::issue`d leaf).
pub fn server_tls(identity: &LabIdentity) -> io::Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(identity.key.clone_key());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| {
            b.with_no_client_auth()
                .with_single_cert(identity.chain.clone(), key)
        })
        .map_err(|e| io::Error::other(format!("cannot configure lab TLS: {e}")))?;
    Ok(Arc::new(config))
}

/// The private key of `identity` as PEM (`-----BEGIN PRIVATE KEY-----`), for
/// servers configured from files (the nginx end-to-end test).
pub fn key_pem(identity: &LabIdentity) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(identity.key.secret_pkcs8_der());
    let mut out = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END PRIVATE KEY-----\n");
    out
}

/// A running loopback feed server; stops when dropped.
pub struct FeedLab {
    pub server: HttpServer,
    /// `http://127.0.0.1:PORT` or `https://…`.
    pub base: String,
}

impl FeedLab {
    /// Serves the feeds on `bind`, over TLS when `tls` is given. `password`
    /// is what [`LAB_USER`] must send for the private feed and the registry.
    pub async fn start(
        bind: SocketAddr,
        tls: Option<Arc<rustls::ServerConfig>>,
        password: &str,
    ) -> io::Result<FeedLab> {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let secrets = Secrets {
            basic: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{LAB_USER}:{password}"))
            ),
            // Derived from the password, so the token is as secret as the password.
            token: format!(
                "lab-token-{}",
                hex::encode(Sha256::digest(password.as_bytes()))
            ),
            scheme,
        };
        let server = HttpServer::start(bind, tls, move |req| route(req, &secrets)).await?;
        let base = format!("{scheme}://{}", server.addr);
        Ok(FeedLab { server, base })
    }

    /// The full URL of a lab path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

struct Secrets {
    basic: String,
    token: String,
    scheme: &'static str,
}

fn route(req: &Request, secrets: &Secrets) -> Response {
    use paths::*;
    let (basic, token) = (secrets.basic.as_str(), secrets.token.as_str());
    let auth = req.header("authorization").unwrap_or("");
    let path = req.path.split('?').next().unwrap_or("");
    let json = "application/json";
    let registry = |r: Response| r.with_header("Docker-Distribution-API-Version", "registry/2.0");
    match path {
        NUGET_V3 => Response::new(200, json, NUGET_V3_INDEX),
        NUGET_V3_PRIVATE if auth == basic => Response::new(200, json, NUGET_V3_INDEX),
        NUGET_V3_PRIVATE => Response::new(401, "text/plain", "credentials required\n")
            .with_header("WWW-Authenticate", "Basic realm=\"feeds\""),
        NUGET_V3_MOVED => Response::redirect(301, NUGET_V3),
        NUGET_V2 => Response::new(200, "application/atomsvc+xml", NUGET_V2_SERVICE),
        "/nuget/v2/$metadata" => Response::new(200, "application/xml", NUGET_V2_METADATA),
        "/helm/index.yaml" => Response::new(200, "application/x-yaml", HELM_INDEX),
        MAVEN_METADATA => Response::new(200, "text/xml", MAVEN_METADATA_XML),
        MAVEN_ROOT => Response::new(200, "text/html", MAVEN_LISTING),
        "/open/v2/" => registry(Response::new(200, json, "{}")),
        "/auth/v2/" if auth == format!("Bearer {token}") => {
            registry(Response::new(200, json, "{}"))
        }
        "/auth/v2/" => registry(Response::new(
            401,
            json,
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
        ))
        .with_header("WWW-Authenticate", &bearer_challenge(req, secrets.scheme)),
        "/auth/token" if auth == basic => Response::new(
            200,
            json,
            format!("{{\"token\":\"{token}\",\"expires_in\":300}}"),
        ),
        "/auth/token" => {
            Response::new(401, json, r#"{"details":"incorrect username or password"}"#)
        }
        "/web401/v2/" => Response::new(
            401,
            "text/html",
            "<html><body>401 Authorization Required</body></html>",
        )
        .with_header("WWW-Authenticate", "Basic realm=\"intranet\""),
        BLOCK_PAGE => Response::new(200, "text/html", BLOCK_PAGE_HTML),
        BLOCKED_FEED => Response::redirect(302, BLOCK_PAGE),
        SSO_FEED => Response::redirect(302, "/login?return=%2Fsso%2Fv3%2Findex.json"),
        "/login" => Response::new(200, "text/html", LOGIN_PAGE),
        LOOP => Response::redirect(302, LOOP),
        HUGE => Response::new(200, json, vec![b' '; probe::checks::feed::BODY_CAP + 4096]),
        _ => Response::new(
            404,
            "text/html",
            "<html><body><h1>404 Not Found</h1></body></html>",
        ),
    }
}

/// `Bearer realm="<this server>/auth/token",service="lab-registry"`, with the
/// realm on the host the client used (so it works behind any address).
fn bearer_challenge(req: &Request, scheme: &str) -> String {
    let host = req.header("host").unwrap_or("127.0.0.1");
    format!("Bearer realm=\"{scheme}://{host}/auth/token\",service=\"lab-registry\"")
}

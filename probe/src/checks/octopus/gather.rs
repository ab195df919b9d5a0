//! The I/O of the Octopus API checks: HTTPS requests with reqwest over
//! rustls (platform roots plus `ca_file`, see `crate::net::http`), bodies read
//! with a cap, and the polling port's TLS probe. The API key is read from
//! its environment variable here and goes only into the request header.

use std::time::{Duration, Instant};

use super::{
    ApiEvidence, ApiSpec, RequestError, RequestFailure, ThumbprintEvidence, ThumbprintSpec, api_url,
};
use crate::checks::tls;
use crate::contract::Context;
use crate::net::http::{describe_error, read_capped};

/// The most of a response body that is read.
const MAX_BODY: usize = 256 * 1024;
/// The header Octopus reads API keys from.
const API_KEY_HEADER: &str = "X-Octopus-ApiKey";

/// `GET {url}/api` and what it says about the server.
pub async fn gather_api(ctx: &Context, spec: &ApiSpec) -> ApiEvidence {
    let url = api_url(&spec.url, "api");
    let mut ev = ApiEvidence {
        url: url.clone(),
        min_version: spec.min_version.as_ref().map(ToString::to_string),
        ..ApiEvidence::default()
    };
    let start = Instant::now();
    match get(ctx, spec.ca_file.clone(), &url, None).await {
        Err(e) => ev.error = Some(e),
        Ok((status, body)) => {
            ev.status = Some(status);
            match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(doc) => {
                    let field = |k: &str| doc.get(k).and_then(|v| v.as_str()).map(str::to_string);
                    ev.application = field("Application");
                    ev.version = field("Version");
                    ev.api_version = field("ApiVersion");
                    if ev.version.is_none() {
                        ev.body_start = Some(start_of(&body));
                    }
                }
                Err(_) => ev.body_start = Some(start_of(&body)),
            }
        }
    }
    ev.elapsed_ms = Some(start.elapsed().as_millis() as u64);
    ev
}

/// Reads `certificate-global` with the API key and probes the polling port, at once.
pub async fn gather_thumbprint(ctx: &Context, spec: &ThumbprintSpec) -> ThumbprintEvidence {
    let url = api_url(
        &spec.url,
        "api/configuration/certificates/certificate-global",
    );
    let mut ev = ThumbprintEvidence {
        url: url.clone(),
        api_key_env: spec.api_key_env.clone(),
        expected: spec.expected.clone(),
        polling_target: spec.polling.as_ref().map(|p| p.endpoint.to_string()),
        ..ThumbprintEvidence::default()
    };
    let key = std::env::var(&spec.api_key_env)
        .ok()
        .filter(|k| !k.is_empty());
    let api = async {
        match &key {
            None => None,
            Some(key) => Some(get(ctx, spec.ca_file.clone(), &url, Some(key)).await),
        }
    };
    let polling = async {
        match &spec.polling {
            Some(p) => Some(tls::gather(ctx, p).await),
            None => None,
        }
    };
    let (api, polling) = tokio::join!(api, polling);
    match api {
        None => {}
        Some(Err(e)) => ev.error = Some(e),
        Some(Ok((status, body))) => {
            ev.status = Some(status);
            if status == 200 {
                ev.api_thumbprint = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|doc| doc.get("Thumbprint")?.as_str()?.parse().ok());
            }
        }
    }
    if let Some(p) = polling {
        ev.polling_thumbprint = p.thumbprint_sha1.clone();
        if p.thumbprint_sha1.is_none() {
            ev.polling_error = Some(
                p.error
                    .map(|f| f.detail)
                    .unwrap_or_else(|| "no certificate was presented".into()),
            );
        }
    }
    ev
}

/// One bounded GET: the status and at most `MAX_BODY` bytes of body. The
/// host is resolved with the run's resolvers (as every other check), then
/// pinned in the client, so the system resolver is never asked.
async fn get(
    ctx: &Context,
    ca_file: Option<std::path::PathBuf>,
    url: &str,
    api_key: Option<&str>,
) -> Result<(u16, Vec<u8>), RequestError> {
    let parsed = url::Url::parse(url).map_err(|e| RequestError {
        kind: RequestFailure::Setup,
        detail: format!("expected an https:// URL, found `{url}` ({e})"),
    })?;
    let host = parsed.host_str().unwrap_or_default().to_string();
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .is_ok();
    let pinned = if literal {
        Vec::new()
    } else {
        let resolution = ctx
            .resolvers
            .resolve(&host)
            .await
            .map_err(|e| RequestError {
                kind: RequestFailure::Connect,
                detail: format!("dns-failed: {}", e.0),
            })?;
        resolution
            .addresses
            .iter()
            .map(|ip| std::net::SocketAddr::new(*ip, 0))
            .collect()
    };
    let client =
        client(ctx, ca_file.or_else(|| ctx.ca_file.clone()), &host, &pinned).map_err(|detail| {
            RequestError {
                kind: RequestFailure::Setup,
                detail,
            }
        })?;
    let mut request = client
        .get(url)
        .header("Accept", "application/json")
        .timeout(ctx.budget().steps(2));
    if let Some(key) = api_key {
        request = request.header(API_KEY_HEADER, key);
    }
    let exchange = async {
        let mut response = request.send().await?;
        let status = response.status().as_u16();
        let (body, _) = read_capped(&mut response, MAX_BODY).await?;
        Ok::<_, reqwest::Error>((status, body))
    };
    match tokio::time::timeout(
        ctx.budget()
            .steps(2)
            .saturating_add(Duration::from_millis(200)),
        exchange,
    )
    .await
    {
        Err(_) => Err(RequestError {
            kind: RequestFailure::Timeout,
            detail: format!(
                "no answer within {:.1}s",
                (ctx.budget().steps(2)).as_secs_f64()
            ),
        }),
        Ok(Err(e)) => Err(classify(&e)),
        Ok(Ok(answer)) => Ok(answer),
    }
}

/// The project's base client (`crate::net::http::base_builder`: platform roots plus
/// `ca_file`, no redirects, no proxy) with `host` pinned to `pinned`.
fn client(
    ctx: &Context,
    ca_file: Option<std::path::PathBuf>,
    host: &str,
    pinned: &[std::net::SocketAddr],
) -> Result<reqwest::Client, String> {
    let mut builder = crate::net::http::base_builder(ctx.timeout, ca_file.as_deref())?;
    if !pinned.is_empty() {
        builder = builder.resolve_to_addrs(host, pinned);
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

fn classify(e: &reqwest::Error) -> RequestError {
    let detail = describe_error(e);
    let lower = detail.to_ascii_lowercase();
    let kind = if lower.contains("certificate") || lower.contains("unknownissuer") {
        RequestFailure::Untrusted
    } else if e.is_timeout() {
        RequestFailure::Timeout
    } else if e.is_connect() {
        RequestFailure::Connect
    } else {
        RequestFailure::Other
    };
    RequestError { kind, detail }
}

fn start_of(body: &[u8]) -> String {
    crate::text::printable(body, 120)
}

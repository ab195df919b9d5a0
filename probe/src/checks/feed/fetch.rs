//! The I/O of a feed check: one path (direct or through the proxy), its
//! redirects followed and recorded, the body read up to a cap, and for a
//! Docker registry with credentials the token round-trip. Credentials are
//! sent only to the feed's own origin (and to the registry's token realm),
//! and never written into the evidence.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::protocol::{Challenge, parse_challenge};
use super::{BODY_CAP, Credentials, FeedKind, FeedSpec, PathVia};
use crate::check::Context;
use crate::http::{self, HttpOptions, describe_error};
use crate::proxy::{self, ProxyDecision, ProxySource};

/// Most redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 10;
const MAX_HEADERS: usize = 64;

/// Credential values read from the environment. Never printed.
#[derive(Clone)]
pub enum Secret {
    Basic(String, String),
    Bearer(String),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Reads the credentials a feed names from the environment.
pub fn read_credentials(
    creds: Option<&Credentials>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Secret>, String> {
    let get = |name: &str, what: &str| {
        env(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            format!("the environment variable {name} ({what}) is not set in this shell")
        })
    };
    Ok(match creds {
        None => None,
        Some(Credentials::Basic {
            username_env,
            password_env,
        }) => Some(Secret::Basic(
            get(username_env, "the feed user name")?,
            get(password_env, "the feed password")?,
        )),
        Some(Credentials::Token { token_env }) => {
            Some(Secret::Bearer(get(token_env, "the feed token")?))
        }
    })
}

/// One HTTP answer: status, headers (names lower-cased) and the body up to the cap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exchange {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than the cap; only its start was read.
    pub truncated: bool,
}

impl Exchange {
    /// The first value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One redirect followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redirect {
    pub status: u16,
    pub location: String,
}

/// Where a request failed before an HTTP answer came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The probe could not start (no proxy configured, a bad proxy URL or CA file).
    Setup,
    Dns,
    /// TCP connect refused or unreachable (to the feed, or to the proxy).
    Connect,
    /// No answer within the timeout (a firewall that drops).
    Timeout,
    /// The proxy refused the CONNECT tunnel.
    Tunnel,
    /// The proxy asked for credentials (407).
    ProxyAuth,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// Too many redirects, or a redirect without a usable location.
    Redirect,
    /// The answer broke off while its body was read.
    Body,
    Other,
}

/// Why no HTTP answer came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    pub stage: Stage,
    pub message: String,
}

/// The Docker login round-trip: challenge → token from the realm → `/v2/` again. Serialized as `login` (a key named `token` would be taken for a credential by report redaction).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LoginRoundTrip {
    /// `bearer` or `basic`, from the registry's challenge.
    pub scheme: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    /// The token endpoint's status (bearer only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm_status: Option<u16>,
    /// The token endpoint returned a token (its value is never recorded).
    pub token_issued: bool,
    /// The registry's status for `/v2/` with the token (or basic credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What one path (direct or proxy) saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathEvidence {
    pub via: PathVia,
    /// The URL requested first.
    pub url: String,
    /// The URL of the last answer, after redirects.
    pub final_url: Option<String>,
    /// The proxy used, redacted; `None` when the request went direct.
    pub proxy: Option<String>,
    pub proxy_source: Option<ProxySource>,
    /// The no-proxy rule that sent a proxy path direct.
    pub bypassed_by: Option<String>,
    pub redirects: Vec<Redirect>,
    pub answer: Result<Exchange, TransportError>,
    pub login: Option<LoginRoundTrip>,
    /// Credentials were sent with the request.
    pub authenticated: bool,
    pub elapsed_ms: u64,
    /// A proxy variable set in this environment that a direct path did not use.
    pub unused_env_proxy: Option<String>,
}

/// Probes one path, bounded by three timeouts in all (connect, redirects, token).
pub async fn probe_path(
    ctx: &Context,
    spec: &FeedSpec,
    via: PathVia,
    secret: Option<&Secret>,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> PathEvidence {
    let start = Instant::now();
    let url = spec.probe_url();
    let mut evidence = PathEvidence {
        via,
        url: url.to_string(),
        final_url: None,
        proxy: None,
        proxy_source: None,
        bypassed_by: None,
        redirects: Vec::new(),
        answer: Err(setup("not started")),
        login: None,
        authenticated: false,
        elapsed_ms: 0,
        unused_env_proxy: None,
    };
    let mut route = None;
    match via {
        PathVia::Direct => {
            if spec.proxy.is_none() {
                evidence.unused_env_proxy = proxy::env_proxy_var(url.scheme(), env);
            }
        }
        PathVia::Proxy => {
            let explicit = spec.proxy.as_ref().map(|(c, s)| (c, s.clone()));
            match proxy::decide(&url, explicit, env) {
                Ok(ProxyDecision::Proxy(r)) => route = Some(r),
                Ok(ProxyDecision::Bypassed { rule }) => evidence.bypassed_by = Some(rule),
                Ok(ProxyDecision::Unconfigured) => {
                    evidence.answer = Err(setup(&format!(
                        "no proxy for {} URLs: set [proxy] url in the plan, --proxy, or {}",
                        url.scheme(),
                        if url.scheme() == "https" {
                            "HTTPS_PROXY"
                        } else {
                            "HTTP_PROXY"
                        }
                    )));
                    return evidence;
                }
                Err(e) => {
                    evidence.answer = Err(setup(&e));
                    return evidence;
                }
            }
        }
    }
    if let Some(r) = &route {
        evidence.proxy = Some(r.display.clone());
        evidence.proxy_source = Some(r.source.clone());
    }
    let options = HttpOptions {
        connect_timeout: ctx.timeout,
        ca_file: spec.ca_file.clone().or_else(|| ctx.ca_file.clone()),
        proxy: route.as_ref().map(|r| r.auth.clone()),
        resolvers: Some(ctx.resolvers.clone()),
    };
    let client = match http::client(&options) {
        Ok(c) => c,
        Err(e) => {
            evidence.answer = Err(setup(&e));
            return evidence;
        }
    };
    let deadline = start + ctx.timeout * 3;
    // Docker credentials go only where the registry's challenge says.
    let preemptive = if spec.kind == FeedKind::Docker {
        None
    } else {
        secret
    };
    evidence.authenticated = preemptive.is_some();
    let fetched = fetch(&client, &url, spec.kind, preemptive, deadline).await;
    evidence.redirects = fetched.redirects;
    evidence.answer = fetched.answer;
    if let (Err(e), Some(r), Some(at)) = (&mut evidence.answer, &route, &fetched.final_url)
        && matches!(e.stage, Stage::Tunnel | Stage::ProxyAuth)
        && let Some(why) = diagnose_tunnel(ctx, &r.auth, at).await
    {
        e.message = why;
    }
    evidence.final_url = fetched.final_url.map(|u| u.to_string());
    if spec.kind == FeedKind::Docker
        && let (Ok(first), Some(secret)) = (&evidence.answer, secret)
        && first.status == 401
        && let Some(challenge) = first.header("www-authenticate").and_then(parse_challenge)
    {
        let registry = evidence
            .final_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .unwrap_or_else(|| url.clone());
        evidence.authenticated = true;
        evidence.login =
            Some(token_round_trip(&client, &registry, &challenge, secret, deadline).await);
    }
    evidence.elapsed_ms = start.elapsed().as_millis() as u64;
    evidence
}

struct Fetched {
    redirects: Vec<Redirect>,
    final_url: Option<url::Url>,
    answer: Result<Exchange, TransportError>,
}

/// GETs `url`, following up to [`MAX_REDIRECTS`] redirects; credentials go
/// only to the origin of `url`.
async fn fetch(
    client: &reqwest::Client,
    url: &url::Url,
    kind: FeedKind,
    secret: Option<&Secret>,
    deadline: Instant,
) -> Fetched {
    let mut redirects = Vec::new();
    let mut current = url.clone();
    for _ in 0..=MAX_REDIRECTS {
        let same_origin = current.origin() == url.origin();
        let mut request = client.get(current.clone()).header("accept", accept(kind));
        if same_origin && let Some(s) = secret {
            request = authorize(request, s);
        }
        let exchange = match send(request, deadline).await {
            Ok(e) => e,
            Err(e) => {
                return Fetched {
                    redirects,
                    final_url: Some(current),
                    answer: Err(e),
                };
            }
        };
        let location = exchange.header("location").map(str::to_string);
        match location {
            Some(location) if (300..400).contains(&exchange.status) => {
                redirects.push(Redirect {
                    status: exchange.status,
                    location: location.clone(),
                });
                match current.join(&location) {
                    Ok(next) if matches!(next.scheme(), "http" | "https") => current = next,
                    _ => {
                        return Fetched {
                            redirects,
                            final_url: Some(current),
                            answer: Err(TransportError {
                                stage: Stage::Redirect,
                                message: format!("redirect to an unusable location `{location}`"),
                            }),
                        };
                    }
                }
            }
            _ => {
                return Fetched {
                    redirects,
                    final_url: Some(current),
                    answer: Ok(exchange),
                };
            }
        }
    }
    Fetched {
        redirects,
        final_url: Some(current),
        answer: Err(TransportError {
            stage: Stage::Redirect,
            message: format!("more than {MAX_REDIRECTS} redirects"),
        }),
    }
}

/// Sends one request and reads its answer, all before `deadline`.
async fn send(
    request: reqwest::RequestBuilder,
    deadline: Instant,
) -> Result<Exchange, TransportError> {
    let remaining = deadline.saturating_duration_since(Instant::now());
    let work = async {
        let mut response = request.send().await.map_err(|e| classify(&e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .take(MAX_HEADERS)
            .map(|(n, v)| {
                let value = String::from_utf8_lossy(v.as_bytes());
                (n.as_str().to_string(), value.chars().take(512).collect())
            })
            .collect();
        let (body, truncated) = http::read_capped(&mut response, BODY_CAP)
            .await
            .map_err(|e| TransportError {
                stage: Stage::Body,
                message: format!("the answer ({status}) broke off: {}", describe_error(&e)),
            })?;
        Ok(Exchange {
            status,
            headers,
            body,
            truncated,
        })
    };
    match tokio::time::timeout(remaining.max(Duration::from_millis(1)), work).await {
        Ok(result) => result,
        Err(_) => Err(TransportError {
            stage: Stage::Timeout,
            message: "no complete answer before the time limit".into(),
        }),
    }
}

fn authorize(request: reqwest::RequestBuilder, secret: &Secret) -> reqwest::RequestBuilder {
    match secret {
        Secret::Basic(user, password) => request.basic_auth(user, Some(password)),
        Secret::Bearer(token) => request.bearer_auth(token),
    }
}

fn accept(kind: FeedKind) -> &'static str {
    match kind {
        FeedKind::NugetV3 | FeedKind::Docker => "application/json",
        FeedKind::NugetV2 => "application/atom+xml, application/xml;q=0.9, */*;q=0.1",
        FeedKind::Maven => "application/xml, text/xml;q=0.9, */*;q=0.1",
        FeedKind::Helm | FeedKind::Http => "*/*",
    }
}

/// Challenge → credentials → `/v2/` again. Bearer: basic credentials buy a
/// token at the realm; a `token_env` token is presented as it is.
async fn token_round_trip(
    client: &reqwest::Client,
    registry: &url::Url,
    challenge: &Challenge,
    secret: &Secret,
    deadline: Instant,
) -> LoginRoundTrip {
    let mut trip = LoginRoundTrip {
        scheme: challenge.scheme.clone(),
        realm: challenge.param("realm").map(str::to_string),
        ..LoginRoundTrip::default()
    };
    let retry = match (challenge.scheme.as_str(), secret) {
        ("basic", Secret::Basic(..)) => authorize(client.get(registry.clone()), secret),
        ("bearer", Secret::Bearer(token)) => client.get(registry.clone()).bearer_auth(token),
        ("bearer", Secret::Basic(..)) => {
            let Some(realm) = trip.realm.as_deref().and_then(|r| url::Url::parse(r).ok()) else {
                trip.error = Some("the challenge has no usable realm URL".into());
                return trip;
            };
            let mut token_url = realm;
            for key in ["service", "scope"] {
                if let Some(v) = challenge.param(key) {
                    token_url.query_pairs_mut().append_pair(key, v);
                }
            }
            let answer = send(authorize(client.get(token_url), secret), deadline).await;
            let token = match answer {
                Ok(e) => {
                    trip.realm_status = Some(e.status);
                    super::protocol::token_from_json(&e.body)
                }
                Err(e) => {
                    trip.error = Some(format!("token request failed: {}", e.message));
                    return trip;
                }
            };
            let Some(token) = token.filter(|_| trip.realm_status == Some(200)) else {
                trip.error = Some("the realm returned no token".into());
                return trip;
            };
            trip.token_issued = true;
            client.get(registry.clone()).bearer_auth(token)
        }
        (scheme, _) => {
            trip.error = Some(format!(
                "the registry asks for `{scheme}` authentication, which these credentials cannot answer"
            ));
            return trip;
        }
    };
    match send(retry, deadline).await {
        Ok(e) => trip.registry_status = Some(e.status),
        Err(e) => trip.error = Some(format!("registry request failed: {}", e.message)),
    }
    trip
}

/// The HTTP client only says "tunnel error: unsuccessful"; asking the proxy
/// once more for the same CONNECT (bounded, through `probe::tunnel`) gets its
/// status line: 403 (policy) reads differently from 502/503 (it cannot reach
/// the feed either).
async fn diagnose_tunnel(
    ctx: &Context,
    auth: &crate::http::ProxyAuth,
    target: &url::Url,
) -> Option<String> {
    let mut route = crate::tunnel::ProxyRoute::parse(&auth.url).ok()?;
    if let Some((username, password)) = &auth.basic {
        route.auth = crate::tunnel::ProxyAuth::Inline {
            username: username.clone(),
            password: password.clone(),
        };
    }
    let host = target
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let endpoint = crate::endpoint::Endpoint::new(host, target.port_or_known_default()?);
    match crate::tunnel::open(&ctx.resolvers, &route, &endpoint, ctx.timeout).await {
        Ok(t) => Some(format!(
            "the HTTP client's CONNECT to {endpoint} failed, but a second one was accepted ({})",
            t.status_line
        )),
        Err(e) => Some(format!("CONNECT {endpoint}: {e}")),
    }
}

fn setup(message: &str) -> TransportError {
    TransportError {
        stage: Stage::Setup,
        message: message.to_string(),
    }
}

/// Sorts a reqwest error into the stage that failed; the message keeps every cause.
fn classify(e: &reqwest::Error) -> TransportError {
    let message = describe_error(e);
    let lower = message.to_ascii_lowercase();
    let stage = if lower.contains("proxy authorization required") {
        Stage::ProxyAuth
    } else if lower.contains("tunnel error: unsuccessful")
        || lower.contains("tunnel error: unexpected end")
    {
        Stage::Tunnel
    } else if e.is_timeout() || lower.contains("timed out") {
        Stage::Timeout
    } else if lower.contains("dns error") || lower.contains("failed to lookup") {
        Stage::Dns
    } else if lower.contains("certificate")
        || lower.contains("handshake")
        || lower.contains("alert")
        || lower.contains("tls")
    {
        Stage::Tls
    } else if e.is_connect() || lower.contains("connect") {
        Stage::Connect
    } else {
        Stage::Other
    };
    TransportError { stage, message }
}

//! All the I/O of a feed check: each path (direct or through the proxy),
//! its redirects followed and recorded, the body read up to a cap, and for
//! a Docker registry with credentials the login round-trip.
//! Credentials are sent only over https to the origin the feed was
//! configured for (and, for a Docker registry, to a token realm on the
//! registry's own site: `docker::realm_allowed`), never after a redirect to
//! another origin, and never written into the evidence.

use std::time::{Duration, Instant};

use super::docker::{
    Challenge, parse_challenge, realm_allowed, same_origin_https, token_from_json,
};
use super::{
    BODY_CAP, Credentials, Exchange, FeedEvidence, FeedKind, FeedSpec, LoginRoundTrip,
    PathEvidence, PathVia, Redirect, Stage, TransportError, Via,
};
use crate::contract::Context;
use crate::net::http::{self, HttpOptions, describe_error};
use crate::net::proxy::{self, ProxyDecision, ProxyRoute};

/// Most redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 10;
const MAX_HEADERS: usize = 64;

/// Credential values read from the environment. Never printed.
#[derive(Clone)]
enum Secret {
    Basic(String, String),
    Bearer(String),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Reads the credentials a feed names from the environment.
fn read_credentials(
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

/// Probes the feed over the paths its spec asks for, reading environment
/// variables (credentials, proxies) from this process.
pub async fn gather(ctx: &Context, spec: &FeedSpec) -> FeedEvidence {
    gather_with_env(ctx, spec, &|name| std::env::var(name).ok()).await
}

/// The first hop of a request (the proxy, or the feed's host): its first
/// address as this data center's resolvers answer, and the source address
/// the kernel's route picks for it (no packet is sent for that).
async fn first_hop(
    ctx: &Context,
    url: &url::Url,
    route: Option<&ProxyRoute>,
) -> (Option<String>, Option<String>) {
    let (host, port) = match route {
        Some(r) => (r.endpoint.host.clone(), r.endpoint.port),
        None => (
            url.host_str()
                .unwrap_or_default()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            url.port_or_known_default().unwrap_or(443),
        ),
    };
    let ip = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip,
        Err(_) => match ctx.resolvers.resolve(&host).await {
            Ok(r) => match r.addresses.first() {
                Some(ip) => *ip,
                None => return (None, None),
            },
            Err(_) => return (None, None),
        },
    };
    let address = std::net::SocketAddr::new(ip, port);
    let source = crate::net::tcp::route_source(address).map(|s| s.to_string());
    (Some(address.to_string()), source)
}

/// [`gather`] with the environment given as a function (tests pass a map).
pub async fn gather_with_env(
    ctx: &Context,
    spec: &FeedSpec,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> FeedEvidence {
    let mut evidence = FeedEvidence::default();
    if spec.server_side && spec.cloud {
        let host = spec.url.host_str().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        evidence.resolved = Some(
            ctx.resolvers
                .resolve(host)
                .await
                .map(|r| r.addresses)
                .map_err(|e| e.0),
        );
    }
    if spec.credentials.is_some() && spec.url.scheme() != "https" {
        // FeedSpec::with_credentials refuses this; a spec edited by hand is refused here too.
        evidence.setup_error = Some(format!(
            "{} is plain http: feed credentials are sent only over https",
            spec.url
        ));
        return evidence;
    }
    let credentials = match read_credentials(spec.credentials.as_ref(), env) {
        Ok(c) => c,
        Err(e) => {
            evidence.setup_error = Some(e);
            return evidence;
        }
    };
    let paths: &[PathVia] = match spec.via {
        Via::Direct => &[PathVia::Direct],
        Via::Proxy => &[PathVia::Proxy],
        Via::Both => &[PathVia::Direct, PathVia::Proxy],
    };
    let probes = paths
        .iter()
        .map(|via| probe_path(ctx, spec, *via, credentials.as_ref(), env));
    evidence.paths = futures_util::future::join_all(probes).await;
    evidence
}

/// Probes one path, bounded by three timeouts in all (connect, redirects, token).
async fn probe_path(
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
        address: None,
        source: None,
    };
    let mut route = None;
    match via {
        PathVia::Direct => {
            if spec.proxy.is_none() {
                evidence.unused_env_proxy = proxy::env_proxy_var(url.scheme(), env);
            }
        }
        PathVia::Proxy => match proxy::decide(&url, spec.proxy.as_ref(), env) {
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
        },
    }
    if let Some(r) = &route {
        evidence.proxy = Some(r.display());
        evidence.proxy_source = Some(r.source.clone());
    }
    let options = HttpOptions {
        connect_timeout: ctx.timeout,
        ca_file: spec.ca_file.clone().or_else(|| ctx.ca_file.clone()),
        proxy: route.clone(),
        resolvers: Some(ctx.resolvers.clone()),
    };
    let client = match http::client(&options) {
        Ok(c) => c,
        Err(e) => {
            evidence.answer = Err(setup(&e));
            return evidence;
        }
    };
    let deadline = ctx.budget().deadline(start, 3);
    // Docker credentials go only where the registry's challenge says.
    let preemptive = if spec.kind == FeedKind::Docker {
        None
    } else {
        secret
    };
    evidence.authenticated = preemptive.is_some();
    (evidence.address, evidence.source) = first_hop(ctx, &url, route.as_ref()).await;
    let fetched = fetch(&client, &url, spec.kind, preemptive, deadline).await;
    evidence.redirects = fetched.redirects;
    evidence.answer = fetched.answer;
    if let (Err(e), Some(r), Some(at)) = (&mut evidence.answer, &route, &fetched.final_url)
        && matches!(e.stage, Stage::Tunnel | Stage::ProxyAuth)
        && let Some(why) = diagnose_tunnel(ctx, r, at).await
    {
        e.message = why;
    }
    evidence.final_url = fetched.final_url.as_ref().map(|u| u.to_string());
    if spec.kind == FeedKind::Docker
        && let (Ok(first), Some(secret)) = (&evidence.answer, secret)
        && first.status == 401
        && let Some(challenge) = first.header("www-authenticate").and_then(parse_challenge)
    {
        let registry = fetched.final_url.unwrap_or_else(|| url.clone());
        evidence.login = Some(if same_origin_https(&url, &registry) {
            evidence.authenticated = true;
            token_round_trip(&client, &registry, &challenge, secret, deadline).await
        } else {
            LoginRoundTrip {
                scheme: challenge.scheme.clone(),
                error: Some(format!(
                    "the registry answered from {}, not the configured {}: credentials not sent",
                    registry.origin().ascii_serialization(),
                    url.origin().ascii_serialization()
                )),
                ..LoginRoundTrip::default()
            }
        });
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
/// only to the origin of `url`, over https.
async fn fetch(
    client: &reqwest::Client,
    url: &url::Url,
    kind: FeedKind,
    secret: Option<&Secret>,
    deadline: Instant,
) -> Fetched {
    let mut redirects = Vec::new();
    let mut current = url.clone();
    for hop in 0..=MAX_REDIRECTS {
        let mut request = client.get(current.clone()).header("accept", accept(kind));
        if same_origin_https(url, &current)
            && let Some(s) = secret
        {
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
                if hop == MAX_REDIRECTS {
                    break;
                }
                match current.join(&location) {
                    Ok(next) if matches!(next.scheme(), "http" | "https") => current = next,
                    _ => {
                        return Fetched {
                            redirects,
                            final_url: Some(current),
                            answer: Err(TransportError {
                                stage: Stage::Redirect,
                                message: format!(
                                    "redirect to an unusable location `{}`",
                                    crate::text::excerpt(&location)
                                ),
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
    // MAX_REDIRECTS were followed, and the last answer (from `current`) redirects once more.
    let again = redirects
        .last()
        .map(|r| r.location.clone())
        .unwrap_or_default();
    Fetched {
        redirects,
        final_url: Some(current),
        answer: Err(TransportError {
            stage: Stage::Redirect,
            message: format!(
                "stopped after following {MAX_REDIRECTS} redirects (the limit); the last answer redirects again, to `{}`",
                crate::text::excerpt(&again)
            ),
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

/// Adds the credentials to a request (basic or bearer).
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

/// The HTTP client only says "tunnel error: unsuccessful"; asking the proxy
/// once more for the same CONNECT (bounded, through `probe::tunnel`) gets its
/// status line: 403 (policy) reads differently from 502/503 (it cannot reach
/// the feed either).
async fn diagnose_tunnel(ctx: &Context, route: &ProxyRoute, target: &url::Url) -> Option<String> {
    let host = target
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let endpoint = crate::endpoint::Endpoint::new(host, target.port_or_known_default()?);
    match crate::net::tunnel::open(&ctx.resolvers, route, &endpoint, ctx.timeout).await {
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

/// Whether a rustls error is among the causes (directly, or inside the
/// `io::Error` tokio-rustls wraps it in): the TLS layer failed, whatever the
/// message says ("received corrupt message", "InvalidContentType", …).
fn from_rustls(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    // Bounded: error chains are short, and a cycle must not hang the check.
    for _ in 0..16 {
        let Some(cause) = source else {
            return false;
        };
        if cause.is::<rustls::Error>() {
            return true;
        }
        // `io::Error::source` skips the error it wraps: step into it instead.
        source = match cause
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => cause.source(),
        };
    }
    false
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
    } else if from_rustls(e)
        || lower.contains("certificate")
        || lower.contains("handshake")
        || lower.contains("alert")
    {
        Stage::Tls
    } else if e.is_connect() || lower.contains("connect") {
        Stage::Connect
    } else {
        Stage::Other
    };
    TransportError { stage, message }
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
            if let Err(why) = realm_allowed(registry, &realm) {
                trip.error = Some(why);
                return trip;
            }
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
                    token_from_json(&e.body)
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

//! Judging a feed check: each path's answer against the protocol rules, the
//! paths against `via` ("direct blocked, proxy OK" passes; both failing
//! fails), and a server-side feed against Octopus Cloud's reach. Pure.

use serde::Serialize;

use report::Status;

use super::protocol::judge;
use super::{
    FeedEvidence, FeedKind, FeedSpec, LoginRoundTrip, PathEvidence, PathVia, Redirect, Stage, Via,
};
use crate::checks::dns::scope::not_public;
use crate::contract::Outcome;
use crate::net::proxy::ProxySource;

/// One path's evidence as `report.json` records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedProbe {
    pub kind: FeedKind,
    pub url: String,
    pub final_url: Option<String>,
    pub status: Option<u16>,
    pub via: PathVia,
    /// The proxy used, redacted; `null` when the request went direct.
    pub proxy: Option<String>,
    pub elapsed_ms: u64,
    pub protocol_ok: bool,
    pub detail: String,
    /// `plan`, `command line`, or `environment (HTTPS_PROXY)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_source: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub redirects: Vec<Redirect>,
    /// Where the request failed when no HTTP answer came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Stage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<LoginRoundTrip>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The address the request went to (the proxy's on a proxy path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// This machine's address the route to `address` leaves from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Turns one path's raw evidence into its judged, serializable form.
pub fn probe_of(path: &PathEvidence, spec: &FeedSpec) -> FeedProbe {
    let (status, protocol_ok, detail, error) = match &path.answer {
        Ok(ex) => {
            let j = judge(
                spec.kind,
                ex,
                spec.expect_status,
                path.authenticated,
                path.login.as_ref(),
            );
            (Some(ex.status), j.ok, j.detail, None)
        }
        Err(e) => (
            None,
            false,
            transport_detail(path, e.stage, &e.message),
            Some(e.stage),
        ),
    };
    let mut notes = Vec::new();
    if let Some(ProxySource::Environment(name)) = &path.proxy_source {
        notes.push(format!(
            "the proxy comes from {name} in this shell's environment: a Tentacle running as a service often does not see it; set the proxy in the Tentacle's own settings"
        ));
    }
    if let Some(rule) = &path.bypassed_by {
        notes.push(format!("{rule} matches this host: the request went direct"));
    }
    if let Some(name) = &path.unused_env_proxy {
        notes.push(format!(
            "{name} is set in this environment, but this path goes direct on purpose (via = direct)"
        ));
    }
    if path.url.starts_with("https:")
        && path
            .final_url
            .as_deref()
            .is_some_and(|u| u.starts_with("http:"))
    {
        notes.push("a redirect downgraded HTTPS to plain HTTP".into());
    }
    FeedProbe {
        kind: spec.kind,
        url: path.url.clone(),
        final_url: path.final_url.clone(),
        status,
        via: path.via,
        proxy: path.proxy.clone(),
        elapsed_ms: path.elapsed_ms,
        protocol_ok,
        detail,
        proxy_source: path.proxy_source.as_ref().map(|s| match s {
            ProxySource::Plan => "plan".to_string(),
            ProxySource::CommandLine => "command line".to_string(),
            ProxySource::Environment(n) => format!("environment ({n})"),
            ProxySource::Tentacle => "Tentacle.config".to_string(),
        }),
        redirects: path.redirects.clone(),
        error,
        login: path.login.clone(),
        notes,
        address: path.address.clone(),
        source: path.source.clone(),
    }
}

fn transport_detail(path: &PathEvidence, stage: Stage, message: &str) -> String {
    let proxy = path.proxy.as_deref().unwrap_or("the proxy");
    match stage {
        Stage::Setup => format!("not probed: {message}"),
        Stage::Timeout => format!("no answer (timeout): {message}"),
        Stage::Tunnel => format!("{proxy} refused the CONNECT tunnel: {message}"),
        Stage::ProxyAuth => format!("{proxy} wants credentials (407): {message}"),
        Stage::Tls => format!("TLS failed: {message}"),
        Stage::Dns => format!("the name did not resolve: {message}"),
        Stage::Connect if path.proxy.is_some() => {
            format!("cannot connect through {proxy}: {message}")
        }
        Stage::Connect => format!("cannot connect: {message}"),
        Stage::Redirect => format!("redirects: {message}"),
        Stage::Body => message.to_string(),
        Stage::Other => format!("request failed: {message}"),
    }
}

/// Judges a feed check: the paths against `via`, then Octopus Cloud's reach. Pure.
pub fn assess(evidence: &FeedEvidence, spec: &FeedSpec, origin: &str) -> Outcome {
    let host = spec.url.host_str().unwrap_or_default().to_string();
    if let Some(e) = &evidence.setup_error {
        return Outcome::new(Status::Error, format!("not probed: {e}"))
            .with_remediation(
                "export the environment variables the plan names for this feed, then run again",
            )
            .with_evidence(
                serde_json::json!({"kind": spec.kind, "url": spec.url.as_str(), "setup_error": e}),
            );
    }
    let probes: Vec<FeedProbe> = evidence.paths.iter().map(|p| probe_of(p, spec)).collect();
    let mut outcome = combine(&probes, spec, &host, origin);
    if let Some(cloud) = cloud_reach(evidence, &host, origin) {
        // The worse of the two decides; the other's reason is kept.
        outcome = if outcome.status == Status::Pass {
            cloud
        } else if cloud.status == Status::Fail {
            Outcome {
                reason: format!("{}; {}", cloud.reason, outcome.reason),
                ..cloud
            }
        } else {
            Outcome {
                reason: format!("{}; {}", outcome.reason, cloud.reason),
                ..outcome
            }
        };
    }
    let mut json = match probes.as_slice() {
        [one] => serde_json::to_value(one).unwrap_or_default(),
        many => serde_json::json!({ "paths": many }),
    };
    if let (Some(Ok(addresses)), Some(map)) = (&evidence.resolved, json.as_object_mut()) {
        map.insert("resolved".into(), serde_json::json!(addresses));
    }
    outcome.evidence = json.into();
    outcome
}

/// A server-side feed when the server is Octopus Cloud: every address must be public.
fn cloud_reach(evidence: &FeedEvidence, host: &str, origin: &str) -> Option<Outcome> {
    let addresses = match evidence.resolved.as_ref()? {
        Ok(a) => a,
        Err(e) => {
            return Some(Outcome::new(
                Status::Warn,
                format!(
                    "Octopus Cloud fetches this feed, but {host} does not resolve from {origin} ({e}): whether Cloud can reach it is unproven"
                ),
            ));
        }
    };
    let private: Vec<String> = addresses
        .iter()
        .filter_map(|ip| not_public(*ip).map(|why| format!("{ip} ({why})")))
        .collect();
    if private.is_empty() {
        return None;
    }
    Some(
        Outcome::new(
            Status::Fail,
            format!(
                "{host} resolves to {}: Octopus Cloud cannot reach a private address; expose it or use a publicly reachable proxy",
                private.join(", ")
            ),
        )
        .with_remediation(format!(
            "publish {host} on a public address (with authentication), or point Octopus Cloud at a publicly reachable proxy or mirror of this feed"
        )),
    )
}

fn combine(probes: &[FeedProbe], spec: &FeedSpec, host: &str, origin: &str) -> Outcome {
    let find = |via| probes.iter().find(|p| p.via == via);
    match (spec.via, find(PathVia::Direct), find(PathVia::Proxy)) {
        (Via::Both, Some(d), Some(p)) => both(d, p, spec, host, origin),
        (_, Some(one), None) | (_, None, Some(one)) => single(one, spec, host, origin),
        _ => Outcome::new(Status::Error, "no path was probed"),
    }
}

fn path_name(p: &FeedProbe) -> String {
    match (&p.via, &p.proxy) {
        (PathVia::Proxy, Some(proxy)) => format!("through {proxy}"),
        (PathVia::Proxy, None) => "direct (no-proxy rule)".into(),
        (PathVia::Direct, _) => "direct".into(),
    }
}

fn single(p: &FeedProbe, spec: &FeedSpec, host: &str, origin: &str) -> Outcome {
    if p.protocol_ok {
        return Outcome::new(Status::Pass, format!("{}: {}", path_name(p), p.detail));
    }
    let status = if p.error == Some(Stage::Setup) {
        Status::Error
    } else {
        Status::Fail
    };
    Outcome::new(status, format!("{}: {}", path_name(p), p.detail))
        .with_remediation(remedy(p, spec, host, origin))
}

fn both(d: &FeedProbe, p: &FeedProbe, spec: &FeedSpec, host: &str, origin: &str) -> Outcome {
    let blocked = |x: &FeedProbe| {
        matches!(
            x.error,
            Some(Stage::Connect | Stage::Timeout | Stage::Dns | Stage::Tls)
        )
    };
    if let Some(unprobed) = [d, p].into_iter().find(|x| x.error == Some(Stage::Setup)) {
        return Outcome::new(
            Status::Error,
            format!("direct: {}; proxy: {}", d.detail, p.detail),
        )
        .with_remediation(remedy(unprobed, spec, host, origin));
    }
    match (d.protocol_ok, p.protocol_ok) {
        (true, true) => Outcome::new(
            Status::Pass,
            format!("direct and {} OK: {}", path_name(p), p.detail),
        ),
        (false, true) if blocked(d) => Outcome::new(
            Status::Pass,
            format!("direct blocked, proxy OK ({}): {}", path_name(p), p.detail),
        ),
        (false, true) => Outcome::new(
            Status::Warn,
            format!("proxy OK ({}), but direct answers something else: {}", path_name(p), d.detail),
        )
        .with_remediation(format!(
            "something on the direct path from {origin} answers for {host} (a transparent proxy or captive portal?): make sure Tentacles use the proxy"
        )),
        (true, false) => Outcome::new(
            Status::Warn,
            format!("direct OK, proxy fails: {}", p.detail),
        )
        .with_remediation(remedy(p, spec, host, origin)),
        (false, false) => Outcome::new(
            Status::Fail,
            format!("both fail: direct: {}; {}: {}", d.detail, path_name(p), p.detail),
        )
        .with_remediation(remedy(p, spec, host, origin)),
    }
}

fn authenticated(spec: &FeedSpec) -> bool {
    spec.credentials.is_some()
}

/// What to do about a failed path, as a person can act on it.
fn remedy(p: &FeedProbe, spec: &FeedSpec, host: &str, origin: &str) -> String {
    let port = spec.url.port_or_known_default().unwrap_or(443);
    let proxy = p.proxy.as_deref().unwrap_or("the proxy");
    if p.error == Some(Stage::Tls)
        && let Some(remedy) = crate::net::pinned::remedy(&p.detail, host)
    {
        return remedy;
    }
    match (p.error, p.via) {
        (Some(Stage::Setup), _) => {
            "configure the proxy (the plan's [proxy] url, or HTTPS_PROXY / HTTP_PROXY) or probe direct only".into()
        }
        (Some(Stage::Tunnel), _) => format!(
            "ask the proxy team to allow CONNECT from {origin} through {proxy} to {host}:{port}"
        ),
        (Some(Stage::ProxyAuth), _) => format!(
            "{proxy} wants credentials: set username_env and password_env in the plan's [proxy]"
        ),
        (Some(Stage::Tls), PathVia::Proxy) => format!(
            "a TLS-inspecting proxy re-signs {host} with its own CA: give that CA as ca_file (or SSL_CERT_FILE), or exempt {host} from inspection"
        ),
        (Some(Stage::Tls), PathVia::Direct) => format!(
            "trust the CA that issued {host}'s certificate (ca_file, or SSL_CERT_FILE), or fix the certificate"
        ),
        (Some(Stage::Dns), _) => format!("make {host} resolve from {origin}"),
        (Some(Stage::Connect | Stage::Timeout), PathVia::Direct) => format!(
            "ask for a firewall rule allowing TCP {port} from {origin} to {host}, or reach it through the proxy (via = \"proxy\")"
        ),
        (Some(Stage::Connect | Stage::Timeout), PathVia::Proxy) => format!(
            "check that {proxy} is reachable from {origin} and can reach {host}:{port}"
        ),
        (Some(_), _) => format!("check that {host} answers from {origin}"),
        (None, _) if p.status == Some(407) => format!(
            "{proxy} wants credentials: set username_env and password_env in the plan's [proxy]"
        ),
        (None, PathVia::Proxy) if p.status == Some(403) && p.proxy.is_some() => format!(
            "ask the proxy team to allow {host}:{port} through {proxy} for {origin} (its policy answered 403); if the feed itself refuses, check the credentials the plan names"
        ),
        (None, _) if p.status == Some(401) && !authenticated(spec) => format!(
            "{host} wants a login: name the environment variables holding it (username_env and password_env, or token_env)"
        ),
        (None, _) if p.status == Some(401) || p.status == Some(403) => format!(
            "check the feed credentials the plan names (environment variables), and that they may read {host}"
        ),
        (None, _) => format!(
            "{host} answers, but not as {}: check the URL (final URL {}) and whether a proxy block page or an SSO login intercepts it",
            spec.kind.expected(),
            p.final_url.as_deref().unwrap_or(&p.url)
        ),
    }
}

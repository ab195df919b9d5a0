//! Docker / OCI registries: `GET /v2/` answers 200, or 401 with a challenge
//! and the `Docker-Distribution-API-Version: registry/2.0` header (a web
//! server's 401 lacks it). With credentials, the login round-trip: a Bearer
//! challenge's realm trades basic credentials for a token, and `/v2/` must
//! then answer 200 (a Basic challenge: `/v2/` again with the credentials).
//! The token is never recorded.

use std::time::Instant;

use serde::Serialize;

use super::FeedKind;
use super::evidence::Exchange;
use super::fetch::{Secret, authorize, send};
use super::protocol::{Judgment, not_it};

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

/// Challenge → credentials → `/v2/` again. Bearer: basic credentials buy a
/// token at the realm; a `token_env` token is presented as it is.
pub(super) async fn token_round_trip(
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

/// Judges a registry's answer to `/v2/` (and the login round-trip, when one ran).
pub(super) fn docker(ex: &Exchange, token: Option<&LoginRoundTrip>) -> Judgment {
    let kind = FeedKind::Docker;
    let api = ex.header("docker-distribution-api-version").unwrap_or("");
    let is_registry = api.trim().starts_with("registry/2.0");
    match ex.status {
        200 if is_registry => Judgment::ok("registry answered /v2/ with 200 (registry/2.0)"),
        200 if ex.body.trim_ascii_start().starts_with(b"{") => Judgment::ok(
            "registry answered /v2/ with 200 and JSON (no Docker-Distribution-API-Version header)",
        ),
        200 => not_it(kind, ex, "200 without the registry header or a JSON body"),
        401 => {
            let Some(challenge) = ex.header("www-authenticate") else {
                return not_it(kind, ex, "401 without WWW-Authenticate");
            };
            if !is_registry {
                return not_it(
                    kind,
                    ex,
                    "a web server asking for credentials (401 without Docker-Distribution-API-Version: registry/2.0)",
                );
            }
            let parsed = parse_challenge(challenge);
            // Worded so no scheme name is followed by a long word: report
            // redaction takes "Bearer <word>" for a credential.
            let scheme = parsed
                .as_ref()
                .map(|c| c.scheme.clone())
                .unwrap_or_default();
            let challenge = match parsed.as_ref().and_then(|c| c.param("realm")) {
                Some(r) => format!("challenge {scheme}; realm {r}"),
                None => format!("challenge {scheme}"),
            };
            match token {
                None => Judgment::ok(format!(
                    "registry/2.0 asks for credentials ({challenge}); none given, so the login is not tested"
                )),
                Some(t) if t.registry_status == Some(200) => Judgment::ok(format!(
                    "login round-trip OK ({challenge}): /v2/ answered 200 with the credentials"
                )),
                Some(t) => {
                    let what = match (&t.error, t.realm_status, t.registry_status) {
                        (Some(e), _, _) => e.clone(),
                        (None, _, Some(s)) => {
                            format!("/v2/ still answered {s} with the credentials")
                        }
                        (None, Some(s), None) => format!("the token endpoint answered {s}"),
                        (None, None, None) => "no answer".into(),
                    };
                    Judgment::no(format!(
                        "registry/2.0 ({challenge}), but the login failed: {what}"
                    ))
                }
            }
        }
        _ => not_it(kind, ex, "expected 200, or 401 with a registry challenge"),
    }
}

/// A `WWW-Authenticate` challenge: its scheme (lower-cased) and parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// A parameter's value (`realm`, `service`, `scope`), name in any case.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `Bearer realm="https://auth.example.com/token",service="registry"`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.trim().is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value = chars.by_ref().take_while(|c| *c != ',').collect();
        }
        params.push((key.trim().to_string(), value.trim().to_string()));
    }
    Some(Challenge {
        scheme: scheme.to_ascii_lowercase(),
        params,
    })
}

/// The token of a registry token endpoint's JSON (`token` or `access_token`).
pub fn token_from_json(body: &[u8]) -> Option<String> {
    let doc: serde_json::Value = serde_json::from_slice(body).ok()?;
    ["token", "access_token"]
        .iter()
        .find_map(|k| doc.get(k).and_then(|v| v.as_str()))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

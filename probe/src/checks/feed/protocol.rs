//! The protocol rules: is this HTTP answer really the feed it claims to be?
//! Pure functions from status, headers and a bounded body; anything else (a
//! block page, a login page, a wrong content type) fails with the first bytes
//! of what came back.

use super::FeedKind;
use super::docker::parse_challenge;
use super::xml::xml_root;
use super::{Exchange, LoginRoundTrip};

/// Whether an answer speaks the feed's protocol, and what it showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgment {
    pub ok: bool,
    pub detail: String,
}

impl Judgment {
    /// It is the protocol: `detail` says what it showed.
    pub(super) fn ok(detail: impl Into<String>) -> Self {
        Judgment {
            ok: true,
            detail: detail.into(),
        }
    }

    /// It is not: `detail` says what was expected and what came.
    pub(super) fn no(detail: impl Into<String>) -> Self {
        Judgment {
            ok: false,
            detail: detail.into(),
        }
    }
}

/// Judges the final answer of one path.
pub fn judge(
    kind: FeedKind,
    ex: &Exchange,
    expect_status: u16,
    authenticated: bool,
    token: Option<&LoginRoundTrip>,
) -> Judgment {
    if kind == FeedKind::Http {
        return if ex.status == expect_status {
            Judgment::ok(format!("HTTP {} as expected", ex.status))
        } else {
            not_it(kind, ex, &format!("expected HTTP {expect_status}"))
        };
    }
    if kind == FeedKind::Docker {
        return docker(ex, token);
    }
    match ex.status {
        200 => {}
        401 | 403 if authenticated => return not_it(kind, ex, "the credentials were rejected"),
        401 => return not_it(kind, ex, "the feed wants credentials"),
        403 => {
            return not_it(
                kind,
                ex,
                "access is forbidden (a proxy's policy, or the feed's)",
            );
        }
        407 => return not_it(kind, ex, "the proxy wants credentials"),
        _ => return not_it(kind, ex, "expected HTTP 200"),
    }
    if ex.truncated && kind != FeedKind::Helm {
        return not_it(
            kind,
            ex,
            &format!("the body is larger than {} MiB", super::BODY_CAP >> 20),
        );
    }
    match kind {
        FeedKind::NugetV3 => nuget_v3(ex),
        FeedKind::NugetV2 => nuget_v2(ex),
        FeedKind::Helm => helm(ex),
        FeedKind::Maven => maven(ex),
        FeedKind::Docker | FeedKind::Http => unreachable!("handled above"),
    }
}

fn nuget_v3(ex: &Exchange) -> Judgment {
    let kind = FeedKind::NugetV3;
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&ex.body) else {
        return not_it(kind, ex, "the body is not JSON");
    };
    let version = doc.get("version").and_then(|v| v.as_str()).unwrap_or("");
    if !version.starts_with("3.") {
        return not_it(kind, ex, "no `version` 3.x in the JSON");
    }
    let Some(resources) = doc.get("resources").and_then(|r| r.as_array()) else {
        return not_it(kind, ex, "no `resources` array in the JSON");
    };
    let types: Vec<&str> = resources
        .iter()
        .flat_map(|r| match r.get("@type") {
            Some(serde_json::Value::String(s)) => vec![s.as_str()],
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect(),
            _ => vec![],
        })
        .collect();
    let wanted: Vec<&str> = types
        .iter()
        .copied()
        .filter(|t| t.starts_with("PackageBaseAddress") || t.starts_with("SearchQueryService"))
        .collect();
    if wanted.is_empty() {
        return not_it(
            kind,
            ex,
            "the resources include neither PackageBaseAddress nor SearchQueryService",
        );
    }
    Judgment::ok(format!(
        "NuGet v3 service index, version {version}, {} ({})",
        plural(resources.len(), "resource"),
        first_few(&wanted)
    ))
}

fn nuget_v2(ex: &Exchange) -> Judgment {
    let kind = FeedKind::NugetV2;
    let Some(root) = xml_root(&ex.body) else {
        return not_it(kind, ex, "the body is not XML");
    };
    match root.name.as_str() {
        "service" if root.attr_values("collection", "href").is_empty() => {
            not_it(kind, ex, "an OData service document without collections")
        }
        "service" => Judgment::ok(format!(
            "OData service document, collections: {}",
            first_few(&root.attr_values("collection", "href"))
        )),
        "Edmx" => {
            let sets = root.attr_values("EntitySet", "Name");
            if sets.iter().any(|s| s == "Packages") {
                Judgment::ok("OData $metadata with the Packages entity set")
            } else {
                not_it(kind, ex, "OData $metadata without a Packages entity set")
            }
        }
        "feed" => Judgment::ok("an Atom feed of packages"),
        other => not_it(kind, ex, &format!("XML with root element <{other}>")),
    }
}

fn helm(ex: &Exchange) -> Judgment {
    let kind = FeedKind::Helm;
    let text = String::from_utf8_lossy(&ex.body);
    // A line-level reading of the top-level keys: `helm repo index` writes
    // them unindented and sorted, so they sit at the start of even a huge index.
    let top = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).map(str::trim))
    };
    let api = top("apiVersion:").map(|v| v.trim_matches(|c| c == '"' || c == '\''));
    if api != Some("v1") {
        return not_it(kind, ex, "no top-level `apiVersion: v1`");
    }
    if top("entries:").is_none() {
        return not_it(kind, ex, "no top-level `entries:`");
    }
    let charts = text
        .lines()
        .skip_while(|l| !l.starts_with("entries:"))
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' ') || l.starts_with('-'))
        .filter(|l| l.len() > 2 && l.starts_with("  ") && !l[2..].starts_with([' ', '-']))
        .count();
    let partial = if ex.truncated {
        format!(" in its first {} MiB", super::BODY_CAP >> 20)
    } else {
        String::new()
    };
    Judgment::ok(format!(
        "Helm repository index, {}{partial}",
        plural(charts, "chart")
    ))
}

fn maven(ex: &Exchange) -> Judgment {
    let kind = FeedKind::Maven;
    if let Some(root) = xml_root(&ex.body) {
        return match root.name.as_str() {
            "metadata" => {
                let versions = root.text_count("version");
                Judgment::ok(format!(
                    "maven-metadata.xml with {}",
                    plural(versions, "version")
                ))
            }
            "project" => Judgment::ok("a Maven POM"),
            "html" => maven_listing(ex),
            other => not_it(kind, ex, &format!("XML with root element <{other}>")),
        };
    }
    maven_listing(ex)
}

/// A repository root answers with a directory listing: weak, but a login page
/// or a block page is not one.
fn maven_listing(ex: &Exchange) -> Judgment {
    let text = String::from_utf8_lossy(&ex.body).to_ascii_lowercase();
    let html = content_type(ex).contains("html") || text.contains("<html");
    if html && text.contains("<a href") && !text.contains("type=\"password\"") {
        Judgment::ok(
            "a repository listing (weak evidence: point url at a maven-metadata.xml to prove the protocol)",
        )
    } else {
        not_it(
            FeedKind::Maven,
            ex,
            "neither maven-metadata.xml nor a repository listing",
        )
    }
}

/// The standard failure: what was expected, what came back, and its first bytes.
fn not_it(kind: FeedKind, ex: &Exchange, why: &str) -> Judgment {
    let ct = content_type(ex);
    let ct = if ct.is_empty() {
        String::new()
    } else {
        format!(" {ct}")
    };
    Judgment::no(format!(
        "not {}: {why}; got HTTP {}{ct}: \"{}\"",
        kind.expected(),
        ex.status,
        first_bytes(&ex.body, 120)
    ))
}

fn content_type(ex: &Exchange) -> String {
    ex.header("content-type")
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// Judges a registry's answer to `/v2/` (and the login round-trip, when one ran).
fn docker(ex: &Exchange, token: Option<&LoginRoundTrip>) -> Judgment {
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

/// The start of a body as one printable line (whitespace collapsed, control bytes dropped).
pub fn first_bytes(body: &[u8], max_chars: usize) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(max_chars * 4)]);
    let mut out = String::new();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|c| !c.is_control()));
    }
    if out.chars().count() > max_chars {
        out = out.chars().take(max_chars).collect::<String>() + "…";
    }
    out.replace('"', "'")
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn first_few(items: &[impl AsRef<str>]) -> String {
    let mut shown: Vec<&str> = items.iter().map(AsRef::as_ref).take(3).collect();
    shown.dedup();
    let more = items.len().saturating_sub(3);
    if more > 0 {
        format!("{}, +{more}", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

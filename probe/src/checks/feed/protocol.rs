//! The protocol rules: is this HTTP answer really the feed it claims to be?
//! Pure functions from status, headers and a bounded body; anything else (a
//! block page, a login page, a wrong content type) fails with the first bytes
//! of what came back.

use quick_xml::events::Event;

use super::FeedKind;
use super::fetch::{Exchange, LoginRoundTrip};

/// Whether an answer speaks the feed's protocol, and what it showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgment {
    pub ok: bool,
    pub detail: String,
}

impl Judgment {
    fn ok(detail: impl Into<String>) -> Self {
        Judgment {
            ok: true,
            detail: detail.into(),
        }
    }

    fn no(detail: impl Into<String>) -> Self {
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

/// A `WWW-Authenticate` challenge: its scheme (lower-cased) and parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
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

/// An XML document read once: the root's local name, and every element's
/// local name with its attributes and whether it had text.
struct XmlDoc {
    name: String,
    elements: Vec<XmlElement>,
}

/// An element's local name, its attributes (local names), and whether it had text.
type XmlElement = (String, Vec<(String, String)>, bool);

impl XmlDoc {
    fn attr_values(&self, element: &str, attr: &str) -> Vec<String> {
        self.elements
            .iter()
            .filter(|(n, ..)| n == element)
            .filter_map(|(_, attrs, _)| attrs.iter().find(|(k, _)| k == attr))
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn text_count(&self, element: &str) -> usize {
        self.elements
            .iter()
            .filter(|(n, _, text)| n == element && *text)
            .count()
    }
}

/// Parses a whole (bounded) XML body; `None` when it is not well-formed XML.
fn xml_root(body: &[u8]) -> Option<XmlDoc> {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    let mut doc: Option<XmlDoc> = None;
    let mut depth = 0usize;
    loop {
        let event = reader.read_event_into(&mut buf).ok()?;
        let opens = matches!(event, Event::Start(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let name = {
                    let n = e.local_name();
                    let n: &str = n.as_ref();
                    n.to_string()
                };
                let attrs = e
                    .attributes()
                    .filter_map(Result::ok)
                    .map(|a| {
                        let key = a.key.local_name();
                        let key: &str = key.as_ref();
                        (key.to_string(), a.value.to_string())
                    })
                    .collect();
                let doc = doc.get_or_insert_with(|| XmlDoc {
                    name: name.clone(),
                    elements: Vec::new(),
                });
                doc.elements.push((name, attrs, false));
                if opens {
                    depth += 1;
                }
            }
            Event::Text(t) if !t.as_ref().trim_ascii().is_empty() => {
                if let Some(last) = doc.as_mut().and_then(|d| d.elements.last_mut()) {
                    last.2 = true;
                }
            }
            Event::End(_) => depth = depth.checked_sub(1)?,
            Event::Eof => return if depth == 0 { doc } else { None },
            _ => {}
        }
        buf.clear();
    }
}

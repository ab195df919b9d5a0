//! Docker / OCI registry details, pure: the `WWW-Authenticate` challenge a
//! registry answers `/v2/` with, and the token in a token endpoint's JSON.
//! The login round-trip that uses them is I/O (gather.rs); judging the
//! answers is protocol.rs.

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

/// Whether a registry's credentials may go to `target`: only to the origin
/// the feed was configured for (`configured`), and only over https.
pub fn same_origin_https(configured: &url::Url, target: &url::Url) -> bool {
    target.scheme() == "https" && target.origin() == configured.origin()
}

/// Whether the registry's basic credentials may be sent to a Bearer
/// challenge's token `realm`. The realm is named by the registry itself
/// (the challenge came from the configured origin over https), and Docker
/// Hub keeps its token service on a sibling host (`registry-1.docker.io` →
/// `auth.docker.io`), so the rule is: https only, and the registry's own
/// host (any port: the classic token server beside a registry) or a host in
/// the registry's parent domain (`docker.io`: the registry host without its
/// first label, itself at least two labels). Another IP address, a
/// plain-http realm or any other site gets nothing; the error says why.
pub fn realm_allowed(registry: &url::Url, realm: &url::Url) -> Result<(), String> {
    if realm.scheme() != "https" {
        return Err(format!(
            "the token realm `{}` is not https: credentials are never sent over plain http",
            crate::net::proxy::redact_url(realm.as_str())
        ));
    }
    // The same host on another port: the classic token server beside a registry.
    if realm.host() == registry.host() {
        return Ok(());
    }
    let (Some(url::Host::Domain(host)), Some(url::Host::Domain(realm_host))) =
        (registry.host(), realm.host())
    else {
        return Err(other_site(registry, realm));
    };
    let (host, realm_host) = (host.to_ascii_lowercase(), realm_host.to_ascii_lowercase());
    let host = host.trim_end_matches('.');
    let realm_host = realm_host.trim_end_matches('.');
    let parent = host.split_once('.').map(|(_, p)| p).unwrap_or("");
    let in_parent = parent.contains('.')
        && (realm_host == parent || realm_host.ends_with(&format!(".{parent}")));
    if in_parent {
        Ok(())
    } else {
        Err(other_site(registry, realm))
    }
}

fn other_site(registry: &url::Url, realm: &url::Url) -> String {
    format!(
        "the token realm is on {}, not the registry's site ({}): credentials go only to the registry's host or its parent domain",
        realm.origin().ascii_serialization(),
        registry.host_str().unwrap_or("?")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn a_realm_gets_credentials_only_over_https_on_the_registrys_site() {
        let hub = u("https://registry-1.docker.io/v2/");
        assert!(realm_allowed(&hub, &u("https://auth.docker.io/token")).is_ok());
        assert!(realm_allowed(&hub, &u("https://registry-1.docker.io/token")).is_ok());
        let gitlab = u("https://registry.gitlab.com/v2/");
        assert!(realm_allowed(&gitlab, &u("https://gitlab.com/jwt/auth")).is_ok());
        for (realm, why) in [
            ("http://auth.docker.io/token", "not https"),
            (
                "https://auth.docker.io.evil.example/token",
                "not the registry's site",
            ),
            (
                "https://docker.io.example.net/token",
                "not the registry's site",
            ),
            ("https://io/token", "not the registry's site"),
            ("https://192.0.2.7/token", "not the registry's site"),
        ] {
            let e = realm_allowed(&hub, &u(realm)).unwrap_err();
            assert!(e.contains(why), "{realm}: {e}");
        }
        // A two-label registry host has no parent domain to share: its own origin only.
        let short = u("https://docker.io/v2/");
        assert!(realm_allowed(&short, &u("https://auth.docker.io/token")).is_err());
        assert!(realm_allowed(&short, &u("https://docker.io:8443/token")).is_ok());
        // IP registries: the same host only.
        let ip = u("https://127.0.0.1:5000/v2/");
        assert!(realm_allowed(&ip, &u("https://127.0.0.1:5001/token")).is_ok());
        assert!(realm_allowed(&ip, &u("https://127.0.0.2:5000/token")).is_err());
    }

    #[test]
    fn credentials_go_to_the_configured_origin_over_https_only() {
        let feed = u("https://feeds.example.com/v2/");
        assert!(same_origin_https(
            &feed,
            &u("https://feeds.example.com/other")
        ));
        assert!(!same_origin_https(
            &feed,
            &u("http://feeds.example.com/v2/")
        ));
        assert!(!same_origin_https(
            &feed,
            &u("https://feeds.example.com:8443/v2/")
        ));
        assert!(!same_origin_https(
            &feed,
            &u("https://elsewhere.example.com/v2/")
        ));
        let plain = u("http://feeds.example.com/v2/");
        assert!(!same_origin_https(&plain, &plain));
    }
}

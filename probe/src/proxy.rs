//! Which HTTP proxy a request goes through: the plan's `[proxy]` or the
//! standard `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` variables, decided by a
//! pure function so every rule is tested without a network. Proxy URLs are
//! shown redacted (`http://***@proxy.example.com:3128`).

use std::net::IpAddr;

use crate::http::ProxyAuth;

/// The plan's `[proxy]`, with credentials still named by environment variable.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProxyConfig {
    pub url: String,
    pub username_env: Option<String>,
    pub password_env: Option<String>,
    /// Hosts reached without the proxy (`example.com` also covers its subdomains).
    pub no_proxy: Vec<String>,
}

/// Where the proxy setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxySource {
    /// The plan's `[proxy]` section.
    Plan,
    /// `--proxy` on the command line.
    CommandLine,
    /// An environment variable of this process (its name).
    Environment(String),
}

/// A proxy chosen for a request: how to reach it, and how to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRoute {
    pub auth: ProxyAuth,
    /// The URL with any credentials replaced by `***`.
    pub display: String,
    pub source: ProxySource,
}

/// What the proxy path does for one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyDecision {
    /// Through this proxy.
    Proxy(ProxyRoute),
    /// Direct, because a no-proxy rule matches the host (`rule` says which, e.g. `NO_PROXY=.example.com`).
    Bypassed { rule: String },
    /// No proxy is configured for this scheme.
    Unconfigured,
}

/// Decides the proxy for `url`: `explicit` (the command line or the plan)
/// wins; otherwise the environment variables for the URL's scheme.
/// `env` reads a variable (the real environment, or a test's map).
pub fn decide(
    url: &url::Url,
    explicit: Option<(&ProxyConfig, ProxySource)>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ProxyDecision, String> {
    let host = url.host_str().unwrap_or_default();
    if let Some((config, source)) = explicit {
        if let Some(rule) = config.no_proxy.iter().find(|r| no_proxy_matches(host, r)) {
            return Ok(ProxyDecision::Bypassed {
                rule: format!("no_proxy \"{rule}\""),
            });
        }
        let basic = match (&config.username_env, &config.password_env) {
            (None, None) => None,
            (user, password) => Some((
                read_var(user.as_deref(), env, "proxy username")?,
                read_var(password.as_deref(), env, "proxy password")?,
            )),
        };
        return route(&config.url, basic, source).map(ProxyDecision::Proxy);
    }
    let names: &[&str] = if url.scheme() == "https" {
        &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
    };
    let Some((name, value)) = names
        .iter()
        .find_map(|n| env(n).filter(|v| !v.trim().is_empty()).map(|v| (*n, v)))
    else {
        return Ok(ProxyDecision::Unconfigured);
    };
    for no_name in ["no_proxy", "NO_PROXY"] {
        if let Some(list) = env(no_name)
            && let Some(rule) = list.split(',').find(|r| no_proxy_matches(host, r))
        {
            return Ok(ProxyDecision::Bypassed {
                rule: format!("{no_name}={}", rule.trim()),
            });
        }
    }
    route(&value, None, ProxySource::Environment(name.to_string())).map(ProxyDecision::Proxy)
}

/// The first of `names` that is set in the environment, for a note like
/// "HTTPS_PROXY is set but this path goes direct".
pub fn env_proxy_var(scheme: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let names: &[&str] = if scheme == "https" {
        &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
    };
    names
        .iter()
        .find(|n| env(n).is_some_and(|v| !v.trim().is_empty()))
        .map(|n| n.to_string())
}

fn read_var(
    name: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    what: &str,
) -> Result<String, String> {
    let name = name.ok_or_else(|| {
        format!("the {what} is missing: give both username_env and password_env, or neither")
    })?;
    env(name).ok_or_else(|| {
        format!("the environment variable {name} (the {what}) is not set in this shell")
    })
}

fn route(
    raw: &str,
    basic: Option<(String, String)>,
    source: ProxySource,
) -> Result<ProxyRoute, String> {
    let raw = raw.trim();
    // Like curl, a proxy without a scheme is an HTTP proxy.
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("http://{raw}")
    };
    let where_ = match &source {
        ProxySource::Plan => "the plan's [proxy] url".to_string(),
        ProxySource::CommandLine => "--proxy".to_string(),
        ProxySource::Environment(name) => format!("the environment variable {name}"),
    };
    let parsed = url::Url::parse(&with_scheme).map_err(|e| {
        format!(
            "{where_}: expected a proxy URL like http://proxy.example.com:3128, found `{}` ({e})",
            redact_url(raw)
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(format!(
            "{where_}: expected an http:// proxy (Tentacle proxies HTTP, not SOCKS), found `{}`",
            redact_url(raw)
        ));
    }
    Ok(ProxyRoute {
        display: redact_url(&with_scheme),
        auth: ProxyAuth {
            url: with_scheme,
            basic,
        },
        source,
    })
}

/// The URL with any `user:password@` replaced by `***@` (and a lone
/// trailing `/` dropped). Works on text that is not a valid URL too.
pub fn redact_url(raw: &str) -> String {
    let raw = raw.trim();
    let (scheme, rest) = match raw.find("://") {
        Some(i) => raw.split_at(i + 3),
        None => ("", raw),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rfind('@') {
        Some(i) => format!("***@{}", &authority[i + 1..]),
        None => authority.to_string(),
    };
    let tail = if tail == "/" { "" } else { tail };
    format!("{scheme}{authority}{tail}")
}

/// Whether a no-proxy rule covers `host`: `*` covers everything; a domain
/// covers itself and its subdomains (a leading `.` or `*.` is allowed); an IP
/// address or CIDR block covers addresses. Ports in rules are ignored.
pub fn no_proxy_matches(host: &str, rule: &str) -> bool {
    let rule = rule.trim();
    if rule.is_empty() {
        return false;
    }
    if rule == "*" {
        return true;
    }
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if let Ok(ip) = host.parse::<IpAddr>() {
        return ip_rule_matches(ip, rule);
    }
    let rule = strip_port(rule)
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .to_ascii_lowercase();
    !rule.is_empty() && (host == rule || host.ends_with(&format!(".{rule}")))
}

fn strip_port(rule: &str) -> &str {
    match rule.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.parse::<u16>().is_ok() => host,
        _ => rule,
    }
}

fn ip_rule_matches(ip: IpAddr, rule: &str) -> bool {
    let rule = rule.trim_start_matches('[');
    let (addr, len) = match rule.split_once('/') {
        Some((a, l)) => match l.parse::<u8>() {
            Ok(l) => (a, Some(l)),
            Err(_) => return false,
        },
        None => (rule.split(']').next().unwrap_or(rule), None),
    };
    let addr = if addr.parse::<IpAddr>().is_ok() {
        addr
    } else {
        strip_port(addr)
    };
    let Ok(net) = addr.parse::<IpAddr>() else {
        return false;
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => prefix_eq(&a.octets(), &n.octets(), len.unwrap_or(32)),
        (IpAddr::V6(a), IpAddr::V6(n)) => prefix_eq(&a.octets(), &n.octets(), len.unwrap_or(128)),
        _ => false,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let bits = usize::from(bits).min(a.len() * 8);
    let (whole, rest) = (bits / 8, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn environment_proxy_follows_the_scheme_and_is_named() {
        let env = env_of(&[
            ("HTTPS_PROXY", "http://user:pw@proxy.example.com:3128"),
            ("HTTP_PROXY", "plain.example.com:8080"),
        ]);
        let d = decide(&url("https://nuget.example.com/v3/index.json"), None, &env).unwrap();
        let ProxyDecision::Proxy(route) = d else {
            panic!("{d:?}")
        };
        assert_eq!(route.display, "http://***@proxy.example.com:3128");
        assert_eq!(route.source, ProxySource::Environment("HTTPS_PROXY".into()));
        let d = decide(&url("http://charts.example.com/index.yaml"), None, &env).unwrap();
        let ProxyDecision::Proxy(route) = d else {
            panic!("{d:?}")
        };
        assert_eq!(route.display, "http://plain.example.com:8080");
        assert_eq!(route.auth.url, "http://plain.example.com:8080");
    }

    #[test]
    fn no_proxy_rules_bypass_the_proxy_and_say_which_rule() {
        let env = env_of(&[
            ("HTTPS_PROXY", "http://proxy.example.com:3128"),
            ("NO_PROXY", "localhost, .corp.example.com,10.0.0.0/8"),
        ]);
        let d = decide(&url("https://feeds.corp.example.com/"), None, &env).unwrap();
        assert_eq!(
            d,
            ProxyDecision::Bypassed {
                rule: "NO_PROXY=.corp.example.com".into()
            }
        );
        let d = decide(&url("https://10.1.2.3/"), None, &env).unwrap();
        assert!(matches!(d, ProxyDecision::Bypassed { .. }), "{d:?}");
        let d = decide(&url("https://nuget.example.com/"), None, &env).unwrap();
        assert!(matches!(d, ProxyDecision::Proxy(_)), "{d:?}");
    }

    #[test]
    fn the_plan_wins_over_the_environment_and_reads_credentials_from_it() {
        let env = env_of(&[
            ("HTTPS_PROXY", "http://other.example.com:1"),
            ("PROXY_USER", "svc"),
            ("PROXY_PASSWORD", "pw"),
        ]);
        let config = ProxyConfig {
            url: "http://proxy.example.com:3128".into(),
            username_env: Some("PROXY_USER".into()),
            password_env: Some("PROXY_PASSWORD".into()),
            no_proxy: vec!["internal.example.com".into()],
        };
        let d = decide(
            &url("https://nuget.example.com/"),
            Some((&config, ProxySource::Plan)),
            &env,
        )
        .unwrap();
        let ProxyDecision::Proxy(route) = d else {
            panic!("{d:?}")
        };
        assert_eq!(route.auth.basic, Some(("svc".into(), "pw".into())));
        assert_eq!(route.display, "http://proxy.example.com:3128");
        let d = decide(
            &url("https://a.internal.example.com/"),
            Some((&config, ProxySource::Plan)),
            &env,
        )
        .unwrap();
        assert!(matches!(d, ProxyDecision::Bypassed { .. }));

        let missing = env_of(&[("PROXY_USER", "svc")]);
        let e = decide(
            &url("https://nuget.example.com/"),
            Some((&config, ProxySource::Plan)),
            &missing,
        )
        .unwrap_err();
        assert!(e.contains("PROXY_PASSWORD") && e.contains("not set"), "{e}");
    }

    #[test]
    fn socks_and_garbage_proxies_are_errors_without_credentials() {
        let env = env_of(&[("HTTPS_PROXY", "socks5://u:topsecret@proxy.example.com:1080")]);
        let e = decide(&url("https://nuget.example.com/"), None, &env).unwrap_err();
        assert!(e.contains("not SOCKS") && e.contains("HTTPS_PROXY"), "{e}");
        assert!(!e.contains("topsecret"), "{e}");
        assert_eq!(
            decide(&url("https://x.example.com/"), None, &env_of(&[])).unwrap(),
            ProxyDecision::Unconfigured
        );
    }

    #[test]
    fn no_proxy_matching() {
        assert!(no_proxy_matches("a.example.com", "example.com"));
        assert!(no_proxy_matches("example.com", ".example.com"));
        assert!(no_proxy_matches("a.example.com", "*.example.com"));
        assert!(no_proxy_matches("a.example.com", "example.com:443"));
        assert!(!no_proxy_matches("badexample.com", "example.com"));
        assert!(no_proxy_matches("anything", "*"));
        assert!(no_proxy_matches("127.0.0.2", "127.0.0.0/8"));
        assert!(!no_proxy_matches("128.0.0.2", "127.0.0.0/8"));
        assert!(no_proxy_matches("[::1]", "::1"));
        assert!(no_proxy_matches("2001:db8::5", "2001:db8::/32"));
        assert!(!no_proxy_matches("192.0.2.1", "192.0.2.10"));
        assert!(!no_proxy_matches("example.com", ""));
    }

    #[test]
    fn redaction_hides_user_and_password() {
        assert_eq!(
            redact_url("http://u:p@proxy.example.com:3128"),
            "http://***@proxy.example.com:3128"
        );
        assert_eq!(
            redact_url("http://proxy.example.com:3128/"),
            "http://proxy.example.com:3128"
        );
        assert_eq!(redact_url("u:p@proxy:3128 junk"), "***@proxy:3128 junk");
    }
}

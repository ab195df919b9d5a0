//! HTTP proxies, one model for every path: `ProxyRoute` (where the proxy
//! is, how it authenticates, where the setting came from), parsed by one
//! function with one rule (http:// with a port: Tentacle and Octopus reach
//! their proxy over plain HTTP), and `decide`, a pure function over the
//! plan's `[proxy]`, `--proxy` and the standard `HTTPS_PROXY` / `HTTP_PROXY`
//! / `NO_PROXY` variables, so every rule is tested without a network.
//! Proxy URLs are only ever shown redacted (`http://***@proxy.example.com:3128`).

use std::fmt;
use std::net::IpAddr;

use crate::endpoint::Endpoint;

/// Where the proxy setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxySource {
    /// The plan's `[proxy]` section.
    Plan,
    /// `--proxy` on the command line.
    CommandLine,
    /// An environment variable of this process (its name).
    Environment(String),
    /// A Tentacle's own polling proxy setting (its `Tentacle.config`).
    Tentacle,
}

impl ProxySource {
    /// Where the setting came from, as an error message names it.
    fn describe(&self) -> String {
        match self {
            ProxySource::Plan => "the plan's [proxy] url".into(),
            ProxySource::CommandLine => "--proxy".into(),
            ProxySource::Environment(name) => format!("the environment variable {name}"),
            ProxySource::Tentacle => "the Tentacle's polling proxy".into(),
        }
    }
}

/// Where a proxy's credentials come from. Never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum ProxyAuth {
    /// No credentials: the proxy may answer 407.
    #[default]
    None,
    /// User and password in the proxy URL itself (`http://user:pass@proxy:3128`).
    Inline { username: String, password: String },
    /// User and password to read from these environment variables when needed.
    Env {
        username_env: String,
        password_env: String,
    },
    /// User and password read from the `Env` variables.
    Read { username: String, password: String },
}

impl fmt::Debug for ProxyAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyAuth::None => f.write_str("None"),
            ProxyAuth::Inline { .. } => f.write_str("Inline(<redacted>)"),
            ProxyAuth::Read { .. } => f.write_str("Read(<redacted>)"),
            ProxyAuth::Env {
                username_env,
                password_env,
            } => write!(f, "Env({username_env}, {password_env})"),
        }
    }
}

impl ProxyAuth {
    /// The user and password, reading `Env` variables through `env` now.
    pub fn credentials(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<(String, String)>, String> {
        match self {
            ProxyAuth::None => Ok(None),
            ProxyAuth::Inline { username, password } | ProxyAuth::Read { username, password } => {
                Ok(Some((username.clone(), password.clone())))
            }
            ProxyAuth::Env {
                username_env,
                password_env,
            } => {
                let get = |name: &str, what: &str| {
                    env(name).ok_or_else(|| {
                        format!(
                            "the environment variable {name} (the {what}) is not set in this shell"
                        )
                    })
                };
                Ok(Some((
                    get(username_env, "proxy username")?,
                    get(password_env, "proxy password")?,
                )))
            }
        }
    }
}

/// An HTTP proxy: where it is, how it authenticates, where the setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyRoute {
    pub endpoint: Endpoint,
    pub auth: ProxyAuth,
    pub source: ProxySource,
}

impl ProxyRoute {
    /// A proxy without credentials.
    pub fn new(endpoint: Endpoint, source: ProxySource) -> Self {
        ProxyRoute {
            endpoint,
            auth: ProxyAuth::None,
            source,
        }
    }

    /// Parses `[http://][user:pass@]host:port`. The one rule for every
    /// source: plain `http://` (like curl, no scheme means http) and an
    /// explicit port; `https://`, `socks5://` and a missing port are refused
    /// with a message that names `source` and never the password.
    pub fn parse(raw: &str, source: ProxySource) -> Result<ProxyRoute, String> {
        let raw = raw.trim();
        let with_scheme = if raw.contains("://") {
            raw.to_string()
        } else {
            format!("http://{raw}")
        };
        let where_ = source.describe();
        let found = redact_url(raw);
        let parsed = url::Url::parse(&with_scheme).map_err(|e| {
            format!(
                "{where_}: expected a proxy URL like http://proxy.example.com:3128, found `{found}` ({e})"
            )
        })?;
        if parsed.scheme() != "http" {
            return Err(format!(
                "{where_}: expected an http:// proxy (Tentacle and Octopus reach their proxy over plain HTTP, not TLS or SOCKS), found `{found}`"
            ));
        }
        let Some(host) = parsed.host_str() else {
            return Err(format!(
                "{where_}: expected a host in the proxy URL, found `{found}`"
            ));
        };
        let Some(port) = parsed
            .port()
            .or_else(|| explicit_default_port(&with_scheme))
        else {
            return Err(format!(
                "{where_}: expected a port in the proxy URL (a proxy has no standard port), like http://proxy.example.com:3128, found `{found}`"
            ));
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let auth = if parsed.username().is_empty() && parsed.password().is_none() {
            ProxyAuth::None
        } else {
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            ProxyAuth::Inline {
                username: decode(parsed.username()),
                password: decode(parsed.password().unwrap_or_default()),
            }
        };
        Ok(ProxyRoute {
            endpoint: Endpoint::new(host, port),
            auth,
            source,
        })
    }

    /// Reads credentials from these environment variables when connecting.
    pub fn with_env_credentials(mut self, username_env: &str, password_env: &str) -> Self {
        self.auth = ProxyAuth::Env {
            username_env: username_env.to_string(),
            password_env: password_env.to_string(),
        };
        self
    }

    /// The same route with `Env` credentials read through `env` (an error names the variable).
    pub fn with_credentials_read(
        mut self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        if let ProxyAuth::Env { .. } = self.auth
            && let Some((username, password)) = self.auth.credentials(env)?
        {
            self.auth = ProxyAuth::Read { username, password };
        }
        Ok(self)
    }

    /// `http://host:port`: what an HTTP client is pointed at (never with credentials).
    pub fn url(&self) -> String {
        format!("http://{}", self.endpoint)
    }

    /// The proxy as documents show it: `http://***@host:port` when the URL
    /// carried credentials, else `http://host:port`.
    pub fn display(&self) -> String {
        match self.auth {
            ProxyAuth::Inline { .. } => format!("http://***@{}", self.endpoint),
            _ => self.url(),
        }
    }
}

/// `:80` written out in `url` (the URL parser forgets a port equal to the scheme's default).
fn explicit_default_port(url: &str) -> Option<u16> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host_port
        .rsplit_once(':')
        .filter(|(host, _)| !host.ends_with(':'))
        .and_then(|(_, port)| port.parse::<u16>().ok())
}

/// The plan's `[proxy]` (or `--proxy` with its variables): the route, with
/// credentials still named by environment variable, and the hosts it skips.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyConfig {
    pub route: ProxyRoute,
    /// Hosts reached without the proxy (`example.com` also covers its subdomains).
    pub no_proxy: Vec<String>,
}

/// What the proxy path does for one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyDecision {
    /// Through this proxy, credentials read.
    Proxy(ProxyRoute),
    /// Direct, because a no-proxy rule matches the host (`rule` says which, e.g. `NO_PROXY=.example.com`).
    Bypassed { rule: String },
    /// No proxy is configured for this scheme.
    Unconfigured,
}

/// The proxy variables for a scheme, in the order they are honoured.
fn env_names(scheme: &str) -> &'static [&'static str] {
    if scheme == "https" {
        &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
    }
}

/// Decides the proxy for `url`: `explicit` (the command line or the plan)
/// wins; otherwise the environment variables for the URL's scheme.
/// `env` reads a variable (the real environment, or a test's map); the
/// route returned carries its credentials read.
pub fn decide(
    url: &url::Url,
    explicit: Option<&ProxyConfig>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ProxyDecision, String> {
    let host = url.host_str().unwrap_or_default();
    if let Some(config) = explicit {
        if let Some(rule) = config.no_proxy.iter().find(|r| no_proxy_matches(host, r)) {
            return Ok(ProxyDecision::Bypassed {
                rule: format!("no_proxy \"{rule}\""),
            });
        }
        return config
            .route
            .clone()
            .with_credentials_read(env)
            .map(ProxyDecision::Proxy);
    }
    let Some((name, value)) = env_proxy(url.scheme(), env) else {
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
    ProxyRoute::parse(&value, ProxySource::Environment(name)).map(ProxyDecision::Proxy)
}

/// The first proxy variable for `scheme` set in the environment, for a note
/// like "HTTPS_PROXY is set but this path goes direct".
pub fn env_proxy_var(scheme: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    env_proxy(scheme, env).map(|(name, _)| name)
}

/// The first proxy variable for `scheme` that is set, and its value.
fn env_proxy(scheme: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<(String, String)> {
    env_names(scheme).iter().find_map(|n| {
        env(n)
            .filter(|v| !v.trim().is_empty())
            .map(|v| (n.to_string(), v))
    })
}

/// The URL with any `user:password@` replaced by `***@` (and a lone
/// trailing `/` dropped). Works on text that is not a valid URL too, and on
/// passwords holding `/`, `?`, `#` or `@`: everything up to the last `@` of
/// the first word after the scheme is user info.
pub fn redact_url(raw: &str) -> String {
    let raw = raw.trim();
    let (scheme, rest) = match raw.find("://") {
        Some(i) => raw.split_at(i + 3),
        None => ("", raw),
    };
    let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let (word, after) = rest.split_at(word_end);
    let word = match word.rfind('@') {
        Some(i) => format!("***@{}", &word[i + 1..]),
        None => word.to_string(),
    };
    // A lone `/` path is dropped: `http://proxy:3128/` reads as `http://proxy:3128`.
    let word = match word.find('/') {
        Some(i) if i + 1 == word.len() => &word[..i],
        _ => &word,
    };
    format!("{scheme}{word}{after}")
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
        assert_eq!(route.display(), "http://***@proxy.example.com:3128");
        assert_eq!(route.source, ProxySource::Environment("HTTPS_PROXY".into()));
        let d = decide(&url("http://charts.example.com/index.yaml"), None, &env).unwrap();
        let ProxyDecision::Proxy(route) = d else {
            panic!("{d:?}")
        };
        assert_eq!(route.display(), "http://plain.example.com:8080");
        assert_eq!(route.url(), "http://plain.example.com:8080");
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
            route: ProxyRoute::parse("http://proxy.example.com:3128", ProxySource::Plan)
                .unwrap()
                .with_env_credentials("PROXY_USER", "PROXY_PASSWORD"),
            no_proxy: vec!["internal.example.com".into()],
        };
        let d = decide(&url("https://nuget.example.com/"), Some(&config), &env).unwrap();
        let ProxyDecision::Proxy(route) = d else {
            panic!("{d:?}")
        };
        assert_eq!(
            route.auth,
            ProxyAuth::Read {
                username: "svc".into(),
                password: "pw".into()
            }
        );
        assert_eq!(route.display(), "http://proxy.example.com:3128");
        let d = decide(&url("https://a.internal.example.com/"), Some(&config), &env).unwrap();
        assert!(matches!(d, ProxyDecision::Bypassed { .. }));

        let missing = env_of(&[("PROXY_USER", "svc")]);
        let e = decide(&url("https://nuget.example.com/"), Some(&config), &missing).unwrap_err();
        assert!(e.contains("PROXY_PASSWORD") && e.contains("not set"), "{e}");
    }

    #[test]
    fn socks_and_garbage_proxies_are_errors_without_credentials() {
        let env = env_of(&[("HTTPS_PROXY", "socks5://u:topsecret@proxy.example.com:1080")]);
        let e = decide(&url("https://nuget.example.com/"), None, &env).unwrap_err();
        assert!(e.contains("SOCKS") && e.contains("HTTPS_PROXY"), "{e}");
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
    fn proxy_urls_parse_with_credentials_kept_out_of_display_and_debug() {
        let r = ProxyRoute::parse(
            "http://svc%40corp:p%3Ass@proxy.example.com:8080",
            ProxySource::CommandLine,
        )
        .unwrap();
        assert_eq!(r.endpoint, Endpoint::new("proxy.example.com", 8080));
        assert_eq!(
            r.auth,
            ProxyAuth::Inline {
                username: "svc@corp".into(),
                password: "p:ss".into()
            }
        );
        assert_eq!(r.display(), "http://***@proxy.example.com:8080");
        assert_eq!(r.url(), "http://proxy.example.com:8080");
        assert!(!format!("{r:?}").contains("p:ss"));
        // Like curl, no scheme is http.
        let bare = ProxyRoute::parse("proxy.example.com:3128", ProxySource::Plan).unwrap();
        assert_eq!(bare.endpoint, Endpoint::new("proxy.example.com", 3128));
        // A port equal to http's default is still a port the user wrote.
        let eighty = ProxyRoute::parse("http://proxy.example.com:80", ProxySource::Plan).unwrap();
        assert_eq!(eighty.endpoint.port, 80);
        assert_eq!(
            ProxyRoute::parse("http://[2001:db8::1]:3128", ProxySource::Plan)
                .unwrap()
                .endpoint,
            Endpoint::new("2001:db8::1", 3128)
        );
    }

    #[test]
    fn one_rule_for_every_source_https_socks_and_no_port_are_refused() {
        for source in [
            ProxySource::Plan,
            ProxySource::CommandLine,
            ProxySource::Environment("HTTPS_PROXY".into()),
        ] {
            let e = ProxyRoute::parse("https://user:secret@proxy.example.com:3128", source.clone())
                .unwrap_err();
            assert!(
                e.contains("expected an http:// proxy") && e.contains("not TLS"),
                "{e}"
            );
            assert!(!e.contains("secret"), "{e}");
            let e =
                ProxyRoute::parse("socks5://proxy.example.com:1080", source.clone()).unwrap_err();
            assert!(e.contains("not TLS or SOCKS"), "{e}");
            let e =
                ProxyRoute::parse("http://u:secret@proxy.example.com", source.clone()).unwrap_err();
            assert!(e.contains("expected a port"), "{e}");
            assert!(!e.contains("secret"), "{e}");
        }
        let e = ProxyRoute::parse("http://proxy.example.com", ProxySource::Plan).unwrap_err();
        assert!(e.starts_with("the plan's [proxy] url: "), "{e}");
        let e = ProxyRoute::parse(
            "http://proxy.example.com",
            ProxySource::Environment("HTTP_PROXY".into()),
        )
        .unwrap_err();
        assert!(
            e.starts_with("the environment variable HTTP_PROXY: "),
            "{e}"
        );
    }

    #[test]
    fn credentials_are_read_from_the_named_variables_or_the_missing_one_is_named() {
        let route = ProxyRoute::parse("http://proxy.example.com:3128", ProxySource::Plan)
            .unwrap()
            .with_env_credentials("PROXY_USER", "PROXY_PASSWORD");
        let e = route
            .clone()
            .with_credentials_read(&env_of(&[("PROXY_USER", "svc")]))
            .unwrap_err();
        assert_eq!(
            e,
            "the environment variable PROXY_PASSWORD (the proxy password) is not set in this shell"
        );
        let read = route
            .with_credentials_read(&env_of(&[("PROXY_USER", "svc"), ("PROXY_PASSWORD", "pw")]))
            .unwrap();
        assert_eq!(read.display(), "http://proxy.example.com:3128");
        assert!(!format!("{read:?}").contains("pw\""), "{read:?}");
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
        // Passwords holding URL delimiters are still user info.
        for password in ["pa/ss", "pa?ss", "pa#ss", "p@ss"] {
            let redacted = redact_url(&format!("http://user:{password}@proxy.example.com:3128/"));
            assert_eq!(redacted, "http://***@proxy.example.com:3128", "{password}");
        }
    }
}

//! What a `Tentacle.config` says, interpreted: whether and where the Tentacle
//! listens, its own thumbprint, the Octopus Servers it trusts (and polls), and
//! its proxies. Values Tentacle stores encrypted are never kept.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use serde::Serialize;

use super::trusted::parse_trusted;
pub use super::trusted::{CommunicationStyle, PollingAddress, TrustedServer, UnreadTrust};
use super::xml::{Setting, read_settings};
use super::{ConfigError, MAX_CONFIG_BYTES, excerpt, read_text};
use crate::endpoint::Endpoint;
use crate::thumbprint::Thumbprint;

/// Tentacle's default listening port.
pub const DEFAULT_LISTEN_PORT: u16 = 10933;

const PORT: &str = "Tentacle.Services.PortNumber";
const NO_LISTEN: &str = "Tentacle.Services.NoListen";
const LISTEN_IP: &str = "Tentacle.Services.ListenIP";
const THUMBPRINT: &str = "Tentacle.CertificateThumbprint";
const CERTIFICATE: &str = "Tentacle.Certificate";
const TRUSTED: &str = "Tentacle.Communication.TrustedOctopusServers";
const HOME: &str = "Octopus.Home";
/// Prefix of the proxy Tentacle uses for web requests (registration, packages).
const WEB_PROXY: &str = "Octopus.Proxy.";
/// Prefix of the proxy a polling Tentacle uses to reach the server.
const POLLING_PROXY: &str = "Octopus.Server.Proxy.";

/// Settings Tentacle writes that preflight has no use for (not reported as unknown).
const OTHER_KNOWN: &[&str] = &[
    "Octopus.Communications.Squid",
    "Octopus.Storage.MasterKey",
    "Tentacle.Deployment.ApplicationDirectory",
    "Tentacle.Services.IsRegistered",
    "Tentacle.Communication.LastReceivedHandshake",
];

/// One Tentacle's configuration, as far as connectivity goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TentacleConfig {
    /// Whether it listens for the server (`Tentacle.Services.NoListen` is not true).
    pub listening: bool,
    /// The port it listens on (or would: `Tentacle.Services.PortNumber`, default 10933).
    pub port: u16,
    /// The address it listens on; none means every interface.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen_ip: Option<IpAddr>,
    /// Its own certificate's thumbprint (`Tentacle.CertificateThumbprint`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbprint: Option<Thumbprint>,
    /// Whether the (encrypted) certificate itself is present; it is never decoded.
    pub certificate_present: bool,
    /// Its home directory as written (`Octopus.Home`: `C:\Octopus` on Windows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home: Option<String>,
    /// The Octopus Servers it trusts, in file order.
    pub trusted: Vec<TrustedServer>,
    /// Trusted-server entries that could not be read whole (each also in `problems`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread_trust: Vec<UnreadTrust>,
    /// The proxy for web requests (`Octopus.Proxy.*`).
    pub web_proxy: ProxySetting,
    /// The proxy a polling Tentacle reaches the server through (`Octopus.Server.Proxy.*`).
    pub polling_proxy: ProxySetting,
    /// Things worth knowing that are not errors (settings preflight does not read).
    pub notes: Vec<String>,
    /// Values that could not be read (a placeholder thumbprint, a port of
    /// `ten`), each with its place: the setting is taken as absent and the
    /// rest of the file is still read.
    #[serde(skip)]
    pub problems: Vec<ConfigError>,
}

/// A proxy setting: none, the system's, or a named host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "kebab-case")]
pub enum ProxySetting {
    /// Proxy disabled.
    None,
    /// The system's default proxy (Tentacle's default).
    System,
    /// A proxy host; whether a user name/password is set (never the password).
    Custom {
        endpoint: Endpoint,
        credentials: bool,
    },
}

impl TentacleConfig {
    /// Reads and interprets a `Tentacle.config` file.
    pub fn load(path: &Path) -> Result<TentacleConfig, ConfigError> {
        let text = read_text(path, MAX_CONFIG_BYTES)?;
        TentacleConfig::parse(&text, &path.display().to_string())
    }

    /// Interprets `Tentacle.config` text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<TentacleConfig, ConfigError> {
        let doc = read_settings(text, file)?;
        let err = |offset: usize, message: String| ConfigError::at(file, text, offset, message);
        let mut by_key: HashMap<&str, &Setting> = HashMap::new();
        for s in &doc.settings {
            if let Some(first) = by_key.insert(s.key.as_str(), s) {
                let (line, _) = super::line_col(text, first.offset);
                return Err(err(
                    s.offset,
                    format!(
                        "`{}` is set twice (first on line {line}): Tentacle reads only one; remove the other",
                        s.key
                    ),
                ));
            }
        }
        let get = |key: &str| by_key.get(key).copied();

        // A bad value is a problem, not the end of the file: the setting is
        // taken as absent (Tentacle's default) and everything else is read.
        let mut problems = Problems {
            file,
            text,
            list: Vec::new(),
        };
        let set = |key: &str| get(key).filter(|s| !s.value.trim().is_empty());

        let port = set(PORT)
            .and_then(|s| problems.keep(s, parse_port(s)))
            .unwrap_or(DEFAULT_LISTEN_PORT);
        let no_listen = get(NO_LISTEN)
            .and_then(|s| problems.keep(s, parse_bool(s)))
            .unwrap_or(false);
        let listen_ip = set(LISTEN_IP).and_then(|s| {
            let parsed = s.value.trim().parse::<IpAddr>().map_err(|_| {
                format!("{LISTEN_IP}: expected an IP address (or nothing, for every interface), found `{}`", excerpt(&s.value))
            });
            problems.keep(s, parsed)
        });
        let thumbprint = set(THUMBPRINT).and_then(|s| {
            let parsed = s
                .value
                .parse::<Thumbprint>()
                .map_err(|m| format!("{THUMBPRINT}: {m}"));
            problems.keep(s, parsed)
        });
        let certificate_present = get(CERTIFICATE).is_some_and(|s| !s.value.trim().is_empty());
        let home = set(HOME).map(|s| s.value.trim().to_string());
        let (trusted, unread_trust) = match set(TRUSTED) {
            Some(s) => match parse_trusted(&s.value) {
                Ok(trusts) => {
                    for u in &trusts.unread {
                        problems.keep::<()>(s, Err(format!("{TRUSTED}: {}", u.problem)));
                    }
                    (trusts.read, trusts.unread)
                }
                Err(m) => {
                    problems.keep::<()>(s, Err(format!("{TRUSTED}: {m}")));
                    (Vec::new(), Vec::new())
                }
            },
            None => (Vec::new(), Vec::new()),
        };
        let web_proxy = parse_proxy(&get, WEB_PROXY, &mut problems);
        let polling_proxy = parse_proxy(&get, POLLING_PROXY, &mut problems);
        let problems = problems.list;

        let mut notes = Vec::new();
        for s in &doc.settings {
            if !is_read(&s.key) {
                notes.push(format!(
                    "setting `{}` is not one preflight reads: ignored",
                    excerpt(&s.key)
                ));
            }
        }
        for name in &doc.skipped_elements {
            notes.push(format!(
                "element <{}> is not a <set>: ignored",
                excerpt(name)
            ));
        }
        if trusted.is_empty() && unread_trust.is_empty() {
            notes.push("trusts no Octopus Server yet".to_string());
        }
        for t in &trusted {
            if let CommunicationStyle::Other(style) = &t.style {
                notes.push(format!(
                    "trusted server {} has CommunicationStyle `{}`, neither listening nor polling",
                    t.thumbprint,
                    excerpt(style)
                ));
            }
        }
        Ok(TentacleConfig {
            listening: !no_listen,
            port,
            listen_ip,
            thumbprint,
            certificate_present,
            home,
            trusted,
            unread_trust,
            web_proxy,
            polling_proxy,
            notes,
            problems,
        })
    }

    /// The trusted servers this Tentacle polls, with their addresses.
    pub fn polling(&self) -> impl Iterator<Item = (&TrustedServer, &PollingAddress)> {
        self.trusted
            .iter()
            .filter_map(|t| match (&t.style, &t.address) {
                (CommunicationStyle::Polling, Some(a)) => Some((t, a)),
                _ => None,
            })
    }

    /// Whether any trusted server has this thumbprint.
    pub fn trusts(&self, thumbprint: &Thumbprint) -> bool {
        self.trusted.iter().any(|t| &t.thumbprint == thumbprint)
    }
}

fn is_read(key: &str) -> bool {
    [
        PORT,
        NO_LISTEN,
        LISTEN_IP,
        THUMBPRINT,
        CERTIFICATE,
        TRUSTED,
        HOME,
    ]
    .contains(&key)
        || OTHER_KNOWN.contains(&key)
        || [WEB_PROXY, POLLING_PROXY].iter().any(|prefix| {
            key.strip_prefix(prefix).is_some_and(|rest| {
                [
                    "UseDefaultProxy",
                    "ProxyHost",
                    "ProxyPort",
                    "ProxyUsername",
                    "ProxyPassword",
                ]
                .contains(&rest)
            })
        })
}

/// The values that could not be read, each placed in the file.
struct Problems<'a> {
    file: &'a str,
    text: &'a str,
    list: Vec<ConfigError>,
}

impl Problems<'_> {
    /// The value, or none with the problem recorded at the setting.
    fn keep<T>(&mut self, s: &Setting, parsed: Result<T, String>) -> Option<T> {
        parsed
            .map_err(|m| {
                self.list
                    .push(ConfigError::at(self.file, self.text, s.offset, m))
            })
            .ok()
    }
}

/// A port from 1 to 65535.
fn parse_port(s: &Setting) -> Result<u16, String> {
    s.value
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| {
            format!(
                "{}: expected a port from 1 to 65535, found `{}`",
                s.key,
                excerpt(&s.value)
            )
        })
}

/// .NET's `bool.Parse`: `true` or `false`, any case.
fn parse_bool(s: &Setting) -> Result<bool, String> {
    match s.value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!(
            "{}: expected `true` or `false`, found `{}`",
            s.key,
            excerpt(&s.value)
        )),
    }
}

/// A proxy setting; a bad value is a problem (through `value`) and the
/// proxy is then taken as the system's, Tentacle's default.
fn parse_proxy<'a>(
    get: &impl Fn(&str) -> Option<&'a Setting>,
    prefix: &str,
    problems: &mut Problems,
) -> ProxySetting {
    let key = |name: &str| format!("{prefix}{name}");
    let use_default = match get(&key("UseDefaultProxy")) {
        Some(s) => match parse_bool(s) {
            Ok(b) => b,
            Err(m) => {
                problems.keep::<()>(s, Err(m));
                true
            }
        },
        None => true,
    };
    let host_setting = get(&key("ProxyHost")).filter(|s| !s.value.trim().is_empty());
    let Some(host_setting) = host_setting else {
        return if use_default {
            ProxySetting::System
        } else {
            ProxySetting::None
        };
    };
    let host = host_setting.value.trim();
    let port = match get(&key("ProxyPort")).filter(|s| !s.value.trim().is_empty()) {
        Some(s) => match parse_port(s) {
            Ok(p) => p,
            Err(m) => {
                problems.keep::<()>(s, Err(m));
                return ProxySetting::System;
            }
        },
        None => 80,
    };
    // A host may be written as a URL (`http://proxy.example.com`); keep its host part.
    let bare = host
        .split_once("://")
        .map_or(host, |(_, rest)| rest)
        .trim_end_matches('/');
    // `host:port` as written, or the host alone with ProxyPort.
    let endpoint = bare.parse::<Endpoint>().or_else(|_| {
        let host = match bare.parse::<IpAddr>() {
            Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
            _ => bare.to_string(),
        };
        format!("{host}:{port}").parse::<Endpoint>()
    });
    let endpoint = match endpoint {
        Ok(e) => e,
        Err(e) => {
            problems.keep::<()>(host_setting, Err(format!("{}: {e}", host_setting.key)));
            return ProxySetting::System;
        }
    };
    let credentials = get(&key("ProxyUsername")).is_some_and(|s| !s.value.trim().is_empty());
    ProxySetting::Custom {
        endpoint,
        credentials,
    }
}

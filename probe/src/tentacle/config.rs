//! What a `Tentacle.config` says, interpreted: whether and where the Tentacle
//! listens, its own thumbprint, the Octopus Servers it trusts (and polls), and
//! its proxies. Values Tentacle stores encrypted are never kept.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use serde::Serialize;

use super::trusted::parse_trusted;
pub use super::trusted::{CommunicationStyle, PollingAddress, TrustedServer};
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
/// Prefix of the proxy Tentacle uses for web requests (registration, packages).
const WEB_PROXY: &str = "Octopus.Proxy.";
/// Prefix of the proxy a polling Tentacle uses to reach the server.
const POLLING_PROXY: &str = "Octopus.Server.Proxy.";

/// Settings Tentacle writes that preflight has no use for (not reported as unknown).
const OTHER_KNOWN: &[&str] = &[
    "Octopus.Home",
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
    /// The Octopus Servers it trusts, in file order.
    pub trusted: Vec<TrustedServer>,
    /// The proxy for web requests (`Octopus.Proxy.*`).
    pub web_proxy: ProxySetting,
    /// The proxy a polling Tentacle reaches the server through (`Octopus.Server.Proxy.*`).
    pub polling_proxy: ProxySetting,
    /// Things worth knowing that are not errors (settings preflight does not read).
    pub notes: Vec<String>,
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

        let port = match get(PORT) {
            Some(s) if !s.value.trim().is_empty() => s
                .value
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| {
                    err(
                        s.offset,
                        format!(
                            "{PORT}: expected a port from 1 to 65535, found `{}`",
                            excerpt(&s.value)
                        ),
                    )
                })?,
            _ => DEFAULT_LISTEN_PORT,
        };
        let no_listen = match get(NO_LISTEN) {
            Some(s) => parse_bool(s).map_err(|m| err(s.offset, m))?,
            None => false,
        };
        let listen_ip = match get(LISTEN_IP) {
            Some(s) if !s.value.trim().is_empty() => Some(s.value.trim().parse::<IpAddr>().map_err(|_| {
                err(s.offset, format!("{LISTEN_IP}: expected an IP address (or nothing, for every interface), found `{}`", excerpt(&s.value)))
            })?),
            _ => None,
        };
        let thumbprint = match get(THUMBPRINT) {
            Some(s) if !s.value.trim().is_empty() => Some(
                s.value
                    .parse::<Thumbprint>()
                    .map_err(|m| err(s.offset, format!("{THUMBPRINT}: {m}")))?,
            ),
            _ => None,
        };
        let certificate_present = get(CERTIFICATE).is_some_and(|s| !s.value.trim().is_empty());
        let trusted = match get(TRUSTED) {
            Some(s) if !s.value.trim().is_empty() => {
                parse_trusted(&s.value).map_err(|m| err(s.offset, format!("{TRUSTED}: {m}")))?
            }
            _ => Vec::new(),
        };
        let web_proxy = parse_proxy(&get, WEB_PROXY, &err)?;
        let polling_proxy = parse_proxy(&get, POLLING_PROXY, &err)?;

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
        if trusted.is_empty() {
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
            trusted,
            web_proxy,
            polling_proxy,
            notes,
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
    [PORT, NO_LISTEN, LISTEN_IP, THUMBPRINT, CERTIFICATE, TRUSTED].contains(&key)
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

fn parse_proxy<'a>(
    get: &impl Fn(&str) -> Option<&'a Setting>,
    prefix: &str,
    err: &impl Fn(usize, String) -> ConfigError,
) -> Result<ProxySetting, ConfigError> {
    let key = |name: &str| format!("{prefix}{name}");
    let use_default = match get(&key("UseDefaultProxy")) {
        Some(s) => parse_bool(s).map_err(|m| err(s.offset, m))?,
        None => true,
    };
    let host = get(&key("ProxyHost")).map(|s| s.value.trim()).unwrap_or("");
    if host.is_empty() {
        return Ok(if use_default {
            ProxySetting::System
        } else {
            ProxySetting::None
        });
    }
    let port = match get(&key("ProxyPort")) {
        Some(s) if !s.value.trim().is_empty() => s
            .value
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| {
                err(
                    s.offset,
                    format!(
                        "{}: expected a port from 1 to 65535, found `{}`",
                        s.key,
                        excerpt(&s.value)
                    ),
                )
            })?,
        _ => 80,
    };
    let host_setting = get(&key("ProxyHost")).expect("host is non-empty, so the setting exists");
    // A host may be written as a URL (`http://proxy.example.com`); keep its host part.
    let bare = host
        .split_once("://")
        .map_or(host, |(_, rest)| rest)
        .trim_end_matches('/');
    // `host:port` as written, or the host alone with ProxyPort.
    let endpoint = bare
        .parse::<Endpoint>()
        .or_else(|_| {
            let host = match bare.parse::<IpAddr>() {
                Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
                _ => bare.to_string(),
            };
            format!("{host}:{port}").parse::<Endpoint>()
        })
        .map_err(|e| err(host_setting.offset, format!("{}: {e}", host_setting.key)))?;
    let credentials = get(&key("ProxyUsername")).is_some_and(|s| !s.value.trim().is_empty());
    Ok(ProxySetting::Custom {
        endpoint,
        credentials,
    })
}

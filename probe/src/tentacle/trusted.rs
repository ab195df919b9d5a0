//! The servers a Tentacle trusts: `Tentacle.Communication.TrustedOctopusServers`,
//! a JSON array of `{"Thumbprint", "CommunicationStyle", "Address", …}`, where
//! `CommunicationStyle` is written as a number or a name depending on the
//! Tentacle version.

use serde::{Deserialize, Serialize};

use super::excerpt;
use crate::endpoint::Endpoint;
use crate::thumbprint::Thumbprint;

/// An Octopus Server the Tentacle trusts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustedServer {
    pub thumbprint: Thumbprint,
    pub style: CommunicationStyle,
    /// Where a polling Tentacle connects (none for a listening trust).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<PollingAddress>,
}

/// How the Tentacle and a trusted server talk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommunicationStyle {
    /// `1` / `TentaclePassive`: the server connects in to the Tentacle.
    Listening,
    /// `2` / `TentacleActive`: the Tentacle connects out to the server.
    Polling,
    /// Anything else, as written.
    Other(String),
}

impl CommunicationStyle {
    pub fn as_str(&self) -> &str {
        match self {
            CommunicationStyle::Listening => "listening",
            CommunicationStyle::Polling => "polling",
            CommunicationStyle::Other(s) => s,
        }
    }
}

/// A polling address as written (`https://octopus.example.com:10943`) and the endpoint it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollingAddress {
    pub url: String,
    pub endpoint: Endpoint,
}

impl PollingAddress {
    /// Parses an `https://` (or WebSocket `wss://`) address; the port defaults to 443.
    pub fn parse(url: &str) -> Result<Self, String> {
        let parsed = url::Url::parse(url.trim()).map_err(|e| {
            format!(
                "expected an address like \"https://octopus.example.com:10943\", found `{}` ({e})",
                excerpt(url)
            )
        })?;
        if !matches!(parsed.scheme(), "https" | "wss") {
            return Err(format!(
                "expected an https:// (or wss://) polling address, found `{}`",
                excerpt(url)
            ));
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("expected a host in the address, found `{}`", excerpt(url)))?;
        let port = parsed.port_or_known_default().unwrap_or(443);
        let endpoint: Endpoint = format!("{host}:{port}")
            .parse()
            .map_err(|e| format!("address `{}`: {e}", excerpt(url)))?;
        Ok(PollingAddress {
            url: url.trim().to_string(),
            endpoint,
        })
    }
}

/// One entry of `TrustedOctopusServers` as Tentacle writes it (JSON).
#[derive(Deserialize)]
struct RawTrusted {
    #[serde(rename = "Thumbprint")]
    thumbprint: Option<String>,
    #[serde(rename = "CommunicationStyle")]
    style: Option<serde_json::Value>,
    #[serde(rename = "Address")]
    address: Option<String>,
}

/// Parses the JSON array; the error says which entry was wrong and how.
pub fn parse_trusted(json: &str) -> Result<Vec<TrustedServer>, String> {
    let raw: Vec<RawTrusted> = serde_json::from_str(json.trim()).map_err(|e| {
        format!("expected a JSON array of {{\"Thumbprint\", \"CommunicationStyle\", \"Address\"}} objects, but {} (line {} column {} of the JSON value)", super::json_message(&e), e.line(), e.column())
    })?;
    let mut out = Vec::with_capacity(raw.len());
    for (i, r) in raw.into_iter().enumerate() {
        let n = i + 1;
        let thumbprint = r
            .thumbprint
            .as_deref()
            .ok_or_else(|| format!("trusted server #{n} has no Thumbprint"))?
            .parse::<Thumbprint>()
            .map_err(|m| format!("trusted server #{n}: {m}"))?;
        let style = match &r.style {
            None => return Err(format!("trusted server #{n} has no CommunicationStyle")),
            Some(v) => parse_style(v).map_err(|m| format!("trusted server #{n}: {m}"))?,
        };
        let address = match (&style, r.address.as_deref().map(str::trim)) {
            (CommunicationStyle::Polling, None | Some("")) => {
                return Err(format!(
                    "trusted server #{n} is polling but has no Address to poll"
                ));
            }
            (CommunicationStyle::Polling, Some(a)) => {
                Some(PollingAddress::parse(a).map_err(|m| format!("trusted server #{n}: {m}"))?)
            }
            _ => None,
        };
        out.push(TrustedServer {
            thumbprint,
            style,
            address,
        });
    }
    Ok(out)
}

/// `1`/`"TentaclePassive"` is listening, `2`/`"TentacleActive"` is polling.
fn parse_style(v: &serde_json::Value) -> Result<CommunicationStyle, String> {
    let text = match v {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.trim().to_string(),
        other => {
            return Err(format!(
                "expected CommunicationStyle 1, 2, \"TentaclePassive\" or \"TentacleActive\", found {}",
                excerpt(&other.to_string())
            ));
        }
    };
    Ok(match text.to_ascii_lowercase().as_str() {
        "1" | "tentaclepassive" => CommunicationStyle::Listening,
        "2" | "tentacleactive" => CommunicationStyle::Polling,
        _ => CommunicationStyle::Other(text),
    })
}

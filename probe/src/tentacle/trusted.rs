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

/// A trusted-server entry that could not be read whole (a placeholder
/// thumbprint, a bad address): what of it was readable, and why it was not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreadTrust {
    /// 1-based position in the array.
    pub number: usize,
    /// The style as written, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// The address as written, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// What was wrong (`trusted server #1: expected a SHA-1 thumbprint …`).
    pub problem: String,
}

/// The entries of the array: those read whole, and those that were not.
#[derive(Debug, Default)]
pub struct Trusts {
    pub read: Vec<TrustedServer>,
    pub unread: Vec<UnreadTrust>,
}

/// Parses the JSON array entry by entry: one bad entry does not hide the
/// others. The error (not an array of objects at all) says how it was wrong.
pub fn parse_trusted(json: &str) -> Result<Trusts, String> {
    let raw: Vec<RawTrusted> = serde_json::from_str(json.trim()).map_err(|e| {
        format!("expected a JSON array of {{\"Thumbprint\", \"CommunicationStyle\", \"Address\"}} objects, but {} (line {} column {} of the JSON value)", super::json_message(&e), e.line(), e.column())
    })?;
    let mut out = Trusts::default();
    for (i, r) in raw.into_iter().enumerate() {
        let number = i + 1;
        match read_entry(&r, number) {
            Ok(t) => out.read.push(t),
            Err(problem) => out.unread.push(UnreadTrust {
                number,
                style: r.style.as_ref().map(|v| match v {
                    serde_json::Value::String(s) => excerpt(s),
                    other => excerpt(&other.to_string()),
                }),
                address: r
                    .address
                    .as_deref()
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(excerpt),
                problem,
            }),
        }
    }
    Ok(out)
}

fn read_entry(r: &RawTrusted, n: usize) -> Result<TrustedServer, String> {
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
    Ok(TrustedServer {
        thumbprint,
        style,
        address,
    })
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

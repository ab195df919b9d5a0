//! `host:port` endpoints as they are written in plans and on the command line.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A host (name or IP literal) and a TCP port, written `host:port` or `[v6]:port`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

/// Why a `host:port` string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("expected `host:port` (for example `octopus.example.com:10943`), found `{0}`")]
    Shape(String),
    #[error("expected a port from 1 to 65535, found `{0}`")]
    Port(String),
    #[error("expected a host name or IP address before `:`, found `{0}`")]
    Host(String),
}

/// A host name (letters, digits, `-`, `.`, `_`) or an IP address: what may
/// stand in a plan's `host` key, an SNI name and the Halibut `Host:` line.
/// Spaces and control characters are refused when it is parsed (a CR/LF
/// would end the `Host:` line and start a header of the writer's choosing).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostName(String);

impl HostName {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl FromStr for HostName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if !s.is_empty() && valid_host(s) {
            return Ok(HostName(s.to_string()));
        }
        let why = if s.chars().any(char::is_control) {
            " (control characters are refused: a CR or LF would end the request line it stands in)"
        } else {
            ""
        };
        Err(format!(
            "expected a host name (letters, digits, `-`, `.`, `_`) or an IP address, found `{}`{why}",
            crate::text::excerpt(s)
        ))
    }
}

impl fmt::Display for HostName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for HostName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Endpoint {
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Endpoint {
            host: host.into(),
            port,
        }
    }

    /// The host as an IP address, when it is a literal.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

impl FromStr for Endpoint {
    type Err = EndpointError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        // Errors quote the input printable and bounded.
        let quoted = || crate::text::excerpt(s);
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| EndpointError::Shape(quoted()))?;
            let port = after
                .strip_prefix(':')
                .ok_or_else(|| EndpointError::Shape(quoted()))?;
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(EndpointError::Host(quoted()));
            }
            (host, port)
        } else {
            let (host, port) = s
                .rsplit_once(':')
                .ok_or_else(|| EndpointError::Shape(quoted()))?;
            if host.contains(':') {
                // A bare IPv6 address: the brackets are required to find the port.
                return Err(EndpointError::Shape(quoted()));
            }
            (host, port)
        };
        if host.is_empty() || !valid_host(host) {
            return Err(EndpointError::Host(quoted()));
        }
        let port: u16 = port
            .parse()
            .map_err(|_| EndpointError::Port(crate::text::excerpt(port)))?;
        if port == 0 {
            return Err(EndpointError::Port("0".into()));
        }
        Ok(Endpoint::new(host, port))
    }
}

fn valid_host(host: &str) -> bool {
    host.parse::<IpAddr>().is_ok()
        || host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl<'de> Deserialize<'de> for Endpoint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for Endpoint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_v4_and_bracketed_v6() {
        assert_eq!(
            "polling.acme.octopus.app:443".parse::<Endpoint>().unwrap(),
            Endpoint::new("polling.acme.octopus.app", 443)
        );
        assert_eq!(
            "192.0.2.10:10943".parse::<Endpoint>().unwrap().ip(),
            Some("192.0.2.10".parse().unwrap())
        );
        let v6: Endpoint = "[2001:db8::1]:10933".parse().unwrap();
        assert_eq!(v6.host, "2001:db8::1");
        assert_eq!(v6.to_string(), "[2001:db8::1]:10933");
    }

    #[test]
    fn rejects_bad_ports_and_shapes() {
        assert!(matches!(
            "h:70000".parse::<Endpoint>(),
            Err(EndpointError::Port(_))
        ));
        assert!(matches!(
            "h:0".parse::<Endpoint>(),
            Err(EndpointError::Port(_))
        ));
        assert!(matches!(
            "h".parse::<Endpoint>(),
            Err(EndpointError::Shape(_))
        ));
        assert!(matches!(
            "2001:db8::1:443".parse::<Endpoint>(),
            Err(EndpointError::Shape(_))
        ));
        assert!(matches!(
            ":443".parse::<Endpoint>(),
            Err(EndpointError::Host(_))
        ));
        assert!(matches!(
            "a b:443".parse::<Endpoint>(),
            Err(EndpointError::Host(_))
        ));
        // Errors quote the input printable.
        assert_eq!(
            "a\r\nb:443".parse::<Endpoint>().unwrap_err().to_string(),
            "expected a host name or IP address before `:`, found `a\\x0D\\x0Ab:443`"
        );
    }

    #[test]
    fn host_names_refuse_control_characters_and_spaces() {
        for ok in [
            "web01",
            "web01.example.com",
            "192.0.2.7",
            "2001:db8::1",
            "under_score",
        ] {
            assert_eq!(ok.parse::<HostName>().unwrap().as_str(), ok);
        }
        let e = "evil.example.com\r\nX-Injected: 1"
            .parse::<HostName>()
            .unwrap_err();
        assert_eq!(
            e,
            "expected a host name (letters, digits, `-`, `.`, `_`) or an IP address, found `evil.example.com\\x0D\\x0AX-Injected: 1` (control characters are refused: a CR or LF would end the request line it stands in)"
        );
        for bad in ["", "a b", "a/b", "a\u{0}"] {
            assert!(bad.parse::<HostName>().is_err(), "{bad:?}");
        }
    }
}

//! Halibut identification without credentials: after the TLS handshake a
//! plain HTTP `GET` makes a Halibut endpoint answer `HTTP/1.0 200 OK` and a
//! page naming what it is. Anything else (a proxy's page, a web server, a
//! reset) is "not Halibut", reported with the first line of what answered.

use serde::Serialize;

/// Who answered the `GET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HalibutRole {
    /// "Octopus Server configured successfully": a server's polling endpoint.
    Server,
    /// "Octopus Tentacle configured successfully": a listening Tentacle.
    Tentacle,
    /// `preflight listen`: a stand-in holding a future Tentacle's port (not Halibut).
    Standin,
    /// Not a Halibut endpoint.
    None,
}

impl HalibutRole {
    /// As a person reads it in a reason.
    pub fn describe(self) -> &'static str {
        match self {
            HalibutRole::Server => "an Octopus Server polling endpoint (Halibut)",
            HalibutRole::Tentacle => "a listening Tentacle (Halibut)",
            HalibutRole::Standin => "a preflight stand-in listener (not a Tentacle)",
            HalibutRole::None => "not a Halibut endpoint",
        }
    }
}

/// The most of an answer that is read.
pub const MAX_ANSWER: usize = 64 * 1024;

const SERVER_MARK: &str = "Octopus Server configured successfully";
const TENTACLE_MARK: &str = "Octopus Tentacle configured successfully";

/// The request sent after the handshake. A `host` with a control character
/// or a space is refused, whatever let it through: a CR/LF would end the
/// `Host:` line and inject headers.
pub fn request(host: &str) -> Result<Vec<u8>, String> {
    if host.is_empty() || host.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "the Host name `{}` holds a control character or a space: no request was sent",
            crate::text::excerpt(host)
        ));
    }
    Ok(format!(
        "GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: preflight\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    )
    .into_bytes())
}

/// Who answered, judged from the bytes read so far.
pub fn identify(answer: &[u8]) -> HalibutRole {
    let text = String::from_utf8_lossy(answer);
    if text.contains(SERVER_MARK) {
        HalibutRole::Server
    } else if text.contains(TENTACLE_MARK) {
        HalibutRole::Tentacle
    } else if text.contains(crate::standin::STANDIN_MARK) {
        HalibutRole::Standin
    } else {
        HalibutRole::None
    }
}

/// Whether `preflight listen` (a stand-in for a Tentacle not installed yet) answered.
pub fn is_standin(answer: &[u8]) -> bool {
    String::from_utf8_lossy(answer).contains(crate::standin::STANDIN_MARK)
}

/// The first line of an answer, printable and at most 120 characters; `None` when empty.
pub fn first_line(answer: &[u8]) -> Option<String> {
    let end = answer
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(answer.len());
    let line = answer[..end].strip_suffix(b"\r").unwrap_or(&answer[..end]);
    if line.is_empty() {
        return None;
    }
    Some(crate::text::printable(line, 120))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_refuses_a_host_that_would_inject_headers() {
        let ok = String::from_utf8(request("web01.example.com").unwrap()).unwrap();
        assert!(ok.starts_with("GET / HTTP/1.1\r\nHost: web01.example.com\r\nUser-Agent"));
        for bad in ["evil\r\nX-Injected: 1", "evil\nX: 1", "a b", "", "a\u{0}"] {
            let e = request(bad).unwrap_err();
            assert!(e.contains("no request was sent"), "{bad:?}: {e}");
            assert!(!e.contains('\r') && !e.contains('\n'), "{e:?}");
        }
    }

    #[test]
    fn anything_else_is_not_halibut() {
        let proxy = b"HTTP/1.1 403 Forbidden\r\nServer: squid\r\n\r\n<html>Access Denied</html>";
        assert_eq!(identify(proxy), HalibutRole::None);
        assert_eq!(first_line(proxy).as_deref(), Some("HTTP/1.1 403 Forbidden"));
        assert_eq!(identify(b""), HalibutRole::None);
        assert!(!is_standin(proxy));
        assert_eq!(first_line(b""), None);
        assert_eq!(first_line(b"\r\n"), None);
    }

    #[test]
    fn the_stand_in_listener_is_recognised_and_is_not_halibut() {
        let page = crate::standin::page();
        assert!(is_standin(&page));
        assert_eq!(identify(&page), HalibutRole::Standin);
    }
}

//! This machine's (or the plan's) Tentacles: does each one already trust the
//! new server's certificate? A Tentacle that does not gets a warning with the
//! exact command that adds the trust. Pure: the Tentacle's configuration was
//! read before the run.

use serde::Serialize;

use report::Status;

use crate::contract::Outcome;
use crate::endpoint::Endpoint;
use crate::tentacle::TentacleTarget;
use crate::thumbprint::Thumbprint;

/// What the plan says about the new server's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewServerIdentity {
    pub thumbprint: Thumbprint,
    /// Its HTTPS URL, for `poll-server --server`.
    pub url: Option<String>,
    /// Where polling Tentacles connect, for `--server-comms-address`.
    pub polling: Option<Endpoint>,
}

/// Does one Tentacle trust the new server?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TentacleTrustSpec {
    pub tentacle: TentacleTarget,
    pub new_server: NewServerIdentity,
}

#[derive(Serialize)]
struct TrustEvidence<'a> {
    tentacle: &'a str,
    instance: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<&'a str>,
    new_server_thumbprint: &'a Thumbprint,
    trusted: Vec<TrustedEntry<'a>>,
}

#[derive(Serialize)]
struct TrustedEntry<'a> {
    thumbprint: &'a Thumbprint,
    style: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
}

/// Pass when the Tentacle trusts the new server's thumbprint; a warning with
/// the commands to run on that machine when it does not.
pub fn assess_trust(spec: &TentacleTrustSpec) -> Outcome {
    let t = &spec.tentacle;
    let new = &spec.new_server.thumbprint;
    let evidence = TrustEvidence {
        tentacle: &t.name,
        instance: &t.instance,
        host: t.host.as_deref(),
        new_server_thumbprint: new,
        trusted: t
            .trusts
            .iter()
            .map(|s| TrustedEntry {
                thumbprint: &s.thumbprint,
                style: s.style.as_str(),
                address: s.address.as_ref().map(|a| a.url.as_str()),
            })
            .collect(),
    };
    if t.trusts(new) {
        return Outcome::new(
            Status::Pass,
            format!("trusts the new server's certificate {new}"),
        )
        .with_evidence(evidence);
    }
    let trusted: Vec<String> = t
        .trusts
        .iter()
        .map(|s| match &s.address {
            Some(a) => format!("{} ({} {})", s.thumbprint, s.style.as_str(), a.url),
            None => format!("{} ({})", s.thumbprint, s.style.as_str()),
        })
        .collect();
    let trusted = if trusted.is_empty() {
        "no server".to_string()
    } else {
        trusted.join(", ")
    };
    let on = t
        .host
        .as_deref()
        .map(|h| format!(" on {h}"))
        .unwrap_or_default();
    Outcome::new(
        Status::Warn,
        format!("does not trust the new server's certificate {new} yet; trusts {trusted}"),
    )
    .with_remediation(format!("run{on}: {}", trust_commands(spec).join(" && ")))
    .with_evidence(evidence)
}

/// The Tentacle commands that make this Tentacle trust (and, when it polls,
/// poll) the new server, ending with the service restart they need.
pub fn trust_commands(spec: &TentacleTrustSpec) -> Vec<String> {
    let t = &spec.tentacle;
    let new = &spec.new_server;
    let instance = format!("--instance=\"{}\"", t.instance);
    let mut commands = Vec::new();
    if t.listen_port.is_some() || !t.is_polling() {
        commands.push(format!(
            "Tentacle configure {instance} --trust=\"{}\"",
            new.thumbprint
        ));
    }
    if t.is_polling() {
        let server = new.url.as_deref().unwrap_or("https://<new server URL>");
        let mut cmd =
            format!("Tentacle poll-server {instance} --server=\"{server}\" --apiKey=\"<API key>\"");
        if let Some(polling) = &new.polling {
            let host = if polling.host.contains(':') {
                format!("[{}]", polling.host)
            } else {
                polling.host.clone()
            };
            cmd.push_str(&format!(
                " --server-comms-address=\"https://{host}:{port}\" --server-comms-port={port}",
                port = polling.port
            ));
        }
        commands.push(cmd);
    }
    commands.push(format!("Tentacle service {instance} --restart"));
    commands
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tentacle::config::{CommunicationStyle, PollingAddress, TrustedServer};

    const OLD: &str = "1111111111111111111111111111111111111111";
    const NEW: &str = "2222222222222222222222222222222222222222";

    fn tentacle(listen: bool, polls: bool) -> TentacleTarget {
        let mut trusts = Vec::new();
        if polls {
            trusts.push(TrustedServer {
                thumbprint: OLD.parse().unwrap(),
                style: CommunicationStyle::Polling,
                address: Some(PollingAddress::parse("https://octopus.example.com:10943").unwrap()),
            });
        }
        if listen {
            trusts.push(TrustedServer {
                thumbprint: OLD.parse().unwrap(),
                style: CommunicationStyle::Listening,
                address: None,
            });
        }
        TentacleTarget {
            name: "web01-tentacle".into(),
            instance: "Tentacle".into(),
            host: Some("web01".into()),
            thumbprint: None,
            listen_port: listen.then_some(10933),
            polling_proxy: None,
            trusts,
        }
    }

    fn spec(t: TentacleTarget) -> TentacleTrustSpec {
        TentacleTrustSpec {
            tentacle: t,
            new_server: NewServerIdentity {
                thumbprint: NEW.parse().unwrap(),
                url: Some("https://acme.octopus.app".into()),
                polling: Some(Endpoint::new("polling.acme.octopus.app", 443)),
            },
        }
    }

    #[test]
    fn a_listening_tentacle_gets_the_configure_trust_command() {
        let o = assess_trust(&spec(tentacle(true, false)));
        assert_eq!(o.status, Status::Warn);
        assert!(o.reason.contains(NEW), "{}", o.reason);
        assert!(o.reason.contains(OLD), "{}", o.reason);
        let remedy = o.remediation.unwrap();
        assert_eq!(
            remedy,
            format!(
                "run on web01: Tentacle configure --instance=\"Tentacle\" --trust=\"{NEW}\" && Tentacle service --instance=\"Tentacle\" --restart"
            )
        );
        assert_eq!(o.evidence.json()["new_server_thumbprint"], NEW);
        assert_eq!(o.evidence.json()["trusted"][0]["style"], "listening");
    }

    #[test]
    fn a_polling_tentacle_gets_the_poll_server_command_with_the_comms_endpoint() {
        let o = assess_trust(&spec(tentacle(false, true)));
        assert_eq!(o.status, Status::Warn);
        let remedy = o.remediation.unwrap();
        assert!(
            remedy.contains(
                "Tentacle poll-server --instance=\"Tentacle\" --server=\"https://acme.octopus.app\" --apiKey=\"<API key>\" --server-comms-address=\"https://polling.acme.octopus.app:443\" --server-comms-port=443"
            ),
            "{remedy}"
        );
        assert!(!remedy.contains("--trust="), "{remedy}");
        assert_eq!(
            o.evidence.json()["trusted"][0]["address"],
            "https://octopus.example.com:10943"
        );
    }

    #[test]
    fn trusting_the_new_thumbprint_passes_whatever_the_case_or_spacing() {
        let mut t = tentacle(true, true);
        t.trusts[1].thumbprint = NEW.to_lowercase().parse().unwrap();
        let o = assess_trust(&spec(t));
        assert_eq!(o.status, Status::Pass, "{}", o.reason);
        assert!(o.remediation.is_none());
    }
}

//! Tentacles (`[[datacenter.tentacle]]` in the plan, or found on this machine
//! by `run --discover`) compiled into checks: each polling server it trusts is
//! reachable, and, when the plan names the new server's thumbprint, the
//! Tentacle trusts it. Ids: `dc.<dc>.tentacle.<name>.…`.

use report::{CheckId, Severity};

use super::spec::{Expect, TentacleSpec, TrustStyle};
use crate::check::{CheckSpec, PlannedCheck};
use crate::checks::local::{NewServerIdentity, TentacleTrustSpec};
use crate::checks::tcp::TcpSpec;
use crate::tentacle::TentacleTarget;
use crate::tentacle::config::{CommunicationStyle, PollingAddress, TrustedServer};

/// The checks for one Tentacle.
pub fn tentacle_checks(
    dc: &str,
    t: &TentacleTarget,
    new_server: Option<&NewServerIdentity>,
) -> Vec<PlannedCheck> {
    let mut out = Vec::new();
    // One check per address, even when several thumbprints are trusted there
    // (a certificate being rotated).
    let mut servers: Vec<(&crate::endpoint::Endpoint, Vec<String>)> = Vec::new();
    for (thumbprint, address) in t.polling() {
        match servers.iter_mut().find(|(e, _)| *e == &address.endpoint) {
            Some((_, thumbprints)) => thumbprints.push(thumbprint.to_string()),
            None => servers.push((&address.endpoint, vec![thumbprint.to_string()])),
        }
    }
    for (server, thumbprints) in servers {
        // A Tentacle that polls through a proxy opens its TCP connection to the proxy.
        let (endpoint, via) = match &t.polling_proxy {
            Some(proxy) => (proxy.clone(), format!(" through the proxy {proxy}")),
            None => (server.clone(), String::new()),
        };
        out.push(PlannedCheck {
            id: CheckId::from_parts(["dc", dc, "tentacle", &t.name, "tcp", &server.to_string()]),
            title: format!(
                "Tentacle {} polls {server}{via} (trusts {})",
                t.name,
                thumbprints.join(", ")
            ),
            target: endpoint.to_string(),
            severity: Severity::Blocker,
            spec: CheckSpec::Tcp(TcpSpec {
                endpoint,
                expect: Expect::Open,
            }),
        });
    }
    out.extend(super::identity::tentacle_identity_checks(dc, t));
    if let Some(new) = new_server {
        out.push(PlannedCheck {
            id: CheckId::from_parts(["dc", dc, "tentacle", &t.name, "trusts-new-server"]),
            title: format!("Tentacle {} trusts the new server's certificate", t.name),
            target: match &t.host {
                Some(h) => format!("{h} ({})", t.instance),
                None => t.instance.clone(),
            },
            severity: Severity::Warning,
            spec: CheckSpec::TentacleTrust(Box::new(TentacleTrustSpec {
                tentacle: t.clone(),
                new_server: new.clone(),
            })),
        });
    }
    out
}

/// The Tentacle a plan section describes; the error is the span and what was wrong.
pub fn target_from_spec(
    spec: &TentacleSpec,
) -> Result<TentacleTarget, (Option<std::ops::Range<usize>>, String)> {
    let mut trusts = Vec::new();
    for trust in &spec.trusts {
        let (style, address) = match trust.style {
            TrustStyle::Listening => (CommunicationStyle::Listening, None),
            TrustStyle::Polling => {
                let Some(address) = &trust.address else {
                    return Err((
                        Some(spec.name.span()),
                        format!(
                            "tentacle `{}`: a polling trust needs `address = \"https://octopus.example.com:10943\"`",
                            spec.name.get_ref()
                        ),
                    ));
                };
                let parsed = PollingAddress::parse(address.get_ref())
                    .map_err(|m| (Some(address.span()), m))?;
                (CommunicationStyle::Polling, Some(parsed))
            }
        };
        trusts.push(TrustedServer {
            thumbprint: trust.thumbprint.clone(),
            style,
            address,
        });
    }
    Ok(TentacleTarget {
        name: spec.name.get_ref().clone(),
        instance: spec.instance.clone().unwrap_or_else(|| "Tentacle".into()),
        host: spec.host.as_ref().map(|h| h.as_str().to_string()),
        thumbprint: spec.thumbprint.clone(),
        listen_port: spec.listen_port,
        polling_proxy: spec.polling_proxy.clone(),
        trusts,
    })
}

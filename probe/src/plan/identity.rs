//! Identity checks compiled from the plan: the TLS and Halibut check of the
//! new server's polling endpoint and of listening Tentacles, TLS through the
//! polling proxy a Tentacle names, and the Octopus API checks (`/api`
//! version, the server certificate by API key). Ids:
//! `dc.<dc>.tls.new-server-polling`, `dc.<dc>.octopus.<server>-api`,
//! `dc.<dc>.octopus.<server>-certificate`, `dc.<dc>.tentacle.<name>.tls[.<server>]`.

use std::path::{Path, PathBuf};

use report::{CheckId, Severity};

use super::spec::{DatacenterSpec, PlanSpec, PollingVia, ServerSpec};
use crate::check::{CheckSpec, PlannedCheck};
use crate::checks::octopus::{ApiSpec, EXPORT_IMPORT_MINIMUM, ThumbprintSpec};
use crate::checks::tls::{Expected, TlsSpec};
use crate::endpoint::Endpoint;
use crate::net::proxy::{ProxyConfig, ProxyRoute, ProxySource};
use crate::tentacle::TentacleTarget;

/// The new server's polling endpoint, as every data center's Tentacles will reach it.
pub fn polling_spec(server: &ServerSpec) -> Option<TlsSpec> {
    let polling = server.polling.clone()?;
    let mut spec = TlsSpec::new(polling, Expected::Server);
    spec.thumbprint = server.thumbprint.clone();
    Some(spec)
}

/// The proxy a data center's polling Tentacles go through (`polling_via =
/// "proxy"`): the plan's `[proxy]`, credentials from its environment variables.
pub fn polling_proxy(proxy: Option<&ProxyConfig>, dc: &DatacenterSpec) -> Option<ProxyRoute> {
    let via = dc.polling_via.as_ref().map(|v| *v.get_ref());
    if via != Some(PollingVia::Proxy) {
        return None;
    }
    proxy.map(|config| config.route.clone())
}

/// TLS + Halibut of the new server's polling endpoint (through the proxy when
/// the data center's Tentacles poll through it), and the API checks of both servers.
pub fn server_identity_checks(
    plan: &PlanSpec,
    dc_spec: &DatacenterSpec,
    plan_dir: &Path,
    proxy: Option<&ProxyConfig>,
) -> Vec<PlannedCheck> {
    let dc = dc_spec.name.get_ref().as_str();
    let mut out = Vec::new();
    if let Some(mut spec) = plan.new_server.as_ref().and_then(polling_spec) {
        spec.proxy = polling_proxy(proxy, dc_spec);
        let via = match &spec.proxy {
            Some(route) => format!(" through the proxy {}", route.display()),
            None => String::new(),
        };
        out.push(PlannedCheck {
            id: CheckId::from_parts(["dc", dc, "tls", "new-server-polling"]),
            title: format!(
                "New Octopus Server: polling endpoint identity{via} (TLS, Halibut, thumbprint)"
            ),
            target: spec.endpoint.to_string(),
            severity: Severity::Blocker,
            spec: CheckSpec::Tls(Box::new(spec)),
        });
    }
    for (key, label, server, min) in [
        (
            "old-server",
            "Old Octopus Server",
            &plan.old_server,
            Some(EXPORT_IMPORT_MINIMUM),
        ),
        ("new-server", "New Octopus Server", &plan.new_server, None),
    ] {
        let Some(server) = server else { continue };
        let Some(url) = &server.url else { continue };
        let url = url.get_ref().trim_end_matches('/').to_string();
        let ca_file = server.ca_file.as_ref().map(|f| resolve(plan_dir, f));
        let title = match min {
            Some(min) => {
                format!("{label}: API answers, version {min} or later (Export/Import Projects)")
            }
            None => format!("{label}: API answers"),
        };
        out.push(PlannedCheck {
            id: CheckId::from_parts(["dc", dc, "octopus", &format!("{key}-api")]),
            title,
            target: format!("{url}/api"),
            severity: Severity::Blocker,
            spec: CheckSpec::OctopusApi(Box::new(ApiSpec {
                url: url.clone(),
                min_version: min.and_then(|m| m.parse().ok()),
                ca_file: ca_file.clone(),
            })),
        });
        if let Some(var) = &server.api_key_env {
            out.push(PlannedCheck {
                id: CheckId::from_parts(["dc", dc, "octopus", &format!("{key}-certificate")]),
                title: format!(
                    "{label}: server certificate (API) matches the polling port and the plan"
                ),
                target: format!("{url}/api/configuration/certificates/certificate-global"),
                severity: Severity::Blocker,
                spec: CheckSpec::OctopusThumbprint(Box::new(ThumbprintSpec {
                    url,
                    api_key_env: var.clone(),
                    ca_file,
                    polling: polling_spec(server),
                    expected: server.thumbprint.clone(),
                })),
            });
        }
    }
    out
}

/// A relative `ca_file` is read from the plan's directory.
pub fn resolve(plan_dir: &Path, file: &str) -> PathBuf {
    let path = Path::new(file);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        plan_dir.join(path)
    }
}

/// TLS + Halibut of a listening Tentacle (its host and port), and of each
/// polling server it trusts (through the polling proxy it names, if any): the
/// server must present the thumbprint the Tentacle trusts.
pub fn tentacle_identity_checks(dc: &str, t: &TentacleTarget) -> Vec<PlannedCheck> {
    let mut out = Vec::new();
    if let (Some(host), Some(port)) = (&t.host, t.listen_port) {
        let mut spec = TlsSpec::new(Endpoint::new(host.clone(), port), Expected::Tentacle);
        spec.thumbprint = t.thumbprint.clone();
        out.push(PlannedCheck {
            id: CheckId::from_parts(["dc", dc, "tentacle", &t.name, "tls"]),
            title: format!(
                "Listening Tentacle {} answers as itself (TLS, Halibut, thumbprint)",
                t.name
            ),
            target: spec.endpoint.to_string(),
            severity: Severity::Blocker,
            spec: CheckSpec::Tls(Box::new(spec)),
        });
    }
    let mut seen: Vec<&Endpoint> = Vec::new();
    for (thumbprint, address) in t.polling() {
        if seen.contains(&&address.endpoint) {
            continue;
        }
        seen.push(&address.endpoint);
        let trusted: Vec<_> = t
            .polling()
            .filter(|(_, a)| a.endpoint == address.endpoint)
            .map(|(t, _)| t.clone())
            .collect();
        let mut spec = TlsSpec::new(address.endpoint.clone(), Expected::Server);
        // With several trusted thumbprints (a rotation), the trust check judges them.
        spec.thumbprint = (trusted.len() == 1).then(|| thumbprint.clone());
        spec.proxy = t
            .polling_proxy
            .as_ref()
            .map(|proxy| ProxyRoute::new(proxy.clone(), ProxySource::Tentacle));
        let via = match &t.polling_proxy {
            Some(proxy) => format!(" through its polling proxy {proxy}"),
            None => String::new(),
        };
        out.push(PlannedCheck {
            id: CheckId::from_parts([
                "dc",
                dc,
                "tentacle",
                &t.name,
                "tls",
                &address.endpoint.to_string(),
            ]),
            title: format!(
                "Tentacle {} polls {}{via}: the server it trusts answers (TLS, Halibut, thumbprint)",
                t.name, address.endpoint
            ),
            target: address.endpoint.to_string(),
            severity: Severity::Blocker,
            spec: CheckSpec::Tls(Box::new(spec)),
        });
    }
    out
}

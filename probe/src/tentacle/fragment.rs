//! The plan fragment `preflight discover` prints: one `[[datacenter.tentacle]]`
//! per instance, with the servers it trusts. Appended after a data center's
//! section, it gives that data center the same checks `run --discover` runs.
//!
//! Every value is written through the TOML encoder and every comment is
//! stripped of control characters, so a hostile config cannot inject plan keys.

use std::fmt::Write as _;

use super::ConfigError;
use super::config::{CommunicationStyle, ProxySetting};
use super::instances::Instance;
use super::merge::Origin;
use super::target::TentacleTarget;

/// Renders the fragment for the instances found on `host`, with the files
/// that could not be read as comments.
pub fn render(host: &str, instances: &[Instance], errors: &[ConfigError]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Tentacle instances on {}, found by `preflight discover`.",
        crate::text::comment(host)
    );
    out.push_str(
        "# Append this after the [[datacenter]] this machine is in (when it is the\n\
         # plan's last one: `preflight discover >> plan.toml`), or paste it there.\n",
    );
    if instances.is_empty() {
        out.push_str("# No Tentacle instance was found.\n");
    }
    for e in errors {
        let _ = writeln!(out, "# not read: {}", crate::text::comment(&e.to_string()));
    }
    for instance in instances {
        out.push('\n');
        render_instance(&mut out, host, instance);
    }
    out
}

fn render_instance(out: &mut String, host: &str, instance: &Instance) {
    let config = &instance.config;
    let target = TentacleTarget::from_instance(instance, host);
    let polls = target.polling().count();
    let summary = match (config.listening, polls) {
        (true, 0) => format!("listens on port {}", config.port),
        (true, n) => format!("listens on port {} and polls {n} server(s)", config.port),
        (false, 0) => "does not listen and polls no server".to_string(),
        (false, n) => format!("polls {n} server(s), does not listen"),
    };
    let _ = writeln!(
        out,
        "  # Instance {} ({}): {summary}.",
        crate::text::comment(&instance.name),
        crate::text::comment(&instance.path.display().to_string())
    );
    if instance.found_in.iter().any(|o| *o != Origin::Given) {
        let places: Vec<&str> = instance.found_in.iter().map(|o| o.describe()).collect();
        let _ = writeln!(out, "  # found in {}", places.join(" and "));
    }
    if let Some(service) = &instance.service {
        let outcome = super::service::assess(&instance.name, service);
        let _ = writeln!(
            out,
            "  # service: {}",
            crate::text::comment(&outcome.reason)
        );
    }
    if let Some(home) = &config.home {
        let _ = writeln!(out, "  # home: {}", crate::text::comment(home));
    }
    for problem in &config.problems {
        let _ = writeln!(
            out,
            "  # problem: {}",
            crate::text::comment(&problem.to_string())
        );
    }
    for note in &config.notes {
        let _ = writeln!(out, "  # note: {}", crate::text::comment(note));
    }
    out.push_str("  [[datacenter.tentacle]]\n");
    let _ = writeln!(out, "  name = {}", quote(&target.name));
    let _ = writeln!(out, "  instance = {}", quote(&instance.name));
    // The plan takes only a host name there (it goes into a Host: line).
    match host.parse::<crate::endpoint::HostName>() {
        Ok(name) => {
            let _ = writeln!(out, "  host = {}", quote(name.as_str()));
        }
        Err(_) => {
            let _ = writeln!(
                out,
                "  # host left out: `{}` is not a host name",
                crate::text::comment(host)
            );
        }
    }
    let _ = writeln!(
        out,
        "  config = {}",
        quote(&instance.path.display().to_string())
    );
    if let Some(t) = &config.thumbprint {
        let _ = writeln!(
            out,
            "  thumbprint = {}   # this Tentacle's own certificate",
            quote(t.as_str())
        );
    }
    if config.listening {
        let _ = writeln!(out, "  listen_port = {}", config.port);
        if let Some(ip) = config.listen_ip {
            let _ = writeln!(out, "  listen_ip = {}", quote(&ip.to_string()));
        }
    }
    match &config.polling_proxy {
        ProxySetting::Custom {
            endpoint,
            credentials,
        } => {
            let creds = if *credentials {
                "   # with credentials (not copied)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  polling_proxy = {}{creds}",
                quote(&endpoint.to_string())
            );
        }
        ProxySetting::System if polls > 0 => {
            out.push_str("  # polls through the system's default proxy, if one is set\n");
        }
        _ => {}
    }
    if let ProxySetting::Custom { endpoint, .. } = &config.web_proxy {
        let _ = writeln!(
            out,
            "  # web requests (registration, packages) go through the proxy {}",
            crate::text::comment(&endpoint.to_string())
        );
    }
    for t in &config.trusted {
        let style = match &t.style {
            CommunicationStyle::Other(s) => {
                let _ = writeln!(
                    out,
                    "  # skipped: trusted server {} with CommunicationStyle {}",
                    t.thumbprint,
                    crate::text::comment(s)
                );
                continue;
            }
            s => s.as_str(),
        };
        out.push_str("\n    [[datacenter.tentacle.trust]]\n");
        let _ = writeln!(out, "    style = {}", quote(style));
        let _ = writeln!(out, "    thumbprint = {}", quote(t.thumbprint.as_str()));
        if let Some(a) = &t.address {
            let _ = writeln!(out, "    address = {}", quote(&a.url));
        }
    }
    for u in &config.unread_trust {
        let style = u.style.as_deref().unwrap_or("no style");
        let address = u.address.as_deref().unwrap_or("no address");
        let _ = writeln!(
            out,
            "\n    # trusted server #{} not copied (see the problem above): {}, {}",
            u.number,
            crate::text::comment(style),
            crate::text::comment(address)
        );
    }
}

/// A TOML string literal for any text.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

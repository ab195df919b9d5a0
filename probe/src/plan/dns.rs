//! The plan's DNS part: which resolvers each data center asks, the
//! `[[datacenter.dns]]` checks, and the automatic checks of the old and new
//! server names.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::ops::Range;

use report::{CheckId, Severity};
use toml::Spanned;

use super::{PlanError, server_url_endpoint};
use crate::check::{CheckSpec, PlannedCheck};
use crate::checks::dns::{AddressExpect, DnsExpect, DnsSpec};
use crate::net::resolve::ResolverSpec;
use crate::plan::spec::{DatacenterSpec, DnsCheckSpec, PlanSpec, ServerSpec};

/// Builds a located plan error from a span and a message.
pub(super) type At<'a> = &'a dyn Fn(Option<Range<usize>>, String) -> PlanError;

/// Checks what serde cannot: names, resolver lists, contradictory expectations.
pub(super) fn validate(spec: &PlanSpec, at: At) -> Result<(), PlanError> {
    if let Some(r) = &spec.dns.resolvers {
        non_empty(r, "[dns] resolvers", at)?;
    }
    if let Some(r) = spec.new_server.as_ref().and_then(|s| s.repointed.as_ref()) {
        return Err(at(
            Some(r.span()),
            "expected `repointed` in [old_server] only: it says the old server's names now point at the new server".into(),
        ));
    }
    if let Some(r) = spec.old_server.as_ref().and_then(|s| s.repointed.as_ref())
        && *r.get_ref()
        && server_hosts(spec.new_server.as_ref()).is_empty()
    {
        return Err(at(
            Some(r.span()),
            "`repointed = true` needs a [new_server] with a `url` or `polling` whose addresses the old names must resolve to".into(),
        ));
    }
    for dc in &spec.datacenters {
        if let Some(r) = &dc.resolvers {
            non_empty(r, "the data center's `resolvers`", at)?;
        }
        for check in &dc.dns {
            validate_check(check, at)?;
        }
    }
    Ok(())
}

fn non_empty(list: &Spanned<Vec<ResolverSpec>>, what: &str, at: At) -> Result<(), PlanError> {
    if list.get_ref().is_empty() {
        return Err(at(
            Some(list.span()),
            format!(
                "expected at least one resolver in {what} (\"system\" is this machine's configuration)"
            ),
        ));
    }
    Ok(())
}

fn validate_check(d: &DnsCheckSpec, at: At) -> Result<(), PlanError> {
    let here = || Some(d.host.span());
    dns_name(d.host.get_ref()).map_err(|m| at(here(), m))?;
    if d.resolves == Some(false) {
        let mut with = Vec::new();
        if d.addresses.is_some() {
            with.push("`addresses`");
        }
        if d.cname.is_some() {
            with.push("`cname`");
        }
        if d.public {
            with.push("`public = true`");
        }
        if !d.same_as.is_empty() {
            with.push("`same_as`");
        }
        if !with.is_empty() {
            return Err(at(
                here(),
                format!(
                    "`resolves = false` cannot be combined with {}: a name that must not resolve has no answer to compare",
                    with.join(", ")
                ),
            ));
        }
    }
    match &d.addresses {
        Some(a) if a.is_empty() => {
            return Err(at(
                here(),
                format!(
                    "expected at least one address in `addresses` for {}",
                    d.host.get_ref()
                ),
            ));
        }
        None if d.address_match.is_some() => {
            return Err(at(
                here(),
                "`match` says how `addresses` compare, but this check has no `addresses`".into(),
            ));
        }
        _ => {}
    }
    if let Some(c) = &d.cname {
        dns_name(c).map_err(|m| at(here(), format!("in `cname`: {m}")))?;
    }
    for n in &d.same_as {
        if n.parse::<IpAddr>().is_err() {
            dns_name(n).map_err(|m| at(here(), format!("in `same_as`: {m}")))?;
        }
    }
    Ok(())
}

/// A host name as DNS knows it: labels of letters, digits, `-` and `_`, at most 253 characters.
pub fn dns_name(s: &str) -> Result<(), String> {
    if s.parse::<IpAddr>().is_ok() {
        return Err(format!(
            "expected a DNS name, found the IP address `{s}` (an address needs no DNS: check it with [[datacenter.tcp]])"
        ));
    }
    let t = s.strip_suffix('.').unwrap_or(s);
    let ok = !t.is_empty()
        && t.len() <= 253
        && t.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected a DNS name like `polling.example.com`, found `{s}`"
        ))
    }
}

/// The resolvers a data center asks: its own, else `[dns] resolvers`, else the system's.
pub(super) fn resolvers_for(spec: &PlanSpec, dc: &DatacenterSpec) -> Vec<ResolverSpec> {
    dc.resolvers
        .as_ref()
        .or(spec.dns.resolvers.as_ref())
        .map(|r| r.get_ref().clone())
        .unwrap_or_else(|| vec![ResolverSpec::System])
}

/// A server's hosts by role (`""` for the url, `"-polling"` for polling), IP literals included, deduplicated.
fn server_hosts(server: Option<&ServerSpec>) -> Vec<(&'static str, String)> {
    let Some(server) = server else {
        return Vec::new();
    };
    let mut out: Vec<(&'static str, String)> = Vec::new();
    if let Some(url) = &server.url
        && let Ok(ep) = server_url_endpoint(url.get_ref())
    {
        out.push(("", ep.host));
    }
    if let Some(polling) = &server.polling
        && !out
            .iter()
            .any(|(_, h)| h.eq_ignore_ascii_case(&polling.host))
    {
        out.push(("-polling", polling.host.clone()));
    }
    out
}

/// The data center's DNS checks: the new server's names, the old server's,
/// then `[[datacenter.dns]]` in plan order.
pub(super) fn compile(plan: &PlanSpec, dc: &DatacenterSpec) -> Vec<PlannedCheck> {
    let dc_name = dc.name.get_ref();
    let strict = plan.dns.same_everywhere;
    let mut out = Vec::new();
    let new_hosts = server_hosts(plan.new_server.as_ref());
    for (role, host) in &new_hosts {
        if host.parse::<IpAddr>().is_ok() {
            continue;
        }
        out.push(check(
            ["dc", dc_name, "dns", &format!("new-server{role}")],
            format!("New Octopus Server: {host} resolves"),
            Severity::Blocker,
            host,
            DnsExpect {
                same_everywhere: strict,
                ..DnsExpect::default()
            },
        ));
    }
    let repointed = plan
        .old_server
        .as_ref()
        .and_then(|s| s.repointed.as_ref())
        .is_some_and(|r| *r.get_ref());
    let references: Vec<String> = new_hosts.iter().map(|(_, h)| h.clone()).collect();
    for (role, host) in server_hosts(plan.old_server.as_ref()) {
        if host.parse::<IpAddr>().is_ok() {
            continue;
        }
        let (title, severity, same_as) = if repointed {
            (
                format!("Old Octopus Server: {host} now points at the new server"),
                Severity::Blocker,
                references.clone(),
            )
        } else {
            (
                format!("Old Octopus Server: {host} resolves"),
                Severity::Warning,
                Vec::new(),
            )
        };
        out.push(check(
            ["dc", dc_name, "dns", &format!("old-server{role}")],
            title,
            severity,
            &host,
            DnsExpect {
                same_everywhere: strict,
                same_as,
                ..DnsExpect::default()
            },
        ));
    }
    for d in &dc.dns {
        let host = d.host.get_ref().trim_end_matches('.').to_string();
        let name = d.name.clone().unwrap_or_else(|| host.clone());
        let resolves = d.resolves.unwrap_or(true);
        let expect = DnsExpect {
            resolves,
            addresses: d.addresses.as_ref().map(|a| AddressExpect {
                addresses: a.iter().copied().collect::<BTreeSet<_>>(),
                mode: d.address_match.unwrap_or_default(),
            }),
            cname: d.cname.clone(),
            public: d.public,
            same_everywhere: d.same_everywhere.unwrap_or(strict),
            same_as: d.same_as.clone(),
        };
        let title = d.purpose.clone().unwrap_or_else(|| {
            if resolves {
                format!("DNS: {host} resolves")
            } else {
                format!("DNS: {host} must not resolve")
            }
        });
        out.push(check(
            ["dc", dc_name, "dns", &name],
            title,
            d.severity,
            &host,
            expect,
        ));
    }
    out
}

fn check(
    id: [&str; 4],
    title: String,
    severity: Severity,
    host: &str,
    expect: DnsExpect,
) -> PlannedCheck {
    PlannedCheck {
        id: CheckId::from_parts(id),
        title,
        target: host.to_string(),
        severity,
        spec: CheckSpec::Dns(Box::new(DnsSpec {
            name: host.to_string(),
            expect,
        })),
    }
}

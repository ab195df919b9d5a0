//! `[proxy]` and `[[feed]]`: validated with their spans, then compiled into
//! one feed check per data center that must reach the feed
//! (`dc.<dc>.feed.<name>`).

use std::ops::Range;

use report::CheckId;

use super::spec::{FeedPlanSpec, PlanSpec};
use crate::check::{CheckSpec, PlannedCheck};
use crate::checks::feed::{FeedSpec, Via};
use crate::contract::SpecError;
use crate::net::proxy::{ProxyAuth, ProxyConfig, ProxyRoute, ProxySource};

/// An error at a span of the plan.
pub type SpannedError = (Option<Range<usize>>, String);

/// Checks what serde cannot in `[[feed]]`: URLs, credential pairs, data
/// center names (`[proxy]` is read by `proxy_config`).
pub fn validate(plan: &PlanSpec) -> Result<(), SpannedError> {
    let dc_names: Vec<&String> = plan.datacenters.iter().map(|d| d.name.get_ref()).collect();
    for feed in &plan.feeds {
        let name = feed.name.get_ref();
        if report::model::slug(name) != *name {
            return Err((
                Some(feed.name.span()),
                format!(
                    "expected a feed name of lower-case letters, digits and `-` (it is part of the check id), found `{name}`"
                ),
            ));
        }
        feed_spec(feed, None, false)?;
        if let Some(dcs) = &feed.datacenters
            && let Some(unknown) = dcs.get_ref().iter().find(|d| !dc_names.contains(d))
        {
            return Err((
                Some(dcs.span()),
                format!(
                    "feed `{name}` names data center `{unknown}`, but the plan has no such [[datacenter]]"
                ),
            ));
        }
    }
    Ok(())
}

/// The feed's spec, through the one validating constructor the `check feed`
/// command uses too; an error points at the key at fault.
fn feed_spec(
    feed: &FeedPlanSpec,
    proxy: Option<ProxyConfig>,
    cloud: bool,
) -> Result<FeedSpec, SpannedError> {
    let name = feed.name.get_ref();
    let at = |e: SpecError| {
        let span = match e.field {
            "url" => Some(feed.url.span()),
            "expect_status" => feed.expect_status.as_ref().map(|s| s.span()),
            "password_env" => feed.password_env.as_ref().map(|s| s.span()),
            "token_env" => feed.token_env.as_ref().map(|s| s.span()),
            _ => Some(feed.name.span()),
        };
        let message = if e.field == "url" {
            e.message
        } else {
            format!("feed `{name}`: {}", e.message)
        };
        (span, message)
    };
    let mut spec = FeedSpec::new(feed.kind, feed.url.get_ref(), feed.via)
        .and_then(|s| {
            s.with_credentials(
                feed.username_env.clone(),
                feed.password_env.as_ref().map(|s| s.get_ref().clone()),
                feed.token_env.as_ref().map(|s| s.get_ref().clone()),
            )
        })
        .map_err(at)?;
    if let Some(status) = &feed.expect_status {
        spec = spec.with_expect_status(*status.get_ref()).map_err(at)?;
    }
    spec.ca_file = feed.ca_file.clone();
    spec.proxy = proxy;
    spec.server_side = feed.server_side;
    spec.cloud = cloud;
    Ok(spec)
}

/// The plan's `[proxy]` as the one proxy model, or why it cannot be used:
/// the same rule as `--proxy` and `HTTPS_PROXY` (http:// with a port), and
/// no credentials in the URL (they belong in `username_env`/`password_env`).
pub fn proxy_config(plan: &PlanSpec) -> Result<Option<ProxyConfig>, SpannedError> {
    let Some(proxy) = &plan.proxy else {
        return Ok(None);
    };
    let span = Some(proxy.url.span());
    let route =
        ProxyRoute::parse(proxy.url.get_ref(), ProxySource::Plan).map_err(|e| (span.clone(), e))?;
    if route.auth != ProxyAuth::None {
        return Err((
            span,
            "the plan's [proxy] url carries credentials; name the environment variables holding them instead (username_env, password_env)".into(),
        ));
    }
    let route = match (&proxy.username_env, &proxy.password_env) {
        (Some(user), Some(password)) => route.with_env_credentials(user, password),
        (None, None) => route,
        _ => {
            return Err((
                span,
                "expected both `username_env` and `password_env` in [proxy], or neither".into(),
            ));
        }
    };
    Ok(Some(ProxyConfig {
        route,
        no_proxy: proxy.no_proxy.clone(),
    }))
}

/// Whether the new server is Octopus Cloud (its URL is on `*.octopus.app`).
pub fn new_server_is_cloud(plan: &PlanSpec) -> bool {
    plan.new_server
        .as_ref()
        .and_then(|s| s.url.as_ref())
        .and_then(|u| url::Url::parse(u.get_ref()).ok())
        .and_then(|u| u.host_str().map(|h| h.to_ascii_lowercase()))
        .is_some_and(|h| h.ends_with(".octopus.app"))
}

/// The feed checks of one data center, in plan order.
pub fn feed_checks(plan: &PlanSpec, dc: &str, proxy: Option<&ProxyConfig>) -> Vec<PlannedCheck> {
    let cloud = new_server_is_cloud(plan);
    plan.feeds
        .iter()
        .filter(|f| {
            f.datacenters
                .as_ref()
                .is_none_or(|d| d.get_ref().iter().any(|n| n == dc))
        })
        .filter_map(|f| {
            // Every feed passed `validate` when the plan was read.
            let spec = feed_spec(f, proxy.cloned(), cloud).ok()?;
            let name = f.name.get_ref();
            let via = match f.via {
                Via::Direct => "direct",
                Via::Proxy => "through the proxy",
                Via::Both => "direct and through the proxy",
            };
            Some(PlannedCheck {
                id: CheckId::from_parts(["dc", dc, "feed", name]),
                title: f
                    .purpose
                    .clone()
                    .unwrap_or_else(|| format!("Feed {name} ({}), {via}", f.kind)),
                target: spec.url.to_string(),
                severity: f.severity,
                spec: CheckSpec::Feed(Box::new(spec)),
            })
        })
        .collect()
}

/// Environment variables holding feed and proxy secrets (passwords, tokens).
/// User names are not listed: they identify, they do not authenticate, and
/// redacting a short name would mangle unrelated text.
pub fn secret_env_vars(plan: &PlanSpec) -> Vec<String> {
    let mut vars: Vec<String> = plan
        .feeds
        .iter()
        .flat_map(|f| [&f.password_env, &f.token_env])
        .map(|v| v.as_ref().map(|s| s.get_ref().clone()))
        .chain(plan.proxy.iter().map(|p| p.password_env.clone()))
        .flatten()
        .collect();
    vars.sort();
    vars.dedup();
    vars
}

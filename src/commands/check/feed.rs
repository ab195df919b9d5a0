//! `preflight check feed URL --kind …`.

use anyhow::{Result, anyhow, bail};
use probe::checks::feed::{Credentials, FeedKind, FeedSpec, Via};
use probe::net::proxy::{ProxyAuth, ProxyConfig, ProxyRoute, ProxySource};
use probe::{CheckSpec, PlannedCheck};
use report::{CheckId, Severity};

use crate::cli::{CheckFeedArgs, ViaArg};
use crate::output::{self, RunSettings};

pub fn feed(args: CheckFeedArgs) -> Result<i32> {
    let url = match url::Url::parse(&args.url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => u,
        _ => bail!(
            "expected an http(s) URL like https://nuget.example.com/v3/index.json, found `{}`",
            probe::net::proxy::redact_url(&args.url)
        ),
    };
    if !url.username().is_empty() || url.password().is_some() {
        bail!(
            "the URL carries credentials; pass them through environment variables instead (--user-env, --password-env)"
        );
    }
    let kind = FeedKind::from(args.kind);
    if kind != FeedKind::Http && args.expect_status != 200 {
        bail!("--expect-status applies to --kind http only");
    }
    let via = match (args.via, &args.proxy) {
        (Some(ViaArg::Direct), Some(_)) => {
            bail!("--proxy with --via direct: the proxy would not be used")
        }
        (Some(ViaArg::Direct), None) | (None, None) => Via::Direct,
        (Some(ViaArg::Proxy), _) | (None, Some(_)) => Via::Proxy,
        (Some(ViaArg::Both), _) => Via::Both,
    };
    // The report redacts these values from every output, on top of the check never writing them.
    let secret_vars: Vec<String> = [
        &args.password_env,
        &args.token_env,
        &args.proxy_password_env,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    let credentials = match (args.user_env, args.password_env, args.token_env) {
        (Some(username_env), Some(password_env), _) => Some(Credentials::Basic {
            username_env,
            password_env,
        }),
        (_, _, Some(token_env)) => Some(Credentials::Token { token_env }),
        _ => None,
    };
    // The same rule as the plan's [proxy]: refused here, before any check runs.
    let proxy = match &args.proxy {
        Some(raw) => {
            let route = ProxyRoute::parse(raw, ProxySource::CommandLine).map_err(|e| anyhow!("{e}"))?;
            let route = match (&args.proxy_user_env, &args.proxy_password_env) {
                (Some(user), Some(password)) => route.with_env_credentials(user, password),
                _ => route,
            };
            Some(ProxyConfig {
                route,
                no_proxy: Vec::new(),
            })
        }
        None => None,
    };
    // A password in the --proxy URL itself is a secret like any other.
    let inline_proxy_password = match proxy.as_ref().map(|p| &p.route.auth) {
        Some(ProxyAuth::Inline { password, .. }) => Some(password.clone()),
        _ => None,
    };
    let check = PlannedCheck {
        id: CheckId::from_parts(["adhoc", "feed", url.host_str().unwrap_or("feed")]),
        title: format!("Feed {kind} at {}", url.host_str().unwrap_or_default()),
        target: url.to_string(),
        severity: Severity::Blocker,
        spec: CheckSpec::Feed(Box::new(FeedSpec {
            kind,
            url,
            credentials,
            via,
            expect_status: args.expect_status,
            ca_file: args.http.ca_file.clone(),
            proxy,
            server_side: false,
            cloud: false,
        })),
    };
    let settings = RunSettings {
        concurrency: 1,
        ca_file: args.http.ca_file,
        secrets: output::secret_values(&secret_vars)
            .into_iter()
            .chain(inline_proxy_password)
            .collect(),
        ..RunSettings::adhoc(args.http.timeout.get())
    };
    let finished = output::run_checks(&[check], &settings)?;
    output::emit(&finished, &args.output)
}

//! `preflight check feed URL --kind …`.

use anyhow::{Result, anyhow, bail};
use probe::checks::feed::{FeedKind, FeedSpec, Via};
use probe::net::proxy::{ProxyAuth, ProxyConfig, ProxyRoute, ProxySource};
use probe::{CheckSpec, PlannedCheck};
use report::{CheckId, Severity};

use crate::cli::{CheckFeedArgs, ViaArg};
use crate::output::{self, RunSettings};

pub fn feed(args: CheckFeedArgs) -> Result<i32> {
    let kind = FeedKind::from(args.kind);
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
    // The same rule as the plan's [proxy]: refused here, before any check runs.
    let proxy = match &args.proxy {
        Some(raw) => {
            let route =
                ProxyRoute::parse(raw, ProxySource::CommandLine).map_err(|e| anyhow!("{e}"))?;
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
    // The plan's rules, from the one constructor the plan compiler uses; a
    // flag stands where the plan has a key.
    let flag = |e: probe::SpecError| {
        let flag = match e.field {
            "url" => "URL",
            "expect_status" => "--expect-status",
            "token_env" => "--token-env",
            _ => "--user-env/--password-env",
        };
        anyhow!("{flag}: {e}")
    };
    let mut spec = FeedSpec::new(kind, &args.url, via)
        .and_then(|s| s.with_credentials(args.user_env, args.password_env, args.token_env))
        .map_err(flag)?;
    if args.expect_status != 200 {
        spec = spec.with_expect_status(args.expect_status).map_err(flag)?;
    }
    spec.ca_file = args.http.ca_file.clone();
    spec.proxy = proxy;
    let host = spec.url.host_str().unwrap_or("feed").to_string();
    let check = PlannedCheck {
        id: CheckId::from_parts(["adhoc", "feed", &host]),
        title: format!("Feed {kind} at {host}"),
        target: spec.url.to_string(),
        severity: Severity::Blocker,
        spec: CheckSpec::Feed(Box::new(spec)),
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
    if let Some(dir) = &args.output.out {
        output::prepare_out_dir(dir)?;
    }
    let finished = output::run_checks(&[check], &settings)?;
    output::emit(finished, &args.output)
}

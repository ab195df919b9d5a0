//! `preflight check tls HOST:PORT...`: one TLS identity check per endpoint, run at once.

use anyhow::{Result, anyhow};
use probe::checks::tls::{Expected, TlsSpec};
use probe::net::proxy::{ProxyAuth, ProxyRoute, ProxySource};
use probe::{CheckSpec, PlannedCheck};
use report::{CheckId, Severity};

use crate::cli::{CheckTlsArgs, TlsExpectArg};
use crate::output::{self, RunSettings};

pub fn tls(args: CheckTlsArgs) -> Result<i32> {
    let expected = match args.expect {
        TlsExpectArg::Server => Expected::Server,
        TlsExpectArg::Tentacle => Expected::Tentacle,
        TlsExpectArg::Halibut => Expected::Halibut,
        TlsExpectArg::Tls => Expected::Tls,
    };
    let mut secrets = Vec::new();
    let proxy = match &args.proxy {
        Some(url) => {
            let mut route =
                ProxyRoute::parse(url, ProxySource::CommandLine).map_err(|e| anyhow!("{e}"))?;
            // The password is redacted from every output; a user name is not a secret
            // (and redacting one like "tentacle" would garble the report).
            if let ProxyAuth::Inline { password, .. } = &route.auth {
                secrets.push(password.clone());
            }
            if let (Some(user), Some(pass)) = (&args.proxy_user_env, &args.proxy_password_env) {
                route = route.with_env_credentials(user, pass);
                secrets.extend(output::secret_values(std::slice::from_ref(pass)));
            }
            Some(route)
        }
        None => None,
    };
    let checks: Vec<PlannedCheck> = args
        .targets
        .iter()
        .map(|endpoint| {
            let mut spec = TlsSpec::new(endpoint.clone(), expected);
            spec.sni = args.sni.as_ref().map(|h| h.as_str().to_string());
            spec.thumbprint = args.thumbprint.clone();
            spec.cloud |= args.cloud;
            spec.proxy = proxy.clone();
            let target = endpoint.to_string();
            let title = match &spec.proxy {
                Some(route) => format!("TLS identity of {target} via proxy {}", route.display()),
                None => format!("TLS identity of {target}"),
            };
            PlannedCheck {
                id: CheckId::from_parts(["adhoc", "tls", &target]),
                title,
                target,
                severity: Severity::Blocker,
                spec: CheckSpec::Tls(Box::new(spec)),
            }
        })
        .collect();
    let settings = RunSettings {
        secrets,
        ..RunSettings::adhoc(args.timeout.get())
    };
    if let Some(dir) = &args.output.out {
        output::prepare_out_dir(dir)?;
    }
    let finished = output::run_checks(&checks, &settings)?;
    output::emit(finished, &args.output)
}

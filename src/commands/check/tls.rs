//! `preflight check tls HOST:PORT`.

use anyhow::{Result, anyhow};
use probe::checks::tls::{Expected, TlsSpec};
use probe::tunnel::{ProxyAuth, ProxyRoute};
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
    let mut spec = TlsSpec::new(args.target.clone(), expected);
    spec.sni = args.sni;
    spec.thumbprint = args.thumbprint;
    spec.cloud |= args.cloud;
    let mut secrets = Vec::new();
    if let Some(url) = &args.proxy {
        let mut route = ProxyRoute::parse(url).map_err(|e| anyhow!("--proxy: {e}"))?;
        // The password is redacted from every output; a user name is not a secret
        // (and redacting one like "tentacle" would garble the report).
        if let ProxyAuth::Inline { password, .. } = &route.auth {
            secrets.push(password.clone());
        }
        if let (Some(user), Some(pass)) = (&args.proxy_user_env, &args.proxy_password_env) {
            route = route.with_env_credentials(user, pass);
            secrets.extend(output::secret_values(std::slice::from_ref(pass)));
        }
        spec.proxy = Some(route);
    }
    let target = args.target.to_string();
    let title = match &spec.proxy {
        Some(route) => format!("TLS identity of {target} via proxy {}", route.display()),
        None => format!("TLS identity of {target}"),
    };
    let check = PlannedCheck {
        id: CheckId::from_parts(["adhoc", "tls", &target]),
        title,
        target,
        severity: Severity::Blocker,
        spec: CheckSpec::Tls(spec),
    };
    let settings = RunSettings {
        datacenter: output::ADHOC.into(),
        migration: None,
        plan_sha256: String::new(),
        waivers: Vec::new(),
        timeout: args.timeout.get(),
        concurrency: 1,
        secrets,
        ca_file: None,
    };
    let finished = output::run_checks(&[check], &settings)?;
    output::emit(&finished, &args.output)
}

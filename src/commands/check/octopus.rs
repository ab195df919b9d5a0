//! `preflight check octopus URL`.

use anyhow::{Result, bail};
use probe::checks::octopus::{ApiSpec, ThumbprintSpec};
use probe::checks::tls::{Expected, TlsSpec};
use probe::{CheckSpec, PlannedCheck};
use report::{CheckId, Severity};

use crate::cli::CheckOctopusArgs;
use crate::output::{self, RunSettings};

pub fn octopus(args: CheckOctopusArgs) -> Result<i32> {
    if let Err(e) = probe::plan::server_url_endpoint(&args.url) {
        bail!("URL: {e}");
    }
    let url = args.url.trim_end_matches('/').to_string();
    let mut checks = vec![PlannedCheck {
        id: CheckId::from_parts(["adhoc", "octopus", "api"]),
        title: format!("Octopus API answers, version {} or later", args.min_version),
        target: format!("{url}/api"),
        severity: Severity::Blocker,
        spec: CheckSpec::OctopusApi(Box::new(ApiSpec {
            url: url.clone(),
            min_version: Some(args.min_version.clone()),
            ca_file: args.ca_file.clone(),
        })),
    }];
    let mut secrets = Vec::new();
    if let Some(var) = &args.api_key_env {
        secrets.extend(output::secret_values(std::slice::from_ref(var)));
        let polling = args.polling.clone().map(|endpoint| {
            let mut spec = TlsSpec::new(endpoint, Expected::Server);
            spec.thumbprint = args.thumbprint.clone();
            spec
        });
        checks.push(PlannedCheck {
            id: CheckId::from_parts(["adhoc", "octopus", "certificate"]),
            title: "Server certificate (API) matches the polling port and the thumbprint".into(),
            target: format!("{url}/api/configuration/certificates/certificate-global"),
            severity: Severity::Blocker,
            spec: CheckSpec::OctopusThumbprint(Box::new(ThumbprintSpec {
                url,
                api_key_env: var.clone(),
                ca_file: args.ca_file.clone(),
                polling,
                expected: args.thumbprint.clone(),
            })),
        });
    }
    let settings = RunSettings {
        concurrency: 2,
        ca_file: args.ca_file.clone(),
        secrets,
        ..RunSettings::adhoc(args.timeout.get())
    };
    if let Some(dir) = &args.output.out {
        output::prepare_out_dir(dir)?;
    }
    let finished = output::run_checks(&checks, &settings)?;
    output::emit(finished, &args.output)
}

//! The judgement of the Octopus API checks, pure: reachability and version
//! of `/api`, and the server certificate's thumbprint as the API, the
//! polling port and the plan see it.

use report::Status;

use super::{
    ApiEvidence, ApiSpec, OctopusVersion, RequestError, RequestFailure, ThumbprintEvidence,
    ThumbprintSpec,
};
use crate::contract::Outcome;

/// Judges `GET /api`.
pub fn assess_api(ev: &ApiEvidence, spec: &ApiSpec, origin: &str) -> Outcome {
    if let Some(e) = &ev.error {
        return request_failure(e, &ev.url, spec.ca_file.is_some(), origin).with_evidence(ev);
    }
    let status = ev.status.unwrap_or(0);
    if status != 200 {
        let seen = ev
            .body_start
            .as_deref()
            .map(|b| format!(": `{b}`"))
            .unwrap_or_default();
        return Outcome::new(
            Status::Fail,
            format!("GET {} answered HTTP {status}, expected 200 and Octopus's API document{seen}", ev.url),
        )
        .with_remediation(format!(
            "check that {} is the Octopus Server's address (a proxy, login page or load balancer may answer in its place)",
            spec.url
        ))
        .with_evidence(ev);
    }
    let Some(version_text) = &ev.version else {
        return Outcome::new(
            Status::Fail,
            format!(
                "not an Octopus Server: {} has no `Version`{}",
                ev.url,
                ev.body_start
                    .as_deref()
                    .map(|b| format!(" (it answered `{b}`)"))
                    .unwrap_or_default()
            ),
        )
        .with_remediation(format!(
            "check that {} is the Octopus Server's address",
            spec.url
        ))
        .with_evidence(ev);
    };
    let app = ev.application.as_deref().unwrap_or("Octopus");
    let Ok(version) = version_text.parse::<OctopusVersion>() else {
        return Outcome::new(
            Status::Error,
            format!("{app} answered, but its version `{version_text}` is not a version number"),
        )
        .with_evidence(ev);
    };
    match &spec.min_version {
        Some(min) if version < *min => Outcome::new(
            Status::Fail,
            format!(
                "{app} {version} is older than {min}: Export/Import Projects needs {min} or later"
            ),
        )
        .with_remediation(format!(
            "upgrade the old server to {min} or later before exporting (Export/Import Projects is not available on {version})"
        )),
        Some(min) => Outcome::new(
            Status::Pass,
            format!("{app} {version} (at least {min}, as Export/Import Projects needs)"),
        ),
        None => Outcome::new(Status::Pass, format!("{app} {version}")),
    }
    .with_evidence(ev)
}

fn request_failure(e: &RequestError, url: &str, had_ca_file: bool, origin: &str) -> Outcome {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| url.to_string());
    match e.kind {
        RequestFailure::Untrusted => Outcome::new(
            Status::Fail,
            format!("{url}: the certificate is not trusted: {}", e.detail),
        )
        .with_remediation(if let Some(remedy) = crate::net::pinned::remedy(&e.detail, &host) {
            remedy
        } else if had_ca_file {
            format!("the ca_file does not hold the CA that issued {host}'s certificate: add that CA (a TLS-inspecting proxy signs with its own), or fix the certificate")
        } else {
            format!("give the CA that issued {host}'s certificate as ca_file in the plan (or --ca-file, or SSL_CERT_FILE), or exempt {host} from TLS inspection")
        }),
        RequestFailure::Connect => Outcome::new(Status::Fail, format!("{url}: {}", e.detail))
            .with_remediation(format!(
                "ask for a firewall rule allowing HTTPS from {origin} to {host}, and check that the name resolves"
            )),
        RequestFailure::Timeout => Outcome::new(
            Status::Fail,
            format!("{url}: no answer in time ({})", e.detail),
        )
        .with_remediation(format!(
            "ask for a firewall rule allowing HTTPS from {origin} to {host}"
        )),
        RequestFailure::Setup | RequestFailure::Other => {
            Outcome::new(Status::Error, format!("{url}: {}", e.detail))
        }
    }
}

/// Judges the server certificate as the API, the polling port and the plan see it.
pub fn assess_thumbprint(ev: &ThumbprintEvidence, spec: &ThumbprintSpec, origin: &str) -> Outcome {
    let var = &spec.api_key_env;
    if let Some(e) = &ev.error {
        return request_failure(e, &ev.url, spec.ca_file.is_some(), origin).with_evidence(ev);
    }
    let Some(api) = &ev.api_thumbprint else {
        let outcome = match ev.status {
            None => Outcome::new(
                Status::Error,
                format!("the API key variable {var} is not set: the server certificate was not read"),
            )
            .with_remediation(format!(
                "set {var} to an API key of a user who may view the server configuration, and run again"
            )),
            Some(401 | 403) => Outcome::new(
                Status::Error,
                format!(
                    "the API key in {var} was refused (HTTP {}): the server certificate was not read",
                    ev.status.unwrap_or(0)
                ),
            )
            .with_remediation(format!(
                "put a valid API key in {var} (its user needs permission to view the server configuration)"
            )),
            Some(status) => Outcome::new(
                Status::Error,
                format!("{} answered HTTP {status} without a thumbprint", ev.url),
            ),
        };
        return outcome.with_evidence(ev);
    };
    let mut problems = Vec::new();
    let mut remedies = Vec::new();
    if let Some(seen) = &ev.polling_thumbprint
        && seen != api
    {
        let target = ev.polling_target.as_deref().unwrap_or("the polling port");
        problems.push(format!(
            "the polling port {target} presents {seen}, but the server's certificate is {api}"
        ));
        remedies.push(format!(
            "something between {origin} and {target} presents another certificate (TLS inspection, or a load balancer terminating TLS): ask for a bypass so Tentacles reach the server's own certificate"
        ));
    }
    if let Some(expected) = &spec.expected
        && expected != api
    {
        problems.push(format!(
            "the plan expects {expected}, but the server's certificate is {api}"
        ));
        remedies.push(format!(
            "Tentacles must trust {api}: put it in the plan, and run `Tentacle configure --trust={api}` on listening Tentacles and `Tentacle poll-server --server=<new server URL> --apikey=<API key>` on polling ones"
        ));
    }
    let polling_note = match (&ev.polling_thumbprint, &ev.polling_error) {
        (Some(_), _) => String::new(),
        (None, Some(e)) => format!("; the polling port was not compared ({e})"),
        (None, None) => String::new(),
    };
    if problems.is_empty() {
        let agrees = match (&ev.polling_thumbprint, &spec.expected) {
            (Some(_), Some(_)) => " (the polling port and the plan agree)",
            (Some(_), None) => " (the polling port agrees)",
            (None, Some(_)) => " (the plan agrees)",
            (None, None) => "",
        };
        let status = if ev.polling_error.is_some() {
            Status::Warn
        } else {
            Status::Pass
        };
        return Outcome::new(
            status,
            format!("server certificate {api}{agrees}{polling_note}"),
        )
        .with_evidence(ev);
    }
    Outcome::new(
        Status::Fail,
        format!("{}{polling_note}", problems.join("; ")),
    )
    .with_remediation(remedies.join("; also: "))
    .with_evidence(ev)
}

#[cfg(test)]
mod tests;

//! The judgement of a TLS check, a pure function of the evidence and the
//! spec: failed steps first, then each rule on a completed handshake
//! (thumbprint, interception, Halibut role, expiry, SHA-1 signature, TLS
//! version). The worst finding sets the status; every finding is named in
//! the reason and brings its remediation.

use report::Status;

use super::halibut::HalibutRole;
use super::{Expected, Failure, FailureKind, Stage, TlsEvidence, TlsSpec};
use crate::contract::Outcome;

/// Days before expiry from which a certificate is a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// One thing the assessment found.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Finding {
    status: Status,
    reason: String,
    remedy: Option<String>,
}

fn finding(status: Status, reason: String, remedy: Option<String>) -> Finding {
    Finding {
        status,
        reason,
        remedy,
    }
}

/// Judges the evidence against the spec. Pure: no I/O, no clock.
pub fn assess(ev: &TlsEvidence, spec: &TlsSpec, origin: &str) -> Outcome {
    if let Some(f) = ev.error.as_ref().filter(|f| f.stage != Stage::Halibut)
        && ev.thumbprint_sha1.is_none()
    {
        let found = step_failure(f, ev, spec, origin);
        return Outcome {
            status: found.status,
            reason: found.reason,
            remediation: found.remedy,
            evidence: Default::default(),
        }
        .with_evidence(ev);
    }
    let mut findings = Vec::new();
    if let Some(f) = ev.error.as_ref().filter(|f| f.stage != Stage::Halibut) {
        findings.push(finding(Status::Error, f.detail.clone(), None));
    }
    findings.extend(thumbprint(ev, spec, origin));
    findings.extend(interception(ev, spec, origin));
    findings.extend(role(ev, spec, origin));
    findings.extend(expiry(ev, spec));
    findings.extend(signature(ev, spec));
    findings.extend(version(ev, spec));
    combine(findings, ev, spec).with_evidence(ev)
}

fn combine(mut findings: Vec<Finding>, ev: &TlsEvidence, spec: &TlsSpec) -> Outcome {
    findings.sort_by_key(|f| std::cmp::Reverse(f.status.severity_rank()));
    let Some(worst) = findings.first().map(|f| f.status) else {
        return Outcome::new(Status::Pass, summary(ev, spec));
    };
    let reason = findings
        .iter()
        .map(|f| f.reason.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let remedies: Vec<&str> = findings
        .iter()
        .filter_map(|f| f.remedy.as_deref())
        .collect();
    let mut outcome = Outcome::new(worst, format!("{reason} ({})", summary(ev, spec)));
    if !remedies.is_empty() {
        outcome = outcome.with_remediation(remedies.join("; also: "));
    }
    outcome
}

/// `Octopus Server polling endpoint (Halibut), TLSv1.3, thumbprint 3F9A…, self-signed CN=Octopus Portal, 36499 days left`.
fn summary(ev: &TlsEvidence, spec: &TlsSpec) -> String {
    let mut parts = Vec::new();
    if let Some(role) = ev.halibut
        && (role != HalibutRole::None || spec.expected.is_halibut())
    {
        parts.push(role.describe().to_string());
    }
    if let Some(v) = &ev.tls_version {
        parts.push(v.clone());
    }
    if let Some(t) = &ev.thumbprint_sha1 {
        let matched = spec.thumbprint.as_ref() == Some(t);
        parts.push(format!(
            "thumbprint {t}{}",
            if matched { " (as expected)" } else { "" }
        ));
    }
    if let Some(leaf) = ev.chain.first() {
        if leaf.self_signed {
            parts.push(format!("self-signed {}", leaf.subject));
        } else {
            parts.push(format!("{} issued by {}", leaf.subject, leaf.issuer));
        }
    }
    if let Some(days) = ev.days_left {
        parts.push(format!("{days} days left"));
    }
    if let Some(proxy) = &ev.proxy {
        parts.push(format!("via proxy {proxy}"));
    }
    parts.join(", ")
}

/// A step before the handshake completed failed.
fn step_failure(f: &Failure, ev: &TlsEvidence, spec: &TlsSpec, origin: &str) -> Finding {
    let ep = &spec.endpoint;
    let proxy = ev.proxy.as_deref().unwrap_or("the proxy");
    let what = port_role(spec);
    match f.kind {
        FailureKind::DnsFailed => finding(
            Status::Fail,
            format!("dns-failed: {}", f.detail),
            Some(format!(
                "make {} resolve from {origin} (check the DNS record and this data center's resolvers)",
                ep.host
            )),
        ),
        FailureKind::Refused => finding(
            Status::Fail,
            f.detail.clone(),
            Some(format!(
                "nothing accepts TCP {} on {}: start {what} there, or ask for the firewall rule that rejects TCP {} from {origin} to {} to be opened",
                ep.port, ep.host, ep.port, ep.host
            )),
        ),
        FailureKind::Filtered | FailureKind::Unreachable => finding(
            Status::Fail,
            f.detail.clone(),
            Some(format!(
                "ask for a firewall rule allowing TCP {} outbound from {origin} to {}",
                ep.port, ep.host
            )),
        ),
        FailureKind::ProxyUnreachable => finding(
            Status::Fail,
            format!("{} ({proxy})", f.detail),
            Some(format!(
                "check the proxy address (the plan's [proxy] url, or the Tentacle's polling proxy setting) and that {origin} may reach it"
            )),
        ),
        FailureKind::ProxyAuthRequired => finding(
            Status::Fail,
            format!("{} ({proxy})", f.detail),
            Some(format!(
                "give the proxy credentials: the plan's [proxy] username_env/password_env (or --proxy-user-env/--proxy-password-env), and on each polling Tentacle `Tentacle polling-proxy --proxyEnable=true --proxyHost=<host> --proxyPort=<port> --proxyUsername=<user> --proxyPassword=<password>`; {proxy} answered {}",
                ev.proxy_status.as_deref().unwrap_or("407")
            )),
        ),
        FailureKind::ProxyRefused => finding(
            Status::Fail,
            format!("{} ({proxy} refused CONNECT to {ep})", f.detail),
            Some(format!(
                "ask the proxy team to allow CONNECT to {ep} from {origin} (proxies often allow CONNECT to port 443 only; Halibut needs {} and a raw TLS tunnel, without SSL inspection)",
                ep.port
            )),
        ),
        FailureKind::ProxyTargetUnreachable => finding(
            Status::Fail,
            format!(
                "{} ({proxy} answers, but {ep} does not answer the proxy)",
                f.detail
            ),
            Some(format!(
                "ask for a firewall rule allowing TCP {} from the proxy {proxy} to {}",
                ep.port, ep.host
            )),
        ),
        FailureKind::Timeout if f.stage == Stage::Handshake => finding(
            Status::Error,
            f.detail.clone(),
            Some(format!(
                "something accepts TCP on {ep} but does not speak TLS: check that {ep} is {what} and that no device in the path holds the connection"
            )),
        ),
        FailureKind::PlainHttp | FailureKind::NotTls => finding(
            Status::Fail,
            f.detail.clone(),
            Some(format!(
                "{ep} is not {what}: point the plan at the Halibut port (10943 for the server's polling endpoint, 10933 for a listening Tentacle), or remove the service or device answering there"
            )),
        ),
        FailureKind::TlsTooOld if spec.cloud => finding(
            Status::Fail,
            format!("{}: Octopus Cloud requires TLS 1.2 or later", f.detail),
            Some(format!(
                "enable TLS 1.2 on {} (Windows: enable TLS 1.2 in SCHANNEL and .NET strong cryptography, then restart the service)",
                ep.host
            )),
        ),
        FailureKind::TlsTooOld => finding(
            Status::Error,
            format!(
                "{}: preflight speaks TLS 1.2 and 1.3 only, so the identity was not checked",
                f.detail
            ),
            Some(format!(
                "enable TLS 1.2 on {} (Windows: enable TLS 1.2 in SCHANNEL and .NET strong cryptography, then restart the service)",
                ep.host
            )),
        ),
        FailureKind::HandshakeFailed | FailureKind::Closed => finding(
            Status::Fail,
            f.detail.clone(),
            Some(format!(
                "the TLS handshake with {ep} does not complete from {origin}: check for a firewall, IPS or proxy that resets TLS to this port"
            )),
        ),
        FailureKind::Timeout | FailureKind::ProxyError | FailureKind::Io => {
            finding(Status::Error, f.detail.clone(), None)
        }
    }
}

fn port_role(spec: &TlsSpec) -> &'static str {
    match spec.expected {
        Expected::Server => "the Octopus Server's polling endpoint",
        Expected::Tentacle => "a listening Tentacle",
        Expected::Halibut => "an Octopus Server or Tentacle",
        Expected::Tls => "the expected TLS service",
    }
}

fn thumbprint(ev: &TlsEvidence, spec: &TlsSpec, origin: &str) -> Option<Finding> {
    let (expected, found) = (spec.thumbprint.as_ref()?, ev.thumbprint_sha1.as_ref()?);
    if expected == found {
        return None;
    }
    let ep = &spec.endpoint;
    let remedy = match spec.expected {
        Expected::Tentacle => format!(
            "the Tentacle at {ep} presents {found}, not {expected}: if it was reinstalled or given a new certificate, update its thumbprint in Octopus (Infrastructure > Deployment Targets > the target > Connectivity); otherwise restore its certificate (`Tentacle import-certificate`) or find what answers in its place"
        ),
        _ => format!(
            "if {found} is the new server's certificate (export/import gives the new instance a new one), put it in the plan and have every Tentacle trust it: listening Tentacles `Tentacle configure --trust={found}`, polling Tentacles `Tentacle poll-server --server=<new server URL> --apikey=<API key>`; if {expected} is right, something between {origin} and {ep} presents another certificate"
        ),
    };
    Some(finding(
        Status::Fail,
        format!("thumbprint mismatch: expected {expected}, found {found}"),
        Some(remedy),
    ))
}

fn interception(ev: &TlsEvidence, spec: &TlsSpec, origin: &str) -> Option<Finding> {
    let leaf = ev.chain.first()?;
    let halibut_here = spec.expected.is_halibut()
        || matches!(
            ev.halibut,
            Some(HalibutRole::Server | HalibutRole::Tentacle)
        );
    if !halibut_here || leaf.self_signed {
        return None;
    }
    let ep = &spec.endpoint;
    let via = match &ev.proxy {
        Some(p) => format!(", or exempt {ep} from SSL inspection on the proxy {p}"),
        None => String::new(),
    };
    Some(finding(
        Status::Fail,
        format!(
            "probable TLS inspection: the certificate ({}) is issued by {}, where Halibut presents a self-signed certificate",
            leaf.subject, leaf.issuer
        ),
        Some(format!(
            "ask the network team for a TLS-inspection bypass for TCP {} from {origin} to {} (the inspecting device signs with {}){via}: Halibut trusts certificates by thumbprint, so Tentacles cannot connect through inspection",
            ep.port, ep.host, leaf.issuer
        )),
    ))
}

fn role(ev: &TlsEvidence, spec: &TlsSpec, _origin: &str) -> Option<Finding> {
    let ep = &spec.endpoint;
    let halibut_failure = ev.error.as_ref().filter(|f| f.stage == Stage::Halibut);
    if !spec.expected.is_halibut() {
        return None;
    }
    if let Some(f) = halibut_failure {
        return Some(finding(
            Status::Error,
            format!("Halibut did not answer: {}", f.detail),
            Some(format!(
                "check that {ep} is {} and that no device in the path holds the connection",
                port_role(spec)
            )),
        ));
    }
    let found = ev.halibut?;
    let fits = match spec.expected {
        Expected::Server => found == HalibutRole::Server,
        Expected::Tentacle => found == HalibutRole::Tentacle,
        Expected::Halibut => matches!(found, HalibutRole::Server | HalibutRole::Tentacle),
        Expected::Tls => true,
    };
    if fits {
        return None;
    }
    if ev.standin && spec.expected != Expected::Server {
        return Some(finding(
            Status::Warn,
            "a preflight stand-in listener answered, not a Tentacle: the path through the firewall works, the Tentacle is not installed yet".into(),
            Some(format!(
                "install the Tentacle on {} (stop `preflight listen` first) and run the check again",
                ep.host
            )),
        ));
    }
    let answer = ev.halibut_answer.as_deref().unwrap_or("nothing");
    let (reason, remedy) = match found {
        HalibutRole::None => (
            format!("not a Halibut endpoint: it answered `{answer}`"),
            format!(
                "{ep} answers like a web server or HTTP proxy, not like Octopus: check that it forwards to {} directly, with no HTTP proxy, load balancer or web server terminating TLS in between (Tentacles would fail with \"unknown identity\")",
                port_role(spec)
            ),
        ),
        other => (
            format!(
                "{} answered where {} was expected",
                other.describe(),
                port_role(spec)
            ),
            format!("correct the plan's target for {ep}"),
        ),
    };
    Some(finding(Status::Fail, reason, Some(remedy)))
}

fn expiry(ev: &TlsEvidence, spec: &TlsSpec) -> Option<Finding> {
    let days = ev.days_left?;
    let leaf = ev.chain.first()?;
    let renew = match (spec.expected, ev.halibut) {
        (Expected::Tentacle, _) | (_, Some(HalibutRole::Tentacle)) => {
            "give the Tentacle a new certificate (`Tentacle new-certificate`, then `Tentacle service --restart`) and update its thumbprint in Octopus".to_string()
        }
        (Expected::Server, _) | (_, Some(HalibutRole::Server)) => {
            "renew the server's certificate (Configuration > Thumbprint in Octopus), then have every Tentacle trust the new thumbprint".to_string()
        }
        _ => format!("renew the certificate of {}", spec.endpoint.host),
    };
    if days < 0 {
        Some(finding(
            Status::Fail,
            format!(
                "the certificate expired {} days ago ({})",
                -days, leaf.not_after
            ),
            Some(renew),
        ))
    } else if days <= EXPIRY_WARNING_DAYS {
        Some(finding(
            Status::Warn,
            format!(
                "the certificate expires in {days} days ({})",
                leaf.not_after
            ),
            Some(renew),
        ))
    } else {
        None
    }
}

fn signature(ev: &TlsEvidence, spec: &TlsSpec) -> Option<Finding> {
    let leaf = ev.chain.first()?;
    if !leaf.weak_signature() {
        return None;
    }
    let remedy = match (spec.expected, ev.halibut) {
        (Expected::Tentacle, _) | (_, Some(HalibutRole::Tentacle)) => {
            "give the Tentacle a SHA-256 certificate: upgrade it to 3.14 or later, run `Tentacle new-certificate` and `Tentacle service --restart`, then update its thumbprint in Octopus".to_string()
        }
        _ => format!(
            "replace the certificate of {} with one signed with SHA-256",
            spec.endpoint.host
        ),
    };
    Some(finding(
        Status::Warn,
        format!(
            "the certificate is signed with {}: Octopus Cloud rejects SHA-1 certificates",
            leaf.signature_algorithm
        ),
        Some(remedy),
    ))
}

fn version(ev: &TlsEvidence, spec: &TlsSpec) -> Option<Finding> {
    let v = ev.tls_version.as_deref()?;
    if !matches!(v, "TLSv1.0" | "TLSv1.1" | "SSLv3") {
        return None;
    }
    let status = if spec.cloud {
        Status::Fail
    } else {
        Status::Warn
    };
    Some(finding(
        status,
        format!("{v} negotiated: Octopus Cloud requires TLS 1.2 or later"),
        Some(format!("enable TLS 1.2 on {}", spec.endpoint.host)),
    ))
}

#[cfg(test)]
mod tests;

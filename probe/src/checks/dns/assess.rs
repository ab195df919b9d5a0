//! The pure judgement of a DNS check: each resolver's answer against the
//! expectation, then the resolvers against each other (split horizon).

use std::collections::BTreeSet;
use std::net::IpAddr;

use report::Status;

use super::scope::not_public;
use super::{AddressMatch, DnsEvidence, DnsSpec};
use crate::contract::Outcome;
use crate::net::resolve::{DnsOutcome, ResolverAnswer, join_addresses as join};

/// What went wrong on one resolver; decides the remediation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Missing,
    Timeout,
    Broken,
    Local,
    Mismatch,
    Cname,
    Private,
    MustNotResolve,
    NotRepointed,
    Unproven,
}

struct Problem {
    status: Status,
    kind: Kind,
    resolver: String,
    text: String,
}

/// Judges every resolver's answer against the expectation. Pure: no I/O.
pub fn assess(ev: &DnsEvidence, spec: &DnsSpec, origin: &str) -> Outcome {
    let mut problems = Vec::new();
    for a in &ev.answers {
        judge_one(a, ev, spec, &mut problems);
    }
    let disagreement = disagreement(&ev.answers);
    let failed = problems.iter().any(|p| p.status == Status::Fail);
    let errored = problems.iter().any(|p| p.status == Status::Error);

    let status = if failed {
        Status::Fail
    } else if errored {
        Status::Error
    } else if disagreement.is_some() && spec.expect.same_everywhere {
        Status::Fail
    } else if disagreement.is_some() {
        Status::Warn
    } else if ev.answers.is_empty() {
        Status::Error
    } else {
        Status::Pass
    };

    let mut reasons: Vec<String> = problems.iter().map(|p| p.text.clone()).collect();
    if let Some(d) = &disagreement {
        reasons.push(d.clone());
    }
    let reason = match status {
        Status::Pass if !spec.expect.resolves => {
            format!("does not resolve, as expected: {}", summary(&ev.answers))
        }
        Status::Pass => summary(&ev.answers),
        _ if ev.answers.is_empty() => "no resolver to ask".to_string(),
        _ => reasons.join("; "),
    };

    let mut remedies: Vec<String> = Vec::new();
    let mut kinds: Vec<Kind> = Vec::new();
    for p in &problems {
        if !kinds.contains(&p.kind) {
            kinds.push(p.kind);
        }
    }
    for kind in kinds {
        let resolvers: Vec<&str> = problems
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.resolver.as_str())
            .collect();
        remedies.push(remedy(kind, &resolvers, ev, spec, origin));
    }
    if disagreement.is_some() && status != Status::Pass {
        remedies.push(format!(
            "the resolvers of {origin} give different answers for {} (split-horizon DNS): make them agree, or confirm that the machines that need this name (Tentacles, workers) use the resolver with the right answer{}.",
            spec.name,
            if spec.expect.same_everywhere {
                ""
            } else {
                " (`same_everywhere = true` makes this a failure)"
            }
        ));
    }
    let mut outcome = Outcome::new(status, reason);
    if status != Status::Pass && !remedies.is_empty() {
        outcome = outcome.with_remediation(remedies.join(" "));
    }
    outcome.with_evidence(ev)
}

fn judge_one(a: &ResolverAnswer, ev: &DnsEvidence, spec: &DnsSpec, out: &mut Vec<Problem>) {
    let expect = &spec.expect;
    let r = a.resolver.clone();
    let mut push = |status, kind, text: String| {
        out.push(Problem {
            status,
            kind,
            resolver: r.clone(),
            text: format!("{}: {text}", r),
        })
    };
    match (a.outcome, expect.resolves) {
        (DnsOutcome::Error, _) => push(Status::Error, Kind::Local, a.what()),
        (DnsOutcome::Timeout | DnsOutcome::Servfail, false) => push(
            Status::Error,
            Kind::Unproven,
            format!("{}, so \"does not resolve\" is not proven", a.what()),
        ),
        (DnsOutcome::Timeout, true) => push(Status::Fail, Kind::Timeout, a.what()),
        (DnsOutcome::Servfail, true) => push(Status::Fail, Kind::Broken, a.what()),
        (DnsOutcome::Nxdomain | DnsOutcome::Nodata, true) => {
            push(Status::Fail, Kind::Missing, a.what())
        }
        (DnsOutcome::Nxdomain | DnsOutcome::Nodata, false) => {}
        (DnsOutcome::Answer, false) => push(
            Status::Fail,
            Kind::MustNotResolve,
            format!("resolves to {}, but must not resolve", a.what()),
        ),
        (DnsOutcome::Answer, true) => {
            let found: BTreeSet<IpAddr> = a.addresses.iter().copied().collect();
            if let Some(want) = &expect.addresses {
                match want.mode {
                    AddressMatch::Exact if found != want.addresses => push(
                        Status::Fail,
                        Kind::Mismatch,
                        format!(
                            "mismatch: expected {}, found {}",
                            join_set(&want.addresses),
                            join_set(&found)
                        ),
                    ),
                    AddressMatch::Contains if !want.addresses.is_subset(&found) => push(
                        Status::Fail,
                        Kind::Mismatch,
                        format!(
                            "mismatch: {} missing from {}",
                            join_set(&want.addresses.difference(&found).copied().collect()),
                            join_set(&found)
                        ),
                    ),
                    _ => {}
                }
            }
            if let Some(cname) = &expect.cname {
                let want = normalize(cname);
                if !a.cname_chain.iter().any(|c| normalize(c) == want) {
                    let chain = if a.cname_chain.is_empty() {
                        "no CNAME".to_string()
                    } else {
                        format!("the CNAME chain {}", a.cname_chain.join(" → "))
                    };
                    push(
                        Status::Fail,
                        Kind::Cname,
                        format!("{chain} does not pass through {cname}"),
                    );
                }
            }
            if expect.public {
                let private: Vec<String> = a
                    .addresses
                    .iter()
                    .filter_map(|ip| not_public(*ip).map(|why| format!("{ip} is {why}")))
                    .collect();
                if !private.is_empty() {
                    push(
                        Status::Fail,
                        Kind::Private,
                        format!("not reachable from the internet: {}", private.join(", ")),
                    );
                }
            }
            if !expect.same_as.is_empty() {
                let reference = reference_addresses(ev, &a.resolver);
                let names = expect.same_as.join(", ");
                if reference.is_empty() {
                    push(
                        Status::Error,
                        Kind::Unproven,
                        format!("cannot compare: {names} did not resolve here"),
                    );
                } else if !found.is_subset(&reference) {
                    push(
                        Status::Fail,
                        Kind::NotRepointed,
                        format!(
                            "{} is not an address of {names} ({})",
                            join_set(&found.difference(&reference).copied().collect()),
                            join_set(&reference)
                        ),
                    );
                }
            }
        }
    }
}

/// The addresses the `same_as` names have on this resolver (IP literals on every resolver).
fn reference_addresses(ev: &DnsEvidence, resolver: &str) -> BTreeSet<IpAddr> {
    ev.same_as
        .iter()
        .flat_map(|n| n.answers.iter())
        .filter(|a| a.outcome == DnsOutcome::Answer)
        .filter(|a| a.resolver == resolver || a.resolver == "literal")
        .flat_map(|a| a.addresses.iter().copied())
        .collect()
}

/// `resolvers disagree: system: 10.0.0.5; 192.0.2.53:53: 203.0.113.5` when the
/// definite answers (addresses, NXDOMAIN, NODATA) are not all the same.
fn disagreement(answers: &[ResolverAnswer]) -> Option<String> {
    let definite: Vec<&ResolverAnswer> = answers
        .iter()
        .filter(|a| {
            matches!(
                a.outcome,
                DnsOutcome::Answer | DnsOutcome::Nxdomain | DnsOutcome::Nodata
            )
        })
        .collect();
    let views: BTreeSet<(bool, Vec<IpAddr>)> = definite
        .iter()
        .map(|a| (a.outcome == DnsOutcome::Answer, a.addresses.clone()))
        .collect();
    if views.len() < 2 {
        return None;
    }
    let each: Vec<String> = definite.iter().map(|a| describe(a)).collect();
    Some(format!("resolvers disagree: {}", each.join("; ")))
}

/// `system: polling.example.com → octopus.example.com → 192.0.2.10 (TTL 300 s)`.
fn describe(a: &ResolverAnswer) -> String {
    let mut s = format!("{}: ", a.resolver);
    for c in &a.cname_chain {
        s.push_str(c);
        s.push_str(" → ");
    }
    s.push_str(&a.what());
    if let (DnsOutcome::Answer, Some(ttl)) = (a.outcome, a.ttl_s) {
        s.push_str(&format!(" (TTL {ttl} s)"));
    }
    s
}

fn summary(answers: &[ResolverAnswer]) -> String {
    answers.iter().map(describe).collect::<Vec<_>>().join("; ")
}

fn remedy(
    kind: Kind,
    resolvers: &[&str],
    ev: &DnsEvidence,
    spec: &DnsSpec,
    origin: &str,
) -> String {
    let name = &spec.name;
    let list = resolvers.join(", ");
    let max_ttl = ev.answers.iter().filter_map(|a| a.ttl_s).max();
    let cached = max_ttl
        .map(|t| format!(" (the current answer may stay cached for up to {t} s)"))
        .unwrap_or_default();
    match kind {
        Kind::Missing => format!(
            "create the A/AAAA record for {name}, or make its zone visible to the resolvers {origin} uses ({list})."
        ),
        Kind::Timeout => format!(
            "make sure {origin} can reach the resolver {list} on UDP and TCP (port 53 unless the plan says otherwise), or correct the plan's resolvers."
        ),
        Kind::Broken => format!(
            "the resolver {list} could not answer for {name} (SERVFAIL/REFUSED): check its forwarding or delegation for the zone and that it serves clients in {origin}."
        ),
        Kind::Local => format!(
            "this machine could not ask {list}: check its DNS configuration (/etc/resolv.conf) and the plan's resolvers."
        ),
        Kind::Mismatch => {
            let want = spec
                .expect
                .addresses
                .as_ref()
                .map(|w| join_set(&w.addresses))
                .unwrap_or_default();
            format!(
                "update the DNS record for {name} to {want} on every resolver, or correct the plan's `addresses`{cached}."
            )
        }
        Kind::Cname => format!(
            "point {name} (directly or through its CNAME chain) at {}, or correct the plan's `cname`.",
            spec.expect.cname.as_deref().unwrap_or_default()
        ),
        Kind::Private => format!(
            "Octopus Cloud reaches listening Tentacles and server-side feeds from the internet: publish a public record for {name} (a public address, with NAT or a reverse proxy in front of the host), or use a polling Tentacle."
        ),
        Kind::MustNotResolve => format!(
            "remove the DNS record for {name} (the plan says it must not resolve from {origin}), or correct the plan{cached}."
        ),
        Kind::NotRepointed => format!(
            "repoint {name} at the new server (a CNAME to {}, or its addresses){cached}.",
            spec.expect
                .same_as
                .first()
                .map(String::as_str)
                .unwrap_or_default()
        ),
        Kind::Unproven => format!(
            "check the resolver {list} and run again: without an answer the expectation for {name} is not proven."
        ),
    }
}

fn join_set(set: &BTreeSet<IpAddr>) -> String {
    join(&set.iter().copied().collect::<Vec<_>>())
}

fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests;

//! The I/O of a DNS check: every resolver asked at once, for the name and
//! for each name it must resolve like.

use std::net::IpAddr;

use super::{DnsEvidence, DnsSpec, NameAnswers};
use crate::contract::Context;
use crate::net::resolve::{DnsOutcome, ResolverAnswer};

/// Queries every resolver of the context (at once) for the name and for each `same_as` name.
pub async fn gather(ctx: &Context, spec: &DnsSpec) -> DnsEvidence {
    let own = ctx.resolvers.query_all(&spec.name);
    let references = futures_util::future::join_all(
        spec.expect
            .same_as
            .iter()
            .map(|name| reference(ctx, name.clone())),
    );
    let (answers, same_as) = futures_util::future::join(own, references).await;
    DnsEvidence {
        name: spec.name.clone(),
        answers,
        same_as,
    }
}

async fn reference(ctx: &Context, name: String) -> NameAnswers {
    let answers = match name.parse::<IpAddr>() {
        // An address written in the plan is its own answer, on every resolver.
        Ok(ip) => vec![ResolverAnswer {
            resolver: "literal".into(),
            outcome: DnsOutcome::Answer,
            addresses: vec![ip],
            cname_chain: Vec::new(),
            ttl_s: None,
            elapsed_ms: 0,
            detail: None,
        }],
        Err(_) => ctx.resolvers.query_all(&name).await,
    };
    NameAnswers { name, answers }
}

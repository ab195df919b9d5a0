//! DNS: ask every resolver of the data center for a name's A and AAAA
//! records (CNAME chain, TTL, time taken), keep each answer, and judge them
//! against what the plan expects: addresses, a CNAME, no answer at all,
//! public addresses only, the same answer everywhere, or the addresses of
//! other names (an old server name repointed at the new server).

mod assess;
mod gather;
pub mod scope;

use std::collections::BTreeSet;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::net::resolve::ResolverAnswer;

pub use assess::assess;
pub use gather::gather;

/// What a DNS check asks about and expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsSpec {
    /// The name to resolve (`polling.example.com`).
    pub name: String,
    pub expect: DnsExpect,
}

/// What the answers must look like. The default: every resolver answers with an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsExpect {
    /// `false`: every resolver must answer NXDOMAIN or NODATA.
    pub resolves: bool,
    /// The addresses every resolver must answer with.
    pub addresses: Option<AddressExpect>,
    /// A name the CNAME chain must pass through.
    pub cname: Option<String>,
    /// Every address must be reachable from the internet.
    pub public: bool,
    /// Resolvers that disagree fail the check (otherwise they warn).
    pub same_everywhere: bool,
    /// Names (or IP literals) whose addresses, on the same resolver, must
    /// include every address of this name.
    pub same_as: Vec<String>,
}

impl Default for DnsExpect {
    fn default() -> Self {
        DnsExpect {
            resolves: true,
            addresses: None,
            cname: None,
            public: false,
            same_everywhere: false,
            same_as: Vec::new(),
        }
    }
}

/// Expected addresses and how they are compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressExpect {
    pub addresses: BTreeSet<IpAddr>,
    pub mode: AddressMatch,
}

/// How expected addresses are compared with an answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressMatch {
    /// The answer is exactly this set.
    #[default]
    Exact,
    /// The answer contains every one of these (and maybe more).
    Contains,
}

/// Everything a DNS check saw: one answer per resolver, in plan order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsEvidence {
    pub name: String,
    pub answers: Vec<ResolverAnswer>,
    /// For `same_as`: each reference name's answers on the same resolvers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub same_as: Vec<NameAnswers>,
}

/// One name and every resolver's answer for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameAnswers {
    pub name: String,
    pub answers: Vec<ResolverAnswer>,
}

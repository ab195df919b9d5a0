//! `preflight check dns NAME... [--resolver IP[:PORT]]...`.

use anyhow::{Result, bail};
use probe::checks::dns::{AddressExpect, AddressMatch, DnsExpect, DnsSpec};
use probe::{CheckSpec, PlannedCheck};
use report::{CheckId, Severity};

use crate::cli::{CheckDnsArgs, MatchArg};
use crate::output::{self, RunSettings};

pub fn dns(args: CheckDnsArgs) -> Result<i32> {
    for name in &args.names {
        if let Err(e) = probe::plan::dns_name(name) {
            bail!("{e}");
        }
    }
    if let Some(c) = &args.cname
        && let Err(e) = probe::plan::dns_name(c)
    {
        bail!("--cname: {e}");
    }
    let expect = DnsExpect {
        resolves: !args.must_not_resolve,
        addresses: (!args.expect_addresses.is_empty()).then(|| AddressExpect {
            addresses: args.expect_addresses.iter().copied().collect(),
            mode: match args.address_match {
                Some(MatchArg::Contains) => AddressMatch::Contains,
                Some(MatchArg::Exact) | None => AddressMatch::Exact,
            },
        }),
        cname: args.cname.clone(),
        public: args.public,
        same_everywhere: args.same_everywhere,
        same_as: Vec::new(),
    };
    let checks: Vec<PlannedCheck> = args
        .names
        .iter()
        .map(|name| {
            let name = name.trim_end_matches('.');
            PlannedCheck {
                id: CheckId::from_parts(["adhoc", "dns", name]),
                title: if expect.resolves {
                    format!("DNS: {name} resolves")
                } else {
                    format!("DNS: {name} must not resolve")
                },
                target: name.to_string(),
                severity: Severity::Blocker,
                spec: CheckSpec::Dns(Box::new(DnsSpec {
                    name: name.to_string(),
                    expect: expect.clone(),
                })),
            }
        })
        .collect();
    let settings = RunSettings::adhoc(args.timeout.get());
    if let Some(dir) = &args.output.out {
        output::prepare_out_dir(dir)?;
    }
    let finished = output::run_checks_with_resolvers(&checks, &settings, &args.resolvers)?;
    output::emit(finished, &args.output)
}

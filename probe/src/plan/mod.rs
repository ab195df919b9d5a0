//! The plan: a versioned TOML file saying what each data center must reach.
//! It is validated before anything runs; every error names the file, line
//! and column and what was expected.

mod dns;
mod feeds;
pub mod identity;
pub mod spec;
pub mod tentacles;
mod words;
pub mod workers;

pub use dns::dns_name;
pub use feeds::new_server_is_cloud;
pub use identity::resolve as resolve_plan_path;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::Path;

use sha2::{Digest, Sha256};

use report::{CheckId, Migration, Severity};

use crate::check::{CheckSpec, PlannedCheck};
use crate::checks::tcp::TcpSpec;
use crate::endpoint::Endpoint;
use crate::net::proxy::ProxyConfig;
use crate::net::resolve::ResolverSpec;
use spec::{Expect, PlanSpec, ServerSpec};

/// The annotated plan `preflight plan init` prints; it covers every key.
pub const TEMPLATE: &str = include_str!("template.toml");

/// A plan error with its location: `plan.toml:12:5: unknown field ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub file: String,
    /// 1-based; 0 when the error has no location (an unreadable file).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::location::write_located(f, &self.file, self.line, self.column, &self.message)
    }
}

impl std::error::Error for PlanError {}

/// A waiver from the plan: the check id it applies to, why, and the ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanWaiver {
    pub id: CheckId,
    pub reason: String,
    pub ticket: String,
}

/// A validated plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub spec: PlanSpec,
    /// SHA-256 of the file's bytes, recorded in every report.
    pub sha256: String,
    /// Every planned check by data center, in plan order.
    checks: BTreeMap<String, Vec<PlannedCheck>>,
    dc_order: Vec<String>,
}

/// The largest plan file read (4 MiB): a plan is pages of TOML, and a
/// larger file (a log, a disk image, `/dev/zero`) is not read into memory.
pub const MAX_PLAN_BYTES: u64 = 4 * 1024 * 1024;

impl Plan {
    /// Reads (at most [`MAX_PLAN_BYTES`]) and validates a plan file.
    pub fn load(path: &Path) -> Result<Plan, PlanError> {
        use std::io::Read;
        let error = |message: String| PlanError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message,
        };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_PLAN_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| error(format!("cannot read the plan: {e}")))?;
        if bytes.len() as u64 > MAX_PLAN_BYTES {
            return Err(error(format!(
                "expected a plan of at most 4 MiB ({MAX_PLAN_BYTES} bytes), found a larger file: is this the plan?"
            )));
        }
        let source = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let (line, column) =
                crate::location::line_col(&String::from_utf8_lossy(&e.as_bytes()[..at]), at);
            PlanError {
                line,
                column,
                ..error("expected UTF-8 text, found bytes that are not".into())
            }
        })?;
        Plan::parse(&source, &path.display().to_string())
    }

    /// Parses and validates plan text; `file` names it in errors.
    pub fn parse(source: &str, file: &str) -> Result<Plan, PlanError> {
        let at = |span: Option<std::ops::Range<usize>>, message: String| {
            let (line, column) = match span {
                Some(s) => crate::location::line_col(source, s.start),
                None => (0, 0),
            };
            PlanError {
                file: file.to_string(),
                line,
                column,
                message,
            }
        };
        let spec: PlanSpec = toml::from_str(source).map_err(|e| {
            let message = words::reword(e.message().trim_end(), source, e.span().map(|s| s.start));
            at(e.span(), message)
        })?;

        if *spec.version.get_ref() != 1 {
            return Err(at(
                Some(spec.version.span()),
                format!(
                    "expected `version = 1` (the only plan format this preflight reads), found {}",
                    spec.version.get_ref()
                ),
            ));
        }
        if let Some(0) = spec.defaults.concurrency {
            return Err(at(
                None,
                "expected `defaults.concurrency` of at least 1".to_string(),
            ));
        }
        for server in [&spec.old_server, &spec.new_server].into_iter().flatten() {
            if let Some(url) = &server.url {
                server_url_endpoint(url.get_ref()).map_err(|m| at(Some(url.span()), m))?;
            }
        }
        dns::validate(&spec, &at)?;

        // The plan's [proxy], read once: every path that uses it gets this one.
        let proxy = feeds::proxy_config(&spec).map_err(|(span, message)| at(span, message))?;
        feeds::validate(&spec).map_err(|(span, message)| at(span, message))?;
        for dc in &spec.datacenters {
            if let Some(via) = &dc.polling_via
                && *via.get_ref() == spec::PollingVia::Proxy
                && spec.proxy.is_none()
            {
                return Err(at(
                    Some(via.span()),
                    "`polling_via = \"proxy\"` needs a [proxy] section with the proxy's url".into(),
                ));
            }
        }

        // Relative paths in the plan (`ca_file`) are read from the plan's directory.
        let plan_dir = Path::new(file)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut checks = BTreeMap::new();
        let mut dc_order = Vec::new();
        let mut all_ids = HashSet::new();
        for dc in &spec.datacenters {
            let name = dc.name.get_ref();
            if report::model::slug(name) != *name {
                return Err(at(
                    Some(dc.name.span()),
                    format!(
                        "expected a data center name of lower-case letters, digits and `-` (it is part of every check id), found `{name}`"
                    ),
                ));
            }
            if checks.contains_key(name) {
                return Err(at(
                    Some(dc.name.span()),
                    format!("data center `{name}` is defined twice"),
                ));
            }
            for t in &dc.tentacles {
                tentacles::target_from_spec(t).map_err(|(span, m)| at(span, m))?;
            }
            let planned = compile_datacenter(&spec, dc, &plan_dir, proxy.as_ref());
            let mut seen = HashSet::new();
            for check in &planned {
                if !seen.insert(check.id.clone()) {
                    return Err(at(
                        Some(dc.name.span()),
                        format!(
                            "two checks in data center `{name}` have the id `{}`: give one of them a distinct `name`",
                            check.id
                        ),
                    ));
                }
                all_ids.insert(check.id.clone());
            }
            dc_order.push(name.clone());
            checks.insert(name.clone(), planned);
        }
        for w in &spec.waivers {
            if !all_ids.contains(&CheckId::new(w.id.get_ref().clone())) {
                return Err(at(
                    Some(w.id.span()),
                    format!(
                        "waiver for `{}`, but the plan has no check with that id (`preflight plan check` lists the ids)",
                        w.id.get_ref()
                    ),
                ));
            }
        }

        Ok(Plan {
            sha256: hex::encode(Sha256::digest(source.as_bytes())),
            spec,
            checks,
            dc_order,
        })
    }

    /// Data center names in plan order.
    pub fn datacenters(&self) -> &[String] {
        &self.dc_order
    }

    /// The resolvers a data center asks, in order: its own `resolvers`, else
    /// `[dns] resolvers`, else the system configuration.
    pub fn resolvers_for(&self, datacenter: &str) -> Vec<ResolverSpec> {
        self.spec
            .datacenters
            .iter()
            .find(|dc| dc.name.get_ref() == datacenter)
            .map(|dc| dns::resolvers_for(&self.spec, dc))
            .unwrap_or_else(|| vec![ResolverSpec::System])
    }

    /// The checks planned for one data center, in plan order.
    pub fn checks_for(&self, datacenter: &str) -> Option<&[PlannedCheck]> {
        self.checks.get(datacenter).map(Vec::as_slice)
    }

    /// The plan's waivers.
    pub fn waivers(&self) -> Vec<PlanWaiver> {
        self.spec
            .waivers
            .iter()
            .map(|w| PlanWaiver {
                id: CheckId::new(w.id.get_ref().clone()),
                reason: w.reason.clone(),
                ticket: w.ticket.clone(),
            })
            .collect()
    }

    /// Names of the environment variables the plan says hold secrets (API
    /// keys, feed passwords, proxy credentials). Their values are redacted
    /// from every output. Families that name a variable add it here.
    pub fn secret_env_vars(&self) -> Vec<String> {
        let mut names = feeds::secret_env_vars(&self.spec);
        for server in [&self.spec.old_server, &self.spec.new_server]
            .into_iter()
            .flatten()
        {
            names.extend(server.api_key_env.clone());
        }
        names
    }

    /// The new server's identity when the plan names its thumbprint: what
    /// every Tentacle must come to trust.
    pub fn new_server_identity(&self) -> Option<crate::checks::local::NewServerIdentity> {
        new_server_identity(&self.spec)
    }

    /// The `[migration]` section as the report records it.
    pub fn migration(&self) -> Option<Migration> {
        self.spec.migration.as_ref().map(|m| Migration {
            name: m.name.clone(),
            ticket: m.ticket.clone(),
        })
    }
}

/// The host and port of a server's HTTPS URL.
pub fn server_url_endpoint(url: &str) -> Result<Endpoint, String> {
    let parsed = url::Url::parse(url).map_err(|e| {
        format!(
            "expected an https:// URL like \"https://octopus.example.com\", found `{url}` ({e})"
        )
    })?;
    if parsed.scheme() != "https" {
        return Err(format!(
            "expected an https:// URL (Octopus Cloud and Tentacles use HTTPS), found `{url}`"
        ));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| format!("expected a host in the URL, found `{url}`"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok(Endpoint::new(
        host,
        parsed.port_or_known_default().unwrap_or(443),
    ))
}

/// `dc.<dc>.local.clock-skew`: this machine's clock against the new server's
/// `Date` (a warning past five minutes), when the plan names the server's URL.
fn clock_check(plan: &PlanSpec, dc: &str, plan_dir: &Path) -> Option<PlannedCheck> {
    let server = plan.new_server.as_ref()?;
    let url = server
        .url
        .as_ref()?
        .get_ref()
        .trim_end_matches('/')
        .to_string();
    Some(PlannedCheck {
        id: CheckId::from_parts(["dc", dc, "local", "clock-skew"]),
        title: "This machine's clock agrees with the new server's (within 5 minutes)".into(),
        target: url.clone(),
        severity: Severity::Warning,
        spec: CheckSpec::Clock(crate::checks::clock::ClockSpec {
            url,
            ca_file: server
                .ca_file
                .as_ref()
                .map(|f| identity::resolve(plan_dir, f)),
        }),
    })
}

fn new_server_identity(plan: &PlanSpec) -> Option<crate::checks::local::NewServerIdentity> {
    let server = plan.new_server.as_ref()?;
    Some(crate::checks::local::NewServerIdentity {
        thumbprint: server.thumbprint.clone()?,
        url: server.url.as_ref().map(|u| u.get_ref().clone()),
        polling: server.polling.clone(),
    })
}

/// Turns one data center's section (and the servers every data center must
/// reach) into planned checks, in a fixed order: DNS (server names, then the
/// data center's names), then TCP (the new server, then the data center's targets).
fn compile_datacenter(
    plan: &PlanSpec,
    dc: &spec::DatacenterSpec,
    plan_dir: &Path,
    proxy: Option<&ProxyConfig>,
) -> Vec<PlannedCheck> {
    let dc_name = dc.name.get_ref();
    let mut out = dns::compile(plan, dc);
    if let Some(server) = &plan.new_server {
        out.extend(server_checks(
            dc_name,
            identity::polling_proxy(proxy, dc).map(|r| r.endpoint),
            "new-server",
            "New Octopus Server",
            server,
        ));
    }
    out.extend(identity::server_identity_checks(plan, dc, plan_dir, proxy));
    out.extend(clock_check(plan, dc_name, plan_dir));
    for t in &dc.tcp {
        let name = t.name.clone().unwrap_or_else(|| t.target.to_string());
        let verb = match t.expect {
            Expect::Open => "reach",
            Expect::Blocked => "must not reach",
        };
        out.push(PlannedCheck {
            id: CheckId::from_parts(["dc", dc_name, "tcp", &name]),
            title: t
                .purpose
                .clone()
                .unwrap_or_else(|| format!("TCP {verb} {}", t.target)),
            target: t.target.to_string(),
            severity: t.severity,
            spec: CheckSpec::Tcp(TcpSpec {
                endpoint: t.target.clone(),
                expect: t.expect,
            }),
        });
    }
    let polling = plan.new_server.as_ref().and_then(|s| s.polling.as_ref());
    for pool in &dc.worker_pools {
        out.extend(workers::worker_pool_checks(dc_name, pool, polling));
    }
    let identity = new_server_identity(plan);
    for t in &dc.tentacles {
        // Validated in `Plan::parse` before compiling.
        if let Ok(target) = tentacles::target_from_spec(t) {
            out.extend(tentacles::tentacle_checks(
                dc_name,
                &target,
                identity.as_ref(),
            ));
        }
    }
    out.extend(feeds::feed_checks(plan, dc_name, proxy));
    out
}

/// `via_proxy`: this data center's polling Tentacles reach the polling
/// endpoint through this proxy, so the TCP check goes to the proxy.
fn server_checks(
    dc: &str,
    via_proxy: Option<Endpoint>,
    key: &str,
    label: &str,
    server: &ServerSpec,
) -> Vec<PlannedCheck> {
    let mut out = Vec::new();
    if let Some(url) = &server.url
        && let Ok(endpoint) = server_url_endpoint(url.get_ref())
    {
        out.push(tcp_check(
            dc,
            &format!("{key}-https"),
            format!("{label}: HTTPS (web portal, API, registration)"),
            endpoint,
        ));
    }
    if let Some(polling) = &server.polling {
        out.push(match via_proxy {
            Some(proxy) => tcp_check(
                dc,
                &format!("{key}-polling"),
                format!(
                    "{label}: polling Tentacles connect to {polling} through the proxy {proxy}"
                ),
                proxy,
            ),
            None => tcp_check(
                dc,
                &format!("{key}-polling"),
                format!("{label}: polling Tentacles connect here"),
                polling.clone(),
            ),
        });
    }
    out
}

fn tcp_check(dc: &str, name: &str, title: String, endpoint: Endpoint) -> PlannedCheck {
    PlannedCheck {
        id: CheckId::from_parts(["dc", dc, "tcp", name]),
        title,
        target: endpoint.to_string(),
        severity: Severity::Blocker,
        spec: CheckSpec::Tcp(TcpSpec {
            endpoint,
            expect: Expect::Open,
        }),
    }
}

#[cfg(test)]
mod tests;

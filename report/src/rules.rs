//! The firewall rules a report asks for: every network path a TCP, TLS,
//! feed or worker check tried, as a row a network team can implement or
//! import — source (data center, host, the address the connection left
//! from), destination (name and address), protocol and port, direction,
//! action, the state seen, the purpose and the check ids.
//!
//! A pure derivation from the results' evidence (no socket, no probe types:
//! the evidence is read as JSON by its documented field names). Paths that
//! need a change are rules to [`Need::Request`]; paths already as the plan
//! wants them are listed apart ([`Need::InPlace`]: "already open", or
//! closed as planned) so a ticket can show both. Waived results ask for
//! nothing and appear in neither list. Rows that say the same thing (the
//! TCP and TLS checks of one path) are merged into one, their check ids
//! joined; [`merge`] does the same across data centers.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{CheckResult, Family, Report, Status};
use crate::table::wrap;

/// Whether a path needs a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    /// The path is not as the plan needs it: ask for this rule.
    Request,
    /// The path already is as the plan needs it (open, or closed as planned).
    InPlace,
}

impl Need {
    pub fn as_str(self) -> &'static str {
        match self {
            Need::Request => "request",
            Need::InPlace => "in-place",
        }
    }
}

/// Which way the connection crosses the data center's edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Started in this data center (every connection preflight itself opens).
    Outbound,
    /// Started outside, towards this data center.
    Inbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Outbound => "outbound",
            Direction::Inbound => "inbound",
        }
    }
}

/// One firewall (or proxy) rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub need: Need,
    /// The data center the connection starts from.
    pub datacenter: String,
    /// The host preflight ran on.
    pub source_host: String,
    /// The address the connection left from (empty when not recorded).
    pub source_address: String,
    /// The name the plan gives the destination.
    pub destination_name: String,
    /// The address connected to (empty when only a proxy resolves it).
    pub destination_address: String,
    pub protocol: String,
    pub port: u16,
    pub direction: Direction,
    /// `allow`, `block`, `allow CONNECT on the proxy …`, `bypass TLS inspection`.
    pub action: String,
    /// What was seen: `filtered`, `refused`, `open`, `blocked by the proxy (…)`.
    pub state: String,
    /// Why the migration needs the path.
    pub purpose: String,
    /// The checks that saw this path.
    pub check_ids: Vec<String>,
}

impl Rule {
    /// The fields two rows must share to be one rule: a firewall names
    /// addresses, so a destination with an address is that address whatever
    /// it is called.
    fn key(&self) -> (Need, &str, &str, &str, &str, &str, u16, Direction) {
        let source = if self.source_address.is_empty() {
            &self.source_host
        } else {
            &self.source_address
        };
        let destination = if self.destination_address.is_empty() {
            &self.destination_name
        } else {
            &self.destination_address
        };
        (
            self.need,
            &self.datacenter,
            source,
            destination,
            &self.protocol,
            &self.action,
            self.port,
            self.direction,
        )
    }

    /// `web01 (192.0.2.5)` or `web01` when the address is unknown.
    pub fn source(&self) -> String {
        both(&self.source_host, &self.source_address)
    }

    /// `polling.example.com (203.0.113.20)`, the name alone, or the address alone.
    pub fn destination(&self) -> String {
        both(&self.destination_name, &self.destination_address)
    }
}

fn both(name: &str, address: &str) -> String {
    match (name.is_empty(), address.is_empty()) {
        (_, true) => name.to_string(),
        (true, false) => address.to_string(),
        (false, false) if name == address => name.to_string(),
        (false, false) => format!("{name} ({address})"),
    }
}

/// The rules of one report, requests first, duplicates merged.
pub fn of(report: &Report) -> Vec<Rule> {
    let mut rules = Vec::new();
    for r in &report.results {
        rules.extend(of_result(r, &report.datacenter, &report.host));
    }
    dedup(rules)
}

/// One list for several reports (every data center of a migration): the
/// same rule seen in several runs or checks appears once, with every check id.
pub fn merge<'a>(reports: impl IntoIterator<Item = &'a Report>) -> Vec<Rule> {
    dedup(reports.into_iter().flat_map(of).collect())
}

/// The rows to request and the rows already in place, in that order.
pub fn split(rules: &[Rule]) -> (Vec<&Rule>, Vec<&Rule>) {
    rules.iter().partition(|r| r.need == Need::Request)
}

fn dedup(rules: Vec<Rule>) -> Vec<Rule> {
    let mut out: Vec<Rule> = Vec::with_capacity(rules.len());
    for rule in rules {
        match out.iter_mut().find(|r| r.key() == rule.key()) {
            Some(same) => {
                let names: Vec<&str> = same.destination_name.split(", ").collect();
                if !names.contains(&rule.destination_name.as_str())
                    && rule.destination_name != rule.destination_address
                {
                    if same.destination_name == same.destination_address {
                        same.destination_name = rule.destination_name.clone();
                    } else {
                        same.destination_name =
                            format!("{}, {}", same.destination_name, rule.destination_name);
                    }
                }
                for id in rule.check_ids {
                    if !same.check_ids.contains(&id) {
                        same.check_ids.push(id);
                    }
                }
                if !same.state.split("; ").any(|s| s == rule.state) {
                    same.state = format!("{}; {}", same.state, rule.state);
                }
            }
            None => out.push(rule),
        }
    }
    out.sort_by(|a, b| {
        (a.need, &a.datacenter, &a.destination_name, a.port).cmp(&(
            b.need,
            &b.datacenter,
            &b.destination_name,
            b.port,
        ))
    });
    out
}

/// The status a result had before any waiver; `None` for a waived result
/// (the plan accepts it: nothing to request).
fn judged(r: &CheckResult) -> Option<Status> {
    (r.status != Status::Waived).then_some(r.status)
}

/// What one row starts as, before the family fills in the path.
struct Base<'a> {
    result: &'a CheckResult,
    datacenter: &'a str,
    host: &'a str,
}

impl Base<'_> {
    #[allow(clippy::too_many_arguments)]
    fn rule(
        &self,
        need: Need,
        source: Option<&str>,
        (name, address, port): (String, String, u16),
        action: &str,
        state: String,
        purpose: Option<&str>,
    ) -> Rule {
        Rule {
            need,
            datacenter: self.datacenter.to_string(),
            source_host: self.host.to_string(),
            source_address: source.unwrap_or_default().to_string(),
            destination_name: name,
            destination_address: address,
            protocol: "TCP".into(),
            port,
            direction: Direction::Outbound,
            action: action.to_string(),
            state,
            purpose: purpose.unwrap_or(&self.result.title).to_string(),
            check_ids: vec![self.result.id.to_string()],
        }
    }
}

fn of_result(r: &CheckResult, datacenter: &str, host: &str) -> Vec<Rule> {
    let Some(status) = judged(r) else {
        return Vec::new();
    };
    let base = Base {
        result: r,
        datacenter,
        host,
    };
    match r.family {
        Family::Tcp | Family::Worker => tcp_rules(&base, status),
        Family::Tls => tls_rules(&base, status).into_iter().collect(),
        Family::Feed => feed_rules(&base),
        _ => Vec::new(),
    }
}

/// TCP and worker reach: one row per address tried. A path the plan wants
/// blocked is recognised from the result (a pass with nothing open, or a
/// failure with something open: the only ways `expect = "blocked"` reads).
fn tcp_rules(base: &Base, status: Status) -> Vec<Rule> {
    let ev = base.result.evidence.to_value();
    let ev = &*ev;
    let Some(addresses) = ev.get("addresses").and_then(Value::as_array) else {
        return Vec::new();
    };
    fn state_of(a: &Value) -> &str {
        a.get("state").and_then(Value::as_str).unwrap_or("")
    }
    let any_open = addresses.iter().any(|a| state_of(a) == "open");
    let want_blocked =
        (status == Status::Pass && !any_open) || (status == Status::Fail && any_open);
    let name = host_of(&base.result.target);
    let purpose = ev.get("purpose").and_then(Value::as_str);
    let mut rules = Vec::new();
    for a in addresses {
        let state = state_of(a);
        let Some((ip, port)) = a
            .get("address")
            .and_then(Value::as_str)
            .and_then(split_addr)
        else {
            continue;
        };
        if state == "error" || state.is_empty() {
            continue;
        }
        let open = state == "open";
        let (need, action) = match (want_blocked, open) {
            (false, true) => (Need::InPlace, "allow"),
            (false, false) => (Need::Request, "allow"),
            (true, true) => (Need::Request, "block"),
            (true, false) => (Need::InPlace, "block"),
        };
        let source = a.get("source").and_then(Value::as_str);
        rules.push(base.rule(
            need,
            source,
            (name.clone(), ip, port),
            action,
            state.to_string(),
            purpose,
        ));
    }
    rules
}

/// A Halibut (TLS) check: the path it connected over, directly or through a
/// proxy, and TLS inspection in the path (a bypass is a network change).
fn tls_rules(base: &Base, status: Status) -> Option<Rule> {
    let ev = base.result.evidence.to_value();
    let ev = &*ev;
    let text = |key: &str| ev.get(key).and_then(Value::as_str);
    let error_kind = ev
        .get("error")
        .and_then(|e| e.get("kind"))
        .and_then(Value::as_str);
    let error_stage = ev
        .get("error")
        .and_then(|e| e.get("stage"))
        .and_then(Value::as_str);
    let (target_name, target_port) = split_target(&base.result.target)?;
    let source = text("source");
    if let Some(proxy) = text("proxy") {
        let action = format!("allow CONNECT on the proxy {proxy}");
        let target = (target_name.clone(), literal_ip(&target_name), target_port);
        return match error_kind {
            Some("proxy-refused" | "proxy-auth-required" | "proxy-target-unreachable") => {
                let answer = text("proxy_status").unwrap_or("refused");
                Some(base.rule(
                    Need::Request,
                    source,
                    target,
                    &action,
                    format!("blocked by the proxy ({answer})"),
                    None,
                ))
            }
            Some("proxy-unreachable") => {
                let (name, port) = url_target(proxy)?;
                Some(base.rule(
                    Need::Request,
                    source,
                    (name.clone(), literal_ip(&name), port),
                    "allow",
                    "proxy unreachable".into(),
                    None,
                ))
            }
            _ if error_stage == Some("proxy") => None,
            _ => Some(base.rule(
                Need::InPlace,
                source,
                target,
                &action,
                "open through the proxy".into(),
                None,
            )),
        };
    }
    let (ip, port) = match text("address").and_then(split_addr) {
        Some(a) => a,
        None if status == Status::Pass || ev.get("chain").is_some() => {
            (literal_ip(&target_name), target_port)
        }
        None => return None,
    };
    let destination = (target_name, ip, port);
    if error_stage == Some("connect") {
        let state = match error_kind {
            Some(k @ ("refused" | "filtered" | "unreachable")) => k,
            _ => return None,
        };
        return Some(base.rule(
            Need::Request,
            source,
            destination,
            "allow",
            state.into(),
            None,
        ));
    }
    if error_stage == Some("resolve") {
        return None;
    }
    if status != Status::Pass && inspected(base.result) {
        let issuer = ev
            .get("chain")
            .and_then(|c| c.get(0))
            .and_then(|l| l.get("issuer"))
            .and_then(Value::as_str)
            .unwrap_or("an inspecting device");
        return Some(base.rule(
            Need::Request,
            source,
            destination,
            "bypass TLS inspection",
            format!("intercepted (signed by {issuer})"),
            None,
        ));
    }
    Some(base.rule(
        Need::InPlace,
        source,
        destination,
        "allow",
        "open".into(),
        None,
    ))
}

/// A Halibut endpoint whose leaf certificate is not self-signed: Halibut
/// presents self-signed certificates, so something in the path re-signs
/// (the TLS family's own judgement says "TLS inspection" in its reason).
fn inspected(r: &CheckResult) -> bool {
    let leaf_signed_by_other = r
        .evidence
        .json()
        .get("chain")
        .and_then(|c| c.get(0))
        .and_then(|l| l.get("self_signed"))
        .and_then(Value::as_bool)
        == Some(false);
    let halibut_answered = matches!(
        r.evidence.json().get("halibut").and_then(Value::as_str),
        Some("server" | "tentacle")
    );
    leaf_signed_by_other && (halibut_answered || r.reason.contains("TLS inspection"))
}

/// A feed: one row per path (direct, through the proxy).
fn feed_rules(base: &Base) -> Vec<Rule> {
    let ev = base.result.evidence.to_value();
    let ev = &*ev;
    let paths: Vec<&Value> = match ev.get("paths").and_then(Value::as_array) {
        Some(paths) => paths.iter().collect(),
        None if ev.get("url").is_some() => vec![ev],
        None => Vec::new(),
    };
    paths
        .into_iter()
        .filter_map(|p| feed_path(base, p))
        .collect()
}

fn feed_path(base: &Base, p: &Value) -> Option<Rule> {
    let text = |key: &str| p.get(key).and_then(Value::as_str);
    let (name, port) = url_target(text("url")?)?;
    let proxy = text("proxy");
    let source = text("source");
    let error = text("error");
    let ok = p.get("protocol_ok").and_then(Value::as_bool) == Some(true);
    let http = p.get("status").and_then(Value::as_u64);
    let first_hop = text("address").and_then(split_addr);
    match proxy {
        Some(proxy) => {
            let action = format!("allow on the proxy {proxy}");
            let target = (name.clone(), literal_ip(&name), port);
            match (error, http) {
                _ if ok => Some(base.rule(
                    Need::InPlace,
                    source,
                    target,
                    &action,
                    "open through the proxy".into(),
                    None,
                )),
                (Some("tunnel" | "proxy-auth"), _) | (None, Some(403 | 407)) => {
                    let state = match http {
                        Some(code) => format!("blocked by the proxy (HTTP {code})"),
                        None => "blocked by the proxy (CONNECT refused)".into(),
                    };
                    Some(base.rule(Need::Request, source, target, &action, state, None))
                }
                (Some(stage @ ("connect" | "timeout")), _) => {
                    let (pname, pport) = url_target(proxy)?;
                    let address = first_hop.map(|(ip, _)| ip).unwrap_or_default();
                    Some(base.rule(
                        Need::Request,
                        source,
                        (pname, address, pport),
                        "allow",
                        format!("proxy {}", stage_state(stage)),
                        None,
                    ))
                }
                _ => None,
            }
        }
        None => {
            let address = first_hop
                .map(|(ip, _)| ip)
                .unwrap_or_else(|| literal_ip(&name));
            let destination = (name, address, port);
            match error {
                _ if ok => Some(base.rule(
                    Need::InPlace,
                    source,
                    destination,
                    "allow",
                    "open".into(),
                    None,
                )),
                Some(stage @ ("connect" | "timeout")) => Some(base.rule(
                    Need::Request,
                    source,
                    destination,
                    "allow",
                    stage_state(stage).into(),
                    None,
                )),
                // An HTTP answer came back: the path is open, the feed is wrong.
                None if http.is_some() => Some(base.rule(
                    Need::InPlace,
                    source,
                    destination,
                    "allow",
                    "open".into(),
                    None,
                )),
                _ => None,
            }
        }
    }
}

fn stage_state(stage: &str) -> &'static str {
    match stage {
        "timeout" => "filtered",
        _ => "refused or unreachable",
    }
}

/// `https://user@host:port/path` → the host and the port (the scheme's
/// when none is given: 443 for https, 80 for http).
fn url_target(url: &str) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    split_target(host_port).or_else(|| {
        let port = match scheme.to_ascii_lowercase().as_str() {
            "https" => 443,
            "http" => 80,
            _ => return None,
        };
        let host = host_port.trim_start_matches('[').trim_end_matches(']');
        (!host.is_empty()).then(|| (host.to_string(), port))
    })
}

/// `host:port` or `[v6]:port` into the host and the port.
fn split_target(target: &str) -> Option<(String, u16)> {
    let target = target.trim();
    if let Some(rest) = target.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':').and_then(|p| p.parse().ok())?;
        return Some((host.to_string(), port));
    }
    match target.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => Some((host.to_string(), port.parse().ok()?)),
        _ => None,
    }
}

/// A socket address (`192.0.2.1:443`, `[2001:db8::1]:443`) into the IP and the port.
fn split_addr(address: &str) -> Option<(String, u16)> {
    split_target(address)
}

/// The host part of a check's target (`host:port`, or the whole target).
fn host_of(target: &str) -> String {
    split_target(target).map_or_else(|| target.to_string(), |(h, _)| h)
}

/// The host when it is an IP address literal, else empty.
fn literal_ip(host: &str) -> String {
    if host.parse::<std::net::IpAddr>().is_ok() {
        host.to_string()
    } else {
        String::new()
    }
}

/// The columns of `rules.csv`, in order.
pub const CSV_COLUMNS: [&str; 13] = [
    "need",
    "datacenter",
    "source_host",
    "source_address",
    "destination_name",
    "destination_address",
    "protocol",
    "port",
    "direction",
    "action",
    "state",
    "purpose",
    "check_ids",
];

/// Writes the rules as CSV (RFC 4180: CRLF line ends, a field with a comma,
/// quote or line break is quoted and its quotes doubled). A field that a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) is prefixed
/// with `'`.
pub fn write_csv(out: &mut impl Write, rules: &[Rule]) -> io::Result<()> {
    write_csv_row(out, CSV_COLUMNS.iter().map(|c| c.to_string()))?;
    for r in rules {
        write_csv_row(
            out,
            [
                r.need.as_str().to_string(),
                r.datacenter.clone(),
                r.source_host.clone(),
                r.source_address.clone(),
                r.destination_name.clone(),
                r.destination_address.clone(),
                r.protocol.clone(),
                r.port.to_string(),
                r.direction.as_str().to_string(),
                r.action.clone(),
                r.state.clone(),
                r.purpose.clone(),
                r.check_ids.join(" "),
            ],
        )?;
    }
    Ok(())
}

fn write_csv_row(out: &mut impl Write, fields: impl IntoIterator<Item = String>) -> io::Result<()> {
    let cells: Vec<String> = fields.into_iter().map(|f| csv_field(&f)).collect();
    write!(out, "{}\r\n", cells.join(","))
}

/// One CSV field, quoted when it must be.
pub fn csv_field(value: &str) -> String {
    let value: String = value
        .chars()
        .filter(|&c| !crate::document::is_stripped_control(c))
        .collect();
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value
    };
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Text for one terminal line: control characters (escape sequences from a
/// hostile report read back) and line breaks become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The rules as plain text for the terminal: each rule to request on two
/// lines, then how many paths are already in place.
pub fn write_text(out: &mut impl Write, rules: &[Rule], width: u16) -> io::Result<()> {
    let (request, in_place) = split(rules);
    if request.is_empty() && in_place.is_empty() {
        return Ok(());
    }
    if request.is_empty() {
        writeln!(out, "\nFirewall rules to request: none")?;
    } else {
        writeln!(out, "\nFirewall rules to request ({}):", request.len())?;
        for r in &request {
            let line = format!(
                "{} {} {} from {} to {}: {} ({})",
                r.protocol,
                r.port,
                r.direction.as_str(),
                r.source(),
                r.destination(),
                r.action,
                r.state
            );
            writeln!(out, "{}", wrap(&one_line(&line), width, "  - ", "    "))?;
            let ids = r.check_ids.join(", ");
            let purpose = one_line(&format!("{} [{ids}]", r.purpose));
            writeln!(out, "{}", wrap(&purpose, width, "    ", "    "))?;
        }
    }
    if !in_place.is_empty() {
        let line = format!(
            "Already open (or closed as planned): {} path{}; every row is in the documents and rules.csv",
            in_place.len(),
            crate::document::plural(in_place.len())
        );
        writeln!(out, "{}", wrap(&line, width, "", "  "))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

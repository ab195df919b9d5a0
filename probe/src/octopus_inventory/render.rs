//! The inventory as plan text (pure). Every value goes through the TOML
//! encoder and every comment is one line without control characters, so
//! names read from the server cannot inject plan keys. The new server is
//! left as commented placeholders; the API key is never written, only the
//! name of the variable that holds it.

use std::fmt::Write as _;

use super::Inventory;
use super::feeds::FeedCredentials;
use super::group::{GroupBy, UNASSIGNED};
use super::layout::{Datacenter, arrange};
use crate::checks::octopus::{EXPORT_IMPORT_MINIMUM, OctopusVersion};
use crate::endpoint::Endpoint;

/// Choices the command line makes.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub group_by: GroupBy,
    /// The environment variable holding the API key: its name goes into
    /// `[old_server]` as a commented `api_key_env` (uncommented, every `run`
    /// compares the certificate too, and needs the key where it runs).
    pub api_key_env: String,
    /// The CA file the portal was trusted with (written as given: make it absolute).
    pub ca_file: Option<String>,
    /// Where polling Tentacles connect to the old server; default: the portal's host on 10943.
    pub polling: Option<Endpoint>,
}

/// The plan text and what the user should be told on standard error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub plan: String,
    pub warnings: Vec<String>,
    /// Data center names, in plan order.
    pub datacenters: Vec<String>,
}

/// Writes the plan for an inventory.
pub fn render(inventory: &Inventory, options: &RenderOptions) -> Rendered {
    let layout = arrange(inventory, &options.group_by);
    let mut warnings = inventory.notes.clone();
    let mut out = String::new();
    header(&mut out, inventory, options);
    let polling = old_server(&mut out, inventory, options, &mut warnings);
    new_server(&mut out);

    // A data center with nothing to check (only machines left out) is a comment, not a section.
    let mut names: Vec<&String> = Vec::new();
    let mut empty: Vec<&String> = Vec::new();
    for (name, dc) in &layout.datacenters {
        if dc.is_empty() {
            empty.push(name);
        } else {
            names.push(name);
        }
    }
    names.sort_by_key(|n| (n.as_str() == UNASSIGNED, n.as_str()));
    for name in &names {
        datacenter(
            &mut out,
            name,
            &layout.datacenters[*name],
            inventory,
            &polling,
        );
    }
    for name in empty {
        let _ = writeln!(
            out,
            "# Nothing to check in `{}`:",
            crate::text::comment(name)
        );
        for skipped in &layout.datacenters[name].skipped {
            let _ = writeln!(out, "# not checked: {}", crate::text::comment(skipped));
        }
        out.push('\n');
    }
    let unassigned = layout
        .datacenters
        .get(UNASSIGNED)
        .map_or(0, |dc| dc.tentacles.len() + dc.tcp.len());
    if unassigned > 0 {
        warnings.push(format!(
            "{unassigned} machine(s) matched no data center (`--group-by {}`): they are in [[datacenter]] `{UNASSIGNED}`; move each to its data center",
            options.group_by
        ));
    }
    feeds(&mut out, &layout);
    Rendered {
        plan: out,
        warnings,
        datacenters: names.into_iter().cloned().collect(),
    }
}

fn header(out: &mut String, inventory: &Inventory, options: &RenderOptions) {
    let spaces: Vec<String> = inventory
        .spaces
        .iter()
        .filter(|s| !s.space.id.is_empty())
        .map(|s| format!("{} ({})", s.space.name, s.space.id))
        .collect();
    let _ = writeln!(
        out,
        "# preflight plan, format version 1, written by `preflight plan from-octopus`\n\
         # from the API of {} ({} {}){}.",
        crate::text::comment(&inventory.server),
        crate::text::comment(&inventory.application),
        crate::text::comment(&inventory.version),
        if spaces.is_empty() {
            String::new()
        } else {
            format!(", spaces: {}", crate::text::comment(&spaces.join(", ")))
        }
    );
    let rule = match &options.group_by {
        GroupBy::Environment => {
            "deployment targets by environment (`--group-by environment`)".to_string()
        }
        GroupBy::Role { prefix } => format!(
            "deployment targets by their role starting with `{}` (`--group-by role:{}`)",
            crate::text::comment(prefix),
            crate::text::comment(prefix)
        ),
    };
    let _ = writeln!(
        out,
        "#\n\
         # Data centers: {rule};\n\
         # workers by worker pool (one worker pool per data center). A machine no\n\
         # rule placed is in `{UNASSIGNED}`: move it. Names are plan names (lower-case,\n\
         # unique); the comment above each entry says what it is in Octopus.\n\
         #\n\
         # Next: fill in [new_server], add what each worker pool must reach, then\n\
         #   preflight plan check plan.toml\n\
         #   preflight run --plan plan.toml --dc <name>      (in each data center)"
    );
    out.push_str("version = 1\n\n[migration]\n");
    let host = url::Url::parse(&inventory.server)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| inventory.server.clone());
    let _ = writeln!(
        out,
        "name = {}\n# ticket = \"CHG-1234\"\n",
        quote(&format!("Migrate the Octopus Server at {host}"))
    );
}

/// `[old_server]`; returns the polling address Tentacles trust it at.
fn old_server(
    out: &mut String,
    inventory: &Inventory,
    options: &RenderOptions,
    warnings: &mut Vec<String>,
) -> String {
    let url = url::Url::parse(&inventory.server).ok();
    let host = url
        .as_ref()
        .and_then(|u| u.host_str())
        .unwrap_or("octopus.example.com")
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let (polling, polling_note) = match &options.polling {
        Some(p) => (p.clone(), "where polling Tentacles connect (--polling)"),
        None => (
            Endpoint::new(host, 10943),
            "assumed: the portal's host on the default polling port; correct it if polling Tentacles connect elsewhere",
        ),
    };
    out.push_str(
        "# The server being migrated, as its API describes it. In every data center\n\
         # its url gets dc.<dc>.octopus.old-server-api (Export/Import Projects needs\n\
         # 2021.1 or later, a blocker) and, with api_key_env, old-server-certificate\n\
         # (the certificate the API reports is the one the polling port presents;\n\
         # the variable must then hold the key wherever `run` runs).\n",
    );
    let minimum: Option<OctopusVersion> = EXPORT_IMPORT_MINIMUM.parse().ok();
    match (inventory.version.parse::<OctopusVersion>(), minimum) {
        (Ok(v), Some(min)) if v < min => {
            let text = format!(
                "the old server runs Octopus {v}: Export/Import Projects needs {EXPORT_IMPORT_MINIMUM} or later. Upgrade it before exporting (or migrate its database instead); `run` reports this as a blocker (dc.<dc>.octopus.old-server-api)"
            );
            let _ = writeln!(out, "# WARNING: {}", crate::text::comment(&text));
            warnings.push(text);
        }
        (Ok(v), _) => {
            let _ = writeln!(
                out,
                "# Octopus {}: Export/Import Projects is available ({EXPORT_IMPORT_MINIMUM} or later).",
                crate::text::comment(&v.to_string())
            );
        }
        (Err(e), _) => {
            let text = format!(
                "the old server's Version is not a version number ({e}): check by hand that it is {EXPORT_IMPORT_MINIMUM} or later before using Export/Import Projects"
            );
            let _ = writeln!(out, "# WARNING: {}", crate::text::comment(&text));
            warnings.push(text);
        }
    }
    out.push_str("[old_server]\n");
    if url.as_ref().is_some_and(|u| u.scheme() == "https") {
        let _ = writeln!(out, "url = {}", quote(&inventory.server));
    } else {
        let _ = writeln!(
            out,
            "# url = {}   # plans take https:// only: the portal answered over plain HTTP",
            quote(&inventory.server)
        );
    }
    let _ = writeln!(
        out,
        "polling = {}   # {polling_note}",
        quote(&polling.to_string())
    );
    let _ = writeln!(
        out,
        "thumbprint = {}   # its certificate (certificate-global)",
        quote(inventory.thumbprint.as_str())
    );
    if !options.api_key_env.is_empty() {
        let _ = writeln!(
            out,
            "# api_key_env = {}   # the variable's name; the key itself is never written",
            quote(&options.api_key_env)
        );
    }
    if let Some(ca) = &options.ca_file {
        let _ = writeln!(out, "ca_file = {}", quote(ca));
    }
    out.push('\n');
    format!("https://{polling}")
}

fn new_server(out: &mut String) {
    out.push_str(
        "# The server being migrated to: fill these in (`preflight plan init` explains\n\
         # every key). With its thumbprint, every Tentacle below gets\n\
         # dc.<dc>.tentacle.<name>.trusts-new-server, with the command that makes it trust it.\n\
         # [new_server]\n\
         # url = \"https://acme.octopus.app\"\n\
         # polling = \"polling.acme.octopus.app:443\"   # self-hosted: host:10943\n\
         # thumbprint = \"3F9A...\"                    # export/import: the new server's own certificate\n\
         # api_key_env = \"OCTOPUS_NEW_API_KEY\"\n\n",
    );
}

fn datacenter(
    out: &mut String,
    name: &str,
    dc: &Datacenter,
    inventory: &Inventory,
    polling_address: &str,
) {
    out.push_str("[[datacenter]]\n");
    let _ = writeln!(out, "name = {}", quote(name));
    if name == UNASSIGNED {
        out.push_str("# Machines no rule placed: move each entry to its data center.\n");
    }
    for pool in &dc.pools {
        let _ = writeln!(
            out,
            "\n  # Worker pool {}: run the plan on one of its workers.",
            crate::text::comment(&pool.label)
        );
        out.push_str("  [[datacenter.worker_pool]]\n");
        let _ = writeln!(out, "  name = {}", quote(&pool.name));
        let workers: Vec<String> = pool.workers.iter().map(|w| quote(w)).collect();
        let _ = writeln!(out, "  workers = [{}]", workers.join(", "));
        out.push_str(
            "  # must_reach = [{ target = \"sql01.example.com:1433\", purpose = \"SQL\" }]   # what deployments touch\n",
        );
    }
    for tcp in &dc.tcp {
        let _ = writeln!(out, "\n  # {}", crate::text::comment(&tcp.comment));
        out.push_str("  [[datacenter.tcp]]\n");
        let _ = writeln!(out, "  name = {}", quote(&tcp.name));
        let _ = writeln!(out, "  target = {}", quote(&tcp.target.to_string()));
        let _ = writeln!(out, "  purpose = {}", quote(&tcp.purpose));
    }
    for t in &dc.tentacles {
        out.push('\n');
        for line in &t.comment {
            let _ = writeln!(out, "  # {}", crate::text::comment(line));
        }
        out.push_str("  [[datacenter.tentacle]]\n");
        let _ = writeln!(out, "  name = {}", quote(&t.name));
        if let Some(listen) = &t.listen {
            let _ = writeln!(out, "  host = {}", quote(&listen.host));
        }
        if let Some(thumbprint) = &t.thumbprint {
            let _ = writeln!(out, "  thumbprint = {}", quote(thumbprint.as_str()));
        }
        if let Some(listen) = &t.listen {
            let _ = writeln!(out, "  listen_port = {}", listen.port);
        }
        out.push_str(
            "\n    [[datacenter.tentacle.trust]]   # the old server, which it trusts today\n",
        );
        match t.listen {
            Some(_) => out.push_str("    style = \"listening\"\n"),
            None => out.push_str("    style = \"polling\"\n"),
        }
        let _ = writeln!(
            out,
            "    thumbprint = {}",
            quote(inventory.thumbprint.as_str())
        );
        if t.listen.is_none() {
            let _ = writeln!(out, "    address = {}", quote(polling_address));
        }
    }
    for skipped in &dc.skipped {
        let _ = writeln!(out, "\n  # not checked: {}", crate::text::comment(skipped));
    }
    out.push('\n');
}

fn feeds(out: &mut String, layout: &super::layout::Layout) {
    if layout.feeds.is_empty() && layout.skipped_feeds.is_empty() {
        return;
    }
    out.push_str(
        "# Package feeds, each checked from every data center with its own protocol.\n\
         # server_side = true: Octopus downloads from it on the server (an Octopus Cloud\n\
         # server then needs it reachable from the internet). Add via = \"proxy\" or\n\
         # \"both\" where deployments reach it through the [proxy].\n",
    );
    for skipped in &layout.skipped_feeds {
        let _ = writeln!(out, "# not checked: {}", crate::text::comment(skipped));
    }
    for feed in &layout.feeds {
        out.push('\n');
        for line in &feed.comment {
            let _ = writeln!(out, "# {}", crate::text::comment(line));
        }
        let e = &feed.entry;
        out.push_str("[[feed]]\n");
        let _ = writeln!(out, "name = {}", quote(&feed.name));
        let _ = writeln!(out, "kind = {}", quote(e.kind.as_str()));
        let _ = writeln!(out, "url = {}", quote(&e.url));
        match &e.credentials {
            FeedCredentials::None => {}
            FeedCredentials::Basic {
                username_env,
                password_env,
            } => {
                let _ = writeln!(out, "username_env = {}", quote(username_env));
                let _ = writeln!(out, "password_env = {}", quote(password_env));
            }
            FeedCredentials::Token { token_env } => {
                let _ = writeln!(out, "token_env = {}", quote(token_env));
            }
        }
        if e.server_side {
            out.push_str("server_side = true\n");
        }
    }
}

/// A TOML string literal for any text.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

//! The scripts that prepare Tentacles for the new server, written beside
//! the report as `clone-tentacles.sh` and `clone-tentacles.ps1` (pure text;
//! preflight never runs them). A polling Tentacle talks to one server, so
//! each one registered on the old instance gets a second, cloned instance
//! on its machine: `create-instance`, `new-certificate`, `configure
//! --noListen`, then `register-with` (targets: the old registration's
//! environments, roles, tenants) or `register-worker` (its worker pools)
//! against the new server, and `service --install --start`. A listening
//! Tentacle only needs to trust the new server's certificate: `configure
//! --trust`. The new server's API key is never written: both scripts read
//! it from `NEW_SERVER_API_KEY` on the machine they run on.
//!
//! Every value from the API is quoted for its shell (single quotes, with
//! Bash's `'\''` and PowerShell's doubled quotes), so a name cannot become
//! a command. Both scripts take the machine's name as registered on the old
//! instance and run only that machine's block.

use std::fmt::Write as _;

use super::{Registration, RegistrationKind};

/// The environment variable both scripts read the new server's API key from.
pub const API_KEY_VARIABLE: &str = "NEW_SERVER_API_KEY";

/// The file names the scripts are written under.
pub const BASH_FILE: &str = "clone-tentacles.sh";
pub const POWERSHELL_FILE: &str = "clone-tentacles.ps1";

/// A Tentacle to prepare, and the space it is registered in (by name).
#[derive(Debug, Clone)]
pub struct CloneTarget<'a> {
    pub space: &'a str,
    pub registration: &'a Registration,
}

/// What the scripts are written from.
#[derive(Debug, Clone)]
pub struct CloneInput<'a> {
    /// The old instance's portal (named in the scripts' header only).
    pub old_server: &'a str,
    /// The new instance's portal: `register-with --server`.
    pub new_server: &'a str,
    /// The new server certificate's thumbprint: `configure --trust`.
    pub new_thumbprint: &'a str,
    /// Polling Tentacles to clone.
    pub polling: Vec<CloneTarget<'a>>,
    /// Listening Tentacles to tell to trust the new server.
    pub listening: Vec<CloneTarget<'a>>,
}

/// The two scripts and the machine names they take (one block each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scripts {
    pub bash: String,
    pub powershell: String,
    /// The argument that selects each block, in order: the machine's name,
    /// or `space/name` when two spaces hold the same name.
    pub labels: Vec<String>,
}

/// How a clone reaches the new server's polling endpoint: Octopus Cloud
/// polls over 443 at `polling.<instance>`, a self-hosted server on 10943.
pub fn polling_option(new_server: &str) -> (&'static str, String) {
    let host = url::Url::parse(new_server)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    match host {
        Some(h) if h.ends_with(".octopus.app") => {
            ("--server-comms-address", format!("https://polling.{h}/"))
        }
        _ => ("--server-comms-port", "10943".to_string()),
    }
}

/// One argument in Bash single quotes (`'` written as `'\''`).
pub fn bash_quote(value: &str) -> String {
    format!("'{}'", clean(value).replace('\'', r"'\''"))
}

/// One argument in PowerShell single quotes (every kind of single quote
/// PowerShell accepts is doubled).
pub fn powershell_quote(value: &str) -> String {
    let mut out = String::from("'");
    for c in clean(value).chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Control characters (no Octopus name holds one) become `?`, so a value
/// can neither end a line nor carry a byte a shell cannot.
fn clean(value: &str) -> String {
    crate::text::comment(value)
}

/// Text for a `#` comment line in either script.
fn note(value: &str) -> String {
    crate::text::one_line(value, 200)
}

/// The labels of `targets`: the name, or `space/name` when a name repeats
/// (compared ignoring case, as PowerShell's `switch` does).
fn labels(targets: &[&CloneTarget<'_>]) -> Vec<String> {
    let key = |t: &CloneTarget<'_>| t.registration.name.to_lowercase();
    let mut out: Vec<String> = targets
        .iter()
        .map(|t| {
            let repeats = targets.iter().filter(|o| key(o) == key(t)).count() > 1;
            if repeats {
                format!("{}/{}", t.space, t.registration.name)
            } else {
                t.registration.name.clone()
            }
        })
        .collect();
    // Still equal (the same space and name twice): number them.
    for i in 0..out.len() {
        let dupes = out[..i]
            .iter()
            .filter(|o| o.to_lowercase() == out[i].to_lowercase())
            .count();
        if dupes > 0 {
            out[i] = format!("{}#{}", out[i], dupes + 1);
        }
    }
    out
}

/// The register command's arguments after `--server … --apiKey …`, for a
/// polling clone: name, space, comms, and what the old registration had.
fn registration_args(t: &CloneTarget<'_>, new_server: &str) -> Vec<(String, String)> {
    let r = t.registration;
    let mut args = vec![
        ("--comms-style".to_string(), "TentacleActive".to_string()),
        ("--name".to_string(), r.name.clone()),
        ("--space".to_string(), t.space.to_string()),
    ];
    let (flag, value) = polling_option(new_server);
    args.push((flag.to_string(), value));
    match r.kind {
        RegistrationKind::Target => {
            for e in &r.environments {
                args.push(("--environment".into(), e.clone()));
            }
            for role in &r.roles {
                args.push(("--role".into(), role.clone()));
            }
            for tenant in &r.tenants {
                args.push(("--tenant".into(), tenant.clone()));
            }
            if let Some(p) = r.tenanted.as_deref().filter(|p| !p.is_empty()) {
                args.push(("--tenanted-deployment-participation".into(), p.to_string()));
            }
        }
        RegistrationKind::Worker => {
            for pool in &r.worker_pools {
                args.push(("--workerpool".into(), pool.clone()));
            }
        }
    }
    args
}

fn register_command(kind: RegistrationKind) -> &'static str {
    match kind {
        RegistrationKind::Target => "register-with",
        RegistrationKind::Worker => "register-worker",
    }
}

/// What the old registration was, for the block's comment.
fn describe(t: &CloneTarget<'_>) -> String {
    let r = t.registration;
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let style = if r.is_polling() {
        "polling"
    } else {
        "listening"
    };
    match r.kind {
        RegistrationKind::Target => note(&format!(
            "{style} deployment target in space {}; environments: {}; roles: {}; tenants: {}",
            t.space,
            list(&r.environments),
            list(&r.roles),
            list(&r.tenants)
        )),
        RegistrationKind::Worker => note(&format!(
            "{style} worker in space {}; worker pools: {}",
            t.space,
            list(&r.worker_pools)
        )),
    }
}

/// Writes both scripts.
pub fn scripts(input: &CloneInput<'_>) -> Scripts {
    let all: Vec<&CloneTarget<'_>> = input.polling.iter().chain(&input.listening).collect();
    let labels = labels(&all);
    Scripts {
        bash: bash(input, &all, &labels),
        powershell: powershell(input, &all, &labels),
        labels,
    }
}

fn bash(input: &CloneInput<'_>, all: &[&CloneTarget<'_>], labels: &[String]) -> String {
    let mut s = String::new();
    let q = bash_quote;
    let _ = writeln!(
        s,
        "#!/usr/bin/env bash
# {BASH_FILE}: written by `preflight drift` from the old instance
# {} for the new instance {}.
# preflight does not run it. Read it, then run it on each Tentacle's machine
# as root, naming the machine as registered on the old instance, with an API
# key of the new server in the environment variable {API_KEY_VARIABLE}. For example
#   sudo --preserve-env={API_KEY_VARIABLE} bash {BASH_FILE} MACHINE
# A polling Tentacle gets a second (cloned) instance that polls the new
# server; a listening Tentacle is told to trust the new server's certificate.
# Every value read from the old instance is a single-quoted literal on purpose:
# shellcheck disable=SC2016,SC1112
set -euo pipefail

TENTACLE=\"${{TENTACLE-/opt/octopus/tentacle/Tentacle}}\"
# The Tentacle instance already on the machine, and the clone's name.
INSTANCE=\"${{INSTANCE-Tentacle}}\"
CLONE=\"${{CLONE-Tentacle-new}}\"
NEW_SERVER={}
NEW_THUMBPRINT={}

usage() {{
  printf '%s\\n' \"usage: $0 MACHINE (with the new server's API key in {API_KEY_VARIABLE})\" 'MACHINE is one of:' >&2
  printf '  %s\\n'{} >&2
}}

require_api_key() {{
  if [ -z \"${{{API_KEY_VARIABLE}-}}\" ]; then
    echo \"set {API_KEY_VARIABLE} to an API key of the new server ($NEW_SERVER) first\" >&2
    exit 2
  fi
}}

case \"${{1-}}\" in",
        note(input.old_server),
        note(input.new_server),
        q(input.new_server),
        q(input.new_thumbprint),
        labels
            .iter()
            .map(|l| format!(" {}", q(l)))
            .collect::<String>(),
    );
    for (t, label) in all.iter().zip(labels) {
        let r = t.registration;
        let _ = writeln!(s, "  {})", q(label));
        let _ = writeln!(s, "    # {}", describe(t));
        if r.is_polling() {
            let _ = writeln!(
                s,
                "    require_api_key
    \"$TENTACLE\" create-instance --instance \"$CLONE\" --config \"/etc/octopus/$CLONE/tentacle-$CLONE.config\"
    \"$TENTACLE\" new-certificate --instance \"$CLONE\" --if-blank
    \"$TENTACLE\" configure --instance \"$CLONE\" --app \"/home/Octopus/Applications/$CLONE\" --noListen 'True' --reset-trust"
            );
            let mut line = format!(
                "    \"$TENTACLE\" {} --instance \"$CLONE\" --server \"$NEW_SERVER\" --apiKey \"${API_KEY_VARIABLE}\"",
                register_command(r.kind)
            );
            for (flag, value) in registration_args(t, input.new_server) {
                let _ = write!(line, " {flag} {}", q(&value));
            }
            let (flag, value) = polling_option(input.new_server);
            let _ = writeln!(
                s,
                "{line}
    # Registered on the new instance already (by hand)? Then instead of {}:
    # \"$TENTACLE\" poll-server --instance \"$CLONE\" --server \"$NEW_SERVER\" --apikey \"${API_KEY_VARIABLE}\" {flag} {}
    \"$TENTACLE\" service --instance \"$CLONE\" --install --start",
                register_command(r.kind),
                q(&value)
            );
        } else {
            let _ = writeln!(
                s,
                "    \"$TENTACLE\" configure --instance \"$INSTANCE\" --trust \"$NEW_THUMBPRINT\"
    \"$TENTACLE\" service --instance \"$INSTANCE\" --stop --start
    # Then register it on the new instance, if the import did not bring it."
            );
        }
        let _ = writeln!(s, "    ;;");
    }
    let _ = writeln!(
        s,
        "  *)
    usage
    exit 2
    ;;
esac"
    );
    s
}

fn powershell(input: &CloneInput<'_>, all: &[&CloneTarget<'_>], labels: &[String]) -> String {
    let mut s = String::new();
    let q = powershell_quote;
    let _ = writeln!(
        s,
        "# {POWERSHELL_FILE}: written by `preflight drift` from the old instance
# {} for the new instance {}.
# preflight does not run it. Read it, then run it on each Tentacle's machine
# in an elevated PowerShell, naming the machine as registered on the old
# instance, with an API key of the new server in the environment variable
# {API_KEY_VARIABLE}. For example
#   .\\{POWERSHELL_FILE} -Machine MACHINE
# A polling Tentacle gets a second (cloned) instance that polls the new
# server; a listening Tentacle is told to trust the new server's certificate.
# Machines:{}
param(
    [Parameter(Mandatory = $true)][string] $Machine,
    [string] $Tentacle = 'C:\\Program Files\\Octopus Deploy\\Tentacle\\Tentacle.exe',
    [string] $Instance = 'Tentacle',
    [string] $Clone = 'Tentacle-new'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$NewServer = {}
$NewThumbprint = {}

function Confirm-Step([string] $Step) {{
    if ($LASTEXITCODE -ne 0) {{ throw \"Tentacle $Step failed (exit code $LASTEXITCODE)\" }}
}}

function Confirm-NewServerKey {{
    if (-not $env:{API_KEY_VARIABLE}) {{
        throw \"Set the environment variable {API_KEY_VARIABLE} to an API key of the new server ($NewServer) first\"
    }}
}}

switch ($Machine) {{",
        note(input.old_server),
        note(input.new_server),
        labels
            .iter()
            .map(|l| format!(" {}", note(l)))
            .collect::<String>(),
        q(input.new_server),
        q(input.new_thumbprint),
    );
    for (t, label) in all.iter().zip(labels) {
        let r = t.registration;
        let _ = writeln!(s, "    {} {{", q(label));
        let _ = writeln!(s, "        # {}", describe(t));
        if r.is_polling() {
            let _ = writeln!(
                s,
                "        Confirm-NewServerKey
        & $Tentacle create-instance --instance $Clone --config \"C:\\Octopus\\$Clone\\Tentacle-$Clone.config\"
        Confirm-Step 'create-instance'
        & $Tentacle new-certificate --instance $Clone --if-blank
        Confirm-Step 'new-certificate'
        & $Tentacle configure --instance $Clone --app \"C:\\Octopus\\Applications\\$Clone\" --noListen 'True' --reset-trust
        Confirm-Step 'configure'"
            );
            let mut line = format!(
                "        & $Tentacle {} --instance $Clone --server $NewServer --apiKey $env:{API_KEY_VARIABLE}",
                register_command(r.kind)
            );
            for (flag, value) in registration_args(t, input.new_server) {
                let _ = write!(line, " {flag} {}", q(&value));
            }
            let (flag, value) = polling_option(input.new_server);
            let _ = writeln!(
                s,
                "{line}
        Confirm-Step '{0}'
        # Registered on the new instance already (by hand)? Then instead of {0}:
        # & $Tentacle poll-server --instance $Clone --server $NewServer --apikey $env:{API_KEY_VARIABLE} {flag} {1}
        & $Tentacle service --instance $Clone --install --start
        Confirm-Step 'service'",
                register_command(r.kind),
                q(&value)
            );
        } else {
            let _ = writeln!(
                s,
                "        & $Tentacle configure --instance $Instance --trust $NewThumbprint
        Confirm-Step 'configure'
        & $Tentacle service --instance $Instance --stop --start
        Confirm-Step 'service'
        # Then register it on the new instance, if the import did not bring it."
            );
        }
        let _ = writeln!(s, "        break\n    }}");
    }
    let _ = writeln!(
        s,
        "    default {{
        throw \"Unknown machine '$Machine': expected one named in this script's header\"
    }}
}}"
    );
    s
}

#[cfg(test)]
mod tests;

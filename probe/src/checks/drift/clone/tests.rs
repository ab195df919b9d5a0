use std::io::Write as _;
use std::process::Command;

use super::*;

fn polling_target() -> Registration {
    Registration {
        kind: RegistrationKind::Target,
        name: "app01".into(),
        style: "TentacleActive".into(),
        thumbprint: Some("8F2D4B6A0C1E3F5A7B9D1C3E5F7A9B0D2C4E6F02".into()),
        environments: vec!["Production".into(), "Staging".into()],
        roles: vec!["app-server".into(), "dc-east".into()],
        tenants: vec!["Acme Corp".into()],
        tenanted: Some("TenantedOrUntenanted".into()),
        ..Registration::default()
    }
}

fn polling_worker() -> Registration {
    Registration {
        kind: RegistrationKind::Worker,
        name: "w-east-2".into(),
        style: "TentacleActive".into(),
        worker_pools: vec!["DC East".into()],
        ..Registration::default()
    }
}

fn listening() -> Registration {
    Registration {
        kind: RegistrationKind::Target,
        name: "web01".into(),
        style: "TentaclePassive".into(),
        ..Registration::default()
    }
}

fn hostile() -> Registration {
    Registration {
        kind: RegistrationKind::Target,
        name: "x'; rm -rf / #".into(),
        style: "TentacleActive".into(),
        environments: vec!["$(touch /tmp/pwned)".into(), "`id`".into()],
        roles: vec![
            "a\u{2019}b".into(),
            "new\nline".into(),
            "\"quoted\" $x".into(),
        ],
        ..Registration::default()
    }
}

fn scripts_for(regs: &[(&str, &Registration)], listening: &[(&str, &Registration)]) -> Scripts {
    scripts(&CloneInput {
        old_server: "https://old.example.com",
        new_server: "https://new.example.com",
        new_thumbprint: "5E8B7D2C41A09F36E1D4C7B2A58F903D6E1C4B27",
        polling: regs
            .iter()
            .map(|(space, r)| CloneTarget {
                space,
                registration: r,
            })
            .collect(),
        listening: listening
            .iter()
            .map(|(space, r)| CloneTarget {
                space,
                registration: r,
            })
            .collect(),
    })
}

/// The lines of the block that `label` selects in the Bash script.
fn bash_block<'a>(script: &'a str, label: &str) -> Vec<&'a str> {
    let start = format!("  {})", bash_quote(label));
    let mut lines = script.lines().skip_while(|l| *l != start);
    assert!(lines.next().is_some(), "no block {start} in:\n{script}");
    lines.take_while(|l| l.trim() != ";;").collect()
}

#[test]
fn a_polling_target_is_cloned_with_its_old_registration() {
    let t = polling_target();
    let s = scripts_for(&[("Default", &t)], &[]);
    let block = bash_block(&s.bash, "app01");
    let commands: Vec<&str> = block
        .iter()
        .filter(|l| l.trim_start().starts_with("\"$TENTACLE\""))
        .map(|l| l.trim())
        .collect();
    assert_eq!(
        commands,
        [
            "\"$TENTACLE\" create-instance --instance \"$CLONE\" --config \"/etc/octopus/$CLONE/tentacle-$CLONE.config\"",
            "\"$TENTACLE\" new-certificate --instance \"$CLONE\" --if-blank",
            "\"$TENTACLE\" configure --instance \"$CLONE\" --app \"/home/Octopus/Applications/$CLONE\" --noListen 'True' --reset-trust",
            "\"$TENTACLE\" register-with --instance \"$CLONE\" --server \"$NEW_SERVER\" --apiKey \"$NEW_SERVER_API_KEY\" --comms-style 'TentacleActive' --name 'app01' --space 'Default' --server-comms-port '10943' --environment 'Production' --environment 'Staging' --role 'app-server' --role 'dc-east' --tenant 'Acme Corp' --tenanted-deployment-participation 'TenantedOrUntenanted'",
            "\"$TENTACLE\" service --instance \"$CLONE\" --install --start",
        ]
    );
    assert!(block.iter().any(|l| l.trim() == "require_api_key"));
    assert!(block.iter().any(|l| {
        l.contains("# \"$TENTACLE\" poll-server --instance \"$CLONE\" --server \"$NEW_SERVER\"")
    }));
    assert!(s.bash.contains("NEW_SERVER='https://new.example.com'"));
    let ps: Vec<&str> = s.powershell.lines().map(str::trim).collect();
    assert!(ps.contains(&"& $Tentacle register-with --instance $Clone --server $NewServer --apiKey $env:NEW_SERVER_API_KEY --comms-style 'TentacleActive' --name 'app01' --space 'Default' --server-comms-port '10943' --environment 'Production' --environment 'Staging' --role 'app-server' --role 'dc-east' --tenant 'Acme Corp' --tenanted-deployment-participation 'TenantedOrUntenanted'"), "{}", s.powershell);
    assert!(ps.contains(&"& $Tentacle create-instance --instance $Clone --config \"C:\\Octopus\\$Clone\\Tentacle-$Clone.config\""));
    assert_eq!(s.labels, ["app01"]);
}

#[test]
fn a_polling_worker_registers_as_a_worker_in_its_pools_and_a_listening_tentacle_only_trusts() {
    let w = polling_worker();
    let l = listening();
    let s = scripts_for(&[("Default", &w)], &[("Default", &l)]);
    let block = bash_block(&s.bash, "w-east-2");
    let register = block
        .iter()
        .find(|l| l.contains("register-worker"))
        .expect("register-worker");
    assert!(register.ends_with("--workerpool 'DC East'"), "{register}");
    assert!(!register.contains("--environment") && !register.contains("--role"));
    let web = bash_block(&s.bash, "web01");
    let commands: Vec<&str> = web
        .iter()
        .filter(|l| l.trim_start().starts_with("\"$TENTACLE\""))
        .map(|l| l.trim())
        .collect();
    assert_eq!(
        commands,
        [
            "\"$TENTACLE\" configure --instance \"$INSTANCE\" --trust \"$NEW_THUMBPRINT\"",
            "\"$TENTACLE\" service --instance \"$INSTANCE\" --stop --start",
        ]
    );
    assert!(
        s.bash
            .contains("NEW_THUMBPRINT='5E8B7D2C41A09F36E1D4C7B2A58F903D6E1C4B27'")
    );
    assert!(!web.iter().any(|l| l.contains("require_api_key")));
    assert!(
        s.powershell
            .contains("& $Tentacle configure --instance $Instance --trust $NewThumbprint")
    );
    assert_eq!(s.labels, ["w-east-2", "web01"]);
}

#[test]
fn octopus_cloud_is_polled_over_443_at_its_polling_name() {
    assert_eq!(
        polling_option("https://acme.octopus.app"),
        (
            "--server-comms-address",
            "https://polling.acme.octopus.app/".to_string()
        )
    );
    assert_eq!(
        polling_option("https://octopus.example.com/octo"),
        ("--server-comms-port", "10943".to_string())
    );
}

#[test]
fn names_that_repeat_across_spaces_are_told_apart_by_space() {
    let a = polling_target();
    let mut b = polling_target();
    b.name = "APP01".into();
    let s = scripts_for(&[("Default", &a), ("Platform", &b)], &[]);
    assert_eq!(s.labels, ["Default/app01", "Platform/APP01"]);
    bash_block(&s.bash, "Platform/APP01");
}

#[test]
fn quoting_keeps_every_hostile_value_one_literal_argument() {
    assert_eq!(bash_quote("it's"), r"'it'\''s'");
    assert_eq!(powershell_quote("it's"), "'it''s'");
    assert_eq!(powershell_quote("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
    assert_eq!(bash_quote("a\nb"), "'a?b'");
    // Bash itself reads each quoted value back as exactly one argument.
    for value in [
        "x'; rm -rf / #",
        "$(touch /tmp/pwned)",
        "`id`",
        "\"q\" $x",
        "a\\b",
    ] {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("printf '%s\\0' {}", bash_quote(value)))
            .output()
            .expect("bash");
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{value}\0"));
    }
}

#[test]
fn the_api_key_is_a_placeholder_the_scripts_read_and_redaction_leaves_them_whole() {
    let t = polling_target();
    let w = polling_worker();
    let l = listening();
    let s = scripts_for(&[("Default", &t), ("Default", &w)], &[("Default", &l)]);
    for script in [&s.bash, &s.powershell] {
        assert!(!script.contains("API-"), "no literal key shape");
        // The report redacts every string; a script it changed would not be
        // the script written beside it.
        assert_eq!(report::Redactor::new().text(script), script.as_str());
    }
    assert!(s.bash.contains("--apiKey \"$NEW_SERVER_API_KEY\""));
    assert!(s.powershell.contains("--apiKey $env:NEW_SERVER_API_KEY"));
}

fn shellcheck(script: &str) -> std::process::Output {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(script.as_bytes()).unwrap();
    Command::new("shellcheck")
        .args(["--shell=bash", "--severity=style"])
        .arg(file.path())
        .output()
        .expect("the clone script test needs shellcheck: install the Debian package `shellcheck` (scripts/test does this as root)")
}

#[test]
fn the_bash_script_passes_shellcheck_and_bash_n_even_with_hostile_names() {
    let t = polling_target();
    let w = polling_worker();
    let l = listening();
    let h = hostile();
    let s = scripts_for(
        &[("Default", &t), ("Default", &w), ("Other space", &h)],
        &[("Default", &l)],
    );
    let out = shellcheck(&s.bash);
    assert!(
        out.status.success(),
        "shellcheck:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        s.bash
    );
    let out = Command::new("bash")
        .arg("-n")
        .arg("-c")
        .arg(&s.bash)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The test can fail: shellcheck does flag an unquoted expansion.
    let bad = s.bash.replace(
        "\"$TENTACLE\" new-certificate --instance \"$CLONE\"",
        "$TENTACLE new-certificate --instance $CLONE",
    );
    assert!(!shellcheck(&bad).status.success());
}

#[test]
#[cfg(unix)]
fn the_bash_script_runs_only_the_named_machines_block() {
    let t = polling_target();
    let l = listening();
    let s = scripts_for(&[("Default", &t)], &[("Default", &l)]);
    let dir = tempfile::tempdir().unwrap();
    // A stand-in Tentacle that records its arguments.
    let fake = dir.path().join("Tentacle");
    std::fs::write(&fake, "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$LOG\"\n").unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let script = dir.path().join(BASH_FILE);
    std::fs::write(&script, &s.bash).unwrap();
    let log = dir.path().join("log");
    let run = |machine: &str, key: Option<&str>| {
        let mut cmd = Command::new("bash");
        cmd.arg(&script)
            .arg(machine)
            .env("TENTACLE", &fake)
            .env("LOG", &log)
            .env_remove(API_KEY_VARIABLE);
        if let Some(k) = key {
            cmd.env(API_KEY_VARIABLE, k);
        }
        cmd.output().unwrap()
    };
    let out = run("app01", None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "no key: refused before any command"
    );
    assert!(!log.exists());
    let out = run("app01", Some("key-from-the-environment"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 5, "{calls:?}");
    assert!(calls[0].starts_with("create-instance --instance Tentacle-new"));
    assert!(calls[3].starts_with("register-with --instance Tentacle-new --server https://new.example.com --apiKey key-from-the-environment --comms-style TentacleActive --name app01"));
    std::fs::remove_file(&log).unwrap();
    let out = run("web01", None);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "configure --instance Tentacle --trust 5E8B7D2C41A09F36E1D4C7B2A58F903D6E1C4B27\nservice --instance Tentacle --stop --start\n"
    );
    let out = run("nobody", None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("MACHINE is one of:\n  app01\n  web01\n")
    );
}

/// No PowerShell parser is available offline here (pwsh is not in Debian),
/// so the structure is checked: every brace and parenthesis closed outside
/// strings and comments, every block ends in `break`, no string left open.
#[test]
fn the_powershell_script_is_balanced_and_every_block_breaks() {
    let t = polling_target();
    let w = polling_worker();
    let l = listening();
    let h = hostile();
    let s = scripts_for(
        &[("Default", &t), ("Default", &w), ("Other", &h)],
        &[("Default", &l)],
    );
    let ps = &s.powershell;
    assert_eq!(balance(ps), Ok(()), "{ps}");
    assert_eq!(ps.matches("        break\n    }").count(), 4);
    assert!(ps.contains("param(\n    [Parameter(Mandatory = $true)][string] $Machine,"));
    assert!(ps.contains("switch ($Machine) {"));
    assert!(ps.contains("    default {"));
    // The hostile name is one single-quoted literal.
    assert!(ps.contains("    'x''; rm -rf / #' {"), "{ps}");
    assert!(ps.contains("--role 'a\u{2019}\u{2019}b' --role 'new?line' --role '\"quoted\" $x'"));
    // The checker can fail.
    assert!(balance("switch ($x) { 'a' { break }").is_err());
    assert!(balance("$a = 'open").is_err());
}

/// Brackets balanced outside single- and double-quoted strings and `#` comments.
fn balance(ps: &str) -> Result<(), String> {
    let mut stack = Vec::new();
    for (n, line) in ps.lines().enumerate() {
        let mut chars = line.chars().peekable();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match quote {
                Some(q) => {
                    let closes = if q == '\'' {
                        matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
                    } else {
                        c == '"'
                    };
                    if closes {
                        if chars.peek().is_some_and(|n| *n == c) {
                            chars.next();
                        } else {
                            quote = None;
                        }
                    } else if q == '"' && c == '`' {
                        chars.next();
                    }
                }
                None => match c {
                    '#' => break,
                    '\'' | '"' => quote = Some(c),
                    '{' | '(' | '[' => stack.push(c),
                    '}' | ')' | ']' => {
                        let open = stack.pop();
                        let want = match c {
                            '}' => '{',
                            ')' => '(',
                            _ => '[',
                        };
                        if open != Some(want) {
                            return Err(format!("line {}: unmatched {c}", n + 1));
                        }
                    }
                    _ => {}
                },
            }
        }
        if quote.is_some() {
            return Err(format!("line {}: string left open", n + 1));
        }
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed {stack:?}"))
    }
}

//! Fleet runs with engines users already have: the Ansible playbook (run for
//! real against localhost with the local connection) and the Octopus runbook
//! script (run with stand-ins for the functions Octopus defines).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{stderr, stdout};

/// A plan whose two data centers reach a loopback listener: `east` is GO,
/// `west` is NO-GO (its target refuses).
fn loopback_plan(dir: &Path, open: u16, closed: u16) -> PathBuf {
    let plan = format!(
        "version = 1\n[migration]\nname = \"fleet test\"\n[defaults]\ntimeout = \"1s\"\n\
         [[datacenter]]\nname = \"east\"\n  [[datacenter.tcp]]\n  name = \"server\"\n  target = \"127.0.0.1:{open}\"\n\
         [[datacenter]]\nname = \"west\"\n  [[datacenter.tcp]]\n  name = \"server\"\n  target = \"127.0.0.1:{closed}\"\n"
    );
    let path = dir.join("plan.toml");
    std::fs::write(&path, plan).unwrap();
    path
}

fn ports() -> (std::net::TcpListener, u16, u16) {
    let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let open_port = open.local_addr().unwrap().port();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    (open, open_port, closed)
}

/// ansible-playbook from `PREFLIGHT_ANSIBLE_PLAYBOOK`, the venv scripts/test
/// makes, or PATH. Missing, the test fails and says how to get it.
fn ansible_playbook() -> PathBuf {
    if let Some(p) = std::env::var_os("PREFLIGHT_ANSIBLE_PLAYBOOK") {
        return PathBuf::from(p);
    }
    let venv =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-tools/ansible/bin/ansible-playbook");
    if venv.exists() {
        return venv;
    }
    let found = Command::new("sh")
        .args(["-c", "command -v ansible-playbook"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    found.unwrap_or_else(|| {
        panic!("the Ansible test needs ansible-playbook: run `bash scripts/test` (it installs ansible-core into target/ci-tools/ansible) or set PREFLIGHT_ANSIBLE_PLAYBOOK")
    })
}

#[test]
fn ansible_playbook_runs_every_data_center_and_merges() {
    let playbook_bin = ansible_playbook();
    let python = playbook_bin.with_file_name("python3");
    let (listener, open, closed) = ports();
    let dir = tempfile::tempdir().unwrap();
    let plan = loopback_plan(dir.path(), open, closed);
    let interpreter = if python.exists() {
        format!(" ansible_python_interpreter={}", python.display())
    } else {
        String::new()
    };
    let inventory = dir.path().join("inventory.ini");
    std::fs::write(
        &inventory,
        format!(
            "[east]\neast-01 ansible_connection=local{interpreter}\n\
             [west]\nwest-01 ansible_connection=local{interpreter}\n\
             [east:vars]\ndc=east\n[west:vars]\ndc=west\n[preflight:children]\neast\nwest\n"
        ),
    )
    .unwrap();
    let reports = dir.path().join("reports");
    let out = Command::new(&playbook_bin)
        .arg("-i")
        .arg(&inventory)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/ansible/playbook.yml"))
        .arg("-e")
        .arg(format!(
            "preflight_binary={}",
            env!("CARGO_BIN_EXE_preflight")
        ))
        .arg("-e")
        .arg(format!("preflight_plan={}", plan.display()))
        .arg("-e")
        .arg(format!("reports_dir={}", reports.display()))
        .arg("-e")
        .arg(format!(
            "preflight_remote_dir={}",
            dir.path().join("remote").display()
        ))
        .env("LC_ALL", "C.UTF-8")
        .env("ANSIBLE_LOCAL_TEMP", dir.path().join("ansible-tmp"))
        .env("ANSIBLE_REMOTE_TEMP", dir.path().join("ansible-tmp"))
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .expect("run ansible-playbook");
    let log = format!("{}{}", stdout(&out), stderr(&out));
    assert!(out.status.success(), "playbook failed:\n{log}");
    assert!(log.contains("NO-GO: merged report in"), "{log}");
    for dc in ["east", "west"] {
        let fetched = reports
            .join(dc)
            .join(format!("{dc}-01"))
            .join("report.json");
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&fetched).unwrap()).unwrap();
        assert_eq!(report["datacenter"], dc);
    }
    let merged = reports.join("merged");
    let names: Vec<String> = std::fs::read_dir(&merged)
        .unwrap_or_else(|e| panic!("no merged report in {}: {e}\n{log}", merged.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.is_empty(), "merged directory is empty:\n{log}");
    drop(listener);
}

#[test]
fn octopus_runbook_script_attaches_reports_and_fails_on_no_go() {
    let (listener, open, closed) = ports();
    let dir = tempfile::tempdir().unwrap();
    let plan = loopback_plan(dir.path(), open, closed);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/octopus/preflight-runbook.sh");
    // Stand-ins for what Octopus defines in a Bash script step.
    let shim = format!(
        r#"
get_octopusvariable() {{
  case "$1" in
    Preflight.BinaryPath) echo "{bin}" ;;
    Preflight.PlanPath) echo "{plan}" ;;
    Preflight.DataCenter) echo "$TEST_DC" ;;
    *) echo "" ;;
  esac
}}
new_octopusartifact() {{ echo "ARTIFACT $2 <- $1"; test -s "$1"; }}
export -f get_octopusvariable new_octopusartifact
exec bash "{script}"
"#,
        bin = env!("CARGO_BIN_EXE_preflight"),
        plan = plan.display(),
        script = script.display()
    );
    for (dc, code) in [("east", 0), ("west", 1)] {
        let out = Command::new("bash")
            .args(["-c", &shim])
            .env("TEST_DC", dc)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let text = stdout(&out);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{dc}: {text}{}",
            stderr(&out)
        );
        assert!(
            text.contains(&format!("ARTIFACT preflight-{dc}-")) && text.contains("report.json <- "),
            "{dc}: {text}"
        );
        let verdict = if code == 0 {
            "GO for data center"
        } else {
            "NO-GO for data center"
        };
        assert!(text.contains(verdict), "{text}");
        assert!(
            dir.path()
                .join("preflight-reports")
                .join(dc)
                .join("report.json")
                .exists()
        );
    }
    drop(listener);
}

#[test]
fn runbook_scripts_pass_shellcheck() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/octopus/preflight-runbook.sh");
    let out = Command::new("shellcheck")
        .arg(&script)
        .output()
        .expect("the runbook lint needs shellcheck: install the Debian package `shellcheck` (scripts/test does this as root)");
    assert!(out.status.success(), "{}", stdout(&out));
}

/// Each `& $binary <command> --flag …` line of the PowerShell runbook uses
/// flags the binary has (the same clap definition the Windows binary is built
/// from; `scripts/test-windows` checks them against `preflight.exe --help`
/// under Wine too).
#[test]
fn the_powershell_runbook_uses_the_binarys_real_flags() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/octopus/preflight-runbook.ps1");
    let script = std::fs::read_to_string(&path).unwrap();
    let calls: Vec<&str> = script
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("& $binary "))
        .collect();
    assert!(
        !calls.is_empty(),
        "no `& $binary …` line in {}",
        path.display()
    );
    for call in calls {
        let words: Vec<&str> = call.split_whitespace().skip(2).collect();
        let command: Vec<&str> = words
            .iter()
            .copied()
            .filter(|w| !w.starts_with(['-', '$']))
            .take(2)
            .collect();
        let mut args = command.clone();
        args.push("--help");
        let out = crate::support::run(&args);
        assert!(out.status.success(), "{call}: {}", stderr(&out));
        let help = stdout(&out);
        let flags: Vec<&str> = words
            .iter()
            .copied()
            .filter(|w| w.starts_with("--"))
            .collect();
        assert!(!flags.is_empty(), "{call}");
        for flag in flags {
            assert!(
                help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}=")),
                "{call}: `{flag}` is not a flag of `preflight {}`:\n{help}",
                command.join(" ")
            );
        }
        // And the line parses: a plan that does not exist is the error, not a flag.
        let mut args = command.clone();
        for w in &words[command.len()..] {
            args.push(if w.starts_with('$') {
                "does-not-exist"
            } else {
                w
            });
        }
        let out = crate::support::run(&args);
        assert!(
            !stderr(&out).contains("unexpected argument") && !stderr(&out).contains("Usage:"),
            "{call}: {}",
            stderr(&out)
        );
    }
}

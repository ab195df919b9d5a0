//! Helpers: run the binary, and re-run a test inside its own network namespace.

use std::process::{Command, Output};

/// The `preflight` binary built for these tests. Tables are laid out 1000
/// columns wide whatever the caller's terminal, so a test can find a
/// sentence on one line; the tests of the layout set `COLUMNS` themselves.
pub fn preflight() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_preflight"));
    cmd.env("NO_COLOR", "1").env("COLUMNS", "1000");
    cmd
}

/// Runs the binary and returns its output.
pub fn run(args: &[&str]) -> Output {
    preflight().args(args).output().expect("run preflight")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const INSIDE: &str = "PREFLIGHT_TEST_IN_NETNS";

/// The firewall lab. Call first in a test: outside a namespace it re-runs this
/// same test (`name` is its full path, e.g. `firewall::four_states`) inside a
/// new user, mount and network namespace (`unshare -rmn`), asserts that run
/// passed, and returns `false`; inside, it brings loopback up and returns
/// `true`. Inside, the test may load nft rules and mount tmpfs file systems;
/// both vanish with the namespace.
///
/// Missing tools fail the test with the Debian package to install: the lab
/// never skips silently.
pub fn enter_netns(name: &str) -> bool {
    if std::env::var_os(INSIDE).is_some() {
        sh("ip link set lo up");
        return true;
    }
    for (tool, package) in [
        ("unshare", "util-linux"),
        ("ip", "iproute2"),
        ("nft", "nftables"),
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "the firewall lab needs `{tool}`: install the Debian package `{package}` (scripts/test does this as root)"
        );
    }
    let exe = std::env::current_exe().expect("test binary path");
    let out = Command::new("unshare")
        .arg("-rmn")
        .arg("--")
        .arg(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .output()
        .expect("run unshare");
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        out.status.success(),
        "the test failed inside its network namespace:\n{text}"
    );
    assert!(
        text.contains("1 passed"),
        "the test did not run inside the namespace (filter `{name}` matched nothing?):\n{text}"
    );
    false
}

/// Runs a shell command (fixed text written by the tests, never input) and
/// panics with its output when it fails.
pub fn sh(script: &str) {
    let out = Command::new("sh")
        .args(["-c", script])
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "`{script}` failed: {}{}",
        stdout(&out),
        stderr(&out)
    );
}

/// Loads nft rules (inside the namespace only).
pub fn nft(rules: &str) {
    use std::io::Write;
    let mut child = Command::new("nft")
        .args(["-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn nft");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(rules.as_bytes())
        .expect("write rules");
    let out = child.wait_with_output().expect("nft");
    assert!(out.status.success(), "nft failed: {}", stderr(&out));
}

/// A tokio runtime that keeps lab servers (from the `lab` crate) serving in the
/// background while a test runs the binary against them.
pub struct LabRuntime {
    rt: tokio::runtime::Runtime,
}

impl LabRuntime {
    pub fn new() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("lab runtime");
        LabRuntime { rt }
    }

    /// Starts a lab server (any `async` constructor) on this runtime.
    pub fn start<T>(&self, server: impl std::future::Future<Output = std::io::Result<T>>) -> T {
        self.rt.block_on(server).expect("start a lab server")
    }
}

/// Runs the binary with extra environment variables.
pub fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = preflight();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run preflight")
}

/// The JSON report a `--format json` run printed.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", stdout(o), stderr(o)))
}

/// A directory of its own for a test (`preflight-<name>-<pid>` in the
/// temporary directory, emptied first), removed at the end.
pub struct Dir(pub std::path::PathBuf);

impl Dir {
    pub fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("preflight-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    /// A file in it, as text for a command line.
    pub fn path(&self, file: &str) -> String {
        self.0.join(file).display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

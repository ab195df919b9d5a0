//! `discover`, `run --discover` and worker pools, end to end: the binary
//! against fixture configs, a temporary instance index and loopback ports.

use std::path::{Path, PathBuf};

use crate::support::{preflight, run, stderr, stdout};

const SERVER: &str = "3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B";

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tentacle")
        .join(name)
        .display()
        .to_string()
}

/// A directory for one test, removed when it goes out of scope.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for TempDir {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("preflight-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// An instance index with one instance polling `address` and trusting `thumbprint`.
fn index_with_polling_tentacle(dir: &Path, address: &str, thumbprint: &str) -> PathBuf {
    let config = dir.join("tentacle-Tentacle.config");
    std::fs::write(
        &config,
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<octopus-settings>
  <set key="Tentacle.CertificateThumbprint">B2C3D4E5F60718293A4B5C6D7E8F901234567890</set>
  <set key="Tentacle.Communication.TrustedOctopusServers">[{{"Thumbprint":"{thumbprint}","CommunicationStyle":"TentacleActive","Address":"{address}"}}]</set>
  <set key="Tentacle.Services.NoListen">true</set>
</octopus-settings>
"#
        ),
    )
    .unwrap();
    let index = dir.join("Instances");
    std::fs::create_dir_all(&index).unwrap();
    std::fs::write(
        index.join("Tentacle.config"),
        serde_json::json!({"Name": "Tentacle", "ConfigurationFilePath": config}).to_string(),
    )
    .unwrap();
    index
}

#[test]
fn discover_prints_a_fragment_naming_the_polling_address_and_thumbprint() {
    let out = run(&["discover", "--config", &fixture("polling.config")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fragment = stdout(&out);
    assert!(fragment.contains("[[datacenter.tentacle]]"), "{fragment}");
    assert!(
        fragment.contains("address = \"https://octopus.example.com:10943\""),
        "{fragment}"
    );
    assert!(
        fragment.contains(&format!("thumbprint = \"{SERVER}\"")),
        "{fragment}"
    );
    // Encrypted values never reach the output.
    assert!(!fragment.contains("RklYVFVSRS1"), "{fragment}");

    // Appended to a plan, it is checked like any plan section.
    let dir = tempdir("discover-plan");
    let plan = dir.join("plan.toml");
    std::fs::write(
        &plan,
        format!("version = 1\n[[datacenter]]\nname = \"east\"\n{fragment}"),
    )
    .unwrap();
    let out = run(&["plan", "check", plan.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("dc.east.tentacle.")
            && stdout(&out).contains(".tcp.octopus-example-com-10943"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn discover_reads_the_instance_index_and_reports_unreadable_files() {
    let out = preflight()
        .arg("discover")
        .env("PREFLIGHT_TENTACLE_INSTANCES", fixture("instances"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("instance = \"Tentacle\""));
    assert!(stdout(&out).contains("instance = \"Web\""));
    assert!(stdout(&out).contains("listen_port = 10933"));

    let out = run(&[
        "discover",
        "--config",
        &fixture("truncated.config"),
        "--config",
        &fixture("listening.config"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("truncated.config:8:") && stderr(&out).contains("truncated"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("listen_port = 10933"),
        "the readable file is still described"
    );

    let out = preflight()
        .arg("discover")
        .env("PREFLIGHT_TENTACLE_INSTANCES", &*tempdir("empty-index"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no Tentacle instance found"),
        "{}",
        stderr(&out)
    );
}

/// Runs `preflight run --discover --format json` against an index; returns the exit code and the report.
fn run_discover(index: &Path) -> (Option<i32>, serde_json::Value) {
    let out = preflight()
        .args(["run", "--discover", "--format", "json", "--timeout", "2s"])
        .env("PREFLIGHT_TENTACLE_INSTANCES", index)
        .output()
        .unwrap();
    let report = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", stdout(&out), stderr(&out)));
    (out.status.code(), report)
}

fn result<'a>(report: &'a serde_json::Value, id_suffix: &str) -> &'a serde_json::Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"].as_str().unwrap().ends_with(id_suffix))
        .unwrap_or_else(|| panic!("no result ending in {id_suffix}: {report}"))
}

#[test]
fn run_discover_checks_the_polling_server_presents_the_trusted_thumbprint() {
    // A Halibut-like polling endpoint on loopback (self-signed "Octopus Portal", the welcome page).
    let lab = crate::support::LabRuntime::new();
    let server = lab.start(lab::tls::TlsServer::octopus_server());
    let real = server.identity.thumbprint().to_string();
    let port = server.addr.port();
    let address = format!("https://127.0.0.1:{port}");

    // The Tentacle trusts the thumbprint the server presents: TCP, TLS and Halibut pass.
    let dir = tempdir("discover-match");
    let (code, report) = run_discover(&index_with_polling_tentacle(
        &dir,
        &address,
        &real.to_lowercase(),
    ));
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["datacenter"], "local");
    let tcp = result(&report, &format!(".tcp.127-0-0-1-{port}"));
    assert_eq!(tcp["status"], "pass", "{tcp}");
    let tls = result(&report, &format!(".tls.127-0-0-1-{port}"));
    assert_eq!(tls["status"], "pass", "{tls}");
    assert_eq!(tls["evidence"]["halibut"], "server", "{tls}");
    assert_eq!(tls["evidence"]["thumbprint_sha1"], real.as_str());

    // It trusts another thumbprint: a blocker failure showing both values.
    let dir = tempdir("discover-mismatch");
    let (code, report) = run_discover(&index_with_polling_tentacle(&dir, &address, SERVER));
    assert_eq!(code, Some(1), "{report}");
    let tls = result(&report, &format!(".tls.127-0-0-1-{port}"));
    assert_eq!(tls["status"], "fail", "{tls}");
    assert_eq!(tls["severity"], "blocker");
    let reason = tls["reason"].as_str().unwrap();
    assert!(
        reason.contains(SERVER) && reason.contains(&real),
        "{reason}"
    );

    // Nothing listens: TCP fails (and TLS with it).
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempdir("discover-closed");
    let (code, report) = run_discover(&index_with_polling_tentacle(
        &dir,
        &format!("https://127.0.0.1:{closed}"),
        SERVER,
    ));
    assert_eq!(code, Some(1), "{report}");
    let tcp = result(&report, &format!(".tcp.127-0-0-1-{closed}"));
    assert_eq!(tcp["status"], "fail", "{tcp}");
    assert!(tcp["title"].as_str().unwrap().contains(SERVER), "{tcp}");
}

#[test]
fn run_discover_warns_with_the_command_when_a_tentacle_does_not_trust_the_new_server() {
    // The Tentacle polls the old server (and trusts it); the new server's
    // polling port answers as Halibut with its own thumbprint
    // (dc.east.tls.new-server-polling), which the Tentacle does not trust yet.
    let lab = crate::support::LabRuntime::new();
    let old = lab.start(lab::tls::TlsServer::octopus_server());
    let listener = lab.start(lab::tls::TlsServer::octopus_server());
    let new = listener.identity.thumbprint().to_string();
    let old_thumbprint = old.identity.thumbprint().to_string();
    assert_ne!(new, old_thumbprint);
    let port = listener.addr.port();
    let dir = tempdir("trust");
    let index = index_with_polling_tentacle(
        &dir,
        &format!("https://127.0.0.1:{}", old.addr.port()),
        &old_thumbprint,
    );
    let plan = dir.join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            "version = 1\n[new_server]\npolling = \"127.0.0.1:{port}\"\nthumbprint = \"{new}\"\n[[datacenter]]\nname = \"east\"\n"
        ),
    )
    .unwrap();
    let out = preflight()
        .args([
            "run",
            "--plan",
            plan.to_str().unwrap(),
            "--discover",
            "--format",
            "json",
        ])
        .env("PREFLIGHT_TENTACLE_INSTANCES", &index)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "a warning keeps GO: {}",
        stdout(&out)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let trust = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"].as_str().unwrap().ends_with(".trusts-new-server"))
        .expect("a trust result");
    assert_eq!(trust["status"], "warn", "{trust}");
    assert_eq!(trust["family"], "local");
    let remedy = trust["remediation"].as_str().unwrap();
    assert!(
        remedy.contains(&format!(
            "--server-comms-address=\"https://127.0.0.1:{port}\""
        )),
        "{remedy}"
    );
    assert!(
        remedy.contains("Tentacle poll-server --instance=\"Tentacle\""),
        "{remedy}"
    );
    drop((listener, old));
}

#[test]
fn run_discover_reports_an_unreadable_config_as_a_blocker_error() {
    let dir = tempdir("unreadable");
    let index = dir.join("Instances");
    std::fs::create_dir_all(&index).unwrap();
    std::fs::write(
        index.join("Tentacle.config"),
        serde_json::json!({"Name": "Tentacle", "ConfigurationFilePath": fixture("truncated.config")}).to_string(),
    )
    .unwrap();
    let out = preflight()
        .args(["run", "--discover", "--format", "json"])
        .env("PREFLIGHT_TENTACLE_INSTANCES", &index)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["results"][0]["status"], "error");
    assert!(
        report["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("truncated.config:8:")
    );
}

#[test]
fn worker_pool_results_carry_the_pool_and_its_workers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempdir("workers");
    let plan = dir.join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            "version = 1\n[[datacenter]]\nname = \"east\"\n  [[datacenter.worker_pool]]\n  name = \"east-workers\"\n  workers = [\"worker01\"]\n  must_reach = [{{ target = \"127.0.0.1:{port}\", purpose = \"SQL\" }}]\n"
        ),
    )
    .unwrap();
    let out = run(&["run", "--plan", plan.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let size = &report["results"][0];
    assert_eq!(size["family"], "worker");
    assert_eq!(size["status"], "warn");
    assert!(
        size["reason"]
            .as_str()
            .unwrap()
            .contains("at least two workers per pool for redundancy")
    );
    let reach = &report["results"][1];
    assert_eq!(reach["status"], "pass", "{reach}");
    assert_eq!(reach["evidence"]["pool"], "east-workers");
    assert_eq!(reach["evidence"]["workers"][0], "worker01");
    assert_eq!(reach["evidence"]["addresses"][0]["state"], "open");
    drop(listener);
}

/// Issue 18: a placeholder thumbprint (as in a configuration-management test
/// file) used to make `discover` refuse the whole file and show nothing.
#[test]
fn discover_shows_what_is_readable_when_one_field_is_malformed() {
    let out = run(&["discover", "--config", &fixture("placeholders.config")]);
    let fragment = stdout(&out);
    assert!(fragment.contains("[[datacenter.tentacle]]"), "{fragment}");
    assert!(
        fragment.contains("address = \"https://octopus-dr.example.com:10943\""),
        "{fragment}"
    );
    assert!(
        fragment.contains("https://octopus.example.com:10943"),
        "{fragment}"
    );
    // The bad field is reported with its place, on stderr and in the fragment.
    assert!(
        stderr(&out).contains("placeholders.config:7:")
            && stderr(&out).contains("_ClientCertificateThumbprint_"),
        "{}",
        stderr(&out)
    );
    assert!(fragment.contains("# problem: "), "{fragment}");
    assert_eq!(
        out.status.code(),
        Some(2),
        "a problem is still an error exit"
    );
}

/// A value that cannot be read is a blocker result of its own in
/// `run --discover`, and the rest of the file is still checked.
#[test]
fn run_discover_reports_a_malformed_value_as_a_blocker_and_checks_the_rest() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempdir("problem");
    let text = std::fs::read_to_string(fixture("placeholders.config"))
        .unwrap()
        .replace(
            "https://octopus-dr.example.com:10943",
            &format!("https://127.0.0.1:{closed}"),
        );
    let config = dir.join("Tentacle.config");
    std::fs::write(&config, text).unwrap();
    let index = dir.join("Instances");
    std::fs::create_dir_all(&index).unwrap();
    std::fs::write(
        index.join("Tentacle.config"),
        serde_json::json!({"Name": "Tentacle", "ConfigurationFilePath": config}).to_string(),
    )
    .unwrap();
    let out = preflight()
        .args(["run", "--discover", "--format", "json", "--timeout", "1s"])
        .env("PREFLIGHT_TENTACLE_INSTANCES", &index)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let results = report["results"].as_array().unwrap();
    let problems: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["id"].as_str().unwrap().contains(".local.discover."))
        .collect();
    assert_eq!(problems.len(), 2, "{results:#?}");
    for p in &problems {
        assert_eq!(p["status"], "error");
        assert_eq!(p["severity"], "blocker");
    }
    assert!(
        problems[0]["reason"]
            .as_str()
            .unwrap()
            .contains("Tentacle.config:7:3: Tentacle.CertificateThumbprint"),
        "{}",
        problems[0]["reason"]
    );
    // The readable trust is still checked: its polling port refuses.
    let tcp: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["id"].as_str().unwrap().contains(".tcp.127-0-0-1"))
        .collect();
    assert_eq!(tcp.len(), 1, "{results:#?}");
    assert_eq!(tcp[0]["status"], "fail");
}

//! `check feed` and `[[feed]]` plans against the loopback feed lab (TLS with
//! a throw-away CA): protocol verdicts, exit codes, CA trust, and no
//! credential in any output.

use std::path::{Path, PathBuf};

use lab::certs::LabCa;
use lab::feeds::{FeedLab, LAB_USER, paths};

use crate::support::{preflight, run, stderr, stdout};

/// A password only the environment of the child process knows.
const SECRET: &str = "Zq8-lab-s3cret-value";

/// The lab feeds on a runtime of their own, serving while the binary runs.
pub struct Lab {
    pub feeds: FeedLab,
    pub ca_file: PathBuf,
    pub dir: PathBuf,
    runtime: tokio::runtime::Runtime,
}

impl Lab {
    pub fn start(name: &str) -> Lab {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let dir =
            std::env::temp_dir().join(format!("preflight-feeds-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = LabCa::new("preflight test CA").unwrap();
        let cert = ca.issue("127.0.0.1", &["127.0.0.1", "localhost"]).unwrap();
        let ca_file = {
            let path = dir.join("ca.pem");
            std::fs::write(&path, ca.pem()).unwrap();
            path
        };
        let feeds = runtime
            .block_on(FeedLab::start(
                "127.0.0.1:0".parse().unwrap(),
                Some(lab::feeds::server_tls(&cert).unwrap()),
                SECRET,
            ))
            .unwrap();
        Lab {
            feeds,
            ca_file,
            dir,
            runtime,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.feeds.url(path)
    }

    pub fn ca(&self) -> &str {
        self.ca_file.to_str().unwrap()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

fn check_feed(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = preflight();
    cmd.args(["check", "feed"]).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[test]
fn check_feed_judges_the_protocol_not_the_connection() {
    let lab = Lab::start("kinds");
    let cases = [
        (
            "nuget-v3",
            paths::NUGET_V3,
            0,
            "NuGet v3 service index, version 3.0.0",
        ),
        (
            "nuget-v3",
            paths::BLOCKED_FEED,
            1,
            "not a NuGet v3 service index",
        ),
        (
            "nuget-v3",
            paths::SSO_FEED,
            1,
            "not a NuGet v3 service index",
        ),
        ("nuget-v2", paths::NUGET_V2, 0, "OData service document"),
        ("helm", paths::HELM, 0, "Helm repository index, 2 charts"),
        (
            "maven",
            paths::MAVEN_METADATA,
            0,
            "maven-metadata.xml with 2 versions",
        ),
        (
            "docker",
            paths::DOCKER_OPEN,
            0,
            "registry answered /v2/ with 200",
        ),
        (
            "docker",
            paths::DOCKER_AUTH,
            0,
            "registry/2.0 asks for credentials (challenge bearer; realm https://",
        ),
        (
            "docker",
            paths::WEB_401,
            1,
            "a web server asking for credentials",
        ),
    ];
    for (kind, path, code, needle) in cases {
        let url = lab.url(path);
        let out = check_feed(
            &[
                &url,
                "--kind",
                kind,
                "--ca-file",
                lab.ca(),
                "--format",
                "json",
            ],
            &[],
        );
        let report = json(&out);
        let reason = report["results"][0]["reason"].as_str().unwrap_or_default();
        assert_eq!(out.status.code(), Some(code), "{kind} {path}: {reason}");
        assert!(reason.contains(needle), "{kind} {path}: {reason}");
        let evidence = &report["results"][0]["evidence"];
        assert_eq!(evidence["kind"], kind);
        assert!(
            evidence["url"]
                .as_str()
                .unwrap()
                .starts_with(&lab.feeds.base)
        );
        assert_eq!(evidence["protocol_ok"], code == 0);
    }
    // The block page: the redirect is recorded and the final URL named.
    let out = check_feed(
        &[
            &lab.url(paths::BLOCKED_FEED),
            "--kind",
            "nuget-v3",
            "--ca-file",
            lab.ca(),
            "--format",
            "json",
        ],
        &[],
    );
    let evidence = &json(&out)["results"][0]["evidence"];
    assert_eq!(evidence["final_url"], lab.url(paths::BLOCK_PAGE));
    assert_eq!(evidence["redirects"][0]["status"], 302);
    assert!(
        evidence["detail"]
            .as_str()
            .unwrap()
            .contains("Access denied by corporate web policy")
    );
}

#[test]
fn ca_trust_comes_from_ca_file_or_ssl_cert_file() {
    let lab = Lab::start("ca");
    let url = lab.url(paths::NUGET_V3);
    let out = check_feed(&[&url, "--kind", "nuget-v3", "--format", "json"], &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the lab CA is not a platform root"
    );
    assert_eq!(json(&out)["results"][0]["evidence"]["error"], "tls");
    let out = check_feed(
        &[&url, "--kind", "nuget-v3"],
        &[("SSL_CERT_FILE", lab.ca())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = check_feed(
        &[
            &url,
            "--kind",
            "nuget-v3",
            "--ca-file",
            "/nonexistent/ca.pem",
        ],
        &[],
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("/nonexistent/ca.pem: cannot read the CA file"),
        "{}",
        stdout(&out)
    );
}

/// Every byte the run produced: stdout, stderr and the files under `dir`.
fn all_output(out: &std::process::Output, dir: Option<&Path>) -> String {
    let mut text = format!("{}{}", stdout(out), stderr(out));
    if let Some(dir) = dir {
        for entry in std::fs::read_dir(dir).unwrap() {
            text.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default());
        }
    }
    text
}

#[test]
fn credentials_from_the_environment_never_reach_any_output() {
    let lab = Lab::start("secrets");
    let env = [("FEED_USER", LAB_USER), ("FEED_PASSWORD", SECRET)];
    let wrong = [
        ("FEED_USER", LAB_USER),
        ("FEED_PASSWORD", "Wrong-Zq8-password"),
    ];
    let creds = ["--user-env", "FEED_USER", "--password-env", "FEED_PASSWORD"];
    for (path, kind, env, code) in [
        (paths::NUGET_V3_PRIVATE, "nuget-v3", &env, 0),
        (paths::NUGET_V3_PRIVATE, "nuget-v3", &wrong, 1),
        (paths::DOCKER_AUTH, "docker", &env, 0),
        (paths::DOCKER_AUTH, "docker", &wrong, 1),
    ] {
        for format in ["table", "json", "md", "html", "junit"] {
            let out_dir = lab.dir.join(format!("out-{kind}-{format}-{code}"));
            let url = lab.url(path);
            let mut args = vec![url.as_str(), "--kind", kind, "--ca-file", lab.ca()];
            args.extend(creds);
            args.extend(["--format", format, "--out", out_dir.to_str().unwrap()]);
            let out = check_feed(&args, env);
            let text = all_output(&out, Some(&out_dir));
            assert_eq!(out.status.code(), Some(code), "{kind} {format}: {text}");
            for secret in [SECRET, "Wrong-Zq8-password", "lab-token-"] {
                assert!(
                    !text.contains(secret),
                    "`{secret}` leaked ({kind}, {format}): {text}"
                );
            }
        }
    }
    // A missing variable is named, and nothing is sent.
    let out = check_feed(
        &[
            &lab.url(paths::NUGET_V3_PRIVATE),
            "--kind",
            "nuget-v3",
            "--ca-file",
            lab.ca(),
            "--user-env",
            "FEED_USER",
            "--password-env",
            "NOT_SET_ANYWHERE",
        ],
        &[("FEED_USER", LAB_USER)],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("NOT_SET_ANYWHERE"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn plan_feeds_run_per_data_center_with_stable_ids() {
    let lab = Lab::start("plan");
    let plan = format!(
        r#"version = 1
[[datacenter]]
name = "east"
[[datacenter]]
name = "west"

[[feed]]
name = "nuget"
kind = "nuget-v3"
url = "{nuget}"
username_env = "FEED_USER"
password_env = "FEED_PASSWORD"
ca_file = "{ca}"

[[feed]]
name = "charts"
kind = "helm"
url = "{helm}"
ca_file = "{ca}"
datacenters = ["west"]

[[feed]]
name = "blocked"
kind = "nuget-v3"
url = "{blocked}"
ca_file = "{ca}"
severity = "warning"
"#,
        nuget = lab.url(paths::NUGET_V3_PRIVATE),
        helm = lab.url(paths::HELM),
        blocked = lab.url(paths::BLOCKED_FEED),
        ca = lab.ca(),
    );
    let path = lab.dir.join("plan.toml");
    std::fs::write(&path, plan).unwrap();
    let out_dir = lab.dir.join("reports");
    let out = preflight()
        .args([
            "run",
            "--plan",
            path.to_str().unwrap(),
            "--dc",
            "west",
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .env("FEED_USER", LAB_USER)
        .env("FEED_PASSWORD", SECRET)
        .output()
        .unwrap();
    let text = all_output(&out, Some(&out_dir));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains(SECRET), "{text}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    let ids: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "dc.west.feed.nuget",
            "dc.west.feed.charts",
            "dc.west.feed.blocked"
        ]
    );
    let statuses: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["pass", "pass", "fail"]);
    assert_eq!(report["results"][0]["family"], "feed");
}

#[test]
fn check_feed_through_a_proxy_names_it_and_keeps_its_password_out() {
    use lab::proxy::{HttpProxy, ProxyOptions};
    let lab = Lab::start("proxy");
    const PROXY_SECRET: &str = "Px-7Zq8-proxy-secret";
    let proxy = lab
        .runtime
        .block_on(HttpProxy::start(ProxyOptions {
            credentials: Some(("svc-feeds".into(), PROXY_SECRET.into())),
            ..ProxyOptions::default()
        }))
        .unwrap();
    let url = lab.url(paths::NUGET_V3);
    let env = [
        ("PROXY_USER", "svc-feeds"),
        ("PROXY_PASSWORD", PROXY_SECRET),
    ];
    for format in ["table", "json", "md", "html", "junit"] {
        let out_dir = lab.dir.join(format!("proxy-{format}"));
        let out = check_feed(
            &[
                &url,
                "--kind",
                "nuget-v3",
                "--ca-file",
                lab.ca(),
                "--proxy",
                &proxy.url(),
                "--proxy-user-env",
                "PROXY_USER",
                "--proxy-password-env",
                "PROXY_PASSWORD",
                "--format",
                format,
                "--out",
                out_dir.to_str().unwrap(),
            ],
            &env,
        );
        let text = all_output(&out, Some(&out_dir));
        assert_eq!(out.status.code(), Some(0), "{format}: {text}");
        assert!(!text.contains(PROXY_SECRET), "{format}: {text}");
        assert!(
            text.contains(&proxy.url()),
            "the proxy is named ({format}): {text}"
        );
    }
    assert!(
        proxy
            .requests()
            .iter()
            .all(|r| r.method == "CONNECT" && r.authenticated)
    );

    // The same proxy from HTTPS_PROXY: the evidence says where it came from.
    let inline = proxy
        .url()
        .replacen("http://", &format!("http://svc-feeds:{PROXY_SECRET}@"), 1);
    let out = check_feed(
        &[
            &url,
            "--kind",
            "nuget-v3",
            "--ca-file",
            lab.ca(),
            "--via",
            "proxy",
            "--format",
            "json",
        ],
        &[("HTTPS_PROXY", &inline)],
    );
    let text = all_output(&out, None);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains(PROXY_SECRET), "{text}");
    let evidence = &json(&out)["results"][0]["evidence"];
    assert_eq!(evidence["proxy_source"], "environment (HTTPS_PROXY)");
    assert!(
        evidence["notes"][0]
            .as_str()
            .unwrap()
            .contains("running as a service")
    );
}

#[test]
fn a_proxy_password_with_url_delimiters_never_leaks_on_any_path() {
    // `/`, `?`, `#` and `@` in the password make the URL unparsable: the
    // parse error quotes it, and must quote it redacted.
    const PASSWORD: &str = "Pa/ss?w#r@d-3k9";
    let proxy = format!("http://bob:{PASSWORD}@127.0.0.1:3128");
    let secret_parts = ["Pa/ss", "ss?w", "w#r", "r@d-3k9"];
    let clean = |what: &str, text: &str| {
        for part in secret_parts {
            assert!(!text.contains(part), "{what} holds `{part}`: {text}");
        }
    };
    // --proxy: refused before any request, on stderr.
    let out = run(&[
        "check",
        "feed",
        "https://127.0.0.1:9/",
        "--kind",
        "helm",
        "--via",
        "proxy",
        "--proxy",
        &proxy,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("found `http://***@127.0.0.1:3128`"),
        "{}",
        stderr(&out)
    );
    clean(
        "--proxy stderr",
        &format!("{}{}", stdout(&out), stderr(&out)),
    );
    // HTTPS_PROXY: the check's reason, stdout and every document --out writes.
    let dir = std::env::temp_dir().join(format!("preflight-proxy-delims-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = preflight()
        .env("HTTPS_PROXY", &proxy)
        .args([
            "check",
            "feed",
            "https://127.0.0.1:9/",
            "--kind",
            "helm",
            "--via",
            "proxy",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("HTTPS_PROXY: expected a proxy URL"),
        "{}",
        stdout(&out)
    );
    clean(
        "HTTPS_PROXY stdout",
        &format!("{}{}", stdout(&out), stderr(&out)),
    );
    let mut documents = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        clean(
            &path.display().to_string(),
            &std::fs::read_to_string(&path).unwrap(),
        );
        documents += 1;
    }
    assert_eq!(
        documents,
        report::files::REPORT_FILES.len(),
        "{:?}",
        report::files::REPORT_FILES
    );
    // The plan's [proxy] url: the plan check's error.
    let plan = dir.join("plan.toml");
    std::fs::write(
        &plan,
        format!("version = 1\n[[datacenter]]\nname = \"east\"\n[proxy]\nurl = \"{proxy}\"\n"),
    )
    .unwrap();
    let out = run(&["plan", "check", plan.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(":5:7: the plan's [proxy] url"),
        "{}",
        stderr(&out)
    );
    clean("plan check", &format!("{}{}", stdout(&out), stderr(&out)));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn check_feed_refuses_credentials_for_a_plain_http_feed() {
    for (flags, named) in [
        (
            &["--user-env", "FEED_USER", "--password-env", "FEED_PASSWORD"][..],
            "--user-env/--password-env: `password_env`",
        ),
        (
            &["--token-env", "FEED_TOKEN"][..],
            "--token-env: `token_env`",
        ),
    ] {
        let mut args = vec![
            "check",
            "feed",
            "http://127.0.0.1:9/v3/index.json",
            "--kind",
            "nuget-v3",
        ];
        args.extend_from_slice(flags);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "{named} needs an https feed URL: http://127.0.0.1:9/v3/index.json is plain http, and credentials are never sent over plain http"
            )),
            "{}",
            stderr(&out)
        );
    }
}

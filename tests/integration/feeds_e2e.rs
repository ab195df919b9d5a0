//! The feed check against the components users really have: Debian's nginx
//! serving the feed documents over TLS on 127.0.0.2, and Debian's squid as
//! the corporate proxy on 127.0.0.3, inside this test's own network
//! namespace, where an nft rule drops every direct packet to the feed host:
//! only squid (whose outgoing address is 127.0.0.3) reaches it.
//!
//! What running them unprivileged inside `unshare -rn` takes (learned here):
//! - The test runs as uid 0 of a user namespace that maps only that uid.
//!   nginx must not switch users (its workers `setuid` to `nobody`, and it
//!   `chown`s its temp directories to that user: EINVAL for an unmapped uid),
//!   so it runs with `user root root;`, `master_process off;` (one process,
//!   the pid we started) and `daemon off;`, with `-p`/`-c` and every path
//!   (pid, logs, temp directories) in the test's temp directory.
//! - squid refuses to run as root ("Don't run Squid as root, set
//!   'cache_effective_user'!") and cannot `setuid` to `proxy` (unmapped), so it
//!   is started through a nested `unshare --user --map-user=1000
//!   --map-group=1000`: a child user namespace where it is uid 1000 (no
//!   setuid attempted) but still in this test's network namespace. `unshare`
//!   execs squid, so the pid we hold is squid's. `-N` keeps it in the
//!   foreground without kid processes; no cache_dir (memory only), the
//!   pinger off, pid and logs in the temp directory, and
//!   `tcp_outgoing_address 127.0.0.3` so the nft rule can tell its traffic
//!   from ours (locally generated packets to 127.0.0.2 come from 127.0.0.1).
//! - Both are waited for with a bounded poll of their port, and killed by pid
//!   when the guard drops (also when an assertion fails).

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lab::certs::LabCa;
use lab::feeds::{self, FEED_FILES};

use crate::support::{enter_netns, json, nft, preflight};

const FEED: &str = "127.0.0.2";
const PROXY: &str = "127.0.0.3";

/// A process this test started; killed by pid and reaped when dropped.
struct Daemon {
    name: &'static str,
    child: Child,
    /// Its stderr (a file, so a chatty daemon never blocks on a full pipe) and its own log.
    logs: [PathBuf; 2],
}

impl Daemon {
    fn spawn(name: &'static str, cmd: &mut Command, dir: &Path, log: PathBuf) -> Daemon {
        let stderr_path = dir.join(format!("{name}.stderr"));
        let stderr = std::fs::File::create(&stderr_path).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Daemon {
            name,
            child,
            logs: [stderr_path, log],
        }
    }

    /// Waits (bounded) until `addr` accepts; fails with the daemon's own words if it died.
    fn wait_for(&mut self, addr: &str, limit: Duration) {
        let addr: SocketAddr = addr.parse().expect("address");
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited ({status}) before listening:\n{}",
                    self.name,
                    self.output()
                );
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "{} did not listen on {addr} within {limit:?}:\n{}",
            self.name,
            self.output()
        );
    }

    fn output(&self) -> String {
        self.logs
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Finds a Debian daemon binary, or fails saying which package to install.
fn tool(name: &str, package: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain(["/usr/sbin".into(), "/usr/bin".into()])
        .map(|dir| dir.join(name))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| {
        panic!("this test needs `{name}`: install the Debian package `{package}` (scripts/test does this as root)")
    })
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

fn nginx_conf(dir: &Path) -> String {
    let d = dir.display();
    format!(
        r#"user root root;
daemon off;
master_process off;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log info;
events {{ worker_connections 64; }}
http {{
  access_log {d}/nginx-access.log;
  client_body_temp_path {d}/tmp/body;
  proxy_temp_path {d}/tmp/proxy;
  fastcgi_temp_path {d}/tmp/fastcgi;
  uwsgi_temp_path {d}/tmp/uwsgi;
  scgi_temp_path {d}/tmp/scgi;
  default_type application/octet-stream;
  types {{
    application/json json;
    application/xml xml;
    text/html html;
    application/x-yaml yaml;
  }}
  index index.xml index.html;
  server {{
    listen {FEED}:443 ssl;
    ssl_certificate {d}/feed.pem;
    ssl_certificate_key {d}/feed.key;
    root {d}/www;
  }}
  server {{
    listen {FEED}:80;
    root {d}/www;
  }}
}}
"#
    )
}

fn squid_conf(dir: &Path) -> String {
    let d = dir.display();
    format!(
        r#"http_port {PROXY}:3128
tcp_outgoing_address {PROXY}
visible_hostname preflight-lab-proxy
pid_filename {d}/squid.pid
cache_log {d}/squid-cache.log
access_log stdio:{d}/squid-access.log
cache deny all
cache_mem 8 MB
coredump_dir {d}
pinger_enable off
shutdown_lifetime 0 seconds
acl SSL_ports port 443
acl CONNECT method CONNECT
acl blocked urlpath_regex ^/blocked-feed/
deny_info http://{FEED}/blocked.html blocked
http_access deny CONNECT !SSL_ports
http_access deny blocked
http_access allow all
"#
    )
}

#[test]
fn nuget_v3_direct_blocked_proxy_ok_through_real_squid_and_nginx() {
    if !enter_netns("feeds_e2e::nuget_v3_direct_blocked_proxy_ok_through_real_squid_and_nginx") {
        return;
    }
    let nginx = tool("nginx", "nginx");
    let squid = tool("squid", "squid");
    let dir = std::env::temp_dir().join(format!("preflight-e2e-feeds-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("tmp")).unwrap();

    let ca = LabCa::new("preflight e2e CA").unwrap();
    let leaf = ca.issue(FEED, &[FEED]).unwrap();
    write(&dir.join("ca.pem"), &ca.pem());
    write(&dir.join("feed.pem"), &(leaf.leaf_pem() + &ca.pem()));
    write(&dir.join("feed.key"), &feeds::key_pem(&leaf));
    for (path, text) in FEED_FILES {
        write(&dir.join("www").join(path), text);
    }
    write(&dir.join("nginx.conf"), &nginx_conf(&dir));
    write(&dir.join("squid.conf"), &squid_conf(&dir));

    let mut web = Daemon::spawn(
        "nginx",
        Command::new(&nginx)
            .arg("-p")
            .arg(&dir)
            .arg("-e")
            .arg(dir.join("nginx-error.log"))
            .arg("-c")
            .arg(dir.join("nginx.conf")),
        &dir,
        dir.join("nginx-error.log"),
    );
    let mut proxy = Daemon::spawn(
        "squid",
        Command::new("unshare")
            .args(["--user", "--map-user=1000", "--map-group=1000", "--"])
            .arg(&squid)
            .args(["-N", "-f"])
            .arg(dir.join("squid.conf")),
        &dir,
        dir.join("squid-cache.log"),
    );
    web.wait_for(&format!("{FEED}:443"), Duration::from_secs(10));
    proxy.wait_for(&format!("{PROXY}:3128"), Duration::from_secs(20));

    // From now on everything to the feed host is dropped unless it comes
    // from squid's address (the readiness polls above came from 127.0.0.1).
    nft(&format!(
        "table ip lab {{
           chain output {{
             type filter hook output priority 0; policy accept;
             ip daddr {FEED} ip saddr != {PROXY} drop
           }}
         }}"
    ));

    let plan = format!(
        r#"version = 1
[defaults]
timeout = "2s"

[proxy]
url = "http://{PROXY}:3128"

[[datacenter]]
name = "east"

[[feed]]
name = "nuget"
kind = "nuget-v3"
url = "https://{FEED}/nuget/v3/index.json"
via = "both"
ca_file = "{ca}"

[[feed]]
name = "charts"
kind = "helm"
url = "https://{FEED}/helm/"
via = "proxy"
ca_file = "{ca}"

[[feed]]
name = "nuget-v2"
kind = "nuget-v2"
url = "https://{FEED}/nuget/v2/"
via = "proxy"
ca_file = "{ca}"

[[feed]]
name = "blocked"
kind = "nuget-v3"
url = "http://{FEED}/blocked-feed/v3/index.json"
via = "proxy"

[[feed]]
name = "other-port"
kind = "nuget-v3"
url = "https://{FEED}:8443/v3/index.json"
via = "proxy"
ca_file = "{ca}"
"#,
        ca = dir.join("ca.pem").display()
    );
    let plan_path = dir.join("plan.toml");
    write(&plan_path, &plan);
    let start = Instant::now();
    let out = preflight()
        .args([
            "run",
            "--plan",
            plan_path.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let report = json(&out);
    let results = report["results"].as_array().unwrap();
    let by_id = |id: &str| {
        results
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {report}"))
    };
    let squid_log = std::fs::read_to_string(dir.join("squid-access.log")).unwrap_or_default();
    let context = format!("{report:#}\nsquid access log:\n{squid_log}");

    // via = "both": direct is dropped by nft, squid gets through.
    let nuget = by_id("dc.east.feed.nuget");
    assert_eq!(nuget["status"], "pass", "{context}");
    let reason = nuget["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!(
            "direct blocked, proxy OK (through http://{PROXY}:3128)"
        )),
        "{context}"
    );
    let paths = nuget["evidence"]["paths"].as_array().unwrap();
    assert_eq!(paths[0]["via"], "direct");
    assert_eq!(paths[0]["error"], "timeout", "{context}");
    assert_eq!(paths[0]["protocol_ok"], false);
    assert!(paths[0]["proxy"].is_null());
    assert_eq!(paths[1]["via"], "proxy");
    assert_eq!(paths[1]["proxy"], format!("http://{PROXY}:3128"));
    assert_eq!(paths[1]["proxy_source"], "plan");
    assert_eq!(paths[1]["status"], 200);
    assert_eq!(paths[1]["protocol_ok"], true);
    assert!(
        squid_log.contains(&format!("CONNECT {FEED}:443")),
        "{context}"
    );

    for id in ["dc.east.feed.charts", "dc.east.feed.nuget-v2"] {
        assert_eq!(by_id(id)["status"], "pass", "{id}: {context}");
    }

    // squid's block (a redirect to the policy page) is not a NuGet index.
    let blocked = by_id("dc.east.feed.blocked");
    assert_eq!(blocked["status"], "fail", "{context}");
    let reason = blocked["reason"].as_str().unwrap();
    assert!(reason.contains("not a NuGet v3 service index"), "{context}");
    assert!(
        reason.contains("Access denied by corporate web policy"),
        "{context}"
    );
    assert_eq!(
        blocked["evidence"]["final_url"],
        format!("http://{FEED}/blocked.html")
    );
    assert_eq!(
        blocked["evidence"]["redirects"][0]["status"], 302,
        "{context}"
    );

    // squid refuses CONNECT to a port outside SSL_ports.
    let other = by_id("dc.east.feed.other-port");
    assert_eq!(other["status"], "fail", "{context}");
    assert_eq!(other["evidence"]["error"], "tunnel", "{context}");
    let reason = other["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!(
            "CONNECT {FEED}:8443: the proxy refused the CONNECT (HTTP/1.1 403 Forbidden)"
        )),
        "{context}"
    );

    assert_eq!(out.status.code(), Some(1), "NO-GO: two blockers fail");
    assert!(
        elapsed < Duration::from_secs(8),
        "the run should take about one timeout (paths run in parallel), took {elapsed:?}"
    );
    drop(proxy);
    drop(web);
    std::fs::remove_dir_all(&dir).ok();
}

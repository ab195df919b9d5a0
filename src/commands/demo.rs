//! `preflight demo`: the whole job against an embedded loopback lab.
//!
//! The lab stands in for the new server (HTTPS and polling ports), listening
//! Tentacles, a port nothing listens on and a port a firewall drops, and two
//! DNS servers for `example.com`: an inside and an outside view that disagree
//! about the polling name (split horizon). A plan is generated for it and run
//! from two data centers: `east` is GO (with a split-horizon warning), `west`
//! is NO-GO. Package feeds of every kind are served over TLS (a lab CA,
//! written beside the plan as `lab-ca.pem`), one through an in-process HTTP
//! CONNECT proxy, and one that the proxy's policy blocks (its 403 page is
//! not a NuGet index). The new server's polling port speaks Halibut
//! (self-signed `Octopus Portal`), its portal and the old server's answer
//! `/api` (the old one 2020.6, too old for Export/Import), and Tentacles
//! answer as Halibut: one as itself, one behind a TLS-inspecting device, one
//! with a certificate about to expire, and polling Tentacles go through an
//! open and a refusing proxy. Nothing leaves
//! 127.0.0.1: the DNS answers name loopback addresses, plus one private and
//! one public address that are only ever resolved, never connected to.
//! Last, `drift` compares two fake instances (the drift fixtures, embedded
//! in the lab) that drifted since the copy: NO-GO, with clone scripts.

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use lab::certs::{self, LabCa};
use lab::dns::{DnsServer, LabZone, PUBLIC_STAND_IN};
use lab::feeds::{FeedLab, paths};
use lab::octopus::{OctopusApi, OctopusApiOptions};
use lab::proxy::{HttpProxy, ProxyOptions, Refuse};
use lab::tcp::{SilentPort, closed_port};
use lab::tls::{TlsServer, Welcome};
use probe::Plan;
use report::Verdict;

use crate::cli::DemoArgs;
use crate::output::{self, RunSettings, outln};

pub fn demo(args: DemoArgs) -> Result<i32> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(demo_async(args))
}

/// The loopback endpoints the demo plan points at.
struct Lab {
    /// The new server's portal: `/api` answers a current version.
    https: OctopusApi,
    /// The old server's portal: `/api` answers 2020.6, too old for Export/Import.
    old_api: OctopusApi,
    /// The new server's polling port: Halibut, self-signed `Octopus Portal`.
    polling: TlsServer,
    /// Listening Tentacle web01 (east).
    tentacle_east: TlsServer,
    /// Listening Tentacle web03 (west), behind a TLS-inspecting device.
    tentacle_inspected: TlsServer,
    /// Listening Tentacle web04 (west): its certificate expires in 12 days.
    tentacle_expiring: TlsServer,
    /// The proxy east's polling Tentacles use; it tunnels.
    proxy_east: HttpProxy,
    /// The proxy west's polling Tentacles use; its policy refuses CONNECT.
    proxy_west: HttpProxy,
    tentacle_west: SilentPort,
    closed: std::net::SocketAddr,
    dns_inside: DnsServer,
    dns_outside: DnsServer,
    ca: LabCa,
    feeds: FeedLab,
    /// The old feed, on plain HTTP, that the proxy refuses.
    legacy_feed: FeedLab,
    proxy: HttpProxy,
}

/// The lab's `example.com` zone. The inside view points the polling name at
/// the new server (a CNAME); the outside view answers another address.
fn zone(outside: bool) -> LabZone {
    let zone = LabZone::new("example.com")
        .a("octopus.example.com", Ipv4Addr::LOCALHOST)
        .cname("octopus-old.example.com", "octopus.example.com")
        .a("web01.example.com", PUBLIC_STAND_IN)
        .a("web02.example.com", Ipv4Addr::new(10, 20, 30, 40))
        .a("feeds.example.com", Ipv4Addr::LOCALHOST);
    if outside {
        zone.a("polling.example.com", Ipv4Addr::new(127, 0, 0, 2))
    } else {
        zone.cname("polling.example.com", "octopus.example.com")
    }
}

impl Lab {
    async fn start() -> Result<Lab> {
        let ca = LabCa::new("preflight demo CA").context("cannot make the lab CA")?;
        let leaf = ca
            .issue("feeds.example.com", &["feeds.example.com", "127.0.0.1"])
            .context("cannot make the feeds' certificate")?;
        let tls = lab::feeds::server_tls(&leaf)?;
        let feeds = FeedLab::start("127.0.0.1:0".parse()?, Some(tls), "demo-unused")
            .await
            .context("cannot start the lab's feeds")?;
        let legacy_feed = FeedLab::start("127.0.0.1:0".parse()?, None, "demo-unused")
            .await
            .context("cannot start the lab's old feed")?;
        let proxy = HttpProxy::start(ProxyOptions {
            refuse: Refuse::Targets(vec![legacy_feed.server.addr.to_string()]),
            ..ProxyOptions::default()
        })
        .await
        .context("cannot start the lab's proxy")?;
        let polling = TlsServer::octopus_server()
            .await
            .context("cannot start the lab's polling endpoint")?;
        // The demo sets no API key, so certificate-global is not read here (the tests do).
        let portal = |version: &str, name: &str| OctopusApiOptions {
            version: version.into(),
            thumbprint: polling.identity.thumbprint(),
            api_key: String::new(),
            names: vec![name.into(), "127.0.0.1".into()],
            clock_offset_s: 0,
        };
        let new_portal = portal("2025.2.9876", "octopus.example.com");
        let old_portal = portal("2020.6.4671", "octopus-old.example.com");
        let expiring = certs::halibut(certs::TENTACLE_CN, 12).context("lab certificate")?;
        Ok(Lab {
            https: OctopusApi::start(new_portal)
                .await
                .context("cannot start the lab's Octopus portal")?,
            old_api: OctopusApi::start(old_portal)
                .await
                .context("cannot start the lab's old Octopus portal")?,
            polling,
            tentacle_east: TlsServer::octopus_tentacle().await?,
            tentacle_inspected: TlsServer::intercepting(Welcome::Tentacle).await?,
            tentacle_expiring: TlsServer::halibut(expiring, Welcome::Tentacle).await?,
            proxy_east: HttpProxy::open().await?,
            proxy_west: HttpProxy::start(ProxyOptions {
                refuse: Refuse::Everything,
                ..ProxyOptions::default()
            })
            .await?,
            tentacle_west: SilentPort::start()
                .await
                .context("cannot make the lab's silent port")?,
            closed: closed_port()?,
            dns_inside: DnsServer::start(&zone(false))
                .await
                .context("cannot start the lab's DNS server")?,
            dns_outside: DnsServer::start(&zone(true))
                .await
                .context("cannot start the lab's second DNS server")?,
            ca,
            feeds,
            legacy_feed,
            proxy,
        })
    }

    /// A plan for the lab, written as a user would write it; `ca_file` is the lab CA's PEM.
    fn plan(&self, ca_file: &str) -> String {
        format!(
            r#"# Generated by `preflight demo` for its loopback lab.
version = 1

[migration]
name = "Demo: self-hosted Octopus to a new instance (loopback lab)"
ticket = "CHG-DEMO-1"

# The old portal still answers on its own port in this lab; its /api reports
# 2020.6, older than Export/Import Projects needs (waived in east below).
[old_server]
url = "https://octopus-old.example.com:{old_api}"
ca_file = "lab-ca-old.pem"
repointed = true

[new_server]
url = "https://octopus.example.com:{https}"
polling = "polling.example.com:{polling}"
thumbprint = "{server_thumbprint}"
ca_file = "lab-ca-new.pem"

[defaults]
timeout = "2s"

[dns]
resolvers = ["{dns_inside}"]

[[datacenter]]
name = "east"
resolvers = ["{dns_inside}", "{dns_outside}"]

  [[datacenter.dns]]
  name = "tentacle-web01"
  host = "web01.example.com"
  public = true
  purpose = "Listening Tentacle web01 is published for Octopus Cloud"

  [[datacenter.dns]]
  name = "legacy-feed-retired"
  host = "legacy-feed.example.com"
  resolves = false
  purpose = "The retired feed name is gone"

  [[datacenter.tcp]]
  name = "tentacle-web01"
  target = "127.0.0.1:{tentacle_east}"
  purpose = "Listening Tentacle web01 (stands in for 10933)"

  [[datacenter.tcp]]
  name = "old-server-polling-closed"
  target = "127.0.0.1:{closed}"
  expect = "blocked"
  purpose = "The old server's polling port is closed after cutover"

  # Run on a worker of the pool: what deployments touch, and the polling port.
  [[datacenter.worker_pool]]
  name = "east-workers"
  workers = ["worker01.example.com", "worker02.example.com"]
  must_reach = [{{ target = "127.0.0.1:{feeds}", purpose = "the artifact store" }}]

  # A listening Tentacle: Halibut answers as a Tentacle with the expected thumbprint.
  [[datacenter.tentacle]]
  name = "web01"
  host = "127.0.0.1"
  listen_port = {tentacle_east}
  thumbprint = "{web01_thumbprint}"
    [[datacenter.tentacle.trust]]
    style = "listening"
    thumbprint = "{server_thumbprint}"

  # A polling Tentacle that reaches the server through east's proxy.
  [[datacenter.tentacle]]
  name = "app01"
  polling_proxy = "127.0.0.1:{proxy_east}"
    [[datacenter.tentacle.trust]]
    style = "polling"
    thumbprint = "{server_thumbprint}"
    address = "https://127.0.0.1:{polling}"

[[datacenter]]
name = "west"

  [[datacenter.dns]]
  name = "tentacle-web02"
  host = "web02.example.com"
  public = true
  purpose = "Listening Tentacle web02 is published for Octopus Cloud"

  [[datacenter.tcp]]
  name = "tentacle-web02"
  target = "127.0.0.1:{tentacle_west}"
  purpose = "Listening Tentacle web02 (10933, dropped by a firewall)"

  [[datacenter.tcp]]
  name = "sql"
  target = "127.0.0.1:{closed}"
  purpose = "Deployments reach SQL Server (1433)"
  severity = "warning"

  # One worker only: the pool has no redundancy (a warning).
  [[datacenter.worker_pool]]
  name = "west-workers"
  workers = ["worker03.example.com"]
  must_reach = [{{ target = "127.0.0.1:{feeds}", purpose = "the artifact store" }}]

  # A listening Tentacle behind a TLS-inspecting device: its certificate is
  # issued by the inspection CA instead of being self-signed.
  [[datacenter.tentacle]]
  name = "web03"
  host = "127.0.0.1"
  listen_port = {tentacle_inspected}
    [[datacenter.tentacle.trust]]
    style = "listening"
    thumbprint = "{server_thumbprint}"

  # A listening Tentacle whose certificate expires in 12 days.
  [[datacenter.tentacle]]
  name = "web04"
  host = "127.0.0.1"
  listen_port = {tentacle_expiring}
    [[datacenter.tentacle.trust]]
    style = "listening"
    thumbprint = "{server_thumbprint}"

  # A polling Tentacle whose proxy refuses CONNECT to the polling port.
  [[datacenter.tentacle]]
  name = "app05"
  polling_proxy = "127.0.0.1:{proxy_west}"
    [[datacenter.tentacle.trust]]
    style = "polling"
    thumbprint = "{server_thumbprint}"
    address = "https://127.0.0.1:{polling}"

[proxy]
url = "{proxy}"

[[feed]]
name = "nuget"
kind = "nuget-v3"
url = "https://feeds.example.com:{feeds}{nuget}"
ca_file = "{ca_file}"
purpose = "Deployments pull NuGet packages"

[[feed]]
name = "charts"
kind = "helm"
url = "https://127.0.0.1:{feeds}{helm}"
via = "proxy"
ca_file = "{ca_file}"
purpose = "Helm charts, through the corporate proxy (CONNECT)"

[[feed]]
name = "registry"
kind = "docker"
url = "https://feeds.example.com:{feeds}{registry}"
ca_file = "{ca_file}"
datacenters = ["east"]
purpose = "Container images (the registry asks for a login)"

[[feed]]
name = "legacy-nuget"
kind = "nuget-v3"
url = "http://127.0.0.1:{legacy}{nuget}"
via = "proxy"
datacenters = ["west"]
purpose = "The old NuGet feed, through the proxy (its policy blocks it)"

[[waive]]
id = "dc.east.octopus.old-server-api"
reason = "The old server is upgraded to 2023.4 the week before the export"
ticket = "CHG-DEMO-3"

[[waive]]
id = "dc.west.tcp.sql"
reason = "The SQL Server moves with the application in phase 2"
ticket = "CHG-DEMO-2"
"#,
            https = self.https.server.addr.port(),
            old_api = self.old_api.server.addr.port(),
            polling = self.polling.addr.port(),
            server_thumbprint = self.polling.identity.thumbprint(),
            tentacle_east = self.tentacle_east.addr.port(),
            web01_thumbprint = self.tentacle_east.identity.thumbprint(),
            tentacle_inspected = self.tentacle_inspected.addr.port(),
            tentacle_expiring = self.tentacle_expiring.addr.port(),
            proxy_east = self.proxy_east.addr.port(),
            proxy_west = self.proxy_west.addr.port(),
            tentacle_west = self.tentacle_west.addr.port(),
            closed = self.closed.port(),
            dns_inside = self.dns_inside.addr,
            dns_outside = self.dns_outside.addr,
            proxy = self.proxy.url(),
            feeds = self.feeds.server.addr.port(),
            nuget = paths::NUGET_V3,
            helm = paths::HELM,
            registry = paths::DOCKER_AUTH,
            legacy = self.legacy_feed.server.addr.port(),
        )
    }
}
async fn demo_async(args: DemoArgs) -> Result<i32> {
    let out_dir: PathBuf = match args.out {
        Some(dir) => dir,
        None => tempfile::Builder::new()
            .prefix("preflight-demo-")
            .tempdir()
            .context("cannot create a temporary directory")?
            .keep(),
    };
    output::prepare_out_dir(&out_dir)?;
    let mode = output::FileMode::from_private(args.private);
    let lab = Lab::start().await?;
    output::write_atomic(&out_dir, "lab-ca.pem", lab.ca.pem().as_bytes(), mode)?;
    let ca_file = out_dir.join("lab-ca.pem").display().to_string();
    let plan_text = lab.plan(&ca_file);
    output::write_atomic(&out_dir, "plan.toml", plan_text.as_bytes(), mode)?;
    // The servers' ca_file entries: the lab CAs that issued the portals' certificates.
    output::write_atomic(
        &out_dir,
        "lab-ca-new.pem",
        lab.https.ca.pem().as_bytes(),
        mode,
    )?;
    output::write_atomic(
        &out_dir,
        "lab-ca-old.pem",
        lab.old_api.ca.pem().as_bytes(),
        mode,
    )?;
    let plan_path = out_dir.join("plan.toml");
    let plan = Plan::parse(&plan_text, &plan_path.display().to_string())?;

    let mut verdicts = Vec::new();
    let mut runs = Vec::new();
    for dc in plan.datacenters() {
        let checks = plan.checks_for(dc).unwrap_or_default();
        let settings = RunSettings {
            datacenter: dc.clone(),
            migration: plan.migration(),
            plan_sha256: plan.sha256.clone(),
            waivers: plan.waivers(),
            timeout: plan
                .spec
                .defaults
                .timeout
                .map_or(probe::runner::DEFAULT_TIMEOUT, |d| d.get()),
            concurrency: probe::runner::DEFAULT_CONCURRENCY,
            secrets: output::secret_values(&plan.secret_env_vars()),
            ca_file: None,
        };
        let mut finished =
            output::run_checks_async_with_resolvers(checks, &settings, &plan.resolvers_for(dc))
                .await?;
        finished.report.seal();
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "\n== data center {dc} ==")?;
        output::print_table(&mut stdout, &finished.report, args.sort)?;
        let summary = format!(
            "{dc}: {}",
            report::verdict::summary_line(
                &finished.report.results,
                finished.report.interrupted,
                finished.elapsed
            )
        );
        writeln!(stdout, "{}", output::fitted(&summary))?;
        let dc_dir = out_dir.join(dc);
        output::write_report_files(&dc_dir, &finished.report, mode)?;
        if finished.report.interrupted {
            eprintln!(
                "interrupted: {dc}'s report is written to {} (the checks not run are listed); the demo stops here",
                dc_dir.display()
            );
            return Ok(report::exit::INTERRUPTED);
        }
        verdicts.push((dc.clone(), finished.report.verdict));
        runs.push(report::load::Loaded {
            file: dc_dir.join("report.json").display().to_string(),
            integrity: report::Integrity::Verified {
                digest: finished.report.report_sha256.clone().unwrap_or_default(),
            },
            report: finished.report,
        });
    }
    // The instance: `preflight readiness` against a fake of the old server's
    // API (the clean server, but one project step runs on the built-in worker).
    let readiness = readiness_run(&lab, &out_dir, &plan).await?;
    let server_dir = out_dir.join(super::readiness::DATACENTER);
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "\n== the old server's API (preflight readiness) ==")?;
        output::print_table(&mut stdout, &readiness.report, args.sort)?;
        let summary = format!(
            "server: {}",
            report::verdict::summary_line(&readiness.report.results, false, readiness.elapsed)
        );
        writeln!(stdout, "{}", output::fitted(&summary))?;
    }
    output::write_report_files(&server_dir, &readiness.report, mode)?;
    verdicts.push((
        super::readiness::DATACENTER.to_string(),
        readiness.report.verdict,
    ));
    runs.push(report::load::Loaded {
        file: server_dir.join("report.json").display().to_string(),
        integrity: report::Integrity::Verified {
            digest: readiness.report.digest(),
        },
        report: readiness.report,
    });
    // Side by side: `preflight drift` between two fake instances.
    let drift_verdict = drift_demo(&lab.ca, &out_dir, args.sort, mode).await?;
    drop(lab);

    // What a change board reads across data centers: `report merge` of every run.
    let tool = runs[0].report.tool.clone();
    let mut merged = report::merge::merge(&runs, tool, false)?;
    merged.seal();
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(
            stdout,
            "
== all data centers (report merge) =="
        )?;
        report::merge::render::write_table(&mut stdout, &merged, output::text_width())?;
    }
    super::report::merge::write_files(&out_dir.join("merged"), &merged, mode)?;

    outln!("\nplan and reports: {}", out_dir.display())?;
    for (dc, verdict) in &verdicts {
        let line = format!(
            "  {dc}: {verdict}  {}  (and report.md, report.html, report.junit.xml, rules.csv)",
            out_dir.join(dc).join("report.json").display()
        );
        outln!(
            "{}",
            report::table::wrap(&line, output::text_width(), "", "    ")
        )?;
    }
    let line = format!(
        "  merged: {}  {}  (and merge.md, merge.json, merge.junit.xml, rules.csv)",
        merged.verdict,
        out_dir.join("merged").join("merge.html").display()
    );
    outln!(
        "{}",
        report::table::wrap(&line, output::text_width(), "", "    ")
    )?;
    let line = format!(
        "  drift: {drift_verdict}  {}  (and clone-tentacles.sh, clone-tentacles.ps1)",
        out_dir.join("drift").join("report.json").display()
    );
    outln!(
        "{}",
        report::table::wrap(&line, output::text_width(), "", "    ")
    )?;
    let expected = [
        ("east", Verdict::Go),
        ("west", Verdict::NoGo),
        ("server", Verdict::NoGo),
    ];
    let as_designed = verdicts.len() == expected.len()
        && verdicts
            .iter()
            .zip(expected)
            .all(|((dc, v), (want_dc, want_v))| dc == want_dc && *v == want_v);
    if !as_designed || drift_verdict != Verdict::NoGo {
        bail!(
            "the lab did not behave as designed (expected east GO, west NO-GO, server NO-GO and drift NO-GO): see the tables above"
        );
    }
    outln!(
        "{}",
        output::fitted(
            "The lab behaved as designed: east is GO (its resolvers disagree about the polling name: a warning), west is NO-GO (its Tentacle port is dropped, its public name is private, a proxy block page answers for its old NuGet feed, a Tentacle sits behind TLS inspection, its Tentacle proxy refuses CONNECT, and the old server is older than 2021.1); east waives the old server's version; the old server's API is NO-GO for Cloud (a deployment step runs on its built-in worker). The old and the new instance have drifted since the copy (drift is NO-GO: a project missing, a changed process, releases, packages, polling Tentacles to clone).",
        )
    )?;
    Ok(report::exit::GO)
}

/// The demo's API key for the fake old-server API (not a secret of anyone's; redacted all the same).
const DEMO_API_KEY: &str = "API-DEMO0READINESS0000000000";

/// Runs `preflight readiness` against the fake API (its documents written
/// beside the plan in `old-server-api/`): ready for Cloud except one step
/// of `Acme.Web` that runs on the server's built-in worker.
async fn readiness_run(
    lab: &Lab,
    out_dir: &std::path::Path,
    plan: &Plan,
) -> Result<output::Finished> {
    use lab::octopus_api::{
        CLEAN_SERVER, Delay, FakeOctopus, FakeOctopusOptions, Fault, write_fixtures,
    };
    use probe::checks::readiness::{GatherOptions, Phase, ReadinessSpec, Target};

    let fixtures = out_dir.join("old-server-api");
    write_fixtures(&fixtures, CLEAN_SERVER).context("cannot write the fake API's documents")?;
    let process = serde_json::json!({
        "ItemType": "DeploymentProcess", "TotalResults": 1, "ItemsPerPage": 100, "Links": {},
        "Items": [{
            "Id": "deploymentprocess-Projects-1", "ProjectId": "Projects-1", "SpaceId": "Spaces-1",
            "Version": 15,
            "Steps": [{
                "Id": "step-migrate", "Name": "Migrate database",
                "Actions": [{
                    "Id": "act-migrate", "Name": "Migrate database", "ActionType": "Octopus.Script",
                    "IsDisabled": false, "WorkerPoolId": null, "WorkerPoolVariable": null,
                    "Properties": { "Octopus.Action.RunOnServer": "true" }
                }]
            }]
        }]
    });
    let cert = lab
        .ca
        .issue("127.0.0.1", &["127.0.0.1"])
        .context("cannot make the fake API's certificate")?;
    let api = FakeOctopus::start(
        "127.0.0.1:0".parse()?,
        Some(lab::feeds::server_tls(&cert)?),
        FakeOctopusOptions {
            fixtures,
            api_key: DEMO_API_KEY.into(),
            replacements: Vec::new(),
            faults: [(
                "api/Spaces-1/deploymentprocesses".to_string(),
                Fault::Body(process.to_string()),
            )]
            .into_iter()
            .collect(),
            delay: Delay::None,
        },
    )
    .await
    .context("cannot start the fake Octopus API")?;
    let timeout = std::time::Duration::from_secs(10);
    let options = GatherOptions {
        old: probe::octopus_api::ClientOptions {
            server: api.url.clone(),
            api_key: DEMO_API_KEY.into(),
            key_source: "the demo's API key".into(),
            ca_file: Some(out_dir.join("lab-ca.pem")),
            timeout,
            max_pages: 10,
        },
        new: None,
        since: None,
    };
    let spec = ReadinessSpec::new(Target::Cloud, Phase::Prep, None, None)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let settings = RunSettings {
        datacenter: super::readiness::DATACENTER.into(),
        migration: plan.migration(),
        // The same migration's plan, so `report merge` takes it as one more column.
        plan_sha256: plan.sha256.clone(),
        secrets: vec![DEMO_API_KEY.into()],
        ..RunSettings::adhoc(timeout)
    };
    super::readiness::run(&options, &spec, &settings).await
}

/// `preflight drift` against two fake instances (the drift fixtures, served
/// over TLS by the lab CA): the report and the clone scripts under `drift/`.
async fn drift_demo(
    ca: &LabCa,
    out_dir: &std::path::Path,
    sort: crate::cli::SortArg,
    mode: output::FileMode,
) -> Result<Verdict> {
    use lab::octopus_api::{Delay, FakeOctopus, FakeOctopusOptions};
    use probe::checks::drift::{DriftSpec, InstanceSpec};

    const OLD_KEY: &str = "demo-old-instance-key";
    const NEW_KEY: &str = "demo-new-instance-key";
    let fixtures = out_dir.join("drift-lab");
    let cert = ca
        .issue("127.0.0.1", &["127.0.0.1", "localhost"])
        .context("cannot make the fake instances' certificate")?;
    let mut servers = Vec::new();
    for (which, key) in [("old", OLD_KEY), ("new", NEW_KEY)] {
        let dir = lab::drift::unpack(which, &fixtures)
            .with_context(|| format!("cannot write the {which} instance's fixtures"))?;
        servers.push(
            FakeOctopus::start(
                "127.0.0.1:0".parse()?,
                Some(lab::feeds::server_tls(&cert)?),
                FakeOctopusOptions {
                    fixtures: dir,
                    api_key: key.into(),
                    replacements: Vec::new(),
                    faults: Default::default(),
                    delay: Delay::None,
                },
            )
            .await
            .with_context(|| format!("cannot start the fake {which} instance"))?,
        );
    }
    let ca_file = out_dir.join("lab-ca.pem");
    let instance = |server: &FakeOctopus, key: &str| InstanceSpec {
        url: server.url.clone(),
        api_key: key.into(),
        key_source: "the demo".into(),
        ca_file: Some(ca_file.clone()),
    };
    let spec = DriftSpec {
        old: instance(&servers[0], OLD_KEY),
        new: instance(&servers[1], NEW_KEY),
        since: probe::since::Since(
            probe::since::parse_instant("2026-11-30T09:00:00Z").map_err(anyhow::Error::msg)?,
        ),
        timeout: std::time::Duration::from_secs(10),
        max_pages: 100,
    };
    let evidence = probe::checks::drift::gather(&spec).await;
    let checks = super::drift::checks(evidence);
    let settings = RunSettings {
        datacenter: super::drift::DATACENTER.into(),
        secrets: vec![OLD_KEY.into(), NEW_KEY.into()],
        ..RunSettings::adhoc(spec.timeout)
    };
    let mut finished = output::run_checks_async_with_resolvers(&checks, &settings, &[]).await?;
    finished.report.seal();
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "\n== drift: the old and the new instance side by side =="
    )?;
    output::print_table(&mut stdout, &finished.report, sort)?;
    let summary = format!(
        "drift: {}",
        report::verdict::summary_line(
            &finished.report.results,
            finished.report.interrupted,
            finished.elapsed
        )
    );
    writeln!(stdout, "{}", output::fitted(&summary))?;
    let dir = out_dir.join("drift");
    super::drift::write_scripts(&dir, &finished.report, mode)?;
    output::write_report_files(&dir, &finished.report, mode)?;
    Ok(finished.report.verdict)
}

//! `preflight demo`: the whole job against the embedded loopback lab.

use crate::support::{run, stdout};

#[test]
fn demo_shows_a_go_and_a_no_go_data_center_and_writes_reports() {
    let dir = std::env::temp_dir().join(format!("preflight-demo-test-{}", std::process::id()));
    let out = run(&["demo", "--out", dir.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("east: GO"), "{text}");
    assert!(text.contains("west: NO-GO"), "{text}");
    // The drift report of the two fake instances, and its clone scripts.
    assert!(text.contains("drift: NO-GO"), "{text}");
    let drift: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("drift/report.json")).unwrap())
            .unwrap();
    assert_eq!(drift["datacenter"], "drift");
    assert_eq!(drift["results"].as_array().unwrap().len(), 6);
    let script = std::fs::read_to_string(dir.join("drift/clone-tentacles.sh")).unwrap();
    assert!(script.contains("--name 'app01'"), "{script}");
    assert!(dir.join("drift/clone-tentacles.ps1").exists());
    for dc in ["east", "west"] {
        let report: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(dc).join("report.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(report["datacenter"], dc);
    }
    let west: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("west/report.json")).unwrap())
            .unwrap();
    let web02 = west["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "dc.west.tcp.tentacle-web02")
        .unwrap();
    assert_eq!(web02["evidence"]["addresses"][0]["state"], "filtered");
    // West's pool has one worker: a warning naming the pool in its evidence.
    let pool = west["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "dc.west.worker.west-workers.workers")
        .unwrap();
    assert_eq!(pool["status"], "warn", "{pool}");
    assert_eq!(pool["family"], "worker");
    assert_eq!(pool["evidence"]["pool"], "west-workers");
    assert_eq!(pool["evidence"]["worker_count"], 1);
    let sql = west["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "dc.west.tcp.sql")
        .unwrap();
    assert_eq!(sql["status"], "waived");
    assert_eq!(sql["waiver"]["original_status"], "fail");

    // The lab's DNS: a private address where a public one is needed (west),
    // resolvers that disagree about the polling name, an NXDOMAIN that is
    // expected, a public answer (east).
    let result = |report: &serde_json::Value, id: &str| {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
            .clone()
    };
    let web02 = result(&west, "dc.west.dns.tentacle-web02");
    assert_eq!(web02["status"], "fail");
    assert!(
        web02["remediation"]
            .as_str()
            .unwrap()
            .contains("polling Tentacle")
    );
    let east: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("east/report.json")).unwrap())
            .unwrap();
    let polling = result(&east, "dc.east.dns.new-server-polling");
    assert_eq!(polling["status"], "warn");
    assert_eq!(polling["evidence"]["answers"].as_array().unwrap().len(), 2);
    let legacy = result(&east, "dc.east.dns.legacy-feed-retired");
    assert_eq!(legacy["status"], "pass");
    assert_eq!(legacy["evidence"]["answers"][0]["outcome"], "nxdomain");
    assert_eq!(
        result(&east, "dc.east.dns.tentacle-web01")["status"],
        "pass"
    );
    assert_eq!(result(&east, "dc.east.dns.old-server")["status"], "pass");
    assert!(text.contains("resolvers disagree"), "{text}");

    // The lab's feeds: every kind over TLS with the lab CA, one through the
    // in-process CONNECT proxy, one the proxy's policy blocks.
    for id in [
        "dc.east.feed.nuget",
        "dc.east.feed.charts",
        "dc.east.feed.registry",
    ] {
        assert_eq!(result(&east, id)["status"], "pass", "{id}");
    }
    let charts = result(&east, "dc.east.feed.charts");
    assert_eq!(charts["evidence"]["via"], "proxy");
    assert!(
        charts["evidence"]["proxy"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    let legacy = result(&west, "dc.west.feed.legacy-nuget");
    assert_eq!(legacy["status"], "fail");
    assert!(
        legacy["reason"]
            .as_str()
            .unwrap()
            .contains("not a NuGet v3 service index"),
        "{legacy}"
    );
    assert_eq!(legacy["evidence"]["status"], 403);
    assert!(dir.join("lab-ca.pem").is_file());
    // Identity: the Halibut polling port with its thumbprint, the old server's
    // version (waived in east), a Tentacle behind inspection, an expiring
    // certificate, a proxy that refuses CONNECT.
    let polling = result(&east, "dc.east.tls.new-server-polling");
    assert_eq!(polling["status"], "pass", "{polling}");
    assert_eq!(polling["evidence"]["halibut"], "server");
    assert_eq!(
        result(&east, "dc.east.tentacle.web01.tls")["status"],
        "pass"
    );
    let old = result(&east, "dc.east.octopus.old-server-api");
    assert_eq!(old["status"], "waived");
    assert_eq!(old["evidence"]["version"], "2020.6.4671");
    assert_eq!(
        result(&east, "dc.east.octopus.new-server-api")["status"],
        "pass"
    );
    assert_eq!(
        result(&west, "dc.west.octopus.old-server-api")["status"],
        "fail"
    );
    let inspected = result(&west, "dc.west.tentacle.web03.tls");
    assert_eq!(inspected["status"], "fail");
    assert!(
        inspected["reason"]
            .as_str()
            .unwrap()
            .contains("Contoso TLS Inspection CA"),
        "{inspected}"
    );
    assert_eq!(
        result(&west, "dc.west.tentacle.web04.tls")["status"],
        "warn"
    );
    let refused = west["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["id"]
                .as_str()
                .unwrap()
                .starts_with("dc.west.tentacle.app05.tls.")
        })
        .unwrap();
    assert_eq!(
        refused["evidence"]["error"]["kind"], "proxy-refused",
        "{refused}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

//! `preflight demo`: the whole job against the embedded loopback lab.

use crate::support::{preflight, run, stdout};

#[test]
fn demo_shows_a_go_and_a_no_go_data_center_and_writes_reports() {
    let dir = std::env::temp_dir().join(format!("preflight-demo-test-{}", std::process::id()));
    // Piped, with no COLUMNS: the layout a log or `| less` gets.
    let out = preflight()
        .args(["demo", "--out", dir.to_str().unwrap()])
        .env_remove("COLUMNS")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for line in text.lines() {
        assert!(
            line.chars().count() <= 120,
            "{} columns: {line}",
            line.chars().count()
        );
    }
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
    // The old server's API: NO-GO for one blocker, a step on the built-in
    // worker, and one more column of the merge.
    assert!(text.contains("server: NO-GO"), "{text}");
    let server: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("server/report.json")).unwrap())
            .unwrap();
    assert_eq!(server["datacenter"], "server");
    let blocked: Vec<&serde_json::Value> = server["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["severity"] == "blocker" && r["status"] != "pass")
        .collect();
    assert_eq!(blocked.len(), 1, "{blocked:#?}");
    assert_eq!(blocked[0]["id"], "readiness.run-on-server");
    assert!(
        blocked[0]["reason"]
            .as_str()
            .unwrap()
            .contains("Default / Acme.Web / Migrate database (on the built-in worker)"),
        "{}",
        blocked[0]
    );
    let merged = std::fs::read_to_string(dir.join("merged/merge.json")).unwrap();
    assert!(
        merged.contains("readiness.run-on-server"),
        "the merge has the server column"
    );
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
    // Every check id whole on a table row, to be copied.
    for report in [&east, &west] {
        for r in report["results"].as_array().unwrap() {
            let id = r["id"].as_str().unwrap();
            assert!(
                text.lines().any(|l| l.contains(&format!("┆ {id} "))),
                "{id} is not whole on a row:\n{text}"
            );
        }
    }
    // Failures first: in west's table no row that passed comes before one that did not.
    let west_table = &text[text.find("== data center west ==").unwrap()..];
    let west_table = &west_table[..west_table.find("What to do:").unwrap()];
    let statuses: Vec<&str> = west_table
        .lines()
        .filter_map(|l| l.strip_prefix("│ "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|s| *s != "┆" && *s != "Status")
        .collect();
    assert_eq!(statuses.first(), Some(&"FAIL"), "{west_table}");
    let first_pass = statuses.iter().position(|s| *s == "PASS").unwrap();
    assert!(
        statuses[first_pass..].iter().all(|s| *s == "PASS"),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.len(),
        west["results"].as_array().unwrap().len(),
        "{statuses:?}"
    );

    // The firewall rules: per data center and merged, as rules.csv.
    let west_rules = read_csv(&dir.join("west/rules.csv"));
    assert_eq!(west_rules[0], report::rules::CSV_COLUMNS, "the header row");
    let col = |name: &str| {
        report::rules::CSV_COLUMNS
            .iter()
            .position(|c| *c == name)
            .unwrap()
    };
    let dropped_port = web02_tcp_port(&west);
    let dropped = west_rules
        .iter()
        .find(|row| row[col("check_ids")] == "dc.west.tcp.tentacle-web02")
        .expect("a rule for the dropped Tentacle port");
    assert_eq!(dropped[col("need")], "request");
    assert_eq!(dropped[col("source_address")], "127.0.0.1");
    assert_eq!(dropped[col("port")], dropped_port);
    assert_eq!(dropped[col("state")], "filtered");
    assert_eq!(dropped[col("direction")], "outbound");
    for row in &west_rules[1..] {
        assert_eq!(row[col("source_address")], "127.0.0.1", "{row:?}");
        assert_eq!(row[col("datacenter")], "west");
    }
    assert!(
        west_rules
            .iter()
            .any(|row| row[col("state")].starts_with("blocked by the proxy")),
        "the proxy that refuses CONNECT: {west_rules:?}"
    );
    let merged = read_csv(&dir.join("merged/rules.csv"));
    let key = |row: &Vec<String>| {
        [
            "need",
            "datacenter",
            "source_address",
            "destination_address",
            "protocol",
            "port",
            "direction",
            "action",
        ]
        .map(|c| row[col(c)].clone())
    };
    let mut keys: Vec<_> = merged[1..].iter().map(key).collect();
    let count = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), count, "no duplicate in the merged rules");
    for dc in ["east", "west"] {
        assert!(
            merged.iter().any(|row| row[col("datacenter")] == dc),
            "{dc}"
        );
    }
    for row in west_rules[1..]
        .iter()
        .filter(|r| r[col("need")] == "request")
    {
        assert!(
            merged.contains(row),
            "west's request in the merged list: {row:?}"
        );
    }

    // The ticket-sized summary of west fits a ticket; Jira says the same.
    let west_json = dir.join("west/report.json");
    let summary = run(&[
        "report",
        "render",
        west_json.to_str().unwrap(),
        "--format",
        "md-summary",
    ]);
    let summary = stdout(&summary);
    assert!(
        summary.lines().count() < 60,
        "{} lines:\n{summary}",
        summary.lines().count()
    );
    assert!(
        summary.contains("## Firewall rules to request (4)"),
        "{summary}"
    );
    let jira = run(&[
        "report",
        "render",
        west_json.to_str().unwrap(),
        "--format",
        "jira",
    ]);
    let jira = stdout(&jira);
    assert!(jira.contains("h2. Firewall rules to request (4)"), "{jira}");

    // The merge agrees with the reports it merges: each pool has the worst
    // status its data center's own worker checks have.
    let merge: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("merged/merge.json")).unwrap())
            .unwrap();
    for (dc, report) in [("east", &east), ("west", &west)] {
        let pool = merge["worker_pools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["datacenter"] == dc)
            .unwrap();
        let own: Vec<&str> = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["family"] == "worker")
            .map(|r| r["status"].as_str().unwrap())
            .collect();
        let expected = if own.contains(&"warn") {
            "warn"
        } else {
            "pass"
        };
        assert_eq!(pool["status"], expected, "{dc}: {own:?} {pool}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The port of the dropped Tentacle's TCP check (the lab picks it).
fn web02_tcp_port(west: &serde_json::Value) -> String {
    let web02 = west["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "dc.west.tcp.tentacle-web02")
        .unwrap();
    let address = web02["evidence"]["addresses"][0]["address"]
        .as_str()
        .unwrap();
    address.rsplit_once(':').unwrap().1.to_string()
}

/// An RFC 4180 file as rows of fields (quoted fields may hold commas, quotes and line breaks).
fn read_csv(path: &std::path::Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        row.is_empty() && field.is_empty(),
        "every row ends with CRLF"
    );
    rows
}

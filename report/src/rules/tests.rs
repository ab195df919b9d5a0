//! Rules from evidence, one family at a time; deduplication; CSV quoting.

use serde_json::{Value, json};

use super::*;
use crate::model::{CheckId, Severity, Tool};

fn result(id: &str, family: Family, status: Status, target: &str, evidence: Value) -> CheckResult {
    CheckResult {
        id: CheckId::new(id),
        family,
        title: format!("title of {id}"),
        target: target.into(),
        severity: Severity::Blocker,
        status,
        reason: String::new(),
        remediation: None,
        evidence: evidence.into(),
        elapsed_ms: 1,
        waiver: None,
    }
}

fn report(datacenter: &str, host: &str, results: Vec<CheckResult>) -> Report {
    Report::new(
        Tool {
            name: "preflight".into(),
            version: "0".into(),
        },
        None,
        host.into(),
        datacenter.into(),
        None,
        "2026-01-01T00:00:00Z".into(),
        "2026-01-01T00:00:01Z".into(),
        String::new(),
        results,
    )
}

fn tcp(id: &str, status: Status, target: &str, addresses: Value) -> CheckResult {
    result(
        id,
        Family::Tcp,
        status,
        target,
        json!({ "addresses": addresses }),
    )
}

#[test]
fn a_filtered_port_is_a_rule_naming_the_source_address_and_the_port() {
    let r = report(
        "west",
        "jump01",
        vec![tcp(
            "dc.west.tcp.tentacle-web02",
            Status::Fail,
            "web02.example.com:10933",
            json!([{"address": "192.0.2.12:10933", "state": "filtered", "connect_ms": 2000,
                    "source": "198.51.100.4", "source_from": "route"}]),
        )],
    );
    let rules = of(&r);
    assert_eq!(
        rules,
        vec![Rule {
            need: Need::Request,
            datacenter: "west".into(),
            source_host: "jump01".into(),
            source_address: "198.51.100.4".into(),
            destination_name: "web02.example.com".into(),
            destination_address: "192.0.2.12".into(),
            protocol: "TCP".into(),
            port: 10933,
            direction: Direction::Outbound,
            action: "allow".into(),
            state: "filtered".into(),
            purpose: "title of dc.west.tcp.tentacle-web02".into(),
            check_ids: vec!["dc.west.tcp.tentacle-web02".into()],
        }]
    );
    assert_eq!(rules[0].source(), "jump01 (198.51.100.4)");
    assert_eq!(rules[0].destination(), "web02.example.com (192.0.2.12)");
}

#[test]
fn open_paths_are_in_place_and_each_address_is_its_own_row() {
    let r = report(
        "east",
        "h",
        vec![tcp(
            "dc.east.tcp.polling",
            Status::Warn,
            "polling.example.com:10943",
            json!([
                {"address": "203.0.113.20:10943", "state": "open", "source": "192.0.2.5"},
                {"address": "[2001:db8::20]:10943", "state": "unreachable"},
                {"address": "[2001:db8::21]:10943", "state": "error"}
            ]),
        )],
    );
    let rules = of(&r);
    let (request, in_place) = split(&rules);
    assert_eq!(request.len(), 1);
    assert_eq!(request[0].destination_address, "2001:db8::20");
    assert_eq!(request[0].state, "unreachable");
    assert_eq!(
        request[0].source_address, "",
        "not recorded: left empty, not guessed"
    );
    assert_eq!(in_place.len(), 1);
    assert_eq!(in_place[0].destination_address, "203.0.113.20");
    assert_eq!(
        rules.len(),
        2,
        "an address that could not be tested is no rule"
    );
}

#[test]
fn a_path_planned_closed_asks_for_a_block_only_while_it_is_open() {
    let open = tcp(
        "dc.east.tcp.old",
        Status::Fail,
        "192.0.2.9:10943",
        json!([{"address": "192.0.2.9:10943", "state": "open"}]),
    );
    let closed = tcp(
        "dc.east.tcp.old2",
        Status::Pass,
        "192.0.2.10:10943",
        json!([{"address": "192.0.2.10:10943", "state": "refused"}]),
    );
    let rules = of(&report("east", "h", vec![open, closed]));
    assert_eq!(rules.len(), 2);
    assert_eq!(
        (
            rules[0].need,
            rules[0].action.as_str(),
            rules[0].state.as_str()
        ),
        (Need::Request, "block", "open")
    );
    assert_eq!(
        (
            rules[1].need,
            rules[1].action.as_str(),
            rules[1].state.as_str()
        ),
        (Need::InPlace, "block", "refused")
    );
}

#[test]
fn waived_and_non_network_results_ask_for_nothing() {
    let mut waived = tcp(
        "dc.west.tcp.sql",
        Status::Waived,
        "sql:1433",
        json!([{"address": "192.0.2.40:1433", "state": "refused"}]),
    );
    waived.status = Status::Waived;
    let dns = result(
        "dc.west.dns.x",
        Family::Dns,
        Status::Fail,
        "x.example.com",
        json!({"addresses": [{"address": "192.0.2.1:1", "state": "filtered"}]}),
    );
    assert!(of(&report("west", "h", vec![waived, dns])).is_empty());
}

#[test]
fn a_proxy_that_refuses_connect_is_a_proxy_rule() {
    let tls = result(
        "dc.west.tentacle.app05.tls",
        Family::Tls,
        Status::Fail,
        "192.0.2.30:10943",
        json!({"target": "192.0.2.30:10943", "proxy": "http://proxy.example.com:3128",
               "proxy_status": "HTTP/1.1 403 Forbidden", "source": "198.51.100.4",
               "error": {"stage": "proxy", "kind": "proxy-refused", "detail": "x"}}),
    );
    let rules = of(&report("west", "h", vec![tls]));
    assert_eq!(rules.len(), 1);
    let r = &rules[0];
    assert_eq!(r.need, Need::Request);
    assert_eq!(
        r.action,
        "allow CONNECT on the proxy http://proxy.example.com:3128"
    );
    assert_eq!(r.state, "blocked by the proxy (HTTP/1.1 403 Forbidden)");
    assert_eq!(
        (r.destination_address.as_str(), r.port),
        ("192.0.2.30", 10943)
    );
    assert_eq!(r.source_address, "198.51.100.4");
}

#[test]
fn tls_inspection_asks_for_a_bypass_and_a_refused_handshake_for_a_rule() {
    let inspected = result(
        "dc.west.tentacle.web03.tls",
        Family::Tls,
        Status::Fail,
        "web03.example.com:10933",
        json!({"address": "192.0.2.33:10933", "source": "198.51.100.4", "halibut": "tentacle",
               "chain": [{"subject": "CN=Octopus Tentacle", "issuer": "CN=Corp Inspection CA", "self_signed": false}]}),
    );
    let refused = result(
        "dc.west.tentacle.web05.tls",
        Family::Tls,
        Status::Fail,
        "web05.example.com:10933",
        json!({"address": "192.0.2.35:10933", "source": "198.51.100.4",
               "error": {"stage": "connect", "kind": "refused", "detail": "refused"}}),
    );
    let rules = of(&report("west", "h", vec![inspected, refused]));
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].action, "bypass TLS inspection");
    assert_eq!(
        rules[0].state,
        "intercepted (signed by CN=Corp Inspection CA)"
    );
    assert_eq!(
        (rules[1].action.as_str(), rules[1].state.as_str()),
        ("allow", "refused")
    );
}

#[test]
fn feeds_direct_and_through_a_proxy() {
    let blocked = result(
        "dc.west.feed.legacy",
        Family::Feed,
        Status::Fail,
        "http://192.0.2.50:8080/nuget/v3/index.json",
        json!({"kind": "nuget-v3", "url": "http://192.0.2.50:8080/nuget/v3/index.json", "status": 403,
               "via": "proxy", "proxy": "http://proxy.example.com:3128", "protocol_ok": false,
               "address": "192.0.2.3:3128", "source": "198.51.100.4"}),
    );
    let both = result(
        "dc.west.feed.nuget",
        Family::Feed,
        Status::Pass,
        "https://nuget.example.com/v3/index.json",
        json!({"paths": [
            {"url": "https://nuget.example.com/v3/index.json", "via": "direct", "proxy": null,
             "error": "timeout", "protocol_ok": false, "address": "203.0.113.5:443", "source": "198.51.100.4"},
            {"url": "https://nuget.example.com/v3/index.json", "via": "proxy", "proxy": "http://proxy.example.com:3128",
             "status": 200, "protocol_ok": true}
        ]}),
    );
    let rules = of(&report("west", "h", vec![blocked, both]));
    let (request, in_place) = split(&rules);
    assert_eq!(request.len(), 2, "{rules:#?}");
    let legacy = request.iter().find(|r| r.port == 8080).unwrap();
    assert_eq!(legacy.state, "blocked by the proxy (HTTP 403)");
    assert_eq!(legacy.destination_address, "192.0.2.50");
    let direct = request.iter().find(|r| r.port == 443).unwrap();
    assert_eq!(
        (direct.destination(), direct.state.as_str()),
        ("nuget.example.com (203.0.113.5)".to_string(), "filtered")
    );
    assert_eq!(in_place.len(), 1);
    assert_eq!(
        in_place[0].action,
        "allow on the proxy http://proxy.example.com:3128"
    );
}

#[test]
fn the_same_path_seen_by_several_checks_and_runs_is_one_rule() {
    let path =
        json!([{"address": "192.0.2.12:10943", "state": "filtered", "source": "198.51.100.4"}]);
    let tcp_check = tcp(
        "dc.west.tcp.polling",
        Status::Fail,
        "polling.example.com:10943",
        path.clone(),
    );
    let worker = result(
        "dc.west.worker.pool.polling",
        Family::Worker,
        Status::Fail,
        "192.0.2.12:10943",
        json!({"pool": "pool", "purpose": "polling", "addresses": path}),
    );
    let west = report("west", "jump01", vec![tcp_check, worker]);
    let rules = of(&west);
    assert_eq!(rules.len(), 1, "{rules:#?}");
    assert_eq!(
        rules[0].check_ids,
        ["dc.west.tcp.polling", "dc.west.worker.pool.polling"]
    );
    assert_eq!(rules[0].destination_name, "polling.example.com");

    // The same run twice, and another data center with the same path.
    let east = report(
        "east",
        "jump02",
        vec![tcp(
            "dc.east.tcp.polling",
            Status::Fail,
            "polling.example.com:10943",
            json!([{"address": "192.0.2.12:10943", "state": "filtered", "source": "198.51.100.9"}]),
        )],
    );
    let merged = merge([&west, &west, &east]);
    assert_eq!(merged.len(), 2, "one per data center: {merged:#?}");
    let keys: Vec<_> = merged.iter().map(Rule::key).collect();
    let mut unique = keys.clone();
    unique.dedup();
    assert_eq!(keys, unique);
}

#[test]
fn csv_follows_rfc_4180_and_defuses_formulas() {
    assert_eq!(csv_field("plain"), "plain");
    assert_eq!(csv_field("a,b"), "\"a,b\"");
    assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    assert_eq!(csv_field("-1"), "'-1");
    assert_eq!(csv_field("bell\u{7}"), "bell");

    let r = report(
        "west",
        "jump01",
        vec![tcp(
            "dc.west.tcp.a",
            Status::Fail,
            "a.example.com:443",
            json!([{"address": "192.0.2.1:443", "state": "refused", "source": "198.51.100.4"}]),
        )],
    );
    let mut out = Vec::new();
    write_csv(&mut out, &of(&r)).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "need,datacenter,source_host,source_address,destination_name,destination_address,protocol,port,direction,action,state,purpose,check_ids\r\n\
         request,west,jump01,198.51.100.4,a.example.com,192.0.2.1,TCP,443,outbound,allow,refused,title of dc.west.tcp.a,dc.west.tcp.a\r\n"
    );
}

#[test]
fn the_terminal_lines_carry_no_escape_sequence_from_a_hostile_report() {
    let r = report(
        "west",
        "h",
        vec![tcp(
            "dc.west.tcp.a",
            Status::Fail,
            "a.example.com:443",
            json!([{"address": "192.0.2.1:443", "state": "filtered\u{1b}[2J\nforged", "source": "198.51.100.4"}]),
        )],
    );
    let mut out = Vec::new();
    write_text(&mut out, &of(&r), crate::table::DEFAULT_WIDTH).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("(filtered [2J forged)"), "{text}");
    assert_eq!(text.lines().count(), 4, "{text}");
}

//! gather + assess against the loopback authority and a resolver that never answers.

use std::time::{Duration, Instant};

use report::Status;

use lab::dns::{DnsServer, LabZone, SilentDns};
use probe::Context;
use probe::checks::dns::*;
use probe::net::resolve::ResolverSpec;

const PUBLIC: &str = "1.1.1.1"; // answered by the lab only; nothing ever connects to it

fn zone() -> LabZone {
    LabZone::new("example.com")
        .a("octopus.example.com", "127.0.0.1".parse().unwrap())
        .aaaa("octopus.example.com", "::1".parse().unwrap())
        .cname("polling.example.com", "octopus.example.com")
        .txt("text.example.com", "no address here")
        .a("web01.example.com", PUBLIC.parse().unwrap())
        .a("web02.example.com", "10.20.30.40".parse().unwrap())
        .servfail("broken.example.com")
}

async fn check(ctx: &Context, name: &str, expect: DnsExpect) -> probe::Outcome {
    let s = DnsSpec {
        name: name.into(),
        expect,
    };
    assess(&gather(ctx, &s).await, &s, &ctx.origin)
}

fn ctx(resolvers: &[std::net::SocketAddr], timeout: Duration) -> Context {
    let specs: Vec<ResolverSpec> = resolvers.iter().map(|a| ResolverSpec::Server(*a)).collect();
    Context::new(timeout, "data center east").with_resolvers(&specs)
}

#[tokio::test]
async fn the_lab_authority_yields_each_outcome() {
    let lab = DnsServer::start(&zone()).await.unwrap();
    let ctx = ctx(&[lab.addr], Duration::from_secs(2));
    let r = lab.addr.to_string();

    let o = check(&ctx, "polling.example.com", DnsExpect::default()).await;
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    let a = &o.evidence.json()["answers"][0];
    assert_eq!(a["resolver"], r.as_str());
    assert_eq!(a["outcome"], "answer");
    assert_eq!(a["addresses"], serde_json::json!(["127.0.0.1", "::1"]));
    assert_eq!(a["cname_chain"], serde_json::json!(["octopus.example.com"]));
    assert_eq!(a["ttl_s"], 300);
    assert!(a["elapsed_ms"].as_u64().unwrap() < 2000);

    for (name, outcome, detail) in [
        ("missing.example.com", "nxdomain", None),
        ("text.example.com", "nodata", None),
        ("broken.example.com", "servfail", Some("SERVFAIL")),
        ("outside.example.net", "servfail", Some("REFUSED")),
    ] {
        let o = check(&ctx, name, DnsExpect::default()).await;
        assert_eq!(o.status, Status::Fail, "{name}: {}", o.reason);
        let a = &o.evidence.json()["answers"][0];
        assert_eq!(a["outcome"], outcome, "{name}");
        if let Some(d) = detail {
            assert_eq!(a["detail"], d, "{name}");
            assert!(o.reason.contains(d), "{}", o.reason);
        }
    }
    let nx = check(&ctx, "missing.example.com", DnsExpect::default()).await;
    assert_eq!(
        nx.evidence.json()["answers"][0]["ttl_s"],
        60,
        "the SOA's negative TTL"
    );
    assert!(nx.reason.contains("NXDOMAIN"));
    let gone = DnsExpect {
        resolves: false,
        ..DnsExpect::default()
    };
    let o = check(&ctx, "missing.example.com", gone).await;
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
}

#[tokio::test]
async fn a_resolver_that_never_answers_times_out_within_the_timeout() {
    let silent = SilentDns::start().await.unwrap();
    let timeout = Duration::from_millis(400);
    let ctx = ctx(&[silent.addr], timeout);
    let start = Instant::now();
    let o = check(&ctx, "octopus.example.com", DnsExpect::default()).await;
    let took = start.elapsed();
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert_eq!(o.evidence.json()["answers"][0]["outcome"], "timeout");
    assert!(o.reason.contains("timeout"), "{}", o.reason);
    assert!(
        took >= timeout && took < timeout + Duration::from_millis(300),
        "took {took:?} for a {timeout:?} timeout"
    );
}

#[tokio::test]
async fn two_lab_views_that_disagree_are_split_horizon() {
    let inside = DnsServer::start(&zone()).await.unwrap();
    let outside = DnsServer::start(
        &LabZone::new("example.com").a("polling.example.com", "127.0.0.2".parse().unwrap()),
    )
    .await
    .unwrap();
    let ctx = ctx(&[inside.addr, outside.addr], Duration::from_secs(2));
    let o = check(&ctx, "polling.example.com", DnsExpect::default()).await;
    assert_eq!(o.status, Status::Warn, "{}", o.reason);
    assert!(o.reason.contains("resolvers disagree"), "{}", o.reason);
    assert!(
        o.reason.contains(&format!(
            "{}: octopus.example.com → 127.0.0.1, ::1",
            inside.addr
        )),
        "{}",
        o.reason
    );
    assert!(
        o.reason.contains(&format!("{}: 127.0.0.2", outside.addr)),
        "{}",
        o.reason
    );
    let strict = DnsExpect {
        same_everywhere: true,
        ..DnsExpect::default()
    };
    let o = check(&ctx, "polling.example.com", strict).await;
    assert_eq!(o.status, Status::Fail);
}

#[tokio::test]
async fn public_names_pass_on_a_public_answer_and_fail_on_a_private_one() {
    let lab = DnsServer::start(&zone()).await.unwrap();
    let ctx = ctx(&[lab.addr], Duration::from_secs(2));
    let public = DnsExpect {
        public: true,
        ..DnsExpect::default()
    };
    let o = check(&ctx, "web01.example.com", public.clone()).await;
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    let o = check(&ctx, "web02.example.com", public).await;
    assert_eq!(o.status, Status::Fail);
    assert!(o.reason.contains("10.20.30.40 is private"), "{}", o.reason);
    assert!(o.remediation.unwrap().contains("polling Tentacle"));
}

#[tokio::test]
async fn an_old_name_repointed_at_the_new_server_is_recognised() {
    let lab = DnsServer::start(
        &zone()
            .cname("old.example.com", "octopus.example.com")
            .a("stale.example.com", "127.0.0.9".parse().unwrap()),
    )
    .await
    .unwrap();
    let ctx = ctx(&[lab.addr], Duration::from_secs(2));
    let repointed = DnsExpect {
        same_as: vec!["polling.example.com".into(), "192.0.2.80".into()],
        ..DnsExpect::default()
    };
    let o = check(&ctx, "old.example.com", repointed.clone()).await;
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert_eq!(
        o.evidence.json()["same_as"][0]["name"],
        "polling.example.com"
    );
    let o = check(&ctx, "stale.example.com", repointed).await;
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    assert!(
        o.reason.contains("127.0.0.9 is not an address of"),
        "{}",
        o.reason
    );
}

#[tokio::test]
async fn the_system_configuration_answers_localhost_without_a_query() {
    let ctx = Context::new(Duration::from_secs(2), "test");
    let o = check(&ctx, "localhost", DnsExpect::default()).await;
    assert_eq!(o.status, Status::Pass, "{}", o.reason);
    assert_eq!(o.evidence.json()["answers"][0]["resolver"], "system");
    let ips = o.evidence.json()["answers"][0]["addresses"]
        .as_array()
        .unwrap();
    assert!(ips.iter().any(|ip| ip == "127.0.0.1"), "{ips:?}");
}

#[tokio::test]
async fn tcp_checks_record_the_first_resolver_that_answered() {
    let silent = SilentDns::start().await.unwrap();
    let lab = DnsServer::start(&zone()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let ctx = ctx(&[silent.addr, lab.addr], Duration::from_millis(300));
    let ev =
        probe::checks::tcp::gather(&ctx, &probe::Endpoint::new("octopus.example.com", port)).await;
    assert_eq!(ev.resolver.as_deref(), Some(lab.addr.to_string().as_str()));
    let ips: Vec<String> = ev
        .addresses
        .iter()
        .map(|a| a.address.ip().to_string())
        .collect();
    assert_eq!(ips, ["127.0.0.1", "::1"]);
    let ev =
        probe::checks::tcp::gather(&ctx, &probe::Endpoint::new("missing.example.com", port)).await;
    let err = ev.dns_error.unwrap();
    assert!(err.contains(&format!("{}: timeout", silent.addr)), "{err}");
    assert!(err.contains(&format!("{}: NXDOMAIN", lab.addr)), "{err}");
}

#[tokio::test]
async fn a_cname_loop_is_a_clear_failure_not_a_hang() {
    let lab = DnsServer::start(
        &zone()
            .cname("loop1.example.com", "loop2.example.com")
            .cname("loop2.example.com", "loop1.example.com"),
    )
    .await
    .unwrap();
    let timeout = Duration::from_secs(1);
    let ctx = ctx(&[lab.addr], timeout);
    let start = Instant::now();
    let o = check(&ctx, "loop1.example.com", DnsExpect::default()).await;
    assert!(start.elapsed() < timeout + Duration::from_millis(300));
    assert_eq!(o.status, Status::Fail, "{}", o.reason);
    // hickory-resolver gives up on the loop and reports no records.
    assert_eq!(o.evidence.json()["answers"][0]["outcome"], "nodata");
}

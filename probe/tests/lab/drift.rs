//! `checks::drift::gather` against two fake instances serving
//! `fixtures/octopus-api/drift/` over HTTPS (a lab CA): what it reads (ids
//! resolved to names, the old instance's audit log, paged releases), and
//! what a failure does: a 403 on one collection errors only the rules that
//! need it, endless paging stops, a silent server and a refused key mark
//! everything unread. The key is in no failure. Each instance is read
//! `MAX_IN_FLIGHT` requests at a time (not one, not more), and the evidence
//! does not depend on the order the answers arrive in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lab::certs::LabCa;
use lab::feeds::server_tls;
use lab::octopus_api::{Delay, FakeOctopus, FakeOctopusOptions, Fault};
use probe::checks::drift::{
    DriftEvidence, DriftRule, DriftSpec, InstanceSpec, RegistrationKind, Resource, assess, gather,
};
use probe::octopus_api::MAX_IN_FLIGHT;
use probe::since::{Since, parse_instant};
use report::Status;

const OLD_KEY: &str = "API-DRIFTLABOLD0123456789ABCD";
const NEW_KEY: &str = "API-DRIFTLABNEW0123456789ABCD";

fn fixtures(which: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/octopus-api/drift")
        .join(which)
}

struct Pair {
    old: FakeOctopus,
    new: FakeOctopus,
    ca_file: PathBuf,
}

impl Drop for Pair {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.ca_file);
    }
}

async fn pair(old: &str, new: &str, new_faults: &[(&str, Fault)]) -> Pair {
    pair_delayed(old, new, new_faults, Delay::None).await
}

async fn pair_delayed(old: &str, new: &str, new_faults: &[(&str, Fault)], delay: Delay) -> Pair {
    static N: AtomicUsize = AtomicUsize::new(0);
    let ca = LabCa::new("drift lab CA").unwrap();
    let ca_file = std::env::temp_dir().join(format!(
        "preflight-drift-lab-{}-{}.pem",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let start = |which: &str, key: &str, faults: &[(&str, Fault)]| {
        let cert = ca.issue("127.0.0.1", &["127.0.0.1"]).unwrap();
        FakeOctopus::start(
            "127.0.0.1:0".parse().unwrap(),
            Some(server_tls(&cert).unwrap()),
            FakeOctopusOptions {
                fixtures: fixtures(which),
                api_key: key.into(),
                replacements: Vec::new(),
                faults: faults
                    .iter()
                    .map(|(r, f)| (r.to_string(), f.clone()))
                    .collect::<HashMap<_, _>>(),
                delay,
            },
        )
    };
    Pair {
        old: start(old, OLD_KEY, &[]).await.unwrap(),
        new: start(new, NEW_KEY, new_faults).await.unwrap(),
        ca_file,
    }
}

fn spec(p: &Pair, new_url: &str, new_key: &str) -> DriftSpec {
    let instance = |url: &str, key: &str| InstanceSpec {
        url: url.into(),
        api_key: key.into(),
        key_source: "a test".into(),
        ca_file: Some(p.ca_file.clone()),
    };
    DriftSpec {
        old: instance(&p.old.url, OLD_KEY),
        new: instance(new_url, new_key),
        since: Since(parse_instant("2026-11-30T09:00:00Z").unwrap()),
        timeout: Duration::from_secs(5),
        max_pages: 5,
    }
}

fn no_key(e: &DriftEvidence) {
    let text = format!("{:?}", e.old.failures) + &format!("{:?}", e.new.failures);
    assert!(!text.contains(OLD_KEY) && !text.contains(NEW_KEY), "{text}");
}

#[tokio::test]
async fn both_instances_are_read_with_names_resolved_and_spaces_matched_by_slug() {
    let p = pair("old", "new", &[]).await;
    let e = gather(&spec(&p, &p.new.url, NEW_KEY)).await;
    assert!(e.old.failures.is_empty(), "{:?}", e.old.failures);
    assert!(e.new.failures.is_empty(), "{:?}", e.new.failures);
    assert_eq!(e.old.version.as_deref(), Some("2024.1.12281"));
    assert_eq!(
        e.new.thumbprint.as_deref(),
        Some("0A1B2C3D4E5F60718293A4B5C6D7E8F901234567")
    );
    let old = &e.old.spaces[0];
    // Releases come two to a page: all four were read.
    assert_eq!(old.releases.len(), 4);
    assert_eq!(
        old.projects
            .iter()
            .map(|p| (p.slug.as_str(), p.process_version, p.variables_version))
            .collect::<Vec<_>>(),
        [
            ("web-portal", Some(15), Some(7)),
            ("billing-api", Some(3), Some(2)),
            ("reporting", Some(1), Some(1))
        ]
    );
    assert_eq!(
        old.events.len(),
        1,
        "the audit log is read on the old instance"
    );
    assert!(e.new.spaces[0].events.is_empty(), "and not on the new one");
    let app01 = old
        .registrations
        .iter()
        .find(|r| r.name == "app01")
        .unwrap();
    assert_eq!(app01.environments, ["Production", "Staging"]);
    assert_eq!(app01.tenants, ["Acme Corp", "Globex"]);
    let worker = old
        .registrations
        .iter()
        .find(|r| r.name == "w-east-2")
        .unwrap();
    assert_eq!(worker.kind, RegistrationKind::Worker);
    assert_eq!(worker.worker_pools, ["DC East"]);
    // "Platform Team" is Spaces-2 on the old instance and Spaces-3 on the new.
    let platform = e
        .old
        .spaces
        .iter()
        .find(|s| s.name == "Platform Team")
        .unwrap();
    assert_eq!(e.new.space_like(platform).unwrap().id, "Spaces-3");
    // The old instance is told the window's start in the audit log's query.
    assert!(
        p.old
            .seen()
            .iter()
            .any(|s| s.path.contains("/api/Spaces-1/events?")
                && s.path.contains("from=2026-11-30T09%3A00%3A00Z")),
        "{:?}",
        p.old
            .seen()
            .iter()
            .map(|s| s.path.clone())
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_forbidden_collection_errors_only_the_rules_that_need_it_and_endless_paging_stops() {
    let p = pair(
        "same",
        "same",
        &[
            ("api/Spaces-1/packages", Fault::Status(403, "You do not have permission to perform this action. Please contact your Octopus administrator. Missing permission: FeedView".into())),
            ("api/Spaces-1/tenants", Fault::EndlessPaging),
        ],
    )
    .await;
    let e = gather(&spec(&p, &p.new.url, NEW_KEY)).await;
    no_key(&e);
    let resources: Vec<Resource> = e.new.failures.iter().map(|f| f.resource).collect();
    assert_eq!(resources, [Resource::Tenants, Resource::Packages]);
    assert!(
        e.new.failures[0]
            .message
            .starts_with("stopped after 5 pages of tenants of space Default"),
        "{}",
        e.new.failures[0].message
    );
    assert_eq!(e.new.failures[1].status, Some(403));
    let status = |rule| assess(&e, rule).status;
    assert_eq!(status(DriftRule::Packages), Status::Error);
    assert_eq!(status(DriftRule::Releases), Status::Pass);
    assert!(
        assess(&e, DriftRule::Packages)
            .remediation
            .unwrap()
            .contains("FeedView")
    );
    assert_eq!(status(DriftRule::Projects), Status::Pass);
    assert_eq!(status(DriftRule::PollingClones), Status::Pass);
}

#[tokio::test]
async fn a_refused_key_or_a_silent_server_leaves_nothing_read_and_every_rule_errors() {
    let p = pair("same", "same", &[]).await;
    let e = gather(&spec(&p, &p.new.url, "API-NOTTHEKEY0123456789ABCDEFG")).await;
    no_key(&e);
    assert_eq!(e.new.failures[0].resource, Resource::Certificate);
    assert_eq!(e.new.failures[0].status, Some(401));
    assert_eq!(e.new.failures.len(), 15, "every resource is marked unread");
    assert!(e.old.failures.is_empty());
    for rule in DriftRule::ALL
        .into_iter()
        .filter(|r| *r != DriftRule::Window)
    {
        assert_eq!(assess(&e, rule).status, Status::Error, "{rule:?}");
    }
    // Nothing listens there: no status, everything unread, no hang.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let started = std::time::Instant::now();
    let e = gather(&spec(&p, &format!("https://{closed}"), NEW_KEY)).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(e.new.failures[0].resource, Resource::Server);
    assert_eq!(e.new.failures[0].status, None);
    assert_eq!(e.new.failures.len(), 15);
    assert_eq!(assess(&e, DriftRule::PollingClones).status, Status::Error);
}

#[tokio::test]
async fn each_instance_is_read_concurrently_but_never_more_than_max_in_flight_at_once() {
    // Slow answers make reads sent together overlap at each server: a
    // space has eleven collections, more than MAX_IN_FLIGHT.
    let p = pair_delayed("old", "new", &[], Delay::Fixed(Duration::from_millis(120))).await;
    let e = gather(&spec(&p, &p.new.url, NEW_KEY)).await;
    assert!(e.old.failures.is_empty() && e.new.failures.is_empty());
    assert!(!e.old.spaces.is_empty() && !e.new.spaces.is_empty());
    for (which, fake) in [("old", &p.old), ("new", &p.new)] {
        assert!(fake.seen().len() > 2 * MAX_IN_FLIGHT, "{which}");
        assert_eq!(
            fake.most_in_flight(),
            MAX_IN_FLIGHT,
            "{which}: parallel (not one at a time) and bounded (never more)"
        );
    }
}

/// The evidence of both instances as text, the servers' addresses and the read time left out.
fn evidence_text(p: &Pair, e: &DriftEvidence) -> String {
    format!("{:?}\n{:?}", e.old, e.new)
        .replace(&p.old.url, "https://old")
        .replace(&p.new.url, "https://new")
}

/// Answers in order, scrambled, one space last, the other space last, the certificate last.
const ORDERS: [Delay; 5] = [
    Delay::None,
    Delay::Scrambled(Duration::from_millis(15)),
    Delay::Prefix("/api/Spaces-1/", Duration::from_millis(200)),
    Delay::Prefix("/api/Spaces-2/", Duration::from_millis(200)),
    Delay::Prefix("/api/configuration/", Duration::from_millis(200)),
];

#[tokio::test]
async fn the_evidence_is_the_same_whatever_order_the_answers_arrive_in() {
    let mismatch = Fault::Body(
        r#"{"ItemType":"Machine","TotalResults":3,"ItemsPerPage":100,"Items":[],"Links":{}}"#
            .into(),
    );
    let faults = [
        (
            "api/Spaces-1/packages",
            Fault::Status(403, "Missing permission: FeedView".into()),
        ),
        ("api/Spaces-1/tenants", Fault::EndlessPaging),
        (
            "api/Spaces-1/variables/variableset-Projects-2",
            Fault::Status(404, "not found".into()),
        ),
        ("api/Spaces-2/releases", Fault::Status(500, "boom".into())),
        ("api/Spaces-2/machines", mismatch),
    ];
    let mut texts = Vec::new();
    for delay in ORDERS {
        let p = pair_delayed("same", "same", &faults, delay).await;
        let e = gather(&spec(&p, &p.new.url, NEW_KEY)).await;
        let resources: Vec<Resource> = e.new.failures.iter().map(|f| f.resource).collect();
        assert_eq!(
            resources,
            [
                Resource::Tenants,
                Resource::Variables,
                Resource::Packages,
                Resource::Releases
            ],
            "{delay:?}"
        );
        assert!(
            e.new
                .notes
                .iter()
                .any(|n| n.contains("TotalResults said 3")),
            "{:?}",
            e.new.notes
        );
        texts.push(evidence_text(&p, &e));
    }
    for (i, text) in texts.iter().enumerate().skip(1) {
        assert_eq!(&texts[0], text, "{:?}", ORDERS[i]);
    }
}

#[tokio::test]
async fn a_refused_key_marks_every_resource_once_whatever_order_the_answers_arrive_in() {
    let mut texts = Vec::new();
    for delay in ORDERS {
        let p = pair_delayed("same", "same", &[], delay).await;
        let e = gather(&spec(&p, &p.new.url, "API-NOTTHEKEY0123456789ABCDEFG")).await;
        no_key(&e);
        // The certificate and the spaces list are asked together; the
        // certificate comes first even when the spaces' 401 arrives first.
        assert_eq!(
            e.new.failures[0].resource,
            Resource::Certificate,
            "{delay:?}"
        );
        let mut resources: Vec<Resource> = e.new.failures.iter().map(|f| f.resource).collect();
        assert_eq!(resources.len(), 15, "{delay:?}");
        resources.sort_by_key(|r| format!("{r:?}"));
        resources.dedup();
        assert_eq!(resources.len(), 15, "each resource once: {delay:?}");
        texts.push(evidence_text(&p, &e));
    }
    for (i, text) in texts.iter().enumerate().skip(1) {
        assert_eq!(&texts[0], text, "{:?}", ORDERS[i]);
    }
}

#[tokio::test]
async fn a_stop_mid_read_sends_none_of_the_waiting_requests_and_marks_each_resource_once() {
    // The key is refused on the first collection of the first space while
    // the rest of both spaces wait for a turn: those are never sent.
    let refused = Fault::Status(401, "You must be logged in to perform this action.".into());
    let p = pair_delayed(
        "same",
        "same",
        &[("api/Spaces-1/environments", refused)],
        Delay::Fixed(Duration::from_millis(100)),
    )
    .await;
    let e = gather(&spec(&p, &p.new.url, NEW_KEY)).await;
    no_key(&e);
    let resources: Vec<Resource> = e.new.failures.iter().map(|f| f.resource).collect();
    assert_eq!(resources[0], Resource::Environments);
    assert_eq!(e.new.failures[0].status, Some(401));
    let mut each = resources.clone();
    each.sort_by_key(|r| format!("{r:?}"));
    each.dedup();
    assert_eq!((resources.len(), each.len()), (15, 15), "{resources:?}");
    assert!(e.new.spaces.is_empty());
    // Root, certificate, spaces list, the first MAX_IN_FLIGHT of space 1
    // (and at most one more per turn freed while the 401 was judged);
    // without the stop, both spaces' two dozen reads would all be sent.
    let sent = p.new.seen().len();
    assert!(
        sent <= 3 + 2 * MAX_IN_FLIGHT,
        "{sent}: {:?}",
        p.new
            .seen()
            .iter()
            .map(|s| s.path.clone())
            .collect::<Vec<_>>()
    );
    assert!(
        e.old.failures.is_empty(),
        "the old instance is read in full"
    );
}

//! The fixtures' inventory rendered as a plan, and the plan parsed back.

use super::fixture_inventory;
use probe::Plan;
use probe::checks::feed::FeedKind;
use probe::octopus_inventory::api::{Feed, SensitiveValue};
use probe::octopus_inventory::feeds::{FeedCredentials, map_feed};
use probe::octopus_inventory::group::{GroupBy, Namer};
use probe::octopus_inventory::{RenderOptions, render};

const SERVER: &str = "https://octopus.example.com";

fn options(group_by: &str) -> RenderOptions {
    RenderOptions {
        group_by: group_by.parse().unwrap(),
        api_key_env: "OCTOPUS_OLD_API_KEY".into(),
        ca_file: None,
        polling: None,
    }
}

fn ids(plan: &Plan, dc: &str) -> Vec<String> {
    plan.checks_for(dc)
        .unwrap_or_default()
        .iter()
        .map(|c| c.id.to_string())
        .collect()
}

#[test]
fn by_role_prefix_the_fixtures_make_a_plan_the_parser_accepts() {
    let out = render(&fixture_inventory(SERVER), &options("role:dc-"));
    let plan =
        Plan::parse(&out.plan, "from-octopus.toml").unwrap_or_else(|e| panic!("{e}\n{}", out.plan));
    assert_eq!(plan.datacenters(), ["east", "west"]);
    assert_eq!(out.datacenters, plan.datacenters());
    let east = ids(&plan, "east");
    for id in [
        "dc.east.octopus.old-server-api",
        "dc.east.worker.dc-east.workers",
        "dc.east.tentacle.web01.tls",
        "dc.east.tentacle.db01.tls",
        "dc.east.tentacle.w-east-1.tls",
        "dc.east.tentacle.app01.tcp.octopus-example-com-10943",
        "dc.east.tentacle.w-east-2.tcp.octopus-example-com-10943",
        "dc.east.tcp.k8s-east-kubernetes-api",
        "dc.east.feed.public-nuget-mirror",
        "dc.east.feed.private-nuget",
        "dc.east.feed.container-images",
    ] {
        assert!(east.contains(&id.to_string()), "{id} missing in {east:#?}");
    }
    // web01 is registered in both spaces: one Tentacle, the second noted.
    assert!(!east.iter().any(|i| i.contains("web01-2")), "{east:#?}");
    assert!(
        out.plan.contains(
            "# also registered as: Deployment target web01 (space Platform Team, Machines-22)"
        ),
        "{}",
        out.plan
    );
    let west = ids(&plan, "west");
    for id in [
        "dc.west.tentacle.web02.tls",
        "dc.west.tentacle.w-west-1.tls",
        "dc.west.tcp.ssh01-ssh",
        "dc.west.worker.dc-west.workers",
    ] {
        assert!(west.contains(&id.to_string()), "{id} missing in {west:#?}");
    }
    // The cloud region has no dc- role and nothing to reach: a comment, no section.
    assert!(out.plan.contains("# Nothing to check in `unassigned`:\n# not checked: Deployment target Azure EU cloud region"), "{}", out.plan);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    // Without its dc- role, web02 has no data center: `unassigned`, and a warning.
    let mut inventory = fixture_inventory(SERVER);
    inventory.spaces[0].machines[2].roles = vec!["web-server".into()];
    let out = render(&inventory, &options("role:dc-"));
    let plan = Plan::parse(&out.plan, "p.toml").unwrap();
    assert_eq!(plan.datacenters(), ["east", "west", "unassigned"]);
    assert!(ids(&plan, "unassigned").contains(&"dc.unassigned.tentacle.web02.tls".to_string()));
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("1 machine(s) matched no data center (`--group-by role:dc-`)")),
        "{:?}",
        out.warnings
    );
}

#[test]
fn the_old_server_is_filled_in_and_the_new_one_left_to_fill() {
    let mut opts = options("environment");
    opts.ca_file = Some("/etc/ssl/corp-root.pem".into());
    let out = render(&fixture_inventory(SERVER), &opts);
    let plan = Plan::parse(&out.plan, "p.toml").unwrap();
    let old = plan.spec.old_server.as_ref().unwrap();
    assert_eq!(old.url.as_ref().unwrap().get_ref(), SERVER);
    assert_eq!(
        old.polling.as_ref().unwrap().to_string(),
        "octopus.example.com:10943"
    );
    assert_eq!(
        old.thumbprint.as_ref().unwrap().as_str(),
        "5E8B7D2C41A09F36E1D4C7B2A58F903D6E1C4B27"
    );
    assert_eq!(old.api_key_env, None);
    assert!(
        out.plan
            .contains("\n# api_key_env = \"OCTOPUS_OLD_API_KEY\"   # the variable's name"),
        "{}",
        out.plan
    );
    assert_eq!(old.ca_file.as_deref(), Some("/etc/ssl/corp-root.pem"));
    assert!(plan.spec.new_server.is_none());
    assert!(
        out.plan.contains("# [new_server]\n# url = "),
        "{}",
        out.plan
    );
    assert!(out.plan.contains("Export/Import Projects is available"));
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn by_environment_targets_follow_their_first_environment_and_workers_their_pool() {
    let out = render(&fixture_inventory(SERVER), &options("environment"));
    let plan = Plan::parse(&out.plan, "p.toml").unwrap();
    assert_eq!(
        plan.datacenters(),
        ["dc-east", "dc-west", "production", "staging"]
    );
    assert!(ids(&plan, "production").contains(&"dc.production.tentacle.web02.tls".to_string()));
    assert!(
        out.plan
            .contains("environment Production (also environment Staging)")
    );
    assert!(
        ids(&plan, "dc-east")
            .contains(&"dc.dc-east.tentacle.w-east-2.tcp.octopus-example-com-10943".to_string())
    );
    // Pools without workers (the default pools) make no data center.
    assert!(!out.plan.contains("default-worker-pool"));
}

#[test]
fn feeds_map_to_plan_kinds_once_each_and_server_side_feeds_say_so() {
    let out = render(&fixture_inventory(SERVER), &options("role:dc-"));
    let plan = Plan::parse(&out.plan, "p.toml").unwrap();
    let feeds: Vec<(String, String, bool)> = plan
        .spec
        .feeds
        .iter()
        .map(|f| (f.name.get_ref().clone(), f.kind.to_string(), f.server_side))
        .collect();
    let expected = [
        ("public-nuget-mirror", "nuget-v3", true),
        ("legacy-nuget", "nuget-v2", true),
        ("private-nuget", "nuget-v3", true),
        ("docker-registry", "docker", false),
        ("helm-charts", "helm", false),
        ("maven-mirror", "maven", true),
        ("github-releases", "http", true),
        ("container-images", "docker", false),
    ];
    let expected: Vec<(String, String, bool)> = expected
        .iter()
        .map(|(n, k, s)| (n.to_string(), k.to_string(), *s))
        .collect();
    assert_eq!(feeds, expected);
    let by_name = |n: &str| {
        plan.spec
            .feeds
            .iter()
            .find(|f| f.name.get_ref() == n)
            .unwrap()
    };
    let private = by_name("private-nuget");
    assert_eq!(
        private.username_env.as_deref(),
        Some("FEED_PRIVATE_NUGET_USERNAME")
    );
    assert_eq!(
        private.password_env.as_ref().map(|s| s.get_ref().as_str()),
        Some("FEED_PRIVATE_NUGET_PASSWORD")
    );
    assert_eq!(
        by_name("github-releases")
            .token_env
            .as_ref()
            .map(|s| s.get_ref().as_str()),
        Some("FEED_GITHUB_RELEASES_TOKEN")
    );
    assert_eq!(
        by_name("container-images").url.get_ref(),
        "https://localhost:18443/open"
    );
    assert!(
        out.plan
            .contains("# also in Octopus as nuget.org mirror (space Platform Team) (Feeds-2001)")
    );
    assert!(out.plan.contains("# not checked: Octopus Server (built-in) (space Default) (Feeds-1): the server's built-in package repository"));
    assert!(
        out.plan
            .contains("# not checked: Artifacts in S3 (space Default) (Feeds-1008): feed type S3")
    );
}

#[test]
fn an_old_server_before_2021_1_is_a_warning_and_a_comment() {
    let mut inventory = fixture_inventory(SERVER);
    inventory.version = "2020.6.4671".into();
    let out = render(&inventory, &options("role:dc-"));
    Plan::parse(&out.plan, "p.toml").unwrap();
    assert!(out.plan.contains("# WARNING: the old server runs Octopus 2020.6.4671: Export/Import Projects needs 2021.1 or later."), "{}", out.plan);
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("2020.6.4671") && w.contains("2021.1"))
    );
    inventory.version = "next".into();
    let out = render(&inventory, &options("role:dc-"));
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("not a version number")),
        "{:?}",
        out.warnings
    );
}

#[test]
fn names_from_the_server_cannot_inject_plan_keys() {
    let mut inventory = fixture_inventory(SERVER);
    let space = &mut inventory.spaces[0];
    space.machines[0].name = "web01\n[[waive]]\nid = \"x\"".into();
    space.environments[0].name = "Prod\"\n[defaults]".into();
    space.feeds[1].name = "feed\nname = \"evil\"".into();
    let out = render(&inventory, &options("environment"));
    let plan = Plan::parse(&out.plan, "p.toml").unwrap_or_else(|e| panic!("{e}\n{}", out.plan));
    assert!(plan.spec.waivers.is_empty());
    assert!(
        plan.datacenters().contains(&"prod-defaults".to_string()),
        "{:?}",
        plan.datacenters()
    );
    assert!(plan.spec.feeds.iter().all(|f| f.name.get_ref() != "evil"));
}

#[test]
fn a_polling_endpoint_given_is_what_polling_tentacles_trust() {
    let mut opts = options("role:dc-");
    opts.polling = Some("[::1]:10943".parse().unwrap());
    let out = render(&fixture_inventory("https://[::1]:8443"), &opts);
    let plan = Plan::parse(&out.plan, "p.toml").unwrap_or_else(|e| panic!("{e}\n{}", out.plan));
    assert!(
        out.plan.contains("address = \"https://[::1]:10943\""),
        "{}",
        out.plan
    );
    assert!(
        ids(&plan, "east").contains(&"dc.east.tentacle.app01.tcp.1-10943".to_string()),
        "{:#?}",
        ids(&plan, "east")
    );
}

#[test]
fn group_by_parses_and_says_what_it_expects() {
    assert_eq!("environment".parse::<GroupBy>(), Ok(GroupBy::Environment));
    assert_eq!(
        "role:dc-".parse::<GroupBy>(),
        Ok(GroupBy::Role {
            prefix: "dc-".into()
        })
    );
    for bad in ["role:", "role", "pool", ""] {
        let e = bad.parse::<GroupBy>().unwrap_err();
        assert!(e.contains("expected `environment` or `role:PREFIX`"), "{e}");
    }
    let by_role = GroupBy::Role {
        prefix: "dc-".into(),
    };
    assert_eq!(by_role.pool_datacenter("DC East"), "east");
    assert_eq!(by_role.pool_datacenter("Build agents"), "build-agents");
    assert_eq!(GroupBy::Environment.pool_datacenter("DC East"), "dc-east");
}

#[test]
fn names_are_unique_slugs() {
    let mut n = Namer::default();
    assert_eq!(n.unique("Web 01"), "web-01");
    assert_eq!(n.unique("web-01"), "web-01-2");
    assert_eq!(n.unique("WEB_01"), "web-01-3");
    assert_eq!(n.unique("!!!"), "x");
}

fn feed(kind: &str, uri: &str) -> Feed {
    Feed {
        id: "Feeds-9".into(),
        name: "F".into(),
        feed_type: kind.into(),
        feed_uri: Some(uri.into()),
        username: None,
        password: Some(SensitiveValue { has_value: false }),
        package_acquisition_location_options: Vec::new(),
    }
}

#[test]
fn feed_kinds_urls_and_credentials() {
    let v3 = map_feed(
        &feed("NuGet", "https://api.nuget.example.com/v3/index.json"),
        "f",
    )
    .unwrap();
    assert_eq!(v3.kind, FeedKind::NugetV3);
    let v2 = map_feed(&feed("NuGet", "https://nuget.example.com/api/v2"), "f").unwrap();
    assert_eq!(v2.kind, FeedKind::NugetV2);
    let with_creds = map_feed(&feed("Helm", "https://bob:pw@charts.example.com/"), "f").unwrap();
    assert_eq!(with_creds.url, "https://charts.example.com/");
    assert!(with_creds.notes.iter().any(|n| n.contains("left out")));
    let docker = map_feed(&feed("Docker", "https://index.docker.io"), "f").unwrap();
    assert!(!docker.server_side);
    let mut private = feed("Maven", "https://repo.example.com/maven2/");
    private.username = Some("builder".into());
    private.password = Some(SensitiveValue { has_value: true });
    let m = map_feed(&private, "corp-maven").unwrap();
    assert_eq!(
        m.credentials,
        FeedCredentials::Basic {
            username_env: "FEED_CORP_MAVEN_USERNAME".into(),
            password_env: "FEED_CORP_MAVEN_PASSWORD".into()
        }
    );
    let e = map_feed(&feed("NuGet", "ftp://nuget.example.com/"), "f").unwrap_err();
    assert!(e.contains("expected an http(s) FeedUri"), "{e}");
    let e = map_feed(&feed("ArtifactoryGeneric", "https://a.example.com/"), "f").unwrap_err();
    assert!(e.contains("ArtifactoryGeneric"), "{e}");
    let mut none = feed("NuGet", "");
    none.feed_uri = None;
    assert!(
        map_feed(&none, "f")
            .unwrap_err()
            .contains("without a FeedUri")
    );
}

#[test]
fn a_feed_uris_user_info_never_reaches_the_plan_and_http_feeds_get_no_credentials() {
    const SECRET: &str = "s3cr/et?x#y";
    let mut inventory = fixture_inventory(SERVER);
    let feeds = &mut inventory.spaces[0].feeds;
    // Unusable URIs whose error quotes them: an ftp URI, and one the password breaks.
    let mut extra = feeds[1].clone();
    assert_eq!(extra.feed_type, "NuGet");
    feeds[1].feed_uri = Some(format!("ftp://bob:{SECRET}@nuget.example.com/"));
    feeds[2].feed_uri = Some(format!("https://bob:{SECRET}@charts.example.com/"));
    // A usable one with user info, and a plain-http one Octopus holds credentials for.
    extra.id = "Feeds-900".into();
    extra.name = "Inline".into();
    extra.feed_type = "Helm".into();
    extra.feed_uri = Some("https://bob:s3cret@charts.example.net/".into());
    let mut plain = extra.clone();
    plain.id = "Feeds-901".into();
    plain.name = "Plain".into();
    plain.feed_uri = Some("http://charts.example.org/".into());
    plain.username = Some("builder".into());
    plain.password = Some(SensitiveValue { has_value: true });
    feeds.push(extra);
    feeds.push(plain);
    let out = render(&inventory, &options("environment"));
    for part in ["s3cr", "et?x", "bob:"] {
        assert!(
            !out.plan.contains(part),
            "`{part}` in the plan:\n{}",
            out.plan
        );
    }
    assert!(
        out.plan.contains("ftp://***@nuget.example.com"),
        "{}",
        out.plan
    );
    assert!(
        out.plan.contains("https://***@charts.example.com"),
        "{}",
        out.plan
    );
    assert!(
        out.plan.contains("url = \"https://charts.example.net/\""),
        "{}",
        out.plan
    );
    let plan = Plan::parse(&out.plan, "p.toml").unwrap_or_else(|e| panic!("{e}\n{}", out.plan));
    let plain = plan
        .spec
        .feeds
        .iter()
        .find(|f| f.url.get_ref() == "http://charts.example.org/")
        .unwrap();
    assert!(plain.password_env.is_none() && plain.username_env.is_none());
    assert!(
        out.plan
            .contains("its FeedUri is plain http: checked without credentials")
    );
}

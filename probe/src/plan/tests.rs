use super::*;

fn parse(src: &str) -> Result<Plan, PlanError> {
    Plan::parse(src, "plan.toml")
}

#[test]
fn the_template_is_a_valid_plan_with_stable_ids() {
    let plan = parse(TEMPLATE).expect("template parses");
    assert_eq!(plan.datacenters(), ["east", "west"]);
    let ids: Vec<String> = plan
        .checks_for("east")
        .unwrap()
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "dc.east.dns.new-server",
            "dc.east.dns.new-server-polling",
            "dc.east.dns.old-server",
            "dc.east.dns.feed",
            "dc.east.dns.octopus-legacy-example-com",
            "dc.east.tcp.new-server-https",
            "dc.east.tcp.new-server-polling",
            "dc.east.tls.new-server-polling",
            "dc.east.octopus.old-server-api",
            "dc.east.octopus.new-server-api",
            "dc.east.octopus.new-server-certificate",
            "dc.east.local.clock-skew",
            "dc.east.tcp.sql",
            "dc.east.tcp.old-server-polling-closed",
            "dc.east.worker.east-workers.workers",
            "dc.east.worker.east-workers.sql01-example-com-1433",
            "dc.east.worker.east-workers.files-example-com-445",
            "dc.east.worker.east-workers.k8s-example-com-6443",
            "dc.east.worker.east-workers.new-server-polling",
            "dc.east.tentacle.app02-tentacle.tcp.octopus-example-com-10943",
            "dc.east.tentacle.app02-tentacle.tls.octopus-example-com-10943",
            "dc.east.feed.nuget",
            "dc.east.feed.registry",
            "dc.east.feed.charts",
            "dc.east.feed.artifacts",
        ]
    );
    assert_eq!(
        plan.secret_env_vars(),
        [
            "NUGET_API_KEY",
            "PROXY_PASSWORD",
            "REGISTRY_TOKEN",
            "OCTOPUS_API_KEY"
        ]
    );
    let west = plan.checks_for("west").unwrap();
    let tentacle = west
        .iter()
        .find(|c| c.id.as_str() == "dc.west.tcp.203-0-113-20-10933")
        .unwrap();
    assert_eq!(tentacle.title, "Listening Tentacle web01");
    assert_eq!(plan.resolvers_for("east").len(), 2);
    assert_eq!(
        plan.resolvers_for("west")
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>(),
        ["system", "192.0.2.53:53", "192.0.2.54:5353"]
    );
    assert_eq!(plan.waivers().len(), 1);
    assert_eq!(plan.sha256.len(), 64);
}

#[test]
fn unknown_key_is_an_error_with_line_and_column() {
    let err = parse("version = 1\n[defaults]\ntiemout = \"3s\"\n").unwrap_err();
    assert_eq!((err.line, err.column), (3, 1), "{err}");
    assert!(err.message.contains("unknown field `tiemout`"), "{err}");
    assert!(err.message.contains("expected `timeout`"), "{err}");
    assert!(err.to_string().starts_with("plan.toml:3:1: "));
}

#[test]
fn duration_without_unit_is_an_error_with_location() {
    let err = parse("version = 1\n[defaults]\ntimeout = 3\n").unwrap_err();
    assert_eq!(err.line, 3, "{err}");
    assert!(err.message.contains("with a unit"), "{err}");
}

#[test]
fn a_huge_duration_is_an_error_with_location_not_a_panic() {
    let err = parse("version = 1\n[defaults]\ntimeout = \"300000000000y\"\n").unwrap_err();
    assert_eq!((err.line, err.column), (3, 11), "{err}");
    assert!(
        err.message
            .contains("expected a duration of at most 24h, found `300000000000y`"),
        "{err}"
    );
}

#[test]
fn port_out_of_range_is_an_error_with_location() {
    let src = "version = 1\n[[datacenter]]\nname = \"east\"\n[[datacenter.tcp]]\ntarget = \"h.example.com:70000\"\n";
    let err = parse(src).unwrap_err();
    assert_eq!(err.line, 5, "{err}");
    assert!(err.message.contains("port from 1 to 65535"), "{err}");
}

#[test]
fn version_must_be_one() {
    let err = parse("version = 2\n").unwrap_err();
    assert_eq!((err.line, err.column), (1, 11), "{err}");
    assert!(err.message.contains("version = 1"));
    assert!(parse("").unwrap_err().message.contains("version"));
}

#[test]
fn waiver_must_name_an_existing_check() {
    let src = "version = 1\n[[datacenter]]\nname = \"east\"\n[[datacenter.tcp]]\nname = \"sql\"\ntarget = \"db.example.com:1433\"\n[[waive]]\nid = \"dc.east.tcp.sq1\"\nreason = \"r\"\nticket = \"t\"\n";
    let err = parse(src).unwrap_err();
    assert_eq!(err.line, 8, "{err}");
    assert!(err.message.contains("dc.east.tcp.sq1"));
}

#[test]
fn duplicate_ids_and_names_are_refused() {
    let src = "version = 1\n[[datacenter]]\nname = \"east\"\n[[datacenter.tcp]]\ntarget = \"db.example.com:1433\"\n[[datacenter.tcp]]\ntarget = \"db.example.com:1433\"\n";
    assert!(parse(src).unwrap_err().message.contains("distinct `name`"));
    let src = "version = 1\n[[datacenter]]\nname = \"east\"\n[[datacenter]]\nname = \"east\"\n";
    assert_eq!(parse(src).unwrap_err().line, 5);
    let src = "version = 1\n[[datacenter]]\nname = \"East DC\"\n";
    assert!(parse(src).unwrap_err().message.contains("lower-case"));
}

#[test]
fn server_url_must_be_https() {
    let src = "version = 1\n[new_server]\nurl = \"http://octopus.example.com\"\n";
    let err = parse(src).unwrap_err();
    assert_eq!(err.line, 3);
    assert!(err.message.contains("https://"));
    assert_eq!(
        server_url_endpoint("https://acme.octopus.app").unwrap(),
        Endpoint::new("acme.octopus.app", 443)
    );
    assert_eq!(
        server_url_endpoint("https://[2001:db8::1]:8443/").unwrap(),
        Endpoint::new("2001:db8::1", 8443)
    );
}

#[test]
fn bad_thumbprint_is_refused() {
    let src = "version = 1\n[new_server]\nthumbprint = \"ABC\"\n";
    let err = parse(src).unwrap_err();
    assert_eq!(err.line, 3);
    assert!(err.message.contains("40 hex digits"));
}

mod untrusted {
    //! Plans are untrusted input: no byte sequence may panic the parser, and
    //! every error names the file and a location inside it.

    use super::*;
    use proptest::prelude::*;

    fn check_error(src: &str, err: &PlanError) {
        assert_eq!(err.file, "plan.toml");
        let lines = src.lines().count().max(1);
        assert!(err.line <= lines + 1, "line {} of {lines}: {err}", err.line);
        assert!(!err.message.is_empty());
        assert!(err.to_string().starts_with("plan.toml"));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_text_never_panics(src in "\\PC{0,400}") {
            if let Err(err) = parse(&src) {
                check_error(&src, &err);
            }
        }

        #[test]
        fn mutated_template_never_panics(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<char>()), 1..8)
        ) {
            let mut chars: Vec<char> = TEMPLATE.chars().collect();
            for (at, op, c) in edits {
                if chars.is_empty() {
                    break;
                }
                let i = at.index(chars.len());
                match op {
                    0 => { chars.remove(i); }
                    1 => chars.insert(i, c),
                    _ => chars[i] = c,
                }
            }
            let src: String = chars.into_iter().collect();
            match parse(&src) {
                Ok(plan) => {
                    // A plan that parses still yields well-formed, prefixed ids.
                    for dc in plan.datacenters() {
                        for check in plan.checks_for(dc).unwrap() {
                            let prefix = format!("dc.{dc}.");
                            prop_assert!(check.id.as_str().starts_with(&prefix), "{}", check.id);
                        }
                    }
                }
                Err(err) => check_error(&src, &err),
            }
        }
    }
}

#[test]
fn worker_pools_compile_to_worker_checks_with_readable_port_names() {
    let plan = parse(
        r#"version = 1
[new_server]
polling = "polling.acme.octopus.app:443"
[[datacenter]]
name = "east"
  [[datacenter.worker_pool]]
  name = "East Workers"
  workers = ["worker01"]
  must_reach = [
    { target = "db.example.com:5432" },
    { target = "win01.example.com:5986", purpose = "remoting", severity = "warning" },
  ]
"#,
    )
    .unwrap();
    let checks = plan.checks_for("east").unwrap();
    let worker: Vec<&PlannedCheck> = checks
        .iter()
        .filter(|c| c.family() == report::Family::Worker)
        .collect();
    let ids: Vec<&str> = worker.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "dc.east.worker.east-workers.workers",
            "dc.east.worker.east-workers.db-example-com-5432",
            "dc.east.worker.east-workers.win01-example-com-5986",
            "dc.east.worker.east-workers.new-server-polling",
        ]
    );
    assert_eq!(worker[0].severity, Severity::Warning);
    assert_eq!(
        worker[1].title,
        "Worker pool East Workers: PostgreSQL (PostgreSQL, TCP 5432)"
    );
    assert_eq!(
        worker[2].title,
        "Worker pool East Workers: remoting (WinRM (HTTPS), TCP 5986)"
    );
    assert_eq!(worker[2].severity, Severity::Warning);
    assert_eq!(worker[3].target, "polling.acme.octopus.app:443");
    assert_eq!(worker[3].severity, Severity::Blocker);
}

#[test]
fn worker_pool_keys_are_checked() {
    let err = parse(
        "version = 1\n[[datacenter]]\nname = \"east\"\n  [[datacenter.worker_pool]]\n  name = \"p\"\n  must_reach = [{ target = \"db.example.com\" }]\n",
    )
    .unwrap_err();
    assert_eq!(err.line, 6, "{err}");
    assert!(err.message.contains("expected `host:port`"), "{err}");
    let err = parse(
        "version = 1\n[[datacenter]]\nname = \"east\"\n  [[datacenter.worker_pool]]\n  name = \"p\"\n  worker = [\"a\"]\n",
    )
    .unwrap_err();
    assert!(err.message.contains("unknown field `worker`"), "{err}");
}

#[test]
fn tentacles_in_the_plan_get_polling_and_trust_checks() {
    let new = "8E7D6C5B4A3928170F6E5D4C3B2A190817263544";
    let plan = parse(&format!(
        r#"version = 1
[new_server]
url = "https://acme.octopus.app"
thumbprint = "{new}"
[[datacenter]]
name = "east"
  [[datacenter.tentacle]]
  name = "app02-tentacle"
    [[datacenter.tentacle.trust]]
    style = "polling"
    thumbprint = "3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B"
    address = "https://octopus.example.com:10943"
    [[datacenter.tentacle.trust]]
    style = "polling"
    thumbprint = "1111111111111111111111111111111111111111"
    address = "https://octopus.example.com:10943/"
"#
    ))
    .unwrap();
    let checks = plan.checks_for("east").unwrap();
    let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    // Two thumbprints trusted at one address: one reachability check.
    assert_eq!(
        ids,
        [
            "dc.east.dns.new-server",
            "dc.east.tcp.new-server-https",
            "dc.east.octopus.new-server-api",
            "dc.east.local.clock-skew",
            "dc.east.tentacle.app02-tentacle.tcp.octopus-example-com-10943",
            "dc.east.tentacle.app02-tentacle.tls.octopus-example-com-10943",
            "dc.east.tentacle.app02-tentacle.trusts-new-server",
        ]
    );
    let by_id = |id: &str| checks.iter().find(|c| c.id.as_str() == id).unwrap();
    assert!(
        by_id("dc.east.tentacle.app02-tentacle.tcp.octopus-example-com-10943")
            .title
            .contains("1111111111111111111111111111111111111111")
    );
    // With two thumbprints trusted at one address the TLS check expects neither.
    match &by_id("dc.east.tentacle.app02-tentacle.tls.octopus-example-com-10943").spec {
        CheckSpec::Tls(tls) => {
            assert_eq!(tls.expected, crate::checks::tls::Expected::Server);
            assert_eq!(tls.thumbprint, None);
            assert!(tls.proxy.is_none());
        }
        other => panic!("{other:?}"),
    }
    let trust = by_id("dc.east.tentacle.app02-tentacle.trusts-new-server");
    assert_eq!(trust.family(), report::Family::Local);
    assert_eq!(trust.severity, Severity::Warning);
}

#[test]
fn a_polling_trust_needs_a_valid_address() {
    let base = "version = 1\n[[datacenter]]\nname = \"east\"\n  [[datacenter.tentacle]]\n  name = \"t\"\n    [[datacenter.tentacle.trust]]\n    style = \"polling\"\n    thumbprint = \"3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B\"\n";
    let err = parse(base).unwrap_err();
    assert_eq!(err.line, 5, "{err}");
    assert!(
        err.message.contains("a polling trust needs `address"),
        "{err}"
    );
    let err = parse(&format!(
        "{base}    address = \"octopus.example.com:10943\"\n"
    ))
    .unwrap_err();
    assert_eq!((err.line, err.column), (9, 15), "{err}");
    assert!(err.message.contains("expected an https://"), "{err}");
}

mod dns {
    use super::*;
    use crate::check::CheckSpec;
    use crate::checks::dns::AddressMatch;
    use crate::net::resolve::ResolverSpec;

    fn dns_checks(plan: &Plan, dc: &str) -> Vec<(String, crate::checks::dns::DnsSpec, Severity)> {
        plan.checks_for(dc)
            .unwrap()
            .iter()
            .filter_map(|c| match &c.spec {
                CheckSpec::Dns(d) => Some((c.id.to_string(), (**d).clone(), c.severity)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn the_template_compiles_its_dns_expectations() {
        let plan = parse(TEMPLATE).unwrap();
        let east = dns_checks(&plan, "east");
        let feed = &east.iter().find(|c| c.0 == "dc.east.dns.feed").unwrap().1;
        assert_eq!(feed.name, "packages.example.com");
        let want = feed.expect.addresses.as_ref().unwrap();
        assert_eq!(want.mode, AddressMatch::Exact);
        assert_eq!(want.addresses.len(), 2);
        assert_eq!(
            feed.expect.cname.as_deref(),
            Some("packages.cdn.example.net")
        );
        assert!(feed.expect.same_everywhere);
        let legacy = &east
            .iter()
            .find(|c| c.0 == "dc.east.dns.octopus-legacy-example-com")
            .unwrap();
        assert!(!legacy.1.expect.resolves);
        assert_eq!(legacy.2, Severity::Warning);
        let west = dns_checks(&plan, "west");
        assert!(west.iter().any(|c| c.1.expect.public));
        let old = east
            .iter()
            .find(|c| c.0 == "dc.east.dns.old-server")
            .unwrap();
        assert_eq!(old.2, Severity::Warning, "not repointed: a warning");
        assert!(old.1.expect.same_as.is_empty());
    }

    #[test]
    fn a_repointed_old_server_must_resolve_to_the_new_servers_names() {
        let src = "version = 1\n[old_server]\nurl = \"https://octopus.example.com\"\npolling = \"octopus.example.com:10943\"\nrepointed = true\n[new_server]\nurl = \"https://acme.octopus.app\"\npolling = \"polling.acme.octopus.app:443\"\n[[datacenter]]\nname = \"east\"\n";
        let plan = parse(src).unwrap();
        let checks = dns_checks(&plan, "east");
        let ids: Vec<&str> = checks.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            ids,
            [
                "dc.east.dns.new-server",
                "dc.east.dns.new-server-polling",
                "dc.east.dns.old-server"
            ]
        );
        let old = &checks[2];
        assert_eq!(old.2, Severity::Blocker);
        assert_eq!(
            old.1.expect.same_as,
            ["acme.octopus.app", "polling.acme.octopus.app"]
        );
        assert_eq!(plan.resolvers_for("east"), [ResolverSpec::System]);
    }

    #[test]
    fn ip_literal_servers_get_no_dns_check() {
        let src = "version = 1\n[new_server]\nurl = \"https://192.0.2.80\"\npolling = \"192.0.2.80:10943\"\n[[datacenter]]\nname = \"east\"\n";
        assert!(dns_checks(&parse(src).unwrap(), "east").is_empty());
    }

    #[test]
    fn bad_dns_entries_are_errors_with_their_location() {
        let dc = "version = 1\n[[datacenter]]\nname = \"east\"\n[[datacenter.dns]]\n";
        for (body, line, needle) in [
            ("host = \"192.0.2.10\"\n", 5, "found the IP address"),
            (
                "host = \"bad name.example.com\"\n",
                5,
                "expected a DNS name",
            ),
            (
                "host = \"a.example.com\"\nresolves = false\npublic = true\n",
                5,
                "cannot be combined with `public = true`",
            ),
            (
                "host = \"a.example.com\"\nmatch = \"contains\"\n",
                5,
                "no `addresses`",
            ),
            (
                "host = \"a.example.com\"\naddresses = [\"192.0.2.300\"]\n",
                6,
                "invalid IP address",
            ),
            (
                "host = \"a.example.com\"\nmatch = \"some\"\n",
                6,
                "`exact` or `contains`",
            ),
            (
                "host = \"a.example.com\"\nsame_as = [\"-- x\"]\n",
                5,
                "in `same_as`",
            ),
            (
                "host = \"a.example.com\"\nttl = 5\n",
                6,
                "unknown field `ttl`",
            ),
        ] {
            let err = parse(&format!("{dc}{body}")).unwrap_err();
            assert_eq!(err.line, line, "{body}: {err}");
            assert!(err.message.contains(needle), "{body}: {err}");
        }
    }

    #[test]
    fn resolver_lists_are_validated() {
        let err = parse("version = 1\n[dns]\nresolvers = [\"dns.example.com\"]\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.message.contains("expected \"system\""), "{err}");
        let err = parse("version = 1\n[dns]\nresolvers = []\n").unwrap_err();
        assert!(err.message.contains("at least one resolver"), "{err}");
        let err =
            parse("version = 1\n[[datacenter]]\nname = \"east\"\nresolvers = []\n").unwrap_err();
        assert_eq!(err.line, 4, "{err}");
        let err =
            parse("version = 1\n[new_server]\nurl = \"https://a.example.com\"\nrepointed = true\n")
                .unwrap_err();
        assert!(err.message.contains("[old_server] only"), "{err}");
        let err =
            parse("version = 1\n[old_server]\nurl = \"https://a.example.com\"\nrepointed = true\n")
                .unwrap_err();
        assert!(err.message.contains("needs a [new_server]"), "{err}");
    }
}

#[test]
fn feeds_compile_per_data_center_with_the_plan_proxy_and_cloud() {
    let plan = parse(TEMPLATE).unwrap();
    let west: Vec<&str> = plan
        .checks_for("west")
        .unwrap()
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert!(!west.contains(&"dc.west.feed.charts"), "{west:?}");
    assert!(west.contains(&"dc.west.feed.nuget"), "{west:?}");
    let nuget = plan
        .checks_for("east")
        .unwrap()
        .iter()
        .find(|c| c.id.as_str() == "dc.east.feed.nuget")
        .unwrap();
    let CheckSpec::Feed(feed) = &nuget.spec else {
        panic!("{:?}", nuget.spec)
    };
    assert!(
        feed.server_side && feed.cloud,
        "acme.octopus.app is Octopus Cloud"
    );
    assert_eq!(feed.via, crate::checks::feed::Via::Both);
    let proxy = feed.proxy.as_ref().unwrap();
    assert_eq!(proxy.route.url(), "http://proxy.example.com:3128");
    assert_eq!(proxy.no_proxy, ["intranet.example.com", "198.51.100.0/24"]);
}

#[test]
fn bad_feeds_are_errors_with_locations() {
    let base = "version = 1\n[[datacenter]]\nname = \"east\"\n";
    let cases = [
        (
            "[[feed]]\nname = \"n\"\nkind = \"nuget-v4\"\nurl = \"https://x.example.com/\"\n",
            (6, 8),
            "unknown variant `nuget-v4`",
        ),
        (
            "[[feed]]\nname = \"n\"\nkind = \"helm\"\nurl = \"ftp://x.example.com/\"\n",
            (7, 7),
            "expected an http(s) URL",
        ),
        (
            "[[feed]]\nname = \"n\"\nkind = \"helm\"\nurl = \"https://u:pw@x.example.com/\"\n",
            (7, 7),
            "credentials belong in environment variables",
        ),
        (
            "[[feed]]\nname = \"n\"\nkind = \"helm\"\nurl = \"https://x.example.com/\"\npassword_env = \"P\"\n",
            (8, 16),
            "expected both `username_env` and `password_env`",
        ),
        // Credentials are never sent over plain http: refused where they are named.
        (
            "[[feed]]\nname = \"n\"\nkind = \"helm\"\nurl = \"http://x.example.com/\"\nusername_env = \"U\"\npassword_env = \"P\"\n",
            (9, 16),
            "`password_env` needs an https feed URL: http://x.example.com/ is plain http",
        ),
        (
            "[[feed]]\nname = \"n\"\nkind = \"docker\"\nurl = \"http://x.example.com:5000\"\ntoken_env = \"T\"\n",
            (8, 13),
            "`token_env` needs an https feed URL",
        ),
        (
            "[[feed]]\nname = \"n\"\nkind = \"helm\"\nurl = \"https://x.example.com/\"\nexpect_status = 204\n",
            (8, 17),
            "applies to kind = \"http\" only",
        ),
        (
            "[[feed]]\nname = \"n\"\nkind = \"helm\"\nurl = \"https://x.example.com/\"\ndatacenters = [\"north\"]\n",
            (8, 15),
            "no such [[datacenter]]",
        ),
        (
            "[proxy]\nurl = \"socks5://proxy.example.com:1080\"\n",
            (5, 7),
            "not TLS or SOCKS",
        ),
        // The polling check cannot speak TLS to a proxy, and neither can Tentacle:
        // refused here, never silently tested direct.
        (
            "[proxy]\nurl = \"https://proxy.example.com:3128\"\n",
            (5, 7),
            "expected an http:// proxy",
        ),
        (
            "[proxy]\nurl = \"http://proxy.example.com\"\n",
            (5, 7),
            "expected a port",
        ),
        (
            "[proxy]\nurl = \"http://u:pw@proxy.example.com:3128\"\n",
            (5, 7),
            "name the environment variables holding them",
        ),
    ];
    for (extra, (line, column), needle) in cases {
        let err = parse(&format!("{base}{extra}")).unwrap_err();
        assert!(err.message.contains(needle), "{extra}: {err}");
        assert_eq!((err.line, err.column), (line, column), "{extra}: {err}");
        assert!(!err.message.contains(":pw@"), "{err}");
    }
}

#[test]
fn identity_checks_compile_from_servers_and_tentacles() {
    let src = r#"
version = 1
[old_server]
url = "https://octopus.example.com/"
ca_file = "certs/corp.pem"
[new_server]
url = "https://acme.octopus.app"
polling = "polling.acme.octopus.app:443"
thumbprint = "3f9a0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b"
api_key_env = "OCTOPUS_API_KEY"
[[datacenter]]
name = "east"
  [[datacenter.tentacle]]
  name = "web01"
  host = "web01.example.com"
  listen_port = 10933
  thumbprint = "B2C3D4E5F60718293A4B5C6D7E8F901234567890"
  [[datacenter.tentacle]]
  name = "app02"
  polling_proxy = "proxy.example.com:3128"
    [[datacenter.tentacle.trust]]
    style = "polling"
    thumbprint = "3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B"
    address = "https://octopus.example.com:10943"
"#;
    let plan = Plan::parse(src, "/plans/acme/plan.toml").unwrap();
    let checks = plan.checks_for("east").unwrap();
    let by_id = |id: &str| {
        checks
            .iter()
            .find(|c| c.id.as_str() == id)
            .unwrap_or_else(|| {
                panic!(
                    "no {id} in {:?}",
                    checks.iter().map(|c| c.id.to_string()).collect::<Vec<_>>()
                )
            })
    };
    let CheckSpec::Tls(polling) = &by_id("dc.east.tls.new-server-polling").spec else {
        panic!("a TLS check")
    };
    assert_eq!(polling.expected, crate::checks::tls::Expected::Server);
    assert!(polling.cloud, "*.octopus.app is Octopus Cloud");
    assert_eq!(
        polling.thumbprint.as_ref().unwrap().as_str(),
        "3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B"
    );
    let CheckSpec::OctopusApi(old) = &by_id("dc.east.octopus.old-server-api").spec else {
        panic!("an API check")
    };
    assert_eq!(old.url, "https://octopus.example.com");
    assert_eq!(old.min_version.as_ref().unwrap().to_string(), "2021.1");
    assert_eq!(
        old.ca_file.as_deref(),
        Some(std::path::Path::new("/plans/acme/certs/corp.pem"))
    );
    let CheckSpec::OctopusApi(new) = &by_id("dc.east.octopus.new-server-api").spec else {
        panic!("an API check")
    };
    assert!(new.min_version.is_none());
    let CheckSpec::OctopusThumbprint(cert) = &by_id("dc.east.octopus.new-server-certificate").spec
    else {
        panic!("a certificate check")
    };
    assert_eq!(cert.api_key_env, "OCTOPUS_API_KEY");
    assert_eq!(
        cert.polling.as_ref().unwrap().endpoint.to_string(),
        "polling.acme.octopus.app:443"
    );
    assert!(
        checks
            .iter()
            .all(|c| c.id.as_str() != "dc.east.octopus.old-server-certificate"),
        "no API key for the old server"
    );
    let CheckSpec::Tls(web01) = &by_id("dc.east.tentacle.web01.tls").spec else {
        panic!("a TLS check")
    };
    assert_eq!(web01.endpoint.to_string(), "web01.example.com:10933");
    assert_eq!(web01.expected, crate::checks::tls::Expected::Tentacle);
    let CheckSpec::Tls(via) = &by_id("dc.east.tentacle.app02.tls.octopus-example-com-10943").spec
    else {
        panic!("a TLS check")
    };
    assert_eq!(
        via.proxy.as_ref().unwrap().endpoint.to_string(),
        "proxy.example.com:3128"
    );
    assert_eq!(plan.secret_env_vars(), ["OCTOPUS_API_KEY"]);
}

#[test]
fn polling_via_proxy_tunnels_the_polling_checks_through_the_plan_proxy() {
    let plan = parse(TEMPLATE).unwrap();
    let west = plan.checks_for("west").unwrap();
    let by_id = |id: &str| west.iter().find(|c| c.id.as_str() == id).unwrap();
    let CheckSpec::Tls(tls) = &by_id("dc.west.tls.new-server-polling").spec else {
        panic!("a TLS check")
    };
    let route = tls.proxy.as_ref().expect("through the proxy");
    assert_eq!(route.display(), "http://proxy.example.com:3128");
    assert_eq!(
        route.auth,
        crate::net::proxy::ProxyAuth::Env {
            username_env: "PROXY_USER".into(),
            password_env: "PROXY_PASSWORD".into()
        }
    );
    let CheckSpec::Tcp(tcp) = &by_id("dc.west.tcp.new-server-polling").spec else {
        panic!("a TCP check")
    };
    assert_eq!(tcp.endpoint.to_string(), "proxy.example.com:3128");
    // East polls directly.
    let east = plan.checks_for("east").unwrap();
    let tls = east
        .iter()
        .find(|c| c.id.as_str() == "dc.east.tls.new-server-polling")
        .unwrap();
    let CheckSpec::Tls(tls) = &tls.spec else {
        panic!()
    };
    assert!(tls.proxy.is_none());

    let err = parse("version = 1\n[[datacenter]]\nname = \"east\"\npolling_via = \"proxy\"\n")
        .unwrap_err();
    assert_eq!((err.line, err.column), (4, 15), "{err}");
    assert!(err.message.contains("needs a [proxy] section"), "{err}");
}

/// The bug this model fixed: an `https://` proxy was accepted by the plan,
/// dropped by the polling path, and the polling checks silently went direct.
#[test]
fn an_https_proxy_is_refused_at_plan_check_for_polling_and_feeds() {
    let plan = |proxy_url: &str| {
        format!(
            "version = 1\n[new_server]\npolling = \"polling.example.com:10943\"\n\
             [[datacenter]]\nname = \"west\"\npolling_via = \"proxy\"\n\
             [proxy]\nurl = \"{proxy_url}\"\n\
             [[feed]]\nname = \"nuget\"\nkind = \"nuget-v3\"\nurl = \"https://nuget.example.com/v3/index.json\"\nvia = \"proxy\"\n"
        )
    };
    let err = parse(&plan("https://proxy.example.com:3128")).unwrap_err();
    assert_eq!((err.line, err.column), (8, 7), "{err}");
    assert!(err.message.contains("expected an http:// proxy"), "{err}");

    // The same plan with http:// tunnels polling and feeds through that proxy.
    let ok = parse(&plan("http://proxy.example.com:3128")).unwrap();
    let west = ok.checks_for("west").unwrap();
    let spec = |id: &str| &west.iter().find(|c| c.id.as_str() == id).unwrap().spec;
    let CheckSpec::Tls(tls) = spec("dc.west.tls.new-server-polling") else {
        panic!("a TLS check")
    };
    assert_eq!(
        tls.proxy.as_ref().map(|r| r.url()).as_deref(),
        Some("http://proxy.example.com:3128")
    );
    let CheckSpec::Feed(feed) = spec("dc.west.feed.nuget") else {
        panic!("a feed check")
    };
    assert_eq!(
        feed.proxy.as_ref().map(|p| p.route.url()).as_deref(),
        Some("http://proxy.example.com:3128")
    );
}

#[test]
fn a_tentacle_host_with_cr_lf_is_refused_where_it_is_written() {
    let src = "version = 1\n[[datacenter]]\nname = \"east\"\n  [[datacenter.tentacle]]\n  name = \"t\"\n  host = \"web01\\r\\nX-Injected: 1\"\n  listen_port = 10933\n";
    let err = parse(src).unwrap_err();
    assert_eq!((err.line, err.column), (6, 10), "{err}");
    assert!(
        err.message.contains(
            "expected a host name (letters, digits, `-`, `.`, `_`) or an IP address, found `web01\\x0D\\x0AX-Injected: 1` (control characters are refused"
        ),
        "{err}"
    );
    assert!(!err.to_string().contains('\r'), "{err:?}");
}

#[test]
fn a_plan_file_is_read_up_to_4_mib_exactly() {
    assert_eq!(MAX_PLAN_BYTES, 4 * 1024 * 1024);
    let dir = std::env::temp_dir().join(format!("preflight-plan-cap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A valid plan padded with a comment to exactly the cap, then one byte more.
    let head = "version = 1\n#";
    let at_cap = format!(
        "{head}{}\n",
        "x".repeat(MAX_PLAN_BYTES as usize - head.len() - 1)
    );
    assert_eq!(at_cap.len() as u64, MAX_PLAN_BYTES);
    let path = dir.join("at-cap.toml");
    std::fs::write(&path, &at_cap).unwrap();
    Plan::load(&path).unwrap();
    let over = dir.join("over.toml");
    std::fs::write(&over, format!("{at_cap}\n")).unwrap();
    let err = Plan::load(&over).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: expected a plan of at most 4 MiB (4194304 bytes), found a larger file: is this the plan?",
            over.display()
        )
    );
    // Bytes that are not UTF-8 are located.
    let binary = dir.join("binary.toml");
    std::fs::write(&binary, b"version = 1\n# caf\xe9\n").unwrap();
    let err = Plan::load(&binary).unwrap_err();
    assert_eq!((err.line, err.column), (2, 6), "{err}");
    assert!(err.message.contains("expected UTF-8 text"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

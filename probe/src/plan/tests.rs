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
            "dc.east.tcp.new-server-https",
            "dc.east.tcp.new-server-polling",
            "dc.east.tcp.sql",
            "dc.east.tcp.old-server-polling-closed",
        ]
    );
    let west = plan.checks_for("west").unwrap();
    assert_eq!(west[2].id.as_str(), "dc.west.tcp.203-0-113-20-10933");
    assert_eq!(west[2].title, "Listening Tentacle web01");
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

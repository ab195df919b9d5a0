use std::path::PathBuf;

use proptest::prelude::*;

use super::instances::Source;
use super::*;
use crate::endpoint::Endpoint;

const SERVER: &str = "3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/tentacle")
        .join(name)
}

fn load(name: &str) -> TentacleConfig {
    TentacleConfig::load(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

#[test]
fn listening_fixture() {
    let c = load("listening.config");
    assert!(c.listening);
    assert_eq!(c.port, 10933);
    assert_eq!(c.listen_ip, None);
    assert_eq!(
        c.thumbprint.as_ref().unwrap().as_str(),
        "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678"
    );
    assert!(c.certificate_present);
    assert_eq!(c.trusted.len(), 1);
    assert_eq!(c.trusted[0].style, CommunicationStyle::Listening);
    assert_eq!(c.trusted[0].thumbprint.as_str(), SERVER);
    assert_eq!(c.trusted[0].address, None);
    assert_eq!(c.polling_proxy, ProxySetting::System);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}

#[test]
fn polling_fixture() {
    let c = load("polling.config");
    assert!(!c.listening);
    let polling: Vec<_> = c.polling().collect();
    assert_eq!(polling.len(), 1);
    assert_eq!(polling[0].0.style, CommunicationStyle::Polling);
    assert_eq!(polling[0].1.url, "https://octopus.example.com:10943");
    assert_eq!(
        polling[0].1.endpoint,
        Endpoint::new("octopus.example.com", 10943)
    );
    assert!(c.trusts(&SERVER.to_lowercase().parse().unwrap()));
}

#[test]
fn several_servers_with_both_style_spellings() {
    let c = load("several-servers.config");
    let styles: Vec<&str> = c.trusted.iter().map(|t| t.style.as_str()).collect();
    assert_eq!(styles, ["polling", "polling", "listening"]);
    let endpoints: Vec<String> = c.polling().map(|(_, a)| a.endpoint.to_string()).collect();
    assert_eq!(
        endpoints,
        ["octopus.example.com:10943", "polling.acme.octopus.app:443"]
    );
    assert!(c.listening);
    assert_eq!(c.port, 10935);
    assert_eq!(c.listen_ip, Some("192.0.2.15".parse().unwrap()));
    assert!(!c.certificate_present);
}

#[test]
fn proxy_fixture_keeps_the_endpoint_and_never_the_password() {
    let c = load("proxy.config");
    assert!(
        !c.listening,
        "NoListen `True` parses like .NET's bool.Parse"
    );
    assert_eq!(
        c.polling_proxy,
        ProxySetting::Custom {
            endpoint: Endpoint::new("proxy.example.com", 3128),
            credentials: true,
        }
    );
    assert_eq!(
        c.web_proxy,
        ProxySetting::Custom {
            endpoint: Endpoint::new("webproxy.example.com", 8080),
            credentials: false,
        }
    );
    let debug = format!("{c:?}");
    let json = serde_json::to_string(&c).unwrap();
    for secret in [
        "RklYVFVSRS1FTkNSWVBURUQtUFJPWFktUEFTU1dPUkQ=",
        "RklYVFVSRS1QUk9YWS1DRVJUSUZJQ0FURS1OT1QtUkVBTA==",
        "svc-tentacle",
    ] {
        assert!(!debug.contains(secret), "{secret} kept in {debug}");
        assert!(!json.contains(secret), "{secret} serialized in {json}");
    }
}

#[test]
fn truncated_fixture_is_an_error_with_path_and_position() {
    let err = TentacleConfig::load(&fixture("truncated.config")).unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("truncated.config:"), "{shown}");
    assert!(shown.contains("truncated"), "{shown}");
    assert!(err.line > 0, "{shown}");
}

#[test]
fn unknown_key_is_noted_not_an_error() {
    let c = load("unknown-key.config");
    assert_eq!(c.trusted[0].style, CommunicationStyle::Listening);
    assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
    assert!(c.notes[0].contains("Tentacle.Telemetry.FutureSetting"));
    // The value of a setting preflight does not read is not repeated.
    assert!(!c.notes[0].contains("enabled"));
}

fn parse(body: &str) -> Result<TentacleConfig, ConfigError> {
    TentacleConfig::parse(
        &format!("<?xml version=\"1.0\"?>\n<octopus-settings>\n{body}\n</octopus-settings>\n"),
        "t.config",
    )
}

#[test]
fn bad_values_are_problems_that_say_what_was_expected_and_where() {
    let cases = [
        (
            r#"<set key="Tentacle.Services.PortNumber">ten</set>"#,
            "t.config:3:1: Tentacle.Services.PortNumber: expected a port from 1 to 65535, found `ten`",
        ),
        (
            r#"<set key="Tentacle.Services.NoListen">yes</set>"#,
            "expected `true` or `false`, found `yes`",
        ),
        (
            r#"<set key="Tentacle.Services.ListenIP">everywhere</set>"#,
            "expected an IP address",
        ),
        (
            r#"<set key="Tentacle.CertificateThumbprint">3F9A</set>"#,
            "expected a SHA-1 thumbprint of 40 hex digits",
        ),
        (
            r#"<set key="Tentacle.Communication.TrustedOctopusServers">{"Thumbprint":"x"}</set>"#,
            "expected a JSON array",
        ),
        (
            r#"<set key="Tentacle.Communication.TrustedOctopusServers">[{"Thumbprint":"3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B","CommunicationStyle":2}]</set>"#,
            "trusted server #1 is polling but has no Address",
        ),
        (
            r#"<set key="Tentacle.Communication.TrustedOctopusServers">[{"Thumbprint":"3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B","CommunicationStyle":"TentacleActive","Address":"http://octopus.example.com:10943"}]</set>"#,
            "expected an https:// (or wss://) polling address",
        ),
        (
            r#"<set key="Tentacle.Communication.TrustedOctopusServers">[{"CommunicationStyle":1}]</set>"#,
            "trusted server #1 has no Thumbprint",
        ),
        (
            r#"<set key="Tentacle.Communication.TrustedOctopusServers">[{"Thumbprint":"3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B","CommunicationStyle":true}]</set>"#,
            "expected CommunicationStyle 1, 2",
        ),
    ];
    for (body, needle) in cases {
        let config = parse(body).unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(config.problems.len(), 1, "{body}: {:?}", config.problems);
        let problem = &config.problems[0];
        assert!(
            problem.to_string().contains(needle),
            "{body}\n  expected: {needle}\n  got:      {problem}"
        );
        assert!(problem.line > 0, "{problem}");
    }
}

#[test]
fn a_malformed_document_is_an_error_that_says_where() {
    let cases = [
        (
            "<set key=\"Tentacle.Services.PortNumber\">1</set>\n<set key=\"Tentacle.Services.PortNumber\">2</set>",
            "t.config:4:1: `Tentacle.Services.PortNumber` is set twice (first on line 3)",
        ),
        ("<set>1</set>", "expected a `key` attribute on <set>"),
        (
            r#"<set key="a"><b/></set>"#,
            "expected only text inside <set key=\"a\">, found the element <b>",
        ),
        (r#"<set key="a">&bogus;</set>"#, "unknown entity `&bogus;`"),
        (
            "stray text",
            "expected only <set> elements, found text `stray text`",
        ),
    ];
    for (body, needle) in cases {
        let err = parse(body).expect_err(body);
        assert!(
            err.to_string().contains(needle),
            "{body}\n  expected: {needle}\n  got:      {err}"
        );
        assert!(err.line > 0, "{err}");
    }
}

#[test]
fn documents_that_are_not_tentacle_configs() {
    for (text, needle) in [
        ("", "found no <octopus-settings> element"),
        (
            "<configuration/>",
            "expected the root element <octopus-settings>",
        ),
        ("<octopus-settings>", "ends before </octopus-settings>"),
        (
            "<octopus-settings><set key=\"a\">",
            "ends inside <set key=\"a\">",
        ),
        (
            "<octopus-settings></octopus-settings><x/>",
            "expected nothing after",
        ),
        ("<octopus-settings></wrong>", "not well-formed XML"),
    ] {
        let err = TentacleConfig::parse(text, "t.config").expect_err(text);
        assert!(err.to_string().contains(needle), "{text}: {err}");
    }
}

#[test]
fn entities_cdata_and_unknown_elements() {
    let c = parse(concat!(
        r#"<set key="Tentacle.Communication.TrustedOctopusServers">[{&quot;Thumbprint&quot;:"3F9A0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B","CommunicationStyle":&#50;,"Address":"https://octopus.example.com:10943/"}]</set>"#,
        "\n<set key=\"Tentacle.Services.PortNumber\"><![CDATA[10944]]></set>",
        "\n<extra><nested>text</nested></extra>"
    ))
    .unwrap();
    assert_eq!(c.trusted[0].style, CommunicationStyle::Polling);
    assert_eq!(c.port, 10944);
    assert!(
        c.notes.iter().any(|n| n.contains("<extra>")),
        "{:?}",
        c.notes
    );
}

#[test]
fn byte_order_marks_and_utf16_are_read() {
    let text = fixture_text("polling.config");
    let mut utf8_bom = vec![0xEF, 0xBB, 0xBF];
    utf8_bom.extend_from_slice(text.as_bytes());
    assert_eq!(decode_text(&utf8_bom).unwrap(), text);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(decode_text(&utf16).unwrap(), text);
    let (offset, message) = decode_text(b"<a>\xff</a>").unwrap_err();
    assert_eq!(offset, 3);
    assert!(message.contains("0xFF"), "{message}");
}

#[test]
fn the_instance_index_names_the_configs() {
    let found = discover(&Source::Machine {
        index_dir: fixture("instances"),
        defaults: vec![],
        registry: false,
    });
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    let names: Vec<&str> = found.instances.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["Tentacle", "Web"]);
    assert!(!found.instances[0].config.listening);
    assert!(found.instances[1].config.listening);
}

#[test]
fn index_problems_are_reported_with_their_paths() {
    let dir = tempdir("index-problems");
    std::fs::write(dir.join("broken.config"), "{\"Name\": ").unwrap();
    std::fs::write(
        dir.join("missing.config"),
        r#"{"Name":"Gone","ConfigurationFilePath":"/nonexistent/preflight/tentacle.config"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("truncated.config"),
        format!(
            r#"{{"Name":"Cut","ConfigurationFilePath":{:?}}}"#,
            fixture("truncated.config").display().to_string()
        ),
    )
    .unwrap();
    let found = discover(&Source::Machine {
        index_dir: dir.clone(),
        defaults: vec![fixture("listening.config")],
        registry: false,
    });
    assert!(found.instances.is_empty());
    let errors: Vec<String> = found.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].contains("broken.config:1:") && errors[0].contains("instance index entry"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].contains("/nonexistent/preflight/tentacle.config: cannot read"),
        "{}",
        errors[1]
    );
    assert!(errors[2].contains("truncated.config:"), "{}", errors[2]);

    // No index at all: the default paths are tried.
    let found = discover(&Source::Machine {
        index_dir: dir.join("absent"),
        defaults: vec![fixture("listening.config"), dir.join("nope.config")],
        registry: false,
    });
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    assert_eq!(found.instances.len(), 1);
    assert_eq!(found.instances[0].name, "listening");
    std::fs::remove_dir_all(dir).unwrap();
}

fn tempdir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("preflight-tentacle-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_fragment_names_the_polling_address_and_thumbprint_and_is_a_valid_plan() {
    let found = discover(&Source::Files(vec![
        fixture("polling.config"),
        fixture("several-servers.config"),
        fixture("proxy.config"),
        fixture("truncated.config"),
    ]));
    let fragment = fragment::render("app02.example.com", &found.instances, &found.errors);
    assert!(
        fragment.contains("address = \"https://octopus.example.com:10943\""),
        "{fragment}"
    );
    assert!(
        fragment.contains(&format!("thumbprint = \"{SERVER}\"")),
        "{fragment}"
    );
    assert!(fragment.contains("name = \"app02-polling\""), "{fragment}");
    assert!(
        fragment.contains("polling_proxy = \"proxy.example.com:3128\""),
        "{fragment}"
    );
    assert!(fragment.contains("# not read: "), "{fragment}");
    for secret in ["RklYVFVSRS1", "svc-tentacle", "k3x7m2p9q4w8z1v5"] {
        assert!(!fragment.contains(secret), "{secret} in {fragment}");
    }
    let plan = format!(
        "version = 1\n[new_server]\nurl = \"https://acme.octopus.app\"\npolling = \"polling.acme.octopus.app:443\"\nthumbprint = \"{}\"\n[[datacenter]]\nname = \"east\"\n{fragment}",
        "8E7D6C5B4A3928170F6E5D4C3B2A190817263544"
    );
    let plan = crate::Plan::parse(&plan, "plan.toml").unwrap_or_else(|e| panic!("{e}\n{plan}"));
    let ids: Vec<String> = plan
        .checks_for("east")
        .unwrap()
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    assert!(
        ids.contains(&"dc.east.tentacle.app02-polling.tcp.octopus-example-com-10943".to_string()),
        "{ids:#?}"
    );
    assert!(
        ids.contains(
            &"dc.east.tentacle.app02-several-servers.tcp.polling-acme-octopus-app-443".to_string()
        ),
        "{ids:#?}"
    );
    assert!(
        ids.contains(&"dc.east.tentacle.app02-polling.trusts-new-server".to_string()),
        "{ids:#?}"
    );
    // The proxied Tentacle's TCP check goes to its proxy.
    let proxied = plan
        .checks_for("east")
        .unwrap()
        .iter()
        .find(|c| c.id.as_str() == "dc.east.tentacle.app02-proxy.tcp.octopus-example-com-10943")
        .unwrap();
    assert_eq!(proxied.target, "proxy.example.com:3128");
}

#[test]
fn hostile_values_cannot_inject_plan_keys() {
    let text = format!(
        "<octopus-settings><set key=\"Tentacle.Communication.TrustedOctopusServers\">[{{\"Thumbprint\":\"{SERVER}\",\"CommunicationStyle\":1}}]</set><set key=\"x&#10;[[waive]]\">v</set></octopus-settings>"
    );
    let config = TentacleConfig::parse(&text, "t.config").unwrap();
    let instance = Instance {
        name: "evil\"\n[[waive]]\nid = \"x".into(),
        path: PathBuf::from("/tmp/a\nversion = 2"),
        config,
        found_in: vec![Origin::Index],
        service: None,
    };
    let fragment = fragment::render("host\n[migration]", &[instance], &[]);
    let plan = format!("version = 1\n[[datacenter]]\nname = \"east\"\n{fragment}");
    let parsed = crate::Plan::parse(&plan, "plan.toml").unwrap_or_else(|e| panic!("{e}\n{plan}"));
    assert!(parsed.waivers().is_empty());
    assert!(parsed.migration().is_none());
    assert!(
        plan.contains("# host left out: `host?[migration]` is not a host name"),
        "{plan}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(text) = decode_text(&bytes) {
            let _ = TentacleConfig::parse(&text, "random.config");
        }
    }

    #[test]
    fn mutations_of_a_valid_file_never_panic(
        which in 0usize..5,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<char>()), 1..8),
    ) {
        let name = ["listening.config", "polling.config", "several-servers.config", "proxy.config", "unknown-key.config"][which];
        let mut chars: Vec<char> = fixture_text(name).chars().collect();
        for (at, op, c) in edits {
            if chars.is_empty() { break; }
            let i = at.index(chars.len());
            match op {
                0 => { chars.remove(i); }
                1 => chars.insert(i, c),
                2 => chars[i] = c,
                _ => chars.truncate(i),
            }
        }
        let text: String = chars.into_iter().collect();
        if let Ok(config) = TentacleConfig::parse(&text, name) {
            // Whatever parsed renders into a fragment that is a valid plan.
            let instance = Instance { name: "mutant".into(), path: PathBuf::from(name), config, found_in: vec![Origin::Given], service: None };
            let fragment = fragment::render("host", &[instance], &[]);
            let plan = format!("version = 1\n[[datacenter]]\nname = \"east\"\n{fragment}");
            let parsed = crate::Plan::parse(&plan, "plan.toml");
            prop_assert!(parsed.is_ok(), "{:?}\n{}", parsed.err(), plan);
        }
    }
}

/// Issue 18: one malformed field (the placeholder thumbprints of a
/// configuration-management test file) used to refuse the whole file.
#[test]
fn a_malformed_field_is_a_problem_and_the_rest_is_still_read() {
    let c = load("placeholders.config");
    assert_eq!(c.thumbprint, None, "the placeholder is not kept");
    assert_eq!(c.home.as_deref(), Some(r"C:\Octopus"));
    // The readable trust entry is kept whole; the other is kept as far as it is readable.
    assert_eq!(c.trusted.len(), 1);
    assert_eq!(c.trusted[0].thumbprint.as_str(), SERVER);
    assert_eq!(c.unread_trust.len(), 1);
    assert_eq!(c.unread_trust[0].number, 1);
    assert_eq!(
        c.unread_trust[0].address.as_deref(),
        Some("https://octopus.example.com:10943")
    );
    let problems: Vec<String> = c.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].contains("placeholders.config:7:")
            && problems[0].contains("Tentacle.CertificateThumbprint")
            && problems[0].contains("_ClientCertificateThumbprint_"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].contains("placeholders.config:8:")
            && problems[1].contains("trusted server #1")
            && problems[1].contains("_ServerCertificateThumbprint_"),
        "{}",
        problems[1]
    );
    // discover shows what was readable: the instance, its readable trust and the unreadable one's address.
    let found = discover(&Source::Files(vec![fixture("placeholders.config")]));
    assert_eq!(found.instances.len(), 1, "{:?}", found.errors);
    let fragment = fragment::render("app03", &found.instances, &found.errors);
    assert!(
        fragment.contains("address = \"https://octopus-dr.example.com:10943\""),
        "{fragment}"
    );
    assert!(
        fragment.contains("https://octopus.example.com:10943"),
        "{fragment}"
    );
    assert!(fragment.contains("# problem: "), "{fragment}");
    assert!(!fragment.contains("_CertificatePlaceholder_"), "{fragment}");
}

/// A Windows machine as discovery sees it: registry entries and service states.
struct FakeWindows {
    registry: Result<Vec<machine::RegistryEntry>, String>,
    services: Vec<(&'static str, ServiceState)>,
}

impl machine::MachineReads for FakeWindows {
    fn registry_instances(&self) -> Result<Vec<machine::RegistryEntry>, String> {
        self.registry.clone()
    }
    fn service_state(&self, service: &str) -> Option<ServiceState> {
        Some(
            self.services
                .iter()
                .find(|(name, _)| *name == service)
                .map_or(ServiceState::Missing, |(_, s)| s.clone()),
        )
    }
    fn paths_ignore_case(&self) -> bool {
        true
    }
}

#[test]
fn the_registry_and_the_index_are_merged_and_each_service_state_read() {
    let dir = tempdir("registry");
    let index = dir.join("Instances");
    std::fs::create_dir_all(&index).unwrap();
    let web = dir.join("Web Server").join("Tentacle.config");
    std::fs::create_dir_all(web.parent().unwrap()).unwrap();
    std::fs::copy(fixture("listening.config"), &web).unwrap();
    std::fs::write(
        index.join("web-server.config"),
        serde_json::json!({"Name": "Web Server", "ConfigurationFilePath": web}).to_string(),
    )
    .unwrap();
    let entry = |instance: &str, path: String| machine::RegistryEntry {
        instance: instance.into(),
        configuration_file_path: path,
    };
    let machine = FakeWindows {
        registry: Ok(vec![
            // Only in the registry, as older Tentacles record instances.
            entry("Legacy", fixture("polling.config").display().to_string()),
            // The index's instance again, its path in other letter case.
            entry("Web Server", web.display().to_string().to_uppercase()),
        ]),
        services: vec![
            ("OctopusDeploy Tentacle: Web Server", ServiceState::Running),
            ("OctopusDeploy Tentacle: Legacy", ServiceState::Stopped),
        ],
    };
    let source = Source::Machine {
        index_dir: index.clone(),
        defaults: vec![],
        registry: true,
    };
    let found = discover_with(&source, &machine);
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    let seen: Vec<(&str, &[Origin])> = found
        .instances
        .iter()
        .map(|i| (i.name.as_str(), i.found_in.as_slice()))
        .collect();
    assert_eq!(
        seen,
        [
            ("Web Server", &[Origin::Index, Origin::Registry][..]),
            ("Legacy", &[Origin::Registry][..]),
        ]
    );
    assert_eq!(
        found.instances[1].config.trusted[0].thumbprint.as_str(),
        SERVER
    );
    assert_eq!(
        found.instances[0].config.trusted[0].thumbprint.as_str(),
        SERVER
    );
    let legacy = found.instances[1].service.as_ref().unwrap();
    assert_eq!(legacy.name, "OctopusDeploy Tentacle: Legacy");
    assert_eq!(legacy.state, ServiceState::Stopped);

    // The stopped service is a warning naming the instance and the service.
    let outcome = service::assess(&found.instances[1].name, legacy);
    assert_eq!(outcome.status, report::Status::Warn);
    assert!(
        outcome.reason.contains("instance Legacy")
            && outcome
                .reason
                .contains("`OctopusDeploy Tentacle: Legacy` is stopped"),
        "{}",
        outcome.reason
    );
    let fragment = fragment::render("web01", &found.instances, &found.errors);
    assert!(
        fragment.contains("# found in the instance index and the registry"),
        "{fragment}"
    );
    assert!(
        fragment.contains(
            "# service: instance Legacy: service `OctopusDeploy Tentacle: Legacy` is stopped"
        ),
        "{fragment}"
    );
    assert!(fragment.contains("instance = \"Web Server\""), "{fragment}");

    // An unreadable registry key is an error naming it; the index is still read.
    let broken = FakeWindows {
        registry: Err("cannot open the key: Access is denied.".into()),
        services: vec![],
    };
    let found = discover_with(&source, &broken);
    assert_eq!(found.instances.len(), 1);
    assert_eq!(
        found.errors[0].to_string(),
        r"HKLM\SOFTWARE\Octopus\Tentacle: cannot open the key: Access is denied."
    );
    // Not a Windows machine: no registry read, no service.
    let found = discover_with(&source, &machine::NotWindows);
    assert_eq!(found.instances.len(), 1);
    assert_eq!(found.instances[0].service, None);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn windows_encodings_crlf_and_c_paths_parse_identically() {
    let utf8 = load("windows-utf8-bom.config");
    let utf16 = load("windows-utf16le-bom.config");
    assert_eq!(utf8, utf16);
    assert!(utf8.problems.is_empty(), "{:?}", utf8.problems);
    assert_eq!(utf8.home.as_deref(), Some(r"C:\Octopus\Web Server"));
    assert!(utf8.listening);
    assert_eq!(utf8.port, 10934);
    assert_eq!(
        utf8.thumbprint.as_ref().unwrap().as_str(),
        "C3D4E5F60718293A4B5C6D7E8F90123456789012"
    );
    let styles: Vec<&str> = utf8.trusted.iter().map(|t| t.style.as_str()).collect();
    assert_eq!(styles, ["polling", "listening"]);
    assert_eq!(
        utf8.trusted[0].address.as_ref().unwrap().url,
        "https://octopus.example.com:10943"
    );
    // No carriage return survives into a value or a note.
    let debug = format!("{utf8:?}");
    assert!(!debug.contains("\\r"), "{debug}");
    // Both render the same fragment but for the file's name.
    let render = |name: &str| {
        let path = fixture(name);
        let found = discover(&Source::Files(vec![path.clone()]));
        assert!(found.errors.is_empty(), "{:?}", found.errors);
        fragment::render("web03", &found.instances, &[])
            .replace(&path.display().to_string(), "FILE")
            .replace(name.trim_end_matches(".config"), "NAME")
    };
    let (a, b) = (
        render("windows-utf8-bom.config"),
        render("windows-utf16le-bom.config"),
    );
    assert_eq!(a, b);
    assert!(a.contains(r"# home: C:\Octopus\Web Server"), "{a}");
}

#[test]
fn a_windows_index_entry_keeps_its_c_path_and_the_name_with_spaces() {
    let found = discover(&Source::Machine {
        index_dir: fixture("windows-instances"),
        defaults: vec![],
        registry: false,
    });
    // The Windows path is kept as written, never joined to the index
    // directory: on Linux it names the file that cannot be read; on Windows
    // (or under Wine) it is read when it exists.
    let named: Vec<String> = found
        .instances
        .iter()
        .map(|i| i.path.display().to_string())
        .chain(found.errors.iter().map(|e| e.file.clone()))
        .collect();
    assert_eq!(named, [r"C:\Octopus\Web Server\Tentacle.config"]);
    for i in &found.instances {
        assert_eq!(i.name, "Web Server");
    }
    if cfg!(not(windows)) {
        assert!(
            found.errors[0].to_string().contains("cannot read"),
            "{}",
            found.errors[0]
        );
    }
}

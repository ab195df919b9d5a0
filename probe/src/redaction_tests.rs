//! The redaction guard, built from every family's real evidence: secrets
//! planted where each family could carry them (URLs with user info, proxy
//! answers, error text, a token in a redirect) go through the family's own
//! `assess`, into a report, through `report::redact` and every renderer, and
//! come out of none. A new `Family` does not compile until it is added here.

use report::model::{CheckId, CheckResult, Family, Severity};
use report::{Redactor, Report, Tool};

use crate::checks::{clock, dns, drift, feed, octopus, tcp, tls, worker};
use crate::contract::Outcome;
use crate::endpoint::Endpoint;
use crate::net::resolve::{DnsOutcome, ResolverAnswer};
use crate::net::tcp::{AddressProbe, PortState};

/// The value of a variable the plan names as a secret.
const ENV_SECRET: &str = "Zq9-env-secret-VALUE";
const URL_PASSWORD: &str = "urlpass-7731";
const BEARER: &str = "bearer-tok-55aa66bb";
const API_KEY: &str = "API-ABCDEFGHIJKLMNOPQRSTUV12";
const BASIC: &str = "c3ZjOnVybHBhc3MtNzczMQ==";
const SECRETS: [&str; 5] = [ENV_SECRET, URL_PASSWORD, BEARER, API_KEY, BASIC];

fn tcp_evidence() -> tcp::TcpEvidence {
    tcp::TcpEvidence {
        resolver: Some(format!(
            "https://u:{URL_PASSWORD}@doh.example.com/dns-query"
        )),
        dns_error: None,
        addresses: vec![AddressProbe {
            address: "192.0.2.1:443".parse().unwrap(),
            state: PortState::Error,
            connect_ms: 1,
            error: Some(format!(
                "proxy said Proxy-Authorization: Basic {BASIC} ({ENV_SECRET})"
            )),
            source: Some("192.0.2.7".parse().unwrap()),
            source_from: Some(crate::net::tcp::SourceFrom::Route),
        }],
    }
}

fn tcp_spec() -> tcp::TcpSpec {
    tcp::TcpSpec {
        endpoint: Endpoint::new("svc.example.com", 443),
        expect: tcp::Expect::Open,
    }
}

fn tls_outcome() -> Outcome {
    let evidence = tls::TlsEvidence {
        target: "polling.example.com:10943".into(),
        proxy: Some(format!("http://svc:{URL_PASSWORD}@proxy.example.com:3128")),
        proxy_status: Some(format!("HTTP/1.1 407 token={BEARER}")),
        error: Some(tls::Failure {
            stage: tls::Stage::Proxy,
            kind: tls::FailureKind::ProxyAuthRequired,
            detail: format!("the proxy said {ENV_SECRET}"),
        }),
        ..tls::TlsEvidence::default()
    };
    let spec = tls::TlsSpec::new(
        Endpoint::new("polling.example.com", 10943),
        tls::Expected::Server,
    );
    tls::assess(&evidence, &spec, "east")
}

fn feed_outcome() -> Outcome {
    let spec = feed::FeedSpec::new(
        feed::FeedKind::NugetV3,
        "https://nuget.example.com/v3/index.json",
        feed::Via::Proxy,
    )
    .unwrap();
    let path = feed::PathEvidence {
        via: feed::PathVia::Proxy,
        url: format!("https://svc:{URL_PASSWORD}@nuget.example.com/v3/index.json"),
        final_url: Some(format!(
            "https://nuget.example.com/v3/index.json?access_token={BEARER}"
        )),
        proxy: Some(format!("http://svc:{URL_PASSWORD}@proxy.example.com:3128")),
        proxy_source: None,
        bypassed_by: None,
        redirects: vec![feed::Redirect {
            status: 302,
            location: format!("https://nuget.example.com/v3/?access_token={BEARER}"),
        }],
        answer: Err(feed::TransportError {
            stage: feed::Stage::ProxyAuth,
            message: format!("407 for {ENV_SECRET}"),
        }),
        login: None,
        authenticated: true,
        elapsed_ms: 1,
        unused_env_proxy: None,
        address: None,
        source: None,
    };
    let evidence = feed::FeedEvidence {
        paths: vec![path],
        ..feed::FeedEvidence::default()
    };
    feed::assess(&evidence, &spec, "east")
}

/// One family's real evidence, judged by its real assessment.
fn outcome(family: Family) -> Outcome {
    match family {
        Family::Tcp => tcp::assess(&tcp_evidence(), &tcp_spec(), "east"),
        Family::Dns => {
            let evidence = dns::DnsEvidence {
                name: "polling.example.com".into(),
                answers: vec![ResolverAnswer {
                    resolver: format!("https://u:{URL_PASSWORD}@doh.example.com/dns-query"),
                    outcome: DnsOutcome::Answer,
                    addresses: vec!["192.0.2.1".parse().unwrap()],
                    cname_chain: Vec::new(),
                    ttl_s: Some(300),
                    elapsed_ms: 3,
                    detail: Some(format!("token={BEARER} {ENV_SECRET}")),
                }],
                same_as: Vec::new(),
            };
            let spec = dns::DnsSpec {
                name: "polling.example.com".into(),
                expect: dns::DnsExpect::default(),
            };
            dns::assess(&evidence, &spec, "east")
        }
        Family::Tls | Family::Halibut => tls_outcome(),
        Family::Octopus => {
            let evidence = octopus::ApiEvidence {
                url: format!("https://octopus.example.com/api?apikey={API_KEY}"),
                status: Some(401),
                body_start: Some(format!("X-Octopus-ApiKey: {API_KEY} {ENV_SECRET}")),
                ..octopus::ApiEvidence::default()
            };
            let spec = octopus::ApiSpec {
                url: "https://octopus.example.com".into(),
                min_version: None,
                ca_file: None,
            };
            octopus::assess_api(&evidence, &spec, "east")
        }
        Family::Feed => feed_outcome(),
        Family::Worker => {
            let spec = worker::WorkerTcpSpec {
                pool: "east-pool".into(),
                workers: vec!["w1".into(), "w2".into()],
                purpose: "SQL".into(),
                tcp: tcp_spec(),
            };
            worker::assess_reach(&tcp_evidence(), &spec, "east")
        }
        Family::Local => {
            let evidence = clock::ClockEvidence {
                url: format!("https://u:{URL_PASSWORD}@acme.octopus.app/api"),
                status: None,
                server_date: None,
                local_time: "2026-11-23T10:00:00Z".into(),
                skew_s: None,
                elapsed_ms: 1,
                error: Some(format!("Authorization: Bearer {BEARER} ({ENV_SECRET})")),
            };
            clock::assess(&evidence, "east")
        }
        Family::Readiness => {
            use crate::checks::readiness::{self, ReadError, ServerEvidence};
            // An endpoint that failed with the key in its URL and message
            // (a server that echoes it), judged by the rule that needed it.
            let mut evidence = ServerEvidence::empty("https://octopus.example.com");
            evidence.root = Err(ReadError {
                url: Some(format!(
                    "https://u:{URL_PASSWORD}@octopus.example.com/api?apikey={API_KEY}"
                )),
                status: Some(401),
                message: format!(
                    "X-Octopus-ApiKey: {API_KEY} was not accepted ({ENV_SECRET}, Bearer {BEARER})"
                ),
                permission: "none (anonymous)",
            });
            let spec = readiness::ReadinessSpec::new(
                readiness::Target::Cloud,
                readiness::Phase::Prep,
                None,
                None,
            )
            .unwrap();
            readiness::assess::version(&evidence, &spec).outcome
        }
        Family::Drift => drift::assess(&drift_evidence(), drift::DriftRule::PollingClones),
    }
}

/// Both instances with secrets where an API could hand them back: the
/// server URL, and names that end up in the clone scripts.
fn drift_evidence() -> drift::DriftEvidence {
    let polling = drift::Registration {
        name: format!("app01 {ENV_SECRET}"),
        style: "TentacleActive".into(),
        environments: vec![format!("Production apikey={API_KEY}")],
        roles: vec![format!("Authorization: Bearer {BEARER}")],
        tenants: vec![format!("Basic {BASIC}")],
        ..drift::Registration::default()
    };
    let space = |registrations| drift::SpaceRead {
        id: "Spaces-1".into(),
        name: "Default".into(),
        registrations,
        ..drift::SpaceRead::default()
    };
    let at = crate::since::parse_instant("2026-11-30T09:00:00Z").unwrap();
    drift::DriftEvidence {
        old: drift::InstanceRead {
            server: "https://old.example.com".into(),
            spaces: vec![space(vec![polling])],
            ..drift::InstanceRead::default()
        },
        new: drift::InstanceRead {
            server: format!("https://u:{URL_PASSWORD}@new.example.com"),
            thumbprint: Some("5E8B7D2C41A09F36E1D4C7B2A58F903D6E1C4B27".into()),
            spaces: vec![space(vec![])],
            ..drift::InstanceRead::default()
        },
        since: crate::since::Since(at),
        read_at: at,
        local: None,
    }
}

fn render_all(report: &Report) -> Vec<(&'static str, String)> {
    let mut documents = report::files::render_report_files(report).unwrap();
    let mut table = Vec::new();
    report::table::write_table(&mut table, report, Default::default()).unwrap();
    documents.push(("table", table));
    documents
        .into_iter()
        .map(|(name, bytes)| (name, String::from_utf8(bytes).unwrap()))
        .collect()
}

#[test]
fn no_secret_in_any_familys_real_evidence_reaches_any_format() {
    let results = Family::ALL
        .into_iter()
        .map(|family| {
            let o = outcome(family);
            CheckResult {
                id: CheckId::new(format!("adhoc.{family}.redaction")),
                family,
                title: format!("{family} check"),
                target: "svc.example.com:443".into(),
                severity: Severity::Blocker,
                status: o.status,
                reason: o.reason,
                remediation: o.remediation,
                evidence: o.evidence,
                elapsed_ms: 1,
                waiver: None,
            }
        })
        .collect();
    let mut report = Report::new(
        Tool {
            name: "preflight".into(),
            version: "0".into(),
        },
        None,
        "host".into(),
        "east".into(),
        None,
        "2026-11-23T08:58:34Z".into(),
        "2026-11-23T08:58:35Z".into(),
        String::new(),
        results,
    );
    let before = render_all(&report);
    for secret in SECRETS {
        assert!(
            before.iter().any(|(_, text)| text.contains(secret)),
            "{secret} is planted (otherwise this test proves nothing)"
        );
    }
    Redactor::new()
        .with_secrets([ENV_SECRET])
        .report(&mut report);
    report.seal();
    for (format, text) in render_all(&report) {
        for secret in SECRETS {
            assert!(
                !text.contains(secret),
                "{secret} leaked into {format}:\n{text}"
            );
        }
    }
}

//! Secrets fed through a result of every check family, in every place a
//! string can hide, reach no format.

use report::model::{CheckId, CheckResult, Family, Migration, Severity, Status, Waiver};
use report::{Redactor, Report, Tool};
use serde_json::{Value, json};

use crate::support::render_all;

/// The value of a variable the plan names as a secret.
const ENV_SECRET: &str = "Zq9-env-secret-VALUE";
const URL_PASSWORD: &str = "urlpass-7731";
const BEARER: &str = "bearer-tok-55aa66bb";
const API_KEY: &str = "API-ABCDEFGHIJKLMNOPQRSTUV12";
const PROXY_PASSWORD: &str = "prox-pw-123";
const BASIC: &str = "c3ZjOnVybHBhc3MtNzczMQ==";

const SECRETS: [&str; 6] = [
    ENV_SECRET,
    URL_PASSWORD,
    BEARER,
    API_KEY,
    PROXY_PASSWORD,
    BASIC,
];

/// Evidence shaped like each family's, with secrets where that family could leak them.
fn evidence(family: Family) -> Value {
    let common = json!({
        "note": format!("used {ENV_SECRET} from the environment"),
        "request_headers": [
            {"name": "Authorization", "value": format!("Bearer {BEARER}")},
            {"name": "X-Octopus-ApiKey", "value": API_KEY}
        ],
        "proxy": {"url": format!("http://svc:{PROXY_PASSWORD}@proxy.example.com:3128"), "password": PROXY_PASSWORD}
    });
    let specific = match family {
        Family::Tcp => json!({"addresses": [{"address": "192.0.2.1:443", "state": "error",
            "error": format!("proxy said Proxy-Authorization: Basic {BASIC}")}]}),
        Family::Dns => {
            json!({"resolvers": [{"resolver": format!("https://u:{URL_PASSWORD}@doh.example.com/dns-query"),
            "outcome": "answer", "addresses": ["192.0.2.1"]}]})
        }
        Family::Tls | Family::Halibut => {
            json!({"connect": format!("CONNECT via http://svc:{URL_PASSWORD}@proxy.example.com:3128"),
            "first_line": format!("HTTP/1.0 407 token={BEARER}")})
        }
        Family::Octopus => {
            json!({"url": format!("https://octopus.example.com/api?apikey={API_KEY}"), "api_key": API_KEY})
        }
        Family::Feed => {
            json!({"url": format!("https://svc:{URL_PASSWORD}@nuget.example.com/v3/index.json"),
            "final_url": format!("https://nuget.example.com/v3/index.json?access_token={BEARER}"),
            "credentials": {"user": "svc", "password": ENV_SECRET}})
        }
        // Worker, Local and any family added later: config-shaped evidence.
        // Each family's real evidence is guarded in probe/src/redaction_tests.rs.
        _ => {
            json!({"config": {"Octopus.Proxy.Password": PROXY_PASSWORD},
            "line": format!("password={ENV_SECRET}")})
        }
    };
    json!({"common": common, "specific": specific})
}

fn leaky_report() -> Report {
    let results = Family::ALL
        .into_iter()
        .map(|family| CheckResult {
            id: CheckId::new(format!(
                "adhoc.{family}.{}",
                report::model::slug(ENV_SECRET)
            )),
            family,
            title: format!("{family} check of https://svc:{URL_PASSWORD}@svc.example.com/"),
            target: format!("https://svc:{URL_PASSWORD}@svc.example.com/"),
            severity: Severity::Blocker,
            status: if family == Family::Local {
                Status::Waived
            } else {
                Status::Fail
            },
            reason: format!("401 with Authorization: Bearer {BEARER}"),
            remediation: Some(format!(
                "retry with X-Octopus-ApiKey: {API_KEY} or {ENV_SECRET}"
            )),
            evidence: evidence(family).into(),
            elapsed_ms: 1,
            waiver: (family == Family::Local).then(|| Waiver {
                reason: format!("known; key {ENV_SECRET}"),
                ticket: "CHG-1".into(),
                original_status: Status::Fail,
            }),
        })
        .collect();
    Report::new(
        Tool {
            name: "preflight".into(),
            version: "0".into(),
        },
        Some(Migration {
            name: format!("m {ENV_SECRET}"),
            ticket: Some("CHG-1".into()),
        }),
        "host".into(),
        "east".into(),
        Some(format!("op {ENV_SECRET}")),
        "2026-11-23T08:58:34Z".into(),
        "2026-11-23T08:58:35Z".into(),
        String::new(),
        results,
    )
}

#[test]
fn no_secret_of_any_family_reaches_any_format() {
    let mut report = leaky_report();
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
        assert!(
            text.contains("[redacted]")
                || format == "table"
                || format == "report.junit.xml"
                || format == "rules.csv"
                || text.contains("redacted"),
            "{format}"
        );
    }
    // What is not secret stays readable.
    let md = &render_all(&report)[0].1;
    assert!(md.contains("svc.example.com"), "{md}");
    assert!(md.contains("proxy.example.com:3128"), "{md}");
}

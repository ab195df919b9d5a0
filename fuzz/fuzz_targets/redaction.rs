//! `report::redact` over untrusted text, evidence and reports: never panic,
//! and a planted secret is gone from every string the redactor covers.
//!
//! The input is a secret, a NUL byte, then either free text or a report.json.
#![no_main]

use libfuzzer_sys::fuzz_target;
use report::Redactor;
use serde_json::Value;

/// Characters a replacement can add (`[redacted]`, the `@` kept after a
/// URL's userinfo, the space after a scheme): a secret made of none of them
/// cannot be re-formed by a replacement, so it must be gone.
fn checkable(secret: &str) -> bool {
    secret.chars().count() >= report::redact::MIN_SECRET_LEN
        && !secret.chars().any(|c| "[redacted]@ ".contains(c))
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                strings(v, out);
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some((secret, rest)) = text.split_once('\0') else {
        return;
    };
    let redactor = Redactor::new().with_secrets([secret]);
    let clean = redactor.text(rest);
    if checkable(secret) {
        assert!(!clean.contains(secret), "{secret:?} survived in {clean:?}");
    }
    if let Ok(mut value) = serde_json::from_str::<Value>(rest) {
        redactor.value(&mut value);
        if checkable(secret) {
            let mut all = Vec::new();
            strings(&value, &mut all);
            assert!(all.iter().all(|s| !s.contains(secret)), "{secret:?} survived");
        }
    }
    if let Ok(mut loaded) = report::load::parse_report(rest, "fuzz.json") {
        redactor.report(&mut loaded.report);
        if checkable(secret) {
            let r = &loaded.report;
            let mut all = vec![r.host.clone(), r.datacenter.clone()];
            all.extend(r.operator.clone());
            for c in &r.results {
                all.extend([
                    c.id.as_str().to_string(),
                    c.title.clone(),
                    c.target.clone(),
                    c.reason.clone(),
                ]);
                all.extend(c.remediation.clone());
                strings(c.evidence.json(), &mut all);
            }
            assert!(all.iter().all(|s| !s.contains(secret)), "{secret:?} survived");
        }
    }
});

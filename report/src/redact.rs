//! Redaction: credentials never reach a document.
//!
//! A [`Redactor`] runs over the whole [`Report`] before any renderer sees it
//! (and again over every report read back from disk). It removes:
//! - URL userinfo (`https://user:pass@host` → `https://[redacted]@host`);
//! - `Authorization` and `Proxy-Authorization` values, and `Bearer`/`Basic` tokens;
//! - values of anything named like a secret (`password=…`, `api_key: …`,
//!   `"token": "…"`, `X-Octopus-ApiKey: …`) in text and in evidence objects;
//! - token shapes that identify themselves (Octopus `API-…`, GitHub, AWS key ids, JWTs);
//! - the exact values of the environment variables the plan names as secrets
//!   (raw and percent-encoded).
//!
//! Redaction errs on the side of hiding: a false positive costs a word in a
//! report, a false negative leaks a credential into a change ticket. The one
//! exception is a placeholder a person fills in (`--apikey=<API key>`):
//! letters and spaces in angle brackets, no digit, kept so instructions read
//! whole; the exact secret values are replaced before any pattern runs.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex, RegexSet};
use serde_json::Value;

use crate::model::{CheckId, Evidence, Report, slug};
use crate::tcp::TcpEvidence;

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Secret values shorter than this are not replaced in free text: a two-letter
/// value would erase every occurrence of those letters from the report.
pub const MIN_SECRET_LEN: usize = 4;

/// Removes credentials from reports, text and evidence.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Exact secret values (and their percent-encoded forms), longest first.
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for the structural patterns only.
    pub fn new() -> Self {
        Redactor::default()
    }

    /// Also replaces these exact values wherever they appear (the values of
    /// the plan's secret environment variables).
    pub fn with_secrets<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for value in values {
            let value: String = value.into();
            if value.chars().count() < MIN_SECRET_LEN {
                continue;
            }
            let encoded = percent_encode(&value);
            if encoded != value {
                self.secrets.push(encoded);
            }
            self.secrets.push(value);
        }
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        self.secrets.dedup();
        self
    }

    /// Redacts every string of the report: header, results (target, reason,
    /// remediation, evidence keys and values, waivers) and ids.
    pub fn report(&self, report: &mut Report) {
        let Report {
            host,
            datacenter,
            operator,
            migration,
            results,
            ..
        } = report;
        self.in_place(host);
        self.in_place(datacenter);
        if let Some(op) = operator {
            self.in_place(op);
        }
        if let Some(m) = migration {
            self.in_place(&mut m.name);
            if let Some(t) = &mut m.ticket {
                self.in_place(t);
            }
        }
        // Typed TCP evidence keeps its fixed keys out of the JSON until it is
        // written; whether any of them would change is the same for every result.
        let tcp_keys_clean = TcpEvidence::KEYS
            .iter()
            .all(|key| !is_secret_key(key) && matches!(self.text(key), Cow::Borrowed(_)));
        for r in results {
            if let Some(id) = self.changed_id(&r.id) {
                r.id = id;
            }
            self.in_place(&mut r.title);
            self.in_place(&mut r.target);
            self.in_place(&mut r.reason);
            if let Some(rem) = &mut r.remediation {
                self.in_place(rem);
            }
            if let Some(w) = &mut r.waiver {
                self.in_place(&mut w.reason);
                self.in_place(&mut w.ticket);
            }
            self.evidence(&mut r.evidence, tcp_keys_clean);
        }
    }

    /// Redacts evidence. Typed TCP evidence stays typed when none of its
    /// text would change (almost always: addresses, states, resolver
    /// names); otherwise it is turned into its JSON form and redacted as
    /// any JSON is, so both forms come out the same.
    fn evidence(&self, evidence: &mut Evidence, tcp_keys_clean: bool) {
        match evidence {
            Evidence::Json(value) => self.value(value),
            Evidence::Tcp(typed, _) => {
                let changes = |text: &str| matches!(self.text(text), Cow::Owned(_));
                let touched = !tcp_keys_clean
                    || typed.any_free_text(changes)
                    || (!self.secrets.is_empty() && typed.any_fixed_text(changes));
                if touched {
                    let mut value = evidence.to_value().into_owned();
                    self.value(&mut value);
                    *evidence = Evidence::Json(value);
                }
            }
        }
    }

    /// Redacts a check id: a secret can reach one only slugged (from an ad-hoc target).
    pub fn id(&self, id: &CheckId) -> CheckId {
        self.changed_id(id).unwrap_or_else(|| id.clone())
    }

    /// The redacted id, when redaction changes it.
    fn changed_id(&self, id: &CheckId) -> Option<CheckId> {
        let mut text = self.text(id.as_str());
        for secret in &self.secrets {
            let slugged = slug(secret);
            if slugged.len() >= MIN_SECRET_LEN && text.contains(&slugged) {
                text = Cow::Owned(text.replace(&slugged, "redacted"));
            }
        }
        match text {
            Cow::Borrowed(_) => None,
            Cow::Owned(text) => Some(CheckId::new(text)),
        }
    }

    fn in_place(&self, text: &mut String) {
        if let Cow::Owned(clean) = self.text(text) {
            *text = clean;
        }
    }

    /// Redacts free text.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
            }
        }
        // Most text (addresses, states, reasons) holds nothing to redact:
        // the words every pattern needs rule it out first, then one pass of
        // the patterns as a set.
        if !may_match(&out) || !ANY_PATTERN.is_match(&out) {
            return out;
        }
        for (pattern, replacement) in PATTERNS.iter() {
            if let Cow::Owned(s) = pattern.replace_all(&out, replacement.as_str()) {
                out = Cow::Owned(s);
            }
        }
        if let Cow::Owned(s) = NAMED_VALUE.replace_all(&out, |c: &Captures| named_value(c)) {
            out = Cow::Owned(s);
        }
        if let Cow::Owned(s) = AUTHORIZATION.replace_all(&out, |c: &Captures| authorization(c)) {
            out = Cow::Owned(s);
        }
        if let Cow::Owned(s) = BASIC.replace_all(&out, |c: &Captures| basic_token(c)) {
            out = Cow::Owned(s);
        }
        out
    }

    /// Redacts a JSON value in place: every string (keys included) as text,
    /// and every value stored under a key named like a secret.
    pub fn value(&self, value: &mut Value) {
        match value {
            Value::String(s) => self.in_place(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v)),
            Value::Object(map) => {
                // A header list entry: {"name": "Authorization", "value": "…"}.
                let named_secret = ["name", "key", "header"]
                    .iter()
                    .filter_map(|k| map.get(*k).and_then(Value::as_str))
                    .any(is_secret_key);
                let secret = |key: &str| is_secret_key(key) || (named_secret && key == "value");
                if map
                    .keys()
                    .all(|key| matches!(self.text(key), Cow::Borrowed(_)))
                {
                    // The common case: no key to change, so the map stays as it is.
                    for (key, item) in map.iter_mut() {
                        if secret(key) {
                            blank(item);
                        } else {
                            self.value(item);
                        }
                    }
                    return;
                }
                let entries = std::mem::take(map);
                for (key, mut item) in entries {
                    let key = self.text(&key).into_owned();
                    if secret(&key) {
                        blank(&mut item);
                    } else {
                        self.value(&mut item);
                    }
                    map.insert(key, item);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// Replaces every non-empty string inside `value`; numbers and booleans stay
/// (a port or a `true` under a key named `token_ok` is not a credential).
fn blank(value: &mut Value) {
    match value {
        Value::String(s) if !s.is_empty() => *s = REDACTED.to_string(),
        Value::Array(items) => items.iter_mut().for_each(blank),
        Value::Object(map) => map.values_mut().for_each(blank),
        _ => {}
    }
}

/// True for keys that hold a credential (`password`, `proxy_password`,
/// `api_key`, `X-Octopus-ApiKey`, `Authorization`, `client_secret`, `token`),
/// false for keys that only name where one lives (`password_env`, `token_var`).
pub fn is_secret_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if k.ends_with("env") || k.ends_with("var") || k.ends_with("vars") {
        return false;
    }
    const ENDINGS: [&str; 15] = [
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "authorization",
        "cookie",
        "privatekey",
        "accesskey",
        "secretkey",
        "credential",
        "credentials",
        "sessionid",
    ];
    k == "auth" || ENDINGS.iter().any(|e| k.ends_with(e))
}

/// Fixed patterns and their replacements, applied in order.
static PATTERNS: LazyLock<Vec<(Regex, String)>> = LazyLock::new(|| {
    let rules: [(String, &str); 5] = [
        // Userinfo of any URL; greedy to the last `@` before the path, so a
        // password with an unescaped `@` goes too.
        (
            r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s?#@]*(?:@[^/\s?#@]*)*@".into(),
            "${1}[redacted]@",
        ),
        (
            r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}".into(),
            "${1} [redacted]",
        ),
        (r"\bAPI-[A-Z0-9]{16,}\b".into(), "API-[redacted]"),
        (
            r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|xox[abpr]-[A-Za-z0-9-]{10,})\b"
                .into(),
            "[redacted]",
        ),
        (
            r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*".into(),
            "[redacted]",
        ),
    ];
    rules
        .into_iter()
        .map(|(pattern, replacement)| {
            (
                Regex::new(&pattern).expect("static redaction pattern"),
                replacement.to_string(),
            )
        })
        .collect()
});

/// Names of things that hold a credential, as they appear before `=` or `:` in text.
const SECRET_NAMES: &str = r"[A-Za-z0-9_.-]*(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|session[_-]?id|credentials?)";

/// A placeholder a person fills in, in prose (`<API key>`, `<new server URL>`):
/// letters, spaces and `._-` between angle brackets, no digit. It is left
/// as it is wherever a credential would be redacted.
const PLACEHOLDER: &str = r"<[A-Za-z][A-Za-z ._-]{0,40}>";

/// key=value, key: value, "key": "value", ?key=value; the value runs to
/// the next space, quote or separator (a placeholder's spaces included).
static NAMED_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?i)\b({SECRET_NAMES})("?\s*[=:]\s*"?)({PLACEHOLDER}[^\s"&;,)]*|[^\s"&;,)]+)"#
    ))
    .expect("static redaction pattern")
});

static WHOLE_PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^{PLACEHOLDER}$")).expect("static redaction pattern"));

/// Keeps the name and the separator, drops the value unless it is a
/// placeholder (closing punctuation after it allowed: `` <API key>` ``).
fn named_value(c: &Captures) -> String {
    if WHOLE_PLACEHOLDER.is_match(c[3].trim_end_matches(['`', '\'', '.', ':', ']', '}'])) {
        c[0].to_string()
    } else {
        format!("{}{}{REDACTED}", &c[1], &c[2])
    }
}

/// Every pattern [`Redactor::text`] applies, as one set: text none of them
/// matches is returned as it is without running each.
static ANY_PATTERN: LazyLock<RegexSet> = LazyLock::new(|| {
    let patterns = PATTERNS.iter().map(|(p, _)| p.as_str()).chain([
        NAMED_VALUE.as_str(),
        AUTHORIZATION.as_str(),
        BASIC.as_str(),
    ]);
    RegexSet::new(patterns).expect("static redaction patterns")
});

/// Text in which some pattern of [`Redactor::text`] can match contains one
/// of these (ASCII letters in any case): each pattern needs one of them.
/// URL userinfo needs `://`; `bearer`, `basic`, `authorization`; a named
/// value a name (`password`, `passwd`, `passphrase` → `pass`; `pwd`;
/// `secret`; `token`; `api_key`, `access-key`, `private_key` → `key`;
/// `session_id` → `session`; `credentials`); the token shapes their
/// prefixes (`API-`, `ghp_` …, `github_pat_`, `AKIA`, `xox`, `eyJ`).
const NEEDED: [&str; 21] = [
    "://",
    "bearer",
    "basic",
    "authorization",
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "session",
    "credential",
    "api-",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "akia",
    "xox",
    "eyj",
];

static NEEDED_WORDS: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(NEEDED)
        .expect("static redaction words")
});

/// False only when no pattern can match `text`. Text that is not ASCII
/// always goes to the patterns: their `(?i)` folds Unicode (`K`, the
/// Kelvin sign, is a `k`), which this ASCII test does not.
fn may_match(text: &str) -> bool {
    !text.is_ascii() || NEEDED_WORDS.is_match(text)
}

/// `Authorization: <scheme> <credentials>` (and `Proxy-Authorization`), to the end of the line.
static AUTHORIZATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b((?:proxy-)?authorization"?\s*[:=]\s*"?)(?:(basic|bearer|digest|negotiate|ntlm|token|apikey)\s+)?([^\r\n"]+)"#,
    )
    .expect("static redaction pattern")
});

/// Keeps the header name and the scheme, drops the credentials (a
/// placeholder such as `<token>` stays).
fn authorization(c: &Captures) -> String {
    if WHOLE_PLACEHOLDER.is_match(c[3].trim_end()) {
        return c[0].to_string();
    }
    match c.get(2) {
        Some(scheme) => format!("{}{} {REDACTED}", &c[1], scheme.as_str()),
        None => format!("{}{REDACTED}", &c[1]),
    }
}

/// `Basic <base64>` outside a header line; judged by [`basic_token`].
static BASIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(basic)\s+([A-Za-z0-9+/]{6,}={0,2})").expect("static redaction pattern")
});

/// Redacts the token after `Basic` when it looks like base64 rather than a word
/// ("basic connectivity" stays).
fn basic_token(c: &Captures) -> String {
    let token = &c[2];
    let looks_encoded = token.ends_with('=')
        || token
            .chars()
            .any(|ch| ch.is_ascii_digit() || ch == '+' || ch == '/')
        || (token.chars().any(|ch| ch.is_ascii_uppercase())
            && token.chars().skip(1).any(|ch| ch.is_ascii_uppercase()));
    if looks_encoded {
        format!("{} {REDACTED}", &c[1])
    } else {
        c[0].to_string()
    }
}

/// Percent-encodes everything but unreserved characters, as a URL would carry it.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;

//! Redaction rules, one case each, plus idempotence.

use proptest::prelude::*;
use serde_json::json;

use super::*;

fn clean(text: &str) -> String {
    Redactor::new().text(text).into_owned()
}

#[test]
fn url_userinfo_goes_and_the_host_stays() {
    assert_eq!(
        clean("proxy http://alice:s3cr3t@proxy.example.com:3128 refused"),
        "proxy http://[redacted]@proxy.example.com:3128 refused"
    );
    assert_eq!(
        clean("https://TOKEN123@nuget.example.com/v3/index.json"),
        "https://[redacted]@nuget.example.com/v3/index.json"
    );
    assert_eq!(
        clean("https://bob:p@ss@feed.example.com/x"),
        "https://[redacted]@feed.example.com/x"
    );
    let plain = "https://feed.example.com/path?q=a@b";
    assert_eq!(clean(plain), plain, "an @ after the host is not userinfo");
}

#[test]
fn authorization_values_go_and_the_scheme_stays() {
    assert_eq!(
        clean("sent Authorization: Bearer abc.def.ghi"),
        "sent Authorization: Bearer [redacted]"
    );
    assert_eq!(
        clean("Proxy-Authorization: Basic YWxpY2U6c2VjcmV0"),
        "Proxy-Authorization: Basic [redacted]"
    );
    assert_eq!(clean("authorization=xyz"), "authorization=[redacted]");
    assert_eq!(
        clean("token in Bearer eyJhbGciOi-long-token"),
        "token in Bearer [redacted]"
    );
    assert_eq!(clean("Basic dXNlcjpwYXNz"), "Basic [redacted]");
    assert_eq!(
        clean("basic connectivity works"),
        "basic connectivity works"
    );
}

#[test]
fn values_named_like_secrets_go() {
    assert_eq!(
        clean("GET /api?apikey=API-ABCDEFGHIJKLMNOPQRST&x=1"),
        "GET /api?apikey=[redacted]&x=1"
    );
    assert_eq!(
        clean(r#"{"password": "hunter22", "user": "bob"}"#),
        r#"{"password": "[redacted]", "user": "bob"}"#
    );
    assert_eq!(
        clean("X-Octopus-ApiKey: API-0123456789ABCDEFGHIJ"),
        "X-Octopus-ApiKey: [redacted]"
    );
    assert_eq!(clean("proxy_password=pw!"), "proxy_password=[redacted]");
    let named = r#"password_env = "FEED_PASSWORD""#;
    assert_eq!(clean(named), named, "naming a variable is not a secret");
}

#[test]
fn placeholders_in_instructions_survive_and_real_values_still_go() {
    let line =
        "polling Tentacles `Tentacle poll-server --server=<new server URL> --apikey=<API key>`";
    assert_eq!(clean(line), line);
    assert_eq!(clean("password: <password>"), "password: <password>");
    assert_eq!(
        clean("send Authorization: Bearer <token>"),
        "send Authorization: Bearer <token>"
    );
    assert_eq!(
        clean("--apikey=API-0123456789ABCDEFGHIJ --server=https://octopus.example.com"),
        "--apikey=[redacted] --server=https://octopus.example.com"
    );
    // Not placeholders: a digit, an unclosed bracket, text after the bracket.
    assert_eq!(clean("--apikey=<hunter22>"), "--apikey=[redacted]");
    assert_eq!(clean("--apikey=<API key"), "--apikey=[redacted] key");
    assert_eq!(clean("token=<a>b"), "token=[redacted]");
    assert_eq!(
        clean("Authorization: Basic <user> dXNlcjpwYXNz"),
        "Authorization: Basic [redacted]"
    );
}

#[test]
fn self_identifying_tokens_go() {
    assert_eq!(
        clean("key API-0123456789ABCDEFGHIJ used"),
        "key API-[redacted] used"
    );
    assert_eq!(
        clean("ghp_abcdefghijklmnopqrstuvwxyz0123 AKIAABCDEFGHIJKLMNOP"),
        "[redacted] [redacted]"
    );
    assert_eq!(
        clean("jwt eyJhbGciOiJIUzI1.eyJzdWIiOiIx.c2lnbmF0dXJl end"),
        "jwt [redacted] end"
    );
}

#[test]
fn exact_secret_values_go_raw_and_percent_encoded() {
    let r = Redactor::new().with_secrets(["p@ss word!", "ab"]);
    assert_eq!(
        r.text("saw p@ss word! and p%40ss%20word%21 and ab")
            .into_owned(),
        "saw [redacted] and [redacted] and ab",
        "values shorter than {MIN_SECRET_LEN} are left alone"
    );
    let id = CheckId::new("adhoc.feed.https-user-p-ss-word-feed");
    assert_eq!(r.id(&id).as_str(), "adhoc.feed.https-user-redacted-feed");
}

#[test]
fn evidence_keys_named_like_secrets_are_blanked_but_names_of_variables_stay() {
    let mut v = json!({
        "url": "https://u:pw@feed.example.com/",
        "password_env": "FEED_PASSWORD",
        "proxy": {"url": "http://proxy.example.com:3128", "password": "hunter22", "port": 3128},
        "headers": [
            {"name": "Authorization", "value": "Bearer abc"},
            {"name": "Accept", "value": "application/json"}
        ],
        "Cookie": ["a=1", "b=2"],
        "token_ok": true
    });
    Redactor::new().value(&mut v);
    assert_eq!(
        v,
        json!({
            "url": "https://[redacted]@feed.example.com/",
            "password_env": "FEED_PASSWORD",
            "proxy": {"url": "http://proxy.example.com:3128", "password": "[redacted]", "port": 3128},
            "headers": [
                {"name": "Authorization", "value": "[redacted]"},
                {"name": "Accept", "value": "application/json"}
            ],
            "Cookie": ["[redacted]", "[redacted]"],
            "token_ok": true
        })
    );
}

#[test]
fn secret_key_names() {
    for k in [
        "password",
        "proxy_password",
        "api_key",
        "X-Octopus-ApiKey",
        "Authorization",
        "client_secret",
        "token",
        "auth",
    ] {
        assert!(is_secret_key(k), "{k}");
    }
    for k in [
        "password_env",
        "api_key_env",
        "thumbprint",
        "address",
        "auth_scheme",
        "secret_env_vars",
    ] {
        assert!(!is_secret_key(k), "{k}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn redaction_is_idempotent(text in "[ -~]{0,80}") {
        let r = Redactor::new().with_secrets(["hunter22"]);
        let once = r.text(&text).into_owned();
        let twice = r.text(&once).into_owned();
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn a_secret_never_survives_surrounding_text(
        before in "[ -~]{0,30}",
        after in "[ -~]{0,30}",
        secret in "[A-Za-z0-9!@#%^*]{8,20}",
    ) {
        let r = Redactor::new().with_secrets([secret.clone()]);
        let out = r.text(&format!("{before}{secret}{after}")).into_owned();
        prop_assert!(!out.contains(&secret), "{out}");
    }
}

/// Text each pattern matches, and text like it that none does.
const PATTERN_SAMPLES: [&str; 14] = [
    "proxy http://alice:s3cr3t@proxy.example.com:3128",
    "Authorization: Bearer abcdefgh12345678",
    "API-ABCDEFGHIJKLMNOP1234",
    "ghp_abcdefghijklmnopqrstuvwxyz",
    "github_pat_abcdefghijklmnopqrstuvwxyz",
    "AKIAABCDEFGHIJKLMNOP",
    "xoxb-1234567890-abc",
    "eyJhbGciOi.eyJzdWIiOi.sig",
    "PaSsWoRd=hunter2",
    "session-ID: abc",
    "X-Octopus-ApiKey: API-XXXX",
    "proxy-authorization=Basic dXNlcjpwYXNz",
    "basic dXNlcjpwYXNzd29yZA==",
    "client_credentials: yes",
];

#[test]
fn every_pattern_needs_one_of_the_words_it_is_screened_for() {
    for sample in PATTERN_SAMPLES {
        assert!(ANY_PATTERN.is_match(sample), "no pattern matches {sample}");
        assert!(may_match(sample), "{sample} screened out");
    }
    // What a port list's results hold is screened out without the patterns.
    for plain in [
        "127.0.2.1:30000",
        "refused: 127.0.2.1:30000 (67 ms)",
        "TCP reach polling.example.com:10943",
        "route",
        "literal",
    ] {
        assert!(!may_match(plain), "{plain}");
    }
    // Not ASCII: always to the patterns (Unicode case folding: the Kelvin sign is a k).
    assert!(may_match("api\u{212A}ey=hunter2"));
    assert!(ANY_PATTERN.is_match("api\u{212A}ey=hunter2"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// The screen never hides a match: text that any pattern matches
    /// always goes to the patterns.
    #[test]
    fn the_word_screen_never_hides_a_pattern_match(
        parts in prop::collection::vec(
            prop_oneof![
                "[ -~]{0,12}",
                "\\PC{0,6}",
                prop::sample::select(PATTERN_SAMPLES.to_vec()).prop_map(String::from),
                prop::sample::select(vec![
                    "://", "@", "=", ": ", "\"", " ", "Bearer ", "basic ", "API-", "gh", "p_",
                    "token", "pwd", "KEY", "Session_Id", "eyJ", "xoxa-", "AKIA",
                ])
                .prop_map(String::from),
            ],
            0..8,
        )
    ) {
        let text = parts.concat();
        if ANY_PATTERN.is_match(&text) {
            prop_assert!(may_match(&text), "{:?}", text);
        }
    }
}

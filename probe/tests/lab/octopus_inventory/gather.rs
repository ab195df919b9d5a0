//! Gathering against the fake API (HTTPS, a lab CA trusted through a CA
//! file): paging, spaces, errors that name the URL, the key kept out
//! of every message, and the collections read `MAX_IN_FLIGHT` at a time.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{fixture_inventory, fixtures};
use lab::certs::LabCa;
use lab::feeds::server_tls;
use lab::misbehaving::{Behaviour, Misbehaving};
use lab::octopus_api::{Delay, FakeOctopus, FakeOctopusOptions, Fault};
use probe::octopus_inventory::{ApiError, ClientOptions, GatherOptions, gather};

const KEY: &str = "API-LABKEY0123456789ABCDEFGHIJ";

struct Fake {
    api: FakeOctopus,
    ca_file: PathBuf,
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.ca_file);
    }
}

async fn fake(faults: &[(&str, Fault)]) -> Fake {
    fake_delayed(faults, Delay::None).await
}

async fn fake_delayed(faults: &[(&str, Fault)], delay: Delay) -> Fake {
    static N: AtomicUsize = AtomicUsize::new(0);
    let ca = LabCa::new("octopus-inventory test CA").unwrap();
    let cert = ca.issue("127.0.0.1", &["127.0.0.1"]).unwrap();
    let ca_file = std::env::temp_dir().join(format!(
        "preflight-octopus-inventory-{}-{}.pem",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let api = FakeOctopus::start(
        "127.0.0.1:0".parse().unwrap(),
        Some(server_tls(&cert).unwrap()),
        FakeOctopusOptions {
            fixtures: fixtures(),
            api_key: KEY.into(),
            replacements: Vec::new(),
            faults: faults
                .iter()
                .map(|(r, f)| (r.to_string(), f.clone()))
                .collect::<HashMap<_, _>>(),
            delay,
        },
    )
    .await
    .unwrap();
    Fake { api, ca_file }
}

fn options(fake: &Fake, key: &str) -> GatherOptions {
    GatherOptions {
        client: ClientOptions {
            server: fake.api.url.clone(),
            api_key: key.into(),
            key_source: "the environment variable OCTOPUS_API_KEY".into(),
            ca_file: Some(fake.ca_file.clone()),
            timeout: Duration::from_secs(5),
            max_pages: 50,
        },
        spaces: Vec::new(),
    }
}

async fn fails(faults: &[(&str, Fault)], key: &str) -> ApiError {
    let fake = fake(faults).await;
    let e = gather(&options(&fake, key)).await.unwrap_err();
    assert!(!e.to_string().contains(KEY), "the key leaked: {e}");
    e
}

#[tokio::test]
async fn the_whole_inventory_is_read_across_pages_and_spaces() {
    let fake = fake(&[]).await;
    let inventory = gather(&options(&fake, KEY)).await.unwrap();
    assert_eq!(inventory, fixture_inventory(&fake.api.url));
    let paths: Vec<String> = fake.api.seen().into_iter().map(|s| s.path).collect();
    for page in [
        "/api/spaces?skip=1&take=1",
        "/api/Spaces-1/machines?skip=2&take=2",
        "/api/Spaces-1/machines?skip=4&take=2",
        "/api/Spaces-1/workers?skip=2&take=2",
        "/api/Spaces-2/feeds?skip=0&take=100",
    ] {
        assert!(
            paths.contains(&page.to_string()),
            "{page} not requested: {paths:#?}"
        );
    }
}

#[tokio::test]
async fn space_names_select_spaces_and_an_unknown_one_lists_what_exists() {
    let fake = fake(&[]).await;
    let mut opts = options(&fake, KEY);
    opts.spaces = vec!["platform team".into()];
    let inventory = gather(&opts).await.unwrap();
    let ids: Vec<&str> = inventory
        .spaces
        .iter()
        .map(|s| s.space.id.as_str())
        .collect();
    assert_eq!(ids, ["Spaces-2"]);
    opts.spaces = vec!["Spaces-1".into(), "Ops".into()];
    let e = gather(&opts).await.unwrap_err().to_string();
    assert!(
        e.contains("--space Ops") && e.contains("Default, Platform Team"),
        "{e}"
    );
}

#[tokio::test]
async fn a_wrong_api_key_is_a_401_naming_the_url_and_the_variable() {
    let e = fails(&[], "API-WRONGKEY").await;
    let text = e.to_string();
    assert!(
        text.contains("/api/configuration/certificates/certificate-global")
            && text.contains("HTTP 401 Unauthorized")
            && text.contains(
                "the API key from the environment variable OCTOPUS_API_KEY was not accepted"
            ),
        "{text}"
    );
}

#[tokio::test]
async fn error_statuses_say_what_they_mean_and_never_echo_the_key() {
    let e = fails(
        &[("api/spaces", Fault::Status(403, "forbidden".into()))],
        KEY,
    )
    .await;
    assert!(
        e.to_string()
            .contains("HTTP 403 Forbidden: the API key's user may not read this"),
        "{e}"
    );
    let e = fails(
        &[("api/Spaces-2/feeds", Fault::Status(404, "gone".into()))],
        KEY,
    )
    .await;
    assert!(
        e.to_string()
            .contains("/api/Spaces-2/feeds?skip=0&take=100: HTTP 404"),
        "{e}"
    );
    // A server that puts the key it received into its error message.
    let e = fails(
        &[(
            "api/Spaces-1/workers",
            Fault::Status(500, "key {key} crashed the index".into()),
        )],
        KEY,
    )
    .await;
    let text = e.to_string();
    assert!(text.contains("HTTP 500 Internal Server Error: the server failed to answer; the server said: key <redacted> crashed"), "{text}");
}

#[tokio::test]
async fn a_malformed_page_names_its_url_and_shows_its_start() {
    let e = fails(
        &[(
            "api/Spaces-1/machines.skip-2",
            Fault::Fixture("faults/malformed-page.json".into()),
        )],
        KEY,
    )
    .await;
    let text = e.to_string();
    assert!(
        text.contains("/api/Spaces-1/machines?skip=2&take=2:"),
        "{text}"
    );
    assert!(
        text.contains("expected a page of deployment targets of space Default (Items, TotalResults, Links) as JSON, found malformed JSON"),
        "{text}"
    );
}

#[tokio::test]
async fn an_unexpected_shape_says_what_was_expected() {
    let e = fails(
        &[(
            "api/Spaces-1/machines.skip-2",
            Fault::Fixture("faults/unexpected-shape.json".into()),
        )],
        KEY,
    )
    .await;
    let text = e.to_string();
    assert!(
        text.contains("found JSON of another shape: invalid type: map, expected a sequence"),
        "{text}"
    );
    let e = fails(&[("api", Fault::Body(r#"{"Status":"ok"}"#.into()))], KEY).await;
    assert!(e.to_string().contains("expected the Octopus API root document (Application, Version, Links), found JSON of another shape: missing field `Application`"), "{e}");
    let e = fails(
        &[(
            "api",
            Fault::Body(r#"{"Application":"Jenkins","Version":"2.4"}"#.into()),
        )],
        KEY,
    )
    .await;
    assert!(
        e.to_string().contains("this is not an Octopus Server"),
        "{e}"
    );
}

#[tokio::test]
async fn paging_that_never_ends_stops_at_the_page_limit() {
    let fake = fake(&[("api/Spaces-1/environments", Fault::EndlessPaging)]).await;
    let mut opts = options(&fake, KEY);
    opts.client.max_pages = 7;
    let e = gather(&opts).await.unwrap_err().to_string();
    assert!(
        e.contains("stopped after 7 pages of environments of space Default"),
        "{e}"
    );
    let pages = fake
        .api
        .seen()
        .iter()
        .filter(|s| s.path.contains("environments"))
        .count();
    assert_eq!(pages, 7);
}

#[tokio::test]
async fn a_next_page_on_another_server_or_a_loop_is_refused() {
    let elsewhere = r#"{"Items":[{"Id":"Environments-1","Name":"P"}],"TotalResults":2,
        "Links":{"Page.Next":"https://127.0.0.2:9/api/Spaces-1/environments?skip=1"}}"#;
    let e = fails(
        &[("api/Spaces-1/environments", Fault::Body(elsewhere.into()))],
        KEY,
    )
    .await;
    assert!(e.to_string().contains("points to another server (`https://127.0.0.2:9`); the API key is only sent to https://127.0.0.1:"), "{e}");
    let looping = r#"{"Items":[{"Id":"Environments-1","Name":"P"}],"TotalResults":2,
        "Links":{"Page.Next":"/api/Spaces-1/environments?skip=0&take=100"}}"#;
    let e = fails(
        &[("api/Spaces-1/environments", Fault::Body(looping.into()))],
        KEY,
    )
    .await;
    assert!(
        e.to_string().contains("leads back to a page already read"),
        "{e}"
    );
}

#[tokio::test]
async fn an_untrusted_certificate_and_a_silent_server_fail_clearly() {
    let fake = fake(&[]).await;
    let mut opts = options(&fake, KEY);
    opts.client.ca_file = None;
    let e = gather(&opts).await.unwrap_err().to_string();
    assert!(e.starts_with(&format!("GET {}/api:", fake.api.url)), "{e}");
    assert!(e.to_lowercase().contains("certificate"), "{e}");

    // Never accepts (a DROP rule), and accepts but never answers.
    let dropped = lab::tcp::SilentPort::start().await.unwrap();
    let mute = Misbehaving::start(Behaviour::NeverSpeaks).await.unwrap();
    for (addr, expected) in [
        (dropped.addr, "no answer within 300ms"),
        (mute.addr, "no answer within 300ms"),
    ] {
        opts.client.server = format!("https://{addr}");
        opts.client.timeout = Duration::from_millis(300);
        let started = std::time::Instant::now();
        let e = gather(&opts).await.unwrap_err().to_string();
        assert!(e.contains(expected), "{e}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}

#[tokio::test]
async fn a_bad_server_url_or_empty_key_fails_before_any_request() {
    let fake = fake(&[]).await;
    let mut opts = options(&fake, "  ");
    let e = gather(&opts).await.unwrap_err().to_string();
    assert_eq!(e, "the environment variable OCTOPUS_API_KEY is empty");
    opts.client.api_key = KEY.into();
    opts.client.server = "octopus.example.com".into();
    let e = gather(&opts).await.unwrap_err().to_string();
    assert!(
        e.contains("expected the Octopus portal's URL like https://octopus.example.com"),
        "{e}"
    );
    assert!(fake.api.seen().is_empty());
}

#[tokio::test]
async fn http_is_refused_before_any_request_and_the_options_never_print_the_key() {
    let fake = fake(&[]).await;
    let mut opts = options(&fake, KEY);
    assert!(!format!("{:?}", opts.client).contains(KEY));
    // The fake speaks TLS only, so a plain request would reach it as a
    // handshake error; the refusal must come first, with nothing sent.
    opts.client.server = fake.api.url.replacen("https://", "http://", 1);
    let e = gather(&opts).await.unwrap_err().to_string();
    assert!(e.starts_with("refusing `http://127.0.0.1:"), "{e}");
    assert!(e.contains("in clear text over http://"), "{e}");
    assert!(!e.contains(KEY));
    assert!(fake.api.seen().is_empty());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    opts.client.server = format!("http://{}", listener.local_addr().unwrap());
    gather(&opts).await.unwrap_err();
    assert!(
        listener.accept().is_err(),
        "a connection was opened to an http:// server"
    );
}

#[tokio::test]
async fn a_server_from_before_spaces_is_read_without_space_prefixes() {
    let old_root =
        r#"{"Application":"Octopus Deploy","Version":"2018.10.3","Links":{"Self":"/api"}}"#;
    let fake = fake(&[("api", Fault::Body(old_root.into()))]).await;
    let mut opts = options(&fake, KEY);
    // The fixtures have no space-less routes: the first one asked for is a 404.
    let e = gather(&opts).await.unwrap_err().to_string();
    assert!(
        e.contains("/api/environments?skip=0&take=100: HTTP 404"),
        "{e}"
    );
    opts.spaces = vec!["Default".into()];
    let e = gather(&opts).await.unwrap_err().to_string();
    assert!(
        e.contains("(Octopus 2018.10.3) has no spaces (they came with 2019.1)"),
        "{e}"
    );
}

#[tokio::test]
async fn server_text_in_errors_is_one_line_without_control_characters_and_bounded() {
    use probe::octopus_api::{MAX_ERROR_MESSAGE, MAX_ERROR_URL};
    // An Application name that clears the screen, retitles the terminal and
    // goes on for 20 000 characters.
    let hostile = format!(
        r#"{{"Application":"Jenkins\u001b[2J\u001b]0;pwned\u0007\r\nFAKE: all checks passed {}","Version":"2.4"}}"#,
        "A".repeat(20_000)
    );
    let e = fails(&[("api", Fault::Body(hostile))], KEY).await;
    let text = e.to_string();
    assert!(text.contains("found \"Jenkins [2J ]0;pwned"), "{text}");
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert_eq!(
        e.message.chars().count(),
        MAX_ERROR_MESSAGE + 1,
        "cut, with its …"
    );
    assert!(e.message.ends_with('…'));
    // A Page.Next link is server text too.
    let link = format!(
        r#"{{"Items":[{{"Id":"Environments-1","Name":"P"}}],"TotalResults":2,
        "Links":{{"Page.Next":"https://[::1\u001b[31m{}"}}}}"#,
        "x".repeat(5_000)
    );
    let e = fails(&[("api/Spaces-1/environments", Fault::Body(link))], KEY).await;
    let text = e.to_string();
    assert!(text.contains("expected a URL in Links"), "{text}");
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(e.message.chars().count() <= MAX_ERROR_MESSAGE + 1);
    assert!(e.url.unwrap().chars().count() <= MAX_ERROR_URL + 1);
}

#[tokio::test]
async fn collections_are_read_concurrently_but_never_more_than_max_in_flight_at_once() {
    // Two spaces of five collections: ten reads, more than the bound.
    let fake = fake_delayed(&[], Delay::Fixed(Duration::from_millis(120))).await;
    let inventory = gather(&options(&fake, KEY)).await.unwrap();
    assert_eq!(inventory.spaces.len(), 2);
    assert_eq!(
        fake.api.most_in_flight(),
        probe::octopus_api::MAX_IN_FLIGHT,
        "parallel (not one at a time) and bounded (never more)"
    );
}

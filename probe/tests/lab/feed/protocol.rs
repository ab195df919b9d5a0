//! The protocol rules without a network: what each feed kind accepts (the
//! lab's feed documents) and how everything else fails. (assess.rs judges
//! paths, gather.rs runs `gather` against the loopback feed lab.)

use lab::feeds;
use probe::checks::feed::docker::{parse_challenge, token_from_json};
use probe::checks::feed::protocol::judge;
use probe::checks::feed::*;

pub(super) fn ex(status: u16, content_type: &str, body: &str) -> Exchange {
    Exchange {
        status,
        headers: vec![("content-type".into(), content_type.into())],
        body: body.as_bytes().to_vec(),
        truncated: false,
    }
}

pub(super) fn spec(kind: FeedKind, url: &str, via: Via) -> FeedSpec {
    FeedSpec::new(kind, url, via).unwrap()
}

#[test]
fn nuget_v3_index_passes_and_a_block_page_fails_with_its_first_bytes() {
    let ok = judge(
        FeedKind::NugetV3,
        &ex(200, "application/json", feeds::NUGET_V3_INDEX),
        200,
        false,
        None,
    );
    assert!(ok.ok, "{}", ok.detail);
    assert!(
        ok.detail.contains("version 3.0.0") && ok.detail.contains("PackageBaseAddress"),
        "{}",
        ok.detail
    );

    let block = judge(
        FeedKind::NugetV3,
        &ex(200, "text/html", feeds::BLOCK_PAGE_HTML),
        200,
        false,
        None,
    );
    assert!(!block.ok);
    assert!(
        block.detail.starts_with("not a NuGet v3 service index"),
        "{}",
        block.detail
    );
    assert!(
        block.detail.contains("text/html") && block.detail.contains("Access denied"),
        "{}",
        block.detail
    );

    let v2_json = r#"{"version": "2.0.0", "resources": []}"#;
    assert!(
        !judge(
            FeedKind::NugetV3,
            &ex(200, "application/json", v2_json),
            200,
            false,
            None
        )
        .ok
    );
    let no_types = r#"{"version": "3.0.0", "resources": [{"@type": "RegistrationsBaseUrl"}]}"#;
    let j = judge(
        FeedKind::NugetV3,
        &ex(200, "application/json", no_types),
        200,
        false,
        None,
    );
    assert!(
        !j.ok && j.detail.contains("neither PackageBaseAddress"),
        "{}",
        j.detail
    );
}

#[test]
fn status_codes_say_what_went_wrong() {
    let j = judge(
        FeedKind::NugetV3,
        &ex(401, "text/plain", "no"),
        200,
        true,
        None,
    );
    assert!(
        j.detail.contains("credentials were rejected"),
        "{}",
        j.detail
    );
    let j = judge(
        FeedKind::NugetV3,
        &ex(401, "text/plain", "no"),
        200,
        false,
        None,
    );
    assert!(j.detail.contains("wants credentials"), "{}", j.detail);
    let j = judge(
        FeedKind::Helm,
        &ex(404, "text/html", "<h1>404</h1>"),
        200,
        false,
        None,
    );
    assert!(!j.ok && j.detail.contains("HTTP 404"), "{}", j.detail);
    assert!(judge(FeedKind::Http, &ex(204, "", ""), 204, false, None).ok);
    let j = judge(
        FeedKind::Http,
        &ex(200, "text/html", "hi"),
        204,
        false,
        None,
    );
    assert!(
        !j.ok && j.detail.contains("expected HTTP 204"),
        "{}",
        j.detail
    );
}

#[test]
fn nuget_v2_service_document_and_metadata_pass_html_fails() {
    for body in [feeds::NUGET_V2_SERVICE, feeds::NUGET_V2_METADATA] {
        let j = judge(
            FeedKind::NugetV2,
            &ex(200, "application/xml", body),
            200,
            false,
            None,
        );
        assert!(j.ok, "{}", j.detail);
    }
    let j = judge(
        FeedKind::NugetV2,
        &ex(200, "text/html", feeds::BLOCK_PAGE_HTML),
        200,
        false,
        None,
    );
    assert!(
        !j.ok && j.detail.starts_with("not a NuGet v2"),
        "{}",
        j.detail
    );
    let other = "<?xml version=\"1.0\"?><rss><channel/></rss>";
    let j = judge(
        FeedKind::NugetV2,
        &ex(200, "application/xml", other),
        200,
        false,
        None,
    );
    assert!(!j.ok && j.detail.contains("<rss>"), "{}", j.detail);
}

#[test]
fn helm_and_maven_documents() {
    let j = judge(
        FeedKind::Helm,
        &ex(200, "application/x-yaml", feeds::HELM_INDEX),
        200,
        false,
        None,
    );
    assert!(j.ok && j.detail.contains("2 charts"), "{}", j.detail);
    let j = judge(
        FeedKind::Helm,
        &ex(200, "text/html", feeds::BLOCK_PAGE_HTML),
        200,
        false,
        None,
    );
    assert!(!j.ok && j.detail.contains("apiVersion"), "{}", j.detail);
    let mut big = ex(200, "application/x-yaml", feeds::HELM_INDEX);
    big.truncated = true;
    let j = judge(FeedKind::Helm, &big, 200, false, None);
    assert!(j.ok && j.detail.contains("first 2 MiB"), "{}", j.detail);

    let j = judge(
        FeedKind::Maven,
        &ex(200, "text/xml", feeds::MAVEN_METADATA_XML),
        200,
        false,
        None,
    );
    assert!(j.ok && j.detail.contains("2 versions"), "{}", j.detail);
    let login =
        "<html><form><input type=\"password\" name=\"p\"><a href=\"/help\">help</a></form></html>";
    assert!(
        !judge(
            FeedKind::Maven,
            &ex(200, "text/html", login),
            200,
            false,
            None
        )
        .ok
    );
    let listing = "<html><body><a href=\"org/\">org/</a></body></html>";
    let j = judge(
        FeedKind::Maven,
        &ex(200, "text/html", listing),
        200,
        false,
        None,
    );
    assert!(j.ok && j.detail.contains("weak evidence"), "{}", j.detail);
}

#[test]
fn docker_registry_401_differs_from_a_web_server_401() {
    let challenge =
        "Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\"";
    let registry = ex(401, "application/json", "{}");
    let mut registry = registry;
    registry
        .headers
        .push(("www-authenticate".into(), challenge.into()));
    registry.headers.push((
        "docker-distribution-api-version".into(),
        "registry/2.0".into(),
    ));
    let j = judge(FeedKind::Docker, &registry, 200, false, None);
    assert!(j.ok, "{}", j.detail);
    assert!(
        j.detail.contains("realm https://auth.example.com/token"),
        "{}",
        j.detail
    );

    let mut web = ex(401, "text/html", "<html>401</html>");
    web.headers
        .push(("www-authenticate".into(), "Basic realm=\"intranet\"".into()));
    let j = judge(FeedKind::Docker, &web, 200, false, None);
    assert!(!j.ok, "{}", j.detail);
    assert!(
        j.detail.contains("a web server asking for credentials"),
        "{}",
        j.detail
    );

    let trip_ok = LoginRoundTrip {
        scheme: "bearer".into(),
        token_issued: true,
        realm_status: Some(200),
        registry_status: Some(200),
        ..Default::default()
    };
    assert!(judge(FeedKind::Docker, &registry, 200, true, Some(&trip_ok)).ok);
    let trip_bad = LoginRoundTrip {
        scheme: "bearer".into(),
        realm_status: Some(401),
        error: Some("the realm returned no token".into()),
        ..Default::default()
    };
    let j = judge(FeedKind::Docker, &registry, 200, true, Some(&trip_bad));
    assert!(!j.ok && j.detail.contains("login failed"), "{}", j.detail);
}

#[test]
fn challenges_and_tokens_parse() {
    let c = parse_challenge(
        "Bearer realm=\"https://a.example.com/t\",service=\"r\",scope=\"repository:x:pull,push\"",
    )
    .unwrap();
    assert_eq!(c.scheme, "bearer");
    assert_eq!(c.param("realm"), Some("https://a.example.com/t"));
    assert_eq!(c.param("scope"), Some("repository:x:pull,push"));
    assert_eq!(
        parse_challenge("Basic realm=x").unwrap().param("realm"),
        Some("x")
    );
    assert_eq!(
        token_from_json(br#"{"access_token":"abc"}"#),
        Some("abc".into())
    );
    assert_eq!(token_from_json(b"<html>"), None);
}

use super::*;

#[test]
fn proxy_urls_parse_with_credentials_kept_out_of_display_and_debug() {
    let r = ProxyRoute::parse("http://svc%40corp:p%3Ass@proxy.example.com:8080").unwrap();
    assert_eq!(r.endpoint, Endpoint::new("proxy.example.com", 8080));
    assert_eq!(
        r.auth,
        ProxyAuth::Inline {
            username: "svc@corp".into(),
            password: "p:ss".into()
        }
    );
    assert_eq!(r.display(), "http://proxy.example.com:8080");
    assert!(!format!("{r:?}").contains("p:ss"));
    assert_eq!(
        ProxyRoute::parse("http://proxy.example.com")
            .unwrap()
            .endpoint
            .port,
        3128
    );
    let err = ProxyRoute::parse("https://user:secret@proxy.example.com").unwrap_err();
    assert!(err.contains("http://"), "{err}");
    assert!(!err.contains("secret"), "{err}");
    assert!(ProxyRoute::parse("proxy.example.com:3128").is_err());
}

#[test]
fn redact_url_removes_user_info() {
    assert_eq!(
        redact_url("http://u:p@proxy.example.com:3128/"),
        "http://proxy.example.com:3128"
    );
    assert_eq!(redact_url("not a url u:p@host"), "<redacted>@host");
}

#[test]
fn status_lines_parse_or_are_malformed() {
    assert_eq!(
        status_of(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n").unwrap(),
        (
            407,
            "HTTP/1.1 407 Proxy Authentication Required".to_string()
        )
    );
    assert!(matches!(status_of(b""), Err(TunnelError::Malformed(_))));
    assert!(matches!(
        status_of(b"SSH-2.0-x\r\n"),
        Err(TunnelError::Malformed(_))
    ));
}

#[tokio::test]
async fn missing_credential_variables_are_named() {
    let route = ProxyRoute::parse("http://127.0.0.1:9")
        .unwrap()
        .with_env_credentials(
            "PREFLIGHT_TEST_SURELY_UNSET_USER",
            "PREFLIGHT_TEST_SURELY_UNSET_PASS",
        );
    let err = open(
        &Resolvers::system(Duration::from_secs(1)),
        &route,
        &Endpoint::new("127.0.0.1", 10943),
        Duration::from_secs(1),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("PREFLIGHT_TEST_SURELY_UNSET_USER, which is not set"),
        "{err}"
    );
}

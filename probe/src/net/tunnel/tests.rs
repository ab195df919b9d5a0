use super::*;
use crate::net::proxy::ProxySource;

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
    let route = ProxyRoute::parse("http://127.0.0.1:9", ProxySource::CommandLine)
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
            .contains("PREFLIGHT_TEST_SURELY_UNSET_USER (the proxy username) is not set"),
        "{err}"
    );
}

//! The lab's welcome pages are what `halibut::identify` recognises.

use lab::tls::{Welcome, welcome_page};
use probe::checks::tls::HalibutRole;
use probe::checks::tls::halibut::{first_line, identify};

#[test]
fn welcome_pages_identify_server_and_tentacle() {
    let server = welcome_page(Welcome::Server);
    assert_eq!(identify(&server), HalibutRole::Server);
    assert_eq!(first_line(&server).as_deref(), Some("HTTP/1.0 200 OK"));
    assert_eq!(
        identify(&welcome_page(Welcome::Tentacle)),
        HalibutRole::Tentacle
    );
}

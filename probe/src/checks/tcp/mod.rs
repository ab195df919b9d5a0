//! TCP reachability: resolve the name, connect to every address (IPv4 and
//! IPv6) and classify each as open, refused, filtered or unreachable.
//! `gather` does the I/O (through `net::tcp`), `assess` judges it.

mod assess;
mod gather;

use serde::{Deserialize, Serialize};

use crate::endpoint::Endpoint;
pub use crate::net::tcp::{AddressProbe, PortState};

pub use assess::assess;
pub use gather::gather;

/// What a TCP check connects to and what it expects.
#[derive(Debug, Clone)]
pub struct TcpSpec {
    pub endpoint: Endpoint,
    pub expect: Expect,
}

/// Whether a target must be reachable or must be blocked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    #[default]
    Open,
    Blocked,
}

pub use report::tcp::TcpEvidence;

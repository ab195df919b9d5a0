//! A Tentacle as the checks see it, whether it was read from this machine
//! (`run --discover`) or from the plan (`[[datacenter.tentacle]]`).

use super::config::{CommunicationStyle, PollingAddress, ProxySetting, TrustedServer};
use super::instances::Instance;
use crate::endpoint::Endpoint;
use crate::thumbprint::Thumbprint;

/// One Tentacle instance and the servers it trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TentacleTarget {
    /// Part of every check id (`web01-tentacle`); `<host>-<instance>` when discovered.
    pub name: String,
    /// The instance name (`Tentacle`), used in the commands the remediation gives.
    pub instance: String,
    /// The machine it runs on, when known.
    pub host: Option<String>,
    /// Its own certificate thumbprint.
    pub thumbprint: Option<Thumbprint>,
    /// The port it listens on; none when it only polls.
    pub listen_port: Option<u16>,
    /// The HTTP proxy it polls through, when it names one.
    pub polling_proxy: Option<Endpoint>,
    /// The servers it trusts (listening or polling).
    pub trusts: Vec<TrustedServer>,
}

impl TentacleTarget {
    /// The target for an instance found on `host`.
    pub fn from_instance(instance: &Instance, host: &str) -> Self {
        let config = &instance.config;
        TentacleTarget {
            name: default_name(host, &instance.name),
            instance: instance.name.clone(),
            host: Some(host.to_string()),
            thumbprint: config.thumbprint.clone(),
            listen_port: config.listening.then_some(config.port),
            polling_proxy: match &config.polling_proxy {
                ProxySetting::Custom { endpoint, .. } => Some(endpoint.clone()),
                _ => None,
            },
            trusts: config
                .trusted
                .iter()
                .filter(|t| !matches!(t.style, CommunicationStyle::Other(_)))
                .cloned()
                .collect(),
        }
    }

    /// The polling servers it trusts, with their addresses.
    pub fn polling(&self) -> impl Iterator<Item = (&Thumbprint, &PollingAddress)> {
        self.trusts
            .iter()
            .filter_map(|t| match (&t.style, &t.address) {
                (CommunicationStyle::Polling, Some(a)) => Some((&t.thumbprint, a)),
                _ => None,
            })
    }

    /// Whether it polls at least one server (else it is a listening Tentacle).
    pub fn is_polling(&self) -> bool {
        self.polling().next().is_some()
    }

    /// Whether it trusts a server with this thumbprint.
    pub fn trusts(&self, thumbprint: &Thumbprint) -> bool {
        self.trusts.iter().any(|t| &t.thumbprint == thumbprint)
    }
}

/// `<host>-<instance>`, slugged: the name a discovered Tentacle gets in check ids.
pub fn default_name(host: &str, instance: &str) -> String {
    let short_host = host.split('.').next().unwrap_or(host);
    report::model::slug(&format!("{short_host}-{instance}"))
}

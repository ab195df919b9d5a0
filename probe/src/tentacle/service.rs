//! A Tentacle instance's Windows service: its name (as Tentacle names it in
//! `ServiceName.GetWindowsServiceName`: `OctopusDeploy Tentacle` for the
//! default instance `Tentacle`, `OctopusDeploy Tentacle: <instance>` for any
//! other), its state, and what that state means for a migration. Pure: the
//! state is read through `machine::MachineReads`.

use report::Status;
use serde::Serialize;

use crate::contract::Outcome;

/// The instance Tentacle creates when none is named.
pub const DEFAULT_INSTANCE: &str = "Tentacle";

/// The Windows service name of an instance (the comparison is exact, as in Tentacle).
pub fn service_name(instance: &str) -> String {
    if instance == DEFAULT_INSTANCE {
        "OctopusDeploy Tentacle".to_string()
    } else {
        format!("OctopusDeploy Tentacle: {instance}")
    }
}

/// What the service control manager says of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "detail")]
pub enum ServiceState {
    Running,
    Stopped,
    /// No service by that name: the instance is not installed as a service.
    Missing,
    /// Starting, stopping, pausing or paused, as the manager names it.
    Changing(String),
    /// The state could not be read (access denied, …): the reason.
    Unknown(String),
}

/// An instance's service and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    pub name: String,
    pub state: ServiceState,
}

/// A running service passes; stopped, missing, changing or unreadable is a
/// warning naming the instance and the service: a Tentacle whose service is
/// not running can neither poll nor listen, so its checks say nothing of the
/// cutover until it runs.
pub fn assess(instance: &str, service: &Service) -> Outcome {
    let name = &service.name;
    let start = format!(
        "start it: `Start-Service '{name}'` (or `Tentacle.exe service --instance \"{instance}\" --start`), and set it to start automatically"
    );
    match &service.state {
        ServiceState::Running => Outcome::new(
            Status::Pass,
            format!("instance {instance}: service `{name}` is running"),
        ),
        ServiceState::Stopped => Outcome::new(
            Status::Warn,
            format!(
                "instance {instance}: service `{name}` is stopped: the Tentacle can neither poll nor listen"
            ),
        )
        .with_remediation(start),
        ServiceState::Missing => Outcome::new(
            Status::Warn,
            format!(
                "instance {instance}: no Windows service `{name}` is installed: the Tentacle runs only while someone runs it by hand"
            ),
        )
        .with_remediation(format!(
            "install and start it: `Tentacle.exe service --instance \"{instance}\" --install --start`, or remove the instance if it is no longer used (`Tentacle.exe delete-instance --instance \"{instance}\"`)"
        )),
        ServiceState::Changing(state) => Outcome::new(
            Status::Warn,
            format!("instance {instance}: service `{name}` is {state}, not running"),
        )
        .with_remediation(format!("wait for it, then run again; if it stays {state}, {start}")),
        ServiceState::Unknown(why) => Outcome::new(
            Status::Warn,
            format!("instance {instance}: the state of service `{name}` could not be read: {why}"),
        )
        .with_remediation("run preflight as an administrator, or check the service with `Get-Service`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_follow_tentacle() {
        assert_eq!(service_name("Tentacle"), "OctopusDeploy Tentacle");
        assert_eq!(
            service_name("Web Server"),
            "OctopusDeploy Tentacle: Web Server"
        );
        // Tentacle compares the default instance's name exactly.
        assert_eq!(service_name("tentacle"), "OctopusDeploy Tentacle: tentacle");
    }

    #[test]
    fn a_stopped_service_is_a_warning_naming_the_instance_and_the_service() {
        let service = Service {
            name: service_name("Web Server"),
            state: ServiceState::Stopped,
        };
        let outcome = assess("Web Server", &service);
        assert_eq!(outcome.status, Status::Warn);
        assert_eq!(
            outcome.reason,
            "instance Web Server: service `OctopusDeploy Tentacle: Web Server` is stopped: the Tentacle can neither poll nor listen"
        );
        assert!(
            outcome
                .remediation
                .as_deref()
                .unwrap()
                .contains("Start-Service 'OctopusDeploy Tentacle: Web Server'")
        );
    }

    #[test]
    fn running_passes_and_every_other_state_warns() {
        let with = |state| Service {
            name: service_name("Tentacle"),
            state,
        };
        assert_eq!(
            assess("Tentacle", &with(ServiceState::Running)).status,
            Status::Pass
        );
        for state in [
            ServiceState::Stopped,
            ServiceState::Missing,
            ServiceState::Changing("start-pending".into()),
            ServiceState::Unknown("access denied".into()),
        ] {
            let outcome = assess("Tentacle", &with(state.clone()));
            assert_eq!(outcome.status, Status::Warn, "{state:?}");
            assert!(
                outcome.reason.contains("`OctopusDeploy Tentacle`"),
                "{}",
                outcome.reason
            );
            assert!(outcome.remediation.is_some(), "{state:?}");
        }
    }
}

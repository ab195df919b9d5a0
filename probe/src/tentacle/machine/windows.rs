//! The real reads on Windows: the registry through `windows-registry` and
//! service states through `windows-service` (both safe APIs: no `unsafe`
//! here). Their unit tests run under Wine in CI (`scripts/test-windows`).

use super::{MachineReads, RegistryEntry};
use crate::tentacle::service::ServiceState;

/// `HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)`: the key or value does not exist.
const NOT_FOUND: i32 = 0x8007_0002_u32 as i32;
/// `ERROR_SERVICE_DOES_NOT_EXIST`.
const NO_SUCH_SERVICE: i32 = 1060;

/// Which registry root the instance key is under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hive {
    LocalMachine,
    /// For tests, which may not write `HKEY_LOCAL_MACHINE` on a real Windows.
    CurrentUser,
}

/// This Windows machine: the instance key under `hive` (Tentacle's is
/// `HKLM\SOFTWARE\Octopus\Tentacle`) and the local service control manager.
#[derive(Debug, Clone, Copy)]
pub struct WindowsMachine {
    pub hive: Hive,
    pub key: &'static str,
}

impl MachineReads for WindowsMachine {
    fn registry_instances(&self) -> Result<Vec<RegistryEntry>, String> {
        let root = match self.hive {
            Hive::LocalMachine => windows_registry::LOCAL_MACHINE,
            Hive::CurrentUser => windows_registry::CURRENT_USER,
        };
        let key = match root.open(self.key) {
            Ok(key) => key,
            Err(e) if e.code().0 == NOT_FOUND => return Ok(Vec::new()),
            Err(e) => return Err(format!("cannot open the key: {}", e.message())),
        };
        let names = key
            .keys()
            .map_err(|e| format!("cannot list the key's subkeys: {}", e.message()))?;
        let mut out = Vec::new();
        for instance in names {
            let path = key
                .open(&instance)
                .and_then(|sub| sub.get_string("ConfigurationFilePath"));
            match path {
                Ok(path) if !path.trim().is_empty() => out.push(RegistryEntry {
                    instance,
                    configuration_file_path: path.trim().to_string(),
                }),
                Ok(_) => {}
                Err(e) if e.code().0 == NOT_FOUND => {}
                Err(e) => {
                    return Err(format!(
                        "cannot read {instance}\\ConfigurationFilePath: {}",
                        e.message()
                    ));
                }
            }
        }
        out.sort_by(|a, b| a.instance.cmp(&b.instance));
        Ok(out)
    }

    fn service_state(&self, service: &str) -> Option<ServiceState> {
        use windows_service::service::{ServiceAccess, ServiceState as Scm};
        use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
        let winapi = |e: windows_service::Error| match e {
            windows_service::Error::Winapi(io) => io,
            other => std::io::Error::other(other.to_string()),
        };
        let state = ServiceManager::local_computer(None::<&str>, ServiceManagerAccess::CONNECT)
            .and_then(|m| m.open_service(service, ServiceAccess::QUERY_STATUS))
            .and_then(|s| s.query_status())
            .map_err(winapi);
        Some(match state {
            Ok(status) => match status.current_state {
                Scm::Running => ServiceState::Running,
                Scm::Stopped => ServiceState::Stopped,
                Scm::StartPending => ServiceState::Changing("start-pending".into()),
                Scm::StopPending => ServiceState::Changing("stop-pending".into()),
                Scm::ContinuePending => ServiceState::Changing("continue-pending".into()),
                Scm::PausePending => ServiceState::Changing("pause-pending".into()),
                Scm::Paused => ServiceState::Changing("paused".into()),
            },
            Err(e) if e.raw_os_error() == Some(NO_SUCH_SERVICE) => ServiceState::Missing,
            Err(e) => ServiceState::Unknown(e.to_string()),
        })
    }

    fn paths_ignore_case(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key of this test's own under HKCU, removed at the end.
    fn test_key() -> &'static str {
        let key = format!(r"Software\preflight-test-{}\Tentacle", std::process::id());
        Box::leak(key.into_boxed_str())
    }

    #[test]
    fn registry_instances_are_read_and_subkeys_without_a_path_skipped() {
        let key = test_key();
        let root = windows_registry::CURRENT_USER;
        root.create(format!(r"{key}\Web Server"))
            .unwrap()
            .set_string(
                "ConfigurationFilePath",
                r"C:\Octopus\Web Server\Tentacle.config",
            )
            .unwrap();
        root.create(format!(r"{key}\Tentacle"))
            .unwrap()
            .set_string("ConfigurationFilePath", r"C:\Octopus\Tentacle.config")
            .unwrap();
        root.create(format!(r"{key}\Half")).unwrap();
        let machine = WindowsMachine {
            hive: Hive::CurrentUser,
            key,
        };
        let found = machine.registry_instances();
        let parent = key.trim_end_matches(r"\Tentacle");
        root.remove_tree(parent).unwrap();
        assert_eq!(
            found.unwrap(),
            [
                RegistryEntry {
                    instance: "Tentacle".into(),
                    configuration_file_path: r"C:\Octopus\Tentacle.config".into()
                },
                RegistryEntry {
                    instance: "Web Server".into(),
                    configuration_file_path: r"C:\Octopus\Web Server\Tentacle.config".into()
                },
            ]
        );
    }

    #[test]
    fn an_absent_key_is_no_instance() {
        let machine = WindowsMachine {
            hive: Hive::CurrentUser,
            key: r"Software\preflight-test-absent\Tentacle",
        };
        assert_eq!(machine.registry_instances(), Ok(Vec::new()));
    }

    #[test]
    fn service_states_are_read_from_the_service_manager() {
        let machine = WindowsMachine {
            hive: Hive::LocalMachine,
            key: super::super::REGISTRY_KEY,
        };
        assert_eq!(
            machine.service_state("OctopusDeploy Tentacle: preflight-no-such-instance"),
            Some(ServiceState::Missing)
        );
        // RpcSs exists on every Windows and in every Wine prefix.
        let rpc = machine.service_state("RpcSs").unwrap();
        assert!(
            matches!(rpc, ServiceState::Running | ServiceState::Stopped),
            "{rpc:?}"
        );
    }
}

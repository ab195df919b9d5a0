//! What a Windows machine keeps about its Tentacles outside their files: the
//! instances recorded in the registry (`HKLM\SOFTWARE\Octopus\Tentacle\<instance>`
//! with a `ConfigurationFilePath` value, as older Tentacles record them and
//! Tentacle still reads) and each instance's Windows service. Discovery reads
//! them through [`MachineReads`], so it is tested on Linux with a fake; the
//! real reads are `machine/windows.rs`, compiled on Windows only.

use super::service::ServiceState;

/// The registry key under `HKEY_LOCAL_MACHINE` that holds one subkey per instance.
pub const REGISTRY_KEY: &str = r"SOFTWARE\Octopus\Tentacle";

/// How the registry key is named in messages.
pub fn registry_key_shown() -> String {
    format!(r"HKLM\{REGISTRY_KEY}")
}

/// One instance recorded in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryEntry {
    /// The subkey's name: the instance name.
    pub instance: String,
    /// Its `ConfigurationFilePath` value.
    pub configuration_file_path: String,
}

/// The reads discovery makes of the machine beyond files.
pub trait MachineReads {
    /// The instances in the registry (none when the key does not exist;
    /// subkeys without a `ConfigurationFilePath` are skipped, as Tentacle
    /// skips them), or why the key could not be read.
    fn registry_instances(&self) -> Result<Vec<RegistryEntry>, String>;
    /// The state of a Windows service; none where Tentacles are not Windows services.
    fn service_state(&self, service: &str) -> Option<ServiceState>;
    /// Whether paths that differ only in letter case (and `/` for `\`) name one file.
    fn paths_ignore_case(&self) -> bool;
}

/// Linux and macOS: no registry, no Windows services, paths are case-sensitive.
#[derive(Debug, Default, Clone, Copy)]
pub struct NotWindows;

impl MachineReads for NotWindows {
    fn registry_instances(&self) -> Result<Vec<RegistryEntry>, String> {
        Ok(Vec::new())
    }
    fn service_state(&self, _service: &str) -> Option<ServiceState> {
        None
    }
    fn paths_ignore_case(&self) -> bool {
        false
    }
}

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::WindowsMachine;

/// The reads of the machine this runs on.
pub fn this_machine() -> &'static dyn MachineReads {
    #[cfg(windows)]
    {
        &WindowsMachine {
            hive: windows::Hive::LocalMachine,
            key: REGISTRY_KEY,
        }
    }
    #[cfg(not(windows))]
    {
        &NotWindows
    }
}

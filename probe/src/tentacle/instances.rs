//! Finding this machine's Tentacle instances as Tentacle does: the instance
//! index (`/etc/octopus/Tentacle/Instances/*.config` on Linux,
//! `%ProgramData%\Octopus\Tentacle\Instances\*.config` on Windows; each a JSON
//! `{"Name", "ConfigurationFilePath"}`) and, on Windows, the registry
//! (`machine`), merged without duplicates (`merge`); else the default
//! configuration paths. On Windows each instance's service state is read too.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::machine::{MachineReads, registry_key_shown};
use super::merge::{Candidate, Origin, is_windows_absolute, merge};
use super::service::{Service, service_name};
use super::{ConfigError, TentacleConfig, read_text};

/// Overrides the instance index directory (tests, unusual installs); when
/// set, the default configuration paths are not tried.
pub const INDEX_ENV: &str = "PREFLIGHT_TENTACLE_INSTANCES";
/// Index files read at most; a real machine has a handful.
const MAX_INDEX_FILES: usize = 256;
/// An index file larger than this is refused.
const MAX_INDEX_BYTES: u64 = 64 * 1024;

/// Where to look for Tentacle configurations.
#[derive(Debug, Clone)]
pub enum Source {
    /// Exactly these files (`discover --config PATH`).
    Files(Vec<PathBuf>),
    /// An instance index directory (and the registry, when `registry`),
    /// then default paths when they name nothing.
    Machine {
        index_dir: PathBuf,
        defaults: Vec<PathBuf>,
        registry: bool,
    },
}

impl Source {
    /// This machine's index (or the directory in `PREFLIGHT_TENTACLE_INSTANCES`).
    pub fn this_machine() -> Source {
        if let Some(dir) = std::env::var_os(INDEX_ENV).filter(|v| !v.is_empty()) {
            return Source::Machine {
                index_dir: PathBuf::from(dir),
                defaults: Vec::new(),
                registry: false,
            };
        }
        if cfg!(windows) {
            let data = std::env::var_os("ProgramData")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(r"C:\ProgramData"));
            Source::Machine {
                index_dir: data.join(r"Octopus\Tentacle\Instances"),
                defaults: vec![
                    PathBuf::from(r"C:\Octopus\Tentacle.config"),
                    PathBuf::from(r"C:\Octopus\Tentacle\Tentacle.config"),
                ],
                registry: true,
            }
        } else {
            Source::Machine {
                index_dir: PathBuf::from("/etc/octopus/Tentacle/Instances"),
                defaults: vec![
                    PathBuf::from("/etc/octopus/Tentacle/tentacle-Tentacle.config"),
                    PathBuf::from("/etc/octopus/default/tentacle-default.config"),
                ],
                registry: false,
            }
        }
    }

    /// What was searched, for messages ("no Tentacle instance found in …").
    pub fn describe(&self) -> String {
        match self {
            Source::Files(files) => files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            Source::Machine {
                index_dir,
                defaults,
                registry,
            } => {
                let mut parts = vec![format!("{}", index_dir.join("*.config").display())];
                if *registry {
                    parts.push(registry_key_shown());
                }
                parts.extend(defaults.iter().map(|d| d.display().to_string()));
                parts.join(", ")
            }
        }
    }
}

/// A Tentacle instance found on this machine.
#[derive(Debug, Clone)]
pub struct Instance {
    /// The instance name (from the index, else the file name).
    pub name: String,
    pub path: PathBuf,
    pub config: TentacleConfig,
    /// Where it was found (the index, the registry, both…).
    pub found_in: Vec<Origin>,
    /// Its Windows service and that service's state (Windows only).
    pub service: Option<Service>,
}

/// What discovery found: the instances that could be read, and what could not.
#[derive(Debug, Default)]
pub struct Discovered {
    pub instances: Vec<Instance>,
    pub errors: Vec<ConfigError>,
}

/// An index entry as Tentacle writes it.
#[derive(Deserialize)]
struct IndexEntry {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "ConfigurationFilePath")]
    configuration_file_path: String,
}

/// Finds and reads every Tentacle configuration the source names, on this machine.
pub fn discover(source: &Source) -> Discovered {
    discover_with(source, super::machine::this_machine())
}

/// [`discover`] with the machine's registry and services read through `machine`.
pub fn discover_with(source: &Source, machine: &dyn MachineReads) -> Discovered {
    let mut found = Discovered::default();
    let candidates =
        match source {
            Source::Files(files) => files
                .iter()
                .map(|f| Candidate::new(name_from_path(f), f.clone(), Origin::Given))
                .collect(),
            Source::Machine {
                index_dir,
                defaults,
                registry,
            } => {
                let mut listed: Vec<Candidate> = read_index(index_dir, &mut found.errors)
                    .into_iter()
                    .map(|(name, path)| Candidate::new(name, path, Origin::Index))
                    .collect();
                if *registry {
                    match machine.registry_instances() {
                        Ok(entries) => listed.extend(entries.into_iter().map(|e| {
                            Candidate::new(e.instance, e.configuration_file_path, Origin::Registry)
                        })),
                        Err(m) => found.errors.push(ConfigError::new(registry_key_shown(), m)),
                    }
                }
                if listed.is_empty() && found.errors.is_empty() {
                    listed.extend(defaults.iter().filter(|d| d.is_file()).map(|d| {
                        Candidate::new(name_from_path(d), d.clone(), Origin::DefaultPath)
                    }));
                }
                merge(listed, machine.paths_ignore_case())
            }
        };
    let on_machine = matches!(source, Source::Machine { .. });
    let mut seen = HashSet::new();
    for c in candidates {
        let key = std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone());
        if !seen.insert(key) {
            continue;
        }
        match TentacleConfig::load(&c.path) {
            Ok(mut config) => {
                config.notes.extend(c.notes);
                // Only an instance of this machine has a service to ask about.
                let service = on_machine
                    .then(|| {
                        let name = service_name(&c.name);
                        machine
                            .service_state(&name)
                            .map(|state| Service { name, state })
                    })
                    .flatten();
                found.instances.push(Instance {
                    name: c.name,
                    path: c.path,
                    config,
                    found_in: c.found_in,
                    service,
                });
            }
            Err(e) => found.errors.push(e),
        }
    }
    found
}

/// The index's entries, in file-name order; unreadable entries become errors.
fn read_index(dir: &Path, errors: &mut Vec<ConfigError>) -> Vec<(String, PathBuf)> {
    let shown = dir.display().to_string();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => {
            errors.push(ConfigError::new(
                shown,
                format!("cannot list the Tentacle instance index: {e}"),
            ));
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "config") && p.is_file())
        .collect();
    files.sort();
    if files.len() > MAX_INDEX_FILES {
        errors.push(ConfigError::new(
            shown,
            format!(
                "{} index files; only the first {MAX_INDEX_FILES} were read",
                files.len()
            ),
        ));
        files.truncate(MAX_INDEX_FILES);
    }
    let mut out = Vec::new();
    for file in files {
        let name = file.display().to_string();
        let text = match read_text(&file, MAX_INDEX_BYTES) {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match serde_json::from_str::<IndexEntry>(&text) {
            Ok(entry) if !entry.configuration_file_path.trim().is_empty() => {
                let written = entry.configuration_file_path.trim();
                let path = PathBuf::from(written);
                // Relative paths (not written by Tentacle) are taken from the
                // index directory; a Windows path is absolute on any system.
                let path = if path.is_relative() && !is_windows_absolute(written) {
                    dir.join(path)
                } else {
                    path
                };
                out.push((entry.name, path));
            }
            Ok(_) => errors.push(ConfigError::new(
                name,
                "instance index entry with an empty ConfigurationFilePath",
            )),
            Err(e) => errors.push(ConfigError {
                file: name,
                line: e.line(),
                column: e.column(),
                message: format!(
                    "expected a Tentacle instance index entry, JSON {{\"Name\": …, \"ConfigurationFilePath\": …}}, but {}",
                    super::json_message(&e)
                ),
            }),
        }
    }
    out
}

/// `tentacle-web.config` → `web`, `Tentacle.config` → `Tentacle`.
fn name_from_path(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Tentacle".into());
    match stem.strip_prefix("tentacle-") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => stem,
    }
}

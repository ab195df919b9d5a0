//! Finding this machine's Tentacle instances: the instance index
//! (`/etc/octopus/Tentacle/Instances/*.config` on Linux,
//! `%ProgramData%\Octopus\Tentacle\Instances\*.config` on Windows; each a JSON
//! `{"Name", "ConfigurationFilePath"}`), else the default configuration paths.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

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
    /// An instance index directory, then default paths when it names nothing.
    Machine {
        index_dir: PathBuf,
        defaults: Vec<PathBuf>,
    },
}

impl Source {
    /// This machine's index (or the directory in `PREFLIGHT_TENTACLE_INSTANCES`).
    pub fn this_machine() -> Source {
        if let Some(dir) = std::env::var_os(INDEX_ENV).filter(|v| !v.is_empty()) {
            return Source::Machine {
                index_dir: PathBuf::from(dir),
                defaults: Vec::new(),
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
            }
        } else {
            Source::Machine {
                index_dir: PathBuf::from("/etc/octopus/Tentacle/Instances"),
                defaults: vec![
                    PathBuf::from("/etc/octopus/Tentacle/tentacle-Tentacle.config"),
                    PathBuf::from("/etc/octopus/default/tentacle-default.config"),
                ],
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
            } => {
                let mut parts = vec![format!("{}", index_dir.join("*.config").display())];
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

/// Finds and reads every Tentacle configuration the source names.
pub fn discover(source: &Source) -> Discovered {
    let mut found = Discovered::default();
    let mut targets: Vec<(String, PathBuf)> = Vec::new();
    match source {
        Source::Files(files) => {
            targets.extend(files.iter().map(|f| (name_from_path(f), f.clone())));
        }
        Source::Machine {
            index_dir,
            defaults,
        } => {
            targets.extend(read_index(index_dir, &mut found.errors));
            if targets.is_empty() && found.errors.is_empty() {
                targets.extend(
                    defaults
                        .iter()
                        .filter(|d| d.is_file())
                        .map(|d| (name_from_path(d), d.clone())),
                );
            }
        }
    }
    let mut seen = HashSet::new();
    for (name, path) in targets {
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if !seen.insert(key) {
            continue;
        }
        match TentacleConfig::load(&path) {
            Ok(config) => found.instances.push(Instance { name, path, config }),
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
                let path = PathBuf::from(entry.configuration_file_path.trim());
                // Relative paths (not written by Tentacle) are taken from the index directory.
                let path = if path.is_relative() {
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

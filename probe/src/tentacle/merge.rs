//! Merging the places a machine records its Tentacle instances (the instance
//! index, the registry, default paths) into one list without duplicates, each
//! instance saying where it was found. Pure: paths are compared as text.

use std::path::PathBuf;

use serde::Serialize;

/// Where an instance was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The instance index (`…\Octopus\Tentacle\Instances\*.config`).
    Index,
    /// `HKLM\SOFTWARE\Octopus\Tentacle\<instance>`.
    Registry,
    /// A default configuration path (no index, no registry entry).
    DefaultPath,
    /// Named on the command line (`--config`).
    Given,
}

impl Origin {
    /// As a phrase: "the instance index", "the registry".
    pub fn describe(self) -> &'static str {
        match self {
            Origin::Index => "the instance index",
            Origin::Registry => "the registry",
            Origin::DefaultPath => "a default path",
            Origin::Given => "the command line",
        }
    }
}

/// An instance before its configuration is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    pub path: PathBuf,
    pub found_in: Vec<Origin>,
    /// Disagreements between the places it was found in.
    pub notes: Vec<String>,
}

impl Candidate {
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>, origin: Origin) -> Self {
        Candidate {
            name: name.into(),
            path: path.into(),
            found_in: vec![origin],
            notes: Vec::new(),
        }
    }
}

/// Merges candidates in order of precedence (the index before the registry,
/// as Tentacle lists them): one instance per configuration file and per
/// name. The same file (compared case-insensitively, `/` as `\`, when
/// `ignore_case`: Windows) is one instance found in several places; the same
/// name with another file keeps the first (Tentacle uses the index's entry)
/// and says so.
pub fn merge(candidates: impl IntoIterator<Item = Candidate>, ignore_case: bool) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for c in candidates {
        let key = path_key(&c.path.display().to_string(), ignore_case);
        let same_file = out
            .iter()
            .position(|o| path_key(&o.path.display().to_string(), ignore_case) == key);
        let same_name = out
            .iter()
            .position(|o| o.name.to_lowercase() == c.name.to_lowercase());
        match (same_file, same_name) {
            (Some(i), _) => {
                let kept = &mut out[i];
                for &origin in &c.found_in {
                    if !kept.found_in.contains(&origin) {
                        kept.found_in.push(origin);
                    }
                }
                if kept.name != c.name {
                    let note = format!(
                        "{} names this file instance `{}`",
                        c.found_in_phrase(),
                        c.name
                    );
                    kept.notes.push(note);
                }
            }
            (None, Some(i)) => {
                let note = format!(
                    "{} also records an instance `{}`, with the file {}: Tentacle uses the one above",
                    c.found_in_phrase(),
                    c.name,
                    c.path.display()
                );
                out[i].notes.push(note);
            }
            (None, None) => out.push(c),
        }
    }
    out
}

impl Candidate {
    fn found_in_phrase(&self) -> String {
        let places: Vec<&str> = self.found_in.iter().map(|o| o.describe()).collect();
        let text = places.join(" and ");
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => text,
        }
    }
}

/// A path as compared: on Windows without case, `/` as `\`, and without
/// the `\\?\` prefix of a canonical path.
fn path_key(path: &str, ignore_case: bool) -> String {
    let path = path.trim();
    if !ignore_case {
        return path.to_string();
    }
    let path = path.strip_prefix(r"\\?\").unwrap_or(path);
    path.replace('/', "\\").to_lowercase()
}

/// Whether `path` is an absolute Windows path (`C:\…`, `C:/…` or `\\server\…`),
/// whichever system reads it: a Windows path in an index is never relative.
pub fn is_windows_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/'))
        || path.starts_with(r"\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[Candidate]) -> Vec<(&str, Vec<Origin>)> {
        list.iter()
            .map(|c| (c.name.as_str(), c.found_in.clone()))
            .collect()
    }

    #[test]
    fn the_same_file_in_the_index_and_the_registry_is_one_instance_found_in_both() {
        let merged = merge(
            [
                Candidate::new(
                    "Web Server",
                    r"C:\Octopus\Web Server\Tentacle.config",
                    Origin::Index,
                ),
                Candidate::new("Tentacle", r"C:\Octopus\Tentacle.config", Origin::Index),
                Candidate::new(
                    "Web Server",
                    r"c:/octopus/web server/TENTACLE.config",
                    Origin::Registry,
                ),
                Candidate::new(
                    "Legacy",
                    r"D:\Octopus\Legacy\Tentacle.config",
                    Origin::Registry,
                ),
            ],
            true,
        );
        assert_eq!(
            names(&merged),
            [
                ("Web Server", vec![Origin::Index, Origin::Registry]),
                ("Tentacle", vec![Origin::Index]),
                ("Legacy", vec![Origin::Registry]),
            ]
        );
        assert!(merged.iter().all(|c| c.notes.is_empty()), "{merged:?}");
    }

    #[test]
    fn case_matters_where_the_file_system_says_so() {
        let merged = merge(
            [
                Candidate::new("a", "/etc/octopus/A.config", Origin::Index),
                Candidate::new("b", "/etc/octopus/a.config", Origin::Index),
            ],
            false,
        );
        assert_eq!(merged.len(), 2);
        let merged = merge(
            [
                Candidate::new("a", r"C:\A.config", Origin::Index),
                Candidate::new("b", r"\\?\C:\a.config", Origin::Registry),
            ],
            true,
        );
        assert_eq!(
            names(&merged),
            [("a", vec![Origin::Index, Origin::Registry])]
        );
        assert_eq!(
            merged[0].notes,
            ["The registry names this file instance `b`"]
        );
    }

    #[test]
    fn the_same_name_with_another_file_keeps_the_index_entry_and_says_so() {
        let merged = merge(
            [
                Candidate::new("Tentacle", r"C:\Octopus\Tentacle.config", Origin::Index),
                Candidate::new("tentacle", r"C:\Old\Tentacle.config", Origin::Registry),
            ],
            true,
        );
        assert_eq!(names(&merged), [("Tentacle", vec![Origin::Index])]);
        assert_eq!(
            merged[0].notes,
            [
                r"The registry also records an instance `tentacle`, with the file C:\Old\Tentacle.config: Tentacle uses the one above"
            ]
        );
    }

    #[test]
    fn windows_absolute_paths_are_recognised_on_any_system() {
        for p in [
            r"C:\Octopus\Tentacle.config",
            "d:/x.config",
            r"\\server\share\t.config",
        ] {
            assert!(is_windows_absolute(p), "{p}");
        }
        for p in [
            "../polling.config",
            "Tentacle.config",
            "C:relative",
            "/etc/x",
        ] {
            assert!(!is_windows_absolute(p), "{p}");
        }
    }
}

//! The two fake instances `preflight drift` is shown against: the fixtures
//! of `fixtures/octopus-api/drift/` (`old`, `new`, and `same`, both sides of
//! an identical pair), embedded at build time so `preflight demo` can
//! unpack them anywhere and serve them with `octopus_api::FakeOctopus`.

use std::io;
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/drift_fixtures.rs"));

/// Writes instance `which` (`old`, `new`, `same`) under `dir/which` and
/// returns that directory, ready for `FakeOctopusOptions::fixtures`.
pub fn unpack(which: &str, dir: &Path) -> io::Result<PathBuf> {
    let prefix = format!("{which}/");
    let root = dir.join(which);
    let mut any = false;
    for (path, text) in FILES {
        let Some(rel) = path.strip_prefix(&prefix) else {
            continue;
        };
        let target = root.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, text)?;
        any = true;
    }
    if !any {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("no drift fixture instance `{which}` (expected old, new or same)"),
        ));
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_instance_is_embedded_whole() {
        let dir = std::env::temp_dir().join(format!("lab-drift-{}", std::process::id()));
        for which in ["old", "new", "same"] {
            let root = super::unpack(which, &dir).unwrap();
            let on_disk = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fixtures/octopus-api/drift")
                .join(which)
                .join("api/spaces.json");
            assert_eq!(
                std::fs::read_to_string(root.join("api/spaces.json")).unwrap(),
                std::fs::read_to_string(on_disk).unwrap()
            );
        }
        assert!(super::unpack("other", &dir).is_err());
        std::fs::remove_dir_all(&dir).ok();
    }
}

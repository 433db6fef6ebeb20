//! Named layouts: `<config dir>/layouts/<name>.json`, one LayoutSpec each, shared by projects;
//! `default` (the dashboard) is seeded when missing.

use crate::core::layout::{LayoutSpec, parse_spec};
use crate::store::StoreError;
use crate::store::atomic::write_json_atomic;
use crate::store::paths::GlobalPaths;

/// Name of the seeded layout.
pub const DEFAULT_LAYOUT: &str = "default";

/// Why a named layout could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LayoutLoadError {
    /// No such file.
    #[error("Layout not found: {0}")]
    NotFound(String),
    /// The name is not a valid file name.
    #[error(transparent)]
    Name(StoreError),
    /// The file exists but is not a valid LayoutSpec.
    #[error("Layout '{name}' is invalid: {reason}")]
    Invalid {
        /// Layout name.
        name: String,
        /// What is wrong (JSON paths included).
        reason: String,
    },
}

/// Saved layout names, sorted (files whose stem is not a valid name are skipped).
pub fn list_layouts(global: &GlobalPaths) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(global.layouts_dir()) else {
        return Vec::new();
    };
    let mut names: Vec<String> = dir
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".json")?.to_owned();
            crate::store::validate_name("layout", &stem)
                .is_ok()
                .then_some(stem)
        })
        .collect();
    names.sort();
    names
}

/// Load and validate `<name>.json`.
pub fn load_layout(global: &GlobalPaths, name: &str) -> Result<LayoutSpec, LayoutLoadError> {
    let path = global.layout(name).map_err(LayoutLoadError::Name)?;
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LayoutLoadError::NotFound(name.to_owned()));
        }
        Err(e) => {
            return Err(LayoutLoadError::Invalid {
                name: name.to_owned(),
                reason: e.to_string(),
            });
        }
    };
    let invalid = |reason: String| LayoutLoadError::Invalid {
        name: name.to_owned(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
    parse_spec(&value).map_err(|e| invalid(e.to_string()))
}

/// Save `spec` as `<name>.json` (atomic).
pub fn save_layout(global: &GlobalPaths, name: &str, spec: &LayoutSpec) -> Result<(), StoreError> {
    let path = global.layout(name)?;
    write_json_atomic(&path, spec)
}

/// Write `default.json` (the dashboard) if it does not exist yet.
pub fn seed_default_layout(global: &GlobalPaths) -> Result<(), StoreError> {
    let path = global.layout(DEFAULT_LAYOUT)?;
    if path.exists() {
        return Ok(());
    }
    write_json_atomic(&path, &LayoutSpec::dashboard())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn global() -> (tempfile::TempDir, GlobalPaths) {
        let dir = tempfile::tempdir().unwrap();
        let g = GlobalPaths::from_dirs(dir.path(), dir.path().join("state"));
        (dir, g)
    }

    #[test]
    fn save_list_load_round_trip() {
        let (_d, g) = global();
        assert!(list_layouts(&g).is_empty());
        seed_default_layout(&g).unwrap();
        let mut spec = LayoutSpec::seed(false);
        spec.focus = None;
        save_layout(&g, "solo", &spec).unwrap();
        assert_eq!(list_layouts(&g), ["default", "solo"]);
        assert_eq!(load_layout(&g, "solo").unwrap(), spec);
        assert_eq!(load_layout(&g, "default").unwrap(), LayoutSpec::dashboard());
        let text = std::fs::read_to_string(g.layout("solo").unwrap()).unwrap();
        assert!(text.contains("\"version\": 1"), "{text}");
    }

    #[test]
    fn seeding_keeps_an_existing_default() {
        let (_d, g) = global();
        save_layout(&g, "default", &LayoutSpec::seed(false)).unwrap();
        seed_default_layout(&g).unwrap();
        assert_eq!(load_layout(&g, "default").unwrap(), LayoutSpec::seed(false));
    }

    #[test]
    fn errors_are_precise() {
        let (_d, g) = global();
        let e = load_layout(&g, "nope").unwrap_err().to_string();
        assert_eq!(e, "Layout not found: nope");
        let e = load_layout(&g, "../etc").unwrap_err().to_string();
        assert!(e.contains("invalid layout name '../etc'"), "{e}");
        assert!(save_layout(&g, "a/b", &LayoutSpec::dashboard()).is_err());
        std::fs::create_dir_all(g.layouts_dir()).unwrap();
        std::fs::write(
            g.layout("bad").unwrap(),
            r#"{"layout":{"id":"a","widget":"Nope"}}"#,
        )
        .unwrap();
        let e = load_layout(&g, "bad").unwrap_err().to_string();
        assert!(
            e.contains("Layout 'bad' is invalid: layout.widget: unknown widget \"Nope\""),
            "{e}"
        );
        // Files with names we could never have written are not listed.
        std::fs::write(g.layouts_dir().join("has space.json"), "{}").unwrap();
        assert_eq!(list_layouts(&g), ["bad"]);
    }
}

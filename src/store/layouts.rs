//! Named layouts: the built-ins shipped in `layouts/` (embedded in the binary) and the user's
//! `<config dir>/layouts/<name>.json`, one LayoutSpec each, shared by projects. A user layout
//! overrides a built-in of the same name; `default` (the dashboard) is seeded when missing.

use crate::core::layout::{LayoutSpec, parse_spec};
use crate::store::StoreError;
use crate::store::atomic::write_json_atomic;
use crate::store::paths::GlobalPaths;

/// Name of the seeded layout.
pub const DEFAULT_LAYOUT: &str = "default";

/// The built-in layouts: (name, LayoutSpec JSON), from the repository's `layouts/` folder.
pub const BUILTIN_LAYOUTS: &[(&str, &str)] = &[
    ("agents", include_str!("../../layouts/agents.json")),
    ("dashboard", include_str!("../../layouts/dashboard.json")),
    ("grid", include_str!("../../layouts/grid.json")),
    ("review", include_str!("../../layouts/review.json")),
];

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

/// Where a named layout comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutSource {
    /// Shipped with the app.
    Builtin,
    /// The user's file.
    User,
    /// The user's file, hiding a built-in of the same name.
    UserOverride,
}

impl LayoutSource {
    /// A short label for pickers (`built-in`, `yours`, `yours, overrides built-in`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Builtin => "built-in",
            Self::User => "yours",
            Self::UserOverride => "yours (overrides built-in)",
        }
    }
}

/// A named layout and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutEntry {
    /// Its name.
    pub name: String,
    /// Built-in or user file.
    pub source: LayoutSource,
}

/// The built-in layout named `name`, as JSON.
pub fn builtin_json(name: &str) -> Option<&'static str> {
    BUILTIN_LAYOUTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, json)| *json)
}

/// Parse and validate the built-in `name`.
pub fn load_builtin(name: &str) -> Result<LayoutSpec, LayoutLoadError> {
    let json = builtin_json(name).ok_or_else(|| LayoutLoadError::NotFound(name.to_owned()))?;
    parse_named(name, json.as_bytes())
}

fn parse_named(name: &str, bytes: &[u8]) -> Result<LayoutSpec, LayoutLoadError> {
    let invalid = |reason: String| LayoutLoadError::Invalid {
        name: name.to_owned(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    parse_spec(&value).map_err(|e| invalid(e.to_string()))
}

/// Every named layout (built-ins and the user's), sorted by name; without a config dir only
/// the built-ins.
pub fn list_layout_entries(global: Option<&GlobalPaths>) -> Vec<LayoutEntry> {
    let user = global.map(user_layouts).unwrap_or_default();
    let mut out: Vec<LayoutEntry> = BUILTIN_LAYOUTS
        .iter()
        .map(|(n, _)| LayoutEntry {
            name: (*n).to_owned(),
            source: if user.iter().any(|u| u == n) {
                LayoutSource::UserOverride
            } else {
                LayoutSource::Builtin
            },
        })
        .collect();
    out.extend(
        user.into_iter()
            .filter(|u| builtin_json(u).is_none())
            .map(|name| LayoutEntry {
                name,
                source: LayoutSource::User,
            }),
    );
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Load `name`: the user's file first, else the built-in of that name.
pub fn load_any(global: Option<&GlobalPaths>, name: &str) -> Result<LayoutSpec, LayoutLoadError> {
    match global.map(|g| load_layout(g, name)) {
        Some(Err(LayoutLoadError::NotFound(_))) | None => match load_builtin(name) {
            Err(LayoutLoadError::NotFound(_)) if global.is_none() && name == DEFAULT_LAYOUT => {
                Ok(LayoutSpec::dashboard())
            }
            other => other,
        },
        Some(other) => other,
    }
}

/// What `delete_layout` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    /// The user's layout is gone.
    Removed,
    /// The user's override is gone; the built-in of that name is back.
    BuiltinRestored,
}

/// Delete the user's `<name>.json`. Built-ins cannot be deleted (only a user override of one).
pub fn delete_layout(global: &GlobalPaths, name: &str) -> Result<Deleted, String> {
    let path = global.layout(name).map_err(|e| e.to_string())?;
    match std::fs::remove_file(&path) {
        Ok(()) if builtin_json(name).is_some() => Ok(Deleted::BuiltinRestored),
        Ok(()) => Ok(Deleted::Removed),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if builtin_json(name).is_some() {
                Err(format!(
                    "'{name}' is a built-in layout and cannot be deleted"
                ))
            } else {
                Err(format!("Layout not found: {name}"))
            }
        }
        Err(e) => Err(format!("could not delete layout '{name}': {e}")),
    }
}

fn user_layouts(global: &GlobalPaths) -> Vec<String> {
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

/// Every layout name (built-ins and the user's), sorted, without duplicates.
pub fn list_layouts(global: &GlobalPaths) -> Vec<String> {
    list_layout_entries(Some(global))
        .into_iter()
        .map(|e| e.name)
        .collect()
}

/// Load and validate the user's `<name>.json` (built-ins not included: see `load_any`).
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
    parse_named(name, &bytes)
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
        let builtins: Vec<&str> = BUILTIN_LAYOUTS.iter().map(|(n, _)| *n).collect();
        assert_eq!(list_layouts(&g), builtins);
        seed_default_layout(&g).unwrap();
        let mut spec = LayoutSpec::seed(false);
        spec.focus = None;
        save_layout(&g, "solo", &spec).unwrap();
        assert_eq!(
            list_layouts(&g),
            ["agents", "dashboard", "default", "grid", "review", "solo"]
        );
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
        assert!(list_layouts(&g).contains(&"bad".to_owned()));
        assert!(!list_layouts(&g).iter().any(|n| n.contains(' ')));
    }

    #[test]
    fn every_builtin_is_valid_and_shipped_in_the_layouts_folder() {
        for (name, json) in BUILTIN_LAYOUTS {
            let spec = load_builtin(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!spec.panels().is_empty(), "{name}");
            let on_disk = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("layouts")
                    .join(format!("{name}.json")),
            )
            .unwrap();
            assert_eq!(&on_disk, json, "{name}");
        }
        // And every JSON file there is embedded.
        let shipped: Vec<String> =
            std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("layouts"))
                .unwrap()
                .filter_map(|e| {
                    let n = e.unwrap().file_name().to_string_lossy().into_owned();
                    n.strip_suffix(".json").map(str::to_owned)
                })
                .collect();
        for n in &shipped {
            assert!(
                builtin_json(n).is_some(),
                "layouts/{n}.json is not embedded"
            );
        }
        assert_eq!(load_builtin("dashboard").unwrap(), LayoutSpec::dashboard());
        let review = load_builtin("review").unwrap();
        let widgets: Vec<&str> = review.panels().iter().map(|p| p.widget.as_str()).collect();
        assert_eq!(widgets, ["AgentTable", "DiffViewer", "AgentTranscript"]);
        assert_eq!(review.panels()[1].props["source"], "agent:selected");
        assert_eq!(review.panels()[2].props["follow_selection"], true);
        let grid = load_builtin("grid").unwrap();
        assert_eq!(grid.panels().len(), 4);
        assert!(grid.panels().iter().all(|p| p.widget == "AgentTranscript"));
        let agents = load_builtin("agents").unwrap();
        let widgets: Vec<&str> = agents.panels().iter().map(|p| p.widget.as_str()).collect();
        assert_eq!(widgets, ["AgentTable", "ActivityFeed", "AgentTranscript"]);
    }

    #[test]
    fn user_layouts_override_builtins_and_deleting_restores_them() {
        let (_d, g) = global();
        let dash = load_any(Some(&g), "dashboard").unwrap();
        assert_eq!(dash, LayoutSpec::dashboard());
        let mine = LayoutSpec::seed(false);
        save_layout(&g, "dashboard", &mine).unwrap();
        assert_eq!(load_any(Some(&g), "dashboard").unwrap(), mine);
        let entries = list_layout_entries(Some(&g));
        let e = entries.iter().find(|e| e.name == "dashboard").unwrap();
        assert_eq!(e.source, LayoutSource::UserOverride);
        assert_eq!(
            entries.iter().filter(|e| e.name == "dashboard").count(),
            1,
            "listed once"
        );
        assert_eq!(delete_layout(&g, "dashboard"), Ok(Deleted::BuiltinRestored));
        assert_eq!(
            load_any(Some(&g), "dashboard").unwrap(),
            LayoutSpec::dashboard()
        );
        let e = delete_layout(&g, "dashboard").unwrap_err();
        assert_eq!(e, "'dashboard' is a built-in layout and cannot be deleted");
        assert_eq!(
            load_any(Some(&g), "dashboard").unwrap(),
            LayoutSpec::dashboard()
        );
        save_layout(&g, "solo", &mine).unwrap();
        assert_eq!(delete_layout(&g, "solo"), Ok(Deleted::Removed));
        assert_eq!(
            delete_layout(&g, "solo").unwrap_err(),
            "Layout not found: solo"
        );
        // Without a config dir: the built-ins (and the dashboard as `default`).
        assert_eq!(
            load_any(None, "grid").unwrap(),
            load_builtin("grid").unwrap()
        );
        assert_eq!(load_any(None, "default").unwrap(), LayoutSpec::dashboard());
        assert!(matches!(
            load_any(None, "nope"),
            Err(LayoutLoadError::NotFound(_))
        ));
        // A broken user file is reported, not silently replaced by the built-in.
        std::fs::write(g.layout("grid").unwrap(), "{").unwrap();
        assert!(matches!(
            load_any(Some(&g), "grid"),
            Err(LayoutLoadError::Invalid { .. })
        ));
    }
}

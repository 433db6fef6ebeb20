//! `workspace.json`: the project's tabs and layouts; loaded at boot, seeded on first launch.

use crate::core::layout::Workspace;
use crate::store::atomic::write_json_atomic;
use crate::store::paths::ProjectPaths;
use crate::store::{LoadOutcome, StoreError, check_version, corrupt_notice, load_with};

/// Current `workspace.json` format version.
pub const WORKSPACE_VERSION: u32 = 1;

/// Parse `workspace.json` content (version 1, at least one tab).
pub fn parse_workspace(bytes: &[u8]) -> Result<Workspace, String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    check_version(&value, u64::from(WORKSPACE_VERSION))?;
    crate::core::layout::validate::parse_workspace(&value).map_err(|e| e.to_string())
}

/// Like `parse_workspace`, but sibling percentages that do not add up to 100 (a hand edit,
/// an older version) are normalised instead of rejected; returns what was repaired.
pub fn parse_workspace_repairing(bytes: &[u8]) -> Result<(Workspace, Vec<String>), String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    check_version(&value, u64::from(WORKSPACE_VERSION))?;
    crate::core::layout::validate::parse_workspace_repairing(&value).map_err(|e| e.to_string())
}

/// Load `workspace.json`, or seed the default dashboard and write it (first launch). A corrupt
/// file is moved aside and replaced by the seed, with a notice naming the backup. Layout sizes
/// that do not add up are normalised (and saved) with a notice saying where.
pub fn load_or_seed_workspace(paths: &ProjectPaths) -> (Workspace, Vec<String>) {
    let path = paths.workspace();
    let mut notices = Vec::new();
    let write_seed = match load_with(&path, parse_workspace_repairing) {
        LoadOutcome::Loaded((ws, repairs)) => {
            if !repairs.is_empty() {
                notices.push(format!(
                    "{}: layout sizes did not add up to 100% and were normalised: {}",
                    path.display(),
                    repairs.join("; ")
                ));
                if let Err(e) = save_workspace(paths, &ws) {
                    notices.push(format!("the normalised workspace could not be saved: {e}"));
                }
            }
            return (ws, notices);
        }
        LoadOutcome::Missing => true,
        LoadOutcome::MovedAside { backup, error } => {
            notices.push(corrupt_notice(&path, &backup, &error));
            true
        }
        LoadOutcome::Stuck { error } => {
            // Leave the unusable file alone: overwriting it would destroy the only copy.
            notices.push(format!(
                "{} could not be loaded ({error}); using the default workspace without saving it",
                path.display()
            ));
            false
        }
    };
    let seed = Workspace::seed();
    if write_seed && let Err(e) = save_workspace(paths, &seed) {
        notices.push(format!("the default workspace could not be saved: {e}"));
    }
    (seed, notices)
}

/// Write `workspace.json` atomically.
pub fn save_workspace(paths: &ProjectPaths, ws: &Workspace) -> Result<(), StoreError> {
    write_json_atomic(&paths.workspace(), ws)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn first_launch_seeds_and_writes() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let (ws, notices) = load_or_seed_workspace(&paths);
        assert_eq!(ws, Workspace::seed());
        assert!(notices.is_empty(), "{notices:?}");
        let text = std::fs::read_to_string(paths.workspace()).unwrap();
        assert!(text.contains("\"version\": 1"), "{text}");
        assert_eq!(parse_workspace(text.as_bytes()).unwrap(), ws);
    }

    #[test]
    fn saved_workspace_is_loaded_not_reseeded() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let mut ws = Workspace::seed();
        ws.tabs[0].title = "mine".into();
        ws.active_theme = Some("dark".into());
        save_workspace(&paths, &ws).unwrap();
        let (loaded, notices) = load_or_seed_workspace(&paths);
        assert_eq!(loaded, ws);
        assert!(notices.is_empty());
    }

    #[test]
    fn corrupt_workspace_is_moved_aside_and_reseeded() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        std::fs::create_dir_all(paths.dir()).unwrap();
        let original = br#"{"version":1,"tabs":[],"active":"x"}"#;
        std::fs::write(paths.workspace(), original).unwrap();
        let (ws, notices) = load_or_seed_workspace(&paths);
        assert_eq!(ws, Workspace::seed());
        assert_eq!(notices.len(), 1);
        assert!(notices[0].contains("at least one tab"), "{notices:?}");
        let backup = std::fs::read_dir(paths.dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().contains("workspace.json.corrupt-"))
            .unwrap();
        assert!(
            notices[0].contains(&*backup.to_string_lossy()),
            "{notices:?}"
        );
        assert_eq!(std::fs::read(&backup).unwrap(), original);
        // The seed replaced it.
        let (again, n2) = load_or_seed_workspace(&paths);
        assert_eq!(again, Workspace::seed());
        assert!(n2.is_empty());
    }

    #[test]
    fn missing_version_is_rejected() {
        let mut v = serde_json::to_value(Workspace::seed()).unwrap();
        v.as_object_mut().unwrap().remove("version");
        let e = parse_workspace(v.to_string().as_bytes()).unwrap_err();
        assert!(e.contains("version"), "{e}");
    }

    #[test]
    fn sizes_that_do_not_add_up_are_normalised_on_load_with_a_notice() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let mut v = serde_json::to_value(Workspace::seed()).unwrap();
        // orch 70% + right column 50% = 120%; inside it 30% + unsized feed is fine.
        v["tabs"][0]["layout"]["layout"]["children"][0]["size"] = "70%".into();
        v["tabs"][0]["layout"]["layout"]["children"][1]["size"] = "50%".into();
        v["tabs"][0]["layout"]["layout"]["children"][1]["children"][0]["size"] = "30%".into();
        // Strictly, it is invalid.
        let e = parse_workspace(v.to_string().as_bytes()).unwrap_err();
        assert!(e.contains("sizes add up to 120%"), "{e}");
        std::fs::create_dir_all(paths.dir()).unwrap();
        std::fs::write(paths.workspace(), v.to_string()).unwrap();
        let (ws, notices) = load_or_seed_workspace(&paths);
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(
            notices[0]
                .contains("tabs[0].layout.layout.children: sizes added up to 120%, scaled to 100%"),
            "{notices:?}"
        );
        let crate::core::layout::Node::Split(root) = &ws.tabs[0].layout.layout else {
            panic!()
        };
        assert_eq!(root.children[0].size(), Some("58%"));
        assert_eq!(root.children[1].size(), Some("42%"));
        let crate::core::layout::Node::Split(right) = &root.children[1] else {
            panic!()
        };
        assert_eq!(
            right.children[0].size(),
            Some("30%"),
            "already fine: untouched"
        );
        // Saved repaired: the next launch is quiet, and nothing was moved aside.
        let (again, n2) = load_or_seed_workspace(&paths);
        assert_eq!(again, ws);
        assert!(n2.is_empty(), "{n2:?}");
        assert!(
            !std::fs::read_dir(paths.dir()).unwrap().any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("corrupt"))
        );
    }
}

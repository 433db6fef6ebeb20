//! Notebook scratch buffers: `.patchfeld/scratch/<name>.md`, read whole and replaced
//! atomically (a crash leaves the old or the new text, never a mix).

use crate::store::paths::{ProjectPaths, validate_name};
use crate::store::{StoreError, atomic::write_atomic};
use std::path::PathBuf;

/// The file of scratch buffer `name` (1–64 of `[A-Za-z0-9_-]`: no separators, no `..`).
pub fn scratch_path(project: &ProjectPaths, name: &str) -> Result<PathBuf, StoreError> {
    validate_name("notebook", name)?;
    Ok(project.dir().join("scratch").join(format!("{name}.md")))
}

/// The text of scratch buffer `name`; empty when it was never saved.
pub fn load_scratch(project: &ProjectPaths, name: &str) -> Result<String, StoreError> {
    let path = scratch_path(project, name)?;
    match std::fs::read(&path) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(StoreError::io("read", &path, e)),
    }
}

/// Replace scratch buffer `name` with `text` atomically (creates `scratch/`).
pub fn save_scratch(project: &ProjectPaths, name: &str, text: &str) -> Result<(), StoreError> {
    let path = scratch_path(project, name)?;
    write_atomic(&path, text.as_bytes())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn names_with_separators_or_dots_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = ProjectPaths::new(dir.path());
        for bad in ["", "../x", "a/b", "a\\b", "..", "x.md", "a b"] {
            assert!(scratch_path(&p, bad).is_err(), "{bad:?} accepted");
            assert!(save_scratch(&p, bad, "x").is_err());
        }
        assert!(
            scratch_path(&p, "todo-1_a")
                .unwrap()
                .ends_with("scratch/todo-1_a.md")
        );
    }

    #[test]
    fn save_then_load_round_trips_and_missing_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let p = ProjectPaths::new(dir.path());
        assert_eq!(load_scratch(&p, "notes").unwrap(), "");
        save_scratch(&p, "notes", "# hi\nsecond line\n").unwrap();
        assert_eq!(load_scratch(&p, "notes").unwrap(), "# hi\nsecond line\n");
        save_scratch(&p, "notes", "replaced").unwrap();
        assert_eq!(load_scratch(&p, "notes").unwrap(), "replaced");
        let on_disk = dir.path().join(".patchfeld/scratch/notes.md");
        assert_eq!(std::fs::read_to_string(on_disk).unwrap(), "replaced");
        // No temp files left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join(".patchfeld/scratch"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}

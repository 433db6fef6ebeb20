//! Atomic file replacement (temp file in the same dir, fsync, rename, fsync dir) and moving
//! corrupt files aside.

use crate::store::StoreError;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Replace `path` with `bytes` so that readers (and a crash) see either the old or the new
/// content, never a mix. Creates parent directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| StoreError::io("create directory", dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The temp file must be in the same directory: rename is only atomic within a filesystem.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| StoreError::io("create a temporary file in", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| StoreError::io("write", tmp.path(), e))?;
    // On failure the temp file is removed when `PersistError` (which owns it) drops.
    tmp.persist(path)
        .map_err(|e| StoreError::io("replace", path, e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Pretty JSON (2-space indent) plus a trailing newline, written with [`write_atomic`].
pub fn write_json_atomic<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), StoreError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|source| StoreError::Encode {
        path: path.to_path_buf(),
        source,
    })?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Make the rename itself durable. Best effort: some filesystems refuse to fsync directories,
/// and the data is already safe in the file.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir)
        && let Err(e) = d.sync_all()
    {
        tracing::debug!(dir = %dir.display(), error = %e, "directory fsync failed");
    }
}

/// Rename `path` to `<name>.corrupt-<UTC timestamp>` next to it (with `-2`, `-3`, … when that
/// name is taken) and return the new path.
pub fn move_aside(path: &Path) -> Result<PathBuf, StoreError> {
    move_aside_at(path, jiff::Timestamp::now())
}

/// [`move_aside`] with a given time (tests).
pub fn move_aside_at(path: &Path, now: jiff::Timestamp) -> Result<PathBuf, StoreError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_owned());
    let stamp = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    let base = format!("{name}.corrupt-{stamp}");
    let mut backup = path.with_file_name(&base);
    let mut n = 2;
    while backup.symlink_metadata().is_ok() {
        backup = path.with_file_name(format!("{base}-{n}"));
        n += 1;
    }
    std::fs::rename(path, &backup).map_err(|e| StoreError::io("move aside", path, e))?;
    Ok(backup)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn write_creates_dirs_replaces_content_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/file.json");
        write_atomic(&p, b"first").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"first");
        write_atomic(&p, b"second, longer").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second, longer");
        assert_eq!(names(&dir.path().join("a/b")), vec!["file.json"]);
    }

    #[test]
    fn failed_replace_leaves_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a non-empty directory: rename over it fails.
        let p = dir.path().join("target");
        std::fs::create_dir(&p).unwrap();
        std::fs::write(p.join("keep"), b"x").unwrap();
        let e = write_atomic(&p, b"new").unwrap_err();
        assert!(e.to_string().contains("target"), "{e}");
        assert_eq!(names(dir.path()), vec!["target"]);
    }

    #[test]
    fn json_is_pretty_two_spaces_with_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.json");
        write_json_atomic(&p, &serde_json::json!({"version": 1, "a": [1]})).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text, "{\n  \"a\": [\n    1\n  ],\n  \"version\": 1\n}\n");
    }

    #[test]
    fn move_aside_names_are_stamped_and_unique() {
        let dir = tempfile::tempdir().unwrap();
        let ts: jiff::Timestamp = "2026-11-23T14:05:01Z".parse().unwrap();
        let p = dir.path().join("agents.json");
        std::fs::write(&p, b"one").unwrap();
        let b1 = move_aside_at(&p, ts).unwrap();
        std::fs::write(&p, b"two").unwrap();
        let b2 = move_aside_at(&p, ts).unwrap();
        assert_eq!(
            b1.file_name().unwrap(),
            "agents.json.corrupt-20261123T140501Z"
        );
        assert_eq!(
            b2.file_name().unwrap(),
            "agents.json.corrupt-20261123T140501Z-2"
        );
        assert_eq!(std::fs::read(&b1).unwrap(), b"one");
        assert_eq!(std::fs::read(&b2).unwrap(), b"two");
        assert!(!p.exists());
    }
}

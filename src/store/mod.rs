//! Persistence: paths, atomic writes, versioned JSON / JSONL files, corrupt-file handling.
//!
//! Rules every file here follows: all paths come from [`paths`]; JSON files carry `"version"`
//! and are written with [`atomic::write_json_atomic`]; a file that cannot be read or parsed is
//! moved aside to `<name>.corrupt-<timestamp>` ([`load_with`]) and the caller shows the
//! returned notice — nothing is ever silently overwritten.

pub mod activity;
pub mod agents;
pub mod atomic;
pub mod config;
pub mod grants;
pub mod input_history;
pub mod jsonl;
pub mod layouts;
pub mod paths;
pub mod scratch;
pub mod sessions;
pub mod themes;
pub mod transcript_index;
pub mod transcript_tail;
pub mod transcripts;
pub mod workspace;

pub use paths::{GlobalPaths, ProjectPaths, validate_name};

use serde::de::DeserializeOwned;
use std::io;
use std::path::{Path, PathBuf};

/// Errors of the persistence layer. Every message names the file involved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A filesystem operation failed.
    #[error("could not {op} {}: {source}", path.display())]
    Io {
        /// What we tried ("read", "write", "rename", …).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A file's content is not what we expect (bad JSON, wrong shape, unsupported version).
    #[error("{} is invalid: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A value could not be serialised for writing.
    #[error("could not encode data for {}: {source}", path.display())]
    Encode {
        /// The file it was meant for.
        path: PathBuf,
        /// The serde error.
        source: serde_json::Error,
    },
    /// A name that becomes part of a path is not allowed.
    #[error("invalid {kind} name '{name}': use 1 to 64 characters from A-Z a-z 0-9 _ -")]
    InvalidName {
        /// What the name is for ("layout", "theme", "agent id", …).
        kind: String,
        /// The rejected name.
        name: String,
    },
    /// No home directory, so no default config directory.
    #[error(
        "could not determine the user's config directory (is HOME set?); pass --config-dir or set PATCHFELD_CONFIG_DIR"
    )]
    NoConfigDir,
}

impl StoreError {
    pub(crate) fn io(op: &'static str, path: &Path, source: io::Error) -> Self {
        Self::Io {
            op,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The result of loading a persisted file.
#[derive(Debug)]
pub enum LoadOutcome<T> {
    /// The file does not exist (first launch).
    Missing,
    /// The file was read and parsed.
    Loaded(T),
    /// The file was unreadable or invalid and has been renamed to `backup`; the caller should
    /// start from defaults and show [`corrupt_notice`] to the user.
    MovedAside {
        /// Where the original bytes are now.
        backup: PathBuf,
        /// Why it was rejected.
        error: String,
    },
    /// The file was unusable and could not even be moved aside. The caller must start from
    /// defaults and must NOT overwrite the file (its content would be lost).
    Stuck {
        /// Why it was rejected, and why moving it failed.
        error: String,
    },
}

/// The user-visible notice for a file that was moved aside.
pub fn corrupt_notice(path: &Path, backup: &Path, error: &str) -> String {
    format!(
        "{} could not be loaded ({error}); the original was kept as {} and defaults are used",
        path.display(),
        backup.display()
    )
}

/// Load a JSON file as `T`; see [`load_with`].
pub fn load_json<T: DeserializeOwned>(path: &Path) -> LoadOutcome<T> {
    load_with(path, |bytes| {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    })
}

/// Read `path` and parse it with `parse`. A missing file is [`LoadOutcome::Missing`]; a file that
/// cannot be read or that `parse` rejects is moved aside (never left to be overwritten).
pub fn load_with<T>(path: &Path, parse: impl FnOnce(&[u8]) -> Result<T, String>) -> LoadOutcome<T> {
    let error = match std::fs::read(path) {
        Ok(bytes) => match parse(&bytes) {
            Ok(v) => return LoadOutcome::Loaded(v),
            Err(e) => e,
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => return LoadOutcome::Missing,
        Err(e) => format!("could not read it: {e}"),
    };
    tracing::warn!(path = %path.display(), %error, "moving unusable file aside");
    match atomic::move_aside(path) {
        Ok(backup) => LoadOutcome::MovedAside { backup, error },
        Err(move_err) => LoadOutcome::Stuck {
            error: format!("{error}; and it could not be moved aside: {move_err}"),
        },
    }
}

/// Check the `"version"` field of a parsed JSON document against the versions we understand.
pub fn check_version(value: &serde_json::Value, supported: u64) -> Result<(), String> {
    match value.get("version").map(serde_json::Value::as_u64) {
        Some(Some(v)) if v == supported => Ok(()),
        Some(Some(v)) => Err(format!(
            "format version {v} is not supported by this build (expected {supported})"
        )),
        Some(None) => Err("\"version\" is not a number".to_owned()),
        None => Err("missing \"version\"".to_owned()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Doc {
        version: u32,
        name: String,
    }

    #[test]
    fn missing_file_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let out: LoadOutcome<Doc> = load_json(&dir.path().join("nope.json"));
        assert!(matches!(out, LoadOutcome::Missing), "{out:?}");
    }

    #[test]
    fn valid_file_loads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("doc.json");
        std::fs::write(&p, r#"{"version":1,"name":"x"}"#).unwrap();
        match load_json::<Doc>(&p) {
            LoadOutcome::Loaded(d) => assert_eq!(
                d,
                Doc {
                    version: 1,
                    name: "x".into()
                }
            ),
            other => panic!("{other:?}"),
        }
        assert!(p.exists());
    }

    #[test]
    fn corrupt_file_is_moved_aside_with_original_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("doc.json");
        let original = b"{\"version\":1,\"name\": tru";
        std::fs::write(&p, original).unwrap();
        let LoadOutcome::MovedAside { backup, error } = load_json::<Doc>(&p) else {
            panic!("expected MovedAside");
        };
        assert!(!p.exists(), "the corrupt file must not stay in place");
        assert_eq!(backup.parent(), Some(dir.path()));
        let backup_name = backup.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            backup_name.starts_with("doc.json.corrupt-"),
            "{backup_name}"
        );
        assert_eq!(std::fs::read(&backup).unwrap(), original);
        assert!(error.contains("line 1"), "{error}");
        let notice = corrupt_notice(&p, &backup, &error);
        assert!(notice.contains(&backup_name), "{notice}");
        assert!(notice.contains("doc.json"), "{notice}");
    }

    #[test]
    fn unreadable_file_is_moved_aside() {
        // A directory where a file is expected cannot be read as a file.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("doc.json");
        std::fs::create_dir(&p).unwrap();
        let out = load_json::<Doc>(&p);
        let LoadOutcome::MovedAside { backup, error } = out else {
            panic!("{out:?}");
        };
        assert!(backup.is_dir());
        assert!(error.contains("could not read"), "{error}");
    }

    #[test]
    fn version_check_messages() {
        assert!(check_version(&serde_json::json!({"version": 1}), 1).is_ok());
        let e = check_version(&serde_json::json!({"version": 7}), 1).unwrap_err();
        assert!(e.contains("version 7"), "{e}");
        assert!(check_version(&serde_json::json!({}), 1).is_err());
    }

    #[test]
    fn error_messages_name_the_file() {
        let e = StoreError::io(
            "read",
            Path::new("/x/agents.json"),
            io::Error::other("boom"),
        );
        assert_eq!(e.to_string(), "could not read /x/agents.json: boom");
    }
}

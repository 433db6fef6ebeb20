//! `input_history.jsonl`: what the user sent from the chat input, for Up/Down recall across
//! restarts. Versioned JSONL lines, appended off the UI task, compacted atomically to the
//! newest [`HISTORY_KEEP`] once the file holds twice that many; read tolerantly.

use crate::core::time::Epoch;
use crate::store::StoreError;
use crate::store::atomic::write_atomic;
use crate::store::jsonl::{count_lines, read_jsonl_tail_with};
use crate::store::paths::ProjectPaths;
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Format version written on every line.
pub const HISTORY_VERSION: u32 = 1;
/// Entries kept after a compaction (and loaded at boot).
pub const HISTORY_KEEP: usize = 500;

/// One persisted submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryLine {
    /// Format version ([`HISTORY_VERSION`]).
    pub v: u32,
    /// When it was sent.
    pub ts: Epoch,
    /// The text as submitted (may span lines).
    pub text: String,
}

/// `<cwd>/.patchfeld/input_history.jsonl`.
pub fn history_path(paths: &ProjectPaths) -> PathBuf {
    paths.dir().join("input_history.jsonl")
}

fn parse_line(line: &[u8]) -> Result<HistoryLine, String> {
    let rec: HistoryLine = serde_json::from_slice(line).map_err(|e| e.to_string())?;
    if rec.v != HISTORY_VERSION {
        return Err(format!("unsupported history line version {}", rec.v));
    }
    Ok(rec)
}

/// The newest `keep` entries, oldest first, and a notice when lines had to be skipped.
pub fn load_history(path: &Path, keep: usize) -> (Vec<String>, Option<String>) {
    match read_jsonl_tail_with(path, keep, parse_line) {
        Ok(read) => {
            let notice = read.skipped_notice(path);
            (read.items.into_iter().map(|l| l.text).collect(), notice)
        }
        Err(e) => (Vec::new(), Some(e.to_string())),
    }
}

/// Append one entry (creating the directory and file); compact to the newest `keep` once
/// the file holds `2 * keep` lines.
pub fn append_history(path: &Path, text: &str, ts: Epoch, keep: usize) -> Result<(), StoreError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io("create", dir, e))?;
    }
    let line = HistoryLine {
        v: HISTORY_VERSION,
        ts,
        text: text.to_owned(),
    };
    let mut bytes = serde_json::to_vec(&line).map_err(|source| StoreError::Encode {
        path: path.to_path_buf(),
        source,
    })?;
    bytes.push(b'\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .map_err(|e| StoreError::io("open", path, e))?;
    // A line torn by a crash must not swallow this one.
    let len = f
        .metadata()
        .map_err(|e| StoreError::io("read", path, e))?
        .len();
    if len > 0 {
        let mut last = [0u8; 1];
        f.seek(SeekFrom::Start(len - 1))
            .and_then(|_| f.read_exact(&mut last))
            .map_err(|e| StoreError::io("read", path, e))?;
        if last[0] != b'\n' {
            bytes.insert(0, b'\n');
        }
    }
    f.write_all(&bytes)
        .map_err(|e| StoreError::io("write", path, e))?;
    drop(f);
    if count_lines(path)? >= 2 * keep {
        let tail = read_jsonl_tail_with(path, keep, parse_line)?;
        let mut out = Vec::new();
        for l in &tail.items {
            let mut b = serde_json::to_vec(l).map_err(|source| StoreError::Encode {
                path: path.to_path_buf(),
                source,
            })?;
            b.push(b'\n');
            out.extend_from_slice(&b);
        }
        write_atomic(path, &out)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn appends_reloads_multiline_and_compacts() {
        let dir = tempfile::tempdir().unwrap();
        let path = history_path(&ProjectPaths::new(dir.path()));
        assert_eq!(load_history(&path, 10), (Vec::new(), None));
        append_history(&path, "one\ntwo", 1.0, 3).unwrap();
        append_history(&path, "three", 2.0, 3).unwrap();
        assert_eq!(load_history(&path, 10).0, ["one\ntwo", "three"]);
        for i in 0..4 {
            append_history(&path, &format!("n{i}"), 3.0, 3).unwrap();
        }
        // 6 lines reached 2 * keep: compacted to the newest 3.
        assert_eq!(count_lines(&path).unwrap(), 3);
        assert_eq!(load_history(&path, 10).0, ["n1", "n2", "n3"]);
        // A torn line is skipped with a notice, the rest still loads.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"v\":1,\"ts\":")
            .unwrap();
        let (items, notice) = load_history(&path, 10);
        assert_eq!(items, ["n1", "n2", "n3"]);
        assert!(notice.unwrap().contains("input_history.jsonl"));
        append_history(&path, "after", 4.0, 10).unwrap();
        assert_eq!(load_history(&path, 10).0, ["n1", "n2", "n3", "after"]);
    }
}

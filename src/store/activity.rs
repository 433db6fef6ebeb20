//! `activity.jsonl`: the activity feed across restarts. Versioned JSONL lines, appended by a
//! writer thread (never the UI thread), compacted atomically to the newest [`ACTIVITY_KEEP`]
//! lines once the file holds twice that many; read tolerantly (bad or torn lines skipped).

use crate::core::time::Epoch;
use crate::store::StoreError;
use crate::store::atomic::write_atomic;
use crate::store::jsonl::{count_lines, read_jsonl_tail_with};
use crate::store::paths::ProjectPaths;
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// Format version written on every line.
pub const ACTIVITY_VERSION: u32 = 1;
/// Lines kept after a compaction (and loaded at boot).
pub const ACTIVITY_KEEP: usize = 2000;

/// How an activity line is coloured and filtered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityLevel {
    /// Progress: spawned, state changes, tool calls.
    Normal,
    /// Needs the user: permission requests, asks.
    Attention,
    /// An informational notice.
    Info,
    /// A warning.
    Warning,
    /// An error (with its reason).
    Error,
}

/// One persisted feed line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityRecord {
    /// Format version ([`ACTIVITY_VERSION`]).
    pub v: u32,
    /// When it happened.
    pub ts: Epoch,
    /// Agent name, or `patchfeld` for app-level lines.
    pub who: String,
    /// The agent's id when the line is about an agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// What happened, one line.
    pub what: String,
    /// Colour / filter class.
    pub level: ActivityLevel,
}

fn parse_line(line: &[u8]) -> Result<ActivityRecord, String> {
    let rec: ActivityRecord = serde_json::from_slice(line).map_err(|e| e.to_string())?;
    if rec.v != ACTIVITY_VERSION {
        return Err(format!("unsupported activity line version {}", rec.v));
    }
    Ok(rec)
}

/// The newest `keep` readable lines of `path` and what to tell the user. A torn last line (a
/// crash mid-append) is expected and only logged; other bad lines are reported.
pub fn load_activity_from(path: &Path, keep: usize) -> (Vec<ActivityRecord>, Vec<String>) {
    match read_jsonl_tail_with(path, keep, parse_line) {
        Ok(read) => {
            let mut notices = Vec::new();
            let bad = read.skipped.len() - usize::from(read.truncated_tail);
            if bad > 0 {
                notices.extend(read.skipped_notice(path));
            } else if read.truncated_tail {
                tracing::info!(path = %path.display(), "activity log had a torn last line");
            }
            (read.items, notices)
        }
        Err(e) => (Vec::new(), vec![format!("activity feed not restored: {e}")]),
    }
}

/// [`load_activity_from`] for the project's `activity.jsonl`.
pub fn load_activity(paths: &ProjectPaths) -> (Vec<ActivityRecord>, Vec<String>) {
    load_activity_from(&paths.activity(), ACTIVITY_KEEP)
}

/// The file as the writer sees it: an append handle and its line count.
struct LogFile {
    path: PathBuf,
    keep: usize,
    file: Option<std::fs::File>,
    lines: usize,
}

impl LogFile {
    fn open(path: PathBuf, keep: usize) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::io("create", dir, e))?;
        }
        let lines = count_lines(&path)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| StoreError::io("open", &path, e))?;
        // A torn last line must not swallow the next record: end it first.
        let len = file
            .metadata()
            .map_err(|e| StoreError::io("read", &path, e))?
            .len();
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))
                .and_then(|_| file.read_exact(&mut last))
                .map_err(|e| StoreError::io("read", &path, e))?;
            if last[0] != b'\n' {
                file.write_all(b"\n")
                    .map_err(|e| StoreError::io("write", &path, e))?;
            }
        }
        Ok(Self {
            path,
            keep,
            file: Some(file),
            lines,
        })
    }

    fn append(&mut self, batch: &[ActivityRecord]) -> Result<(), StoreError> {
        let mut bytes = Vec::with_capacity(batch.len() * 128);
        for r in batch {
            serde_json::to_writer(&mut bytes, r).map_err(|e| StoreError::Encode {
                path: self.path.clone(),
                source: e,
            })?;
            bytes.push(b'\n');
        }
        let file = match self.file.as_mut() {
            Some(f) => f,
            None => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .map_err(|e| StoreError::io("open", &self.path, e))?;
                self.file.insert(f)
            }
        };
        file.write_all(&bytes)
            .map_err(|e| StoreError::io("write", &self.path, e))?;
        self.lines += batch.len();
        if self.lines > 2 * self.keep {
            self.compact()?;
        }
        Ok(())
    }

    /// Rewrite the file with its newest `keep` lines (temp file + rename: a crash leaves either
    /// the old or the new file, never a mix).
    fn compact(&mut self) -> Result<(), StoreError> {
        let read = read_jsonl_tail_with(&self.path, self.keep, parse_line)?;
        let mut bytes = Vec::with_capacity(read.items.len() * 128);
        for r in &read.items {
            serde_json::to_writer(&mut bytes, r).map_err(|e| StoreError::Encode {
                path: self.path.clone(),
                source: e,
            })?;
            bytes.push(b'\n');
        }
        self.file = None;
        write_atomic(&self.path, &bytes)?;
        self.lines = read.items.len();
        Ok(())
    }
}

/// Appends feed lines from a writer thread. Cheap to clone; sending never blocks.
#[derive(Debug, Clone)]
pub struct ActivityAppender {
    tx: mpsc::Sender<Vec<ActivityRecord>>,
    path: PathBuf,
}

impl PartialEq for ActivityAppender {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

/// The writer thread; [`close`](Self::close) waits for what was sent to be written.
#[derive(Debug)]
pub struct ActivityLog {
    appender: ActivityAppender,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ActivityLog {
    /// Start the writer for `path`, compacting beyond `2 × keep` lines.
    pub fn start(path: PathBuf, keep: usize) -> Result<Self, StoreError> {
        let (tx, rx) = mpsc::channel::<Vec<ActivityRecord>>();
        let thread_path = path.clone();
        let thread = std::thread::Builder::new()
            .name("activity-log".into())
            .spawn(move || writer(thread_path, keep, &rx))
            .map_err(|e| StoreError::io("start a writer for", &path, e))?;
        Ok(Self {
            appender: ActivityAppender { tx, path },
            thread: Some(thread),
        })
    }

    /// A sender for the UI.
    pub fn appender(&self) -> ActivityAppender {
        self.appender.clone()
    }

    /// Stop after writing everything sent so far (every appender clone must be dropped first,
    /// or this returns once the channel closes anyway when they go).
    pub fn close(self) {
        let Self { appender, thread } = self;
        drop(appender);
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

impl ActivityAppender {
    /// Queue lines for the writer.
    pub fn append(&self, batch: Vec<ActivityRecord>) {
        if !batch.is_empty() && self.tx.send(batch).is_err() {
            tracing::warn!("activity writer has stopped; lines dropped");
        }
    }
}

fn writer(path: PathBuf, keep: usize, rx: &mpsc::Receiver<Vec<ActivityRecord>>) {
    let mut log = match LogFile::open(path.clone(), keep) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("activity log disabled: {e}");
            return;
        }
    };
    while let Ok(mut batch) = rx.recv() {
        while let Ok(more) = rx.try_recv() {
            batch.extend(more);
        }
        if let Err(e) = log.append(&batch) {
            tracing::warn!(path = %path.display(), "activity append failed: {e}");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn rec(i: usize) -> ActivityRecord {
        ActivityRecord {
            v: ACTIVITY_VERSION,
            ts: i as f64,
            who: "alpha".into(),
            agent: Some("0123456789ab".into()),
            what: format!("line {i}"),
            level: ActivityLevel::Normal,
        }
    }

    fn whats(r: &[ActivityRecord]) -> Vec<String> {
        r.iter().map(|r| r.what.clone()).collect()
    }

    #[test]
    fn lines_written_by_the_thread_load_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".patchfeld/activity.jsonl");
        let log = ActivityLog::start(path.clone(), 10).unwrap();
        let a = log.appender();
        a.append(vec![rec(0), rec(1)]);
        a.append(vec![rec(2)]);
        drop(a);
        log.close();
        let (items, notices) = load_activity_from(&path, 10);
        assert_eq!(whats(&items), ["line 0", "line 1", "line 2"]);
        assert!(notices.is_empty(), "{notices:?}");
    }

    #[test]
    fn compacts_to_the_newest_lines_past_twice_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("activity.jsonl");
        let mut f = LogFile::open(path.clone(), 5).unwrap();
        for i in 0..10 {
            f.append(&[rec(i)]).unwrap();
        }
        assert_eq!(count_lines(&path).unwrap(), 10, "not past 2 × cap yet");
        f.append(&[rec(10)]).unwrap();
        assert_eq!(count_lines(&path).unwrap(), 5, "compacted");
        let (items, _) = load_activity_from(&path, 100);
        assert_eq!(
            whats(&items),
            ["line 6", "line 7", "line 8", "line 9", "line 10"]
        );
        // Appending goes on after the rewrite (a fresh handle on the new file).
        f.append(&[rec(11)]).unwrap();
        let (items, _) = load_activity_from(&path, 100);
        assert_eq!(items.len(), 6);
        assert_eq!(items.last().unwrap().what, "line 11");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "no temp files left: {leftovers:?}");
    }

    #[test]
    fn torn_tail_is_skipped_silently_and_the_next_append_starts_a_new_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("activity.jsonl");
        let good = serde_json::to_string(&rec(1)).unwrap();
        std::fs::write(&path, format!("{good}\n{{\"v\":1,\"ts\":2,\"who\":\"al")).unwrap();
        let (items, notices) = load_activity_from(&path, 10);
        assert_eq!(whats(&items), ["line 1"]);
        assert!(notices.is_empty(), "a torn tail is not news: {notices:?}");
        let mut f = LogFile::open(path.clone(), 10).unwrap();
        f.append(&[rec(3)]).unwrap();
        let (items, _) = load_activity_from(&path, 10);
        assert_eq!(whats(&items), ["line 1", "line 3"]);
    }

    #[test]
    fn garbage_and_future_versions_are_skipped_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("activity.jsonl");
        let mut future = rec(2);
        future.v = 9;
        let text = format!(
            "{}\nnot json\n{}\n{}\n",
            serde_json::to_string(&rec(1)).unwrap(),
            serde_json::to_string(&future).unwrap(),
            serde_json::to_string(&rec(3)).unwrap()
        );
        std::fs::write(&path, text).unwrap();
        let (items, notices) = load_activity_from(&path, 10);
        assert_eq!(whats(&items), ["line 1", "line 3"]);
        assert_eq!(notices.len(), 1);
        assert!(notices[0].contains("2 unreadable"), "{notices:?}");
    }

    #[test]
    fn load_keeps_only_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("activity.jsonl");
        let text: String = (0..50)
            .map(|i| serde_json::to_string(&rec(i)).unwrap() + "\n")
            .collect();
        std::fs::write(&path, text).unwrap();
        let (items, _) = load_activity_from(&path, 3);
        assert_eq!(whats(&items), ["line 47", "line 48", "line 49"]);
        let (none, notices) = load_activity_from(&dir.path().join("missing.jsonl"), 3);
        assert!(none.is_empty() && notices.is_empty());
    }
}

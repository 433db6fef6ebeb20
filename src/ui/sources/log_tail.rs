//! The LogTail worker: reads the last lines of a file, then follows it through `notify` (its
//! directory is watched, so creation and rotation are seen — no polling). Only whole lines are
//! reported. A file that shrank, was replaced (another inode) or whose bytes before our offset
//! changed (truncated and rewritten past the old size between two events) is re-read from the
//! start.

use crate::ui::sources::files::{FilesEventKind, Poster, Request};
use crate::ui::sources::fs_watch::Msg;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};

/// Bytes before the read offset remembered to notice a rewrite.
const SIG: u64 = 64;
/// Bytes read per step when looking for the last lines.
const BACK_CHUNK: u64 = 64 * 1024;
/// At most this much is read for the initial tail.
const MAX_TAIL_BYTES: u64 = 16 << 20;

/// What the LogTail worker reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LogEvent {
    /// Start over with these lines (opened, or re-opened after truncation or rotation).
    Reset {
        /// The last lines of the file (at most the panel's `lines`).
        lines: Vec<String>,
        /// Why it started over: `None` on open, else "truncated" / "replaced".
        reason: Option<&'static str>,
    },
    /// New whole lines at the end.
    Appended(Vec<String>),
    /// The file does not exist (yet); it is picked up when it appears.
    Missing,
    /// Reading failed.
    Failed(String),
}

struct Tail {
    path: PathBuf,
    keep: usize,
    ino: u64,
    /// Everything before this is reported (always just after a newline, or 0).
    offset: u64,
    /// The bytes just before `offset`.
    sig: Vec<u8>,
}

impl Tail {
    /// (Re)open and report the last `keep` whole lines.
    fn open(&mut self, reason: Option<&'static str>) -> LogEvent {
        let mut f = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.ino = 0;
                self.offset = 0;
                self.sig.clear();
                return LogEvent::Missing;
            }
            Err(e) => return LogEvent::Failed(e.to_string()),
        };
        match self.read_tail(&mut f) {
            Ok(lines) => LogEvent::Reset { lines, reason },
            Err(e) => LogEvent::Failed(e.to_string()),
        }
    }

    fn read_tail(&mut self, f: &mut File) -> std::io::Result<Vec<String>> {
        let meta = f.metadata()?;
        self.ino = meta.ino();
        let len = meta.len();
        // Walk back from the end until enough newlines are seen.
        let mut from = len;
        let mut newlines = 0usize;
        let mut buf = vec![0u8; BACK_CHUNK as usize];
        while from > 0 && newlines <= self.keep && len - from < MAX_TAIL_BYTES {
            let step = BACK_CHUNK.min(from);
            from -= step;
            f.seek(SeekFrom::Start(from))?;
            f.read_exact(&mut buf[..step as usize])?;
            newlines += buf[..step as usize].iter().filter(|b| **b == b'\n').count();
        }
        f.seek(SeekFrom::Start(from))?;
        let mut bytes = Vec::with_capacity((len - from) as usize);
        f.take(len - from).read_to_end(&mut bytes)?;
        let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        // A partial first line (we started mid-line) is dropped unless it is the file's start.
        let skip = if from == 0 {
            0
        } else {
            bytes[..whole]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(whole, |i| i + 1)
        };
        let mut lines = split_lines(&bytes[skip..whole]);
        if lines.len() > self.keep {
            lines.drain(..lines.len() - self.keep);
        }
        self.set_offset(from + whole as u64, &bytes[..whole]);
        Ok(lines)
    }

    fn set_offset(&mut self, offset: u64, before: &[u8]) {
        self.offset = offset;
        let n = (SIG as usize).min(before.len());
        if before.len() >= SIG as usize || offset == before.len() as u64 {
            self.sig = before[before.len() - n..].to_vec();
        } else {
            // Not enough new bytes: keep the tail of the old signature too.
            let mut s = std::mem::take(&mut self.sig);
            s.extend_from_slice(before);
            let cut = s.len().saturating_sub(SIG as usize);
            self.sig = s.split_off(cut);
        }
    }

    /// Something in the directory changed: report what is new about our file.
    fn changed(&mut self) -> Option<LogEvent> {
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            // Rotated away and not yet re-created: wait for the creation event.
            Err(_) => return None,
        };
        if self.ino == 0 {
            return Some(self.open(None));
        }
        if meta.ino() != self.ino {
            return Some(self.open(Some("replaced")));
        }
        let len = meta.len();
        if len < self.offset {
            return Some(self.open(Some("truncated")));
        }
        let mut f = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) => return Some(LogEvent::Failed(e.to_string())),
        };
        if !self.sig_matches(&mut f) {
            return Some(self.open(Some("truncated")));
        }
        if len == self.offset {
            return None;
        }
        let mut bytes = Vec::with_capacity((len - self.offset) as usize);
        let read = f
            .seek(SeekFrom::Start(self.offset))
            .and_then(|_| (&mut f).take(len - self.offset).read_to_end(&mut bytes));
        if let Err(e) = read {
            return Some(LogEvent::Failed(e.to_string()));
        }
        let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        if whole == 0 {
            return None;
        }
        let lines = split_lines(&bytes[..whole]);
        self.set_offset(self.offset + whole as u64, &bytes[..whole]);
        Some(LogEvent::Appended(lines))
    }

    fn sig_matches(&self, f: &mut File) -> bool {
        let n = self.sig.len() as u64;
        if n == 0 {
            return true;
        }
        let mut buf = vec![0u8; n as usize];
        f.seek(SeekFrom::Start(self.offset - n))
            .and_then(|_| f.read_exact(&mut buf))
            .is_ok_and(|()| buf == self.sig)
    }
}

fn split_lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
        .collect()
}

/// The worker.
pub(crate) fn run(
    path: PathBuf,
    keep: usize,
    post: Poster,
    rx: Receiver<Msg<Request>>,
    tx: Sender<Msg<Request>>,
) {
    let _watcher = crate::ui::sources::file_reader::watch_parent(&path, tx, &post);
    let mut tail = Tail {
        path: path.clone(),
        keep: keep.max(1),
        ino: 0,
        offset: 0,
        sig: Vec::new(),
    };
    if !post.send(FilesEventKind::Log(tail.open(None))) {
        return;
    }
    while let Ok(msg) = rx.recv() {
        let mut touched = false;
        let mut handle = |m: Msg<Request>| -> bool {
            match m {
                Msg::Stop => return false,
                Msg::Req(_) => {}
                Msg::Fs(paths) => touched |= crate::ui::sources::fs_watch::touches(&paths, &path),
            }
            true
        };
        if !handle(msg) {
            return;
        }
        // Coalesce what is already queued (no timer: a burst of writes costs one read).
        while let Ok(m) = rx.try_recv() {
            if !handle(m) {
                return;
            }
        }
        if touched
            && let Some(ev) = tail.changed()
            && !post.send(FilesEventKind::Log(ev))
        {
            return;
        }
    }
}

/// Read the last `keep` lines of `path` (tests and the initial read).
#[cfg(test)]
pub(crate) fn last_lines(path: &std::path::Path, keep: usize) -> Vec<String> {
    let mut t = Tail {
        path: path.to_path_buf(),
        keep,
        ino: 0,
        offset: 0,
        sig: Vec::new(),
    };
    match t.open(None) {
        LogEvent::Reset { lines, .. } => lines,
        _ => Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_last_lines_skip_a_partial_first_and_last_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.log");
        let body: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&p, format!("{body}partial")).unwrap();
        let lines = last_lines(&p, 3);
        assert_eq!(lines, ["line 99997", "line 99998", "line 99999"]);
        std::fs::write(&p, "one\ntwo\n").unwrap();
        assert_eq!(last_lines(&p, 10), ["one", "two"]);
    }
}

//! Transcripts read by position instead of in full: an index of where each entry's line starts
//! in `transcripts/<id>.jsonl`, and a reader that decodes the entry at such an offset. A panel
//! showing a 50 000-line transcript keeps the index (8 bytes an entry) and reads back only the
//! entries it draws (issue 11: "only what's visible plus an index").

use crate::core::transcript::TranscriptEntry;
use crate::store::StoreError;
use crate::store::transcripts::parse_transcript_line;
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind};
use std::path::{Path, PathBuf};

/// Where the entries of one transcript file are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TranscriptIndex {
    /// The file.
    pub path: PathBuf,
    /// Byte offset of each entry's line, oldest first (lines that do not parse are left out).
    pub offsets: Vec<u64>,
    /// End of the last complete line indexed: a line starting at or after it is not covered
    /// (an entry being written while the index was built).
    pub end: u64,
    /// Lines that did not parse (skipped).
    pub skipped: usize,
}

/// Index `path`: every complete line that parses as a transcript entry (ours or the
/// predecessor's). A missing file is an empty index.
pub fn index_transcript(path: &Path) -> Result<TranscriptIndex, StoreError> {
    let mut index = TranscriptIndex {
        path: path.to_path_buf(),
        ..TranscriptIndex::default()
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(index),
        Err(e) => return Err(StoreError::io("open", path, e)),
    };
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut line = Vec::new();
    let mut at = 0u64;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| StoreError::io("read", path, e))?;
        if n == 0 || line.last() != Some(&b'\n') {
            // EOF, or a line still being written (or torn by a crash): not covered.
            break;
        }
        let body = trim_line(&line);
        if !body.iter().all(u8::is_ascii_whitespace) {
            if parse_transcript_line(body).is_ok() {
                index.offsets.push(at);
            } else {
                index.skipped += 1;
            }
        }
        at += n as u64;
        index.end = at;
    }
    Ok(index)
}

fn trim_line(raw: &[u8]) -> &[u8] {
    let body = raw.strip_suffix(b"\n").unwrap_or(raw);
    body.strip_suffix(b"\r").unwrap_or(body)
}

/// Decodes the entry at a byte offset of one transcript file. Keeps the file open and its
/// read buffer, so reading entries in order (a newly shown range, a search) is sequential IO.
#[derive(Debug)]
pub struct TranscriptReader {
    path: PathBuf,
    file: Option<BufReader<File>>,
    /// Offset the reader is at.
    pos: u64,
    line: Vec<u8>,
}

impl TranscriptReader {
    /// A reader of `path` (opened on first use).
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            file: None,
            pos: 0,
            line: Vec::new(),
        }
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entry whose line starts at `offset`. Errors name the file and the offset.
    pub fn read_at(&mut self, offset: u64) -> Result<TranscriptEntry, String> {
        let r = self.read_line_at(offset);
        if r.is_err() {
            // Reopen next time (the file may have been replaced).
            self.file = None;
        }
        r.map_err(|e| format!("{} at byte {offset}: {e}", self.path.display()))
    }

    fn read_line_at(&mut self, offset: u64) -> Result<TranscriptEntry, String> {
        let file = match &mut self.file {
            Some(f) => f,
            None => {
                let f = File::open(&self.path).map_err(|e| e.to_string())?;
                self.pos = 0;
                self.file.insert(BufReader::with_capacity(32 * 1024, f))
            }
        };
        if offset != self.pos {
            let delta = i64::try_from(offset).unwrap_or(i64::MAX)
                - i64::try_from(self.pos).unwrap_or(i64::MAX);
            // Within the buffer this keeps it (a tool result read right after its call).
            file.seek_relative(delta).map_err(|e| e.to_string())?;
            self.pos = offset;
        }
        self.line.clear();
        let n = file
            .read_until(b'\n', &mut self.line)
            .map_err(|e| e.to_string())?;
        self.pos += n as u64;
        if n == 0 {
            return Err("no line there (the file is shorter)".to_owned());
        }
        parse_transcript_line(trim_line(&self.line))
    }
}

/// A transcript file written the way the engine writes one, for UI tests.
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) struct TestTranscript {
    dir: tempfile::TempDir,
    writer: crate::store::transcripts::TranscriptWriter,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
impl TestTranscript {
    /// An empty transcript file in a fresh temp dir (removed on drop).
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let writer =
            crate::store::transcripts::TranscriptWriter::open_path(&dir.path().join("t.jsonl"))
                .unwrap();
        Self { dir, writer }
    }

    /// A file holding `entries`.
    pub(crate) fn with(entries: &[TranscriptEntry]) -> Self {
        let mut t = Self::new();
        for e in entries {
            t.append_buffered(e);
        }
        t.flush();
        t
    }

    /// Append without flushing (the writer's buffer holds it); returns where its line starts.
    pub(crate) fn append_buffered(&mut self, entry: &TranscriptEntry) -> u64 {
        let at = self.writer.position().unwrap();
        self.writer.append(entry).unwrap();
        at
    }

    /// Append and flush; returns where its line starts.
    pub(crate) fn append(&mut self, entry: &TranscriptEntry) -> u64 {
        let at = self.append_buffered(entry);
        self.flush();
        at
    }

    /// Hand buffered lines to the file.
    pub(crate) fn flush(&mut self) {
        self.writer.flush().unwrap();
    }

    /// Index the file as it is now.
    pub(crate) fn index(&self) -> TranscriptIndex {
        index_transcript(&self.dir.path().join("t.jsonl")).unwrap()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::core::transcript::TranscriptItem;
    use crate::store::transcripts::TranscriptWriter;

    #[test]
    fn offsets_from_the_writer_and_the_index_agree_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let mut w = TranscriptWriter::open_path(&path).unwrap();
        let mut at = Vec::new();
        for i in 0..50 {
            at.push(w.position().unwrap());
            w.append(&TranscriptEntry::assistant(
                f64::from(i),
                &format!("line {i} {}", "x".repeat(i as usize)),
            ))
            .unwrap();
        }
        w.flush().unwrap();
        let index = index_transcript(&path).unwrap();
        assert_eq!(index.offsets, at);
        assert_eq!(index.end, std::fs::metadata(&path).unwrap().len());
        assert_eq!(w.position(), Some(index.end));
        let mut r = TranscriptReader::new(path);
        // Backwards, forwards, and the same one twice.
        for i in [49usize, 0, 1, 2, 30, 30, 7] {
            assert_eq!(
                r.read_at(at[i]).unwrap(),
                TranscriptEntry::assistant(i as f64, &format!("line {i} {}", "x".repeat(i)))
            );
        }
    }

    #[test]
    fn a_line_being_written_and_bad_lines_are_not_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let good = serde_json::to_string(&TranscriptEntry::assistant(1.0, "a")).unwrap();
        let legacy = r#"{"role": "user", "text": "hi"}"#;
        std::fs::write(
            &path,
            format!("{good}\nnot json\n\n{legacy}\n{good}"), // last one has no newline yet
        )
        .unwrap();
        let index = index_transcript(&path).unwrap();
        let legacy_at = (good.len() + 1 + "not json\n\n".len()) as u64;
        assert_eq!(index.offsets, [0, legacy_at]);
        assert_eq!(index.skipped, 1);
        assert_eq!(index.end, legacy_at + legacy.len() as u64 + 1);
        let mut r = TranscriptReader::new(path.clone());
        assert!(matches!(
            r.read_at(legacy_at).unwrap().item,
            TranscriptItem::User { text } if text == "hi"
        ));
        let e = r.read_at(u64::from(good.len() as u32) + 1).unwrap_err();
        assert!(e.contains("t.jsonl at byte"), "{e}");
        let e = r.read_at(10_000).unwrap_err();
        assert!(e.contains("shorter"), "{e}");
        assert!(
            index_transcript(&dir.path().join("missing.jsonl"))
                .unwrap()
                .offsets
                .is_empty()
        );
    }
}

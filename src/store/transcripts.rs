//! Per-agent transcripts: buffered append-only JSONL writer, and readers that also understand
//! the predecessor's `{"role","text","tool_id","tool_name"}` lines.

use crate::core::ids::AgentId;
use crate::core::transcript::{TranscriptEntry, TranscriptItem};
use crate::store::StoreError;
use crate::store::jsonl::{self, JsonlRead};
use crate::store::paths::{ProjectPaths, check_agent_id};
use serde::Deserialize;
use serde_json::Value;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Appends one agent's transcript entries to `transcripts/<id>.jsonl`.
///
/// Buffered and never fsynced per line: ingest must keep up with tens of thousands of lines per
/// second. Entries reach the file on [`flush`](Self::flush) (call it when a turn settles and
/// before reading the file back) and on drop; a crash loses at most the buffer, and a torn last
/// line is skipped by the reader.
#[derive(Debug)]
pub struct TranscriptWriter {
    path: PathBuf,
    out: BufWriter<File>,
    /// Where the next entry's line starts in the file; unknown after a failed write.
    pos: Option<u64>,
    /// One encoded entry (reused).
    line: Vec<u8>,
}

impl TranscriptWriter {
    /// Open (creating the transcripts dir and the file) for appending.
    pub fn open(paths: &ProjectPaths, id: &AgentId) -> Result<Self, StoreError> {
        check_agent_id(id)?;
        Self::open_path(&paths.transcript(id))
    }

    /// Open an explicit file for appending (orchestrator session journals).
    pub fn open_path(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::io("create directory", dir, e))?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(|e| StoreError::io("open", path, e))?;
        let (len, torn) =
            ends_without_newline(&mut file).map_err(|e| StoreError::io("read", path, e))?;
        let mut out = BufWriter::with_capacity(64 * 1024, file);
        if torn {
            // A previous run died mid-line: terminate it so our first entry is not glued to it.
            out.write_all(b"\n")
                .map_err(|e| StoreError::io("write", path, e))?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            out,
            pos: Some(len + u64::from(torn)),
            line: Vec::new(),
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Byte offset in the file where the next appended entry's line will start (`None` once
    /// a write failed: what reached the file is then unknown). Readers use it to find an entry
    /// again without keeping it (`store::transcript_index`).
    pub fn position(&self) -> Option<u64> {
        self.pos
    }

    /// Append one entry (buffered).
    pub fn append(&mut self, entry: &TranscriptEntry) -> Result<(), StoreError> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, entry).map_err(|source| StoreError::Encode {
            path: self.path.clone(),
            source,
        })?;
        self.line.push(b'\n');
        match self.out.write_all(&self.line) {
            Ok(()) => {
                self.pos = self.pos.map(|p| p + self.line.len() as u64);
                Ok(())
            }
            Err(e) => {
                self.pos = None;
                Err(StoreError::io("write", &self.path, e))
            }
        }
    }

    /// Hand buffered entries to the OS (no fsync).
    pub fn flush(&mut self) -> Result<(), StoreError> {
        self.out.flush().map_err(|e| {
            self.pos = None;
            StoreError::io("write", &self.path, e)
        })
    }
}

/// The file's length, and whether it ends inside a line.
fn ends_without_newline(file: &mut File) -> std::io::Result<(u64, bool)> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok((0, false));
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok((len, last[0] != b'\n'))
}

/// The predecessor's transcript line.
#[derive(Debug, Deserialize)]
struct LegacyLine {
    role: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    tool_id: Option<String>,
    #[serde(default)]
    tool_name: Option<String>,
}

impl LegacyLine {
    fn into_item(self, raw: &[u8]) -> TranscriptItem {
        let text = self.text.unwrap_or_default();
        match self.role.as_str() {
            "user" => TranscriptItem::User { text },
            "assistant" => TranscriptItem::Assistant { text },
            "thinking" => TranscriptItem::Thinking { text },
            // The predecessor stored a truncated Python repr of the input; keep it as text.
            "tool_use" => TranscriptItem::ToolUse {
                id: self.tool_id.unwrap_or_default(),
                name: self.tool_name.unwrap_or_default(),
                input: Value::String(text),
            },
            "tool_result" => TranscriptItem::ToolResult {
                tool_use_id: self.tool_id.unwrap_or_default(),
                content: Value::String(text),
                is_error: false,
            },
            _ => TranscriptItem::Unknown {
                raw: String::from_utf8_lossy(raw).into_owned(),
            },
        }
    }
}

/// Parse one transcript line: ours, or the predecessor's (which has no timestamp: `ts` = 0).
pub fn parse_transcript_line(line: &[u8]) -> Result<TranscriptEntry, String> {
    match serde_json::from_slice::<TranscriptEntry>(line) {
        Ok(e) => Ok(e),
        Err(ours) => match serde_json::from_slice::<LegacyLine>(line) {
            Ok(legacy) => Ok(TranscriptEntry {
                ts: 0.0,
                item: legacy.into_item(line),
            }),
            Err(_) => Err(ours.to_string()),
        },
    }
}

/// Read an agent's whole transcript (missing file: empty).
pub fn read_transcript(
    paths: &ProjectPaths,
    id: &AgentId,
) -> Result<JsonlRead<TranscriptEntry>, StoreError> {
    check_agent_id(id)?;
    jsonl::read_jsonl_with(&paths.transcript(id), parse_transcript_line)
}

/// The last `n` entries of an agent's transcript, reading only the end of the file.
pub fn read_transcript_tail(
    paths: &ProjectPaths,
    id: &AgentId,
    n: usize,
) -> Result<JsonlRead<TranscriptEntry>, StoreError> {
    check_agent_id(id)?;
    jsonl::read_jsonl_tail_with(&paths.transcript(id), n, parse_transcript_line)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::core::transcript::NoticeLevel;
    use serde_json::json;

    fn entry(ts: f64, text: &str) -> TranscriptEntry {
        TranscriptEntry::assistant(ts, text)
    }

    #[test]
    fn writer_appends_and_reader_reads_back_in_full() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let id = AgentId("0123456789ab".into());
        let big = "y".repeat(50_000);
        let entries = vec![
            entry(1.0, "hello"),
            TranscriptEntry {
                ts: 2.0,
                item: TranscriptItem::ToolUse {
                    id: "toolu_1".into(),
                    name: "Bash".into(),
                    input: json!({"command": big}),
                },
            },
            TranscriptEntry {
                ts: 3.0,
                item: TranscriptItem::Notice {
                    level: NoticeLevel::Warning,
                    text: "careful".into(),
                },
            },
        ];
        {
            let mut w = TranscriptWriter::open(&paths, &id).unwrap();
            for e in &entries[..2] {
                w.append(e).unwrap();
            }
            w.flush().unwrap();
            assert_eq!(read_transcript(&paths, &id).unwrap().items, entries[..2]);
        }
        // Reopening appends (and drop flushes).
        {
            let mut w = TranscriptWriter::open(&paths, &id).unwrap();
            w.append(&entries[2]).unwrap();
        }
        let r = read_transcript(&paths, &id).unwrap();
        assert_eq!(r.items, entries);
        assert!(r.skipped.is_empty());
        let tail = read_transcript_tail(&paths, &id, 1).unwrap();
        assert_eq!(tail.items, entries[2..]);
    }

    #[test]
    fn torn_line_from_a_crash_does_not_swallow_the_next_entry() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let id = AgentId("0123456789ab".into());
        std::fs::create_dir_all(paths.transcripts_dir()).unwrap();
        let good = serde_json::to_string(&entry(1.0, "a")).unwrap();
        std::fs::write(paths.transcript(&id), format!("{good}\n{{\"ts\":2.0,\"ki")).unwrap();
        let before = read_transcript(&paths, &id).unwrap();
        assert!(before.truncated_tail);
        let mut w = TranscriptWriter::open(&paths, &id).unwrap();
        w.append(&entry(3.0, "b")).unwrap();
        w.flush().unwrap();
        let r = read_transcript(&paths, &id).unwrap();
        assert_eq!(r.items, vec![entry(1.0, "a"), entry(3.0, "b")]);
        assert_eq!(r.skipped.len(), 1);
        assert_eq!(r.skipped[0].0, 2);
        assert!(!r.truncated_tail);
    }

    #[test]
    fn predecessor_lines_are_understood() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let id = AgentId("3f9c0a1b2c4d".into());
        std::fs::create_dir_all(paths.transcripts_dir()).unwrap();
        let lines = [
            r#"{"role": "user", "text": "run tests", "tool_id": null, "tool_name": null}"#,
            r#"{"role": "thinking", "text": "hmm", "tool_id": null, "tool_name": null}"#,
            r#"{"role": "tool_use", "text": "[Bash] {'command': 'pytest -x'}", "tool_id": "toolu_01", "tool_name": "Bash"}"#,
            r#"{"role": "tool_result", "text": "3 passed", "tool_id": "toolu_01", "tool_name": null}"#,
            r#"{"role": "assistant", "text": "All good.", "extra": 1}"#,
            r#"{"role": "system", "text": "?"}"#,
        ];
        std::fs::write(paths.transcript(&id), lines.join("\n") + "\n").unwrap();
        let r = read_transcript(&paths, &id).unwrap();
        assert!(r.skipped.is_empty(), "{:?}", r.skipped);
        let items: Vec<TranscriptItem> = r.items.into_iter().map(|e| e.item).collect();
        assert_eq!(
            items[..5],
            [
                TranscriptItem::User {
                    text: "run tests".into()
                },
                TranscriptItem::Thinking { text: "hmm".into() },
                TranscriptItem::ToolUse {
                    id: "toolu_01".into(),
                    name: "Bash".into(),
                    input: json!("[Bash] {'command': 'pytest -x'}"),
                },
                TranscriptItem::ToolResult {
                    tool_use_id: "toolu_01".into(),
                    content: json!("3 passed"),
                    is_error: false,
                },
                TranscriptItem::Assistant {
                    text: "All good.".into()
                },
            ]
        );
        assert!(matches!(&items[5], TranscriptItem::Unknown { raw } if raw.contains("system")));
    }

    #[test]
    fn unparsable_lines_report_our_format_error() {
        let e = parse_transcript_line(br#"{"ts":1.0,"kind":"nope"}"#).unwrap_err();
        assert!(e.contains("nope"), "{e}");
    }

    #[test]
    fn bad_agent_ids_never_reach_the_filesystem() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let bad = AgentId("../../evil".into());
        assert!(TranscriptWriter::open(&paths, &bad).is_err());
        assert!(read_transcript(&paths, &bad).is_err());
        assert!(!paths.dir().exists());
    }
}

//! The end of an agent's transcript by size (History previews): reads at most the last
//! `max_bytes` of the file, so a preview costs the same for a 10 KB and a 1 GB transcript.

use crate::core::ids::AgentId;
use crate::core::transcript::TranscriptEntry;
use crate::store::StoreError;
use crate::store::jsonl::JsonlRead;
use crate::store::paths::{ProjectPaths, check_agent_id};
use crate::store::transcripts::parse_transcript_line;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes a History preview reads.
pub const PREVIEW_BYTES: u64 = 64 * 1024;

/// The entries in the last `max_bytes` of `id`'s transcript (the first, partial line of the
/// window is dropped). A missing file reads as empty.
pub fn read_transcript_tail_bytes(
    paths: &ProjectPaths,
    id: &AgentId,
    max_bytes: u64,
) -> Result<JsonlRead<TranscriptEntry>, StoreError> {
    check_agent_id(id)?;
    read_tail_bytes(&paths.transcript(id), max_bytes)
}

fn read_tail_bytes(path: &Path, max_bytes: u64) -> Result<JsonlRead<TranscriptEntry>, StoreError> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(JsonlRead::default()),
        Err(e) => return Err(StoreError::io("open", path, e)),
    };
    let len = file
        .metadata()
        .map_err(|e| StoreError::io("read", path, e))?
        .len();
    let start = len.saturating_sub(max_bytes);
    let mut buf = Vec::with_capacity(usize::try_from(len - start).unwrap_or(0));
    file.seek(SeekFrom::Start(start))
        .and_then(|_| file.take(max_bytes).read_to_end(&mut buf))
        .map_err(|e| StoreError::io("read", path, e))?;
    let window = if start == 0 {
        &buf[..]
    } else {
        match buf.iter().position(|b| *b == b'\n') {
            Some(i) => &buf[i + 1..],
            None => &[],
        }
    };
    let mut out = JsonlRead::default();
    for (i, raw) in window.split_inclusive(|b| *b == b'\n').enumerate() {
        let complete = raw.last() == Some(&b'\n');
        let body = raw.strip_suffix(b"\n").unwrap_or(raw);
        if body.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_transcript_line(body) {
            Ok(e) => out.items.push(e),
            Err(e) => {
                out.truncated_tail |= !complete;
                out.skipped.push((i + 1, e));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::core::transcript::TranscriptItem;
    use crate::store::transcripts::TranscriptWriter;

    #[test]
    fn reads_only_whole_lines_of_the_tail() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let id = AgentId("0123456789ab".into());
        let mut w = TranscriptWriter::open(&paths, &id).unwrap();
        for i in 0..2000 {
            w.append(&TranscriptEntry {
                ts: f64::from(i),
                item: TranscriptItem::Assistant {
                    text: format!("message {i} {}", "x".repeat(100)),
                },
            })
            .unwrap();
        }
        w.flush().unwrap();
        let r = read_transcript_tail_bytes(&paths, &id, 4096).unwrap();
        assert!(r.skipped.is_empty(), "{:?}", r.skipped);
        assert!(
            !r.items.is_empty() && r.items.len() < 40,
            "{}",
            r.items.len()
        );
        assert_eq!(r.items.last().unwrap().ts, 1999.0);
        let all = read_transcript_tail_bytes(&paths, &id, 10 << 20).unwrap();
        assert_eq!(all.items.len(), 2000);
        let none = read_transcript_tail_bytes(&paths, &AgentId("ffffffffffff".into()), 10).unwrap();
        assert!(none.items.is_empty());
        assert!(read_transcript_tail_bytes(&paths, &AgentId("../x".into()), 10).is_err());
    }
}

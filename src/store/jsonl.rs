//! Tolerant JSONL reading: bad lines are skipped and reported, a torn last line (a crash
//! mid-append) is flagged, and the tail of a big file can be read without reading it all.

use crate::store::StoreError;
use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// What a tolerant JSONL read produced.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonlRead<T> {
    /// The lines that parsed, in file order.
    pub items: Vec<T>,
    /// Lines that did not parse: (1-based line number, error). For [`read_jsonl_tail`] the
    /// numbers count from the start of the window that was read, not of the file.
    pub skipped: Vec<(usize, String)>,
    /// The last line had no newline and did not parse: a write was cut off (it is also in
    /// `skipped`).
    pub truncated_tail: bool,
}

impl<T> Default for JsonlRead<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            skipped: Vec::new(),
            truncated_tail: false,
        }
    }
}

impl<T> JsonlRead<T> {
    /// A one-line description of what was skipped, for a notice (`None` when nothing was).
    pub fn skipped_notice(&self, path: &Path) -> Option<String> {
        let first = self.skipped.first()?;
        let mut s = format!(
            "{}: skipped {} unreadable line(s) (first: line {}: {})",
            path.display(),
            self.skipped.len(),
            first.0,
            first.1
        );
        if self.truncated_tail {
            s.push_str("; the last line was cut off");
        }
        Some(s)
    }
}

fn serde_parse<T: DeserializeOwned>(line: &[u8]) -> Result<T, String> {
    serde_json::from_slice(line).map_err(|e| e.to_string())
}

/// Read every line of `path` as JSON `T`. A missing file reads as empty.
pub fn read_jsonl<T: DeserializeOwned>(path: &Path) -> Result<JsonlRead<T>, StoreError> {
    read_jsonl_with(path, serde_parse)
}

/// [`read_jsonl`] with a custom line parser (e.g. one that also accepts an older format).
pub fn read_jsonl_with<T>(
    path: &Path,
    mut parse: impl FnMut(&[u8]) -> Result<T, String>,
) -> Result<JsonlRead<T>, StoreError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(JsonlRead::default()),
        Err(e) => return Err(StoreError::io("open", path, e)),
    };
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut out = JsonlRead::default();
    let mut line = Vec::new();
    let mut line_no = 0;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| StoreError::io("read", path, e))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        take_line(&line, line_no, &mut parse, &mut out);
    }
    Ok(out)
}

/// Parse one raw line (possibly with its `\n`) into `out`.
fn take_line<T>(
    raw: &[u8],
    line_no: usize,
    parse: &mut impl FnMut(&[u8]) -> Result<T, String>,
    out: &mut JsonlRead<T>,
) {
    let complete = raw.last() == Some(&b'\n');
    let body = raw.strip_suffix(b"\n").unwrap_or(raw);
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    match parse(body) {
        Ok(item) => out.items.push(item),
        Err(e) => {
            if !complete {
                out.truncated_tail = true;
            }
            out.skipped.push((line_no, e));
        }
    }
}

fn parse_window<T>(
    bytes: &[u8],
    parse: &mut impl FnMut(&[u8]) -> Result<T, String>,
) -> JsonlRead<T> {
    let mut out = JsonlRead::default();
    for (i, raw) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        take_line(raw, i + 1, parse, &mut out);
    }
    out
}

/// The last `n` parsable lines of `path`, reading backwards from the end in growing chunks so
/// a large transcript costs what its tail costs. A missing file reads as empty.
pub fn read_jsonl_tail<T: DeserializeOwned>(
    path: &Path,
    n: usize,
) -> Result<JsonlRead<T>, StoreError> {
    read_jsonl_tail_with(path, n, serde_parse)
}

/// [`read_jsonl_tail`] with a custom line parser.
pub fn read_jsonl_tail_with<T>(
    path: &Path,
    n: usize,
    mut parse: impl FnMut(&[u8]) -> Result<T, String>,
) -> Result<JsonlRead<T>, StoreError> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(JsonlRead::default()),
        Err(e) => return Err(StoreError::io("open", path, e)),
    };
    if n == 0 {
        return Ok(JsonlRead::default());
    }
    let len = file
        .metadata()
        .map_err(|e| StoreError::io("read", path, e))?
        .len();
    let mut start = len;
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk: u64 = 64 * 1024;
    loop {
        let new_start = start.saturating_sub(chunk);
        let mut piece = vec![0u8; usize::try_from(start - new_start).unwrap_or(0)];
        file.seek(SeekFrom::Start(new_start))
            .and_then(|_| file.read_exact(&mut piece))
            .map_err(|e| StoreError::io("read", path, e))?;
        piece.extend_from_slice(&buf);
        buf = piece;
        start = new_start;
        chunk = (chunk * 2).min(16 * 1024 * 1024);

        let newlines = buf.iter().filter(|b| **b == b'\n').count();
        if start > 0 && newlines <= n {
            continue;
        }
        // Unless we reached the start of the file, the first line of the window is partial.
        let window = if start == 0 {
            &buf[..]
        } else {
            match buf.iter().position(|b| *b == b'\n') {
                Some(i) => &buf[i + 1..],
                None => continue,
            }
        };
        let mut out = parse_window(window, &mut parse);
        if out.items.len() >= n || start == 0 {
            let excess = out.items.len().saturating_sub(n);
            out.items.drain(..excess);
            return Ok(out);
        }
    }
}

/// Number of lines in `path` (a last line without newline counts). Missing file: 0.
pub fn count_lines(path: &Path) -> Result<usize, StoreError> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(StoreError::io("open", path, e)),
    };
    let mut buf = vec![0u8; 64 * 1024];
    let mut count = 0;
    let mut last = b'\n';
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(StoreError::io("read", path, e)),
        };
        count += buf[..n].iter().filter(|b| **b == b'\n').count();
        last = buf[n - 1];
    }
    if last != b'\n' {
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct L {
        n: u32,
    }

    fn file_with(content: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.jsonl");
        std::fs::write(&p, content).unwrap();
        (dir, p)
    }

    fn ns(r: &JsonlRead<L>) -> Vec<u32> {
        r.items.iter().map(|l| l.n).collect()
    }

    #[test]
    fn truncated_last_line_is_skipped_and_reported() {
        let (_d, p) = file_with("{\"n\":1}\n{\"n\":2}\n{\"n\":");
        let r: JsonlRead<L> = read_jsonl(&p).unwrap();
        assert_eq!(ns(&r), vec![1, 2]);
        assert!(r.truncated_tail);
        assert_eq!(r.skipped.len(), 1);
        assert_eq!(r.skipped[0].0, 3);
        let notice = r.skipped_notice(&p).unwrap();
        assert!(
            notice.contains("t.jsonl") && notice.contains("cut off"),
            "{notice}"
        );
    }

    #[test]
    fn bad_middle_lines_are_skipped_the_rest_loads() {
        let (_d, p) = file_with("{\"n\":1}\ngarbage\n\n{\"x\":true}\r\n{\"n\":4}\r\n{\"n\":5}");
        let r: JsonlRead<L> = read_jsonl(&p).unwrap();
        assert_eq!(ns(&r), vec![1, 4, 5]);
        assert!(
            !r.truncated_tail,
            "a complete last line without newline is fine"
        );
        let lines: Vec<usize> = r.skipped.iter().map(|s| s.0).collect();
        assert_eq!(lines, vec![2, 4]);
        assert!(
            r.skipped[1].1.contains("missing field `n`"),
            "{:?}",
            r.skipped
        );
    }

    #[test]
    fn missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("none.jsonl");
        let r: JsonlRead<L> = read_jsonl(&p).unwrap();
        assert_eq!(r, JsonlRead::default());
        assert_eq!(count_lines(&p).unwrap(), 0);
        let t: JsonlRead<L> = read_jsonl_tail(&p, 5).unwrap();
        assert!(t.items.is_empty());
    }

    #[test]
    fn tail_reads_the_last_items_of_a_big_file() {
        let mut s = String::new();
        for i in 0..50_000 {
            s.push_str(&format!("{{\"n\":{i},\"pad\":\"{}\"}}\n", "p".repeat(20)));
        }
        let (_d, p) = file_with(&s);
        let r: JsonlRead<L> = read_jsonl_tail(&p, 3).unwrap();
        assert_eq!(ns(&r), vec![49_997, 49_998, 49_999]);
        assert!(r.skipped.is_empty(), "{:?}", r.skipped);
        let all: JsonlRead<L> = read_jsonl_tail(&p, 100_000).unwrap();
        assert_eq!(all.items.len(), 50_000);
        assert_eq!(all.items[0].n, 0);
        assert_eq!(count_lines(&p).unwrap(), 50_000);
    }

    #[test]
    fn tail_skips_bad_lines_and_still_returns_n_items() {
        let (_d, p) = file_with("{\"n\":1}\n{\"n\":2}\nbad\n{\"n\":3}\n{\"n\":");
        let r: JsonlRead<L> = read_jsonl_tail(&p, 2).unwrap();
        assert_eq!(ns(&r), vec![2, 3]);
        assert!(r.truncated_tail);
        assert_eq!(r.skipped.len(), 2);
        let r0: JsonlRead<L> = read_jsonl_tail(&p, 0).unwrap();
        assert!(r0.items.is_empty());
    }

    #[test]
    fn count_lines_counts_an_unterminated_last_line() {
        let (_d, p) = file_with("a\nb\nc");
        assert_eq!(count_lines(&p).unwrap(), 3);
        let (_d2, p2) = file_with("a\nb\n");
        assert_eq!(count_lines(&p2).unwrap(), 2);
    }
}

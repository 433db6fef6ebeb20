//! The FileViewer and Markdown workers. The viewer never reads a big file whole: it indexes
//! line offsets once (a linear scan in 1 MiB chunks), then reads and highlights only the line
//! windows the panel asks for. Both watch the file's directory (so editors that save by
//! rename are seen) and re-open on change.

use crate::ui::render::highlight::{StyledLine, highlight};
use crate::ui::sources::files::{FilesEventKind, Poster, Request};
use crate::ui::sources::fs_watch::{self, Msg};
use ratatui::style::Style;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::time::Duration;

/// Files up to this size are highlighted whole, top to bottom (correct parser state).
pub(crate) const WHOLE_LIMIT: u64 = 256 * 1024;
/// Bytes checked for a NUL to call a file binary.
const SNIFF: usize = 8 * 1024;
/// A line longer than this is cut for display.
const MAX_LINE_CHARS: usize = 4_096;
/// Bytes read for one window at most (a file of one giant line must not stall).
const MAX_WINDOW_BYTES: u64 = 8 << 20;
/// Markdown files larger than this are refused.
const MARKDOWN_LIMIT: u64 = 8 << 20;
/// Search stops after this many matching lines.
pub(crate) const MAX_MATCHES: usize = 100_000;
const DEBOUNCE: Duration = Duration::from_millis(100);
const MAX_SETTLE: Duration = Duration::from_millis(500);

/// What the viewer's worker reports.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DocEvent {
    /// The file was (re)opened: its size and line count, plus a first window.
    Opened {
        /// Facts about the file.
        info: DocInfo,
        /// Highlighted lines from the start (all of them for a small file).
        window: Window,
    },
    /// The file holds a NUL in its first 8 KiB.
    Binary {
        /// Its size in bytes.
        size: u64,
    },
    /// The file could not be read.
    Failed(String),
    /// Lines the panel asked for.
    Window(Window),
    /// Lines containing the query.
    Search {
        /// The query searched.
        query: String,
        /// Matching line numbers (0-based), ascending.
        lines: Vec<usize>,
        /// The search stopped at `MAX_MATCHES`.
        capped: bool,
    },
}

/// Facts about an opened document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocInfo {
    /// Bytes.
    pub size: u64,
    /// Lines.
    pub lines: usize,
    /// Bumped on every re-open; windows of older versions are stale.
    pub version: u64,
}

/// Highlighted lines `start..start + lines.len()` of document `version`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Window {
    /// Document version.
    pub version: u64,
    /// First line.
    pub start: usize,
    /// The lines.
    pub lines: Vec<StyledLine>,
}

/// An opened text file: its line offsets (for lazy reads) or, when small, its lines.
pub(crate) struct Doc {
    path: PathBuf,
    lang: String,
    size: u64,
    body: Body,
}

enum Body {
    Whole(Vec<String>),
    Indexed { file: File, starts: Vec<u64> },
}

/// Outcome of opening a file for viewing.
pub(crate) enum Opened {
    /// A text file.
    Text(Doc),
    /// A NUL in the first 8 KiB.
    Binary(u64),
}

impl Doc {
    /// Open `path`: sniff for binary, then read it whole (small) or index its lines.
    pub(crate) fn open(path: &Path) -> std::io::Result<Opened> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(std::io::Error::other("is a directory"));
        }
        let size = meta.len();
        let mut head = vec![0u8; SNIFF];
        let n = read_full(&mut file, &mut head)?;
        if head[..n].contains(&0) {
            return Ok(Opened::Binary(size));
        }
        let lang = path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default();
        file.seek(SeekFrom::Start(0))?;
        let body = if size <= WHOLE_LIMIT {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes)?;
            let text = String::from_utf8_lossy(&bytes);
            Body::Whole(text.lines().map(clean_line).collect())
        } else {
            let starts = index_lines(&mut file)?;
            Body::Indexed { file, starts }
        };
        Ok(Opened::Text(Self {
            path: path.to_path_buf(),
            lang,
            size,
            body,
        }))
    }

    /// Number of lines.
    pub(crate) fn line_count(&self) -> usize {
        match &self.body {
            Body::Whole(l) => l.len(),
            Body::Indexed { starts, .. } => starts.len(),
        }
    }

    /// Bytes.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// Whether the whole file was highlighted in one pass.
    pub(crate) fn is_whole(&self) -> bool {
        matches!(self.body, Body::Whole(_))
    }

    /// Lines `start..start+len`, highlighted. A small file is highlighted from its top, so
    /// multi-line constructs are right. A big file's window is highlighted with a fresh
    /// parser state: highlighting from the top of a 50 MB file for every scroll would take
    /// seconds, and a block comment or string that opens above the window may be coloured
    /// wrongly inside it — the price of opening anything instantly.
    pub(crate) fn window(&mut self, start: usize, len: usize) -> std::io::Result<Vec<StyledLine>> {
        let count = self.line_count();
        let start = start.min(count);
        let end = start.saturating_add(len).min(count);
        let lines: Vec<String> = match &mut self.body {
            Body::Whole(l) => l[start..end].to_vec(),
            Body::Indexed { file, starts } => {
                if start == end {
                    return Ok(Vec::new());
                }
                let from = starts[start];
                let to = starts.get(end).copied().unwrap_or(self.size);
                let take = (to - from).min(MAX_WINDOW_BYTES);
                file.seek(SeekFrom::Start(from))?;
                let mut buf = vec![0u8; take as usize];
                let n = read_full(file, &mut buf)?;
                buf.truncate(n);
                String::from_utf8_lossy(&buf)
                    .lines()
                    .take(end - start)
                    .map(clean_line)
                    .collect()
            }
        };
        Ok(highlight_lines(&lines, &self.lang))
    }

    /// Line numbers containing `query` (smart case: case-insensitive unless it has capitals).
    pub(crate) fn search(&self, query: &str) -> std::io::Result<(Vec<usize>, bool)> {
        let fold = !query.chars().any(char::is_uppercase);
        let q = if fold {
            query.to_lowercase()
        } else {
            query.to_owned()
        };
        let hit = |line: &str| {
            if fold {
                line.to_lowercase().contains(&q)
            } else {
                line.contains(&q)
            }
        };
        let mut out = Vec::new();
        match &self.body {
            Body::Whole(lines) => {
                for (i, l) in lines.iter().enumerate() {
                    if hit(l) {
                        out.push(i);
                        if out.len() == MAX_MATCHES {
                            return Ok((out, true));
                        }
                    }
                }
            }
            Body::Indexed { .. } => {
                let r = BufReader::with_capacity(1 << 20, File::open(&self.path)?);
                for (i, l) in r.split(b'\n').enumerate() {
                    if hit(&String::from_utf8_lossy(&l?)) {
                        out.push(i);
                        if out.len() == MAX_MATCHES {
                            return Ok((out, true));
                        }
                    }
                }
            }
        }
        Ok((out, false))
    }
}

fn read_full(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Start offset of every line (a final line without a newline counts; an empty file has none).
fn index_lines(file: &mut File) -> std::io::Result<Vec<u64>> {
    let size = file.metadata()?.len();
    let mut starts = Vec::with_capacity((size / 48) as usize + 1);
    let mut buf = vec![0u8; 1 << 20];
    let mut pos = 0u64;
    let mut at_line_start = true;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        for (i, b) in buf[..n].iter().enumerate() {
            if at_line_start {
                starts.push(pos + i as u64);
                at_line_start = false;
            }
            if *b == b'\n' {
                at_line_start = true;
            }
        }
        pos += n as u64;
    }
    Ok(starts)
}

fn clean_line(l: &str) -> String {
    let l = l.strip_suffix('\r').unwrap_or(l);
    if l.len() > MAX_LINE_CHARS {
        let cut = (0..=MAX_LINE_CHARS)
            .rev()
            .find(|i| l.is_char_boundary(*i))
            .unwrap_or(0);
        format!("{}…", &l[..cut])
    } else {
        l.to_owned()
    }
}

/// Highlight `lines` as `lang` in chunks the highlighter accepts; plain lines otherwise.
fn highlight_lines(lines: &[String], lang: &str) -> Vec<StyledLine> {
    const CHUNK: usize = 4_000;
    let mut out = Vec::with_capacity(lines.len());
    for chunk in lines.chunks(CHUNK) {
        let mut text = chunk.join("\n");
        text.push('\n');
        match highlight(&text, lang) {
            Some(h) if h.len() == chunk.len() => out.extend(h),
            _ => out.extend(
                chunk
                    .iter()
                    .map(|l| vec![(Style::default(), l.replace('\t', "    "))]),
            ),
        }
    }
    out
}

/// Lines shown before the panel asks for a window of its own.
const FIRST_WINDOW: usize = 200;

/// The viewer worker.
pub(crate) fn run_viewer(
    path: PathBuf,
    post: Poster,
    rx: Receiver<Msg<Request>>,
    tx: Sender<Msg<Request>>,
) {
    let _watcher = watch_parent(&path, tx, &post);
    let mut version = 0u64;
    let mut doc: Option<Doc> = None;
    let open = |doc: &mut Option<Doc>, version: &mut u64| -> bool {
        *version += 1;
        let ev = match Doc::open(&path) {
            Ok(Opened::Binary(size)) => {
                *doc = None;
                DocEvent::Binary { size }
            }
            Ok(Opened::Text(mut d)) => {
                let first = if d.is_whole() {
                    d.line_count()
                } else {
                    FIRST_WINDOW
                };
                let lines = d.window(0, first).unwrap_or_default();
                let info = DocInfo {
                    size: d.size(),
                    lines: d.line_count(),
                    version: *version,
                };
                *doc = Some(d);
                DocEvent::Opened {
                    info,
                    window: Window {
                        version: *version,
                        start: 0,
                        lines,
                    },
                }
            }
            Err(e) => {
                *doc = None;
                DocEvent::Failed(e.to_string())
            }
        };
        post.send(FilesEventKind::Doc(ev))
    };
    if !open(&mut doc, &mut version) {
        return;
    }
    while let Ok(msg) = rx.recv() {
        let (changed, requests) = match msg {
            Msg::Stop => return,
            Msg::Req(r) => (false, vec![r]),
            Msg::Fs(first) => {
                let s = fs_watch::settle(&rx, first, DEBOUNCE, MAX_SETTLE);
                if s.stop {
                    return;
                }
                (fs_watch::touches(&s.paths, &path), s.requests)
            }
        };
        if changed && !open(&mut doc, &mut version) {
            return;
        }
        for r in requests {
            let Some(d) = doc.as_mut() else { continue };
            let ev = match r {
                Request::Window { start, len } => match d.window(start, len) {
                    Ok(lines) => DocEvent::Window(Window {
                        version,
                        start,
                        lines,
                    }),
                    Err(e) => DocEvent::Failed(e.to_string()),
                },
                Request::Search(query) => match d.search(&query) {
                    Ok((lines, capped)) => DocEvent::Search {
                        query,
                        lines,
                        capped,
                    },
                    Err(e) => DocEvent::Failed(e.to_string()),
                },
                Request::List(_) | Request::Refresh | Request::Save { .. } => continue,
            };
            if !post.send(FilesEventKind::Doc(ev)) {
                return;
            }
        }
    }
}

/// The Markdown worker: reads the file whole and again whenever it changes.
pub(crate) fn run_markdown(
    path: PathBuf,
    post: Poster,
    rx: Receiver<Msg<Request>>,
    tx: Sender<Msg<Request>>,
) {
    let _watcher = watch_parent(&path, tx, &post);
    let read = || -> Result<String, String> {
        let meta = std::fs::metadata(&path).map_err(|e| e.to_string())?;
        if meta.len() > MARKDOWN_LIMIT {
            return Err(format!("too large to render ({} MiB)", meta.len() >> 20));
        }
        std::fs::read(&path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| e.to_string())
    };
    if !post.send(FilesEventKind::Text(read())) {
        return;
    }
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Stop => return,
            Msg::Req(_) => {}
            Msg::Fs(first) => {
                let s = fs_watch::settle(&rx, first, DEBOUNCE, MAX_SETTLE);
                if s.stop {
                    return;
                }
                if fs_watch::touches(&s.paths, &path) && !post.send(FilesEventKind::Text(read())) {
                    return;
                }
            }
        }
    }
}

/// Watch the directory holding `path` (a missing directory just means no live reload).
pub(crate) fn watch_parent(
    path: &Path,
    tx: Sender<Msg<Request>>,
    post: &Poster,
) -> Option<notify::RecommendedWatcher> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty())?;
    let mut w = match fs_watch::watcher(tx) {
        Ok(w) => w,
        Err(e) => {
            post.send(FilesEventKind::WatchFailed(e));
            return None;
        }
    };
    if let Err(e) = fs_watch::watch_dir(&mut w, dir) {
        post.send(FilesEventKind::WatchFailed(e));
        return None;
    }
    Some(w)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn binary_files_are_detected_by_a_nul_in_the_first_8k() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("blob.bin");
        let mut bytes = vec![b'a'; 5000];
        bytes.push(0);
        std::fs::write(&p, &bytes).unwrap();
        assert!(matches!(Doc::open(&p).unwrap(), Opened::Binary(5001)));
        // A NUL after the first 8 KiB does not count.
        let q = dir.path().join("late.txt");
        let mut bytes = vec![b'a'; 9000];
        bytes.push(0);
        std::fs::write(&q, &bytes).unwrap();
        assert!(matches!(Doc::open(&q).unwrap(), Opened::Text(_)));
    }

    #[test]
    fn a_large_file_is_indexed_and_read_by_window() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.log");
        let mut f = std::io::BufWriter::new(File::create(&p).unwrap());
        for i in 0..40_000 {
            writeln!(f, "line {i} some log text\r").unwrap();
        }
        write!(f, "last without newline").unwrap();
        drop(f);
        let Opened::Text(mut d) = Doc::open(&p).unwrap() else {
            panic!("text");
        };
        assert!(
            !d.is_whole(),
            "over {WHOLE_LIMIT} bytes: indexed, not read whole"
        );
        assert_eq!(d.line_count(), 40_001);
        let w = d.window(30_000, 3).unwrap();
        let text: Vec<String> = w
            .iter()
            .map(|l| l.iter().map(|(_, t)| t.as_str()).collect())
            .collect();
        assert_eq!(
            text,
            [
                "line 30000 some log text",
                "line 30001 some log text",
                "line 30002 some log text"
            ]
        );
        let last = d.window(40_000, 10).unwrap();
        assert_eq!(last.len(), 1);
        assert_eq!(last[0][0].1, "last without newline");
        let (hits, capped) = d.search("LINE 3999").unwrap();
        assert!(hits.is_empty() && !capped, "capitals: case-sensitive");
        let (hits, _) = d.search("line 3999").unwrap();
        assert_eq!(
            hits,
            [
                3999, 39990, 39991, 39992, 39993, 39994, 39995, 39996, 39997, 39998, 39999
            ]
        );
    }

    #[test]
    fn a_small_file_is_highlighted_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.rs");
        std::fs::write(&p, "/* a\n b */\nfn main() {}\n").unwrap();
        let Opened::Text(mut d) = Doc::open(&p).unwrap() else {
            panic!("text");
        };
        assert!(d.is_whole());
        let w = d.window(0, 10).unwrap();
        assert_eq!(w.len(), 3);
        // Line 2 is inside the comment: same colour as line 1's comment.
        assert_eq!(w[0][0].0.fg, w[1][0].0.fg);
        assert_ne!(w[1][0].0.fg, w[2][0].0.fg);
    }
}

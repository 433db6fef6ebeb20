//! The DiffViewer widget: a parsed unified diff (files → hunks → lines, with intra-line
//! changes found by `similar`), shown unified or side by side, with per-file navigation and
//! hunk folding. The diff text comes from `ui::sources::git` or from props.

use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use std::ops::Range;
use unicode_width::UnicodeWidthStr;

/// Kind of a diff line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// Unchanged.
    Ctx,
    /// Added.
    Add,
    /// Removed.
    Del,
    /// `\ No newline at end of file` and the like.
    Meta,
}

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DiffLine {
    /// Kind.
    pub kind: LineKind,
    /// Text without the `+`/`-`/` ` prefix (tabs expanded).
    pub text: String,
    /// Line number in the old file.
    pub old: Option<u32>,
    /// Line number in the new file.
    pub new: Option<u32>,
    /// Byte ranges of `text` that changed within the line.
    pub emph: Vec<Range<usize>>,
}

/// A hunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hunk {
    /// The `@@ … @@` line.
    pub header: String,
    /// Its lines.
    pub lines: Vec<DiffLine>,
    /// Folded away.
    pub folded: bool,
}

/// One file's changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DiffFile {
    /// Path shown (the new path, or the old one for a deletion).
    pub path: String,
    /// Hunks.
    pub hunks: Vec<Hunk>,
    /// Lines added / removed.
    pub added: usize,
    /// Lines removed.
    pub removed: usize,
}

fn strip_ab(p: &str) -> &str {
    let p = p.split('\t').next().unwrap_or(p);
    p.strip_prefix("a/")
        .or_else(|| p.strip_prefix("b/"))
        .unwrap_or(p)
}

fn hunk_start(h: &str) -> (u32, u32) {
    // @@ -a,b +c,d @@
    let mut it = h.split_whitespace().skip(1);
    let num = |s: Option<&str>| {
        s.and_then(|s| s[1..].split(',').next().and_then(|n| n.parse().ok()))
            .unwrap_or(1)
    };
    let a = num(it.next());
    let c = num(it.next());
    (a, c)
}

/// Parse unified diff text (git's or plain `---`/`+++`).
pub(crate) fn parse(text: &str) -> Vec<DiffFile> {
    let mut files: Vec<DiffFile> = Vec::new();
    let (mut old_no, mut new_no) = (0u32, 0u32);
    let mut in_hunk = false;
    let new_file = |files: &mut Vec<DiffFile>, path: String| {
        files.push(DiffFile {
            path,
            hunks: Vec::new(),
            added: 0,
            removed: 0,
        });
    };
    let lines: Vec<&str> = text.lines().collect();
    for (i, raw) in lines.iter().enumerate() {
        let raw = raw.trim_end_matches('\r');
        if let Some(rest) = raw.strip_prefix("diff ") {
            let path = rest
                .rsplit(' ')
                .next()
                .map(strip_ab)
                .unwrap_or("")
                .to_owned();
            new_file(&mut files, path);
            in_hunk = false;
            continue;
        }
        let next_is_plus = lines.get(i + 1).is_some_and(|l| l.starts_with("+++ "));
        if raw.starts_with("--- ") && next_is_plus && (!in_hunk || hunk_done(&files)) {
            let need = files.last().is_none_or(|f| !f.hunks.is_empty());
            if need {
                new_file(&mut files, strip_ab(&raw[4..]).to_owned());
            }
            in_hunk = false;
            continue;
        }
        if let Some(p) = raw.strip_prefix("+++ ")
            && !in_hunk
        {
            if let Some(f) = files.last_mut()
                && p != "/dev/null"
            {
                f.path = strip_ab(p).to_owned();
            }
            continue;
        }
        if raw.starts_with("@@") {
            if files.is_empty() {
                new_file(&mut files, String::new());
            }
            (old_no, new_no) = hunk_start(raw);
            if let Some(f) = files.last_mut() {
                f.hunks.push(Hunk {
                    header: raw.to_owned(),
                    lines: Vec::new(),
                    folded: false,
                });
            }
            in_hunk = true;
            continue;
        }
        if !in_hunk {
            continue;
        }
        let Some(f) = files.last_mut() else { continue };
        let Some(h) = f.hunks.last_mut() else {
            continue;
        };
        let (kind, body) = match raw.chars().next() {
            Some('+') => (LineKind::Add, &raw[1..]),
            Some('-') => (LineKind::Del, &raw[1..]),
            Some(' ') => (LineKind::Ctx, &raw[1..]),
            Some('\\') => (LineKind::Meta, raw),
            None => (LineKind::Ctx, ""),
            Some(_) => {
                in_hunk = false;
                continue;
            }
        };
        let (old, new) = match kind {
            LineKind::Ctx => {
                old_no += 1;
                new_no += 1;
                (Some(old_no - 1), Some(new_no - 1))
            }
            LineKind::Add => {
                new_no += 1;
                f.added += 1;
                (None, Some(new_no - 1))
            }
            LineKind::Del => {
                old_no += 1;
                f.removed += 1;
                (Some(old_no - 1), None)
            }
            LineKind::Meta => (None, None),
        };
        h.lines.push(DiffLine {
            kind,
            text: body.replace('\t', "    "),
            old,
            new,
            emph: Vec::new(),
        });
    }
    for f in &mut files {
        for h in &mut f.hunks {
            intra_line(&mut h.lines);
        }
    }
    files
}

fn hunk_done(files: &[DiffFile]) -> bool {
    files
        .last()
        .and_then(|f| f.hunks.last())
        .is_some_and(|h| !h.lines.is_empty())
}

/// Mark the changed words of paired removed/added runs.
fn intra_line(lines: &mut [DiffLine]) {
    let mut i = 0;
    while i < lines.len() {
        if lines[i].kind != LineKind::Del {
            i += 1;
            continue;
        }
        let del_start = i;
        while i < lines.len() && lines[i].kind == LineKind::Del {
            i += 1;
        }
        let add_start = i;
        while i < lines.len() && lines[i].kind == LineKind::Add {
            i += 1;
        }
        let pairs = (add_start - del_start).min(i - add_start);
        for k in 0..pairs {
            let (o, n) = (del_start + k, add_start + k);
            let (eo, en) = word_changes(&lines[o].text, &lines[n].text);
            lines[o].emph = eo;
            lines[n].emph = en;
        }
    }
}

fn word_changes(old: &str, new: &str) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
    let d = similar::TextDiff::from_words(old, new);
    let (mut eo, mut en) = (Vec::new(), Vec::new());
    let (mut po, mut pn) = (0usize, 0usize);
    for c in d.iter_all_changes() {
        let len = c.value().len();
        match c.tag() {
            similar::ChangeTag::Equal => {
                po += len;
                pn += len;
            }
            similar::ChangeTag::Delete => {
                eo.push(po..po + len);
                po += len;
            }
            similar::ChangeTag::Insert => {
                en.push(pn..pn + len);
                pn += len;
            }
        }
    }
    // A line rewritten wholesale is no news: highlight nothing.
    if eo.iter().map(|r| r.len()).sum::<usize>() == old.len() && !old.is_empty() {
        eo.clear();
        en.clear();
    }
    (eo, en)
}

/// A displayed row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    File(usize),
    Hunk(usize, usize),
    /// (file, hunk, first line, line count in side-by-side pairing) — a line.
    Line(usize, usize, usize),
}

/// A DiffViewer panel's state.
#[derive(Debug, Default)]
pub(crate) struct DiffViewerState {
    /// Parsed files.
    pub files: Vec<DiffFile>,
    /// What the diff is of (shown when empty).
    pub label: String,
    /// Why there is no diff.
    pub error: Option<String>,
    /// Still loading.
    pub loading: bool,
    /// Side by side instead of unified.
    pub side_by_side: bool,
    /// Selected row.
    pub cursor: usize,
    /// First row shown.
    pub scroll: usize,
    /// Rows shown at the last frame.
    pub height: usize,
    /// The text last parsed (an identical refresh keeps folds and position).
    source_text: String,
}

/// What a key did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DiffKey {
    /// Handled.
    Done,
    /// Reload requested (`r`).
    Reload,
    /// Not ours.
    Ignored,
}

impl DiffViewerState {
    /// Replace the diff (keeps folds of hunks whose header is unchanged).
    pub(crate) fn set_text(&mut self, text: &str) {
        self.loading = false;
        self.error = None;
        if text == self.source_text {
            return;
        }
        let mut files = parse(text);
        for f in &mut files {
            if let Some(old) = self.files.iter().find(|o| o.path == f.path) {
                for h in &mut f.hunks {
                    h.folded = old.hunks.iter().any(|o| o.folded && o.header == h.header);
                }
            }
        }
        self.files = files;
        self.source_text = text.to_owned();
        let n = self.rows().len();
        self.cursor = self.cursor.min(n.saturating_sub(1));
    }

    /// The file and diff line under the cursor (None on a file or hunk header row).
    pub(crate) fn cursor_line(&self) -> Option<(&DiffFile, &DiffLine)> {
        match self.rows().get(self.cursor)? {
            Row::Line(f, h, l) => {
                let file = self.files.get(*f)?;
                Some((file, file.hunks.get(*h)?.lines.get(*l)?))
            }
            Row::File(_) | Row::Hunk(..) => None,
        }
    }

    fn rows(&self) -> Vec<Row> {
        let mut out = Vec::new();
        for (fi, f) in self.files.iter().enumerate() {
            out.push(Row::File(fi));
            for (hi, h) in f.hunks.iter().enumerate() {
                out.push(Row::Hunk(fi, hi));
                if h.folded {
                    continue;
                }
                if self.side_by_side {
                    for start in side_rows(&h.lines) {
                        out.push(Row::Line(fi, hi, start));
                    }
                } else {
                    out.extend((0..h.lines.len()).map(|li| Row::Line(fi, hi, li)));
                }
            }
        }
        out
    }

    /// The file the cursor is in.
    pub(crate) fn current_file(&self) -> Option<usize> {
        match self.rows().get(self.cursor)? {
            Row::File(f) | Row::Hunk(f, _) | Row::Line(f, _, _) => Some(*f),
        }
    }

    fn goto_file(&mut self, forward: bool) {
        let rows = self.rows();
        let cur = self.current_file().unwrap_or(0);
        let target = if forward {
            (cur + 1).min(self.files.len().saturating_sub(1))
        } else if matches!(rows.get(self.cursor), Some(Row::File(_))) {
            cur.saturating_sub(1)
        } else {
            cur
        };
        if let Some(i) = rows.iter().position(|r| *r == Row::File(target)) {
            self.cursor = i;
            self.scroll = i;
        }
    }

    /// Fold or unfold the hunk at the cursor (or every hunk of the file on a file row).
    pub(crate) fn toggle_fold(&mut self) {
        match self.rows().get(self.cursor).copied() {
            Some(Row::Hunk(f, h)) => self.files[f].hunks[h].folded ^= true,
            Some(Row::File(f)) => {
                let fold = self.files[f].hunks.iter().any(|h| !h.folded);
                self.files[f].hunks.iter_mut().for_each(|h| h.folded = fold);
            }
            Some(Row::Line(f, h, _)) => {
                self.files[f].hunks[h].folded = true;
                if let Some(i) = self.rows().iter().position(|r| *r == Row::Hunk(f, h)) {
                    self.cursor = i;
                }
            }
            None => {}
        }
    }

    fn move_by(&mut self, d: isize) {
        let n = self.rows().len();
        self.cursor = (self.cursor as isize + d).clamp(0, n.saturating_sub(1) as isize) as usize;
    }

    /// Scroll the view by `d` rows (the wheel), dragging the cursor along.
    pub(crate) fn scroll_by(&mut self, d: isize) {
        let n = self.rows().len();
        self.scroll = (self.scroll as isize + d).clamp(0, n.saturating_sub(1) as isize) as usize;
        self.cursor = self
            .cursor
            .clamp(self.scroll, self.scroll + self.height.max(1) - 1);
        self.cursor = self.cursor.min(n.saturating_sub(1));
    }

    /// Select the row at `y` rows below the top of the view (a click); true when it landed
    /// on a hunk header or file row (which then toggles).
    pub(crate) fn click(&mut self, y: usize) -> bool {
        let i = self.scroll + y;
        if i >= self.rows().len() {
            return false;
        }
        self.cursor = i;
        if matches!(self.rows()[i], Row::Hunk(..) | Row::File(_)) {
            self.toggle_fold();
            return true;
        }
        false
    }

    /// Handle a key.
    pub(crate) fn key(&mut self, key: KeyEvent) -> DiffKey {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return DiffKey::Ignored;
        }
        let page = self.height.max(2) as isize - 1;
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => self.move_by(1),
            KeyCode::Char('k') | KeyCode::Up => self.move_by(-1),
            KeyCode::PageDown => self.move_by(page),
            KeyCode::PageUp => self.move_by(-page),
            KeyCode::Char('g') | KeyCode::Home => self.cursor = 0,
            KeyCode::Char('G') | KeyCode::End => self.move_by(isize::MAX / 2),
            KeyCode::Char(']') | KeyCode::Char('n') => self.goto_file(true),
            KeyCode::Char('[') | KeyCode::Char('N') => self.goto_file(false),
            KeyCode::Enter | KeyCode::Char(' ') => self.toggle_fold(),
            KeyCode::Char('v') => {
                let keep = self.rows().get(self.cursor).copied();
                self.side_by_side ^= true;
                self.cursor = self.locate(keep);
            }
            KeyCode::Char('z') => {
                let fold = self.files.iter().flat_map(|f| &f.hunks).any(|h| !h.folded);
                for h in self.files.iter_mut().flat_map(|f| &mut f.hunks) {
                    h.folded = fold;
                }
                self.cursor = self.cursor.min(self.rows().len().saturating_sub(1));
            }
            KeyCode::Char('r') => return DiffKey::Reload,
            _ => return DiffKey::Ignored,
        }
        DiffKey::Done
    }

    fn locate(&self, row: Option<Row>) -> usize {
        let rows = self.rows();
        match row {
            Some(Row::Line(f, h, _)) | Some(Row::Hunk(f, h)) => {
                rows.iter().position(|r| *r == Row::Hunk(f, h)).unwrap_or(0)
            }
            Some(Row::File(f)) => rows.iter().position(|r| *r == Row::File(f)).unwrap_or(0),
            None => 0,
        }
    }

    /// Fit the scroll to the cursor for a view `height` rows tall.
    pub(crate) fn prepare(&mut self, height: usize) {
        self.height = height;
        if self.cursor < self.scroll {
            self.scroll = self.cursor;
        } else if height > 0 && self.cursor >= self.scroll + height {
            self.scroll = self.cursor + 1 - height;
        }
    }

    /// Totals for the title: (files, added, removed).
    pub(crate) fn totals(&self) -> (usize, usize, usize) {
        self.files
            .iter()
            .fold((self.files.len(), 0, 0), |(n, a, r), f| {
                (n, a + f.added, r + f.removed)
            })
    }
}

/// Start index of each side-by-side row: context lines alone; a run of removals and the
/// following additions paired (the longer run sets the row count). Row `i` of a run is
/// encoded as the index of its removal (or addition when the removals ran out).
fn side_rows(lines: &[DiffLine]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].kind != LineKind::Del {
            out.push(i);
            i += 1;
            continue;
        }
        let ds = i;
        while i < lines.len() && lines[i].kind == LineKind::Del {
            i += 1;
        }
        let as_ = i;
        while i < lines.len() && lines[i].kind == LineKind::Add {
            i += 1;
        }
        let (nd, na) = (as_ - ds, i - as_);
        for k in 0..nd.max(na) {
            out.push(if k < nd { ds + k } else { as_ + k });
        }
    }
    out
}

/// For a side-by-side row starting at `start`: (left line, right line).
fn side_pair(lines: &[DiffLine], start: usize) -> (Option<&DiffLine>, Option<&DiffLine>) {
    let l = &lines[start];
    match l.kind {
        LineKind::Ctx | LineKind::Meta => (Some(l), Some(l)),
        LineKind::Add => (None, Some(l)),
        LineKind::Del => {
            // Position in the removal run → the addition at the same offset.
            let mut ds = start;
            while ds > 0 && lines[ds - 1].kind == LineKind::Del {
                ds -= 1;
            }
            let mut as_ = start;
            while as_ < lines.len() && lines[as_].kind == LineKind::Del {
                as_ += 1;
            }
            let k = start - ds;
            let right = lines
                .get(as_ + k)
                .filter(|r| r.kind == LineKind::Add && as_ + k < lines.len());
            // Only if the addition run reaches that far.
            let mut ae = as_;
            while ae < lines.len() && lines[ae].kind == LineKind::Add {
                ae += 1;
            }
            (Some(l), right.filter(|_| as_ + k < ae))
        }
    }
}

/// Borrowed view.
pub(crate) struct DiffViewerView<'a> {
    pub state: &'a DiffViewerState,
    pub theme: &'a Theme,
    pub focused: bool,
}

impl DiffViewerView<'_> {
    fn line_spans(&self, l: &DiffLine, width: usize) -> Vec<Span<'static>> {
        let (base, sign) = match l.kind {
            LineKind::Add => (self.theme.diff_add, "+"),
            LineKind::Del => (self.theme.diff_remove, "-"),
            LineKind::Ctx => (self.theme.text, " "),
            LineKind::Meta => (self.theme.dim, ""),
        };
        let emph = base.add_modifier(Modifier::REVERSED | Modifier::BOLD);
        let mut spans = vec![Span::styled(sign.to_owned(), base)];
        let mut used = sign.len();
        let mut pos = 0;
        let mut push = |s: &str, st: Style, spans: &mut Vec<Span<'static>>| {
            if used >= width || s.is_empty() {
                return;
            }
            let t = truncate(s, width - used);
            used += t.width();
            spans.push(Span::styled(t, st));
        };
        for r in &l.emph {
            if r.start > pos && l.text.is_char_boundary(r.start) {
                push(&l.text[pos..r.start], base, &mut spans);
            }
            if l.text.is_char_boundary(r.start) && l.text.is_char_boundary(r.end.min(l.text.len()))
            {
                push(&l.text[r.start..r.end.min(l.text.len())], emph, &mut spans);
            }
            pos = r.end;
        }
        if pos < l.text.len() && l.text.is_char_boundary(pos) {
            push(&l.text[pos..], base, &mut spans);
        }
        spans
    }

    /// Draw into `area`.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) {
        let s = self.state;
        let w = usize::from(area.width);
        if area.height == 0 || w == 0 {
            return;
        }
        let msg = if s.loading {
            Some(("loading…".to_owned(), self.theme.dim))
        } else if let Some(e) = &s.error {
            Some((e.clone(), self.theme.error))
        } else if s.files.is_empty() {
            Some((format!("no changes ({})", s.label), self.theme.dim))
        } else {
            None
        };
        if let Some((m, st)) = msg {
            buf.set_stringn(area.x, area.y, truncate(&m, w), w, st);
            return;
        }
        let rows = s.rows();
        let gutter = w >= 40;
        for (i, row) in rows
            .iter()
            .enumerate()
            .skip(s.scroll)
            .take(usize::from(area.height))
        {
            let y = area.y + (i - s.scroll) as u16;
            let selected = i == s.cursor && self.focused;
            let line = match *row {
                Row::File(f) => {
                    let file = &s.files[f];
                    Line::from(vec![
                        Span::styled(
                            format!(
                                "{} ",
                                if file.hunks.iter().all(|h| h.folded) {
                                    "▸"
                                } else {
                                    "▾"
                                }
                            ),
                            self.theme.accent,
                        ),
                        Span::styled(file.path.clone(), self.theme.header),
                        Span::styled(format!("  +{}", file.added), self.theme.diff_add),
                        Span::styled(format!(" -{}", file.removed), self.theme.diff_remove),
                    ])
                }
                Row::Hunk(f, h) => {
                    let hunk = &s.files[f].hunks[h];
                    let mark = if hunk.folded {
                        format!("▸ {} ({} lines)", hunk.header, hunk.lines.len())
                    } else {
                        format!("▾ {}", hunk.header)
                    };
                    Line::from(Span::styled(mark, self.theme.info))
                }
                Row::Line(f, h, li) => {
                    let lines = &s.files[f].hunks[h].lines;
                    if s.side_by_side {
                        self.side_line(lines, li, w, gutter)
                    } else {
                        let l = &lines[li];
                        let mut spans = Vec::new();
                        let mut rest = w;
                        if gutter {
                            let n = |v: Option<u32>| v.map_or(String::new(), |v| v.to_string());
                            spans.push(Span::styled(
                                format!("{:>4} {:>4} ", n(l.old), n(l.new)),
                                self.theme.dim,
                            ));
                            rest = rest.saturating_sub(10);
                        }
                        spans.extend(self.line_spans(l, rest));
                        Line::from(spans)
                    }
                }
            };
            buf.set_line(area.x, y, &line, area.width);
            if selected {
                buf.set_style(Rect::new(area.x, y, area.width, 1), self.theme.selection);
            }
        }
    }

    fn side_line(&self, lines: &[DiffLine], start: usize, w: usize, gutter: bool) -> Line<'static> {
        let (l, r) = side_pair(lines, start);
        let half = w.saturating_sub(1) / 2;
        let mut spans = Vec::new();
        for (side, d) in [(l, true), (r, false)] {
            let mut used = 0;
            if gutter {
                let n = side.and_then(|x| if d { x.old } else { x.new });
                spans.push(Span::styled(
                    format!("{:>4} ", n.map_or(String::new(), |v| v.to_string())),
                    self.theme.dim,
                ));
                used += 5;
            }
            if let Some(x) = side {
                let body = self.line_spans(x, half.saturating_sub(used));
                used += body.iter().map(|s| s.content.width()).sum::<usize>();
                spans.extend(body);
            }
            if d {
                spans.push(Span::raw(" ".repeat(half.saturating_sub(used))));
                spans.push(Span::styled("│", self.theme.border));
            }
        }
        Line::from(spans)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const GIT: &str = "diff --git a/src/a.rs b/src/a.rs\nindex 1..2 100644\n--- a/src/a.rs\n+++ b/src/a.rs\n@@ -1,3 +1,3 @@\n fn main() {\n-    let x = 1;\n+    let x = 2;\n }\ndiff --git a/b.txt b/b.txt\nnew file mode 100644\n--- /dev/null\n+++ b/b.txt\n@@ -0,0 +1,2 @@\n+hello\n+world\n";

    #[test]
    fn parses_files_hunks_and_intra_line_changes() {
        let f = parse(GIT);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].path, "src/a.rs");
        assert_eq!(f[1].path, "b.txt");
        assert_eq!((f[0].added, f[0].removed), (1, 1));
        let del = &f[0].hunks[0].lines[1];
        assert_eq!(del.kind, LineKind::Del);
        assert_eq!(del.old, Some(2));
        assert_eq!(&del.text[del.emph[0].clone()], "1;");
        let add = &f[0].hunks[0].lines[2];
        assert_eq!(&add.text[add.emph[0].clone()], "2;");
        assert_eq!(f[1].hunks[0].lines[1].new, Some(2));
    }

    #[test]
    fn navigation_folding_and_side_by_side() {
        let mut s = DiffViewerState::default();
        s.set_text(GIT);
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(s.current_file(), Some(0));
        s.key(key(']'));
        assert_eq!(s.current_file(), Some(1));
        s.key(key('['));
        assert_eq!(s.current_file(), Some(0));
        s.key(key('j')); // hunk header
        let before = s.rows().len();
        s.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert!(s.files[0].hunks[0].folded);
        assert_eq!(s.rows().len(), before - 4);
        s.key(key(' '));
        assert!(!s.files[0].hunks[0].folded);
        s.key(key('v'));
        assert!(s.side_by_side);
        // The changed pair shares one row side by side.
        assert_eq!(s.rows().len(), before - 1);
    }
}

//! Syntax colours for the FileEditor's visible rows. Highlighting is a left-to-right scan
//! (a line's colours depend on the parser state after the line above), so re-highlighting
//! the whole buffer per keystroke would cost O(file). Instead each line's colours are cached
//! together with the parser state after it and the text they were made from; a frame checks
//! the cached lines above the bottom of the viewport (a string comparison each, no parsing),
//! drops the cache from the first changed line and highlights from there down to the bottom
//! of the viewport only. Typing on screen re-highlights a screenful at most.
//!
//! Trade-off: the cache holds a parser state per line, so it is limited to `MAX_CACHED`
//! lines. Rows below that (or a jump far past what was cached) are highlighted from a
//! fresh parser state at the top of the viewport, like the viewer does for big files: a
//! construct opened above the window (a block comment, a raw string) may be coloured
//! wrongly there, but the frame stays fast whatever the file's size.

use crate::ui::render::highlight::{LineState, highlight_next, line_start};
use ratatui::style::Style;
use std::ops::Range;
use std::path::Path;

/// Lines whose colours and parser states are cached from the top of the file.
const MAX_CACHED: usize = 20_000;

/// One line's colours: (style, byte range in the line).
pub(crate) type Pieces = Vec<(Style, Range<usize>)>;

#[derive(Debug, Clone)]
struct Cached {
    text: String,
    pieces: Pieces,
    after: LineState,
}

/// The editor's highlight cache.
#[derive(Debug, Default)]
pub(crate) struct EditorSyntax {
    /// The state before line 0; `None`: no known language (no colours).
    start: Option<LineState>,
    /// Lines 0..len, each valid while its text is unchanged and every line above is valid.
    lines: Vec<Cached>,
    /// How many lines were highlighted by the last `visible` call (tests).
    pub highlighted_last: usize,
}

impl EditorSyntax {
    /// Colours for the language of `path` (by extension, then by file name: `Makefile`).
    pub(crate) fn for_path(path: Option<&Path>) -> Self {
        let start = path.and_then(|p| {
            let ext = p.extension().and_then(|e| e.to_str());
            let name = p.file_name().and_then(|n| n.to_str());
            ext.and_then(line_start)
                .or_else(|| name.and_then(line_start))
        });
        Self {
            start,
            lines: Vec::new(),
            highlighted_last: 0,
        }
    }

    /// Whether there is a language to colour.
    #[cfg(test)]
    pub(crate) fn active(&self) -> bool {
        self.start.is_some()
    }

    /// Forget everything (a reload).
    pub(crate) fn reset(&mut self) {
        self.lines.clear();
    }

    /// The colours of `lines[top..top + height]` (fewer at the end of the buffer).
    pub(crate) fn visible(&mut self, lines: &[String], top: usize, height: usize) -> Vec<Pieces> {
        self.highlighted_last = 0;
        let Some(start) = self.start.clone() else {
            return Vec::new();
        };
        let end = (top + height).min(lines.len());
        if top >= end {
            return Vec::new();
        }
        // Keep the cached prefix that still matches the buffer.
        let check = self.lines.len().min(end);
        if let Some(i) = (0..check).find(|&i| self.lines[i].text != lines[i]) {
            self.lines.truncate(i);
        }
        if end > MAX_CACHED || top > self.lines.len() + MAX_CACHED / 4 {
            // Far below the cache: a fresh state at the window's top (see the module doc).
            let mut st = match top.checked_sub(1).and_then(|i| self.lines.get(i)) {
                Some(c) => c.after.clone(),
                None => start,
            };
            self.highlighted_last = end - top;
            return lines[top..end]
                .iter()
                .map(|l| highlight_next(&mut st, l))
                .collect();
        }
        while self.lines.len() < end {
            let i = self.lines.len();
            let mut st = match self.lines.last() {
                Some(c) => c.after.clone(),
                None => start.clone(),
            };
            let pieces = highlight_next(&mut st, &lines[i]);
            self.lines.push(Cached {
                text: lines[i].clone(),
                pieces,
                after: st,
            });
            self.highlighted_last += 1;
        }
        self.lines[top..end]
            .iter()
            .map(|c| c.pieces.clone())
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn lines(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("let x{i} = {i};")).collect()
    }

    #[test]
    fn only_changed_lines_down_to_the_viewport_bottom_are_highlighted_again() {
        let mut s = EditorSyntax::for_path(Some(Path::new("src/a.rs")));
        assert!(s.active());
        let mut buf = lines(1000);
        let v = s.visible(&buf, 0, 30);
        assert_eq!(v.len(), 30);
        assert_eq!(s.highlighted_last, 30);
        // Nothing changed: nothing highlighted.
        s.visible(&buf, 0, 30);
        assert_eq!(s.highlighted_last, 0);
        // An edit on row 20 of the window: rows 20..30 only.
        buf[20].push_str(" // edited");
        s.visible(&buf, 0, 30);
        assert_eq!(s.highlighted_last, 10);
        // Scrolling down by 5 highlights the 5 new rows.
        s.visible(&buf, 5, 30);
        assert_eq!(s.highlighted_last, 5);
        // A multi-line construct carries over: a block comment opened above colours below.
        let mut c = vec![
            "/* open".to_owned(),
            "still comment".to_owned(),
            "*/ fn x() {}".to_owned(),
        ];
        let mut t = EditorSyntax::for_path(Some(Path::new("a.rs")));
        let inside = t.visible(&c, 0, 3)[1].clone();
        c[0] = "// closed".to_owned();
        let outside = t.visible(&c, 0, 3)[1].clone();
        assert_ne!(inside, outside, "the comment state reaches the next line");
    }

    #[test]
    fn unknown_languages_have_no_colours() {
        let mut s = EditorSyntax::for_path(Some(Path::new("notes.zzz")));
        assert!(!s.active());
        assert!(s.visible(&lines(3), 0, 3).is_empty());
    }
}

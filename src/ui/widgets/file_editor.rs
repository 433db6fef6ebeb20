//! The FileEditor widget: a ratatui-textarea buffer with undo/redo, search, a dirty marker,
//! and the external-change prompt (reload / keep mine / show diff) so neither the user's
//! edits nor the other writer's are lost silently. Loads and saves go through
//! `ui::sources::editor_io`; this file only holds state and draws.

use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use crate::ui::widgets::diff_viewer::{DiffViewerState, DiffViewerView};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui_textarea::{CursorMove, TextArea};
use syntax::{EditorSyntax, Pieces};

/// What the glue must do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EditorAction {
    /// Nothing more.
    None,
    /// Save this text.
    Save(String),
    /// Open the file in `$EDITOR` (suspend the TUI).
    External,
    /// Not an editor key.
    Ignored,
}

/// A FileEditor panel's state.
#[derive(Debug)]
pub(crate) struct FileEditorState {
    area: TextArea<'static>,
    /// The text on disk as we last read or wrote it (dirty = the buffer differs).
    disk: String,
    /// Loaded at least once.
    pub loaded: bool,
    /// Why it cannot be edited.
    pub error: Option<String>,
    /// An external change waiting for an answer: the new disk text (`None`: deleted).
    pub external: Option<Option<String>>,
    /// The diff of mine vs theirs, while shown.
    pub diff: Option<DiffViewerState>,
    /// Typing a search.
    search: Option<String>,
    last_search: String,
    /// A save is in flight.
    pub saving: bool,
    /// Last save's error.
    pub save_error: Option<String>,
    /// Syntax colours of the visible rows.
    syntax: EditorSyntax,
}

impl Default for FileEditorState {
    fn default() -> Self {
        Self {
            area: new_area(""),
            disk: String::new(),
            loaded: false,
            error: None,
            external: None,
            diff: None,
            search: None,
            last_search: String::new(),
            saving: false,
            save_error: None,
            syntax: EditorSyntax::default(),
        }
    }
}

fn new_area(text: &str) -> TextArea<'static> {
    let mut a = TextArea::new(text.split('\n').map(str::to_owned).collect());
    a.set_max_histories(500);
    a.set_tab_length(4);
    a
}

impl FileEditorState {
    /// An empty editor for `path`, coloured for its language.
    pub(crate) fn for_path(path: Option<&std::path::Path>) -> Self {
        Self {
            syntax: EditorSyntax::for_path(path),
            ..Self::default()
        }
    }

    /// The buffer's text.
    pub(crate) fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// Unsaved changes.
    pub(crate) fn dirty(&self) -> bool {
        self.loaded && self.text() != self.disk
    }

    /// The worker read the file.
    pub(crate) fn loaded(&mut self, r: Result<String, String>) {
        match r {
            Ok(t) => {
                let cur = self.area.cursor();
                self.area = new_area(&t);
                self.area
                    .move_cursor(CursorMove::Jump(cur.0 as u16, cur.1 as u16));
                self.disk = t;
                self.syntax.reset();
                self.loaded = true;
                self.error = None;
                self.external = None;
                self.diff = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// The file changed on disk. A clean buffer just follows; a dirty one asks.
    pub(crate) fn external_change(&mut self, now: Option<String>) {
        if !self.dirty() {
            if let Some(t) = now {
                self.loaded(Ok(t));
                return;
            }
        }
        self.external = Some(now);
    }

    /// A save finished.
    pub(crate) fn saved(&mut self, r: Result<(), String>, text: Option<String>) {
        self.saving = false;
        match r {
            Ok(()) => {
                if let Some(t) = text {
                    self.disk = t;
                }
                self.save_error = None;
            }
            Err(e) => self.save_error = Some(e),
        }
    }

    /// Insert pasted text.
    pub(crate) fn paste(&mut self, text: &str) {
        if self.external.is_none() && self.loaded {
            self.area.insert_str(text.replace("\r\n", "\n"));
        }
    }

    fn find(&mut self, forward: bool) {
        let q = self.last_search.clone();
        if q.is_empty() {
            return;
        }
        let lines = self.area.lines();
        let (r0, c0) = (self.area.cursor().0, self.area.cursor().1);
        let n = lines.len();
        for step in 0..=n {
            let r = if forward {
                (r0 + step) % n
            } else {
                (r0 + n - step % n) % n
            };
            let line = &lines[r];
            let hit = if forward {
                let from = if step == 0 {
                    line.char_indices()
                        .nth(c0 + 1)
                        .map_or(line.len(), |(b, _)| b)
                } else {
                    0
                };
                line.get(from..).and_then(|s| s.find(&q)).map(|b| b + from)
            } else {
                let to = if step == 0 {
                    line.char_indices().nth(c0).map_or(line.len(), |(b, _)| b)
                } else {
                    line.len()
                };
                line.get(..to).and_then(|s| s.rfind(&q))
            };
            if let Some(b) = hit {
                let col = line[..b].chars().count();
                self.area
                    .move_cursor(CursorMove::Jump(r as u16, col as u16));
                return;
            }
        }
    }

    /// Handle a key.
    pub(crate) fn key(&mut self, key: KeyEvent) -> EditorAction {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        if let Some(now) = self.external.clone() {
            match key.code {
                KeyCode::Char('r') => match now {
                    Some(t) => self.loaded(Ok(t)),
                    None => self.external = None,
                },
                KeyCode::Char('k') => {
                    // Mine stays and stays dirty against the new disk text.
                    self.disk = now.unwrap_or_default();
                    self.external = None;
                    self.diff = None;
                }
                KeyCode::Char('d') => {
                    if self.diff.take().is_none() {
                        let theirs = now.unwrap_or_default();
                        let mine = self.text();
                        let d = similar::TextDiff::from_lines(&theirs, &mine);
                        let mut v = DiffViewerState::default();
                        v.label = "identical".into();
                        v.set_text(&d.unified_diff().header("on disk", "mine").to_string());
                        self.diff = Some(v);
                    }
                }
                _ => {
                    if let Some(d) = self.diff.as_mut() {
                        d.key(key);
                    }
                    return if matches!(key.code, KeyCode::Tab | KeyCode::BackTab) {
                        EditorAction::Ignored
                    } else {
                        EditorAction::None
                    };
                }
            }
            return EditorAction::None;
        }
        if let Some(q) = self.search.as_mut() {
            match key.code {
                KeyCode::Esc => self.search = None,
                KeyCode::Enter => {
                    self.last_search = std::mem::take(q);
                    self.search = None;
                    self.find(true);
                }
                KeyCode::Backspace => {
                    q.pop();
                }
                KeyCode::Char(c) if !ctrl => q.push(c),
                _ => {}
            }
            return EditorAction::None;
        }
        if !self.loaded {
            return EditorAction::Ignored;
        }
        match key.code {
            KeyCode::Char('s') if ctrl => {
                self.saving = true;
                return EditorAction::Save(self.text());
            }
            KeyCode::Char('o') if alt => return EditorAction::External,
            KeyCode::Char('z') if ctrl => {
                self.area.undo();
            }
            KeyCode::Char('y') if ctrl => {
                self.area.redo();
            }
            KeyCode::Char('f') if ctrl => self.search = Some(String::new()),
            KeyCode::F(3) if key.modifiers.contains(KeyModifiers::SHIFT) => self.find(false),
            KeyCode::F(3) => self.find(true),
            KeyCode::Char('g') if ctrl => self.find(true),
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Esc => return EditorAction::Ignored,
            _ => {
                if ctrl && matches!(key.code, KeyCode::Char('w' | 't' | 'l' | 'q')) {
                    return EditorAction::Ignored;
                }
                self.area.input(key);
            }
        }
        EditorAction::None
    }

    /// The title suffix: `●` when dirty.
    pub(crate) fn marker(&self) -> &'static str {
        if self.dirty() { " ●" } else { "" }
    }
}

/// Borrowed view (mutably: the text area keeps its scroll position and the highlight cache
/// fills as rows are drawn).
pub(crate) struct FileEditorView<'a> {
    pub state: &'a mut FileEditorState,
    pub theme: &'a Theme,
    pub focused: bool,
}

impl FileEditorView<'_> {
    /// Draw into `area`.
    pub(crate) fn render(self, area: Rect, buf: &mut Buffer) {
        let s = self.state;
        let w = usize::from(area.width);
        if area.height == 0 || w == 0 {
            return;
        }
        if let Some(e) = &s.error {
            buf.set_stringn(area.x, area.y, truncate(e, w), w, self.theme.error);
            return;
        }
        if !s.loaded {
            buf.set_stringn(area.x, area.y, "loading…", w, self.theme.dim);
            return;
        }
        let mut body = area;
        let bottom_line: Option<(String, ratatui::style::Style)> = if let Some(now) = &s.external {
            let t = if now.is_some() {
                "changed on disk: r reload · k keep mine · d show diff"
            } else {
                "deleted on disk: r dismiss · k keep mine (^S writes it back) · d diff"
            };
            Some((
                t.to_owned(),
                self.theme.warning.add_modifier(Modifier::REVERSED),
            ))
        } else if let Some(q) = &s.search {
            Some((format!("find: {q}▏ (Enter, Esc)"), self.theme.accent))
        } else {
            s.save_error
                .as_ref()
                .map(|e| (format!("save failed: {e}"), self.theme.error))
        };
        if bottom_line.is_some() && body.height > 1 {
            body.height -= 1;
        }
        if let (Some(d), true) = (&s.diff, s.external.is_some()) {
            DiffViewerView {
                state: d,
                theme: self.theme,
                focused: self.focused,
            }
            .render(body, buf);
        } else {
            // Drawn from the state's own text area (not a copy), so the scroll position it
            // keeps between frames is the one the next frame starts from.
            let ta = &mut s.area;
            ta.set_style(self.theme.text);
            ta.set_cursor_line_style(ratatui::style::Style::default());
            ta.set_cursor_style(if self.focused {
                ratatui::style::Style::default().add_modifier(Modifier::REVERSED)
            } else {
                self.theme.text
            });
            ratatui::widgets::Widget::render(&*ta, body, buf);
            let (top, left) = ta.scroll_offset();
            let lines = ta.lines();
            let top = usize::from(top);
            let rows = s.syntax.visible(lines, top, usize::from(body.height));
            for (i, pieces) in rows.iter().enumerate() {
                paint(buf, body, i as u16, &lines[top + i], pieces, left);
            }
        }
        if let Some((t, st)) = bottom_line {
            let y = area.bottom() - 1;
            buf.set_stringn(area.x, y, " ".repeat(w), w, st);
            buf.set_stringn(area.x, y, truncate(&t, w), w, st);
        }
    }
}

/// Colour row `row` of `body` (showing `line` from column `left`) with `pieces`' foregrounds,
/// keeping the backgrounds the text area drew (cursor, selection). Columns follow the text
/// area's own layout: tabs to the next multiple of 4, wide characters two cells.
fn paint(buf: &mut Buffer, body: Rect, row: u16, line: &str, pieces: &Pieces, left: u16) {
    let y = body.y + row;
    let (left, width) = (usize::from(left), usize::from(body.width));
    let mut col = 0usize;
    let mut p = 0;
    for (b, c) in line.char_indices() {
        let w = if c == '\t' {
            4 - col % 4
        } else {
            unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)
        };
        while p < pieces.len() && pieces[p].1.end <= b {
            p += 1;
        }
        if let Some((style, r)) = pieces.get(p)
            && r.contains(&b)
        {
            for x in col..col + w {
                if x < left || x - left >= width {
                    continue;
                }
                if let Some(cell) = buf.cell_mut((body.x + (x - left) as u16, y)) {
                    if let Some(fg) = style.fg {
                        cell.set_fg(fg);
                    }
                    cell.modifier.insert(style.add_modifier);
                }
            }
        }
        col += w;
        if col >= left + width {
            break;
        }
    }
}

mod syntax;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn draw(s: &mut FileEditorState, w: u16, h: u16) -> Buffer {
        let theme = Theme::dark();
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        FileEditorView {
            state: s,
            theme: &theme,
            focused: true,
        }
        .render(area, &mut buf);
        buf
    }

    #[test]
    fn rust_keywords_are_coloured_in_the_visible_rows() {
        let mut s = FileEditorState::for_path(Some(std::path::Path::new("src/main.rs")));
        let body: Vec<String> = (0..200).map(|i| format!("let v{i} = {i};")).collect();
        s.loaded(Ok(format!("fn main() {{\n{}\n}}", body.join("\n"))));
        let plain = Theme::dark().text.fg;
        let buf = draw(&mut s, 40, 10);
        let fg = |buf: &Buffer, x: u16, y: u16| buf[(x, y)].fg;
        assert_eq!(buf[(0, 0)].symbol(), "f");
        assert_ne!(Some(fg(&buf, 0, 0)), plain, "`fn` is coloured");
        assert!(matches!(fg(&buf, 0, 0), ratatui::style::Color::Rgb(..)));
        assert_eq!(buf[(0, 1)].symbol(), "l");
        assert_ne!(fg(&buf, 0, 1), fg(&buf, 4, 1), "`let` and the name differ");
        assert_eq!(s.syntax.highlighted_last, 10, "only the visible rows");
        // Typing re-highlights from the edited row down, not the file.
        s.key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
        s.key(key('x'));
        draw(&mut s, 40, 10);
        assert_eq!(s.syntax.highlighted_last, 9);
        // Far down, still coloured, and the scroll position holds between frames.
        for _ in 0..150 {
            s.key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
        }
        let buf = draw(&mut s, 40, 10);
        let top = s.area.scroll_offset().0;
        assert_eq!(top, 142, "cursor row 151 on the last row");
        assert_eq!(buf[(0, 0)].symbol(), "l");
        assert_ne!(fg(&buf, 0, 0), fg(&buf, 4, 0));
        s.key(KeyEvent::new(KeyCode::Up, KeyModifiers::NONE));
        draw(&mut s, 40, 10);
        assert_eq!(
            s.area.scroll_offset().0,
            top,
            "moving up inside the view keeps it"
        );
    }

    #[test]
    fn edits_undo_save_and_dirty() {
        let mut s = FileEditorState::default();
        s.loaded(Ok("hello".into()));
        assert!(!s.dirty());
        s.key(key('X'));
        assert!(s.dirty());
        assert_eq!(s.marker(), " ●");
        s.key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL));
        assert!(!s.dirty());
        s.key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::CONTROL));
        assert_eq!(s.text(), "Xhello");
        let a = s.key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
        assert_eq!(a, EditorAction::Save("Xhello".into()));
        s.saved(Ok(()), Some("Xhello".into()));
        assert!(!s.dirty());
    }

    #[test]
    fn search_moves_the_cursor() {
        let mut s = FileEditorState::default();
        s.loaded(Ok("one\ntwo\nthree two".into()));
        s.key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::CONTROL));
        for c in "two".chars() {
            s.key(key(c));
        }
        s.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!((s.area.cursor().0, s.area.cursor().1), (1, 0));
        s.key(KeyEvent::new(KeyCode::F(3), KeyModifiers::NONE));
        assert_eq!((s.area.cursor().0, s.area.cursor().1), (2, 6));
    }

    #[test]
    fn external_change_of_a_dirty_buffer_asks() {
        let mut s = FileEditorState::default();
        s.loaded(Ok("a".into()));
        s.external_change(Some("b".into()));
        assert_eq!(s.text(), "b", "a clean buffer follows the disk");
        s.key(key('X'));
        s.external_change(Some("c".into()));
        assert_eq!(s.external, Some(Some("c".into())));
        assert_eq!(s.text(), "Xb", "mine is kept while asking");
        s.key(key('d'));
        assert!(s.diff.is_some());
        s.key(key('k'));
        assert!(s.external.is_none());
        assert!(
            s.dirty(),
            "kept text is still unsaved against the new disk text"
        );
        s.external_change(Some("d".into()));
        s.key(key('r'));
        assert_eq!(s.text(), "d");
        assert!(!s.dirty());
    }
}

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

/// Borrowed view.
pub(crate) struct FileEditorView<'a> {
    pub state: &'a FileEditorState,
    pub theme: &'a Theme,
    pub focused: bool,
}

impl FileEditorView<'_> {
    /// Draw into `area`.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) {
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
            let mut ta = s.area.clone();
            ta.set_style(self.theme.text);
            ta.set_cursor_line_style(ratatui::style::Style::default());
            if !self.focused {
                ta.set_cursor_style(self.theme.text);
            }
            ratatui::widgets::Widget::render(&ta, body, buf);
        }
        if let Some((t, st)) = bottom_line {
            let y = area.bottom() - 1;
            buf.set_stringn(area.x, y, " ".repeat(w), w, st);
            buf.set_stringn(area.x, y, truncate(&t, w), w, st);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
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

//! The Notebook widget: an editable scratch buffer (ratatui-textarea: undo/redo, selection,
//! word moves) whose text the App hands to `ui::sources::scratch` for a debounced atomic save.
//! Editing starts once the saved text is loaded, so a slow disk never loses the old notes.

use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;
use ratatui_textarea::{TextArea, WrapMode};

/// What the buffer's save state is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum SaveState {
    /// Matches the file.
    #[default]
    Saved,
    /// Edited; an autosave is on its way.
    Dirty,
    /// The last save failed.
    Failed(String),
}

/// What a key asks the App to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotebookAction {
    /// Nothing beyond redrawing.
    None,
    /// Save this text (debounced, or now).
    Save {
        /// The whole buffer.
        text: String,
        /// ctrl-s.
        now: bool,
    },
}

/// A Notebook panel's live state.
#[derive(Debug)]
pub(crate) struct NotebookState {
    /// The buffer's name (`.patchfeld/scratch/<name>.md`).
    pub name: String,
    area: TextArea<'static>,
    /// `None` while loading; `Some(Err)` when the name is invalid or reading failed.
    loaded: Option<Result<(), String>>,
    /// Save state.
    pub save: SaveState,
}

impl NotebookState {
    /// A notebook waiting for its text (or refused: `error`).
    pub(crate) fn new(name: String, error: Option<String>) -> Self {
        let mut area = TextArea::default();
        area.set_cursor_line_style(Style::default());
        area.set_wrap_mode(WrapMode::WordOrGlyph);
        area.set_max_histories(200);
        area.set_placeholder_text("empty notebook: type to write, saved automatically");
        Self {
            name,
            area,
            loaded: error.map(Err),
            save: SaveState::Saved,
        }
    }

    /// The saved text arrived (or could not be read).
    pub(crate) fn loaded(&mut self, text: Result<String, String>) {
        match text {
            Ok(t) => {
                let keep = self.area.cursor();
                let mut area = TextArea::new(t.lines().map(str::to_owned).collect());
                area.set_cursor_line_style(Style::default());
                area.set_wrap_mode(WrapMode::WordOrGlyph);
                area.set_max_histories(200);
                area.set_placeholder_text("empty notebook: type to write, saved automatically");
                area.move_cursor(ratatui_textarea::CursorMove::Jump(
                    keep.0 as u16,
                    keep.1 as u16,
                ));
                self.area = area;
                self.loaded = Some(Ok(()));
                self.save = SaveState::Saved;
            }
            Err(e) => self.loaded = Some(Err(e)),
        }
    }

    /// Whether editing is possible.
    pub(crate) fn ready(&self) -> bool {
        matches!(self.loaded, Some(Ok(())))
    }

    /// The buffer's text.
    pub(crate) fn text(&self) -> String {
        let mut t = self.area.lines().join("\n");
        if !t.is_empty() {
            t.push('\n');
        }
        t
    }

    /// A save finished.
    pub(crate) fn saved(&mut self, r: Result<(), String>, text_now: &str) {
        self.save = match r {
            Ok(()) if self.text() == text_now => SaveState::Saved,
            Ok(()) => SaveState::Dirty,
            Err(e) => SaveState::Failed(e),
        };
    }

    /// Handle a key; `None` when it is not the notebook's (Tab, Esc, app chords).
    pub(crate) fn key(&mut self, key: KeyEvent) -> Option<NotebookAction> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Esc => return None,
            KeyCode::Char('q' | 'w' | 't' | 'l' | 'p') if ctrl => return None,
            KeyCode::PageUp | KeyCode::PageDown if ctrl => return None,
            KeyCode::Char(c)
                if (ctrl || key.modifiers.contains(KeyModifiers::ALT)) && c.is_ascii_digit() =>
            {
                return None;
            }
            _ => {}
        }
        if !self.ready() {
            return Some(NotebookAction::None);
        }
        if ctrl && key.code == KeyCode::Char('s') {
            return Some(NotebookAction::Save {
                text: self.text(),
                now: true,
            });
        }
        if self.area.input(key) {
            self.save = SaveState::Dirty;
            return Some(NotebookAction::Save {
                text: self.text(),
                now: false,
            });
        }
        Some(NotebookAction::None)
    }

    /// Paste text at the cursor.
    pub(crate) fn paste(&mut self, text: &str) -> Option<NotebookAction> {
        if !self.ready() {
            return None;
        }
        self.area
            .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
        self.save = SaveState::Dirty;
        Some(NotebookAction::Save {
            text: self.text(),
            now: false,
        })
    }

    /// Scroll by the wheel (moves the cursor, which the textarea keeps in view).
    pub(crate) fn wheel(&mut self, up: bool) {
        let m = if up {
            ratatui_textarea::CursorMove::Up
        } else {
            ratatui_textarea::CursorMove::Down
        };
        for _ in 0..3 {
            self.area.move_cursor(m);
        }
    }
}

/// Draws a Notebook panel's inside.
pub(crate) struct NotebookView<'a> {
    /// The panel's state.
    pub state: &'a NotebookState,
    /// Colours.
    pub theme: &'a Theme,
    /// Focused (shows the cursor).
    pub focused: bool,
}

impl NotebookView<'_> {
    /// Draw; returns the cursor position when focused.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let s = self.state;
        if area.height < 2 || area.width < 4 {
            return None;
        }
        let msg = |t: &str, style, buf: &mut Buffer| {
            let t = truncate(t, usize::from(area.width.saturating_sub(1)));
            buf.set_stringn(area.x + 1, area.y, t, usize::from(area.width), style);
        };
        match &s.loaded {
            None => {
                msg("loading…", self.theme.dim, buf);
                return None;
            }
            Some(Err(e)) => {
                msg(e, self.theme.error, buf);
                return None;
            }
            Some(Ok(())) => {}
        }
        let text = Rect::new(area.x + 1, area.y, area.width - 1, area.height - 1);
        (&s.area).render(text, buf);
        buf.set_style(text, Style::default().patch(self.theme.text));
        let (status, style) = match &s.save {
            SaveState::Saved => ("saved".to_owned(), self.theme.dim),
            SaveState::Dirty => ("● editing".to_owned(), self.theme.warning),
            SaveState::Failed(e) => (format!("not saved: {e}"), self.theme.error),
        };
        let status = truncate(
            &format!("{status} · .patchfeld/scratch/{}.md", s.name),
            usize::from(area.width.saturating_sub(1)),
        );
        buf.set_stringn(
            area.x + 1,
            area.bottom() - 1,
            status,
            usize::from(area.width),
            style,
        );
        if !self.focused {
            return None;
        }
        let cur = s.area.screen_cursor();
        let (top_row, top_col) = s.area.scroll_offset();
        let row = (cur.row as u16).saturating_sub(top_row);
        let col = (cur.col as u16).saturating_sub(top_col);
        Some(Position::new(
            text.x + col.min(text.width.saturating_sub(1)),
            text.y + row.min(text.height.saturating_sub(1)),
        ))
    }
}

//! Text inputs on ratatui-textarea: the one-line inputs of pickers and prompts, and the
//! multi-line message input (newline keys, multi-line paste, history recall, grows to
//! `MAX_ROWS` then scrolls), plus a view that places the terminal cursor.

use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::{truncate, wrap};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use ratatui_textarea::{CursorMove, TextArea, WrapMode};
use unicode_width::UnicodeWidthStr;

/// Rows a multi-line input grows to before it scrolls.
pub(crate) const MAX_ROWS: u16 = 8;
/// History entries kept per input (the persisted chat history uses the same cap).
pub(crate) const HISTORY_CAP: usize = 500;

/// What a key did to the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InputOutcome {
    /// The text or cursor changed (or the key was an editing key).
    Edited,
    /// Enter with the (trimmed, non-empty) text taken out of the input.
    Submit(String),
    /// Not an input key.
    Ignored,
}

/// Recall state: where in the history the user is, and the draft they left.
#[derive(Debug, Clone, Default)]
struct History {
    entries: Vec<String>,
    /// Index into `entries` while browsing.
    pos: Option<usize>,
    /// What was typed before browsing started (restored by Down past the newest).
    draft: String,
}

/// The text being typed. `InputState::default()` is a one-line input (newlines in pastes
/// become spaces, Up/Down are not its keys); [`InputState::multiline`] is a message input.
#[derive(Debug, Clone)]
pub(crate) struct InputState {
    area: TextArea<'static>,
    /// `area`'s lines joined, kept in step after every change (callers borrow it often).
    joined: String,
    multiline: bool,
    /// `Some` when Up/Down recall earlier submissions.
    history: Option<History>,
}

impl Default for InputState {
    fn default() -> Self {
        Self::with_mode(false, false)
    }
}

impl InputState {
    fn with_mode(multiline: bool, history: bool) -> Self {
        Self {
            area: new_area(multiline),
            joined: String::new(),
            multiline,
            history: history.then(History::default),
        }
    }

    /// A message input: Shift-Enter / Alt-Enter / ctrl-j (and `\` + Enter) insert a newline,
    /// pastes keep their lines, Up/Down recall history at the first/last line.
    pub(crate) fn multiline() -> Self {
        Self::with_mode(true, true)
    }

    /// A one-line input with history recall (the command bar).
    pub(crate) fn single_line_with_history() -> Self {
        Self::with_mode(false, true)
    }

    /// The current text (lines joined with `\n`).
    pub(crate) fn text(&self) -> &str {
        &self.joined
    }

    fn sync(&mut self) {
        self.joined = self.area.lines().join("\n");
    }

    /// True when nothing is typed.
    pub(crate) fn is_empty(&self) -> bool {
        self.area.is_empty()
    }

    /// Replace the text; the cursor goes to the end.
    pub(crate) fn set_text(&mut self, text: &str) {
        self.area = new_area(self.multiline);
        self.insert_str(text);
    }

    /// Empty the input (history browsing ends).
    pub(crate) fn clear(&mut self) {
        self.area = new_area(self.multiline);
        self.joined.clear();
        if let Some(h) = self.history.as_mut() {
            h.pos = None;
        }
    }

    /// Insert text at the cursor (a paste). A one-line input turns newlines and tabs into
    /// spaces; a multi-line input keeps lines (`\r\n` and `\r` become `\n`).
    pub(crate) fn insert_str(&mut self, s: &str) {
        let clean: String = if self.multiline {
            s.replace("\r\n", "\n")
                .replace('\r', "\n")
                .chars()
                .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
                .collect()
        } else {
            s.chars()
                .map(|c| {
                    if matches!(c, '\n' | '\r' | '\t') {
                        ' '
                    } else {
                        c
                    }
                })
                .filter(|c| !c.is_control())
                .collect()
        };
        self.area.insert_str(clean);
        self.sync();
    }

    /// Replace the history (e.g. loaded from disk), oldest first; keeps the newest `HISTORY_CAP`.
    pub(crate) fn set_history(&mut self, entries: Vec<String>) {
        let h = self.history.get_or_insert_with(History::default);
        let skip = entries.len().saturating_sub(HISTORY_CAP);
        h.entries = entries.into_iter().skip(skip).collect();
        h.pos = None;
    }

    /// Remember a submission (consecutive duplicates are kept once). Returns whether it
    /// was added (callers persist only what was added).
    pub(crate) fn push_history(&mut self, text: &str) -> bool {
        let Some(h) = self.history.as_mut() else {
            return false;
        };
        h.pos = None;
        if text.trim().is_empty() || h.entries.last().is_some_and(|l| l == text) {
            return false;
        }
        h.entries.push(text.to_owned());
        if h.entries.len() > HISTORY_CAP {
            h.entries.remove(0);
        }
        true
    }

    /// The remembered submissions, oldest first.
    #[cfg(test)]
    pub(crate) fn history(&self) -> &[String] {
        self.history.as_ref().map_or(&[], |h| &h.entries)
    }

    /// Rows the text needs at `width` columns (after the prompt), 1 to [`MAX_ROWS`].
    pub(crate) fn desired_rows(&self, width: u16) -> u16 {
        if !self.multiline {
            return 1;
        }
        let w = usize::from(width.max(1));
        let rows: usize = self
            .area
            .lines()
            .iter()
            .map(|l| {
                // The cursor at the end of a full row takes the next one.
                let n = wrap(l, w).len().max(1);
                if l.width() > 0 && l.width() % w == 0 {
                    n + 1
                } else {
                    n
                }
            })
            .sum();
        u16::try_from(rows).unwrap_or(MAX_ROWS).clamp(1, MAX_ROWS)
    }

    fn on_first_line(&self) -> bool {
        self.area.cursor().0 == 0
    }

    fn on_last_line(&self) -> bool {
        self.area.cursor().0 + 1 >= self.area.lines().len()
    }

    /// Up/Down at the edge of the text: step through the history.
    fn recall(&mut self, older: bool) -> bool {
        let text = self.joined.clone();
        let Some(h) = self.history.as_mut() else {
            return false;
        };
        if h.entries.is_empty() {
            return false;
        }
        let next = match (h.pos, older) {
            (None, true) => {
                h.draft = text;
                Some(h.entries.len() - 1)
            }
            (None, false) => return false,
            (Some(p), true) => Some(p.saturating_sub(1)),
            (Some(p), false) if p + 1 < h.entries.len() => Some(p + 1),
            (Some(_), false) => None,
        };
        let new_text = match next {
            Some(i) => h.entries[i].clone(),
            None => std::mem::take(&mut h.draft),
        };
        h.pos = next;
        self.area = new_area(self.multiline);
        self.area.insert_str(new_text);
        self.sync();
        true
    }

    fn newline(&mut self) -> InputOutcome {
        if self.multiline {
            self.area.insert_newline();
        }
        InputOutcome::Edited
    }

    fn submit(&mut self) -> InputOutcome {
        // `\` + Enter: a newline for terminals that send nothing else.
        if self.multiline {
            let (row, col) = (self.area.cursor().0, self.area.cursor().1);
            let line = &self.area.lines()[row];
            if col > 0 && line.chars().nth(col - 1) == Some('\\') {
                self.area.delete_char();
                self.area.insert_newline();
                return InputOutcome::Edited;
            }
        }
        let text = self.text().trim().to_owned();
        if text.is_empty() {
            return InputOutcome::Edited;
        }
        self.clear();
        InputOutcome::Submit(text)
    }

    /// Apply a key.
    pub(crate) fn handle_key(&mut self, key: KeyEvent) -> InputOutcome {
        let out = self.apply_key(key);
        self.sync();
        out
    }

    fn apply_key(&mut self, key: KeyEvent) -> InputOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        let a = &mut self.area;
        match key.code {
            KeyCode::Enter if self.multiline && (shift || alt || ctrl) => self.newline(),
            KeyCode::Char('j') if ctrl && !alt => self.newline(),
            KeyCode::Enter => self.submit(),
            KeyCode::Up if !ctrl && !alt => {
                if self.multiline && !self.on_first_line() {
                    self.area.move_cursor(CursorMove::Up);
                    InputOutcome::Edited
                } else if self.recall(true) || self.history.is_some() {
                    InputOutcome::Edited
                } else {
                    InputOutcome::Ignored
                }
            }
            KeyCode::Down if !ctrl && !alt => {
                if self.multiline && !self.on_last_line() {
                    self.area.move_cursor(CursorMove::Down);
                    InputOutcome::Edited
                } else if self.recall(false) || self.history.is_some() {
                    InputOutcome::Edited
                } else {
                    InputOutcome::Ignored
                }
            }
            KeyCode::Char('a') if ctrl => {
                a.move_cursor(CursorMove::Head);
                InputOutcome::Edited
            }
            KeyCode::Char('e') if ctrl => {
                a.move_cursor(CursorMove::End);
                InputOutcome::Edited
            }
            KeyCode::Char('u') if ctrl => {
                a.delete_line_by_head();
                InputOutcome::Edited
            }
            KeyCode::Char('k') if ctrl => {
                a.delete_line_by_end();
                InputOutcome::Edited
            }
            KeyCode::Char('w') if ctrl => {
                a.delete_word();
                InputOutcome::Edited
            }
            KeyCode::Char('z') if ctrl => {
                a.undo();
                InputOutcome::Edited
            }
            KeyCode::Char('d') if alt => {
                a.delete_next_word();
                InputOutcome::Edited
            }
            KeyCode::Backspace if alt || ctrl => {
                a.delete_word();
                InputOutcome::Edited
            }
            KeyCode::Char('b') if alt => {
                a.move_cursor(CursorMove::WordBack);
                InputOutcome::Edited
            }
            KeyCode::Char('f') if alt => {
                a.move_cursor(CursorMove::WordForward);
                InputOutcome::Edited
            }
            KeyCode::Left if ctrl || alt => {
                a.move_cursor(CursorMove::WordBack);
                InputOutcome::Edited
            }
            KeyCode::Right if ctrl || alt => {
                a.move_cursor(CursorMove::WordForward);
                InputOutcome::Edited
            }
            KeyCode::Char(c) if !ctrl && !alt => {
                a.insert_char(c);
                InputOutcome::Edited
            }
            KeyCode::Backspace => {
                a.delete_char();
                InputOutcome::Edited
            }
            KeyCode::Delete => {
                a.delete_next_char();
                InputOutcome::Edited
            }
            KeyCode::Left => {
                a.move_cursor(CursorMove::Back);
                InputOutcome::Edited
            }
            KeyCode::Right => {
                a.move_cursor(CursorMove::Forward);
                InputOutcome::Edited
            }
            KeyCode::Home if ctrl => {
                a.move_cursor(CursorMove::Top);
                InputOutcome::Edited
            }
            KeyCode::End if ctrl => {
                a.move_cursor(CursorMove::Bottom);
                a.move_cursor(CursorMove::End);
                InputOutcome::Edited
            }
            KeyCode::Home => {
                a.move_cursor(CursorMove::Head);
                InputOutcome::Edited
            }
            KeyCode::End => {
                a.move_cursor(CursorMove::End);
                InputOutcome::Edited
            }
            _ => InputOutcome::Ignored,
        }
    }
}

fn new_area(multiline: bool) -> TextArea<'static> {
    let mut a = TextArea::default();
    // The terminal cursor marks the position; no block cursor, no underlined line.
    a.set_cursor_style(Style::default());
    a.set_cursor_line_style(Style::default());
    a.set_wrap_mode(if multiline {
        WrapMode::WordOrGlyph
    } else {
        WrapMode::None
    });
    a.set_max_histories(100);
    a
}

/// Borrowed view of an input for one frame.
pub(crate) struct InputView<'a> {
    pub state: &'a InputState,
    pub theme: &'a Theme,
    /// Shown dimmed when the text is empty.
    pub placeholder: &'a str,
    /// Drawn before the first row (e.g. `› `); later rows are indented to match.
    pub prompt: &'a str,
    pub focused: bool,
}

impl InputView<'_> {
    /// Draw into `area` (one row per text row; give it `desired_rows` rows); returns where
    /// the terminal cursor belongs when focused.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        if area.is_empty() {
            return None;
        }
        let prompt_style = if self.focused {
            self.theme.accent
        } else {
            self.theme.dim
        };
        let prompt_w = self.prompt.width() as u16;
        buf.set_line(
            area.x,
            area.y,
            &Line::from(Span::styled(self.prompt, prompt_style)),
            area.width,
        );
        let x0 = area.x + prompt_w.min(area.width);
        let avail = area.width.saturating_sub(prompt_w);
        if avail == 0 {
            return None;
        }
        if self.state.is_empty() {
            let placeholder = truncate(self.placeholder, usize::from(avail));
            buf.set_line(
                x0,
                area.y,
                &Line::from(Span::styled(placeholder, self.theme.dim)),
                avail,
            );
            return self.focused.then_some(Position::new(x0, area.y));
        }
        let text_area = Rect::new(x0, area.y, avail, area.height);
        (&self.state.area).render(text_area, buf);
        buf.set_style(text_area, Style::default().patch(self.theme.text));
        let cur = self.state.area.screen_cursor();
        let (top_row, top_col) = self.state.area.scroll_offset();
        let row = (cur.row as u16).saturating_sub(top_row);
        let col = (cur.col as u16).saturating_sub(top_col);
        self.focused.then_some(Position::new(
            x0 + col.min(avail - 1),
            area.y + row.min(area.height - 1),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

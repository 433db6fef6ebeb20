//! A single-line text input: editing keys, paste, and a view that keeps the cursor visible.

use crate::ui::render::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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

/// The text being typed and the cursor (a byte index on a char boundary).
#[derive(Debug, Clone, Default)]
pub(crate) struct InputState {
    text: String,
    cursor: usize,
}

impl InputState {
    /// The current text.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Insert text at the cursor (newlines become spaces: this is a one-line input).
    pub(crate) fn insert_str(&mut self, s: &str) {
        let clean: String = s
            .chars()
            .map(|c| {
                if c == '\n' || c == '\r' || c == '\t' {
                    ' '
                } else {
                    c
                }
            })
            .filter(|c| !c.is_control())
            .collect();
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
    }

    fn prev_boundary(&self) -> usize {
        self.text[..self.cursor]
            .char_indices()
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    fn next_boundary(&self) -> usize {
        self.text[self.cursor..]
            .chars()
            .next()
            .map_or(self.cursor, |c| self.cursor + c.len_utf8())
    }

    fn word_start(&self) -> usize {
        let before = &self.text[..self.cursor];
        let trimmed = before.trim_end();
        trimmed.rfind(' ').map_or(0, |i| i + 1)
    }

    /// Apply an editing key.
    pub(crate) fn handle_key(&mut self, key: KeyEvent) -> InputOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Enter => {
                let text = self.text.trim().to_owned();
                if text.is_empty() {
                    return InputOutcome::Edited;
                }
                self.text.clear();
                self.cursor = 0;
                InputOutcome::Submit(text)
            }
            KeyCode::Char('a') if ctrl => {
                self.cursor = 0;
                InputOutcome::Edited
            }
            KeyCode::Char('e') if ctrl => {
                self.cursor = self.text.len();
                InputOutcome::Edited
            }
            KeyCode::Char('u') if ctrl => {
                self.text.drain(..self.cursor);
                self.cursor = 0;
                InputOutcome::Edited
            }
            KeyCode::Char('k') if ctrl => {
                self.text.truncate(self.cursor);
                InputOutcome::Edited
            }
            KeyCode::Char('w') if ctrl => {
                let start = self.word_start();
                self.text.drain(start..self.cursor);
                self.cursor = start;
                InputOutcome::Edited
            }
            KeyCode::Backspace if alt => {
                let start = self.word_start();
                self.text.drain(start..self.cursor);
                self.cursor = start;
                InputOutcome::Edited
            }
            KeyCode::Char(c) if !ctrl && !alt => {
                let mut buf = [0u8; 4];
                self.insert_str(c.encode_utf8(&mut buf));
                InputOutcome::Edited
            }
            KeyCode::Backspace => {
                let start = self.prev_boundary();
                self.text.drain(start..self.cursor);
                self.cursor = start;
                InputOutcome::Edited
            }
            KeyCode::Delete => {
                let end = self.next_boundary();
                self.text.drain(self.cursor..end);
                InputOutcome::Edited
            }
            KeyCode::Left => {
                self.cursor = self.prev_boundary();
                InputOutcome::Edited
            }
            KeyCode::Right => {
                self.cursor = self.next_boundary();
                InputOutcome::Edited
            }
            KeyCode::Home => {
                self.cursor = 0;
                InputOutcome::Edited
            }
            KeyCode::End => {
                self.cursor = self.text.len();
                InputOutcome::Edited
            }
            _ => InputOutcome::Ignored,
        }
    }
}

/// Borrowed view of an input for one frame.
pub(crate) struct InputView<'a> {
    pub state: &'a InputState,
    pub theme: &'a Theme,
    /// Shown dimmed when the text is empty.
    pub placeholder: &'a str,
    /// Drawn before the text (e.g. `› `).
    pub prompt: &'a str,
    pub focused: bool,
}

impl InputView<'_> {
    /// Draw into one row of `area`; returns where the terminal cursor belongs when focused.
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
        let avail = usize::from(area.width.saturating_sub(prompt_w));
        if avail == 0 {
            return None;
        }
        let text = self.state.text();
        if text.is_empty() {
            let placeholder = crate::ui::render::wrap::truncate(self.placeholder, avail);
            buf.set_line(
                x0,
                area.y,
                &Line::from(Span::styled(placeholder, self.theme.dim)),
                avail as u16,
            );
            return self.focused.then_some(Position::new(x0, area.y));
        }
        // Scroll horizontally so the cursor stays in view (one cell reserved for it).
        let before_w = text[..self.state.cursor].width();
        let skip_w = (before_w + 1).saturating_sub(avail);
        let mut skipped = 0usize;
        let mut start = 0usize;
        for (i, ch) in text.char_indices() {
            if skipped >= skip_w {
                start = i;
                break;
            }
            skipped += ch.width().unwrap_or(0);
            start = i + ch.len_utf8();
        }
        let visible = &text[start..];
        buf.set_stringn(
            x0,
            area.y,
            visible,
            avail,
            Style::default().patch(self.theme.text),
        );
        let cursor_x = x0 + (before_w - skipped.min(before_w)) as u16;
        self.focused.then_some(Position::new(cursor_x, area.y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn typing_editing_and_submit() {
        let mut s = InputState::default();
        for c in "helo wörld".chars() {
            s.handle_key(key(KeyCode::Char(c)));
        }
        for _ in 0..7 {
            s.handle_key(key(KeyCode::Left));
        }
        s.handle_key(key(KeyCode::Char('l')));
        assert_eq!(s.text(), "hello wörld");
        s.handle_key(ctrl('e'));
        s.handle_key(key(KeyCode::Backspace));
        assert_eq!(s.text(), "hello wörl");
        s.handle_key(ctrl('w'));
        assert_eq!(s.text(), "hello ");
        assert_eq!(
            s.handle_key(key(KeyCode::Enter)),
            InputOutcome::Submit("hello".into())
        );
        assert_eq!(s.text(), "");
        assert_eq!(s.handle_key(key(KeyCode::Enter)), InputOutcome::Edited);
        assert_eq!(s.handle_key(key(KeyCode::Tab)), InputOutcome::Ignored);
    }

    #[test]
    fn paste_flattens_newlines() {
        let mut s = InputState::default();
        s.insert_str("a\nb\tc");
        assert_eq!(s.text(), "a b c");
    }

    #[test]
    fn long_text_scrolls_to_keep_cursor_visible() {
        let mut s = InputState::default();
        s.insert_str("abcdefghijklmnop");
        let theme = Theme::dark();
        let view = InputView {
            state: &s,
            theme: &theme,
            placeholder: "",
            prompt: "> ",
            focused: true,
        };
        let area = Rect::new(0, 0, 10, 1);
        let mut buf = Buffer::empty(area);
        let pos = view.render(area, &mut buf);
        assert_eq!(pos, Some(Position::new(9, 0)));
        let row: String = (0..10).map(|x| buf[(x, 0)].symbol().to_owned()).collect();
        assert_eq!(row, "> jklmnop ");
    }
}

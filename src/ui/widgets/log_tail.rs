//! The LogTail widget: the last `lines` lines of a followed file with their ANSI colours,
//! a filter (`/`), pause (`p`: the view freezes, new lines are counted and kept) and
//! scrolling back (which stops following until `G`). Reading happens in
//! `ui::sources::log_tail`.

use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use crate::ui::sources::log_tail::LogEvent;
use crate::ui::widgets::input::{InputState, InputView};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use std::cell::Cell;
use std::collections::VecDeque;

/// One kept line: its text without escapes (for the filter) and its styled form.
#[derive(Debug, Clone)]
struct LogLine {
    plain: String,
    styled: Line<'static>,
}

fn parse_line(raw: &str) -> LogLine {
    let mut lines = crate::ui::render::ansi::parse(raw);
    let styled = if lines.len() == 1 {
        lines.remove(0)
    } else {
        Line::from(lines.into_iter().flat_map(|l| l.spans).collect::<Vec<_>>())
    };
    let plain = styled.spans.iter().map(|s| s.content.as_ref()).collect();
    LogLine { plain, styled }
}

/// A LogTail panel's live state.
#[derive(Debug)]
pub(crate) struct LogTailState {
    keep: usize,
    lines: VecDeque<LogLine>,
    /// Lines that arrived while paused.
    held: Vec<LogLine>,
    paused: bool,
    filter: InputState,
    filter_editing: bool,
    /// Lines scrolled back from the end (0: following).
    back: usize,
    height: Cell<u16>,
    /// Missing file, read error, or the last restart reason.
    status: Option<(String, bool)>,
    /// Live updates are off (watching failed).
    pub watch_error: Option<String>,
}

impl LogTailState {
    /// A tail keeping `keep` lines.
    pub(crate) fn new(keep: usize) -> Self {
        Self {
            keep: keep.max(1),
            lines: VecDeque::new(),
            held: Vec::new(),
            paused: false,
            filter: InputState::default(),
            filter_editing: false,
            back: 0,
            height: Cell::new(1),
            status: Some(("opening…".into(), false)),
            watch_error: None,
        }
    }

    /// The kept lines without escapes (tests).
    #[cfg(test)]
    pub(crate) fn plain_lines(&self) -> Vec<String> {
        self.lines.iter().map(|l| l.plain.clone()).collect()
    }

    /// Fold a worker report.
    pub(crate) fn apply(&mut self, ev: LogEvent) {
        match ev {
            LogEvent::Reset { lines, reason } => {
                self.lines.clear();
                self.held.clear();
                self.back = 0;
                self.status = reason.map(|r| (format!("file {r}: reading from the start"), false));
                self.push(lines.iter().map(|l| parse_line(l)).collect());
            }
            LogEvent::Appended(lines) => {
                let parsed: Vec<LogLine> = lines.iter().map(|l| parse_line(l)).collect();
                if self.paused {
                    self.held.extend(parsed);
                    let over = self.held.len().saturating_sub(self.keep);
                    self.held.drain(..over);
                } else {
                    self.push(parsed);
                }
            }
            LogEvent::Missing => {
                self.status = Some(("file does not exist (yet): waiting for it".into(), false));
            }
            LogEvent::Failed(e) => self.status = Some((format!("cannot read: {e}"), true)),
        }
    }

    fn push(&mut self, lines: Vec<LogLine>) {
        let before = self.visible_count();
        self.lines.extend(lines);
        while self.lines.len() > self.keep {
            self.lines.pop_front();
        }
        // Scrolled back: stay on the same lines while new ones arrive below.
        if self.back > 0 {
            self.back += self.visible_count().saturating_sub(before);
        }
    }

    fn matches(&self, l: &LogLine) -> bool {
        let q = self.filter.text().trim();
        if q.is_empty() {
            return true;
        }
        if q.chars().any(char::is_uppercase) {
            l.plain.contains(q)
        } else {
            l.plain.to_lowercase().contains(&q.to_lowercase())
        }
    }

    fn visible(&self) -> Vec<&LogLine> {
        self.lines.iter().filter(|l| self.matches(l)).collect()
    }

    fn visible_count(&self) -> usize {
        if self.filter.text().trim().is_empty() {
            self.lines.len()
        } else {
            self.visible().len()
        }
    }

    fn scroll_by(&mut self, delta: isize) {
        let max = self
            .visible_count()
            .saturating_sub(usize::from(self.height.get().max(1)));
        // Positive delta scrolls down (towards the end).
        self.back = self.back.saturating_add_signed(-delta).min(max);
    }

    /// Scroll by the mouse wheel.
    pub(crate) fn wheel(&mut self, up: bool) {
        self.scroll_by(if up { -3 } else { 3 });
    }

    fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
        if !paused {
            let held = std::mem::take(&mut self.held);
            self.push(held);
        }
    }

    /// Handle a key; false when it is not the panel's.
    pub(crate) fn key(&mut self, key: KeyEvent) -> bool {
        if self.filter_editing {
            match key.code {
                KeyCode::Enter => self.filter_editing = false,
                KeyCode::Esc => {
                    self.filter_editing = false;
                    self.filter.clear();
                }
                _ => {
                    self.filter.handle_key(key);
                    self.back = 0;
                }
            }
            return true;
        }
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return false;
        }
        let page = self.height.get().saturating_sub(1).max(1) as isize;
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => self.scroll_by(1),
            KeyCode::Char('k') | KeyCode::Up => self.scroll_by(-1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.scroll_by(page),
            KeyCode::PageUp => self.scroll_by(-page),
            KeyCode::Char('g') | KeyCode::Home => self.scroll_by(-(isize::MAX / 2)),
            KeyCode::Char('G') | KeyCode::End => self.back = 0,
            KeyCode::Char('p') => self.set_paused(!self.paused),
            KeyCode::Char('/') => self.filter_editing = true,
            KeyCode::Esc if !self.filter.is_empty() => self.filter.clear(),
            _ => return false,
        }
        true
    }

    /// Typed text for the filter prompt (paste).
    pub(crate) fn paste(&mut self, text: &str) -> bool {
        if !self.filter_editing {
            return false;
        }
        self.filter.insert_str(text);
        true
    }
}

/// Draws a LogTail panel's inside.
pub(crate) struct LogTailView<'a> {
    /// The panel's state.
    pub state: &'a LogTailState,
    /// Colours.
    pub theme: &'a Theme,
    /// Focused (filter prompt cursor).
    pub focused: bool,
}

impl LogTailView<'_> {
    /// Draw; returns the cursor while the filter prompt is open.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let s = self.state;
        if area.is_empty() {
            return None;
        }
        let filtering = s.filter_editing || !s.filter.is_empty();
        let show_status =
            filtering || s.paused || s.back > 0 || s.status.is_some() || s.watch_error.is_some();
        let body_h = area.height.saturating_sub(u16::from(show_status));
        s.height.set(body_h.max(1));
        let visible = s.visible();
        let end = visible.len().saturating_sub(s.back.min(visible.len()));
        let start = end.saturating_sub(usize::from(body_h));
        let inner_x = area.x + 1;
        let w = area.width.saturating_sub(1);
        for (i, l) in visible[start..end].iter().enumerate() {
            let y = area.y + i as u16;
            buf.set_style(Rect::new(inner_x, y, w, 1), self.theme.text);
            buf.set_line(inner_x, y, &l.styled, w);
        }
        if !show_status {
            return None;
        }
        let y = area.bottom() - 1;
        if s.filter_editing {
            buf.set_stringn(area.x, y, "/", 1, self.theme.accent);
            return InputView {
                state: &s.filter,
                theme: self.theme,
                placeholder: "filter lines (smart case), Enter to keep, Esc to clear",
                prompt: "",
                focused: self.focused,
            }
            .render(
                Rect::new(area.x + 1, y, area.width.saturating_sub(1), 1),
                buf,
            );
        }
        let mut parts = Vec::new();
        if s.paused {
            parts.push(format!("⏸ paused (+{} new) · p resumes", s.held.len()));
        } else if s.back > 0 {
            parts.push(format!("↑ {} lines back · G follows", s.back));
        }
        if !s.filter.is_empty() {
            parts.push(format!(
                "/{} {} of {}",
                s.filter.text(),
                visible.len(),
                s.lines.len()
            ));
        }
        let mut style = self.theme.dim;
        if let Some((text, err)) = &s.status {
            parts.push(text.clone());
            if *err {
                style = self.theme.error;
            }
        }
        if let Some(e) = &s.watch_error {
            parts.push(format!("not following: {e}"));
            style = self.theme.warning;
        }
        let text = truncate(&parts.join(" · "), usize::from(w));
        buf.set_stringn(inner_x, y, text, usize::from(w), style);
        None
    }
}

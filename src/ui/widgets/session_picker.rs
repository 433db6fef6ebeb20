//! The `/resume` picker: past orchestrator sessions (title, dates, first prompt), fuzzy
//! filtered, with a preview of the selected session's first prompt.

use crate::core::time::Epoch;
use crate::store::sessions::SessionEntry;
use crate::ui::fuzzy;
use crate::ui::render::format;
use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::{truncate, wrap};
use crate::ui::widgets::input::{InputOutcome, InputState, InputView};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};
use unicode_width::UnicodeWidthStr;

/// Picker state: the sessions (None while the engine is asked), the filter, the selection.
#[derive(Debug, Default)]
pub(crate) struct SessionPickerState {
    /// Most recent first; None until the list arrives.
    pub sessions: Option<Vec<SessionEntry>>,
    pub filter: InputState,
    /// Index into the filtered list.
    pub selected: usize,
    /// The session the orchestrator runs now (marked in the list).
    pub current: Option<String>,
}

/// What a key did in the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PickerOutcome {
    /// Stay open.
    Stay,
    /// Close without choosing.
    Close,
    /// Resume this session id.
    Resume(String),
}

impl SessionPickerState {
    /// A picker waiting for the list, pre-filtered with `filter`.
    pub(crate) fn loading(filter: &str, current: Option<String>) -> Self {
        let mut s = Self {
            current,
            ..Self::default()
        };
        s.filter.insert_str(filter);
        s
    }

    /// Indices into `sessions` matching the filter, best first (recency order when empty).
    pub(crate) fn visible(&self) -> Vec<usize> {
        let Some(sessions) = &self.sessions else {
            return Vec::new();
        };
        let hay: Vec<String> = sessions
            .iter()
            .map(|s| {
                format!(
                    "{} {} {}",
                    s.title.as_deref().unwrap_or(""),
                    s.first_prompt.as_deref().unwrap_or(""),
                    s.session_id
                )
            })
            .collect();
        fuzzy::filter(self.filter.text(), hay.iter().map(String::as_str))
    }

    /// Apply a key.
    pub(crate) fn handle_key(&mut self, key: KeyEvent) -> PickerOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let count = self.visible().len();
        match key.code {
            KeyCode::Esc => return PickerOutcome::Close,
            KeyCode::Enter => {
                let vis = self.visible();
                return match (&self.sessions, vis.get(self.selected)) {
                    (Some(s), Some(&i)) => PickerOutcome::Resume(s[i].session_id.clone()),
                    _ => PickerOutcome::Stay,
                };
            }
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Char('p') if ctrl => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down => self.selected = (self.selected + 1).min(count.saturating_sub(1)),
            KeyCode::Char('n') if ctrl => {
                self.selected = (self.selected + 1).min(count.saturating_sub(1));
            }
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(count.saturating_sub(1)),
            _ => {
                if self.filter.handle_key(key) == InputOutcome::Edited {
                    self.selected = 0;
                }
            }
        }
        PickerOutcome::Stay
    }
}

/// `42s ago`, `5m ago`, `3h ago`, `2d ago`.
pub(crate) fn ago(now: Epoch, then: Epoch) -> String {
    let s = (now - then).max(0.0) as u64;
    match s {
        0..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=86_399 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

fn absolute(ts: Epoch, tz: &jiff::tz::TimeZone) -> String {
    match jiff::Timestamp::from_second(ts.floor() as i64) {
        Ok(t) => t
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => "?".to_owned(),
    }
}

/// Borrowed view of the picker.
pub(crate) struct SessionPickerView<'a> {
    pub state: &'a SessionPickerState,
    pub theme: &'a Theme,
    pub now: Epoch,
    pub tz: &'a jiff::tz::TimeZone,
}

impl SessionPickerView<'_> {
    /// Draw centred over `screen`; returns the cursor position (in the filter).
    pub(crate) fn render(&self, screen: Rect, buf: &mut Buffer) -> Option<Position> {
        let t = self.theme;
        let width = screen.width.saturating_sub(4).min(120);
        let height = screen.height.saturating_sub(2).min(30);
        if width < 30 || height < 8 {
            return None;
        }
        let area = Rect::new(
            screen.x + (screen.width - width) / 2,
            screen.y + (screen.height - height) / 2,
            width,
            height,
        );
        Clear.render(area, buf);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(t.border_focused)
            .title(Span::styled(" Resume a session ", t.title_focused))
            .title_bottom(Span::styled(
                " Enter resume · ↑↓ select · Esc cancel ",
                t.dim,
            ));
        let inner = block.inner(area).inner(ratatui::layout::Margin::new(1, 0));
        block.render(area, buf);
        let cursor = InputView {
            state: &self.state.filter,
            theme: t,
            placeholder: "filter by title, first prompt or id",
            prompt: "filter › ",
            focused: true,
        }
        .render(Rect { height: 1, ..inner }, buf);
        let preview_h: u16 = 4;
        let list = Rect {
            y: inner.y + 2,
            height: inner.height.saturating_sub(2 + preview_h),
            ..inner
        };
        let Some(sessions) = &self.state.sessions else {
            buf.set_stringn(
                list.x,
                list.y,
                "loading sessions…",
                usize::from(list.width),
                t.dim,
            );
            return cursor;
        };
        let vis = self.state.visible();
        if vis.is_empty() {
            let msg = if sessions.is_empty() {
                "no past orchestrator sessions in this project yet"
            } else {
                "no session matches the filter"
            };
            buf.set_stringn(list.x, list.y, msg, usize::from(list.width), t.dim);
            return cursor;
        }
        let rows = usize::from(list.height);
        let selected = self.state.selected.min(vis.len() - 1);
        let first = (selected + 1).saturating_sub(rows);
        let w = usize::from(list.width);
        for (row, (pos, &i)) in vis.iter().enumerate().skip(first).take(rows).enumerate() {
            let s = &sessions[i];
            let is_sel = pos == selected;
            let base = if is_sel { t.selection } else { t.text };
            let current = self.state.current.as_deref() == Some(s.session_id.as_str());
            let right = format!(
                "{}{:>8} · {} · {} turn{} · {}",
                if current { "current · " } else { "" },
                ago(self.now, s.updated_at),
                absolute(s.updated_at, self.tz),
                s.turns,
                if s.turns == 1 { "" } else { "s" },
                format::cost(s.cost_usd),
            );
            let right_w = right.width();
            let title_w = w.saturating_sub(right_w + 4).max(8);
            let title = truncate(
                &crate::core::transcript::one_line(&s.display_title(), title_w),
                title_w,
            );
            let pad = w.saturating_sub(2 + title.width() + right_w);
            let line = Line::from(vec![
                Span::styled(if is_sel { "▸ " } else { "  " }, base.patch(t.accent)),
                Span::styled(title, base.add_modifier(Modifier::BOLD)),
                Span::styled(" ".repeat(pad), base),
                Span::styled(right, base.patch(if current { t.accent } else { t.dim })),
            ]);
            let y = list.y + row as u16;
            if is_sel {
                buf.set_style(Rect::new(list.x, y, list.width, 1), t.selection);
            }
            buf.set_line(list.x, y, &line, list.width);
        }
        // Preview: the selected session's first prompt and id.
        let s = &sessions[vis[selected]];
        let py = list.bottom();
        buf.set_stringn(list.x, py, "─".repeat(w), w, t.border);
        let prompt = s.first_prompt.as_deref().unwrap_or("(no prompt recorded)");
        let mut lines = wrap(&format!("first prompt: {prompt}"), w);
        lines.truncate(usize::from(preview_h.saturating_sub(2)));
        for (k, l) in lines.iter().enumerate() {
            buf.set_stringn(list.x, py + 1 + k as u16, l, w, t.text);
        }
        buf.set_stringn(
            list.x,
            py + preview_h - 1,
            format!(
                "session {} · started {}",
                s.session_id,
                absolute(s.created_at, self.tz)
            ),
            w,
            t.dim,
        );
        cursor
    }
}

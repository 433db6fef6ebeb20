//! The orchestrator chat: its transcript (wrapped once, drawn only where visible) and the input.

use crate::core::transcript::{
    NoticeLevel, TranscriptEntry, TranscriptItem, one_line, tool_input_brief,
};
use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::{truncate, wrap};
use crate::ui::widgets::input::{InputState, InputView};
use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// Transcript, wrapped-line cache, scroll position and the message input.
#[derive(Debug, Default)]
pub(crate) struct ChatState {
    entries: Vec<TranscriptEntry>,
    /// Lines for `entries[..wrapped]` at `width`; appends only wrap the new entries.
    lines: Vec<Line<'static>>,
    wrapped: usize,
    width: u16,
    /// Lines scrolled up from the bottom (0 = follow new output).
    scroll: usize,
    /// Transcript viewport height at the last frame (for paging).
    page: u16,
    /// The message being typed.
    pub input: InputState,
}

impl ChatState {
    /// Append a transcript entry.
    pub(crate) fn push(&mut self, entry: TranscriptEntry) {
        self.entries.push(entry);
    }

    /// Replace the whole transcript (session switch); back to follow mode.
    pub(crate) fn replace(&mut self, entries: Vec<TranscriptEntry>) {
        self.entries = entries;
        self.lines.clear();
        self.wrapped = 0;
        self.scroll = 0;
    }

    /// Scroll by a page up (`up`) or down.
    pub(crate) fn page(&mut self, up: bool) {
        let step = usize::from(self.page.max(2) - 1);
        let max = self.lines.len().saturating_sub(usize::from(self.page));
        self.scroll = if up {
            (self.scroll + step).min(max)
        } else {
            self.scroll.saturating_sub(step)
        };
    }

    /// Scroll by `n` lines (mouse wheel).
    pub(crate) fn scroll_lines(&mut self, up: bool, n: usize) {
        let max = self.lines.len().saturating_sub(usize::from(self.page));
        self.scroll = if up {
            (self.scroll + n).min(max)
        } else {
            self.scroll.saturating_sub(n)
        };
    }

    /// Bring the wrapped-line cache up to date for `width` and `height` (transcript rows).
    /// Re-wraps everything only when the width changed; otherwise wraps new entries only.
    pub(crate) fn prepare(&mut self, width: u16, height: u16, theme: &Theme) {
        if width != self.width {
            self.width = width;
            self.lines.clear();
            self.wrapped = 0;
        }
        let before = self.lines.len();
        for entry in &self.entries[self.wrapped..] {
            let first = self.wrapped == 0 && self.lines.is_empty();
            entry_lines(
                &entry.item,
                usize::from(width),
                theme,
                first,
                &mut self.lines,
            );
            self.wrapped += 1;
        }
        // Keep the view still while the user reads back.
        if self.scroll > 0 && before > 0 {
            self.scroll += self.lines.len() - before;
        }
        self.page = height;
        let max = self.lines.len().saturating_sub(usize::from(height));
        self.scroll = self.scroll.min(max);
    }
}

/// Turn one transcript item into display lines at `width`.
fn entry_lines(
    item: &TranscriptItem,
    width: usize,
    theme: &Theme,
    first: bool,
    out: &mut Vec<Line<'static>>,
) {
    let indented =
        |text: &str, prefix: &'static str, style: Style, out: &mut Vec<Line<'static>>| {
            let pw = prefix.width();
            for (i, l) in wrap(text, width.saturating_sub(pw).max(1))
                .into_iter()
                .enumerate()
            {
                let lead = if i == 0 {
                    prefix.to_owned()
                } else {
                    " ".repeat(pw)
                };
                out.push(Line::from(vec![
                    Span::styled(lead, style),
                    Span::styled(l, style),
                ]));
            }
        };
    match item {
        TranscriptItem::User { text } => {
            if !first {
                out.push(Line::default());
            }
            indented(text, "› ", theme.user, out);
        }
        TranscriptItem::Assistant { text } => {
            crate::ui::render::markdown::render(text, width, theme, out);
        }
        TranscriptItem::Thinking { text } => indented(text, "✻ ", theme.thinking, out),
        TranscriptItem::ToolUse { name, input, .. } => {
            let brief = one_line(&tool_input_brief(name, input), width);
            let line = truncate(&format!("⏺ {name} {brief}"), width);
            out.push(Line::from(Span::styled(line, theme.tool)));
        }
        TranscriptItem::ToolResult {
            content, is_error, ..
        } => {
            let text = TranscriptItem::content_text(content);
            let mut lines = text.lines().filter(|l| !l.trim().is_empty());
            let head = lines.next().unwrap_or("(no output)");
            let more = lines.count();
            let summary = if more > 0 {
                format!("  ⎿ {} (+{more} lines)", one_line(head, width))
            } else {
                format!("  ⎿ {}", one_line(head, width))
            };
            let style = if *is_error { theme.error } else { theme.tool };
            out.push(Line::from(Span::styled(truncate(&summary, width), style)));
        }
        TranscriptItem::TurnEnd { is_error, text, .. } => {
            if *is_error {
                indented(&format!("turn failed: {text}"), "✗ ", theme.error, out);
            }
        }
        TranscriptItem::Unknown { raw } => {
            let line = truncate(&format!("? {}", one_line(raw, width)), width);
            out.push(Line::from(Span::styled(line, theme.dim)));
        }
        TranscriptItem::Notice { level, text } => {
            let prefix = match level {
                NoticeLevel::Info => "ℹ ",
                NoticeLevel::Warning => "⚠ ",
                NoticeLevel::Error => "✗ ",
            };
            indented(text, prefix, theme.notice(*level), out);
        }
    }
}

/// Borrowed view of the chat for one frame.
pub(crate) struct OrchestratorChatView<'a> {
    pub state: &'a ChatState,
    pub theme: &'a Theme,
    pub focused: bool,
    /// The orchestrator has a turn in progress.
    pub busy: bool,
}

/// Horizontal padding inside the panel border.
pub(crate) const PAD: Margin = Margin::new(1, 0);

/// Rows the input takes at the bottom of the panel (a rule plus the input line).
pub(crate) const INPUT_ROWS: u16 = 2;

impl OrchestratorChatView<'_> {
    /// Draw into the panel's inner area; returns the cursor position when focused.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        if area.is_empty() {
            return None;
        }
        let input_rows = INPUT_ROWS.min(area.height);
        let body = Rect {
            height: area.height - input_rows,
            ..area
        };
        self.render_transcript(body.inner(PAD), buf);
        let rule_y = area.y + body.height;
        if input_rows == 2 {
            let label = if self.busy {
                " … working "
            } else {
                " message "
            };
            let rule_style = if self.focused {
                self.theme.border_focused
            } else {
                self.theme.border
            };
            let rule: String = "─".repeat(usize::from(area.width));
            buf.set_stringn(area.x, rule_y, &rule, usize::from(area.width), rule_style);
            let label_style = if self.busy {
                self.theme.warning
            } else {
                self.theme.dim
            };
            buf.set_stringn(
                area.x + 1,
                rule_y,
                label,
                usize::from(area.width.saturating_sub(1)),
                label_style,
            );
        }
        let input_area = Rect::new(area.x, area.y + area.height - 1, area.width, 1).inner(PAD);
        InputView {
            state: &self.state.input,
            theme: self.theme,
            placeholder: "Ask the orchestrator… (Enter sends)",
            prompt: "› ",
            focused: self.focused,
        }
        .render(input_area, buf)
    }

    fn render_transcript(&self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let s = self.state;
        if s.lines.is_empty() {
            let hint = "No messages yet. Type below and press Enter: the orchestrator plans \
                        the work, spawns agents and reports back.";
            let rows = wrap(hint, usize::from(area.width));
            for (i, l) in rows.iter().enumerate() {
                let y = area.y + 1 + i as u16;
                if y >= area.bottom() {
                    break;
                }
                buf.set_stringn(area.x, y, l, usize::from(area.width), self.theme.dim);
            }
            return;
        }
        let h = usize::from(area.height);
        let end = s.lines.len().saturating_sub(s.scroll);
        let start = end.saturating_sub(h);
        for (row, line) in s.lines[start..end].iter().enumerate() {
            buf.set_line(area.x, area.y + row as u16, line, area.width);
        }
        if s.scroll > 0 {
            let tag = format!(" ↓ {} more ", s.scroll);
            let w = tag.width() as u16;
            if w < area.width {
                buf.set_string(
                    area.right() - w,
                    area.bottom() - 1,
                    tag,
                    self.theme.badge_alert,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(item: TranscriptItem) -> TranscriptEntry {
        TranscriptEntry { ts: 0.0, item }
    }

    #[test]
    fn wraps_once_and_only_new_entries_on_append() {
        let theme = Theme::dark();
        let mut s = ChatState::default();
        s.push(entry(TranscriptItem::Assistant {
            text: "one two three four".into(),
        }));
        s.prepare(10, 5, &theme);
        assert_eq!(s.lines.len(), 2);
        s.push(entry(TranscriptItem::ToolUse {
            id: "t".into(),
            name: "Bash".into(),
            input: json!({"command": "cargo test"}),
        }));
        s.prepare(10, 5, &theme);
        assert_eq!(s.lines.len(), 3);
        assert_eq!(s.wrapped, 2);
        s.prepare(40, 5, &theme);
        assert_eq!(s.lines.len(), 2, "re-wrapped at the new width");
    }

    #[test]
    fn paging_holds_position_while_output_arrives() {
        let theme = Theme::dark();
        let mut s = ChatState::default();
        for i in 0..30 {
            s.push(entry(TranscriptItem::Assistant {
                text: format!("line {i}"),
            }));
        }
        s.prepare(20, 10, &theme);
        s.page(true);
        assert_eq!(s.scroll, 9);
        s.push(entry(TranscriptItem::Assistant { text: "new".into() }));
        s.prepare(20, 10, &theme);
        assert_eq!(s.scroll, 10, "view stays on the same lines");
        s.page(false);
        s.page(false);
        assert_eq!(s.scroll, 0);
    }
}

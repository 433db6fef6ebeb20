//! The orchestrator chat: its transcript (the shared `TranscriptView`: wrapped once, drawn
//! only where visible) and the message input.

use crate::core::transcript::TranscriptEntry;
use crate::ui::render::theme::Theme;
use crate::ui::widgets::input::{InputState, InputView};
use crate::ui::widgets::transcript_view::{TranscriptView, TranscriptViewState, Working};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Position, Rect};

/// The transcript view state and the message input.
#[derive(Debug, Default)]
pub(crate) struct ChatState {
    /// The orchestrator's transcript as displayed.
    pub view: TranscriptViewState,
    /// The message being typed.
    pub input: InputState,
}

impl ChatState {
    /// Append a transcript entry.
    pub(crate) fn push(&mut self, entry: TranscriptEntry) {
        self.view.push(entry);
    }

    /// Replace the whole transcript (session switch); back to follow mode.
    pub(crate) fn replace(&mut self, entries: Vec<TranscriptEntry>) {
        self.view.replace(entries);
    }

    /// Scroll by `n` lines (mouse wheel).
    pub(crate) fn scroll_lines(&mut self, up: bool, n: usize) {
        self.view.scroll_lines(up, n);
    }

    /// Transcript keys while the input owns typing: PgUp/PgDn scroll, `End` (input empty)
    /// follows again, `alt-e` expands/collapses every tool call and thinking block. True when
    /// the key was used.
    pub(crate) fn view_key(&mut self, key: KeyEvent) -> bool {
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::PageUp => self.view.page(true),
            KeyCode::PageDown => self.view.page(false),
            KeyCode::End if self.input.text().is_empty() => self.view.follow_end(),
            KeyCode::Char('e') if alt => self.view.toggle_all(),
            _ => return false,
        }
        true
    }

    /// Bring the line cache up to date for the panel's inner `area` (call before rendering).
    pub(crate) fn prepare(&mut self, area: Rect, working: bool, theme: &Theme) {
        let body = transcript_area(area, &self.input);
        self.view
            .prepare(TranscriptView::lines_area(body, working), theme);
    }
}

/// Where the transcript goes inside the panel's inner area.
fn transcript_area(area: Rect, input: &InputState) -> Rect {
    let input_rows = input_rows(input, area);
    Rect {
        height: area.height - input_rows,
        ..area
    }
    .inner(PAD)
}

/// Borrowed view of the chat for one frame.
pub(crate) struct OrchestratorChatView<'a> {
    pub state: &'a ChatState,
    pub theme: &'a Theme,
    pub focused: bool,
    /// The orchestrator has a turn in progress.
    pub busy: bool,
    /// The working row (elapsed time, tool in flight) while busy.
    pub working: Option<Working>,
}

/// Horizontal padding inside the panel border.
pub(crate) const PAD: Margin = Margin::new(1, 0);

/// Rows the input takes at the bottom of the panel's inner `area`: a rule plus the input's
/// rows (it grows with its text up to `input::MAX_ROWS`, leaving the transcript 3 rows).
pub(crate) fn input_rows(input: &InputState, area: Rect) -> u16 {
    let text_w = area.inner(PAD).width.saturating_sub(PROMPT.len() as u16);
    let want = 1 + input.desired_rows(text_w);
    want.min(area.height.saturating_sub(3))
        .max(2)
        .min(area.height)
}

/// Drawn before the input's first row.
const PROMPT: &str = "› ";

impl OrchestratorChatView<'_> {
    /// Draw into the panel's inner area; returns the cursor position when focused.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        if area.is_empty() {
            return None;
        }
        let input_rows = input_rows(&self.state.input, area);
        let body = Rect {
            height: area.height - input_rows,
            ..area
        };
        TranscriptView {
            state: &self.state.view,
            theme: self.theme,
            focused: false,
            working: self.working.clone(),
            empty_hint: "No messages yet. Type below and press Enter: the orchestrator plans \
                         the work, spawns agents and reports back.",
        }
        .render(transcript_area(area, &self.state.input), buf);
        let rule_y = area.y + body.height;
        if input_rows >= 2 {
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
        let text_rows = input_rows.saturating_sub(1).max(1);
        let input_area =
            Rect::new(area.x, area.bottom() - text_rows, area.width, text_rows).inner(PAD);
        InputView {
            state: &self.state.input,
            theme: self.theme,
            placeholder: "Message the orchestrator — / for commands",
            prompt: PROMPT,
            focused: self.focused,
        }
        .render(input_area, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::transcript::TranscriptItem;

    #[test]
    fn view_keys_scroll_and_end_follows_only_with_an_empty_input() {
        let theme = Theme::dark();
        let mut s = ChatState::default();
        for i in 0..30 {
            s.push(TranscriptEntry {
                ts: 0.0,
                item: TranscriptItem::Assistant {
                    text: format!("line {i}"),
                },
            });
        }
        let area = Rect::new(0, 0, 22, 12);
        s.prepare(area, false, &theme);
        let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
        assert!(s.view_key(key(KeyCode::PageUp)));
        assert!(!s.view.following());
        s.input.insert_str("draft");
        assert!(!s.view_key(key(KeyCode::End)), "End edits the typed text");
        s.input.clear();
        assert!(s.view_key(key(KeyCode::End)));
        assert!(s.view.following());
        assert!(!s.view_key(key(KeyCode::Char('e'))));
        assert!(s.view_key(KeyEvent::new(KeyCode::Char('e'), KeyModifiers::ALT)));
    }
}

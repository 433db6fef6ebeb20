//! The command bar: a one-row input above the status bar that runs an action (`:name args`,
//! see `ui::action`), a slash command (with or without the slash; see `ui::slash`), or
//! messages the orchestrator. Completion comes from the slash popup.

use crate::ui::render::theme::Theme;
use crate::ui::widgets::input::{InputState, InputView};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

/// Borrowed view of the command bar.
pub(crate) struct CommandBarView<'a> {
    pub input: &'a InputState,
    pub theme: &'a Theme,
    pub focused: bool,
}

impl CommandBarView<'_> {
    /// Draw one row; returns the cursor position when focused.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let placeholder = if self.focused {
            "message the orchestrator, :action (:focus_panel agents) or a command: reset, model opus… (Tab completes, Esc leaves)"
        } else {
            "press / to message the orchestrator"
        };
        InputView {
            state: self.input,
            theme: self.theme,
            placeholder,
            prompt: if self.focused { " / › " } else { " /   " },
            focused: self.focused,
        }
        .render(area, buf)
    }
}

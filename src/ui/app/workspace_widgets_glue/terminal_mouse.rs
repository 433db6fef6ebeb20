//! Clicks, releases, drags and motion over a Terminal panel whose child asked for mouse
//! reports (vim, htop, less with `--mouse`): encoded for the child's mode and sent to it.
//! The wheel is handled with the other panels' wheels in the parent module.

use super::WsPanel;
use crate::ui::app::{App, Focus};
use crossterm::event::{MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

impl App {
    /// A non-wheel mouse event over Terminal panel `id` (of tab `tab`), `inner` its inside.
    /// `Some(true)`: sent to the child (a press also focuses the panel). `None`: not a
    /// terminal that wants it; the caller goes on as before.
    pub(super) fn terminal_mouse(
        &mut self,
        tab: &str,
        id: &str,
        m: MouseEvent,
        inner: Rect,
    ) -> Option<bool> {
        if matches!(
            m.kind,
            MouseEventKind::ScrollUp
                | MouseEventKind::ScrollDown
                | MouseEventKind::ScrollLeft
                | MouseEventKind::ScrollRight
        ) || !inner.contains(Position::new(m.column, m.row))
        {
            return None;
        }
        let (col, row) = (m.column - inner.x, m.row - inner.y);
        let Some(WsPanel::Terminal(t)) = self.ws_panel_mut(tab, id) else {
            return None;
        };
        let bytes = t.mouse_bytes(m.kind, m.modifiers, col, row)?;
        if let Some(s) = &t.session {
            s.write(bytes);
        }
        if matches!(m.kind, MouseEventKind::Down(_)) {
            self.focus = Focus::Panel(id.to_owned());
            self.dirty = true;
        }
        Some(true)
    }
}

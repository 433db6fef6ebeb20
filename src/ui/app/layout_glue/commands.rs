//! The App's side of `Command` panels: which ones run (the visible panels of the active tab),
//! folding their runs into panel state, their keys (scroll, `r` re-run) and drawing them.

use super::super::{App, Focus};
use crate::core::layout::Panel;
use crate::ui::app_event::AppEvent;
use crate::ui::layout::solve::visible_panels;
use crate::ui::layout::workspace_state::PanelState;
use crate::ui::render::wrap::truncate;
use crate::ui::sources::command::{
    CommandEvent, CommandEventKind, CommandRunner, CommandSpec, PanelKey,
};
use crate::ui::widgets::command::{CommandPanelState, CommandView};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use std::path::PathBuf;
use tokio::sync::mpsc::UnboundedSender;

impl App {
    /// Run Command panels from now on (needs a tokio runtime): in `cwd`, posting on `post`.
    pub(crate) fn set_command_runner(&mut self, post: UnboundedSender<AppEvent>, cwd: PathBuf) {
        self.lay.commands = Some(CommandRunner::new(post, cwd));
        self.sync_command_sources();
    }

    /// Start the visible Command panels of the active tab and stop every other run. Cheap when
    /// nothing changed; the loop calls it after each event.
    pub(crate) fn sync_command_sources(&mut self) {
        let Some(runner) = self.lay.commands.as_mut() else {
            return;
        };
        let tab = self.ws.active_id().to_owned();
        let wanted: Vec<(PanelKey, CommandSpec)> = visible_panels(self.ws.active_spec())
            .into_iter()
            .filter(|p| p.widget == "Command")
            .filter_map(|p| {
                CommandSpec::from_props(&p.props).map(|s| ((tab.clone(), p.id.clone()), s))
            })
            .collect();
        runner.sync(wanted);
    }

    /// A Command panel's task reported.
    pub(in crate::ui::app) fn on_command_event(&mut self, ev: CommandEvent) {
        if let Some(r) = &self.lay.commands
            && r.generation(&ev.key) != Some(ev.generation)
        {
            return; // a replaced or stopped task
        }
        let (tab, panel) = &ev.key;
        let Some(PanelState::Command(state)) = self.ws.panel_state_mut(tab, panel) else {
            return;
        };
        match ev.kind {
            CommandEventKind::Started => state.started(),
            CommandEventKind::Finished(run) => state.finished(run),
            CommandEventKind::WatchFailed(e) => state.watch_error = Some(e),
        }
        self.dirty = true;
    }

    fn command_state_mut(&mut self, panel: &str) -> Option<&mut CommandPanelState> {
        let tab = self.ws.active_id().to_owned();
        match self.ws.panel_state_mut(&tab, panel) {
            Some(PanelState::Command(s)) => Some(s),
            _ => None,
        }
    }

    /// Keys of a focused Command panel: scrolling and `r` (re-run now). False: not ours.
    pub(super) fn command_key(&mut self, key: KeyEvent) -> bool {
        let Focus::Panel(id) = &self.focus else {
            return false;
        };
        let id = id.clone();
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return false;
        }
        if key.code == KeyCode::Char('r') {
            if self.command_state_mut(&id).is_none() {
                return false;
            }
            let key = (self.ws.active_id().to_owned(), id);
            if let Some(r) = &self.lay.commands {
                r.rerun(&key);
            }
            return true;
        }
        let Some(s) = self.command_state_mut(&id) else {
            return false;
        };
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => s.scroll_by(1),
            KeyCode::Char('k') | KeyCode::Up => s.scroll_by(-1),
            KeyCode::PageDown | KeyCode::Char(' ') => s.page(false),
            KeyCode::PageUp => s.page(true),
            KeyCode::Char('g') | KeyCode::Home => s.top(),
            KeyCode::Char('G') | KeyCode::End => s.bottom(),
            _ => return false,
        }
        true
    }

    /// The mouse wheel over a Command panel scrolls it. False: not ours.
    pub(super) fn command_wheel(&mut self, m: MouseEvent) -> bool {
        let up = match m.kind {
            MouseEventKind::ScrollUp => true,
            MouseEventKind::ScrollDown => false,
            _ => return false,
        };
        let pos = Position::new(m.column, m.row);
        let Some(id) = self
            .panel_rects
            .iter()
            .find(|(_, r)| r.contains(pos))
            .map(|(id, _)| id.clone())
        else {
            return false;
        };
        match self.command_state_mut(&id) {
            Some(s) => {
                s.scroll_by(if up { -3 } else { 3 });
                self.dirty = true;
                true
            }
            None => false,
        }
    }

    /// Draw a panel whose widget `app.rs` does not draw itself: Command panels, else the
    /// "not available yet" placeholder.
    pub(in crate::ui::app) fn render_other_panel(
        &self,
        panel: &Panel,
        inner: Rect,
        focused: bool,
        buf: &mut Buffer,
    ) {
        if let Some(PanelState::Command(state)) = self.ws.panel_state(&panel.id) {
            CommandView {
                state,
                theme: &self.theme,
                focused,
                live: self.lay.commands.is_some(),
                tz: &self.tz,
            }
            .render(inner, buf);
            return;
        }
        let text = truncate(
            &format!("'{}' is not available yet", panel.widget),
            usize::from(inner.width.saturating_sub(1)),
        );
        buf.set_stringn(
            inner.x + 1,
            inner.y,
            text,
            usize::from(inner.width),
            self.theme.dim,
        );
    }
}

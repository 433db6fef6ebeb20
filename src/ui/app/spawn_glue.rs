//! The App side of the "New agent" dialog: opening it (`n` in the agent table, the
//! `new_agent` action, `/new`), keys, pastes and clicks while it is open, the engine spawn it
//! asks for (run off the UI task) and the answer: success selects the new agent, a refusal
//! stays in the dialog with the draft.

use super::{App, Intent};
use crate::core::agent::{AgentState, SpawnOptions};
use crate::core::ids::AgentId;
use crate::core::transcript::NoticeLevel;
use crate::engine::EngineHandle;
use crate::ui::app_event::AppEvent;
use crate::ui::widgets::spawn_dialog::{DialogOutcome, Field, SpawnDialogState, SpawnDialogView};
use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use tokio::sync::mpsc::UnboundedSender;

/// The dialog's draft (kept while closed) and the submit in flight.
#[derive(Debug, Default)]
pub(crate) struct SpawnUi {
    /// The draft; `None` until first opened and after a successful spawn.
    draft: Option<SpawnDialogState>,
    /// Whether the dialog is on screen.
    open: bool,
    /// Serial of the submit the draft waits for.
    waiting: Option<u64>,
    next_serial: u64,
}

/// A spawn the dialog asked for (executed off the UI task).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SpawnIntent {
    /// Matches the answer to the submit.
    pub serial: u64,
    /// The agent's name.
    pub name: String,
    /// Prompt, model, mode and the worktree request.
    pub options: SpawnOptions,
}

/// The engine's answer to a dialog spawn.
#[derive(Debug, Clone)]
pub(crate) struct SpawnEvent {
    /// The submit it answers.
    pub serial: u64,
    /// The name asked for.
    pub name: String,
    /// Whether a worktree was asked for (for the notice).
    pub worktree: bool,
    /// The new agent, or the engine's refusal.
    pub result: Result<AgentId, String>,
}

/// Ask the engine for the spawn; the answer comes back as `AppEvent::Spawn`.
pub(crate) fn execute(engine: EngineHandle, posts: UnboundedSender<AppEvent>, intent: SpawnIntent) {
    tokio::spawn(async move {
        let SpawnIntent {
            serial,
            name,
            options,
        } = intent;
        let worktree = options.worktree.is_some();
        let result = engine
            .spawn(name.clone(), options)
            .await
            .map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::warn!("spawn {name} failed: {e}");
        }
        let _ = posts.send(AppEvent::Spawn(SpawnEvent {
            serial,
            name,
            worktree,
            result,
        }));
    });
}

impl App {
    /// Open the dialog with the draft left last time (or a fresh one); `name` prefills the
    /// name (`:new_agent reviewer`, `/new reviewer`).
    pub(crate) fn open_spawn_dialog(&mut self, name: Option<String>) {
        let taken: Vec<String> = self
            .agents
            .values()
            .filter(|a| {
                !a.id.is_orchestrator()
                    && matches!(
                        a.state,
                        AgentState::Idle
                            | AgentState::Running
                            | AgentState::Waiting
                            | AgentState::AwaitingPermission
                    )
            })
            .map(|a| a.name.clone())
            .collect();
        let draft = self
            .spawn
            .draft
            .get_or_insert_with(SpawnDialogState::default);
        draft.taken = taken;
        if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
            draft.set_name(n.trim());
            draft.set_focus(Field::Prompt);
        }
        self.spawn.open = true;
        self.dirty = true;
    }

    /// Whether the dialog is on screen.
    pub(crate) fn spawn_dialog_open(&self) -> bool {
        self.spawn.open
    }

    /// The draft (open or not), for tests.
    #[cfg(test)]
    pub(crate) fn spawn_draft(&self) -> Option<&SpawnDialogState> {
        self.spawn.draft.as_ref()
    }

    /// While open the dialog takes every key (F1 still shows the help).
    pub(super) fn spawn_key(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        if !self.spawn.open {
            return None;
        }
        if key.code == KeyCode::F(1) {
            return Some(self.run_action(crate::ui::action::Action::ShowHelp));
        }
        let draft = self.spawn.draft.as_mut()?;
        self.dirty = true;
        match draft.key(key) {
            DialogOutcome::Redraw => Some(Vec::new()),
            DialogOutcome::Close => {
                self.spawn.open = false;
                Some(Vec::new())
            }
            DialogOutcome::Submit { name, options } => {
                let serial = self.spawn.next_serial;
                self.spawn.next_serial += 1;
                self.spawn.waiting = Some(serial);
                Some(vec![Intent::Spawn(SpawnIntent {
                    serial,
                    name,
                    options,
                })])
            }
        }
    }

    /// A paste while open goes into the focused field.
    pub(super) fn spawn_paste(&mut self, text: &str) -> bool {
        if !self.spawn.open {
            return false;
        }
        if let Some(d) = self.spawn.draft.as_mut() {
            d.paste(text);
        }
        true
    }

    /// While open the dialog is modal for the mouse too: a left click focuses the field
    /// under it (and toggles the worktree box); everything else is swallowed.
    pub(super) fn spawn_mouse(&mut self, m: MouseEvent) -> bool {
        if !self.spawn.open {
            return false;
        }
        if m.kind == MouseEventKind::Down(MouseButton::Left)
            && let Some(d) = self.spawn.draft.as_mut()
            && d.click(Position::new(m.column, m.row))
        {
            self.dirty = true;
        }
        true
    }

    /// The engine answered a dialog spawn.
    pub(super) fn spawn_event(&mut self, ev: SpawnEvent) {
        self.dirty = true;
        let current = self.spawn.waiting == Some(ev.serial);
        if current {
            self.spawn.waiting = None;
        }
        match ev.result {
            Ok(id) => {
                if current {
                    self.spawn.draft = None;
                    self.spawn.open = false;
                }
                self.select_in_tables(&id);
                let where_ = if ev.worktree {
                    " in its own git worktree"
                } else {
                    ""
                };
                self.app_notice(NoticeLevel::Info, format!("spawned {}{where_}", ev.name));
            }
            Err(e) => match self.spawn.draft.as_mut().filter(|_| current) {
                Some(d) => {
                    d.refused(e.clone());
                    if !self.spawn.open {
                        self.app_notice(
                            NoticeLevel::Error,
                            format!(
                                "spawn {} failed: {e} (the draft is kept: reopen the dialog)",
                                ev.name
                            ),
                        );
                    }
                }
                None => {
                    self.app_notice(NoticeLevel::Error, format!("spawn {} failed: {e}", ev.name))
                }
            },
        }
    }

    /// Draw the dialog when open; returns the cursor of its focused text field.
    pub(super) fn render_spawn_dialog(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        if !self.spawn.open {
            return None;
        }
        SpawnDialogView {
            state: self.spawn.draft.as_ref()?,
            theme: &self.theme,
        }
        .render(area, buf)
    }
}

#[cfg(test)]
mod tests;

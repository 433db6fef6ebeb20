//! The App's finish keys for worktree agents (#12): `M` merges (a dialog for the commit message
//! of leftover changes and the strategy), `D` discards (a confirmation saying what would be
//! lost; only `y` sends `confirm`). Engine commands and the git check run off the UI task;
//! their answers come back as `FinishEvent`s, shown in the dialog and as a toast. The activity
//! feed line comes from the engine, which records every finish outcome in the agent's
//! transcript (so the UI does not add a second one).

use super::{App, Intent};
use crate::core::agent::{AgentRecord, AgentState};
use crate::core::ids::AgentId;
use crate::core::transcript::{NoticeLevel, one_line};
use crate::core::worktree::{WorktreeInfo, WorktreeStatus};
use crate::engine::EngineHandle;
use crate::engine::worktree::MergeStrategy;
use crate::ui::app_event::AppEvent;
use crate::ui::widgets::agent_table::table_rows;
use crate::ui::widgets::finish_dialog::{
    FinishDialogState, FinishDialogView, FinishKind, Lost, Phase, toggled,
};
use crate::ui::widgets::input::InputState;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use tokio::sync::mpsc::UnboundedSender;

/// The finish dialog, when open.
#[derive(Default)]
pub(crate) struct FinishUi {
    pub(super) dialog: Option<FinishDialogState>,
}

/// Engine commands and IO of the finish keys (executed off the UI task).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FinishIntent {
    /// Commit leftovers with `message` and merge into the base branch.
    Merge {
        agent: AgentId,
        name: String,
        message: String,
        strategy: MergeStrategy,
    },
    /// Ask git what discarding would lose (the engine's `unmerged_work` text).
    CheckUnmerged {
        agent: AgentId,
        info: Box<WorktreeInfo>,
    },
    /// Discard, confirmed by the user.
    Discard { agent: AgentId, name: String },
}

/// What the finish tasks post back.
#[derive(Debug, Clone)]
pub(crate) enum FinishEvent {
    /// What discarding would lose (`None`: nothing).
    Unmerged {
        agent: AgentId,
        result: Result<Option<String>, String>,
    },
    /// The engine's answer to a merge or discard.
    Finished {
        agent: AgentId,
        name: String,
        merge: bool,
        result: Result<String, String>,
    },
}

/// Run one finish intent; the outcome comes back as a `FinishEvent`.
pub(crate) fn execute(
    engine: EngineHandle,
    posts: UnboundedSender<AppEvent>,
    intent: FinishIntent,
) {
    match intent {
        FinishIntent::CheckUnmerged { agent, info } => {
            tokio::task::spawn_blocking(move || {
                let result = crate::engine::worktree::unmerged_work(&info);
                let _ = posts.send(AppEvent::Finish(FinishEvent::Unmerged { agent, result }));
            });
        }
        FinishIntent::Merge {
            agent,
            name,
            message,
            strategy,
        } => {
            tokio::spawn(async move {
                let message = (!message.trim().is_empty()).then_some(message);
                let result = engine
                    .merge_agent(agent.as_str(), message, strategy)
                    .await
                    .map_err(|e| e.to_string());
                let _ = posts.send(AppEvent::Finish(FinishEvent::Finished {
                    agent,
                    name,
                    merge: true,
                    result,
                }));
            });
        }
        FinishIntent::Discard { agent, name } => {
            tokio::spawn(async move {
                let result = engine
                    .discard_agent(agent.as_str(), true)
                    .await
                    .map_err(|e| e.to_string());
                let _ = posts.send(AppEvent::Finish(FinishEvent::Finished {
                    agent,
                    name,
                    merge: false,
                    result,
                }));
            });
        }
    }
}

/// The commit message offered for leftover changes: the agent's task in one line.
fn default_message(a: &AgentRecord) -> String {
    match a.prompt().map(|p| one_line(p, 72)) {
        Some(p) if !p.is_empty() => {
            if p.starts_with(&a.name) {
                p
            } else {
                one_line(&format!("{}: {p}", a.name), 72)
            }
        }
        _ => format!("patchfeld: work of agent {}", a.name),
    }
}

fn busy(state: AgentState) -> bool {
    match state {
        AgentState::Running | AgentState::Waiting | AgentState::AwaitingPermission => true,
        AgentState::Idle | AgentState::Done | AgentState::Error | AgentState::Killed => false,
    }
}

impl App {
    /// `M` (merge) or `D` (discard) on an agent row, in the table or History: open the dialog,
    /// or say why not.
    pub(super) fn finish_start(&mut self, a: &AgentRecord, merge: bool) -> Vec<Intent> {
        let what = if merge { "merge" } else { "discard" };
        let Some(w) = a.worktree.as_deref() else {
            self.app_notice(
                NoticeLevel::Info,
                format!(
                    "{} does not run in a worktree; nothing to {what} (M/D finish worktree agents)",
                    a.name
                ),
            );
            return Vec::new();
        };
        if w.status != WorktreeStatus::Active {
            self.app_notice(
                NoticeLevel::Info,
                format!("{}'s worktree was already {}", a.name, w.status.as_str()),
            );
            return Vec::new();
        }
        if busy(a.state) {
            self.app_notice(
                NoticeLevel::Warning,
                format!(
                    "{} is working; interrupt it (i) or let the turn end, then {what}",
                    a.name
                ),
            );
            return Vec::new();
        }
        let kind = if merge {
            let mut message = InputState::default();
            message.insert_str(&default_message(a));
            FinishKind::Merge {
                message: Box::new(message),
                strategy: MergeStrategy::default(),
            }
        } else {
            FinishKind::Discard {
                lost: Lost::Checking,
            }
        };
        self.finish.dialog = Some(FinishDialogState {
            agent: a.id.clone(),
            name: a.name.clone(),
            branch: w.branch.clone(),
            base: w.base_branch.clone().unwrap_or_else(|| {
                format!(
                    "commit {}",
                    w.base_commit.get(..10).unwrap_or(&w.base_commit)
                )
            }),
            path: w.path.display().to_string(),
            stat: format!("{} in {} file(s)", w.stat(), w.files.len()),
            overlaps: w.overlaps.clone(),
            kind,
            phase: Phase::Edit,
        });
        self.dirty = true;
        if merge {
            Vec::new()
        } else {
            vec![Intent::Finish(FinishIntent::CheckUnmerged {
                agent: a.id.clone(),
                info: Box::new(w.clone()),
            })]
        }
    }

    /// Keys while the dialog is open (it takes them all).
    pub(super) fn finish_key(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        let d = self.finish.dialog.as_mut()?;
        self.dirty = true;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match d.phase {
            Phase::Done(_) => {
                if matches!(key.code, KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q')) {
                    self.finish.dialog = None;
                }
                return Some(Vec::new());
            }
            // Hidden, not cancelled: the answer still arrives as a toast.
            Phase::Running => {
                if key.code == KeyCode::Esc {
                    self.finish.dialog = None;
                }
                return Some(Vec::new());
            }
            Phase::Edit => {}
        }
        let (agent, name) = (d.agent.clone(), d.name.clone());
        match &mut d.kind {
            FinishKind::Merge { message, strategy } => match key.code {
                KeyCode::Esc => self.finish.dialog = None,
                KeyCode::Tab | KeyCode::BackTab => *strategy = toggled(*strategy),
                KeyCode::Enter if key.modifiers.is_empty() => {
                    let intent = FinishIntent::Merge {
                        agent,
                        name,
                        message: message.text().trim().to_owned(),
                        strategy: *strategy,
                    };
                    d.phase = Phase::Running;
                    return Some(vec![Intent::Finish(intent)]);
                }
                _ => {
                    message.handle_key(key);
                }
            },
            FinishKind::Discard { lost } => match key.code {
                KeyCode::Char('y') if !ctrl && *lost != Lost::Checking => {
                    d.phase = Phase::Running;
                    return Some(vec![Intent::Finish(FinishIntent::Discard { agent, name })]);
                }
                KeyCode::Esc | KeyCode::Char('n') => self.finish.dialog = None,
                _ => {}
            },
        }
        Some(Vec::new())
    }

    /// A paste goes into the commit message while the merge dialog edits it.
    pub(super) fn finish_paste(&mut self, text: &str) -> bool {
        let Some(d) = self.finish.dialog.as_mut() else {
            return false;
        };
        if let (FinishKind::Merge { message, .. }, Phase::Edit) = (&mut d.kind, &d.phase) {
            message.insert_str(text);
        }
        true
    }

    /// What the finish tasks posted.
    pub(super) fn finish_event(&mut self, ev: FinishEvent) {
        self.dirty = true;
        match ev {
            FinishEvent::Unmerged { agent, result } => {
                if let Some(d) = self.finish.dialog.as_mut()
                    && d.agent == agent
                    && let FinishKind::Discard { lost } = &mut d.kind
                {
                    *lost = match result {
                        Ok(None) => Lost::Nothing,
                        Ok(Some(text)) => Lost::Work(text),
                        Err(e) => Lost::Unknown(e),
                    };
                }
            }
            FinishEvent::Finished {
                agent,
                name,
                merge,
                result,
            } => {
                let level = match &result {
                    Ok(text) if text.contains("may conflict") => NoticeLevel::Warning,
                    Ok(_) => NoticeLevel::Info,
                    Err(_) => NoticeLevel::Warning,
                };
                let text = match &result {
                    Ok(t) => format!("{name}: {t}"),
                    Err(e) => format!(
                        "{} {name} failed: {e}",
                        if merge { "merge" } else { "discard" }
                    ),
                };
                self.toast(level, text);
                if let Some(d) = self.finish.dialog.as_mut()
                    && d.agent == agent
                    && d.phase == Phase::Running
                {
                    d.phase = Phase::Done(result);
                }
            }
        }
    }

    /// Draw the dialog over `area` when open.
    pub(super) fn render_finish(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let d = self.finish.dialog.as_ref()?;
        FinishDialogView {
            state: d,
            theme: &self.theme,
        }
        .render(area, buf)
    }

    /// Whether the table `panel`'s selected row is an unfinished worktree agent (its hints
    /// then name `M` and `D`).
    pub(super) fn finish_keys_apply(&self, panel: &str) -> bool {
        let Some(t) = self.ws.table(panel) else {
            return false;
        };
        let rows = table_rows(&self.agents, t);
        t.current(&rows).is_some_and(|a| {
            a.worktree
                .as_ref()
                .is_some_and(|w| w.status == WorktreeStatus::Active)
        })
    }

    /// Whether the dialog is open (tests).
    #[cfg(test)]
    pub(crate) fn finish_open(&self) -> bool {
        self.finish.dialog.is_some()
    }

    /// A toast without an activity line (the engine's transcript notice makes that one).
    fn toast(&mut self, level: NoticeLevel, text: String) {
        self.toasts.push_back(super::Toast {
            text,
            level,
            until: self.now + super::TOAST_SECS,
        });
        while self.toasts.len() > 3 {
            self.toasts.pop_front();
        }
    }
}

#[cfg(test)]
mod tests;

//! The App's agent panels side (#8): AgentTable keys, mouse and drawing; the intents the
//! table, feed and History screen send (executed off the UI task); the events their tasks post
//! back; terminal notifications when an agent finishes, fails or asks.

use super::{App, Focus, Intent};
use crate::core::agent::{AgentRecord, AgentState, SpawnOptions};
use crate::core::ids::{AgentId, RequestId};
use crate::core::time::Epoch;
use crate::core::transcript::{NoticeLevel, TranscriptEntry, one_line};
use crate::engine::{EngineEvent, EngineHandle};
use crate::store::activity::{ActivityAppender, ActivityRecord};
use crate::store::paths::ProjectPaths;
use crate::ui::app_event::AppEvent;
use crate::ui::notify::NotifyKind;
use crate::ui::render::theme::Theme;
use crate::ui::widgets::agent_table::{AgentTableState, AgentTableView, RowMode, table_rows};
use crate::ui::widgets::history_screen::HistoryState;
use crate::ui::widgets::input::{InputOutcome, InputState};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use std::collections::HashMap;
use tokio::sync::mpsc::UnboundedSender;

/// Two clicks on the same row within this many seconds open it.
const DOUBLE_CLICK_SECS: f64 = 0.4;

/// State of the agent panels that is not per panel.
#[derive(Default)]
pub(crate) struct PanelsUi {
    /// The History screen, when open.
    pub(super) history: Option<HistoryState>,
    /// Where feed lines are persisted (None in tests and before boot wiring).
    pub(super) activity_log: Option<ActivityAppender>,
    /// Feed lines not yet handed to the writer.
    pub(super) unsaved: Vec<ActivityRecord>,
    /// Intents produced outside a key handler (previews), sent with the next `handle`.
    pub(super) outbox: Vec<PanelIntent>,
    /// Notifications for the loop to write between frames.
    pub(super) notifications: Vec<(NotifyKind, String)>,
    /// The rule the user saved while answering a request, for its feed line.
    pub(super) rule_for: HashMap<(AgentId, RequestId), String>,
}

/// Engine commands and IO of the agent panels (executed off the UI task).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PanelIntent {
    /// Interrupt the agent's turn.
    Interrupt { agent: AgentId, name: String },
    /// Stop its process.
    Kill { agent: AgentId, name: String },
    /// `--resume` its session.
    Resume { agent: AgentId, name: String },
    /// Archive or unarchive.
    Archive {
        agent: AgentId,
        name: String,
        archived: bool,
    },
    /// Delete record and transcript.
    Delete { agent: AgentId, name: String },
    /// Start a fresh agent (History `R`).
    Spawn { name: String, options: SpawnOptions },
    /// Read the end of a transcript for the History preview.
    Preview { paths: ProjectPaths, agent: AgentId },
    /// Persist feed lines.
    Activity {
        to: ActivityAppender,
        records: Vec<ActivityRecord>,
    },
}

/// What the panels' tasks post back.
#[derive(Debug, Clone)]
pub(crate) enum PanelEvent {
    /// A History preview was read.
    Preview {
        agent: AgentId,
        result: Result<Vec<TranscriptEntry>, String>,
    },
}

/// Run one panel intent; failures come back as `CommandFailed`, previews as `PanelEvent`s.
pub(crate) fn execute(engine: EngineHandle, posts: UnboundedSender<AppEvent>, intent: PanelIntent) {
    let fail = |posts: &UnboundedSender<AppEvent>, what: String, e: String| {
        let _ = posts.send(AppEvent::CommandFailed { what, error: e });
    };
    match intent {
        PanelIntent::Activity { to, records } => to.append(records),
        PanelIntent::Preview { paths, agent } => {
            tokio::task::spawn_blocking(move || {
                let result = crate::store::transcript_tail::read_transcript_tail_bytes(
                    &paths,
                    &agent,
                    crate::store::transcript_tail::PREVIEW_BYTES,
                )
                .map(|r| r.items)
                .map_err(|e| e.to_string());
                let _ = posts.send(AppEvent::Panels(PanelEvent::Preview { agent, result }));
            });
        }
        intent => {
            tokio::spawn(async move {
                let (what, r) = match intent {
                    PanelIntent::Interrupt { agent, name } => (
                        format!("interrupt {name}"),
                        engine.interrupt(agent.as_str()).await.map(|_| ()),
                    ),
                    PanelIntent::Kill { agent, name } => {
                        (format!("kill {name}"), engine.kill(agent.as_str()).await)
                    }
                    PanelIntent::Resume { agent, name } => (
                        format!("resume {name}"),
                        engine.resume(agent.as_str()).await,
                    ),
                    PanelIntent::Archive {
                        agent,
                        name,
                        archived,
                    } => (
                        format!("{} {name}", if archived { "archive" } else { "unarchive" }),
                        engine.archive(agent.as_str(), archived).await,
                    ),
                    PanelIntent::Delete { agent, name } => (
                        format!("delete {name}"),
                        engine.delete_agent(agent.as_str()).await,
                    ),
                    PanelIntent::Spawn { name, options } => (
                        format!("re-run as {name}"),
                        engine.spawn(name, options).await.map(|_| ()),
                    ),
                    PanelIntent::Activity { .. } | PanelIntent::Preview { .. } => return,
                };
                if let Err(e) = r {
                    tracing::warn!("{what} failed: {e}");
                    fail(&posts, what, e.to_string());
                }
            });
        }
    }
}

/// Draw one AgentTable panel (rows depend on the panel's own sort, filter and archived flag);
/// returns the cursor of its input line.
#[allow(clippy::too_many_arguments)]
pub(super) fn render_table(
    state: Option<&AgentTableState>,
    agents: &HashMap<AgentId, AgentRecord>,
    last_activity: &HashMap<AgentId, String>,
    now: Epoch,
    theme: &Theme,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
) -> Option<Position> {
    let fallback = AgentTableState::default();
    let state = state.unwrap_or(&fallback);
    let rows = table_rows(agents, state);
    let drawn = AgentTableView {
        rows: &rows,
        state,
        last_activity,
        now,
        theme,
        focused,
    }
    .render(area, buf);
    state.rows_at.set(drawn.rows_at);
    drawn.cursor
}

impl App {
    /// Hand out what the panels queued (persisted feed lines, previews) with this event's
    /// intents, and remember rules saved with a decision for the feed line.
    pub(super) fn panels_after(&mut self, out: &mut Vec<Intent>) {
        for intent in out.iter() {
            if let Intent::Permissions(super::permissions_glue::PermIntent::DecideWithRule {
                agent_id,
                request_id,
                rules,
                ..
            }) = intent
            {
                let text = rules
                    .patterns
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                self.panels.rule_for.insert(
                    (agent_id.clone(), request_id.clone()),
                    format!("{} rule {text}", rules.source.as_str()),
                );
            }
        }
        if !self.panels.unsaved.is_empty() {
            let records = std::mem::take(&mut self.panels.unsaved);
            if let Some(to) = self.panels.activity_log.clone() {
                out.push(Intent::Panels(PanelIntent::Activity { to, records }));
            }
        }
        out.extend(self.panels.outbox.drain(..).map(Intent::Panels));
    }

    /// Notifications to write now (the loop calls this after drawing).
    pub(crate) fn take_notifications(&mut self) -> Vec<(NotifyKind, String)> {
        std::mem::take(&mut self.panels.notifications)
    }

    /// Engine facts the panels care about (before they are folded into the state).
    pub(super) fn panels_engine(&mut self, ev: &EngineEvent) {
        match ev {
            EngineEvent::AgentUpdated(rec) if !rec.id.is_orchestrator() => {
                let prev = self.agents.get(&rec.id).map(|a| a.state);
                if prev.is_some_and(|p| p != rec.state) {
                    match rec.state {
                        AgentState::Done => self
                            .panels
                            .notifications
                            .push((NotifyKind::Finished, format!("{} finished", rec.name))),
                        AgentState::Error => self.panels.notifications.push((
                            NotifyKind::Error,
                            format!(
                                "{} failed: {}",
                                rec.name,
                                one_line(rec.error.as_deref().unwrap_or("error"), 80)
                            ),
                        )),
                        _ => {}
                    }
                }
            }
            EngineEvent::AskRequested {
                agent_name,
                question,
                ..
            } => self.panels.notifications.push((
                NotifyKind::Ask,
                format!("{agent_name} asks: {}", one_line(question, 80)),
            )),
            _ => {}
        }
    }

    /// After the engine folded `ev` into the records: keep the History list current.
    pub(super) fn panels_engine_after(&mut self, changed_records: bool) {
        if changed_records && let Some(h) = self.panels.history.as_mut() {
            h.rebuild(&self.agents);
            self.request_preview();
        }
    }

    /// An agent was deleted for good.
    pub(super) fn agent_deleted(&mut self, id: &AgentId) {
        let name = self.agent_name(id);
        self.agents.remove(id);
        self.transcripts.remove(id);
        self.last_activity.remove(id);
        self.log(
            name,
            "deleted with its transcript".to_owned(),
            super::ActivityKind::Normal,
        );
        self.panels_engine_after(true);
    }

    /// Enter on an agent anywhere: its transcript (panel if one is bound, else overlay).
    pub(super) fn open_agent(&mut self, id: &AgentId) {
        self.open_transcript(id);
    }

    /// Select `id` in every AgentTable of the active tab (clearing a filter that hides it).
    pub(super) fn select_in_tables(&mut self, id: &AgentId) {
        let archived = self.agents.get(id).is_some_and(|a| a.archived);
        let ids: Vec<String> = self
            .ws
            .active_spec()
            .panels()
            .iter()
            .filter(|p| p.widget == "AgentTable")
            .map(|p| p.id.clone())
            .collect();
        for pid in ids {
            if let Some(t) = self.ws.table_mut(&pid) {
                t.selected = Some(id.clone());
                if archived {
                    t.show_archived = true;
                }
                t.filter.clear();
            }
        }
    }

    fn table_selected(&mut self, panel: &str) -> Option<AgentRecord> {
        let t = self.ws.table(panel)?;
        let rows = table_rows(&self.agents, t);
        t.current(&rows).cloned()
    }

    /// Keys of a focused AgentTable; None lets them fall through to the global keys.
    pub(super) fn table_key(&mut self, panel: &str, key: KeyEvent) -> Option<Vec<Intent>> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let t = self.ws.table_mut(panel)?;
        // Row modes and the filter line take the keys first.
        match &mut t.mode {
            RowMode::Message(id, input) => {
                let id = id.clone();
                return Some(match key.code {
                    KeyCode::Esc => {
                        t.mode = RowMode::Normal;
                        Vec::new()
                    }
                    _ => match input.handle_key(key) {
                        InputOutcome::Submit(text) => {
                            t.mode = RowMode::Normal;
                            vec![Intent::Send {
                                agent: id.0.clone(),
                                text,
                            }]
                        }
                        InputOutcome::Edited | InputOutcome::Ignored => Vec::new(),
                    },
                });
            }
            RowMode::ConfirmKill(id) => {
                let id = id.clone();
                t.mode = RowMode::Normal;
                if key.code == KeyCode::Char('y') && !ctrl {
                    let name = self.agent_name(&id);
                    return Some(vec![Intent::Panels(PanelIntent::Kill { agent: id, name })]);
                }
                return Some(Vec::new());
            }
            RowMode::Normal => {}
        }
        if t.filter_editing {
            match key.code {
                KeyCode::Esc => {
                    t.filter.clear();
                    t.filter_editing = false;
                }
                KeyCode::Enter | KeyCode::Down | KeyCode::Up => t.filter_editing = false,
                _ => {
                    t.filter.handle_key(key);
                }
            }
            return Some(Vec::new());
        }
        if ctrl {
            return None;
        }
        let delta = match key.code {
            KeyCode::Char('j') | KeyCode::Down => Some(1),
            KeyCode::Char('k') | KeyCode::Up => Some(-1),
            KeyCode::PageDown => Some(10),
            KeyCode::PageUp => Some(-10),
            KeyCode::Home | KeyCode::Char('g') => Some(isize::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => Some(isize::MAX / 2),
            _ => None,
        };
        if let Some(d) = delta {
            let t = self.ws.table(panel)?;
            let rows: Vec<AgentId> = table_rows(&self.agents, t)
                .iter()
                .map(|a| a.id.clone())
                .collect();
            let refs: Vec<&AgentRecord> =
                rows.iter().filter_map(|id| self.agents.get(id)).collect();
            let mut sel = AgentTableState {
                selected: t.selected.clone(),
                ..AgentTableState::default()
            };
            sel.step(&refs, d);
            self.ws.table_mut(panel)?.selected = sel.selected;
            return Some(Vec::new());
        }
        match key.code {
            KeyCode::Char('o') => {
                let t = self.ws.table_mut(panel)?;
                t.sort = t.sort.next();
                return Some(Vec::new());
            }
            KeyCode::Char('A') => {
                let t = self.ws.table_mut(panel)?;
                t.show_archived = !t.show_archived;
                return Some(Vec::new());
            }
            KeyCode::Char('/') => {
                self.ws.table_mut(panel)?.filter_editing = true;
                return Some(Vec::new());
            }
            KeyCode::Char('n') => {
                self.open_spawn_dialog(None);
                return Some(Vec::new());
            }
            KeyCode::Esc if self.ws.table(panel).is_some_and(|t| !t.filter.is_empty()) => {
                self.ws.table_mut(panel)?.filter.clear();
                return Some(Vec::new());
            }
            _ => {}
        }
        let a = self.table_selected(panel)?;
        let (agent, name) = (a.id.clone(), a.name.clone());
        let out = match key.code {
            KeyCode::Enter => {
                self.ws.table_mut(panel)?.selected = Some(agent.clone());
                self.open_agent(&agent);
                Vec::new()
            }
            KeyCode::Char('m') => {
                let t = self.ws.table_mut(panel)?;
                t.selected = Some(agent.clone());
                t.mode = RowMode::Message(agent, Box::default());
                Vec::new()
            }
            KeyCode::Char('i') => vec![Intent::Panels(PanelIntent::Interrupt { agent, name })],
            KeyCode::Char('M') => self.finish_start(&a, true),
            KeyCode::Char('D') => self.finish_start(&a, false),
            KeyCode::Char('v') => {
                self.review_agent(&agent);
                Vec::new()
            }
            KeyCode::Char('x') => {
                if a.state.is_settled() {
                    self.app_notice(NoticeLevel::Info, format!("{name} is not running"));
                } else {
                    let t = self.ws.table_mut(panel)?;
                    t.selected = Some(agent.clone());
                    t.mode = RowMode::ConfirmKill(agent);
                }
                Vec::new()
            }
            KeyCode::Char('r') => self.resume_or_rerun(&a, None),
            KeyCode::Char('a') => vec![Intent::Panels(PanelIntent::Archive {
                agent,
                name,
                archived: !a.archived,
            })],
            KeyCode::Char('p') => {
                if !self.show_permission_of(&agent) {
                    self.app_notice(
                        NoticeLevel::Info,
                        format!("{name} has no pending permission request"),
                    );
                }
                Vec::new()
            }
            _ => return None,
        };
        Some(out)
    }

    /// `r`: resume a past session; an agent without one starts over from its prompt.
    pub(super) fn resume_or_rerun(
        &mut self,
        a: &AgentRecord,
        prompt: Option<String>,
    ) -> Vec<Intent> {
        if prompt.is_none() && a.session_id.is_some() {
            if !a.state.is_settled() {
                self.app_notice(NoticeLevel::Info, format!("{} is already running", a.name));
                return Vec::new();
            }
            return vec![Intent::Panels(PanelIntent::Resume {
                agent: a.id.clone(),
                name: a.name.clone(),
            })];
        }
        let Some(mut options) = a.spawn_options.clone() else {
            self.app_notice(
                NoticeLevel::Warning,
                format!("{} has no recorded prompt to run again", a.name),
            );
            return Vec::new();
        };
        if let Some(p) = prompt {
            options.prompt = p;
        }
        vec![Intent::Panels(PanelIntent::Spawn {
            name: self.fresh_name(&a.name),
            options,
        })]
    }

    /// `alpha` → the first of `alpha-2`, `alpha-3`, … no record uses (`alpha-2` → `alpha-3`).
    pub(super) fn fresh_name(&self, name: &str) -> String {
        let base = match name.rsplit_once('-') {
            Some((b, n)) if !b.is_empty() && n.parse::<u32>().is_ok() => b,
            _ => name,
        };
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|cand| !self.agents.values().any(|a| &a.name == cand))
            .unwrap_or_else(|| format!("{base}-x"))
    }

    /// Mouse on a table panel: click selects (and focuses), double click opens.
    pub(super) fn table_mouse(&mut self, panel: &str, m: MouseEvent) -> bool {
        if m.kind != MouseEventKind::Down(MouseButton::Left) {
            return false;
        }
        let Some(t) = self.ws.table(panel) else {
            return false;
        };
        let Some(row) = t.row_at(Position::new(m.column, m.row)) else {
            return false;
        };
        let rows = table_rows(&self.agents, t);
        let Some(id) = rows.get(row).map(|a| a.id.clone()) else {
            return false;
        };
        let now = self.now;
        self.focus = Focus::Panel(panel.to_owned());
        self.dirty = true;
        let Some(t) = self.ws.table_mut(panel) else {
            return false;
        };
        let double = t
            .last_click
            .as_ref()
            .is_some_and(|(last, at)| *last == id && now - at <= DOUBLE_CLICK_SECS);
        t.selected = Some(id.clone());
        t.last_click = (!double).then(|| (id.clone(), now));
        if double {
            self.open_agent(&id);
        }
        true
    }

    /// The focused table's input (for pastes).
    pub(super) fn table_input(&mut self, panel: &str) -> Option<&mut InputState> {
        let t = self.ws.table_mut(panel)?;
        match &mut t.mode {
            RowMode::Message(_, input) => Some(input),
            _ if t.filter_editing => Some(&mut *t.filter),
            _ => None,
        }
    }
}

/// Start the feed's writer for the project in `cwd` and put the earlier lines back.
pub(crate) fn start_activity_log(
    app: &mut App,
    cwd: &std::path::Path,
    records: Vec<ActivityRecord>,
) -> Option<crate::store::activity::ActivityLog> {
    let path = ProjectPaths::new(cwd).activity();
    match crate::store::activity::ActivityLog::start(path, crate::store::activity::ACTIVITY_KEEP) {
        Ok(log) => {
            app.restore_activity(records, Some(log.appender()));
            Some(log)
        }
        Err(e) => {
            app.restore_activity(records, None);
            app.app_notice(
                NoticeLevel::Warning,
                format!("activity feed not saved: {e}"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests;

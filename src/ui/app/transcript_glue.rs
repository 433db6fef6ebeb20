//! The App's transcript side: binding AgentTranscript panels (and the full-screen overlay) to
//! agents (props `agent_id` / `agent_name` / `slot` / `follow_selection`), loading their full
//! transcripts from disk on demand and streaming appends into the ones shown, their keys and
//! mouse, the inline permission bar, turn timing for the "working…" row, `open_transcript`,
//! and the engine/terminal side effects these need (load, OSC 52 copy).

use super::{App, Focus, Intent, WidgetKind};
use crate::core::agent::AgentState;
use crate::core::ids::AgentId;
use crate::core::layout::Panel;
use crate::core::time::Epoch;
use crate::core::transcript::NoticeLevel;
use crate::engine::{EngineEvent, EngineHandle};
use crate::store::transcript_index::TranscriptIndex;
use crate::ui::app_event::AppEvent;
use crate::ui::layout::solve::visible_panels;
use crate::ui::widgets::agent_table::visible_agents;
use crate::ui::widgets::agent_transcript::{AgentTranscriptState, AgentTranscriptView, KeyOutcome};
use crate::ui::widgets::permission_prompt::PendingPermission;
use crate::ui::widgets::transcript_view::{TranscriptViewState, Working, osc52};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::{Block, BorderType, Clear, Widget};
use serde_json::Value;
use std::collections::HashMap;
use tokio::sync::mpsc::UnboundedSender;

/// Transcript UI state that is not per panel.
#[derive(Debug, Default)]
pub(crate) struct TranscriptUi {
    /// The full-screen transcript (`open_transcript` without a panel for it; Esc closes).
    overlay: Option<Box<AgentTranscriptState>>,
    /// When each busy agent's current turn began (for the working row).
    turn_started: HashMap<AgentId, Epoch>,
    /// The last transcript load request handed out.
    next_request: u64,
}

/// An agent's transcript file, indexed, with the view built from it (taken by the first
/// panel showing the agent; any other panel builds its own from the index).
#[derive(Debug)]
pub(crate) struct LoadedTranscript {
    /// Where the entries are.
    pub index: TranscriptIndex,
    /// The blocks, built off the UI task.
    pub view: Option<TranscriptViewState>,
}

/// Events are `Clone`; a copy carries only the index (a panel taking it builds its view).
impl Clone for LoadedTranscript {
    fn clone(&self) -> Self {
        Self {
            index: self.index.clone(),
            view: None,
        }
    }
}

/// The answer to the transcript load among `intents`, as if `file` were the agent's
/// transcript (tests).
#[cfg(test)]
#[allow(clippy::expect_used)]
pub(crate) fn answer_load(
    file: &crate::store::transcript_index::TestTranscript,
    intents: &[Intent],
) -> AppEvent {
    let request = intents
        .iter()
        .find_map(|i| match i {
            Intent::Transcript(TranscriptIntent::Load { request, .. }) => Some(*request),
            _ => None,
        })
        .expect("no transcript load asked");
    AppEvent::TranscriptIndexed {
        request,
        loaded: Some(Box::new(LoadedTranscript {
            index: file.index(),
            view: None,
        })),
    }
}

/// Side effects of the transcript UI.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TranscriptIntent {
    /// Index the agent's transcript file (and measure its blocks for a panel whose lines are
    /// `area`); it comes back as `AppEvent::TranscriptIndexed` for `request`.
    Load {
        agent: AgentId,
        area: Rect,
        request: u64,
    },
    /// Put text on the terminal's clipboard (OSC 52).
    Copy { text: String },
}

/// Run one transcript intent (called on the UI task; the load runs in its own task).
pub(crate) fn execute(
    engine: EngineHandle,
    posts: UnboundedSender<AppEvent>,
    intent: TranscriptIntent,
) {
    match intent {
        TranscriptIntent::Copy { text } => write_osc52(&text),
        TranscriptIntent::Load {
            agent,
            area,
            request,
        } => {
            tokio::spawn(async move {
                let loaded = match engine.index_transcript(agent.as_str()).await {
                    // Building the blocks reads the whole file: not on the UI task.
                    Ok(index) => tokio::task::spawn_blocking(move || {
                        let view = TranscriptViewState::from_file(&index, area);
                        // This thread's arena parsed the whole file: give it back.
                        crate::memory::release_free_memory();
                        Box::new(LoadedTranscript {
                            index,
                            view: Some(view),
                        })
                    })
                    .await
                    .ok(),
                    Err(e) => {
                        let _ = posts.send(AppEvent::CommandFailed {
                            what: format!("loading the transcript of {agent}"),
                            error: e.to_string(),
                        });
                        // Still settle the panel: it shows what streamed since.
                        None
                    }
                };
                let _ = posts.send(AppEvent::TranscriptIndexed { request, loaded });
            });
        }
    }
}

/// Write the clipboard sequence to the terminal (between frames, on the UI task).
fn write_osc52(text: &str) {
    use std::io::{IsTerminal, Write};
    let mut out = std::io::stdout();
    if !out.is_terminal() {
        return;
    }
    let _ = out.write_all(osc52(text).as_bytes());
    let _ = out.flush();
}

fn busy(state: AgentState) -> bool {
    matches!(
        state,
        AgentState::Running | AgentState::Waiting | AgentState::AwaitingPermission
    )
}

impl App {
    /// Every AgentTranscript state: panels of all tabs and the overlay.
    fn transcript_states(&mut self) -> impl Iterator<Item = &mut AgentTranscriptState> {
        self.ws
            .transcripts_mut()
            .chain(self.tr.overlay.as_deref_mut())
    }

    /// Engine facts for transcripts (called for every engine event, before it is folded).
    pub(super) fn transcript_event(&mut self, ev: &EngineEvent) {
        match ev {
            EngineEvent::AgentUpdated(rec) => {
                if busy(rec.state) {
                    self.tr
                        .turn_started
                        .entry(rec.id.clone())
                        .or_insert(self.now);
                } else {
                    self.tr.turn_started.remove(&rec.id);
                }
            }
            EngineEvent::Transcript {
                agent_id,
                entry,
                at,
                ..
            } if !agent_id.is_orchestrator() => {
                for s in self.transcript_states() {
                    if s.agent() == Some(agent_id) {
                        s.on_entry(entry, *at);
                    }
                }
            }
            _ => {}
        }
    }

    /// An agent's transcript was indexed: the panel that asked shows it (if it still waits
    /// for that answer).
    pub(super) fn transcript_indexed(&mut self, request: u64, loaded: Option<LoadedTranscript>) {
        let Some(s) = self.transcript_states().find(|s| s.awaits(request)) else {
            return;
        };
        match loaded {
            Some(mut l) => s.on_loaded(&l.index, l.view.take()),
            None => s.on_load_failed(),
        }
        self.dirty = true;
    }

    /// The agent a panel shows, from its props.
    fn transcript_target(&self, panel: &Panel) -> Option<AgentId> {
        let prop = |k: &str| panel.props.get(k);
        if let Some(id) = prop("agent_id").and_then(Value::as_str) {
            return Some(AgentId(id.to_owned()));
        }
        if let Some(name) = prop("agent_name").and_then(Value::as_str) {
            let mut named: Vec<_> = self.agents.values().filter(|a| a.name == name).collect();
            // The newest of that name (a re-run reuses the name).
            named.sort_by(|a, b| a.started_at.total_cmp(&b.started_at));
            return named.last().map(|a| a.id.clone());
        }
        let rows = visible_agents(&self.agents);
        if let Some(n) = prop("slot").and_then(Value::as_u64) {
            return rows
                .get((n as usize).saturating_sub(1))
                .map(|a| a.id.clone());
        }
        if prop("follow_selection").and_then(Value::as_bool) == Some(true) {
            let selected = visible_panels(self.ws.active_spec())
                .iter()
                .filter(|p| p.widget == "AgentTable")
                .find_map(|p| self.ws.table(&p.id).and_then(|t| t.selected.clone()));
            return selected
                .filter(|id| self.agents.contains_key(id))
                .or_else(|| rows.first().map(|a| a.id.clone()));
        }
        None
    }

    /// Bind the visible AgentTranscript panels to their agents and ask for the transcripts
    /// that became wanted (called after every event).
    pub(super) fn transcript_sync(&mut self) -> Vec<Intent> {
        let targets: Vec<(String, Option<AgentId>)> = visible_panels(self.ws.active_spec())
            .into_iter()
            .filter(|p| p.widget == "AgentTranscript")
            .map(|p| (p.id.clone(), self.transcript_target(p)))
            .collect();
        for (id, target) in targets {
            if let Some(s) = self.ws.transcript_mut(&id)
                && s.bind(target)
            {
                self.dirty = true;
            }
        }
        let mut next = self.tr.next_request;
        let intents = self
            .transcript_states()
            .filter_map(|s| {
                let area = s.view.area();
                let agent = s.take_wanted(next + 1)?;
                next += 1;
                Some(Intent::Transcript(TranscriptIntent::Load {
                    agent,
                    area,
                    request: next,
                }))
            })
            .collect();
        self.tr.next_request = next;
        intents
    }

    /// The working row for `agent` while it has a turn in progress.
    pub(super) fn working_for(
        &self,
        agent: &AgentId,
        view: &TranscriptViewState,
    ) -> Option<Working> {
        let rec = self.agents.get(agent).filter(|a| busy(a.state))?;
        Some(Working {
            since: self
                .tr
                .turn_started
                .get(&rec.id)
                .copied()
                .unwrap_or(self.now),
            now: self.now,
            tool: view.in_flight_tool(),
        })
    }

    /// Whether the orchestrator's working row needs the clock.
    pub(super) fn transcript_needs_tick(&self) -> bool {
        self.agents
            .get(&AgentId::orchestrator())
            .is_some_and(|a| busy(a.state))
    }

    /// Show `agent`'s transcript: focus a visible AgentTranscript panel bound to it (or a
    /// `follow_selection` one, selecting the agent in the table), else open the full-screen
    /// overlay (Esc closes).
    pub(crate) fn open_transcript(&mut self, agent: &AgentId) {
        self.dirty = true;
        let panels: Vec<Panel> = visible_panels(self.ws.active_spec())
            .into_iter()
            .filter(|p| p.widget == "AgentTranscript")
            .cloned()
            .collect();
        if let Some(p) = panels
            .iter()
            .find(|p| self.ws.transcript(&p.id).and_then(|s| s.agent()) == Some(agent))
        {
            self.focus = Focus::Panel(p.id.clone());
            self.ws.remember_focus(&p.id);
            return;
        }
        let follower = panels
            .iter()
            .find(|p| p.props.get("follow_selection").and_then(Value::as_bool) == Some(true));
        let table = visible_panels(self.ws.active_spec())
            .into_iter()
            .find(|p| p.widget == "AgentTable")
            .map(|p| p.id.clone());
        if let (Some(p), Some(table)) = (follower, table)
            && visible_agents(&self.agents).iter().any(|a| &a.id == agent)
        {
            if let Some(t) = self.ws.table_mut(&table) {
                t.selected = Some(agent.clone());
            }
            self.focus = Focus::Panel(p.id.clone());
            self.ws.remember_focus(&p.id);
            return;
        }
        match self.tr.overlay.as_mut() {
            Some(s) => {
                s.bind(Some(agent.clone()));
            }
            None => {
                self.tr.overlay = Some(Box::new(AgentTranscriptState::for_agent(agent.clone())));
            }
        }
    }

    /// Whether the full-screen transcript is open.
    pub(crate) fn transcript_overlay_open(&self) -> bool {
        self.tr.overlay.is_some()
    }

    /// Keys of a focused AgentTranscript panel: its permission bar first, then the panel.
    pub(super) fn transcript_panel_key(
        &mut self,
        panel_id: &str,
        key: KeyEvent,
    ) -> Option<Vec<Intent>> {
        let agent = self.ws.transcript(panel_id)?.agent().cloned();
        let typing = self.ws.transcript(panel_id)?.typing();
        if let Some(agent) = agent.as_ref().filter(|_| !typing)
            && let Some(intents) = self.agent_permission_key(agent, key)
        {
            return Some(intents);
        }
        let outcome = self.ws.transcript_mut(panel_id)?.key(key);
        self.transcript_outcome(agent, outcome)
    }

    /// Keys while the overlay is open: the permission bar, the panel keys, Esc/q close.
    pub(super) fn transcript_overlay_key(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        let s = self.tr.overlay.as_deref_mut()?;
        let agent = s.agent().cloned();
        let typing = s.typing();
        if let Some(agent) = agent.as_ref().filter(|_| !typing)
            && let Some(intents) = self.agent_permission_key(agent, key)
        {
            return Some(intents);
        }
        let s = self.tr.overlay.as_deref_mut()?;
        let outcome = s.key(key);
        if outcome == KeyOutcome::Ignored
            && !typing
            && matches!(key.code, KeyCode::Esc | KeyCode::Char('q'))
        {
            self.tr.overlay = None;
            return Some(Vec::new());
        }
        if outcome == KeyOutcome::Ignored {
            // Full screen: nothing else should react (ctrl-q and the modal came first).
            return Some(Vec::new());
        }
        self.transcript_outcome(agent, outcome)
    }

    fn transcript_outcome(
        &mut self,
        agent: Option<AgentId>,
        outcome: KeyOutcome,
    ) -> Option<Vec<Intent>> {
        match outcome {
            KeyOutcome::Ignored => None,
            KeyOutcome::Handled => Some(Vec::new()),
            KeyOutcome::Send(text) => {
                let Some(agent) = agent else {
                    self.app_notice(NoticeLevel::Warning, "no agent to message".to_owned());
                    return Some(Vec::new());
                };
                Some(vec![Intent::Send {
                    agent: agent.as_str().to_owned(),
                    text,
                }])
            }
            KeyOutcome::Copy(text) => {
                let n = text.lines().count();
                self.app_notice(
                    NoticeLevel::Info,
                    format!("copied {n} lines to the clipboard"),
                );
                Some(vec![Intent::Transcript(TranscriptIntent::Copy { text })])
            }
        }
    }

    /// The input a paste goes to in a focused AgentTranscript (or the overlay).
    pub(super) fn transcript_input(
        &mut self,
        panel_id: Option<&str>,
    ) -> Option<&mut crate::ui::widgets::input::InputState> {
        if self.tr.overlay.is_some() {
            return self.tr.overlay.as_deref_mut()?.typing_input();
        }
        self.ws.transcript_mut(panel_id?)?.typing_input()
    }

    /// Mouse: a click on a block header toggles it (chat or transcript panel); the wheel
    /// scrolls a transcript panel. True when used.
    pub(super) fn transcript_mouse(
        &mut self,
        panel_id: &str,
        m: crossterm::event::MouseEvent,
    ) -> bool {
        use crossterm::event::{MouseButton, MouseEventKind};
        let pos = Position::new(m.column, m.row);
        let kind = self.widget_of(panel_id);
        let used = match (m.kind, kind) {
            (MouseEventKind::Down(MouseButton::Left), WidgetKind::OrchestratorChat) => {
                self.chat.view.click(pos)
            }
            (MouseEventKind::Down(MouseButton::Left), WidgetKind::AgentTranscript) => self
                .ws
                .transcript_mut(panel_id)
                .is_some_and(|s| s.click(pos)),
            (
                MouseEventKind::ScrollUp | MouseEventKind::ScrollDown,
                WidgetKind::AgentTranscript,
            ) => {
                if let Some(s) = self.ws.transcript_mut(panel_id) {
                    s.view.scroll_lines(m.kind == MouseEventKind::ScrollUp, 3);
                }
                true
            }
            _ => false,
        };
        if used {
            self.focus = Focus::Panel(panel_id.to_owned());
            self.dirty = true;
        }
        used
    }

    /// Mouse while the overlay is open (it covers everything).
    pub(super) fn transcript_overlay_mouse(&mut self, m: crossterm::event::MouseEvent) -> bool {
        use crossterm::event::{MouseButton, MouseEventKind};
        let Some(s) = self.tr.overlay.as_deref_mut() else {
            return false;
        };
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                s.click(Position::new(m.column, m.row));
            }
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                s.view.scroll_lines(m.kind == MouseEventKind::ScrollUp, 3);
            }
            _ => {}
        }
        self.dirty = true;
        true
    }

    fn pending_for(&self, agent: Option<&AgentId>) -> Vec<&PendingPermission> {
        self.permissions
            .iter()
            .filter(|p| Some(&p.agent_id) == agent)
            .collect()
    }

    /// Draw the AgentTranscript panels collected during the frame (after the panel loop, so
    /// their states can be prepared); returns the cursor of the focused one.
    pub(super) fn render_transcript_panels(
        &mut self,
        panels: &[(String, Rect, bool)],
        buf: &mut Buffer,
    ) -> Option<Position> {
        let mut cursor = None;
        for (id, inner, focused) in panels {
            let Some(agent) = self.ws.transcript(id).map(|s| s.agent().cloned()) else {
                continue;
            };
            let bar = AgentTranscriptView::bar_rows(&self.pending_for(agent.as_ref()), &self.theme);
            let working = match (agent.as_ref(), self.ws.transcript(id)) {
                (Some(a), Some(s)) => self.working_for(a, &s.view),
                _ => None,
            };
            let theme = self.theme.clone();
            if let Some(s) = self.ws.transcript_mut(id) {
                s.prepare(*inner, bar, working.is_some(), &theme);
            }
            let (Some(state), pending) = (self.ws.transcript(id), self.pending_for(agent.as_ref()))
            else {
                continue;
            };
            let pos = AgentTranscriptView {
                state,
                record: agent.as_ref().and_then(|a| self.agents.get(a)),
                pending: &pending,
                theme: &self.theme,
                focused: *focused,
                working,
            }
            .render(*inner, buf);
            if *focused {
                cursor = pos;
            }
        }
        cursor
    }

    /// Draw the full-screen transcript over `area`; returns the cursor while typing.
    pub(super) fn render_transcript_overlay(
        &mut self,
        area: Rect,
        buf: &mut Buffer,
    ) -> Option<Position> {
        let agent = self.tr.overlay.as_ref()?.agent().cloned();
        let title = match agent.as_ref() {
            Some(a) => format!(" Transcript: {} · Esc closes ", self.agent_name(a)),
            None => " Transcript · Esc closes ".to_owned(),
        };
        Clear.render(area, buf);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(self.theme.border_focused)
            .title(ratatui::text::Span::styled(title, self.theme.title_focused));
        let inner = block.inner(area);
        block.render(area, buf);
        let bar = AgentTranscriptView::bar_rows(&self.pending_for(agent.as_ref()), &self.theme);
        let working = match (agent.as_ref(), self.tr.overlay.as_deref()) {
            (Some(a), Some(s)) => self.working_for(a, &s.view),
            _ => None,
        };
        let theme = self.theme.clone();
        if let Some(s) = self.tr.overlay.as_deref_mut() {
            s.prepare(inner, bar, working.is_some(), &theme);
        }
        let pending = self.pending_for(agent.as_ref());
        AgentTranscriptView {
            state: self.tr.overlay.as_deref()?,
            record: agent.as_ref().and_then(|a| self.agents.get(a)),
            pending: &pending,
            theme: &self.theme,
            focused: true,
            working,
        }
        .render(inner, buf)
    }
}

#[cfg(test)]
mod tests;

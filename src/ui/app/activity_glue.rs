//! The App's activity feed side: recording lines (with the agent they are about, queued for
//! the writer), restoring them at boot, the wording of lines the feed adds, and the feed's
//! keys (cursor, kind filter `c`, agent filter `f`, `Enter` focuses the agent).

use super::{App, Intent};
use crate::core::agent::AgentState;
use crate::core::ids::{AgentId, RequestId};
use crate::core::transcript::NoticeLevel;
use crate::store::activity::{ACTIVITY_VERSION, ActivityAppender, ActivityLevel, ActivityRecord};
use crate::ui::widgets::activity_feed::{ActivityEntry, ActivityKind};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn level_of(kind: ActivityKind) -> ActivityLevel {
    match kind {
        ActivityKind::Normal => ActivityLevel::Normal,
        ActivityKind::Attention => ActivityLevel::Attention,
        ActivityKind::Notice(NoticeLevel::Info) => ActivityLevel::Info,
        ActivityKind::Notice(NoticeLevel::Warning) => ActivityLevel::Warning,
        ActivityKind::Notice(NoticeLevel::Error) => ActivityLevel::Error,
    }
}

fn kind_of(level: ActivityLevel) -> ActivityKind {
    match level {
        ActivityLevel::Normal => ActivityKind::Normal,
        ActivityLevel::Attention => ActivityKind::Attention,
        ActivityLevel::Info => ActivityKind::Notice(NoticeLevel::Info),
        ActivityLevel::Warning => ActivityKind::Notice(NoticeLevel::Warning),
        ActivityLevel::Error => ActivityKind::Notice(NoticeLevel::Error),
    }
}

impl App {
    /// Append a feed line about `who` (an agent name, or the app) and queue it for the file.
    pub(super) fn record_activity(&mut self, who: String, what: String, kind: ActivityKind) {
        let agent = self.agent_by_name(&who);
        if self.panels.activity_log.is_some() {
            self.panels.unsaved.push(ActivityRecord {
                v: ACTIVITY_VERSION,
                ts: self.now,
                who: who.clone(),
                agent: agent.as_ref().map(|a| a.0.clone()),
                what: what.clone(),
                level: level_of(kind),
            });
        }
        self.activity.push(ActivityEntry {
            ts: self.now,
            time: crate::ui::render::format::clock(self.now, &self.tz),
            who,
            agent,
            what,
            kind,
        });
    }

    /// The agent a name refers to: the newest one with that name.
    fn agent_by_name(&self, name: &str) -> Option<AgentId> {
        self.agents
            .values()
            .filter(|a| a.name == name)
            .max_by(|a, b| a.started_at.total_cmp(&b.started_at))
            .map(|a| a.id.clone())
    }

    /// Put the lines of earlier runs back (oldest first) and persist new ones through `log`.
    pub(crate) fn restore_activity(
        &mut self,
        records: Vec<ActivityRecord>,
        log: Option<ActivityAppender>,
    ) {
        // Boot notices were recorded before the file was known: they go first in the file.
        let booted: Vec<ActivityEntry> = self.activity.drain_all();
        for r in records {
            self.activity.push(ActivityEntry {
                ts: r.ts,
                time: crate::ui::render::format::clock(r.ts, &self.tz),
                who: r.who,
                agent: r.agent.map(AgentId),
                what: r.what,
                kind: kind_of(r.level),
            });
        }
        self.panels.activity_log = log;
        for e in booted {
            if self.panels.activity_log.is_some() {
                self.panels.unsaved.push(ActivityRecord {
                    v: ACTIVITY_VERSION,
                    ts: e.ts,
                    who: e.who.clone(),
                    agent: e.agent.as_ref().map(|a| a.0.clone()),
                    what: e.what.clone(),
                    level: level_of(e.kind),
                });
            }
            self.activity.push(e);
        }
        self.dirty = true;
    }

    /// The text of a state change line: finished lines carry the cost, errors the reason.
    pub(super) fn state_line(
        &self,
        id: &AgentId,
        prev: AgentState,
        state: AgentState,
    ) -> (String, ActivityKind) {
        let a = self.agents.get(id);
        match state {
            AgentState::Done => (
                format!(
                    "finished ({} → done) · {} total",
                    prev.as_str(),
                    crate::ui::render::format::cost(a.map_or(0.0, |a| a.cost_usd))
                ),
                ActivityKind::Normal,
            ),
            AgentState::Error => (
                format!(
                    "{} → error: {}",
                    prev.as_str(),
                    crate::core::transcript::one_line(
                        a.and_then(|a| a.error.as_deref())
                            .unwrap_or("no reason given"),
                        100
                    )
                ),
                ActivityKind::Notice(NoticeLevel::Error),
            ),
            AgentState::AwaitingPermission | AgentState::Waiting => (
                format!("{} → {}", prev.as_str(), state.as_str()),
                ActivityKind::Attention,
            ),
            _ => (
                format!("{} → {}", prev.as_str(), state.as_str()),
                ActivityKind::Normal,
            ),
        }
    }

    /// The text of a resolved permission: the decision, and the rule saved with it if any.
    pub(super) fn resolved_line(
        &mut self,
        agent: &AgentId,
        request: &RequestId,
        tool: Option<String>,
        outcome: &str,
    ) -> Option<String> {
        let rule = self
            .panels
            .rule_for
            .remove(&(agent.clone(), request.clone()));
        let mut s = match (tool, &rule) {
            (Some(t), _) => format!("permission for {t} {outcome}"),
            // Answered from the keyboard (the request already left the queue): the agent's
            // own notice ("Bash allowed") is in the feed already; only a saved rule is news.
            (None, None) => return None,
            (None, Some(_)) => format!("permission {outcome}"),
        };
        if let Some(r) = rule {
            s.push_str(&format!(" · saved {r}"));
        }
        Some(s)
    }

    /// Keys of the focused feed; None lets them fall through.
    pub(super) fn feed_key(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            return None;
        }
        let f = &mut self.activity;
        if f.agent_editing {
            match key.code {
                KeyCode::Esc => {
                    f.agent_filter.clear();
                    f.agent_editing = false;
                }
                KeyCode::Enter => f.agent_editing = false,
                _ => {
                    f.agent_filter.handle_key(key);
                }
            }
            f.reset_view();
            return Some(Vec::new());
        }
        match key.code {
            KeyCode::Char('k') | KeyCode::Up => f.step(-1),
            KeyCode::Char('j') | KeyCode::Down => f.step(1),
            KeyCode::PageUp => f.page(true),
            KeyCode::PageDown => f.page(false),
            KeyCode::End | KeyCode::Char('G') => f.reset_view(),
            KeyCode::Char('c') => {
                f.kind = f.kind.next();
                f.reset_view();
            }
            KeyCode::Char('f') => {
                f.agent_editing = true;
            }
            KeyCode::Esc if !f.agent_filter.is_empty() => {
                f.agent_filter.clear();
                f.reset_view();
            }
            KeyCode::Enter => {
                let Some(id) = f.selected_entry().and_then(|e| e.agent.clone()) else {
                    return Some(Vec::new());
                };
                if !self.agents.contains_key(&id) {
                    return Some(Vec::new());
                }
                self.select_in_tables(&id);
                self.open_agent(&id);
            }
            _ => return None,
        }
        Some(Vec::new())
    }
}

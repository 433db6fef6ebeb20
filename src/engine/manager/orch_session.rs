//! The orchestrator's sessions: start (resume the latest), `/reset`, `/resume`, the sessions
//! index, its journal replay, and permission-mode / model switches through control requests.

use super::{Manager, PendingControl};
use crate::claude::process::ToChild;
use crate::claude::{control, wire};
use crate::core::agent::{AgentRecord, AgentState, PermissionMode, SpawnOptions};
use crate::core::event::TurnOutcome;
use crate::core::ids::AgentId;
use crate::core::time::now;
use crate::core::transcript::{NoticeLevel, TranscriptItem};
use crate::engine::api::{EngineError, EngineEvent};
use crate::store::jsonl::read_jsonl_tail_with;
use crate::store::sessions::{SessionEntry, save_sessions};
use crate::store::transcripts::parse_transcript_line;
use serde_json::Value;

/// How much of a session's journal the chat shows after a switch.
const REPLAY_ENTRIES: usize = 2000;

impl Manager {
    /// Boot: resume the most recent session, or start the first one.
    pub(super) fn start_orchestrator(&mut self) {
        let latest = self
            .sessions
            .iter()
            .max_by(|a, b| a.updated_at.total_cmp(&b.updated_at))
            .map(|e| e.session_id.clone())
            .or_else(|| {
                self.records
                    .get(&AgentId::orchestrator())
                    .and_then(|r| r.session_id.clone())
            });
        self.switch_orchestrator(latest);
    }

    /// Stop the current orchestrator process (if any) and start `resume` (or a fresh session).
    pub(super) fn switch_orchestrator(&mut self, resume: Option<String>) {
        let id = AgentId::orchestrator();
        if self.live.contains_key(&id) {
            self.cancel_inbox(&id, "the orchestrator session was switched");
            if let Some(live) = self.live.remove(&id) {
                let _ = live.child.tx.send(ToChild::Kill);
            }
        }
        self.ensure_orchestrator_record();
        let entry = resume
            .as_ref()
            .and_then(|sid| self.sessions.iter().find(|e| &e.session_id == sid))
            .cloned();
        if let Some(r) = self.records.get_mut(&id) {
            r.session_id = resume.clone();
            r.cost_usd = entry.as_ref().map_or(0.0, |e| e.cost_usd);
            r.tokens_in = entry.as_ref().map_or(0, |e| e.tokens_in);
            r.tokens_out = entry.as_ref().map_or(0, |e| e.tokens_out);
            r.state = AgentState::Idle;
            r.error = None;
            r.ended_at = None;
            r.current_tool = None;
            r.cwd = self.config.app_cwd.clone();
        }
        self.dirty.insert(id.clone());
        // Show the session's journal first, so whatever the launch reports comes after it.
        let entries = resume
            .as_deref()
            .and_then(|sid| self.config.paths.orchestrator_transcript(sid).ok())
            .and_then(|p| read_jsonl_tail_with(&p, REPLAY_ENTRIES, parse_transcript_line).ok())
            .map(|r| r.items)
            .unwrap_or_default();
        self.emit(EngineEvent::TranscriptLoaded {
            agent_id: id.clone(),
            entries,
        });
        let started = self.launch(&id, resume.clone()).is_ok();
        if started
            && resume.is_none()
            && let Some(sid) = self.records.get(&id).and_then(|r| r.session_id.clone())
        {
            self.sessions.push(SessionEntry::new(&sid, now()));
            self.save_sessions();
        }
    }

    fn ensure_orchestrator_record(&mut self) {
        let id = AgentId::orchestrator();
        if self.records.contains_key(&id) {
            return;
        }
        let t = now();
        self.records.insert(
            id.clone(),
            AgentRecord {
                spawn_options: Some(SpawnOptions::default()),
                last_activity: Some(t),
                ..AgentRecord::new(
                    id,
                    AgentId::ORCHESTRATOR,
                    self.config.app_cwd.clone(),
                    AgentState::Idle,
                    t,
                )
            },
        );
    }

    /// `/resume <id>`: only sessions from the index.
    pub(super) fn resume_session(&mut self, session_id: &str) -> Result<(), EngineError> {
        if !self.sessions.iter().any(|e| e.session_id == session_id) {
            let known: Vec<&str> = self
                .sessions
                .iter()
                .map(|e| e.session_id.as_str())
                .collect();
            return Err(EngineError::Invalid(format!(
                "no orchestrator session '{session_id}'; known: {}",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )));
        }
        self.switch_orchestrator(Some(session_id.to_owned()));
        Ok(())
    }

    /// Sessions, most recent first.
    pub(super) fn list_sessions(&self) -> Vec<SessionEntry> {
        let mut v = self.sessions.clone();
        v.sort_by(|a, b| b.updated_at.total_cmp(&a.updated_at));
        v
    }

    pub(super) fn rename_session(
        &mut self,
        session_id: Option<String>,
        title: &str,
    ) -> Result<(), EngineError> {
        let sid = match session_id {
            Some(s) => s,
            None => self
                .records
                .get(&AgentId::orchestrator())
                .and_then(|r| r.session_id.clone())
                .ok_or_else(|| EngineError::Invalid("no current orchestrator session".into()))?,
        };
        let Some(entry) = self.sessions.iter_mut().find(|e| e.session_id == sid) else {
            return Err(EngineError::Invalid(format!(
                "no orchestrator session '{sid}'"
            )));
        };
        let title = title.trim();
        entry.title = (!title.is_empty()).then(|| title.to_owned());
        self.save_sessions();
        Ok(())
    }

    /// The user typed this to the orchestrator: remember it as the session's first prompt.
    pub(super) fn note_user_prompt(&mut self, text: &str) {
        let sid = self
            .records
            .get(&AgentId::orchestrator())
            .and_then(|r| r.session_id.clone());
        if let Some(e) = self
            .sessions
            .iter_mut()
            .find(|e| Some(&e.session_id) == sid.as_ref())
            && e.first_prompt.is_none()
        {
            e.first_prompt = Some(crate::core::transcript::one_line(text, 200));
            self.save_sessions();
        }
    }

    /// Account a finished orchestrator turn to its session.
    pub(super) fn session_turn_ended(&mut self, o: &TurnOutcome) {
        let sid = self
            .records
            .get(&AgentId::orchestrator())
            .and_then(|r| r.session_id.clone());
        if let Some(e) = self
            .sessions
            .iter_mut()
            .find(|e| Some(&e.session_id) == sid.as_ref())
        {
            e.turns += 1;
            e.cost_usd += o.cost_usd;
            e.tokens_in += o.tokens_in;
            e.tokens_out += o.tokens_out;
            e.updated_at = now();
            self.save_sessions();
        }
    }

    fn save_sessions(&mut self) {
        if let Err(e) = save_sessions(&self.config.paths, &self.sessions) {
            self.notice(
                NoticeLevel::Warning,
                format!("could not save the sessions index: {e}"),
            );
        }
    }

    /// Ask one agent's CLI (or every live one) to switch permission mode.
    pub(super) fn set_permission_mode(
        &mut self,
        agent: Option<&str>,
        mode: PermissionMode,
    ) -> Result<String, EngineError> {
        let targets: Vec<AgentId> = match agent {
            Some(a) => vec![self.resolve(a)?],
            None => {
                // Future spawns follow too.
                self.config.bypass = mode == PermissionMode::BypassPermissions;
                self.live.keys().cloned().collect()
            }
        };
        let mut names = Vec::new();
        for id in targets {
            if !self.live.contains_key(&id) {
                continue;
            }
            let rid = control::next_request_id();
            self.write(
                &id,
                wire::control_request(&rid, control::set_permission_mode(mode)),
            );
            self.pending_control
                .insert(rid, (id.clone(), PendingControl::Mode(mode)));
            names.push(self.name_of(&id));
        }
        Ok(format!(
            "asked {} to switch to {}",
            if names.is_empty() {
                "no live agent".to_owned()
            } else {
                names.join(", ")
            },
            mode.as_cli()
        ))
    }

    pub(super) fn set_model(&mut self, agent: &str, model: &str) -> Result<(), EngineError> {
        let id = self.resolve(agent)?;
        if !self.live.contains_key(&id) {
            return Err(EngineError::NotLive(self.name_of(&id)));
        }
        let rid = control::next_request_id();
        self.write(&id, wire::control_request(&rid, control::set_model(model)));
        self.pending_control
            .insert(rid, (id, PendingControl::Model(model.to_owned())));
        Ok(())
    }

    /// The CLI answered one of our control requests.
    pub(super) fn control_answered(
        &mut self,
        id: &AgentId,
        request_id: &str,
        result: Result<Value, String>,
    ) {
        let Some((agent, what)) = self.pending_control.remove(request_id) else {
            return;
        };
        if &agent != id {
            return;
        }
        if let PendingControl::Mode(m) = &what {
            self.emit(EngineEvent::PermissionModeChanged {
                agent_id: id.clone(),
                mode: *m,
                result: result.as_ref().map(|_| ()).map_err(Clone::clone),
            });
        }
        let (level, text) = match (&what, result) {
            (PendingControl::Mode(m), Ok(_)) => (
                NoticeLevel::Info,
                format!("permission mode is now {}", m.as_cli()),
            ),
            (PendingControl::Mode(m), Err(e)) => (
                NoticeLevel::Warning,
                format!("the CLI refused permission mode {}: {e}", m.as_cli()),
            ),
            (PendingControl::Model(m), Ok(_)) => {
                if let Some(r) = self.records.get_mut(id) {
                    r.model = Some(m.clone());
                    self.dirty.insert(id.clone());
                }
                (NoticeLevel::Info, format!("model is now {m}"))
            }
            (PendingControl::Model(m), Err(e)) => (
                NoticeLevel::Warning,
                format!("the CLI refused model {m}: {e}"),
            ),
        };
        self.record(id, TranscriptItem::Notice { level, text });
    }
}

//! Re-rooting the engine at another project directory (`/cd`, ctrl-shift-d, the orchestrator's
//! `change_cwd` tool) and applying changed config settings.
//!
//! A switch is refused while any child is live (they would keep working in the old project
//! while their records vanish from view). Otherwise: stop the orchestrator (after the tool's
//! reply reached it, when it asked), write the old project's agents.json one last time, load the
//! new project's agents (reconciled), sessions index and grants, tell the UI
//! (`EngineEvent::Rerooted`), and start the new project's orchestrator — which resumes that
//! project's most recent session. The process cwd never changes.

use super::{Input, Manager, ToolCall};
use crate::claude::process::ToChild;
use crate::core::agent::AgentState;
use crate::core::ids::AgentId;
use crate::core::time::now;
use crate::core::transcript::{NoticeLevel, TranscriptItem};
use crate::engine::agent_defaults::LiveSettings;
use crate::engine::api::{EngineError, EngineEvent, RerootOutcome};
use crate::store::agents::{AgentsSaver, load_agents, reconcile_on_boot};
use crate::store::paths::ProjectPaths;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long the orchestrator that called `change_cwd` gets to take in the reply before it is
/// stopped anyway.
const REPLY_GRACE: Duration = Duration::from_secs(3);

/// Text every `change_cwd` success reply starts with (also how its echo is recognised).
const SWITCHING: &str = "Switching the project directory to";

/// A switch asked for by the orchestrator, waiting for its reply to arrive.
#[derive(Debug)]
pub(crate) struct PendingReroot {
    cwd: PathBuf,
    serial: u64,
    /// The orchestrator echoed the tool result: it has the answer.
    delivered: bool,
}

/// Expand `~`, resolve against `base`, and require an existing directory.
pub fn resolve_dir(raw: &str, base: &Path) -> Result<PathBuf, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("no directory given".to_owned());
    }
    let home = || std::env::var_os("HOME").map(PathBuf::from);
    let expanded = match raw.strip_prefix('~') {
        Some("") => home().ok_or("cannot expand ~: HOME is not set")?,
        Some(rest) if rest.starts_with('/') => home()
            .ok_or("cannot expand ~: HOME is not set")?
            .join(rest.trim_start_matches('/')),
        _ => PathBuf::from(raw),
    };
    let joined = if expanded.is_absolute() {
        expanded
    } else {
        base.join(expanded)
    };
    let abs = std::fs::canonicalize(&joined).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("no such directory: {}", joined.display()),
        _ => format!("cannot open {}: {e}", joined.display()),
    })?;
    if !abs.is_dir() {
        return Err(format!("{} is not a directory", abs.display()));
    }
    Ok(abs)
}

impl Manager {
    /// Check a switch to `raw`: the target directory, or `None` when it is the project already.
    fn check_reroot(&self, raw: &str) -> Result<Option<PathBuf>, EngineError> {
        if self.reroot.is_some() {
            return Err(EngineError::Invalid(
                "a project directory switch is already in progress".to_owned(),
            ));
        }
        let cwd = resolve_dir(raw, &self.config.app_cwd).map_err(EngineError::Invalid)?;
        let current = std::fs::canonicalize(&self.config.app_cwd)
            .unwrap_or_else(|_| self.config.app_cwd.clone());
        if cwd == current {
            return Ok(None);
        }
        let mut busy: Vec<String> = self
            .records
            .values()
            .filter(|r| !r.id.is_orchestrator() && self.live.contains_key(&r.id))
            .filter(|r| {
                matches!(
                    r.state,
                    AgentState::Idle
                        | AgentState::Running
                        | AgentState::Waiting
                        | AgentState::AwaitingPermission
                )
            })
            .map(|r| format!("{} ({}, {})", r.name, r.id, r.state.as_str()))
            .collect();
        if !busy.is_empty() {
            busy.sort();
            return Err(EngineError::Invalid(format!(
                "cannot change the project directory while agents are live: {} — \
                 kill them or wait until they finish",
                busy.join(", ")
            )));
        }
        Ok(Some(cwd))
    }

    /// `EngineCommand::Reroot` (from the UI): switch now.
    pub(super) fn reroot_command(&mut self, raw: &str) -> Result<RerootOutcome, EngineError> {
        match self.check_reroot(raw)? {
            None => Ok(RerootOutcome::Unchanged(self.config.app_cwd.clone())),
            Some(cwd) => {
                self.switch_project(cwd.clone());
                Ok(RerootOutcome::Switched(cwd))
            }
        }
    }

    /// The orchestrator's `change_cwd`: reply first, switch once the reply reached it (or
    /// after a grace period).
    pub(crate) fn change_cwd_tool(&mut self, call: &ToolCall, raw: Option<&str>) {
        let Some(raw) = raw else {
            return self.tool_reply(call, "path (string) is required", true);
        };
        match self.check_reroot(raw) {
            Err(e) => self.tool_reply(call, &e.to_string(), true),
            Ok(None) => self.tool_reply(
                call,
                &format!(
                    "Unchanged: {} is already the project directory.",
                    self.config.app_cwd.display()
                ),
                false,
            ),
            Ok(Some(cwd)) => {
                let text = format!(
                    "{SWITCHING} {}. This orchestrator session stops now; the project's own \
                     orchestrator session starts there (its most recent one is resumed).",
                    cwd.display()
                );
                self.tool_reply(call, &text, false);
                self.next_gen += 1;
                let serial = self.next_gen;
                self.reroot = Some(PendingReroot {
                    cwd,
                    serial,
                    delivered: false,
                });
                let tx = self.in_tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(REPLY_GRACE).await;
                    let _ = tx.send(Input::RerootDue { serial });
                });
            }
        }
    }

    /// The orchestrator echoed a tool result: if it is our reply, the switch may go ahead.
    pub(super) fn reroot_saw(&mut self, id: &AgentId, item: &TranscriptItem) {
        if let (Some(p), TranscriptItem::ToolResult { content, .. }) = (self.reroot.as_mut(), item)
            && id.is_orchestrator()
            && content.to_string().contains(SWITCHING)
        {
            p.delivered = true;
        }
    }

    /// The grace period ended.
    pub(super) fn reroot_due(&mut self, serial: u64) {
        if let Some(p) = self.reroot.as_mut()
            && p.serial == serial
        {
            p.delivered = true;
        }
    }

    /// Called once per batch: run a switch whose reply has arrived (or that waited long enough).
    pub(super) fn reroot_poll(&mut self) {
        if self.reroot.as_ref().is_some_and(|p| p.delivered)
            && let Some(p) = self.reroot.take()
        {
            self.switch_project(p.cwd);
        }
    }

    /// Leave the current project and start over in `cwd`.
    fn switch_project(&mut self, cwd: PathBuf) {
        tracing::info!(from = %self.config.app_cwd.display(), to = %cwd.display(), "re-rooting");
        let why = "the project directory changed";
        let ids: Vec<AgentId> = self.live.keys().cloned().collect();
        for id in ids {
            self.cancel_inbox(&id, why);
            if let Some(mut live) = self.live.remove(&id) {
                if let Some(w) = live.writer.as_mut() {
                    let _ = w.flush();
                }
                let _ = live.child.tx.send(ToChild::Kill);
            }
            if let Some(r) = self.records.get_mut(&id) {
                r.current_tool = None;
                r.ended_at = Some(now());
                if !id.is_orchestrator() {
                    // Only reachable when a child started during the reply's grace period.
                    r.state = AgentState::Killed;
                    r.error = Some(format!("stopped: {why}"));
                } else if !r.state.is_settled() {
                    r.state = AgentState::Idle;
                }
            }
        }
        // Anything waiting on the old orchestrator's tools dies with it.
        self.waiters.clear();
        self.pending_control.clear();
        self.ui_calls.clear();
        self.orchestrator_context.clear();
        // The old project's agents.json gets its final state (the dropped saver writes it).
        self.saver.update(self.records.values().cloned().collect());
        self.dirty.clear();
        let paths = ProjectPaths::new(&cwd);
        let old_saver = std::mem::replace(&mut self.saver, AgentsSaver::spawn(&paths));
        tokio::task::spawn_blocking(move || drop(old_saver));

        let (mut agents, mut notices) = load_agents(&paths);
        if reconcile_on_boot(&mut agents, now()) {
            self.saver.update(agents.clone());
        }
        let (sessions, session_notices) = crate::store::sessions::load_sessions(&paths);
        notices.extend(session_notices);
        let events = self.events.clone();
        let grants_saver = crate::store::grants::GrantsSaver::spawn(move |text| {
            let _ = events.send(EngineEvent::Notice {
                level: NoticeLevel::Error,
                text,
            });
        });
        let (perms, grant_notices) = crate::engine::permissions::Permissions::load(
            paths.permission_grants(),
            self.config.user_grants.clone(),
            grants_saver,
        );
        notices.extend(grant_notices);
        self.perms = perms;
        self.sessions = sessions;
        self.config.paths = paths;
        self.config.app_cwd = cwd.clone();
        self.records = agents.iter().map(|r| (r.id.clone(), r.clone())).collect();
        self.emit(EngineEvent::Rerooted { cwd, agents });
        self.emit(EngineEvent::RulesChanged(self.perms.all()));
        for text in notices {
            self.notice(NoticeLevel::Warning, text);
        }
        self.start_orchestrator();
    }

    /// `EngineCommand::Configure`: new defaults and timeout apply from now on.
    pub(super) fn configure(&mut self, settings: LiveSettings) {
        self.config.agent_defaults = settings.defaults;
        self.config.permission_timeout = settings.permission_timeout;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn resolve_dir_expands_and_checks() {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(base.join("sub")).unwrap();
        std::fs::write(base.join("file"), "x").unwrap();
        assert_eq!(resolve_dir("sub", &base).unwrap(), base.join("sub"));
        assert_eq!(resolve_dir(" sub/.. ", &base).unwrap(), base);
        let e = resolve_dir("nope", &base).unwrap_err();
        assert_eq!(
            e,
            format!("no such directory: {}", base.join("nope").display())
        );
        let e = resolve_dir("file", &base).unwrap_err();
        assert!(e.ends_with("is not a directory"), "{e}");
        assert_eq!(resolve_dir("  ", &base).unwrap_err(), "no directory given");
        if let Some(home) = std::env::var_os("HOME").and_then(|h| std::fs::canonicalize(h).ok()) {
            assert_eq!(resolve_dir("~", &base).unwrap(), home);
        }
    }
}

//! The engine side of worktree agents: spawn into a new worktree, refuse to resume one whose
//! worktree is gone, refresh `+added/-removed` when a turn ends, warn about overlapping files,
//! merge and discard. Git runs on the blocking pool; results come back as `Input::Deferred`.

use super::{Input, Manager};
use crate::core::agent::{AgentState, SpawnOptions};
use crate::core::ids::AgentId;
use crate::core::transcript::{NoticeLevel, TranscriptItem};
use crate::core::worktree::overlap;
use crate::core::worktree::{WorktreeInfo, WorktreeStatus};
use crate::engine::api::EngineError;
use crate::engine::worktree::{self, MergeStrategy};

/// Work to finish on the actor once something off it is done.
pub(crate) struct Deferred(pub Box<dyn FnOnce(&mut Manager) + Send>);

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Deferred")
    }
}

/// Called once with the outcome of an asynchronous engine operation.
pub type Done<T> = Box<dyn FnOnce(&mut Manager, Result<T, EngineError>) + Send>;

impl Manager {
    /// Run `work` on the blocking pool, then `then` on the actor with its result.
    pub(crate) fn off_actor<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
        then: impl FnOnce(&mut Manager, T) + Send + 'static,
    ) {
        let tx = self.in_tx.clone();
        tokio::spawn(async move {
            if let Ok(value) = tokio::task::spawn_blocking(work).await {
                let _ = tx.send(Input::Deferred(Deferred(Box::new(move |m| then(m, value)))));
            }
        });
    }

    /// Spawn an agent in a new git worktree (`options.worktree` is set). `done` gets the id once
    /// the worktree exists and the child started, or why not.
    pub(crate) fn spawn_in_worktree(
        &mut self,
        name: String,
        options: SpawnOptions,
        done: Done<AgentId>,
    ) {
        let name = name.trim().to_owned();
        if let Err(e) = self.check_spawn(&name, &options) {
            return done(self, Err(e));
        }
        let cwd = self.spawn_cwd(&options);
        let id = self.fresh_id();
        let req = options.worktree.clone().unwrap_or_default();
        let setup = self.config.agent_defaults.worktree_setup.clone();
        let (n, i) = (name.clone(), id.0.clone());
        self.off_actor(
            move || worktree::create(&cwd, &n, &i, &req, &setup),
            move |m: &mut Manager, created| {
                let created = match created {
                    Ok(c) => c,
                    Err(e) => return done(m, Err(EngineError::Invalid(e))),
                };
                if m.shutdown.is_some() {
                    // Quitting: starting a child now would keep shutdown waiting for it.
                    let info = created.info;
                    m.off_actor(move || worktree::remove(&info, true), |_, _| {});
                    return done(m, Err(EngineError::Stopped));
                }
                let mut options = options;
                options.cwd = Some(created.cwd.clone());
                let info = created.info.clone();
                match m.spawn_as(name, options, Some((id, info.clone()))) {
                    Ok(id) => {
                        let mut text = format!(
                            "working in worktree {} on branch {} (from {})",
                            info.path.display(),
                            info.branch,
                            short(&info.base_commit)
                        );
                        if !created.copied.is_empty() {
                            text.push_str(&format!("; copied {}", created.copied.join(", ")));
                        }
                        m.record(
                            &id,
                            TranscriptItem::Notice {
                                level: NoticeLevel::Info,
                                text,
                            },
                        );
                        done(m, Ok(id));
                    }
                    Err(e) => {
                        m.off_actor(move || worktree::remove(&info, true), |_, _| {});
                        done(m, Err(e));
                    }
                }
            },
        );
    }

    /// The checks a spawn makes before doing anything (name, prompt, a live agent of that
    /// name); also run before a worktree is built for one.
    pub(crate) fn check_spawn(
        &self,
        name: &str,
        options: &SpawnOptions,
    ) -> Result<(), EngineError> {
        if name.is_empty() {
            return Err(EngineError::Invalid("name must not be empty".into()));
        }
        if name == AgentId::ORCHESTRATOR {
            return Err(EngineError::Invalid(
                "the name 'orchestrator' is reserved".into(),
            ));
        }
        if options.prompt.trim().is_empty() {
            return Err(EngineError::Invalid("prompt must not be empty".into()));
        }
        if self
            .records
            .values()
            .any(|r| r.name == name && self.live.contains_key(&r.id))
        {
            return Err(EngineError::NameTaken(name.to_owned()));
        }
        Ok(())
    }

    /// Where a spawn runs: its `cwd` (relative to the app's), else the app's cwd.
    pub(crate) fn spawn_cwd(&self, options: &SpawnOptions) -> std::path::PathBuf {
        match &options.cwd {
            Some(c) if c.is_relative() => self.config.app_cwd.join(c),
            Some(c) => c.clone(),
            None => self.config.app_cwd.clone(),
        }
    }

    /// A random agent id no record has.
    pub(crate) fn fresh_id(&self) -> AgentId {
        loop {
            let id = AgentId::new_random();
            if !self.records.contains_key(&id) {
                return id;
            }
        }
    }

    /// Before a resume: a worktree agent only ever runs in its worktree.
    pub(crate) fn check_worktree(&mut self, id: &AgentId) -> Result<(), EngineError> {
        let Some(info) = self
            .records
            .get(id)
            .and_then(|r| r.worktree.as_deref().cloned())
        else {
            return Ok(());
        };
        let reason = match info.status {
            WorktreeStatus::Active if info.path.is_dir() => return Ok(()),
            WorktreeStatus::Active => format!(
                "worktree {} is gone (deleted outside patchfeld); not running the agent elsewhere. \
                 Its branch {} may still hold committed work; discard_agent cleans up.",
                info.path.display(),
                info.branch
            ),
            s => format!(
                "its worktree was {} and removed; the agent's work is finished",
                s.as_str()
            ),
        };
        self.set_error(id, &reason);
        self.record(
            id,
            TranscriptItem::Notice {
                level: NoticeLevel::Error,
                text: reason.clone(),
            },
        );
        Err(EngineError::Invalid(format!(
            "{}: {reason}",
            self.name_of(id)
        )))
    }

    /// A merged or discarded worktree agent takes no more messages (its process is going away).
    pub(crate) fn refuse_finished_worktree(&self, id: &AgentId) -> Result<(), EngineError> {
        match self.records.get(id).and_then(|r| r.worktree.as_ref()) {
            Some(w) if w.status != WorktreeStatus::Active => Err(EngineError::Invalid(format!(
                "{}: its worktree was {} and removed; the agent's work is finished",
                self.name_of(id),
                w.status.as_str()
            ))),
            _ => Ok(()),
        }
    }

    /// A turn ended: measure the agent's change off the actor, then look for overlaps.
    pub(crate) fn worktree_turn_ended(&mut self, id: &AgentId) {
        let Some(info) = self.active_worktree(id) else {
            return;
        };
        let id = id.clone();
        self.off_actor(
            move || worktree::hunks::measure(&info),
            move |m: &mut Manager, stat| {
                let Ok(stat) = stat else {
                    return;
                };
                if let Some(w) = m.records.get_mut(&id).and_then(|r| r.worktree.as_mut())
                    && (w.added, w.removed, &w.files, &w.changes)
                        != (stat.added, stat.removed, &stat.files, &stat.changes)
                {
                    w.added = stat.added;
                    w.removed = stat.removed;
                    w.files = stat.files;
                    w.changes = stat.changes;
                    m.dirty.insert(id.clone());
                }
                m.update_overlaps(Some(&id));
            },
        );
    }

    fn active_worktree(&self, id: &AgentId) -> Option<WorktreeInfo> {
        self.records
            .get(id)
            .and_then(|r| r.worktree.as_deref().cloned())
            .filter(|w| w.status == WorktreeStatus::Active)
    }

    /// Recompute every live worktree agent's overlaps (per shared file: same hunk or same
    /// file); a new overlap involving `changed` is told in its transcript, once, so the
    /// activity feed gets one line (line numbers moving is not news; same file → same hunk is).
    pub(crate) fn update_overlaps(&mut self, changed: Option<&AgentId>) {
        let mut agents: Vec<(AgentId, String, WorktreeInfo)> = self
            .records
            .values()
            .filter(|r| self.live.contains_key(&r.id))
            .filter_map(|r| {
                let w = r
                    .worktree
                    .as_deref()
                    .filter(|w| w.status == WorktreeStatus::Active)?;
                Some((r.id.clone(), r.name.clone(), w.clone()))
            })
            .collect();
        // A stable order, so a row does not change when nothing did.
        agents.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let mut news = Vec::new();
        for r in self.records.values_mut() {
            let Some(w) = r.worktree.as_mut() else {
                continue;
            };
            let mine = agents.iter().find(|(id, _, _)| *id == r.id);
            let overlaps: Vec<String> = match mine {
                Some((id, _, info)) => agents
                    .iter()
                    .filter(|(other, _, _)| other != id)
                    .filter_map(|(_, name, theirs)| {
                        let items = overlap::overlap_items(info, theirs);
                        (!items.is_empty()).then(|| format!("{name}: {}", items.join(", ")))
                    })
                    .collect(),
                None => Vec::new(),
            };
            if w.overlaps != overlaps {
                if Some(&r.id) == changed {
                    let known: Vec<String> =
                        w.overlaps.iter().map(|o| overlap::overlap_key(o)).collect();
                    let fresh: Vec<String> = overlaps
                        .iter()
                        .filter(|o| !known.contains(&overlap::overlap_key(o)))
                        .cloned()
                        .collect();
                    if !fresh.is_empty() {
                        news.push((r.id.clone(), fresh));
                    }
                }
                w.overlaps = overlaps;
                self.dirty.insert(r.id.clone());
            }
        }
        for (id, fresh) in news {
            let text = format!(
                "overlap: another worktree agent changes the same files ({}); merging both may conflict",
                fresh.join("; ")
            );
            self.record(
                &id,
                TranscriptItem::Notice {
                    level: NoticeLevel::Warning,
                    text,
                },
            );
        }
    }

    /// The worktree of an agent that may be finished now (not mid-turn), or why not.
    fn finishable(&self, id: &AgentId) -> Result<WorktreeInfo, EngineError> {
        let name = self.name_of(id);
        let Some(info) = self
            .records
            .get(id)
            .and_then(|r| r.worktree.as_deref().cloned())
        else {
            return Err(EngineError::Invalid(format!(
                "{name} does not run in a worktree"
            )));
        };
        if info.status != WorktreeStatus::Active {
            return Err(EngineError::Invalid(format!(
                "{name}'s worktree was already {}",
                info.status.as_str()
            )));
        }
        if self.is_busy(id) {
            return Err(EngineError::Invalid(format!(
                "{name} is working; wait_for_agents or interrupt_agent first"
            )));
        }
        Ok(info)
    }

    /// `merge_agent`: commit, merge into the base branch, remove worktree and branch.
    pub(crate) fn merge_agent(
        &mut self,
        id: &AgentId,
        message: Option<String>,
        strategy: MergeStrategy,
        done: Done<String>,
    ) {
        let info = match self.finishable(id) {
            Ok(i) => i,
            Err(e) => return self.finish_refused(id, e, done),
        };
        let name = self.name_of(id);
        let message = message
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| format!("patchfeld: work of agent {name}"));
        // Every other unfinished worktree (live or not): its work is still to be merged.
        let mut others: Vec<(String, WorktreeInfo)> = self
            .records
            .values()
            .filter(|r| r.id != *id)
            .filter_map(|r| {
                let w = r
                    .worktree
                    .as_deref()
                    .filter(|w| w.status == WorktreeStatus::Active && !w.files.is_empty())?;
                Some((r.name.clone(), w.clone()))
            })
            .collect();
        others.sort_by(|a, b| a.0.cmp(&b.0));
        let id = id.clone();
        self.off_actor(
            move || {
                // What is merged now, not what the last turn left (files may have changed).
                let mut mine = info.clone();
                if let Ok(now) = worktree::hunks::measure(&info) {
                    mine.files = now.files;
                    mine.changes = now.changes;
                }
                let warning = merge_warning(&mine, &others);
                worktree::merge(&info, &message, strategy).map(|text| (text, warning))
            },
            move |m: &mut Manager, r| match r {
                Ok((text, warning)) => {
                    m.finish_worktree(&id, WorktreeStatus::Merged, &text);
                    let text = match warning {
                        Some(w) => {
                            m.record(
                                &id,
                                TranscriptItem::Notice {
                                    level: NoticeLevel::Warning,
                                    text: w.clone(),
                                },
                            );
                            format!("{text}. {w}")
                        }
                        None => text,
                    };
                    done(m, Ok(text));
                }
                Err(e) => {
                    let text = e.to_string();
                    m.record(
                        &id,
                        TranscriptItem::Notice {
                            level: NoticeLevel::Warning,
                            text: text.clone(),
                        },
                    );
                    // The commit of leftover changes may have happened: refresh the numbers.
                    m.worktree_turn_ended(&id);
                    done(m, Err(EngineError::Invalid(text)));
                }
            },
        );
    }

    /// `discard_agent`: remove worktree and branch; unmerged work needs `confirm`.
    pub(crate) fn discard_agent(&mut self, id: &AgentId, confirm: bool, done: Done<String>) {
        let info = match self.finishable(id) {
            Ok(i) => i,
            Err(e) => return self.finish_refused(id, e, done),
        };
        let id = id.clone();
        let name = self.name_of(&id);
        self.off_actor(
            move || -> Result<String, String> {
                if let Some(lost) = worktree::unmerged_work(&info)?
                    && !confirm
                {
                    return Err(format!(
                        "{name} has unmerged work ({lost}); discarding deletes it. \
                         Call discard_agent again with confirm: true to delete it, or merge_agent to keep it."
                    ));
                }
                worktree::remove(&info, true)?;
                Ok(format!(
                    "discarded {name}'s work: worktree {} and branch {} removed",
                    info.path.display(),
                    info.branch
                ))
            },
            move |m: &mut Manager, r| match r {
                Ok(text) => {
                    m.finish_worktree(&id, WorktreeStatus::Discarded, &text);
                    done(m, Ok(text));
                }
                Err(e) => m.finish_refused(&id, EngineError::Invalid(e), done),
            },
        );
    }

    /// A merge or discard that did not happen: the agent's transcript says why too, so every
    /// outcome of a finish reaches the activity feed exactly once (whoever asked).
    fn finish_refused(&mut self, id: &AgentId, e: EngineError, done: Done<String>) {
        if self.records.contains_key(id) {
            self.record(
                id,
                TranscriptItem::Notice {
                    level: NoticeLevel::Warning,
                    text: e.to_string(),
                },
            );
        }
        done(self, Err(e));
    }

    fn finish_worktree(&mut self, id: &AgentId, status: WorktreeStatus, text: &str) {
        if self.live.contains_key(id) {
            self.kill(id, None);
        }
        if let Some(r) = self.records.get_mut(id) {
            if let Some(w) = r.worktree.as_mut() {
                w.status = status;
                w.overlaps.clear();
            }
            if r.state != AgentState::Killed {
                r.state = AgentState::Done;
            }
            // The kill is how the worktree ended, not a failure.
            r.error = None;
            self.dirty.insert(id.clone());
        }
        self.record(
            id,
            TranscriptItem::Notice {
                level: NoticeLevel::Info,
                text: text.to_owned(),
            },
        );
        self.update_overlaps(None);
    }
}

/// `b also changes x.rs (same hunk, line 3) — merging it next may conflict`, for every other
/// unfinished worktree touching what `mine` merges.
fn merge_warning(mine: &WorktreeInfo, others: &[(String, WorktreeInfo)]) -> Option<String> {
    let parts: Vec<String> = others
        .iter()
        .filter_map(|(name, theirs)| {
            let items = overlap::overlap_items(mine, theirs);
            (!items.is_empty()).then(|| {
                format!(
                    "{name} also changes {} — merging it next may conflict",
                    items.join(", ")
                )
            })
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}

impl Manager {
    /// Resolve `agent` and run an asynchronous worktree operation answering `reply`.
    pub(crate) fn worktree_command(
        &mut self,
        agent: &str,
        reply: crate::engine::api::Reply<String>,
        op: impl FnOnce(&mut Manager, &AgentId, Done<String>),
    ) {
        match self.resolve(agent) {
            Ok(id) => op(
                self,
                &id,
                Box::new(move |_, r| {
                    let _ = reply.send(r);
                }),
            ),
            Err(e) => {
                let _ = reply.send(Err(e));
            }
        }
    }
}

impl Manager {
    /// `WorktreeDiff`: git runs off the actor.
    pub(crate) fn worktree_diff(
        &mut self,
        agent: &str,
        reply: crate::engine::api::Reply<Option<String>>,
    ) {
        let id = match self.resolve(agent) {
            Ok(id) => id,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        let Some(info) = self.active_worktree(&id) else {
            let _ = reply.send(Ok(None));
            return;
        };
        self.off_actor(
            move || worktree::diff(&info),
            move |_, r| {
                let _ = reply.send(r.map(Some).map_err(EngineError::Invalid));
            },
        );
    }
}

//! The engine actor: owns every agent (live sessions and history), turns commands and child
//! output into state changes, transcript lines and `EngineEvent`s.
//!
//! One task, two inboxes (commands from handles; reports from child supervisors and timers).
//! It drains whatever is queued, then flushes once per batch: transcript buffers, one
//! `AgentUpdated` per changed agent, one debounced `agents.json` snapshot.

use crate::claude::control::{self, CliArgsInput};
use crate::claude::process::{self, ChildHandle, FromChild, LaunchSpec, ToChild};
use crate::claude::sdk_mcp::{self, McpAction};
use crate::claude::to_domain::LineParser;
use crate::claude::wire;
use crate::core::agent::{
    AgentRecord, AgentState, PermissionMode, SpawnOptions, StateInput, StateMachine,
};
use crate::core::event::{AgentEvent, SessionActivity, TurnOutcome};
use crate::core::ids::{AgentId, RequestId};
use crate::core::permission::{Decision, PermissionRequest};
use crate::core::time::now;
use crate::core::transcript::{NoticeLevel, TranscriptEntry, TranscriptItem};
use crate::engine::api::{ClaudeCommand, EngineCommand, EngineError, EngineEvent, EngineHandle};
use crate::engine::child_tools;
use crate::engine::inbox::{Inbox, PendingAsk};
use crate::engine::orchestrator;
use crate::store::agents::AgentsSaver;
use crate::store::paths::ProjectPaths;
use crate::store::transcripts::TranscriptWriter;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

mod delete;
mod faults;
pub use faults::INTERRUPT_GRACE;
mod orch_session;
mod permits;
mod quit;
mod reroot;
pub use reroot::resolve_dir;
mod transcript_load;
mod worktree_review;
mod worktrees;
pub(crate) use worktrees::Done;

/// Lines of stderr kept per agent for error reports.
const STDERR_TAIL: usize = 12;
/// How many queued inputs one batch handles before flushing.
const BATCH: usize = 512;

/// Engine settings fixed at start.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Project state paths.
    pub paths: ProjectPaths,
    /// The app cwd (default cwd of agents).
    pub app_cwd: PathBuf,
    /// How to start the CLI.
    pub claude: ClaudeCommand,
    /// Run everybody with permissions bypassed.
    pub bypass: bool,
    /// Start the orchestrator at boot.
    pub start_orchestrator: bool,
    /// Orchestrator tools the UI implements (answered through `EngineEvent::UiCall`).
    pub ui_tools: Vec<crate::core::tool::ToolDef>,
    /// A permission request nobody answers is denied after this long (30 minutes).
    pub permission_timeout: Duration,
    /// The user's `permission_grants.json` (None: no user rules).
    pub user_grants: Option<PathBuf>,
    /// What new children get from config.toml when their spawn names nothing.
    pub agent_defaults: crate::engine::agent_defaults::AgentDefaults,
}

/// How long a permission request waits for the user by default.
pub const PERMISSION_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Start the engine actor. `records` are the agents known from disk (already reconciled).
pub fn start(
    config: EngineConfig,
    records: Vec<AgentRecord>,
    events: mpsc::UnboundedSender<EngineEvent>,
) -> EngineHandle {
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (in_tx, in_rx) = mpsc::unbounded_channel();
    let saver = AgentsSaver::spawn(&config.paths);
    let (sessions, session_notices) = crate::store::sessions::load_sessions(&config.paths);
    for text in session_notices {
        let _ = events.send(EngineEvent::Notice {
            level: NoticeLevel::Warning,
            text,
        });
    }
    let handle = EngineHandle::new(cmd_tx);
    let saver_events = events.clone();
    let grants_saver = crate::store::grants::GrantsSaver::spawn(move |text| {
        let _ = saver_events.send(EngineEvent::Notice {
            level: NoticeLevel::Error,
            text,
        });
    });
    let (perms, grant_notices) = crate::engine::permissions::Permissions::load(
        config.paths.permission_grants(),
        config.user_grants.clone(),
        grants_saver,
    );
    let _ = events.send(EngineEvent::RulesChanged(perms.all()));
    for text in grant_notices {
        let _ = events.send(EngineEvent::Notice {
            level: NoticeLevel::Warning,
            text,
        });
    }
    let mut mgr = Manager {
        perms,
        records: records.into_iter().map(|r| (r.id.clone(), r)).collect(),
        live: HashMap::new(),
        events,
        in_tx,
        backlog: handle.backlog(),
        owed_lines: HashMap::new(),
        next_gen: 0,
        dirty: BTreeSet::new(),
        saver,
        waiters: Vec::new(),
        shutdown: None,
        sessions,
        pending_control: HashMap::new(),
        ui_calls: HashMap::new(),
        orchestrator_context: Vec::new(),
        reroot: None,
        save_errors: faults::SaveErrors::default(),
        config,
    };
    tokio::spawn(async move {
        if mgr.config.start_orchestrator {
            mgr.start_orchestrator();
            mgr.end_batch();
        }
        mgr.run(cmd_rx, in_rx).await;
    });
    handle
}

/// Reports from child supervisors and timers.
#[derive(Debug)]
enum Input {
    Child {
        agent: AgentId,
        generation: u64,
        msg: FromChild,
    },
    AskTimeout {
        agent: AgentId,
        generation: u64,
        request_id: RequestId,
    },
    WaitTimeout {
        waiter: u64,
    },
    PermissionTimeout {
        agent: AgentId,
        generation: u64,
        request_id: RequestId,
    },
    /// A `change_cwd` switch waited long enough for its reply to arrive.
    RerootDue {
        serial: u64,
    },
    /// Time to look whether the last agents.json save failed.
    SaveCheck,
    /// An interrupt's grace period ended (see `faults::INTERRUPT_GRACE`).
    InterruptDue {
        agent: AgentId,
        generation: u64,
        serial: u64,
    },
    /// Finish work done off the actor (git for worktrees).
    Deferred(worktrees::Deferred),
}

/// One running process of an agent.
struct Live {
    generation: u64,
    child: ChildHandle,
    machine: StateMachine,
    /// Messages waiting for the current turn to end (ours, so interrupt can drop them).
    queue: VecDeque<String>,
    /// A user message is with the CLI and it has not gone idle since.
    busy: bool,
    /// The CLI sends `session_state_changed` (else a `result` means idle).
    has_state_signal: bool,
    /// Error text of the last result of the current turn.
    last_error: Option<String>,
    /// We asked for an interrupt: the aborted turn's error result is not a failure.
    interrupting: bool,
    inbox: Inbox,
    /// Turns the CLI's running session cost into per-turn costs.
    parser: LineParser,
    /// Started with `--resume`; until a turn succeeds, the session may be gone.
    resumed: bool,
    /// Turns that ended without error in this process.
    good_turns: u32,
    /// Messages delivered before any turn succeeded (re-sent if a resume falls back).
    unconfirmed: Vec<String>,
    stderr: VecDeque<String>,
    server: &'static str,
    writer: Option<TranscriptWriter>,
    killing: bool,
    kill_replies: Vec<oneshot::Sender<Result<(), EngineError>>>,
    faults: faults::LiveFaults,
}

/// Runs once when a `wait_for_agents` call ends (`true`: every agent settled).
pub(crate) type WaitReply = Box<dyn FnOnce(&mut Manager, bool) + Send>;

/// A `wait_for_agents` call waiting for agents to settle.
struct Waiter {
    id: u64,
    agents: Vec<AgentId>,
    reply: WaitReply,
}

pub(crate) struct Manager {
    config: EngineConfig,
    /// Permission rules (session, project, user).
    perms: crate::engine::permissions::Permissions,
    records: BTreeMap<AgentId, AgentRecord>,
    live: HashMap<AgentId, Live>,
    events: mpsc::UnboundedSender<EngineEvent>,
    in_tx: mpsc::UnboundedSender<Input>,
    /// The UI's transcript queue (`engine::backlog`).
    backlog: std::sync::Arc<crate::engine::backlog::UiBacklog>,
    /// stdout credits held back from children while the UI catches up.
    owed_lines: HashMap<AgentId, usize>,
    next_gen: u64,
    dirty: BTreeSet<AgentId>,
    saver: AgentsSaver,
    waiters: Vec<Waiter>,
    shutdown: Option<oneshot::Sender<()>>,
    /// Orchestrator sessions index.
    sessions: Vec<crate::store::sessions::SessionEntry>,
    /// Our control requests awaiting the CLI's answer.
    pending_control: HashMap<String, (AgentId, PendingControl)>,
    /// Tool calls the UI is answering.
    ui_calls: HashMap<u64, ToolCall>,
    /// What the user told children directly, for the orchestrator's next message.
    orchestrator_context: Vec<String>,
    /// A `change_cwd` waiting for its reply to reach the orchestrator.
    reroot: Option<reroot::PendingReroot>,
    /// Disk errors already shown to the user.
    save_errors: faults::SaveErrors,
}

/// What a control request of ours was for.
#[derive(Debug, Clone)]
enum PendingControl {
    Mode(PermissionMode),
    Model(String),
}

impl Manager {
    async fn run(
        mut self,
        mut cmds: mpsc::UnboundedReceiver<EngineCommand>,
        mut inputs: mpsc::UnboundedReceiver<Input>,
    ) {
        let mut cmds_open = true;
        loop {
            tokio::select! {
                cmd = cmds.recv(), if cmds_open => match cmd {
                    Some(c) => self.command(c),
                    // Every handle is gone: shut down as if asked.
                    None => { cmds_open = false; self.begin_shutdown(None); }
                },
                Some(input) = inputs.recv() => self.input(input),
            }
            for _ in 0..BATCH {
                if let Ok(input) = inputs.try_recv() {
                    self.input(input);
                } else if let Ok(cmd) = cmds.try_recv() {
                    self.command(cmd);
                } else {
                    break;
                }
            }
            self.end_batch();
            if self.shutdown_complete() {
                break;
            }
        }
        if let Err(e) = self.saver.flush().await {
            tracing::error!("saving agents.json at shutdown failed: {e}");
        }
        self.perms.flush().await;
        if let Some(reply) = self.shutdown.take() {
            let _ = reply.send(());
        }
    }

    // ----- commands -------------------------------------------------------------------

    fn command(&mut self, cmd: EngineCommand) {
        match cmd {
            EngineCommand::Spawn {
                name,
                options,
                reply,
            } if options.worktree.is_some() => {
                self.spawn_in_worktree(
                    name,
                    options,
                    Box::new(move |_, r| {
                        let _ = reply.send(r);
                    }),
                );
            }
            EngineCommand::Spawn {
                name,
                options,
                reply,
            } => {
                let _ = reply.send(self.spawn(name, options));
            }
            EngineCommand::Send { agent, text, reply } => {
                // From the user: the orchestrator remembers its first prompt; a direct message
                // to a child is mirrored to the orchestrator as context for its next turn.
                let r = self.resolve(&agent).and_then(|id| {
                    if id.is_orchestrator() {
                        self.note_user_prompt(&text);
                    } else {
                        let name = self.name_of(&id);
                        self.orchestrator_context
                            .push(format!("[user → {name}] {text}"));
                    }
                    self.send(&id, text)
                });
                let _ = reply.send(r);
            }
            EngineCommand::Interrupt { agent, reply } => {
                let r = self.resolve(&agent).and_then(|id| self.interrupt(&id));
                let _ = reply.send(r);
            }
            EngineCommand::Kill { agent, reply } => match self.resolve(&agent) {
                Ok(id) => self.kill(&id, Some(reply)),
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            },
            EngineCommand::Resume { agent, reply } => {
                let r = self.resolve(&agent).and_then(|id| self.resume(&id));
                let _ = reply.send(r);
            }
            EngineCommand::Archive {
                agent,
                archived,
                reply,
            } => {
                let r = self.resolve(&agent).map(|id| self.archive(&id, archived));
                let _ = reply.send(r);
            }
            EngineCommand::LoadTranscript { agent, reply } => self.load_transcript(&agent, reply),
            EngineCommand::IndexTranscript { agent, reply } => {
                self.index_transcript(&agent, reply);
            }
            EngineCommand::MergeAgent {
                agent,
                message,
                strategy,
                reply,
            } => self.worktree_command(&agent, reply, |m, id, done| {
                m.merge_agent(id, message, strategy, done);
            }),
            EngineCommand::WorktreeDiff { agent, reply } => self.worktree_diff(&agent, reply),
            EngineCommand::WorktreeReview { agent, view, reply } => {
                self.worktree_review(&agent, view, reply)
            }
            EngineCommand::DiscardAgent {
                agent,
                confirm,
                reply,
            } => self.worktree_command(&agent, reply, |m, id, done| {
                m.discard_agent(id, confirm, done);
            }),
            EngineCommand::DeleteAgent { agent, reply } => {
                let r = self.resolve(&agent).and_then(|id| self.delete_agent(&id));
                let _ = reply.send(r);
            }
            EngineCommand::DecidePermission {
                agent_id,
                request_id,
                decision,
                reply,
            } => {
                let _ = reply.send(self.decide(&agent_id, &request_id, decision));
            }
            EngineCommand::DecideWithRule {
                agent_id,
                request_id,
                decision,
                rules,
                reply,
            } => {
                let r = self.decide_with_rule(&agent_id, &request_id, decision, rules);
                let _ = reply.send(r);
            }
            EngineCommand::ListRules { reply } => {
                let _ = reply.send(Ok(self.list_rules()));
            }
            EngineCommand::AddRules { rules, reply } => {
                let _ = reply.send(self.add_rules(rules));
            }
            EngineCommand::DeleteRule { id, reply } => {
                let _ = reply.send(self.delete_rule(&id));
            }
            EngineCommand::DryRun { agent, call, reply } => {
                let _ = reply.send(self.dry_run(&agent, &call));
            }
            EngineCommand::AnswerAsk {
                agent,
                request_id,
                text,
                reply,
            } => {
                let r = self
                    .resolve(&agent)
                    .and_then(|id| self.answer_ask(&id, &request_id, &text));
                let _ = reply.send(r);
            }
            EngineCommand::ResetOrchestrator { reply } => {
                self.switch_orchestrator(None);
                let _ = reply.send(Ok(()));
            }
            EngineCommand::ResumeOrchestrator { session_id, reply } => {
                let _ = reply.send(self.resume_session(&session_id));
            }
            EngineCommand::ListSessions { reply } => {
                let _ = reply.send(Ok(self.list_sessions()));
            }
            EngineCommand::RenameSession {
                session_id,
                title,
                reply,
            } => {
                let _ = reply.send(self.rename_session(session_id, &title));
            }
            EngineCommand::SetPermissionMode { agent, mode, reply } => {
                let _ = reply.send(self.set_permission_mode(agent.as_deref(), mode));
            }
            EngineCommand::SetModel {
                agent,
                model,
                reply,
            } => {
                let _ = reply.send(self.set_model(&agent, &model));
            }
            EngineCommand::Reroot { path, reply } => {
                let _ = reply.send(self.reroot_command(&path));
            }
            EngineCommand::Configure(settings) => self.configure(settings),
            EngineCommand::UiReply { call_id, result } => {
                if let Some(call) = self.ui_calls.remove(&call_id) {
                    match result {
                        Ok(text) => self.tool_reply(&call, &text, false),
                        Err(text) => self.tool_reply(&call, &text, true),
                    }
                }
            }
            EngineCommand::Shutdown { reply } => self.begin_shutdown(Some(reply)),
            EngineCommand::UiCaughtUp => self.release_lines(),
        }
    }

    /// Find an agent by id, or by unique name (live agents win over history).
    pub(crate) fn resolve(&self, query: &str) -> Result<AgentId, EngineError> {
        let q = query.trim();
        if let Some(r) = self.records.get(&AgentId(q.to_owned())) {
            return Ok(r.id.clone());
        }
        let named: Vec<&AgentRecord> = self.records.values().filter(|r| r.name == q).collect();
        let live: Vec<&&AgentRecord> = named
            .iter()
            .filter(|r| self.live.contains_key(&r.id))
            .collect();
        match (named.len(), live.len()) {
            (0, _) => Err(EngineError::UnknownAgent {
                query: q.to_owned(),
                known: self.known_names(),
            }),
            (1, _) => Ok(named[0].id.clone()),
            (_, 1) => Ok(live[0].id.clone()),
            _ => {
                // Several past agents share the name: the most recent one is meant.
                let newest = named
                    .iter()
                    .max_by(|a, b| a.started_at.total_cmp(&b.started_at))
                    .map(|r| r.id.clone());
                match (live.len(), newest) {
                    (0, Some(id)) => Ok(id),
                    _ => Err(EngineError::AmbiguousName {
                        name: q.to_owned(),
                        ids: named
                            .iter()
                            .map(|r| r.id.0.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    }),
                }
            }
        }
    }

    fn known_names(&self) -> String {
        let names: Vec<String> = self
            .records
            .values()
            .filter(|r| !r.id.is_orchestrator())
            .map(|r| format!("{} ({})", r.name, r.id))
            .collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    }

    pub(crate) fn spawn(
        &mut self,
        name: String,
        options: SpawnOptions,
    ) -> Result<AgentId, EngineError> {
        self.spawn_as(name, options, None)
    }

    /// `spawn`, with the id and worktree chosen beforehand for a worktree agent.
    fn spawn_as(
        &mut self,
        name: String,
        options: SpawnOptions,
        preset: Option<(AgentId, crate::core::worktree::WorktreeInfo)>,
    ) -> Result<AgentId, EngineError> {
        let name = name.trim().to_owned();
        self.check_spawn(&name, &options)?;
        let cwd = self.spawn_cwd(&options);
        if !cwd.is_dir() {
            return Err(EngineError::Invalid(format!(
                "cwd {} does not exist or is not a directory",
                cwd.display()
            )));
        }
        let mut options = options;
        options.cwd = Some(cwd.clone());
        self.config.agent_defaults.apply(&mut options);
        let (preset_id, worktree) = preset.unzip();
        let id = preset_id.unwrap_or_else(|| self.fresh_id());
        let t = now();
        let record = AgentRecord {
            model: options.model.clone(),
            spawn_options: Some(options.clone()),
            last_activity: Some(t),
            worktree: worktree.map(Box::new),
            ..AgentRecord::new(id.clone(), name, cwd, AgentState::Idle, t)
        };
        self.records.insert(id.clone(), record);
        self.dirty.insert(id.clone());
        self.launch(&id, None)?;
        self.deliver(&id, options.prompt);
        Ok(id)
    }

    /// Start a process for a known record (fresh, or `--resume=` when `resume` is set).
    fn launch(&mut self, id: &AgentId, resume: Option<String>) -> Result<(), EngineError> {
        let Some(record) = self.records.get(id) else {
            return Err(EngineError::UnknownAgent {
                query: id.0.clone(),
                known: self.known_names(),
            });
        };
        let is_orch = id.is_orchestrator();
        let mut options = record.spawn_options.clone().unwrap_or_default();
        if self.config.bypass {
            options.permission_mode = Some(PermissionMode::BypassPermissions);
        }
        let (server, pre_allowed, appended) = if is_orch {
            (
                orchestrator::SERVER,
                orchestrator::pre_allowed(&self.config.ui_tools),
                orchestrator::SYSTEM_PROMPT.to_owned(),
            )
        } else {
            let mut text = options.system_prompt.clone().unwrap_or_default();
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(child_tools::GUIDANCE);
            (child_tools::SERVER, child_tools::pre_allowed(), text)
        };
        options.system_prompt = Some(appended);
        let fresh_session = if resume.is_none() && is_orch {
            Some(uuid::Uuid::new_v4().to_string())
        } else {
            None
        };
        let args = control::cli_args(&CliArgsInput {
            mcp_server: server,
            pre_allowed_tools: &pre_allowed,
            options: &options,
            resume: resume.as_deref(),
            session_id: fresh_session.as_deref(),
        });
        let claude = &self.config.claude;
        let mut env: Vec<(String, String)> = control::child_env()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        env.extend(claude.env.iter().cloned());
        let spec = LaunchSpec {
            program: claude.program.clone(),
            args: claude
                .prefix_args
                .iter()
                .cloned()
                .chain(args)
                .map(Into::into)
                .collect(),
            cwd: record.cwd.clone(),
            env,
        };
        // The CLI reports a session's cost as a running total that survives --resume.
        let prior_cost = if resume.is_some() {
            record.cost_usd
        } else {
            0.0
        };
        self.next_gen += 1;
        let generation = self.next_gen;
        let agent = id.clone();
        let launched = process::launch(&spec, self.in_tx.clone(), move |msg| Input::Child {
            agent: agent.clone(),
            generation,
            msg,
        });
        let session_for_file = resume.clone().or_else(|| fresh_session.clone());
        let writer = match self.open_transcript(id, session_for_file.as_deref()) {
            Ok(w) => Some(w),
            Err(e) => {
                self.notice(
                    NoticeLevel::Warning,
                    format!("transcript for {id} not writable: {e}"),
                );
                None
            }
        };
        match launched {
            Ok(child) => {
                tracing::info!(agent = %id, pid = child.pid, ?resume, "agent process started");
                let mut machine = StateMachine::default();
                machine.apply(&StateInput::Restarted);
                self.live.insert(
                    id.clone(),
                    Live {
                        generation,
                        child,
                        machine,
                        queue: VecDeque::new(),
                        busy: false,
                        has_state_signal: false,
                        last_error: None,
                        interrupting: false,
                        inbox: Inbox::default(),
                        parser: LineParser::new(prior_cost),
                        resumed: resume.is_some(),
                        good_turns: 0,
                        unconfirmed: Vec::new(),
                        stderr: VecDeque::new(),
                        server,
                        writer,
                        killing: false,
                        kill_replies: Vec::new(),
                        faults: faults::LiveFaults::default(),
                    },
                );
                if let Some(r) = self.records.get_mut(id) {
                    r.state = AgentState::Idle;
                    r.error = None;
                    r.ended_at = None;
                    if let Some(sid) = fresh_session {
                        r.session_id = Some(sid);
                    }
                }
                self.dirty.insert(id.clone());
                Ok(())
            }
            Err(e) => {
                let program = claude.program.display().to_string();
                let reason = e.to_string();
                let text = if e.kind() == std::io::ErrorKind::NotFound {
                    not_found_message(&program)
                } else {
                    format!("Could not start {program}: {reason}")
                };
                if let Some(r) = self.records.get_mut(id) {
                    r.state = AgentState::Error;
                    r.error = Some(format!("could not start {program}: {reason}"));
                    r.ended_at = Some(now());
                }
                self.dirty.insert(id.clone());
                if let Some(mut w) = writer {
                    self.record_with(
                        &mut w,
                        id,
                        TranscriptItem::Notice {
                            level: NoticeLevel::Error,
                            text,
                        },
                    );
                    let _ = w.flush();
                }
                Err(EngineError::SpawnFailed { program, reason })
            }
        }
    }

    /// Send a message: to the CLI now when idle, else queued behind the running turn.
    /// A non-live agent is resumed first.
    pub(crate) fn send(&mut self, id: &AgentId, text: String) -> Result<(), EngineError> {
        if text.trim().is_empty() {
            return Err(EngineError::Invalid("message must not be empty".into()));
        }
        self.refuse_finished_worktree(id)?;
        if !self.live.contains_key(id) {
            self.resume(id)?;
        }
        self.deliver(id, text);
        Ok(())
    }

    fn deliver(&mut self, id: &AgentId, text: String) {
        let Some(live) = self.live.get_mut(id) else {
            return;
        };
        if live.busy || live.killing {
            live.queue.push_back(text);
            return;
        }
        live.busy = true;
        let text = if id.is_orchestrator() && !self.orchestrator_context.is_empty() {
            let mut context = std::mem::take(&mut self.orchestrator_context).join("\n");
            context.push_str("\n\n");
            context.push_str(&text);
            context
        } else {
            text
        };
        if live.good_turns == 0 {
            live.unconfirmed.push(text.clone());
        }
        let _ = live.child.tx.send(ToChild::Line(wire::user_message(&text)));
        self.apply_state(id, StateInput::TurnStarted);
        if let Some(r) = self.records.get_mut(id) {
            r.ended_at = None;
            r.error = None;
        }
        self.record(id, TranscriptItem::User { text });
    }

    pub(crate) fn interrupt(&mut self, id: &AgentId) -> Result<usize, EngineError> {
        let name = self.name_of(id);
        let Some(live) = self.live.get_mut(id) else {
            return Err(EngineError::NotLive(name));
        };
        let dropped = live.queue.len();
        live.queue.clear();
        live.interrupting = live.busy;
        let _ = live.child.tx.send(ToChild::Line(wire::control_request(
            &control::next_request_id(),
            control::interrupt(),
        )));
        let asks: Vec<(RequestId, PendingAsk)> = live
            .inbox
            .asks()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.arm_interrupt_escalation(id);
        for (rid, _) in asks {
            self.close_ask(id, &rid, AskEnd::Cancelled("the agent was interrupted"));
        }
        let text = if dropped == 0 {
            "interrupted".to_owned()
        } else {
            format!("interrupted; {dropped} queued message(s) dropped")
        };
        self.record(
            id,
            TranscriptItem::Notice {
                level: NoticeLevel::Info,
                text,
            },
        );
        Ok(dropped)
    }

    pub(crate) fn kill(
        &mut self,
        id: &AgentId,
        reply: Option<oneshot::Sender<Result<(), EngineError>>>,
    ) {
        let name = self.name_of(id);
        let Some(live) = self.live.get_mut(id) else {
            if let Some(r) = reply {
                let _ = r.send(Err(EngineError::NotLive(name)));
            }
            return;
        };
        live.killing = true;
        live.queue.clear();
        if let Some(r) = reply {
            live.kill_replies.push(r);
        }
        let _ = live.child.tx.send(ToChild::Kill);
        self.cancel_inbox(id, "the agent was killed");
        self.apply_state(id, StateInput::Killed);
        if let Some(r) = self.records.get_mut(id) {
            r.error = Some("killed".into());
            r.ended_at = Some(now());
            r.current_tool = None;
        }
        self.record(
            id,
            TranscriptItem::Notice {
                level: NoticeLevel::Warning,
                text: "killed".into(),
            },
        );
    }

    pub(crate) fn resume(&mut self, id: &AgentId) -> Result<(), EngineError> {
        if self.live.contains_key(id) {
            return Ok(());
        }
        let name = self.name_of(id);
        let Some(sid) = self.records.get(id).and_then(|r| r.session_id.clone()) else {
            return Err(EngineError::NotResumable(name));
        };
        if self
            .records
            .get(id)
            .and_then(|r| r.spawn_options.as_ref())
            .is_none()
            && !id.is_orchestrator()
        {
            return Err(EngineError::NotResumable(name));
        }
        self.check_worktree(id)?;
        self.launch(id, Some(sid.clone()))?;
        self.record(
            id,
            TranscriptItem::Notice {
                level: NoticeLevel::Info,
                text: format!("resumed session {sid}"),
            },
        );
        Ok(())
    }

    pub(crate) fn archive(&mut self, id: &AgentId, archived: bool) {
        if let Some(r) = self.records.get_mut(id)
            && r.archived != archived
        {
            r.archived = archived;
            self.dirty.insert(id.clone());
        }
    }

    pub(crate) fn decide(
        &mut self,
        id: &AgentId,
        request_id: &RequestId,
        decision: Decision,
    ) -> Result<(), EngineError> {
        let name = self.name_of(id);
        let Some(live) = self.live.get_mut(id) else {
            return Err(EngineError::UnknownRequest {
                agent: name,
                request_id: request_id.0.clone(),
            });
        };
        let Some(req) = live.inbox.take_permission(request_id) else {
            return Err(EngineError::UnknownRequest {
                agent: name,
                request_id: request_id.0.clone(),
            });
        };
        let _ = live.child.tx.send(ToChild::Line(wire::control_success(
            &request_id.0,
            wire::permission_response(&decision),
        )));
        self.apply_state(id, StateInput::PermissionClosed);
        let outcome = decision.label().to_owned();
        self.record(
            id,
            TranscriptItem::Notice {
                level: NoticeLevel::Info,
                text: format!("{} {}", req.tool_name, outcome),
            },
        );
        self.emit(EngineEvent::PermissionResolved {
            agent_id: id.clone(),
            request_id: request_id.clone(),
            outcome,
        });
        Ok(())
    }

    pub(crate) fn answer_ask(
        &mut self,
        id: &AgentId,
        request_id: &RequestId,
        text: &str,
    ) -> Result<(), EngineError> {
        let pending = self
            .live
            .get(id)
            .is_some_and(|l| l.inbox.asks().any(|(k, _)| k == request_id));
        if !pending {
            return Err(EngineError::UnknownRequest {
                agent: self.name_of(id),
                request_id: request_id.0.clone(),
            });
        }
        self.close_ask(id, request_id, AskEnd::Answered(text));
        Ok(())
    }

    fn begin_shutdown(&mut self, reply: Option<oneshot::Sender<()>>) {
        if let Some(r) = reply {
            self.shutdown = Some(r);
        } else if self.shutdown.is_none() {
            let (tx, _rx) = oneshot::channel();
            self.shutdown = Some(tx);
        }
        let ids: Vec<AgentId> = self.live.keys().cloned().collect();
        for id in ids {
            let was_working = self
                .records
                .get(&id)
                .is_some_and(|r| !r.state.is_settled() && r.state != AgentState::Idle);
            if let Some(live) = self.live.get_mut(&id) {
                live.killing = true;
                let _ = live.child.tx.send(ToChild::Quit);
            }
            self.cancel_inbox(&id, "the app is quitting");
            if was_working {
                // The next boot would say the same; saying it now keeps the file true.
                self.set_error(&id, "app exited while running");
            }
        }
        self.settle_for_quit();
    }

    fn shutdown_complete(&self) -> bool {
        self.shutdown.is_some() && self.live.is_empty()
    }

    // ----- inputs from children and timers --------------------------------------------

    fn input(&mut self, input: Input) {
        match input {
            Input::Child {
                agent,
                generation,
                msg,
            } => {
                if self.live.get(&agent).map(|l| l.generation) != Some(generation) {
                    return; // a report from a process we already replaced
                }
                if matches!(msg, FromChild::Stdout(_)) {
                    self.line_taken(&agent);
                }
                match msg {
                    FromChild::Stdout(_) if self.faulted(&agent) => {}
                    FromChild::Stdout(line) => self.child_line(&agent, &line),
                    FromChild::Fault(reason) => self.child_fault(&agent, reason),
                    FromChild::Stderr(line) => self.child_stderr(&agent, line),
                    FromChild::Exited { code, signal } => self.child_exited(&agent, code, signal),
                }
            }
            Input::AskTimeout {
                agent,
                generation,
                request_id,
            } => {
                if self.live.get(&agent).map(|l| l.generation) == Some(generation) {
                    self.close_ask(&agent, &request_id, AskEnd::TimedOut);
                }
            }
            Input::PermissionTimeout {
                agent,
                generation,
                request_id,
            } => self.permission_timed_out(&agent, generation, &request_id),
            Input::RerootDue { serial } => self.reroot_due(serial),
            Input::InterruptDue {
                agent,
                generation,
                serial,
            } => self.interrupt_due(&agent, generation, serial),
            Input::SaveCheck => self.save_check_due(),
            Input::Deferred(d) => (d.0)(self),
            Input::WaitTimeout { waiter } => {
                if let Some(pos) = self.waiters.iter().position(|w| w.id == waiter) {
                    let w = self.waiters.remove(pos);
                    (w.reply)(self, false);
                }
            }
        }
    }

    fn child_line(&mut self, id: &AgentId, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        if let Some(r) = self.records.get_mut(id) {
            r.last_activity = Some(now());
        }
        let Some(live) = self.live.get_mut(id) else {
            return;
        };
        for event in live.parser.parse_line(line) {
            self.agent_event(id, event);
        }
    }

    fn agent_event(&mut self, id: &AgentId, event: AgentEvent) {
        match event {
            AgentEvent::SessionInit { session_id, model } => {
                if let Some(r) = self.records.get_mut(id) {
                    if r.session_id.as_deref() != Some(&session_id) {
                        r.session_id = Some(session_id);
                        self.dirty.insert(id.clone());
                    }
                    if model.is_some() && r.model != model {
                        r.model = model;
                        self.dirty.insert(id.clone());
                    }
                }
            }
            AgentEvent::Activity(SessionActivity::Running) => {
                if let Some(live) = self.live.get_mut(id) {
                    live.has_state_signal = true;
                    live.busy = true;
                    if live.machine.lifecycle != crate::core::agent::Lifecycle::Running
                        && !live.killing
                    {
                        self.apply_state(id, StateInput::TurnStarted);
                    }
                }
            }
            AgentEvent::Activity(SessionActivity::RequiresAction) => {}
            AgentEvent::Activity(SessionActivity::Idle) => {
                if let Some(live) = self.live.get_mut(id) {
                    live.has_state_signal = true;
                }
                self.went_idle(id);
            }
            AgentEvent::Transcript(item) => {
                if let Some(r) = self.records.get_mut(id) {
                    match &item {
                        TranscriptItem::ToolUse { name, .. } => {
                            r.current_tool = Some(name.clone());
                            self.dirty.insert(id.clone());
                        }
                        TranscriptItem::ToolResult { .. } if r.current_tool.is_some() => {
                            r.current_tool = None;
                            self.dirty.insert(id.clone());
                        }
                        _ => {}
                    }
                }
                self.reroot_saw(id, &item);
                self.record(id, item);
            }
            AgentEvent::TurnEnded(outcome) => self.turn_ended(id, outcome),
            AgentEvent::PermissionRequested(req) => self.permission_requested(id, req),
            AgentEvent::RequestCancelled { request_id } => {
                let rid = RequestId(request_id.clone());
                let had_perm = self
                    .live
                    .get_mut(id)
                    .and_then(|l| l.inbox.take_permission(&rid))
                    .is_some();
                if had_perm {
                    self.apply_state(id, StateInput::PermissionClosed);
                    self.emit(EngineEvent::PermissionResolved {
                        agent_id: id.clone(),
                        request_id: rid,
                        outcome: "cancelled".into(),
                    });
                } else if let Some((ask_id, _)) = self
                    .live
                    .get_mut(id)
                    .and_then(|l| l.inbox.take_ask_by_control(&request_id))
                {
                    self.apply_state(id, StateInput::AskClosed);
                    self.emit(EngineEvent::AskResolved {
                        agent_id: id.clone(),
                        request_id: ask_id,
                        answer: None,
                    });
                }
            }
            AgentEvent::McpMessage {
                request_id,
                server,
                message,
            } => self.mcp_message(id, &request_id, &server, &message),
            AgentEvent::ControlResponse { request_id, result } => {
                tracing::debug!(agent = %id, request_id, ?result, "control response");
                self.control_answered(id, &request_id, result);
            }
            AgentEvent::UnsupportedRequest {
                request_id,
                subtype,
            } => {
                tracing::warn!(agent = %id, subtype, "unsupported control request");
                self.write(
                    id,
                    wire::control_error(
                        &request_id,
                        &format!("Unsupported control request subtype: {subtype}"),
                    ),
                );
            }
        }
    }

    fn went_idle(&mut self, id: &AgentId) {
        let Some(live) = self.live.get_mut(id) else {
            return;
        };
        live.busy = false;
        live.interrupting = false;
        let error = live.last_error.take();
        let next = live.queue.pop_front();
        self.apply_state(
            id,
            StateInput::WentIdle {
                error: error.clone(),
            },
        );
        if let Some(r) = self.records.get_mut(id) {
            r.ended_at = Some(now());
            r.current_tool = None;
            r.error = error;
        }
        self.dirty.insert(id.clone());
        self.worktree_turn_ended(id);
        if let Some(text) = next {
            self.deliver(id, text);
        }
    }

    fn turn_ended(&mut self, id: &AgentId, o: TurnOutcome) {
        if id.is_orchestrator() {
            self.session_turn_ended(&o);
        }
        if let Some(r) = self.records.get_mut(id) {
            r.cost_usd += o.cost_usd;
            r.tokens_in += o.tokens_in;
            r.tokens_out += o.tokens_out;
            if let Some(sid) = &o.session_id
                && r.session_id.as_deref() != Some(sid)
            {
                r.session_id = Some(sid.clone());
            }
        }
        self.dirty.insert(id.clone());
        let has_signal = match self.live.get_mut(id) {
            Some(live) => {
                // An interrupt we asked for ends the turn with an error result; that is the
                // user's choice, not a failure.
                live.last_error = (o.is_error && !live.interrupting).then(|| o.text.clone());
                if !o.is_error {
                    live.good_turns += 1;
                    live.unconfirmed.clear();
                }
                live.has_state_signal
            }
            None => true,
        };
        self.record(
            id,
            TranscriptItem::TurnEnd {
                is_error: o.is_error,
                text: o.text,
                cost_usd: o.cost_usd,
                tokens_in: o.tokens_in,
                tokens_out: o.tokens_out,
            },
        );
        if !has_signal {
            self.went_idle(id);
        }
    }

    fn permission_requested(&mut self, id: &AgentId, req: PermissionRequest) {
        if !self.live.contains_key(id) || self.answer_by_rule(id, &req) {
            return;
        }
        let Some(live) = self.live.get_mut(id) else {
            return;
        };
        live.inbox.add_permission(req.clone());
        self.apply_state(id, StateInput::PermissionOpened);
        let agent_name = self.name_of(id);
        self.emit(EngineEvent::PermissionRequested {
            agent_id: id.clone(),
            agent_name,
            request: req.clone(),
        });
        self.permission_opened(id, &req);
    }

    fn mcp_message(&mut self, id: &AgentId, control_id: &str, server: &str, message: &Value) {
        let Some(expected) = self.live.get(id).map(|l| l.server) else {
            return;
        };
        let tools = if server != expected {
            Vec::new()
        } else if id.is_orchestrator() {
            let mut tools = orchestrator::tools();
            tools.extend(self.config.ui_tools.iter().cloned());
            tools
        } else {
            child_tools::tools()
        };
        match sdk_mcp::handle(server, &tools, message) {
            McpAction::Reply(reply) => {
                self.write(
                    id,
                    wire::control_success(control_id, sdk_mcp::mcp_response(reply)),
                );
            }
            McpAction::NoReply => {}
            McpAction::Call {
                id: rpc_id,
                tool,
                arguments,
            } => {
                let call = ToolCall {
                    agent: id.clone(),
                    control_id: control_id.to_owned(),
                    rpc_id,
                };
                if id.is_orchestrator() {
                    orchestrator::call(self, call, &tool, arguments);
                } else {
                    self.child_tool(call, &tool, &arguments);
                }
            }
        }
    }

    fn child_tool(&mut self, call: ToolCall, tool: &str, args: &Value) {
        let id = call.agent.clone();
        let name = self.name_of(&id);
        match tool {
            "notify_orchestrator" => {
                let Some(message) = args.get("message").and_then(Value::as_str) else {
                    return self.tool_reply(&call, "message (string) is required", true);
                };
                self.emit(EngineEvent::Notified {
                    agent_id: id.clone(),
                    agent_name: name.clone(),
                    message: message.to_owned(),
                });
                self.forward_to_orchestrator(format!("[{name} → orchestrator] {message}"));
                self.tool_reply(&call, "Notification delivered.", false);
            }
            "ask_orchestrator" => {
                let Some(question) = args.get("question").and_then(Value::as_str) else {
                    return self.tool_reply(&call, "question (string) is required", true);
                };
                let timeout_s = args
                    .get("timeout_s")
                    .and_then(Value::as_f64)
                    .filter(|t| t.is_finite() && *t >= 1.0)
                    .unwrap_or(child_tools::ASK_TIMEOUT_S)
                    .min(24.0 * 3600.0);
                let rid = RequestId::new_random();
                let Some(live) = self.live.get_mut(&id) else {
                    return;
                };
                live.inbox.add_ask(
                    rid.clone(),
                    PendingAsk {
                        question: question.to_owned(),
                        control_id: call.control_id.clone(),
                        rpc_id: call.rpc_id.clone(),
                        timeout_s,
                    },
                );
                let generation = live.generation;
                self.apply_state(&id, StateInput::AskOpened);
                self.emit(EngineEvent::AskRequested {
                    agent_id: id.clone(),
                    agent_name: name.clone(),
                    request_id: rid.clone(),
                    question: question.to_owned(),
                });
                self.forward_to_orchestrator(format!(
                    "[{name} asks, request {rid}] {question}\n\
                     ({name} is blocked until you answer with \
                     respond_to_agent_request(agent=\"{name}\", request_id=\"{rid}\", response=\"…\").)"
                ));
                let tx = self.in_tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs_f64(timeout_s)).await;
                    let _ = tx.send(Input::AskTimeout {
                        agent: id,
                        generation,
                        request_id: rid,
                    });
                });
            }
            other => self.tool_reply(&call, &format!("unknown tool {other}"), true),
        }
    }

    /// Give a message to the orchestrator (queued behind its turn) when there is one.
    pub(crate) fn forward_to_orchestrator(&mut self, text: String) {
        let orch = AgentId::orchestrator();
        if self.live.contains_key(&orch) {
            self.deliver(&orch, text);
        }
    }

    fn close_ask(&mut self, id: &AgentId, rid: &RequestId, end: AskEnd<'_>) {
        let Some(ask) = self.live.get_mut(id).and_then(|l| l.inbox.take_ask(rid)) else {
            return;
        };
        let call = ToolCall {
            agent: id.clone(),
            control_id: ask.control_id.clone(),
            rpc_id: ask.rpc_id.clone(),
        };
        let (text, is_error, answer) = match end {
            AskEnd::Answered(t) => (t.to_owned(), false, Some(t.to_owned())),
            AskEnd::TimedOut => (
                format!(
                    "No answer from the orchestrator within {}s. Decide yourself or continue without it; \
                     do not ask the same question again right away.",
                    ask.timeout_s
                ),
                false,
                None,
            ),
            AskEnd::Cancelled(why) => (format!("The question was cancelled: {why}."), true, None),
        };
        self.tool_reply(&call, &text, is_error);
        self.apply_state(id, StateInput::AskClosed);
        self.emit(EngineEvent::AskResolved {
            agent_id: id.clone(),
            request_id: rid.clone(),
            answer,
        });
    }

    fn cancel_inbox(&mut self, id: &AgentId, why: &str) {
        let Some(live) = self.live.get_mut(id) else {
            return;
        };
        let asks: Vec<RequestId> = live.inbox.asks().map(|(k, _)| k.clone()).collect();
        for rid in asks {
            self.close_ask(id, &rid, AskEnd::Cancelled(why));
        }
        let Some(live) = self.live.get_mut(id) else {
            return;
        };
        let (perms, _) = live.inbox.drain();
        for p in perms {
            let deny = Decision::Deny {
                message: format!("cancelled: {why}"),
                interrupt: true,
            };
            self.write(
                id,
                wire::control_success(&p.request_id.0, wire::permission_response(&deny)),
            );
            self.apply_state(id, StateInput::PermissionClosed);
            self.emit(EngineEvent::PermissionResolved {
                agent_id: id.clone(),
                request_id: p.request_id,
                outcome: "cancelled".into(),
            });
        }
    }

    fn child_stderr(&mut self, id: &AgentId, line: String) {
        tracing::debug!(agent = %id, "stderr: {line}");
        if let Some(live) = self.live.get_mut(id) {
            if live.stderr.len() == STDERR_TAIL {
                live.stderr.pop_front();
            }
            live.stderr.push_back(line);
        }
    }

    fn child_exited(&mut self, id: &AgentId, code: Option<i32>, signal: Option<i32>) {
        let Some(mut live) = self.live.remove(id) else {
            return;
        };
        tracing::info!(agent = %id, ?code, ?signal, "agent process exited");
        let stderr: Vec<String> = live.stderr.drain(..).collect();
        let error = if let Some(fault) = Self::take_fault(&mut live) {
            Some(fault)
        } else if live.killing || code == Some(0) {
            None
        } else {
            let how = match (code, signal) {
                (Some(c), _) => format!("exited with code {c}"),
                (None, Some(s)) => format!("killed by signal {s}"),
                (None, None) => "ended".to_owned(),
            };
            Some(match (stderr.is_empty(), live.last_error.take()) {
                (false, _) => format!("{how}: {}", stderr.join("\n")),
                (true, Some(result)) => format!("{how}: {result}"),
                (true, None) => how,
            })
        };
        // Pending requests die with the process.
        let (perms, asks) = live.inbox.drain();
        live.machine.apply(&StateInput::ProcessExited {
            error: error.clone(),
        });
        let state = live.machine.state();
        for p in perms {
            self.emit(EngineEvent::PermissionResolved {
                agent_id: id.clone(),
                request_id: p.request_id,
                outcome: "cancelled".into(),
            });
        }
        for (rid, _) in asks {
            self.emit(EngineEvent::AskResolved {
                agent_id: id.clone(),
                request_id: rid,
                answer: None,
            });
        }
        if let Some(r) = self.records.get_mut(id) {
            quit::record_exit(r, state, error.as_deref());
        }
        self.dirty.insert(id.clone());
        if let Some(e) = error {
            let mut w = live.writer.take();
            if let Some(w) = w.as_mut() {
                self.record_with(
                    w,
                    id,
                    TranscriptItem::Notice {
                        level: NoticeLevel::Error,
                        text: e,
                    },
                );
                let _ = w.flush();
            }
        } else if let Some(w) = live.writer.as_mut() {
            let _ = w.flush();
        }
        for r in live.kill_replies.drain(..) {
            let _ = r.send(Ok(()));
        }
        // The orchestrator must always be there: if its last session cannot be resumed (the
        // CLI's session store was cleaned, say), start a fresh one and re-send what was typed.
        if id.is_orchestrator()
            && live.resumed
            && live.good_turns == 0
            && !live.killing
            && self.shutdown.is_none()
        {
            let old = self.records.get(id).and_then(|r| r.session_id.clone());
            // The CLI no longer knows it: drop it from the index so it is not offered again.
            self.sessions
                .retain(|e| Some(&e.session_id) != old.as_ref());
            self.switch_orchestrator(None);
            if self.live.contains_key(id) {
                self.record(
                    id,
                    TranscriptItem::Notice {
                        level: NoticeLevel::Warning,
                        text: format!(
                            "could not resume the previous session {}; started a fresh one",
                            old.unwrap_or_default()
                        ),
                    },
                );
                for text in live.unconfirmed.drain(..) {
                    self.deliver(id, text);
                }
            }
        }
    }

    // ----- helpers ----------------------------------------------------------------------

    pub(crate) fn tool_reply(&mut self, call: &ToolCall, text: &str, is_error: bool) {
        let reply = sdk_mcp::call_result(&call.rpc_id, text, is_error);
        self.write(
            &call.agent,
            wire::control_success(&call.control_id, sdk_mcp::mcp_response(reply)),
        );
    }

    fn write(&self, id: &AgentId, line: String) {
        if let Some(live) = self.live.get(id) {
            let _ = live.child.tx.send(ToChild::Line(line));
        }
    }

    fn apply_state(&mut self, id: &AgentId, input: StateInput) {
        let Some(live) = self.live.get_mut(id) else {
            return;
        };
        live.machine.apply(&input);
        let state = live.machine.state();
        if let Some(r) = self.records.get_mut(id)
            && r.state != state
        {
            r.state = state;
            self.dirty.insert(id.clone());
        }
    }

    fn set_error(&mut self, id: &AgentId, reason: &str) {
        if let Some(r) = self.records.get_mut(id) {
            r.state = AgentState::Error;
            r.error = Some(reason.to_owned());
            r.ended_at = Some(now());
            self.dirty.insert(id.clone());
        }
    }

    pub(crate) fn name_of(&self, id: &AgentId) -> String {
        self.records
            .get(id)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| id.0.clone())
    }

    /// Append to the agent's transcript file and tell the UI.
    fn record(&mut self, id: &AgentId, item: TranscriptItem) {
        let mut writer = self.live.get_mut(id).and_then(|l| l.writer.take());
        match writer.as_mut() {
            Some(w) => self.record_with(w, id, item),
            None => {
                // Not live (e.g. a notice after exit): open, append, close.
                let session = self.records.get(id).and_then(|r| r.session_id.clone());
                if let Ok(mut w) = self.open_transcript(id, session.as_deref()) {
                    self.record_with(&mut w, id, item);
                    let _ = w.flush();
                }
            }
        }
        if let (Some(w), Some(live)) = (writer, self.live.get_mut(id)) {
            live.writer = Some(w);
        }
    }

    /// A child's transcript is `transcripts/<id>.jsonl`; the orchestrator journals each
    /// session in `transcripts/orchestrator.<session>.jsonl`.
    fn open_transcript(
        &self,
        id: &AgentId,
        session: Option<&str>,
    ) -> Result<TranscriptWriter, crate::store::StoreError> {
        match (id.is_orchestrator(), session) {
            (true, Some(sid)) => {
                TranscriptWriter::open_path(&self.config.paths.orchestrator_transcript(sid)?)
            }
            _ => TranscriptWriter::open(&self.config.paths, id),
        }
    }

    fn record_with(&self, w: &mut TranscriptWriter, id: &AgentId, item: TranscriptItem) {
        let entry = TranscriptEntry { ts: now(), item };
        let at = w.position();
        let at = match w.append(&entry) {
            Ok(()) => at,
            Err(e) => {
                tracing::warn!(agent = %id, "transcript append failed: {e}");
                None
            }
        };
        self.backlog.sent();
        self.emit(EngineEvent::Transcript {
            agent_id: id.clone(),
            entry,
            at,
        });
    }

    /// A child's stdout line was taken: its credit goes back, unless the UI is too far behind
    /// (`engine::backlog`); then it is owed until `UiCaughtUp`.
    fn line_taken(&mut self, agent: &AgentId) {
        if self.backlog.hold() {
            *self.owed_lines.entry(agent.clone()).or_default() += 1;
            if !self.backlog.caught_up_meanwhile() {
                return;
            }
        } else if let Some(l) = self.live.get(agent) {
            l.child.took_line();
            return;
        }
        self.release_lines();
    }

    /// Give every child the credits held back while the UI caught up.
    fn release_lines(&mut self) {
        for (agent, n) in std::mem::take(&mut self.owed_lines) {
            if let Some(l) = self.live.get(&agent) {
                for _ in 0..n {
                    l.child.took_line();
                }
            }
        }
    }

    fn emit(&self, event: EngineEvent) {
        let _ = self.events.send(event);
    }

    fn notice(&self, level: NoticeLevel, text: String) {
        tracing::warn!("{text}");
        self.emit(EngineEvent::Notice { level, text });
    }

    fn end_batch(&mut self) {
        self.reroot_poll();
        self.flush_transcripts();
        self.report_save_error();
        if self.dirty.is_empty() {
            return;
        }
        for id in std::mem::take(&mut self.dirty) {
            if let Some(r) = self.records.get(&id) {
                self.emit(EngineEvent::AgentUpdated(r.clone()));
            }
        }
        self.saver.update(self.records.values().cloned().collect());
        self.schedule_save_check();
        self.check_waiters();
    }

    // ----- orchestrator support ----------------------------------------------------------

    /// Pass a tools/call to the UI when it implements the tool; false when nobody does.
    pub(crate) fn ui_call(&mut self, call: ToolCall, tool: &str, args: Value) -> bool {
        if !self.config.ui_tools.iter().any(|t| t.name == tool) {
            return false;
        }
        self.next_gen += 1;
        let call_id = self.next_gen;
        self.ui_calls.insert(call_id, call);
        self.emit(EngineEvent::UiCall {
            call_id,
            tool: tool.to_owned(),
            args,
        });
        true
    }

    /// Records of every known agent (children only), for tools.
    pub(crate) fn children(&self) -> impl Iterator<Item = &AgentRecord> {
        self.records.values().filter(|r| !r.id.is_orchestrator())
    }

    pub(crate) fn is_live(&self, id: &AgentId) -> bool {
        self.live.contains_key(id)
    }

    pub(crate) fn record_of(&self, id: &AgentId) -> Option<&AgentRecord> {
        self.records.get(id)
    }

    pub(crate) fn paths(&self) -> &ProjectPaths {
        &self.config.paths
    }

    pub(crate) fn pending_asks_of(&self, id: &AgentId) -> Vec<(RequestId, String)> {
        self.live
            .get(id)
            .map(|l| {
                l.inbox
                    .asks()
                    .map(|(k, a)| (k.clone(), a.question.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Is this agent busy (a turn in progress, or messages queued)?
    pub(crate) fn is_busy(&self, id: &AgentId) -> bool {
        self.live.get(id).is_some_and(|l| {
            l.busy
                || !l.queue.is_empty()
                || !l.machine.state().is_settled() && l.machine.state() != AgentState::Idle
        })
    }

    /// Register a `wait_for_agents` call; `reply(manager, all_settled)` runs once.
    pub(crate) fn add_waiter(&mut self, agents: Vec<AgentId>, timeout: Duration, reply: WaitReply) {
        self.next_gen += 1;
        let wid = self.next_gen;
        self.waiters.push(Waiter {
            id: wid,
            agents,
            reply,
        });
        let tx = self.in_tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            let _ = tx.send(Input::WaitTimeout { waiter: wid });
        });
        self.check_waiters();
    }

    fn check_waiters(&mut self) {
        let mut i = 0;
        while i < self.waiters.len() {
            let done = self.waiters[i].agents.iter().all(|a| !self.is_busy(a));
            if done {
                let w = self.waiters.remove(i);
                (w.reply)(self, true);
            } else {
                i += 1;
            }
        }
    }
}

/// How an ask ended.
enum AskEnd<'a> {
    Answered(&'a str),
    TimedOut,
    Cancelled(&'a str),
}

/// An MCP tools/call waiting for its result.
#[derive(Debug, Clone)]
pub(crate) struct ToolCall {
    pub agent: AgentId,
    pub control_id: String,
    pub rpc_id: Value,
}

/// What the orchestrator panel says when the CLI cannot be found.
pub fn not_found_message(program: &str) -> String {
    format!(
        "Claude Code was not found (tried to run `{program}`).\n\n\
         Install it with:  npm install -g @anthropic-ai/claude-code\n\
         or point patchfeld at it:  patchfeld --claude /path/to/claude  (or set PATCHFELD_CLAUDE)\n\n\
         To look around without it, run:  patchfeld --demo"
    )
}

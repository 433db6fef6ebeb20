//! The engine's public surface: commands in, events out, and the handle that sends commands.

use crate::core::agent::{AgentRecord, PermissionMode, SpawnOptions};
use crate::core::ids::{AgentId, RequestId};
use crate::core::permission::{Decision, PermissionContext, PermissionRequest, Rule, RuleDraft};
use crate::core::transcript::{NoticeLevel, TranscriptEntry};
use crate::store::sessions::SessionEntry;
use std::path::PathBuf;
use tokio::sync::{mpsc, oneshot};

/// How to start the Claude Code CLI (or a stand-in speaking its protocol).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaudeCommand {
    /// The executable.
    pub program: PathBuf,
    /// Arguments placed before the CLI flags (used to run `patchfeld fake-agent …`).
    pub prefix_args: Vec<String>,
    /// Extra environment for every child.
    pub env: Vec<(String, String)>,
}

impl ClaudeCommand {
    /// The plain `claude` executable at `program`.
    pub fn plain(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            prefix_args: Vec::new(),
            env: Vec::new(),
        }
    }
}

/// Errors the engine reports to a caller. Messages are shown to users and to the model as-is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// No agent has that id or name.
    #[error("unknown agent '{query}'; known agents: {known}")]
    UnknownAgent {
        /// What was asked for.
        query: String,
        /// Known names (comma separated) or "none".
        known: String,
    },
    /// Several agents share that name.
    #[error("the name '{name}' is ambiguous ({ids}); use an id")]
    AmbiguousName {
        /// The name.
        name: String,
        /// Matching ids.
        ids: String,
    },
    /// A live agent already has that name.
    #[error("an agent named '{0}' is already live; choose another name")]
    NameTaken(String),
    /// The request is not (or no longer) pending.
    #[error("no pending request '{request_id}' for agent '{agent}'")]
    UnknownRequest {
        /// Agent.
        agent: String,
        /// Request id.
        request_id: String,
    },
    /// The agent cannot be resumed (no session id recorded).
    #[error("agent '{0}' has no session to resume")]
    NotResumable(String),
    /// The agent is not running.
    #[error("agent '{0}' is not running")]
    NotLive(String),
    /// Bad arguments.
    #[error("{0}")]
    Invalid(String),
    /// The child process could not be started.
    #[error("could not start {program}: {reason}")]
    SpawnFailed {
        /// Executable.
        program: String,
        /// OS error text.
        reason: String,
    },
    /// The engine has shut down.
    #[error("the engine has stopped")]
    Stopped,
}

/// What a `Reroot` did.
#[derive(Debug, Clone, PartialEq)]
pub enum RerootOutcome {
    /// The path is the current project already; nothing changed.
    Unchanged(PathBuf),
    /// The engine now works in this directory.
    Switched(PathBuf),
}

/// Reply channel for commands that answer.
pub type Reply<T> = oneshot::Sender<Result<T, EngineError>>;

/// What the UI (or a tool handler) asks the engine to do. Agents are named by id or unique name.
#[derive(Debug)]
pub enum EngineCommand {
    /// Start a new child agent.
    Spawn {
        /// Display name.
        name: String,
        /// Options, including the first prompt.
        options: SpawnOptions,
        /// The new id.
        reply: Reply<AgentId>,
    },
    /// Send a message (queued behind a running turn; resumes a non-live agent first).
    Send {
        /// Agent id or name (`orchestrator` for the orchestrator).
        agent: String,
        /// The message.
        text: String,
        /// Returns as soon as the message is queued.
        reply: Reply<()>,
    },
    /// Interrupt the current turn; queued messages are dropped and their count returned.
    Interrupt {
        /// Agent id or name.
        agent: String,
        /// Number of dropped queued messages.
        reply: Reply<usize>,
    },
    /// Stop the agent's process.
    Kill {
        /// Agent id or name.
        agent: String,
        /// Done.
        reply: Reply<()>,
    },
    /// Bring a non-live agent back (`--resume`).
    Resume {
        /// Agent id or name.
        agent: String,
        /// Done.
        reply: Reply<()>,
    },
    /// Archive or unarchive.
    Archive {
        /// Agent id or name.
        agent: String,
        /// New flag.
        archived: bool,
        /// Done.
        reply: Reply<()>,
    },
    /// Index an agent's transcript file (off the engine task), for a panel that starts
    /// showing it; everything emitted before this command is covered by the index.
    IndexTranscript {
        /// Agent id or name.
        agent: String,
        /// Where each entry's line starts.
        reply: Reply<crate::store::transcript_index::TranscriptIndex>,
    },
    /// Read an agent's whole transcript from disk (off the engine task); everything emitted
    /// before this command is in the reply.
    LoadTranscript {
        /// Agent id or name.
        agent: String,
        /// The entries, oldest first.
        reply: Reply<Vec<crate::core::transcript::TranscriptEntry>>,
    },
    /// Finish a worktree agent: commit what is left, merge its branch into the base branch in
    /// the main checkout, remove worktree and branch. On conflict nothing changes (the reply
    /// names the files). Refused while the agent works.
    MergeAgent {
        /// Agent id or name.
        agent: String,
        /// Commit message for leftover changes (and the merge commit).
        message: Option<String>,
        /// Fast-forward only, or a merge commit.
        strategy: crate::engine::worktree::MergeStrategy,
        /// What happened.
        reply: Reply<String>,
    },
    /// The diff of a worktree agent's work against its merge base, uncommitted and untracked
    /// files included; `None` when the agent does not run in an active worktree.
    WorktreeDiff {
        /// Agent id or name.
        agent: String,
        /// The unified diff.
        reply: Reply<Option<String>>,
    },
    /// One view of a worktree agent's work for review (the whole branch, one commit, or the
    /// uncommitted changes) with the branch's commits; `None`: not an active worktree agent.
    WorktreeReview {
        /// Agent id or name.
        agent: String,
        /// Which part of the work.
        view: crate::core::review::ReviewView,
        /// The diff and the commits.
        reply: Reply<Option<crate::core::review::ReviewDiff>>,
    },
    /// Throw a worktree agent's work away (worktree and branch); unmerged work needs `confirm`.
    DiscardAgent {
        /// Agent id or name.
        agent: String,
        /// Delete even unmerged work.
        confirm: bool,
        /// What happened.
        reply: Reply<String>,
    },
    /// The UI's transcript queue is short again: give the children the credits held back
    /// (`engine::backlog`).
    UiCaughtUp,
    /// Delete a non-live agent's record and transcript (refused while it runs).
    DeleteAgent {
        /// Agent id or name.
        agent: String,
        /// Done.
        reply: Reply<()>,
    },
    /// Answer a pending permission request.
    DecidePermission {
        /// The agent.
        agent_id: AgentId,
        /// The request.
        request_id: RequestId,
        /// The answer.
        decision: Decision,
        /// Done.
        reply: Reply<()>,
    },
    /// Answer a pending permission request and save rules ("allow for session", "always
    /// allow", "always deny"); every other queued request the rules cover is answered too.
    /// Replies with how many other requests were resolved.
    DecideWithRule {
        /// The agent.
        agent_id: AgentId,
        /// The request.
        request_id: RequestId,
        /// The answer to this request.
        decision: Decision,
        /// The rules to save.
        rules: RuleDraft,
        /// Other requests resolved by the new rules.
        reply: Reply<usize>,
    },
    /// Every permission rule in force (session, project, user).
    ListRules {
        /// The rules.
        reply: Reply<Vec<Rule>>,
    },
    /// Save rules (Permissions screen); queued requests they cover are resolved.
    AddRules {
        /// What to save.
        rules: RuleDraft,
        /// The saved rules.
        reply: Reply<Vec<Rule>>,
    },
    /// Delete a rule by id.
    DeleteRule {
        /// Rule id.
        id: String,
        /// The deleted rule.
        reply: Reply<Rule>,
    },
    /// Which rule would decide a call, and why (`Bash(ls > x)` for agent `name`).
    DryRun {
        /// Agent name the call is for (`*`-scoped rules apply to every name).
        agent: String,
        /// The call in rule syntax.
        call: String,
        /// The explanation.
        reply: Reply<String>,
    },
    /// Answer a pending `ask_orchestrator`.
    AnswerAsk {
        /// Agent id or name.
        agent: String,
        /// The ask's id.
        request_id: RequestId,
        /// The answer text.
        text: String,
        /// Done.
        reply: Reply<()>,
    },
    /// Start a fresh orchestrator session (`/reset`).
    ResetOrchestrator {
        /// Done.
        reply: Reply<()>,
    },
    /// Switch the orchestrator to a past session (`/resume <id>`).
    ResumeOrchestrator {
        /// Session id from the index.
        session_id: String,
        /// Done.
        reply: Reply<()>,
    },
    /// The orchestrator sessions index, most recent first.
    ListSessions {
        /// The sessions.
        reply: Reply<Vec<SessionEntry>>,
    },
    /// Title a session (the current one when `session_id` is None).
    RenameSession {
        /// Session id, or the current one.
        session_id: Option<String>,
        /// New title (empty clears it).
        title: String,
        /// Done.
        reply: Reply<()>,
    },
    /// Switch the permission mode of one agent, or of every live agent and future spawns.
    /// Replies once requested; each CLI's answer shows up as a notice in its transcript.
    SetPermissionMode {
        /// Agent id or name; None = all.
        agent: Option<String>,
        /// The mode.
        mode: PermissionMode,
        /// What was requested.
        reply: Reply<String>,
    },
    /// Switch an agent's model for its next API call.
    SetModel {
        /// Agent id or name.
        agent: String,
        /// Model name.
        model: String,
        /// Done.
        reply: Reply<()>,
    },
    /// Re-root the engine at another project directory (`/cd`, ctrl-shift-d). Refused while a
    /// child is live; otherwise the orchestrator stops, the new project's agents, sessions
    /// index and grants are loaded and its orchestrator starts there (`EngineEvent::Rerooted`
    /// comes first).
    Reroot {
        /// The directory as typed: `~` expands, a relative path resolves against the project.
        path: String,
        /// What happened.
        reply: Reply<RerootOutcome>,
    },
    /// Changed config settings (agent defaults, permission timeout), in force from now on.
    Configure(crate::engine::agent_defaults::LiveSettings),
    /// The UI's answer to an `EngineEvent::UiCall`.
    UiReply {
        /// The call.
        call_id: u64,
        /// Tool result text, or the error text.
        result: Result<String, String>,
    },
    /// Stop every child, flush state. Replies when everything is down.
    Shutdown {
        /// Done.
        reply: oneshot::Sender<()>,
    },
}

/// What the engine reports. Every variant is a fact; the UI folds them into its state.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    /// An agent's record changed (or appeared). Full snapshot.
    AgentUpdated(AgentRecord),
    /// A transcript entry was appended for an agent.
    Transcript {
        /// Whose.
        agent_id: AgentId,
        /// The entry.
        entry: TranscriptEntry,
        /// Byte offset of its line in the agent's transcript file (`None`: it could not be
        /// written). The line is complete in the file once a later line starts there or the
        /// writer is flushed; a panel uses it to drop the entry and read it back on demand.
        at: Option<u64>,
    },
    /// An agent waits for a tool permission.
    PermissionRequested {
        /// Agent id.
        agent_id: AgentId,
        /// Agent name.
        agent_name: String,
        /// The request.
        request: PermissionRequest,
    },
    /// A permission request ended (answered, cancelled, timed out).
    PermissionResolved {
        /// Agent id.
        agent_id: AgentId,
        /// Request id.
        request_id: RequestId,
        /// `allowed`, `denied`, `cancelled`, `timed out`, …
        outcome: String,
    },
    /// What to show with a pending permission request (sent right after
    /// `PermissionRequested`): why it was asked, the proposed rule, cwd, the edit diff.
    PermissionContext {
        /// Agent id.
        agent_id: AgentId,
        /// Request id.
        request_id: RequestId,
        /// The details.
        context: PermissionContext,
    },
    /// The permission rules changed (added, deleted, hit). Full list.
    RulesChanged(Vec<Rule>),
    /// A child asked the orchestrator a question and is blocked.
    AskRequested {
        /// Agent id.
        agent_id: AgentId,
        /// Agent name.
        agent_name: String,
        /// Ask id (for `respond_to_agent_request`).
        request_id: RequestId,
        /// The question.
        question: String,
    },
    /// An ask ended; `answer` is `None` on timeout or cancellation.
    AskResolved {
        /// Agent id.
        agent_id: AgentId,
        /// Ask id.
        request_id: RequestId,
        /// The answer given.
        answer: Option<String>,
    },
    /// A child notified the orchestrator.
    Notified {
        /// Agent id.
        agent_id: AgentId,
        /// Agent name.
        agent_name: String,
        /// The message.
        message: String,
    },
    /// Replace what is shown of an agent's transcript (orchestrator session switch, boot).
    TranscriptLoaded {
        /// Whose.
        agent_id: AgentId,
        /// The entries (the tail of the journal).
        entries: Vec<TranscriptEntry>,
    },
    /// The orchestrator called a tool the UI implements (layouts, themes…). Answer with
    /// `EngineCommand::UiReply` carrying the same `call_id`.
    UiCall {
        /// Correlates the reply.
        call_id: u64,
        /// Tool name (without the `mcp__patchfeld__` prefix).
        tool: String,
        /// Its arguments.
        args: serde_json::Value,
    },
    /// An agent's record and transcript were deleted (`EngineCommand::DeleteAgent`).
    AgentDeleted {
        /// Whose.
        agent_id: AgentId,
    },
    /// A CLI answered a permission-mode switch (`set_permission_mode`): `Ok` when it took
    /// effect, else the CLI's refusal text.
    PermissionModeChanged {
        /// Whose CLI answered.
        agent_id: AgentId,
        /// The mode asked for.
        mode: crate::core::agent::PermissionMode,
        /// The outcome.
        result: Result<(), String>,
    },
    /// The engine now works in another project (`Reroot` or the `change_cwd` tool). Sent
    /// before that project's orchestrator starts; `agents` replaces every record known so far.
    Rerooted {
        /// The new project directory (absolute).
        cwd: PathBuf,
        /// The new project's agents (reconciled), the orchestrator included.
        agents: Vec<AgentRecord>,
    },
    /// An app-level notice (a file moved aside, the CLI missing, …).
    Notice {
        /// Severity.
        level: NoticeLevel,
        /// Text.
        text: String,
    },
}

/// Cloneable sender of engine commands, with one async method per command.
#[derive(Debug, Clone)]
pub struct EngineHandle {
    tx: mpsc::UnboundedSender<EngineCommand>,
    backlog: std::sync::Arc<crate::engine::backlog::UiBacklog>,
}

impl EngineHandle {
    /// Wrap a command sender (the engine task owns the receiver).
    pub fn new(tx: mpsc::UnboundedSender<EngineCommand>) -> Self {
        Self {
            tx,
            backlog: Default::default(),
        }
    }

    /// The engine → UI transcript queue length this handle shares with its engine.
    pub(crate) fn backlog(&self) -> std::sync::Arc<crate::engine::backlog::UiBacklog> {
        self.backlog.clone()
    }

    /// The UI handled one `EngineEvent::Transcript` (see `engine::backlog`): acknowledging
    /// engages backpressure, so a UI that falls behind holds the children back.
    pub fn transcript_taken(&self) {
        if self.backlog.taken() {
            let _ = self.tx.send(EngineCommand::UiCaughtUp);
        }
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> EngineCommand) -> Result<T, EngineError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(make(reply))
            .map_err(|_| EngineError::Stopped)?;
        rx.await.map_err(|_| EngineError::Stopped)?
    }

    /// Spawn a child agent.
    pub async fn spawn(&self, name: String, options: SpawnOptions) -> Result<AgentId, EngineError> {
        self.ask(|reply| EngineCommand::Spawn {
            name,
            options,
            reply,
        })
        .await
    }

    /// Send a message to an agent (by id or name).
    pub async fn send(&self, agent: &str, text: String) -> Result<(), EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::Send { agent, text, reply })
            .await
    }

    /// Interrupt an agent; returns how many queued messages were dropped.
    pub async fn interrupt(&self, agent: &str) -> Result<usize, EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::Interrupt { agent, reply })
            .await
    }

    /// Kill an agent.
    pub async fn kill(&self, agent: &str) -> Result<(), EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::Kill { agent, reply }).await
    }

    /// Resume a non-live agent.
    pub async fn resume(&self, agent: &str) -> Result<(), EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::Resume { agent, reply })
            .await
    }

    /// Archive or unarchive.
    pub async fn archive(&self, agent: &str, archived: bool) -> Result<(), EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::Archive {
            agent,
            archived,
            reply,
        })
        .await
    }

    /// The index of an agent's transcript file (see `EngineCommand::IndexTranscript`).
    pub async fn index_transcript(
        &self,
        agent: &str,
    ) -> Result<crate::store::transcript_index::TranscriptIndex, EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::IndexTranscript { agent, reply })
            .await
    }

    /// An agent's whole transcript, read from disk.
    pub async fn load_transcript(
        &self,
        agent: &str,
    ) -> Result<Vec<crate::core::transcript::TranscriptEntry>, EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::LoadTranscript { agent, reply })
            .await
    }

    /// Merge a worktree agent's branch into its base (see `EngineCommand::MergeAgent`).
    pub async fn merge_agent(
        &self,
        agent: &str,
        message: Option<String>,
        strategy: crate::engine::worktree::MergeStrategy,
    ) -> Result<String, EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::MergeAgent {
            agent,
            message,
            strategy,
            reply,
        })
        .await
    }

    /// A worktree agent's diff vs. its merge base (`None`: not a worktree agent).
    pub async fn worktree_diff(&self, agent: &str) -> Result<Option<String>, EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::WorktreeDiff { agent, reply })
            .await
    }

    /// One review view of a worktree agent's work (see `EngineCommand::WorktreeReview`).
    pub async fn worktree_review(
        &self,
        agent: &str,
        view: crate::core::review::ReviewView,
    ) -> Result<Option<crate::core::review::ReviewDiff>, EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::WorktreeReview { agent, view, reply })
            .await
    }

    /// Discard a worktree agent's work (see `EngineCommand::DiscardAgent`).
    pub async fn discard_agent(&self, agent: &str, confirm: bool) -> Result<String, EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::DiscardAgent {
            agent,
            confirm,
            reply,
        })
        .await
    }

    /// Delete a non-live agent's record and transcript.
    pub async fn delete_agent(&self, agent: &str) -> Result<(), EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::DeleteAgent { agent, reply })
            .await
    }

    /// Answer a permission request.
    pub async fn decide(
        &self,
        agent_id: AgentId,
        request_id: RequestId,
        decision: Decision,
    ) -> Result<(), EngineError> {
        self.ask(|reply| EngineCommand::DecidePermission {
            agent_id,
            request_id,
            decision,
            reply,
        })
        .await
    }

    /// Answer an `ask_orchestrator`.
    pub async fn answer(
        &self,
        agent: &str,
        request_id: RequestId,
        text: String,
    ) -> Result<(), EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::AnswerAsk {
            agent,
            request_id,
            text,
            reply,
        })
        .await
    }

    /// Start a fresh orchestrator session.
    pub async fn reset_orchestrator(&self) -> Result<(), EngineError> {
        self.ask(|reply| EngineCommand::ResetOrchestrator { reply })
            .await
    }

    /// Resume a past orchestrator session.
    pub async fn resume_orchestrator(&self, session_id: String) -> Result<(), EngineError> {
        self.ask(|reply| EngineCommand::ResumeOrchestrator { session_id, reply })
            .await
    }

    /// Orchestrator sessions, most recent first.
    pub async fn sessions(&self) -> Result<Vec<SessionEntry>, EngineError> {
        self.ask(|reply| EngineCommand::ListSessions { reply })
            .await
    }

    /// Title a session (None = the current one).
    pub async fn rename_session(
        &self,
        session_id: Option<String>,
        title: String,
    ) -> Result<(), EngineError> {
        self.ask(|reply| EngineCommand::RenameSession {
            session_id,
            title,
            reply,
        })
        .await
    }

    /// Switch permission mode (None = every live agent and future spawns).
    pub async fn set_permission_mode(
        &self,
        agent: Option<String>,
        mode: PermissionMode,
    ) -> Result<String, EngineError> {
        self.ask(|reply| EngineCommand::SetPermissionMode { agent, mode, reply })
            .await
    }

    /// Switch an agent's model.
    pub async fn set_model(&self, agent: &str, model: String) -> Result<(), EngineError> {
        let agent = agent.to_owned();
        self.ask(|reply| EngineCommand::SetModel {
            agent,
            model,
            reply,
        })
        .await
    }

    /// Re-root at another project directory (see `EngineCommand::Reroot`).
    pub async fn reroot(&self, path: String) -> Result<RerootOutcome, EngineError> {
        self.ask(|reply| EngineCommand::Reroot { path, reply })
            .await
    }

    /// Apply changed config settings (fire and forget).
    pub fn configure(&self, settings: crate::engine::agent_defaults::LiveSettings) {
        let _ = self.tx.send(EngineCommand::Configure(settings));
    }

    /// Answer a `UiCall`.
    pub fn ui_reply(&self, call_id: u64, result: Result<String, String>) {
        let _ = self.tx.send(EngineCommand::UiReply { call_id, result });
    }

    /// Stop everything; resolves when children are gone and state is saved.
    pub async fn shutdown(&self) {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(EngineCommand::Shutdown { reply }).is_ok() {
            let _ = rx.await;
        }
    }

    /// Post a command without waiting (fire and forget; the reply is dropped).
    pub fn post(&self, cmd: EngineCommand) -> Result<(), EngineError> {
        self.tx.send(cmd).map_err(|_| EngineError::Stopped)
    }
}

//! Agents: the persisted record, spawn options, and the pure state machine.
//!
//! The displayed state is *derived*: a base lifecycle state plus two counters of pending
//! blocking requests. `awaiting_permission` and `waiting` are overlays, so they compose and
//! always restore exactly the state they interrupted (the predecessor kept snapshots and could
//! restore a stale `waiting`).

use crate::core::ids::AgentId;
use crate::core::time::Epoch;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What the user sees an agent doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentState {
    /// Spawned or resumed; no turn has started yet.
    Idle,
    /// A turn is in progress.
    Running,
    /// Blocked in `ask_orchestrator`, waiting for an answer.
    Waiting,
    /// Blocked on a tool permission the user must decide.
    AwaitingPermission,
    /// All work finished; accepts a new message (which starts another turn).
    Done,
    /// The last turn or the process failed; the reason is in the record. Resumable.
    Error,
    /// Stopped by the user. Resumable.
    Killed,
}

impl AgentState {
    /// The persisted / displayed name (`awaiting_permission`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Running => "running",
            Self::Waiting => "waiting",
            Self::AwaitingPermission => "awaiting_permission",
            Self::Done => "done",
            Self::Error => "error",
            Self::Killed => "killed",
        }
    }

    /// Parse a persisted state name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "idle" => Self::Idle,
            "running" => Self::Running,
            "waiting" => Self::Waiting,
            "awaiting_permission" => Self::AwaitingPermission,
            "done" => Self::Done,
            "error" => Self::Error,
            "killed" => Self::Killed,
            _ => return None,
        })
    }

    /// Done, error or killed: no turn is in progress (but a new message can start one).
    pub fn is_settled(self) -> bool {
        match self {
            Self::Done | Self::Error | Self::Killed => true,
            Self::Idle | Self::Running | Self::Waiting | Self::AwaitingPermission => false,
        }
    }

    /// Urgency rank for sorting (0 = most urgent: needs the user now).
    pub fn urgency(self) -> u8 {
        match self {
            Self::AwaitingPermission => 0,
            Self::Waiting => 1,
            Self::Error => 2,
            Self::Running => 3,
            Self::Idle => 4,
            Self::Done => 5,
            Self::Killed => 6,
        }
    }
}

/// The lifecycle part of the state machine (without the blocking overlays).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// No turn yet.
    #[default]
    Idle,
    /// Work in progress.
    Running,
    /// Finished cleanly.
    Done,
    /// Failed.
    Error,
    /// Stopped by the user.
    Killed,
}

/// Inputs to the state machine: facts about the session.
#[derive(Debug, Clone, PartialEq)]
pub enum StateInput {
    /// A user message was delivered: a turn begins.
    TurnStarted,
    /// The CLI reports nothing left to do. `error` carries the last turn's error text, if any.
    WentIdle { error: Option<String> },
    /// A permission request opened / closed.
    PermissionOpened,
    /// A permission request was answered, timed out or cancelled.
    PermissionClosed,
    /// An `ask_orchestrator` request opened.
    AskOpened,
    /// An `ask_orchestrator` request was answered, timed out or cancelled.
    AskClosed,
    /// The process ended. `error` is the reason when it ended badly (or mid-turn).
    ProcessExited { error: Option<String> },
    /// The user killed the agent.
    Killed,
    /// The session was started again (resume) in a fresh process.
    Restarted,
}

/// The state machine: a lifecycle plus counts of pending blocking requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StateMachine {
    /// Base lifecycle.
    pub lifecycle: Lifecycle,
    /// Pending permission requests.
    pub pending_permissions: u32,
    /// Pending `ask_orchestrator` requests.
    pub pending_asks: u32,
}

impl StateMachine {
    /// A machine in the given lifecycle with nothing pending.
    pub fn with(lifecycle: Lifecycle) -> Self {
        Self {
            lifecycle,
            pending_permissions: 0,
            pending_asks: 0,
        }
    }

    /// The displayed state. Overlays only show while work is in progress.
    pub fn state(&self) -> AgentState {
        match self.lifecycle {
            Lifecycle::Running | Lifecycle::Idle if self.pending_permissions > 0 => {
                AgentState::AwaitingPermission
            }
            Lifecycle::Running | Lifecycle::Idle if self.pending_asks > 0 => AgentState::Waiting,
            Lifecycle::Idle => AgentState::Idle,
            Lifecycle::Running => AgentState::Running,
            Lifecycle::Done => AgentState::Done,
            Lifecycle::Error => AgentState::Error,
            Lifecycle::Killed => AgentState::Killed,
        }
    }

    /// Apply one input. Returns the error reason to record, if the input carries one.
    pub fn apply(&mut self, input: &StateInput) -> Option<String> {
        let lc = &mut self.lifecycle;
        match input {
            StateInput::TurnStarted => {
                // A killed process runs no turns; only a restart revives the agent.
                if *lc != Lifecycle::Killed {
                    *lc = Lifecycle::Running;
                }
                None
            }
            StateInput::WentIdle { error } => {
                // Idle with requests still pending cannot happen on the wire; the overlays
                // would be cleared by cancellations anyway.
                if *lc != Lifecycle::Killed {
                    *lc = if error.is_some() {
                        Lifecycle::Error
                    } else {
                        Lifecycle::Done
                    };
                }
                error.clone()
            }
            StateInput::PermissionOpened => {
                self.pending_permissions += 1;
                None
            }
            StateInput::PermissionClosed => {
                self.pending_permissions = self.pending_permissions.saturating_sub(1);
                None
            }
            StateInput::AskOpened => {
                self.pending_asks += 1;
                None
            }
            StateInput::AskClosed => {
                self.pending_asks = self.pending_asks.saturating_sub(1);
                None
            }
            StateInput::ProcessExited { error } => {
                self.pending_asks = 0;
                self.pending_permissions = 0;
                match (*lc, error) {
                    (Lifecycle::Killed, _) => None,
                    (_, Some(reason)) => {
                        *lc = Lifecycle::Error;
                        Some(reason.clone())
                    }
                    (Lifecycle::Running, None) => {
                        *lc = Lifecycle::Error;
                        Some("process exited mid-turn".to_owned())
                    }
                    (Lifecycle::Idle, None) => {
                        *lc = Lifecycle::Done;
                        None
                    }
                    (Lifecycle::Done | Lifecycle::Error, None) => None,
                }
            }
            StateInput::Killed => {
                self.pending_asks = 0;
                self.pending_permissions = 0;
                *lc = Lifecycle::Killed;
                Some("killed".to_owned())
            }
            StateInput::Restarted => {
                self.pending_asks = 0;
                self.pending_permissions = 0;
                *lc = Lifecycle::Idle;
                None
            }
        }
    }
}

/// How an agent's tool permissions are handled by the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PermissionMode {
    /// Ask the host for anything the CLI would ask about.
    #[default]
    Default,
    /// File edits in the cwd run without asking.
    AcceptEdits,
    /// Plan mode: the CLI asks the host about everything.
    Plan,
    /// Nothing asks (the CLI's bypassPermissions).
    #[serde(alias = "bypass")]
    BypassPermissions,
}

impl PermissionMode {
    /// The value of the CLI's `--permission-mode` flag.
    pub fn as_cli(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::AcceptEdits => "acceptEdits",
            Self::Plan => "plan",
            Self::BypassPermissions => "bypassPermissions",
        }
    }

    /// Parse the tool/CLI spelling (`bypass` is accepted for `bypassPermissions`).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "default" => Self::Default,
            "acceptEdits" => Self::AcceptEdits,
            "plan" => Self::Plan,
            "bypassPermissions" | "bypass" => Self::BypassPermissions,
            _ => return None,
        })
    }
}

/// Everything needed to start (and later resume) an agent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SpawnOptions {
    /// The first prompt.
    pub prompt: String,
    /// Working directory of the child.
    pub cwd: Option<PathBuf>,
    /// Model name passed as `--model`.
    pub model: Option<String>,
    /// Tools pre-approved through `--allowedTools`.
    pub allowed_tools: Option<Vec<String>>,
    /// Tools removed through `--disallowedTools`.
    pub disallowed_tools: Option<Vec<String>>,
    /// Text appended to the system prompt.
    pub system_prompt: Option<String>,
    /// Permission mode (`None` = the app's default).
    pub permission_mode: Option<PermissionMode>,
    /// Run in a fresh git worktree (`spawn_agent`'s `worktree`). Boxed: records stay small.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worktree: Option<Box<crate::core::worktree::WorktreeRequest>>,
}

/// One agent as persisted in `agents.json` and shown in the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRecord {
    /// Id (12 hex, or `orchestrator`).
    pub id: AgentId,
    /// Display name given at spawn (unique among live agents).
    pub name: String,
    /// Working directory.
    pub cwd: PathBuf,
    /// Current displayed state.
    pub state: AgentState,
    /// Why it is in `error`/`killed`, when it is.
    #[serde(default)]
    pub error: Option<String>,
    /// The CLI session id, once known (needed to resume).
    #[serde(default)]
    pub session_id: Option<String>,
    /// Options it was spawned with (resume reuses them).
    #[serde(default)]
    pub spawn_options: Option<SpawnOptions>,
    /// Model reported by the CLI (or requested).
    #[serde(default)]
    pub model: Option<String>,
    /// Total cost in USD over all turns.
    #[serde(default, alias = "cost")]
    pub cost_usd: f64,
    /// Input tokens over all turns.
    #[serde(default)]
    pub tokens_in: u64,
    /// Output tokens over all turns.
    #[serde(default)]
    pub tokens_out: u64,
    /// When it was spawned.
    pub started_at: Epoch,
    /// When its work last settled (cleared when a new turn starts).
    #[serde(default)]
    pub ended_at: Option<Epoch>,
    /// Last time anything happened.
    #[serde(default)]
    pub last_activity: Option<Epoch>,
    /// Hidden from the table by default.
    #[serde(default)]
    pub archived: bool,
    /// The tool currently running, if any (not persisted meaningfully; cleared on settle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_tool: Option<String>,
    /// The git worktree it runs in, when spawned with `worktree`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worktree: Option<Box<crate::core::worktree::WorktreeInfo>>,
}

impl AgentRecord {
    /// A record as it starts: no session, no cost, nothing settled, not archived.
    pub fn new(
        id: AgentId,
        name: impl Into<String>,
        cwd: impl Into<PathBuf>,
        state: AgentState,
        started_at: Epoch,
    ) -> Self {
        Self {
            id,
            name: name.into(),
            cwd: cwd.into(),
            state,
            error: None,
            session_id: None,
            spawn_options: None,
            model: None,
            cost_usd: 0.0,
            tokens_in: 0,
            tokens_out: 0,
            started_at,
            ended_at: None,
            last_activity: None,
            archived: false,
            current_tool: None,
            worktree: None,
        }
    }

    /// Seconds of work: until `ended_at` when settled, else until `now`.
    pub fn elapsed(&self, now: Epoch) -> f64 {
        self.ended_at.unwrap_or(now) - self.started_at
    }

    /// The prompt it was spawned with, if recorded.
    pub fn prompt(&self) -> Option<&str> {
        self.spawn_options.as_ref().map(|o| o.prompt.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AgentState as S;
    use StateInput as I;

    fn run(inputs: &[StateInput]) -> Vec<AgentState> {
        let mut m = StateMachine::default();
        inputs
            .iter()
            .map(|i| {
                m.apply(i);
                m.state()
            })
            .collect()
    }

    #[test]
    fn simple_turn() {
        assert_eq!(
            run(&[I::TurnStarted, I::WentIdle { error: None }]),
            vec![S::Running, S::Done]
        );
    }

    #[test]
    fn error_turn_then_new_turn_runs_again() {
        assert_eq!(
            run(&[
                I::TurnStarted,
                I::WentIdle {
                    error: Some("API Error".into())
                },
                I::TurnStarted,
                I::WentIdle { error: None }
            ]),
            vec![S::Running, S::Error, S::Running, S::Done]
        );
    }

    #[test]
    fn permission_overlay_restores_running() {
        assert_eq!(
            run(&[I::TurnStarted, I::PermissionOpened, I::PermissionClosed]),
            vec![S::Running, S::AwaitingPermission, S::Running]
        );
    }

    #[test]
    fn overlays_compose_in_any_order() {
        // running -> waiting -> awaiting_permission -> waiting -> running
        assert_eq!(
            run(&[
                I::TurnStarted,
                I::AskOpened,
                I::PermissionOpened,
                I::PermissionClosed,
                I::AskClosed
            ]),
            vec![
                S::Running,
                S::Waiting,
                S::AwaitingPermission,
                S::Waiting,
                S::Running
            ]
        );
        // the predecessor's stale edge: the ask resolves while a permission shows
        assert_eq!(
            run(&[
                I::TurnStarted,
                I::AskOpened,
                I::PermissionOpened,
                I::AskClosed,
                I::PermissionClosed
            ]),
            vec![
                S::Running,
                S::Waiting,
                S::AwaitingPermission,
                S::AwaitingPermission,
                S::Running
            ]
        );
    }

    #[test]
    fn two_permissions_need_two_answers() {
        assert_eq!(
            run(&[
                I::TurnStarted,
                I::PermissionOpened,
                I::PermissionOpened,
                I::PermissionClosed,
                I::PermissionClosed
            ]),
            vec![
                S::Running,
                S::AwaitingPermission,
                S::AwaitingPermission,
                S::AwaitingPermission,
                S::Running
            ]
        );
    }

    #[test]
    fn crash_mid_turn_is_error_and_clears_overlays() {
        let mut m = StateMachine::default();
        m.apply(&I::TurnStarted);
        m.apply(&I::PermissionOpened);
        let reason = m.apply(&I::ProcessExited { error: None });
        assert_eq!(m.state(), S::Error);
        assert_eq!(reason.as_deref(), Some("process exited mid-turn"));
        assert_eq!(m.pending_permissions, 0);
    }

    #[test]
    fn clean_exit_after_done_keeps_done() {
        assert_eq!(
            run(&[
                I::TurnStarted,
                I::WentIdle { error: None },
                I::ProcessExited { error: None }
            ]),
            vec![S::Running, S::Done, S::Done]
        );
    }

    #[test]
    fn killed_is_sticky_until_restart() {
        assert_eq!(
            run(&[
                I::TurnStarted,
                I::AskOpened,
                I::Killed,
                I::ProcessExited {
                    error: Some("signal 15".into())
                },
                I::WentIdle { error: None },
                I::Restarted,
                I::TurnStarted
            ]),
            vec![
                S::Running,
                S::Waiting,
                S::Killed,
                S::Killed,
                S::Killed,
                S::Idle,
                S::Running
            ]
        );
    }

    /// Every sequence of up to 6 inputs: the invariants hold after each step.
    #[test]
    fn exhaustive_sequences_keep_the_invariants() {
        let inputs = [
            I::TurnStarted,
            I::WentIdle { error: None },
            I::WentIdle {
                error: Some("e".into()),
            },
            I::PermissionOpened,
            I::PermissionClosed,
            I::AskOpened,
            I::AskClosed,
            I::ProcessExited { error: None },
            I::ProcessExited {
                error: Some("x".into()),
            },
            I::Killed,
            I::Restarted,
        ];
        let n = inputs.len();
        let mut checked = 0u64;
        for len in 1..=6u32 {
            for code in 0..n.pow(len) {
                let mut m = StateMachine::default();
                let mut c = code;
                let mut killed = false;
                for _ in 0..len {
                    let input = &inputs[c % n];
                    c /= n;
                    let before = m;
                    m.apply(input);
                    match input {
                        I::Killed => killed = true,
                        I::Restarted => killed = false,
                        _ => {}
                    }
                    let live = matches!(m.lifecycle, Lifecycle::Idle | Lifecycle::Running);
                    let expect = match m.lifecycle {
                        _ if live && m.pending_permissions > 0 => S::AwaitingPermission,
                        _ if live && m.pending_asks > 0 => S::Waiting,
                        Lifecycle::Idle => S::Idle,
                        Lifecycle::Running => S::Running,
                        Lifecycle::Done => S::Done,
                        Lifecycle::Error => S::Error,
                        Lifecycle::Killed => S::Killed,
                    };
                    assert_eq!(m.state(), expect, "{before:?} + {input:?}");
                    assert_eq!(
                        killed,
                        m.lifecycle == Lifecycle::Killed,
                        "killed is sticky until restart"
                    );
                    if matches!(input, I::ProcessExited { .. } | I::Killed | I::Restarted) {
                        assert_eq!((m.pending_asks, m.pending_permissions), (0, 0));
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 1_000_000);
    }

    #[test]
    fn every_state_name_round_trips() {
        for s in [
            S::Idle,
            S::Running,
            S::Waiting,
            S::AwaitingPermission,
            S::Done,
            S::Error,
            S::Killed,
        ] {
            assert_eq!(AgentState::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(AgentState::parse("bogus"), None);
    }

    #[test]
    fn urgency_puts_permission_first() {
        let mut all = [
            S::Done,
            S::Running,
            S::AwaitingPermission,
            S::Idle,
            S::Waiting,
            S::Error,
        ];
        all.sort_by_key(|s| s.urgency());
        assert_eq!(all[0], S::AwaitingPermission);
        assert_eq!(all[1], S::Waiting);
    }
}

//! Facts an agent process reports, independent of the harness's wire format.

use crate::core::permission::PermissionRequest;
use crate::core::transcript::TranscriptItem;
use serde_json::Value;

/// The CLI's own view of whether it has work (`session_state_changed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionActivity {
    /// Working on a turn.
    Running,
    /// Blocked on the host (a permission).
    RequiresAction,
    /// Nothing left to do.
    Idle,
}

/// Usage and cost of one turn. The CLI's `result.total_cost_usd` is the session's running
/// total (verified on CLI 2.1.330: it grows per turn and carries across `--resume`), while
/// `usage` is per turn; `claude::to_domain::LineParser` turns the total into this per-turn
/// cost, so totals here are sums.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TurnOutcome {
    /// Whether the turn failed.
    pub is_error: bool,
    /// Result text, or the error summary.
    pub text: String,
    /// Cost of this turn.
    pub cost_usd: f64,
    /// Input tokens (including cache reads/creation).
    pub tokens_in: u64,
    /// Output tokens.
    pub tokens_out: u64,
    /// Session id reported with the result.
    pub session_id: Option<String>,
}

/// One fact from an agent process.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentEvent {
    /// `system/init`: the session id, model and cwd the CLI runs with (once per turn).
    SessionInit {
        /// Session id.
        session_id: String,
        /// Model.
        model: Option<String>,
    },
    /// `session_state_changed`.
    Activity(SessionActivity),
    /// Something to record in the transcript.
    Transcript(TranscriptItem),
    /// The turn ended.
    TurnEnded(TurnOutcome),
    /// The CLI asks whether a tool may run.
    PermissionRequested(PermissionRequest),
    /// The CLI withdrew one of its control requests (e.g. after an interrupt).
    RequestCancelled {
        /// The control request id.
        request_id: String,
    },
    /// The CLI calls one of our in-process MCP servers (JSON-RPC message to answer).
    McpMessage {
        /// Control request id to answer.
        request_id: String,
        /// MCP server name.
        server: String,
        /// The JSON-RPC message.
        message: Value,
    },
    /// The CLI answered one of our control requests.
    ControlResponse {
        /// Our request id.
        request_id: String,
        /// The response body, or the error text.
        result: Result<Value, String>,
    },
    /// A control request we do not handle (must be answered with an error).
    UnsupportedRequest {
        /// Control request id.
        request_id: String,
        /// Its subtype.
        subtype: String,
    },
}

//! A scripted stand-in for the Claude Code CLI speaking its stream-json + control protocol (tests, --demo).
//!
//! Run as `patchfeld fake-agent --scenario FILE [claude CLI flags…]`. Every real CLI flag is
//! accepted; `--model`, `--permission-mode`, `--resume=`, `--session-id=`, `--mcp-config`,
//! `--allowedTools`, `--disallowedTools` and `--(allow-)dangerously-skip-permissions` are honoured,
//! the rest ignored. The lines it prints follow `claude-protocol.md` (CLI 2.1.330).
//!
//! # Protocol behaviour
//! * Start-up: for each `type:"sdk"` server in `--mcp-config` it runs the MCP handshake through
//!   `mcp_message` control requests (`initialize`, `notifications/initialized`, `tools/list`), as
//!   the real CLI does before the first turn. A server that does not answer within 30 s is reported
//!   `failed` in `system/init`. User lines arriving meanwhile are queued.
//! * Each `user` line is a turn: `session_state_changed running` (only when coming from idle),
//!   `system/init`, the script's steps, `result`, then `session_state_changed idle` once no queued
//!   message is left. User lines arriving mid-turn are queued and run as their own turns, in order.
//! * Host control requests are answered at once by the stdin thread: `initialize`, `interrupt`
//!   (`{"still_queued":[]}`, then the running turn aborts), `set_permission_mode` (followed by
//!   `system/status`), `set_model`, `mcp_status`; anything else gets
//!   `Unsupported control request subtype: x`.
//! * Interrupt: a pending `can_use_tool` / `mcp_message` request is withdrawn with
//!   `control_cancel_request`, the tool gets the CLI's canned rejection, a user line
//!   `[Request interrupted by user for tool use]` (or `[Request interrupted by user]` when no tool
//!   was pending) follows, and the result is `error_during_execution` with `terminal_reason`
//!   `aborted_tools` / `aborted_streaming`. Queued messages still run afterwards.
//! * stdin EOF when idle: exit 0, or 1 when the last result had `is_error: true`. EOF while a
//!   request is pending fails that tool ("…stream closed before response received") and the turn
//!   finishes first. Unknown or unparsable stdin lines are reported on stderr and ignored.
//! * Session id: `--resume=` or `--session-id=` value, else a fresh UUID. With env
//!   `PATCHFELD_FAKE_SESSIONS_DIR`, user messages are stored per session (`<dir>/<id>.json`); a
//!   `--resume=` of an unknown id then fails like the CLI: after the first user line, one
//!   `result` (`error_during_execution`, `errors: ["No conversation found with session ID: <id>"]`)
//!   and exit 1.
//! * Env `PATCHFELD_FAKE_ARGV_LOG`: at start, one JSON line `{"pid","pgid","args","cwd"}` is appended.
//!
//! # Scenario file
//! ```json
//! {"version": 1, "model": "claude-fake-1", "description": "optional",
//!  "scripts": [{"match": "substring or *", "name": "optional", "turns": [[step, …], [step, …]]}]}
//! ```
//! The script is chosen by the session's FIRST user message (the stored first message when
//! resuming with a sessions dir): the first script whose `match` is a substring of it, `*` matching
//! all. The k-th user message of the session runs `turns[k]`; the last turn repeats.
//! Steps (exactly one kind key each; a malformed file → a `$.scripts[i].turns[t][s]…` error on
//! stderr and exit 2):
//! * `{"text": "…"}`, `{"thinking": "…"}` — one assistant line per block (same `message.id`
//!   until a tool result goes back, like one API response).
//! * `{"tool": "Bash", "input": {…}, "ask": false, "result": "…", "is_error": false,
//!   "blocked_path": "…", "permission_suggestions": […], "apply": false}` — assistant `tool_use`;
//!   with `ask` (and unless `--allowedTools`, `bypassPermissions`, or `acceptEdits` for edit tools
//!   pre-approve it) a `can_use_tool` request between `requires_action` / `running` state changes.
//!   Allow → tool_result `result` (plus `(ran with updated input: …)` when `updatedInput` changed
//!   it); deny → error tool_result with the message (and `permission_denials` in the result);
//!   deny with `interrupt: true` → the turn aborts; an error answer →
//!   `Tool permission request failed: Error: …`. `apply` (Write only) really writes
//!   `input.content` to `input.file_path` under cwd. A `--disallowedTools` tool fails with
//!   "No such tool available".
//! * `{"mcp": {"server": "s", "tool": "t", "arguments": {…}}, "ask": false}` — tool_use
//!   `mcp__s__t`, then an `mcp_message` `tools/call`; waits indefinitely (interruptible); the
//!   tool_result carries the returned `content` and `isError`. The server must be an sdk server
//!   of `--mcp-config`.
//! * `{"sleep_ms": N}` — interruptible pause; `{"wait_for_interrupt": true}` — blocks until an
//!   interrupt (or stdin EOF).
//! * `{"garbage": "raw line"}` on stdout; `{"stderr": "line"}`; `{"exit": code}` exits at once.
//! * `{"error_result": "API Error: 500 boom"}` — the CLI's synthetic API-error assistant line; the
//!   turn ends there with `is_error: true`, `result` = the text, `terminal_reason: "api_error"`.
//! * `{"usage": {"input_tokens": N, "output_tokens": M, "cost_usd": X}}` — this turn's reported
//!   usage; by default `1000·calls + prompt/4` in, `20·calls + text/4` out at $3/$15 per Mtok.
//! * `{"say_history": true}` — text `history: <n> messages: <m1> | <m2>…` (the session's earlier
//!   user messages); `{"echo": true}` — text equal to this turn's user message.
//! * Fault injection (tests/faults.rs): `{"raw_bytes": [0xff, …]}` — those bytes verbatim on
//!   stdout (no newline added); `{"huge_line": N}` — one stdout line of N bytes;
//!   `{"close_stdout": true}` — stdout becomes /dev/null and the script carries on;
//!   `{"hang_control": true}` — from then on control requests go unanswered, stdin EOF and
//!   SIGTERM are ignored and the script blocks forever (only SIGKILL ends it);
//!   `{"stderr_flood": N}` — about N bytes of numbered stderr lines `flood <k> …`, then
//!   `flood end`; `{"split_writes": N}` — from then on stdout goes out N bytes per write.
//! * `{"seq": N}` — N text blocks `seq <k>`, `k` counting from 0 across the process (soak tests
//!   check for lost or duplicated lines).
//! * `{"burst": N}` — N text blocks `burst <k>: …` (≈ 90 characters), written 64 KiB at a time
//!   (bulk ingest for `scripts/bench`; interruptible between chunks).

mod args;
mod runner;
mod scenario;
mod sessions;
mod wire;

pub use scenario::{Scenario, ScenarioError};

use std::ffi::OsString;
use std::io::Write;

/// The built-in `--demo` scenario (assets/demo/scenario.json).
pub const DEMO_SCENARIO: &str = include_str!("../../assets/demo/scenario.json");

/// Entry point of `patchfeld fake-agent …`; `args` are the arguments after `fake-agent`.
/// Returns the process exit code.
pub fn run(args: Vec<OsString>) -> i32 {
    log_argv(&args);
    let parsed = match args::FakeArgs::parse(&args) {
        Ok(a) => a,
        Err(e) => {
            runner::warn(&e);
            return 1;
        }
    };
    if let Some(mode) = &parsed.permission_mode
        && !runner::PERMISSION_MODES.contains(&mode.as_str())
    {
        runner::warn(&format!(
            "error: option '--permission-mode <mode>' argument '{mode}' is invalid. Allowed choices are {}.",
            runner::PERMISSION_MODES.join(", ")
        ));
        return 1;
    }
    let Some(path) = parsed.scenario.clone() else {
        runner::warn("fake-agent: --scenario FILE is required");
        return 2;
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            runner::warn(&format!(
                "fake-agent: cannot read scenario {}: {e}",
                path.display()
            ));
            return 2;
        }
    };
    let scenario = match Scenario::parse(&text) {
        Ok(s) => s,
        Err(e) => {
            runner::warn(&format!(
                "fake-agent: invalid scenario {}: {e}",
                path.display()
            ));
            return 2;
        }
    };
    runner::serve(parsed, scenario)
}

/// Appends `{"pid","pgid","args","cwd"}` to `$PATCHFELD_FAKE_ARGV_LOG` so tests can check what the
/// engine launched and that the process group died with it.
fn log_argv(args: &[OsString]) {
    let Some(path) = std::env::var_os("PATCHFELD_FAKE_ARGV_LOG").filter(|p| !p.is_empty()) else {
        return;
    };
    // SAFETY: getpgrp takes no arguments, cannot fail and touches no memory of ours.
    let pgid = unsafe { libc::getpgrp() };
    let line = serde_json::json!({
        "pid": std::process::id(),
        "pgid": pgid,
        "args": args.iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>(),
        "cwd": std::env::current_dir().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default(),
    });
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        // One write call per line keeps concurrent agents' lines whole (O_APPEND).
        .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()));
    if let Err(e) = written {
        runner::warn(&format!(
            "fake-agent: cannot append to PATCHFELD_FAKE_ARGV_LOG: {e}"
        ));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn demo_scenario_is_valid_and_routes_agents() {
        let s = Scenario::parse(DEMO_SCENARIO).unwrap();
        let orch = s.pick("Show me a patchfeld demo").unwrap();
        let spawns = orch
            .turn(0)
            .iter()
            .filter(|st| matches!(st, scenario::Step::Mcp(m) if m.tool == "spawn_agent"));
        assert_eq!(spawns.count(), 2);
        for step in orch.turn(0) {
            if let scenario::Step::Mcp(m) = step {
                let prompt = m.arguments["prompt"].as_str().unwrap();
                let child = s.pick(prompt).unwrap();
                assert!(
                    !std::ptr::eq(child, orch),
                    "child prompt {prompt:?} routes to the orchestrator"
                );
                assert_ne!(
                    child.pattern, "*",
                    "child prompt {prompt:?} falls through to the catch-all"
                );
            }
        }
        let asks = s
            .scripts
            .iter()
            .flat_map(|sc| sc.turns.iter().flatten())
            .filter(|st| matches!(st, scenario::Step::Tool(t) if t.ask))
            .count();
        assert_eq!(asks, 1, "the demo asks exactly one permission");
        // Paced so a human sees it stream, short enough to finish within ten seconds or so.
        for sc in &s.scripts {
            let paused: u64 = sc
                .turn(0)
                .iter()
                .map(|st| match st {
                    scenario::Step::SleepMs(ms) => *ms,
                    _ => 0,
                })
                .sum();
            assert!(
                (150..=10_000).contains(&paused),
                "{}: {paused} ms",
                sc.pattern
            );
        }
    }
}

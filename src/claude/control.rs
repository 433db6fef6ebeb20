//! Host-initiated control requests, and the command line / environment the CLI is launched with.

use crate::core::agent::{PermissionMode, SpawnOptions};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

/// Flags every launch passes (claude-protocol.md §1): NDJSON both ways. `--verbose` is
/// mandatory with stream-json output in print mode; `-p` is implied by piped stdin.
pub const BASE_FLAGS: [&str; 5] = [
    "--output-format",
    "stream-json",
    "--verbose",
    "--input-format",
    "stream-json",
];

/// Routes permission prompts to us as `can_use_tool` control requests.
pub const PERMISSION_PROMPT_FLAGS: [&str; 2] = ["--permission-prompt-tool", "stdio"];

/// Enables `system/session_state_changed`, the reliable "nothing left to do" signal.
pub const ENV_SDK_READS_SESSION_STATE: &str = "CLAUDE_CODE_SDK_READS_SESSION_STATE";
/// Identifies the embedding host; only changes the user-agent / billing header text.
pub const ENV_ENTRYPOINT: &str = "CLAUDE_CODE_ENTRYPOINT";
/// `false` lists MCP tools directly in the API `tools` instead of deferring them to ToolSearch.
pub const ENV_ENABLE_TOOL_SEARCH: &str = "ENABLE_TOOL_SEARCH";
/// Lets `bypassPermissions` run as root (the CLI refuses otherwise). Not set by
/// [`child_env`]: whether to claim a sandbox is the user's call, not ours.
pub const ENV_IS_SANDBOX: &str = "IS_SANDBOX";

/// Environment variables to set on every child (the rest is inherited).
pub fn child_env() -> Vec<(&'static str, &'static str)> {
    vec![
        (ENV_SDK_READS_SESSION_STATE, "1"),
        // The value the official Python SDK sets: we drive the CLI exactly the way it does, so
        // we present ourselves the same way rather than inventing a value the CLI may not know.
        (ENV_ENTRYPOINT, "sdk-py"),
        // Our child tools (notify/ask_orchestrator) must be directly callable; deferred tools
        // cost the model an extra ToolSearch round-trip and were easy for it to miss.
        (ENV_ENABLE_TOOL_SEARCH, "false"),
    ]
}

static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

/// A fresh host request id, `req_<n>_<8 hex>` like the SDK's (unique per process).
pub fn next_request_id() -> String {
    let n = NEXT_REQUEST.fetch_add(1, Ordering::Relaxed);
    format!("req_{n}_{}", crate::core::ids::random_hex(8))
}

/// `interrupt`: stop the current turn (answered at once, even when idle).
pub fn interrupt() -> Value {
    json!({"subtype": "interrupt"})
}

/// `initialize`: optional; needed only to register hooks (`hooks` map, claude-protocol.md §6.3).
pub fn initialize(hooks: Option<Value>) -> Value {
    json!({"subtype": "initialize", "hooks": hooks})
}

/// `set_permission_mode`. Switching to `bypassPermissions` needs the process to have been
/// launched with `--allow-dangerously-skip-permissions`.
pub fn set_permission_mode(mode: PermissionMode) -> Value {
    json!({"subtype": "set_permission_mode", "mode": mode.as_cli()})
}

/// `set_model`: the next API call uses `model`.
pub fn set_model(model: &str) -> Value {
    json!({"subtype": "set_model", "model": model})
}

/// The name the model sees for tool `tool` of MCP server `server`.
pub fn mcp_tool_name(server: &str, tool: &str) -> String {
    format!("mcp__{server}__{tool}")
}

/// The `--mcp-config` value declaring one in-process (`sdk`) server.
pub fn sdk_mcp_config(server: &str) -> String {
    json!({"mcpServers": {server: {"type": "sdk", "name": server}}}).to_string()
}

/// What [`cli_args`] needs to build a command line.
#[derive(Debug, Clone, Copy)]
pub struct CliArgsInput<'a> {
    /// Name of the in-process MCP server to declare (`patchfeld_child`, …).
    pub mcp_server: &'a str,
    /// Full tool names (`mcp__<server>__<tool>`) always added to `--allowedTools`.
    pub pre_allowed_tools: &'a [String],
    /// The agent's spawn options (prompt and cwd are not flags: they are the first user
    /// message and the process working directory).
    pub options: &'a SpawnOptions,
    /// Resume this session (`--resume=<id>`).
    pub resume: Option<&'a str>,
    /// Pre-assign this session id (`--session-id=<uuid>`; must be a canonical UUID).
    /// Ignored when `resume` is set: a resumed session keeps its id.
    pub session_id: Option<&'a str>,
}

/// The argument list (without the program) for launching the CLI.
///
/// `--permission-prompt-tool stdio` is passed in every mode, bypass included: in bypass the CLI
/// asks nothing for ordinary tools (claude-protocol.md §7), and the few tools that need a human
/// anyway (ExitPlanMode, `requires_user_interaction`) then reach us instead of failing.
/// In bypass we also pass `--allow-dangerously-skip-permissions`, so that a later
/// `set_permission_mode` back into bypass (after e.g. a plan-mode switch) is accepted (§6.1).
/// Only in bypass: as root without `IS_SANDBOX=1` that flag alone makes the CLI exit 1 ("cannot
/// be used with root/sudo privileges"), even in default mode (checked on 2.1.330); bypass
/// itself fails the same way there, so adding it costs nothing. The engine should show that
/// stderr line to the user.
pub fn cli_args(input: &CliArgsInput<'_>) -> Vec<String> {
    let mut args: Vec<String> = BASE_FLAGS.iter().map(|s| (*s).to_owned()).collect();
    args.extend(PERMISSION_PROMPT_FLAGS.iter().map(|s| (*s).to_owned()));
    args.push("--mcp-config".into());
    args.push(sdk_mcp_config(input.mcp_server));

    let opts = input.options;
    if let Some(model) = opts.model.as_deref().filter(|m| !m.is_empty()) {
        args.push("--model".into());
        args.push(model.to_owned());
    }
    let mut allowed: Vec<&str> = input.pre_allowed_tools.iter().map(String::as_str).collect();
    for t in opts.allowed_tools.iter().flatten() {
        if !t.is_empty() && !allowed.contains(&t.as_str()) {
            allowed.push(t);
        }
    }
    if !allowed.is_empty() {
        args.push("--allowedTools".into());
        args.push(allowed.join(","));
    }
    let disallowed: Vec<&str> = opts
        .disallowed_tools
        .iter()
        .flatten()
        .map(String::as_str)
        .filter(|t| !t.is_empty())
        .collect();
    if !disallowed.is_empty() {
        args.push("--disallowedTools".into());
        args.push(disallowed.join(","));
    }
    if let Some(sp) = opts.system_prompt.as_deref().filter(|s| !s.is_empty()) {
        args.push("--append-system-prompt".into());
        args.push(sp.to_owned());
    }
    if let Some(mode) = opts.permission_mode {
        args.push("--permission-mode".into());
        args.push(mode.as_cli().to_owned());
        match mode {
            PermissionMode::BypassPermissions => {
                args.push("--allow-dangerously-skip-permissions".into());
            }
            PermissionMode::Default | PermissionMode::AcceptEdits | PermissionMode::Plan => {}
        }
    }
    // `=` keeps an id starting with `-` from being read as a flag (the SDK does the same).
    if let Some(id) = input.resume {
        args.push(format!("--resume={id}"));
    } else if let Some(id) = input.session_id {
        args.push(format!("--session-id={id}"));
    }
    args
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn value_after<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
        let i = args.iter().position(|a| a == flag)?;
        args.get(i + 1).map(String::as_str)
    }

    #[test]
    fn request_ids_are_unique_and_shaped() {
        let a = next_request_id();
        let b = next_request_id();
        assert_ne!(a, b);
        let parts: Vec<&str> = a.split('_').collect();
        assert_eq!(parts.len(), 3, "{a}");
        assert_eq!(parts[0], "req");
        assert!(parts[1].parse::<u64>().is_ok());
        assert_eq!(parts[2].len(), 8);
        assert!(parts[2].bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn minimal_args_have_the_protocol_flags_and_the_mcp_server() {
        let opts = SpawnOptions::default();
        let args = cli_args(&CliArgsInput {
            mcp_server: "patchfeld_child",
            pre_allowed_tools: &[],
            options: &opts,
            resume: None,
            session_id: None,
        });
        assert_eq!(
            &args[..7],
            &[
                "--output-format",
                "stream-json",
                "--verbose",
                "--input-format",
                "stream-json",
                "--permission-prompt-tool",
                "stdio"
            ]
        );
        let cfg: Value = serde_json::from_str(value_after(&args, "--mcp-config").unwrap()).unwrap();
        assert_eq!(
            cfg,
            json!({"mcpServers":{"patchfeld_child":{"type":"sdk","name":"patchfeld_child"}}})
        );
        assert!(!args.contains(&"--allowedTools".to_owned()));
        assert!(!args.iter().any(|a| a.starts_with("--resume")));
        assert_eq!(args.len(), 9);
    }

    #[test]
    fn full_args_merge_allowed_tools_and_use_equals_for_ids() {
        let opts = SpawnOptions {
            prompt: "hi".into(),
            model: Some("claude-sonnet-5-5".into()),
            allowed_tools: Some(vec!["Bash".into(), "mcp__patchfeld_child__ask".into()]),
            disallowed_tools: Some(vec!["WebFetch".into(), "WebSearch".into()]),
            system_prompt: Some("be brief".into()),
            permission_mode: Some(PermissionMode::AcceptEdits),
            ..SpawnOptions::default()
        };
        let pre = vec![
            "mcp__patchfeld_child__notify".to_owned(),
            "mcp__patchfeld_child__ask".to_owned(),
        ];
        let args = cli_args(&CliArgsInput {
            mcp_server: "patchfeld_child",
            pre_allowed_tools: &pre,
            options: &opts,
            resume: Some("-abc"),
            session_id: Some("ignored"),
        });
        assert_eq!(value_after(&args, "--model"), Some("claude-sonnet-5-5"));
        assert_eq!(
            value_after(&args, "--allowedTools"),
            Some("mcp__patchfeld_child__notify,mcp__patchfeld_child__ask,Bash")
        );
        assert_eq!(
            value_after(&args, "--disallowedTools"),
            Some("WebFetch,WebSearch")
        );
        assert_eq!(
            value_after(&args, "--append-system-prompt"),
            Some("be brief")
        );
        assert_eq!(value_after(&args, "--permission-mode"), Some("acceptEdits"));
        assert!(args.contains(&"--resume=-abc".to_owned()));
        assert!(!args.iter().any(|a| a.starts_with("--session-id")));
        assert!(!args.contains(&"--allow-dangerously-skip-permissions".to_owned()));
        assert!(!args.contains(&"hi".to_owned()), "the prompt is not a flag");
    }

    #[test]
    fn bypass_keeps_stdio_and_allows_switching_back() {
        let opts = SpawnOptions {
            permission_mode: Some(PermissionMode::BypassPermissions),
            ..SpawnOptions::default()
        };
        let args = cli_args(&CliArgsInput {
            mcp_server: "s",
            pre_allowed_tools: &[],
            options: &opts,
            resume: None,
            session_id: Some("0b5c6a3e-8a43-4d0f-9d0e-2f0a4d1b7c11"),
        });
        assert_eq!(
            value_after(&args, "--permission-mode"),
            Some("bypassPermissions")
        );
        assert!(args.contains(&"--allow-dangerously-skip-permissions".to_owned()));
        assert_eq!(
            value_after(&args, "--permission-prompt-tool"),
            Some("stdio")
        );
        assert!(args.contains(&"--session-id=0b5c6a3e-8a43-4d0f-9d0e-2f0a4d1b7c11".to_owned()));
    }

    #[test]
    fn request_bodies_and_env() {
        assert_eq!(interrupt(), json!({"subtype":"interrupt"}));
        assert_eq!(
            initialize(None),
            json!({"subtype":"initialize","hooks":null})
        );
        assert_eq!(
            set_permission_mode(PermissionMode::Plan),
            json!({"subtype":"set_permission_mode","mode":"plan"})
        );
        assert_eq!(mcp_tool_name("a", "b"), "mcp__a__b");
        let env = child_env();
        assert!(env.contains(&("CLAUDE_CODE_SDK_READS_SESSION_STATE", "1")));
        assert!(env.iter().all(|(k, _)| *k != ENV_IS_SANDBOX));
    }
}

//! The fake agent's command line: `--scenario FILE` plus every Claude Code CLI flag, accepted and recorded.

use serde_json::Value;
use std::ffi::OsString;
use std::path::PathBuf;

/// What the fake agent takes from its command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FakeArgs {
    /// `--scenario FILE`.
    pub scenario: Option<PathBuf>,
    /// `--model M`.
    pub model: Option<String>,
    /// `--permission-mode M`.
    pub permission_mode: Option<String>,
    /// `--resume=ID`.
    pub resume: Option<String>,
    /// `--session-id=ID`.
    pub session_id: Option<String>,
    /// SDK MCP server names from `--mcp-config` (`type: "sdk"`), in file order.
    pub sdk_servers: Vec<String>,
    /// Other MCP server names from `--mcp-config` (shown as failed: the fake cannot run them).
    pub other_servers: Vec<String>,
    /// `--allowedTools` entries.
    pub allowed_tools: Vec<String>,
    /// `--disallowedTools` entries.
    pub disallowed_tools: Vec<String>,
    /// `--allow-dangerously-skip-permissions` / `--dangerously-skip-permissions`.
    pub may_bypass: bool,
}

/// Flags of the real CLI that take a value (given as `--flag VALUE` or `--flag=VALUE`).
const VALUE_FLAGS: &[&str] = &[
    "--scenario",
    "--output-format",
    "--input-format",
    "--permission-prompt-tool",
    "--mcp-config",
    "--allowedTools",
    "--allowed-tools",
    "--disallowedTools",
    "--disallowed-tools",
    "--tools",
    "--model",
    "--fallback-model",
    "--append-system-prompt",
    "--system-prompt",
    "--permission-mode",
    "--resume",
    "-r",
    "--session-id",
    "--max-turns",
    "--max-thinking-tokens",
    "--add-dir",
    "--settings",
    "--setting-sources",
    "--agents",
    "--betas",
    "--resume-session-at",
    "--debug-file",
    "--effort",
];

impl FakeArgs {
    /// Parses the arguments after `fake-agent`. Unknown flags are ignored, as the real CLI's
    /// unknown-but-valid flags would be to us; a missing value is the only error.
    pub fn parse(args: &[OsString]) -> Result<Self, String> {
        let mut out = FakeArgs::default();
        let mut i = 0;
        while i < args.len() {
            let arg = args[i].to_string_lossy().into_owned();
            i += 1;
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with('-') => (f.to_owned(), Some(v.to_owned())),
                _ => (arg.clone(), None),
            };
            if !flag.starts_with('-') {
                continue;
            }
            let takes_value = VALUE_FLAGS.contains(&flag.as_str());
            let value = if let Some(v) = inline {
                Some(v)
            } else if takes_value {
                let v = args
                    .get(i)
                    .map(|v| v.to_string_lossy().into_owned())
                    .ok_or_else(|| format!("error: option '{flag} <value>' argument missing"))?;
                i += 1;
                Some(v)
            } else {
                None
            };
            let value_str = value.clone().unwrap_or_default();
            match flag.as_str() {
                "--scenario" => out.scenario = Some(PathBuf::from(value_str)),
                "--model" => out.model = Some(value_str),
                "--permission-mode" => out.permission_mode = Some(value_str),
                "--resume" | "-r" => out.resume = Some(value_str),
                "--session-id" => out.session_id = Some(value_str),
                "--allowedTools" | "--allowed-tools" => {
                    out.allowed_tools.extend(split_list(&value_str))
                }
                "--disallowedTools" | "--disallowed-tools" => {
                    out.disallowed_tools.extend(split_list(&value_str));
                }
                "--allow-dangerously-skip-permissions" | "--dangerously-skip-permissions" => {
                    out.may_bypass = true;
                }
                "--mcp-config" => out.read_mcp_config(&value_str)?,
                _ => {}
            }
        }
        Ok(out)
    }

    fn read_mcp_config(&mut self, text: &str) -> Result<(), String> {
        let parsed: Value = serde_json::from_str(text)
            .or_else(|_| {
                // The real CLI also accepts a path to a JSON file.
                std::fs::read_to_string(text)
                    .map_err(|e| e.to_string())
                    .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
            })
            .map_err(|e| format!("Error: Invalid MCP configuration: {e}"))?;
        if let Some(servers) = parsed.get("mcpServers").and_then(Value::as_object) {
            for (name, cfg) in servers {
                if cfg.get("type").and_then(Value::as_str) == Some("sdk") {
                    self.sdk_servers.push(name.clone());
                } else {
                    self.other_servers.push(name.clone());
                }
            }
        }
        Ok(())
    }

    /// Whether `--allowedTools` pre-approves `tool` (exact name, or a `prefix*` pattern).
    pub fn is_allowed(&self, tool: &str) -> bool {
        self.allowed_tools
            .iter()
            .any(|rule| match rule.strip_suffix('*') {
                Some(prefix) if !rule.contains('(') => tool.starts_with(prefix),
                _ => rule == tool,
            })
    }

    /// Whether `--disallowedTools` removes `tool`.
    pub fn is_disallowed(&self, tool: &str) -> bool {
        self.disallowed_tools.iter().any(|r| r == tool)
    }
}

fn split_list(v: &str) -> impl Iterator<Item = String> + '_ {
    v.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn accepts_the_flags_the_engine_passes() {
        let a = FakeArgs::parse(&os(&[
            "--scenario",
            "s.json",
            "--output-format",
            "stream-json",
            "--verbose",
            "--input-format",
            "stream-json",
            "--permission-prompt-tool",
            "stdio",
            "--mcp-config",
            r#"{"mcpServers":{"patchfeld_child":{"type":"sdk","name":"patchfeld_child"},"x":{"command":"y"}}}"#,
            "--allowedTools",
            "Read,mcp__patchfeld_child__*",
            "--disallowedTools",
            "WebFetch",
            "--model",
            "claude-sonnet-5-5",
            "--append-system-prompt",
            "--be nice",
            "--permission-mode",
            "acceptEdits",
            "--resume=-abc",
            "--session-id=123",
            "--include-partial-messages",
            "--future-flag",
        ]))
        .unwrap();
        assert_eq!(a.scenario, Some(PathBuf::from("s.json")));
        assert_eq!(a.model.as_deref(), Some("claude-sonnet-5-5"));
        assert_eq!(a.permission_mode.as_deref(), Some("acceptEdits"));
        assert_eq!(a.resume.as_deref(), Some("-abc"));
        assert_eq!(a.session_id.as_deref(), Some("123"));
        assert_eq!(a.sdk_servers, vec!["patchfeld_child".to_owned()]);
        assert_eq!(a.other_servers, vec!["x".to_owned()]);
        assert!(a.is_allowed("Read"));
        assert!(a.is_allowed("mcp__patchfeld_child__notify_orchestrator"));
        assert!(!a.is_allowed("Bash"));
        assert!(a.is_disallowed("WebFetch"));
    }

    #[test]
    fn a_value_flag_without_value_is_an_error() {
        let e = FakeArgs::parse(&os(&["--model"])).unwrap_err();
        assert!(e.contains("--model"), "{e}");
    }

    #[test]
    fn scoped_rules_do_not_allow_the_whole_tool() {
        let a = FakeArgs::parse(&os(&["--allowedTools", "Bash(echo:*)"])).unwrap();
        assert!(!a.is_allowed("Bash"));
    }
}

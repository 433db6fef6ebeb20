//! The fake agent's scenario file: parsing and strict validation (errors name the JSON path).

use serde_json::{Map, Value};

/// A parsed, validated scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Model reported in `system/init` unless `--model` overrides it.
    pub model: String,
    /// Scripts in file order; the first whose `match` fits wins.
    pub scripts: Vec<Script>,
}

/// One script: chosen by the first user message of the session.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// Substring of the first user message, or `*` for any.
    pub pattern: String,
    /// Steps per turn; the last turn repeats when messages outnumber turns.
    pub turns: Vec<Vec<Step>>,
}

/// One scripted action inside a turn.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Assistant text block.
    Text(String),
    /// Assistant thinking block.
    Thinking(String),
    /// A built-in tool call, optionally gated by `can_use_tool`.
    Tool(ToolStep),
    /// A call to an SDK MCP server tool through `mcp_message`.
    Mcp(McpStep),
    /// Interruptible pause.
    SleepMs(u64),
    /// Block until the host interrupts (or stdin closes).
    WaitForInterrupt,
    /// A raw, non-JSON line on stdout.
    Garbage(String),
    /// A line on stderr.
    Stderr(String),
    /// Exit the process at once with this code.
    Exit(i32),
    /// Synthetic API-error assistant line; the turn ends with an error result.
    ErrorResult(String),
    /// Override the turn's reported usage and cost.
    Usage(UsageOverride),
    /// Text `history: <n> messages: <m1> | <m2> …` (prior user messages of the session).
    SayHistory,
    /// Text repeating the user message that started the turn.
    Echo,
    /// These bytes verbatim on stdout (no newline added): invalid UTF-8, partial lines.
    RawBytes(Vec<u8>),
    /// One stdout line of this many bytes (plus the newline), written in chunks.
    HugeLine(u64),
    /// Replace stdout with /dev/null and carry on: the host sees EOF while we live.
    CloseStdout,
    /// From now on: control requests go unanswered, stdin EOF and SIGTERM are ignored, and
    /// the script blocks forever (only SIGKILL ends it).
    HangControl,
    /// About this many bytes on stderr in numbered lines (`flood <k> …`), then `flood end`.
    StderrFlood(u64),
    /// From now on every stdout line goes out this many bytes per write (split across reads).
    SplitWrites(u64),
    /// This many text blocks `seq <k>`, `k` counting from 0 across the whole process.
    Seq(u64),
    /// This many text blocks `burst <k>: …` (about 100 characters each), written in large
    /// chunks instead of one write per line: bulk ingest for `scripts/bench`.
    Burst(u64),
}

/// A built-in tool call.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolStep {
    /// Tool name, e.g. `Bash`.
    pub name: String,
    /// Tool input object.
    pub input: Value,
    /// Whether to ask the host with `can_use_tool` first.
    pub ask: bool,
    /// Tool result text when it runs.
    pub result: String,
    /// Whether the tool result is an error even when allowed.
    pub is_error: bool,
    /// `blocked_path` for the permission request (default: derived from the input).
    pub blocked_path: Option<String>,
    /// `permission_suggestions` override.
    pub suggestions: Option<Value>,
    /// For `Write`: really write `input.content` to `input.file_path` (relative to cwd).
    pub apply: bool,
}

/// A call to an SDK MCP server's tool.
#[derive(Debug, Clone, PartialEq)]
pub struct McpStep {
    /// Server name from `--mcp-config`.
    pub server: String,
    /// Tool name on that server.
    pub tool: String,
    /// JSON-RPC `arguments`.
    pub arguments: Value,
    /// Whether to ask the host with `can_use_tool` first.
    pub ask: bool,
}

/// Reported usage for one turn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UsageOverride {
    /// `usage.input_tokens`.
    pub input_tokens: u64,
    /// `usage.output_tokens`.
    pub output_tokens: u64,
    /// `total_cost_usd`.
    pub cost_usd: f64,
}

/// A malformed scenario file: where and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ScenarioError {
    /// JSON path of the offending value, e.g. `scripts[0].turns[1][2]`.
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

fn err(path: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        path: path.to_owned(),
        message: message.into(),
    }
}

impl Scenario {
    /// Parses and validates scenario JSON text.
    pub fn parse(text: &str) -> Result<Self, ScenarioError> {
        let root: Value =
            serde_json::from_str(text).map_err(|e| err("$", format!("not valid JSON: {e}")))?;
        let obj = root
            .as_object()
            .ok_or_else(|| err("$", "expected an object"))?;
        check_keys(obj, "$", &["version", "model", "scripts", "description"])?;
        match obj.get("version") {
            Some(v) if v.as_u64() == Some(1) => {}
            Some(v) => {
                return Err(err(
                    "$.version",
                    format!("unsupported version {v}, expected 1"),
                ));
            }
            None => return Err(err("$.version", "missing (expected 1)")),
        }
        let model = match obj.get("model") {
            None => "claude-fake-1".to_owned(),
            Some(v) => str_of(v, "$.model")?.to_owned(),
        };
        let scripts_v = obj
            .get("scripts")
            .ok_or_else(|| err("$.scripts", "missing"))?
            .as_array()
            .ok_or_else(|| err("$.scripts", "expected an array"))?;
        if scripts_v.is_empty() {
            return Err(err("$.scripts", "needs at least one script"));
        }
        let scripts = scripts_v
            .iter()
            .enumerate()
            .map(|(i, s)| parse_script(s, &format!("$.scripts[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Scenario { model, scripts })
    }

    /// The script for a session whose first user message is `first_message`.
    pub fn pick(&self, first_message: &str) -> Option<&Script> {
        self.scripts
            .iter()
            .find(|s| s.pattern == "*" || first_message.contains(&s.pattern))
    }
}

impl Script {
    /// Steps for the turn with this session-wide index (the last turn repeats).
    pub fn turn(&self, index: usize) -> &[Step] {
        let i = index.min(self.turns.len().saturating_sub(1));
        self.turns.get(i).map(Vec::as_slice).unwrap_or(&[])
    }
}

fn check_keys(obj: &Map<String, Value>, path: &str, allowed: &[&str]) -> Result<(), ScenarioError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(err(
            path,
            format!("unknown key \"{k}\" (allowed: {})", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

fn str_of<'a>(v: &'a Value, path: &str) -> Result<&'a str, ScenarioError> {
    v.as_str()
        .ok_or_else(|| err(path, format!("expected a string, got {v}")))
}

fn bool_of(obj: &Map<String, Value>, key: &str, path: &str) -> Result<bool, ScenarioError> {
    match obj.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(err(
            &format!("{path}.{key}"),
            format!("expected true/false, got {v}"),
        )),
    }
}

fn u64_of(v: &Value, path: &str) -> Result<u64, ScenarioError> {
    v.as_u64()
        .ok_or_else(|| err(path, format!("expected a non-negative integer, got {v}")))
}

fn parse_script(v: &Value, path: &str) -> Result<Script, ScenarioError> {
    let obj = v
        .as_object()
        .ok_or_else(|| err(path, "expected an object"))?;
    check_keys(obj, path, &["match", "turns", "name"])?;
    let pattern = str_of(
        obj.get("match")
            .ok_or_else(|| err(&format!("{path}.match"), "missing"))?,
        &format!("{path}.match"),
    )?
    .to_owned();
    if pattern.is_empty() {
        return Err(err(
            &format!("{path}.match"),
            "must not be empty (use \"*\" to match all)",
        ));
    }
    let turns_path = format!("{path}.turns");
    let turns_v = obj
        .get("turns")
        .ok_or_else(|| err(&turns_path, "missing"))?
        .as_array()
        .ok_or_else(|| err(&turns_path, "expected an array of turns (arrays of steps)"))?;
    if turns_v.is_empty() {
        return Err(err(&turns_path, "needs at least one turn"));
    }
    let mut turns = Vec::with_capacity(turns_v.len());
    for (t, turn) in turns_v.iter().enumerate() {
        let tpath = format!("{turns_path}[{t}]");
        let steps_v = turn
            .as_array()
            .ok_or_else(|| err(&tpath, "expected an array of steps"))?;
        let steps = steps_v
            .iter()
            .enumerate()
            .map(|(s, step)| parse_step(step, &format!("{tpath}[{s}]")))
            .collect::<Result<Vec<_>, _>>()?;
        turns.push(steps);
    }
    Ok(Script { pattern, turns })
}

const STEP_KINDS: &[&str] = &[
    "text",
    "thinking",
    "tool",
    "mcp",
    "sleep_ms",
    "wait_for_interrupt",
    "garbage",
    "stderr",
    "exit",
    "error_result",
    "usage",
    "say_history",
    "echo",
    "raw_bytes",
    "huge_line",
    "close_stdout",
    "hang_control",
    "stderr_flood",
    "split_writes",
    "seq",
    "burst",
];

fn parse_step(v: &Value, path: &str) -> Result<Step, ScenarioError> {
    let obj = v
        .as_object()
        .ok_or_else(|| err(path, "expected a step object"))?;
    let kinds: Vec<&str> = obj
        .keys()
        .map(String::as_str)
        .filter(|k| STEP_KINDS.contains(k))
        .collect();
    let kind = match kinds.as_slice() {
        [k] => *k,
        [] => {
            return Err(err(
                path,
                format!("no step kind; expected one of: {}", STEP_KINDS.join(", ")),
            ));
        }
        many => {
            return Err(err(
                path,
                format!("several step kinds in one step: {}", many.join(", ")),
            ));
        }
    };
    let val = obj.get(kind).unwrap_or(&Value::Null);
    let kpath = format!("{path}.{kind}");
    let simple = |extra: &[&str]| {
        let mut allowed = vec![kind];
        allowed.extend_from_slice(extra);
        check_keys(obj, path, &allowed)
    };
    let flag_true = |v: &Value| -> Result<(), ScenarioError> {
        match v {
            Value::Bool(true) => Ok(()),
            other => Err(err(&kpath, format!("expected true, got {other}"))),
        }
    };
    Ok(match kind {
        "text" => {
            simple(&[])?;
            Step::Text(str_of(val, &kpath)?.to_owned())
        }
        "thinking" => {
            simple(&[])?;
            Step::Thinking(str_of(val, &kpath)?.to_owned())
        }
        "garbage" => {
            simple(&[])?;
            let line = str_of(val, &kpath)?;
            if line.contains('\n') {
                return Err(err(&kpath, "must be a single line"));
            }
            Step::Garbage(line.to_owned())
        }
        "stderr" => {
            simple(&[])?;
            Step::Stderr(str_of(val, &kpath)?.to_owned())
        }
        "error_result" => {
            simple(&[])?;
            Step::ErrorResult(str_of(val, &kpath)?.to_owned())
        }
        "sleep_ms" => {
            simple(&[])?;
            Step::SleepMs(u64_of(val, &kpath)?)
        }
        "exit" => {
            simple(&[])?;
            let code = val
                .as_i64()
                .filter(|c| (0..=255).contains(c))
                .ok_or_else(|| err(&kpath, format!("expected an exit code 0..=255, got {val}")))?;
            Step::Exit(code as i32)
        }
        "wait_for_interrupt" => {
            simple(&[])?;
            flag_true(val)?;
            Step::WaitForInterrupt
        }
        "say_history" => {
            simple(&[])?;
            flag_true(val)?;
            Step::SayHistory
        }
        "echo" => {
            simple(&[])?;
            flag_true(val)?;
            Step::Echo
        }
        "raw_bytes" => {
            simple(&[])?;
            let bytes = val
                .as_array()
                .ok_or_else(|| err(&kpath, "expected an array of bytes 0..=255"))?
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    b.as_u64()
                        .and_then(|b| u8::try_from(b).ok())
                        .ok_or_else(|| {
                            err(
                                &format!("{kpath}[{i}]"),
                                format!("expected 0..=255, got {b}"),
                            )
                        })
                })
                .collect::<Result<Vec<u8>, _>>()?;
            Step::RawBytes(bytes)
        }
        "huge_line" => {
            simple(&[])?;
            Step::HugeLine(u64_of(val, &kpath)?)
        }
        "close_stdout" => {
            simple(&[])?;
            flag_true(val)?;
            Step::CloseStdout
        }
        "hang_control" => {
            simple(&[])?;
            flag_true(val)?;
            Step::HangControl
        }
        "stderr_flood" => {
            simple(&[])?;
            Step::StderrFlood(u64_of(val, &kpath)?)
        }
        "split_writes" => {
            simple(&[])?;
            let n = u64_of(val, &kpath)?;
            if n == 0 {
                return Err(err(&kpath, "must be at least 1"));
            }
            Step::SplitWrites(n)
        }
        "seq" => {
            simple(&[])?;
            Step::Seq(u64_of(val, &kpath)?)
        }
        "burst" => {
            simple(&[])?;
            Step::Burst(u64_of(val, &kpath)?)
        }
        "usage" => {
            simple(&[])?;
            let u = val
                .as_object()
                .ok_or_else(|| err(&kpath, "expected {input_tokens, output_tokens, cost_usd}"))?;
            check_keys(u, &kpath, &["input_tokens", "output_tokens", "cost_usd"])?;
            let get_u = |k: &str| match u.get(k) {
                None => Ok(0),
                Some(v) => u64_of(v, &format!("{kpath}.{k}")),
            };
            let cost_usd = match u.get("cost_usd") {
                None => 0.0,
                Some(v) => v.as_f64().filter(|c| *c >= 0.0).ok_or_else(|| {
                    err(
                        &format!("{kpath}.cost_usd"),
                        format!("expected a number >= 0, got {v}"),
                    )
                })?,
            };
            Step::Usage(UsageOverride {
                input_tokens: get_u("input_tokens")?,
                output_tokens: get_u("output_tokens")?,
                cost_usd,
            })
        }
        "tool" => {
            simple(&[
                "input",
                "ask",
                "result",
                "is_error",
                "blocked_path",
                "permission_suggestions",
                "apply",
            ])?;
            let name = str_of(val, &kpath)?.to_owned();
            if name.is_empty() {
                return Err(err(&kpath, "tool name must not be empty"));
            }
            if name.starts_with("mcp__") {
                return Err(err(&kpath, "use an {\"mcp\": {…}} step for MCP tools"));
            }
            let input = match obj.get("input") {
                None => Value::Object(Map::new()),
                Some(v @ Value::Object(_)) => v.clone(),
                Some(v) => {
                    return Err(err(
                        &format!("{path}.input"),
                        format!("expected an object, got {v}"),
                    ));
                }
            };
            let result = match obj.get("result") {
                None => String::new(),
                Some(v) => str_of(v, &format!("{path}.result"))?.to_owned(),
            };
            let blocked_path = match obj.get("blocked_path") {
                None => None,
                Some(v) => Some(str_of(v, &format!("{path}.blocked_path"))?.to_owned()),
            };
            let suggestions = match obj.get("permission_suggestions") {
                None => None,
                Some(v @ Value::Array(_)) => Some(v.clone()),
                Some(v) => {
                    return Err(err(
                        &format!("{path}.permission_suggestions"),
                        format!("expected an array, got {v}"),
                    ));
                }
            };
            let apply = bool_of(obj, "apply", path)?;
            if apply && name != "Write" {
                return Err(err(
                    &format!("{path}.apply"),
                    "only supported for the Write tool",
                ));
            }
            Step::Tool(ToolStep {
                name,
                input,
                ask: bool_of(obj, "ask", path)?,
                result,
                is_error: bool_of(obj, "is_error", path)?,
                blocked_path,
                suggestions,
                apply,
            })
        }
        "mcp" => {
            simple(&["ask"])?;
            let m = val
                .as_object()
                .ok_or_else(|| err(&kpath, "expected {server, tool, arguments}"))?;
            check_keys(m, &kpath, &["server", "tool", "arguments"])?;
            let field = |k: &str| -> Result<String, ScenarioError> {
                let p = format!("{kpath}.{k}");
                let s = str_of(m.get(k).ok_or_else(|| err(&p, "missing"))?, &p)?;
                if s.is_empty() {
                    return Err(err(&p, "must not be empty"));
                }
                Ok(s.to_owned())
            };
            let arguments = match m.get("arguments") {
                None => Value::Object(Map::new()),
                Some(v @ Value::Object(_)) => v.clone(),
                Some(v) => {
                    return Err(err(
                        &format!("{kpath}.arguments"),
                        format!("expected an object, got {v}"),
                    ));
                }
            };
            Step::Mcp(McpStep {
                server: field("server")?,
                tool: field("tool")?,
                arguments,
                ask: bool_of(obj, "ask", path)?,
            })
        }
        // STEP_KINDS and this match list the same names.
        other => return Err(err(path, format!("unhandled step kind {other}"))),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> String {
        Scenario::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn parses_every_step_kind() {
        let s = Scenario::parse(
            r#"{"version":1,"scripts":[{"match":"*","turns":[[
            {"text":"hi"},{"thinking":"hmm"},
            {"tool":"Bash","input":{"command":"ls"},"ask":true,"result":"a\nb"},
            {"mcp":{"server":"s","tool":"t","arguments":{"x":1}}},
            {"sleep_ms":5},{"wait_for_interrupt":true},{"garbage":"nope"},{"stderr":"e"},
            {"exit":3},{"error_result":"API Error: 500 boom"},
            {"usage":{"input_tokens":1,"output_tokens":2,"cost_usd":0.5}},
            {"say_history":true},{"echo":true},{"burst":4}]]}]}"#,
        )
        .unwrap();
        assert_eq!(s.model, "claude-fake-1");
        let steps = s.scripts[0].turn(0);
        assert_eq!(steps.len(), 14);
        assert_eq!(steps[0], Step::Text("hi".into()));
        assert!(
            matches!(&steps[2], Step::Tool(t) if t.ask && t.name == "Bash" && t.result == "a\nb")
        );
        assert!(matches!(&steps[3], Step::Mcp(m) if m.server == "s" && !m.ask));
        assert_eq!(steps[8], Step::Exit(3));
        assert_eq!(steps[12], Step::Echo);
        assert_eq!(steps[13], Step::Burst(4));
    }

    #[test]
    fn errors_name_the_json_path() {
        let e = parse_err(
            r#"{"version":1,"scripts":[{"match":"*","turns":[[{"text":"a"}],[{"txt":"b"}]]}]}"#,
        );
        assert!(
            e.starts_with("$.scripts[0].turns[1][0]: no step kind"),
            "{e}"
        );
        let e = parse_err(r#"{"version":2,"scripts":[]}"#);
        assert!(e.contains("$.version: unsupported version 2"), "{e}");
        let e = parse_err(r#"{"version":1,"scripts":[{"match":"*","turns":[[{"sleep_ms":-1}]]}]}"#);
        assert!(
            e.starts_with("$.scripts[0].turns[0][0].sleep_ms: expected a non-negative"),
            "{e}"
        );
        let e = parse_err(
            r#"{"version":1,"scripts":[{"match":"*","turns":[[{"text":"a","sleep_ms":1}]]}]}"#,
        );
        assert!(e.contains("several step kinds"), "{e}");
        let e = parse_err(
            r#"{"version":1,"scripts":[{"match":"*","turns":[[{"mcp":{"server":"s"}}]]}]}"#,
        );
        assert!(
            e.contains("$.scripts[0].turns[0][0].mcp.tool: missing"),
            "{e}"
        );
        let e = parse_err(r#"{"version":1,"scripts":[{"match":"*","turns":[]}]}"#);
        assert!(
            e.contains("$.scripts[0].turns: needs at least one turn"),
            "{e}"
        );
        let e = parse_err("{not json");
        assert!(e.starts_with("$: not valid JSON"), "{e}");
    }

    #[test]
    fn first_matching_script_wins_and_last_turn_repeats() {
        let s = Scenario::parse(
            r#"{"version":1,"scripts":[
              {"match":"alpha","turns":[[{"text":"A0"}],[{"text":"A1"}]]},
              {"match":"*","turns":[[{"text":"any"}]]}]}"#,
        )
        .unwrap();
        let a = s.pick("say alpha please").unwrap();
        assert_eq!(a.turn(0), &[Step::Text("A0".into())]);
        assert_eq!(a.turn(1), &[Step::Text("A1".into())]);
        assert_eq!(a.turn(7), &[Step::Text("A1".into())]);
        assert_eq!(s.pick("beta").unwrap().pattern, "*");
    }
}

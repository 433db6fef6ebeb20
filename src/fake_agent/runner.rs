//! The fake agent's two threads: a stdin reader that answers host control requests at once, and the
//! script runner that turns user messages into scripted turns.

use super::args::FakeArgs;
use super::scenario::{McpStep, Scenario, Script, Step, ToolStep, UsageOverride};
use super::sessions::SessionFile;
use super::wire;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the start-up MCP handshake waits for each answer before marking the server failed.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Permission modes the real CLI accepts.
pub const PERMISSION_MODES: &[&str] = &[
    "acceptEdits",
    "auto",
    "bypassPermissions",
    "default",
    "dontAsk",
    "manual",
    "plan",
];

/// A line on stderr (the fake's only diagnostics channel; stdout is the protocol).
pub fn warn(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{msg}");
}

/// Serialised access to stdout: one whole line per write, flushed.
#[derive(Clone)]
pub struct Out(Arc<Mutex<std::io::Stdout>>);

impl Out {
    fn new() -> Self {
        Out(Arc::new(Mutex::new(std::io::stdout())))
    }

    fn send(&self, v: &Value) {
        self.raw(&v.to_string());
    }

    fn raw(&self, line: &str) {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.bytes(&bytes);
    }

    /// Writes `bytes` as they are (honouring `split_writes`).
    fn bytes(&self, bytes: &[u8]) {
        // A vanished reader is the host's business; the fake keeps going until stdin closes.
        if let Ok(mut g) = self.0.lock() {
            let split = SPLIT_WRITES.load(Ordering::Relaxed);
            if split == 0 {
                let _ = g.write_all(bytes);
                let _ = g.flush();
            } else {
                for chunk in bytes.chunks(split) {
                    let _ = g.write_all(chunk);
                    let _ = g.flush();
                    // Let the reader run between writes so lines really arrive in pieces.
                    std::thread::yield_now();
                }
            }
        }
    }
}

/// `split_writes` chunk size; 0: whole lines.
static SPLIT_WRITES: AtomicUsize = AtomicUsize::new(0);
/// Set by `hang_control`: the stdin thread stops answering and forwarding anything.
static HUNG: AtomicBool = AtomicBool::new(false);

/// State both threads read: changed by host control requests, used by the script.
struct Live {
    model: String,
    permission_mode: String,
    servers: Vec<(String, &'static str)>,
}

type Shared = Arc<Mutex<Live>>;

fn with_live<T>(live: &Shared, f: impl FnOnce(&mut Live) -> T) -> Option<T> {
    live.lock().ok().map(|mut g| f(&mut g))
}

/// What the stdin reader hands to the script thread.
enum Input {
    User(String),
    Response {
        id: String,
        outcome: Result<Value, String>,
    },
    Interrupt,
    Eof,
}

/// Runs the fake agent until stdin closes (or a script exits); returns the exit code.
pub fn serve(args: FakeArgs, scenario: Scenario) -> i32 {
    let cwd = std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| ".".to_owned());
    let session_id = args
        .resume
        .clone()
        .or_else(|| args.session_id.clone())
        .unwrap_or_else(wire::uuid);
    let store = std::env::var_os("PATCHFELD_FAKE_SESSIONS_DIR")
        .filter(|d| !d.is_empty())
        .map(|d| SessionFile::new(std::path::Path::new(&d), &session_id));
    let ((history, session_cost), resume_failed) = match (&store, &args.resume) {
        (Some(f), Some(_)) => match f.load() {
            Some(h) => (h, false),
            None => ((Vec::new(), 0.0), true),
        },
        (Some(f), None) => (f.load().unwrap_or_default(), false),
        (None, _) => ((Vec::new(), 0.0), false),
    };
    let mut servers: Vec<(String, &'static str)> = args
        .sdk_servers
        .iter()
        .map(|s| (s.clone(), "pending"))
        .collect();
    servers.extend(args.other_servers.iter().map(|s| (s.clone(), "failed")));
    let live: Shared = Arc::new(Mutex::new(Live {
        model: args.model.clone().unwrap_or_else(|| scenario.model.clone()),
        permission_mode: args
            .permission_mode
            .clone()
            .unwrap_or_else(|| "default".to_owned()),
        servers,
    }));
    let out = Out::new();
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let out = out.clone();
        let live = live.clone();
        let sid = session_id.clone();
        let may_bypass = args.may_bypass;
        let default_model = scenario.model.clone();
        std::thread::spawn(move || read_stdin(out, live, tx, sid, may_bypass, default_model));
    }
    let mut runner = Runner {
        rx,
        out,
        live,
        args,
        scenario,
        cwd,
        session_id,
        store,
        history,
        session_cost,
        resume_failed,
        queue: VecDeque::new(),
        eof: false,
        running: false,
        script: None,
        last_error: false,
        rpc_id: 0,
        seq: 0,
    };
    runner.main_loop()
}

fn user_text(msg: &Value) -> String {
    match msg.pointer("/message/content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn read_stdin(
    out: Out,
    live: Shared,
    tx: Sender<Input>,
    session_id: String,
    may_bypass: bool,
    default_model: String,
) {
    let stdin = std::io::stdin();
    let mut reader = stdin.lock();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                warn(&format!("fake-agent: stdin read failed: {e}"));
                break;
            }
        }
        if HUNG.load(Ordering::Relaxed) {
            continue;
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let msg: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                warn(&format!(
                    "fake-agent: ignoring unparsable stdin line ({e}): {line}"
                ));
                continue;
            }
        };
        let sent = match msg.get("type").and_then(Value::as_str) {
            Some("user") => tx.send(Input::User(user_text(&msg))),
            Some("control_response") => {
                let r = msg.get("response").unwrap_or(&Value::Null);
                let id = r
                    .get("request_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let outcome = if r.get("subtype").and_then(Value::as_str) == Some("error") {
                    Err(r
                        .get("error")
                        .and_then(Value::as_str)
                        .unwrap_or("unknown error")
                        .to_owned())
                } else {
                    Ok(r.get("response").cloned().unwrap_or_else(|| json!({})))
                };
                tx.send(Input::Response { id, outcome })
            }
            Some("control_request") => {
                let interrupt =
                    answer_control(&out, &live, &msg, &session_id, may_bypass, &default_model);
                if interrupt {
                    tx.send(Input::Interrupt)
                } else {
                    Ok(())
                }
            }
            // The host withdrawing one of its own requests: nothing of ours is waiting on it.
            Some("control_cancel_request") => Ok(()),
            other => {
                warn(&format!(
                    "fake-agent: ignoring stdin line of type {other:?}: {line}"
                ));
                Ok(())
            }
        };
        if sent.is_err() {
            return;
        }
    }
    if !HUNG.load(Ordering::Relaxed) {
        let _ = tx.send(Input::Eof);
    }
}

/// Answers one host control request; true when it was an interrupt the script must act on.
fn answer_control(
    out: &Out,
    live: &Shared,
    msg: &Value,
    session_id: &str,
    may_bypass: bool,
    default_model: &str,
) -> bool {
    let id = msg
        .get("request_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let req = msg.get("request").unwrap_or(&Value::Null);
    let subtype = req.get("subtype").and_then(Value::as_str).unwrap_or("");
    match subtype {
        "initialize" => {
            let (model, mode) = with_live(live, |l| (l.model.clone(), l.permission_mode.clone()))
                .unwrap_or_default();
            let mut resp = wire::control_success(id, wire::initialize_response(&model, &mode));
            resp["response"]["pending_permission_requests"] = json!([]);
            resp["response"]["pending_user_dialog_requests"] = json!([]);
            out.send(&resp);
            false
        }
        "interrupt" => {
            out.send(&wire::control_success(id, json!({"still_queued":[]})));
            true
        }
        "set_permission_mode" => {
            let mode = req.get("mode").and_then(Value::as_str).unwrap_or("");
            if mode == "bypassPermissions" && !may_bypass {
                out.send(&wire::control_error(
                    id,
                    "Cannot set permission mode to bypassPermissions because the session was not launched with --dangerously-skip-permissions",
                    "bypass_not_launched",
                ));
            } else if !PERMISSION_MODES.contains(&mode) {
                out.send(&wire::control_error(
                    id,
                    &format!("Invalid permission mode: {mode}"),
                    "invalid_request",
                ));
            } else {
                with_live(live, |l| l.permission_mode = mode.to_owned());
                out.send(&wire::control_success(id, json!({"mode":mode})));
                out.send(
                    &json!({"type":"system","subtype":"status","status":null,"permissionMode":mode,
                                 "uuid":wire::uuid(),"session_id":session_id}),
                );
            }
            false
        }
        "set_model" => {
            let model = match req.get("model").and_then(Value::as_str) {
                None | Some("default") => default_model.to_owned(),
                Some(m) => m.to_owned(),
            };
            with_live(live, |l| l.model = model.clone());
            out.send(&wire::control_success(id, json!({"model":model})));
            false
        }
        "mcp_status" => {
            let servers = with_live(live, |l| {
                l.servers
                    .iter()
                    .map(|(n, s)| json!({"name":n,"status":s}))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
            out.send(&wire::control_success(id, json!({"mcpServers":servers})));
            false
        }
        other => {
            out.send(&wire::control_error(
                id,
                &format!("Unsupported control request subtype: {other}"),
                "unsupported_request",
            ));
            false
        }
    }
}

/// Why a wait ended.
enum Wake {
    Response(Result<Value, String>),
    Interrupted,
    /// stdin closed: no answer will ever come.
    Closed,
    Elapsed,
}

/// Why a turn stopped early.
enum Stop {
    /// Interrupted; `tool` when a tool was pending (decides the marker and terminal reason).
    Aborted {
        tool: bool,
    },
    ApiError(String),
    Exit(i32),
}

/// Per-turn bookkeeping for the result line.
struct Turn {
    started: Instant,
    msg_id: String,
    api_calls: u64,
    chars_out: u64,
    prompt_chars: u64,
    usage: Option<UsageOverride>,
    last_text: String,
    denials: Vec<Value>,
}

impl Turn {
    /// A tool result goes back to the model: the next assistant output is a new API message.
    fn next_call(&mut self) {
        self.api_calls += 1;
        self.msg_id = wire::api_id("msg");
    }
}

/// Outcome of asking the host for permission.
enum Permission {
    Run {
        input: Value,
    },
    /// Denied or failed; its tool_result is already out.
    Refused,
}

struct Runner {
    rx: Receiver<Input>,
    out: Out,
    live: Shared,
    args: FakeArgs,
    scenario: Scenario,
    cwd: String,
    session_id: String,
    store: Option<SessionFile>,
    /// User messages of this session before the current turn (incl. earlier processes).
    history: Vec<String>,
    /// The session's running cost: the real CLI reports this total (not the turn's) in
    /// `result.total_cost_usd`, across turns and across `--resume`.
    session_cost: f64,
    resume_failed: bool,
    queue: VecDeque<String>,
    eof: bool,
    running: bool,
    script: Option<usize>,
    last_error: bool,
    rpc_id: u64,
    /// Next `seq` step number.
    seq: u64,
}

impl Runner {
    fn main_loop(&mut self) -> i32 {
        self.mcp_handshake();
        loop {
            if let Some(text) = self.queue.pop_front() {
                if let Some(code) = self.run_turn(text) {
                    return code;
                }
                self.poll();
                if self.queue.is_empty() && self.running {
                    self.running = false;
                    self.emit(&wire::state_changed(&self.session_id, "idle"));
                }
                continue;
            }
            if self.eof {
                return i32::from(self.last_error);
            }
            match self.rx.recv() {
                Ok(Input::User(t)) => self.queue.push_back(t),
                Ok(Input::Interrupt) => {}
                Ok(Input::Response { id, .. }) => {
                    warn(&format!(
                        "fake-agent: control_response for unknown request {id}"
                    ));
                }
                Ok(Input::Eof) | Err(_) => self.eof = true,
            }
        }
    }

    fn emit(&self, v: &Value) {
        self.out.send(v);
    }

    fn model(&self) -> String {
        with_live(&self.live, |l| l.model.clone()).unwrap_or_default()
    }

    fn permission_mode(&self) -> String {
        with_live(&self.live, |l| l.permission_mode.clone()).unwrap_or_default()
    }

    /// Takes everything already on the channel; true if an interrupt was among it.
    fn poll(&mut self) -> bool {
        let mut interrupted = false;
        loop {
            match self.rx.try_recv() {
                Ok(Input::User(t)) => self.queue.push_back(t),
                Ok(Input::Interrupt) => interrupted = true,
                Ok(Input::Response { id, .. }) => {
                    warn(&format!(
                        "fake-agent: control_response for unknown request {id}"
                    ));
                }
                Ok(Input::Eof) | Err(TryRecvError::Disconnected) => {
                    self.eof = true;
                    return interrupted;
                }
                Err(TryRecvError::Empty) => return interrupted,
            }
        }
    }

    /// Waits for the answer to `want` (if any), an interrupt, or the deadline; queues user lines.
    fn wait(&mut self, want: Option<&str>, deadline: Option<Instant>) -> Wake {
        loop {
            if self.eof {
                if want.is_some() {
                    return Wake::Closed;
                }
                return match deadline {
                    Some(d) => {
                        std::thread::sleep(d.saturating_duration_since(Instant::now()));
                        Wake::Elapsed
                    }
                    None => Wake::Closed,
                };
            }
            let msg = match deadline {
                Some(d) => match self
                    .rx
                    .recv_timeout(d.saturating_duration_since(Instant::now()))
                {
                    Ok(m) => m,
                    Err(RecvTimeoutError::Timeout) => return Wake::Elapsed,
                    Err(RecvTimeoutError::Disconnected) => Input::Eof,
                },
                None => self.rx.recv().unwrap_or(Input::Eof),
            };
            match msg {
                Input::User(t) => self.queue.push_back(t),
                Input::Interrupt => return Wake::Interrupted,
                Input::Response { id, outcome } => {
                    if want == Some(id.as_str()) {
                        return Wake::Response(outcome);
                    }
                    warn(&format!(
                        "fake-agent: control_response for unknown request {id}"
                    ));
                }
                Input::Eof => self.eof = true,
            }
        }
    }

    /// One JSON-RPC exchange with an SDK MCP server during start-up.
    fn handshake_rpc(&mut self, server: &str, message: Value) -> bool {
        let req_id = wire::uuid();
        self.emit(&wire::control_request(
            &req_id,
            json!({"subtype":"mcp_message","server_name":server,"message":message}),
        ));
        let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
        loop {
            match self.wait(Some(&req_id), Some(deadline)) {
                Wake::Response(r) => return r.is_ok(),
                // Nothing runs yet; an interrupt now has nothing to stop.
                Wake::Interrupted => {}
                Wake::Closed => return false,
                Wake::Elapsed => {
                    self.emit(&wire::control_cancel(&req_id));
                    return false;
                }
            }
        }
    }

    fn next_rpc_id(&mut self) -> u64 {
        let id = self.rpc_id;
        self.rpc_id += 1;
        id
    }

    /// initialize + notifications/initialized + tools/list per SDK server, at start-up like the CLI.
    fn mcp_handshake(&mut self) {
        for server in self.args.sdk_servers.clone() {
            let init_id = self.next_rpc_id();
            let mut ok = self.handshake_rpc(
                &server,
                json!({"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},
                       "clientInfo":{"name":"claude-code","title":"Claude Code","version":wire::CLI_VERSION}},
                       "jsonrpc":"2.0","id":init_id}),
            );
            ok = ok
                && self.handshake_rpc(
                    &server,
                    json!({"method":"notifications/initialized","jsonrpc":"2.0"}),
                );
            if ok {
                let list_id = self.next_rpc_id();
                ok = self.handshake_rpc(
                    &server,
                    json!({"method":"tools/list","jsonrpc":"2.0","id":list_id}),
                );
            }
            let status = if ok { "connected" } else { "failed" };
            with_live(&self.live, |l| {
                for (n, s) in l.servers.iter_mut() {
                    if *n == server {
                        *s = status;
                    }
                }
            });
        }
    }

    fn script(&self) -> Option<&Script> {
        self.script.and_then(|i| self.scenario.scripts.get(i))
    }

    /// Runs one turn; `Some(code)` when the process must exit now.
    fn run_turn(&mut self, text: String) -> Option<i32> {
        if self.resume_failed {
            let sid = self.session_id.clone();
            let msg = format!("No conversation found with session ID: {sid}");
            warn(&msg);
            self.emit(&wire::result(&wire::ResultInfo {
                subtype: "error_during_execution",
                is_error: true,
                text: None,
                terminal_reason: "error",
                errors: vec![msg],
                num_turns: 0,
                session_id: &sid,
                model: "",
                input_tokens: 0,
                output_tokens: 0,
                cost_usd: 0.0,
                duration_ms: 0,
                denials: vec![],
                api_error_status: None,
            }));
            return Some(1);
        }
        if !self.running {
            self.running = true;
            self.emit(&wire::state_changed(&self.session_id, "running"));
        }
        let prior = self.history.clone();
        let turn_index = prior.len();
        if self.script.is_none() {
            let first = prior.first().cloned().unwrap_or_else(|| text.clone());
            self.script = self
                .scenario
                .scripts
                .iter()
                .position(|s| s.pattern == "*" || first.contains(&s.pattern));
        }
        self.history.push(text.clone());
        if let Some(store) = &self.store
            && let Err(e) = store.save(&self.history, self.session_cost)
        {
            warn(&format!("fake-agent: cannot save session: {e}"));
        }
        let model = self.model();
        let tools: Vec<String> = wire::DEFAULT_TOOLS
            .iter()
            .filter(|t| !self.args.is_disallowed(t))
            .map(|t| (*t).to_owned())
            .collect();
        let servers = with_live(&self.live, |l| l.servers.clone()).unwrap_or_default();
        let mode = self.permission_mode();
        self.emit(&wire::init(&wire::InitInfo {
            session_id: &self.session_id,
            cwd: &self.cwd,
            tools,
            mcp_servers: servers,
            model: &model,
            permission_mode: &mode,
        }));

        let mut turn = Turn {
            started: Instant::now(),
            msg_id: wire::api_id("msg"),
            api_calls: 1,
            chars_out: 0,
            prompt_chars: text.len() as u64,
            usage: None,
            last_text: String::new(),
            denials: Vec::new(),
        };
        let steps: Vec<Step> = match self.script() {
            Some(s) => s.turn(turn_index).to_vec(),
            None => {
                warn(&format!(
                    "fake-agent: no script matches the first message {text:?}"
                ));
                vec![Step::Text(format!(
                    "(fake agent: no script matches {text:?})"
                ))]
            }
        };
        let mut stop = None;
        for step in &steps {
            if self.poll() {
                stop = Some(Stop::Aborted { tool: false });
                break;
            }
            if let Err(s) = self.step(step, &mut turn, &text, &prior) {
                stop = Some(s);
                break;
            }
        }
        self.finish_turn(turn, stop, &model)
    }

    fn finish_turn(&mut self, turn: Turn, stop: Option<Stop>, model: &str) -> Option<i32> {
        let (input_tokens, output_tokens, cost_usd) = match turn.usage {
            Some(u) => (u.input_tokens, u.output_tokens, u.cost_usd),
            None => {
                let i = 1000 * turn.api_calls + turn.prompt_chars / 4;
                let o = 20 * turn.api_calls + turn.chars_out / 4;
                (i, o, (i as f64 * 3.0 + o as f64 * 15.0) / 1_000_000.0)
            }
        };
        let (subtype, is_error, text, reason, errors, status) = match &stop {
            None => (
                "success",
                false,
                Some(turn.last_text.clone()),
                "completed",
                vec![],
                None,
            ),
            Some(Stop::ApiError(t)) => {
                let status = t
                    .strip_prefix("API Error: ")
                    .and_then(|r| r.split_whitespace().next())
                    .and_then(|c| c.trim_end_matches(['.', ':']).parse::<u16>().ok());
                (
                    "success",
                    true,
                    Some(t.clone()),
                    "api_error",
                    vec![],
                    status,
                )
            }
            Some(Stop::Aborted { tool }) => {
                self.emit(&wire::interrupted_marker(&self.session_id, *tool));
                let reason = if *tool {
                    "aborted_tools"
                } else {
                    "aborted_streaming"
                };
                (
                    "error_during_execution",
                    true,
                    None,
                    reason,
                    vec!["[ede_diagnostic] request interrupted by user".to_owned()],
                    None,
                )
            }
            Some(Stop::Exit(code)) => return Some(*code),
        };
        self.last_error = is_error;
        // An API-error turn reports the previous total again (seen on the real CLI).
        if !matches!(stop, Some(Stop::ApiError(_))) {
            self.session_cost += cost_usd;
        }
        if let Some(store) = &self.store
            && let Err(e) = store.save(&self.history, self.session_cost)
        {
            warn(&format!("fake-agent: cannot save session: {e}"));
        }
        let cost_usd = self.session_cost;
        self.emit(&wire::result(&wire::ResultInfo {
            subtype,
            is_error,
            text: text.as_deref(),
            terminal_reason: reason,
            errors,
            num_turns: turn.api_calls,
            session_id: &self.session_id,
            model,
            input_tokens,
            output_tokens,
            cost_usd,
            duration_ms: turn.started.elapsed().as_millis() as u64,
            denials: turn.denials,
            api_error_status: status,
        }));
        None
    }

    fn say(&mut self, turn: &mut Turn, text: &str) {
        let block = json!({"type":"text","text":text});
        self.emit(&wire::assistant(
            &self.session_id,
            &turn.msg_id,
            &self.model(),
            block,
        ));
        turn.chars_out += text.len() as u64;
        turn.last_text = text.to_owned();
    }

    /// `burst`: the lines go out 64 KiB at a time; one write per line would make the fake,
    /// not the host, the bottleneck of an ingest benchmark. Interruptible between chunks.
    fn burst(&mut self, turn: &mut Turn, n: u64) -> Result<(), Stop> {
        const CHUNK: usize = 64 * 1024;
        const FILLER: &str = "the module reads its configuration, validates it and hands it on.";
        let model = self.model();
        let mut buf = Vec::with_capacity(CHUNK + 4096);
        let mut text = String::new();
        for k in 0..n {
            text = format!("burst {k}: {FILLER}");
            let block = json!({"type":"text","text":&text});
            let line = wire::assistant(&self.session_id, &turn.msg_id, &model, block);
            if serde_json::to_writer(&mut buf, &line).is_ok() {
                buf.push(b'\n');
            }
            turn.chars_out += text.len() as u64;
            if buf.len() >= CHUNK {
                self.out.bytes(&buf);
                buf.clear();
                if self.poll() {
                    return Err(Stop::Aborted { tool: false });
                }
            }
        }
        self.out.bytes(&buf);
        turn.last_text = text;
        Ok(())
    }

    fn step(
        &mut self,
        step: &Step,
        turn: &mut Turn,
        user_text: &str,
        prior: &[String],
    ) -> Result<(), Stop> {
        match step {
            Step::Text(t) => self.say(turn, t),
            Step::Thinking(t) => {
                let block = json!({"type":"thinking","thinking":t,"signature":"fake-signature"});
                self.emit(&wire::assistant(
                    &self.session_id,
                    &turn.msg_id,
                    &self.model(),
                    block,
                ));
                turn.chars_out += t.len() as u64;
            }
            Step::Echo => self.say(turn, user_text),
            Step::SayHistory => {
                let text = format!("history: {} messages: {}", prior.len(), prior.join(" | "));
                self.say(turn, &text);
            }
            Step::SleepMs(ms) => {
                let deadline = Instant::now() + Duration::from_millis(*ms);
                loop {
                    match self.wait(None, Some(deadline)) {
                        Wake::Interrupted => return Err(Stop::Aborted { tool: false }),
                        Wake::Elapsed | Wake::Closed => break,
                        Wake::Response(_) => {}
                    }
                }
            }
            Step::WaitForInterrupt => loop {
                match self.wait(None, None) {
                    Wake::Interrupted => return Err(Stop::Aborted { tool: false }),
                    // stdin closed: no interrupt can come; let the turn finish as the CLI would.
                    Wake::Closed | Wake::Elapsed => break,
                    Wake::Response(_) => {}
                }
            },
            Step::Garbage(line) => self.out.raw(line),
            Step::RawBytes(bytes) => self.out.bytes(bytes),
            Step::HugeLine(n) => {
                let chunk = vec![b'x'; 1 << 20];
                let mut left = *n as usize;
                let mut line = Vec::with_capacity(chunk.len().min(left) + 1);
                while left > 0 {
                    let k = left.min(chunk.len());
                    line.clear();
                    line.extend_from_slice(&chunk[..k]);
                    left -= k;
                    if left == 0 {
                        line.push(b'\n');
                    }
                    self.out.bytes(&line);
                }
            }
            Step::CloseStdout => close_stdout(),
            Step::HangControl => hang(),
            Step::StderrFlood(n) => stderr_flood(*n),
            Step::SplitWrites(n) => SPLIT_WRITES.store(*n as usize, Ordering::Relaxed),
            Step::Seq(n) => {
                for _ in 0..*n {
                    let text = format!("seq {}", self.seq);
                    self.seq += 1;
                    self.say(turn, &text);
                }
            }
            Step::Burst(n) => self.burst(turn, *n)?,
            Step::Stderr(line) => warn(line),
            Step::Exit(code) => return Err(Stop::Exit(*code)),
            Step::ErrorResult(text) => {
                self.emit(&wire::api_error_assistant(&self.session_id, text));
                return Err(Stop::ApiError(text.clone()));
            }
            Step::Usage(u) => turn.usage = Some(*u),
            Step::Tool(t) => self.tool_step(t, turn)?,
            Step::Mcp(m) => self.mcp_step(m, turn)?,
        }
        Ok(())
    }

    fn needs_permission(&self, tool: &str) -> bool {
        let mode = self.permission_mode();
        let edit_tool = matches!(tool, "Write" | "Edit" | "MultiEdit" | "NotebookEdit");
        !(mode == "bypassPermissions"
            || (mode == "acceptEdits" && edit_tool)
            || self.args.is_allowed(tool))
    }

    fn tool_error(&self, turn: &mut Turn, tool_use_id: &str, text: &str, decision: Option<&str>) {
        self.emit(&wire::tool_result(
            &self.session_id,
            tool_use_id,
            json!(text),
            true,
            json!(format!("Error: {text}")),
            decision,
        ));
        turn.next_call();
    }

    /// Emits the tool_use line; false (with an error result out) when the tool is disallowed.
    fn announce_tool(
        &self,
        turn: &mut Turn,
        tool_use_id: &str,
        name: &str,
        input: &Value,
        meta: Option<Value>,
    ) -> bool {
        let block = json!({"type":"tool_use","id":tool_use_id,"name":name,"input":input});
        let mut line = wire::assistant(&self.session_id, &turn.msg_id, &self.model(), block);
        if let Some(m) = meta {
            line["tool_use_meta"] = m;
        }
        self.emit(&line);
        if self.args.is_disallowed(name) {
            let text =
                format!("<tool_use_error>Error: No such tool available: {name}</tool_use_error>");
            self.tool_error(turn, tool_use_id, &text, None);
            return false;
        }
        true
    }

    fn permission_request(
        &self,
        tool_use_id: &str,
        name: &str,
        input: &Value,
        step: Option<&ToolStep>,
        mcp_server: Option<&str>,
    ) -> Value {
        let description = input
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or(name)
            .to_owned();
        let suggestions = match (step.and_then(|s| s.suggestions.clone()), mcp_server) {
            (Some(s), _) => s,
            (None, Some(_)) => {
                json!([{"type":"addRules","rules":[{"toolName":name}],"behavior":"allow","destination":"localSettings"}])
            }
            (None, None) if name == "Bash" => {
                let cmd = input.get("command").and_then(Value::as_str).unwrap_or("");
                let words: Vec<&str> = cmd.split_whitespace().take(2).collect();
                let rule = if words.len() >= 2 {
                    format!("{} *", words.join(" "))
                } else {
                    cmd.to_owned()
                };
                json!([{"type":"addRules","rules":[{"toolName":"Bash","ruleContent":rule}],"behavior":"allow","destination":"localSettings"},
                       {"type":"addDirectories","directories":[self.cwd],"destination":"session"}])
            }
            (None, None) => {
                json!([{"type":"setMode","mode":"acceptEdits","destination":"session"}])
            }
        };
        let mut req = json!({"subtype":"can_use_tool","tool_name":name,"display_name":name,"input":input,
                             "description":description,"permission_suggestions":suggestions,
                             "tool_use_id":tool_use_id});
        let blocked = step
            .and_then(|s| s.blocked_path.clone())
            .or_else(|| self.derived_blocked_path(name, input));
        if let Some(p) = blocked {
            req["blocked_path"] = json!(p);
        }
        if let Some(server) = mcp_server {
            req["mcp_server"] = json!({"name":server,"source":"sdk"});
        }
        req
    }

    /// The path a file-writing tool touches: Write/Edit's `file_path`, or a Bash `> file` redirect.
    fn derived_blocked_path(&self, name: &str, input: &Value) -> Option<String> {
        let rel = match name {
            "Write" | "Edit" | "MultiEdit" => input.get("file_path")?.as_str()?.to_owned(),
            "Bash" => {
                // The first file a redirect writes (`2>&1` duplicates an fd: not a path).
                let cmd = input.get("command")?.as_str()?;
                let segments = crate::core::shell::split(cmd).ok()?;
                segments
                    .iter()
                    .find_map(|s| s.written_files().next().map(|w| w.value.clone()))?
            }
            _ => return None,
        };
        let p = std::path::Path::new(&rel);
        Some(if p.is_absolute() {
            rel
        } else {
            format!("{}/{rel}", self.cwd)
        })
    }

    /// can_use_tool round trip. Errors out of the turn on interrupt.
    fn ask_permission(
        &mut self,
        turn: &mut Turn,
        tool_use_id: &str,
        name: &str,
        input: &Value,
        step: Option<&ToolStep>,
        mcp_server: Option<&str>,
    ) -> Result<Permission, Stop> {
        let req_id = wire::uuid();
        let request = self.permission_request(tool_use_id, name, input, step, mcp_server);
        self.emit(&wire::state_changed(&self.session_id, "requires_action"));
        self.emit(&wire::control_request(&req_id, request));
        let wake = self.wait(Some(&req_id), None);
        if !matches!(wake, Wake::Interrupted) {
            self.emit(&wire::state_changed(&self.session_id, "running"));
        }
        let body = match wake {
            Wake::Interrupted => {
                self.emit(&wire::control_cancel(&req_id));
                self.tool_error(turn, tool_use_id, wire::REJECTED_TOOL_TEXT, Some("reject"));
                return Err(Stop::Aborted { tool: true });
            }
            Wake::Closed | Wake::Elapsed => {
                self.tool_error(
                    turn,
                    tool_use_id,
                    "Tool permission request failed: AbortError: Tool permission stream closed before response received",
                    None,
                );
                return Ok(Permission::Refused);
            }
            Wake::Response(Err(e)) => {
                self.tool_error(
                    turn,
                    tool_use_id,
                    &format!("Tool permission request failed: Error: {e}"),
                    None,
                );
                return Ok(Permission::Refused);
            }
            Wake::Response(Ok(body)) => body,
        };
        match body.get("behavior").and_then(Value::as_str) {
            Some("allow") => {
                let input = match body.get("updatedInput") {
                    Some(v @ Value::Object(_)) => v.clone(),
                    _ => input.clone(),
                };
                Ok(Permission::Run { input })
            }
            Some("deny") => {
                turn.denials
                    .push(json!({"tool_name":name,"tool_use_id":tool_use_id,"tool_input":input}));
                if body.get("interrupt").and_then(Value::as_bool) == Some(true) {
                    self.tool_error(turn, tool_use_id, wire::REJECTED_TOOL_TEXT, Some("reject"));
                    return Err(Stop::Aborted { tool: true });
                }
                let message = body
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("Permission denied");
                self.tool_error(turn, tool_use_id, message, Some("reject"));
                Ok(Permission::Refused)
            }
            other => {
                let e =
                    format!("Tool permission request failed: Error: invalid behavior {other:?}");
                self.tool_error(turn, tool_use_id, &e, None);
                Ok(Permission::Refused)
            }
        }
    }

    fn tool_step(&mut self, t: &ToolStep, turn: &mut Turn) -> Result<(), Stop> {
        let tool_use_id = wire::api_id("toolu");
        if !self.announce_tool(turn, &tool_use_id, &t.name, &t.input, None) {
            return Ok(());
        }
        let mut input = t.input.clone();
        let mut decision = None;
        if t.ask && self.needs_permission(&t.name) {
            match self.ask_permission(turn, &tool_use_id, &t.name, &t.input, Some(t), None)? {
                Permission::Run { input: i } => {
                    input = i;
                    decision = Some("accept");
                }
                Permission::Refused => return Ok(()),
            }
        }
        if t.apply {
            self.apply_write(&input);
        }
        let mut text = t.result.clone();
        if input != t.input {
            text = format!("{text}\n(ran with updated input: {input})")
                .trim_start()
                .to_owned();
        }
        if text.is_empty() {
            text = format!("({} completed with no output)", t.name);
        }
        let tool_use_result = if t.is_error {
            json!(format!("Error: {text}"))
        } else {
            match t.name.as_str() {
                "Bash" => {
                    json!({"stdout":text,"stderr":"","interrupted":false,"isImage":false,"noOutputExpected":false})
                }
                "Write" => {
                    json!({"type":"create","filePath":input.get("file_path"),"content":input.get("content")})
                }
                _ => json!(text),
            }
        };
        self.emit(&wire::tool_result(
            &self.session_id,
            &tool_use_id,
            json!(text),
            t.is_error,
            tool_use_result,
            decision,
        ));
        turn.next_call();
        Ok(())
    }

    fn apply_write(&self, input: &Value) {
        let (Some(path), Some(content)) = (
            input.get("file_path").and_then(Value::as_str),
            input.get("content").and_then(Value::as_str),
        ) else {
            warn("fake-agent: apply needs input.file_path and input.content");
            return;
        };
        let full = std::path::Path::new(&self.cwd).join(path);
        if let Err(e) = std::fs::write(&full, content) {
            warn(&format!("fake-agent: cannot write {}: {e}", full.display()));
        }
    }

    fn mcp_step(&mut self, m: &McpStep, turn: &mut Turn) -> Result<(), Stop> {
        let name = format!("mcp__{}__{}", m.server, m.tool);
        let tool_use_id = wire::api_id("toolu");
        let meta = json!([{"id":tool_use_id,"display_name":m.tool,"server_display_name":m.server,"tool_name":m.tool}]);
        if !self.announce_tool(turn, &tool_use_id, &name, &m.arguments, Some(meta)) {
            return Ok(());
        }
        if !self.args.sdk_servers.contains(&m.server) {
            let text =
                format!("<tool_use_error>Error: No such tool available: {name}</tool_use_error>");
            self.tool_error(turn, &tool_use_id, &text, None);
            return Ok(());
        }
        let mut arguments = m.arguments.clone();
        if m.ask && self.needs_permission(&name) {
            match self.ask_permission(
                turn,
                &tool_use_id,
                &name,
                &m.arguments,
                None,
                Some(&m.server),
            )? {
                Permission::Run { input } => arguments = input,
                Permission::Refused => return Ok(()),
            }
        }
        let rpc_id = self.next_rpc_id();
        let req_id = wire::uuid();
        self.emit(&wire::control_request(
            &req_id,
            json!({"subtype":"mcp_message","server_name":m.server,"message":{
                "method":"tools/call","params":{"name":m.tool,"arguments":arguments,
                "_meta":{"claudecode/toolUseId":tool_use_id,"progressToken":rpc_id}},
                "jsonrpc":"2.0","id":rpc_id}}),
        ));
        // The host may legitimately take minutes (ask_orchestrator): wait without a deadline.
        let body = match self.wait(Some(&req_id), None) {
            Wake::Interrupted => {
                self.emit(&wire::control_cancel(&req_id));
                self.tool_error(turn, &tool_use_id, wire::REJECTED_TOOL_TEXT, None);
                return Err(Stop::Aborted { tool: true });
            }
            Wake::Closed | Wake::Elapsed => {
                self.tool_error(
                    turn,
                    &tool_use_id,
                    "MCP error: stream closed before response received",
                    None,
                );
                return Ok(());
            }
            Wake::Response(Err(e)) => {
                self.tool_error(turn, &tool_use_id, &format!("MCP error: {e}"), None);
                return Ok(());
            }
            Wake::Response(Ok(body)) => body,
        };
        let reply = body.get("mcp_response").unwrap_or(&body);
        if let Some(e) = reply.get("error") {
            let code = e.get("code").cloned().unwrap_or(Value::Null);
            let msg = e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("unknown error");
            self.tool_error(
                turn,
                &tool_use_id,
                &format!("MCP error {code}: {msg}"),
                None,
            );
            return Ok(());
        }
        let result = reply.get("result").cloned().unwrap_or_else(|| json!({}));
        let content = result.get("content").cloned().unwrap_or_else(|| json!([]));
        let is_error = result.get("isError").and_then(Value::as_bool) == Some(true);
        self.emit(&wire::tool_result(
            &self.session_id,
            &tool_use_id,
            content.clone(),
            is_error,
            content,
            None,
        ));
        turn.next_call();
        Ok(())
    }
}

/// `close_stdout`: point fd 1 at /dev/null, which closes our end of the pipe (and keeps fd 1
/// from being reused by a later open).
fn close_stdout() {
    match std::fs::OpenOptions::new().write(true).open("/dev/null") {
        Ok(null) => {
            use std::os::fd::AsRawFd;
            // SAFETY: dup2 onto fd 1 only swaps what fd 1 refers to; `null` stays valid.
            unsafe {
                libc::dup2(null.as_raw_fd(), 1);
            }
        }
        Err(e) => warn(&format!("fake-agent: cannot open /dev/null: {e}")),
    }
}

/// `hang_control`: ignore SIGTERM, stop answering, never return.
fn hang() -> ! {
    HUNG.store(true, Ordering::Relaxed);
    // SAFETY: setting a signal's disposition to SIG_IGN has no memory effects.
    unsafe {
        libc::signal(libc::SIGTERM, libc::SIG_IGN);
    }
    loop {
        std::thread::park();
    }
}

/// `stderr_flood`: about `bytes` of numbered 100-byte lines, then `flood end`.
fn stderr_flood(bytes: u64) {
    let mut err = std::io::stderr().lock();
    let pad = "x".repeat(80);
    let mut written = 0u64;
    let mut k = 0u64;
    while written < bytes {
        let line = format!("flood {k} {pad}\n");
        if err.write_all(line.as_bytes()).is_err() {
            return;
        }
        written += line.len() as u64;
        k += 1;
    }
    let _ = err.write_all(b"flood end\n");
    let _ = err.flush();
}

//! A scripted fake Anthropic Messages API on 127.0.0.1 for running the real Claude Code CLI
//! offline (claude-protocol.md §1, §10).
//!
//! Hand-rolled HTTP/1.1 on std threads (tokio's `net` feature is not enabled in this crate):
//! one thread accepts, one thread per connection, every response `connection: close`.
//! Streaming `POST /v1/messages` requests are answered by the first matching [`Rule`]; the
//! rest gets fixed answers (non-streaming messages: text "ok"; `count_tokens`: 10 tokens;
//! anything else: 200 with an empty JSON body).

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::watch;

/// Usage every streamed reply reports: distinct non-zero numbers so sums are checkable.
pub const USAGE_INPUT: u64 = 100;
/// Cache reads per reply.
pub const USAGE_CACHE_READ: u64 = 20;
/// Cache writes per reply.
pub const USAGE_CACHE_CREATION: u64 = 10;
/// Output tokens per reply.
pub const USAGE_OUTPUT: u64 = 7;

/// How long a [`Reply::Hold`] waits at most before finishing on its own.
const HOLD_CAP: Duration = Duration::from_secs(120);

/// Which requests a rule answers (looks at the request body).
#[derive(Clone)]
pub enum Matcher {
    /// Every request.
    Any,
    /// The last user message's text blocks contain this text.
    LastTextContains(String),
    /// The last user message has a tool_result block.
    LastHasToolResult,
    /// A tool_result in the last user message contains this text.
    LastToolResultContains(String),
    /// Any predicate on the body.
    Custom(Arc<dyn Fn(&Value) -> bool + Send + Sync>),
}

impl Matcher {
    /// Whether `body` (a `/v1/messages` request) matches.
    pub fn matches(&self, body: &Value) -> bool {
        match self {
            Self::Any => true,
            Self::LastTextContains(s) => last_user_text(body).contains(s.as_str()),
            Self::LastHasToolResult => !last_tool_results(body).is_empty(),
            Self::LastToolResultContains(s) => last_tool_results(body)
                .iter()
                .any(|r| r.contains(s.as_str())),
            Self::Custom(f) => f(body),
        }
    }
}

/// One content block of a scripted reply.
#[derive(Debug, Clone)]
pub enum ReplyBlock {
    /// A text block.
    Text(String),
    /// A thinking block (with a fake signature).
    Thinking(String),
    /// A tool call; the id is generated.
    ToolUse {
        /// Tool name as the API sees it (`Bash`, `mcp__server__tool`).
        name: String,
        /// Its input.
        input: Value,
    },
}

/// A scripted reply.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Stream these blocks; stop_reason is `tool_use` when one is a tool call.
    Blocks(Vec<ReplyBlock>),
    /// Answer with this HTTP status and an Anthropic-style error body.
    Error {
        /// HTTP status.
        status: u16,
        /// `error.message`.
        message: String,
    },
    /// Stream `message_start`, wait until the gate opens, then stream `then`'s blocks.
    Hold {
        /// Opened by the test.
        gate: Gate,
        /// What follows once released (only `Blocks` are meaningful here).
        then: Box<Reply>,
    },
}

impl Reply {
    /// One text block.
    pub fn text(t: &str) -> Self {
        Self::Blocks(vec![ReplyBlock::Text(t.to_owned())])
    }

    /// One tool call.
    pub fn tool_use(name: &str, input: Value) -> Self {
        Self::Blocks(vec![ReplyBlock::ToolUse {
            name: name.to_owned(),
            input,
        }])
    }

    /// An HTTP error.
    pub fn error(status: u16, message: &str) -> Self {
        Self::Error {
            status,
            message: message.to_owned(),
        }
    }

    /// Hold the stream open after `message_start` until `gate` opens, then send `text`.
    pub fn hold(gate: &Gate, text: &str) -> Self {
        Self::Hold {
            gate: gate.clone(),
            then: Box::new(Self::text(text)),
        }
    }
}

/// A latch a held reply waits on.
#[derive(Debug, Clone, Default)]
pub struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    /// A closed gate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Open it (idempotent): held replies continue.
    pub fn release(&self) {
        let (m, cv) = &*self.0;
        *lock(m) = true;
        cv.notify_all();
    }

    fn wait(&self, cap: Duration) {
        let (m, cv) = &*self.0;
        let guard = lock(m);
        let _unused = cv.wait_timeout_while(guard, cap, |open| !*open);
    }
}

/// Builds a reply from a request body.
type MakeReply = Arc<dyn Fn(&Value) -> Reply + Send + Sync>;

/// `(matcher, reply)`, optionally limited to a number of uses.
#[derive(Clone)]
pub struct Rule {
    matcher: Matcher,
    reply: Reply,
    /// Builds the reply from the request instead (e.g. to echo an id the prompt carries).
    make: Option<MakeReply>,
    remaining: Option<usize>,
}

impl Rule {
    /// Answer requests matching `matcher` with `reply` (unlimited uses).
    pub fn new(matcher: Matcher, reply: Reply) -> Self {
        Self {
            matcher,
            reply,
            make: None,
            remaining: None,
        }
    }

    /// Answer requests matching `matcher` with a reply computed from the request body.
    pub fn dynamic(
        matcher: Matcher,
        make: impl Fn(&Value) -> Reply + Send + Sync + 'static,
    ) -> Self {
        Self {
            make: Some(Arc::new(make)),
            ..Self::new(matcher, Reply::text(""))
        }
    }

    /// Answer every request.
    pub fn any(reply: Reply) -> Self {
        Self::new(Matcher::Any, reply)
    }

    /// Use this rule at most `n` times.
    pub fn times(mut self, n: usize) -> Self {
        self.remaining = Some(n);
        self
    }
}

/// One HTTP request the fake received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// `POST`, `GET`, …
    pub method: String,
    /// Path with query (`/v1/messages?beta=true`).
    pub path: String,
    /// Headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// Body parsed as JSON (`Null` when empty or not JSON).
    pub body: Value,
}

impl RecordedRequest {
    /// A header value by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A streaming Messages request (what a model turn sends).
    pub fn is_streaming_message(&self) -> bool {
        self.method == "POST"
            && self.path.starts_with("/v1/messages")
            && !self.path.starts_with("/v1/messages/")
            && self.body.get("stream").and_then(Value::as_bool) == Some(true)
    }
}

struct Inner {
    rules: Mutex<Vec<Rule>>,
    requests: Mutex<Vec<RecordedRequest>>,
    /// Number of streaming Messages requests received so far.
    streamed: watch::Sender<usize>,
    shutdown: AtomicBool,
    seq: AtomicU64,
}

/// The running fake. Dropping it stops accepting and opens every gate of its rules.
pub struct FakeApi {
    addr: SocketAddr,
    inner: Arc<Inner>,
    accept: Option<JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl FakeApi {
    /// Start serving on a random 127.0.0.1 port with these rules (first match wins).
    pub fn start(rules: Vec<Rule>) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let (streamed, _) = watch::channel(0usize);
        let inner = Arc::new(Inner {
            rules: Mutex::new(rules),
            requests: Mutex::new(Vec::new()),
            streamed,
            shutdown: AtomicBool::new(false),
            seq: AtomicU64::new(1),
        });
        let acc_inner = Arc::clone(&inner);
        let accept = std::thread::Builder::new()
            .name("fake-api-accept".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if acc_inner.shutdown.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = conn else { continue };
                    let conn_inner = Arc::clone(&acc_inner);
                    let _detached = std::thread::Builder::new()
                        .name("fake-api-conn".into())
                        .spawn(move || {
                            let _ignored = serve(&conn_inner, stream);
                        });
                }
            })?;
        Ok(Self {
            addr,
            inner,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Append a rule (after the existing ones).
    pub fn push_rule(&self, rule: Rule) {
        lock(&self.inner.rules).push(rule);
    }

    /// Put a rule in front of the existing ones.
    pub fn prepend_rule(&self, rule: Rule) {
        lock(&self.inner.rules).insert(0, rule);
    }

    /// Every request received so far.
    pub fn all_requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner.requests).clone()
    }

    /// Bodies of the streaming Messages requests (model turns), in arrival order.
    pub fn message_bodies(&self) -> Vec<Value> {
        lock(&self.inner.requests)
            .iter()
            .filter(|r| r.is_streaming_message())
            .map(|r| r.body.clone())
            .collect()
    }

    /// Number of streaming Messages requests so far.
    pub fn message_count(&self) -> usize {
        *self.inner.streamed.borrow()
    }

    /// Wait until at least `n` streaming Messages requests arrived (false on timeout).
    pub async fn wait_for_messages(&self, n: usize, timeout: Duration) -> bool {
        let mut rx = self.inner.streamed.subscribe();
        matches!(
            tokio::time::timeout(timeout, rx.wait_for(|c| *c >= n)).await,
            Ok(Ok(_))
        )
    }

    /// Environment for the real CLI against this fake, with `home` as HOME (its `.claude`
    /// holds the CLI's sessions, so reuse the same `home` to resume). Intended for a command
    /// whose environment was cleared first (see [`apply_env`]); PATH is passed through.
    pub fn cli_env(&self, home: &Path) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = vec![
            ("ANTHROPIC_BASE_URL".into(), self.url()),
            ("ANTHROPIC_API_KEY".into(), "sk-fake-test-key".into()),
            ("HOME".into(), home.display().to_string()),
            (
                "CLAUDE_CONFIG_DIR".into(),
                home.join(".claude").display().to_string(),
            ),
        ];
        for (k, v) in [
            ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
            ("DISABLE_AUTOUPDATER", "1"),
            ("DISABLE_TELEMETRY", "1"),
            ("DISABLE_ERROR_REPORTING", "1"),
            ("CLAUDE_CODE_MAX_RETRIES", "0"),
            ("IS_SANDBOX", "1"),
            ("ENABLE_TOOL_SEARCH", "false"),
        ] {
            env.push((k.into(), v.into()));
        }
        if let Ok(path) = std::env::var("PATH") {
            env.push(("PATH".into(), path));
        }
        env
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.inner.shutdown.store(true, Ordering::SeqCst);
        for rule in lock(&self.inner.rules).iter() {
            if let Reply::Hold { gate, .. } = &rule.reply {
                gate.release();
            }
        }
        // Wake the blocking accept() so the thread sees the flag.
        let _wake = TcpStream::connect(self.addr);
        if let Some(h) = self.accept.take() {
            let _joined = h.join();
        }
    }
}

/// Clear `cmd`'s environment and set `env` (keeps a developer's own ANTHROPIC_* / CLAUDE_*
/// variables from leaking into the child).
pub fn apply_env(cmd: &mut tokio::process::Command, env: &[(String, String)]) {
    cmd.env_clear();
    for (k, v) in env {
        cmd.env(k, v);
    }
}

/// The real CLI binary: `$PATCHFELD_TEST_CLAUDE`, else
/// `<repo>/.claude-cli/node_modules/@anthropic-ai/claude-code-linux-x64/claude`.
pub fn real_claude_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PATCHFELD_TEST_CLAUDE") {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Some(p);
        }
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".claude-cli/node_modules/@anthropic-ai/claude-code-linux-x64/claude");
    p.is_file().then_some(p)
}

/// [`real_claude_path`], or a loud skip message on stderr naming `test`.
#[allow(clippy::print_stderr)]
pub fn real_claude_or_skip(test: &str) -> Option<PathBuf> {
    let found = real_claude_path();
    if found.is_none() {
        eprintln!(
            "\n!!! SKIPPED {test}: real Claude Code CLI not found. Set PATCHFELD_TEST_CLAUDE or \
             `npm install --prefix .claude-cli @anthropic-ai/claude-code@2.1.330`.\n"
        );
    }
    found
}

/// The last `role: user` message of a Messages request body.
fn last_user_message(body: &Value) -> Option<&Value> {
    body.get("messages")?
        .as_array()?
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
}

/// Text blocks (or string content) of the last user message, joined by newlines.
pub fn last_user_text(body: &Value) -> String {
    match last_user_message(body).and_then(|m| m.get("content")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The tool_result blocks of the last user message, each as plain text (string content or
/// text blocks joined) prefixed with `[error] ` when `is_error`.
pub fn last_tool_results(body: &Value) -> Vec<String> {
    let Some(Value::Array(blocks)) = last_user_message(body).and_then(|m| m.get("content")) else {
        return Vec::new();
    };
    blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
        .map(|b| {
            let text = match b.get("content") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|i| i.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join("\n"),
                _ => String::new(),
            };
            if b.get("is_error").and_then(Value::as_bool) == Some(true) {
                format!("[error] {text}")
            } else {
                text
            }
        })
        .collect()
}

// ---- HTTP ----

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut start = String::new();
    if reader.read_line(&mut start)? == 0 {
        return Ok(None);
    }
    let mut parts = start.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let path = parts.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            if n == 0 {
                let mut trailer = String::new();
                reader.read_line(&mut trailer)?;
                break;
            }
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            chunk.truncate(n);
            body.extend_from_slice(&chunk);
        }
    } else if let Some(n) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body = vec![0; n];
        reader.read_exact(&mut body)?;
    }
    Ok(Some(Request {
        method,
        path,
        headers,
        body,
    }))
}

fn serve(inner: &Inner, stream: TcpStream) -> std::io::Result<()> {
    if inner.shutdown.load(Ordering::SeqCst) {
        return Ok(());
    }
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    let Some(req) = read_request(&mut reader)? else {
        return Ok(());
    };
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let recorded = RecordedRequest {
        method: req.method.clone(),
        path: req.path.clone(),
        headers: req.headers,
        body: body.clone(),
    };
    let streaming = recorded.is_streaming_message();
    // Pick the reply before publishing the count, so a test woken by the count sees the
    // rule already consumed.
    let reply = streaming.then(|| pick_reply(inner, &body));
    lock(&inner.requests).push(recorded);
    if streaming {
        inner.streamed.send_modify(|c| *c += 1);
    }
    let seq = inner.seq.fetch_add(1, Ordering::SeqCst);
    let path = req.path.as_str();
    if req.method == "HEAD" || req.method == "GET" {
        return write_plain(
            &mut out,
            200,
            "OK",
            if req.method == "HEAD" { "" } else { "{}" },
        );
    }
    if path.starts_with("/v1/messages/count_tokens") {
        return write_plain(
            &mut out,
            200,
            "OK",
            &json!({"input_tokens": 10}).to_string(),
        );
    }
    if !path.starts_with("/v1/messages") {
        return write_plain(&mut out, 200, "OK", "{}");
    }
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("claude-fake")
        .to_owned();
    match reply {
        None => {
            let msg = json!({
                "id": format!("msg_fake_{seq}"), "type": "message", "role": "assistant",
                "model": model, "content": [{"type": "text", "text": "ok"}],
                "stop_reason": "end_turn", "stop_sequence": null,
                "usage": {"input_tokens": USAGE_INPUT, "output_tokens": 1},
            });
            write_plain(&mut out, 200, "OK", &msg.to_string())
        }
        Some(reply) => write_reply(&mut out, &reply, &model, seq),
    }
}

fn pick_reply(inner: &Inner, body: &Value) -> Reply {
    let mut rules = lock(&inner.rules);
    for rule in rules.iter_mut() {
        if rule.remaining == Some(0) || !rule.matcher.matches(body) {
            continue;
        }
        if let Some(n) = rule.remaining.as_mut() {
            *n -= 1;
        }
        if let Some(make) = &rule.make {
            return make(body);
        }
        return rule.reply.clone();
    }
    Reply::text("(fake api: no rule matched)")
}

fn write_plain(out: &mut TcpStream, status: u16, reason: &str, body: &str) -> std::io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    out.flush()
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        529 => "Overloaded",
        _ => "Error",
    }
}

fn sse(out: &mut TcpStream, event: &Value) -> std::io::Result<()> {
    let name = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("message");
    write!(out, "event: {name}\ndata: {event}\n\n")?;
    out.flush()
}

fn write_reply(out: &mut TcpStream, reply: &Reply, model: &str, seq: u64) -> std::io::Result<()> {
    if let Reply::Error { status, message } = reply {
        let kind = match status {
            400 => "invalid_request_error",
            429 => "rate_limit_error",
            529 => "overloaded_error",
            _ => "api_error",
        };
        let body = json!({"type": "error", "error": {"type": kind, "message": message}});
        return write_plain(out, *status, reason_phrase(*status), &body.to_string());
    }
    write!(
        out,
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nrequest-id: req_fake_{seq}\r\nconnection: close\r\n\r\n"
    )?;
    sse(
        out,
        &json!({"type": "message_start", "message": {
            "id": format!("msg_fake_{seq}"), "type": "message", "role": "assistant", "model": model,
            "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": USAGE_INPUT, "output_tokens": 1,
                      "cache_read_input_tokens": USAGE_CACHE_READ,
                      "cache_creation_input_tokens": USAGE_CACHE_CREATION},
        }}),
    )?;
    let blocks = match reply {
        Reply::Blocks(b) => b.clone(),
        Reply::Hold { gate, then } => {
            sse(out, &json!({"type": "ping"}))?;
            gate.wait(HOLD_CAP);
            match then.as_ref() {
                Reply::Blocks(b) => b.clone(),
                Reply::Error { .. } | Reply::Hold { .. } => Vec::new(),
            }
        }
        Reply::Error { .. } => Vec::new(),
    };
    let mut stop_reason = "end_turn";
    for (index, block) in blocks.iter().enumerate() {
        match block {
            ReplyBlock::Text(text) => {
                sse(
                    out,
                    &json!({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}),
                )?;
                for part in halves(text) {
                    sse(
                        out,
                        &json!({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": part}}),
                    )?;
                }
            }
            ReplyBlock::Thinking(text) => {
                sse(
                    out,
                    &json!({"type": "content_block_start", "index": index, "content_block": {"type": "thinking", "thinking": "", "signature": ""}}),
                )?;
                sse(
                    out,
                    &json!({"type": "content_block_delta", "index": index, "delta": {"type": "thinking_delta", "thinking": text}}),
                )?;
                sse(
                    out,
                    &json!({"type": "content_block_delta", "index": index, "delta": {"type": "signature_delta", "signature": "fake-signature"}}),
                )?;
            }
            ReplyBlock::ToolUse { name, input } => {
                stop_reason = "tool_use";
                let id = format!("toolu_fake_{seq}_{index}");
                sse(
                    out,
                    &json!({"type": "content_block_start", "index": index, "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}}),
                )?;
                let json_text = input.to_string();
                for part in halves(&json_text) {
                    sse(
                        out,
                        &json!({"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": part}}),
                    )?;
                }
            }
        }
        sse(out, &json!({"type": "content_block_stop", "index": index}))?;
    }
    sse(
        out,
        &json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null},
                "usage": {"output_tokens": USAGE_OUTPUT}}),
    )?;
    sse(out, &json!({"type": "message_stop"}))
}

/// Split in two at a char boundary near the middle, so clients must concatenate deltas.
fn halves(s: &str) -> Vec<&str> {
    if s.len() < 2 {
        return vec![s];
    }
    let mut mid = s.len() / 2;
    while !s.is_char_boundary(mid) {
        mid += 1;
    }
    vec![&s[..mid], &s[mid..]]
}

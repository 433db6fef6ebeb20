//! Integration tests of `patchfeld fake-agent`: the built binary over real pipes, scenario files in a tempdir.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(20);

struct Agent {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
    /// Every stdout line seen so far, for failure messages.
    seen: Vec<String>,
}

fn write_scenario(dir: &Path, scenario: &Value) -> PathBuf {
    let path = dir.join("scenario.json");
    std::fs::write(&path, scenario.to_string()).unwrap();
    path
}

fn spawn(dir: &Path, scenario: &Value, extra: &[&str], env: &[(&str, &Path)]) -> Agent {
    let path = write_scenario(dir, scenario);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_patchfeld"));
    cmd.arg("fake-agent")
        .arg("--scenario")
        .arg(&path)
        .args([
            "--output-format",
            "stream-json",
            "--verbose",
            "--input-format",
            "stream-json",
            "--permission-prompt-tool",
            "stdio",
        ])
        .args(extra)
        .current_dir(dir)
        .env_remove("PATCHFELD_FAKE_ARGV_LOG")
        .env_remove("PATCHFELD_FAKE_SESSIONS_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut err = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    Agent {
        stdin: child.stdin.take(),
        child,
        lines,
        stderr,
        seen: Vec::new(),
    }
}

fn user(text: &str) -> Value {
    json!({"type":"user","session_id":"","parent_tool_use_id":null,"message":{"role":"user","content":text}})
}

/// `type`, or `type/subtype` for system lines and control requests.
fn kind(v: &Value) -> String {
    let t = v["type"].as_str().unwrap_or("?");
    let sub = match t {
        "system" => v["subtype"].as_str(),
        "control_request" => v["request"]["subtype"].as_str(),
        _ => None,
    };
    match sub {
        Some(s) => format!("{t}/{s}"),
        None => t.to_owned(),
    }
}

impl Agent {
    fn send(&mut self, v: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{v}").unwrap();
        stdin.flush().unwrap();
    }

    fn send_raw(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    fn next_line(&mut self) -> String {
        match self.lines.recv_timeout(TIMEOUT) {
            Ok(l) => {
                self.seen.push(l.clone());
                l
            }
            Err(RecvTimeoutError::Timeout) => panic!(
                "no line within {TIMEOUT:?}; seen:\n{}",
                self.seen.join("\n")
            ),
            Err(RecvTimeoutError::Disconnected) => {
                panic!("stdout closed; seen:\n{}", self.seen.join("\n"))
            }
        }
    }

    fn next(&mut self) -> Value {
        let l = self.next_line();
        serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))
    }

    /// Reads lines until one satisfies `pred`; returns the skipped kinds and the match.
    fn until(&mut self, pred: impl Fn(&Value) -> bool) -> (Vec<String>, Value) {
        let mut skipped = Vec::new();
        loop {
            let v = self.next();
            if pred(&v) {
                return (skipped, v);
            }
            skipped.push(kind(&v));
        }
    }

    fn until_kind(&mut self, k: &str) -> (Vec<String>, Value) {
        self.until(|v| kind(v) == k)
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    fn wait(mut self) -> (i32, String, Vec<String>) {
        self.stdin = None;
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "process did not exit; seen:\n{}",
                self.seen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut rest = self.seen.clone();
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
            rest.push(l);
        }
        (
            status.code().unwrap_or(-1),
            self.stderr.join().unwrap(),
            rest,
        )
    }
}

fn one_script(turns: Value) -> Value {
    json!({"version":1,"model":"claude-fake-1","scripts":[{"match":"*","turns":turns}]})
}

fn control_answer(request_id: &str, response: Value) -> Value {
    json!({"type":"control_response","response":{"subtype":"success","request_id":request_id,"response":response}})
}

#[test]
fn text_turn_emits_the_cli_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = one_script(
        json!([[{"thinking":"hmm"},{"text":"hello"},{"text":"world"},
        {"usage":{"input_tokens":11,"output_tokens":22,"cost_usd":0.25}}]]),
    );
    let mut a = spawn(dir.path(), &scenario, &["--model", "claude-test-9"], &[]);
    a.send(&json!({"type":"control_request","request_id":"req_1","request":{"subtype":"initialize","hooks":null}}));
    let init_resp = a.next();
    assert_eq!(init_resp["response"]["subtype"], "success");
    assert_eq!(init_resp["response"]["request_id"], "req_1");
    assert_eq!(init_resp["response"]["response"]["session_state"], "idle");

    a.send(&user("hi there"));
    let kinds: Vec<Value> = (0..7).map(|_| a.next()).collect();
    let names: Vec<String> = kinds.iter().map(kind).collect();
    assert_eq!(
        names,
        [
            "system/session_state_changed",
            "system/init",
            "assistant",
            "assistant",
            "assistant",
            "result",
            "system/session_state_changed"
        ]
    );
    assert_eq!(kinds[0]["state"], "running");
    let sid = kinds[1]["session_id"].as_str().unwrap().to_owned();
    assert_eq!(sid.len(), 36, "a UUID session id: {sid}");
    assert_eq!(kinds[1]["model"], "claude-test-9");
    assert_eq!(
        kinds[1]["cwd"],
        dir.path().canonicalize().unwrap().to_str().unwrap()
    );
    assert_eq!(kinds[2]["message"]["content"][0]["type"], "thinking");
    assert_eq!(kinds[3]["message"]["content"][0]["text"], "hello");
    assert_eq!(
        kinds[3]["message"]["id"], kinds[4]["message"]["id"],
        "one API message per turn step group"
    );
    let r = &kinds[5];
    assert_eq!(r["subtype"], "success");
    assert_eq!(r["is_error"], false);
    assert_eq!(r["result"], "world");
    assert_eq!(r["session_id"], sid.as_str());
    assert_eq!(r["usage"]["input_tokens"], 11);
    assert_eq!(r["usage"]["output_tokens"], 22);
    assert_eq!(r["total_cost_usd"], 0.25);
    assert_eq!(r["num_turns"], 1);
    assert_eq!(kinds[6]["state"], "idle");
    let (code, _, _) = a.wait();
    assert_eq!(code, 0);
}

#[test]
fn permission_allow_with_updated_input_and_deny() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = one_script(json!([[
        {"tool":"Bash","input":{"command":"echo hi > out.txt 2>&1","description":"write out.txt"},"ask":true,"result":"wrote it"},
        {"tool":"Write","input":{"file_path":"x.txt","content":"X"},"ask":true,"result":"written"},
        {"text":"after"}
    ]]));
    let mut a = spawn(dir.path(), &scenario, &[], &[]);
    a.send(&user("go"));
    let (_, tool_use) = a.until(|v| v["type"] == "assistant");
    let block = &tool_use["message"]["content"][0];
    assert_eq!(block["type"], "tool_use");
    assert_eq!(block["name"], "Bash");
    let (skipped, req) = a.until_kind("control_request/can_use_tool");
    assert_eq!(
        skipped,
        ["system/session_state_changed"],
        "requires_action precedes the request"
    );
    let r = &req["request"];
    assert_eq!(r["tool_name"], "Bash");
    assert_eq!(r["tool_use_id"], block["id"]);
    assert_eq!(r["description"], "write out.txt");
    assert_eq!(r["input"]["command"], "echo hi > out.txt 2>&1");
    assert!(
        r["blocked_path"].as_str().unwrap().ends_with("/out.txt"),
        "the written file, not the fd duplication"
    );
    assert_eq!(r["permission_suggestions"][0]["type"], "addRules");
    let id = req["request_id"].as_str().unwrap().to_owned();
    a.send(&control_answer(
        &id,
        json!({"behavior":"allow","updatedInput":{"command":"echo bye > out.txt","description":"write out.txt"}}),
    ));
    let (skipped, res) = a.until(|v| v["type"] == "user");
    assert_eq!(skipped, ["system/session_state_changed"], "back to running");
    let tr = &res["message"]["content"][0];
    assert_eq!(tr["type"], "tool_result");
    assert_eq!(tr["tool_use_id"], block["id"]);
    assert_eq!(tr["is_error"], false);
    let text = tr["content"].as_str().unwrap();
    assert!(
        text.starts_with("wrote it") && text.contains("echo bye > out.txt"),
        "{text}"
    );

    let (_, req2) = a.until_kind("control_request/can_use_tool");
    assert_eq!(req2["request"]["tool_name"], "Write");
    let id2 = req2["request_id"].as_str().unwrap().to_owned();
    a.send(&control_answer(
        &id2,
        json!({"behavior":"deny","message":"User said no"}),
    ));
    let (_, res2) = a.until(|v| v["type"] == "user");
    assert_eq!(res2["message"]["content"][0]["is_error"], true);
    assert_eq!(res2["message"]["content"][0]["content"], "User said no");
    let (_, after) = a.until(|v| v["type"] == "assistant");
    assert_eq!(
        after["message"]["content"][0]["text"], "after",
        "a plain deny lets the turn go on"
    );
    let (_, result) = a.until_kind("result");
    assert_eq!(result["is_error"], false);
    assert_eq!(result["num_turns"], 3);
    assert_eq!(result["permission_denials"][0]["tool_name"], "Write");
    let (code, _, _) = a.wait();
    assert_eq!(code, 0);
}

#[test]
fn deny_with_interrupt_and_error_answer() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = one_script(json!([
        [{"tool":"Bash","input":{"command":"ls"},"ask":true},{"text":"not reached"}],
        [{"tool":"Bash","input":{"command":"ls"},"ask":true},{"text":"reached"}]
    ]));
    let mut a = spawn(dir.path(), &scenario, &[], &[]);
    a.send(&user("one"));
    let (_, req) = a.until_kind("control_request/can_use_tool");
    let id = req["request_id"].as_str().unwrap().to_owned();
    a.send(&control_answer(
        &id,
        json!({"behavior":"deny","message":"stop","interrupt":true}),
    ));
    let (_, tr) = a.until(|v| v["type"] == "user");
    assert_eq!(tr["message"]["content"][0]["is_error"], true);
    let (skipped, marker) = a.until(|v| v["type"] == "user");
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(
        marker["message"]["content"][0]["text"],
        "[Request interrupted by user for tool use]"
    );
    let (skipped, result) = a.until_kind("result");
    assert!(
        !skipped.contains(&"assistant".to_owned()),
        "the turn stops: {skipped:?}"
    );
    assert_eq!(result["subtype"], "error_during_execution");
    assert_eq!(result["is_error"], true);
    assert_eq!(result["terminal_reason"], "aborted_tools");

    a.send(&user("two"));
    let (_, req) = a.until_kind("control_request/can_use_tool");
    let id = req["request_id"].as_str().unwrap().to_owned();
    a.send(&json!({"type":"control_response","response":{"subtype":"error","request_id":id,"error":"host broke"}}));
    let (_, tr) = a.until(|v| v["type"] == "user");
    assert_eq!(
        tr["message"]["content"][0]["content"],
        "Tool permission request failed: Error: host broke"
    );
    let (_, r) = a.until_kind("result");
    assert_eq!(r["is_error"], false);
    assert_eq!(r["result"], "reached");
    let (code, _, _) = a.wait();
    assert_eq!(code, 0, "the last result was fine");
}

#[test]
fn mcp_handshake_and_tool_call_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = one_script(json!([[
        {"mcp":{"server":"patchfeld_child","tool":"notify_orchestrator","arguments":{"message":"done"}}},
        {"text":"notified"}
    ]]));
    let cfg = r#"{"mcpServers":{"patchfeld_child":{"type":"sdk","name":"patchfeld_child"}}}"#;
    let mut a = spawn(
        dir.path(),
        &scenario,
        &[
            "--mcp-config",
            cfg,
            "--allowedTools",
            "mcp__patchfeld_child__*",
        ],
        &[],
    );
    // The handshake comes at start-up, before any user message, like the real CLI.
    let mut methods = Vec::new();
    for _ in 0..3 {
        let req = a.next();
        assert_eq!(kind(&req), "control_request/mcp_message");
        assert_eq!(req["request"]["server_name"], "patchfeld_child");
        let msg = &req["request"]["message"];
        methods.push(msg["method"].as_str().unwrap().to_owned());
        let reply = match msg.get("id") {
            Some(id) => json!({"jsonrpc":"2.0","id":id,"result":{"tools":[]}}),
            None => json!({"jsonrpc":"2.0","result":{}}),
        };
        a.send(&control_answer(
            req["request_id"].as_str().unwrap(),
            json!({"mcp_response":reply}),
        ));
    }
    assert_eq!(
        methods,
        ["initialize", "notifications/initialized", "tools/list"]
    );

    a.send(&user("work"));
    let (_, init) = a.until_kind("system/init");
    assert_eq!(
        init["mcp_servers"][0],
        json!({"name":"patchfeld_child","status":"connected","source":"sdk"})
    );
    let (_, tool_use) = a.until(|v| v["type"] == "assistant");
    let block = &tool_use["message"]["content"][0];
    assert_eq!(block["name"], "mcp__patchfeld_child__notify_orchestrator");
    let (skipped, call) = a.until_kind("control_request/mcp_message");
    assert!(skipped.is_empty(), "allowed tools do not ask: {skipped:?}");
    let msg = &call["request"]["message"];
    assert_eq!(msg["method"], "tools/call");
    assert_eq!(msg["params"]["name"], "notify_orchestrator");
    assert_eq!(msg["params"]["arguments"], json!({"message":"done"}));
    assert_eq!(msg["params"]["_meta"]["claudecode/toolUseId"], block["id"]);
    a.send(&control_answer(
        call["request_id"].as_str().unwrap(),
        json!({"mcp_response":{"jsonrpc":"2.0","id":msg["id"],"result":{"content":[{"type":"text","text":"Notification delivered."}]}}}),
    ));
    let (_, tr) = a.until(|v| v["type"] == "user");
    let c = &tr["message"]["content"][0];
    assert_eq!(c["tool_use_id"], block["id"]);
    assert_eq!(c["is_error"], false);
    assert_eq!(
        c["content"],
        json!([{"type":"text","text":"Notification delivered."}])
    );
    let (_, r) = a.until_kind("result");
    assert_eq!(r["result"], "notified");
    assert_eq!(a.wait().0, 0);
}

#[test]
fn interrupt_aborts_the_turn_and_queued_messages_still_run_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = one_script(
        json!([[{"text":"started"},{"wait_for_interrupt":true},{"text":"never"}],[{"echo":true}]]),
    );
    let mut a = spawn(dir.path(), &scenario, &[], &[]);
    a.send(&user("first"));
    let (_, started) = a.until(|v| v["type"] == "assistant");
    assert_eq!(started["message"]["content"][0]["text"], "started");
    a.send(&user("second"));
    a.send(&user("third"));
    a.send(
        &json!({"type":"control_request","request_id":"req_int","request":{"subtype":"interrupt"}}),
    );
    let resp = a.next();
    assert_eq!(resp["response"]["request_id"], "req_int");
    assert_eq!(resp["response"]["response"], json!({"still_queued":[]}));
    let marker = a.next();
    assert_eq!(
        marker["message"]["content"][0]["text"],
        "[Request interrupted by user]"
    );
    let r = a.next();
    assert_eq!(r["type"], "result");
    assert_eq!(r["subtype"], "error_during_execution");
    assert_eq!(r["terminal_reason"], "aborted_streaming");

    let mut echoes = Vec::new();
    let mut idles = 0;
    while echoes.len() < 2 {
        let v = a.next();
        match kind(&v).as_str() {
            "result" => echoes.push(v["result"].as_str().unwrap().to_owned()),
            "system/session_state_changed" if v["state"] == "idle" => idles += 1,
            "assistant" => assert_ne!(v["message"]["content"][0]["text"], "never"),
            _ => {}
        }
    }
    assert_eq!(echoes, ["second", "third"]);
    assert_eq!(idles, 0, "no idle while queued messages remain");
    assert_eq!(a.next()["state"], "idle");
    assert_eq!(a.wait().0, 0, "last result was a success");
}

#[test]
fn interrupt_while_permission_pending_cancels_the_request() {
    let dir = tempfile::tempdir().unwrap();
    let scenario =
        one_script(json!([[{"tool":"Bash","input":{"command":"rm -rf build"},"ask":true}]]));
    let mut a = spawn(dir.path(), &scenario, &[], &[]);
    a.send(&user("clean"));
    let (_, req) = a.until_kind("control_request/can_use_tool");
    let id = req["request_id"].as_str().unwrap().to_owned();
    a.send(&json!({"type":"control_request","request_id":"i1","request":{"subtype":"interrupt"}}));
    let (_, cancel) = a.until(|v| v["type"] == "control_cancel_request");
    assert_eq!(cancel["request_id"], id.as_str());
    let (_, marker) =
        a.until(|v| v["type"] == "user" && v["message"]["content"][0]["type"] == "text");
    assert_eq!(
        marker["message"]["content"][0]["text"],
        "[Request interrupted by user for tool use]"
    );
    let (_, r) = a.until_kind("result");
    assert_eq!(r["terminal_reason"], "aborted_tools");
    assert_eq!(r["is_error"], true);
    assert_eq!(a.wait().0, 1, "exit 1 after an error result, like the CLI");
}

#[test]
fn queued_sends_become_turns_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = one_script(json!([[{"sleep_ms":300},{"echo":true}]]));
    let mut a = spawn(dir.path(), &scenario, &[], &[]);
    for m in ["a", "b", "c"] {
        a.send(&user(m));
    }
    let mut results = Vec::new();
    let mut inits = 0;
    while results.len() < 3 {
        let v = a.next();
        match kind(&v).as_str() {
            "system/init" => inits += 1,
            "result" => results.push(v["result"].as_str().unwrap().to_owned()),
            _ => {}
        }
    }
    assert_eq!(results, ["a", "b", "c"]);
    assert_eq!(inits, 3, "one init per turn");
    a.close_stdin();
    let (code, _, rest) = a.wait();
    assert_eq!(code, 0);
    assert!(rest.last().unwrap().contains("\"idle\""));
}

#[test]
fn crash_mid_turn_garbage_and_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = one_script(
        json!([[{"text":"about to crash"},{"garbage":"this is not json"},
        {"stderr":"panic: something broke"},{"exit":3}]]),
    );
    let mut a = spawn(dir.path(), &scenario, &[], &[]);
    a.send(&user("go"));
    let (_, _) = a.until(|v| v["type"] == "assistant");
    assert_eq!(a.next_line(), "this is not json");
    let (code, stderr, rest) = a.wait();
    assert_eq!(code, 3);
    assert!(stderr.contains("panic: something broke"), "{stderr}");
    assert!(
        !rest.iter().any(|l| l.contains("\"result\"")),
        "no result after a crash"
    );
}

#[test]
fn api_error_result_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let scenario =
        one_script(json!([[{"error_result":"API Error: 500 boom"},{"text":"not reached"}]]));
    let mut a = spawn(dir.path(), &scenario, &[], &[]);
    a.send(&user("go"));
    let (_, line) = a.until(|v| v["type"] == "assistant");
    assert_eq!(line["message"]["model"], "<synthetic>");
    assert_eq!(line["is_api_error_message"], true);
    let r = a.next();
    assert_eq!(r["type"], "result");
    assert_eq!(r["subtype"], "success");
    assert_eq!(r["is_error"], true);
    assert_eq!(r["result"], "API Error: 500 boom");
    assert_eq!(r["api_error_status"], 500);
    assert_eq!(a.wait().0, 1);
}

#[test]
fn host_control_requests_and_junk_input() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = one_script(json!([[{"text":"ok"}]]));
    let mut a = spawn(dir.path(), &scenario, &[], &[]);
    a.send_raw("definitely not json");
    a.send(&json!({"type":"control_request","request_id":"m","request":{"subtype":"set_model","model":"claude-other"}}));
    assert_eq!(
        a.next()["response"]["response"],
        json!({"model":"claude-other"})
    );
    a.send(&json!({"type":"control_request","request_id":"p","request":{"subtype":"set_permission_mode","mode":"acceptEdits"}}));
    assert_eq!(
        a.next()["response"]["response"],
        json!({"mode":"acceptEdits"})
    );
    let status = a.next();
    assert_eq!(kind(&status), "system/status");
    assert_eq!(status["permissionMode"], "acceptEdits");
    a.send(&json!({"type":"control_request","request_id":"b","request":{"subtype":"set_permission_mode","mode":"bypassPermissions"}}));
    let e = a.next();
    assert_eq!(e["response"]["subtype"], "error");
    assert_eq!(e["response"]["error_code"], "bypass_not_launched");
    a.send(&json!({"type":"control_request","request_id":"x","request":{"subtype":"frobnicate"}}));
    let e = a.next();
    assert_eq!(
        e["response"]["error"],
        "Unsupported control request subtype: frobnicate"
    );
    a.send(&user("go"));
    let (_, init) = a.until_kind("system/init");
    assert_eq!(init["model"], "claude-other");
    assert_eq!(init["permissionMode"], "acceptEdits");
    let (_, asst) = a.until(|v| v["type"] == "assistant");
    assert_eq!(asst["message"]["model"], "claude-other");
    let (code, stderr, _) = a.wait();
    assert_eq!(code, 0);
    assert!(stderr.contains("definitely not json"), "{stderr}");
}

#[test]
fn argv_log_records_pid_pgid_args_and_cwd() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("argv.jsonl");
    let scenario = one_script(json!([[{"text":"ok"}]]));
    let a = spawn(
        dir.path(),
        &scenario,
        &[
            "--resume=0b5c7a4e-1111-4222-8333-944455556666",
            "--append-system-prompt",
            "be brief",
        ],
        &[("PATCHFELD_FAKE_ARGV_LOG", &log)],
    );
    let pid = a.child.id();
    let (code, _, _) = a.wait();
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&log).unwrap();
    let v: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(v["pid"], pid);
    assert!(v["pgid"].as_i64().unwrap() > 0);
    let args: Vec<&str> = v["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        args.contains(&"--resume=0b5c7a4e-1111-4222-8333-944455556666"),
        "{args:?}"
    );
    assert!(args.contains(&"be brief"));
    assert_eq!(
        v["cwd"],
        dir.path().canonicalize().unwrap().to_str().unwrap()
    );
}

#[test]
fn resume_unknown_session_fails_and_known_session_carries_history() {
    let dir = tempfile::tempdir().unwrap();
    let sessions = dir.path().join("sessions");
    let scenario = json!({"version":1,"scripts":[
        {"match":"remember","turns":[[{"text":"noted"}],[{"say_history":true}]]}]});
    let env = [("PATCHFELD_FAKE_SESSIONS_DIR", sessions.as_path())];

    let unknown = "11111111-2222-4333-8444-555555555555";
    let resume_flag = format!("--resume={unknown}");
    let mut a = spawn(dir.path(), &scenario, &[&resume_flag], &env);
    a.send(&user("hello?"));
    let r = a.next();
    assert_eq!(r["type"], "result");
    assert_eq!(r["subtype"], "error_during_execution");
    assert_eq!(r["is_error"], true);
    assert_eq!(r["num_turns"], 0);
    assert_eq!(r["session_id"], unknown);
    assert_eq!(
        r["errors"][0],
        format!("No conversation found with session ID: {unknown}")
    );
    let (code, stderr, _) = a.wait();
    assert_eq!(code, 1);
    assert!(stderr.contains("No conversation found"), "{stderr}");

    let sid = "99999999-2222-4333-8444-555555555555";
    let mut a = spawn(
        dir.path(),
        &scenario,
        &[&format!("--session-id={sid}")],
        &env,
    );
    a.send(&user("remember apples"));
    let (_, r) = a.until_kind("result");
    assert_eq!(r["session_id"], sid);
    assert_eq!(a.wait().0, 0);

    // The script is picked by the session's first message, and the turn index continues.
    let mut a = spawn(dir.path(), &scenario, &[&format!("--resume={sid}")], &env);
    a.send(&user("what did I say?"));
    let (_, init) = a.until_kind("system/init");
    assert_eq!(init["session_id"], sid);
    let (_, said) = a.until(|v| v["type"] == "assistant");
    assert_eq!(
        said["message"]["content"][0]["text"],
        "history: 1 messages: remember apples"
    );
    assert_eq!(a.wait().0, 0);
}

#[test]
fn malformed_scenario_exits_2_with_the_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = one_script(json!([[{"text":"ok"}],[{"sleep_ms":"soon"}]]));
    let a = spawn(dir.path(), &scenario, &[], &[]);
    let (code, stderr, out) = a.wait();
    assert_eq!(code, 2);
    assert!(
        stderr.contains("$.scripts[0].turns[1][0].sleep_ms"),
        "{stderr}"
    );
    assert!(out.is_empty(), "nothing on stdout: {out:?}");
}

/// Plays a cooperative host until the first result: answers the MCP handshake, allows every
/// permission, answers every tools/call with "ok". Returns all lines up to and including the result.
fn drive_to_result(a: &mut Agent) -> Vec<Value> {
    let mut lines = Vec::new();
    loop {
        let v = a.next();
        let id = v["request_id"].as_str().unwrap_or("").to_owned();
        match kind(&v).as_str() {
            "control_request/mcp_message" => {
                let msg = &v["request"]["message"];
                let reply = match msg["method"].as_str() {
                    Some("tools/call") => {
                        json!({"jsonrpc":"2.0","id":msg["id"],"result":{"content":[{"type":"text","text":"ok"}]}})
                    }
                    Some("notifications/initialized") => json!({"jsonrpc":"2.0","result":{}}),
                    _ => json!({"jsonrpc":"2.0","id":msg["id"],"result":{"tools":[]}}),
                };
                a.send(&control_answer(&id, json!({"mcp_response":reply})));
            }
            "control_request/can_use_tool" => {
                let input = v["request"]["input"].clone();
                a.send(&control_answer(
                    &id,
                    json!({"behavior":"allow","updatedInput":input}),
                ));
            }
            _ => {}
        }
        let done = v["type"] == "result";
        lines.push(v);
        if done {
            return lines;
        }
    }
}

#[test]
fn demo_scenario_plays_the_tour() {
    let scenario: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/demo/scenario.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let orch_cfg = r#"{"mcpServers":{"patchfeld":{"type":"sdk","name":"patchfeld"}}}"#;
    let child_cfg = r#"{"mcpServers":{"patchfeld_child":{"type":"sdk","name":"patchfeld_child"}}}"#;

    let dir = tempfile::tempdir().unwrap();
    let mut orch = spawn(dir.path(), &scenario, &["--mcp-config", orch_cfg], &[]);
    orch.send(&user("Show me a patchfeld demo"));
    let lines = drive_to_result(&mut orch);
    let spawns: Vec<&Value> = lines
        .iter()
        .filter(|v| {
            v["type"] == "control_request"
                && v["request"]["message"]["params"]["name"] == "spawn_agent"
        })
        .map(|v| &v["request"]["message"]["params"]["arguments"])
        .collect();
    assert_eq!(spawns.len(), 2);
    assert_eq!(lines.last().unwrap()["is_error"], false);
    let prompts: Vec<String> = spawns
        .iter()
        .map(|a| a["prompt"].as_str().unwrap().to_owned())
        .collect();

    // Each child in its own process, concurrently, as the app runs them.
    let handles: Vec<_> = prompts
        .into_iter()
        .map(|prompt| {
            std::thread::spawn(move || {
                let dir = tempfile::tempdir().unwrap();
                let scenario: Value = serde_json::from_str(
                    &std::fs::read_to_string(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/assets/demo/scenario.json"
                    ))
                    .unwrap(),
                )
                .unwrap();
                let mut child = spawn(dir.path(), &scenario, &["--mcp-config", child_cfg], &[]);
                child.send(&user(&prompt));
                let lines = drive_to_result(&mut child);
                let asks = lines
                    .iter()
                    .filter(|v| kind(v) == "control_request/can_use_tool")
                    .count();
                let notified = lines
                    .iter()
                    .any(|v| v["request"]["message"]["params"]["name"] == "notify_orchestrator");
                let tools = lines
                    .iter()
                    .filter(|v| {
                        v["type"] == "assistant" && v["message"]["content"][0]["type"] == "tool_use"
                    })
                    .count();
                let ok = lines.last().unwrap()["is_error"] == false;
                assert_eq!(child.wait().0, 0);
                (asks, notified, tools, ok)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        results.iter().map(|r| r.0).sum::<usize>(),
        1,
        "exactly one permission prompt"
    );
    assert!(results.iter().all(|r| r.1 && r.3), "{results:?}");
    assert!(
        results.iter().all(|r| r.2 >= 3),
        "children call several tools: {results:?}"
    );

    // The orchestrator answers a child's notification with its catch-all turn.
    orch.send(&user(
        "[from agent 0123456789ab] Test suite finished: 48 passed",
    ));
    let reply = drive_to_result(&mut orch);
    assert_eq!(reply.last().unwrap()["is_error"], false);
    assert!(reply.last().unwrap()["result"].as_str().unwrap().len() > 10);
    assert_eq!(orch.wait().0, 0);
}

#[test]
fn interrupt_during_a_long_mcp_call_cancels_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = one_script(json!([[
        {"mcp":{"server":"patchfeld_child","tool":"ask_orchestrator","arguments":{"question":"which branch?"}}},
        {"text":"never"}
    ]]));
    let cfg = r#"{"mcpServers":{"patchfeld_child":{"type":"sdk","name":"patchfeld_child"}}}"#;
    let mut a = spawn(dir.path(), &scenario, &["--mcp-config", cfg], &[]);
    for _ in 0..3 {
        let req = a.next();
        let reply = json!({"jsonrpc":"2.0","id":req["request"]["message"]["id"],"result":{}});
        a.send(&control_answer(
            req["request_id"].as_str().unwrap(),
            json!({"mcp_response":reply}),
        ));
    }
    a.send(&user("go"));
    let (_, call) = a.until(|v| v["request"]["message"]["method"] == "tools/call");
    let id = call["request_id"].as_str().unwrap().to_owned();
    a.send(&json!({"type":"control_request","request_id":"i","request":{"subtype":"interrupt"}}));
    let (_, cancel) = a.until(|v| v["type"] == "control_cancel_request");
    assert_eq!(cancel["request_id"], id.as_str());
    let (skipped, r) = a.until_kind("result");
    assert!(!skipped.contains(&"assistant".to_owned()), "{skipped:?}");
    assert_eq!(r["terminal_reason"], "aborted_tools");
    // A late answer to the cancelled call is tolerated.
    a.send(&control_answer(
        &id,
        json!({"mcp_response":{"jsonrpc":"2.0","id":2,"result":{"content":[]}}}),
    ));
    let (code, stderr, _) = a.wait();
    assert_eq!(code, 1);
    assert!(stderr.contains(&id), "late answer reported: {stderr}");
}

#[test]
fn stdin_closing_while_permission_pending_fails_the_tool_and_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = one_script(
        json!([[{"tool":"Bash","input":{"command":"make"},"ask":true},{"text":"wrapped up"}]]),
    );
    let mut a = spawn(dir.path(), &scenario, &[], &[]);
    a.send(&user("build"));
    let _ = a.until_kind("control_request/can_use_tool");
    a.close_stdin();
    let (_, tr) = a.until(|v| v["type"] == "user");
    assert_eq!(
        tr["message"]["content"][0]["content"],
        "Tool permission request failed: AbortError: Tool permission stream closed before response received"
    );
    let (_, r) = a.until_kind("result");
    assert_eq!(r["result"], "wrapped up");
    assert_eq!(a.wait().0, 0);
}

#[test]
fn burst_emits_n_numbered_text_lines_then_the_result() {
    let dir = tempfile::tempdir().unwrap();
    // Enough lines for several 64 KiB chunks.
    let n = 3000;
    let scenario = one_script(json!([[{"burst": n}]]));
    let mut a = spawn(dir.path(), &scenario, &[], &[]);
    a.send(&user("go"));
    let (_, result) = a.until_kind("result");
    let texts: Vec<String> = a
        .seen
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["type"] == "assistant")
        .map(|v| {
            v["message"]["content"][0]["text"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(texts.len(), n);
    for (k, t) in texts.iter().enumerate() {
        assert!(t.starts_with(&format!("burst {k}: ")), "line {k}: {t}");
    }
    assert_eq!(result["subtype"], "success");
    assert_eq!(result["result"], texts[n - 1].as_str());
    let (code, _, _) = a.wait();
    assert_eq!(code, 0);
}

//! End-to-end layout tools: the built binary in a pseudo-terminal with the fake agent as the
//! orchestrator. It calls `set_layout` with an invalid spec (a precise error comes back as the
//! tool result, the dashboard stays), then with a valid one (the screen changes, workspace.json
//! is updated, a Command panel runs); a relaunch restores it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use serde_json::json;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const ROWS: u16 = 45;
const COLS: u16 = 160;
const WAIT: Duration = Duration::from_secs(30);

struct Session {
    parser: vt100::Parser,
    chunks: mpsc::Receiver<Vec<u8>>,
    eof: bool,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Session {
    fn launch(project: &Path, config: &Path, claude: &Path) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_patchfeld"));
        cmd.arg(project);
        cmd.arg("--claude");
        cmd.arg(claude);
        cmd.env("PATCHFELD_CONFIG_DIR", config);
        cmd.env("HOME", config);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("PATCHFELD_CLAUDE");
        cmd.cwd(project);
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Self {
            parser: vt100::Parser::new(ROWS, COLS, 0),
            chunks: rx,
            eof: false,
            writer,
            child,
            _master: pty.master,
        }
    }

    fn text(&self) -> String {
        self.parser.screen().contents()
    }

    fn read_until(&mut self, limit: Duration, pred: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if pred(&self.text()) {
                return true;
            }
            if self.eof {
                return false;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            match self.chunks.recv_timeout(left) {
                Ok(bytes) => {
                    if bytes.windows(4).any(|w| w == b"\x1b[6n") {
                        let _ = self.writer.write_all(b"\x1b[1;1R");
                        let _ = self.writer.flush();
                    }
                    self.parser.process(&bytes);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => return pred(&self.text()),
                Err(mpsc::RecvTimeoutError::Disconnected) => self.eof = true,
            }
        }
    }

    fn expect(&mut self, wanted: &[&str]) {
        if !self.read_until(WAIT, |t| wanted.iter().all(|w| t.contains(w))) {
            let _ = self.child.kill();
            panic!("waited for {wanted:?}; screen:\n{}", self.text());
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    fn quit(mut self) {
        self.send(&[0x11]);
        self.read_until(Duration::from_secs(20), |_| false);
        assert!(self.eof, "app did not exit after ctrl-q");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status:?}");
                return;
            }
            assert!(Instant::now() < deadline, "child did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A `claude` that is the fake agent playing `scenario`.
fn fake_claude(dir: &Path, scenario: &serde_json::Value) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let scenario_path = dir.join("scenario.json");
    std::fs::write(&scenario_path, serde_json::to_vec(scenario).unwrap()).unwrap();
    let script = dir.join("claude");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec '{}' fake-agent --scenario '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_patchfeld"),
            scenario_path.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// Every file under `dir` whose text contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_containing(&p, needle));
        } else if std::fs::read_to_string(&p).is_ok_and(|t| t.contains(needle)) {
            out.push(p);
        }
    }
    out
}

#[test]
fn orchestrator_set_layout_error_then_success_is_saved_and_restored() {
    let project = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let set_layout = |spec: serde_json::Value| json!({"mcp": {"server": "patchfeld", "tool": "set_layout", "arguments": {"spec": spec}}});
    let invalid = json!({"layout": {"type": "horizontal", "children": [
        {"id": "orch", "widget": "OrchestratorChat"},
        {"id": "x", "widget": "AgentTable", "size": "120%"}]}});
    let valid = json!({"layout": {"type": "horizontal", "children": [
        {"id": "orch", "widget": "OrchestratorChat", "size": "50%"},
        {"id": "cmd", "widget": "Command", "props": {"cmd": "printf 'hello-from-%s\\n' command"}}]}});
    let scenario = json!({"version": 1, "model": "claude-fake-1", "scripts": [{"match": "*", "turns": [
        [set_layout(invalid), {"text": "first-turn-done"}],
        [set_layout(valid), {"text": "second-turn-done"}]
    ]}]});
    let claude = fake_claude(config.path(), &scenario);
    let ws_path = project.path().join(".patchfeld/workspace.json");

    let mut app = Session::launch(project.path(), config.path(), &claude);
    app.expect(&["Orchestrator", "Agents", "Activity"]);
    let before = std::fs::read_to_string(&ws_path).unwrap();
    app.send(b"go\r");
    app.expect(&["first-turn-done"]);
    // The precise error went back to the orchestrator as the tool result…
    let hits = files_containing(
        &project.path().join(".patchfeld"),
        r#"layout.children[1].size: \"120%\" exceeds 100%"#,
    );
    assert!(
        !hits.is_empty(),
        "the tool error is not in the orchestrator's transcript"
    );
    // …and nothing changed.
    let text = app.text();
    assert!(
        text.contains("Agents") && text.contains("Activity"),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&ws_path).unwrap(), before);

    app.send(b"again\r");
    app.expect(&["second-turn-done", "hello-from-command", "✓ 0"]);
    let text = app.text();
    assert!(!text.contains("Activity"), "the dashboard is gone:\n{text}");
    let saved = std::fs::read_to_string(&ws_path).unwrap();
    assert!(
        saved.contains("\"widget\": \"Command\"") && saved.contains("hello-from-"),
        "{saved}"
    );
    app.quit();

    // Relaunch: the layout comes back and its command runs again.
    let mut again = Session::launch(project.path(), config.path(), &claude);
    again.expect(&["Orchestrator", "hello-from-command", "✓ 0"]);
    assert!(!again.text().contains("Activity"));
    again.quit();
}

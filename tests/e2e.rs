//! End-to-end: the built binary in a pseudo-terminal — keys in, screen text out. Launch, see
//! the dashboard, answer a permission in the demo, quit with ctrl-q, find the terminal restored.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const ROWS: u16 = 45;
const COLS: u16 = 160;

/// The app running in a pty, its output fed into a vt100 screen.
struct Session {
    parser: vt100::Parser,
    chunks: mpsc::Receiver<Vec<u8>>,
    eof: bool,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Session {
    fn launch(project: &Path, config: &Path, args: &[&str]) -> Self {
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
        for a in args {
            cmd.arg(a);
        }
        cmd.env("PATCHFELD_CONFIG_DIR", config);
        cmd.env("HOME", config);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("PATCHFELD_CLAUDE");
        cmd.cwd(project);
        let child = pty.slave.spawn_command(cmd).unwrap();
        // Only the child holds the slave now, so the reader sees EOF when it exits.
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

    /// Read output until `pred` holds for the screen, the output ends, or `limit` passes.
    fn read_until(&mut self, limit: Duration, pred: impl Fn(&vt100::Screen) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if pred(self.parser.screen()) {
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
                    // Answer cursor-position queries like a real terminal would.
                    if bytes.windows(4).any(|w| w == b"\x1b[6n") {
                        let _ = self.writer.write_all(b"\x1b[1;1R");
                        let _ = self.writer.flush();
                    }
                    self.parser.process(&bytes);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => return pred(self.parser.screen()),
                Err(mpsc::RecvTimeoutError::Disconnected) => self.eof = true,
            }
        }
    }

    /// Wait for every string to be on screen, or fail showing the screen.
    fn expect(&mut self, limit: Duration, wanted: &[&str]) {
        let ok = self.read_until(limit, |s| {
            let text = s.contents();
            wanted.iter().all(|w| text.contains(w))
        });
        if !ok {
            let _ = self.child.kill();
            panic!("waited for {wanted:?}; screen:\n{}", self.text());
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    /// ctrl-q, then: the output ends, the exit status is 0, the terminal is restored.
    fn quit_and_check_restored(mut self) {
        self.send(&[0x11]);
        // The final bytes the app writes restore the terminal; then the output ends.
        self.read_until(Duration::from_secs(20), |_| false);
        assert!(self.eof, "app did not exit within 20s after ctrl-q");
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "child did not exit");
            // The pty closed already; only the zombie reaping is left.
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "exit status {status:?}");
        let s = self.parser.screen();
        assert!(!s.alternate_screen(), "left the alternate screen");
        assert!(!s.hide_cursor(), "cursor visible again");
    }
}

#[test]
fn launches_shows_dashboard_and_quits_cleanly() {
    let project = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut app = Session::launch(
        project.path(),
        config.path(),
        &["--claude", "/nonexistent/claude"],
    );
    app.expect(
        Duration::from_secs(30),
        &[
            "Orchestrator",
            "Agents",
            "Activity",
            "Claude Code was not found",
        ],
    );
    assert!(
        app.parser.screen().alternate_screen(),
        "TUI runs on the alternate screen"
    );
    let text = app.text();
    assert!(
        text.contains("npm install -g @anthropic-ai/claude-code"),
        "install hint shown in full:\n{text}"
    );
    assert!(
        project.path().join(".patchfeld/workspace.json").is_file(),
        "first launch seeds the workspace"
    );
    app.quit_and_check_restored();
}

#[test]
fn demo_agents_run_ask_permission_and_finish() {
    let project = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut app = Session::launch(project.path(), config.path(), &["--demo"]);
    app.expect(
        Duration::from_secs(30),
        &["Orchestrator", "researcher", "tester"],
    );
    app.expect(Duration::from_secs(60), &["wants to use", "y allow once"]);
    app.send(b"y");
    let finished = app.read_until(Duration::from_secs(60), |s| {
        let text = s.contents();
        !text.contains("wants to use")
            && text.lines().any(|l| l.contains("✓ researcher"))
            && text.lines().any(|l| l.contains("✓ tester"))
    });
    if !finished {
        panic!("demo agents did not finish; screen:\n{}", app.text());
    }
    app.quit_and_check_restored();
}

#[test]
fn new_tab_is_shown_saved_and_restored() {
    let project = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let args = ["--claude", "/nonexistent/claude"];
    let wait = Duration::from_secs(30);
    let mut app = Session::launch(project.path(), config.path(), &args);
    app.expect(wait, &["Orchestrator", "Agents", "Activity"]);
    assert!(
        config.path().join("layouts/default.json").is_file(),
        "the default named layout is seeded"
    );
    // ctrl-t, a name, Enter: the new tab shows the activity feed (the chat is elsewhere).
    app.send(&[0x14]);
    app.expect(
        wait,
        &["New tab", "(blank: chat or activity feed)", "default"],
    );
    app.send(b"logs\r");
    app.expect(wait, &["1:default", "2:logs"]);
    let ws = std::fs::read_to_string(project.path().join(".patchfeld/workspace.json")).unwrap();
    assert!(ws.contains("\"title\": \"logs\""), "{ws}");
    // alt-1 (ESC 1) goes back to the dashboard.
    app.send(b"\x1b1");
    app.expect(wait, &["1:default", "Orchestrator", "Agents"]);
    app.quit_and_check_restored();

    let mut again = Session::launch(project.path(), config.path(), &args);
    again.expect(wait, &["1:default", "2:logs", "Orchestrator"]);
    again.quit_and_check_restored();
}

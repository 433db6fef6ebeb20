//! End-to-end for layouts: the built binary in a pseudo-terminal. ctrl-t adds a tab (tab strip
//! appears), alt-1 jumps back, the workspace is saved and a relaunch restores the tabs; the
//! `default` named layout is seeded in the config dir.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const ROWS: u16 = 30;
const COLS: u16 = 120;

struct Session {
    parser: vt100::Parser,
    chunks: mpsc::Receiver<Vec<u8>>,
    eof: bool,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Session {
    fn launch(project: &Path, config: &Path) -> Self {
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
        cmd.args(["--claude", "/nonexistent/claude"]);
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

    fn read_until(&mut self, limit: Duration, pred: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if pred(&self.parser.screen().contents()) {
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
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return pred(&self.parser.screen().contents());
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => self.eof = true,
            }
        }
    }

    fn expect(&mut self, wanted: &[&str]) {
        let ok = self.read_until(Duration::from_secs(30), |t| {
            wanted.iter().all(|w| t.contains(w))
        });
        if !ok {
            let _ = self.child.kill();
            panic!(
                "waited for {wanted:?}; screen:\n{}",
                self.parser.screen().contents()
            );
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    fn quit(mut self) {
        self.send(&[0x11]);
        self.read_until(Duration::from_secs(20), |_| false);
        assert!(self.eof, "app did not exit within 20s after ctrl-q");
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

#[test]
fn new_tab_is_shown_saved_and_restored() {
    let project = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut app = Session::launch(project.path(), config.path());
    app.expect(&["Orchestrator", "Agents", "Activity"]);
    assert!(
        config.path().join("layouts/default.json").is_file(),
        "the default named layout is seeded"
    );
    // ctrl-t, a name, Enter: the new tab shows the activity feed (the chat is elsewhere).
    app.send(&[0x14]);
    app.expect(&["New tab", "(blank: chat or activity feed)", "default"]);
    app.send(b"logs\r");
    app.expect(&["1:default", "2:logs"]);
    let ws = std::fs::read_to_string(project.path().join(".patchfeld/workspace.json")).unwrap();
    assert!(ws.contains("\"title\": \"logs\""), "{ws}");
    // alt-1 (ESC 1) goes back to the dashboard.
    app.send(b"\x1b1");
    app.expect(&["1:default", "Orchestrator", "Agents"]);
    app.quit();

    let mut again = Session::launch(project.path(), config.path());
    again.expect(&["1:default", "2:logs", "Orchestrator"]);
    again.quit();
}

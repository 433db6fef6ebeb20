//! End-to-end: the built binary in a pseudo-terminal — launch, see the dashboard and the
//! "Claude Code was not found" hint, quit with ctrl-q, and find the terminal restored.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const ROWS: u16 = 45;
const COLS: u16 = 160;

/// The pty output, fed into a vt100 screen; answers cursor-position queries like a terminal.
struct Screen {
    parser: vt100::Parser,
    chunks: mpsc::Receiver<Vec<u8>>,
    eof: bool,
}

impl Screen {
    /// Read until `pred` holds for the screen, the output ends, or `limit` passes.
    fn read_until(
        &mut self,
        writer: &mut dyn Write,
        limit: Duration,
        pred: impl Fn(&vt100::Screen) -> bool,
    ) -> bool {
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
                    if bytes.windows(4).any(|w| w == b"\x1b[6n") {
                        let _ = writer.write_all(b"\x1b[1;1R");
                        let _ = writer.flush();
                    }
                    self.parser.process(&bytes);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => return pred(self.parser.screen()),
                Err(mpsc::RecvTimeoutError::Disconnected) => self.eof = true,
            }
        }
    }
}

#[test]
fn launches_shows_dashboard_and_quits_cleanly() {
    let project = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_patchfeld"));
    cmd.arg(project.path());
    cmd.arg("--claude");
    cmd.arg("/nonexistent/claude");
    cmd.env("PATCHFELD_CONFIG_DIR", config.path());
    cmd.env("HOME", config.path());
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("PATCHFELD_CLAUDE");
    cmd.cwd(project.path());
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    // Only the child holds the slave now, so the reader sees EOF when it exits.
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let mut writer = pty.master.take_writer().unwrap();
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
    let mut screen = Screen {
        parser: vt100::Parser::new(ROWS, COLS, 0),
        chunks: rx,
        eof: false,
    };

    let shown = screen.read_until(&mut *writer, Duration::from_secs(30), |s| {
        let text = s.contents();
        [
            "Orchestrator",
            "Agents",
            "Activity",
            "Claude Code was not found",
        ]
        .iter()
        .all(|t| text.contains(t))
    });
    let text = screen.parser.screen().contents();
    if !shown {
        let _ = child.kill();
        panic!("dashboard did not appear; screen:\n{text}");
    }
    assert!(
        screen.parser.screen().alternate_screen(),
        "TUI runs on the alternate screen"
    );
    assert!(
        text.contains("npm install -g @anthropic-ai/claude-code")
            || text.contains("npm install -g"),
        "{text}"
    );
    assert!(
        project.path().join(".patchfeld/workspace.json").is_file(),
        "first launch seeds the workspace"
    );

    writer.write_all(&[0x11]).unwrap(); // ctrl-q
    writer.flush().unwrap();
    // The output ends when the child exits; the final bytes restore the terminal.
    screen.read_until(&mut *writer, Duration::from_secs(20), |_| false);
    assert!(screen.eof, "app did not exit within 20s after ctrl-q");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "child did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status:?}");
    let s = screen.parser.screen();
    assert!(!s.alternate_screen(), "left the alternate screen");
    assert!(!s.hide_cursor(), "cursor visible again");
}

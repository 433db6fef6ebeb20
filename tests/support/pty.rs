//! The built binary in a pseudo-terminal, its output fed into a vt100 screen: keys in, screen
//! text out (tests/e2e.rs, tests/layout_e2e.rs).

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const ROWS: u16 = 45;
pub const COLS: u16 = 160;

/// The app running in a pty, its output fed into a vt100 screen.
pub struct Session {
    pub parser: vt100::Parser,
    chunks: mpsc::Receiver<Vec<u8>>,
    eof: bool,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Session {
    pub fn launch(project: &Path, config: &Path, args: &[&str]) -> Self {
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

    /// The app's process id.
    #[allow(dead_code)] // not every suite needs it
    pub fn pid(&self) -> u32 {
        self.child.process_id().unwrap()
    }

    pub fn text(&self) -> String {
        self.parser.screen().contents()
    }

    /// Read output until `pred` holds for the screen, the output ends, or `limit` passes.
    pub fn read_until(&mut self, limit: Duration, pred: impl Fn(&vt100::Screen) -> bool) -> bool {
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
    pub fn expect(&mut self, limit: Duration, wanted: &[&str]) {
        let ok = self.read_until(limit, |s| {
            let text = s.contents();
            wanted.iter().all(|w| text.contains(w))
        });
        if !ok {
            let _ = self.child.kill();
            panic!("waited for {wanted:?}; screen:\n{}", self.text());
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    /// ctrl-q, then: the output ends, the exit status is 0, the terminal is restored.
    pub fn quit_and_check_restored(mut self) {
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

//! The Terminal widget's IO: a child in a pseudo-terminal (portable-pty). A reader thread
//! parses the child's output straight into a shared vt100 screen and posts at most one
//! `PtyOutput` until the UI has drawn it (so `yes` costs one event per frame, not per read);
//! a writer thread owns the pty's write side (a child that stops reading never blocks the
//! UI); a waiter thread reaps the child and posts its exit. Dropping the session hangs up
//! the child's whole process group (SIGHUP, then SIGKILL if it lingers).

use crate::ui::app_event::AppEvent;
use crate::ui::sources::workspace_io::{PanelKey, WorkspaceEvent};
use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Lines of scrollback kept per terminal.
pub(crate) const SCROLLBACK: usize = 5000;
/// How long a hung-up child may take before its group is killed.
const HANGUP_GRACE: Duration = Duration::from_millis(500);

static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

/// A running terminal child.
pub(crate) struct PtySession {
    /// Unique id (events of other sessions are stale).
    pub id: u64,
    /// The child's pid (= its process group: portable-pty makes it a session leader).
    pub pid: Option<u32>,
    parser: Arc<Mutex<tui_term::vt100::Parser>>,
    /// Set by the reader when it posted, cleared by the UI when it drew.
    pending: Arc<AtomicBool>,
    exited: Arc<AtomicBool>,
    master: Box<dyn MasterPty + Send>,
    input: Sender<Vec<u8>>,
    size: (u16, u16),
}

impl std::fmt::Debug for PtySession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PtySession")
            .field("id", &self.id)
            .field("pid", &self.pid)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PtySpec {
    /// Shell command line (`$SHELL -c`), or `None` for an interactive `$SHELL`.
    pub cmd: Option<String>,
    /// Working directory.
    pub cwd: std::path::PathBuf,
}

fn shell() -> String {
    std::env::var("SHELL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "/bin/sh".to_owned())
}

impl PtySpec {
    /// The command shown in the panel title.
    pub(crate) fn display(&self) -> String {
        self.cmd.clone().unwrap_or_else(shell)
    }
}

impl PtySession {
    /// Start `spec` in a `rows`×`cols` pty; news is posted on `post` for `key`.
    pub(crate) fn spawn(
        spec: &PtySpec,
        rows: u16,
        cols: u16,
        key: PanelKey,
        post: UnboundedSender<AppEvent>,
    ) -> Result<Self, String> {
        let (rows, cols) = (rows.max(2), cols.max(2));
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| format!("cannot open a pty: {e}"))?;
        let mut cmd = CommandBuilder::new(shell());
        if let Some(c) = &spec.cmd {
            cmd.arg("-c");
            cmd.arg(c);
        }
        if Path::new(&spec.cwd).is_dir() {
            cmd.cwd(&spec.cwd);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("COLORTERM", "truecolor");
        let mut child = pair
            .slave
            .spawn_command(cmd)
            .map_err(|e| format!("cannot start {}: {e}", spec.display()))?;
        // Our copy of the slave must go, or the reader never sees EOF.
        drop(pair.slave);
        let pid = child.process_id();
        let reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| format!("pty reader: {e}"))?;
        let writer = pair
            .master
            .take_writer()
            .map_err(|e| format!("pty writer: {e}"))?;
        let id = NEXT_SESSION.fetch_add(1, Ordering::Relaxed);
        let parser = Arc::new(Mutex::new(tui_term::vt100::Parser::new(
            rows, cols, SCROLLBACK,
        )));
        let pending = Arc::new(AtomicBool::new(false));
        let exited = Arc::new(AtomicBool::new(false));
        spawn_reader(
            reader,
            parser.clone(),
            pending.clone(),
            post.clone(),
            key.clone(),
            id,
        );
        let (input, rx) = channel::<Vec<u8>>();
        let _ = std::thread::Builder::new()
            .name("pty-writer".into())
            .spawn(move || {
                let mut w = writer;
                while let Ok(bytes) = rx.recv() {
                    if w.write_all(&bytes).and_then(|()| w.flush()).is_err() {
                        break;
                    }
                }
            });
        let ex = exited.clone();
        let _ = std::thread::Builder::new()
            .name("pty-wait".into())
            .spawn(move || {
                let code = child.wait().ok().and_then(|s| {
                    if s.signal().is_some() {
                        None
                    } else {
                        Some(s.exit_code())
                    }
                });
                ex.store(true, Ordering::Release);
                let _ = post.send(AppEvent::Workspace(Box::new(WorkspaceEvent::PtyExited {
                    key,
                    session: id,
                    code,
                })));
            });
        Ok(Self {
            id,
            pid,
            parser,
            pending,
            exited,
            master: pair.master,
            input,
            size: (rows, cols),
        })
    }

    /// The screen, for drawing (held only while a frame is drawn).
    pub(crate) fn screen(&self) -> MutexGuard<'_, tui_term::vt100::Parser> {
        match self.parser.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The UI drew the latest output: the reader may post again.
    pub(crate) fn drawn(&self) {
        self.pending.store(false, Ordering::Release);
    }

    /// Send bytes to the child (queued; never blocks).
    pub(crate) fn write(&self, bytes: Vec<u8>) {
        let _ = self.input.send(bytes);
    }

    /// Follow the panel's size: the pty (SIGWINCH to the child) and the screen.
    pub(crate) fn resize(&mut self, rows: u16, cols: u16) {
        let (rows, cols) = (rows.max(2), cols.max(2));
        if self.size == (rows, cols) {
            return;
        }
        self.size = (rows, cols);
        self.screen().screen_mut().set_size(rows, cols);
        let _ = self.master.resize(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        });
    }

    /// The size last set.
    pub(crate) fn size(&self) -> (u16, u16) {
        self.size
    }
}

fn spawn_reader(
    mut reader: Box<dyn Read + Send>,
    parser: Arc<Mutex<tui_term::vt100::Parser>>,
    pending: Arc<AtomicBool>,
    post: UnboundedSender<AppEvent>,
    key: PanelKey,
    id: u64,
) {
    let _ = std::thread::Builder::new()
        .name("pty-reader".into())
        .spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                match parser.lock() {
                    Ok(mut p) => p.process(&buf[..n]),
                    Err(_) => return,
                }
                if !pending.swap(true, Ordering::AcqRel) {
                    let ev = WorkspaceEvent::PtyOutput {
                        key: key.clone(),
                        session: id,
                    };
                    if post.send(AppEvent::Workspace(Box::new(ev))).is_err() {
                        return;
                    }
                }
            }
        });
}

/// Hang up a process group, and kill it if it is still there after a grace period.
fn hang_up(pid: u32, exited: Arc<AtomicBool>) {
    let Ok(pgid) = libc::pid_t::try_from(pid) else {
        return;
    };
    if pgid <= 1 {
        return;
    }
    // SAFETY: plain signal syscalls on a process group we created.
    unsafe {
        libc::killpg(pgid, libc::SIGHUP);
        libc::killpg(pgid, libc::SIGCONT);
    }
    let _ = std::thread::Builder::new()
        .name("pty-kill".into())
        .spawn(move || {
            let end = std::time::Instant::now() + HANGUP_GRACE;
            while std::time::Instant::now() < end {
                if exited.load(Ordering::Acquire) {
                    // The leader is reaped; members of its group may still linger.
                    break;
                }
                std::thread::park_timeout(Duration::from_millis(20));
            }
            // SAFETY: as above; ESRCH when the group is gone already.
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        });
}

impl Drop for PtySession {
    fn drop(&mut self) {
        if let Some(pid) = self.pid
            && !self.exited.load(Ordering::Acquire)
        {
            hang_up(pid, self.exited.clone());
        }
    }
}

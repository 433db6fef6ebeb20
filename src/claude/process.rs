//! Spawning the CLI: its own process group, line framing of stdout/stderr, and a kill that
//! closes stdin, sends SIGTERM to the group and SIGKILL after a grace period.

use super::line_reader::{Frame, LineReader, MAX_STDERR_LINE, MAX_STDOUT_LINE};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{Semaphore, mpsc};

/// How long a child gets between SIGTERM and SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_millis(1500);

/// The same when the app quits: an idle real CLI exits within 35–47 ms of SIGTERM on a quiet
/// machine; one that takes longer is killed, so quitting stays under 100 ms (issue 11).
pub const QUIT_GRACE: Duration = Duration::from_millis(50);

/// stdout lines a child may have in flight before the engine has taken them: past this its
/// supervisor stops reading, the pipe fills and the child blocks on write. Memory stays bounded
/// however fast a child writes (issue 11: 20 agents × 50 000 lines in < 100 MB).
pub const STDOUT_BACKLOG: usize = 256;

/// What to run.
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    /// Executable.
    pub program: PathBuf,
    /// Full argument list.
    pub args: Vec<OsString>,
    /// Working directory.
    pub cwd: PathBuf,
    /// Extra environment (the rest is inherited).
    pub env: Vec<(String, String)>,
}

/// Instructions to a running child's supervisor.
#[derive(Debug)]
pub enum ToChild {
    /// Write one line (a newline is appended).
    Line(String),
    /// Close stdin; the CLI exits once it is idle.
    CloseStdin,
    /// Close stdin, SIGTERM the process group, SIGKILL after the grace period.
    Kill,
    /// The app is quitting: `Kill` with `QUIT_GRACE` (also shortens a kill already under way).
    Quit,
}

/// What a child's supervisor reports.
#[derive(Debug, Clone, PartialEq)]
pub enum FromChild {
    /// One stdout line (without the newline).
    Stdout(String),
    /// One stderr line (lossily decoded, long lines shortened).
    Stderr(String),
    /// stdout broke the protocol (not UTF-8, a line over the cap, closed while running); the
    /// child cannot be trusted any more. Output keeps flowing until it is killed.
    Fault(String),
    /// The process ended. `code` is None when a signal ended it.
    Exited {
        /// Exit code.
        code: Option<i32>,
        /// Signal number, if a signal ended it.
        signal: Option<i32>,
    },
}

/// A started child: its pid (= process group id) and the sender that drives it.
#[derive(Debug)]
pub struct ChildHandle {
    /// Process id; also the process group id.
    pub pid: u32,
    /// Commands to the supervisor task.
    pub tx: mpsc::UnboundedSender<ToChild>,
    /// stdout credits (`STDOUT_BACKLOG`): the supervisor spends one per line sent.
    credits: Arc<Semaphore>,
}

impl ChildHandle {
    /// The engine took one `FromChild::Stdout` report: the supervisor may read one more line.
    pub fn took_line(&self) {
        self.credits.add_permits(1);
    }
}

/// Spawn the child in its own process group and start its supervisor task. Every report is
/// passed through `wrap` and sent on `out`; the supervisor ends after `Exited`. Each
/// `FromChild::Stdout` must be acknowledged with `ChildHandle::took_line` (backpressure).
pub fn launch<M: Send + 'static>(
    spec: &LaunchSpec,
    out: mpsc::UnboundedSender<M>,
    wrap: impl Fn(FromChild) -> M + Send + Sync + 'static,
) -> std::io::Result<ChildHandle> {
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .current_dir(&spec.cwd)
        .envs(spec.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    // SAFETY: the closure runs in the forked child before exec and only calls prctl, getppid
    // and _exit, which are async-signal-safe. If patchfeld itself dies without cleaning up
    // (SIGKILL, abort), the kernel then kills the child too, so no agent outlives the app. If
    // it died between the fork and the prctl, the death signal never comes: the child sees it
    // has been re-parented and leaves before exec.
    let parent = libc::pid_t::try_from(std::process::id()).unwrap_or(0);
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    let pid = child.id().unwrap_or(0);
    let (tx, rx) = mpsc::unbounded_channel();
    let credits = Arc::new(Semaphore::new(STDOUT_BACKLOG));
    let channels = Channels {
        rx,
        out,
        credits: credits.clone(),
    };
    tokio::spawn(supervise(
        child_take(&mut child),
        child,
        pid,
        channels,
        wrap,
    ));
    Ok(ChildHandle { pid, tx, credits })
}

struct Pipes {
    stdin: Option<ChildStdin>,
    stdout: Option<tokio::process::ChildStdout>,
    stderr: Option<tokio::process::ChildStderr>,
}

fn child_take(child: &mut Child) -> Pipes {
    Pipes {
        stdin: child.stdin.take(),
        stdout: child.stdout.take(),
        stderr: child.stderr.take(),
    }
}

/// Send `sig` to the whole process group `pgid`.
pub fn signal_group(pgid: u32, sig: i32) {
    if pgid > 1 {
        // SAFETY: killpg only sends a signal; an invalid or dead group yields ESRCH, which we ignore.
        unsafe {
            libc::killpg(pgid as libc::pid_t, sig);
        }
    }
}

/// A supervisor's links to the engine.
struct Channels<M> {
    rx: mpsc::UnboundedReceiver<ToChild>,
    out: mpsc::UnboundedSender<M>,
    credits: Arc<Semaphore>,
}

async fn supervise<M: Send + 'static>(
    pipes: Pipes,
    mut child: Child,
    pgid: u32,
    channels: Channels<M>,
    wrap: impl Fn(FromChild) -> M + Send + Sync + 'static,
) {
    let Channels {
        mut rx,
        out,
        credits,
    } = channels;
    // The credit for the next stdout line; stdout is read only while one is held.
    let mut credit = None;
    let mut stdin = pipes.stdin;
    let mut stdout = Stream::new(pipes.stdout, MAX_STDOUT_LINE, true);
    let mut stderr = Stream::new(pipes.stderr, MAX_STDERR_LINE, false);
    let eof_grace = tokio::time::sleep(Duration::MAX);
    tokio::pin!(eof_grace);
    let mut eof_armed = false;
    let status = loop {
        if stdout.reader.is_none() && !eof_armed {
            eof_armed = true;
            eof_grace
                .as_mut()
                .reset(tokio::time::Instant::now() + STDOUT_EOF_GRACE);
        }
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(ToChild::Line(line)) => {
                    if let Some(w) = stdin.as_mut() {
                        let mut buf = line.into_bytes();
                        buf.push(b'\n');
                        if w.write_all(&buf).await.is_err() || w.flush().await.is_err() {
                            // The child closed its stdin (it is exiting); the exit is reported below.
                            stdin = None;
                        }
                    }
                }
                Some(ToChild::CloseStdin) => stdin = None,
                // `None`: the engine dropped us; behave like a kill so nothing outlives the app.
                cmd @ (Some(ToChild::Kill | ToChild::Quit) | None) => {
                    let grace = if matches!(cmd, Some(ToChild::Quit)) {
                        QUIT_GRACE
                    } else {
                        KILL_GRACE
                    };
                    drop(stdin.take());
                    signal_group(pgid, libc::SIGTERM);
                    let pipes = (&mut stdout, &mut stderr);
                    break wait_or_kill(&mut child, pgid, grace, &mut rx, pipes, &out, &wrap).await;
                }
            },
            // A `None` (pipe closed) completes the branch too, so the loop re-checks the
            // preconditions below.
            permit = credits.clone().acquire_owned(), if credit.is_none() => credit = permit.ok(),
            msg = stdout.next(), if credit.is_some() => if let Some(m) = msg {
                if matches!(m, FromChild::Stdout(_)) && let Some(c) = credit.take() {
                    c.forget();
                }
                let _ = out.send(wrap(m));
            },
            msg = stderr.next() => if let Some(m) = msg { let _ = out.send(wrap(m)); },
            status = child.wait(), if stdout.reader.is_none() && stderr.reader.is_none() => break status.ok(),
            // stdout is gone but the process is not: it can never finish a turn we could see.
            () = &mut eof_grace, if eof_armed => {
                if let Ok(Some(status)) = child.try_wait() {
                    break Some(status);
                }
                let _ = out.send(wrap(FromChild::Fault(
                    "closed its stdout but kept running".to_owned(),
                )));
                drop(stdin.take());
                signal_group(pgid, libc::SIGTERM);
                let pipes = (&mut stdout, &mut stderr);
                break wait_or_kill(&mut child, pgid, KILL_GRACE, &mut rx, pipes, &out, &wrap).await;
            }
        }
    };
    // Whatever the leader did, leave no grandchildren behind in its group.
    signal_group(pgid, libc::SIGKILL);
    let (code, signal) = match status {
        Some(s) => {
            use std::os::unix::process::ExitStatusExt;
            (s.code(), s.signal())
        }
        None => (None, None),
    };
    let _ = out.send(wrap(FromChild::Exited { code, signal }));
}

/// How long a child may live on after closing stdout before it is treated as hung.
pub const STDOUT_EOF_GRACE: Duration = Duration::from_secs(2);

/// Longest stderr line forwarded (the engine keeps a tail of them for error reports).
const STDERR_KEEP: usize = 2000;

/// One output pipe: framing plus how its frames become reports.
struct Stream<R> {
    reader: Option<LineReader<R>>,
    /// stdout is the protocol (strict UTF-8, faults reported); stderr is lossily decoded.
    strict: bool,
    lines: u64,
}

impl<R: tokio::io::AsyncRead + Unpin> Stream<R> {
    fn new(pipe: Option<R>, cap: usize, strict: bool) -> Self {
        Self {
            reader: pipe.map(|p| LineReader::new(p, cap)),
            strict,
            lines: 0,
        }
    }

    /// The next report from this pipe; `None` once when it closes (so `select!` re-checks its
    /// preconditions), then pending forever.
    async fn next(&mut self) -> Option<FromChild> {
        {
            let Some(reader) = self.reader.as_mut() else {
                return std::future::pending().await;
            };
            let frame = match reader.next().await {
                Ok(Some(f)) => f,
                Ok(None) | Err(_) => {
                    self.reader = None;
                    return None;
                }
            };
            self.lines += 1;
            let n = self.lines;
            Some(match (frame, self.strict) {
                (Frame::Line(bytes), true) => match String::from_utf8(bytes) {
                    Ok(line) => FromChild::Stdout(line),
                    Err(e) => {
                        let at = e.utf8_error().valid_up_to();
                        let preview: String = String::from_utf8_lossy(e.as_bytes())
                            .chars()
                            .take(80)
                            .collect();
                        FromChild::Fault(format!(
                            "stdout line {n} is not valid UTF-8 (bad byte at offset {at}): {preview}"
                        ))
                    }
                },
                (Frame::TooLong { at_least }, true) => FromChild::Fault(format!(
                    "stdout line {n} is longer than the {} MiB limit (at least {at_least} bytes)",
                    MAX_STDOUT_LINE / (1024 * 1024)
                )),
                (Frame::Line(bytes), false) => {
                    let mut line = String::from_utf8_lossy(&bytes).into_owned();
                    if line.len() > STDERR_KEEP {
                        let mut cut = STDERR_KEEP;
                        while !line.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        line.truncate(cut);
                        line.push('…');
                    }
                    FromChild::Stderr(line)
                }
                (Frame::TooLong { at_least }, false) => FromChild::Stderr(format!(
                    "[a stderr line of more than {at_least} bytes was dropped]"
                )),
            })
        }
    }
}

/// After SIGTERM: keep forwarding output until the process exits; SIGKILL after `grace`
/// (cut short to `QUIT_GRACE` when the app quits meanwhile).
async fn wait_or_kill<M>(
    child: &mut Child,
    pgid: u32,
    grace: Duration,
    rx: &mut mpsc::UnboundedReceiver<ToChild>,
    (stdout, stderr): (
        &mut Stream<tokio::process::ChildStdout>,
        &mut Stream<tokio::process::ChildStderr>,
    ),
    out: &mpsc::UnboundedSender<M>,
    wrap: &(impl Fn(FromChild) -> M + Send + Sync),
) -> Option<std::process::ExitStatus> {
    let deadline = tokio::time::Instant::now() + grace;
    let grace = tokio::time::sleep_until(deadline);
    tokio::pin!(grace);
    let mut rx_open = true;
    loop {
        tokio::select! {
            status = child.wait() => return status.ok(),
            cmd = rx.recv(), if rx_open => match cmd {
                Some(ToChild::Quit) => {
                    let quit = tokio::time::Instant::now() + QUIT_GRACE;
                    if quit < grace.deadline() {
                        grace.as_mut().reset(quit);
                    }
                }
                Some(ToChild::Line(_) | ToChild::CloseStdin | ToChild::Kill) => {}
                None => rx_open = false,
            },
            // A `None` (pipe closed) completes the branch too, so the loop re-checks the
            // preconditions below.
            msg = stdout.next() => if let Some(m) = msg { let _ = out.send(wrap(m)); },
            msg = stderr.next() => if let Some(m) = msg { let _ = out.send(wrap(m)); },
            () = &mut grace => {
                signal_group(pgid, libc::SIGKILL);
                let _ = child.start_kill();
                return child.wait().await.ok();
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn sh(script: &str) -> LaunchSpec {
        LaunchSpec {
            program: "sh".into(),
            args: vec!["-c".into(), script.into()],
            cwd: std::env::temp_dir(),
            env: Vec::new(),
        }
    }

    async fn next_line(rx: &mut mpsc::UnboundedReceiver<FromChild>) -> String {
        loop {
            match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
                Ok(Some(FromChild::Stdout(l))) => return l,
                Ok(Some(FromChild::Stderr(_))) => {}
                other => panic!("expected a stdout line, got {other:?}"),
            }
        }
    }

    /// A child that writes faster than the engine takes its lines is held back: at most
    /// `STDOUT_BACKLOG` lines are in flight, each `took_line` lets one more through, and
    /// nothing is lost or reordered.
    #[tokio::test]
    async fn a_fast_child_is_held_to_the_backlog_until_lines_are_taken() {
        let total = STDOUT_BACKLOG * 4;
        let (out, mut rx) = mpsc::unbounded_channel();
        let child = launch(&sh(&format!("seq 1 {total}")), out, |m| m).unwrap();
        for k in 1..=STDOUT_BACKLOG {
            assert_eq!(next_line(&mut rx).await, k.to_string());
        }
        // No credit left: the supervisor must not read on. (A bounded wait for an absence.)
        let more = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await;
        assert!(more.is_err(), "a line past the backlog arrived: {more:?}");
        for k in STDOUT_BACKLOG + 1..=total {
            child.took_line();
            assert_eq!(next_line(&mut rx).await, k.to_string());
        }
        child.took_line();
        loop {
            match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
                Ok(Some(FromChild::Exited { code, .. })) => {
                    assert_eq!(code, Some(0));
                    break;
                }
                Ok(Some(FromChild::Stderr(_))) => {}
                other => panic!("expected the exit, got {other:?}"),
            }
        }
    }
}

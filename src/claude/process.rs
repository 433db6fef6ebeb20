//! Spawning the CLI: its own process group, line framing of stdout/stderr, and a kill that
//! closes stdin, sends SIGTERM to the group and SIGKILL after a grace period.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

/// How long a child gets between SIGTERM and SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_millis(1500);

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
}

/// What a child's supervisor reports.
#[derive(Debug, Clone, PartialEq)]
pub enum FromChild {
    /// One stdout line (without the newline).
    Stdout(String),
    /// One stderr line.
    Stderr(String),
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
}

/// Spawn the child in its own process group and start its supervisor task. Every report is
/// passed through `wrap` and sent on `out`; the supervisor ends after `Exited`.
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
    // SAFETY: the closure runs in the forked child before exec and only calls prctl, which is
    // async-signal-safe. If patchfeld itself dies without cleaning up (SIGKILL, abort), the
    // kernel then kills the child too, so no agent outlives the app.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = cmd.spawn()?;
    let pid = child.id().unwrap_or(0);
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(supervise(child_take(&mut child), child, pid, rx, out, wrap));
    Ok(ChildHandle { pid, tx })
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

async fn supervise<M: Send + 'static>(
    pipes: Pipes,
    mut child: Child,
    pgid: u32,
    mut rx: mpsc::UnboundedReceiver<ToChild>,
    out: mpsc::UnboundedSender<M>,
    wrap: impl Fn(FromChild) -> M + Send + Sync + 'static,
) {
    let mut stdin = pipes.stdin;
    let mut stdout = pipes.stdout.map(|s| BufReader::new(s).lines());
    let mut stderr = pipes.stderr.map(|s| BufReader::new(s).lines());
    let status = loop {
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
                Some(ToChild::Kill) => {
                    drop(stdin.take());
                    signal_group(pgid, libc::SIGTERM);
                    break wait_or_kill(&mut child, pgid, &mut stdout, &mut stderr, &out, &wrap).await;
                }
                // The engine dropped us: behave like a kill so nothing outlives the app.
                None => {
                    drop(stdin.take());
                    signal_group(pgid, libc::SIGTERM);
                    break wait_or_kill(&mut child, pgid, &mut stdout, &mut stderr, &out, &wrap).await;
                }
            },
            line = next_line(&mut stdout) => match line {
                Some(l) => { let _ = out.send(wrap(FromChild::Stdout(l))); }
                None => stdout = None,
            },
            line = next_line(&mut stderr) => match line {
                Some(l) => { let _ = out.send(wrap(FromChild::Stderr(l))); }
                None => stderr = None,
            },
            status = child.wait(), if stdout.is_none() && stderr.is_none() => break status.ok(),
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

type Lines<R> = Option<tokio::io::Lines<BufReader<R>>>;

async fn next_line<R: tokio::io::AsyncRead + Unpin>(lines: &mut Lines<R>) -> Option<String> {
    match lines.as_mut() {
        Some(l) => l.next_line().await.ok().flatten(),
        None => std::future::pending().await,
    }
}

/// After SIGTERM: keep forwarding output until the process exits; SIGKILL after the grace.
async fn wait_or_kill<M>(
    child: &mut Child,
    pgid: u32,
    stdout: &mut Lines<tokio::process::ChildStdout>,
    stderr: &mut Lines<tokio::process::ChildStderr>,
    out: &mpsc::UnboundedSender<M>,
    wrap: &(impl Fn(FromChild) -> M + Send + Sync),
) -> Option<std::process::ExitStatus> {
    let grace = tokio::time::sleep(KILL_GRACE);
    tokio::pin!(grace);
    loop {
        tokio::select! {
            status = child.wait() => return status.ok(),
            line = next_line(stdout) => match line {
                Some(l) => { let _ = out.send(wrap(FromChild::Stdout(l))); }
                None => *stdout = None,
            },
            line = next_line(stderr) => match line {
                Some(l) => { let _ = out.send(wrap(FromChild::Stderr(l))); }
                None => *stderr = None,
            },
            () = &mut grace => {
                signal_group(pgid, libc::SIGKILL);
                let _ = child.start_kill();
                return child.wait().await.ok();
            }
        }
    }
}

//! The `Command` widget's IO: one task per visible Command panel that runs `sh -c cmd` in the
//! project dir (own process group, timeout, output cap), re-runs it on an interval, on file
//! changes (inotify through `notify`, debounced here) or on request, and posts the output as
//! `AppEvent::Command`. Runs of one panel never overlap (a new trigger kills the running one:
//! latest wins); a panel that goes away, or the app ending, kills its whole process group.

use crate::core::time::{Epoch, now};
use crate::ui::app_event::AppEvent;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

/// A run taking longer than this is killed.
pub(crate) const RUN_TIMEOUT: Duration = Duration::from_secs(300);
/// Output kept per run (stdout and stderr together); the process is killed when it is reached.
pub(crate) const OUTPUT_CAP: usize = 1 << 20;
/// File changes closer together than this start one run.
const WATCH_DEBOUNCE: Duration = Duration::from_millis(200);
/// The shortest `interval_s` honoured (a typo like 0.001 must not fork-bomb the machine).
const MIN_INTERVAL: Duration = Duration::from_millis(500);
/// Directories never watched when a pattern covers the whole project.
const SKIP_DIRS: &[&str] = &[".git", "target", "node_modules", ".patchfeld"];

/// One Command panel: (app tab id, panel id).
pub(crate) type PanelKey = (String, String);

/// What a Command panel runs and when, from its props.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CommandSpec {
    /// Shell command line (`sh -c`).
    pub cmd: String,
    /// Re-run this long after the previous run ended.
    pub interval: Option<Duration>,
    /// Paths or globs (relative to the project) whose changes re-run it.
    pub watch: Vec<String>,
}

impl CommandSpec {
    /// Read the props of a `Command` panel (validated already; `None` without a `cmd`).
    pub(crate) fn from_props(props: &Map<String, Value>) -> Option<Self> {
        let cmd = props.get("cmd")?.as_str()?.to_owned();
        let interval = props
            .get("interval_s")
            .and_then(Value::as_f64)
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| Duration::from_secs_f64(s.min(86_400.0)).max(MIN_INTERVAL));
        let watch = props
            .get("watch")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Some(Self {
            cmd,
            interval,
            watch,
        })
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunStatus {
    /// The shell exited with this code.
    Exited(i32),
    /// Killed by this signal (not by us).
    Signalled(i32),
    /// Killed after `RUN_TIMEOUT`.
    TimedOut,
    /// Killed when the output reached `OUTPUT_CAP`.
    OutputCapped,
    /// `sh` could not be started.
    SpawnFailed(String),
}

impl RunStatus {
    /// Exit code 0.
    #[cfg(test)]
    pub(crate) fn success(&self) -> bool {
        matches!(self, Self::Exited(0))
    }
}

/// A finished run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunResult {
    /// stdout and stderr interleaved as they arrived (lossy UTF-8, ANSI escapes kept).
    pub output: String,
    /// How it ended.
    pub status: RunStatus,
    /// When it started.
    pub started_at: Epoch,
    /// How long it took.
    pub duration: Duration,
}

/// What a panel's task reports.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CommandEventKind {
    /// A run started.
    Started,
    /// A run finished.
    Finished(RunResult),
    /// Watching the given paths failed (the command still runs on interval and `r`).
    WatchFailed(String),
}

/// Posted by a panel's task as `AppEvent::Command`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CommandEvent {
    /// The panel.
    pub key: PanelKey,
    /// The task generation (events of a replaced task are stale).
    pub generation: u64,
    /// What happened.
    pub kind: CommandEventKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    Rerun,
    FileChanged,
}

struct Running {
    spec: CommandSpec,
    generation: u64,
    task: JoinHandle<()>,
    /// Process group of the run in flight (0: none).
    pgid: Arc<AtomicI32>,
    trigger: UnboundedSender<Trigger>,
    _watcher: Option<notify::RecommendedWatcher>,
}

impl Running {
    fn stop(self) {
        self.task.abort();
        kill_group(self.pgid.swap(0, Ordering::SeqCst));
    }
}

/// The Command panels' runner, owned by the App (UI task); needs a tokio runtime.
pub(crate) struct CommandRunner {
    post: UnboundedSender<AppEvent>,
    cwd: PathBuf,
    timeout: Duration,
    panels: HashMap<PanelKey, Running>,
    next_generation: u64,
}

impl std::fmt::Debug for CommandRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandRunner")
            .field("cwd", &self.cwd)
            .field("panels", &self.panels.len())
            .finish()
    }
}

impl CommandRunner {
    /// Run commands in `cwd` and post their output on `post`.
    pub(crate) fn new(post: UnboundedSender<AppEvent>, cwd: PathBuf) -> Self {
        Self {
            post,
            cwd,
            timeout: RUN_TIMEOUT,
            panels: HashMap::new(),
            next_generation: 1,
        }
    }

    /// A shorter run timeout (tests).
    #[cfg(test)]
    pub(crate) fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Make the running set exactly `wanted`: start new panels (they run at once), restart
    /// panels whose spec changed, stop (and kill) the rest.
    pub(crate) fn sync(&mut self, wanted: Vec<(PanelKey, CommandSpec)>) {
        let gone: Vec<PanelKey> = self
            .panels
            .iter()
            .filter(|(k, r)| !wanted.iter().any(|(wk, ws)| wk == *k && *ws == r.spec))
            .map(|(k, _)| k.clone())
            .collect();
        for k in gone {
            if let Some(r) = self.panels.remove(&k) {
                r.stop();
            }
        }
        for (key, spec) in wanted {
            if !self.panels.contains_key(&key) {
                let r = self.start(key.clone(), spec);
                self.panels.insert(key, r);
            }
        }
    }

    /// Run the panel's command now (killing a run in flight).
    pub(crate) fn rerun(&self, key: &PanelKey) -> bool {
        self.panels
            .get(key)
            .is_some_and(|r| r.trigger.send(Trigger::Rerun).is_ok())
    }

    /// The live generation of a panel's task (events with another one are stale).
    pub(crate) fn generation(&self, key: &PanelKey) -> Option<u64> {
        self.panels.get(key).map(|r| r.generation)
    }

    /// The process group of the panel's run in flight, if any (tests).
    #[cfg(test)]
    pub(crate) fn running_pgid(&self, key: &PanelKey) -> Option<i32> {
        self.panels
            .get(key)
            .map(|r| r.pgid.load(Ordering::SeqCst))
            .filter(|&p| p > 0)
    }

    fn start(&mut self, key: PanelKey, spec: CommandSpec) -> Running {
        let generation = self.next_generation;
        self.next_generation += 1;
        let (trigger, triggers) = unbounded_channel();
        let pgid = Arc::new(AtomicI32::new(0));
        let watcher = if spec.watch.is_empty() {
            None
        } else {
            match watch(&self.cwd, &spec.watch, trigger.clone()) {
                Ok(w) => Some(w),
                Err(e) => {
                    let _ = self.post.send(AppEvent::Command(Box::new(CommandEvent {
                        key: key.clone(),
                        generation,
                        kind: CommandEventKind::WatchFailed(e),
                    })));
                    None
                }
            }
        };
        let task = tokio::spawn(panel_loop(
            PanelTask {
                key,
                generation,
                spec: spec.clone(),
                cwd: self.cwd.clone(),
                timeout: self.timeout,
                post: self.post.clone(),
                pgid: pgid.clone(),
            },
            triggers,
        ));
        Running {
            spec,
            generation,
            task,
            pgid,
            trigger,
            _watcher: watcher,
        }
    }
}

impl Drop for CommandRunner {
    fn drop(&mut self) {
        for (_, r) in self.panels.drain() {
            r.stop();
        }
    }
}

struct PanelTask {
    key: PanelKey,
    generation: u64,
    spec: CommandSpec,
    cwd: PathBuf,
    timeout: Duration,
    post: UnboundedSender<AppEvent>,
    pgid: Arc<AtomicI32>,
}

impl PanelTask {
    fn post(&self, kind: CommandEventKind) {
        let _ = self.post.send(AppEvent::Command(Box::new(CommandEvent {
            key: self.key.clone(),
            generation: self.generation,
            kind,
        })));
    }
}

async fn panel_loop(task: PanelTask, mut triggers: UnboundedReceiver<Trigger>) {
    loop {
        task.post(CommandEventKind::Started);
        let run = run_once(&task.spec.cmd, &task.cwd, task.timeout, &task.pgid);
        let next = tokio::select! {
            result = run => {
                task.post(CommandEventKind::Finished(result));
                // Idle until something asks for a run: no timer without an interval.
                let interval = task.spec.interval;
                tokio::select! {
                    () = sleep_opt(interval) => Some(Trigger::Rerun),
                    t = triggers.recv() => t,
                }
            }
            // Latest wins: dropping the run future kills its process group.
            t = triggers.recv() => t,
        };
        match next {
            None => return,
            Some(Trigger::Rerun) => {}
            Some(Trigger::FileChanged) => {
                if !debounce(&mut triggers).await {
                    return;
                }
            }
        }
    }
}

async fn sleep_opt(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// Wait until file events stop for `WATCH_DEBOUNCE` (or a rerun is asked). False: channel closed.
async fn debounce(triggers: &mut UnboundedReceiver<Trigger>) -> bool {
    loop {
        match tokio::time::timeout(WATCH_DEBOUNCE, triggers.recv()).await {
            Err(_) | Ok(Some(Trigger::Rerun)) => return true,
            Ok(Some(Trigger::FileChanged)) => {}
            Ok(None) => return false,
        }
    }
}

fn kill_group(pgid: i32) {
    if pgid > 0 {
        // SAFETY: kill(2) with a negative pid signals the process group; no memory involved.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

/// Kills the run's process group when the run ends or its future is dropped (a newer run,
/// the panel gone, the app quitting).
struct GroupGuard<'a> {
    slot: &'a AtomicI32,
}

impl Drop for GroupGuard<'_> {
    fn drop(&mut self) {
        kill_group(self.slot.swap(0, Ordering::SeqCst));
    }
}

async fn run_once(cmd: &str, cwd: &Path, timeout: Duration, slot: &AtomicI32) -> RunResult {
    let started_at = now();
    let t0 = std::time::Instant::now();
    let mut command = tokio::process::Command::new("sh");
    // One pipe for both streams, so output keeps the order it was written in.
    command
        .arg("-c")
        .arg(format!("exec 2>&1\n{cmd}"))
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // Many tools keep their colours for a pipe when asked this way.
        .env("CLICOLOR_FORCE", "1")
        .process_group(0)
        .kill_on_drop(true);
    // SAFETY: runs in the forked child before exec and only calls prctl (async-signal-safe):
    // if patchfeld dies without cleaning up, the kernel kills the shell too.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let finish = |output: Vec<u8>, status: RunStatus| RunResult {
        output: String::from_utf8_lossy(&output).into_owned(),
        status,
        started_at,
        duration: t0.elapsed(),
    };
    let mut child = match command.spawn() {
        Ok(c) => c,
        Err(e) => return finish(Vec::new(), RunStatus::SpawnFailed(e.to_string())),
    };
    let pid = child.id().and_then(|p| i32::try_from(p).ok()).unwrap_or(0);
    slot.store(pid, Ordering::SeqCst);
    let _guard = GroupGuard { slot };
    let Some(mut out) = child.stdout.take() else {
        return finish(Vec::new(), RunStatus::SpawnFailed("no pipe".into()));
    };
    let mut buf = Vec::new();
    let collect = async {
        let mut chunk = [0u8; 8192];
        let mut out_open = true;
        let mut exit = None;
        while out_open || exit.is_none() {
            tokio::select! {
                n = out.read(&mut chunk), if out_open => match n {
                    Ok(0) | Err(_) => out_open = false,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                },
                s = child.wait(), if exit.is_none() => {
                    exit = Some(s);
                    // Background jobs of the shell would hold the pipes open: end them too.
                    kill_group(pid);
                }
            }
            if buf.len() >= OUTPUT_CAP {
                return None;
            }
        }
        exit
    };
    let outcome = tokio::time::timeout(timeout, collect).await;
    let status = match outcome {
        Ok(Some(Ok(s))) => {
            use std::os::unix::process::ExitStatusExt;
            match (s.code(), s.signal()) {
                (Some(c), _) => RunStatus::Exited(c),
                (None, Some(sig)) => RunStatus::Signalled(sig),
                (None, None) => RunStatus::Exited(-1),
            }
        }
        Ok(Some(Err(e))) => RunStatus::SpawnFailed(e.to_string()),
        Ok(None) => {
            buf.truncate(OUTPUT_CAP);
            RunStatus::OutputCapped
        }
        Err(_) => RunStatus::TimedOut,
    };
    if !matches!(status, RunStatus::Exited(_) | RunStatus::Signalled(_)) {
        kill_group(pid);
        let _ = child.wait().await;
    }
    finish(buf, status)
}

/// Watch the directories the patterns live in; matching changes send `FileChanged`.
fn watch(
    root: &Path,
    patterns: &[String],
    trigger: UnboundedSender<Trigger>,
) -> Result<notify::RecommendedWatcher, String> {
    use notify::{EventKind, RecursiveMode, Watcher};
    let root_c = root.to_path_buf();
    let pats: Vec<String> = patterns.to_vec();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(ev) = res else { return };
        // Reads (our own command opening files) are not changes.
        if matches!(ev.kind, EventKind::Access(_) | EventKind::Other) {
            return;
        }
        if ev.paths.iter().any(|p| matches_any(&pats, p, &root_c)) {
            let _ = trigger.send(Trigger::FileChanged);
        }
    })
    .map_err(|e| e.to_string())?;
    let mut dirs: Vec<(PathBuf, RecursiveMode)> = Vec::new();
    for p in patterns {
        let base = literal_base(root, p);
        if base == root {
            // The whole project: its top level, and every subtree but build and VCS dirs.
            dirs.push((root.to_path_buf(), RecursiveMode::NonRecursive));
            if let Ok(rd) = std::fs::read_dir(root) {
                for e in rd.filter_map(Result::ok) {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if e.file_type().is_ok_and(|t| t.is_dir()) && !SKIP_DIRS.contains(&&*name) {
                        dirs.push((e.path(), RecursiveMode::Recursive));
                    }
                }
            }
        } else if base.is_dir() {
            dirs.push((base, RecursiveMode::Recursive));
        } else {
            // A file (or not there yet): its directory, so editors' rename-on-save is seen.
            let dir = base
                .parent()
                .filter(|d| d.is_dir())
                .unwrap_or(root)
                .to_path_buf();
            dirs.push((dir, RecursiveMode::NonRecursive));
        }
    }
    dirs.sort();
    dirs.dedup();
    for (d, mode) in dirs {
        watcher
            .watch(&d, mode)
            .map_err(|e| format!("cannot watch {}: {e}", d.display()))?;
    }
    Ok(watcher)
}

/// The part of a pattern before its first glob segment, under `root`.
fn literal_base(root: &Path, pattern: &str) -> PathBuf {
    let mut base = root.to_path_buf();
    for seg in pattern.trim_start_matches("./").split('/') {
        if seg.is_empty() || seg.contains(['*', '?', '[']) {
            break;
        }
        base.push(seg);
    }
    // An unanchored glob (`*.rs`) matches at any depth.
    if !pattern.contains('/') && pattern.contains(['*', '?', '[']) {
        return root.to_path_buf();
    }
    base
}

fn matches_any(patterns: &[String], path: &Path, root: &Path) -> bool {
    patterns.iter().any(|p| {
        let lit = root.join(p.trim_start_matches("./"));
        path.starts_with(&lit)
            || crate::core::permission::path_matches(p.trim_start_matches("./"), path, root)
    })
}

#[cfg(test)]
mod tests;

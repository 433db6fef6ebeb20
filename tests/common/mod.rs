//! Shared helpers for engine integration tests: an engine driving the fake agent (the
//! `patchfeld fake-agent` subcommand of the built binary) over real pipes.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use patchfeld::core::agent::{AgentRecord, AgentState};
use patchfeld::core::ids::AgentId;
use patchfeld::core::transcript::TranscriptItem;
use patchfeld::engine::{self, ClaudeCommand, EngineConfig, EngineEvent, EngineHandle};
use patchfeld::store::paths::ProjectPaths;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// Upper bound for any single wait (a hung test fails instead of hanging CI).
pub const WAIT: Duration = Duration::from_secs(20);

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub handle: EngineHandle,
    pub events: mpsc::UnboundedReceiver<EngineEvent>,
    pub seen: Vec<EngineEvent>,
    pub argv_log: PathBuf,
    pub sessions_dir: PathBuf,
}

#[derive(Default)]
pub struct Options {
    pub orchestrator: bool,
    pub records: Vec<AgentRecord>,
    /// Run this instead of the fake agent.
    pub claude: Option<ClaudeCommand>,
    pub dir: Option<tempfile::TempDir>,
    /// Permission timeout (default: the app's 30 minutes).
    pub permission_timeout: Option<Duration>,
    /// The user-level grants file.
    pub user_grants: Option<PathBuf>,
    /// Config defaults for new children.
    pub agent_defaults: engine::AgentDefaults,
}

pub fn fake_command(
    scenario: &std::path::Path,
    argv_log: &std::path::Path,
    sessions: &std::path::Path,
) -> ClaudeCommand {
    ClaudeCommand {
        program: PathBuf::from(env!("CARGO_BIN_EXE_patchfeld")),
        prefix_args: vec![
            "fake-agent".into(),
            "--scenario".into(),
            scenario.display().to_string(),
        ],
        env: vec![
            (
                "PATCHFELD_FAKE_ARGV_LOG".into(),
                argv_log.display().to_string(),
            ),
            (
                "PATCHFELD_FAKE_SESSIONS_DIR".into(),
                sessions.display().to_string(),
            ),
        ],
    }
}

impl Harness {
    pub fn start(scenario: Value, opts: Options) -> Self {
        let dir = opts.dir.unwrap_or_else(|| tempfile::tempdir().unwrap());
        let scenario_path = dir.path().join("scenario.json");
        std::fs::write(
            &scenario_path,
            serde_json::to_vec_pretty(&scenario).unwrap(),
        )
        .unwrap();
        let argv_log = dir.path().join("argv.jsonl");
        let sessions_dir = dir.path().join("sessions");
        std::fs::create_dir_all(&sessions_dir).unwrap();
        let mut claude = fake_command(&scenario_path, &argv_log, &sessions_dir);
        if let Some(c) = opts.claude {
            claude = c;
        }
        let (tx, events) = mpsc::unbounded_channel();
        let handle = engine::start(
            EngineConfig {
                paths: ProjectPaths::new(dir.path()),
                app_cwd: dir.path().to_path_buf(),
                claude,
                bypass: false,
                start_orchestrator: opts.orchestrator,
                ui_tools: Vec::new(),
                permission_timeout: opts
                    .permission_timeout
                    .unwrap_or(engine::PERMISSION_TIMEOUT),
                user_grants: opts.user_grants,
                agent_defaults: opts.agent_defaults,
            },
            opts.records,
            tx,
        );
        Self {
            dir,
            handle,
            events,
            seen: Vec::new(),
            argv_log,
            sessions_dir,
        }
    }

    /// Wait for the first (new) event matching `pred`; every event is kept in `seen`.
    pub async fn wait_for(
        &mut self,
        what: &str,
        mut pred: impl FnMut(&EngineEvent) -> bool,
    ) -> EngineEvent {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(ev)) => {
                    self.seen.push(ev.clone());
                    if pred(&ev) {
                        return ev;
                    }
                }
                Ok(None) => panic!("engine stopped while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}; seen: {:#?}", self.seen),
            }
        }
    }

    /// Wait until the agent's record shows `state`.
    pub async fn wait_state(&mut self, id: &AgentId, state: AgentState) -> AgentRecord {
        // It may already have happened.
        if let Some(r) = self.last_record(id)
            && r.state == state
        {
            return r;
        }
        let ev = self
            .wait_for(
                &format!("{id} to be {}", state.as_str()),
                |e| matches!(e, EngineEvent::AgentUpdated(r) if &r.id == id && r.state == state),
            )
            .await;
        match ev {
            EngineEvent::AgentUpdated(r) => r,
            _ => unreachable!(),
        }
    }

    pub fn last_record(&self, id: &AgentId) -> Option<AgentRecord> {
        self.seen.iter().rev().find_map(|e| match e {
            EngineEvent::AgentUpdated(r) if &r.id == id => Some(r.clone()),
            _ => None,
        })
    }

    /// Transcript items seen so far for one agent.
    pub fn transcript(&self, id: &AgentId) -> Vec<TranscriptItem> {
        self.seen
            .iter()
            .filter_map(|e| match e {
                EngineEvent::Transcript {
                    agent_id, entry, ..
                } if agent_id == id => Some(entry.item.clone()),
                _ => None,
            })
            .collect()
    }

    /// Every argv line the fake agent logged.
    pub fn argv(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.argv_log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The process group of every fake agent started so far (from the argv log).
    pub fn child_groups(&self) -> Vec<i32> {
        self.argv()
            .iter()
            .map(|a| a["pgid"].as_i64().unwrap() as i32)
            .collect()
    }

    pub async fn shutdown(self) -> tempfile::TempDir {
        tokio::time::timeout(WAIT, self.handle.shutdown())
            .await
            .expect("shutdown timed out");
        self.dir
    }
}

pub fn spawn_opts(prompt: &str) -> patchfeld::core::agent::SpawnOptions {
    patchfeld::core::agent::SpawnOptions {
        prompt: prompt.to_owned(),
        ..Default::default()
    }
}

pub fn texts(items: &[TranscriptItem]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            TranscriptItem::Assistant { text } => Some(format!("a:{text}")),
            TranscriptItem::User { text } => Some(format!("u:{text}")),
            _ => None,
        })
        .collect()
}

/// True while any process of the group exists.
pub fn group_alive(pgid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::killpg(pgid, 0) == 0 }
}

/// Run `git -C dir args…` (with a test identity); panics with git's stderr on failure.
pub fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-C"])
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A temp git repo on `main` with one commit (`README`); `.env` is ignored and listed in
/// `.worktreeinclude` for copying into worktrees; the harness's own files are ignored.
pub fn git_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    git(p, &["init", "-q", "-b", "main"]);
    std::fs::write(p.join("README"), "hello\n").unwrap();
    std::fs::write(
        p.join(".gitignore"),
        ".env\nscenario.json\nargv.jsonl\nsessions/\n.patchfeld/\n",
    )
    .unwrap();
    std::fs::write(p.join(".worktreeinclude"), ".env\n").unwrap();
    std::fs::write(p.join(".env"), "SECRET=1\n").unwrap();
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "init"]);
    dir
}

/// Spawn options asking for a worktree with the defaults.
pub fn wt_opts(prompt: &str) -> patchfeld::core::agent::SpawnOptions {
    patchfeld::core::agent::SpawnOptions {
        worktree: Some(Box::default()),
        ..spawn_opts(prompt)
    }
}

/// The worktree of a worktree agent's record.
pub fn wt_info(r: &AgentRecord) -> patchfeld::core::worktree::WorktreeInfo {
    *r.worktree.clone().expect("a worktree agent")
}

impl Harness {
    /// The latest record of `id` once its worktree satisfies `pred` (it may already have).
    pub async fn wait_worktree(
        &mut self,
        id: &AgentId,
        what: &str,
        pred: impl Fn(&patchfeld::core::worktree::WorktreeInfo) -> bool,
    ) -> AgentRecord {
        let ok = |r: &AgentRecord| &r.id == id && r.worktree.as_deref().is_some_and(&pred);
        if let Some(r) = self.last_record(id)
            && ok(&r)
        {
            return r;
        }
        match self
            .wait_for(what, |e| matches!(e, EngineEvent::AgentUpdated(r) if ok(r)))
            .await
        {
            EngineEvent::AgentUpdated(r) => r,
            _ => unreachable!(),
        }
    }
}

/// The record once the agent's worktree numbers show a change (measured after each turn).
pub async fn wait_measured(h: &mut Harness, id: &AgentId) -> AgentRecord {
    h.wait_worktree(id, "worktree numstat", |w| w.added > 0)
        .await
}

/// The record once the agent reports an overlap.
pub async fn wait_overlap(h: &mut Harness, id: &AgentId) -> AgentRecord {
    h.wait_worktree(id, "an overlap", |w| !w.overlaps.is_empty())
        .await
}

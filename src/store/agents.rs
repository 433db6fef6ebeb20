//! `agents.json`: loading (ours and the predecessor's bare list), atomic saving, boot
//! reconciliation, and the debounced background saver the engine feeds with snapshots.
//!
//! `reconcile_on_boot` is pure and could live in `core`; it sits here next to the file format
//! it repairs.

use crate::core::agent::{AgentRecord, AgentState};
use crate::core::ids::AgentId;
use crate::core::time::Epoch;
use crate::store::atomic::{move_aside, write_json_atomic};
use crate::store::paths::ProjectPaths;
use crate::store::{LoadOutcome, StoreError, check_version, corrupt_notice, load_with};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// Current `agents.json` format version.
pub const AGENTS_VERSION: u32 = 1;

/// The error recorded on agents that were live when the app last exited.
pub const EXITED_WHILE_RUNNING: &str = "app exited while running";

/// The on-disk shape of `agents.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentsFile {
    /// Format version ([`AGENTS_VERSION`]).
    pub version: u32,
    /// Every agent ever run in this project.
    pub agents: Vec<AgentRecord>,
}

#[derive(Serialize)]
struct AgentsFileRef<'a> {
    version: u32,
    agents: &'a [AgentRecord],
}

/// What [`parse_agents`] found in a syntactically valid file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedAgents {
    /// Records that were understood.
    pub records: Vec<AgentRecord>,
    /// Things worth telling the user that lose nothing (e.g. an unknown state mapped to error).
    pub notices: Vec<String>,
    /// Records that could not be read at all: `"record <index> (<id>): <error>"`.
    pub bad_records: Vec<String>,
}

/// Parse `agents.json` content: our `{"version":1,"agents":[…]}` or the predecessor's bare
/// list (where the `orchestrator` record is dropped). Unknown states become `error` rather than
/// failing the file. `Err` means the document as a whole is unusable.
pub fn parse_agents(bytes: &[u8]) -> Result<ParsedAgents, String> {
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let (list, legacy) = match doc {
        Value::Array(list) => (list, true),
        Value::Object(mut map) => {
            check_version(&Value::Object(map.clone()), u64::from(AGENTS_VERSION))?;
            match map.remove("agents") {
                Some(Value::Array(list)) => (list, false),
                Some(_) => return Err("\"agents\" is not a list".to_owned()),
                None => return Err("missing \"agents\"".to_owned()),
            }
        }
        _ => {
            return Err(
                "expected an object with \"version\" and \"agents\" (or a list of agents)"
                    .to_owned(),
            );
        }
    };
    let mut out = ParsedAgents::default();
    for (index, mut rec) in list.into_iter().enumerate() {
        let id = rec
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned();
        if legacy && id == AgentId::ORCHESTRATOR {
            // The predecessor persisted its orchestrator's turns as an agent; it is not one.
            continue;
        }
        if let Some(obj) = rec.as_object_mut() {
            if legacy && !obj.contains_key("last_activity") {
                if let Some(started) = obj.get("started_at").cloned() {
                    obj.insert("last_activity".to_owned(), started);
                }
            }
            let unknown_state = match obj.get("state") {
                Some(Value::String(s)) if AgentState::parse(s).is_none() => Some(s.clone()),
                _ => None,
            };
            if let Some(state) = unknown_state {
                out.notices.push(format!(
                    "agent {id} had an unknown state '{state}'; shown as error"
                ));
                obj.insert("state".to_owned(), Value::String("error".to_owned()));
                if obj.get("error").is_none_or(Value::is_null) {
                    obj.insert(
                        "error".to_owned(),
                        Value::String(format!("unknown state '{state}' in agents.json")),
                    );
                }
            }
        }
        match serde_json::from_value::<AgentRecord>(rec) {
            Ok(r) => out.records.push(r),
            Err(e) => out.bad_records.push(format!("record {index} ({id}): {e}")),
        }
    }
    Ok(out)
}

/// Load `agents.json`. Returns the records and notices for the user. A corrupt file (or one
/// with unreadable records) is moved aside first, so the next save cannot destroy its content;
/// the readable records are still returned.
pub fn load_agents(paths: &ProjectPaths) -> (Vec<AgentRecord>, Vec<String>) {
    let path = paths.agents();
    match load_with(&path, parse_agents) {
        LoadOutcome::Missing => (Vec::new(), Vec::new()),
        LoadOutcome::Loaded(parsed) => {
            let mut notices = parsed.notices;
            if let Some(first) = parsed.bad_records.first() {
                let count = parsed.bad_records.len();
                let error = format!("{count} unreadable record(s), first: {first}");
                match move_aside(&path) {
                    Ok(backup) => notices.push(corrupt_notice(&path, &backup, &error)),
                    Err(e) => notices.push(format!("{}: {error}; {e}", path.display())),
                }
            }
            (parsed.records, notices)
        }
        LoadOutcome::MovedAside { backup, error } => {
            (Vec::new(), vec![corrupt_notice(&path, &backup, &error)])
        }
        LoadOutcome::Stuck { error } => (
            Vec::new(),
            vec![format!("{} could not be loaded: {error}", path.display())],
        ),
    }
}

/// Write `agents.json` atomically in the current format.
pub fn save_agents(paths: &ProjectPaths, records: &[AgentRecord]) -> Result<(), StoreError> {
    save_agents_to(&paths.agents(), records)
}

fn save_agents_to(path: &Path, records: &[AgentRecord]) -> Result<(), StoreError> {
    write_json_atomic(
        path,
        &AgentsFileRef {
            version: AGENTS_VERSION,
            agents: records,
        },
    )
}

/// Agents recorded as in progress belong to a process that no longer exists: mark them
/// `error` ("app exited while running"; they stay resumable) and close their `ended_at`.
/// Returns whether anything changed (save only then).
pub fn reconcile_on_boot(records: &mut [AgentRecord], now: Epoch) -> bool {
    let mut changed = false;
    for r in records.iter_mut().filter(|r| !r.state.is_settled()) {
        r.state = AgentState::Error;
        r.error = Some(EXITED_WHILE_RUNNING.to_owned());
        r.ended_at.get_or_insert(now);
        r.current_tool = None;
        changed = true;
    }
    changed
}

/// Minimum time between two writes of the debounced saver.
pub const SAVE_INTERVAL: Duration = Duration::from_millis(250);

#[derive(Debug, Default)]
struct Pending {
    latest: Option<Arc<Vec<AgentRecord>>>,
    generation: u64,
    written: u64,
    closed: bool,
    last_error: Option<String>,
}

#[derive(Debug)]
struct Shared {
    path: PathBuf,
    pending: Mutex<Pending>,
    /// Serialises writers (the task, `flush`, drop) so an older snapshot never lands last.
    write_lock: Mutex<()>,
    wake: Notify,
    writes: AtomicU64,
    writes_tx: watch::Sender<u64>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Write the newest snapshot if it is not on disk yet. Blocking.
    fn write_latest(&self) -> Result<(), StoreError> {
        let _w = lock(&self.write_lock);
        let (generation, snapshot) = {
            let p = lock(&self.pending);
            if p.generation <= p.written {
                return Ok(());
            }
            match &p.latest {
                Some(s) => (p.generation, Arc::clone(s)),
                None => return Ok(()),
            }
        };
        let result = save_agents_to(&self.path, &snapshot);
        let mut p = lock(&self.pending);
        match result {
            Ok(()) => {
                p.written = p.written.max(generation);
                p.last_error = None;
                let n = self.writes.fetch_add(1, Ordering::Relaxed) + 1;
                self.writes_tx.send_replace(n);
                Ok(())
            }
            Err(e) => {
                p.last_error = Some(e.to_string());
                Err(e)
            }
        }
    }
}

/// Debounced, atomic writer of `agents.json`. The engine calls [`update`](Self::update) with a
/// full snapshot on every change (cheap, never blocks); a background task writes the newest
/// snapshot at most every [`SAVE_INTERVAL`]. [`flush`](Self::flush) writes the final state now;
/// dropping the saver also writes it (synchronously), so the last state always lands.
#[derive(Debug)]
pub struct AgentsSaver {
    shared: Arc<Shared>,
}

impl AgentsSaver {
    /// Start the saver for `paths.agents()`. Must be called inside a tokio runtime.
    pub fn spawn(paths: &ProjectPaths) -> Self {
        Self::spawn_to(paths.agents(), SAVE_INTERVAL)
    }

    /// Start a saver writing `path` at most every `interval`.
    pub fn spawn_to(path: PathBuf, interval: Duration) -> Self {
        let (writes_tx, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            path,
            pending: Mutex::new(Pending::default()),
            write_lock: Mutex::new(()),
            wake: Notify::new(),
            writes: AtomicU64::new(0),
            writes_tx,
        });
        tokio::spawn(run_saver(Arc::clone(&shared), interval));
        Self { shared }
    }

    /// Record the newest state of all agents. Non-blocking; older unsaved snapshots are dropped.
    /// A snapshot equal to the newest one changes nothing (no write).
    pub fn update(&self, records: Vec<AgentRecord>) {
        {
            let mut p = lock(&self.shared.pending);
            if p.latest.as_deref() == Some(&records) {
                return;
            }
            p.latest = Some(Arc::new(records));
            p.generation += 1;
        }
        self.shared.wake.notify_one();
    }

    /// Write the newest snapshot now (if it is not on disk yet) and wait for it.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let shared = Arc::clone(&self.shared);
        match tokio::task::spawn_blocking(move || shared.write_latest()).await {
            Ok(r) => r,
            Err(e) => Err(StoreError::io(
                "write",
                &self.shared.path,
                std::io::Error::other(e.to_string()),
            )),
        }
    }

    /// Start writing the newest snapshot now, without the debounce and without waiting for it
    /// (the app quitting saves while its children are still being stopped). A later
    /// [`flush`](Self::flush) waits for this write and does not repeat it.
    pub fn write_soon(&self) {
        let shared = Arc::clone(&self.shared);
        tokio::task::spawn_blocking(move || {
            if let Err(e) = shared.write_latest() {
                tracing::warn!(error = %e, "saving agents.json failed");
            }
        });
    }

    /// How many times the file has been written.
    pub fn writes(&self) -> u64 {
        self.shared.writes.load(Ordering::Relaxed)
    }

    /// Observe the write count (changes after each successful write).
    pub fn subscribe_writes(&self) -> watch::Receiver<u64> {
        self.shared.writes_tx.subscribe()
    }

    /// The error of the last failed write, cleared by the next successful one.
    pub fn last_error(&self) -> Option<String> {
        lock(&self.shared.pending).last_error.clone()
    }
}

impl Drop for AgentsSaver {
    fn drop(&mut self) {
        lock(&self.shared.pending).closed = true;
        self.shared.wake.notify_one();
        if let Err(e) = self.shared.write_latest() {
            tracing::error!(error = %e, "final agents.json write failed");
        }
    }
}

async fn run_saver(shared: Arc<Shared>, interval: Duration) {
    let mut last_write: Option<Instant> = None;
    loop {
        shared.wake.notified().await;
        if let Some(t) = last_write {
            tokio::time::sleep_until(t + interval).await;
        }
        if lock(&shared.pending).closed {
            // The handle's drop writes the final state itself.
            return;
        }
        let s = Arc::clone(&shared);
        match tokio::task::spawn_blocking(move || s.write_latest()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "saving agents.json failed"),
            Err(e) => tracing::warn!(error = %e, "agents.json writer task failed"),
        }
        last_write = Some(Instant::now());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::core::agent::SpawnOptions;

    pub(crate) fn record(id: &str, state: AgentState, started_at: f64) -> AgentRecord {
        AgentRecord {
            id: AgentId(id.into()),
            name: format!("agent-{id}"),
            cwd: PathBuf::from("/p"),
            state,
            error: None,
            session_id: Some(format!("sess-{id}")),
            spawn_options: Some(SpawnOptions {
                prompt: "do it".into(),
                ..SpawnOptions::default()
            }),
            model: Some("claude-sonnet-4-5".into()),
            cost_usd: 0.5,
            tokens_in: 10,
            tokens_out: 20,
            started_at,
            ended_at: None,
            last_activity: Some(started_at),
            archived: false,
            current_tool: None,
            worktree: None,
        }
    }

    #[test]
    fn save_then_load_round_trips_with_version() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let recs = vec![
            record("aaaaaaaaaaaa", AgentState::Done, 1.0),
            record("bbbbbbbbbbbb", AgentState::Killed, 2.0),
        ];
        save_agents(&paths, &recs).unwrap();
        let text = std::fs::read_to_string(paths.agents()).unwrap();
        assert!(
            text.starts_with("{\n  \"version\": 1,\n  \"agents\": ["),
            "{text}"
        );
        let (loaded, notices) = load_agents(&paths);
        assert_eq!(loaded, recs);
        assert!(notices.is_empty(), "{notices:?}");
    }

    #[test]
    fn predecessor_bare_list_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        std::fs::create_dir_all(paths.dir()).unwrap();
        let legacy = r#"[
 {"id": "3f9c0a1b2c4d", "name": "tests", "cwd": "/home/dev/project", "started_at": 1715000000.5,
  "state": "done", "ended_at": 1715000090.1, "last_activity": 1715000090.1, "cost": 0.0421,
  "tokens_in": 1200, "tokens_out": 800, "archived": false,
  "session_id": "0b6e", "spawn_options": {"cwd": "/home/dev/project", "allowed_tools": ["Read", "Bash"],
  "disallowed_tools": null, "model": null, "system_prompt": null}},
 {"id": "orchestrator", "name": "orchestrator", "cwd": "/home/dev/project", "started_at": 1.0,
  "state": "running", "ended_at": null, "cost": 0, "tokens_in": 0, "tokens_out": 0,
  "archived": false, "session_id": null, "spawn_options": null},
 {"id": "aaaaaaaaaaaa", "name": "odd", "cwd": "/x", "started_at": 5.0, "state": "zombie",
  "ended_at": null, "cost": 0, "tokens_in": 0, "tokens_out": 0, "archived": true,
  "session_id": null, "spawn_options": null}
]"#;
        std::fs::write(paths.agents(), legacy).unwrap();
        let (recs, notices) = load_agents(&paths);
        assert_eq!(recs.len(), 2, "orchestrator dropped: {recs:?}");
        let a = &recs[0];
        assert_eq!(a.id.as_str(), "3f9c0a1b2c4d");
        assert_eq!(a.cost_usd, 0.0421);
        assert_eq!(a.started_at, 1715000000.5);
        assert_eq!(a.state, AgentState::Done);
        let so = a.spawn_options.as_ref().unwrap();
        assert_eq!(so.prompt, "");
        assert_eq!(
            so.allowed_tools.as_deref(),
            Some(&["Read".to_owned(), "Bash".to_owned()][..])
        );
        let b = &recs[1];
        assert_eq!(b.state, AgentState::Error);
        assert_eq!(
            b.error.as_deref(),
            Some("unknown state 'zombie' in agents.json")
        );
        assert_eq!(b.last_activity, Some(5.0), "defaults to started_at");
        assert!(b.archived);
        assert_eq!(notices.len(), 1);
        assert!(notices[0].contains("zombie"), "{notices:?}");
        // Nothing was moved aside for a readable predecessor file.
        assert!(paths.agents().exists());
    }

    #[test]
    fn corrupt_agents_file_is_moved_aside_with_notice() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        std::fs::create_dir_all(paths.dir()).unwrap();
        std::fs::write(paths.agents(), b"{\"version\":1,\"agents\":[").unwrap();
        let (recs, notices) = load_agents(&paths);
        assert!(recs.is_empty());
        assert_eq!(notices.len(), 1);
        assert!(notices[0].contains("agents.json.corrupt-"), "{notices:?}");
        assert!(!paths.agents().exists());
    }

    #[test]
    fn unsupported_version_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        std::fs::create_dir_all(paths.dir()).unwrap();
        std::fs::write(paths.agents(), b"{\"version\":9,\"agents\":[]}").unwrap();
        let (_, notices) = load_agents(&paths);
        assert!(notices[0].contains("version 9"), "{notices:?}");
        assert!(
            !paths.agents().exists(),
            "moved aside before anyone saves over it"
        );
    }

    #[test]
    fn a_bad_record_keeps_the_rest_and_backs_up_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let good = serde_json::to_value(record("aaaaaaaaaaaa", AgentState::Done, 1.0)).unwrap();
        let doc = serde_json::json!({"version": 1, "agents": [good, {"id": "bbbbbbbbbbbb"}]});
        std::fs::create_dir_all(paths.dir()).unwrap();
        std::fs::write(paths.agents(), doc.to_string()).unwrap();
        let (recs, notices) = load_agents(&paths);
        assert_eq!(recs.len(), 1);
        assert!(
            notices[0].contains("record 1 (bbbbbbbbbbbb)"),
            "{notices:?}"
        );
        let backups: Vec<_> = std::fs::read_dir(paths.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("agents.json.corrupt-"))
            .collect();
        assert_eq!(backups.len(), 1);
    }

    #[test]
    fn reconcile_marks_live_states_as_error() {
        let mut recs = vec![
            record("aaaaaaaaaaaa", AgentState::Running, 1.0),
            record("bbbbbbbbbbbb", AgentState::Waiting, 1.0),
            record("cccccccccccc", AgentState::AwaitingPermission, 1.0),
            record("dddddddddddd", AgentState::Idle, 1.0),
            record("eeeeeeeeeeee", AgentState::Done, 1.0),
            record("ffffffffffff", AgentState::Killed, 1.0),
        ];
        recs[1].ended_at = Some(7.0);
        recs[0].current_tool = Some("Bash".into());
        assert!(reconcile_on_boot(&mut recs, 100.0));
        for r in &recs[..4] {
            assert_eq!(r.state, AgentState::Error, "{}", r.id);
            assert_eq!(r.error.as_deref(), Some(EXITED_WHILE_RUNNING));
            assert!(r.session_id.is_some(), "still resumable");
        }
        assert_eq!(recs[0].ended_at, Some(100.0));
        assert_eq!(recs[1].ended_at, Some(7.0), "an existing ended_at is kept");
        assert_eq!(recs[0].current_tool, None);
        assert_eq!(recs[4].state, AgentState::Done);
        assert_eq!(recs[4].error, None);
        assert_eq!(recs[5].state, AgentState::Killed);
        assert!(
            !reconcile_on_boot(&mut recs, 200.0),
            "second pass changes nothing"
        );
    }

    fn on_disk(paths: &ProjectPaths) -> Vec<AgentRecord> {
        let (r, n) = load_agents(paths);
        assert!(n.is_empty(), "{n:?}");
        r
    }

    #[tokio::test]
    async fn saver_coalesces_many_updates_and_lands_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let saver = AgentsSaver::spawn(&paths);
        let mut last = Vec::new();
        for i in 0..1000u32 {
            let mut r = record("aaaaaaaaaaaa", AgentState::Running, 1.0);
            r.tokens_out = u64::from(i);
            last = vec![r];
            saver.update(last.clone());
            tokio::task::yield_now().await;
        }
        saver.flush().await.unwrap();
        assert_eq!(on_disk(&paths), last);
        let writes = saver.writes();
        // At most one write per 250 ms: even a slow run of this loop stays far below 1000.
        assert!((1..=100).contains(&writes), "writes = {writes}");
        // Flushing again with nothing new writes nothing.
        saver.flush().await.unwrap();
        assert_eq!(saver.writes(), writes);
    }

    #[tokio::test]
    async fn saver_writes_in_the_background_without_flush() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let saver = AgentsSaver::spawn(&paths);
        let mut rx = saver.subscribe_writes();
        let recs = vec![record("aaaaaaaaaaaa", AgentState::Done, 1.0)];
        saver.update(recs.clone());
        tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|n| *n >= 1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(on_disk(&paths), recs);
        // A second change is debounced but still lands.
        let recs2 = vec![record("aaaaaaaaaaaa", AgentState::Killed, 1.0)];
        saver.update(recs2.clone());
        tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|n| *n >= 2))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(on_disk(&paths), recs2);
    }

    #[tokio::test]
    async fn dropping_the_saver_writes_the_final_state() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let saver = AgentsSaver::spawn(&paths);
        saver.update(vec![record("aaaaaaaaaaaa", AgentState::Running, 1.0)]);
        let last = vec![record("aaaaaaaaaaaa", AgentState::Done, 1.0)];
        saver.update(last.clone());
        drop(saver);
        assert_eq!(on_disk(&paths), last);
    }

    /// The engine hands the saver a snapshot after every batch; one equal to the last changes
    /// nothing, so the quit's final flush does not rewrite what was saved when it began.
    #[tokio::test]
    async fn an_unchanged_snapshot_is_not_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        let saver = AgentsSaver::spawn(&paths);
        let recs = vec![record("aaaaaaaaaaaa", AgentState::Done, 1.0)];
        saver.update(recs.clone());
        saver.flush().await.unwrap();
        let writes = saver.writes();
        saver.update(recs.clone());
        saver.flush().await.unwrap();
        assert_eq!(saver.writes(), writes);
        let changed = vec![record("aaaaaaaaaaaa", AgentState::Error, 1.0)];
        saver.update(changed.clone());
        saver.flush().await.unwrap();
        assert_eq!(saver.writes(), writes + 1);
        assert_eq!(on_disk(&paths), changed);
    }

    /// `write_soon` writes without the debounce and without being awaited; the flush after it
    /// waits for that write instead of writing again.
    #[tokio::test]
    async fn write_soon_lands_without_a_flush_and_the_flush_adds_no_write() {
        let dir = tempfile::tempdir().unwrap();
        let paths = ProjectPaths::new(dir.path());
        // A debounce far longer than the test: only `write_soon` can write in time.
        let saver = AgentsSaver::spawn_to(paths.agents(), Duration::from_secs(3600));
        let mut rx = saver.subscribe_writes();
        saver.update(vec![record("aaaaaaaaaaaa", AgentState::Running, 1.0)]);
        tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|n| *n >= 1))
            .await
            .unwrap()
            .unwrap();
        let last = vec![record("aaaaaaaaaaaa", AgentState::Done, 1.0)];
        saver.update(last.clone());
        saver.write_soon();
        tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|n| *n >= 2))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(on_disk(&paths), last);
        saver.flush().await.unwrap();
        assert_eq!(saver.writes(), 2);
    }

    #[tokio::test]
    async fn saver_reports_write_errors() {
        let dir = tempfile::tempdir().unwrap();
        // The parent "directory" is a file: every write fails.
        let blocker = dir.path().join("blocker");
        std::fs::write(&blocker, b"").unwrap();
        let saver = AgentsSaver::spawn_to(blocker.join("agents.json"), SAVE_INTERVAL);
        saver.update(Vec::new());
        let e = saver.flush().await.unwrap_err();
        assert!(e.to_string().contains("blocker"), "{e}");
        assert!(saver.last_error().is_some());
    }
}

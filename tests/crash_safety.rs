//! Crash safety (issue 11): a writer process (this test binary re-run as `crash_writer_child`:
//! a real engine driving four streaming fake agents, plus workspace.json saves and
//! activity.jsonl appends) is SIGKILLed at random moments of its burst of writes (most while
//! the agents stream, one in ten while they are being spawned), 100 times
//! (`PATCHFELD_CRASH_ITERS` overrides), two writers at once. After each kill: every JSON
//! file parses, every JSONL file loses at most its last partial line, each transcript's
//! `seq <k>` lines run 0, 1, 2, … with no gap or duplicate and hold every turn the engine had
//! reported settled, no fake agent survives its parent, and a relaunch (boot's `load_agents` +
//! `reconcile_on_boot`, then the real engine on the crashed dir) settles every agent, reads
//! every transcript and, every few iterations, carries every resumable agent through a new turn.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use patchfeld::core::agent::{AgentRecord, AgentState};
use patchfeld::core::ids::AgentId;
use patchfeld::core::layout::Workspace;
use patchfeld::core::transcript::TranscriptItem;
use patchfeld::engine::{self, EngineConfig, EngineEvent};
use patchfeld::store::activity::{ACTIVITY_VERSION, ActivityLevel, ActivityLog, ActivityRecord};
use patchfeld::store::paths::ProjectPaths;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "PATCHFELD_CRASH_CHILD_DIR";
/// `seq` lines per turn of the writer's scenario (two `{"seq": 30}` steps).
const SEQ_PER_TURN: u64 = 60;
/// Kills land uniformly in this window after the writer's "ready". Its turns take ~10–30 ms
/// and it saves workspace.json every ~2 ms, so any window spans many turns and saves; this one
/// also spans the first debounced rewrites of agents.json (every 250 ms: the records with
/// session ids that a relaunch can resume). 250 ms ran in 12 s but left almost nothing to resume.
const KILL_WINDOW_MS: u64 = 500;
/// Every this many iterations the kill lands instead within this long after "spawning": while
/// the agents are being started (first agents.json save, transcripts created, processes forked).
const SPAWN_EVERY: u64 = 10;
const SPAWN_WINDOW_MS: u64 = 40;
/// Kills in flight at once (the machine and CI have 2 cores; a third adds only contention).
const WORKERS: u64 = 2;
/// Every this many iterations the relaunch also resumes every agent for a new turn.
const RESUME_EVERY: u64 = 5;

/// The process that gets killed. Ignored in normal runs; the parent test starts it. Prints
/// `ready` once its agents stream, then `settled <id> <turns>` each time an agent's turn ends
/// (the engine flushes transcripts before it reports a state, so those turns are on disk).
#[test]
#[ignore = "helper process for crash_safety_under_sigkill"]
fn crash_writer_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let scenario = dir.join("scenario.json");
        std::fs::write(
            &scenario,
            json!({"version": 1, "scripts": [{"match": "*", "turns": [[
                {"seq": 30}, {"tool": "Read", "input": {"file_path": "a"}, "result": "x"},
                {"seq": 30}, {"sleep_ms": 5}
            ]]}]})
            .to_string(),
        )
        .unwrap();
        let paths = ProjectPaths::new(&dir);
        let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
        let handle = engine::start(config(&dir), Vec::new(), tx);
        println!("spawning");
        let mut ids = Vec::new();
        for i in 0..4 {
            ids.push(
                handle
                    .spawn(format!("w{i}"), common::spawn_opts(&format!("go {i}")))
                    .await
                    .unwrap(),
            );
        }
        let activity = ActivityLog::start(paths.activity(), 40).unwrap();
        let appender = activity.appender();
        let mut ws = Workspace::seed();
        let mut turns: HashMap<AgentId, (AgentState, u64)> = HashMap::new();
        println!("ready");
        let mut n = 0u64;
        loop {
            tokio::select! {
                ev = events.recv() => match ev {
                    Some(EngineEvent::AgentUpdated(r)) => {
                        let (state, count) = turns.entry(r.id.clone()).or_insert((r.state, 0));
                        let ended = r.state == AgentState::Done && *state != AgentState::Done;
                        *state = r.state;
                        if ended {
                            *count += 1;
                            println!("settled {} {count}", r.id);
                            handle.send(r.id.as_str(), "again".into()).await.unwrap();
                        }
                    }
                    Some(_) => {}
                    None => return,
                },
                () = tokio::time::sleep(Duration::from_millis(2)) => {
                    // Pacing of the synthetic UI writes, not synchronisation.
                    n += 1;
                    // Vary the size so a torn write would show.
                    ws.active_theme = Some("t".repeat((n % 500) as usize));
                    patchfeld::store::workspace::save_workspace(&paths, &ws).unwrap();
                    appender.append(vec![ActivityRecord {
                        v: ACTIVITY_VERSION,
                        ts: n as f64,
                        who: "crash".into(),
                        agent: None,
                        what: format!("line {n} {}", "y".repeat((n % 300) as usize)),
                        level: ActivityLevel::Normal,
                    }]);
                }
            }
        }
    });
}

/// The engine of the writer and of the relaunch: fake agents, no orchestrator.
fn config(dir: &Path) -> EngineConfig {
    let sessions = dir.join("sessions");
    std::fs::create_dir_all(&sessions).unwrap();
    EngineConfig {
        paths: ProjectPaths::new(dir),
        app_cwd: dir.to_path_buf(),
        claude: common::fake_command(
            &dir.join("scenario.json"),
            &dir.join("argv.jsonl"),
            &sessions,
        ),
        bypass: false,
        start_orchestrator: false,
        ui_tools: Vec::new(),
        permission_timeout: engine::PERMISSION_TIMEOUT,
        user_grants: None,
        agent_defaults: Default::default(),
    }
}

/// What one kill left behind that shows it landed mid-write.
#[derive(Debug, Default)]
struct Outcome {
    /// write_atomic's temp files (a save cut between create and rename).
    temp_files: usize,
    /// JSONL files whose last line was cut off.
    torn_files: usize,
    /// Transcripts cut inside a turn (a seq count that is not a whole number of turns).
    mid_turn: usize,
    /// Turns the engine had reported settled before the kill.
    settled_turns: u64,
    /// Agents resumed for a new turn after the relaunch.
    resumed: usize,
}

#[test]
fn crash_safety_under_sigkill() {
    let iters: u64 = std::env::var("PATCHFELD_CRASH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    // Orphaned fake agents become our children, so we can await and reap them (init would
    // otherwise reap them whenever it gets round to it).
    // SAFETY: prctl with integer arguments only changes this process's own attribute.
    assert_eq!(
        unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) },
        0
    );
    let seed = 0x2545_F491_4F6C_DD1Du64 ^ u64::from(std::process::id());
    println!("crash_safety: {iters} iterations, seed {seed:#x}");
    let started = Instant::now();
    let next = AtomicU64::new(0);
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| {
                // A failure stops the other worker too instead of letting it run to the end.
                struct StopOnPanic<'a>(&'a AtomicU64);
                impl Drop for StopOnPanic<'_> {
                    fn drop(&mut self) {
                        if std::thread::panicking() {
                            self.0.store(u64::MAX / 2, Ordering::SeqCst);
                        }
                    }
                }
                let _stop = StopOnPanic(&next);
                loop {
                    let iter = next.fetch_add(1, Ordering::SeqCst);
                    if iter >= iters {
                        break;
                    }
                    // The random moment is the point of the test.
                    let (after, window) = if iter % SPAWN_EVERY == SPAWN_EVERY - 1 {
                        ("spawning", SPAWN_WINDOW_MS)
                    } else {
                        ("ready", KILL_WINDOW_MS)
                    };
                    let delay = Duration::from_millis(random(seed ^ iter) % window);
                    let o = run_iteration(iter, after, delay);
                    outcomes.lock().unwrap().push(o);
                }
            });
        }
    });
    let outcomes = outcomes.into_inner().unwrap();
    assert_eq!(outcomes.len() as u64, iters);
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let temp = count(|o| o.temp_files > 0);
    let torn = count(|o| o.torn_files > 0);
    let mid_turn = count(|o| o.mid_turn > 0);
    let settled: u64 = outcomes.iter().map(|o| o.settled_turns).sum();
    let resumed: usize = outcomes.iter().map(|o| o.resumed).sum();
    println!(
        "crash_safety: {iters} kills in {:.1?}: {temp} left a temp file, {torn} a torn JSONL \
         line, {mid_turn} a transcript mid-turn; {settled} settled turns checked on disk, \
         {resumed} agents resumed after relaunch",
        started.elapsed()
    );
    // The test must have exercised the interesting case: kills in the middle of saves and of
    // streaming turns, not only between them (measured: 18–25% and 52–65% of kills). A torn
    // JSONL line needs a kill inside one write syscall (every writer appends whole lines per
    // call) and is too rare to require (0–1 per 100 kills).
    if iters >= 20 {
        assert!(
            temp as u64 >= iters / 20,
            "only {temp} of {iters} kills landed inside an atomic save (left a temp file)"
        );
        assert!(
            mid_turn as u64 >= iters / 4,
            "only {mid_turn} of {iters} kills landed inside a streaming turn"
        );
        assert!(settled > 0, "no turn ever settled before a kill");
        assert!(resumed > 0, "no agent was resumed after a relaunch");
    }
}

/// xorshift64* of `x`: a deterministic, well-spread kill moment per iteration.
fn random(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// One writer run, killed `delay` after it printed `after`, and everything checked.
fn run_iteration(iter: u64, after: &str, delay: Duration) -> Outcome {
    let ctx = format!("iteration {iter} (kill {delay:?} after {after})");
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_writer_child", "--ignored", "--nocapture"])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Wait for the writer to be under way, bounded.
    let mut early = Vec::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line == after => break,
            Ok(line) => early.push(line),
            Err(e) => {
                // SAFETY: kill only sends a signal to our own child.
                unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
                let _ = child.wait();
                panic!("{ctx}: writer child never got ready: {e}");
            }
        }
    }
    std::thread::sleep(delay);
    // SAFETY: kill only sends a signal to our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    child.wait().unwrap();
    // Everything it printed before dying; the reader ends at EOF (only the writer held the pipe).
    let mut settled: HashMap<String, u64> = HashMap::new();
    let mut early = early.into_iter();
    loop {
        match early
            .next()
            .map_or_else(|| rx.recv_timeout(Duration::from_secs(10)), Ok)
        {
            Ok(line) => {
                if let Some((id, n)) = line
                    .strip_prefix("settled ")
                    .and_then(|r| r.split_once(' '))
                {
                    settled.insert(id.to_owned(), n.parse().unwrap());
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(e) => panic!("{ctx}: writer's stdout still open after its death: {e}"),
        }
    }
    let mut outcome = Outcome {
        settled_turns: settled.values().sum(),
        ..Outcome::default()
    };
    reap_fake_agents(dir.path(), &ctx);

    let paths = ProjectPaths::new(dir.path());
    let mut files = Vec::new();
    walk(paths.dir(), &mut files);
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy();
        if name.ends_with(".tmp") {
            outcome.temp_files += 1;
        } else if name.ends_with(".jsonl") {
            outcome.torn_files += usize::from(check_jsonl(f, &ctx));
        } else if name.ends_with(".json") {
            check_json(f, &ctx);
        }
    }
    assert!(
        !files.is_empty() || after != "ready",
        "{ctx}: the writer wrote nothing"
    );

    // Transcripts: the stream's prefix, cut at most inside its last line.
    let mut seqs: HashMap<String, u64> = HashMap::new();
    if let Ok(entries) = std::fs::read_dir(paths.transcripts_dir()) {
        for e in entries.flatten() {
            let p = e.path();
            let Some(id) = p
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".jsonl"))
            else {
                continue;
            };
            let read = patchfeld::store::transcripts::read_transcript(&paths, &AgentId(id.into()))
                .unwrap();
            assert!(
                read.skipped.len() <= usize::from(read.truncated_tail),
                "{ctx}: transcript {id} has corrupt lines: {:?}",
                read.skipped
            );
            let n = check_seq(
                &seq_texts(read.items.iter().map(|e| &e.item)),
                &format!("{ctx}: transcript {id}"),
            );
            if n % SEQ_PER_TURN != 0 {
                outcome.mid_turn += 1;
            }
            seqs.insert(id.to_owned(), n);
        }
    }
    for (id, turns) in &settled {
        let on_disk = seqs.get(id).copied().unwrap_or(0);
        assert!(
            on_disk >= turns * SEQ_PER_TURN,
            "{ctx}: {id} settled {turns} turns before the kill but its transcript holds only \
             {on_disk} seq lines"
        );
    }

    // Relaunch: what boot does, then the real engine on the crashed dir.
    let (mut records, notices) = patchfeld::store::agents::load_agents(&paths);
    assert!(notices.is_empty(), "{ctx}: {notices:?}");
    patchfeld::store::agents::reconcile_on_boot(&mut records, 0.0);
    for r in &records {
        assert!(r.state.is_settled(), "{ctx}: {} left {:?}", r.name, r.state);
        assert!(
            r.state != AgentState::Error || r.error.is_some(),
            "{ctx}: {} in error without a reason",
            r.name
        );
    }
    let (_, notices) = patchfeld::store::activity::load_activity(&paths);
    assert!(notices.is_empty(), "{ctx}: activity: {notices:?}");
    if let Ok(bytes) = std::fs::read(paths.workspace()) {
        patchfeld::store::workspace::parse_workspace(&bytes)
            .unwrap_or_else(|e| panic!("{ctx}: workspace.json: {e}"));
    }
    outcome.resumed = relaunch(dir.path(), records, &seqs, iter % RESUME_EVERY == 0, &ctx);
    outcome
}

/// Start the real engine on the crashed dir with the reconciled records: every transcript
/// loads through it as read from disk; with `resume`, every agent with a session gets a new
/// turn, which must settle (done when the fake agent saved its session, else error with a
/// reason), after which its transcript still reads cleanly. Returns how many were resumed.
fn relaunch(
    dir: &Path,
    records: Vec<AgentRecord>,
    seqs: &HashMap<String, u64>,
    resume: bool,
    ctx: &str,
) -> usize {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
        let handle = engine::start(config(dir), records.clone(), tx);
        for r in &records {
            let entries = tokio::time::timeout(common::WAIT, handle.load_transcript(r.id.as_str()))
                .await
                .expect("load_transcript timed out")
                .unwrap_or_else(|e| panic!("{ctx}: relaunched engine cannot load {}: {e}", r.id));
            let items: Vec<TranscriptItem> = entries.into_iter().map(|e| e.item).collect();
            assert_eq!(
                check_seq(&seq_texts(&items), ctx),
                seqs.get(r.id.as_str()).copied().unwrap_or(0),
                "{ctx}: relaunched engine's transcript of {} differs from the file",
                r.id
            );
        }
        let mut resumed = HashSet::new();
        if resume {
            for r in records.iter().filter(|r| r.session_id.is_some()) {
                handle
                    .send(r.id.as_str(), "after the crash".into())
                    .await
                    .unwrap_or_else(|e| panic!("{ctx}: cannot resume {}: {e}", r.name));
                resumed.insert(r.id.clone());
            }
        }
        // Each resumed agent goes busy, then settles.
        let mut busy = HashSet::new();
        let mut ended: HashMap<AgentId, AgentRecord> = HashMap::new();
        while ended.len() < resumed.len() {
            let ev = tokio::time::timeout(common::WAIT, events.recv())
                .await
                .unwrap_or_else(|_| panic!("{ctx}: resumed agents never settled"))
                .expect("engine stopped");
            if let EngineEvent::AgentUpdated(r) = ev
                && resumed.contains(&r.id)
            {
                if !r.state.is_settled() {
                    busy.insert(r.id.clone());
                } else if busy.contains(&r.id) {
                    ended.insert(r.id.clone(), r);
                }
            }
        }
        tokio::time::timeout(common::WAIT, handle.shutdown())
            .await
            .expect("relaunched engine's shutdown timed out");
        let paths = ProjectPaths::new(dir);
        for (id, r) in &ended {
            let sid = r.session_id.clone().unwrap_or_default();
            let known = dir.join("sessions").join(format!("{sid}.json")).exists();
            if known {
                assert_eq!(
                    r.state,
                    AgentState::Done,
                    "{ctx}: resumed {} ended {:?}: {:?}",
                    r.name,
                    r.state,
                    r.error
                );
            } else {
                assert!(
                    r.state == AgentState::Error && r.error.is_some(),
                    "{ctx}: {} resumed an unsaved session: {r:?}",
                    r.name
                );
            }
            // The new life appends after the old one; a torn old tail stays the only bad line.
            let read = patchfeld::store::transcripts::read_transcript(&paths, id).unwrap();
            assert!(
                read.skipped.len() <= 1 && !read.truncated_tail,
                "{ctx}: {id} after the relaunch: {:?}",
                read.skipped
            );
            let texts = seq_texts(read.items.iter().map(|e| &e.item));
            let before = seqs.get(id.as_str()).copied().unwrap_or(0) as usize;
            check_seq(&texts[..before], ctx);
            if known {
                // The new process numbers from 0 again: one whole turn.
                assert_eq!(
                    check_seq(&texts[before..], ctx),
                    SEQ_PER_TURN,
                    "{ctx}: {id}'s new turn"
                );
            }
        }
        resumed.len()
    })
}

/// Wait for every fake agent the writer started to die of PDEATHSIG, reap it, and check its
/// process group is empty. The agents are the writer's children, reparented to us (subreaper)
/// when it dies; a pidfd turns "has it exited?" into an awaitable event.
fn reap_fake_agents(dir: &Path, ctx: &str) {
    let agents: Vec<(i32, i32)> = std::fs::read_to_string(dir.join("argv.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            (
                v["pid"].as_i64().unwrap() as i32,
                v["pgid"].as_i64().unwrap() as i32,
            )
        })
        .collect();
    for (pid, pgid) in agents {
        // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
        if fd < 0 {
            // Already gone and reaped; anything else (no pidfd on this kernel) must not pass.
            let e = std::io::Error::last_os_error();
            assert_eq!(
                e.raw_os_error(),
                Some(libc::ESRCH),
                "{ctx}: pidfd_open({pid}): {e}"
            );
        } else {
            let mut pfd = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd; then our own fd is closed once.
            let ready = unsafe {
                let r = libc::poll(&raw mut pfd, 1, 5000);
                libc::close(fd);
                r
            };
            assert_eq!(ready, 1, "{ctx}: fake agent {pid} outlived the app");
            // It has exited, so this returns at once: reaps our adopted child (ECHILD if it
            // was not adopted, e.g. init got it first).
            // SAFETY: waitpid on a pid with a null status pointer.
            unsafe {
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
        }
        assert!(
            !common::group_alive(pgid),
            "{ctx}: something in fake agent {pid}'s process group outlived the app"
        );
    }
}

fn seq_texts<'a>(items: impl IntoIterator<Item = &'a TranscriptItem>) -> Vec<&'a str> {
    items
        .into_iter()
        .filter_map(|i| match i {
            TranscriptItem::Assistant { text } if text.starts_with("seq ") => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

/// `seq 0`, `seq 1`, … with no gap or duplicate; returns how many.
fn check_seq(texts: &[&str], ctx: &str) -> u64 {
    for (k, t) in texts.iter().enumerate() {
        assert_eq!(
            *t,
            format!("seq {k}"),
            "{ctx}: seq line {k} is wrong (lost or duplicated lines)"
        );
    }
    texts.len() as u64
}

fn check_json(path: &Path, ctx: &str) {
    let bytes = std::fs::read(path).unwrap();
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .unwrap_or_else(|e| panic!("{ctx}: {} does not parse after a kill: {e}", path.display()));
}

/// Every line but the last parses; the last may be torn only if it has no newline. Returns
/// whether it was torn.
fn check_jsonl(path: &Path, ctx: &str) -> bool {
    let bytes = std::fs::read(path).unwrap();
    let complete = bytes.ends_with(b"\n") || bytes.is_empty();
    let lines: Vec<&[u8]> = bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    for (i, line) in lines.iter().enumerate() {
        let last = i + 1 == lines.len();
        if serde_json::from_slice::<serde_json::Value>(line).is_err() {
            assert!(
                last && !complete,
                "{ctx}: {} line {} is corrupt: {}",
                path.display(),
                i + 1,
                String::from_utf8_lossy(&line[..line.len().min(120)])
            );
        }
    }
    !complete
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

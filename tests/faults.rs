//! Fault injection against the real engine over real pipes: a misbehaving child (bad UTF-8, a
//! 50 MB line, split writes, stdout closed early, exit 137, an ignored interrupt, a stderr flood)
//! ends in `error` with a precise reason while a healthy sibling finishes untouched and the
//! engine keeps answering; a read-only project dir and a full disk give a visible notice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;

use common::{Harness, Options, group_alive, spawn_opts};
use patchfeld::core::agent::{AgentRecord, AgentState};
use patchfeld::core::ids::AgentId;
use patchfeld::core::transcript::{NoticeLevel, TranscriptItem};
use patchfeld::engine::EngineEvent;
use serde_json::{Value, json};
use std::time::Instant;

const HEALTHY_SEQ: u64 = 40;

/// The faulty script runs for prompts containing FAULT; everyone else is the healthy sibling,
/// which streams numbered lines across a pause (so it is mid-turn while the fault happens).
fn scenario(fault_steps: Value) -> Value {
    json!({"version": 1, "scripts": [
        {"match": "FAULT", "turns": [fault_steps]},
        {"match": "*", "turns": [[{"seq": HEALTHY_SEQ / 2}, {"sleep_ms": 300}, {"seq": HEALTHY_SEQ / 2}]]}
    ]})
}

fn seq_texts(h: &Harness, id: &AgentId) -> Vec<String> {
    h.transcript(id)
        .into_iter()
        .filter_map(|i| match i {
            TranscriptItem::Assistant { text } if text.starts_with("seq ") => Some(text),
            _ => None,
        })
        .collect()
}

fn expected_seq(from: u64, to: u64) -> Vec<String> {
    (from..to).map(|k| format!("seq {k}")).collect()
}

/// Starts a healthy agent and a faulty one side by side; returns both ids.
async fn start_pair(h: &mut Harness) -> (AgentId, AgentId) {
    let healthy = h
        .handle
        .spawn("healthy".into(), spawn_opts("stream please"))
        .await
        .unwrap();
    let faulty = h
        .handle
        .spawn("faulty".into(), spawn_opts("FAULT now"))
        .await
        .unwrap();
    (healthy, faulty)
}

/// The faulty agent is in `error` with a reason containing every `needles`, and its transcript
/// ends with an error notice saying the same.
async fn assert_faulted(h: &mut Harness, id: &AgentId, needles: &[&str]) -> AgentRecord {
    let rec = h.wait_state(id, AgentState::Error).await;
    let reason = rec.error.clone().unwrap_or_default();
    for n in needles {
        assert!(reason.contains(n), "reason {reason:?} lacks {n:?}");
    }
    let notices: Vec<String> = h
        .transcript(id)
        .into_iter()
        .filter_map(|i| match i {
            TranscriptItem::Notice {
                level: NoticeLevel::Error,
                text,
            } => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(notices, vec![reason.clone()], "transcript error notice");
    rec
}

/// The sibling finished its turn normally, the engine still takes commands (a second message
/// runs a second full turn), and nothing of either agent outlives the engine.
async fn assert_sibling_untouched(mut h: Harness, healthy: &AgentId) {
    let rec = h.wait_state(healthy, AgentState::Done).await;
    assert_eq!(rec.error, None);
    assert_eq!(seq_texts(&h, healthy), expected_seq(0, HEALTHY_SEQ));
    h.handle
        .send(healthy.as_str(), "again".into())
        .await
        .unwrap();
    h.wait_for("healthy running again", |e| {
        matches!(e, EngineEvent::AgentUpdated(r) if &r.id == healthy && r.state == AgentState::Running)
    })
    .await;
    h.wait_for("healthy done again", |e| {
        matches!(e, EngineEvent::AgentUpdated(r) if &r.id == healthy && r.state == AgentState::Done)
    })
    .await;
    assert_eq!(seq_texts(&h, healthy), expected_seq(0, 2 * HEALTHY_SEQ));
    let pgids = h.child_groups();
    assert_eq!(pgids.len(), 2);
    h.shutdown().await;
    for g in pgids {
        assert!(!group_alive(g), "process group {g} outlived the engine");
    }
}

#[tokio::test]
async fn invalid_utf8_on_stdout_is_a_protocol_fault() {
    let mut h = Harness::start(
        scenario(json!([
            {"text": "before"},
            {"raw_bytes": [123, 34, 116, 34, 58, 255, 254, 125, 10]},
            {"wait_for_interrupt": true}
        ])),
        Options::default(),
    );
    let (healthy, faulty) = start_pair(&mut h).await;
    assert_faulted(
        &mut h,
        &faulty,
        &[
            "protocol fault: stdout line",
            "not valid UTF-8 (bad byte at offset 5)",
        ],
    )
    .await;
    assert_sibling_untouched(h, &healthy).await;
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test]
async fn a_50_mb_line_is_capped_not_buffered() {
    let before = peak_rss_kib();
    let mut h = Harness::start(
        scenario(json!([
            {"text": "before"},
            {"huge_line": 50 * 1024 * 1024},
            {"wait_for_interrupt": true}
        ])),
        Options::default(),
    );
    let (healthy, faulty) = start_pair(&mut h).await;
    assert_faulted(
        &mut h,
        &faulty,
        &[
            "protocol fault: stdout line",
            "longer than the 16 MiB limit",
        ],
    )
    .await;
    // Buffering the line would cost at least 50 MB (64 MB with Vec doubling); the cap keeps
    // it to the 16 MiB limit plus slack for the tests running alongside.
    let grown_mib = (peak_rss_kib().saturating_sub(before)) / 1024;
    assert!(grown_mib < 40, "peak RSS grew by {grown_mib} MiB");
    assert_sibling_untouched(h, &healthy).await;
}

#[tokio::test]
async fn lines_split_across_reads_are_reassembled() {
    // Not a fault: byte-by-byte writes (multi-byte characters split too) must parse exactly.
    let mut h = Harness::start(
        scenario(json!([
            {"split_writes": 1},
            {"seq": 25},
            {"text": "tail ✓ ünïcode 🎉"}
        ])),
        Options::default(),
    );
    let (healthy, faulty) = start_pair(&mut h).await;
    let rec = h.wait_state(&faulty, AgentState::Done).await;
    assert_eq!(rec.error, None);
    assert_eq!(seq_texts(&h, &faulty), expected_seq(0, 25));
    assert!(
        h.transcript(&faulty).contains(&TranscriptItem::Assistant {
            text: "tail ✓ ünïcode 🎉".into()
        }),
        "{:#?}",
        h.transcript(&faulty)
    );
    assert_sibling_untouched(h, &healthy).await;
}

#[tokio::test]
async fn stdout_closed_while_the_process_lives_on() {
    let mut h = Harness::start(
        scenario(json!([
            {"text": "before"},
            {"close_stdout": true},
            {"sleep_ms": 600_000}
        ])),
        Options::default(),
    );
    let (healthy, faulty) = start_pair(&mut h).await;
    assert_faulted(
        &mut h,
        &faulty,
        &["protocol fault: closed its stdout but kept running"],
    )
    .await;
    assert_sibling_untouched(h, &healthy).await;
}

#[tokio::test]
async fn exit_137_mid_turn() {
    let mut h = Harness::start(
        scenario(json!([{"text": "before"}, {"sleep_ms": 100}, {"exit": 137}])),
        Options::default(),
    );
    let (healthy, faulty) = start_pair(&mut h).await;
    assert_faulted(&mut h, &faulty, &["exited with code 137"]).await;
    assert_sibling_untouched(h, &healthy).await;
}

#[tokio::test]
async fn an_unanswered_interrupt_escalates_to_sigkill() {
    let mut h = Harness::start(
        scenario(json!([{"text": "before"}, {"hang_control": true}])),
        Options::default(),
    );
    let (healthy, faulty) = start_pair(&mut h).await;
    h.wait_for("the faulty turn to be under way", |e| {
        matches!(e, EngineEvent::Transcript { agent_id, entry, .. }
            if agent_id == &faulty && entry.item == TranscriptItem::Assistant { text: "before".into() })
    })
    .await;
    let t0 = Instant::now();
    h.handle.interrupt(faulty.as_str()).await.unwrap();
    let rec = h.wait_state(&faulty, AgentState::Error).await;
    let waited = t0.elapsed();
    assert_eq!(
        rec.error.as_deref(),
        Some("did not stop within 5 s of an interrupt; killed")
    );
    // The interrupt grace, then SIGTERM (ignored by the hung child), then SIGKILL.
    assert!(
        waited
            >= patchfeld::engine::manager::INTERRUPT_GRACE + patchfeld::claude::process::KILL_GRACE,
        "ended after {waited:?}: the SIGKILL escalation cannot have been needed"
    );
    // The hung child's group is gone; the healthy sibling's process still lives.
    let alive = h
        .argv()
        .iter()
        .filter(|a| group_alive(a["pgid"].as_i64().unwrap() as i32))
        .count();
    assert_eq!(alive, 1, "exactly the healthy agent's process is left");
    assert_sibling_untouched(h, &healthy).await;
}

#[tokio::test]
async fn a_stderr_flood_keeps_only_a_bounded_tail() {
    let mut h = Harness::start(
        scenario(json!([
            {"text": "before"},
            {"stderr_flood": 8 * 1024 * 1024},
            {"exit": 3}
        ])),
        Options::default(),
    );
    let (healthy, faulty) = start_pair(&mut h).await;
    // Reaching the exit at all proves the 8 MB never blocked on a full stderr pipe.
    let rec = assert_faulted(&mut h, &faulty, &["exited with code 3:", "flood end"]).await;
    let reason = rec.error.unwrap();
    assert!(reason.len() < 4096, "reason is {} bytes", reason.len());
    assert!(
        !reason.contains("flood 0 "),
        "the head of the flood was kept"
    );
    assert_sibling_untouched(h, &healthy).await;
}

// ----- read-only project dir and full disk ----------------------------------------------------

/// Makes `.patchfeld` unwritable for the test's lifetime: chmod for a normal user; root ignores
/// permissions, so there the directory is made immutable (`chattr +i`, ext4/xfs/btrfs).
struct ReadOnly(std::path::PathBuf, bool);

impl ReadOnly {
    fn apply(dir: &std::path::Path) -> Option<Self> {
        use std::os::unix::fs::PermissionsExt;
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        if !root {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
            return Some(Self(dir.to_path_buf(), false));
        }
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Self(dir.to_path_buf(), true))
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.1 {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&self.0)
                .status();
        } else {
            let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
        }
    }
}

fn notices(h: &Harness) -> Vec<(NoticeLevel, String)> {
    h.seen
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Notice { level, text } => Some((*level, text.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn read_only_project_dir_gives_a_notice_and_keeps_files_whole() {
    let dir = tempfile::tempdir().unwrap();
    let paths = patchfeld::store::paths::ProjectPaths::new(dir.path());
    // A previous run's state, which must survive untouched.
    let (old, _) = {
        let mut h = Harness::start(
            scenario(json!([{"text": "hi"}])),
            Options {
                dir: Some(dir),
                ..Default::default()
            },
        );
        let id = h
            .handle
            .spawn("old".into(), spawn_opts("hello"))
            .await
            .unwrap();
        h.wait_state(&id, AgentState::Done).await;
        (h.shutdown().await, id)
    };
    std::fs::remove_dir_all(paths.transcripts_dir()).unwrap();
    let agents_before = std::fs::read(paths.agents()).unwrap();
    let Some(_guard) = ReadOnly::apply(paths.dir()) else {
        eprintln!(
            "SKIPPED read_only_project_dir…: running as root and `chattr +i` is unavailable here"
        );
        return;
    };
    let (records, _) = patchfeld::store::agents::load_agents(&paths);
    let mut h = Harness::start(
        scenario(json!([{"text": "hi"}])),
        Options {
            dir: Some(old),
            records,
            ..Default::default()
        },
    );
    let id = h
        .handle
        .spawn("new".into(), spawn_opts("hello"))
        .await
        .unwrap();
    // The app keeps working: the agent runs its turn in memory.
    h.wait_state(&id, AgentState::Done).await;
    if !notices(&h)
        .iter()
        .any(|(_, t)| t.starts_with("could not save the agents list"))
    {
        h.wait_for("the agents.json error notice", |e| {
            matches!(e, EngineEvent::Notice { level: NoticeLevel::Error, text }
                if text.starts_with("could not save the agents list"))
        })
        .await;
    }
    assert!(
        notices(&h)
            .iter()
            .any(|(_, t)| t.starts_with(&format!("transcript for {id} not writable"))),
        "{:?}",
        notices(&h)
    );
    // Still answering commands.
    h.handle.send(id.as_str(), "more".into()).await.unwrap();
    h.wait_for("second turn", |e| {
        matches!(e, EngineEvent::AgentUpdated(r) if r.id == id && r.state == AgentState::Running)
    })
    .await;
    h.wait_state(&id, AgentState::Done).await;
    let save_errors = notices(&h)
        .iter()
        .filter(|(_, t)| t.starts_with("could not save the agents list"))
        .count();
    assert_eq!(save_errors, 1, "a persisting failure is reported once");
    let dir = h.shutdown().await;
    assert_eq!(std::fs::read(paths.agents()).unwrap(), agents_before);
    let leftovers: Vec<String> = std::fs::read_dir(paths.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    drop(_guard);
    drop(dir);
}

#[tokio::test]
async fn a_full_disk_for_a_transcript_is_reported_once() {
    let mut h = Harness::start(scenario(json!([])), Options::default());
    let id = h
        .handle
        .spawn("full".into(), spawn_opts("start"))
        .await
        .unwrap();
    h.wait_state(&id, AgentState::Done).await;
    h.handle.kill(id.as_str()).await.unwrap();
    let paths = patchfeld::store::paths::ProjectPaths::new(h.dir.path());
    std::fs::remove_file(paths.transcript(&id)).unwrap();
    // Every write to /dev/full fails with ENOSPC, as on a full disk.
    std::os::unix::fs::symlink("/dev/full", paths.transcript(&id)).unwrap();
    let before = notices(&h).len();
    h.handle.send(id.as_str(), "go on".into()).await.unwrap();
    h.wait_for("the agent to run", |e| {
        matches!(e, EngineEvent::AgentUpdated(r) if r.id == id && r.state == AgentState::Running)
    })
    .await;
    h.wait_state(&id, AgentState::Done).await;
    let full: Vec<String> = notices(&h)[before..]
        .iter()
        .filter(|(l, t)| *l == NoticeLevel::Error && t.starts_with(&format!("transcript of {id}")))
        .map(|(_, t)| t.clone())
        .collect();
    assert_eq!(full.len(), 1, "{:?}", notices(&h));
    assert!(full[0].contains("No space left on device"), "{}", full[0]);
    // The UI still got every line of both processes (each numbers from 0).
    let mut want = expected_seq(0, HEALTHY_SEQ);
    want.extend(expected_seq(0, HEALTHY_SEQ));
    assert_eq!(seq_texts(&h, &id), want);
    h.shutdown().await;
}

/// Quitting with a child that ignores SIGTERM (and one mid-turn): the app does not wait out
/// the 1.5 s kill grace — the quit grace is short and SIGKILL follows — no process of either
/// agent outlives the shutdown, and agents.json is saved with both settled.
#[tokio::test]
async fn quitting_kills_a_child_that_ignores_sigterm_after_the_short_quit_grace() {
    let mut h = Harness::start(
        scenario(json!([{"text": "before"}, {"hang_control": true}])),
        Options::default(),
    );
    let (healthy, faulty) = start_pair(&mut h).await;
    h.wait_for("the faulty turn to be under way", |e| {
        matches!(e, EngineEvent::Transcript { agent_id, entry, .. }
            if agent_id == &faulty && entry.item == TranscriptItem::Assistant { text: "before".into() })
    })
    .await;
    let pgids = h.child_groups();
    assert_eq!(pgids.len(), 2);
    assert!(pgids.iter().all(|g| group_alive(*g)));
    let t0 = Instant::now();
    let dir = h.shutdown().await;
    let took = t0.elapsed();
    for g in &pgids {
        assert!(!group_alive(*g), "process group {g} outlived the shutdown");
    }
    // Not a benchmark: only that the SIGKILL came after the quit grace, not the kill grace.
    assert!(
        took < patchfeld::claude::process::KILL_GRACE,
        "shutdown took {took:?}: the hung child was given the full kill grace"
    );
    let saved: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(".patchfeld/agents.json")).unwrap())
            .unwrap();
    let state_of = |id: &AgentId| {
        saved["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id.as_str())
            .map(|a| a["state"].clone())
    };
    assert_eq!(state_of(&faulty), Some(json!("error")), "{saved:#}");
    assert_ne!(state_of(&healthy), Some(json!("running")), "{saved:#}");
}

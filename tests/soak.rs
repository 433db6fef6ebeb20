//! Soak: many fake agents streaming numbered lines at once, with permission requests answered
//! at random by a scripted user. CI runs 50 agents for ~60 s; `PATCHFELD_SOAK_SECS=600` runs
//! the long version (`PATCHFELD_SOAK_AGENTS` changes the count). Asserts no lost or duplicated
//! transcript line (checked as the events arrive and again on disk), agents.json equal to the
//! engine's records, RSS bounded (no growth with the lines streamed), and no leaked fd or
//! process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod common;

use common::{Harness, Options, group_alive, spawn_opts};
use patchfeld::core::agent::AgentState;
use patchfeld::core::ids::AgentId;
use patchfeld::core::permission::Decision;
use patchfeld::core::transcript::TranscriptItem;
use patchfeld::engine::EngineEvent;
use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Resident set size of this process (engine + test), in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// RSS may grow by at most this much between the first quarter of the run and the end: the
/// engine keeps no transcript in memory, so more lines streamed must not mean more memory.
const RSS_GROWTH_LIMIT_KIB: u64 = 32 * 1024;

/// xorshift64*: deterministic per run, no extra dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

const LINES_PER_TURN: u64 = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_many_agents_streaming_with_permissions() {
    let secs = env_num("PATCHFELD_SOAK_SECS", 60);
    let agents = env_num("PATCHFELD_SOAK_AGENTS", 50) as usize;
    let fds_before = open_fds();
    let scenario = json!({"version": 1, "scripts": [{"match": "*", "turns": [[
        {"seq": LINES_PER_TURN / 2},
        {"tool": "Bash", "input": {"command": "make test"}, "ask": true, "result": "ok"},
        {"seq": LINES_PER_TURN / 2},
        {"sleep_ms": 20}
    ]]}]});
    let mut h = Harness::start(scenario, Options::default());
    let mut ids = Vec::new();
    for i in 0..agents {
        ids.push(
            h.handle
                .spawn(format!("soak-{i}"), spawn_opts(&format!("go {i}")))
                .await
                .unwrap(),
        );
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ u64::from(std::process::id()));
    let mut turns: HashMap<AgentId, u64> = ids.iter().map(|id| (id.clone(), 1)).collect();
    let (mut allowed, mut denied) = (0u64, 0u64);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    let warm_at = start + Duration::from_secs(secs / 4);
    let mut rss_warm: Option<u64> = None;
    let mut rss_peak = 0u64;
    // Next `seq k` expected per agent (the fake numbers per process), and the latest record;
    // events are checked as they come and then dropped, so the test itself holds no transcript.
    let mut next_seq: HashMap<AgentId, u64> = ids.iter().map(|id| (id.clone(), 0)).collect();
    let mut records = HashMap::new();
    let mut settled = 0;
    // Each agent gets a new message whenever it finishes, until the deadline; then we wait
    // for every one to settle.
    while settled < agents {
        let ev = h
            .wait_for("soak progress", |e| {
                matches!(
                    e,
                    EngineEvent::PermissionRequested { .. } | EngineEvent::AgentUpdated(_)
                )
            })
            .await;
        for e in h.seen.drain(..) {
            match e {
                EngineEvent::Transcript {
                    agent_id, entry, ..
                } => {
                    if let TranscriptItem::Assistant { text } = entry.item
                        && let Some(k) = text.strip_prefix("seq ")
                    {
                        let want = next_seq.get_mut(&agent_id).unwrap();
                        assert_eq!(k, want.to_string(), "line of {agent_id} lost or repeated");
                        *want += 1;
                    }
                }
                EngineEvent::AgentUpdated(r) => {
                    records.insert(r.id.clone(), r);
                }
                _ => {}
            }
        }
        let now = Instant::now();
        if now >= warm_at {
            let rss = rss_kib();
            rss_peak = rss_peak.max(rss);
            rss_warm.get_or_insert(rss);
        }
        match ev {
            EngineEvent::PermissionRequested {
                agent_id, request, ..
            } => {
                let decision = if rng.next() % 4 == 0 {
                    denied += 1;
                    Decision::Deny {
                        message: "not now".into(),
                        interrupt: false,
                    }
                } else {
                    allowed += 1;
                    Decision::Allow {
                        updated_input: request.input.clone(),
                    }
                };
                h.handle
                    .decide(agent_id, request.request_id, decision)
                    .await
                    .unwrap();
            }
            EngineEvent::AgentUpdated(r) if r.state == AgentState::Done => {
                if Instant::now() < deadline {
                    *turns.get_mut(&r.id).unwrap() += 1;
                    h.handle
                        .send(r.id.as_str(), format!("more {}", rng.next()))
                        .await
                        .unwrap();
                } else {
                    settled += 1;
                }
            }
            EngineEvent::AgentUpdated(r) => {
                assert!(
                    matches!(
                        r.state,
                        AgentState::Running | AgentState::Idle | AgentState::AwaitingPermission
                    ),
                    "{} went {:?}: {:?}",
                    r.name,
                    r.state,
                    r.error
                );
            }
            _ => unreachable!(),
        }
    }
    assert!(
        allowed > 0 && denied > 0,
        "allowed {allowed}, denied {denied}"
    );

    // Every numbered line exactly once, in order, per agent.
    for id in &ids {
        assert_eq!(next_seq[id], turns[id] * LINES_PER_TURN, "lines of {id}");
    }
    let rss_warm = rss_warm.unwrap();
    let lines: u64 = next_seq.values().sum();
    eprintln!(
        "soak: {agents} agents, {secs} s, {lines} lines, {allowed} allowed / {denied} denied, \
         RSS {rss_warm} KiB after the first quarter, peak {rss_peak} KiB"
    );
    assert!(
        rss_peak <= rss_warm + RSS_GROWTH_LIMIT_KIB,
        "RSS grew from {rss_warm} KiB to {rss_peak} KiB while streaming"
    );
    let pgids = h.child_groups();
    assert_eq!(pgids.len(), agents, "one process per agent");
    let dir = h.shutdown().await;

    let paths = patchfeld::store::paths::ProjectPaths::new(dir.path());
    for id in &ids {
        let file = patchfeld::store::transcripts::read_transcript(&paths, id).unwrap();
        assert!(file.skipped.is_empty(), "{:?}", file.skipped);
        let on_disk: Vec<String> = file
            .items
            .into_iter()
            .filter_map(|e| match e.item {
                TranscriptItem::Assistant { text } if text.starts_with("seq ") => Some(text),
                _ => None,
            })
            .collect();
        let n = turns[id] * LINES_PER_TURN;
        assert_eq!(on_disk.len() as u64, n, "transcript file of {id}");
        assert!(
            on_disk
                .iter()
                .enumerate()
                .all(|(k, t)| *t == format!("seq {k}")),
            "transcript file of {id} out of order"
        );
    }
    let (saved, notices) = patchfeld::store::agents::load_agents(&paths);
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(saved.len(), agents);
    for r in saved {
        let live = &records[&r.id];
        assert_eq!(
            (r.state, &r.session_id, r.cost_usd, r.tokens_in, &r.error),
            (
                live.state,
                &live.session_id,
                live.cost_usd,
                live.tokens_in,
                &live.error
            ),
            "agents.json vs engine for {}",
            r.name
        );
    }
    for g in pgids {
        assert!(!group_alive(g), "process group {g} outlived the engine");
    }
    drop(dir);
    // Pipes of all children are closed (a little slack for runtime internals).
    let fds_after = open_fds();
    assert!(
        fds_after <= fds_before + 4,
        "fds before {fds_before}, after {fds_after}"
    );
}

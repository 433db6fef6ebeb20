//! Whole-engine ingest benchmark: N fake agents (real processes, real pipes) each stream M
//! assistant/tool lines as fast as they can; the engine parses, runs the state machine,
//! appends transcripts and emits UI events. Reports lines/s and app CPU per 10k lines.
//!
//! `cargo bench --bench ingest` (env INGEST_AGENTS, INGEST_STEPS to change the load).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use patchfeld::core::agent::{AgentState, SpawnOptions};
use patchfeld::engine::{self, ClaudeCommand, EngineConfig, EngineEvent};
use patchfeld::store::paths::ProjectPaths;
use serde_json::json;
use std::collections::HashSet;
use std::time::Instant;

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the struct we pass.
    unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        tv(u.ru_utime) + tv(u.ru_stime)
    }
}

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes with --list
    }
    let agents = env_usize("INGEST_AGENTS", 20);
    let steps = env_usize("INGEST_STEPS", 2500);
    let dir = tempfile::tempdir().unwrap();
    // Each step is one stdout line; every 5th is a tool call + result (2 lines).
    let turn: Vec<serde_json::Value> = (0..steps)
        .map(|i| {
            if i % 5 == 4 {
                json!({"tool": "Read", "input": {"file_path": format!("src/file{i}.rs")}, "result": "fn main() {}\n".repeat(4)})
            } else {
                json!({"text": format!("step {i}: streaming a line of realistic length about what the agent is doing now")})
            }
        })
        .collect();
    let scenario = json!({"version": 1, "scripts": [{"match": "*", "turns": [turn]}]});
    let path = dir.path().join("scenario.json");
    std::fs::write(&path, serde_json::to_vec(&scenario).unwrap()).unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let handle = engine::start(
            EngineConfig {
                paths: ProjectPaths::new(dir.path()),
                app_cwd: dir.path().to_path_buf(),
                claude: ClaudeCommand {
                    program: env!("CARGO_BIN_EXE_patchfeld").into(),
                    prefix_args: vec![
                        "fake-agent".into(),
                        "--scenario".into(),
                        path.display().to_string(),
                    ],
                    env: vec![],
                },
                bypass: false,
                start_orchestrator: false,
                ui_tools: Vec::new(),
                permission_timeout: patchfeld::engine::PERMISSION_TIMEOUT,
                user_grants: None,
                agent_defaults: Default::default(),
            },
            vec![],
            tx,
        );
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        for i in 0..agents {
            handle
                .spawn(
                    format!("a{i}"),
                    SpawnOptions {
                        prompt: "go".into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
        }
        let mut done = HashSet::new();
        let mut transcript_events = 0u64;
        while done.len() < agents {
            match rx.recv().await.unwrap() {
                EngineEvent::AgentUpdated(r) if r.state == AgentState::Done => {
                    done.insert(r.id);
                }
                EngineEvent::AgentUpdated(r) if r.state == AgentState::Error => {
                    panic!("{:?}", r.error)
                }
                EngineEvent::Transcript { .. } => transcript_events += 1,
                _ => {}
            }
        }
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        // stdout lines per agent: init + state changes + steps (+1 per tool result) + result.
        let lines = (agents * (steps + steps / 5 + 4)) as f64;
        println!("ingest: {agents} agents x {steps} steps");
        println!("  lines           {lines:.0}");
        println!("  transcript evts {transcript_events}");
        println!("  wall            {wall:.3} s");
        println!("  lines/s         {:.0}", lines / wall);
        println!(
            "  app CPU         {cpu:.3} s  ({:.1} ms per 10k lines)",
            cpu / lines * 1e4 * 1e3
        );
        handle.shutdown().await;
    });
}

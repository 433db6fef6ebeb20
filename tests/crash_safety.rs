//! Crash safety: a writer process (this test binary re-run as `crash_writer_child`: a real
//! engine driving streaming fake agents, plus workspace.json saves and activity.jsonl appends)
//! is SIGKILLed at random moments. After each kill every JSON file parses, JSONL files lose at
//! most their last partial line, no fake agent survives its parent, and a relaunch
//! (`load_agents` + `reconcile_on_boot`) leaves no agent in progress. 15 iterations in CI,
//! `PATCHFELD_CRASH_ITERS=100` for the long run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use patchfeld::core::layout::Workspace;
use patchfeld::engine::{self, EngineConfig};
use patchfeld::store::activity::{ACTIVITY_VERSION, ActivityLevel, ActivityLog, ActivityRecord};
use patchfeld::store::paths::ProjectPaths;
use serde_json::json;
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "PATCHFELD_CRASH_CHILD_DIR";

/// The process that gets killed. Ignored in normal runs; the parent test starts it.
#[test]
#[ignore = "helper process for crash_safety_under_sigkill"]
fn crash_writer_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
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
        let sessions = dir.join("sessions");
        std::fs::create_dir_all(&sessions).unwrap();
        let paths = ProjectPaths::new(&dir);
        let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
        let handle = engine::start(
            EngineConfig {
                paths: paths.clone(),
                app_cwd: dir.clone(),
                claude: common::fake_command(&scenario, &dir.join("argv.jsonl"), &sessions),
                bypass: false,
                start_orchestrator: false,
                ui_tools: Vec::new(),
                permission_timeout: engine::PERMISSION_TIMEOUT,
                user_grants: None,
                agent_defaults: Default::default(),
            },
            Vec::new(),
            tx,
        );
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
        println!("ready");
        let mut n = 0u64;
        loop {
            tokio::select! {
                ev = events.recv() => match ev {
                    Some(engine::EngineEvent::AgentUpdated(r))
                        if r.state == patchfeld::core::agent::AgentState::Done =>
                    {
                        handle.send(r.id.as_str(), "again".into()).await.unwrap();
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

fn check_json(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .unwrap_or_else(|e| panic!("{} does not parse after a kill: {e}", path.display()));
}

/// Every line but the last parses; the last may be torn only if it has no newline.
fn check_jsonl(path: &Path) {
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
                "{} line {} is corrupt: {}",
                path.display(),
                i + 1,
                String::from_utf8_lossy(&line[..line.len().min(120)])
            );
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn crash_safety_under_sigkill() {
    let iters: u64 = std::env::var("PATCHFELD_CRASH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let mut seed = 0x2545_F491_4F6C_DD1Du64 ^ u64::from(std::process::id());
    let mut checked_files = 0;
    for iter in 0..iters {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_writer_child", "--ignored", "--nocapture"])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the writer to be under way (its "ready" line), bounded.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.contains("ready") {
                    let _ = tx.send(());
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(30))
            .expect("writer child never got ready");
        // The random moment is the point of the test.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(50 + seed % 700));
        // SAFETY: kill only sends a signal to our own child.
        unsafe {
            libc::kill(child.id() as i32, libc::SIGKILL);
        }
        child.wait().unwrap();

        let paths = ProjectPaths::new(dir.path());
        let mut files = Vec::new();
        walk(paths.dir(), &mut files);
        for f in &files {
            let name = f.file_name().unwrap().to_string_lossy();
            if name.ends_with(".jsonl") {
                check_jsonl(f);
                checked_files += 1;
            } else if name.ends_with(".json") {
                check_json(f);
                checked_files += 1;
            }
        }
        // PDEATHSIG takes the fake agents down with the writer (asynchronously: bounded wait).
        let pgids: Vec<i32> = std::fs::read_to_string(dir.path().join("argv.jsonl"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| v["pgid"].as_i64().unwrap() as i32)
            .collect();
        let until = Instant::now() + Duration::from_secs(5);
        while pgids.iter().any(|g| common::group_alive(*g)) {
            assert!(
                Instant::now() < until,
                "iteration {iter}: fake agents outlived the app"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        // Relaunch: what boot does.
        let (mut records, notices) = patchfeld::store::agents::load_agents(&paths);
        assert!(notices.is_empty(), "iteration {iter}: {notices:?}");
        patchfeld::store::agents::reconcile_on_boot(&mut records, 0.0);
        for r in &records {
            assert!(
                r.state.is_settled(),
                "iteration {iter}: {} left {:?}",
                r.name,
                r.state
            );
        }
        let ws = std::fs::read(paths.workspace());
        if let Ok(bytes) = ws {
            patchfeld::store::workspace::parse_workspace(&bytes)
                .unwrap_or_else(|e| panic!("iteration {iter}: workspace.json: {e}"));
        }
    }
    assert!(checked_files > 0, "the writer never wrote anything");
}

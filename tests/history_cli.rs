//! `patchfeld history` through the built binary: JSON, table, missing and corrupt files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use patchfeld::core::agent::{AgentRecord, AgentState, SpawnOptions};
use patchfeld::core::ids::AgentId;
use patchfeld::store::ProjectPaths;
use patchfeld::store::agents::save_agents;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn history(dir: &Path, extra: &[&str]) -> Output {
    let config = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_patchfeld"))
        .arg("history")
        .arg(dir)
        .args(extra)
        .env("PATCHFELD_CONFIG_DIR", config.path())
        .output()
        .unwrap()
}

fn record(id: &str, name: &str, started_at: f64) -> AgentRecord {
    AgentRecord {
        id: AgentId(id.into()),
        name: name.into(),
        cwd: PathBuf::from("/proj"),
        state: AgentState::Done,
        error: None,
        session_id: Some("sess".into()),
        spawn_options: Some(SpawnOptions {
            prompt: "write the docs".into(),
            ..SpawnOptions::default()
        }),
        model: None,
        cost_usd: 0.25,
        tokens_in: 3,
        tokens_out: 4,
        started_at,
        ended_at: Some(started_at + 60.0),
        last_activity: None,
        archived: false,
        current_tool: None,
        worktree: None,
    }
}

#[test]
fn json_lists_every_agent_sorted_by_start() {
    let dir = tempfile::tempdir().unwrap();
    let paths = ProjectPaths::new(dir.path());
    save_agents(
        &paths,
        &[
            record("bbbbbbbbbbbb", "second", 2_000_000_000.0),
            record("aaaaaaaaaaaa", "first", 1_000_000_000.0),
        ],
    )
    .unwrap();
    let before = std::fs::read(paths.agents()).unwrap();
    let out = history(dir.path(), &["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]);
    assert_eq!(v[0]["prompt"], "write the docs");
    assert_eq!(v[0]["started_at"], "2001-09-09T01:46:40Z");
    assert_eq!(std::fs::read(paths.agents()).unwrap(), before, "read-only");

    let table = history(dir.path(), &[]);
    assert!(table.status.success());
    let text = String::from_utf8(table.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("ID "), "{text}");
    assert!(
        lines[1].contains("first") && lines[2].contains("second"),
        "{text}"
    );
}

#[test]
fn empty_dir_prints_empty_results() {
    let dir = tempfile::tempdir().unwrap();
    let out = history(dir.path(), &["--json"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "[]");
    assert!(!dir.path().join(".patchfeld").exists());
}

#[test]
fn corrupt_file_exits_non_zero_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let paths = ProjectPaths::new(dir.path());
    std::fs::create_dir_all(paths.dir()).unwrap();
    std::fs::write(paths.agents(), b"not json").unwrap();
    let out = history(dir.path(), &["--json"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("agents.json"), "{err}");
    assert_eq!(std::fs::read(paths.agents()).unwrap(), b"not json");
}

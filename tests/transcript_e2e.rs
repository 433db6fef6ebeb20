//! End-to-end: an agent with a 50 000-entry transcript on disk, shown by an AgentTranscript
//! panel of the built binary in a pseudo-terminal. The panel opens at the end, jumps to the
//! first entry, finds one in the middle by search — all read back from the file by offset —
//! and the app stays small (issue 11: transcripts are not held in memory, only an index).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use patchfeld::core::agent::{AgentRecord, AgentState};
use patchfeld::core::ids::AgentId;
use patchfeld::core::transcript::{TranscriptEntry, TranscriptItem};
use patchfeld::store::paths::ProjectPaths;
use patchfeld::store::transcripts::TranscriptWriter;
use serde_json::json;
use std::time::Duration;
use support::pty::Session;

const ENTRIES: usize = 50_000;

/// Resident memory of `pid` in MB.
fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb / 1024.0
}

fn seed(project: &std::path::Path) -> AgentId {
    let paths = ProjectPaths::new(project);
    let id = AgentId("0123456789ab".into());
    let rec = AgentRecord::new(id.clone(), "bigone", project, AgentState::Done, 1.0);
    patchfeld::store::agents::save_agents(&paths, &[rec]).unwrap();
    let mut w = TranscriptWriter::open(&paths, &id).unwrap();
    // Every entry about 1 KB: the whole transcript is ~50 MB on disk.
    let filler = "lorem ipsum dolor sit amet ".repeat(36);
    for i in 0..ENTRIES {
        let item = if i % 10 == 5 {
            TranscriptItem::ToolUse {
                id: format!("t{i}"),
                name: "Bash".into(),
                input: json!({"command": format!("echo call {i}")}),
            }
        } else if i % 10 == 6 {
            TranscriptItem::ToolResult {
                tool_use_id: format!("t{}", i - 1),
                content: json!(format!("result {i}\n{filler}")),
                is_error: false,
            }
        } else {
            TranscriptItem::Assistant {
                text: format!("entry {i:05} says {filler}"),
            }
        };
        w.append(&TranscriptEntry { ts: i as f64, item }).unwrap();
    }
    w.flush().unwrap();
    let ws = json!({"version": 1, "active": "main", "tabs": [{"id": "main", "title": "main",
    "layout": {"version": 1, "focus": "tr", "layout": {"type": "horizontal", "children": [
        {"type": "vertical", "size": "30%", "children": [
            {"id": "chat", "widget": "OrchestratorChat"},
            {"id": "table", "widget": "AgentTable"}
        ]},
        {"id": "tr", "widget": "AgentTranscript", "props": {"agent_id": id.as_str()}}
    ]}}}]});
    std::fs::write(paths.workspace(), serde_json::to_vec(&ws).unwrap()).unwrap();
    id
}

#[test]
fn a_50_000_entry_transcript_opens_scrolls_and_searches_from_disk() {
    let project = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    seed(project.path());
    let wait = Duration::from_secs(60);
    let mut app = Session::launch(
        project.path(),
        config.path(),
        &["--claude", "/nonexistent/claude"],
    );
    // Opens following the end.
    app.expect(wait, &["bigone", "entry 49999 says"]);
    let loaded_rss = rss_mb(app.pid());
    // Home: the first entry, read back from the file.
    app.send(b"\x1b[H");
    app.expect(wait, &["entry 00000 says", "entry 00001 says"]);
    // Search for one in the middle: it is found and scrolled into view.
    app.send(b"/entry 25003");
    app.send(b"\r");
    app.expect(wait, &["entry 25003 says", "1/1"]);
    // A tool call far back expands with its result.
    app.send(b"/echo call 12345\r");
    app.expect(wait, &["echo call 12345"]);
    app.send(b"\r");
    app.expect(wait, &["result 12346"]);
    let rss = rss_mb(app.pid());
    // The ~50 MB transcript parsed would take several times its size; the index is ~2 MB.
    assert!(
        loaded_rss < 60.0 && rss < 60.0,
        "RSS {loaded_rss:.1} MB after loading, {rss:.1} MB after scrolling and searching"
    );
    app.quit_and_check_restored();
}

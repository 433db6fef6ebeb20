//! Hot-path micro benchmarks (divan): stream-json decode, transcript append, state machine,
//! layout solve and a full-screen frame of a 12-panel layout.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use patchfeld::claude::to_domain::parse_line;
use patchfeld::core::agent::{StateInput, StateMachine};
use patchfeld::core::transcript::{TranscriptEntry, TranscriptItem};
use patchfeld::store::transcripts::TranscriptWriter;

fn main() {
    divan::main();
}

const ASSISTANT_TEXT: &str = r#"{"type":"assistant","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-opus-5-5","content":[{"type":"text","text":"I'll run the test suite now and report back with the failures, if any, grouped by module."}],"stop_reason":null,"usage":{"input_tokens":2573,"output_tokens":1}},"parent_tool_use_id":null,"session_id":"ac33f0e2-1b7a-4c51-9a43-d0c1c2b7e001","uuid":"0086a1b2-0000-4000-8000-000000000001"}"#;
const TOOL_USE: &str = r#"{"type":"assistant","message":{"id":"msg_02","type":"message","role":"assistant","model":"claude-opus-5-5","content":[{"type":"tool_use","id":"toolu_6357","name":"Bash","input":{"command":"cargo test --workspace 2>&1 | tail -50","description":"run tests"}}],"stop_reason":null,"usage":{"input_tokens":2573,"output_tokens":1}},"parent_tool_use_id":null,"session_id":"ac33f0e2-1b7a-4c51-9a43-d0c1c2b7e001","uuid":"0086a1b2-0000-4000-8000-000000000002"}"#;
const RESULT: &str = r#"{"duration_api_ms":76,"type":"result","subtype":"success","is_error":false,"num_turns":2,"result":"Done.","session_id":"ac33f0e2-1b7a-4c51-9a43-d0c1c2b7e001","total_cost_usd":0.0221,"duration_ms":223,"stop_reason":"end_turn","usage":{"input_tokens":5240,"output_tokens":57,"cache_read_input_tokens":0},"permission_denials":[]}"#;

#[divan::bench(args = [ASSISTANT_TEXT, TOOL_USE, RESULT])]
fn decode_line(line: &str) -> usize {
    parse_line(divan::black_box(line)).len()
}

#[divan::bench]
fn transcript_append(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().unwrap();
    let mut w = TranscriptWriter::open_path(&dir.path().join("t.jsonl")).unwrap();
    let entry = TranscriptEntry {
        ts: 1_700_000_000.5,
        item: TranscriptItem::Assistant {
            text: "I'll run the test suite now and report back with the failures.".into(),
        },
    };
    bencher.bench_local(|| w.append(divan::black_box(&entry)).unwrap());
    w.flush().unwrap();
}

#[divan::bench]
fn state_machine_turn() -> patchfeld::core::agent::AgentState {
    let mut m = StateMachine::default();
    for i in [
        StateInput::TurnStarted,
        StateInput::PermissionOpened,
        StateInput::PermissionClosed,
        StateInput::WentIdle { error: None },
    ] {
        m.apply(divan::black_box(&i));
    }
    m.state()
}

/// A 12-panel layout: chat, tables, feeds, transcripts, Command output, placeholders.
fn twelve_panels() -> serde_json::Value {
    let p = |id: &str, w: &str| serde_json::json!({"id": id, "widget": w});
    let cmd = |id: &str| serde_json::json!({"id": id, "widget": "Command", "props": {"cmd": "cargo test --color=always"}});
    let tr = |id: &str, slot: u64| serde_json::json!({"id": id, "widget": "AgentTranscript", "props": {"slot": slot}});
    serde_json::json!({"version": 1, "focus": "orch", "layout": {"type": "vertical", "children": [
        {"type": "horizontal", "size": "40%", "children": [
            {"id": "orch", "widget": "OrchestratorChat", "size": "35%"},
            p("agents", "AgentTable"), p("feed", "ActivityFeed"), cmd("tests")]},
        {"type": "horizontal", "size": "35%", "children": [
            tr("t1", 1), tr("t2", 2), tr("t3", 3), cmd("log")]},
        {"type": "horizontal", "children": [
            p("agents2", "AgentTable"), p("feed2", "ActivityFeed"),
            {"id": "tree", "widget": "FileTree", "props": {"path": "."}},
            p("diff", "DiffViewer")]}]}})
}

/// Layout solve of the 12-panel layout at 240x70.
#[divan::bench]
fn layout_solve_12_panels(bencher: divan::Bencher) {
    let b = patchfeld::ui::bench::LayoutFrameBench::new(&twelve_panels(), 240, 70).unwrap();
    assert_eq!(b.solve(), 12);
    bencher.bench_local(|| divan::black_box(b.solve()));
}

/// Solve + full-screen render of the 12-panel layout at 240x70 (goal: under 2 ms).
#[divan::bench]
fn full_frame_12_panels_240x70(bencher: divan::Bencher) {
    let mut b = patchfeld::ui::bench::LayoutFrameBench::new(&twelve_panels(), 240, 70).unwrap();
    b.frame().unwrap();
    let screen = b.screen();
    assert!(
        screen.contains("Orchestrator") && screen.contains("case_"),
        "{screen}"
    );
    bencher.bench_local(|| b.frame().unwrap());
}

/// One frame of the transcript view over a transcript of a million wrapped lines, scrolled
/// to the middle (issue #8 bar: < 5 ms).
#[divan::bench]
fn transcript_frame_1m_lines_160x45(bencher: divan::Bencher) {
    let mut b = patchfeld::ui::bench_transcript::TranscriptFrameBench::new(1_000_000, 160, 45);
    assert!(b.total_lines() >= 1_000_000);
    b.scroll_to_middle();
    bencher.bench_local(|| b.frame());
}

/// Streaming into that transcript: append one message (wrapped alone), then draw.
#[divan::bench]
fn transcript_append_and_frame_1m_lines_160x45(bencher: divan::Bencher) {
    let mut b = patchfeld::ui::bench_transcript::TranscriptFrameBench::new(1_000_000, 160, 45);
    bencher.bench_local(|| b.append_and_frame());
}

/// An AgentTranscript opening a 50 000-entry transcript file: the blocks built from the file,
/// every block wrapped once for its height, the last screen drawn (only an index is kept).
#[divan::bench(sample_count = 10)]
fn transcript_open_file_50k_entries_160x45(bencher: divan::Bencher) {
    let mut b = patchfeld::ui::bench_transcript::TranscriptFileBench::new(50_000, 160, 45).unwrap();
    bencher.bench_local(|| divan::black_box(b.open()));
}

/// Paging back through that transcript: the entries that come into view are read back from
/// the file and wrapped.
#[divan::bench]
fn transcript_page_up_file_50k_entries_160x45(bencher: divan::Bencher) {
    let mut b = patchfeld::ui::bench_transcript::TranscriptFileBench::new(50_000, 160, 45).unwrap();
    b.open();
    bencher.bench_local(|| b.page_up_and_frame());
}

/// Markdown + wrap of a long (~20 KB) assistant message at 100 columns (what a new transcript
/// block costs), code highlighting included.
#[divan::bench(sample_count = 20)]
fn markdown_wrap_long_assistant_message(bencher: divan::Bencher) {
    let text = patchfeld::ui::bench_transcript::long_assistant_message();
    bencher.bench_local(|| patchfeld::ui::bench_transcript::markdown_wrap(&text, 100));
}

/// Permission rule matching: 40 rules (Bash prefixes, path globs, MCP tools, a deny) against a
/// compound Bash line (every part checked) and an Edit of a file deep in the project.
#[divan::bench(args = ["bash", "edit"])]
fn rule_matching(bencher: divan::Bencher, which: &str) {
    use patchfeld::core::permission::{
        Behavior, CallContext, Grants, PermissionRequest, Rule, RulePattern, RuleSource,
    };
    let mut patterns: Vec<String> = (0..30).map(|i| format!("Bash(tool{i} run:*)")).collect();
    patterns.extend(
        [
            "Bash(git status:*)",
            "Bash(git diff:*)",
            "Bash(cargo test:*)",
        ]
        .map(String::from),
    );
    patterns.extend((0..5).map(|i| format!("Edit(src/mod{i}/**)")));
    patterns.push("mcp__patchfeld__list_agents".into());
    let mut rules: Vec<Rule> = patterns
        .iter()
        .enumerate()
        .map(|(i, p)| Rule {
            id: format!("r{i}"),
            rule: RulePattern::parse(p).unwrap(),
            behavior: Behavior::Allow,
            scope: "*".into(),
            source: RuleSource::Session,
            created_at: 0.0,
            created_by: "bench".into(),
            from_request: None,
            expires_at: None,
            hits: 0,
            last_hit: None,
        })
        .collect();
    let mut deny = rules[0].clone();
    deny.id = "deny".into();
    deny.rule = RulePattern::parse("Bash(rm:*)").unwrap();
    deny.behavior = Behavior::Deny;
    rules.push(deny);
    let grants = Grants { rules };
    let (tool, input) = match which {
        "bash" => (
            "Bash",
            serde_json::json!({"command": "git status && cargo test -p core 2>&1 | tail -n 5; git diff --stat"}),
        ),
        _ => (
            "Edit",
            serde_json::json!({"file_path": "/proj/src/mod4/a/b/c/deep.rs", "old_string": "a", "new_string": "b"}),
        ),
    };
    let req = PermissionRequest {
        request_id: patchfeld::core::ids::RequestId("r".into()),
        tool_name: tool.into(),
        input,
        description: None,
        blocked_path: None,
        suggestions: serde_json::Value::Null,
        tool_use_id: None,
    };
    let ctx = CallContext {
        agent_name: "bench",
        project_root: std::path::Path::new("/proj"),
        cwd: std::path::Path::new("/proj"),
        now: 0.0,
    };
    bencher.bench_local(|| divan::black_box(grants.decide(&req, &ctx)));
}

/// History (`ctrl-h`) over 10 000 past agents: build the list from the records and draw one
/// 160x45 frame (the bar is < 100 ms; previews load lazily and are not part of it).
#[divan::bench(sample_count = 20)]
fn history_open_10k_agents(bencher: divan::Bencher) {
    let mut b = patchfeld::ui::bench_history::HistoryBench::new(
        patchfeld::ui::bench_history::past_agents(10_000),
        160,
        45,
    )
    .unwrap();
    bencher.bench_local(|| divan::black_box(b.open_and_draw().unwrap()));
}

/// FileViewer: open a 50 MB log (binary sniff, line index, first window read and
/// highlighted) and draw a 160x45 frame of it (the bar is < 200 ms).
#[divan::bench(sample_count = 10)]
fn file_viewer_open_50mb_160x45(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    patchfeld::ui::bench_files::write_log_fixture(&path, 50).unwrap();
    bencher.bench_local(|| {
        divan::black_box(patchfeld::ui::bench_files::open_and_render(&path, 160, 45).unwrap())
    });
}

/// Terminal throughput: `yes | head -n 200000` worth of output through the vt100 parser the
/// Terminal panel's reader thread uses (5000 lines of scrollback, 64 KiB reads), then one
/// render of the screen with tui-term, as the UI does once per frame.
#[divan::bench(sample_count = 10)]
fn terminal_200k_lines_of_y() -> usize {
    use ratatui::widgets::Widget as _;
    let data = "y\r\n".repeat(200_000).into_bytes();
    let mut p = tui_term::vt100::Parser::new(40, 120, 5000);
    for chunk in data.chunks(64 * 1024) {
        p.process(chunk);
    }
    let area = ratatui::layout::Rect::new(0, 0, 120, 40);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    tui_term::widget::PseudoTerminal::new(p.screen()).render(area, &mut buf);
    buf.content.len()
}

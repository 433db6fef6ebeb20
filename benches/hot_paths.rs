//! Hot-path micro benchmarks (divan): stream-json decode, transcript append, state machine.
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

//! Tests of the AgentTranscript panel: load/stream merge, keys, and a snapshot with the
//! inline permission bar.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::core::ids::RequestId;
use crate::core::permission::PermissionRequest;
use crate::core::transcript::TranscriptItem;
use crate::store::transcript_index::TestTranscript;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

fn e(ts: f64, text: &str) -> TranscriptEntry {
    TranscriptEntry {
        ts,
        item: TranscriptItem::Assistant { text: text.into() },
    }
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

/// A panel bound to `a1` that was handed `entries` as its transcript file.
fn loaded(entries: &[TranscriptEntry]) -> (AgentTranscriptState, TestTranscript) {
    let mut file = TestTranscript::new();
    for x in entries {
        file.append(x);
    }
    let mut s = AgentTranscriptState::for_agent(AgentId("a1".into()));
    s.take_wanted(1);
    s.on_loaded(&file.index(), None);
    (s, file)
}

fn timestamps(s: &AgentTranscriptState) -> Vec<f64> {
    (0..s.view.len()).map(|i| s.view.entry(i).ts).collect()
}

#[test]
fn a_load_merges_with_what_streamed_meanwhile_without_duplicates() {
    let mut file = TestTranscript::new();
    file.append(&e(0.5, "zero"));
    let mut s = AgentTranscriptState::for_agent(AgentId("a1".into()));
    assert!(s.loading());
    // Streamed before the request went out: the index will cover it.
    let at = file.append(&e(1.0, "one"));
    s.on_entry(&e(1.0, "one"), Some(at));
    assert_eq!(s.take_wanted(1), Some(AgentId("a1".into())));
    assert!(s.awaits(1) && !s.awaits(2));
    assert_eq!(s.take_wanted(2), None, "asked once");
    // Streamed while the file is indexed: "two" made it into the index, "three" did not,
    // "four" could not be written at all.
    let at = file.append(&e(2.0, "two"));
    s.on_entry(&e(2.0, "two"), Some(at));
    let index = file.index();
    let at = file.append(&e(3.0, "three"));
    s.on_entry(&e(3.0, "three"), Some(at));
    s.on_entry(&e(3.5, "four"), None);
    s.on_loaded(
        &index,
        Some(TranscriptViewState::from_file(
            &index,
            Rect::new(0, 0, 60, 20),
        )),
    );
    assert!(!s.loading());
    assert_eq!(timestamps(&s), [0.5, 1.0, 2.0, 3.0, 3.5]);
    let at = file.append(&e(4.0, "five"));
    s.on_entry(&e(4.0, "five"), Some(at));
    assert_eq!(s.view.len(), 6, "streams once loaded");
    assert_eq!(s.view.entry(5), e(4.0, "five"));
}

#[test]
fn rebinding_starts_over() {
    let (mut s, _file) = loaded(&[e(1.0, "x")]);
    assert!(
        !s.bind(Some(AgentId("a1".into()))),
        "same agent: nothing to do"
    );
    assert!(s.bind(Some(AgentId("a2".into()))));
    assert_eq!(s.view.len(), 0);
    assert_eq!(s.take_wanted(2), Some(AgentId("a2".into())));
}

#[test]
fn keys_browse_type_search_and_copy() {
    let (mut s, _file) = loaded(&[
        e(1.0, "alpha"),
        TranscriptEntry {
            ts: 2.0,
            item: TranscriptItem::ToolUse {
                id: "t".into(),
                name: "Bash".into(),
                input: json!({"command": "make"}),
            },
        },
    ]);
    s.prepare(Rect::new(0, 0, 60, 20), 0, false, &Theme::dark());
    assert_eq!(s.key(key(KeyCode::Char('k'))), KeyOutcome::Handled);
    assert_eq!(
        s.view.selected(),
        Some(1),
        "k from nothing selects the last visible"
    );
    assert_eq!(
        s.key(key(KeyCode::Char('y'))),
        KeyOutcome::Copy("Bash\nmake".into())
    );
    assert_eq!(s.key(key(KeyCode::Enter)), KeyOutcome::Handled);
    s.key(key(KeyCode::Char('/')));
    assert!(s.typing());
    for c in "alp".chars() {
        s.key(key(KeyCode::Char(c)));
    }
    s.key(key(KeyCode::Enter));
    assert!(!s.typing());
    assert_eq!(s.view.search_status(), Some((1, 1, "alp")));
    assert_eq!(s.key(key(KeyCode::Esc)), KeyOutcome::Handled);
    assert_eq!(s.view.search_status(), None);
    s.key(key(KeyCode::Char('i')));
    for c in "hi".chars() {
        assert_eq!(s.key(key(KeyCode::Char(c))), KeyOutcome::Handled);
    }
    assert_eq!(s.key(key(KeyCode::Enter)), KeyOutcome::Send("hi".into()));
    s.key(key(KeyCode::Esc));
    assert!(!s.typing());
    assert_eq!(s.key(key(KeyCode::Char('z'))), KeyOutcome::Ignored);
}

fn record() -> AgentRecord {
    AgentRecord {
        id: AgentId("a1".into()),
        name: "alpha".into(),
        cwd: "/tmp".into(),
        state: AgentState::AwaitingPermission,
        error: None,
        session_id: None,
        spawn_options: None,
        model: Some("sonnet".into()),
        cost_usd: 0.12,
        tokens_in: 1200,
        tokens_out: 300,
        started_at: 0.0,
        ended_at: None,
        last_activity: None,
        archived: false,
        current_tool: None,
        worktree: None,
    }
}

fn render_panel(w: u16, h: u16) -> Terminal<TestBackend> {
    let theme = Theme::dark();
    let (mut s, _file) = loaded(&[
        TranscriptEntry {
            ts: 0.0,
            item: TranscriptItem::User {
                text: "Clean the build and rebuild".into(),
            },
        },
        e(1.0, "I'll remove the build directory first."),
        TranscriptEntry {
            ts: 2.0,
            item: TranscriptItem::ToolUse {
                id: "t1".into(),
                name: "Bash".into(),
                input: json!({"command": "rm -rf build"}),
            },
        },
    ]);
    let pending = PendingPermission {
        agent_id: AgentId("a1".into()),
        agent_name: "alpha".into(),
        request: PermissionRequest {
            request_id: RequestId("r1".into()),
            tool_name: "Bash".into(),
            input: json!({"command": "rm -rf build"}),
            description: None,
            blocked_path: None,
            suggestions: json!([]),
            tool_use_id: Some("t1".into()),
        },
        context: None,
    };
    let pending = [&pending];
    let rec = record();
    let area = Rect::new(0, 0, w, h);
    let working = Some(Working {
        since: 0.0,
        now: 75.0,
        tool: s.view.in_flight_tool(),
    });
    s.prepare(
        area,
        AgentTranscriptView::bar_rows(&pending, &theme),
        true,
        &theme,
    );
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| {
        AgentTranscriptView {
            state: &s,
            record: Some(&rec),
            pending: &pending,
            theme: &theme,
            focused: true,
            working,
        }
        .render(f.area(), f.buffer_mut());
    })
    .unwrap();
    t
}

#[test]
fn panel_with_the_inline_permission_bar_160x45() {
    let t = render_panel(160, 45);
    let screen = format!("{:?}", t.backend());
    assert!(screen.contains("⚠ Bash: rm -rf build"), "{screen}");
    assert!(
        screen.contains("y allow · s session · a always"),
        "{screen}"
    );
    assert!(screen.contains("alpha  awaiting_permission"), "{screen}");
    assert!(
        screen.contains("working… 1m 15s · ⏺ Bash rm -rf build"),
        "{screen}"
    );
    insta::assert_snapshot!(t.backend());
}

#[test]
fn panel_with_the_inline_permission_bar_80x24() {
    let t = render_panel(80, 24);
    insta::assert_snapshot!(t.backend());
}

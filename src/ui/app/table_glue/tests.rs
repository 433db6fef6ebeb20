//! Agent panels through `App::handle` and TestBackend snapshots: the AgentTable, the
//! ActivityFeed and the History screen with 8 agents in every state, at 160x45 and 80x24.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{PanelEvent, PanelIntent};
use crate::core::agent::{AgentRecord, AgentState, SpawnOptions};
use crate::core::ids::{AgentId, RequestId};
use crate::core::layout::Workspace;
use crate::core::permission::PermissionRequest;
use crate::core::transcript::{TranscriptEntry, TranscriptItem};
use crate::engine::EngineEvent;
use crate::store::activity::{ACTIVITY_VERSION, ActivityLevel, ActivityRecord};
use crate::ui::app::{App, AppInit, Focus, Intent};
use crate::ui::app_event::AppEvent;
use crate::ui::notify::NotifyKind;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

/// 2024-05-01 14:05:12 UTC
const NOW: f64 = 1_714_572_312.0;

fn rec(i: u8, name: &str, state: AgentState) -> AgentRecord {
    AgentRecord {
        id: AgentId(format!("a{i:011}")),
        name: name.to_owned(),
        cwd: "/home/dev/src/demo".into(),
        state,
        error: None,
        session_id: Some(format!("5e551{i:03}-0000-4000-8000-000000000000")),
        spawn_options: Some(SpawnOptions {
            prompt: format!("{name}: do the {name} part of the release"),
            ..SpawnOptions::default()
        }),
        model: Some("claude-sonnet-4-5-20250929".into()),
        cost_usd: f64::from(i) * 0.07,
        tokens_in: u64::from(i) * 4_100,
        tokens_out: u64::from(i) * 350,
        started_at: NOW - 600.0 + f64::from(i) * 30.0,
        ended_at: None,
        last_activity: Some(NOW - f64::from(i) * 7.0),
        archived: false,
        current_tool: None,
        worktree: None,
    }
}

/// Eight agents: one per state, plus an archived one.
fn fixture() -> Vec<AgentRecord> {
    let mut perm = rec(1, "tests", AgentState::AwaitingPermission);
    perm.current_tool = Some("Bash cargo test --all".into());
    let wait = rec(2, "planner", AgentState::Waiting);
    let mut err = rec(3, "builder", AgentState::Error);
    err.error = Some("process exited with code 1: cargo build failed".into());
    err.ended_at = Some(NOW - 100.0);
    let mut run = rec(4, "docs", AgentState::Running);
    run.current_tool = Some("Edit README.md".into());
    let idle = rec(5, "fresh", AgentState::Idle);
    let mut done = rec(6, "refactor", AgentState::Done);
    done.ended_at = Some(NOW - 60.0);
    let mut killed = rec(7, "spike", AgentState::Killed);
    killed.ended_at = Some(NOW - 30.0);
    let mut old = rec(8, "archaeology", AgentState::Done);
    old.archived = true;
    old.ended_at = Some(NOW - 20.0);
    let mut orch = rec(0, "orchestrator", AgentState::Idle);
    orch.id = AgentId::orchestrator();
    orch.spawn_options = None;
    vec![orch, perm, wait, err, run, idle, done, killed, old]
}

fn app() -> App {
    App::new(AppInit {
        agents: fixture(),
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~/src/demo".into(),
        bypass: false,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    })
}

fn id(i: u8) -> AgentId {
    AgentId(format!("a{i:011}"))
}

fn key(code: KeyCode) -> AppEvent {
    AppEvent::Input(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ch(c: char) -> AppEvent {
    key(KeyCode::Char(c))
}

fn ctrl(c: char) -> AppEvent {
    AppEvent::Input(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

fn engine(app: &mut App, ev: EngineEvent) -> Vec<Intent> {
    app.handle(AppEvent::Engine(Box::new(ev)))
}

fn screen(app: &mut App, w: u16, h: u16) -> (Terminal<TestBackend>, String) {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.render(f)).unwrap();
    let s = t.backend().to_string();
    (t, s)
}

/// A busy day: a request, an ask, a notification, a finish and a failure, in the feed.
fn busy() -> App {
    let mut a = app();
    engine(
        &mut a,
        EngineEvent::Transcript {
            agent_id: id(5),
            entry: TranscriptEntry {
                ts: NOW,
                item: TranscriptItem::Assistant {
                    text: "Ready when you are.".into(),
                },
            },
            at: None,
        },
    );
    engine(
        &mut a,
        EngineEvent::PermissionRequested {
            agent_id: id(1),
            agent_name: "tests".into(),
            request: PermissionRequest {
                request_id: RequestId("r1".into()),
                tool_name: "Bash".into(),
                input: json!({"command": "cargo test --all"}),
                description: None,
                blocked_path: None,
                suggestions: json!([]),
                tool_use_id: None,
            },
        },
    );
    engine(
        &mut a,
        EngineEvent::AskRequested {
            agent_id: id(2),
            agent_name: "planner".into(),
            request_id: RequestId("q1".into()),
            question: "Ship 2.0 or 1.9.1?".into(),
        },
    );
    engine(
        &mut a,
        EngineEvent::Notified {
            agent_id: id(4),
            agent_name: "docs".into(),
            message: "README half done".into(),
        },
    );
    // The modal would cover the panels in every snapshot; it has its own tests.
    a.handle(key(KeyCode::Esc));
    a
}

fn focus_table(a: &mut App) {
    a.handle(key(KeyCode::Tab));
    assert_eq!(a.focus(), &Focus::Panel("agents".into()));
}

fn focus_feed(a: &mut App) {
    a.handle(key(KeyCode::BackTab));
    assert_eq!(a.focus(), &Focus::Panel("feed".into()));
}

/// The screen without its last row: the status bar belongs to another widget and its own
/// snapshots.
fn without_status_row(t: &Terminal<TestBackend>) -> String {
    let s = t.backend().to_string();
    let lines: Vec<&str> = s.lines().collect();
    lines[..lines.len() - 1].join("\n")
}

fn row_order(s: &str, names: &[&str]) -> Vec<usize> {
    names
        .iter()
        .map(|n| {
            s.find(&format!(" {n} "))
                .unwrap_or_else(|| panic!("{n} missing:\n{s}"))
        })
        .collect()
}

#[test]
fn table_and_feed_160x45() {
    let mut a = busy();
    focus_table(&mut a);
    let (t, s) = screen(&mut a, 160, 45);
    // Urgency order, archived hidden.
    let pos = row_order(
        &s,
        &[
            "tests", "planner", "builder", "docs", "fresh", "refactor", "spike",
        ],
    );
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}\n{s}");
    assert!(!s.contains("archaeology"), "{s}");
    assert!(s.contains("permission? Bash cargo test"), "{s}");
    assert!(
        s.contains("time▾"),
        "sort column marked in the header:\n{s}"
    );
    assert!(
        s.contains("planner asks: Ship 2.0 or 1.9.1?") || s.contains("asks: Ship 2.0"),
        "{s}"
    );
    insta::assert_snapshot!(without_status_row(&t));
}

#[test]
fn table_and_feed_80x24() {
    let mut a = busy();
    focus_table(&mut a);
    let (t, s) = screen(&mut a, 80, 24);
    assert!(s.contains("tests"), "{s}");
    insta::assert_snapshot!(without_status_row(&t));
}

#[test]
fn sort_key_cycles_and_archived_toggle() {
    let mut a = busy();
    focus_table(&mut a);
    a.handle(ch('o'));
    let (_, s) = screen(&mut a, 160, 45);
    assert!(s.contains("last▾"), "{s}");
    a.handle(ch('o'));
    a.handle(ch('o'));
    let (_, s) = screen(&mut a, 160, 45);
    assert!(s.contains("cost▾"), "{s}");
    a.handle(ch('A'));
    let (_, s) = screen(&mut a, 160, 45);
    assert!(s.contains("archaeology"), "{s}");
    assert!(s.contains("+archived"), "{s}");
    a.handle(ch('A'));
    let (_, s) = screen(&mut a, 160, 45);
    assert!(!s.contains("archaeology"), "{s}");
}

#[test]
fn row_keys_send_the_right_intents() {
    let mut a = busy();
    focus_table(&mut a);
    // The first row is the most urgent: tests (awaiting permission).
    a.handle(ch('j'));
    a.handle(ch('k'));
    assert_eq!(
        a.handle(ch('i')),
        vec![Intent::Panels(PanelIntent::Interrupt {
            agent: id(1),
            name: "tests".into()
        })]
    );
    // x asks first; anything but y cancels.
    assert!(a.handle(ch('x')).is_empty());
    assert!(screen(&mut a, 160, 45).1.contains("kill tests? y/n"));
    assert!(a.handle(ch('n')).is_empty());
    assert!(!screen(&mut a, 160, 45).1.contains("kill tests?"));
    a.handle(ch('x'));
    assert_eq!(
        a.handle(ch('y')),
        vec![Intent::Panels(PanelIntent::Kill {
            agent: id(1),
            name: "tests".into()
        })]
    );
    assert_eq!(
        a.handle(ch('a')),
        vec![Intent::Panels(PanelIntent::Archive {
            agent: id(1),
            name: "tests".into(),
            archived: true
        })]
    );
    // m: a message line; Enter sends to that agent.
    a.handle(ch('m'));
    for c in "use --release".chars() {
        a.handle(ch(c));
    }
    assert!(
        screen(&mut a, 160, 45)
            .1
            .contains("message tests › use --release")
    );
    assert_eq!(
        a.handle(key(KeyCode::Enter)),
        vec![Intent::Send {
            agent: id(1).0,
            text: "use --release".into()
        }]
    );
    // r on a settled agent with a session resumes it.
    for _ in 0..5 {
        a.handle(ch('j'));
    }
    assert_eq!(
        a.handle(ch('r')),
        vec![Intent::Panels(PanelIntent::Resume {
            agent: id(6),
            name: "refactor".into()
        })]
    );
}

#[test]
fn p_opens_the_modal_on_that_agents_request() {
    let mut a = busy();
    // A second agent's request arrives first in the queue.
    engine(
        &mut a,
        EngineEvent::PermissionRequested {
            agent_id: id(4),
            agent_name: "docs".into(),
            request: PermissionRequest {
                request_id: RequestId("r2".into()),
                tool_name: "Write".into(),
                input: json!({"file_path": "/tmp/x", "content": "x"}),
                description: None,
                blocked_path: None,
                suggestions: json!([]),
                tool_use_id: None,
            },
        },
    );
    a.handle(key(KeyCode::Esc));
    focus_table(&mut a);
    let (_, s) = screen(&mut a, 160, 45);
    assert!(!s.contains("wants to use"), "{s}");
    // docs is running: its row is the 4th.
    a.handle(ch('g'));
    for _ in 0..3 {
        a.handle(ch('j'));
    }
    a.handle(ch('p'));
    let (_, s) = screen(&mut a, 160, 45);
    assert!(s.contains("docs wants to use Write"), "{s}");
}

#[test]
fn slash_filters_rows_by_name_and_esc_clears() {
    let mut a = busy();
    focus_table(&mut a);
    a.handle(ch('/'));
    for c in "fr".chars() {
        a.handle(ch(c));
    }
    let (_, s) = screen(&mut a, 160, 45);
    assert!(s.contains("fresh") && s.contains("filter › fr"), "{s}");
    assert!(!s.contains("◆ planner"), "{s}");
    a.handle(key(KeyCode::Enter));
    // Keys act on the filtered rows again.
    assert_eq!(
        a.handle(ch('i')),
        vec![Intent::Panels(PanelIntent::Interrupt {
            agent: id(5),
            name: "fresh".into()
        })]
    );
    a.handle(key(KeyCode::Esc));
    assert!(screen(&mut a, 160, 45).1.contains("◆ planner"));
}

#[test]
fn enter_and_double_click_open_the_transcript() {
    let mut a = busy();
    focus_table(&mut a);
    a.handle(key(KeyCode::Enter));
    assert!(a.transcript_overlay_open());
    a.handle(key(KeyCode::Esc));
    assert!(!a.transcript_overlay_open());
    // Find the 'planner' row on screen and click it twice.
    let (t, _) = screen(&mut a, 160, 45);
    let buf = t.backend().buffer().clone();
    let (x, y) = (0..45)
        .flat_map(|y| (0..150).map(move |x| (x, y)))
        .find(|&(x, y)| {
            (0..7)
                .map(|i| buf[(x + i, y)].symbol().to_owned())
                .collect::<String>()
                == "planner"
        })
        .unwrap();
    let click = AppEvent::Input(Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    }));
    a.handle(click.clone());
    assert!(!a.transcript_overlay_open(), "one click only selects");
    assert_eq!(
        a.handle(ch('i')),
        vec![Intent::Panels(PanelIntent::Interrupt {
            agent: id(2),
            name: "planner".into()
        })]
    );
    a.handle(click.clone());
    a.handle(click);
    assert!(a.transcript_overlay_open(), "double click opens");
}

#[test]
fn feed_filters_by_kind_and_agent_and_enter_focuses() {
    let mut a = busy();
    focus_feed(&mut a);
    a.handle(ch('c'));
    let (_, s) = screen(&mut a, 160, 45);
    assert!(s.contains("attention"), "{s}");
    assert!(s.contains("wants Bash"), "{s}");
    assert!(!s.contains("notifies: README"), "{s}");
    a.handle(ch('c'));
    a.handle(ch('c'));
    a.handle(ch('f'));
    for c in "docs".chars() {
        a.handle(ch(c));
    }
    a.handle(key(KeyCode::Enter));
    let (_, s) = screen(&mut a, 160, 45);
    assert!(s.contains("notifies: README half done"), "{s}");
    assert!(!s.contains("wants Bash"), "{s}");
    // The cursor starts at the newest line; Enter opens that agent.
    a.handle(ch('k'));
    a.handle(key(KeyCode::Enter));
    assert!(a.transcript_overlay_open());
}

#[test]
fn feed_lines_carry_cost_reason_and_rule() {
    let mut a = busy();
    let mut done = fixture()[4].clone();
    done.state = AgentState::Done;
    done.cost_usd = 0.42;
    let intents_before = engine(&mut a, EngineEvent::AgentUpdated(done));
    assert!(
        intents_before.is_empty(),
        "no writer configured: {intents_before:?}"
    );
    let mut failed = fixture()[5].clone();
    failed.state = AgentState::Error;
    failed.error = Some("API error 529 overloaded".into());
    engine(&mut a, EngineEvent::AgentUpdated(failed));
    let (_, s) = screen(&mut a, 160, 45);
    assert!(s.contains("finished (running → done) · $0.42 total"), "{s}");
    assert!(s.contains("idle → error: API error 529 overloaded"), "{s}");
    let notes = a.take_notifications();
    assert_eq!(
        notes.iter().map(|n| n.0).collect::<Vec<_>>(),
        [NotifyKind::Ask, NotifyKind::Finished, NotifyKind::Error],
        "{notes:?}"
    );
}

#[test]
fn activity_is_restored_and_new_lines_go_to_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app();
    let log = super::start_activity_log(
        &mut a,
        dir.path(),
        vec![ActivityRecord {
            v: ACTIVITY_VERSION,
            ts: NOW - 86_400.0,
            who: "refactor".into(),
            agent: Some(id(6).0),
            what: "finished yesterday".into(),
            level: ActivityLevel::Normal,
        }],
    )
    .unwrap();
    let (_, s) = screen(&mut a, 160, 45);
    assert!(s.contains("refactor finished yesterday"), "{s}");
    let intents = engine(
        &mut a,
        EngineEvent::Notified {
            agent_id: id(4),
            agent_name: "docs".into(),
            message: "half way".into(),
        },
    );
    let [Intent::Panels(PanelIntent::Activity { records, .. })] = intents.as_slice() else {
        panic!("{intents:?}");
    };
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].agent.as_deref(), Some(id(4).0.as_str()));
    // The loop would execute it; do what it does and check the file.
    for i in intents {
        if let Intent::Panels(PanelIntent::Activity { to, records }) = i {
            to.append(records);
        }
    }
    drop(a);
    log.close();
    let (back, _) =
        crate::store::activity::load_activity(&crate::store::ProjectPaths::new(dir.path()));
    assert_eq!(back.last().unwrap().what, "notifies: half way");
}

fn history_app() -> App {
    let mut a = busy();
    a.handle(ctrl('h'));
    // Tests have no store: the preview arrives as the task would post it.
    let sel = a.history_selected().cloned().unwrap();
    a.handle(AppEvent::Panels(PanelEvent::Preview {
        agent: sel,
        result: Ok(vec![
            TranscriptEntry {
                ts: NOW,
                item: TranscriptItem::User {
                    text: "archaeology: dig".into(),
                },
            },
            TranscriptEntry {
                ts: NOW,
                item: TranscriptItem::Assistant {
                    text: "Found three dead modules.".into(),
                },
            },
        ]),
    }));
    a
}

#[test]
fn history_160x45() {
    let mut a = history_app();
    let (t, s) = screen(&mut a, 160, 45);
    assert!(s.contains("History · 8 agents"), "{s}");
    assert!(
        s.contains("archaeology"),
        "archived agents are listed:\n{s}"
    );
    assert!(s.contains("Found three dead modules."), "{s}");
    assert!(
        s.contains("5e551008-0000-4000-8000-000000000000"),
        "session id:\n{s}"
    );
    // Newest first.
    let pos = row_order(&s, &["archaeology", "spike", "refactor", "fresh"]);
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
    insta::assert_snapshot!(without_status_row(&t));
}

#[test]
fn history_80x24() {
    let mut a = history_app();
    let (t, s) = screen(&mut a, 80, 24);
    assert!(s.contains("History"), "{s}");
    insta::assert_snapshot!(without_status_row(&t));
}

#[test]
fn history_search_resume_rerun_archive_delete() {
    let mut a = history_app();
    for c in "/refac".chars() {
        a.handle(ch(c));
    }
    let (_, s) = screen(&mut a, 160, 45);
    assert!(s.contains("History · 1 of 8"), "{s}");
    a.handle(key(KeyCode::Enter));
    assert_eq!(a.history_selected(), Some(&id(6)));
    assert_eq!(
        a.handle(ch('r')),
        vec![Intent::Panels(PanelIntent::Resume {
            agent: id(6),
            name: "refactor".into()
        })]
    );
    // R: the prompt editor, prefilled; Enter re-runs under a fresh name.
    a.handle(ch('R'));
    assert!(
        screen(&mut a, 160, 45)
            .1
            .contains("re-run with › refactor: do the refactor")
    );
    for c in " again".chars() {
        a.handle(ch(c));
    }
    let out = a.handle(key(KeyCode::Enter));
    let [Intent::Panels(PanelIntent::Spawn { name, options })] = out.as_slice() else {
        panic!("{out:?}");
    };
    assert_eq!(name, "refactor-2");
    assert_eq!(
        options.prompt,
        "refactor: do the refactor part of the release again"
    );
    assert_eq!(
        a.handle(ch('a')),
        vec![Intent::Panels(PanelIntent::Archive {
            agent: id(6),
            name: "refactor".into(),
            archived: true
        })]
    );
    a.handle(key(KeyCode::Delete));
    assert!(
        screen(&mut a, 160, 45)
            .1
            .contains("Delete refactor and its transcript for good? y/n")
    );
    assert_eq!(
        a.handle(ch('y')),
        vec![Intent::Panels(PanelIntent::Delete {
            agent: id(6),
            name: "refactor".into()
        })]
    );
    engine(&mut a, EngineEvent::AgentDeleted { agent_id: id(6) });
    let (_, s) = screen(&mut a, 160, 45);
    assert!(s.contains("History · 0 of 7"), "{s}");
    // Esc clears the search, Esc again closes.
    a.handle(key(KeyCode::Esc));
    assert!(screen(&mut a, 160, 45).1.contains("History · 7 agents"));
    a.handle(key(KeyCode::Esc));
    assert!(!screen(&mut a, 160, 45).1.contains("History ·"));
}

#[test]
fn history_refuses_to_delete_a_live_agent_and_enter_opens_the_transcript() {
    let mut a = history_app();
    a.handle(ch('/'));
    for c in "docs".chars() {
        a.handle(ch(c));
    }
    a.handle(key(KeyCode::Enter));
    assert_eq!(a.history_selected(), Some(&id(4)));
    assert!(a.handle(key(KeyCode::Delete)).is_empty());
    let (_, s) = screen(&mut a, 160, 45);
    assert!(
        s.contains("docs is running; kill it before deleting it"),
        "{s}"
    );
    assert!(!s.contains("for good? y/n"), "{s}");
    a.handle(key(KeyCode::Enter));
    assert!(!a.history_open());
    assert!(a.transcript_overlay_open());
}

#[test]
fn history_previews_only_the_selected_row_via_an_intent() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app();
    a.set_layout_store(crate::ui::layout::workspace_state::LayoutStore {
        project: crate::store::ProjectPaths::new(dir.path()),
        global: crate::store::GlobalPaths::from_dirs(dir.path(), dir.path()),
    });
    let out = a.handle(ctrl('h'));
    let previews: Vec<&AgentId> = out
        .iter()
        .filter_map(|i| match i {
            Intent::Panels(PanelIntent::Preview { agent, .. }) => Some(agent),
            _ => None,
        })
        .collect();
    assert_eq!(
        previews,
        [&id(8)],
        "only the newest (selected) row: {out:?}"
    );
    let out = a.handle(ch('j'));
    assert!(
        matches!(out.as_slice(), [Intent::Panels(PanelIntent::Preview { agent, .. })] if *agent == id(7)),
        "{out:?}"
    );
    // Moving back to a row whose preview is on its way asks again only once it changed.
    let out = a.handle(ch('j'));
    assert_eq!(out.len(), 1);
}

#[test]
fn fresh_names_skip_taken_ones() {
    let mut recs = fixture();
    let mut two = rec(9, "refactor-2", AgentState::Done);
    two.started_at = NOW;
    recs.push(two);
    let a = App::new(AppInit {
        agents: recs,
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~".into(),
        bypass: false,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    });
    assert_eq!(a.fresh_name("refactor"), "refactor-3");
    assert_eq!(a.fresh_name("refactor-2"), "refactor-3");
    assert_eq!(a.fresh_name("docs"), "docs-2");
}

//! Workspace widgets through the App with real sources: a Terminal in a real pty (colours,
//! width, process gone after removal), an agent's edits as a diff, the editor's
//! external-change prompt, and snapshots.

use super::WsPanel;
use crate::core::layout::Workspace;
use crate::core::transcript::{TranscriptEntry, TranscriptItem};
use crate::engine::EngineEvent;
use crate::ui::app::{App, AppInit, Intent};
use crate::ui::app_event::AppEvent;
use crate::ui::layout::workspace_state::PanelState;
use crate::ui::sources::git::agent_diff;
use crate::ui::sources::workspace_io::WorkspaceEvent;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

const NOW: f64 = 1_714_572_312.0;

fn app_with(layout: Value, dir: &std::path::Path) -> (App, UnboundedReceiver<AppEvent>) {
    let (tx, rx) = unbounded_channel();
    let mut a = App::new(AppInit {
        agents: Vec::new(),
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~/demo".into(),
        bypass: false,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    });
    a.set_workspace_runner(tx, dir.to_path_buf(), None);
    let intents = a.handle(AppEvent::Engine(Box::new(EngineEvent::UiCall {
        call_id: 1,
        tool: "add_tab".into(),
        args: json!({"title": "W", "layout": {"layout": layout}}),
    })));
    assert!(
        intents
            .iter()
            .any(|i| matches!(i, Intent::UiReply { result: Ok(_), .. })),
        "{intents:?}"
    );
    // Draw before the first sync, as the app does, so a Terminal starts at its panel's size
    // (a shell started at 80x24 and resized later races `tput cols`).
    draw(&mut a, 100, 20);
    (a, rx)
}

fn draw(a: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| a.render(f)).unwrap();
    a.sync_workspace_widgets();
    t
}

fn panel<'a>(a: &'a mut App, id: &str) -> &'a mut WsPanel {
    let tab = a.ws.active_id().to_owned();
    match a.ws.panel_state_mut(&tab, id) {
        Some(PanelState::Workspace(s)) => s.panel.as_mut().unwrap(),
        other => panic!("{other:?}"),
    }
}

/// Feed source events until `done` holds for the drawn screen.
async fn until_screen(
    a: &mut App,
    rx: &mut UnboundedReceiver<AppEvent>,
    w: u16,
    h: u16,
    done: impl Fn(&Terminal<TestBackend>) -> bool,
) -> Terminal<TestBackend> {
    loop {
        let t = draw(a, w, h);
        if done(&t) {
            return t;
        }
        let ev = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("no workspace event within 10 s")
            .expect("channel open");
        a.handle(ev);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_shows_colours_and_its_width_and_dies_with_its_panel() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut rx) = app_with(
        json!({"id": "term", "widget": "Terminal",
               "props": {"cmd": "printf '\\033[31mred\\033[0m\\n'; tput cols; exec sleep 600"}}),
        dir.path(),
    );
    // Full-width panel in a 100-column screen: 98 columns inside the borders.
    let t = until_screen(&mut a, &mut rx, 100, 20, |t| {
        t.backend().to_string().contains("98")
    })
    .await;
    let buf = t.backend().buffer();
    let red = (0..buf.area.height).any(|y| {
        (0..buf.area.width.saturating_sub(2)).any(|x| {
            buf[(x, y)].symbol() == "r"
                && buf[(x + 1, y)].symbol() == "e"
                && buf[(x + 2, y)].symbol() == "d"
                && matches!(buf[(x, y)].fg, Color::Red | Color::Indexed(1))
        })
    });
    assert!(red, "red text expected:\n{}", t.backend());
    insta::assert_snapshot!("terminal_100x20", t.backend());
    let WsPanel::Terminal(term) = panel(&mut a, "term") else {
        panic!()
    };
    let pid = term.session.as_ref().unwrap().pid.unwrap() as libc::pid_t;
    // SAFETY: signal 0 only checks existence.
    assert_eq!(unsafe { libc::kill(pid, 0) }, 0, "child alive while shown");
    // Remove the panel: close its tab.
    let tab = a.ws.active_id().to_owned();
    a.handle(AppEvent::Engine(Box::new(EngineEvent::UiCall {
        call_id: 2,
        tool: "close_tab".into(),
        args: json!({"tab_id": tab}),
    })));
    a.sync_workspace_widgets();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    // SAFETY: as above.
    while unsafe { libc::kill(pid, 0) } == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "pid {pid} still alive"
        );
        std::thread::yield_now();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_exit_is_shown_and_r_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut rx) = app_with(
        json!({"id": "term", "widget": "Terminal", "props": {"cmd": "exit 3"}}),
        dir.path(),
    );
    let t = until_screen(&mut a, &mut rx, 80, 12, |t| {
        t.backend().to_string().contains("[exited 3] — r restarts")
    })
    .await;
    assert!(
        t.backend().to_string().contains("$ exit 3 [exited 3]"),
        "{}",
        t.backend()
    );
    a.handle(AppEvent::Input(Event::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::NONE,
    ))));
    a.sync_workspace_widgets();
    let WsPanel::Terminal(term) = panel(&mut a, "term") else {
        panic!()
    };
    assert!(term.exited.is_none() && term.session.is_some(), "restarted");
}

fn tool_use(id: &str, name: &str, input: Value) -> TranscriptEntry {
    TranscriptEntry {
        ts: NOW,
        item: TranscriptItem::ToolUse {
            id: id.into(),
            name: name.into(),
            input,
        },
    }
}

fn transcript() -> Vec<TranscriptEntry> {
    vec![
        tool_use(
            "t1",
            "Edit",
            json!({"file_path": "/p/src/main.rs", "old_string": "let x = 1;", "new_string": "let x = 2;"}),
        ),
        tool_use(
            "t2",
            "Write",
            json!({"file_path": "/p/NOTES.md", "content": "hello\nworld\n"}),
        ),
        tool_use(
            "t3",
            "Edit",
            json!({"file_path": "/p/failed.rs", "old_string": "a", "new_string": "b"}),
        ),
        TranscriptEntry {
            ts: NOW,
            item: TranscriptItem::ToolResult {
                tool_use_id: "t3".into(),
                content: json!("old_string not found"),
                is_error: true,
            },
        },
        tool_use(
            "t4",
            "MultiEdit",
            json!({"file_path": "/p/src/main.rs", "edits": [{"old_string": "fn a()", "new_string": "fn b()"}]}),
        ),
    ]
}

#[test]
fn agent_diff_from_a_transcript() {
    let d = agent_diff(&transcript());
    let files = crate::ui::widgets::diff_viewer::parse(&d);
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["p/src/main.rs", "p/NOTES.md"], "{d}");
    assert_eq!((files[0].added, files[0].removed), (2, 2));
    assert_eq!((files[1].added, files[1].removed), (2, 0));
    assert!(!d.contains("failed.rs"), "failed edits are not changes");
}

#[tokio::test]
async fn agent_diff_panel_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _rx) = app_with(
        json!({"id": "diff", "widget": "DiffViewer", "props": {"source": "agent:worker"}}),
        dir.path(),
    );
    draw(&mut a, 100, 20);
    let tab = a.ws.active_id().to_owned();
    let generation = match panel(&mut a, "diff") {
        WsPanel::Diff(d) => d.generation,
        _ => panic!(),
    };
    // No engine here: the panel says so; feed the loaded diff as the source task would.
    a.handle(AppEvent::Workspace(Box::new(WorkspaceEvent::Diff {
        key: (tab, "diff".into()),
        generation,
        result: Ok(agent_diff(&transcript())),
    })));
    let wide = draw(&mut a, 100, 20).backend().to_string();
    assert!(
        wide.contains("-let x = 1;") && wide.contains("+let x = 2;"),
        "{wide}"
    );
    insta::assert_snapshot!("diff_agent_unified_100x20", wide);
    a.handle(AppEvent::Input(Event::Key(KeyEvent::new(
        KeyCode::Char('v'),
        KeyModifiers::NONE,
    ))));
    let side = draw(&mut a, 100, 20).backend().to_string();
    insta::assert_snapshot!("diff_agent_side_by_side_100x20", side);
    let narrow = draw(&mut a, 40, 14).backend().to_string();
    insta::assert_snapshot!("diff_agent_narrow_40x14", narrow);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editor_offers_reload_keep_or_diff_on_external_change() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.txt");
    std::fs::write(&file, "one\n").unwrap();
    let (mut a, mut rx) = app_with(
        json!({"id": "ed", "widget": "FileEditor", "props": {"path": "a.txt"}}),
        dir.path(),
    );
    until_screen(&mut a, &mut rx, 80, 12, |t| {
        t.backend().to_string().contains("one")
    })
    .await;
    a.handle(AppEvent::Input(Event::Key(KeyEvent::new(
        KeyCode::Char('X'),
        KeyModifiers::NONE,
    ))));
    let s = draw(&mut a, 80, 12).backend().to_string();
    assert!(s.contains("Edit: a.txt ●"), "dirty marker:\n{s}");
    // An agent writes the file meanwhile.
    std::fs::write(&file, "two\n").unwrap();
    let t = until_screen(&mut a, &mut rx, 80, 12, |t| {
        t.backend().to_string().contains("changed on disk")
    })
    .await;
    let s = t.backend().to_string();
    assert!(s.contains("Xone"), "mine is still shown:\n{s}");
    insta::assert_snapshot!("editor_external_change_80x12", s);
    a.handle(AppEvent::Input(Event::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::NONE,
    ))));
    let s = draw(&mut a, 80, 12).backend().to_string();
    assert!(s.contains("two") && !s.contains("●"), "reloaded:\n{s}");
    // Save round trip.
    a.handle(AppEvent::Input(Event::Key(KeyEvent::new(
        KeyCode::Char('Y'),
        KeyModifiers::NONE,
    ))));
    a.handle(AppEvent::Input(Event::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    ))));
    until_screen(&mut a, &mut rx, 80, 12, |t| {
        !t.backend().to_string().contains("●")
    })
    .await;
    // The cursor keeps its place across the reload (after the first character).
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "tYwo\n");
}

#[test]
fn system_usage_snapshot_with_thresholds() {
    use crate::ui::sources::sysinfo::{AgentUsage, UsageSample};
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _rx) = app_with(json!({"id": "sys", "widget": "SystemUsage"}), dir.path());
    a.handle(AppEvent::Workspace(Box::new(WorkspaceEvent::Usage(
        Box::new(UsageSample {
            cpu: 93.0,
            cores: 4,
            mem_used: 12 << 30,
            mem_total: 16 << 30,
            agents: vec![
                AgentUsage {
                    name: "worker".into(),
                    pid: Some(42),
                    cpu: 12.5,
                    rss: 300 << 20,
                    procs: 3,
                },
                AgentUsage {
                    name: "idle".into(),
                    pid: None,
                    cpu: 0.0,
                    rss: 0,
                    procs: 0,
                },
            ],
        }),
    ))));
    let t = draw(&mut a, 80, 12);
    let s = t.backend().to_string();
    assert!(
        s.contains("93% of 4 cores") && s.contains("300.0 MiB") && s.contains("no process"),
        "{s}"
    );
    insta::assert_snapshot!("system_usage_80x12", s);
    insta::assert_snapshot!(
        "system_usage_narrow_30x10",
        draw(&mut a, 30, 10).backend().to_string()
    );
}

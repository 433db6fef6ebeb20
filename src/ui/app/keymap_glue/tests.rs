//! App-driven key tests: rebinding and unbinding through the tools, chords while an input
//! has focus, the command bar's action lines, and snapshots of help and completion.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::core::agent::{AgentRecord, AgentState};
use crate::core::ids::AgentId;
use crate::core::layout::Workspace;
use crate::engine::EngineEvent;
use crate::store::GlobalPaths;
use crate::ui::app::{App, AppInit, Focus, Intent};
use crate::ui::app_event::AppEvent;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

const NOW: f64 = 1_714_572_312.0;

fn orchestrator() -> AgentRecord {
    AgentRecord::new(
        AgentId::orchestrator(),
        "orchestrator",
        "/home/dev/src/demo",
        AgentState::Idle,
        NOW - 5.0,
    )
}

fn app() -> App {
    App::new(AppInit {
        agents: vec![orchestrator()],
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~/src/demo".to_owned(),
        bypass: false,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    })
}

fn press(a: &mut App, code: KeyCode, m: KeyModifiers) -> Vec<Intent> {
    a.handle(AppEvent::Input(Event::Key(KeyEvent::new(code, m))))
}

fn key(a: &mut App, code: KeyCode) -> Vec<Intent> {
    press(a, code, KeyModifiers::NONE)
}

fn typ(a: &mut App, s: &str) {
    for c in s.chars() {
        key(a, KeyCode::Char(c));
    }
}

fn call(a: &mut App, tool: &str, args: Value) -> Result<String, String> {
    let out = a.handle(AppEvent::Engine(Box::new(EngineEvent::UiCall {
        call_id: 7,
        tool: tool.to_owned(),
        args,
    })));
    match out.as_slice() {
        [Intent::UiReply { call_id: 7, result }] => result.clone(),
        other => panic!("unexpected {other:?}"),
    }
}

fn screen(a: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| a.render(f)).unwrap();
    t.backend().to_string()
}

#[test]
fn a_rebound_key_runs_its_action_and_an_unbound_default_does_nothing() {
    let mut a = app();
    // Default: ctrl-t opens the new-tab dialog.
    press(&mut a, KeyCode::Char('t'), KeyModifiers::CONTROL);
    assert!(a.lay.overlay.is_some());
    key(&mut a, KeyCode::Esc);
    assert!(a.lay.overlay.is_none());

    let r = call(&mut a, "unbind_key", json!({"key": "ctrl-t"})).unwrap();
    assert!(r.contains("\"saved\":false"), "{r}");
    press(&mut a, KeyCode::Char('t'), KeyModifiers::CONTROL);
    assert!(a.lay.overlay.is_none(), "an unbound default does nothing");

    call(
        &mut a,
        "bind_key",
        json!({"key": "f5", "action": "open_history"}),
    )
    .unwrap();
    assert!(!a.history_open());
    press(&mut a, KeyCode::F(5), KeyModifiers::NONE);
    assert!(a.history_open(), "f5 now opens History");
    key(&mut a, KeyCode::Esc);

    // A binding with args, given as an array.
    call(
        &mut a,
        "bind_key",
        json!({"key": "alt-f", "action": "focus_panel", "args": ["feed"]}),
    )
    .unwrap();
    press(&mut a, KeyCode::Char('f'), KeyModifiers::ALT);
    assert_eq!(a.focus(), &Focus::Panel("feed".into()));
    // The earlier unbind is still in effect after more edits.
    press(&mut a, KeyCode::Char('t'), KeyModifiers::CONTROL);
    assert!(a.lay.overlay.is_none());
}

#[test]
fn a_context_binding_wins_over_the_widget_key() {
    let mut a = app();
    call(
        &mut a,
        "bind_key",
        json!({"key": "x", "action": "zoom", "context": "table"}),
    )
    .unwrap();
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.focus(), &Focus::Panel("agents".into()));
    key(&mut a, KeyCode::Char('x'));
    assert!(a.lay.zoom, "x in the table now zooms");
    // Elsewhere x is not bound: the chat types it.
    key(&mut a, KeyCode::Char('x'));
    key(&mut a, KeyCode::BackTab);
    key(&mut a, KeyCode::Char('x'));
    assert_eq!(a.chat.input.text(), "x");
}

#[test]
fn chords_fire_while_typing_and_plain_keys_type() {
    let mut a = app();
    assert_eq!(a.focus(), &Focus::Panel("orch".into()));
    typ(&mut a, "what? /x");
    assert_eq!(a.chat.input.text(), "what? /x");
    assert!(!a.help, "? typed into the input");
    press(&mut a, KeyCode::Char('h'), KeyModifiers::ALT);
    assert!(
        a.history_open(),
        "alt-h opens History with text in the input"
    );
    assert_eq!(a.chat.input.text(), "what? /x");
}

#[test]
fn permissions_moved_off_ctrl_g() {
    let mut a = app();
    press(&mut a, KeyCode::Char('g'), KeyModifiers::CONTROL);
    assert!(
        !a.permission_overlay(),
        "ctrl-g is zellij's; it does nothing here"
    );
    press(&mut a, KeyCode::Char('p'), KeyModifiers::ALT);
    assert!(a.permission_overlay(), "alt-p opens the Permissions screen");
}

#[test]
fn command_bar_runs_actions_and_keeps_a_bad_line() {
    let mut a = app();
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Tab); // feed: `:` is not taken by the widget
    key(&mut a, KeyCode::Char(':'));
    assert!(matches!(a.focus(), Focus::CommandBar { .. }));
    assert_eq!(a.command.text(), ":");
    typ(&mut a, "switch_tab 0");
    key(&mut a, KeyCode::Enter);
    assert!(
        matches!(a.focus(), Focus::CommandBar { .. }),
        "bad line stays"
    );
    assert_eq!(a.command.text(), ":switch_tab 0");
    let s = screen(&mut a, 160, 45);
    assert!(s.contains("must be integer 1..99"), "{s}");

    a.command.clear();
    typ(&mut a, ":focus_panel agents");
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.focus(), &Focus::Panel("agents".into()));

    // A bare action line runs too; a message that merely starts with one is sent.
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Char('/'));
    typ(&mut a, "zoom");
    key(&mut a, KeyCode::Enter);
    assert!(a.lay.zoom);
    key(&mut a, KeyCode::Char('/'));
    typ(&mut a, "focus on the failing tests");
    let out = key(&mut a, KeyCode::Enter);
    assert!(
        matches!(out.as_slice(), [Intent::Send { text, .. }] if text == "focus on the failing tests"),
        "{out:?}"
    );
}

#[test]
fn interrupt_agent_by_name() {
    let mut a = app();
    let out = a.run_action(crate::ui::action::Action::InterruptAgent(None));
    assert!(matches!(
        out.as_slice(),
        [Intent::Panels(crate::ui::app::table_glue::PanelIntent::Interrupt { name, .. })] if name == "orchestrator"
    ));
    let out = a.run_action(crate::ui::action::Action::InterruptAgent(Some(
        "nobody".into(),
    )));
    assert!(out.is_empty());
}

#[test]
fn tools_have_real_schemas() {
    let defs = super::tool_defs();
    let names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        ["bind_key", "unbind_key", "list_bindings", "list_actions"]
    );
    let req = |n: &str| defs.iter().find(|d| d.name == n).unwrap().input_schema["required"].clone();
    assert_eq!(req("bind_key"), json!(["key", "action"]));
    assert_eq!(req("unbind_key"), json!(["key"]));
    assert_eq!(req("list_bindings"), json!([]));
    for d in &defs {
        assert_eq!(d.input_schema["type"], "object");
        assert_eq!(d.input_schema["additionalProperties"], false);
        for r in d.input_schema["required"].as_array().unwrap() {
            assert!(
                d.input_schema["properties"]
                    .get(r.as_str().unwrap())
                    .is_some()
            );
        }
    }
    let tools = crate::ui::tools();
    assert!(tools.iter().any(|t| t.name == "bind_key"));

    let mut a = app();
    let actions: Value =
        serde_json::from_str(&call(&mut a, "list_actions", json!({})).unwrap()).unwrap();
    let fp = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "switch_tab")
        .unwrap();
    assert_eq!(
        fp["args"][0],
        json!({"name": "n", "type": "integer 1..99", "required": true})
    );
    let e = call(
        &mut a,
        "bind_key",
        json!({"key": "f5", "action": "switch_tab 0"}),
    )
    .unwrap_err();
    assert!(e.contains("1..99"), "{e}");
    let e = call(
        &mut a,
        "bind_key",
        json!({"key": "hyper-x", "action": "quit"}),
    )
    .unwrap_err();
    assert!(e.contains("hyper"), "{e}");
    let e = call(&mut a, "unbind_key", json!({"key": "f9"})).unwrap_err();
    assert!(e.contains("nothing is bound to f9"), "{e}");
    let b: Value =
        serde_json::from_str(&call(&mut a, "list_bindings", json!({"context": "global"})).unwrap())
            .unwrap();
    let rows = b["bindings"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["key"] == "alt-p" && r["action"] == "open_permissions")
    );
    assert!(rows.iter().all(|r| r["context"] == "global"));
}

#[test]
fn unbind_through_the_tool_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("c")).unwrap();
    let global = GlobalPaths::from_dirs(dir.path().join("c"), dir.path().join("s"));
    let mut a = app();
    super::boot(&mut a, &global);
    let r = call(&mut a, "unbind_key", json!({"key": "ctrl-h"})).unwrap();
    assert!(r.contains("\"saved\":true"), "{r}");
    call(
        &mut a,
        "bind_key",
        json!({"key": "f2", "action": "open_history"}),
    )
    .unwrap();
    let text = std::fs::read_to_string(global.config_toml()).unwrap();
    assert!(text.contains("\"ctrl-h\" = \"unbind\""), "{text}");

    let mut b = app();
    super::boot(&mut b, &global);
    press(&mut b, KeyCode::Char('h'), KeyModifiers::CONTROL);
    assert!(
        !b.history_open(),
        "the removed default stays removed after a restart"
    );
    press(&mut b, KeyCode::F(2), KeyModifiers::NONE);
    assert!(b.history_open());
}

#[test]
fn help_lists_the_focused_context_first_and_filters() {
    let mut a = app();
    key(&mut a, KeyCode::Tab); // agent table
    key(&mut a, KeyCode::Char('?'));
    assert!(a.help);
    let rows = a.help_rows();
    assert_eq!(rows[0].header.as_deref(), Some("table"));
    let global_at = rows
        .iter()
        .position(|r| r.header.as_deref() == Some("global"))
        .unwrap();
    assert!(global_at > 1);
    // A rebinding shows up in help at once.
    call(&mut a, "bind_key", json!({"key": "f7", "action": "zoom"})).unwrap();
    assert!(
        a.help_rows()
            .iter()
            .any(|r| r.keys.contains("f7") && r.action == "zoom")
    );
    typ(&mut a, "history");
    let s = screen(&mut a, 100, 30);
    assert!(s.contains("open_history") && !s.contains("new_tab"), "{s}");
    key(&mut a, KeyCode::Esc);
    assert!(!a.help);
}

#[test]
fn help_overlay_snapshots() {
    let mut a = app();
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Tab); // the feed: `?` is not one of its keys
    key(&mut a, KeyCode::Char('?'));
    assert!(a.help);
    insta::assert_snapshot!("help_160x45", screen(&mut a, 160, 45));
    insta::assert_snapshot!("help_80x24", screen(&mut a, 80, 24));
    typ(&mut a, "tab");
    insta::assert_snapshot!("help_filtered_80x24", screen(&mut a, 80, 24));
}

#[test]
fn command_bar_completion_snapshots() {
    let mut a = app();
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Char(':'));
    typ(&mut a, "tab");
    insta::assert_snapshot!("command_bar_160x45", screen(&mut a, 160, 45));
    insta::assert_snapshot!("command_bar_80x24", screen(&mut a, 80, 24));
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.command.text(), ":new_tab", "Tab completes the best match");
}

#[test]
fn an_unbound_widget_key_never_reaches_the_widget() {
    let mut a = app();
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.focus(), &Focus::Panel("agents".into()));
    let archived = |a: &App| a.ws.table("agents").unwrap().show_archived;
    key(&mut a, KeyCode::Char('A'));
    assert!(archived(&a), "A toggles archived rows by default");
    call(
        &mut a,
        "unbind_key",
        json!({"key": "A", "context": "table"}),
    )
    .unwrap();
    key(&mut a, KeyCode::Char('A'));
    assert!(archived(&a), "unbound: the table no longer sees A");
}

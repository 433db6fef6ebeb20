//! Layout behaviour through the App: tool round trips, atomic apply keeping panel state,
//! tab keys and persistence, spatial focus, resizing (keys and splitter drags), snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::core::agent::{AgentRecord, AgentState};
use crate::core::ids::AgentId;
use crate::core::layout::{LayoutSpec, Node, Workspace};
use crate::engine::EngineEvent;
use crate::store::paths::{GlobalPaths, ProjectPaths};
use crate::ui::app::{App, AppInit, Focus, Intent};
use crate::ui::app_event::AppEvent;
use crate::ui::layout::workspace_state::LayoutStore;
use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

const NOW: f64 = 1_714_572_312.0;

fn rec(id: &str, name: &str, started: f64) -> AgentRecord {
    AgentRecord {
        id: AgentId(id.to_owned()),
        name: name.to_owned(),
        cwd: "/p".into(),
        state: AgentState::Running,
        error: None,
        session_id: None,
        spawn_options: None,
        model: None,
        cost_usd: 0.0,
        tokens_in: 0,
        tokens_out: 0,
        started_at: started,
        ended_at: None,
        last_activity: None,
        archived: false,
        current_tool: None,
    }
}

fn app() -> App {
    App::new(AppInit {
        agents: vec![
            rec("orchestrator", "orchestrator", NOW),
            rec("aaaaaaaaaaaa", "tests", NOW - 20.0),
            rec("bbbbbbbbbbbb", "docs", NOW - 10.0),
        ],
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~/demo".into(),
        bypass: false,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    })
}

fn stored_app() -> (tempfile::TempDir, App, LayoutStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LayoutStore {
        project: ProjectPaths::new(dir.path()),
        global: GlobalPaths::from_dirs(dir.path().join("cfg"), dir.path().join("state")),
    };
    let mut a = app();
    a.set_layout_store(store.clone());
    (dir, a, store)
}

fn key_mod(code: KeyCode, m: KeyModifiers) -> AppEvent {
    AppEvent::Input(Event::Key(KeyEvent::new(code, m)))
}

fn key(code: KeyCode) -> AppEvent {
    key_mod(code, KeyModifiers::NONE)
}

fn ctrl(c: char) -> AppEvent {
    key_mod(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn typ(a: &mut App, s: &str) {
    for c in s.chars() {
        a.handle(key(KeyCode::Char(c)));
    }
}

fn call(a: &mut App, tool: &str, args: Value) -> Result<String, String> {
    let intents = a.handle(AppEvent::Engine(Box::new(EngineEvent::UiCall {
        call_id: 7,
        tool: tool.to_owned(),
        args,
    })));
    match intents.as_slice() {
        [Intent::UiReply { call_id: 7, result }] => result.clone(),
        other => panic!("{other:?}"),
    }
}

fn draw(a: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| a.render(f)).unwrap();
    t
}

fn screen(a: &mut App, w: u16, h: u16) -> String {
    draw(a, w, h).backend().to_string()
}

fn focused(a: &App) -> String {
    match a.focus() {
        Focus::Panel(id) | Focus::CommandBar { back: id } => id.clone(),
    }
}

fn selected(a: &App, panel: &str) -> Option<String> {
    a.ws.table(panel)
        .and_then(|t| t.selected.clone())
        .map(|id| id.0)
}

#[test]
fn every_tool_is_listed_with_a_real_schema() {
    let defs = crate::ui::tools();
    let names: Vec<_> = defs.iter().map(|d| d.name.as_str()).collect();
    for n in [
        "get_layout",
        "set_layout",
        "save_layout",
        "load_layout",
        "list_layouts",
        "list_widgets",
        "add_tab",
        "close_tab",
        "switch_tab",
        "rename_tab",
        "reorder_tabs",
        "list_tabs",
    ] {
        assert!(names.contains(&n), "{n} missing: {names:?}");
    }
    let set = defs.iter().find(|d| d.name == "set_layout").unwrap();
    assert_eq!(set.input_schema["required"], json!(["spec"]));
    let load = defs.iter().find(|d| d.name == "load_layout").unwrap();
    assert_eq!(load.input_schema["required"], json!(["name"]));
    let widgets: Value =
        serde_json::from_str(&call(&mut app(), "list_widgets", json!({})).unwrap()).unwrap();
    let tree = widgets["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "FileTree")
        .unwrap();
    assert_eq!(tree["props_schema"]["required"], json!(["path"]));
    assert_eq!(tree["available"], json!(false));
}

#[test]
fn set_layout_round_trip_keeps_state_of_unchanged_panels() {
    let mut a = app();
    // Select an agent in the table and type into the chat.
    typ(&mut a, "draft");
    a.handle(key(KeyCode::Tab));
    assert_eq!(focused(&a), "agents");
    a.handle(key(KeyCode::Char('j')));
    let sel = selected(&a, "agents");
    assert!(sel.is_some());

    // Same ids and widgets, new arrangement: state survives.
    let spec = json!({"layout": {"type": "vertical", "children": [
        {"id": "agents", "widget": "AgentTable", "size": "30%"},
        {"id": "orch", "widget": "OrchestratorChat"}]}});
    assert_eq!(
        call(&mut a, "set_layout", json!({"spec": spec})),
        Ok("Layout applied.".into())
    );
    assert_eq!(selected(&a, "agents"), sel);
    assert_eq!(
        focused(&a),
        "agents",
        "focus stays on a panel that still exists"
    );
    assert_eq!(a.chat.input.text(), "draft");
    let s = screen(&mut a, 100, 30);
    assert!(!s.contains("Activity"), "feed was dropped:\n{s}");

    // Same id, different widget: fresh state; back again: fresh again.
    let swap = |w: &str| {
        json!({"spec": {"layout": {"type": "horizontal", "children": [
            {"id": "orch", "widget": "OrchestratorChat"}, {"id": "agents", "widget": w}]}}})
    };
    call(&mut a, "set_layout", swap("ActivityFeed")).unwrap();
    assert!(a.ws.table("agents").is_none());
    call(&mut a, "set_layout", swap("AgentTable")).unwrap();
    assert_eq!(selected(&a, "agents"), None);
}

#[test]
fn invalid_set_layout_names_the_path_and_changes_nothing() {
    let mut a = app();
    let before = a.ws.workspace().clone();
    let gen0 = a.ws.generation();
    let bad = json!({"spec": {"layout": {"type": "horizontal", "children": [
        {"id": "orch", "widget": "OrchestratorChat"},
        {"id": "x", "widget": "AgentTable", "size": "120%"}]}}});
    let e = call(&mut a, "set_layout", bad).unwrap_err();
    assert_eq!(
        e,
        "Invalid LayoutSpec: layout.children[1].size: \"120%\" exceeds 100%"
    );
    // Valid alone, but the workspace would lose its only chat.
    let no_chat = json!({"spec": {"layout": {"id": "f", "widget": "ActivityFeed"}}});
    let e = call(&mut a, "set_layout", no_chat).unwrap_err();
    assert!(
        e.starts_with("Apply error: tabs: no tab has an OrchestratorChat"),
        "{e}"
    );
    let e = call(
        &mut a,
        "set_layout",
        json!({"spec": {"layout": {"id": "o", "widget": "OrchestratorChat"}}, "tab_id": "zz"}),
    )
    .unwrap_err();
    assert_eq!(e, "Apply error: Unknown tab_id: zz");
    assert_eq!(a.ws.workspace(), &before);
    assert_eq!(a.ws.generation(), gen0);
}

#[test]
fn get_layout_fills_effective_titles() {
    let mut a = app();
    call(
        &mut a,
        "set_layout",
        json!({"spec": {"layout": {"type": "horizontal", "children": [
        {"id": "orch", "widget": "OrchestratorChat"},
        {"id": "t", "widget": "FileTree", "props": {"path": "src"}}]}}}),
    )
    .unwrap();
    let v: Value = serde_json::from_str(&call(&mut a, "get_layout", json!({})).unwrap()).unwrap();
    assert_eq!(v["tab_id"], "default");
    assert_eq!(v["spec"]["layout"]["children"][0]["title"], "Orchestrator");
    assert_eq!(v["spec"]["layout"]["children"][1]["title"], "Files: src");
    // The placeholder is explicit on screen.
    assert!(screen(&mut a, 100, 20).contains("'FileTree' is not available yet"));
}

#[test]
fn tabs_from_keys_remember_focus_and_refuse_to_lose_the_chat() {
    let mut a = app();
    a.handle(key(KeyCode::Tab)); // focus agents in tab 1
    a.handle(ctrl('t'));
    typ(&mut a, "logs");
    a.handle(key(KeyCode::Enter));
    assert_eq!(a.ws.tabs().len(), 2);
    assert_eq!(a.ws.active_spec(), &LayoutSpec::seed(true));
    assert_eq!(focused(&a), "feed");
    let s = screen(&mut a, 100, 24);
    assert!(
        s.lines().next().unwrap().contains("1:default │ 2:logs"),
        "{s}"
    );

    a.handle(key_mod(KeyCode::Char('1'), KeyModifiers::ALT));
    assert_eq!(a.ws.active_id(), "default");
    assert_eq!(focused(&a), "agents", "tab 1 remembers its focus");
    a.handle(key_mod(KeyCode::PageDown, KeyModifiers::CONTROL));
    assert_eq!(a.ws.tabs()[1].id, a.ws.active_id());

    // Closing the chat tab would leave none: refused, with a toast.
    a.handle(ctrl('1'));
    a.handle(ctrl('w'));
    assert_eq!(a.ws.tabs().len(), 2);
    assert!(screen(&mut a, 100, 24).contains("can't close tab"));
    a.handle(ctrl('2'));
    a.handle(ctrl('w'));
    assert_eq!(a.ws.tabs().len(), 1);
    assert_eq!(focused(&a), "agents");
    // One tab: no strip.
    let s = screen(&mut a, 100, 24);
    assert!(!s.lines().next().unwrap().contains("1:default"), "{s}");
}

#[test]
fn tab_tools_and_persistence_survive_a_relaunch() {
    let (_d, mut a, store) = stored_app();
    let r: Value = serde_json::from_str(
        &call(
            &mut a,
            "add_tab",
            json!({"title": "review", "layout": "default"}),
        )
        .unwrap(),
    )
    .unwrap();
    let id = r["tab_id"].as_str().unwrap().to_owned();
    assert_eq!(r["active"], true);
    assert_eq!(a.ws.active_spec(), &LayoutSpec::dashboard());
    let tabs: Value = serde_json::from_str(&call(&mut a, "list_tabs", json!({})).unwrap()).unwrap();
    assert_eq!(tabs[1]["id"], json!(id));
    assert_eq!(tabs[1]["has_chat"], true);
    assert_eq!(
        call(
            &mut a,
            "rename_tab",
            json!({"tab_id": id, "title": "Review"})
        )
        .map(|s| s.contains("Review")),
        Ok(true)
    );
    let e = call(&mut a, "reorder_tabs", json!({"tab_ids": ["default"]})).unwrap_err();
    assert!(
        e.contains("tab_ids_not_a_permutation") && e.contains("current_ids"),
        "{e}"
    );
    call(&mut a, "reorder_tabs", json!({"tab_ids": [id, "default"]})).unwrap();
    call(&mut a, "switch_tab", json!({"tab_id": "default"})).unwrap();
    let e = call(&mut a, "switch_tab", json!({"tab_id": "nope"})).unwrap_err();
    assert_eq!(e, r#"{"error":"unknown_tab_id","tab_id":"nope"}"#);
    let e = call(
        &mut a,
        "add_tab",
        json!({"title": "x", "layout": {"layout": {"id": "a", "widget": "Nope"}}}),
    )
    .unwrap_err();
    assert!(
        e.contains("invalid layout: layout.layout.widget: unknown widget"),
        "{e}"
    );

    // Relaunch: the file holds what the app shows.
    let (ws, notices) = crate::store::workspace::load_or_seed_workspace(&store.project);
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(&ws, a.ws.workspace());
    assert_eq!(ws.tabs[0].title, "Review");
    assert_eq!(ws.active, "default");

    // Closing the default tab is allowed: the review tab has a chat too.
    let r = call(&mut a, "close_tab", json!({"tab_id": "default"})).unwrap();
    assert_eq!(r, format!(r#"{{"closed":"default","new_active":"{id}"}}"#));
    let e = call(&mut a, "close_tab", json!({"tab_id": id})).unwrap_err();
    assert!(e.contains("would_leave_zero_tabs"), "{e}");
}

#[test]
fn named_layouts_save_list_and_load() {
    let (_d, mut a, store) = stored_app();
    assert_eq!(
        call(&mut a, "list_layouts", json!({})),
        Ok(r#"["default"]"#.into())
    );
    let solo = json!({"layout": {"type": "horizontal", "children": [
        {"id": "orch", "widget": "OrchestratorChat", "size": "70%"},
        {"id": "feed", "widget": "ActivityFeed"}]}});
    assert_eq!(
        call(&mut a, "save_layout", json!({"name": "solo", "spec": solo})),
        Ok("Saved layout 'solo'.".into())
    );
    let e = call(&mut a, "save_layout", json!({"name": "../x"})).unwrap_err();
    assert!(e.starts_with("Invalid layout name:"), "{e}");
    assert_eq!(
        call(&mut a, "list_layouts", json!({})),
        Ok(r#"["default","solo"]"#.into())
    );
    assert_eq!(
        call(&mut a, "load_layout", json!({"name": "solo"})),
        Ok("Loaded layout 'solo'.".into())
    );
    assert_eq!(a.ws.active_spec().panels().len(), 2);
    assert_eq!(
        call(&mut a, "load_layout", json!({"name": "gone"})),
        Err("Layout not found: gone".into())
    );
    let r = call(
        &mut a,
        "load_layout",
        json!({"name": "default", "as_new_tab": true}),
    )
    .unwrap();
    assert!(r.starts_with("Loaded 'default' into new tab "), "{r}");
    assert_eq!(a.ws.tabs().len(), 2);
    assert_eq!(a.ws.tabs()[1].title, "default");
    // Save the current tab from the switcher (^L, type a name, ^S), then apply it with Enter.
    a.handle(ctrl('l'));
    typ(&mut a, "mine");
    a.handle(ctrl('s'));
    assert!(a.lay.overlay.is_none());
    assert_eq!(
        crate::store::layouts::load_layout(&store.global, "mine").unwrap(),
        LayoutSpec::dashboard()
    );
    a.handle(ctrl('1'));
    a.handle(ctrl('l'));
    typ(&mut a, "min");
    a.handle(key(KeyCode::Enter));
    assert_eq!(a.ws.active_spec(), &LayoutSpec::dashboard());
}

#[test]
fn alt_arrows_move_focus_and_ctrl_alt_arrows_resize() {
    let mut a = app();
    screen(&mut a, 160, 45);
    let alt = KeyModifiers::ALT;
    a.handle(key_mod(KeyCode::Right, alt));
    assert_eq!(focused(&a), "feed");
    a.handle(key_mod(KeyCode::Up, alt));
    assert_eq!(focused(&a), "agents");
    a.handle(key_mod(KeyCode::Left, alt));
    assert_eq!(focused(&a), "orch");
    a.handle(key_mod(KeyCode::Right, alt | KeyModifiers::CONTROL));
    let Node::Split(s) = &a.ws.active_spec().layout else {
        panic!()
    };
    assert_eq!(s.children[0].size(), Some("63%"));
    assert_eq!(s.children[1].size(), Some("37%"));
    // The last child grows by pulling its near edge: shift+alt works too.
    screen(&mut a, 160, 45);
    a.handle(key_mod(KeyCode::Right, alt));
    a.handle(key_mod(KeyCode::Up, alt | KeyModifiers::SHIFT));
    a.handle(key_mod(KeyCode::Up, alt | KeyModifiers::SHIFT));
    let Node::Split(s) = &a.ws.active_spec().layout else {
        panic!()
    };
    let Node::Split(right) = &s.children[1] else {
        panic!()
    };
    let top: u16 = right.children[0]
        .size()
        .unwrap()
        .trim_end_matches('%')
        .parse()
        .unwrap();
    // Up shrinks the focused (bottom) panel: the top one grows, twice without a redraw.
    assert!(top > 55, "{right:?}");
    // Zoom shows only the focused panel.
    a.handle(key_mod(KeyCode::Char('z'), alt));
    let s = screen(&mut a, 100, 24);
    assert!(!s.contains("Orchestrator") && s.contains("Activity"), "{s}");
}

fn mouse(kind: MouseEventKind, x: u16, y: u16) -> AppEvent {
    AppEvent::Input(Event::Mouse(MouseEvent {
        kind,
        column: x,
        row: y,
        modifiers: KeyModifiers::NONE,
    }))
}

#[test]
fn dragging_a_splitter_resizes_and_saves_on_release() {
    let (_d, mut a, store) = stored_app();
    screen(&mut a, 160, 45);
    // orch spans columns 0..96: its right border (95) is the splitter.
    a.handle(mouse(MouseEventKind::Down(MouseButton::Left), 95, 10));
    a.handle(mouse(MouseEventKind::Drag(MouseButton::Left), 111, 10));
    let Node::Split(s) = &a.ws.active_spec().layout else {
        panic!()
    };
    assert_eq!(s.children[0].size(), Some("70%"));
    let on_disk = || crate::store::workspace::load_or_seed_workspace(&store.project).0;
    assert_eq!(
        on_disk().tabs[0].layout,
        LayoutSpec::dashboard(),
        "not saved mid-drag"
    );
    a.handle(mouse(MouseEventKind::Up(MouseButton::Left), 111, 10));
    assert_eq!(&on_disk(), a.ws.workspace());
    let s = screen(&mut a, 160, 45);
    assert!(
        s.lines().nth(1).unwrap().chars().nth(112) == Some('│'),
        "{s}"
    );
    // A click inside a panel still focuses it.
    a.handle(mouse(MouseEventKind::Down(MouseButton::Left), 130, 30));
    assert_eq!(focused(&a), "feed");
}

#[test]
fn clicking_the_tab_strip_switches() {
    let mut a = app();
    call(
        &mut a,
        "add_tab",
        json!({"title": "two", "activate": false}),
    )
    .unwrap();
    assert_eq!(a.ws.active_id(), "default");
    screen(&mut a, 100, 24);
    // " 1:default " is 11 cells, then "│", then " 2:two ".
    a.handle(mouse(MouseEventKind::Down(MouseButton::Left), 14, 0));
    assert_ne!(a.ws.active_id(), "default");
}

#[test]
fn two_tab_workspace_snapshot() {
    let mut a = app();
    call(
        &mut a,
        "add_tab",
        json!({"title": "agents", "layout": {"layout": {"type": "vertical", "children": [
        {"id": "t", "widget": "AgentTable", "size": "40%"},
        {"id": "f", "widget": "ActivityFeed"}]}}}),
    )
    .unwrap();
    insta::assert_snapshot!(draw(&mut a, 100, 24).backend());
}

#[test]
fn switcher_snapshot() {
    let (_d, mut a, store) = stored_app();
    crate::store::layouts::save_layout(
        &store.global,
        "review",
        &crate::core::layout::parse_spec(&json!({"layout": {"type": "horizontal", "children": [
            {"id": "orch", "widget": "OrchestratorChat", "size": "40%"},
            {"type": "vertical", "children": [
                {"id": "tree", "widget": "FileTree", "props": {"path": "."}, "size": "30%"},
                {"id": "diff", "widget": "DiffViewer"}]}]}}))
        .unwrap(),
    )
    .unwrap();
    a.handle(ctrl('l'));
    typ(&mut a, "rev");
    insta::assert_snapshot!(draw(&mut a, 100, 30).backend());
}

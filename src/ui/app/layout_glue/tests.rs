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
    AgentRecord::new(
        AgentId(id.to_owned()),
        name,
        "/p",
        AgentState::Running,
        started,
    )
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
    // Other intents may ride along (a new transcript panel asks for its transcript).
    match intents.iter().find_map(|i| match i {
        Intent::UiReply { call_id: 7, result } => Some(result.clone()),
        _ => None,
    }) {
        Some(r) => r,
        None => panic!("{intents:?}"),
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
    assert_eq!(tree["props_schema"]["required"], json!([]));
    assert_eq!(tree["available"], json!(true));
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
        {"id": "m", "widget": "Markdown", "props": {"text": "# Notes\n\nhello from markdown"}}]}}}),
    )
    .unwrap();
    let v: Value = serde_json::from_str(&call(&mut a, "get_layout", json!({})).unwrap()).unwrap();
    assert_eq!(v["tab_id"], "default");
    assert_eq!(v["spec"]["layout"]["children"][0]["title"], "Orchestrator");
    assert_eq!(v["spec"]["layout"]["children"][1]["title"], "Markdown");
    assert!(screen(&mut a, 100, 20).contains(" Markdown "));
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
        Ok(r#"["agents","dashboard","default","grid","review"]"#.into())
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
        Ok(r#"["agents","dashboard","default","grid","review","solo"]"#.into())
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
    let (_d, mut a, _store) = stored_app();
    a.handle(ctrl('l'));
    typ(&mut a, "rev");
    insta::assert_snapshot!(draw(&mut a, 100, 30).backend());
}

// ------------------------------------------------------------------ built-in layouts

#[test]
fn builtins_are_listed_loadable_and_overridable_but_not_deletable() {
    // Without a config dir too.
    let mut a = app();
    assert_eq!(
        call(&mut a, "list_layouts", json!({})),
        Ok(r#"["agents","dashboard","grid","review"]"#.into())
    );
    assert_eq!(
        call(&mut a, "load_layout", json!({"name": "dashboard"})),
        Ok("Loaded layout 'dashboard'.".into())
    );
    // The grid and the review have no chat: into the only tab they are refused, as a new tab
    // they work.
    let e = call(&mut a, "load_layout", json!({"name": "grid"})).unwrap_err();
    assert!(e.contains("no tab has an OrchestratorChat"), "{e}");
    let e = call(&mut a, "load_layout", json!({"name": "review"})).unwrap_err();
    assert!(e.contains("no tab has an OrchestratorChat"), "{e}");
    let r = call(
        &mut a,
        "load_layout",
        json!({"name": "review", "as_new_tab": true}),
    )
    .unwrap();
    assert!(r.starts_with("Loaded 'review' into new tab"), "{r}");
    let widgets: Vec<String> =
        a.ws.active_spec()
            .panels()
            .iter()
            .map(|p| p.widget.clone())
            .collect();
    assert_eq!(widgets, ["AgentTable", "DiffViewer", "AgentTranscript"]);
    a.handle(ctrl('1'));
    let r = call(
        &mut a,
        "load_layout",
        json!({"name": "grid", "as_new_tab": true}),
    )
    .unwrap();
    assert!(r.starts_with("Loaded 'grid' into new tab"), "{r}");
    assert_eq!(a.ws.active_spec().panels().len(), 4);
    let r: Value = serde_json::from_str(
        &call(&mut a, "add_tab", json!({"title": "a", "layout": "agents"})).unwrap(),
    )
    .unwrap();
    assert_eq!(r["active"], true);

    // A user layout of the same name wins; deleting it in the switcher brings the built-in back.
    let (_d, mut a, store) = stored_app();
    let mine = json!({"layout": {"type": "horizontal", "children": [
        {"id": "orch", "widget": "OrchestratorChat"}, {"id": "feed", "widget": "ActivityFeed"}]}});
    call(
        &mut a,
        "save_layout",
        json!({"name": "review", "spec": mine}),
    )
    .unwrap();
    call(&mut a, "load_layout", json!({"name": "review"})).unwrap();
    assert_eq!(a.ws.active_spec().panels()[1].widget, "ActivityFeed");
    a.handle(ctrl('l'));
    typ(&mut a, "review");
    assert!(screen(&mut a, 120, 30).contains("yours (overrides built-in)"));
    a.handle(ctrl('d'));
    let s = screen(&mut a, 120, 30);
    assert!(
        s.lines()
            .any(|l| l.contains("▸ review") && l.contains("built-in") && !l.contains("yours")),
        "the built-in is listed again:\n{s}"
    );
    a.handle(ctrl('d'));
    a.handle(key(KeyCode::Esc));
    let s = screen(&mut a, 120, 30);
    assert!(s.contains("cannot be deleted"), "{s}");
    assert!(matches!(
        crate::store::layouts::load_layout(&store.global, "review"),
        Err(crate::store::layouts::LayoutLoadError::NotFound(_))
    ));
    call(
        &mut a,
        "load_layout",
        json!({"name": "review", "as_new_tab": true}),
    )
    .unwrap();
    assert_eq!(a.ws.active_spec().panels()[1].widget, "DiffViewer");
}

#[test]
fn switcher_filters_fuzzily_previews_and_applies_or_opens_a_tab() {
    let mut a = app();
    a.handle(ctrl('l'));
    typ(&mut a, "grd");
    let hl = |a: &App| match &a.lay.overlay {
        Some(super::LayoutOverlay::Switcher(sw)) => sw.highlighted_name().map(str::to_owned),
        _ => None,
    };
    assert_eq!(hl(&a).as_deref(), Some("grid"));
    let s = screen(&mut a, 120, 34);
    // The preview outlines the four transcripts with their widget names.
    assert_eq!(s.matches("AgentTranscript").count(), 4, "{s}");
    assert!(s.contains("t1 · Agent 1"), "{s}");
    // Enter into the only tab: refused with a hint, nothing changes.
    a.handle(key(KeyCode::Enter));
    assert_eq!(a.ws.active_spec(), &LayoutSpec::dashboard());
    assert!(screen(&mut a, 160, 45).contains("use ^T to open it as a new tab"));
    // ^T opens it as a new tab named after the layout.
    a.handle(ctrl('l'));
    typ(&mut a, "grid");
    a.handle(ctrl('t'));
    assert_eq!(a.ws.tabs().len(), 2);
    assert_eq!(a.ws.tabs()[1].title, "grid");
    assert_eq!(focused(&a), "t1");
    // Back on tab 1, arrows move the highlight; the tab's own layout is highlighted first.
    a.handle(ctrl('1'));
    a.handle(ctrl('l'));
    assert_eq!(hl(&a).as_deref(), Some("agents"));
    a.handle(key(KeyCode::Down));
    a.handle(key(KeyCode::Down));
    a.handle(key(KeyCode::Down));
    a.handle(key(KeyCode::Down));
    assert_eq!(hl(&a).as_deref(), Some("review"));
    a.handle(key(KeyCode::Up));
    a.handle(key(KeyCode::Up));
    assert_eq!(hl(&a).as_deref(), Some("dashboard"));
    a.handle(key(KeyCode::Enter));
    assert!(a.lay.overlay.is_none());
    assert_eq!(a.ws.active_spec().panels()[0].widget, "OrchestratorChat");
    assert_eq!(a.ws.layout_name(a.ws.active_id()), Some("dashboard"));
    // Reopened, the current layout is highlighted.
    a.handle(ctrl('l'));
    assert_eq!(hl(&a).as_deref(), Some("dashboard"));
}

fn with_builtin(name: &str) -> App {
    let mut a = app();
    let spec = crate::store::layouts::load_builtin(name).unwrap();
    if spec.has_chat() {
        call(&mut a, "load_layout", json!({"name": name})).unwrap();
    } else {
        call(
            &mut a,
            "load_layout",
            json!({"name": name, "as_new_tab": true}),
        )
        .unwrap();
    }
    a
}

#[test]
fn dashboard_layout_snapshots() {
    let mut a = with_builtin("dashboard");
    insta::assert_snapshot!("dashboard_160x45", draw(&mut a, 160, 45).backend());
    insta::assert_snapshot!("dashboard_80x24", draw(&mut a, 80, 24).backend());
}

#[test]
fn review_layout_snapshots() {
    let mut a = with_builtin("review");
    insta::assert_snapshot!("review_160x45", draw(&mut a, 160, 45).backend());
    insta::assert_snapshot!("review_80x24", draw(&mut a, 80, 24).backend());
}

#[test]
fn grid_layout_snapshots() {
    let mut a = with_builtin("grid");
    insta::assert_snapshot!("grid_160x45", draw(&mut a, 160, 45).backend());
    insta::assert_snapshot!("grid_80x24", draw(&mut a, 80, 24).backend());
}

#[test]
fn agents_layout_snapshots() {
    let mut a = with_builtin("agents");
    insta::assert_snapshot!("agents_160x45", draw(&mut a, 160, 45).backend());
    insta::assert_snapshot!("agents_80x24", draw(&mut a, 80, 24).backend());
}

#[test]
fn zoom_snapshot() {
    let mut a = app();
    a.handle(key(KeyCode::Tab)); // the agent table
    a.handle(key_mod(KeyCode::Char('z'), KeyModifiers::ALT));
    insta::assert_snapshot!("zoom_80x24", draw(&mut a, 80, 24).backend());
    a.handle(key_mod(KeyCode::Char('z'), KeyModifiers::ALT));
    assert!(screen(&mut a, 80, 24).contains("Orchestrator"));
}

#[test]
fn tab_strip_snapshot() {
    let mut a = app();
    for t in ["logs", "review"] {
        call(&mut a, "add_tab", json!({"title": t, "activate": false})).unwrap();
    }
    let id = a.ws.tabs()[2].id.clone();
    call(&mut a, "switch_tab", json!({"tab_id": id})).unwrap();
    insta::assert_snapshot!("tab_strip_80x24", draw(&mut a, 80, 24).backend());
}

#[test]
fn switcher_preview_snapshot() {
    let mut a = app();
    a.handle(ctrl('l'));
    typ(&mut a, "ag");
    insta::assert_snapshot!("switcher_preview_160x45", draw(&mut a, 160, 45).backend());
    insta::assert_snapshot!("switcher_preview_80x24", draw(&mut a, 80, 24).backend());
}

// ------------------------------------------------------------------ mouse

#[test]
fn dragging_a_tab_reorders_and_saves() {
    let (_d, mut a, store) = stored_app();
    for t in ["two", "three"] {
        call(&mut a, "add_tab", json!({"title": t, "activate": false})).unwrap();
    }
    let titles = |a: &App| -> Vec<String> { a.ws.tabs().iter().map(|t| t.title.clone()).collect() };
    screen(&mut a, 100, 24);
    // " 1:default " 0..11 │ " 2:two " 12..19 │ " 3:three " 20..29
    a.handle(mouse(MouseEventKind::Down(MouseButton::Left), 3, 0));
    a.handle(mouse(MouseEventKind::Drag(MouseButton::Left), 14, 0));
    assert_eq!(titles(&a), ["two", "default", "three"]);
    // Still over its own (moved) label: no further change, no back-and-forth.
    a.handle(mouse(MouseEventKind::Drag(MouseButton::Left), 15, 0));
    assert_eq!(titles(&a), ["two", "default", "three"]);
    a.handle(mouse(MouseEventKind::Drag(MouseButton::Left), 24, 0));
    assert_eq!(titles(&a), ["two", "three", "default"]);
    a.handle(mouse(MouseEventKind::Up(MouseButton::Left), 24, 0));
    assert_eq!(a.ws.active_id(), "default");
    let (ws, _) = crate::store::workspace::load_or_seed_workspace(&store.project);
    let saved: Vec<String> = ws.tabs.iter().map(|t| t.title.clone()).collect();
    assert_eq!(saved, ["two", "three", "default"]);
    let s = screen(&mut a, 100, 24);
    assert!(
        s.lines()
            .next()
            .unwrap()
            .contains("1:two │ 2:three │ 3:default"),
        "{s}"
    );
    // A later drag without a press on a tab does nothing to the tabs.
    a.handle(mouse(MouseEventKind::Drag(MouseButton::Left), 3, 0));
    assert_eq!(titles(&a), ["two", "three", "default"]);
}

#[test]
fn hovering_a_splitter_highlights_it_and_redraws_only_on_change() {
    let mut a = app();
    let t = draw(&mut a, 160, 45);
    let plain = t.backend().buffer()[(95, 10)].style();
    a.take_dirty();
    // orch's right border (95) is the splitter.
    a.handle(mouse(MouseEventKind::Moved, 95, 10));
    assert!(a.take_dirty(), "entering a splitter redraws");
    let t = draw(&mut a, 160, 45);
    let hot = a.theme.selection.bg;
    assert_ne!(plain.bg, hot);
    assert_eq!(t.backend().buffer()[(95, 10)].style().bg, hot);
    assert_eq!(t.backend().buffer()[(96, 30)].style().bg, hot);
    a.take_dirty();
    a.handle(mouse(MouseEventKind::Moved, 95, 30));
    assert!(!a.take_dirty(), "same splitter: no redraw");
    a.handle(mouse(MouseEventKind::Moved, 40, 20));
    assert!(a.take_dirty(), "leaving it redraws");
    a.handle(mouse(MouseEventKind::Moved, 41, 20));
    assert!(!a.take_dirty(), "moving inside a panel: no redraw");
    let t = draw(&mut a, 160, 45);
    assert_eq!(t.backend().buffer()[(95, 10)].style().bg, plain.bg);
    // The right column's horizontal splitter (agents' bottom border, row 20).
    a.handle(mouse(MouseEventKind::Moved, 120, 20));
    assert!(a.take_dirty());
    let t = draw(&mut a, 160, 45);
    assert_eq!(t.backend().buffer()[(120, 20)].style().bg, hot);
    assert_eq!(t.backend().buffer()[(120, 21)].style().bg, hot);
    assert_eq!(t.backend().buffer()[(80, 20)].style().bg, plain.bg);
}

// ------------------------------------------------------------------ Command panels

fn command_layout(panels: &[(&str, &str)]) -> Value {
    let mut children = vec![json!({"id": "orch", "widget": "OrchestratorChat", "size": "40%"})];
    for (id, cmd) in panels {
        children.push(json!({"id": id, "widget": "Command", "props": {"cmd": cmd}}));
    }
    json!({"spec": {"layout": {"type": "horizontal", "children": children}}})
}

/// Feed the runner's events to the App until `panel` reports a finished run.
async fn until_finished(
    a: &mut App,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<AppEvent>,
    panel: &str,
) {
    use crate::ui::sources::command::CommandEventKind;
    loop {
        let ev = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
            .await
            .expect("no command event")
            .expect("channel closed");
        let done = matches!(&ev, AppEvent::Command(c)
            if c.key.1 == panel && matches!(c.kind, CommandEventKind::Finished(_)));
        a.handle(ev);
        a.sync_command_sources();
        if done {
            return;
        }
    }
}

#[tokio::test]
async fn command_panel_runs_shows_colours_and_status_reruns_and_dies_with_its_panel() {
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut a = app();
    a.set_command_runner(tx, dir.path().to_path_buf());
    call(
        &mut a,
        "set_layout",
        command_layout(&[
            (
                "out",
                r"printf '\033[32mgreen\033[0m plain\n'; echo run >> runs",
            ),
            ("long", "sleep 60 & echo $! > long.pid; wait"),
        ]),
    )
    .unwrap();
    a.sync_command_sources();
    until_finished(&mut a, &mut rx, "out").await;
    let t = draw(&mut a, 160, 20);
    let s = t.backend().to_string();
    assert!(s.contains("green plain"), "{s}");
    assert!(s.contains("$ printf"), "title from the cmd: {s}");
    assert!(s.contains("✓ 0 ·"), "status in the title: {s}");
    assert!(s.contains("⟳ running"), "the long one is running: {s}");
    let row = s.lines().position(|l| l.contains("green plain")).unwrap() as u16;
    let line = s.lines().nth(usize::from(row)).unwrap();
    // Each snapshot line starts with a quote.
    let x = line[..line.find("green plain").unwrap()].chars().count() as u16 - 1;
    assert_eq!(
        t.backend().buffer()[(x, row)].style().fg,
        Some(ratatui::style::Color::Green)
    );
    // `r` on the focused panel runs it again.
    a.focus = Focus::Panel("out".into());
    a.handle(key(KeyCode::Char('r')));
    until_finished(&mut a, &mut rx, "out").await;
    let runs = std::fs::read_to_string(dir.path().join("runs")).unwrap();
    assert_eq!(runs.lines().count(), 2);
    // The long run's process dies when its panel goes.
    let pid_file = dir.path().join("long.pid");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let pid: i32 = loop {
        if let Some(p) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse().ok())
        {
            break p;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "long run never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let alive = |pid: i32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .map(|(_, r)| r.trim_start().starts_with(['Z', 'X']))
            })
            .is_some_and(|zombie| !zombie)
    };
    assert!(alive(pid));
    call(&mut a, "set_layout", command_layout(&[("out", "echo new")])).unwrap();
    a.sync_command_sources();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while alive(pid) {
        assert!(
            std::time::Instant::now() < deadline,
            "the removed panel's process survived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // The changed command replaced the old task: its output shows.
    until_finished(&mut a, &mut rx, "out").await;
    assert!(screen(&mut a, 160, 20).contains("new"));
}

#[test]
fn command_output_scrolls_and_stale_runs_are_ignored() {
    use crate::ui::sources::command::{CommandEvent, CommandEventKind, RunResult, RunStatus};
    let mut a = app();
    call(&mut a, "set_layout", command_layout(&[("c", "seq 100")])).unwrap();
    a.focus = Focus::Panel("c".into());
    let finished = |output: String, status: RunStatus| {
        AppEvent::Command(Box::new(CommandEvent {
            key: ("default".into(), "c".into()),
            generation: 1,
            kind: CommandEventKind::Finished(RunResult {
                output,
                status,
                started_at: NOW,
                duration: std::time::Duration::from_millis(300),
            }),
        }))
    };
    let output: String = (1..=100).map(|i| format!("line {i}\n")).collect();
    a.handle(finished(output, RunStatus::Exited(2)));
    let s = screen(&mut a, 100, 20);
    assert!(s.contains("line 1 ") && !s.contains("line 50"), "{s}");
    assert!(s.contains("✗ exit 2 · 14:05:12 · 0.3s"), "{s}");
    a.handle(key(KeyCode::Char('G')));
    let s = screen(&mut a, 100, 20);
    assert!(s.contains("line 100") && !s.contains("line 1 "), "{s}");
    a.handle(key(KeyCode::Char('g')));
    a.handle(key(KeyCode::Char('j')));
    let s = screen(&mut a, 100, 20);
    assert!(s.contains("line 2 ") && !s.contains("line 1 "), "{s}");
    // The wheel scrolls too.
    a.handle(mouse(MouseEventKind::ScrollDown, 70, 5));
    assert!(screen(&mut a, 100, 20).contains("line 5 "));
    // `r` without a runner is harmless; the placeholder text says why nothing runs.
    a.handle(key(KeyCode::Char('r')));
    call(&mut a, "set_layout", command_layout(&[("d", "true")])).unwrap();
    assert!(screen(&mut a, 100, 20).contains("commands do not run in this session"));
}

#[test]
fn command_panel_snapshot() {
    use crate::ui::sources::command::{CommandEvent, CommandEventKind, RunResult, RunStatus};
    let mut a = app();
    call(
        &mut a,
        "set_layout",
        command_layout(&[("log", "git log --graph --oneline --color=always")]),
    )
    .unwrap();
    let output = "* \x1b[33m1a2b3c4\x1b[m \x1b[1;32mlayouts: built-ins\x1b[m\n\
                  * \x1b[33m5d6e7f8\x1b[m Command widget\n\
                  |\\\n| * \x1b[33m9a8b7c6\x1b[m\x1b]8;;http://x\x1b\\ ansi parser\x1b]8;;\x1b\\\n\
                  |/\n* \x1b[33m0f1e2d3\x1b[m first\n";
    a.handle(AppEvent::Command(Box::new(CommandEvent {
        key: ("default".into(), "log".into()),
        generation: 1,
        kind: CommandEventKind::Finished(RunResult {
            output: output.into(),
            status: RunStatus::Exited(0),
            started_at: NOW,
            duration: std::time::Duration::from_millis(40),
        }),
    })));
    insta::assert_snapshot!("command_80x24", draw(&mut a, 80, 24).backend());
}

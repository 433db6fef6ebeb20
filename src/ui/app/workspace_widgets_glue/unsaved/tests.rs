//! Every path that removes a FileEditor asks first when it has unsaved changes: the
//! orchestrator's set_layout / load_layout / close_tab are refused with a precise error, the
//! keyboard's close, reset, switcher and project switch warn once and go ahead when repeated.

use super::super::WsPanel;
use crate::core::layout::Workspace;
use crate::engine::EngineEvent;
use crate::ui::app::{App, AppInit, Intent};
use crate::ui::app_event::AppEvent;
use crate::ui::layout::workspace_state::PanelState;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

const ED: &str = r#"panel "ed" has unsaved changes in src/x.rs; save it or ask the user"#;

fn editor_panel() -> Value {
    json!({"id": "ed", "widget": "FileEditor", "props": {"path": "src/x.rs"}})
}

/// An app whose second tab ("W", active) holds the chat and an editor of src/x.rs with
/// unsaved changes.
fn app(dir: &std::path::Path) -> (App, UnboundedReceiver<AppEvent>, String) {
    let (tx, rx) = unbounded_channel();
    let mut a = App::new(AppInit {
        agents: Vec::new(),
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~/demo".into(),
        bypass: false,
        now: 1_714_572_312.0,
        tz: jiff::tz::TimeZone::UTC,
    });
    a.set_workspace_runner(tx, dir.to_path_buf(), None);
    let r = call(
        &mut a,
        "add_tab",
        json!({"title": "W", "layout": {"layout": {"type": "horizontal", "children": [
            {"id": "chat2", "widget": "OrchestratorChat"},
            editor_panel(),
        ]}}}),
    );
    assert!(r.is_ok(), "{r:?}");
    a.sync_workspace_widgets();
    let tab = a.ws.active_id().to_owned();
    let e = editor(&mut a, &tab);
    e.view.loaded(Ok("fn main() {}".into()));
    e.view.paste("// mine\n");
    assert!(e.view.dirty());
    (a, rx, tab)
}

fn editor<'a>(a: &'a mut App, tab: &str) -> &'a mut super::super::EditorPanel {
    match a.ws.panel_state_mut(tab, "ed") {
        Some(PanelState::Workspace(s)) => match s.panel.as_mut() {
            Some(WsPanel::Editor(e)) => e,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

fn still_dirty(a: &mut App, tab: &str) -> bool {
    editor(a, tab).view.dirty()
}

fn call(a: &mut App, tool: &str, args: Value) -> Result<String, String> {
    let intents = a.handle(AppEvent::Engine(Box::new(EngineEvent::UiCall {
        call_id: 7,
        tool: tool.into(),
        args,
    })));
    a.sync_workspace_widgets();
    intents
        .into_iter()
        .find_map(|i| match i {
            Intent::UiReply { result, .. } => Some(result),
            _ => None,
        })
        .expect("a reply")
}

fn key(a: &mut App, code: KeyCode, m: KeyModifiers) -> Vec<Intent> {
    let i = a.handle(AppEvent::Input(Event::Key(KeyEvent::new(code, m))));
    a.sync_workspace_widgets();
    i
}

fn last_toast(a: &App) -> String {
    a.toasts.back().map(|t| t.text.clone()).unwrap_or_default()
}

fn has_tab(a: &App, tab: &str) -> bool {
    a.ws.tabs().iter().any(|t| t.id == tab)
}

#[test]
fn orchestrator_set_layout_is_refused_unless_the_spec_keeps_the_editor() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _rx, tab) = app(dir.path());
    let without = json!({"layout": {"id": "chat2", "widget": "OrchestratorChat"}});
    let r = call(
        &mut a,
        "set_layout",
        json!({"tab_id": tab, "spec": without}),
    );
    let e = r.expect_err("refused");
    assert!(e.starts_with(ED), "{e}");
    assert!(still_dirty(&mut a, &tab));
    // Without tab_id the active tab is meant (it is W).
    let r = call(&mut a, "set_layout", json!({"spec": without}));
    assert!(r.is_err());
    // The same panel with other props would start afresh: refused too.
    let moved = json!({"layout": {"type": "horizontal", "children": [
        {"id": "chat2", "widget": "OrchestratorChat"},
        {"id": "ed", "widget": "FileEditor", "props": {"path": "src/y.rs"}},
    ]}});
    assert!(call(&mut a, "set_layout", json!({"spec": moved})).is_err());
    // Keeping it (and adding a panel) is fine, and the buffer survives.
    let keep = json!({"layout": {"type": "vertical", "children": [
        {"type": "horizontal", "children": [
            {"id": "chat2", "widget": "OrchestratorChat"},
            editor_panel(),
        ]},
        {"id": "usage", "widget": "SystemUsage"},
    ]}});
    let r = call(&mut a, "set_layout", json!({"spec": keep}));
    assert!(r.is_ok(), "{r:?}");
    assert!(still_dirty(&mut a, &tab));
    assert!(editor(&mut a, &tab).view.text().contains("// mine"));
    // Once saved (disk text = buffer), replacing is allowed.
    let text = editor(&mut a, &tab).view.text();
    editor(&mut a, &tab).view.saved(Ok(()), Some(text));
    let r = call(&mut a, "set_layout", json!({"spec": without}));
    assert!(r.is_ok(), "{r:?}");
}

#[test]
fn orchestrator_load_layout_and_close_tab_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _rx, tab) = app(dir.path());
    let e = call(&mut a, "load_layout", json!({"name": "dashboard"})).expect_err("refused");
    assert!(e.starts_with(ED), "{e}");
    assert!(still_dirty(&mut a, &tab));
    // Into a new tab nothing is dropped.
    let r = call(
        &mut a,
        "load_layout",
        json!({"name": "dashboard", "as_new_tab": true}),
    );
    assert!(r.is_ok(), "{r:?}");
    // W is no longer active: closing it is still checked.
    assert_ne!(a.ws.active_id(), tab);
    let e = call(&mut a, "close_tab", json!({"tab_id": tab})).expect_err("refused");
    assert!(e.starts_with(ED), "{e}");
    assert!(has_tab(&a, &tab));
}

#[test]
fn ctrl_w_and_reset_layout_warn_once_then_go_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _rx, tab) = app(dir.path());
    // Reset (ctrl-shift-r) would replace W's layout with the default one.
    key(
        &mut a,
        KeyCode::Char('r'),
        KeyModifiers::CONTROL | KeyModifiers::SHIFT,
    );
    assert!(
        last_toast(&a).contains("unsaved changes in ed (src/x.rs)"),
        "{}",
        last_toast(&a)
    );
    assert!(a.ws.active_spec().panels().iter().any(|p| p.id == "ed"));
    // ^W now is another operation: warned on its own first.
    key(&mut a, KeyCode::Char('w'), KeyModifiers::CONTROL);
    assert!(has_tab(&a, &tab), "first ^W only warns");
    assert!(
        last_toast(&a).contains("close it again"),
        "{}",
        last_toast(&a)
    );
    key(&mut a, KeyCode::Char('w'), KeyModifiers::CONTROL);
    assert!(!has_tab(&a, &tab), "second ^W closes");
}

#[test]
fn reset_layout_goes_ahead_when_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _rx, _tab) = app(dir.path());
    let reset = |a: &mut App| {
        key(
            a,
            KeyCode::Char('r'),
            KeyModifiers::CONTROL | KeyModifiers::SHIFT,
        )
    };
    reset(&mut a);
    assert!(a.ws.active_spec().panels().iter().any(|p| p.id == "ed"));
    reset(&mut a);
    assert!(
        !a.ws.active_spec().panels().iter().any(|p| p.id == "ed"),
        "the second reset applies"
    );
}

#[test]
fn layout_switcher_keeps_open_after_the_warning_and_applies_on_second_enter() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _rx, _tab) = app(dir.path());
    key(&mut a, KeyCode::Char('l'), KeyModifiers::CONTROL);
    assert!(a.lay.overlay.is_some(), "switcher open");
    key(&mut a, KeyCode::Enter, KeyModifiers::NONE);
    assert!(a.lay.overlay.is_some(), "still open after the warning");
    assert!(
        last_toast(&a).contains("apply it again"),
        "{}",
        last_toast(&a)
    );
    assert!(a.ws.active_spec().panels().iter().any(|p| p.id == "ed"));
    key(&mut a, KeyCode::Enter, KeyModifiers::NONE);
    assert!(a.lay.overlay.is_none());
    assert!(
        !a.ws.active_spec().panels().iter().any(|p| p.id == "ed"),
        "applied"
    );
}

#[test]
fn project_switch_warns_once_about_unsaved_editors_in_any_tab() {
    let dir = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    let (mut a, _rx, _tab) = app(dir.path());
    // The editor's tab need not be the active one.
    key(&mut a, KeyCode::Char('1'), KeyModifiers::ALT);
    let target = other.path().display().to_string();
    let reroots = |i: &[Intent]| i.iter().any(|i| matches!(i, Intent::Cwd(_)));
    let first = a.request_cwd(&target);
    assert!(!reroots(&first), "{first:?}");
    assert!(
        last_toast(&a).contains("switch again"),
        "{}",
        last_toast(&a)
    );
    let second = a.request_cwd(&target);
    assert!(reroots(&second), "{second:?}");
}

//! `open_in_editor` (alt-o): the intent names the focused panel's file, unsaved buffers are
//! refused, the editor command resolves $VISUAL → $EDITOR → vi, and the panel reloads after.

use super::{ExternalEdit, editor_command};
use crate::core::layout::Workspace;
use crate::engine::EngineEvent;
use crate::ui::app::workspace_widgets_glue::WsPanel;
use crate::ui::app::{App, AppInit, Focus, Intent};
use crate::ui::app_event::AppEvent;
use crate::ui::layout::workspace_state::PanelState;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

#[test]
fn the_editor_command_is_visual_then_editor_then_vi() {
    assert_eq!(editor_command(Some("nvim"), Some("nano")), ["nvim"]);
    assert_eq!(editor_command(None, Some("code -w")), ["code", "-w"]);
    assert_eq!(
        editor_command(Some("  "), Some("nano")),
        ["nano"],
        "empty skipped"
    );
    assert_eq!(editor_command(Some(""), Some("")), ["vi"]);
    assert_eq!(editor_command(None, None), ["vi"]);
}

fn app(dir: &std::path::Path) -> App {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let mut a = App::new(AppInit {
        agents: Vec::new(),
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~/demo".into(),
        bypass: false,
        now: 1.0,
        tz: jiff::tz::TimeZone::UTC,
    });
    a.set_files_runner(tx.clone(), dir.to_path_buf());
    a.set_workspace_runner(tx, dir.to_path_buf(), None);
    a.handle(AppEvent::Engine(Box::new(EngineEvent::UiCall {
        call_id: 1,
        tool: "add_tab".into(),
        args: json!({"title": "W", "layout": {"layout": {"type": "horizontal", "children": [
            {"id": "chat2", "widget": "OrchestratorChat"},
            {"id": "ed", "widget": "FileEditor", "props": {"path": "src/x.rs"}},
            {"id": "view", "widget": "FileViewer", "props": {"path": "README.md"}},
        ]}}}),
    })));
    a.sync_file_sources();
    a.sync_workspace_widgets();
    a
}

fn alt_o(a: &mut App) -> Vec<Intent> {
    a.handle(AppEvent::Input(Event::Key(KeyEvent::new(
        KeyCode::Char('o'),
        KeyModifiers::ALT,
    ))))
}

fn editor(a: &mut App) -> &mut super::super::EditorPanel {
    let tab = a.ws.active_id().to_owned();
    match a.ws.panel_state_mut(&tab, "ed") {
        Some(PanelState::Workspace(s)) => match s.panel.as_mut() {
            Some(WsPanel::Editor(e)) => e,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn alt_o_asks_the_loop_to_open_the_focused_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path());
    let tab = a.ws.active_id().to_owned();
    editor(&mut a).view.loaded(Ok("fn main() {}".into()));
    a.focus = Focus::Panel("ed".into());
    let want = ExternalEdit {
        path: dir.path().join("src/x.rs"),
        tab: tab.clone(),
        panel: "ed".into(),
    };
    assert_eq!(alt_o(&mut a), [Intent::ExternalEdit(want.clone())]);
    // The viewer's file too.
    a.focus = Focus::Panel("view".into());
    assert_eq!(
        alt_o(&mut a),
        [Intent::ExternalEdit(ExternalEdit {
            path: dir.path().join("README.md"),
            tab: tab.clone(),
            panel: "view".into(),
        })]
    );
    // Not a file panel: a hint, no intent.
    a.focus = Focus::Panel("chat2".into());
    assert!(alt_o(&mut a).is_empty());
    // Unsaved changes are not handed over.
    a.focus = Focus::Panel("ed".into());
    editor(&mut a).view.paste("x");
    assert!(alt_o(&mut a).is_empty());
    assert!(
        a.toasts.back().unwrap().text.contains("save with ^S first"),
        "{:?}",
        a.toasts.back()
    );
    // Back from the editor: the panel reads its file again (a fresh worker).
    editor(&mut a)
        .view
        .saved(Ok(()), Some("fn main() {}x".into()));
    let before = editor(&mut a).generation;
    a.external_edit_done(&want, Err("vi exited with 1".into()));
    assert_ne!(editor(&mut a).generation, before, "reloading");
    assert!(a.toasts.back().unwrap().text.contains("vi exited with 1"));
}

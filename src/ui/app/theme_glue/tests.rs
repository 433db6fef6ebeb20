//! Themes through the App: boot resolution, the switcher (live preview, Esc restores, Enter
//! saves at the chosen scope), the project theme surviving layout changes, the theme tools,
//! and dashboard snapshots (text plus colour runs) under every built-in theme.

use crate::core::agent::{AgentRecord, AgentState};
use crate::core::ids::AgentId;
use crate::core::layout::Workspace;
use crate::core::theme::{BUILTIN_THEMES, ColourDepth, ThemeScope};
use crate::engine::EngineEvent;
use crate::store::paths::{GlobalPaths, ProjectPaths};
use crate::ui::app::{App, AppInit, Intent};
use crate::ui::app_event::AppEvent;
use crate::ui::layout::workspace_state::LayoutStore;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use serde_json::{Value, json};

const NOW: f64 = 1_714_572_312.0;

fn rec(id: &str, name: &str, state: AgentState) -> AgentRecord {
    AgentRecord::new(AgentId(id.to_owned()), name, "/p", state, NOW - 30.0)
}

fn app_with(ws: Workspace) -> App {
    App::new(AppInit {
        agents: vec![
            rec("orchestrator", "orchestrator", AgentState::Idle),
            rec("aaaaaaaaaaaa", "tests", AgentState::Running),
            rec("bbbbbbbbbbbb", "docs", AgentState::Error),
        ],
        workspace: ws,
        notices: Vec::new(),
        cwd_display: "~/demo".into(),
        bypass: false,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    })
}

struct Env {
    _dir: tempfile::TempDir,
    store: LayoutStore,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = LayoutStore {
        project: ProjectPaths::new(dir.path()),
        global: GlobalPaths::from_dirs(dir.path().join("cfg"), dir.path().join("state")),
    };
    Env { _dir: dir, store }
}

/// An app with a store, booted like `ui::run` does (with `global_theme` as config's ui.theme).
fn booted(e: &Env, ws: Workspace, global_theme: &str) -> App {
    let mut a = app_with(ws);
    a.set_layout_store(e.store.clone());
    a.theme_boot(
        Some(e.store.global.clone()),
        Some(global_theme.to_owned()),
        ColourDepth::TrueColor,
    );
    a
}

fn key(code: KeyCode, m: KeyModifiers) -> AppEvent {
    AppEvent::Input(Event::Key(KeyEvent::new(code, m)))
}

fn press(a: &mut App, code: KeyCode) {
    a.handle(key(code, KeyModifiers::NONE));
}

fn call(a: &mut App, tool: &str, args: Value) -> Result<String, String> {
    let intents = a.handle(AppEvent::Engine(Box::new(EngineEvent::UiCall {
        call_id: 9,
        tool: tool.to_owned(),
        args,
    })));
    intents
        .iter()
        .find_map(|i| match i {
            Intent::UiReply { call_id: 9, result } => Some(result.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{intents:?}"))
}

fn draw(a: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| a.render(f)).unwrap();
    t
}

fn text(buf: &Buffer) -> String {
    let a = buf.area;
    (0..a.height)
        .map(|y| {
            (0..a.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Style runs of row `y`: `x0-x1 fg/bg[+mods] "text"`.
fn colour_runs(buf: &Buffer, y: u16) -> String {
    let mut out = Vec::new();
    let mut start = 0;
    let key = |x: u16| {
        let c = &buf[(x, y)];
        format!(
            "{:?}/{:?}{}",
            c.fg,
            c.bg,
            if c.modifier.is_empty() {
                String::new()
            } else {
                format!("+{:?}", c.modifier)
            }
        )
    };
    for x in 1..=buf.area.width {
        if x == buf.area.width || key(x) != key(start) {
            let s: String = (start..x).map(|i| buf[(i, y)].symbol()).collect();
            out.push(format!(
                "{start:>3}-{:<3} {} {:?}",
                x - 1,
                key(start),
                s.trim_end()
            ));
            start = x;
        }
    }
    out.join("\n")
}

fn find(buf: &Buffer, needle: &str) -> (u16, u16) {
    let t = text(buf);
    for (y, line) in t.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count();
            return (x as u16, y as u16);
        }
    }
    panic!("{needle:?} not on screen:\n{t}")
}

fn config_text(e: &Env) -> String {
    std::fs::read_to_string(e.store.global.config_toml()).unwrap_or_default()
}

fn saved_ws(e: &Env) -> Workspace {
    crate::store::workspace::parse_workspace(&std::fs::read(e.store.project.workspace()).unwrap())
        .unwrap()
}

#[test]
fn boot_resolution_project_then_global_then_dark() {
    let e = env();
    let mut ws = Workspace::seed();
    ws.active_theme = Some("light".into());
    let a = booted(&e, ws, "high-contrast");
    assert_eq!(a.active_theme(), ("light", ThemeScope::Project));

    let a = booted(&e, Workspace::seed(), "high-contrast");
    assert_eq!(a.active_theme(), ("high-contrast", ThemeScope::Global));

    // A broken project theme and an unknown global one: warnings, then the default.
    std::fs::create_dir_all(e.store.global.themes_dir()).unwrap();
    std::fs::write(e.store.global.theme("broken").unwrap(), r#"{"version":1}"#).unwrap();
    let mut ws = Workspace::seed();
    ws.active_theme = Some("broken".into());
    let mut a = booted(&e, ws, "nope");
    assert_eq!(a.active_theme(), ("dark", ThemeScope::Default));
    let s = text(draw(&mut a, 160, 45).backend().buffer());
    assert!(s.contains("project theme 'broken' not used"), "{s}");
    assert!(s.contains("Theme not found: nope"), "{s}");
}

#[test]
fn switcher_previews_live_and_esc_restores() {
    let e = env();
    let mut a = booted(&e, Workspace::seed(), "dark");
    let t = draw(&mut a, 100, 30);
    let (x, y) = find(t.backend().buffer(), "Orchestrator");
    let dark_title = t.backend().buffer()[(x, y)].fg;
    assert_eq!(dark_title, Color::Rgb(97, 175, 239));

    a.handle(key(KeyCode::Char('t'), KeyModifiers::ALT));
    let t = draw(&mut a, 100, 30);
    let s = text(t.backend().buffer());
    assert!(s.contains("theme ›"), "{s}");
    assert!(s.contains("* dark"), "{s}");
    assert!(s.contains("save to: [global]"), "{s}");
    // Down highlights dark-256: the whole app is drawn with it at once.
    press(&mut a, KeyCode::Down);
    let t = draw(&mut a, 100, 30);
    assert_eq!(t.backend().buffer()[(x, y)].fg, Color::Indexed(75));
    // Typing filters; the highlight moves to the match and previews it.
    for c in "light".chars() {
        press(&mut a, KeyCode::Char(c));
    }
    let t = draw(&mut a, 100, 30);
    assert_eq!(
        t.backend().buffer()[(0, 0)].bg,
        Color::Rgb(0xfa, 0xfa, 0xfa)
    );
    press(&mut a, KeyCode::Esc);
    let t = draw(&mut a, 100, 30);
    let buf = t.backend().buffer();
    assert_eq!(buf[(x, y)].fg, dark_title);
    assert_eq!(buf[(0, 0)].bg, Color::Reset);
    assert!(!text(buf).contains("theme ›"));
    assert_eq!(a.active_theme(), ("dark", ThemeScope::Global));
    assert!(!config_text(&e).contains("theme"), "nothing saved on Esc");
}

#[test]
fn enter_saves_globally_and_tab_switches_to_project() {
    let e = env();
    let mut a = booted(&e, Workspace::seed(), "dark");
    a.handle(key(
        KeyCode::Char('L'),
        KeyModifiers::CONTROL | KeyModifiers::SHIFT,
    ));
    for c in "high".chars() {
        press(&mut a, KeyCode::Char(c));
    }
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.active_theme(), ("high-contrast", ThemeScope::Global));
    assert!(
        config_text(&e).contains("theme = \"high-contrast\""),
        "{}",
        config_text(&e)
    );
    let t = draw(&mut a, 100, 30);
    assert_eq!(t.backend().buffer()[(0, 0)].bg, Color::Black);

    // ctrl-shift-l again, Tab to project scope, pick light.
    a.handle(key(
        KeyCode::Char('l'),
        KeyModifiers::CONTROL | KeyModifiers::SHIFT,
    ));
    press(&mut a, KeyCode::Tab);
    let s = text(draw(&mut a, 100, 30).backend().buffer());
    assert!(s.contains("save to: [project]"), "{s}");
    for c in "light".chars() {
        press(&mut a, KeyCode::Char(c));
    }
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.active_theme(), ("light", ThemeScope::Project));
    assert_eq!(saved_ws(&e).active_theme.as_deref(), Some("light"));
    assert!(
        config_text(&e).contains("high-contrast"),
        "global unchanged"
    );

    // Global again: the project theme is cleared, or it would hide the choice next time.
    let r = call(&mut a, "set_theme", json!({"name": "dark-256"})).unwrap();
    assert!(r.contains("project theme 'light' cleared"), "{r}");
    assert_eq!(saved_ws(&e).active_theme, None);
    assert!(config_text(&e).contains("theme = \"dark-256\""));
}

#[test]
fn project_theme_survives_layout_and_tab_changes() {
    let e = env();
    let mut a = booted(&e, Workspace::seed(), "dark");
    call(
        &mut a,
        "set_theme",
        json!({"name": "light", "scope": "project"}),
    )
    .unwrap();
    let spec = json!({"version": 1, "layout": {"type": "horizontal", "children": [
        {"id": "orch", "widget": "OrchestratorChat"}, {"id": "feed", "widget": "ActivityFeed"}]}});
    call(&mut a, "set_layout", json!({"spec": spec})).unwrap();
    assert_eq!(saved_ws(&e).active_theme.as_deref(), Some("light"));
    let added: Value =
        serde_json::from_str(&call(&mut a, "add_tab", json!({"title": "two"})).unwrap()).unwrap();
    assert_eq!(saved_ws(&e).active_theme.as_deref(), Some("light"));
    let id = added["tab_id"].as_str().unwrap();
    call(&mut a, "close_tab", json!({"tab_id": id})).unwrap();
    let ws = saved_ws(&e);
    assert_eq!(ws.tabs.len(), 1);
    assert_eq!(ws.active_theme.as_deref(), Some("light"));
    // And the next boot picks it up over the global theme.
    let b = booted(&e, ws, "high-contrast");
    assert_eq!(b.active_theme(), ("light", ThemeScope::Project));
}

#[test]
fn theme_tools() {
    let e = env();
    let mut a = booted(&e, Workspace::seed(), "dark");
    let list: Value =
        serde_json::from_str(&call(&mut a, "list_themes", json!({})).unwrap()).unwrap();
    let names: Vec<&str> = list["themes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dark", "dark-256", "high-contrast", "light"]);
    assert_eq!(list["active"], "dark");
    assert_eq!(list["themes"][0]["active"], true);
    assert_eq!(list["scope"], "global");

    let bad = json!({"version": 1, "palette": {"text": "#fff", "dim": 1, "border": 2, "accent": 3,
        "success": 4, "warning": 5, "error": 6, "states": {"busy": "red"}}});
    let err = call(&mut a, "save_theme", json!({"name": "mine", "spec": bad})).unwrap_err();
    assert!(err.contains("palette.states.busy: unknown key"), "{err}");
    let err = call(&mut a, "save_theme", json!({"name": "../x", "spec": {}})).unwrap_err();
    assert!(err.contains("palette") || err.contains("version"), "{err}");

    let mut good: Value =
        serde_json::from_str(&call(&mut a, "load_theme", json!({"name": "dark"})).unwrap())
            .unwrap();
    good["palette"]["accent"] = json!("#ff8800");
    good["name"] = json!("mine");
    let r = call(&mut a, "save_theme", json!({"name": "mine", "spec": good})).unwrap();
    assert!(r.contains("mine.json"), "{r}");
    let loaded: Value =
        serde_json::from_str(&call(&mut a, "load_theme", json!({"name": "mine"})).unwrap())
            .unwrap();
    assert_eq!(loaded["palette"]["accent"], "#ff8800");
    let list: Value =
        serde_json::from_str(&call(&mut a, "list_themes", json!({})).unwrap()).unwrap();
    assert!(
        list["themes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "mine" && t["source"] == "user")
    );

    let r = call(
        &mut a,
        "set_theme",
        json!({"name": "mine", "scope": "session"}),
    )
    .unwrap();
    assert!(r.contains("(session)"), "{r}");
    assert!(
        !config_text(&e).contains("mine"),
        "session scope saves nothing"
    );
    let got: Value = serde_json::from_str(&call(&mut a, "get_theme", json!({})).unwrap()).unwrap();
    assert_eq!(
        (got["name"].as_str(), got["scope"].as_str()),
        (Some("mine"), Some("session"))
    );
    assert_eq!(got["spec"]["palette"]["accent"], "#ff8800");
    // Saving over the active theme re-applies it live.
    good["palette"]["accent"] = json!("#00ff00");
    good["palette"]["border_focused"] = json!("#00ff00");
    let r = call(&mut a, "save_theme", json!({"name": "mine", "spec": good})).unwrap();
    assert!(r.contains("re-applied"), "{r}");
    let t = draw(&mut a, 100, 30);
    let (x, y) = find(t.backend().buffer(), "Orchestrator");
    assert_eq!(t.backend().buffer()[(x, y)].fg, Color::Rgb(0, 255, 0));

    assert!(
        call(&mut a, "set_theme", json!({"name": "nope"}))
            .unwrap_err()
            .contains("Theme not found: nope")
    );
    assert!(
        call(
            &mut a,
            "set_theme",
            json!({"name": "light", "scope": "everywhere"})
        )
        .unwrap_err()
        .contains("invalid scope")
    );
    assert!(
        call(&mut a, "load_theme", json!({}))
            .unwrap_err()
            .contains("name")
    );
    assert_eq!(a.active_theme().0, "mine", "failed calls change nothing");
}

#[test]
fn tool_schemas_are_registered_with_required_lists() {
    let defs = crate::ui::tools();
    let req = |n: &str| -> Vec<String> {
        let d = defs
            .iter()
            .find(|d| d.name == n)
            .unwrap_or_else(|| panic!("{n} missing"));
        assert_eq!(d.input_schema["additionalProperties"], false);
        serde_json::from_value(d.input_schema["required"].clone()).unwrap()
    };
    assert_eq!(req("set_theme"), ["name"]);
    assert_eq!(req("save_theme"), ["name", "spec"]);
    assert_eq!(req("load_theme"), ["name"]);
    assert!(req("list_themes").is_empty());
    assert!(req("get_theme").is_empty());
    let set = defs.iter().find(|d| d.name == "set_theme").unwrap();
    assert_eq!(
        set.input_schema["properties"]["scope"]["enum"],
        json!(["global", "project", "session"])
    );
}

#[test]
fn dashboard_under_every_builtin_theme() {
    for (name, _) in BUILTIN_THEMES {
        let e = env();
        let mut a = booted(&e, Workspace::seed(), name);
        assert_eq!(a.active_theme().0, *name);
        let t = draw(&mut a, 80, 24);
        let buf = t.backend().buffer();
        // Rows: the panel tops (titles), the agent table rows, and the status bar.
        let (_, table_y) = find(buf, "tests");
        let snap = format!(
            "{}\n\n--- colours: row 0 ---\n{}\n--- colours: row {table_y} (running agent) ---\n{}\n--- colours: row 23 (status bar) ---\n{}",
            text(buf),
            colour_runs(buf, 0),
            colour_runs(buf, table_y),
            colour_runs(buf, 23),
        );
        insta::assert_snapshot!(format!("dashboard_theme_{name}"), snap);
    }
}

#[test]
fn colours_are_reduced_for_256_and_16_colour_terminals() {
    let e = env();
    let mut a = app_with(Workspace::seed());
    a.set_layout_store(e.store.clone());
    a.theme_boot(
        Some(e.store.global.clone()),
        Some("dark".into()),
        ColourDepth::Ansi256,
    );
    let t = draw(&mut a, 100, 30);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "Orchestrator");
    assert_eq!(buf[(x, y)].fg, Color::Indexed(75));
    assert!(
        buf.content
            .iter()
            .all(|c| !matches!(c.fg, Color::Rgb(..)) && !matches!(c.bg, Color::Rgb(..)))
    );

    a.theme_boot(
        Some(e.store.global.clone()),
        Some("dark".into()),
        ColourDepth::Ansi16,
    );
    let t = draw(&mut a, 100, 30);
    let buf = t.backend().buffer();
    assert_eq!(buf[(x, y)].fg, Color::LightCyan);
    assert!(
        buf.content
            .iter()
            .all(|c| !matches!(c.fg, Color::Rgb(..) | Color::Indexed(_)))
    );
}

//! File panels through the App with real files and real workers: tree listing and
//! .gitignore, selection followed by a viewer, fuzzy find, live updates, LogTail appends and
//! truncation, binary and large files, notebook validation and save round trip, snapshots.

use crate::core::agent::{AgentRecord, AgentState};
use crate::core::ids::AgentId;
use crate::core::layout::Workspace;
use crate::engine::EngineEvent;
use crate::ui::app::files_glue::FilesPanel;
use crate::ui::app::{App, AppInit, Intent};
use crate::ui::app_event::AppEvent;
use crate::ui::layout::workspace_state::PanelState;
use crate::ui::sources::file_reader::DocEvent;
use crate::ui::sources::files::FilesEventKind;
use crate::ui::sources::log_tail::LogEvent;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

const NOW: f64 = 1_714_572_312.0;

fn app() -> App {
    App::new(AppInit {
        agents: vec![AgentRecord::new(
            AgentId("orchestrator".into()),
            "orchestrator",
            "/p",
            AgentState::Idle,
            NOW,
        )],
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~/demo".into(),
        bypass: false,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    })
}

/// An app serving files of `dir`, showing a new tab with `layout`.
fn files_app(dir: &Path, layout: Value) -> (App, UnboundedReceiver<AppEvent>) {
    let (tx, rx) = unbounded_channel();
    let mut a = app();
    a.set_files_runner(tx, dir.to_path_buf());
    let intents = a.handle(AppEvent::Engine(Box::new(EngineEvent::UiCall {
        call_id: 1,
        tool: "add_tab".into(),
        args: json!({"title": "Files", "layout": {"layout": layout}}),
    })));
    assert!(
        intents
            .iter()
            .any(|i| matches!(i, Intent::UiReply { result: Ok(_), .. })),
        "{intents:?}"
    );
    a.sync_file_sources();
    (a, rx)
}

fn key(a: &mut App, code: KeyCode) {
    key_mod(a, code, KeyModifiers::NONE);
}

fn key_mod(a: &mut App, code: KeyCode, m: KeyModifiers) {
    a.handle(AppEvent::Input(Event::Key(KeyEvent::new(code, m))));
    a.sync_file_sources();
}

fn typ(a: &mut App, s: &str) {
    for c in s.chars() {
        key(a, KeyCode::Char(c));
    }
}

fn screen(a: &mut App, w: u16, h: u16) -> String {
    draw(a, w, h).backend().to_string()
}

fn draw(a: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| a.render(f)).unwrap();
    t
}

/// Feed worker events into the app until one for `panel` satisfies `done`.
async fn until(
    a: &mut App,
    rx: &mut UnboundedReceiver<AppEvent>,
    panel: &str,
    done: impl Fn(&FilesEventKind) -> bool,
) {
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("no file panel event within 10 s")
            .expect("channel closed");
        let hit = matches!(&ev, AppEvent::Files(f) if f.key.1 == panel && done(&f.kind));
        a.handle(ev);
        a.sync_file_sources();
        if hit {
            return;
        }
    }
}

fn panel<'a>(a: &'a App, id: &str) -> &'a FilesPanel {
    match a.ws.panel_state(id) {
        Some(PanelState::Files(fs)) => fs.panel.as_ref().unwrap(),
        other => panic!("{other:?}"),
    }
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join(".gitignore"), "target/\n*.tmp\n").unwrap();
    std::fs::create_dir_all(d.join("src/ui")).unwrap();
    std::fs::create_dir_all(d.join("target/debug")).unwrap();
    std::fs::write(
        d.join("src/main.rs"),
        "//! Entry point.\n\nfn main() {\n    let answer = 42;\n    println!(\"{answer}\");\n}\n",
    )
    .unwrap();
    std::fs::write(d.join("src/ui/view.rs"), "pub fn view() {}\n").unwrap();
    std::fs::write(d.join("README.md"), "# Demo\n\nSome *text*.\n").unwrap();
    std::fs::write(d.join("scratch.tmp"), "x").unwrap();
    dir
}

fn tree_and_viewer() -> Value {
    json!({"type": "horizontal", "children": [
        {"id": "tree", "widget": "FileTree", "size": "30%"},
        {"id": "view", "widget": "FileViewer", "props": {"follow_selection": true}}]})
}

fn is_listed(dir: &Path) -> impl Fn(&FilesEventKind) -> bool + '_ {
    move |k| matches!(k, FilesEventKind::TreeListed { dir: d, .. } if d == dir)
}

#[tokio::test]
async fn tree_respects_gitignore_selects_into_a_following_viewer_and_finds() {
    let dir = fixture();
    let d = dir.path();
    let (mut a, mut rx) = files_app(d, tree_and_viewer());
    until(&mut a, &mut rx, "tree", is_listed(d)).await;
    let s = screen(&mut a, 160, 45);
    assert!(
        s.contains("src/") && s.contains("README.md") && s.contains(".gitignore"),
        "{s}"
    );
    assert!(
        !s.contains("target/") && !s.contains("scratch.tmp"),
        "ignored entries hidden: {s}"
    );
    assert!(s.contains("no file selected"), "{s}");
    // `i` shows ignored entries, marked.
    key(&mut a, KeyCode::Char('i'));
    let s = screen(&mut a, 160, 45);
    assert!(
        s.contains("! ▸ target/") && s.contains("!   scratch.tmp"),
        "{s}"
    );
    key(&mut a, KeyCode::Char('i'));
    // Expand src (the first row), choose main.rs.
    key(&mut a, KeyCode::Enter);
    until(&mut a, &mut rx, "tree", is_listed(&d.join("src"))).await;
    key(&mut a, KeyCode::Down); // src/ui
    key(&mut a, KeyCode::Down); // src/main.rs
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.selected_file(), Some(d.join("src/main.rs").as_path()));
    until(&mut a, &mut rx, "view", |k| {
        matches!(k, FilesEventKind::Doc(DocEvent::Opened { .. }))
    })
    .await;
    let s = screen(&mut a, 160, 45);
    assert!(
        s.contains("3  fn main() {") && s.contains("src/main.rs · 1/6"),
        "{s}"
    );
    insta::assert_snapshot!("tree_and_viewer_160x45", s);
    insta::assert_snapshot!("tree_and_viewer_60x20", screen(&mut a, 60, 20));

    // Fuzzy find over listed paths: `/view` picks src/ui/view.rs? Not listed yet (lazy):
    // only main.rs-like paths are found until src/ui is expanded.
    key(&mut a, KeyCode::Char('/'));
    typ(&mut a, "view");
    let s = screen(&mut a, 160, 45);
    assert!(!s.contains("src/ui/view.rs"), "not listed yet: {s}");
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Up); // src/ui
    key(&mut a, KeyCode::Right);
    until(&mut a, &mut rx, "tree", is_listed(&d.join("src/ui"))).await;
    key(&mut a, KeyCode::Char('/'));
    typ(&mut a, "uivw");
    let s = screen(&mut a, 160, 45);
    assert!(s.contains("src/ui/view.rs"), "{s}");
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.selected_file(), Some(d.join("src/ui/view.rs").as_path()));

    // Live update: a new file shows up without any key.
    std::fs::write(d.join("NEW.txt"), "n").unwrap();
    until(&mut a, &mut rx, "tree", |k| {
        matches!(k, FilesEventKind::TreeListed { entries, .. }
            if entries.iter().any(|e| e.name == "NEW.txt"))
    })
    .await;
    assert!(screen(&mut a, 160, 45).contains("NEW.txt"));
}

#[tokio::test]
async fn log_tail_follows_appends_and_a_truncation_with_colours_filter_and_pause() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "one\ntwo\nthree\n").unwrap();
    let (mut a, mut rx) = files_app(
        dir.path(),
        json!({"id": "log", "widget": "LogTail", "props": {"path": "app.log", "lines": 4}}),
    );
    let plain = |a: &App| match panel(a, "log") {
        FilesPanel::Log(l) => l.plain_lines(),
        _ => panic!("log"),
    };
    until(&mut a, &mut rx, "log", |k| {
        matches!(k, FilesEventKind::Log(LogEvent::Reset { .. }))
    })
    .await;
    assert_eq!(plain(&a), ["one", "two", "three"]);
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(b"four \x1b[31mred\x1b[0m\nfive\n").unwrap();
    }
    until(&mut a, &mut rx, "log", |k| {
        matches!(k, FilesEventKind::Log(LogEvent::Appended(_)))
    })
    .await;
    // The lines may arrive in one or two reads.
    while plain(&a).last().map(String::as_str) != Some("five") {
        until(&mut a, &mut rx, "log", |_| true).await;
    }
    assert_eq!(
        plain(&a),
        ["two", "three", "four red", "five"],
        "capped at 4"
    );
    let t = draw(&mut a, 160, 45);
    let s = t.backend().to_string();
    insta::assert_snapshot!("log_tail_160x45", s);
    let row = s.lines().position(|l| l.contains("four red")).unwrap() as u16;
    let line = s.lines().nth(usize::from(row)).unwrap();
    // Each snapshot line starts with a quote; count chars, not bytes (borders are wide).
    let col = line[..line.find("red").unwrap()].chars().count() as u16 - 1;
    let cell = &t.backend().buffer()[(col, row)];
    assert_eq!(cell.symbol(), "r");
    assert_eq!(cell.fg, ratatui::style::Color::Red);
    insta::assert_snapshot!("log_tail_60x20", screen(&mut a, 60, 20));

    // Truncation: start over from the new content.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&log)
        .unwrap()
        .set_len(0)
        .unwrap();
    until(&mut a, &mut rx, "log", |k| {
        matches!(
            k,
            FilesEventKind::Log(LogEvent::Reset {
                reason: Some(_),
                ..
            })
        )
    })
    .await;
    assert!(plain(&a).is_empty());
    std::fs::write(&log, "fresh\n").unwrap();
    while plain(&a) != ["fresh"] {
        until(&mut a, &mut rx, "log", |_| true).await;
    }
    let s = screen(&mut a, 160, 45);
    assert!(s.contains("fresh") && !s.contains("five"), "{s}");

    // Pause holds new lines back; filter narrows.
    key(&mut a, KeyCode::Char('p'));
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(b"later\n").unwrap();
    }
    until(&mut a, &mut rx, "log", |k| {
        matches!(k, FilesEventKind::Log(LogEvent::Appended(_)))
    })
    .await;
    let s = screen(&mut a, 160, 45);
    assert!(!s.contains("later") && s.contains("paused (+1 new)"), "{s}");
    key(&mut a, KeyCode::Char('p'));
    assert_eq!(plain(&a), ["fresh", "later"]);
    key(&mut a, KeyCode::Char('/'));
    typ(&mut a, "lat");
    key(&mut a, KeyCode::Enter);
    let s = screen(&mut a, 160, 45);
    assert!(s.contains("later") && !s.contains("fresh"), "{s}");
}

#[tokio::test]
async fn viewer_refuses_binary_and_opens_a_large_file_lazily() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("blob.bin"), b"ab\x00cd").unwrap();
    crate::ui::bench_files::write_log_fixture(&d.join("big.log"), 3).unwrap();
    let (mut a, mut rx) = files_app(
        d,
        json!({"type": "vertical", "children": [
            {"id": "bin", "widget": "FileViewer", "props": {"path": "blob.bin"}, "size": "5"},
            {"id": "big", "widget": "FileViewer", "props": {"path": "big.log"}}]}),
    );
    until(&mut a, &mut rx, "bin", |k| {
        matches!(k, FilesEventKind::Doc(DocEvent::Binary { .. }))
    })
    .await;
    until(&mut a, &mut rx, "big", |k| {
        matches!(k, FilesEventKind::Doc(DocEvent::Opened { .. }))
    })
    .await;
    let FilesPanel::Viewer(v) = panel(&a, "bin") else {
        panic!()
    };
    assert!(v.is_binary());
    let FilesPanel::Viewer(v) = panel(&a, "big") else {
        panic!()
    };
    let total = v.line_count().unwrap();
    assert!(total > 30_000, "{total}");
    assert!(
        v.window_len() <= 200,
        "only a window is held: {}",
        v.window_len()
    );
    let s = screen(&mut a, 160, 45);
    assert!(s.contains("binary file (5 B), not shown"), "{s}");
    assert!(s.contains("large: highlighted per window"), "{s}");
    // Focus the big viewer and jump to the end: a new window is read.
    a.focus = crate::ui::app::Focus::Panel("big".into());
    key(&mut a, KeyCode::Char('G'));
    until(&mut a, &mut rx, "big", |k| {
        matches!(k, FilesEventKind::Doc(DocEvent::Window(_)))
    })
    .await;
    let s = screen(&mut a, 160, 45);
    assert!(
        s.contains(&format!("│{total}  2025-")),
        "last line shown: {s}"
    );
    // Search finds lines across the whole file.
    key(&mut a, KeyCode::Char('/'));
    typ(&mut a, "id=7 path");
    key(&mut a, KeyCode::Enter);
    until(&mut a, &mut rx, "big", |k| {
        matches!(k, FilesEventKind::Doc(DocEvent::Search { .. }))
    })
    .await;
    let FilesPanel::Viewer(v) = panel(&a, "big") else {
        panic!()
    };
    assert_eq!(v.scroll(), 5, "first match (line 8) with context above");
    // The lines there are read on demand.
    until(
        &mut a,
        &mut rx,
        "big",
        |k| matches!(k, FilesEventKind::Doc(DocEvent::Window(w)) if w.start <= 5),
    )
    .await;
    let s = screen(&mut a, 160, 45);
    assert!(
        s.contains("8  2025-01-01T00:00:07Z INFO request id=7 "),
        "{s}"
    );
    assert!(s.contains("/id=7 path 1 match ·"), "{s}");
    // n wraps around to the only match.
    key(&mut a, KeyCode::Char('n'));
    let FilesPanel::Viewer(v) = panel(&a, "big") else {
        panic!()
    };
    assert_eq!(v.scroll(), 5);
}

#[tokio::test]
async fn viewer_snapshot_and_live_reload() {
    let dir = fixture();
    let d = dir.path();
    let (mut a, mut rx) = files_app(
        d,
        json!({"id": "view", "widget": "FileViewer", "props": {"path": "src/main.rs"}}),
    );
    until(&mut a, &mut rx, "view", |k| {
        matches!(k, FilesEventKind::Doc(DocEvent::Opened { .. }))
    })
    .await;
    insta::assert_snapshot!("viewer_160x45", screen(&mut a, 160, 45));
    insta::assert_snapshot!("viewer_60x20", screen(&mut a, 60, 20));
    std::fs::write(d.join("src/main.rs"), "fn main() { reloaded(); }\n").unwrap();
    until(&mut a, &mut rx, "view", |k| {
        matches!(k, FilesEventKind::Doc(DocEvent::Opened { .. }))
    })
    .await;
    assert!(screen(&mut a, 160, 45).contains("reloaded()"));
}

#[tokio::test]
async fn markdown_from_text_and_from_a_file_with_live_reload() {
    let dir = fixture();
    let d = dir.path();
    let (mut a, mut rx) = files_app(
        d,
        json!({"type": "horizontal", "children": [
            {"id": "inline", "widget": "Markdown", "props": {"text": "# Inline\n\n- one\n- **two**\n\n```rust\nfn x() {}\n```\n"}},
            {"id": "file", "widget": "Markdown", "props": {"path": "README.md"}}]}),
    );
    until(&mut a, &mut rx, "file", |k| {
        matches!(k, FilesEventKind::Text(Ok(_)))
    })
    .await;
    let s = screen(&mut a, 160, 45);
    assert!(
        s.contains("Inline") && s.contains("fn x() {}") && s.contains("Demo"),
        "{s}"
    );
    assert!(
        !s.contains("**two**") && !s.contains("```"),
        "rendered, not raw: {s}"
    );
    insta::assert_snapshot!("markdown_160x45", s);
    insta::assert_snapshot!("markdown_60x20", screen(&mut a, 60, 20));
    std::fs::write(d.join("README.md"), "# Changed\n").unwrap();
    until(
        &mut a,
        &mut rx,
        "file",
        |k| matches!(k, FilesEventKind::Text(Ok(t)) if t.contains("Changed")),
    )
    .await;
    assert!(screen(&mut a, 160, 45).contains("Changed"));
}

#[tokio::test]
async fn notebook_validates_its_name_and_saves_and_loads_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (mut a, _rx) = files_app(
        d,
        json!({"id": "bad", "widget": "Notebook", "props": {"name": "../escape"}}),
    );
    let s = screen(&mut a, 160, 45);
    assert!(s.contains("invalid notebook name '../escape'"), "{s}");
    assert!(!d.join(".patchfeld").exists());
    drop(a);

    let layout = json!({"id": "nb", "widget": "Notebook", "props": {"name": "plan"}});
    let (mut a, mut rx) = files_app(d, layout.clone());
    until(&mut a, &mut rx, "nb", |k| {
        matches!(k, FilesEventKind::NotebookLoaded(Ok(_)))
    })
    .await;
    typ(&mut a, "# Plan");
    key(&mut a, KeyCode::Enter);
    typ(&mut a, "- ship it");
    until(&mut a, &mut rx, "nb", |k| {
        matches!(k, FilesEventKind::NotebookSaved(Ok(())))
    })
    .await;
    let file = d.join(".patchfeld/scratch/plan.md");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "# Plan\n- ship it\n"
    );
    let s = screen(&mut a, 160, 45);
    assert!(s.contains("saved · .patchfeld/scratch/plan.md"), "{s}");
    insta::assert_snapshot!("notebook_160x45", s);
    insta::assert_snapshot!("notebook_60x20", screen(&mut a, 60, 20));
    // ctrl-s saves at once.
    typ(&mut a, "!");
    key_mod(&mut a, KeyCode::Char('s'), KeyModifiers::CONTROL);
    until(&mut a, &mut rx, "nb", |k| {
        matches!(k, FilesEventKind::NotebookSaved(Ok(())))
    })
    .await;
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "# Plan\n- ship it!\n"
    );
    drop(a);

    // A new app loads it back.
    let (mut b, mut rx) = files_app(d, layout);
    until(&mut b, &mut rx, "nb", |k| {
        matches!(k, FilesEventKind::NotebookLoaded(Ok(_)))
    })
    .await;
    let FilesPanel::Notebook(n) = panel(&b, "nb") else {
        panic!()
    };
    assert_eq!(n.text(), "# Plan\n- ship it!\n");
}

#[test]
fn relative_props_resolve_against_the_project_not_the_cwd() {
    let p = Path::new("/proj");
    assert_eq!(super::resolve(p, "src"), Path::new("/proj/src"));
    assert_eq!(super::resolve(p, "./src/"), Path::new("/proj/src"));
    assert_eq!(super::resolve(p, "/etc/hosts"), Path::new("/etc/hosts"));
}

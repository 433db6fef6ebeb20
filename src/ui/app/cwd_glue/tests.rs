//! `/cd` and the path prompt: precise refusals, then a switch that shows the new project's
//! workspace with file panels resolving against the new root.

use super::*;
use crate::core::agent::AgentRecord;
use crate::core::ids::AgentId;
use crate::core::layout::{Workspace, WorkspaceTab, parse_spec};
use crate::ui::app::AppInit;
use crossterm::event::Event;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use std::time::Duration;
use tokio::sync::mpsc::unbounded_channel;

const NOW: f64 = 1_714_572_312.0;

fn rec(id: &str, name: &str, state: AgentState) -> AgentRecord {
    AgentRecord::new(AgentId(id.into()), name, "/p", state, NOW)
}

fn app(project: &Path, agents: Vec<AgentRecord>) -> App {
    let mut a = App::new(AppInit {
        agents,
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~/old".into(),
        bypass: false,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    });
    a.cwd.project = Some(project.to_path_buf());
    a
}

fn typ(a: &mut App, s: &str) -> Vec<Intent> {
    let mut out = Vec::new();
    for c in s.chars() {
        out.extend(key(a, KeyCode::Char(c), KeyModifiers::NONE));
    }
    out
}

fn key(a: &mut App, code: KeyCode, m: KeyModifiers) -> Vec<Intent> {
    a.handle(AppEvent::Input(Event::Key(KeyEvent::new(code, m))))
}

/// Type `/cd <arg>` into the (focused) chat and press Enter.
fn cd(a: &mut App, arg: &str) -> Vec<Intent> {
    let mut out = typ(a, &format!("/cd {arg}"));
    // Esc closes the completion popup, which would otherwise take Enter.
    out.extend(key(a, KeyCode::Esc, KeyModifiers::NONE));
    out.extend(key(a, KeyCode::Enter, KeyModifiers::NONE));
    out
}

fn last_toast(a: &App) -> (NoticeLevel, String) {
    let t = a.toasts.back().expect("a toast");
    (t.level, t.text.clone())
}

fn reroots(intents: &[Intent]) -> Vec<String> {
    intents
        .iter()
        .filter_map(|i| match i {
            Intent::Cwd(CwdIntent::Reroot { path }) => Some(path.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn cd_parses_and_needs_a_path() {
    use crate::ui::slash::{Parsed, Slash, parse};
    assert_eq!(
        parse("/cd ~/src/x", false),
        Parsed::Command(Slash::Cd {
            path: "~/src/x".into()
        })
    );
    assert!(matches!(parse("/cd", false), Parsed::Usage(u) if u.contains("/cd <path>")));
}

#[test]
fn cd_refuses_bad_paths_the_same_dir_and_live_agents_precisely() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::write(root.join("file.txt"), "x").unwrap();
    std::fs::create_dir(root.join("other")).unwrap();
    let mut a = app(
        &root,
        vec![
            rec("orchestrator", "orchestrator", AgentState::Running),
            rec("aaaaaaaaaaaa", "builder", AgentState::Running),
            rec("bbbbbbbbbbbb", "docs", AgentState::Idle),
            rec("cccccccccccc", "finished", AgentState::Done),
        ],
    );

    let out = cd(&mut a, "nope");
    assert!(reroots(&out).is_empty());
    assert_eq!(
        last_toast(&a),
        (
            NoticeLevel::Error,
            format!(
                "Invalid path: no such directory: {}",
                root.join("nope").display()
            )
        )
    );

    let out = cd(&mut a, "file.txt");
    assert!(reroots(&out).is_empty());
    let (level, text) = last_toast(&a);
    assert_eq!(level, NoticeLevel::Error);
    assert!(text.ends_with("file.txt is not a directory"), "{text}");

    let out = cd(&mut a, "other/..");
    assert!(reroots(&out).is_empty());
    assert_eq!(
        last_toast(&a).1,
        format!("cwd unchanged: {} is the project already", root.display())
    );

    let out = cd(&mut a, "other");
    assert!(reroots(&out).is_empty());
    let (level, text) = last_toast(&a);
    assert_eq!(level, NoticeLevel::Warning);
    assert!(
        text.contains("builder (running), docs (idle)") && !text.contains("finished"),
        "{text}"
    );
}

#[tokio::test]
async fn cd_switches_to_the_new_projects_workspace_and_file_panels_follow() {
    let old = tempfile::tempdir().unwrap();
    let old_root = std::fs::canonicalize(old.path()).unwrap();
    let new = tempfile::tempdir().unwrap();
    let new_root = std::fs::canonicalize(new.path()).unwrap();
    std::fs::write(new_root.join("marker-new.txt"), "hello").unwrap();
    std::fs::write(old_root.join("marker-old.txt"), "old").unwrap();
    // The new project has its own workspace: one tab with a FileTree on ".".
    let spec = parse_spec(&json!({"layout": {"type": "horizontal", "children": [
        {"id": "tree", "widget": "FileTree", "props": {"path": "."}},
        {"id": "chat", "widget": "OrchestratorChat"}]}}))
    .unwrap();
    let ws = Workspace {
        version: 1,
        tabs: vec![WorkspaceTab {
            id: "code".into(),
            title: "code-tab".into(),
            layout: spec,
        }],
        active: "code".into(),
        active_theme: None,
    };
    crate::store::workspace::save_workspace(&ProjectPaths::new(&new_root), &ws).unwrap();

    let mut a = app(
        &old_root,
        vec![rec("orchestrator", "orchestrator", AgentState::Idle)],
    );
    let (post, mut posts) = unbounded_channel();
    let (cmd_tx, _cmd_rx) = unbounded_channel();
    let cfg = tempfile::tempdir().unwrap();
    a.set_layout_store(crate::ui::layout::workspace_state::LayoutStore {
        project: ProjectPaths::new(&old_root),
        global: GlobalPaths::from_dirs(cfg.path().join("config"), cfg.path().join("state")),
    });
    a.set_files_runner(post.clone(), old_root.clone());
    a.set_cwd_runner(post, EngineHandle::new(cmd_tx), old_root.clone());

    let out = cd(&mut a, &new_root.display().to_string());
    assert_eq!(reroots(&out), vec![new_root.display().to_string()]);

    // The engine re-rooted: the UI follows.
    let intents = a.handle(AppEvent::Engine(Box::new(EngineEvent::Rerooted {
        cwd: new_root.clone(),
        agents: vec![
            rec("orchestrator", "orchestrator", AgentState::Idle),
            rec("dddddddddddd", "new-project-agent", AgentState::Done),
        ],
    })));
    assert!(
        intents.iter().any(|i| matches!(
            i,
            Intent::Slash(super::super::slash_glue::SlashIntent::ListSessions)
        )),
        "{intents:?}"
    );
    assert_eq!(a.ws.tabs()[0].title, "code-tab");
    assert!(a.agents.contains_key(&AgentId("dddddddddddd".into())));
    assert_eq!(a.cwd.project.as_deref(), Some(new_root.as_path()));
    let home = std::env::var_os("HOME").map(PathBuf::from);
    assert_eq!(
        a.cwd_shown(),
        crate::ui::render::format::tilde(&new_root, home.as_deref())
    );
    // The old workspace was saved on the way out; the new one is saved under the new root.
    assert!(ProjectPaths::new(&old_root).workspace().exists());
    assert_eq!(
        a.ws.store().map(|s| s.project.workspace()),
        Some(ProjectPaths::new(&new_root).workspace())
    );

    // The FileTree on "." lists the NEW root (the predecessor kept the launch dir).
    a.sync_file_sources();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut t = Terminal::new(TestBackend::new(120, 30)).unwrap();
        t.draw(|f| a.render(f)).unwrap();
        let s = t.backend().to_string();
        if s.contains("marker-new.txt") {
            assert!(!s.contains("marker-old.txt"), "{s}");
            break;
        }
        let ev = tokio::time::timeout_at(deadline, posts.recv())
            .await
            .expect("the tree never listed the new root")
            .expect("channel closed");
        a.handle(ev);
        a.sync_file_sources();
    }
}

#[test]
fn ctrl_shift_d_opens_a_prompt_that_completes_directories() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let mut a = app(
        &root,
        vec![rec("orchestrator", "orchestrator", AgentState::Idle)],
    );
    let out = key(
        &mut a,
        KeyCode::Char('D'),
        KeyModifiers::CONTROL | KeyModifiers::SHIFT,
    );
    assert!(a.cwd_prompt_open());
    let serial = match out.as_slice() {
        [Intent::Cwd(CwdIntent::ListDir { serial, dir })] => {
            assert_eq!(dir, &root);
            *serial
        }
        other => panic!("{other:?}"),
    };
    a.handle(AppEvent::Cwd(CwdEvent::Listing {
        serial,
        dir: root.clone(),
        names: vec!["alpha".into(), "beta".into(), ".hidden".into()],
    }));
    typ(&mut a, "b");
    assert_eq!(a.cwd_matches(), vec!["beta".to_owned()]);
    let out = key(&mut a, KeyCode::Tab, KeyModifiers::NONE);
    let text = a.cwd.prompt.as_ref().unwrap().input.text().to_owned();
    assert!(text.ends_with("/beta/"), "{text}");
    // Completing into beta lists it next.
    assert!(
        matches!(out.as_slice(), [Intent::Cwd(CwdIntent::ListDir { dir, .. })] if dir.ends_with("beta")),
        "{out:?}"
    );
    // Esc closes without switching.
    key(&mut a, KeyCode::Esc, KeyModifiers::NONE);
    assert!(!a.cwd_prompt_open());
}

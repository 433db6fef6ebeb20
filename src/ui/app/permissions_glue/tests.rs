//! Permission UI keys and screens, through `App::handle` (no terminal).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::PermIntent;
use crate::core::agent::{AgentRecord, AgentState};
use crate::core::ids::{AgentId, RequestId};
use crate::core::layout::Workspace;
use crate::core::permission::{
    Behavior, Decision, PermissionContext, PermissionRequest, Rule, RulePattern, RuleSource,
};
use crate::engine::EngineEvent;
use crate::ui::app::{App, AppInit, Intent};
use crate::ui::app_event::AppEvent;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

const NOW: f64 = 1_714_572_312.0;

fn rec(id: &str, name: &str) -> AgentRecord {
    AgentRecord::new(
        AgentId(id.to_owned()),
        name,
        "/p",
        AgentState::AwaitingPermission,
        NOW - 20.0,
    )
}

fn app() -> App {
    App::new(AppInit {
        agents: vec![rec("aaaaaaaaaaaa", "tests"), rec("bbbbbbbbbbbb", "docs")],
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~/demo".into(),
        bypass: false,
        now: NOW,
        tz: jiff::tz::TimeZone::UTC,
    })
}

fn key(code: KeyCode) -> AppEvent {
    AppEvent::Input(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(c: char) -> AppEvent {
    AppEvent::Input(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

fn typ(a: &mut App, s: &str) {
    for c in s.chars() {
        a.handle(key(KeyCode::Char(c)));
    }
}

fn request(a: &mut App, agent: &str, name: &str, rid: &str, cmd: &str, proposal: &str) {
    let agent_id = AgentId(agent.into());
    let request_id = RequestId(rid.into());
    a.handle(AppEvent::Engine(Box::new(
        EngineEvent::PermissionRequested {
            agent_id: agent_id.clone(),
            agent_name: name.into(),
            request: PermissionRequest {
                request_id: request_id.clone(),
                tool_name: "Bash".into(),
                input: json!({"command": cmd, "description": "d"}),
                description: None,
                blocked_path: None,
                suggestions: json!([]),
                tool_use_id: None,
            },
        },
    )));
    a.handle(AppEvent::Engine(Box::new(EngineEvent::PermissionContext {
        agent_id,
        request_id,
        context: PermissionContext {
            reason: format!("`{cmd}` is not allowed by any rule"),
            part: Some(cmd.into()),
            proposal: proposal.into(),
            cwd: "/p".into(),
            diff: None,
        },
    })));
}

fn screen(a: &mut App) -> String {
    let mut t = Terminal::new(TestBackend::new(120, 36)).unwrap();
    t.draw(|f| a.render(f)).unwrap();
    t.backend().to_string()
}

#[test]
fn always_allow_saves_the_edited_rule_for_the_chosen_scope_and_place() {
    let mut a = app();
    request(
        &mut a,
        "aaaaaaaaaaaa",
        "tests",
        "r1",
        "npm test",
        "Bash(npm test)",
    );
    assert!(a.handle(key(KeyCode::Char('a'))).is_empty());
    let s = screen(&mut a);
    assert!(s.contains("allow: Bash(npm test)"), "{s}");
    assert!(s.contains("Enter saves for tests, project"), "{s}");
    // Widen the rule: replace the trailing `)` with ` *)`.
    a.handle(key(KeyCode::Backspace));
    typ(&mut a, " *)");
    a.handle(key(KeyCode::Tab)); // every agent
    a.handle(ctrl('w')); // project -> user
    let intents = a.handle(key(KeyCode::Enter));
    match intents.as_slice() {
        [
            Intent::Permissions(PermIntent::DecideWithRule {
                agent_id,
                request_id,
                decision: Decision::Allow { updated_input },
                rules,
                ..
            }),
        ] => {
            assert_eq!(agent_id.0, "aaaaaaaaaaaa");
            assert_eq!(request_id.0, "r1");
            assert_eq!(updated_input["command"], "npm test");
            assert_eq!(
                rules.patterns,
                [RulePattern::parse("Bash(npm test *)").unwrap()]
            );
            assert_eq!(rules.behavior, Behavior::Allow);
            assert_eq!(rules.scope, "*");
            assert_eq!(rules.source, RuleSource::User);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(a.pending_permissions(), 0);
}

#[test]
fn session_and_always_deny_and_esc_cancels_an_edit() {
    let mut a = app();
    request(
        &mut a,
        "aaaaaaaaaaaa",
        "tests",
        "r1",
        "rm -rf x",
        "Bash(rm -rf x)",
    );
    a.handle(key(KeyCode::Char('s')));
    a.handle(key(KeyCode::Esc));
    assert_eq!(
        a.pending_permissions(),
        1,
        "Esc left the edit, not the request"
    );
    a.handle(key(KeyCode::Char('d')));
    let intents = a.handle(key(KeyCode::Enter));
    assert!(
        matches!(intents.as_slice(), [Intent::Permissions(PermIntent::DecideWithRule {
            decision: Decision::Deny { interrupt: false, .. }, rules, .. })]
            if rules.behavior == Behavior::Deny && rules.scope == "tests" && rules.source == RuleSource::Project),
        "{intents:?}"
    );
    request(&mut a, "aaaaaaaaaaaa", "tests", "r2", "ls", "Bash(ls)");
    a.handle(key(KeyCode::Char('s')));
    let intents = a.handle(key(KeyCode::Enter));
    assert!(
        matches!(intents.as_slice(), [Intent::Permissions(PermIntent::DecideWithRule { rules, .. })]
            if rules.source == RuleSource::Session),
        "{intents:?}"
    );
}

#[test]
fn deny_with_message_and_edit_then_allow() {
    let mut a = app();
    request(
        &mut a,
        "aaaaaaaaaaaa",
        "tests",
        "r1",
        "git push",
        "Bash(git push)",
    );
    a.handle(key(KeyCode::Char('N')));
    typ(&mut a, "open a PR instead");
    let intents = a.handle(key(KeyCode::Enter));
    assert!(
        matches!(intents.as_slice(), [Intent::Decide { decision: Decision::Deny { message, interrupt: false }, .. }]
            if message == "open a PR instead"),
        "{intents:?}"
    );
    request(
        &mut a,
        "aaaaaaaaaaaa",
        "tests",
        "r2",
        "rm -rf /",
        "Bash(rm -rf /)",
    );
    a.handle(key(KeyCode::Char('e')));
    for _ in 0.."/".len() {
        a.handle(key(KeyCode::Backspace));
    }
    typ(&mut a, "./build");
    let intents = a.handle(key(KeyCode::Enter));
    assert!(
        matches!(intents.as_slice(), [Intent::Decide { decision: Decision::Allow { updated_input }, .. }]
            if updated_input == &json!({"command": "rm -rf ./build", "description": "d"})),
        "{intents:?}"
    );
}

#[test]
fn tab_moves_through_the_queue_and_answers_the_shown_request() {
    let mut a = app();
    request(
        &mut a,
        "aaaaaaaaaaaa",
        "tests",
        "r1",
        "npm test",
        "Bash(npm test)",
    );
    request(
        &mut a,
        "bbbbbbbbbbbb",
        "docs",
        "r2",
        "make docs",
        "Bash(make docs)",
    );
    assert!(screen(&mut a).contains("1 of 2 pending"));
    a.handle(key(KeyCode::Tab));
    let s = screen(&mut a);
    assert!(
        s.contains("2 of 2 pending") && s.contains("docs wants to use Bash  (awaiting_permission)"),
        "{s}"
    );
    // Resolving the other one keeps the selection on this request.
    a.handle(AppEvent::Engine(Box::new(
        EngineEvent::PermissionResolved {
            agent_id: AgentId("aaaaaaaaaaaa".into()),
            request_id: RequestId("r1".into()),
            outcome: "allowed".into(),
        },
    )));
    let intents = a.handle(key(KeyCode::Char('y')));
    assert!(
        matches!(intents.as_slice(), [Intent::Decide { request_id, .. }] if request_id.0 == "r2"),
        "{intents:?}"
    );
}

#[test]
fn a_hidden_modal_rings_and_ctrl_p_reopens() {
    let mut a = app();
    request(
        &mut a,
        "aaaaaaaaaaaa",
        "tests",
        "r1",
        "npm test",
        "Bash(npm test)",
    );
    assert!(!a.take_bell(), "the modal shows it: no bell");
    a.handle(key(KeyCode::Esc));
    assert!(!screen(&mut a).contains("wants to use"));
    request(&mut a, "bbbbbbbbbbbb", "docs", "r2", "make", "Bash(make)");
    assert!(a.take_bell());
    assert!(!a.take_bell(), "once");
    a.handle(ctrl('p'));
    assert!(screen(&mut a).contains("wants to use"));
    // In the background, even a visible modal rings.
    a.handle(AppEvent::Input(Event::FocusLost));
    request(
        &mut a,
        "bbbbbbbbbbbb",
        "docs",
        "r3",
        "make x",
        "Bash(make x)",
    );
    assert!(a.take_bell());
    a.handle(AppEvent::Input(Event::FocusGained));
    request(
        &mut a,
        "bbbbbbbbbbbb",
        "docs",
        "r4",
        "make y",
        "Bash(make y)",
    );
    assert!(!a.take_bell());
}

fn rule(id: &str, text: &str, source: RuleSource) -> Rule {
    Rule {
        id: id.into(),
        rule: RulePattern::parse(text).unwrap(),
        behavior: Behavior::Allow,
        scope: "*".into(),
        source,
        created_at: NOW - 100.0,
        created_by: "user".into(),
        from_request: None,
        expires_at: None,
        hits: 4,
        last_hit: Some(NOW - 5.0),
    }
}

#[test]
fn permissions_screen_deletes_and_dry_runs() {
    let mut a = app();
    a.handle(AppEvent::Engine(Box::new(EngineEvent::RulesChanged(vec![
        rule("p1", "Bash(git status)", RuleSource::Project),
        rule("s1", "Edit(src/**)", RuleSource::Session),
    ]))));
    assert_eq!(a.known_rules().len(), 2);
    // alt-p: the keymap's `open_permissions` (ctrl-g is zellij's lock key).
    a.handle(AppEvent::Input(crossterm::event::Event::Key(
        crossterm::event::KeyEvent::new(KeyCode::Char('p'), crossterm::event::KeyModifiers::ALT),
    )));
    let s = screen(&mut a);
    assert!(s.contains(" Permissions ") && s.contains("4 hits"), "{s}");
    // Session rules come first: the second row is the project rule.
    a.handle(key(KeyCode::Char('j')));
    let intents = a.handle(key(KeyCode::Char('x')));
    assert!(
        matches!(intents.as_slice(), [Intent::Permissions(PermIntent::DeleteRule { id, .. })] if id == "p1"),
        "{intents:?}"
    );
    a.handle(key(KeyCode::Char('/')));
    typ(&mut a, "Bash(git status; rm x)");
    let intents = a.handle(key(KeyCode::Enter));
    assert_eq!(
        intents,
        [Intent::Permissions(PermIntent::DryRun {
            call: "Bash(git status; rm x)".into()
        })]
    );
    a.handle(AppEvent::DryRunResult {
        call: "Bash(git status; rm x)".into(),
        result: "would ask: part 2 of 2, `rm x`, is not allowed by any rule".into(),
    });
    let s = screen(&mut a);
    assert!(s.contains("would ask: part 2 of 2"), "{s}");
    a.handle(key(KeyCode::Esc));
    // Edit the selected (project) rule: saves the new one and deletes the old.
    a.handle(key(KeyCode::Char('e')));
    assert!(screen(&mut a).contains("edit rule › allow Bash(git status) for * in project"));
    for _ in 0.." in project".len() {
        a.handle(key(KeyCode::Backspace));
    }
    typ(&mut a, " in user expires 1d");
    let intents = a.handle(key(KeyCode::Enter));
    match intents.as_slice() {
        [
            Intent::Permissions(PermIntent::AddRules { rules, .. }),
            Intent::Permissions(PermIntent::DeleteRule { id, .. }),
        ] => {
            assert_eq!(rules.source, RuleSource::User);
            assert_eq!(rules.expires_at, Some(NOW + 86_400.0));
            assert_eq!(id, "p1");
        }
        other => panic!("{other:?}"),
    }
    // A typo keeps the text and says why.
    a.handle(key(KeyCode::Char('a')));
    typ(&mut a, "alow Bash");
    assert!(a.handle(key(KeyCode::Enter)).is_empty());
    assert!(screen(&mut a).contains("add rule › alow Bash"));
    a.handle(key(KeyCode::Esc));
    a.handle(key(KeyCode::Esc));
    assert!(!screen(&mut a).contains(" Permissions "));
}

#[test]
fn the_inline_bar_answers_its_own_agents_oldest_request() {
    let mut a = app();
    request(
        &mut a,
        "aaaaaaaaaaaa",
        "tests",
        "r1",
        "npm test",
        "Bash(npm test)",
    );
    request(
        &mut a,
        "bbbbbbbbbbbb",
        "docs",
        "r2",
        "make docs",
        "Bash(make docs)",
    );
    a.handle(key(KeyCode::Esc));
    let docs = AgentId("bbbbbbbbbbbb".into());
    let none = AgentId("cccccccccccc".into());
    assert!(
        a.agent_permission_key(&none, KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE))
            .is_none()
    );
    let intents = a
        .agent_permission_key(&docs, KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE))
        .unwrap();
    assert!(
        matches!(intents.as_slice(), [Intent::Decide { request_id, .. }] if request_id.0 == "r2"),
        "{intents:?}"
    );
    // `a` opens the modal's rule editor on that agent's request.
    request(
        &mut a,
        "bbbbbbbbbbbb",
        "docs",
        "r3",
        "make all",
        "Bash(make all)",
    );
    a.agent_permission_key(&docs, KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE));
    let s = screen(&mut a);
    assert!(
        s.contains("allow: Bash(make all)") && s.contains("docs wants to use"),
        "{s}"
    );
}

#[test]
fn clicking_a_modal_button_presses_its_key() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut a = app();
    request(&mut a, "aaaaaaaaaaaa", "tests", "r1", "make", "Bash(make)");
    // Find "n deny" on screen: the click must land where the button is drawn.
    let text = screen(&mut a);
    let (row, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("y allow once"))
        .expect("button row");
    let col = line
        .chars()
        .collect::<Vec<_>>()
        .windows(6)
        .position(|w| w.iter().collect::<String>() == "n deny")
        .expect("deny button");
    let click = |col: usize, row: usize| {
        AppEvent::Input(Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            // The backend's text rows are quoted: one char of quote before column 0.
            column: col as u16 - 1,
            row: row as u16,
            modifiers: KeyModifiers::NONE,
        }))
    };
    // A click beside the buttons does nothing.
    assert!(a.handle(click(2, row)).is_empty());
    let intents = a.handle(click(col + 2, row));
    assert!(
        matches!(
            intents.as_slice(),
            [Intent::Decide {
                decision: Decision::Deny {
                    interrupt: false,
                    ..
                },
                ..
            }]
        ),
        "{intents:?}"
    );
}

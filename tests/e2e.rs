//! End-to-end: the built binary in a pseudo-terminal — keys in, screen text out. Launch, see
//! the dashboard, answer a permission in the demo, quit with ctrl-q, find the terminal restored.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;
use support::pty::Session;

#[test]
fn launches_shows_dashboard_and_quits_cleanly() {
    let project = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut app = Session::launch(
        project.path(),
        config.path(),
        &["--claude", "/nonexistent/claude"],
    );
    app.expect(
        Duration::from_secs(30),
        &[
            "Orchestrator",
            "Agents",
            "Activity",
            "Claude Code was not found",
        ],
    );
    assert!(
        app.parser.screen().alternate_screen(),
        "TUI runs on the alternate screen"
    );
    let text = app.text();
    assert!(
        text.contains("npm install -g @anthropic-ai/claude-code"),
        "install hint shown in full:\n{text}"
    );
    assert!(
        project.path().join(".patchfeld/workspace.json").is_file(),
        "first launch seeds the workspace"
    );
    app.quit_and_check_restored();
}

#[test]
fn demo_agents_run_ask_permission_and_finish() {
    let project = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut app = Session::launch(project.path(), config.path(), &["--demo"]);
    app.expect(
        Duration::from_secs(30),
        &["Orchestrator", "researcher", "tester"],
    );
    app.expect(Duration::from_secs(60), &["wants to use", "y allow once"]);
    app.send(b"y");
    let finished = app.read_until(Duration::from_secs(60), |s| {
        let text = s.contents();
        !text.contains("wants to use")
            && text.lines().any(|l| l.contains("✓ researcher"))
            && text.lines().any(|l| l.contains("✓ tester"))
    });
    if !finished {
        panic!("demo agents did not finish; screen:\n{}", app.text());
    }
    app.quit_and_check_restored();
}

#[test]
fn new_tab_is_shown_saved_and_restored() {
    let project = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let args = ["--claude", "/nonexistent/claude"];
    let wait = Duration::from_secs(30);
    let mut app = Session::launch(project.path(), config.path(), &args);
    app.expect(wait, &["Orchestrator", "Agents", "Activity"]);
    assert!(
        config.path().join("layouts/default.json").is_file(),
        "the default named layout is seeded"
    );
    // ctrl-t, a name, Enter: the new tab shows the activity feed (the chat is elsewhere).
    app.send(&[0x14]);
    app.expect(
        wait,
        &["New tab", "(blank: chat or activity feed)", "default"],
    );
    app.send(b"logs\r");
    app.expect(wait, &["1:default", "2:logs"]);
    let ws = std::fs::read_to_string(project.path().join(".patchfeld/workspace.json")).unwrap();
    assert!(ws.contains("\"title\": \"logs\""), "{ws}");
    // alt-1 (ESC 1) goes back to the dashboard.
    app.send(b"\x1b1");
    app.expect(wait, &["1:default", "Orchestrator", "Agents"]);
    app.quit_and_check_restored();

    let mut again = Session::launch(project.path(), config.path(), &args);
    again.expect(wait, &["1:default", "2:logs", "Orchestrator"]);
    again.quit_and_check_restored();
}

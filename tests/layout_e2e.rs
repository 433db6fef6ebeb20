//! End-to-end layout tools: the built binary in a pseudo-terminal with the fake agent as the
//! orchestrator. It calls `set_layout` with an invalid spec (a precise error comes back as the
//! tool result, the dashboard stays), then with a valid one (the screen changes, workspace.json
//! is updated, a Command panel runs); a relaunch restores it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::pty::Session;

const WAIT: Duration = Duration::from_secs(30);

/// A `claude` that is the fake agent playing `scenario`.
fn fake_claude(dir: &Path, scenario: &serde_json::Value) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let scenario_path = dir.join("scenario.json");
    std::fs::write(&scenario_path, serde_json::to_vec(scenario).unwrap()).unwrap();
    let script = dir.join("claude");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec '{}' fake-agent --scenario '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_patchfeld"),
            scenario_path.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// Every file under `dir` whose text contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_containing(&p, needle));
        } else if std::fs::read_to_string(&p).is_ok_and(|t| t.contains(needle)) {
            out.push(p);
        }
    }
    out
}

#[test]
fn orchestrator_set_layout_error_then_success_is_saved_and_restored() {
    let project = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let set_layout = |spec: serde_json::Value| json!({"mcp": {"server": "patchfeld", "tool": "set_layout", "arguments": {"spec": spec}}});
    let invalid = json!({"layout": {"type": "horizontal", "children": [
        {"id": "orch", "widget": "OrchestratorChat"},
        {"id": "x", "widget": "AgentTable", "size": "120%"}]}});
    let valid = json!({"layout": {"type": "horizontal", "children": [
        {"id": "orch", "widget": "OrchestratorChat", "size": "50%"},
        {"id": "cmd", "widget": "Command", "props": {"cmd": "printf 'hello-from-%s\\n' command"}}]}});
    let scenario = json!({"version": 1, "model": "claude-fake-1", "scripts": [{"match": "*", "turns": [
        [set_layout(invalid), {"text": "first-turn-done"}],
        [set_layout(valid), {"text": "second-turn-done"}]
    ]}]});
    let claude = fake_claude(config.path(), &scenario);
    let ws_path = project.path().join(".patchfeld/workspace.json");

    let args = ["--claude", claude.to_str().unwrap()];
    let mut app = Session::launch(project.path(), config.path(), &args);
    app.expect(WAIT, &["Orchestrator", "Agents", "Activity"]);
    let before = std::fs::read_to_string(&ws_path).unwrap();
    app.send(b"go\r");
    app.expect(WAIT, &["first-turn-done"]);
    // The precise error went back to the orchestrator as the tool result…
    let hits = files_containing(
        &project.path().join(".patchfeld"),
        r#"layout.children[1].size: \"120%\" exceeds 100%"#,
    );
    assert!(
        !hits.is_empty(),
        "the tool error is not in the orchestrator's transcript"
    );
    // …and nothing changed.
    let text = app.text();
    assert!(
        text.contains("Agents") && text.contains("Activity"),
        "{text}"
    );
    assert_eq!(std::fs::read_to_string(&ws_path).unwrap(), before);

    app.send(b"again\r");
    app.expect(WAIT, &["second-turn-done", "hello-from-command", "✓ 0"]);
    let text = app.text();
    assert!(!text.contains("Activity"), "the dashboard is gone:\n{text}");
    let saved = std::fs::read_to_string(&ws_path).unwrap();
    assert!(
        saved.contains("\"widget\": \"Command\"") && saved.contains("hello-from-"),
        "{saved}"
    );
    app.quit_and_check_restored();

    // Relaunch: the layout comes back and its command runs again.
    let mut again = Session::launch(project.path(), config.path(), &args);
    again.expect(WAIT, &["Orchestrator", "hello-from-command", "✓ 0"]);
    assert!(!again.text().contains("Activity"));
    again.quit_and_check_restored();
}

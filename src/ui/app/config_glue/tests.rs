//! `get_config` / `set_config` through `App::ui_call`: typed values, precise errors, saving,
//! live application.

use super::*;
use crate::core::agent::{AgentRecord, PermissionMode};
use crate::core::layout::Workspace;
use crate::engine::EngineEvent;
use crate::store::GlobalPaths;
use crate::ui::app::AppInit;
use crate::ui::app::cwd_glue::CwdIntent;
use crate::ui::app_event::AppEvent;

fn app(dir: &std::path::Path) -> App {
    let mut a = App::new(AppInit {
        agents: Vec::<AgentRecord>::new(),
        workspace: Workspace::seed(),
        notices: Vec::new(),
        cwd_display: "~/p".into(),
        bypass: false,
        now: 1_714_572_312.0,
        tz: jiff::tz::TimeZone::UTC,
    });
    let g = GlobalPaths::from_dirs(dir.join("config"), dir.join("state"));
    let depth = a.themes.depth;
    a.theme_boot(Some(g), None, depth);
    a
}

fn call(a: &mut App, tool: &str, args: Value) -> (Result<String, String>, Vec<Intent>) {
    let mut intents = a.handle(AppEvent::Engine(Box::new(EngineEvent::UiCall {
        call_id: 7,
        tool: tool.into(),
        args,
    })));
    let pos = intents
        .iter()
        .position(|i| matches!(i, Intent::UiReply { call_id: 7, .. }))
        .expect("a reply");
    match intents.remove(pos) {
        Intent::UiReply { result, .. } => (result, intents),
        _ => unreachable!(),
    }
}

#[test]
fn get_config_is_typed_with_docs() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path());
    let (r, _) = call(
        &mut a,
        "get_config",
        json!({"key": "agent.permission_timeout_s"}),
    );
    let v: Value = serde_json::from_str(&r.unwrap()).unwrap();
    assert_eq!(v["value"], json!(1800));
    assert_eq!(v["type"], "integer");
    assert!(v["doc"].as_str().unwrap().contains("permission"));
    let (r, _) = call(&mut a, "get_config", json!({}));
    let v: Value = serde_json::from_str(&r.unwrap()).unwrap();
    assert_eq!(v["settings"].as_array().unwrap().len(), KEYS.len());
    let (r, _) = call(&mut a, "get_config", json!({"key": "ui.nope"}));
    assert!(
        r.unwrap_err()
            .starts_with("unknown setting ui.nope (known: ui.theme")
    );
}

#[test]
fn set_config_rejects_wrong_types_unknown_keys_and_bad_choices() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path());
    let cases = [
        (
            json!({"key": "agent.permission_timeout_s", "value": "60"}),
            "agent.permission_timeout_s must be an integer, not a string (\"60\")",
        ),
        (
            json!({"key": "agent.allowed_tools", "value": ["Read", 3]}),
            "agent.allowed_tools must be a list of strings, not a list with non-string items",
        ),
        (
            json!({"key": "ui.notifications", "value": "loud"}),
            "ui.notifications cannot be \"loud\" (one of: off, bell, osc9, osc777)",
        ),
        (
            json!({"key": "agent.permission_timeout_s", "value": 0}),
            "agent.permission_timeout_s must be at least 1 (seconds), not 0",
        ),
        (json!({"value": 1}), "missing required argument: key"),
    ];
    for (args, want) in cases {
        let (r, intents) = call(&mut a, "set_config", args.clone());
        assert_eq!(r.unwrap_err(), want, "{args}");
        assert!(intents.is_empty());
    }
    let (r, _) = call(
        &mut a,
        "set_config",
        json!({"key": "agent.nope", "value": true}),
    );
    assert!(r.unwrap_err().starts_with("unknown setting agent.nope"));
    // Nothing was written.
    assert!(!dir.path().join("config/config.toml").exists());
}

#[test]
fn set_config_saves_typed_values_and_reconfigures_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path());
    let (r, intents) = call(
        &mut a,
        "set_config",
        json!({"key": "agent.permission_mode", "value": "plan"}),
    );
    assert!(r.unwrap().contains("agent.permission_mode = \"plan\""));
    match intents.as_slice() {
        [Intent::Cwd(CwdIntent::Configure(s))] => {
            assert_eq!(s.defaults.permission_mode, Some(PermissionMode::Plan));
        }
        other => panic!("{other:?}"),
    }
    let (r, intents) = call(
        &mut a,
        "set_config",
        json!({"key": "agent.permission_timeout_s", "value": 90}),
    );
    r.unwrap();
    assert!(matches!(intents.as_slice(),
        [Intent::Cwd(CwdIntent::Configure(s))] if s.permission_timeout.as_secs() == 90));
    let (r, intents) = call(
        &mut a,
        "set_config",
        json!({"key": "ui.notify_on", "value": ["error"]}),
    );
    r.unwrap();
    assert!(intents.is_empty(), "notifications apply in the UI");
    let text = std::fs::read_to_string(dir.path().join("config/config.toml")).unwrap();
    assert!(text.contains("permission_mode = \"plan\""), "{text}");
    assert!(text.contains("permission_timeout_s = 90"), "{text}");
    assert!(text.contains("notify_on = [\"error\"]"), "{text}");
    // Typed on the way back.
    let (r, _) = call(
        &mut a,
        "get_config",
        json!({"key": "agent.permission_timeout_s"}),
    );
    assert_eq!(
        serde_json::from_str::<Value>(&r.unwrap()).unwrap()["value"],
        json!(90)
    );
}

#[test]
fn set_config_theme_applies_now_and_refuses_unknown_themes() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path());
    let (r, _) = call(
        &mut a,
        "set_config",
        json!({"key": "ui.theme", "value": "no-such-theme"}),
    );
    assert!(r.is_err());
    let (r, _) = call(
        &mut a,
        "set_config",
        json!({"key": "ui.theme", "value": "light"}),
    );
    assert!(r.unwrap().contains("applied now"));
    assert_eq!(a.active_theme().0, "light");
}

//! The status bar's segments and how it degrades on narrow rows.

use super::*;

fn row(info: &StatusInfo, w: u16) -> (String, Option<Rect>) {
    let theme = Theme::dark();
    let area = Rect::new(0, 0, w, 1);
    let mut buf = Buffer::empty(area);
    let badge = StatusBarView {
        info,
        theme: &theme,
    }
    .render(area, &mut buf);
    let s: String = (0..w).map(|x| buf[(x, 0)].symbol().to_owned()).collect();
    (s, badge)
}

fn info() -> StatusInfo {
    StatusInfo {
        orchestrator: Some(AgentState::Running),
        model: Some("claude-opus-4-1-20250805".into()),
        agents: AgentCounts {
            running: 3,
            permission: 1,
            done: 5,
            ..AgentCounts::default()
        },
        pending_permissions: 2,
        session: Usage {
            tokens_in: 12_000,
            tokens_out: 2_500,
            cost_usd: 0.42,
        },
        total: Usage {
            tokens_in: 900_000,
            tokens_out: 100_000,
            cost_usd: 12.3,
        },
        bypass: true,
        tab: "main".into(),
        layout: Some("dashboard".into()),
        cwd: "~/src/demo".into(),
        hints: (
            "Enter send · ⇧Enter newline · /help · ^C interrupt · ^Q quit".into(),
            "/help · ^Q quit".into(),
        ),
    }
}

#[test]
fn wide_row_shows_everything() {
    let (s, badge) = row(&info(), 280);
    for part in [
        "BYPASS PERMISSIONS",
        "⚠ 2 permissions pending (^P)",
        "orchestrator working (opus-4-1)",
        "agents 4/9: 3 running · 1 ⚠ · 5 done",
        "session $0.42 14.5k tok",
        "total $12.30 1.0M tok",
        "tab main [dashboard]",
        "~/src/demo",
        "^C interrupt · ^Q quit",
    ] {
        assert!(s.contains(part), "{part} missing: {s}");
    }
    let b = badge.unwrap();
    assert_eq!(b.x, 20, "after the bypass badge");
    // At 160 cwd and tab go first, then the hints and money shorten; agents stay whole.
    let (s, _) = row(&info(), 160);
    assert!(
        s.contains("orchestrator working (opus-4-1)") && s.contains("3 running · 1 ⚠ · 5 done"),
        "{s}"
    );
    assert!(!s.contains("~/src/demo") && !s.contains("tab main"), "{s}");
    insta::assert_snapshot!("status_row_160", s);
}

#[test]
fn narrow_rows_drop_low_priority_segments_first() {
    let (s, badge) = row(&info(), 80);
    assert!(s.contains("BYPASS") && s.contains("⚠ 2"), "{s}");
    assert!(s.contains("^Q quit"), "{s}");
    assert!(!s.contains("~/src/demo"), "cwd goes first: {s}");
    assert!(badge.is_some());
    insta::assert_snapshot!("status_row_80", s);
    let (tiny, _) = row(&info(), 40);
    assert!(
        tiny.contains("BYPASS"),
        "the bypass badge is the last to go: {tiny}"
    );
    let calm = StatusInfo {
        bypass: false,
        pending_permissions: 0,
        agents: AgentCounts::default(),
        orchestrator: Some(AgentState::Idle),
        ..info()
    };
    let (s, badge) = row(&calm, 80);
    assert!(badge.is_none());
    assert!(
        s.contains("○ orchestrator idle") && s.contains("no agents"),
        "{s}"
    );
}

#[test]
fn model_names_are_shortened() {
    assert_eq!(short_model("claude-sonnet-4-5-20250929"), "sonnet-4-5");
    assert_eq!(short_model("opus"), "opus");
    assert_eq!(short_model("claude-3-haiku"), "3-haiku");
}

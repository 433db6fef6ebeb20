//! Fuzz target bodies: one checking function per `cargo fuzz` target (fuzz/fuzz_targets/*.rs),
//! shared with the stable regression test (tests/fuzz_regressions.rs) so a crash found by the
//! fuzzer is replayed by `cargo test` through exactly the same code.
//!
//! Each function takes arbitrary bytes, drives the real parsing path and panics (via `assert!`)
//! when an invariant breaks; "never panics" is the first invariant of every one.

mod permission;
mod stream;

use crate::core::layout::validate::{parse_workspace, parse_workspace_repairing};
use crate::core::layout::{LayoutSpec, parse_spec, validate_spec};
use crate::core::theme::{ColourDepth, PALETTE_KEYS, STATE_KEYS, ThemeSpec};
use crate::store::config::parse_config;
use crate::ui::layout::solve::solve;
use ratatui::layout::Rect;
use serde_json::Value;

pub use permission::permission_rules;
pub use stream::stream_json;

/// A target body: arbitrary bytes in, a panic when an invariant breaks.
pub type Target = fn(&[u8]);

/// The fuzz targets by name, as `fuzz/fuzz_targets/<name>.rs` and `fuzz/corpus/<name>/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("stream_json", stream_json),
    ("layout_spec", layout_spec),
    ("permission_rules", permission_rules),
    ("config_toml", config_toml),
    ("theme_json", theme_json),
];

/// Screen areas a valid layout is solved into: degenerate, tiny, the snapshot sizes, huge,
/// and one pushed against the coordinate limit.
const AREAS: &[(u16, u16, u16, u16)] = &[
    (0, 0, 0, 0),
    (0, 0, 1, 1),
    (0, 0, 20, 5),
    (0, 0, 80, 24),
    (0, 0, 160, 45),
    (3, 2, 200, 50),
    (0, 0, 1000, 300),
    (u16::MAX - 90, u16::MAX - 30, 90, 30),
];

/// Layout JSON as a layout file (`parse_spec`, what `store::layouts` loads) and as
/// `workspace.json` (`parse_workspace_repairing`); every accepted spec must validate again,
/// survive a save/load round trip, and solve into non-overlapping rectangles inside the area.
pub fn layout_spec(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    match parse_spec(&value) {
        Ok(spec) => check_spec(&spec),
        Err(e) => assert!(!e.0.is_empty(), "an error without a message"),
    }
    if let Ok((ws, _repairs)) = crate::store::workspace::parse_workspace_repairing(data) {
        for tab in &ws.tabs {
            check_spec(&tab.layout);
        }
        let saved = serde_json::to_value(&ws).unwrap_or(Value::Null);
        assert_eq!(
            parse_workspace(&saved).as_ref(),
            Ok(&ws),
            "a repaired workspace does not load back"
        );
        // Repairing twice changes nothing more.
        let again = parse_workspace_repairing(&saved).map(|(_, r)| r);
        assert_eq!(again, Ok(Vec::new()), "repairs are not idempotent");
    }
}

fn check_spec(spec: &LayoutSpec) {
    assert_eq!(validate_spec(spec), Ok(()), "parsed but invalid: {spec:?}");
    let saved = serde_json::to_value(spec).unwrap_or(Value::Null);
    assert_eq!(
        parse_spec(&saved).as_ref(),
        Ok(spec),
        "a spec does not load back after saving"
    );
    for &(x, y, w, h) in AREAS {
        let area = Rect::new(x, y, w, h);
        let solved = solve(spec, area);
        let mut rects: Vec<Rect> = solved.panels.iter().map(|p| p.rect).collect();
        rects.extend(solved.strips.iter().map(|s| s.rect));
        for (i, r) in rects.iter().enumerate() {
            assert!(!r.is_empty(), "an empty rectangle was placed: {r:?}");
            assert!(
                r.x >= area.x
                    && r.y >= area.y
                    && r.right() <= area.right()
                    && r.bottom() <= area.bottom(),
                "{r:?} outside {area:?}"
            );
            for other in &rects[i + 1..] {
                assert!(
                    !r.intersects(*other),
                    "{r:?} overlaps {other:?} in {area:?}"
                );
            }
        }
        for s in &solved.splits {
            for pair in s.children.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                let touching = if s.horizontal {
                    b.x == a.right() && b.y == a.y && b.height == a.height
                } else {
                    b.y == a.bottom() && b.x == a.x && b.width == a.width
                };
                assert!(touching, "split children do not tile: {a:?} then {b:?}");
            }
        }
    }
}

/// `config.toml` text: parsing never fails, and what `Config::to_toml` saves loads back to the
/// same settings and bindings without a warning.
pub fn config_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (config, warnings) = parse_config(text);
    for w in &warnings {
        assert!(w.starts_with("config.toml"), "odd warning: {w}");
    }
    let saved = config.to_toml();
    let (back, warnings) = parse_config(&saved);
    assert!(
        warnings.is_empty(),
        "saved config warns on load: {warnings:?}\n{saved}"
    );
    let plain = |c: &crate::store::config::Config| {
        let mut c = c.clone();
        c.bindings.clear();
        c
    };
    assert_eq!(plain(&back), plain(&config), "settings changed:\n{saved}");
    // The keymap applies bindings in order, so per context and key the last one counts.
    let key = |c: &crate::store::config::Config| {
        let mut b: Vec<(String, String, String)> = Vec::new();
        for x in &c.bindings {
            b.retain(|(ctx, k, _)| !(*ctx == x.context && *k == x.key));
            b.push((x.context.clone(), x.key.clone(), x.action.clone()));
        }
        b.sort();
        b
    };
    assert_eq!(key(&back), key(&config), "bindings changed:\n{saved}");
}

/// Theme JSON: a theme that parses is saved (`to_json`) and parses back equal, and every
/// palette and state colour resolves at every colour depth.
pub fn theme_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(spec) = ThemeSpec::parse_str(text) else {
        return;
    };
    assert_eq!(
        ThemeSpec::parse(&spec.to_json()).as_ref(),
        Ok(&spec),
        "a theme does not load back after saving"
    );
    let colours = PALETTE_KEYS
        .iter()
        .map(|(k, _)| spec.colour(k))
        .chain(STATE_KEYS.iter().map(|(k, _)| spec.state_colour(k)));
    for c in colours {
        for depth in [
            ColourDepth::TrueColor,
            ColourDepth::Ansi256,
            ColourDepth::Ansi16,
        ] {
            let _ = c.reduce(depth).to_json();
        }
    }
}

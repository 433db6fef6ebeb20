//! Chord parsing/printing, the default keymap's sanity, and merging overrides from config.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::store::config::{load_config, parse_config, save_config};

fn c(s: &str) -> Chord {
    Chord::parse(s).unwrap()
}

#[test]
fn chords_parse_and_print_canonically() {
    for (input, printed) in [
        ("ctrl-h", "ctrl-h"),
        ("Ctrl-H", "ctrl-shift-h"),
        ("alt-shift-left", "alt-shift-left"),
        ("shift-alt-left", "alt-shift-left"),
        ("ctrl-\\", "ctrl-\\"),
        ("f5", "f5"),
        ("F12", "f12"),
        ("?", "?"),
        ("shift-?", "?"),
        ("G", "G"),
        ("shift-g", "G"),
        ("shift-tab", "shift-tab"),
        ("backtab", "shift-tab"),
        ("alt--", "alt--"),
        ("-", "-"),
        ("ctrl-pgup", "ctrl-pageup"),
        ("space", "space"),
        ("C-x", "ctrl-x"),
        ("M-1", "alt-1"),
    ] {
        let chord = c(input);
        assert_eq!(chord.to_string(), printed, "{input}");
        assert_eq!(c(printed), chord, "{printed} reads back");
    }
}

#[test]
fn chord_errors_name_the_part() {
    let e = Chord::parse("hyper-x").unwrap_err();
    assert!(e.contains("unknown modifier \"hyper\""), "{e}");
    let e = Chord::parse("ctrl-banana").unwrap_err();
    assert!(e.contains("unknown key \"banana\""), "{e}");
    let e = Chord::parse("ctrl-ctrl-x").unwrap_err();
    assert!(e.contains("twice"), "{e}");
    assert!(Chord::parse("f25").is_err());
    assert!(Chord::parse("").is_err());
}

#[test]
fn terminal_events_match_written_chords() {
    use crossterm::event::{KeyCode as K, KeyEvent, KeyModifiers as M};
    let ev = |code, m| Chord::of(&KeyEvent::new(code, m));
    assert_eq!(ev(K::Char('L'), M::CONTROL | M::SHIFT), c("ctrl-shift-l"));
    assert_eq!(ev(K::Char('l'), M::CONTROL | M::SHIFT), c("ctrl-shift-l"));
    assert_eq!(ev(K::Char('?'), M::SHIFT), c("?"));
    assert_eq!(ev(K::BackTab, M::SHIFT), c("shift-tab"));
    assert_eq!(ev(K::Char('G'), M::NONE), c("G"));
    assert_eq!(ev(K::Left, M::ALT | M::SHIFT), c("alt-shift-left"));
    assert!(c("ctrl-x").is_command() && c("f5").is_command() && !c("?").is_command());
}

#[test]
fn no_default_collisions_or_forbidden_chords() {
    let mut seen = std::collections::HashSet::new();
    for (key, action) in DEFAULTS {
        let chord = Chord::parse(key).unwrap_or_else(|e| panic!("{key}: {e}"));
        Action::parse(action).unwrap_or_else(|e| panic!("{key} = {action}: {e}"));
        assert!(
            seen.insert(chord),
            "{key} is bound twice in the global context"
        );
        for f in FORBIDDEN {
            assert_ne!(chord, c(f), "{key} is a multiplexer/harness prefix");
        }
    }
    // Defaults all sit in the global context; the keymap built from them agrees.
    let map = Keymap::defaults();
    assert_eq!(map.all().len(), DEFAULTS.len());
    for ctx in Context::ALL {
        let chords: Vec<Chord> = map.in_context(*ctx).map(|b| b.chord).collect();
        let unique: std::collections::HashSet<_> = chords.iter().collect();
        assert_eq!(unique.len(), chords.len(), "{}", ctx.name());
    }
    assert_eq!(
        map.lookup(Context::Global, c("alt-p")),
        Some(&Action::OpenPermissions)
    );
    assert_eq!(
        map.lookup(Context::Global, c("alt-h")),
        Some(&Action::OpenHistory)
    );
    assert_eq!(map.lookup(Context::Global, c("ctrl-g")), None);
}

#[test]
fn overrides_rebind_unbind_and_add_context_bindings() {
    let (cfg, w) = parse_config(
        "[keys]\n\"ctrl-h\" = \"unbind\"\n\"f5\" = \"focus_panel agents\"\n\"ctrl-l\" = \"open_history\"\n[keys.table]\n\"x\" = \"zoom\"\n",
    );
    assert!(w.is_empty(), "{w:?}");
    let (map, warnings) = Keymap::with_overrides(&cfg.bindings);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(map.lookup(Context::Global, c("ctrl-h")), None);
    assert_eq!(
        map.lookup(Context::Global, c("alt-h")),
        Some(&Action::OpenHistory)
    );
    assert_eq!(
        map.lookup(Context::Global, c("f5")),
        Some(&Action::FocusPanel("agents".into()))
    );
    assert_eq!(
        map.lookup(Context::Global, c("ctrl-l")),
        Some(&Action::OpenHistory)
    );
    assert_eq!(map.lookup(Context::Table, c("x")), Some(&Action::Zoom));
    assert_eq!(map.unbound(), &[(Context::Global, c("ctrl-h"))]);
}

#[test]
fn bad_overrides_warn_with_their_line_and_the_rest_loads() {
    let (cfg, _) = parse_config(
        "[keys]\n\"hyper-x\" = \"quit\"\n\"f6\" = \"open_histroy\"\n\"f7\" = \"switch_tab 0\"\n\"f8\" = \"zoom\"\n[keys.nowhere]\n\"x\" = \"zoom\"\n",
    );
    let (map, w) = Keymap::with_overrides(&cfg.bindings);
    assert_eq!(w.len(), 4, "{w:?}");
    assert!(
        w[0].starts_with("config.toml line 2: keys:") && w[0].contains("hyper"),
        "{w:?}"
    );
    assert!(
        w[1].contains("line 3") && w[1].contains("open_history"),
        "{w:?}"
    );
    assert!(w[2].contains("line 4") && w[2].contains("1..99"), "{w:?}");
    assert!(w[3].contains("line 7") && w[3].contains("nowhere"), "{w:?}");
    assert_eq!(map.lookup(Context::Global, c("f8")), Some(&Action::Zoom));
}

#[test]
fn unbind_of_a_default_survives_a_config_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let global = crate::store::GlobalPaths::from_dirs(dir.path().join("c"), dir.path().join("s"));
    std::fs::create_dir_all(dir.path().join("c")).unwrap();
    let (mut cfg, _) = load_config(&global);
    let live = Keymap::defaults();
    edit_unbind(&mut cfg.bindings, &live, Context::Global, c("ctrl-t")).unwrap();
    edit_bind(&mut cfg.bindings, Context::Global, c("f2"), &Action::NewTab);
    save_config(&global, &cfg).unwrap();

    // A restart: load the file again and build the keymap from scratch.
    let (cfg2, w) = load_config(&global);
    assert!(w.is_empty(), "{w:?}");
    let (map, w) = Keymap::with_overrides(&cfg2.bindings);
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(
        map.lookup(Context::Global, c("ctrl-t")),
        None,
        "the removed default stays removed"
    );
    assert_eq!(map.lookup(Context::Global, c("f2")), Some(&Action::NewTab));

    // Unbinding a user-only binding just drops it (no stray `unbind` line).
    let mut entries = cfg2.bindings.clone();
    edit_unbind(&mut entries, &map, Context::Global, c("f2")).unwrap();
    assert!(entries.iter().all(|e| e.key != "f2"), "{entries:?}");
    // Rebinding the removed default replaces its unbind entry.
    edit_bind(&mut entries, Context::Global, c("ctrl-t"), &Action::Zoom);
    let (map, _) = Keymap::with_overrides(&entries);
    assert_eq!(
        map.lookup(Context::Global, c("ctrl-t")),
        Some(&Action::Zoom)
    );
    assert_eq!(entries.iter().filter(|e| e.key == "ctrl-t").count(), 1);
    // Nothing bound → a precise error.
    let e = edit_unbind(&mut entries, &map, Context::Chat, c("x")).unwrap_err();
    assert!(e.contains("nothing is bound to x in chat"), "{e}");
}

#[test]
fn overlay_contexts_take_no_bindings() {
    let (cfg, _) = parse_config("[keys.modal]\n\"x\" = \"zoom\"\n[keys.chat]\n\"f4\" = \"zoom\"\n");
    let (map, w) = Keymap::with_overrides(&cfg.bindings);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("line 2") && w[0].contains("modal context takes no bindings"),
        "{w:?}"
    );
    assert_eq!(map.lookup(Context::Chat, c("f4")), Some(&Action::Zoom));
}

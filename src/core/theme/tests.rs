//! Theme spec validation, fallbacks, colour reduction and boot resolution.

use super::*;

fn minimal() -> Value {
    json!({"version": 1, "palette": {
        "text": "#dcdcdc", "dim": "gray", "border": 240, "accent": "#61afef",
        "success": "green", "warning": "bright-yellow", "error": "#f06262"}})
}

fn err_of(v: Value) -> ThemeError {
    ThemeSpec::parse(&v).expect_err("should be rejected")
}

#[test]
fn every_builtin_parses_and_sets_every_key() {
    for (name, text) in BUILTIN_THEMES {
        let spec = ThemeSpec::parse_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(spec.name.as_deref(), Some(*name));
        for (key, _) in PALETTE_KEYS {
            assert!(spec.palette.contains_key(*key), "{name} lacks {key}");
        }
        for (key, _) in STATE_KEYS {
            assert!(spec.states.contains_key(*key), "{name} lacks states.{key}");
        }
    }
    assert_eq!(default_spec(), builtin("dark").unwrap().unwrap());
}

#[test]
fn colours_parse_in_every_form() {
    let p = |s: Value| Colour::parse(&s);
    assert_eq!(p(json!("#61AFEF")), Ok(Colour::Rgb(97, 175, 239)));
    assert_eq!(p(json!(75)), Ok(Colour::Indexed(75)));
    assert_eq!(p(json!("75")), Ok(Colour::Indexed(75)));
    assert_eq!(p(json!("#f80")), Ok(Colour::Rgb(255, 136, 0)));
    assert_eq!(p(json!("red")), Ok(Colour::Ansi(1)));
    assert_eq!(p(json!("Bright-Blue")), Ok(Colour::Ansi(12)));
    assert_eq!(p(json!("light_cyan")), Ok(Colour::Ansi(14)));
    assert_eq!(p(json!("grey")), Ok(Colour::Ansi(8)));
    assert_eq!(p(json!("default")), Ok(Colour::Default));
    assert!(p(json!(256)).is_err());
    assert!(p(json!("#12345")).is_err());
    assert!(p(json!("#12345g")).is_err());
    assert!(p(json!("purple")).unwrap_err().contains("bright_white"));
    assert!(p(json!(true)).unwrap_err().contains("a boolean"));
}

#[test]
fn json_round_trips() {
    for (_, text) in BUILTIN_THEMES {
        let spec = ThemeSpec::parse_str(text).unwrap();
        assert_eq!(ThemeSpec::parse(&spec.to_json()).unwrap(), spec);
    }
    let spec = ThemeSpec::parse(&minimal()).unwrap();
    let back = spec.to_json();
    assert_eq!(back["palette"]["warning"], json!("bright_yellow"));
    assert_eq!(back["palette"]["border"], json!(240));
    assert!(back["palette"].get("states").is_none());
}

#[test]
fn errors_name_the_json_path() {
    let mut v = minimal();
    v["palette"]["states"] = json!({"runing": "red"});
    let e = err_of(v);
    assert_eq!(e.path, "palette.states.runing");
    assert!(e.message.contains("unknown key"), "{e}");
    assert!(e.message.contains("awaiting_permission"), "{e}");

    let mut v = minimal();
    v["palette"]["states"] = json!({"running": "#zzzzzz"});
    assert_eq!(err_of(v).path, "palette.states.running");

    let mut v = minimal();
    v["palette"]["accent"] = json!("#12");
    let e = err_of(v);
    assert_eq!(
        e.to_string(),
        "palette.accent: \"#12\" is not a colour: use #rrggbb"
    );

    let mut v = minimal();
    v["palette"]["colour"] = json!("red");
    assert_eq!(err_of(v).path, "palette.colour");

    let mut v = minimal();
    v["extra_css"] = json!("");
    assert_eq!(err_of(v).path, "extra_css");

    let mut v = minimal();
    v["palette"].as_object_mut().unwrap().remove("error");
    let e = err_of(v);
    assert_eq!(
        (e.path.as_str(), e.message.as_str()),
        ("palette.error", "missing (required)")
    );

    let mut v = minimal();
    v["version"] = json!(2);
    assert_eq!(err_of(v).path, "version");
    let mut v = minimal();
    v["name"] = json!(3);
    assert_eq!(err_of(v).path, "name");
    assert_eq!(err_of(json!([1])).path, "");
    assert!(
        ThemeSpec::parse_str("{")
            .unwrap_err()
            .message
            .starts_with("not JSON")
    );
}

#[test]
fn missing_keys_fall_back() {
    let spec = ThemeSpec::parse(&minimal()).unwrap();
    assert_eq!(spec.colour("background"), Colour::Default);
    assert_eq!(spec.colour("selection"), Colour::Default);
    assert_eq!(spec.colour("border_focused"), Colour::Rgb(97, 175, 239));
    assert_eq!(spec.colour("diff_remove"), Colour::Rgb(240, 98, 98));
    assert_eq!(spec.state_colour("running"), Colour::Ansi(2));
    assert_eq!(spec.state_colour("done"), Colour::Rgb(97, 175, 239));
    assert_eq!(spec.state_colour("idle"), Colour::Ansi(8));
    let mut v = minimal();
    v["palette"]["states"] = json!({"running": 46});
    let spec = ThemeSpec::parse(&v).unwrap();
    assert_eq!(spec.state_colour("running"), Colour::Indexed(46));
}

#[test]
fn rgb_maps_to_the_nearest_xterm_256_index() {
    // Exact cube and grey colours map onto themselves.
    for i in 16..=255u8 {
        let (r, g, b) = index_to_rgb(i);
        assert_eq!(index_to_rgb(rgb_to_256(r, g, b)), (r, g, b), "index {i}");
    }
    assert_eq!(rgb_to_256(128, 128, 128), 244);
    assert_eq!(rgb_to_256(97, 175, 239), 75);
    assert_eq!(rgb_to_256(240, 98, 98), 203);
    assert_eq!(rgb_to_256(0, 0, 0), 16);
    assert_eq!(rgb_to_256(255, 255, 255), 231);
    assert_eq!(rgb_to_256(36, 36, 40), 235);
}

#[test]
fn rgb_maps_to_ansi_16_by_hue_and_lightness() {
    assert_eq!(rgb_to_16(0, 0, 0), 0);
    assert_eq!(rgb_to_16(88, 88, 88), 8);
    assert_eq!(rgb_to_16(220, 220, 220), 7);
    assert_eq!(rgb_to_16(250, 250, 250), 15);
    assert_eq!(rgb_to_16(240, 98, 98), 9);
    assert_eq!(rgb_to_16(152, 195, 121), 2);
    // Amber stays yellow (a plain RGB distance would pick grey).
    assert_eq!(rgb_to_16(229, 192, 123), 11);
    assert_eq!(rgb_to_16(198, 160, 246), 13);
    assert_eq!(rgb_to_16(11, 99, 196), 4);
    assert_eq!(rgb_to_16(0, 180, 180), 6);
}

#[test]
fn reduce_follows_the_depth() {
    let c = Colour::Rgb(97, 175, 239);
    assert_eq!(c.reduce(ColourDepth::TrueColor), c);
    assert_eq!(c.reduce(ColourDepth::Ansi256), Colour::Indexed(75));
    assert_eq!(c.reduce(ColourDepth::Ansi16), Colour::Ansi(14));
    assert_eq!(
        Colour::Indexed(203).reduce(ColourDepth::Ansi16),
        Colour::Ansi(9)
    );
    assert_eq!(
        Colour::Indexed(3).reduce(ColourDepth::Ansi16),
        Colour::Ansi(3)
    );
    assert_eq!(
        Colour::Indexed(203).reduce(ColourDepth::Ansi256),
        Colour::Indexed(203)
    );
    assert_eq!(Colour::Default.reduce(ColourDepth::Ansi16), Colour::Default);
    assert_eq!(
        Colour::Ansi(12).reduce(ColourDepth::Ansi256),
        Colour::Ansi(12)
    );
}

#[test]
fn depth_detection() {
    use ColourDepth::*;
    assert_eq!(
        detect_depth(None, Some("truecolor"), Some("xterm")),
        TrueColor
    );
    assert_eq!(detect_depth(None, Some("24bit"), None), TrueColor);
    assert_eq!(detect_depth(None, None, Some("xterm-256color")), Ansi256);
    assert_eq!(detect_depth(None, Some(""), Some("tmux-256color")), Ansi256);
    assert_eq!(detect_depth(None, None, Some("xterm")), Ansi16);
    assert_eq!(detect_depth(None, None, Some("linux")), Ansi16);
    assert_eq!(detect_depth(None, None, None), Ansi16);
    assert_eq!(detect_depth(None, None, Some("xterm-kitty")), TrueColor);
    assert_eq!(detect_depth(Some("16"), Some("truecolor"), None), Ansi16);
    assert_eq!(detect_depth(Some("256"), None, Some("xterm")), Ansi256);
}

fn loader(name: &str) -> Result<ThemeSpec, String> {
    match name {
        "broken" => Err("palette.text: missing (required)".to_owned()),
        n => builtin(n)
            .ok_or_else(|| format!("Theme not found: {n}"))?
            .map_err(|e| e.to_string()),
    }
}

#[test]
fn boot_resolution_is_project_then_global_then_dark() {
    let r = resolve(Some("light"), Some("high-contrast"), loader);
    assert_eq!((r.name.as_str(), r.scope), ("light", ThemeScope::Project));
    assert!(r.warnings.is_empty());

    let r = resolve(None, Some("high-contrast"), loader);
    assert_eq!(
        (r.name.as_str(), r.scope),
        ("high-contrast", ThemeScope::Global)
    );

    let r = resolve(None, None, loader);
    assert_eq!((r.name.as_str(), r.scope), ("dark", ThemeScope::Default));
    assert_eq!(r.spec, default_spec());

    let r = resolve(Some("broken"), Some("light"), loader);
    assert_eq!((r.name.as_str(), r.scope), ("light", ThemeScope::Global));
    assert_eq!(r.warnings.len(), 1);
    assert!(
        r.warnings[0].contains("project theme 'broken'"),
        "{:?}",
        r.warnings
    );
    assert!(r.warnings[0].contains("palette.text"), "{:?}", r.warnings);

    let r = resolve(Some("broken"), Some("nope"), loader);
    assert_eq!((r.name.as_str(), r.scope), ("dark", ThemeScope::Default));
    assert_eq!(r.warnings.len(), 2);
    assert!(
        r.warnings[1].contains("Theme not found: nope"),
        "{:?}",
        r.warnings
    );

    let r = resolve(Some("broken"), None, |_| Err("unreadable".to_owned()));
    assert_eq!(r.spec, default_spec());
    assert_eq!(r.warnings.len(), 2);
}

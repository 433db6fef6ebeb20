//! Theme specs: the semantic palette JSON (parsing, validation with JSON paths, fallbacks
//! between keys), the built-in themes, boot resolution (project → global → dark) and colour
//! depth reduction (truecolor → xterm-256 → ANSI 16). Pure: no IO, no ratatui.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::fmt;

/// Current theme file format version.
pub const THEME_VERSION: u64 = 1;
/// The theme used when nothing else is chosen (or everything else fails).
pub const DEFAULT_THEME: &str = "dark";

/// The built-in themes: (name, JSON), from the repository's `themes/` folder.
pub const BUILTIN_THEMES: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.json")),
    ("dark-256", include_str!("../../themes/dark-256.json")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.json"),
    ),
    ("light", include_str!("../../themes/light.json")),
];

/// Where a palette key's value comes from when a theme leaves it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The theme must set it.
    Required,
    /// The terminal's own colour.
    Terminal,
    /// Another palette key.
    Key(&'static str),
}

/// Every top-level palette key, in documentation order, with its fallback.
pub const PALETTE_KEYS: &[(&str, Fallback)] = &[
    ("background", Fallback::Terminal),
    ("surface", Fallback::Key("background")),
    ("border", Fallback::Required),
    ("border_focused", Fallback::Key("accent")),
    ("text", Fallback::Required),
    ("dim", Fallback::Required),
    ("title", Fallback::Key("text")),
    ("accent", Fallback::Required),
    ("info", Fallback::Key("accent")),
    ("user", Fallback::Key("accent")),
    ("success", Fallback::Required),
    ("warning", Fallback::Required),
    ("error", Fallback::Required),
    ("selection", Fallback::Key("surface")),
    ("diff_add", Fallback::Key("success")),
    ("diff_remove", Fallback::Key("error")),
    ("badge_text", Fallback::Key("background")),
];

/// Agent state colours (`palette.states.<key>`), each falling back to a palette key.
pub const STATE_KEYS: &[(&str, &str)] = &[
    ("running", "success"),
    ("waiting", "warning"),
    ("awaiting_permission", "warning"),
    ("error", "error"),
    ("idle", "dim"),
    ("done", "info"),
    ("killed", "dim"),
];

const ROOT_KEYS: &[&str] = &["version", "name", "description", "palette"];

/// ANSI colour names, by index 0–15.
const ANSI_NAMES: [&str; 16] = [
    "black",
    "red",
    "green",
    "yellow",
    "blue",
    "magenta",
    "cyan",
    "white",
    "bright_black",
    "bright_red",
    "bright_green",
    "bright_yellow",
    "bright_blue",
    "bright_magenta",
    "bright_cyan",
    "bright_white",
];

/// A colour as a theme names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// The terminal's default foreground/background.
    Default,
    /// One of the 16 ANSI colours (0–15), whatever the terminal's scheme makes of it.
    Ansi(u8),
    /// An xterm-256 palette index.
    Indexed(u8),
    /// 24-bit colour.
    Rgb(u8, u8, u8),
}

impl Colour {
    /// Parse `#rrggbb` (or `#rgb`), an ANSI name (`red`, `bright_blue`, `gray`), `default`, or a 0–255
    /// index (as a JSON number or a string of digits).
    pub fn parse(v: &Value) -> Result<Self, String> {
        match v {
            Value::Number(n) => match n.as_u64() {
                Some(i) if i <= 255 => Ok(Self::Indexed(i as u8)),
                _ => Err(format!("{n} is not a colour index (0-255)")),
            },
            Value::String(s) => Self::parse_str(s),
            other => Err(format!(
                "expected a colour (\"#rrggbb\", a 0-255 index or a name), got {}",
                kind(other)
            )),
        }
    }

    fn parse_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        if let Some(hex) = t.strip_prefix('#') {
            let ok = matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit());
            if !ok {
                return Err(format!("{s:?} is not a colour: use #rrggbb"));
            }
            // `#abc` is `#aabbcc`.
            let hex: String = if hex.len() == 3 {
                hex.chars().flat_map(|c| [c, c]).collect()
            } else {
                hex.to_owned()
            };
            let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
            return Ok(Self::Rgb(byte(0), byte(2), byte(4)));
        }
        if let Ok(i) = t.parse::<u16>() {
            return u8::try_from(i)
                .map(Self::Indexed)
                .map_err(|_| format!("{s:?} is not a colour index (0-255)"));
        }
        match t.as_str() {
            "default" | "reset" | "terminal" => return Ok(Self::Default),
            "gray" | "grey" | "dark_gray" | "dark_grey" => return Ok(Self::Ansi(8)),
            "light_gray" | "light_grey" => return Ok(Self::Ansi(7)),
            _ => {}
        }
        let t = t.replace("light_", "bright_");
        ANSI_NAMES
            .iter()
            .position(|n| *n == t)
            .map(|i| Self::Ansi(i as u8))
            .ok_or_else(|| {
                format!(
                    "{s:?} is not a colour: use #rrggbb, a 0-255 index, default, or one of {}",
                    ANSI_NAMES.join(", ")
                )
            })
    }

    /// The JSON form `parse` reads back.
    pub fn to_json(self) -> Value {
        match self {
            Self::Default => json!("default"),
            Self::Ansi(i) => json!(ANSI_NAMES[usize::from(i & 15)]),
            Self::Indexed(i) => json!(i),
            Self::Rgb(r, g, b) => json!(format!("#{r:02x}{g:02x}{b:02x}")),
        }
    }

    /// This colour as the terminal can show it at `depth`.
    pub fn reduce(self, depth: ColourDepth) -> Self {
        match (self, depth) {
            (Self::Rgb(r, g, b), ColourDepth::Ansi256) => Self::Indexed(rgb_to_256(r, g, b)),
            (Self::Rgb(r, g, b), ColourDepth::Ansi16) => Self::Ansi(rgb_to_16(r, g, b)),
            (Self::Indexed(i), ColourDepth::Ansi16) if i < 16 => Self::Ansi(i),
            (Self::Indexed(i), ColourDepth::Ansi16) => {
                let (r, g, b) = index_to_rgb(i);
                Self::Ansi(rgb_to_16(r, g, b))
            }
            (c, _) => c,
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColourDepth {
    /// 24-bit.
    TrueColor,
    /// The xterm-256 palette.
    Ansi256,
    /// The 16 ANSI colours.
    Ansi16,
}

impl ColourDepth {
    /// A short label (`truecolor`, `256`, `16`).
    pub fn label(self) -> &'static str {
        match self {
            Self::TrueColor => "truecolor",
            Self::Ansi256 => "256",
            Self::Ansi16 => "16",
        }
    }
}

/// The colour depth from the environment's values: `override_` (`PATCHFELD_COLORS`:
/// truecolor/24bit/256/16) wins; then `COLORTERM` = truecolor/24bit; then `TERM` naming a
/// truecolor terminal or `-direct`; `TERM` containing `256` → 256; anything else → 16.
pub fn detect_depth(
    override_: Option<&str>,
    colorterm: Option<&str>,
    term: Option<&str>,
) -> ColourDepth {
    match override_.map(str::to_ascii_lowercase).as_deref() {
        Some("truecolor" | "24bit") => return ColourDepth::TrueColor,
        Some("256") => return ColourDepth::Ansi256,
        Some("16") => return ColourDepth::Ansi16,
        _ => {}
    }
    let ct = colorterm.unwrap_or("").to_ascii_lowercase();
    if ct == "truecolor" || ct == "24bit" {
        return ColourDepth::TrueColor;
    }
    let term = term.unwrap_or("").to_ascii_lowercase();
    let truecolor_terms = [
        "-direct",
        "kitty",
        "alacritty",
        "wezterm",
        "ghostty",
        "iterm",
    ];
    if truecolor_terms.iter().any(|t| term.contains(t)) {
        ColourDepth::TrueColor
    } else if term.contains("256") {
        ColourDepth::Ansi256
    } else {
        ColourDepth::Ansi16
    }
}

/// The channel levels of the xterm 6×6×6 cube.
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// xterm's default RGB for the 16 ANSI colours.
const ANSI_RGB: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

/// The RGB value xterm uses for palette index `i`.
pub fn index_to_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI_RGB[usize::from(i)],
        16..=231 => {
            let n = i - 16;
            (
                CUBE[usize::from(n / 36)],
                CUBE[usize::from(n / 6 % 6)],
                CUBE[usize::from(n % 6)],
            )
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

fn dist2(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    d(a.0, b.0).pow(2) + d(a.1, b.1).pow(2) + d(a.2, b.2).pow(2)
}

fn nearest_cube_level(v: u8) -> usize {
    (0..6)
        .min_by_key(|&i| (i32::from(CUBE[i]) - i32::from(v)).unsigned_abs())
        .unwrap_or(0)
}

/// The nearest xterm-256 index (16–255: the cube or the grey ramp; 0–15 are left out because
/// terminals recolour them).
pub fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    let (ri, gi, bi) = (
        nearest_cube_level(r),
        nearest_cube_level(g),
        nearest_cube_level(b),
    );
    let cube_idx = 16 + 36 * ri + 6 * gi + bi;
    let cube = (CUBE[ri], CUBE[gi], CUBE[bi]);
    let avg = (u32::from(r) + u32::from(g) + u32::from(b)) / 3;
    let grey_i = (avg.saturating_sub(3) / 10).min(23) as u8;
    let grey_v = 8 + 10 * grey_i;
    let target = (r, g, b);
    if dist2(target, (grey_v, grey_v, grey_v)) < dist2(target, cube) {
        232 + grey_i
    } else {
        cube_idx as u8
    }
}

/// The nearest of the 16 ANSI colours by hue and lightness: greyish colours become black,
/// bright black, white or bright white; others take the hue's ANSI colour, bright when light.
pub fn rgb_to_16(r: u8, g: u8, b: u8) -> u8 {
    let (rf, gf, bf) = (f32::from(r), f32::from(g), f32::from(b));
    let max = rf.max(gf).max(bf);
    let min = rf.min(gf).min(bf);
    let chroma = max - min;
    if chroma < 40.0 {
        let l = (max + min) / 2.0;
        return match l {
            l if l < 48.0 => 0,
            l if l < 160.0 => 8,
            l if l < 236.0 => 7,
            _ => 15,
        };
    }
    let hue = if max == rf {
        60.0 * ((gf - bf) / chroma).rem_euclid(6.0)
    } else if max == gf {
        60.0 * ((bf - rf) / chroma + 2.0)
    } else {
        60.0 * ((rf - gf) / chroma + 4.0)
    };
    let base = match hue {
        h if !(30.0..330.0).contains(&h) => 1, // red
        h if h < 90.0 => 3,                    // yellow
        h if h < 150.0 => 2,                   // green
        h if h < 210.0 => 6,                   // cyan
        h if h < 255.0 => 4,                   // blue
        _ => 5,                                // magenta
    };
    if max > 200.0 { base + 8 } else { base }
}

/// A validation error: where in the JSON, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeError {
    /// JSON path (`palette.states.running`; empty for the document itself).
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

impl fmt::Display for ThemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ThemeError {}

fn terr(path: impl Into<String>, message: impl Into<String>) -> ThemeError {
    ThemeError {
        path: path.into(),
        message: message.into(),
    }
}

/// A validated theme: the colours it sets (others follow [`PALETTE_KEYS`] fallbacks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeSpec {
    /// Display name (informational; the file name is the theme's name).
    pub name: Option<String>,
    /// One line about it.
    pub description: Option<String>,
    /// Top-level palette keys that are set.
    pub palette: BTreeMap<String, Colour>,
    /// `palette.states` keys that are set.
    pub states: BTreeMap<String, Colour>,
}

impl ThemeSpec {
    /// Parse theme JSON text.
    pub fn parse_str(text: &str) -> Result<Self, ThemeError> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| terr("", format!("not JSON: {e}")))?;
        Self::parse(&v)
    }

    /// Validate a theme document: `version` 1, optional `name`/`description` strings, a
    /// `palette` object with every required key; unknown keys are rejected.
    pub fn parse(v: &Value) -> Result<Self, ThemeError> {
        let Value::Object(root) = v else {
            return Err(terr("", format!("expected a JSON object, got {}", kind(v))));
        };
        reject_unknown(root, ROOT_KEYS, "")?;
        match root.get("version") {
            None => return Err(terr("version", "missing (must be 1)")),
            Some(n) if n.as_u64() == Some(THEME_VERSION) => {}
            Some(other) => {
                return Err(terr(
                    "version",
                    format!("unsupported version {other} (must be 1)"),
                ));
            }
        }
        let text_field = |key: &str| -> Result<Option<String>, ThemeError> {
            match root.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(o) => Err(terr(key, format!("expected a string, got {}", kind(o)))),
            }
        };
        let name = text_field("name")?;
        let description = text_field("description")?;
        let Some(pal) = root.get("palette") else {
            return Err(terr("palette", "missing"));
        };
        let Value::Object(pal) = pal else {
            return Err(terr(
                "palette",
                format!("expected an object, got {}", kind(pal)),
            ));
        };
        let mut allowed: Vec<&str> = PALETTE_KEYS.iter().map(|(k, _)| *k).collect();
        allowed.push("states");
        reject_unknown(pal, &allowed, "palette")?;
        let mut palette = BTreeMap::new();
        for (key, fallback) in PALETTE_KEYS {
            match pal.get(*key) {
                Some(v) => {
                    let c = Colour::parse(v).map_err(|m| terr(format!("palette.{key}"), m))?;
                    palette.insert((*key).to_owned(), c);
                }
                None if *fallback == Fallback::Required => {
                    return Err(terr(format!("palette.{key}"), "missing (required)"));
                }
                None => {}
            }
        }
        let mut states = BTreeMap::new();
        match pal.get("states") {
            None => {}
            Some(Value::Object(st)) => {
                let keys: Vec<&str> = STATE_KEYS.iter().map(|(k, _)| *k).collect();
                reject_unknown(st, &keys, "palette.states")?;
                for (key, v) in st {
                    let c =
                        Colour::parse(v).map_err(|m| terr(format!("palette.states.{key}"), m))?;
                    states.insert(key.clone(), c);
                }
            }
            Some(o) => {
                return Err(terr(
                    "palette.states",
                    format!("expected an object, got {}", kind(o)),
                ));
            }
        }
        Ok(Self {
            name,
            description,
            palette,
            states,
        })
    }

    /// The document `parse` reads back (only the keys that are set).
    pub fn to_json(&self) -> Value {
        let mut pal = Map::new();
        for (key, _) in PALETTE_KEYS {
            if let Some(c) = self.palette.get(*key) {
                pal.insert((*key).to_owned(), c.to_json());
            }
        }
        if !self.states.is_empty() {
            let st: Map<String, Value> = STATE_KEYS
                .iter()
                .filter_map(|(k, _)| self.states.get(*k).map(|c| ((*k).to_owned(), c.to_json())))
                .collect();
            pal.insert("states".to_owned(), Value::Object(st));
        }
        let mut root = Map::new();
        root.insert("version".to_owned(), json!(THEME_VERSION));
        if let Some(n) = &self.name {
            root.insert("name".to_owned(), json!(n));
        }
        if let Some(d) = &self.description {
            root.insert("description".to_owned(), json!(d));
        }
        root.insert("palette".to_owned(), Value::Object(pal));
        Value::Object(root)
    }

    /// A palette key's effective colour, following fallbacks (unknown keys: the terminal's).
    pub fn colour(&self, key: &str) -> Colour {
        let mut key = key;
        // Fallback chains are short and acyclic; the bound only guards against edits.
        for _ in 0..PALETTE_KEYS.len() {
            if let Some(c) = self.palette.get(key) {
                return *c;
            }
            match PALETTE_KEYS
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, f)| *f)
            {
                Some(Fallback::Key(next)) => key = next,
                _ => return Colour::Default,
            }
        }
        Colour::Default
    }

    /// An agent state's effective colour (`running`, `idle`, …).
    pub fn state_colour(&self, state: &str) -> Colour {
        if let Some(c) = self.states.get(state) {
            return *c;
        }
        STATE_KEYS
            .iter()
            .find(|(k, _)| *k == state)
            .map_or(Colour::Default, |(_, fb)| self.colour(fb))
    }
}

fn reject_unknown(obj: &Map<String, Value>, allowed: &[&str], at: &str) -> Result<(), ThemeError> {
    if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        let path = if at.is_empty() {
            k.clone()
        } else {
            format!("{at}.{k}")
        };
        return Err(terr(
            path,
            format!("unknown key; expected one of {}", allowed.join(", ")),
        ));
    }
    Ok(())
}

/// The built-in theme `name`, parsed.
pub fn builtin(name: &str) -> Option<Result<ThemeSpec, ThemeError>> {
    BUILTIN_THEMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| ThemeSpec::parse_str(text))
}

/// The default dark theme; a built-in that fails to parse is caught by the tests, and this
/// still returns a usable (if plain) theme rather than panicking.
pub fn default_spec() -> ThemeSpec {
    match builtin(DEFAULT_THEME) {
        Some(Ok(spec)) => spec,
        _ => ThemeSpec {
            name: Some(DEFAULT_THEME.to_owned()),
            description: None,
            palette: [
                ("border", Colour::Ansi(8)),
                ("text", Colour::Default),
                ("dim", Colour::Ansi(8)),
                ("accent", Colour::Ansi(4)),
                ("success", Colour::Ansi(2)),
                ("warning", Colour::Ansi(3)),
                ("error", Colour::Ansi(1)),
            ]
            .into_iter()
            .map(|(k, c)| (k.to_owned(), c))
            .collect(),
            states: BTreeMap::new(),
        },
    }
}

/// Where the active theme was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeScope {
    /// The project's workspace (`active_theme`).
    Project,
    /// The user's config (`ui.theme`).
    Global,
    /// Nothing chosen: the default.
    Default,
    /// Applied for this run only (a tool call with scope `session`).
    Session,
}

impl ThemeScope {
    /// `project`, `global` or `default`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Project => "project",
            Self::Global => "global",
            Self::Default => "default",
            Self::Session => "session",
        }
    }
}

/// The theme chosen at boot.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// Theme name.
    pub name: String,
    /// Its spec.
    pub spec: ThemeSpec,
    /// Where the choice came from.
    pub scope: ThemeScope,
    /// Themes that were chosen but failed to load (shown as warnings).
    pub warnings: Vec<String>,
}

/// Boot resolution: the project's theme, else the global one, else `dark`. A theme that fails
/// to load is skipped with a warning; the built-in default always works.
pub fn resolve(
    project: Option<&str>,
    global: Option<&str>,
    load: impl Fn(&str) -> Result<ThemeSpec, String>,
) -> Resolved {
    let mut warnings = Vec::new();
    let candidates = [(project, ThemeScope::Project), (global, ThemeScope::Global)];
    for (name, scope) in candidates {
        let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
            continue;
        };
        match load(name) {
            Ok(spec) => {
                return Resolved {
                    name: name.to_owned(),
                    spec,
                    scope,
                    warnings,
                };
            }
            Err(e) => warnings.push(format!("{} theme '{name}' not used: {e}", scope.label())),
        }
    }
    let spec = load(DEFAULT_THEME).unwrap_or_else(|e| {
        warnings.push(format!(
            "theme '{DEFAULT_THEME}' not used: {e}; using the built-in"
        ));
        default_spec()
    });
    Resolved {
        name: DEFAULT_THEME.to_owned(),
        spec,
        scope: ThemeScope::Default,
        warnings,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

//! Key chords (`ctrl-shift-l`, `alt-left`, `?`), the per-context keymap with its built-in
//! defaults, and merging the user's `[keys]` overrides (including `unbind`) from config.toml.

use crate::store::config::KeyBinding;
use crate::ui::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// One key with its modifiers, normalised so that what a terminal sends and what a user
/// writes compare equal: shifted letters are `shift-<lower>`, shifted symbols (`?`) carry no
/// shift, BackTab is `shift-tab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const MODS: KeyModifiers = KeyModifiers::CONTROL
    .union(KeyModifiers::ALT)
    .union(KeyModifiers::SHIFT);

impl Chord {
    /// Normalise a raw chord.
    pub(crate) fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        let mut mods = mods & MODS;
        let code = match code {
            KeyCode::BackTab => {
                mods |= KeyModifiers::SHIFT;
                KeyCode::Tab
            }
            KeyCode::Char(c) if c.is_ascii_uppercase() => {
                mods |= KeyModifiers::SHIFT;
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::Char(c) if !c.is_alphabetic() && c != ' ' => {
                mods -= KeyModifiers::SHIFT;
                KeyCode::Char(c)
            }
            other => other,
        };
        Self { code, mods }
    }

    /// The chord of a key event.
    pub(crate) fn of(key: &KeyEvent) -> Self {
        Self::new(key.code, key.modifiers)
    }

    /// True for ctrl/alt chords and function keys: they fire even while an input has focus.
    pub(crate) fn is_command(&self) -> bool {
        self.mods
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
            || matches!(self.code, KeyCode::F(_))
    }

    /// Parse `ctrl-h`, `alt-shift-left`, `ctrl-\`, `f5`, `?`, `G`, `shift-tab`, `alt--`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("empty key".to_owned());
        }
        let (mods_part, key_part) = if t == "-" {
            ("", "-")
        } else if let Some(m) = t.strip_suffix("--") {
            (m, "-")
        } else {
            match t.rsplit_once('-') {
                Some((m, k)) => (m, k),
                None => ("", t),
            }
        };
        let mut mods = KeyModifiers::NONE;
        if !mods_part.is_empty() {
            for m in mods_part.split('-') {
                let bit = match m.to_ascii_lowercase().as_str() {
                    "ctrl" | "control" | "c" => KeyModifiers::CONTROL,
                    "alt" | "meta" | "m" | "opt" | "option" => KeyModifiers::ALT,
                    "shift" | "s" => KeyModifiers::SHIFT,
                    _ => {
                        return Err(format!(
                            "unknown modifier {m:?} in {text:?} (use ctrl, alt, shift)"
                        ));
                    }
                };
                if mods.contains(bit) {
                    return Err(format!("modifier {m:?} twice in {text:?}"));
                }
                mods |= bit;
            }
        }
        let code = key_code(key_part).ok_or_else(|| {
            format!(
                "unknown key {key_part:?} in {text:?} (a character, f1-f24, space, tab, enter, esc, backspace, delete, insert, home, end, pageup, pagedown, left, right, up, down)"
            )
        })?;
        Ok(Self::new(code, mods))
    }
}

fn key_code(k: &str) -> Option<KeyCode> {
    let mut chars = k.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(KeyCode::Char(c));
    }
    let lower = k.to_ascii_lowercase();
    Some(match lower.as_str() {
        "space" => KeyCode::Char(' '),
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "backspace" | "bs" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" | "pgup" => KeyCode::PageUp,
        "pagedown" | "pgdn" => KeyCode::PageDown,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "minus" => KeyCode::Char('-'),
        "plus" => KeyCode::Char('+'),
        f if f.starts_with('f') => {
            let n: u8 = f[1..].parse().ok()?;
            if !(1..=24).contains(&n) {
                return None;
            }
            KeyCode::F(n)
        }
        _ => return None,
    })
}

/// Prints the canonical spelling that [`Chord::parse`] reads back.
impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shift = self.mods.contains(KeyModifiers::SHIFT);
        // A lone shifted letter reads better as the capital.
        if let KeyCode::Char(c) = self.code
            && self.mods == KeyModifiers::SHIFT
            && c.is_ascii_lowercase()
        {
            return write!(f, "{}", c.to_ascii_uppercase());
        }
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if shift {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pageup"),
            KeyCode::PageDown => f.write_str("pagedown"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Where a binding applies. `Global` works everywhere no overlay takes the keys; the others
/// apply while that kind of panel (or overlay) has focus and win over the widget's own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Context {
    Global,
    Chat,
    CommandBar,
    Table,
    Transcript,
    Feed,
    Files,
    Terminal,
    Workspace,
    Modal,
    Permissions,
    History,
    /// The New agent dialog (it takes every key while open).
    SpawnDialog,
    Help,
}

impl Context {
    /// Every context, global first.
    pub(crate) const ALL: &[Context] = &[
        Self::Global,
        Self::Chat,
        Self::CommandBar,
        Self::Table,
        Self::Transcript,
        Self::Feed,
        Self::Files,
        Self::Terminal,
        Self::Workspace,
        Self::Modal,
        Self::Permissions,
        Self::History,
        Self::SpawnDialog,
        Self::Help,
    ];

    /// The name used in config.toml (`[keys.chat]`) and by the tools.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Chat => "chat",
            Self::CommandBar => "command_bar",
            Self::Table => "table",
            Self::Transcript => "transcript",
            Self::Feed => "feed",
            Self::Files => "files",
            Self::Terminal => "terminal",
            Self::Workspace => "workspace",
            Self::Modal => "modal",
            Self::Permissions => "permissions",
            Self::History => "history",
            Self::SpawnDialog => "spawn_dialog",
            Self::Help => "help",
        }
    }

    /// Parse a context name (as written in config).
    pub(crate) fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|c| c.name()).collect();
                format!("unknown key context {s:?} (one of {})", names.join(", "))
            })
    }

    /// Whether user bindings here are honoured. The terminal takes raw keys; help, the
    /// permission prompt, the Permissions screen and History take every key while open, so
    /// their contexts only document their keys (for `?` and `list_bindings`).
    pub(crate) fn bindable(self) -> bool {
        !matches!(
            self,
            Self::Terminal
                | Self::Help
                | Self::Modal
                | Self::Permissions
                | Self::History
                | Self::SpawnDialog
        )
    }
}

/// The built-in global bindings: (chord, action line). All routed through `App::run_action`.
pub(crate) const DEFAULTS: &[(&str, &str)] = &[
    ("ctrl-q", "quit"),
    ("?", "show_help"),
    ("f1", "show_help"),
    ("/", "focus_command_bar"),
    (":", "focus_command_bar :"),
    ("tab", "cycle_focus"),
    ("shift-tab", "cycle_focus prev"),
    ("alt-left", "focus left"),
    ("alt-right", "focus right"),
    ("alt-up", "focus up"),
    ("alt-down", "focus down"),
    ("ctrl-alt-left", "resize left"),
    ("ctrl-alt-right", "resize right"),
    ("ctrl-alt-up", "resize up"),
    ("ctrl-alt-down", "resize down"),
    ("alt-shift-left", "resize left"),
    ("alt-shift-right", "resize right"),
    ("alt-shift-up", "resize up"),
    ("alt-shift-down", "resize down"),
    ("alt-z", "zoom"),
    ("ctrl-shift-r", "reset_layout"),
    ("ctrl-t", "new_tab"),
    ("ctrl-w", "close_tab"),
    ("ctrl-pageup", "prev_tab"),
    ("ctrl-pagedown", "next_tab"),
    ("ctrl-1", "switch_tab 1"),
    ("ctrl-2", "switch_tab 2"),
    ("ctrl-3", "switch_tab 3"),
    ("ctrl-4", "switch_tab 4"),
    ("ctrl-5", "switch_tab 5"),
    ("ctrl-6", "switch_tab 6"),
    ("ctrl-7", "switch_tab 7"),
    ("ctrl-8", "switch_tab 8"),
    ("ctrl-9", "switch_tab 9"),
    ("alt-1", "switch_tab 1"),
    ("alt-2", "switch_tab 2"),
    ("alt-3", "switch_tab 3"),
    ("alt-4", "switch_tab 4"),
    ("alt-5", "switch_tab 5"),
    ("alt-6", "switch_tab 6"),
    ("alt-7", "switch_tab 7"),
    ("alt-8", "switch_tab 8"),
    ("alt-9", "switch_tab 9"),
    ("ctrl-l", "open_layout_switcher"),
    ("ctrl-shift-l", "open_theme_switcher"),
    ("alt-t", "open_theme_switcher"),
    ("ctrl-h", "open_history"),
    ("alt-h", "open_history"),
    ("alt-p", "open_permissions"),
    ("ctrl-p", "show_permission_prompt"),
    ("p", "show_permission_prompt"),
    ("ctrl-shift-d", "change_cwd"),
    // Not ctrl-o (zellij's session prefix); acts on a focused file editor or viewer.
    ("alt-o", "open_in_editor"),
    ("alt-n", "new_agent"),
];

/// Chords no default may use: tmux (ctrl-b), screen (ctrl-a), zellij's lock (ctrl-g) and
/// session (ctrl-o) prefixes; harnesses use them too.
#[cfg(test)]
pub(crate) const FORBIDDEN: &[&str] = &["ctrl-b", "ctrl-a", "ctrl-g", "ctrl-o"];

/// Keys a widget handles itself (documented here so help and hints have one source). An
/// action bound to the same key in that context takes precedence, and `"key" = "unbind"` in
/// that context stops the key before the widget sees it.
pub(crate) const BUILTIN: &[(Context, &str, &str)] = &[
    (
        Context::Chat,
        "enter",
        "send the message (/command runs it)",
    ),
    (Context::Chat, "shift-enter", "new line"),
    (
        Context::Chat,
        "ctrl-c",
        "clear the input, else interrupt the orchestrator",
    ),
    (
        Context::Chat,
        "up / down",
        "input history (popup open: move)",
    ),
    (Context::Chat, "pageup / pagedown", "scroll the transcript"),
    (
        Context::Chat,
        "end / alt-e",
        "follow the end (input empty) / expand all",
    ),
    (
        Context::CommandBar,
        "enter",
        "run the action, slash command or message",
    ),
    (
        Context::CommandBar,
        "tab",
        "complete (action names, commands, args)",
    ),
    (Context::CommandBar, "esc", "leave the command bar"),
    (Context::Table, "j k / up down", "move the selection"),
    (Context::Table, "enter / o", "open the agent's transcript"),
    (Context::Table, "/", "filter"),
    (Context::Table, "m", "message the agent"),
    (Context::Table, "i", "interrupt the agent"),
    (Context::Table, "x", "kill the agent (asks first)"),
    (
        Context::Table,
        "r / a / p",
        "resume / archive / show its permission prompt",
    ),
    (Context::Table, "A", "show archived agents"),
    (
        Context::Table,
        "M",
        "merge a worktree agent (commit message; tab: merge commit / fast-forward)",
    ),
    (
        Context::Table,
        "D",
        "discard a worktree agent's work (says what is lost; y confirms)",
    ),
    (
        Context::Table,
        "v",
        "review the agent: its diff and transcript (the review layout)",
    ),
    (Context::Table, "n", "new agent (the spawn dialog)"),
    (
        Context::Transcript,
        "j k / enter",
        "select / expand a tool call",
    ),
    (Context::Transcript, "e g G", "expand all, first, last"),
    (Context::Transcript, "/ n N", "search, next, previous"),
    (Context::Transcript, "y / i", "copy / message the agent"),
    (Context::Feed, "j k / G", "move / follow the end"),
    (Context::Feed, "c / f", "clear / filter by agent"),
    (
        Context::Files,
        "enter space left right",
        "file tree: open, expand, collapse",
    ),
    (Context::Files, "/ n N", "viewer: search, next, previous"),
    (Context::Files, "p G", "log tail: pause, follow the end"),
    (
        Context::Terminal,
        "ctrl-\\ then a key",
        "leave the terminal (ctrl-\\ twice sends it)",
    ),
    (
        Context::Workspace,
        "v ] [ enter z r",
        "diff: side by side, next/prev file, fold, reload",
    ),
    (
        Context::Workspace,
        "> / < / w / u",
        "agent diff: next / previous commit, whole branch, uncommitted only",
    ),
    (
        Context::Workspace,
        "c / S",
        "agent diff: comment on the line / send the comments to the agent",
    ),
    (
        Context::Workspace,
        "ctrl-s ctrl-z ctrl-y ctrl-f",
        "editor: save, undo, redo, find",
    ),
    (Context::Modal, "y / n", "allow once / deny"),
    (
        Context::Modal,
        "s / a / d",
        "allow for the session / always / deny always (edit the rule)",
    ),
    (
        Context::Modal,
        "N / e",
        "deny with a message / edit the input",
    ),
    (
        Context::Modal,
        "esc",
        "hide the prompt (ctrl-p or p shows it)",
    ),
    (
        Context::Permissions,
        "j k / a e x",
        "move / add, edit, delete a rule",
    ),
    (Context::Permissions, "/ or i", "dry-run a tool call"),
    (Context::Permissions, "esc / q", "close"),
    (Context::History, "j k / g G", "move / ends"),
    (Context::History, "/", "search"),
    (
        Context::History,
        "enter r R a delete",
        "open, resume, rerun, archive, delete",
    ),
    (
        Context::History,
        "M / D",
        "merge / discard a worktree agent",
    ),
    (Context::History, "esc / q", "close"),
    (
        Context::SpawnDialog,
        "tab / shift-tab / up down",
        "next / previous field",
    ),
    (
        Context::SpawnDialog,
        "enter",
        "next field; newline in the prompt; spawn on the last field",
    ),
    (Context::SpawnDialog, "ctrl-s", "spawn the agent"),
    (
        Context::SpawnDialog,
        "space / left right",
        "toggle worktree, cycle mode or model; right completes a model",
    ),
    (Context::SpawnDialog, "ctrl-r", "clear the form"),
    (Context::SpawnDialog, "esc", "close (the draft is kept)"),
    (Context::Help, "type", "filter"),
    (Context::Help, "up down pageup pagedown", "scroll"),
    (Context::Help, "esc / ?", "close"),
];

/// Who put a binding there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Default,
    User,
}

/// One chord → action in one context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Binding {
    pub context: Context,
    pub chord: Chord,
    pub action: Action,
    pub source: Source,
}

/// The live keymap: defaults with the user's overrides applied.
#[derive(Debug, Clone, Default)]
pub(crate) struct Keymap {
    bindings: Vec<Binding>,
    /// Defaults the user removed (kept to report them in `list_bindings`).
    unbound: Vec<(Context, Chord)>,
}

impl Keymap {
    /// The built-in keymap.
    pub(crate) fn defaults() -> Self {
        let bindings = DEFAULTS
            .iter()
            .filter_map(|(k, a)| {
                Some(Binding {
                    context: Context::Global,
                    chord: Chord::parse(k).ok()?,
                    action: Action::parse(a).ok()?,
                    source: Source::Default,
                })
            })
            .collect();
        Self {
            bindings,
            unbound: Vec::new(),
        }
    }

    /// Defaults plus `[keys]` from config, in file order; returns warnings naming the line.
    pub(crate) fn with_overrides(overrides: &[KeyBinding]) -> (Self, Vec<String>) {
        let mut map = Self::defaults();
        let mut warnings = Vec::new();
        for b in overrides {
            if let Err(e) = map.apply(b) {
                warnings.push(format!("config.toml line {}: keys: {e}", b.line));
            }
        }
        (map, warnings)
    }

    fn apply(&mut self, b: &KeyBinding) -> Result<(), String> {
        let context = Context::parse(&b.context)?;
        if !context.bindable() {
            return Err(format!("the {} context takes no bindings", context.name()));
        }
        let chord = Chord::parse(&b.key)?;
        if b.action.trim() == "unbind" {
            self.bindings
                .retain(|x| !(x.context == context && x.chord == chord));
            if !self.unbound.contains(&(context, chord)) {
                self.unbound.push((context, chord));
            }
            return Ok(());
        }
        let action = Action::parse(&b.action).map_err(|e| format!("{:?}: {e}", b.key))?;
        self.bindings
            .retain(|x| !(x.context == context && x.chord == chord));
        self.unbound.retain(|u| *u != (context, chord));
        self.bindings.push(Binding {
            context,
            chord,
            action,
            source: Source::User,
        });
        Ok(())
    }

    /// The action bound to `chord` in `context` (no fallback to global).
    pub(crate) fn lookup(&self, context: Context, chord: Chord) -> Option<&Action> {
        self.bindings
            .iter()
            .find(|b| b.context == context && b.chord == chord)
            .map(|b| &b.action)
    }

    /// Bindings of one context, in definition order.
    pub(crate) fn in_context(&self, context: Context) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| b.context == context)
    }

    /// Every binding.
    pub(crate) fn all(&self) -> &[Binding] {
        &self.bindings
    }

    /// Defaults the user removed.
    pub(crate) fn unbound(&self) -> &[(Context, Chord)] {
        &self.unbound
    }
}

/// Whether `chord` is a built-in default somewhere in `context`.
pub(crate) fn is_default(context: Context, chord: Chord) -> bool {
    (context == Context::Global
        && DEFAULTS
            .iter()
            .any(|(k, _)| Chord::parse(k).ok() == Some(chord)))
        || is_widget_key(context, chord)
}

/// Whether a widget handles `chord` itself in `context` (per [`BUILTIN`]; entries like
/// `j / k` or `pageup / pagedown` list several chords).
pub(crate) fn is_widget_key(context: Context, chord: Chord) -> bool {
    BUILTIN.iter().any(|(c, keys, _)| {
        *c == context
            && keys
                .split(" / ")
                .flat_map(|k| k.split(", "))
                .any(|k| Chord::parse(k.trim()).ok() == Some(chord))
    })
}

/// The `[keys]` entries after binding `chord` to `action` in `context`: earlier entries for
/// the same chord and context are replaced.
pub(crate) fn edit_bind(
    entries: &mut Vec<KeyBinding>,
    context: Context,
    chord: Chord,
    action: &Action,
) {
    remove_entries(entries, context, chord);
    entries.push(KeyBinding {
        context: context.name().to_owned(),
        key: chord.to_string(),
        action: action.to_string(),
        line: 0,
    });
}

/// The `[keys]` entries after unbinding: a default gets an explicit `unbind` (so it stays
/// removed after a restart), a user-only binding is just dropped. Err when nothing is bound.
pub(crate) fn edit_unbind(
    entries: &mut Vec<KeyBinding>,
    live: &Keymap,
    context: Context,
    chord: Chord,
) -> Result<(), String> {
    if live.lookup(context, chord).is_none() && !is_widget_key(context, chord) {
        return Err(format!("nothing is bound to {chord} in {}", context.name()));
    }
    remove_entries(entries, context, chord);
    if is_default(context, chord) {
        entries.push(KeyBinding {
            context: context.name().to_owned(),
            key: chord.to_string(),
            action: "unbind".to_owned(),
            line: 0,
        });
    }
    Ok(())
}

fn remove_entries(entries: &mut Vec<KeyBinding>, context: Context, chord: Chord) {
    entries.retain(|e| !(e.context == context.name() && Chord::parse(&e.key).ok() == Some(chord)));
}

#[cfg(test)]
mod tests;

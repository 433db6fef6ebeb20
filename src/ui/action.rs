//! Named user actions with typed args: the registry (`ACTIONS`), parsing `focus_panel agents`
//! into an [`Action`], and printing one back. Keys, the command bar and the orchestrator's
//! `bind_key` tool all go through here, so every behaviour has exactly one name.

use std::fmt;

/// Which way (focus and resize).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Dir {
    Left,
    Right,
    Up,
    Down,
}

impl Dir {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "left" => Some(Self::Left),
            "right" => Some(Self::Right),
            "up" => Some(Self::Up),
            "down" => Some(Self::Down),
            _ => None,
        }
    }

    /// The arg spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Left => "left",
            Self::Right => "right",
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

/// The type of one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgKind {
    /// Any single word (a panel id, an agent name, a path).
    Str,
    /// An integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// left / right / up / down.
    Dir,
    /// One of these words.
    OneOf(&'static [&'static str]),
}

impl ArgKind {
    /// The type as shown by `list_actions` and in errors.
    pub(crate) fn describe(self) -> String {
        match self {
            Self::Str => "string".to_owned(),
            Self::Int { min, max } => format!("integer {min}..{max}"),
            Self::Dir => "left|right|up|down".to_owned(),
            Self::OneOf(words) => words.join("|"),
        }
    }
}

/// One argument of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ArgSpec {
    pub name: &'static str,
    pub kind: ArgKind,
    pub required: bool,
}

/// One entry of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ActionSpec {
    pub name: &'static str,
    pub args: &'static [ArgSpec],
    pub about: &'static str,
}

impl ActionSpec {
    /// `<panel: string>` / `[agent: string]` hints, as the command bar shows them.
    pub(crate) fn usage(&self) -> String {
        let mut out = self.name.to_owned();
        for a in self.args {
            let (open, close) = if a.required { ('<', '>') } else { ('[', ']') };
            out.push_str(&format!(" {open}{}: {}{close}", a.name, a.kind.describe()));
        }
        out
    }

    /// The arg hint only (`<n>` …), for the completion popup.
    pub(crate) fn hint(&self) -> &'static str {
        HINTS
            .iter()
            .find(|(n, _)| *n == self.name)
            .map_or("", |(_, h)| h)
    }
}

const fn arg(name: &'static str, kind: ArgKind, required: bool) -> ArgSpec {
    ArgSpec {
        name,
        kind,
        required,
    }
}

const STR: ArgKind = ArgKind::Str;
const DIR: ArgKind = ArgKind::Dir;
const TAB_N: ArgKind = ArgKind::Int { min: 1, max: 99 };
const WHICH: ArgKind = ArgKind::OneOf(&["next", "prev"]);

/// Every action, in the order `list_actions` and the command bar show them.
pub(crate) const ACTIONS: &[ActionSpec] = &[
    ActionSpec {
        name: "quit",
        args: &[],
        about: "quit patchfeld (agents are stopped)",
    },
    ActionSpec {
        name: "show_help",
        args: &[],
        about: "show the keys of the focused panel and the global ones",
    },
    ActionSpec {
        name: "focus_command_bar",
        args: &[arg("prefill", STR, false)],
        about: "focus the command bar (run an action or a slash command)",
    },
    ActionSpec {
        name: "focus_orchestrator",
        args: &[],
        about: "focus the orchestrator chat of this tab",
    },
    ActionSpec {
        name: "focus_panel",
        args: &[arg("panel", STR, true)],
        about: "focus a panel of this tab by id",
    },
    ActionSpec {
        name: "cycle_focus",
        args: &[arg("which", WHICH, false)],
        about: "focus the next (or prev) panel",
    },
    ActionSpec {
        name: "focus",
        args: &[arg("dir", DIR, true)],
        about: "focus the panel in that direction",
    },
    ActionSpec {
        name: "resize",
        args: &[arg("dir", DIR, true)],
        about: "grow the focused panel towards dir (shrink from the far side)",
    },
    ActionSpec {
        name: "zoom",
        args: &[],
        about: "the focused panel fills the tab (again: back)",
    },
    ActionSpec {
        name: "reset_layout",
        args: &[],
        about: "reset this tab to the named layout it came from",
    },
    ActionSpec {
        name: "new_tab",
        args: &[],
        about: "new app tab (asks for a name and a layout)",
    },
    ActionSpec {
        name: "close_tab",
        args: &[],
        about: "close the active app tab",
    },
    ActionSpec {
        name: "switch_tab",
        args: &[arg("n", TAB_N, true)],
        about: "go to app tab n (1-based)",
    },
    ActionSpec {
        name: "next_tab",
        args: &[],
        about: "next app tab",
    },
    ActionSpec {
        name: "prev_tab",
        args: &[],
        about: "previous app tab",
    },
    ActionSpec {
        name: "open_layout_switcher",
        args: &[],
        about: "pick a layout (apply, new tab, save current)",
    },
    ActionSpec {
        name: "open_theme_switcher",
        args: &[],
        about: "pick a theme with live preview",
    },
    ActionSpec {
        name: "open_history",
        args: &[],
        about: "the History screen (past agents)",
    },
    ActionSpec {
        name: "open_permissions",
        args: &[],
        about: "the Permissions screen (rules, dry run)",
    },
    ActionSpec {
        name: "show_permission_prompt",
        args: &[],
        about: "show the hidden pending permission prompt",
    },
    ActionSpec {
        name: "interrupt_agent",
        args: &[arg("agent", STR, false)],
        about: "interrupt an agent's turn (default: the orchestrator)",
    },
    ActionSpec {
        name: "change_cwd",
        args: &[arg("path", STR, false)],
        about: "switch the project directory",
    },
    ActionSpec {
        name: "open_in_editor",
        args: &[],
        about: "open the focused file editor's or viewer's file in $VISUAL / $EDITOR",
    },
    ActionSpec {
        name: "new_agent",
        args: &[arg("name", STR, false)],
        about: "spawn an agent (the New agent dialog)",
    },
];

const HINTS: &[(&str, &str)] = &[
    ("focus_panel", "<panel>"),
    ("cycle_focus", "[next|prev]"),
    ("focus", "<left|right|up|down>"),
    ("resize", "<left|right|up|down>"),
    ("switch_tab", "<n>"),
    ("interrupt_agent", "[agent]"),
    ("change_cwd", "[path]"),
    ("new_agent", "[name]"),
];

/// The spec of a named action.
pub(crate) fn spec(name: &str) -> Option<&'static ActionSpec> {
    ACTIONS.iter().find(|a| a.name == name)
}

/// A parsed action with its args.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Action {
    Quit,
    ShowHelp,
    /// With the text to start from (`:` for an action).
    FocusCommandBar(Option<String>),
    FocusOrchestrator,
    FocusPanel(String),
    CycleFocus {
        forward: bool,
    },
    Focus(Dir),
    Resize(Dir),
    Zoom,
    ResetLayout,
    NewTab,
    CloseTab,
    /// 1-based.
    SwitchTab(u32),
    NextTab,
    PrevTab,
    OpenLayoutSwitcher,
    OpenThemeSwitcher,
    OpenHistory,
    OpenPermissions,
    ShowPermissionPrompt,
    InterruptAgent(Option<String>),
    ChangeCwd {
        path: Option<String>,
    },
    OpenInEditor,
    /// The New agent dialog, optionally with the name filled in.
    NewAgent(Option<String>),
}

/// A typed arg value, before it becomes part of an [`Action`].
enum Val {
    Str(String),
    Int(i64),
    Dir(Dir),
}

impl Action {
    /// Parse `name arg…` (whitespace separated; the last string arg takes the rest of the
    /// line, so paths with spaces work).
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (name, rest) = match text.find(char::is_whitespace) {
            Some(i) => (&text[..i], text[i..].trim()),
            None => (text, ""),
        };
        if name.is_empty() {
            return Err("no action given".to_owned());
        }
        let Some(spec) = spec(name) else {
            let guess = suggest(name)
                .map(|n| format!(" (did you mean {n}?)"))
                .unwrap_or_default();
            return Err(format!("unknown action {name:?}{guess}"));
        };
        let mut vals = Vec::new();
        let mut rest = rest;
        for (i, a) in spec.args.iter().enumerate() {
            if rest.is_empty() {
                if a.required {
                    return Err(format!(
                        "{name}: missing <{}> ({}) — usage: {}",
                        a.name,
                        a.kind.describe(),
                        spec.usage()
                    ));
                }
                vals.push(None);
                continue;
            }
            let last = i + 1 == spec.args.len();
            let word = if last && a.kind == ArgKind::Str {
                std::mem::take(&mut rest)
            } else {
                let (w, r) = match rest.find(char::is_whitespace) {
                    Some(j) => (&rest[..j], rest[j..].trim_start()),
                    None => (rest, ""),
                };
                rest = r;
                w
            };
            vals.push(Some(parse_val(name, a, word)?));
        }
        if !rest.is_empty() {
            return Err(format!(
                "{name}: unexpected {rest:?} — usage: {}",
                spec.usage()
            ));
        }
        Ok(Self::from_parts(name, vals))
    }

    fn from_parts(name: &str, vals: Vec<Option<Val>>) -> Self {
        let mut it = vals.into_iter();
        let mut next = || it.next().flatten();
        let s = |v: Option<Val>| match v {
            Some(Val::Str(s)) => Some(s),
            _ => None,
        };
        let d = |v: Option<Val>| match v {
            Some(Val::Dir(d)) => d,
            _ => Dir::Right,
        };
        match name {
            "quit" => Self::Quit,
            "show_help" => Self::ShowHelp,
            "focus_command_bar" => Self::FocusCommandBar(s(next())),
            "focus_orchestrator" => Self::FocusOrchestrator,
            "focus_panel" => Self::FocusPanel(s(next()).unwrap_or_default()),
            "cycle_focus" => Self::CycleFocus {
                forward: s(next()).as_deref() != Some("prev"),
            },
            "focus" => Self::Focus(d(next())),
            "resize" => Self::Resize(d(next())),
            "zoom" => Self::Zoom,
            "reset_layout" => Self::ResetLayout,
            "new_tab" => Self::NewTab,
            "close_tab" => Self::CloseTab,
            "switch_tab" => Self::SwitchTab(match next() {
                Some(Val::Int(n)) => u32::try_from(n).unwrap_or(1),
                _ => 1,
            }),
            "next_tab" => Self::NextTab,
            "prev_tab" => Self::PrevTab,
            "open_layout_switcher" => Self::OpenLayoutSwitcher,
            "open_theme_switcher" => Self::OpenThemeSwitcher,
            "open_history" => Self::OpenHistory,
            "open_permissions" => Self::OpenPermissions,
            "show_permission_prompt" => Self::ShowPermissionPrompt,
            "interrupt_agent" => Self::InterruptAgent(s(next())),
            "change_cwd" => Self::ChangeCwd { path: s(next()) },
            "open_in_editor" => Self::OpenInEditor,
            "new_agent" => Self::NewAgent(s(next())),
            // `spec` accepted the name, so every registered name has an arm above.
            _ => Self::ShowHelp,
        }
    }

    /// The registry name.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Quit => "quit",
            Self::ShowHelp => "show_help",
            Self::FocusCommandBar(_) => "focus_command_bar",
            Self::FocusOrchestrator => "focus_orchestrator",
            Self::FocusPanel(_) => "focus_panel",
            Self::CycleFocus { .. } => "cycle_focus",
            Self::Focus(_) => "focus",
            Self::Resize(_) => "resize",
            Self::Zoom => "zoom",
            Self::ResetLayout => "reset_layout",
            Self::NewTab => "new_tab",
            Self::CloseTab => "close_tab",
            Self::SwitchTab(_) => "switch_tab",
            Self::NextTab => "next_tab",
            Self::PrevTab => "prev_tab",
            Self::OpenLayoutSwitcher => "open_layout_switcher",
            Self::OpenThemeSwitcher => "open_theme_switcher",
            Self::OpenHistory => "open_history",
            Self::OpenPermissions => "open_permissions",
            Self::ShowPermissionPrompt => "show_permission_prompt",
            Self::InterruptAgent(_) => "interrupt_agent",
            Self::ChangeCwd { .. } => "change_cwd",
            Self::OpenInEditor => "open_in_editor",
            Self::NewAgent(_) => "new_agent",
        }
    }

    /// What the help overlay says it does.
    pub(crate) fn about(&self) -> &'static str {
        spec(self.name()).map_or("", |s| s.about)
    }
}

/// The closest action name: a fuzzy (subsequence) match, else the smallest edit distance
/// (typos like `open_histroy`).
fn suggest(name: &str) -> Option<&'static str> {
    if let Some(&i) = crate::ui::fuzzy::filter(name, ACTIONS.iter().map(|a| a.name)).first() {
        return Some(ACTIONS[i].name);
    }
    ACTIONS
        .iter()
        .map(|a| (edit_distance(name, a.name), a.name))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn parse_val(action: &str, a: &ArgSpec, word: &str) -> Result<Val, String> {
    let bad = || {
        format!(
            "{action}: <{}> must be {}, not {word:?}",
            a.name,
            a.kind.describe()
        )
    };
    match a.kind {
        ArgKind::Str => Ok(Val::Str(word.to_owned())),
        ArgKind::Int { min, max } => match word.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Val::Int(n)),
            _ => Err(bad()),
        },
        ArgKind::Dir => Dir::parse(word).map(Val::Dir).ok_or_else(bad),
        ArgKind::OneOf(words) => words
            .contains(&word)
            .then(|| Val::Str(word.to_owned()))
            .ok_or_else(bad),
    }
}

/// Prints the canonical `name args` form that [`Action::parse`] reads back.
impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Self::FocusPanel(p) | Self::FocusCommandBar(Some(p)) => write!(f, " {p}"),
            Self::CycleFocus { forward: false } => f.write_str(" prev"),
            Self::Focus(d) | Self::Resize(d) => write!(f, " {}", d.as_str()),
            Self::SwitchTab(n) => write!(f, " {n}"),
            Self::InterruptAgent(Some(a)) => write!(f, " {a}"),
            Self::ChangeCwd { path: Some(p) } => write!(f, " {p}"),
            Self::NewAgent(Some(n)) => write!(f, " {n}"),
            _ => Ok(()),
        }
    }
}

/// Completions for the command bar: action names while the first word is typed (fuzzy),
/// then the choices of a `OneOf`/`Dir` arg. `colon`: the line started with `:`.
pub(crate) fn complete(text: &str) -> Vec<crate::ui::slash::Completion> {
    use crate::ui::slash::Completion;
    let (prefix, body) = match text.strip_prefix(':') {
        Some(b) => (":", b),
        None => ("", text),
    };
    if body.contains('\n') || prefix.is_empty() && body.is_empty() {
        return Vec::new();
    }
    let Some(i) = body.find(char::is_whitespace) else {
        return crate::ui::fuzzy::rank(body, ACTIONS.iter().map(|a| a.name))
            .into_iter()
            .map(|h| {
                let a = &ACTIONS[h.index];
                let takes = !a.args.is_empty();
                Completion {
                    label: format!("{prefix}{}", a.name),
                    hint: a.hint(),
                    about: a.about,
                    fill: format!("{prefix}{}{}", a.name, if takes { " " } else { "" }),
                    runs: a.args.iter().all(|x| !x.required),
                    positions: h
                        .positions
                        .iter()
                        .map(|p| p + prefix.len() as u32)
                        .collect(),
                }
            })
            .collect();
    };
    let (name, arg) = (&body[..i], body[i..].trim_start());
    let Some(a) = spec(name) else {
        return Vec::new();
    };
    let choices: &[&str] = match a.args.first().map(|x| x.kind) {
        Some(ArgKind::Dir) => &["left", "right", "up", "down"],
        Some(ArgKind::OneOf(w)) => w,
        _ => return Vec::new(),
    };
    if arg.contains(char::is_whitespace) {
        return Vec::new();
    }
    crate::ui::fuzzy::rank(arg, choices.iter().copied())
        .into_iter()
        .filter(|h| choices[h.index] != arg)
        .map(|h| Completion {
            label: choices[h.index].to_owned(),
            hint: "",
            about: a.about,
            fill: format!("{prefix}{name} {}", choices[h.index]),
            runs: true,
            positions: h.positions,
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_typed_args() {
        assert_eq!(
            Action::parse("focus_panel agents").unwrap(),
            Action::FocusPanel("agents".into())
        );
        assert_eq!(
            Action::parse("  switch_tab 3 ").unwrap(),
            Action::SwitchTab(3)
        );
        assert_eq!(
            Action::parse("resize left").unwrap(),
            Action::Resize(Dir::Left)
        );
        assert_eq!(
            Action::parse("cycle_focus prev").unwrap(),
            Action::CycleFocus { forward: false }
        );
        assert_eq!(
            Action::parse("cycle_focus").unwrap(),
            Action::CycleFocus { forward: true }
        );
        assert_eq!(
            Action::parse("interrupt_agent").unwrap(),
            Action::InterruptAgent(None)
        );
        assert_eq!(
            Action::parse("change_cwd /tmp/a b").unwrap(),
            Action::ChangeCwd {
                path: Some("/tmp/a b".into())
            }
        );
    }

    #[test]
    fn errors_are_precise() {
        let e = Action::parse("focus_panel").unwrap_err();
        assert!(
            e.contains("missing <panel>") && e.contains("usage: focus_panel <panel: string>"),
            "{e}"
        );
        let e = Action::parse("switch_tab 0").unwrap_err();
        assert!(e.contains("<n> must be integer 1..99, not \"0\""), "{e}");
        let e = Action::parse("switch_tab two").unwrap_err();
        assert!(e.contains("not \"two\""), "{e}");
        let e = Action::parse("resize sideways").unwrap_err();
        assert!(e.contains("left|right|up|down"), "{e}");
        let e = Action::parse("zoom please").unwrap_err();
        assert!(e.contains("unexpected \"please\""), "{e}");
        let e = Action::parse("open_histroy").unwrap_err();
        assert!(
            e.contains("unknown action") && e.contains("open_history"),
            "{e}"
        );
        assert!(Action::parse("").is_err());
    }

    #[test]
    fn every_registered_action_round_trips() {
        for spec in ACTIONS {
            let mut line = spec.name.to_owned();
            for a in spec.args.iter().filter(|a| a.required) {
                line.push(' ');
                line.push_str(match a.kind {
                    ArgKind::Int { .. } => "2",
                    ArgKind::Dir => "up",
                    ArgKind::OneOf(w) => w[0],
                    ArgKind::Str => "x",
                });
            }
            let action = Action::parse(&line).unwrap();
            assert_eq!(action.name(), spec.name, "{line}");
            assert_eq!(Action::parse(&action.to_string()).unwrap(), action);
        }
    }

    #[test]
    fn completes_names_then_choices() {
        let c = complete(":hist");
        assert_eq!(c[0].label, ":open_history");
        assert_eq!(c[0].fill, ":open_history");
        assert!(c[0].runs);
        let c = complete("focus_p");
        assert_eq!(c[0].fill, "focus_panel ");
        assert!(!c[0].runs, "focus_panel needs an arg");
        let c = complete("resize l");
        assert_eq!(c[0].fill, "resize left");
        assert!(complete("").is_empty());
    }
}

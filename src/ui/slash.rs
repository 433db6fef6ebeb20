//! Slash commands: the command table, parsing a submitted line, and completions for the popup.
//!
//! The chat input takes `/name args`; the command bar also takes the bare `name args` form
//! (only where it cannot be mistaken for a message: see [`parse`]).

use crate::ui::fuzzy;

/// One command of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CommandSpec {
    /// Name without the slash.
    pub name: &'static str,
    /// Argument hint (`<title>`), empty when it takes none.
    pub args: &'static str,
    /// One-line description.
    pub about: &'static str,
    /// Values the argument completes to.
    pub choices: &'static [&'static str],
}

impl CommandSpec {
    fn takes_args(&self) -> bool {
        !self.args.is_empty()
    }
}

/// Every command, in the order the popup lists them with an empty query.
pub(crate) const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "reset",
        args: "",
        about: "start a fresh orchestrator session",
        choices: &[],
    },
    CommandSpec {
        name: "resume",
        args: "[filter]",
        about: "pick a past orchestrator session to continue",
        choices: &[],
    },
    CommandSpec {
        name: "rename",
        args: "<title>",
        about: "title the current session",
        choices: &[],
    },
    CommandSpec {
        name: "model",
        args: "<name>",
        about: "switch the orchestrator's model",
        choices: &["sonnet", "opus", "haiku"],
    },
    CommandSpec {
        name: "clear",
        args: "",
        about: "clear the chat view (the session and its journal stay)",
        choices: &[],
    },
    CommandSpec {
        name: "new",
        args: "[name]",
        about: "spawn a child agent (the New agent dialog)",
        choices: &[],
    },
    CommandSpec {
        name: "agents",
        args: "",
        about: "focus the agent table",
        choices: &[],
    },
    CommandSpec {
        name: "permissions",
        args: "",
        about: "open the permission rules screen",
        choices: &[],
    },
    CommandSpec {
        name: "bypass-permissions",
        args: "",
        about: "let every running session skip permission prompts",
        choices: &[],
    },
    CommandSpec {
        name: "require-permissions",
        args: "",
        about: "ask for permissions again (default mode)",
        choices: &[],
    },
    CommandSpec {
        name: "cd",
        args: "<path>",
        about: "switch the project directory",
        choices: &[],
    },
    CommandSpec {
        name: "help",
        args: "",
        about: "keys and commands",
        choices: &[],
    },
];

/// A command with its arguments, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Slash {
    /// Fresh orchestrator session.
    Reset,
    /// Open the session picker, pre-filtered.
    Resume { filter: String },
    /// Title the current session.
    Rename { title: String },
    /// Switch the orchestrator's model.
    Model { name: String },
    /// Clear the chat view.
    Clear,
    /// Open the New agent dialog, optionally with the name filled in.
    New { name: String },
    /// Focus the agent table.
    Agents,
    /// Open the Permissions screen.
    Permissions,
    /// Switch running sessions to bypassPermissions.
    BypassPermissions,
    /// Switch running sessions back to the default mode.
    RequirePermissions,
    /// The help overlay.
    Help,
    /// Switch the project directory.
    Cd { path: String },
}

/// What a submitted line means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// Not a command: send this text to the model (`//x` arrives here as `/x`).
    Message(String),
    /// A command to run.
    Command(Slash),
    /// `/x` with no such command (the name as typed, with its slash).
    Unknown(String),
    /// A known command used wrongly; the text says how to use it.
    Usage(String),
}

fn spec(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

fn split_name(body: &str) -> (&str, &str) {
    match body.find(char::is_whitespace) {
        Some(i) => (&body[..i], body[i..].trim()),
        None => (body, ""),
    }
}

fn build(spec: &CommandSpec, arg: &str) -> Result<Slash, String> {
    let usage = || format!("usage: /{} {} — {}", spec.name, spec.args, spec.about);
    let no_args = |s: Slash| {
        if arg.is_empty() {
            Ok(s)
        } else {
            Err(format!("/{} takes no arguments", spec.name))
        }
    };
    match spec.name {
        "reset" => no_args(Slash::Reset),
        "resume" => Ok(Slash::Resume {
            filter: arg.to_owned(),
        }),
        "rename" if arg.is_empty() => Err(usage()),
        "rename" => Ok(Slash::Rename {
            title: arg.to_owned(),
        }),
        "model" if arg.is_empty() || arg.contains(char::is_whitespace) => Err(usage()),
        "model" => Ok(Slash::Model {
            name: arg.to_owned(),
        }),
        "clear" => no_args(Slash::Clear),
        "new" => Ok(Slash::New {
            name: arg.to_owned(),
        }),
        "agents" => no_args(Slash::Agents),
        "permissions" => no_args(Slash::Permissions),
        "bypass-permissions" => no_args(Slash::BypassPermissions),
        "require-permissions" => no_args(Slash::RequirePermissions),
        "help" => no_args(Slash::Help),
        "cd" if arg.is_empty() => Err(usage()),
        "cd" => Ok(Slash::Cd {
            path: arg.to_owned(),
        }),
        _ => Err(format!("/{} is not implemented", spec.name)),
    }
}

/// Parse a submitted line. `bare` (the command bar) also accepts `name args` without the
/// slash, but only where it cannot be a message: an argument-less command alone on the line,
/// or `model <one word>` (`rename`/`resume` with text need the slash).
pub(crate) fn parse(text: &str, bare: bool) -> Parsed {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("//") {
        return Parsed::Message(format!("/{rest}"));
    }
    if let Some(body) = text.strip_prefix('/') {
        let (name, arg) = split_name(body);
        return match spec(name) {
            Some(s) => match build(s, arg) {
                Ok(c) => Parsed::Command(c),
                Err(usage) => Parsed::Usage(usage),
            },
            None => Parsed::Unknown(format!("/{name}")),
        };
    }
    if bare {
        let (name, arg) = split_name(text);
        if let Some(s) = spec(name) {
            let plain = (!s.takes_args() || s.name == "resume") && arg.is_empty();
            let model = s.name == "model" && !arg.is_empty() && !arg.contains(char::is_whitespace);
            if (plain || model)
                && let Ok(c) = build(s, arg)
            {
                return Parsed::Command(c);
            }
        }
    }
    Parsed::Message(text.to_owned())
}

/// One line of the completion popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Completion {
    /// What is shown (`/model`, or `opus` for an argument).
    pub label: String,
    /// Argument hint shown after the label.
    pub hint: &'static str,
    /// Description.
    pub about: &'static str,
    /// The input's text after completing.
    pub fill: String,
    /// Enter runs the command right after completing (nothing left to type).
    pub runs: bool,
    /// Matched char positions in `label` (for highlighting).
    pub positions: Vec<u32>,
}

/// Completions for the text in an input. `bare` (the command bar) also completes a first
/// word without the slash, by prefix only, so ordinary messages rarely open the popup.
pub(crate) fn complete(text: &str, bare: bool) -> Vec<Completion> {
    if text.contains('\n') {
        return Vec::new();
    }
    let (prefix, body) = match text.strip_prefix('/') {
        Some(b) if b.starts_with('/') => return Vec::new(),
        Some(b) => ("/", b),
        None if bare && !text.is_empty() => ("", text),
        None => return Vec::new(),
    };
    if !body.contains(char::is_whitespace) {
        let names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
        let hits: Vec<fuzzy::Hit> = if prefix.is_empty() {
            names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.starts_with(body))
                .map(|(index, _)| fuzzy::Hit {
                    index,
                    score: 0,
                    positions: (0..body.chars().count() as u32).collect(),
                })
                .collect()
        } else {
            fuzzy::rank(body, names.iter().copied())
        };
        return hits
            .into_iter()
            .map(|h| {
                let c = &COMMANDS[h.index];
                Completion {
                    label: format!("{prefix}{}", c.name),
                    hint: c.args,
                    about: c.about,
                    fill: if c.takes_args() {
                        format!("{prefix}{} ", c.name)
                    } else {
                        format!("{prefix}{}", c.name)
                    },
                    runs: !c.takes_args() || c.name == "resume",
                    // Positions count in the label, which starts with the prefix.
                    positions: h
                        .positions
                        .iter()
                        .map(|p| p + prefix.len() as u32)
                        .collect(),
                }
            })
            .collect();
    }
    let (name, arg) = match body.find(char::is_whitespace) {
        Some(i) => (&body[..i], body[i..].trim_start()),
        None => (body, ""),
    };
    let Some(c) = spec(name) else {
        return Vec::new();
    };
    if c.choices.is_empty() || arg.contains(char::is_whitespace) {
        return Vec::new();
    }
    fuzzy::rank(arg, c.choices.iter().copied())
        .into_iter()
        .filter(|h| c.choices[h.index] != arg)
        .map(|h| Completion {
            label: c.choices[h.index].to_owned(),
            hint: "",
            about: c.about,
            fill: format!("{prefix}{} {}", c.name, c.choices[h.index]),
            runs: true,
            positions: h.positions,
        })
        .collect()
}

#[cfg(test)]
mod tests;

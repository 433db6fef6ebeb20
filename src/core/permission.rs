//! Permission requests, decisions, and the rules that answer requests without asking:
//! Claude-Code-compatible rule syntax, shell-aware matching (`Grants::decide`), proposals.

use crate::core::ids::RequestId;
use crate::core::shell::{self, Segment, Word};
use crate::core::time::Epoch;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// A tool call an agent wants to make and the CLI asked the host about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionRequest {
    /// The CLI's control request id (answers must echo it).
    pub request_id: RequestId,
    /// Tool name (`Bash`, `Write`, `mcp__server__tool`, …).
    pub tool_name: String,
    /// The tool input as the model wrote it.
    pub input: Value,
    /// The CLI's human description, if any.
    pub description: Option<String>,
    /// The path the CLI considers blocked, if any.
    pub blocked_path: Option<String>,
    /// The CLI's suggested rules (raw `permission_suggestions`).
    pub suggestions: Value,
    /// The tool_use id this request is for.
    pub tool_use_id: Option<String>,
}

/// The host's answer to a permission request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "behavior", rename_all = "snake_case")]
pub enum Decision {
    /// Run the tool with this input (the original one to allow unchanged).
    Allow {
        /// Input to run.
        updated_input: Value,
    },
    /// Do not run it; the agent gets `message` as an error tool result.
    Deny {
        /// What the agent is told.
        message: String,
        /// Also stop the agent's turn.
        interrupt: bool,
    },
}

impl Decision {
    /// Short label for activity lines.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Allow { .. } => "allowed",
            Self::Deny {
                interrupt: false, ..
            } => "denied",
            Self::Deny {
                interrupt: true, ..
            } => "denied (interrupt)",
        }
    }
}

// ----- rules ------------------------------------------------------------------------------

/// What a rule does when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Behavior {
    /// Answer allow without asking.
    Allow,
    /// Answer deny without asking.
    Deny,
}

impl Behavior {
    /// `allow` / `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
        }
    }
}

/// Where a rule lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleSource {
    /// In memory until the app exits.
    Session,
    /// `<project>/.patchfeld/permission_grants.json`.
    Project,
    /// `<config dir>/permission_grants.json`.
    User,
}

impl RuleSource {
    /// `session` / `project` / `user`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Session => "session",
            Self::Project => "project",
            Self::User => "user",
        }
    }

    /// Parse `session` / `project` / `user` (`global` is accepted for `user`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "session" => Some(Self::Session),
            "project" => Some(Self::Project),
            "user" | "global" => Some(Self::User),
            _ => None,
        }
    }
}

/// `Tool` or `Tool(specifier)`, in Claude Code's rule syntax.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RulePattern {
    /// Tool name (`Bash`, `Edit`, `mcp__server__tool`, `mcp__server__*`).
    pub tool: String,
    /// What inside the call the rule is about (`npm run test:*`, `src/**`, `domain:x.com`).
    pub specifier: Option<String>,
}

impl RulePattern {
    /// Parse `Tool` or `Tool(specifier)`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (tool, specifier) = match text.find('(') {
            Some(open) => {
                let Some(inner) = text[open + 1..].strip_suffix(')') else {
                    return Err(format!("'{text}': missing ')' at the end"));
                };
                (&text[..open], Some(inner.trim().to_owned()))
            }
            None => (text, None),
        };
        let tool = tool.trim();
        if tool.is_empty()
            || !tool
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '*')
        {
            return Err(format!(
                "'{text}': a rule is Tool or Tool(specifier), e.g. Bash(npm run test:*)"
            ));
        }
        if tool.contains('*') && !(tool.starts_with("mcp__") && tool.ends_with("__*")) {
            return Err(format!(
                "'{text}': '*' in a tool name is only allowed as mcp__server__*"
            ));
        }
        if specifier.as_deref() == Some("") {
            return Err(format!("'{text}': empty specifier; write just '{tool}'"));
        }
        Ok(Self {
            tool: tool.to_owned(),
            specifier,
        })
    }

    fn bash_spec(&self) -> Option<BashSpec> {
        let spec = self.specifier.as_deref()?;
        if spec == "*" {
            return Some(BashSpec::Any);
        }
        let (body, prefix) = if let Some(b) = spec.strip_suffix(":*") {
            (b, true)
        } else if let Some(b) = spec.strip_suffix(" *") {
            (b, true)
        } else {
            (spec, false)
        };
        let words = shell::words(body).ok()?;
        if words.is_empty() {
            return None;
        }
        Some(BashSpec::Words { words, prefix })
    }
}

impl fmt::Display for RulePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.specifier {
            Some(s) => write!(f, "{}({s})", self.tool),
            None => f.write_str(&self.tool),
        }
    }
}

impl TryFrom<String> for RulePattern {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<RulePattern> for String {
    fn from(p: RulePattern) -> String {
        p.to_string()
    }
}

/// Parse a list of rules separated by top-level commas: `Bash(echo hi *), Edit(/out.txt)`.
pub fn parse_rule_list(text: &str) -> Result<Vec<RulePattern>, String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    // Inside a Bash specifier, parentheses and commas in shell quotes are text: proposals
    // are written this way (`Bash(echo ')'), Bash(ls)`).
    let mut bash = false;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if bash && depth > 0 {
            if escaped {
                escaped = false;
                continue;
            }
            match quote {
                Some(q) => {
                    if c == q {
                        quote = None;
                    } else if q == '"' && c == '\\' {
                        escaped = true;
                    }
                    continue;
                }
                None if c == '\\' => {
                    escaped = true;
                    continue;
                }
                None if c == '\'' || c == '"' => {
                    quote = Some(c);
                    continue;
                }
                None => {}
            }
        }
        match c {
            '(' => {
                if depth == 0 {
                    bash = text[start..i].trim() == "Bash";
                }
                depth += 1;
            }
            ')' => depth -= 1,
            ',' if depth == 0 => {
                if !text[start..i].trim().is_empty() {
                    out.push(RulePattern::parse(&text[start..i])?);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(RulePattern::parse(&text[start..])?);
    }
    if out.is_empty() {
        return Err("no rule given".to_owned());
    }
    Ok(out)
}

/// Print rules as `parse_rule_list` reads them.
pub fn format_rule_list(rules: &[RulePattern]) -> String {
    rules
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A saved decision about tool calls, with its audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Short unique id (for delete and for "decided by").
    pub id: String,
    /// What it matches.
    pub rule: RulePattern,
    /// Allow or deny.
    pub behavior: Behavior,
    /// Agent name it applies to, or `*` for every agent.
    pub scope: String,
    /// Where it is saved (set by whoever loaded it; not stored in the file).
    #[serde(skip, default = "session_source")]
    pub source: RuleSource,
    /// When it was made.
    pub created_at: Epoch,
    /// Who made it (`user`, `user via dry-run`, …).
    pub created_by: String,
    /// The request it was made from: `<agent>: <tool> <input brief>`.
    #[serde(default)]
    pub from_request: Option<String>,
    /// It stops applying at this time.
    #[serde(default)]
    pub expires_at: Option<Epoch>,
    /// How many requests it decided.
    #[serde(default)]
    pub hits: u64,
    /// When it last decided one.
    #[serde(default)]
    pub last_hit: Option<Epoch>,
}

fn session_source() -> RuleSource {
    RuleSource::Session
}

impl Rule {
    /// Whether it applies to `agent_name` at `now`.
    pub fn applies(&self, agent_name: &str, now: Epoch) -> bool {
        (self.scope == "*" || self.scope == agent_name) && self.expires_at.is_none_or(|t| t > now)
    }

    /// `allow Bash(git status) for * (project)`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} for {} ({})",
            self.behavior.as_str(),
            self.rule,
            self.scope,
            self.source.as_str()
        )
    }
}

/// The outcome of checking a request against the rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Every part is allowed; these rules said so (at least one).
    Allow {
        /// The deciding rules.
        rules: Vec<Rule>,
    },
    /// A deny rule matched.
    Deny {
        /// The rule.
        rule: Rule,
        /// The part it matched (a Bash part, a written file), if the request has parts.
        part: Option<String>,
    },
    /// No rule decides: ask the user.
    Ask {
        /// Why (shown in the modal).
        reason: String,
        /// The part that caused it, if the request has parts.
        part: Option<String>,
    },
}

impl Verdict {
    /// One line for the dry-run box and for notices.
    pub fn explain(&self) -> String {
        match self {
            Self::Allow { rules } => format!(
                "allowed by {}",
                rules
                    .iter()
                    .map(Rule::describe)
                    .collect::<Vec<_>>()
                    .join(" + ")
            ),
            Self::Deny { rule, part } => match part {
                Some(p) => format!("denied: `{p}` matches {}", rule.describe()),
                None => format!("denied by {}", rule.describe()),
            },
            Self::Ask { reason, .. } => format!("would ask: {reason}"),
        }
    }
}

/// Rules to save, as the user chose them (modal "always", Permissions screen).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDraft {
    /// What to match (one rule is made per pattern).
    pub patterns: Vec<RulePattern>,
    /// Allow or deny.
    pub behavior: Behavior,
    /// Agent name or `*`.
    pub scope: String,
    /// Where to save.
    pub source: RuleSource,
    /// Optional end of validity.
    pub expires_at: Option<Epoch>,
    /// Who asks (`user`, …), for the audit trail.
    pub created_by: String,
}

/// What the UI shows with a pending request, computed by the engine (which may read files).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PermissionContext {
    /// Why no rule decided it.
    pub reason: String,
    /// The part of a Bash command that caused the prompt.
    pub part: Option<String>,
    /// The rules "always" would save, as editable text (`parse_rule_list` reads it).
    pub proposal: String,
    /// The agent's working directory.
    pub cwd: String,
    /// For file edits: a unified diff of the change against the file on disk.
    pub diff: Option<String>,
}

/// Parse a typed rule: `allow|deny RULE[, RULE…] [for AGENT|*] [in session|project|user]
/// [expires 30m|2h|7d]` (defaults: every agent, project). `now` dates the expiry.
pub fn parse_rule_command(text: &str, now: Epoch) -> Result<RuleDraft, String> {
    let text = text.trim();
    let (verb, mut rest) = text.split_once(' ').unwrap_or((text, ""));
    let behavior = match verb {
        "allow" => Behavior::Allow,
        "deny" => Behavior::Deny,
        _ => {
            return Err(
                "start with allow or deny, e.g. allow Bash(npm test) for * in project".into(),
            );
        }
    };
    let mut scope = "*".to_owned();
    let mut source = RuleSource::Project;
    let mut expires_at = None;
    // Options come after the rules (rules may contain spaces, but not after their `)`).
    loop {
        let trimmed = rest.trim_end();
        let Some((head, value)) = trimmed.rsplit_once(' ') else {
            break;
        };
        if value.contains(['(', ')']) {
            break;
        }
        let Some((head, key)) = head
            .trim_end()
            .rsplit_once(' ')
            .or(Some(("", head.trim_end())))
        else {
            break;
        };
        match key {
            "for" => scope = value.to_owned(),
            "in" => {
                source = RuleSource::parse(value)
                    .ok_or_else(|| format!("'{value}': where is session, project or user"))?;
            }
            "expires" => {
                // The unit is the last char, which may be multi-byte in a typo (`5é`).
                let cut = value.char_indices().last().map_or(0, |(i, _)| i);
                let (n, unit) = value.split_at(cut);
                let n: f64 = n
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite() && *n > 0.0)
                    .ok_or_else(|| format!("'{value}': use e.g. 30m, 2h, 7d"))?;
                let secs = match unit {
                    "m" => 60.0,
                    "h" => 3600.0,
                    "d" => 86_400.0,
                    _ => return Err(format!("'{value}': use e.g. 30m, 2h, 7d")),
                };
                let at = now + n * secs;
                if !at.is_finite() {
                    return Err(format!("'{value}': use e.g. 30m, 2h, 7d"));
                }
                expires_at = Some(at);
            }
            _ => break,
        }
        rest = head;
    }
    Ok(RuleDraft {
        patterns: parse_rule_list(rest)?,
        behavior,
        scope,
        source,
        expires_at,
        created_by: "user".to_owned(),
    })
}

/// Where the request runs, for resolving paths.
#[derive(Debug, Clone, Copy)]
pub struct CallContext<'a> {
    /// The agent's name (rule scope).
    pub agent_name: &'a str,
    /// The project root (relative rule paths are relative to it).
    pub project_root: &'a Path,
    /// The agent's working directory (relative tool paths are relative to it).
    pub cwd: &'a Path,
    /// The current time (for `expires_at`).
    pub now: Epoch,
}

/// Something a request needs permission for.
#[derive(Debug, Clone)]
enum Item {
    /// A whole non-Bash tool call.
    Call,
    /// One simple command of a Bash command line.
    Command(Segment),
    /// A file a Bash redirect writes.
    Write(Word),
}

impl Item {
    fn label(&self) -> Option<String> {
        match self {
            Self::Call => None,
            Self::Command(s) => Some(s.command_text()),
            Self::Write(w) => Some(format!("> {}", w.value)),
        }
    }
}

enum BashSpec {
    Any,
    Words { words: Vec<Word>, prefix: bool },
}

/// Tools whose rules are about file paths, by family: a rule for one member covers all.
const EDIT_TOOLS: &[&str] = &["Edit", "Write", "MultiEdit", "NotebookEdit"];
const READ_TOOLS: &[&str] = &["Read", "Glob", "Grep", "LS"];
/// Commands that run their arguments as a command: a deny of `rm` also denies `sudo rm`.
const WRAPPERS: &[&str] = &[
    "sudo", "env", "command", "exec", "nohup", "nice", "builtin", "xargs", "doas", "time",
];

fn family(tool: &str) -> Option<&'static [&'static str]> {
    if EDIT_TOOLS.contains(&tool) {
        Some(EDIT_TOOLS)
    } else if READ_TOOLS.contains(&tool) {
        Some(READ_TOOLS)
    } else {
        None
    }
}

/// The set of rules in force (every source), and the matcher.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grants {
    /// All rules, any source.
    pub rules: Vec<Rule>,
}

impl Grants {
    /// Decide `req` for the agent in `ctx`: a matching deny of any part denies; otherwise the
    /// request is allowed only when every part is allowed; otherwise ask.
    pub fn decide(&self, req: &PermissionRequest, ctx: &CallContext<'_>) -> Verdict {
        let active: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.applies(ctx.agent_name, ctx.now))
            .collect();
        let items = match items_of(req) {
            Ok(items) => items,
            Err(e) => {
                // Unparseable Bash: only a rule for all of Bash can decide it.
                let whole = |b: Behavior| {
                    active.iter().find(|r| {
                        r.behavior == b
                            && r.rule.tool == "Bash"
                            && matches!(r.rule.specifier.as_deref(), None | Some("*"))
                    })
                };
                if let Some(r) = whole(Behavior::Deny) {
                    return Verdict::Deny {
                        rule: (*r).clone(),
                        part: None,
                    };
                }
                if let Some(r) = whole(Behavior::Allow) {
                    return Verdict::Allow {
                        rules: vec![(*r).clone()],
                    };
                }
                return Verdict::Ask {
                    reason: format!("the command could not be split safely ({e})"),
                    part: None,
                };
            }
        };
        // Deny beats allow: look for any deny first.
        for item in &items {
            for r in active.iter().filter(|r| r.behavior == Behavior::Deny) {
                if matches(r, req, item, ctx, true) {
                    return Verdict::Deny {
                        rule: (*r).clone(),
                        part: item.label(),
                    };
                }
            }
        }
        let mut used: Vec<Rule> = Vec::new();
        let total = items
            .iter()
            .filter(|i| matches!(i, Item::Command(_)))
            .count();
        let mut part_no = 0;
        let bash_denies = active.iter().any(|r| {
            r.behavior == Behavior::Deny && r.rule.tool == "Bash" && r.rule.specifier.is_some()
        });
        for item in &items {
            if matches!(item, Item::Command(_)) {
                part_no += 1;
            }
            // A command whose name is only known at run time cannot be shown to escape the
            // deny rules, so no allow can cover it.
            if let Item::Command(seg) = item
                && bash_denies
                && seg
                    .words
                    .iter()
                    .find(|w| !is_assignment(&w.value))
                    .is_some_and(|w| w.dynamic)
            {
                return Verdict::Ask {
                    reason: format!(
                        "`{}` runs a command only known at run time, and deny rules exist",
                        seg.command_text()
                    ),
                    part: item.label(),
                };
            }
            let hit = active
                .iter()
                .find(|r| r.behavior == Behavior::Allow && matches(r, req, item, ctx, false));
            match hit {
                Some(r) => {
                    if !used.iter().any(|u| u.id == r.id) {
                        used.push((*r).clone());
                    }
                }
                None => {
                    let reason = match item {
                        Item::Call => format!("no rule allows {}", req.tool_name),
                        Item::Command(s) if total > 1 => format!(
                            "part {part_no} of {total}, `{}`, is not allowed by any rule",
                            s.command_text()
                        ),
                        Item::Command(s) => {
                            format!("`{}` is not allowed by any rule", s.command_text())
                        }
                        Item::Write(w) if w.dynamic => format!(
                            "the command writes to `{}`, a path only known when it runs",
                            w.value
                        ),
                        Item::Write(w) => format!(
                            "the command writes to `{}` and no Edit rule allows that file",
                            w.value
                        ),
                    };
                    return Verdict::Ask {
                        reason,
                        part: item.label(),
                    };
                }
            }
        }
        if used.is_empty() {
            // An empty command line: nothing runs, but nothing vouches for it either.
            return Verdict::Ask {
                reason: "empty command".to_owned(),
                part: None,
            };
        }
        Verdict::Allow { rules: used }
    }

    /// The rules an "always" answer would save for `req`: the CLI's own suggestions that
    /// cover a part not allowed yet, then one exact rule per part still uncovered (for Bash an
    /// `Edit` rule per written redirect target), so saving them allows the whole request.
    pub fn propose(&self, req: &PermissionRequest, ctx: &CallContext<'_>) -> Vec<RulePattern> {
        let mut out: Vec<RulePattern> = suggested_rules(&req.suggestions);
        let Ok(items) = items_of(req) else {
            // Unsplittable: nothing we could write would match it except all of Bash.
            if out.is_empty() {
                out.push(own_rule(req, ctx));
            }
            return out;
        };
        let active: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.applies(ctx.agent_name, ctx.now) && r.behavior == Behavior::Allow)
            .collect();
        let is_covered = |extra: &[RulePattern], item: &Item| {
            active.iter().any(|r| matches(r, req, item, ctx, false))
                || extra.iter().any(|p| {
                    let probe = Rule {
                        id: String::new(),
                        rule: p.clone(),
                        behavior: Behavior::Allow,
                        scope: "*".into(),
                        source: RuleSource::Session,
                        created_at: ctx.now,
                        created_by: String::new(),
                        from_request: None,
                        expires_at: None,
                        hits: 0,
                        last_hit: None,
                    };
                    matches(&probe, req, item, ctx, false)
                })
        };
        // The CLI's suggestions, only those that cover something not yet allowed.
        let uncovered: Vec<&Item> = items.iter().filter(|i| !is_covered(&[], i)).collect();
        out.retain(|p| {
            uncovered
                .iter()
                .any(|i| is_covered(std::slice::from_ref(p), i))
        });
        // Then our own rule for every part still uncovered.
        for item in uncovered {
            if is_covered(&out, item) {
                continue;
            }
            let p = match item {
                Item::Call => own_rule(req, ctx),
                Item::Command(s) => {
                    if s.words.is_empty() || s.words[0].dynamic {
                        continue;
                    }
                    let words: Vec<String> = s.words.iter().map(|w| w.value.clone()).collect();
                    RulePattern {
                        tool: "Bash".into(),
                        specifier: Some(shell::join(&words)),
                    }
                }
                Item::Write(w) if w.dynamic => continue,
                Item::Write(w) => RulePattern {
                    tool: "Edit".into(),
                    specifier: Some(path_spec(&resolve(ctx.cwd, &w.value), ctx.project_root)),
                },
            };
            if !out.contains(&p) {
                out.push(p);
            }
        }
        if out.is_empty() {
            out.push(own_rule(req, ctx));
        }
        out
    }
}

/// The rules in the CLI's `permission_suggestions` (`addRules` entries).
pub fn suggested_rules(suggestions: &Value) -> Vec<RulePattern> {
    let mut out = Vec::new();
    for s in suggestions.as_array().into_iter().flatten() {
        if s.get("type").and_then(Value::as_str) != Some("addRules") {
            continue;
        }
        for r in s
            .get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(tool) = r.get("toolName").and_then(Value::as_str) else {
                continue;
            };
            let text = match r.get("ruleContent").and_then(Value::as_str) {
                Some(c) if !c.is_empty() => format!("{tool}({c})"),
                _ => tool.to_owned(),
            };
            if let Ok(p) = RulePattern::parse(&text)
                && !out.contains(&p)
            {
                out.push(p);
            }
        }
    }
    out
}

/// Our own rule for a whole (non-Bash) call.
fn own_rule(req: &PermissionRequest, ctx: &CallContext<'_>) -> RulePattern {
    let tool = req.tool_name.clone();
    let specifier = if family(&tool).is_some() {
        input_path(&req.input).map(|p| path_spec(&resolve(ctx.cwd, &p), ctx.project_root))
    } else if tool == "WebFetch" {
        url_host(req.input.get("url").and_then(Value::as_str).unwrap_or(""))
            .map(|h| format!("domain:{h}"))
    } else if tool == "Bash" {
        req.input
            .get("command")
            .and_then(Value::as_str)
            .map(str::to_owned)
    } else {
        None
    };
    RulePattern { tool, specifier }
}

/// `src/a.rs`, `/top.txt` (anchored at the project root), or `//abs/path` outside it.
fn path_spec(abs: &Path, root: &Path) -> String {
    match abs.strip_prefix(root) {
        Ok(rel) => {
            let rel = rel.to_string_lossy();
            if rel.contains('/') {
                rel.into_owned()
            } else {
                format!("/{rel}")
            }
        }
        Err(_) => format!("/{}", abs.display()),
    }
}

fn items_of(req: &PermissionRequest) -> Result<Vec<Item>, shell::ShellError> {
    if req.tool_name != "Bash" {
        return Ok(vec![Item::Call]);
    }
    let cmd = req
        .input
        .get("command")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut items = Vec::new();
    bash_items(cmd, 0, &mut items)?;
    Ok(items)
}

/// Shells that run a string: `eval STRING…`, `bash -c STRING`.
const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "fish"];

fn bash_items(cmd: &str, depth: u8, items: &mut Vec<Item>) -> Result<(), shell::ShellError> {
    if depth > 3 {
        return Err(shell::ShellError::Unsupported("deeply nested shells"));
    }
    for seg in shell::split(cmd)? {
        let writes: Vec<Word> = seg.written_files().cloned().collect();
        // A string another shell runs is checked like a command line of its own (in addition
        // to the command that runs it).
        let inner = inner_script(&seg.words);
        if !seg.words.is_empty() {
            items.push(Item::Command(seg));
        }
        items.extend(writes.into_iter().map(Item::Write));
        if let Some(script) = inner {
            bash_items(&script, depth + 1, items)?;
        }
    }
    Ok(())
}

/// The script `eval …` or `sh -c '…'` runs, when the words are such a command.
fn inner_script(words: &[Word]) -> Option<String> {
    let skip = words.iter().take_while(|w| is_assignment(&w.value)).count();
    let rest = &words[skip..];
    let name = basename(&rest.first()?.value);
    if name == "eval" {
        return Some(
            rest[1..]
                .iter()
                .map(|w| w.value.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    if SHELLS.contains(&name) {
        let c = rest[1..].iter().position(|w| {
            w.value.starts_with('-') && !w.value.starts_with("--") && w.value.ends_with('c')
        })?;
        return rest.get(c + 2).map(|w| w.value.clone());
    }
    None
}

/// Whether rule `r` covers `item` of `req`. Deny matching (`for_deny`) also looks through
/// leading assignments, wrapper commands and the command's directory, so `Bash(rm:*)` denies
/// `FOO=1 sudo /bin/rm -rf x`; allow matching takes the words exactly as written.
fn matches(
    r: &Rule,
    req: &PermissionRequest,
    item: &Item,
    ctx: &CallContext<'_>,
    for_deny: bool,
) -> bool {
    let pat = &r.rule;
    match item {
        Item::Command(seg) => {
            if pat.tool != "Bash" {
                return false;
            }
            match pat.bash_spec() {
                None if pat.specifier.is_none() => true,
                None => false,
                Some(BashSpec::Any) => true,
                Some(BashSpec::Words { words, prefix }) => {
                    if for_deny {
                        deny_views(&seg.words)
                            .iter()
                            .any(|v| words_match(&words, v, prefix))
                    } else {
                        words_match(&words, &seg.words, prefix)
                    }
                }
            }
        }
        Item::Write(w) => {
            if pat.tool == "Bash" {
                return matches!(pat.specifier.as_deref(), None | Some("*"));
            }
            if !EDIT_TOOLS.contains(&pat.tool.as_str()) {
                return false;
            }
            let Some(spec) = pat.specifier.as_deref() else {
                return true;
            };
            if w.dynamic {
                // Unknown target: nothing can vouch for it, so it is asked about.
                return false;
            }
            path_matches(spec, &resolve(ctx.cwd, &w.value), ctx.project_root)
        }
        Item::Call => call_matches(pat, req, ctx),
    }
}

fn call_matches(pat: &RulePattern, req: &PermissionRequest, ctx: &CallContext<'_>) -> bool {
    let tool = req.tool_name.as_str();
    if let Some(server) = pat.tool.strip_suffix("__*") {
        return pat.specifier.is_none() && tool.starts_with(&format!("{server}__"));
    }
    if pat.tool.starts_with("mcp__") && pat.tool.matches("__").count() == 1 {
        // `mcp__server`: every tool of that server (and a tool of exactly that name).
        return pat.specifier.is_none()
            && (tool == pat.tool || tool.starts_with(&format!("{}__", pat.tool)));
    }
    let same_tool =
        pat.tool == tool || family(tool).is_some_and(|f| f.contains(&pat.tool.as_str()));
    if !same_tool {
        return false;
    }
    let Some(spec) = pat.specifier.as_deref() else {
        return true;
    };
    if spec == "*" {
        return true;
    }
    if family(tool).is_some() {
        let path = input_path(&req.input)
            .map(|p| resolve(ctx.cwd, &p))
            .unwrap_or_else(|| normalize(ctx.cwd));
        return path_matches(spec, &path, ctx.project_root);
    }
    if tool == "WebFetch" {
        let Some(want) = spec.strip_prefix("domain:") else {
            return false;
        };
        let Some(host) = url_host(req.input.get("url").and_then(Value::as_str).unwrap_or(""))
        else {
            return false;
        };
        return match want.strip_prefix("*.") {
            Some(base) => host == base || host.ends_with(&format!(".{base}")),
            None => host == want,
        };
    }
    crate::core::transcript::tool_input_brief(tool, &req.input) == spec
}

fn input_path(input: &Value) -> Option<String> {
    ["file_path", "notebook_path", "path"]
        .iter()
        .find_map(|k| input.get(*k).and_then(Value::as_str))
        .map(str::to_owned)
}

/// The host of an http(s) URL, lowercased, without port or credentials.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if host.starts_with('[') {
        host.split(']').next().map(|h| format!("{h}]"))?
    } else {
        host.split(':').next()?.to_owned()
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Views of a command a deny rule is checked against.
fn deny_views(words: &[Word]) -> Vec<Vec<Word>> {
    let with_base = |ws: &[Word]| -> Vec<Word> {
        let mut v = ws.to_vec();
        if let Some(first) = v.first_mut() {
            first.value = basename(&first.value).to_owned();
        }
        v
    };
    let mut views = vec![words.to_vec()];
    // Leading `NAME=value` assignments do not change which command runs.
    let skip = words.iter().take_while(|w| is_assignment(&w.value)).count();
    let rest = &words[skip..];
    let Some(first) = rest.first() else {
        return views;
    };
    views.push(with_base(rest));
    // `find … -exec rm {} ;` runs what follows -exec.
    for (i, w) in rest.iter().enumerate() {
        if matches!(w.value.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir") && i + 1 < rest.len()
        {
            views.push(with_base(&rest[i + 1..]));
        }
    }
    if WRAPPERS.contains(&basename(&first.value)) {
        // Options of wrappers may take arguments (`sudo -u root rm`): any later word may be
        // the command that runs.
        for i in 1..rest.len() {
            views.push(with_base(&rest[i..]));
        }
    }
    views
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

fn basename(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

fn words_match(rule: &[Word], cmd: &[Word], prefix: bool) -> bool {
    if cmd.len() < rule.len() || (!prefix && cmd.len() != rule.len()) {
        return false;
    }
    // A command name only known at run time never matches a specific rule.
    if cmd.first().is_some_and(|w| w.dynamic) {
        return false;
    }
    rule.iter().zip(cmd).all(|(r, c)| {
        if r.dynamic && r.value.contains('*') {
            glob_segment(&r.value, &c.value)
        } else {
            r.value == c.value
        }
    })
}

/// `path` joined to `cwd` when relative, then normalized lexically.
fn resolve(cwd: &Path, path: &str) -> PathBuf {
    normalize(&cwd.join(path))
}

/// Remove `.` and `..` without touching the filesystem.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Gitignore-style match of `pattern` against the absolute `path`: `//abs` is absolute; a
/// pattern with a `/` (other than at the end) is anchored at the project root; one without
/// matches at any depth; `**` spans directories; a directory pattern covers what is inside.
pub fn path_matches(pattern: &str, path: &Path, root: &Path) -> bool {
    let (pattern, subject) = if let Some(abs) = pattern.strip_prefix("//") {
        (
            abs.to_owned(),
            path.to_string_lossy().trim_start_matches('/').to_owned(),
        )
    } else {
        let Ok(rel) = path.strip_prefix(root) else {
            return false;
        };
        let anchored = pattern.trim_end_matches('/').contains('/');
        let p = pattern.trim_start_matches('/');
        let p = if anchored || pattern.starts_with('/') {
            p.to_owned()
        } else {
            format!("**/{p}")
        };
        (p, rel.to_string_lossy().into_owned())
    };
    let pattern = pattern.trim_end_matches('/');
    let pat: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let sub: Vec<&str> = subject.split('/').filter(|s| !s.is_empty()).collect();
    // The pattern itself, or the pattern as a directory containing the path.
    glob_path(&pat, &sub) || {
        let mut inside = pat.clone();
        inside.push("**");
        glob_path(&inside, &sub)
    }
}

fn glob_path(pat: &[&str], sub: &[&str]) -> bool {
    // Dynamic programming over (pattern, path) positions: the plain recursion tried every
    // split per `**` and took exponential time on `**/**/**/…` against a deep path.
    // `done[j]` holds whether `pat[i + 1..]` matches `sub[j..]` while row `i` is computed.
    let (np, ns) = (pat.len(), sub.len());
    let mut done: Vec<bool> = (0..=ns).map(|j| j == ns).collect();
    for i in (0..np).rev() {
        let mut row = vec![false; ns + 1];
        for j in (0..=ns).rev() {
            row[j] = if pat[i] == "**" {
                done[j] || (j < ns && row[j + 1])
            } else {
                j < ns && done[j + 1] && glob_segment(pat[i], sub[j])
            };
        }
        done = row;
    }
    done[0]
}

/// `*` (any run) and `?` (one char) within one path segment or word.
fn glob_segment(pat: &str, s: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let s: Vec<char> = s.chars().collect();
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Turn dry-run text (`Bash(ls > x)`, `Edit(src/a.rs)`, `WebFetch(https://x.com/a)`,
/// `mcp__s__t`) into a tool name and input.
pub fn dry_run_call(text: &str) -> Result<(String, Value), String> {
    let p = RulePattern::parse(text)?;
    let arg = p.specifier.clone().unwrap_or_default();
    let input = match p.tool.as_str() {
        "Bash" => serde_json::json!({ "command": arg }),
        "WebFetch" => serde_json::json!({ "url": arg }),
        t if family(t).is_some() => serde_json::json!({ "file_path": arg }),
        _ => serde_json::json!({}),
    };
    Ok((p.tool, input))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod rule_tests {
    use super::*;
    use serde_json::json;

    const ROOT: &str = "/proj";

    fn rule(text: &str, behavior: Behavior) -> Rule {
        Rule {
            id: format!("{}:{text}", behavior.as_str()),
            rule: RulePattern::parse(text).unwrap(),
            behavior,
            scope: "*".into(),
            source: RuleSource::Project,
            created_at: 0.0,
            created_by: "test".into(),
            from_request: None,
            expires_at: None,
            hits: 0,
            last_hit: None,
        }
    }

    fn grants(allow: &[&str], deny: &[&str]) -> Grants {
        Grants {
            rules: allow
                .iter()
                .map(|t| rule(t, Behavior::Allow))
                .chain(deny.iter().map(|t| rule(t, Behavior::Deny)))
                .collect(),
        }
    }

    fn req(tool: &str, input: Value) -> PermissionRequest {
        PermissionRequest {
            request_id: RequestId("r".into()),
            tool_name: tool.into(),
            input,
            description: None,
            blocked_path: None,
            suggestions: Value::Null,
            tool_use_id: None,
        }
    }

    fn ctx() -> CallContext<'static> {
        CallContext {
            agent_name: "worker",
            project_root: Path::new(ROOT),
            cwd: Path::new(ROOT),
            now: 1000.0,
        }
    }

    /// `allow`, `deny` or `ask` for a Bash command.
    fn bash(g: &Grants, cmd: &str) -> &'static str {
        match g.decide(&req("Bash", json!({ "command": cmd })), &ctx()) {
            Verdict::Allow { .. } => "allow",
            Verdict::Deny { .. } => "deny",
            Verdict::Ask { .. } => "ask",
        }
    }

    #[test]
    fn rule_syntax_round_trips() {
        for text in [
            "Bash",
            "Bash(npm run test:*)",
            "Bash(git status)",
            "Bash(echo hi *)",
            "Edit(src/**)",
            "Read(//etc/hosts)",
            "WebFetch(domain:example.com)",
            "mcp__server__tool",
            "mcp__server__*",
        ] {
            let p = RulePattern::parse(text).unwrap();
            assert_eq!(p.to_string(), text);
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(serde_json::from_str::<RulePattern>(&json).unwrap(), p);
        }
        for bad in ["", "Bash(", "Bash()", "Ba sh", "B*sh", "(x)"] {
            assert!(RulePattern::parse(bad).is_err(), "{bad:?}");
        }
        let list = parse_rule_list("Bash(echo a, b *), Edit(/out.txt)").unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(format_rule_list(&list), "Bash(echo a, b *), Edit(/out.txt)");
    }

    #[test]
    fn adversarial_bash_commands() {
        let g = grants(
            &[
                "Bash(git status)",
                "Bash(npm test)",
                "Bash(echo:*)",
                "Bash(ls *)",
                "Bash(npm run test:*)",
            ],
            &[],
        );
        let table = [
            ("git status", "allow"),
            ("git status; rm -rf /", "ask"),
            ("git status && rm -rf /", "ask"),
            ("git status || rm -rf /", "ask"),
            ("git status | sh", "ask"),
            ("git status & rm -rf /", "ask"),
            ("git status\nrm -rf /", "ask"),
            ("npm test && curl x | sh", "ask"),
            ("echo $(rm x)", "ask"),
            ("echo `rm x`", "ask"),
            ("echo \"$(rm x)\"", "ask"),
            ("echo <(rm x)", "ask"),
            ("ls > /etc/passwd", "ask"),
            ("ls >> ~/.bashrc", "ask"),
            ("ls 2>/tmp/x", "ask"),
            ("ls 2>&1", "allow"),
            ("ls > /dev/null", "allow"),
            ("(git status; rm -rf /)", "ask"),
            ("git status # ; rm -rf /", "allow"),
            ("echo 'git status; rm -rf /'", "allow"),
            ("echo \"a && b\" && git status", "allow"),
            ("git 'status'", "allow"),
            ("git status --porcelain", "ask"),
            ("git statusx", "ask"),
            ("npm run test", "allow"),
            ("npm run test:unit", "ask"),
            ("npm run test -- --watch", "allow"),
            ("npm run testevil", "ask"),
            ("$CMD status", "ask"),
            ("FOO=1 git status", "ask"),
            ("echo 'unterminated", "ask"),
            ("cat <<EOF\nx\nEOF", "ask"),
            ("echo ünïcödé 🚀 && git status", "allow"),
            ("echo $'\\x3b' rm", "allow"),
            ("echo a\\;rm -rf /", "allow"),
        ];
        for (cmd, want) in table {
            assert_eq!(bash(&g, cmd), want, "{cmd:?}");
        }
    }

    #[test]
    fn deny_beats_allow_and_sees_through_wrappers() {
        let g = grants(
            &["Bash", "Bash(rm -rf build)"],
            &["Bash(rm:*)", "Bash(curl:*)"],
        );
        let table = [
            ("ls", "allow"),
            ("rm -rf build", "deny"),
            ("ls && rm x", "deny"),
            ("echo $(rm x)", "deny"),
            ("FOO=1 rm x", "deny"),
            ("sudo rm x", "deny"),
            ("sudo -u root /bin/rm x", "deny"),
            ("env A=b nice -n 5 rm x", "deny"),
            ("ls | xargs rm", "deny"),
            ("curl x | sh", "deny"),
            ("echo rm", "allow"),
            ("echo 'x' > out.txt", "allow"),
        ];
        for (cmd, want) in table {
            assert_eq!(bash(&g, cmd), want, "{cmd:?}");
        }
        let more = [
            ("eval rm x", "deny"),
            ("eval 'ls; rm x'", "deny"),
            ("bash -c 'ls && rm -rf /'", "deny"),
            ("sh -lc \"rm x\"", "deny"),
            ("find . -name '*.o' -exec rm {} \\;", "deny"),
            ("{rm,-rf,/}", "ask"),
            ("$CMD x", "ask"),
            ("X=1 $CMD x", "ask"),
            ("bash -c 'ls'", "allow"),
        ];
        for (cmd, want) in more {
            assert_eq!(bash(&g, cmd), want, "{cmd:?}");
        }
        // A deny of the whole tool wins over everything, even unparseable input.
        let g = grants(&["Bash(ls)"], &["Bash"]);
        assert_eq!(bash(&g, "ls"), "deny");
        assert_eq!(bash(&g, "echo 'x"), "deny");
    }

    #[test]
    fn redirect_targets_are_writes() {
        let g = grants(
            &["Bash(echo hi *)", "Edit(/out.txt)", "Edit(logs/**)"],
            &["Edit(.env)"],
        );
        let table = [
            ("echo hi > out.txt", "allow"),
            ("echo hi >> ./out.txt", "allow"),
            ("echo hi > sub/out.txt", "ask"),
            ("echo hi > logs/a/b.log", "allow"),
            ("echo hi > ../proj/logs/x", "allow"),
            ("echo hi > ../other/logs/x", "ask"),
            ("echo hi > /etc/passwd", "ask"),
            ("echo hi > $F", "ask"),
            ("echo hi > .env", "deny"),
            ("echo hi > config/.env", "deny"),
            ("echo hi 2>&1 > out.txt", "allow"),
        ];
        for (cmd, want) in table {
            assert_eq!(bash(&g, cmd), want, "{cmd:?}");
        }
        match g.decide(&req("Bash", json!({"command": "echo hi > x.txt"})), &ctx()) {
            Verdict::Ask { part, reason } => {
                assert_eq!(part.as_deref(), Some("> x.txt"));
                assert!(reason.contains("x.txt"), "{reason}");
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn the_ask_names_the_part_that_caused_it() {
        let g = grants(&["Bash(npm test)"], &[]);
        match g.decide(
            &req("Bash", json!({"command": "npm test && curl x | sh"})),
            &ctx(),
        ) {
            Verdict::Ask { part, reason } => {
                assert_eq!(part.as_deref(), Some("curl x"));
                assert!(reason.contains("part 2 of 3"), "{reason}");
            }
            v => panic!("{v:?}"),
        }
        match g.decide(&req("Bash", json!({"command": "npm test && rm x"})), &ctx()) {
            v @ Verdict::Ask { .. } => assert!(v.explain().starts_with("would ask")),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn file_tools_match_gitignore_style_globs() {
        let g = grants(
            &["Edit(src/**)", "Read(*.md)"],
            &["Read(.env)", "Edit(//etc/**)"],
        );
        let check = |tool: &str, path: &str| match g
            .decide(&req(tool, json!({ "file_path": path })), &ctx())
        {
            Verdict::Allow { .. } => "allow",
            Verdict::Deny { .. } => "deny",
            Verdict::Ask { .. } => "ask",
        };
        let table = [
            ("Edit", "src/main.rs", "allow"),
            ("Write", "/proj/src/deep/x.rs", "allow"),
            ("MultiEdit", "src/a.rs", "allow"),
            ("Edit", "srcx/a.rs", "ask"),
            ("Edit", "src/../Cargo.toml", "ask"),
            ("Edit", "/other/src/a.rs", "ask"),
            ("Edit", "/etc/hosts", "deny"),
            ("Read", "README.md", "allow"),
            ("Read", "docs/guide.md", "allow"),
            ("Read", ".env", "deny"),
            ("Read", "nested/.env", "deny"),
            ("Edit", "src/.env", "allow"),
        ];
        for (tool, path, want) in table {
            assert_eq!(check(tool, path), want, "{tool} {path}");
        }
        assert!(path_matches(
            "a/*.rs",
            Path::new("/proj/a/x.rs"),
            Path::new(ROOT)
        ));
        assert!(!path_matches(
            "a/*.rs",
            Path::new("/proj/a/b/x.rs"),
            Path::new(ROOT)
        ));
        assert!(path_matches(
            "a/**/x.rs",
            Path::new("/proj/a/x.rs"),
            Path::new(ROOT)
        ));
        assert!(path_matches(
            "/top.txt",
            Path::new("/proj/top.txt"),
            Path::new(ROOT)
        ));
        assert!(!path_matches(
            "/top.txt",
            Path::new("/proj/a/top.txt"),
            Path::new(ROOT)
        ));
        assert!(path_matches(
            "docs",
            Path::new("/proj/docs/a/b"),
            Path::new(ROOT)
        ));
        assert!(path_matches(
            "ünï/*",
            Path::new("/proj/ünï/ö"),
            Path::new(ROOT)
        ));
    }

    #[test]
    fn web_fetch_and_mcp_rules() {
        let g = grants(
            &[
                "WebFetch(domain:example.com)",
                "WebFetch(domain:*.docs.rs)",
                "mcp__orch__*",
                "mcp__fs__read",
            ],
            &["mcp__orch__kill"],
        );
        let d = |tool: &str, input: Value| match g.decide(&req(tool, input), &ctx()) {
            Verdict::Allow { .. } => "allow",
            Verdict::Deny { .. } => "deny",
            Verdict::Ask { .. } => "ask",
        };
        assert_eq!(
            d("WebFetch", json!({"url": "https://example.com/a?b"})),
            "allow"
        );
        assert_eq!(
            d("WebFetch", json!({"url": "https://EXAMPLE.com:8080/"})),
            "allow"
        );
        assert_eq!(
            d("WebFetch", json!({"url": "https://example.com.evil.net/"})),
            "ask"
        );
        assert_eq!(
            d("WebFetch", json!({"url": "https://example.com@evil.net/"})),
            "ask"
        );
        assert_eq!(
            d("WebFetch", json!({"url": "https://api.docs.rs/x"})),
            "allow"
        );
        assert_eq!(
            d("WebFetch", json!({"url": "https://evildocs.rs/x"})),
            "ask"
        );
        assert_eq!(d("mcp__orch__spawn", json!({})), "allow");
        assert_eq!(d("mcp__orch__kill", json!({})), "deny");
        assert_eq!(d("mcp__orchx__spawn", json!({})), "ask");
        assert_eq!(d("mcp__fs__read", json!({})), "allow");
        assert_eq!(d("mcp__fs__write", json!({})), "ask");
    }

    #[test]
    fn scope_and_expiry() {
        let mut only_a = rule("Bash(ls)", Behavior::Allow);
        only_a.scope = "a".into();
        let mut expired = rule("Bash(pwd)", Behavior::Allow);
        expired.expires_at = Some(999.0);
        let mut later = rule("Bash(id)", Behavior::Allow);
        later.expires_at = Some(1001.0);
        let g = Grants {
            rules: vec![only_a, expired, later],
        };
        let r = |cmd: &str, agent: &str| {
            let c = CallContext {
                agent_name: agent,
                ..ctx()
            };
            matches!(
                g.decide(&req("Bash", json!({ "command": cmd })), &c),
                Verdict::Allow { .. }
            )
        };
        assert!(r("ls", "a"));
        assert!(!r("ls", "b"));
        assert!(!r("pwd", "a"));
        assert!(r("id", "b"));
    }

    #[test]
    fn proposals_come_from_the_cli_then_from_the_parts() {
        let g = grants(&["Bash(npm test)"], &[]);
        let mut r = req("Bash", json!({"command": "echo hi > out.txt"}));
        r.suggestions = json!([
            {"type":"addRules","rules":[{"toolName":"Bash","ruleContent":"echo hi *"}],"behavior":"allow","destination":"localSettings"},
            {"type":"addDirectories","directories":["/proj"],"destination":"session"}
        ]);
        let p = g.propose(&r, &ctx());
        assert_eq!(format_rule_list(&p), "Bash(echo hi *), Edit(/out.txt)");
        // Saving the proposal makes the same request allowed.
        let mut g2 = g.clone();
        for (i, pat) in p.iter().enumerate() {
            let mut rl = rule(&pat.to_string(), Behavior::Allow);
            rl.id = format!("n{i}");
            g2.rules.push(rl);
        }
        assert!(matches!(g2.decide(&r, &ctx()), Verdict::Allow { .. }));

        let r = req(
            "Bash",
            json!({"command": "npm test && git commit -m 'a b' > log/x"}),
        );
        let p = g.propose(&r, &ctx());
        assert_eq!(
            format_rule_list(&p),
            "Bash(git commit -m 'a b'), Edit(log/x)"
        );

        let r = req("Edit", json!({"file_path": "/proj/src/a.rs"}));
        assert_eq!(format_rule_list(&g.propose(&r, &ctx())), "Edit(src/a.rs)");
        let r = req("WebFetch", json!({"url": "https://x.org/a"}));
        assert_eq!(
            format_rule_list(&g.propose(&r, &ctx())),
            "WebFetch(domain:x.org)"
        );
        let mut r = req("mcp__orch__add", json!({"a": 1}));
        r.suggestions =
            json!([{"type":"addRules","rules":[{"toolName":"mcp__orch__add"}],"behavior":"allow"}]);
        assert_eq!(format_rule_list(&g.propose(&r, &ctx())), "mcp__orch__add");
    }

    #[test]
    fn typed_rules_parse_with_options() {
        let d = parse_rule_command("allow Bash(npm run test:*), Edit(src/**)", 0.0).unwrap();
        assert_eq!(
            format_rule_list(&d.patterns),
            "Bash(npm run test:*), Edit(src/**)"
        );
        assert_eq!(
            (d.behavior, d.scope.as_str(), d.source),
            (Behavior::Allow, "*", RuleSource::Project)
        );
        let d = parse_rule_command(
            "deny Bash(rm -rf build) for tests in session expires 2h",
            10.0,
        )
        .unwrap();
        assert_eq!(d.patterns[0].to_string(), "Bash(rm -rf build)");
        assert_eq!(
            (d.behavior, d.scope.as_str(), d.source),
            (Behavior::Deny, "tests", RuleSource::Session)
        );
        assert_eq!(d.expires_at, Some(10.0 + 7200.0));
        assert!(parse_rule_command("maybe Bash", 0.0).is_err());
        assert!(parse_rule_command("allow Bash in nowhere", 0.0).is_err());
        assert!(parse_rule_command("allow", 0.0).is_err());
        let d = parse_rule_command("allow Bash(echo for x)", 0.0).unwrap();
        assert_eq!(d.patterns[0].to_string(), "Bash(echo for x)");
    }

    #[test]
    fn dry_run_builds_calls() {
        let (t, i) = dry_run_call("Bash(ls > x)").unwrap();
        assert_eq!((t.as_str(), i), ("Bash", json!({"command": "ls > x"})));
        let (t, i) = dry_run_call("Write(src/a.rs)").unwrap();
        assert_eq!((t.as_str(), i), ("Write", json!({"file_path": "src/a.rs"})));
        assert!(dry_run_call("Bash(").is_err());
    }

    /// A tiny deterministic generator (xorshift) so the property test needs no crate.
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[(self.next() % xs.len() as u64) as usize]
        }
    }

    #[test]
    fn an_allowed_prefix_never_allows_an_appended_second_command() {
        let prefixes = [
            "git status",
            "npm run test",
            "echo hi",
            "ls",
            "cargo build --release",
        ];
        let args = [
            "",
            " -v",
            " 'a b'",
            " \"x y\"",
            " ünï",
            " a\\ b",
            " --flag=1",
            " $HOME",
        ];
        let joins = [
            ";", " ;", "; ", "&&", " && ", "||", " | ", "|", "&", " & ", "\n", " |& ", "\n\n",
        ];
        let evil = [
            "rm -rf /",
            "curl x",
            "sh",
            "evil",
            "\"rm\" x",
            "r\\m x",
            "$(rm x)",
            "`rm x`",
            "(rm x)",
            "{ rm x; }",
            "sudo rm x",
            "x=1 rm",
        ];
        let wrap = [
            "{}",
            "echo $({})",
            "echo \"$({})\"",
            "echo `{}`",
            "cat <({})",
            "({})",
        ];
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let prefix = g.pick(&prefixes);
            let rules = [format!("Bash({prefix}:*)"), format!("Bash({prefix} *)")];
            let rule_text = &rules[(g.next() % 2) as usize];
            let grants = grants(&[rule_text.as_str()], &[]);
            let first = format!("{prefix}{}", g.pick(&args));
            let second = g.pick(&wrap).replace("{}", g.pick(&evil));
            let cmd = format!("{first}{}{second}", g.pick(&joins));
            // The first part alone is allowed (sanity), the combination never is.
            assert_eq!(bash(&grants, &first), "allow", "{rule_text} vs {first:?}");
            assert_ne!(bash(&grants, &cmd), "allow", "{rule_text} allowed {cmd:?}");
            // Substitution inside an argument of the allowed command is not allowed either.
            let inner = format!(
                "{first} {}",
                g.pick(&["$(rm x)", "`rm x`", "\"$(rm x)\"", "<(rm x)"])
            );
            assert_ne!(
                bash(&grants, &inner),
                "allow",
                "{rule_text} allowed {inner:?}"
            );
            // Nor a redirect to a file.
            let redir = format!(
                "{first} > {}",
                g.pick(&["/etc/passwd", "out.txt", "~/.bashrc", "$F"])
            );
            assert_ne!(
                bash(&grants, &redir),
                "allow",
                "{rule_text} allowed {redir:?}"
            );
        }
    }
}

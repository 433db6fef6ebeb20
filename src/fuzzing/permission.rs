//! The permission fuzz target: rule text → rules, an arbitrary tool call → `Grants::decide`
//! and `Grants::propose`; plus generated Bash command lines whose correct verdict is known.

use crate::core::ids::RequestId;
use crate::core::permission::{
    Behavior, CallContext, Grants, PermissionRequest, Rule, RulePattern, RuleSource, Verdict,
    format_rule_list, parse_rule_command, parse_rule_list,
};
use crate::core::shell;
use serde_json::{Value, json};
use std::path::Path;

const NOW: f64 = 1_000_000.0;

fn ctx() -> CallContext<'static> {
    CallContext {
        agent_name: "fuzz",
        project_root: Path::new("/proj"),
        cwd: Path::new("/proj/sub"),
        now: NOW,
    }
}

fn rule(id: usize, pattern: RulePattern, behavior: Behavior, scope: &str) -> Rule {
    Rule {
        id: format!("r{id}"),
        rule: pattern,
        behavior,
        scope: scope.to_owned(),
        source: RuleSource::Session,
        created_at: NOW,
        created_by: "fuzz".to_owned(),
        from_request: None,
        expires_at: None,
        hits: 0,
        last_hit: None,
    }
}

fn request(tool: &str, input: Value) -> PermissionRequest {
    PermissionRequest {
        request_id: RequestId("req".to_owned()),
        tool_name: tool.to_owned(),
        input,
        description: None,
        blocked_path: None,
        suggestions: Value::Null,
        tool_use_id: None,
    }
}

/// Input: byte 0 picks the mode. Even: free text `RULE LINES \0 TOOL \0 ARGUMENT` (each rule
/// line is a typed rule command, `allow Bash(git status:*)`). Odd: the rest drives a generator
/// of Bash command lines (see [`compose`]).
pub fn permission_rules(data: &[u8]) {
    let [mode, rest @ ..] = data else {
        return;
    };
    if mode % 2 == 1 {
        compose(rest);
    } else {
        free_text(rest);
    }
}

fn free_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\0');
    let rules_text = parts.next().unwrap_or("");
    let tool = parts.next().unwrap_or("Bash");
    let arg = parts.next().unwrap_or("");

    let mut grants = Grants::default();
    for line in rules_text.lines().take(16) {
        if let Ok(p) = RulePattern::parse(line) {
            assert_eq!(
                RulePattern::parse(&p.to_string()).as_ref(),
                Ok(&p),
                "a rule does not read back as written"
            );
        }
        let Ok(draft) = parse_rule_command(line, NOW) else {
            continue;
        };
        assert!(!draft.patterns.is_empty());
        if let Some(t) = draft.expires_at {
            assert!(t.is_finite() && t > NOW, "{line:?} expires at {t}");
        }
        let listed = format_rule_list(&draft.patterns);
        assert_eq!(
            parse_rule_list(&listed).as_ref(),
            Ok(&draft.patterns),
            "rules do not read back from {listed:?}"
        );
        for p in draft.patterns {
            let id = grants.rules.len();
            grants.rules.push(rule(id, p, draft.behavior, &draft.scope));
        }
    }

    let tool = if tool.is_empty() { "Bash" } else { tool };
    let input = match tool {
        "Bash" => json!({ "command": arg }),
        "WebFetch" => json!({ "url": arg }),
        "Edit" | "Write" | "MultiEdit" | "Read" | "Glob" | "Grep" | "LS" => {
            json!({ "file_path": arg })
        }
        "NotebookEdit" => json!({ "notebook_path": arg }),
        _ => serde_json::from_str(arg).unwrap_or_else(|_| json!({ "arg": arg })),
    };
    let req = request(tool, input);
    let ctx = ctx();
    let verdict = grants.decide(&req, &ctx);
    let _ = verdict.explain();
    let proposal = grants.propose(&req, &ctx);
    assert!(!proposal.is_empty(), "nothing proposed");

    // The modal shows the proposal as text; "always" saves what that text parses to.
    if RulePattern::parse(tool).map(|p| p.tool == tool && p.specifier.is_none()) != Ok(true) {
        return; // a tool name no rule can spell (a CLI would not send one)
    }
    // Known limits of the rule text: a specifier is trimmed when read, and outside Bash (whose
    // specifiers are shell-quoted) a `(`, `)` or `,` in a path or host can split it wrongly.
    let unspellable = proposal.iter().any(|p| {
        p.specifier
            .as_deref()
            .is_some_and(|s| s.trim() != s || (p.tool != "Bash" && s.contains(['(', ')', ','])))
    });
    if unspellable {
        return;
    }
    // A Bash command that cannot be split (or is blank) is proposed verbatim for the user to
    // edit: no rule but all of Bash could decide it, so that text need not parse.
    let verbatim = tool == "Bash" && (arg.trim().is_empty() || shell::split(arg).is_err());
    let text = format_rule_list(&proposal);
    let saved = match parse_rule_list(&text) {
        Ok(saved) => saved,
        Err(_) if verbatim => return,
        Err(e) => panic!("the proposal {text:?} does not parse: {e}"),
    };
    let has_deny = grants.rules.iter().any(|r| r.behavior == Behavior::Deny);
    let mut after = grants.clone();
    for p in saved {
        let id = after.rules.len();
        after.rules.push(rule(id, p, Behavior::Allow, "*"));
    }
    let verdict = after.decide(&req, &ctx);
    if has_deny || matches!(verdict, Verdict::Allow { .. }) {
        return;
    }
    // Documented exceptions: a command line that cannot be split, one that runs nothing,
    // and parts only known at run time; no saved rule can vouch for those.
    let Verdict::Ask { reason, .. } = &verdict else {
        panic!("accepting the proposal {text:?} led to {verdict:?}");
    };
    let excused = tool == "Bash"
        && (shell::split(arg).is_err()
            || reason == "empty command"
            || reason.starts_with("the command could not be split")
            || arg.contains(['$', '`', '*', '?', '[', '{', '}'])
            || arg.contains("<(")
            || arg.contains(">("));
    assert!(
        excused,
        "accepting the proposal {text:?} for {tool} {arg:?} still asks: {reason}"
    );
}

/// Reads generator choices from the fuzz input; zeros when it runs out.
struct Choices<'a>(&'a [u8]);

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// A short argument (0..=15 bytes of the input, lossily as text).
    fn text(&mut self) -> String {
        let n = usize::from(self.byte() % 16).min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8_lossy(head).into_owned()
    }
}

/// What a generated command line runs, as the generator knows it.
#[derive(Debug, Default)]
struct Known {
    /// Some part runs `rm` (denied by the rules).
    forbidden: bool,
    /// Some part writes a file through a redirect (no Edit rule allows it).
    writes: bool,
}

const OPS: &[&str] = &[" ; ", " && ", " || ", " | ", " & ", "\n", " |& ", " ;\n"];
const FORBIDDEN: &[&str] = &[
    "rm",
    "/bin/rm",
    "sudo rm",
    "sudo -u root rm",
    "FOO=1 rm",
    "env rm",
    "nice -n 5 rm",
    "command rm",
    "find . -exec rm",
    "xargs rm",
];

struct Gen<'a> {
    c: Choices<'a>,
    known: Known,
}

impl Gen<'_> {
    /// An argument word, quoted so it is inert. Inside backticks `\` and `` ` `` change
    /// meaning before the inner parse, so they are left out there.
    fn arg(&mut self, in_backticks: bool) -> String {
        let mut a = self.c.text();
        if in_backticks {
            a.retain(|ch| ch != '\\' && ch != '`');
        }
        shell::quote(&a)
    }

    fn list(&mut self, depth: u8, shells: u8, in_backticks: bool) -> String {
        let n = 1 + self.c.byte() % 3;
        let mut out = String::new();
        for i in 0..n {
            if i > 0 {
                out.push_str(OPS[usize::from(self.c.byte()) % OPS.len()]);
            }
            let cmd = self.command(depth, shells, in_backticks);
            out.push_str(&cmd);
        }
        out
    }

    fn command(&mut self, depth: u8, shells: u8, bt: bool) -> String {
        let deeper = depth < 5;
        match self.c.byte() % 14 {
            4 => {
                self.known.forbidden = true;
                let name = FORBIDDEN[usize::from(self.c.byte()) % FORBIDDEN.len()];
                format!("{name} {}", self.arg(bt))
            }
            5 if deeper => format!("git status $( {} )", self.list(depth + 1, shells, bt)),
            6 if deeper && !bt => format!("git status `{}`", self.list(depth + 1, shells, true)),
            7 if deeper => format!("( {} )", self.list(depth + 1, shells, bt)),
            8 if deeper => format!("{{ {}; }}", self.list(depth + 1, shells, bt)),
            9 if deeper && shells < 3 => {
                let inner = self.list(depth + 1, shells + 1, false);
                format!("bash -c {}", quoted(&inner, bt))
            }
            10 if deeper && shells < 3 => {
                let inner = self.list(depth + 1, shells + 1, false);
                format!("eval {}", quoted(&inner, bt))
            }
            11 => {
                let file = self.arg(bt);
                let target = shell::words(&file)
                    .ok()
                    .and_then(|w| w.into_iter().next())
                    .map(|w| w.value)
                    .unwrap_or_default();
                if !matches!(target.as_str(), "/dev/null" | "/dev/stdout" | "/dev/stderr") {
                    self.known.writes = true;
                }
                format!("git status > {file}")
            }
            12 => format!("git status {} 2>&1 >/dev/null", self.arg(bt)),
            13 if deeper => format!(
                "if {}; then {}; fi",
                self.list(depth + 1, shells, bt),
                self.list(depth + 1, shells, bt)
            ),
            _ => format!("git status {}", self.arg(bt)),
        }
    }
}

/// `s` as one quoted word; inside backticks its backslashes and backticks are escaped so the
/// inner parse sees `s` again.
fn quoted(s: &str, in_backticks: bool) -> String {
    let q = shell::quote(s);
    if in_backticks {
        q.replace('\\', "\\\\").replace('`', "\\`")
    } else {
        q
    }
}

/// Generated Bash command lines under the rules `allow Bash(git status:*)`,
/// `allow Bash(bash -c:*)`, `allow Bash(eval:*)`, `deny Bash(rm:*)`. Every argument is
/// quoted, so the generator knows what runs: a line with an `rm` anywhere (behind `;`, `&&`,
/// `|`, `$( )`, backticks, subshells, groups, `if`, `bash -c`, `eval`, wrappers) must be
/// denied, one writing a file through a redirect must be asked about, anything else allowed.
fn compose(data: &[u8]) {
    let mut g = Gen {
        c: Choices(data),
        known: Known::default(),
    };
    let cmd = g.list(0, 0, false);
    let mut grants = Grants::default();
    for (i, (text, behavior)) in [
        ("Bash(git status:*)", Behavior::Allow),
        ("Bash(bash -c:*)", Behavior::Allow),
        ("Bash(eval:*)", Behavior::Allow),
        ("Bash(rm:*)", Behavior::Deny),
    ]
    .into_iter()
    .enumerate()
    {
        if let Ok(p) = RulePattern::parse(text) {
            grants.rules.push(rule(i, p, behavior, "*"));
        }
    }
    let verdict = grants.decide(&request("Bash", json!({ "command": cmd })), &ctx());
    let ok = matches!(
        (&verdict, &g.known),
        (
            Verdict::Deny { .. },
            Known {
                forbidden: true,
                ..
            }
        ) | (
            Verdict::Ask { .. },
            Known {
                forbidden: false,
                writes: true
            }
        ) | (
            Verdict::Allow { .. },
            Known {
                forbidden: false,
                writes: false
            }
        )
    );
    assert!(ok, "{cmd:?} ({:?}) -> {verdict:?}", g.known);
}

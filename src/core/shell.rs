//! A shell-word tokenizer and splitter for Bash commands, used by permission rules: it turns
//! one command line into the simple commands that would run (`;`, `&&`, `||`, `|`, `&`,
//! newlines, subshells, `$(…)`, backticks, process substitution) and the files its redirects
//! write. Pure: no IO, no expansion.
//!
//! The splitter is deliberately conservative. Anything it does not understand (heredocs,
//! `case`, unbalanced quotes or parentheses) is an error, and an error means "ask the user":
//! a rule can only allow what was fully understood.

use std::fmt;

/// One shell word after quote removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The value with quotes and escapes removed; substitutions and parameter expansions are
    /// kept as written (`$(rm x)`, `$HOME`) because their value is unknown before running.
    pub value: String,
    /// The value depends on something only known at run time: `$var`, `${…}`, `$(…)`,
    /// backticks, or an unquoted glob character.
    pub dynamic: bool,
}

/// A redirection of one simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The operator as written, including a leading fd (`>`, `2>>`, `&>`, `<`, `>&`…).
    pub op: String,
    /// The target word (a file, or an fd for `>&2`).
    pub target: Word,
    /// The target is a file that gets written (or created).
    pub writes: bool,
}

/// One simple command that would run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Segment {
    /// Its words (command name first). Empty for a bare redirect such as `> file`.
    pub words: Vec<Word>,
    /// Its redirections.
    pub redirects: Vec<Redirect>,
    /// It runs inside a substitution (`$(…)`, backticks, `<(…)`), not at the top level.
    pub nested: bool,
}

impl Segment {
    /// The words joined by single spaces (how a rule sees the command).
    pub fn command_text(&self) -> String {
        self.words
            .iter()
            .map(|w| w.value.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Files its redirects write, as written (dynamic targets included).
    pub fn written_files(&self) -> impl Iterator<Item = &Word> {
        self.redirects
            .iter()
            .filter(|r| r.writes)
            .map(|r| &r.target)
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = self.command_text();
        for r in &self.redirects {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&r.op);
            out.push_str(&r.target.value);
        }
        f.write_str(&out)
    }
}

/// Why a command could not be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShellError {
    /// A quote was not closed.
    #[error("unterminated {0} quote")]
    UnterminatedQuote(&'static str),
    /// `(` / `$(` without `)`, or a stray `)`.
    #[error("unbalanced parentheses")]
    Unbalanced,
    /// A backtick substitution was not closed.
    #[error("unterminated backtick substitution")]
    UnterminatedBacktick,
    /// A redirect without a target.
    #[error("redirect '{0}' has no target")]
    MissingRedirectTarget(String),
    /// Syntax we do not analyse (heredocs, `case`, functions…).
    #[error("{0} is not supported by the rule matcher")]
    Unsupported(&'static str),
    /// An operator where a command was expected (`&& ls`, `ls ||`, `;;`).
    #[error("syntax error near '{0}'")]
    Syntax(String),
}

/// Split `command` into the simple commands it runs, in source order (a substitution's inner
/// commands come before the command that contains them).
pub fn split(command: &str) -> Result<Vec<Segment>, ShellError> {
    split_at_depth(command, 0)
}

/// Deepest nesting of `( … )`, `$( … )`, `<( … )` and backticks analysed. The parser recurses
/// per level, and an agent's command is untrusted input: thousands of `$(` would otherwise
/// overflow the stack of whichever thread checks the rules.
const MAX_NESTING: u32 = 64;

fn split_at_depth(command: &str, depth: u32) -> Result<Vec<Segment>, ShellError> {
    let chars: Vec<char> = command.chars().collect();
    let mut p = Parser {
        chars: &chars,
        pos: 0,
        out: Vec::new(),
        depth,
    };
    p.list(Close::Eof, false)?;
    Ok(p.out)
}

/// Tokenize one simple command's words (no operators allowed): used for rule specifiers.
pub fn words(text: &str) -> Result<Vec<Word>, ShellError> {
    let segs = split(text)?;
    match segs.as_slice() {
        [] => Ok(Vec::new()),
        [one] if one.redirects.is_empty() => Ok(one.words.clone()),
        _ => Err(ShellError::Syntax(text.to_owned())),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Close {
    Eof,
    Paren,
}

/// Words that open or close compound commands; the command after them is what runs.
const PREFIX_KEYWORDS: &[&str] = &[
    "{", "!", "if", "then", "else", "elif", "do", "while", "until", "time",
];
const CLOSING_KEYWORDS: &[&str] = &["}", "fi", "done"];

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    out: Vec<Segment>,
    /// Current nesting (see [`MAX_NESTING`]).
    depth: u32,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).copied()
    }

    fn skip_blanks(&mut self) {
        while let Some(c) = self.peek() {
            // bash splits on space and tab only: `\r` stays part of a word.
            if c == ' ' || c == '\t' {
                self.pos += 1;
            } else if c == '\\' && self.peek_at(1) == Some('\n') {
                self.pos += 2;
            } else {
                break;
            }
        }
    }

    /// A command list up to `close`. `nested` marks segments found inside substitutions.
    fn list(&mut self, close: Close, nested: bool) -> Result<(), ShellError> {
        if close == Close::Eof {
            return self.list_body(close, nested);
        }
        self.enter()?;
        let r = self.list_body(close, nested);
        self.depth -= 1;
        r
    }

    fn enter(&mut self) -> Result<(), ShellError> {
        if self.depth >= MAX_NESTING {
            return Err(ShellError::Unsupported("nesting deeper than 64 levels"));
        }
        self.depth += 1;
        Ok(())
    }

    fn list_body(&mut self, close: Close, nested: bool) -> Result<(), ShellError> {
        // Whether an operator that needs a following command was just seen.
        let mut need_command = false;
        let mut seen_any = false;
        loop {
            self.skip_blanks();
            match self.peek() {
                None => {
                    if close == Close::Paren {
                        return Err(ShellError::Unbalanced);
                    }
                    if need_command {
                        return Err(ShellError::Syntax("end of command".into()));
                    }
                    return Ok(());
                }
                Some(')') => {
                    if close != Close::Paren {
                        return Err(ShellError::Unbalanced);
                    }
                    if need_command {
                        return Err(ShellError::Syntax(")".into()));
                    }
                    self.pos += 1;
                    return Ok(());
                }
                Some('#') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                }
                Some('\n') => {
                    self.pos += 1;
                    // A newline after `&&`/`|` continues the list.
                }
                Some(';') => {
                    if self.peek_at(1) == Some(';') || !seen_any || need_command {
                        return Err(ShellError::Syntax(";".into()));
                    }
                    self.pos += 1;
                }
                Some(c @ ('&' | '|')) => {
                    let double = self.peek_at(1) == Some(c);
                    let pipe_amp = c == '|' && self.peek_at(1) == Some('&');
                    if c == '&' && self.peek_at(1) == Some('>') {
                        // `&>file` at command start: a bare redirect.
                        self.command(nested)?;
                        seen_any = true;
                        need_command = false;
                        continue;
                    }
                    if !seen_any || need_command {
                        return Err(ShellError::Syntax(c.to_string()));
                    }
                    self.pos += if double || pipe_amp { 2 } else { 1 };
                    // A lone `&` ends a command like `;` does.
                    need_command = double || c == '|';
                }
                Some('(') => {
                    if self.peek_at(1) == Some('(') {
                        return Err(ShellError::Unsupported("arithmetic command (( ))"));
                    }
                    self.pos += 1;
                    self.list(Close::Paren, nested)?;
                    // Redirects after a subshell apply to all of it.
                    self.trailing_redirects(nested)?;
                    seen_any = true;
                    need_command = false;
                }
                Some(_) => {
                    self.command(nested)?;
                    seen_any = true;
                    need_command = false;
                }
            }
        }
    }

    /// Redirects following `( … )`: kept as a segment without words.
    fn trailing_redirects(&mut self, nested: bool) -> Result<(), ShellError> {
        let mut seg = Segment {
            nested,
            ..Segment::default()
        };
        loop {
            self.skip_blanks();
            if !self.redirect(&mut seg)? {
                break;
            }
        }
        if !seg.redirects.is_empty() {
            self.out.push(seg);
        }
        Ok(())
    }

    /// One simple command: words and redirects up to an operator.
    fn command(&mut self, nested: bool) -> Result<(), ShellError> {
        let mut seg = Segment {
            nested,
            ..Segment::default()
        };
        // Inner segments of substitutions are pushed while the command is being read; the
        // command itself follows them.
        loop {
            self.skip_blanks();
            match self.peek() {
                None | Some(';' | '\n' | ')') => break,
                Some('|') => break,
                Some('&') if self.peek_at(1) != Some('>') => break,
                // A `#` starting a word comments out the rest of the line, as in bash.
                Some('#') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                    break;
                }
                Some('(') => {
                    if seg.words.is_empty() {
                        break;
                    }
                    return Err(ShellError::Unsupported("function definitions"));
                }
                _ => {
                    if self.redirect(&mut seg)? {
                        continue;
                    }
                    let word = self.word()?;
                    if seg.words.is_empty() && seg.redirects.is_empty() {
                        if !word.dynamic && PREFIX_KEYWORDS.contains(&word.value.as_str()) {
                            continue;
                        }
                        if !word.dynamic && CLOSING_KEYWORDS.contains(&word.value.as_str()) {
                            continue;
                        }
                        if !word.dynamic
                            && matches!(word.value.as_str(), "case" | "function" | "select")
                        {
                            return Err(ShellError::Unsupported("case/function/select"));
                        }
                    }
                    seg.words.push(word);
                }
            }
        }
        if !seg.words.is_empty() || !seg.redirects.is_empty() {
            self.out.push(seg);
        }
        Ok(())
    }

    /// Try to read a redirect at the cursor; false (cursor unchanged) when there is none.
    fn redirect(&mut self, seg: &mut Segment) -> Result<bool, ShellError> {
        let start = self.pos;
        let mut op = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_digit) {
            op.push(c);
            self.pos += 1;
        }
        let writes = match (self.peek(), self.peek_at(1), self.peek_at(2)) {
            (Some('&'), Some('>'), Some('>')) if op.is_empty() => {
                op.push_str("&>>");
                true
            }
            (Some('&'), Some('>'), _) if op.is_empty() => {
                op.push_str("&>");
                true
            }
            (Some('>'), Some('('), _) | (Some('<'), Some('('), _) if op.is_empty() => {
                self.pos = start;
                return Ok(false);
            }
            (Some('>'), Some('>'), _) => {
                op.push_str(">>");
                true
            }
            (Some('>'), Some('|'), _) => {
                op.push_str(">|");
                true
            }
            (Some('>'), Some('&'), _) => {
                op.push_str(">&");
                true
            }
            (Some('>'), _, _) => {
                op.push('>');
                true
            }
            (Some('<'), Some('<'), Some('<')) => {
                op.push_str("<<<");
                false
            }
            (Some('<'), Some('<'), _) => return Err(ShellError::Unsupported("heredocs")),
            (Some('<'), Some('>'), _) => {
                op.push_str("<>");
                true
            }
            (Some('<'), Some('&'), _) => {
                op.push_str("<&");
                false
            }
            (Some('<'), _, _) => {
                op.push('<');
                false
            }
            _ => {
                self.pos = start;
                return Ok(false);
            }
        };
        self.pos = start + op.len();
        self.skip_blanks();
        match self.peek() {
            None | Some(';' | '\n' | '|' | '&' | ')' | '<' | '>') => {
                return Err(ShellError::MissingRedirectTarget(op));
            }
            _ => {}
        }
        let target = self.word()?;
        // `>&2`, `2>&1`, `>&-` duplicate or close fds; `>&file` writes a file.
        let fd_dup = op.ends_with('&')
            && !target.dynamic
            && (target.value == "-" || target.value.chars().all(|c| c.is_ascii_digit()));
        let harmless = matches!(
            target.value.as_str(),
            "/dev/null" | "/dev/stdout" | "/dev/stderr"
        ) && !target.dynamic;
        seg.redirects.push(Redirect {
            op,
            target,
            writes: writes && !fd_dup && !harmless,
        });
        Ok(true)
    }

    /// One word; substitutions inside it are parsed into nested segments.
    fn word(&mut self) -> Result<Word, ShellError> {
        let mut value = String::new();
        let mut dynamic = false;
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\n' | ';' | '|' | '&' | ')' => break,
                '(' => {
                    // `a(b` is not a word we can reason about.
                    return Err(ShellError::Unsupported("parentheses inside a word"));
                }
                '<' | '>' => {
                    if self.peek_at(1) == Some('(') {
                        // Process substitution runs a command list.
                        self.pos += 2;
                        let from = self.pos;
                        self.list(Close::Paren, true)?;
                        value.push(c);
                        value.push('(');
                        value.extend(&self.chars[from..self.pos]);
                        dynamic = true;
                    } else {
                        break;
                    }
                }
                '\\' => {
                    self.pos += 1;
                    match self.peek() {
                        Some('\n') => self.pos += 1,
                        Some(n) => {
                            value.push(n);
                            self.pos += 1;
                        }
                        None => break,
                    }
                }
                '\'' => {
                    self.pos += 1;
                    loop {
                        match self.peek() {
                            None => return Err(ShellError::UnterminatedQuote("single")),
                            Some('\'') => {
                                self.pos += 1;
                                break;
                            }
                            Some(q) => {
                                value.push(q);
                                self.pos += 1;
                            }
                        }
                    }
                }
                '"' => {
                    self.pos += 1;
                    self.double_quoted(&mut value, &mut dynamic)?;
                }
                '`' => {
                    self.backtick(&mut value)?;
                    dynamic = true;
                }
                '$' => self.dollar(&mut value, &mut dynamic, false)?,
                // Globs, and brace expansion (`{rm,-rf,/}` runs `rm -rf /`).
                '*' | '?' | '[' | '{' | '}' => {
                    dynamic = true;
                    value.push(c);
                    self.pos += 1;
                }
                _ => {
                    value.push(c);
                    self.pos += 1;
                }
            }
        }
        // A lone `{` or `}` is the group keyword, not an expansion.
        if value == "{" || value == "}" {
            dynamic = false;
        }
        Ok(Word { value, dynamic })
    }

    fn double_quoted(&mut self, value: &mut String, dynamic: &mut bool) -> Result<(), ShellError> {
        loop {
            match self.peek() {
                None => return Err(ShellError::UnterminatedQuote("double")),
                Some('"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some('\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(n @ ('"' | '\\' | '$' | '`')) => {
                            value.push(n);
                            self.pos += 1;
                        }
                        Some('\n') => self.pos += 1,
                        Some(_) => value.push('\\'),
                        None => return Err(ShellError::UnterminatedQuote("double")),
                    }
                }
                Some('`') => {
                    self.backtick(value)?;
                    *dynamic = true;
                }
                Some('$') => self.dollar(value, dynamic, true)?,
                Some(c) => {
                    value.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `$…` at the cursor: `$'…'`, `$"…"`, `$(…)`, `${…}`, `$name`, or a literal `$`.
    fn dollar(
        &mut self,
        value: &mut String,
        dynamic: &mut bool,
        in_double: bool,
    ) -> Result<(), ShellError> {
        match self.peek_at(1) {
            Some('\'') if !in_double => {
                self.pos += 2;
                self.ansi_c(value)
            }
            Some('"') if !in_double => {
                self.pos += 2;
                self.double_quoted(value, dynamic)
            }
            Some('(') => {
                self.pos += 2;
                let from = self.pos - 2;
                self.list(Close::Paren, true)?;
                value.extend(&self.chars[from..self.pos]);
                *dynamic = true;
                Ok(())
            }
            Some('{') => {
                let from = self.pos;
                self.pos += 2;
                loop {
                    match self.peek() {
                        None => return Err(ShellError::Unsupported("unterminated ${")),
                        Some('}') => {
                            self.pos += 1;
                            break;
                        }
                        Some('$' | '`' | '\'' | '"' | '\\') => {
                            return Err(ShellError::Unsupported("nested expansion inside ${…}"));
                        }
                        Some(_) => self.pos += 1,
                    }
                }
                value.extend(&self.chars[from..self.pos]);
                *dynamic = true;
                Ok(())
            }
            Some(c) if c.is_ascii_alphanumeric() || "_@*#?$!-".contains(c) => {
                let from = self.pos;
                self.pos += 2;
                if c.is_ascii_alphabetic() || c == '_' {
                    while self
                        .peek()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        self.pos += 1;
                    }
                }
                value.extend(&self.chars[from..self.pos]);
                *dynamic = true;
                Ok(())
            }
            _ => {
                value.push('$');
                self.pos += 1;
                Ok(())
            }
        }
    }

    /// `$'…'` body (cursor after the opening quote).
    fn ansi_c(&mut self, value: &mut String) -> Result<(), ShellError> {
        loop {
            match self.peek() {
                None => return Err(ShellError::UnterminatedQuote("$'")),
                Some('\'') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some('\\') => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(ShellError::UnterminatedQuote("$'"));
                    };
                    self.pos += 1;
                    match e {
                        'n' => value.push('\n'),
                        't' => value.push('\t'),
                        'r' => value.push('\r'),
                        'a' => value.push('\u{7}'),
                        'b' => value.push('\u{8}'),
                        'e' | 'E' => value.push('\u{1b}'),
                        'f' => value.push('\u{c}'),
                        'v' => value.push('\u{b}'),
                        '0'..='7' => {
                            let mut n = e.to_digit(8).unwrap_or(0);
                            for _ in 0..2 {
                                match self.peek().and_then(|c| c.to_digit(8)) {
                                    Some(d) => {
                                        n = n * 8 + d;
                                        self.pos += 1;
                                    }
                                    None => break,
                                }
                            }
                            value.push(char::from_u32(n).unwrap_or('\u{fffd}'));
                        }
                        'x' | 'u' | 'U' => {
                            let max = match e {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let mut n = 0u32;
                            let mut digits = 0;
                            while digits < max {
                                match self.peek().and_then(|c| c.to_digit(16)) {
                                    Some(d) => {
                                        n = n * 16 + d;
                                        self.pos += 1;
                                        digits += 1;
                                    }
                                    None => break,
                                }
                            }
                            if digits == 0 {
                                value.push('\\');
                                value.push(e);
                            } else {
                                value.push(char::from_u32(n).unwrap_or('\u{fffd}'));
                            }
                        }
                        other => value.push(other),
                    }
                }
                Some(c) => {
                    value.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// A backtick substitution at the cursor: its body is split as its own command list.
    fn backtick(&mut self, value: &mut String) -> Result<(), ShellError> {
        let from = self.pos;
        self.pos += 1;
        let mut inner = String::new();
        loop {
            match self.peek() {
                None => return Err(ShellError::UnterminatedBacktick),
                Some('`') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => {
                    // Inside backticks `\` only escapes `$`, `` ` `` and `\`.
                    match self.peek_at(1) {
                        Some(n @ ('$' | '`' | '\\')) => {
                            inner.push(n);
                            self.pos += 2;
                        }
                        _ => {
                            inner.push('\\');
                            self.pos += 1;
                        }
                    }
                }
                Some(c) => {
                    inner.push(c);
                    self.pos += 1;
                }
            }
        }
        self.enter()?;
        let mut segs = split_at_depth(&inner, self.depth)?;
        self.depth -= 1;
        for s in &mut segs {
            s.nested = true;
        }
        self.out.extend(segs);
        value.extend(&self.chars[from..self.pos]);
        Ok(())
    }
}

/// Render words back into a command line that splits into the same words (for display and
/// for rule text).
pub fn join(words: &[String]) -> String {
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

/// Quote one word for the shell, only when needed.
pub fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_alphanumeric() || "-_./:=@%+,^~".contains(c) || (!c.is_ascii() && !c.is_control())
        });
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    /// Each segment as `[nested ]words…[ op target(w)]`.
    fn show(cmd: &str) -> Vec<String> {
        split(cmd)
            .unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
            .iter()
            .map(|s| {
                let mut t = String::new();
                if s.nested {
                    t.push_str("nested ");
                }
                t.push_str(&s.command_text());
                for r in &s.redirects {
                    t.push_str(&format!(
                        " {}{}{}",
                        r.op,
                        r.target.value,
                        if r.writes { "(w)" } else { "" }
                    ));
                }
                t.trim().to_owned()
            })
            .collect()
    }

    #[test]
    fn splits_on_every_operator() {
        let table: &[(&str, &[&str])] = &[
            ("git status", &["git status"]),
            ("git status; rm -rf /", &["git status", "rm -rf /"]),
            ("git status;rm -rf /", &["git status", "rm -rf /"]),
            ("npm test && curl x | sh", &["npm test", "curl x", "sh"]),
            ("a || b", &["a", "b"]),
            ("a | b |& c", &["a", "b", "c"]),
            ("a & b", &["a", "b"]),
            ("a &", &["a"]),
            ("a\nb\n", &["a", "b"]),
            ("a &&\n b", &["a", "b"]),
            ("(cd x && rm y)", &["cd x", "rm y"]),
            ("( a ; ( b ) ) ; c", &["a", "b", "c"]),
            ("ls # ; rm -rf /", &["ls"]),
            ("{ a; b; }", &["a", "b"]),
            ("if true; then rm x; fi", &["true", "rm x"]),
            ("while read l; do echo $l; done", &["read l", "echo $l"]),
            ("! grep x y", &["grep x y"]),
            ("a \\\n b", &["a b"]),
        ];
        for (cmd, want) in table {
            assert_eq!(show(cmd), *want, "{cmd:?}");
        }
    }

    #[test]
    fn substitutions_run_before_their_command() {
        let table: &[(&str, &[&str])] = &[
            ("echo $(rm x)", &["nested rm x", "echo $(rm x)"]),
            ("echo \"$(rm x)\"", &["nested rm x", "echo $(rm x)"]),
            ("echo `rm x`", &["nested rm x", "echo `rm x`"]),
            ("echo \"`rm x`\"", &["nested rm x", "echo `rm x`"]),
            (
                "echo $(a $(b) | c)",
                &[
                    "nested b",
                    "nested a $(b)",
                    "nested c",
                    "echo $(a $(b) | c)",
                ],
            ),
            (
                "diff <(ls a) >(tee b)",
                &["nested ls a", "nested tee b", "diff <(ls a) >(tee b)"],
            ),
            ("x=$(whoami) ls", &["nested whoami", "x=$(whoami) ls"]),
            ("echo $((1+2))", &["nested 1+2", "echo $((1+2))"]),
            (
                "echo `echo \\`rm x\\``",
                &[
                    "nested rm x",
                    "nested echo `rm x`",
                    "echo `echo \\`rm x\\``",
                ],
            ),
        ];
        for (cmd, want) in table {
            assert_eq!(show(cmd), *want, "{cmd:?}");
        }
    }

    #[test]
    fn redirects_and_their_targets() {
        let table: &[(&str, &[&str])] = &[
            ("ls > /etc/passwd", &["ls >/etc/passwd(w)"]),
            ("ls >>log", &["ls >>log(w)"]),
            ("ls 2>err.txt", &["ls 2>err.txt(w)"]),
            ("ls &> all", &["ls &>all(w)"]),
            ("ls &>> all", &["ls &>>all(w)"]),
            ("ls >| f", &["ls >|f(w)"]),
            ("ls 2>&1", &["ls 2>&1"]),
            ("ls >&2", &["ls >&2"]),
            ("ls >&f", &["ls >&f(w)"]),
            ("ls > /dev/null 2>&1", &["ls >/dev/null 2>&1"]),
            ("cat < in.txt", &["cat <in.txt"]),
            ("cat <<< 'hi'", &["cat <<<hi"]),
            ("> out", &[">out(w)"]),
            ("(ls) > out", &["ls", ">out(w)"]),
            ("echo hi>out.txt", &["echo hi >out.txt(w)"]),
            ("echo a>'my file'", &["echo a >my file(w)"]),
            ("exec 3<> f", &["exec 3<>f(w)"]),
        ];
        for (cmd, want) in table {
            assert_eq!(show(cmd), *want, "{cmd:?}");
        }
    }

    #[test]
    fn quoting_and_escaping() {
        let w = |cmd: &str| -> Vec<String> {
            words(cmd)
                .unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
                .into_iter()
                .map(|w| w.value)
                .collect()
        };
        assert_eq!(w("echo 'a; rm -rf /'"), ["echo", "a; rm -rf /"]);
        assert_eq!(w("echo \"a && b\""), ["echo", "a && b"]);
        assert_eq!(w("echo a\\;b"), ["echo", "a;b"]);
        assert_eq!(w("echo \"say \\\"hi\\\"\""), ["echo", "say \"hi\""]);
        assert_eq!(w("echo \"a\\nb\""), ["echo", "a\\nb"]);
        assert_eq!(w("echo $'a\\nb\\x41\\'c'"), ["echo", "a\nbA'c"]);
        assert_eq!(w("echo $'\\u00e9'"), ["echo", "é"]);
        assert_eq!(w("ec'ho' hi"), ["echo", "hi"]);
        assert_eq!(w("echo ''"), ["echo", ""]);
        assert_eq!(w("echo \"\""), ["echo", ""]);
        assert_eq!(
            w("git commit -m 'fix: ünïcödé 🚀'"),
            ["git", "commit", "-m", "fix: ünïcödé 🚀"]
        );
        assert!(words("echo ünï|cödé").is_err());
    }

    #[test]
    fn dynamic_words_are_marked() {
        let ws = words("$CMD a 'b*' c* \"$HOME\" ${X} \\$y").unwrap();
        let flags: Vec<bool> = ws.iter().map(|w| w.dynamic).collect();
        assert_eq!(flags, [true, false, false, true, true, true, false]);
        assert_eq!(ws[6].value, "$y");
    }

    #[test]
    fn carriage_returns_and_braces_are_not_separators() {
        let ws = words("git status\r").unwrap();
        assert_eq!(ws[1].value, "status\r");
        let ws = words("{rm,-rf,/} x").unwrap();
        assert!(ws[0].dynamic, "brace expansion makes the command unknown");
        assert_eq!(show("{ a; }"), ["a"]);
    }

    #[test]
    fn unicode_is_kept_intact() {
        assert_eq!(show("echo 日本語 && ls ñ"), ["echo 日本語", "ls ñ"]);
        assert_eq!(show("echo 'Ω;Ω' ; rm ☃"), ["echo Ω;Ω", "rm ☃"]);
    }

    #[test]
    fn what_we_cannot_analyse_is_an_error() {
        let bad = [
            "echo 'unterminated",
            "echo \"unterminated",
            "echo $'x",
            "echo `x",
            "echo $(x",
            "echo )",
            "(a",
            "cat <<EOF\nrm -rf /\nEOF",
            "ls >",
            "ls > ; rm x",
            "&& ls",
            "ls &&",
            "ls | | x",
            "ls ;; x",
            "case $x in a) rm;; esac",
            "f() { rm x; }",
            "echo ${x:-$(rm y)}",
            "(( i++ ))",
        ];
        for cmd in bad {
            assert!(
                split(cmd).is_err(),
                "{cmd:?} should not split: {:?}",
                split(cmd)
            );
        }
    }

    #[test]
    fn quote_round_trips() {
        for w in ["plain", "a b", "it's", "", "$(x)", "a;b", "ünï", "-rf"] {
            let q = quote(w);
            assert_eq!(words(&format!("x {q}")).unwrap()[1].value, w, "{q}");
        }
        assert_eq!(
            join(&["git".into(), "commit".into(), "-m".into(), "a b".into()]),
            "git commit -m 'a b'"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = |n: usize| format!("ls {}x{}", "$( ".repeat(n), " )".repeat(n));
        assert_eq!(split(&deep(64)).unwrap().len(), 65);
        assert!(matches!(split(&deep(65)), Err(ShellError::Unsupported(_))));
        // Found by fuzzing: 2000 levels overflowed a 2 MiB thread stack.
        assert!(split(&deep(100_000)).is_err());
        let subshells = format!("{}ls{}", "( ".repeat(100_000), " )".repeat(100_000));
        assert!(split(&subshells).is_err());
    }
}

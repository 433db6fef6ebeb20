//! Syntax highlighting of code (markdown code blocks, Bash commands) with syntect: the syntax
//! and theme sets are loaded once, lazily, on the first highlighted block; unknown languages
//! fall back to plain text so the caller keeps its own style.

use ratatui::style::{Color, Modifier, Style};
use std::sync::OnceLock;
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, Theme as SynTheme, ThemeSet};
use syntect::parsing::{SyntaxReference, SyntaxSet};

/// One highlighted line: styled pieces, tabs already expanded.
pub(crate) type StyledLine = Vec<(Style, String)>;

/// Lines longer than this are not highlighted (minified files would stall the frame).
const MAX_LINE: usize = 2_000;
/// Blocks longer than this are not highlighted at all.
const MAX_LINES: usize = 5_000;

struct Sets {
    syntaxes: SyntaxSet,
    theme: SynTheme,
}

fn sets() -> Option<&'static Sets> {
    static SETS: OnceLock<Option<Sets>> = OnceLock::new();
    SETS.get_or_init(|| {
        let syntaxes = SyntaxSet::load_defaults_newlines();
        let mut themes = ThemeSet::load_defaults();
        let theme = themes.themes.remove("base16-ocean.dark")?;
        Some(Sets { syntaxes, theme })
    })
    .as_ref()
}

fn syntax_for<'a>(set: &'a SyntaxSet, lang: &str) -> Option<&'a SyntaxReference> {
    let lang = lang.trim().to_ascii_lowercase();
    if lang.is_empty() {
        return None;
    }
    let token = match lang.as_str() {
        "shell" | "console" | "zsh" | "bash" | "sh" => "bash",
        "ts" | "typescript" | "tsx" => "js",
        "jsonc" | "json5" => "json",
        "toml" => "yaml",
        other => other,
    };
    set.find_syntax_by_token(token)
        .or_else(|| set.find_syntax_by_extension(token))
}

/// Highlight `code` as `lang`; `None` for an unknown language or an oversized block (the
/// caller draws it plain).
pub(crate) fn highlight(code: &str, lang: &str) -> Option<Vec<StyledLine>> {
    let sets = sets()?;
    let syntax = syntax_for(&sets.syntaxes, lang)?;
    if code.lines().count() > MAX_LINES {
        return None;
    }
    let mut h = HighlightLines::new(syntax, &sets.theme);
    let mut out = Vec::new();
    for line in code.split_inclusive('\n') {
        let text = line.trim_end_matches(['\n', '\r']);
        if text.len() > MAX_LINE {
            out.push(vec![(Style::default(), text.replace('\t', "    "))]);
            continue;
        }
        // Syntect wants the newline for its `newlines` syntaxes.
        let with_nl = format!("{text}\n");
        let ranges = h.highlight_line(&with_nl, &sets.syntaxes).ok()?;
        let mut pieces: StyledLine = Vec::with_capacity(ranges.len());
        for (style, piece) in ranges {
            let piece = piece.trim_end_matches('\n').replace('\t', "    ");
            if piece.is_empty() {
                continue;
            }
            pieces.push((convert(style), piece));
        }
        out.push(pieces);
    }
    Some(out)
}

/// The parser and highlighter state between two lines: what a line-by-line caller keeps as
/// a checkpoint to go on from (cloning it is cheap next to highlighting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineState {
    parse: syntect::parsing::ParseState,
    hl: syntect::highlighting::HighlightState,
}

/// The state before the first line of a `lang` file (a language name or a file extension);
/// `None` for an unknown language.
pub(crate) fn line_start(lang: &str) -> Option<LineState> {
    let sets = sets()?;
    let syntax = syntax_for(&sets.syntaxes, lang)?;
    let h = HighlightLines::new(syntax, &sets.theme);
    let (hl, parse) = h.state();
    Some(LineState { parse, hl })
}

/// Highlight one line (without its newline) going on from `state`, which moves past it.
/// Pieces are (style, byte range in `line`); an over-long line comes back unstyled and
/// leaves the state as it was (so the next lines still highlight).
pub(crate) fn highlight_next(
    state: &mut LineState,
    line: &str,
) -> Vec<(Style, std::ops::Range<usize>)> {
    let Some(sets) = sets() else {
        return Vec::new();
    };
    if line.len() > MAX_LINE {
        return Vec::new();
    }
    let mut h = HighlightLines::from_state(&sets.theme, state.hl.clone(), state.parse.clone());
    let with_nl = format!("{line}\n");
    let Ok(ranges) = h.highlight_line(&with_nl, &sets.syntaxes) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(ranges.len());
    let mut at = 0;
    for (style, piece) in ranges {
        let end = (at + piece.len()).min(line.len());
        if end > at {
            out.push((convert(style), at..end));
        }
        at += piece.len();
    }
    let (hl, parse) = h.state();
    *state = LineState { parse, hl };
    out
}

fn convert(s: syntect::highlighting::Style) -> Style {
    let fg = s.foreground;
    let mut style = Style::new().fg(Color::Rgb(fg.r, fg.g, fg.b));
    if s.font_style.contains(FontStyle::BOLD) {
        style = style.add_modifier(Modifier::BOLD);
    }
    if s.font_style.contains(FontStyle::ITALIC) {
        style = style.add_modifier(Modifier::ITALIC);
    }
    style
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_get_colours_unknown_fall_back() {
        let lines = highlight("fn main() {\n    let x = 1;\n}\n", "rust");
        let Some(lines) = lines else {
            panic!("rust is a default syntax");
        };
        assert_eq!(lines.len(), 3);
        let text: String = lines[1].iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(text, "    let x = 1;");
        let colours: std::collections::HashSet<_> = lines[1].iter().map(|(s, _)| s.fg).collect();
        assert!(colours.len() > 1, "several token colours: {lines:?}");
        assert!(highlight("x", "no-such-language").is_none());
        assert!(highlight("x", "").is_none());
        assert!(highlight("ls -la | wc -l", "sh").is_some());
        assert!(highlight("print(1)", "python").is_some());
    }
}

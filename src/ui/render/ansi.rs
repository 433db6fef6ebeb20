//! Terminal output with ANSI escapes → styled ratatui lines: SGR colours (16, 256, truecolor,
//! fg and bg) and attributes (bold, dim, italic, underline, reverse…), every other escape
//! (cursor movement, OSC titles and links, charset switches) and control character stripped.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

const TAB: usize = 8;

/// Parse `text` into lines. Styles are relative: a reset clears back to "no style", so the
/// caller's base style shows through wherever the program set nothing.
pub(crate) fn parse(text: &str) -> Vec<Line<'static>> {
    let mut p = Parser::default();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => {
                    let mut params = String::new();
                    let mut fin = None;
                    for c in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&c) {
                            fin = Some(c);
                            break;
                        }
                        params.push(c);
                    }
                    // Private sequences (`ESC[?25l`) and non-SGR finals change no style.
                    if fin == Some('m') && !params.starts_with(['?', '<', '=', '>']) {
                        p.flush();
                        p.style = sgr(p.style, &params);
                    }
                }
                // OSC, DCS, SOS, PM, APC: a string ended by BEL or ESC \.
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    while let Some(c) = chars.next() {
                        if c == '\x07' {
                            break;
                        }
                        if c == '\x1b' {
                            if chars.peek() == Some(&'\\') {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                // Charset designations take one more character.
                Some('(' | ')' | '*' | '+' | '-' | '.' | '/' | '#' | '%') => {
                    chars.next();
                }
                Some(_) | None => {}
            },
            '\n' => p.newline(),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    // A bare CR redraws the line (progress bars): keep only what follows.
                    p.clear_line();
                }
            }
            '\t' => {
                let n = TAB - p.col % TAB;
                for _ in 0..n {
                    p.push(' ');
                }
            }
            '\x08' => p.backspace(),
            c if c.is_control() => {}
            c => p.push(c),
        }
    }
    p.finish()
}

/// Plain text of parsed lines (for tests and searching).
#[cfg(test)]
pub(crate) fn plain(lines: &[Line<'_>]) -> String {
    lines
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Default)]
struct Parser {
    lines: Vec<Line<'static>>,
    spans: Vec<Span<'static>>,
    text: String,
    style: Style,
    col: usize,
}

impl Parser {
    fn push(&mut self, c: char) {
        self.text.push(c);
        self.col += 1;
    }

    fn flush(&mut self) {
        if !self.text.is_empty() {
            let text = std::mem::take(&mut self.text);
            self.spans.push(Span::styled(text, self.style));
        }
    }

    fn newline(&mut self) {
        self.flush();
        self.lines.push(Line::from(std::mem::take(&mut self.spans)));
        self.col = 0;
    }

    fn clear_line(&mut self) {
        self.spans.clear();
        self.text.clear();
        self.col = 0;
    }

    fn backspace(&mut self) {
        if self.text.pop().is_some() {
            self.col = self.col.saturating_sub(1);
        }
    }

    fn finish(mut self) -> Vec<Line<'static>> {
        self.flush();
        if !self.spans.is_empty() {
            self.lines.push(Line::from(self.spans));
        }
        self.lines
    }
}

/// Apply one SGR parameter list (`1;38;5;208`) to `style`.
fn sgr(mut style: Style, params: &str) -> Style {
    if params.is_empty() {
        return Style::default();
    }
    // Colon sub-parameters (`38:2::r:g:b`, `4:3`) belong to the parameter before them.
    let groups: Vec<Vec<Option<u32>>> = params
        .split(';')
        .map(|g| g.split(':').map(|n| n.parse().ok()).collect())
        .collect();
    let mut i = 0;
    while i < groups.len() {
        let g = &groups[i];
        let code = g.first().copied().flatten().unwrap_or(0);
        i += 1;
        match code {
            0 => style = Style::default(),
            1 => style = style.add_modifier(Modifier::BOLD),
            2 => style = style.add_modifier(Modifier::DIM),
            3 => style = style.add_modifier(Modifier::ITALIC),
            4 => {
                style = if g.get(1).copied().flatten() == Some(0) {
                    style.remove_modifier(Modifier::UNDERLINED)
                } else {
                    style.add_modifier(Modifier::UNDERLINED)
                }
            }
            5 | 6 => style = style.add_modifier(Modifier::SLOW_BLINK),
            7 => style = style.add_modifier(Modifier::REVERSED),
            8 => style = style.add_modifier(Modifier::HIDDEN),
            9 => style = style.add_modifier(Modifier::CROSSED_OUT),
            21 => style = style.add_modifier(Modifier::UNDERLINED),
            22 => style = style.remove_modifier(Modifier::BOLD | Modifier::DIM),
            23 => style = style.remove_modifier(Modifier::ITALIC),
            24 => style = style.remove_modifier(Modifier::UNDERLINED),
            25 => style = style.remove_modifier(Modifier::SLOW_BLINK),
            27 => style = style.remove_modifier(Modifier::REVERSED),
            28 => style = style.remove_modifier(Modifier::HIDDEN),
            29 => style = style.remove_modifier(Modifier::CROSSED_OUT),
            30..=37 => style.fg = Some(base(code - 30)),
            39 => style.fg = None,
            40..=47 => style.bg = Some(base(code - 40)),
            49 => style.bg = None,
            90..=97 => style.fg = Some(bright(code - 90)),
            100..=107 => style.bg = Some(bright(code - 100)),
            38 | 48 => {
                let color = if g.len() > 1 {
                    extended_colon(&g[1..])
                } else {
                    let (c, used) = extended_semicolon(&groups[i..]);
                    i += used;
                    c
                };
                if let Some(c) = color {
                    if code == 38 {
                        style.fg = Some(c);
                    } else {
                        style.bg = Some(c);
                    }
                }
            }
            _ => {}
        }
    }
    style
}

fn byte(n: Option<u32>) -> Option<u8> {
    n.and_then(|n| u8::try_from(n).ok())
}

/// `38;5;n` / `38;2;r;g;b`: the colour and how many more groups it used.
fn extended_semicolon(rest: &[Vec<Option<u32>>]) -> (Option<Color>, usize) {
    let at = |k: usize| rest.get(k).and_then(|g| g.first().copied().flatten());
    match at(0) {
        Some(5) => (byte(at(1)).map(Color::Indexed), 2),
        Some(2) => {
            let rgb = (byte(at(1)), byte(at(2)), byte(at(3)));
            match rgb {
                (Some(r), Some(g), Some(b)) => (Some(Color::Rgb(r, g, b)), 4),
                _ => (None, 4.min(rest.len())),
            }
        }
        _ => (None, 0),
    }
}

/// `38:5:n` / `38:2::r:g:b` (with an optional colour-space id) / `38:2:r:g:b`.
fn extended_colon(sub: &[Option<u32>]) -> Option<Color> {
    match sub.first().copied().flatten() {
        Some(5) => byte(sub.get(1).copied().flatten()).map(Color::Indexed),
        Some(2) => {
            let rgb = if sub.len() >= 5 {
                &sub[2..5]
            } else {
                &sub[1..]
            };
            match rgb {
                [r, g, b] => Some(Color::Rgb(byte(*r)?, byte(*g)?, byte(*b)?)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn base(n: u32) -> Color {
    match n {
        0 => Color::Black,
        1 => Color::Red,
        2 => Color::Green,
        3 => Color::Yellow,
        4 => Color::Blue,
        5 => Color::Magenta,
        6 => Color::Cyan,
        _ => Color::Gray,
    }
}

fn bright(n: u32) -> Color {
    match n {
        0 => Color::DarkGray,
        1 => Color::LightRed,
        2 => Color::LightGreen,
        3 => Color::LightYellow,
        4 => Color::LightBlue,
        5 => Color::LightMagenta,
        6 => Color::LightCyan,
        _ => Color::White,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(String, Style)> {
        parse(text)
            .into_iter()
            .flat_map(|l| l.spans)
            .map(|s| (s.content.into_owned(), s.style))
            .collect()
    }

    #[test]
    fn sixteen_colours_and_reset() {
        let got = spans("a\x1b[31mred\x1b[0m b\x1b[92;44mx\x1b[39mbg\x1b[m.");
        assert_eq!(
            got,
            vec![
                ("a".into(), Style::default()),
                ("red".into(), Style::default().fg(Color::Red)),
                (" b".into(), Style::default()),
                (
                    "x".into(),
                    Style::default().fg(Color::LightGreen).bg(Color::Blue)
                ),
                ("bg".into(), Style::default().bg(Color::Blue)),
                (".".into(), Style::default()),
            ]
        );
    }

    #[test]
    fn extended_colours_semicolon_and_colon_forms() {
        let got = spans("\x1b[38;5;208mo\x1b[48;2;1;2;3mt\x1b[0;38:2::9:8:7mc\x1b[38:5:33;1mb");
        assert_eq!(got[0].1, Style::default().fg(Color::Indexed(208)));
        assert_eq!(
            got[1].1,
            Style::default()
                .fg(Color::Indexed(208))
                .bg(Color::Rgb(1, 2, 3))
        );
        assert_eq!(got[2].1, Style::default().fg(Color::Rgb(9, 8, 7)));
        assert_eq!(
            got[3].1,
            Style::default()
                .fg(Color::Indexed(33))
                .add_modifier(Modifier::BOLD)
        );
    }

    #[test]
    fn attributes_set_and_clear() {
        let got = spans("\x1b[1;2;3;4;7mA\x1b[22mB\x1b[23;24;27mC");
        let all = Modifier::BOLD
            | Modifier::DIM
            | Modifier::ITALIC
            | Modifier::UNDERLINED
            | Modifier::REVERSED;
        assert_eq!(got[0].1.add_modifier, all);
        assert_eq!(
            got[1].1.add_modifier,
            Modifier::ITALIC | Modifier::UNDERLINED | Modifier::REVERSED
        );
        assert!(got[2].1.add_modifier.is_empty(), "{:?}", got[2].1);
    }

    #[test]
    fn other_escapes_and_controls_are_stripped() {
        let text = "\x1b]0;title\x07\x1b[2J\x1b[1;1H\x1b[?25lhi\x1b(B \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\x07!";
        assert_eq!(plain(&parse(text)), "hi link!");
    }

    #[test]
    fn lines_tabs_carriage_returns_and_backspaces() {
        let lines =
            parse("a\tb\r\nprogress 10%\rprogress 100%\nbo\x08old\n\x1b[32mgreen\nstill\x1b[0m\n");
        assert_eq!(
            plain(&lines),
            "a       b\nprogress 100%\nbold\ngreen\nstill"
        );
        // A style spans lines until reset.
        assert_eq!(lines[4].spans[0].style.fg, Some(Color::Green));
        assert_eq!(parse("").len(), 0);
        assert_eq!(parse("x").len(), 1);
    }
}

//! Markdown to styled, wrapped terminal lines (pulldown-cmark events, our own small layout):
//! headings, paragraphs, emphasis, inline code, links, lists (nested, numbered), block quotes,
//! fenced code blocks (kept verbatim, never re-wrapped, syntax highlighted when the language
//! is known), rules and tables (as plain rows).

use crate::ui::render::highlight::{StyledLine, highlight};
use crate::ui::render::theme::Theme;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Highlighted code blocks by a hash of (language, code): highlighting does not depend on the
/// width, so a re-wrap at another width reuses it (`None`: drawn plain).
pub(crate) type CodeCache = HashMap<u64, Option<Vec<StyledLine>>>;

/// Render `text` as markdown into lines at most `width` columns wide.
pub(crate) fn render(text: &str, width: usize, theme: &Theme, out: &mut Vec<Line<'static>>) {
    render_cached(text, width, theme, out, &mut CodeCache::new());
}

/// `render`, reusing (and filling) `cache` for code blocks.
pub(crate) fn render_cached(
    text: &str,
    width: usize,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
    cache: &mut CodeCache,
) {
    let mut r = Renderer {
        cache,
        theme,
        width: width.max(8),
        out,
        styles: vec![theme.text],
        words: Vec::new(),
        lists: Vec::new(),
        quote: 0,
        item_prefix: None,
        code: None,
        link: None,
        blank_pending: false,
        any: false,
    };
    let opts = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS;
    for ev in Parser::new_ext(text, opts) {
        r.event(ev);
    }
    r.flush_paragraph();
}

struct Renderer<'a, 't> {
    cache: &'a mut CodeCache,
    theme: &'t Theme,
    width: usize,
    out: &'a mut Vec<Line<'static>>,
    /// Inline style stack (emphasis, strong, link, heading…).
    styles: Vec<Style>,
    /// The current paragraph's pieces: (text, style); spaces are separate pieces.
    words: Vec<(String, Style)>,
    /// Open lists: `Some(n)` numbered (next number), `None` bulleted.
    lists: Vec<Option<u64>>,
    quote: usize,
    /// The marker of a list item whose first line is not written yet.
    item_prefix: Option<String>,
    /// Inside a fenced/indented code block: its language and lines so far.
    code: Option<(String, String)>,
    link: Option<String>,
    blank_pending: bool,
    any: bool,
}

impl Renderer<'_, '_> {
    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or(self.theme.text)
    }

    fn push_style(&mut self, f: impl FnOnce(Style) -> Style) {
        let s = f(self.style());
        self.styles.push(s);
    }

    fn indent(&self) -> String {
        let mut s = "│ ".repeat(self.quote);
        s.push_str(&"  ".repeat(self.lists.len().saturating_sub(1)));
        s
    }

    fn block_start(&mut self) {
        if self.blank_pending && self.any {
            self.out.push(Line::default());
        }
        self.blank_pending = false;
    }

    fn event(&mut self, ev: Event<'_>) {
        match ev {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => {
                if let Some((_, code)) = self.code.as_mut() {
                    code.push_str(&t);
                } else {
                    self.text(&t, self.style());
                }
            }
            Event::Code(t) => {
                let s = self.theme.accent;
                self.text(&t, s);
            }
            Event::SoftBreak => self.words.push((" ".into(), self.style())),
            Event::HardBreak => {
                self.flush_paragraph();
            }
            Event::Rule => {
                self.flush_paragraph();
                self.block_start();
                self.out.push(Line::from(Span::styled(
                    "─".repeat(self.width.min(40)),
                    self.theme.dim,
                )));
                self.any = true;
                self.blank_pending = true;
            }
            Event::TaskListMarker(done) => {
                let mark = if done { "[x] " } else { "[ ] " };
                self.words.push((mark.into(), self.theme.dim));
            }
            Event::Html(t) | Event::InlineHtml(t) => self.text(&t, self.theme.dim),
            Event::FootnoteReference(t) => self.text(&format!("[{t}]"), self.theme.dim),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t, self.theme.accent),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => {
                self.flush_paragraph();
                if self.item_prefix.is_none() {
                    self.block_start();
                }
            }
            Tag::Heading { level, .. } => {
                self.flush_paragraph();
                self.block_start();
                let marker = match level {
                    HeadingLevel::H1 => "# ",
                    HeadingLevel::H2 => "## ",
                    _ => "### ",
                };
                let accent = self.theme.accent;
                self.push_style(|_| accent.add_modifier(Modifier::BOLD));
                self.words.push((marker.into(), self.style()));
            }
            Tag::BlockQuote(_) => {
                self.flush_paragraph();
                self.block_start();
                self.quote += 1;
            }
            Tag::CodeBlock(kind) => {
                self.flush_paragraph();
                self.block_start();
                let lang = match kind {
                    CodeBlockKind::Fenced(l) => {
                        l.split_whitespace().next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                if !lang.is_empty() {
                    self.out.push(Line::from(Span::styled(
                        format!("{}┌ {lang}", self.indent()),
                        self.theme.dim,
                    )));
                }
                self.code = Some((lang, String::new()));
            }
            Tag::List(start) => {
                self.flush_paragraph();
                if self.lists.is_empty() {
                    self.block_start();
                }
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush_paragraph();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "• ".to_owned(),
                };
                self.item_prefix = Some(marker);
            }
            Tag::Emphasis => self.push_style(|s| s.add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.push_style(|s| s.add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => self.push_style(|s| s.add_modifier(Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => {
                self.link = Some(dest_url.to_string());
                self.push_style(|s| s.add_modifier(Modifier::UNDERLINED));
            }
            Tag::Image { dest_url, .. } => {
                self.text(&format!("[image: {dest_url}]"), self.theme.dim)
            }
            Tag::Table(_) | Tag::TableHead | Tag::TableRow => self.flush_paragraph(),
            Tag::TableCell => self.words.push(("│ ".into(), self.theme.dim)),
            Tag::HtmlBlock
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_)
            | Tag::Superscript
            | Tag::Subscript => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                self.flush_paragraph();
                self.blank_pending = true;
            }
            TagEnd::Heading(_) => {
                self.flush_paragraph();
                self.styles.pop();
                self.blank_pending = true;
            }
            TagEnd::BlockQuote(_) => {
                self.flush_paragraph();
                self.quote = self.quote.saturating_sub(1);
                self.blank_pending = true;
            }
            TagEnd::CodeBlock => {
                let (lang, code) = self.code.take().unwrap_or_default();
                let code = code.trim_end_matches('\n');
                let indent = self.indent();
                let key = {
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    (&lang, code).hash(&mut h);
                    h.finish()
                };
                let lit = self
                    .cache
                    .entry(key)
                    .or_insert_with(|| highlight(code, &lang));
                if let Some(lit) = lit {
                    for pieces in lit.iter() {
                        let lead = format!("{indent}│ ");
                        let mut used = lead.width();
                        let mut spans = vec![Span::styled(lead, self.theme.dim)];
                        for (style, text) in pieces {
                            if used >= self.width {
                                break;
                            }
                            let piece = cut(text, self.width - used);
                            used += piece.width();
                            spans.push(Span::styled(piece, *style));
                        }
                        self.out.push(Line::from(spans));
                    }
                } else {
                    for l in code.split('\n') {
                        let l = l.replace('\t', "    ");
                        let line = format!("{indent}│ {l}");
                        self.out.push(Line::from(Span::styled(
                            cut(&line, self.width),
                            self.theme.accent,
                        )));
                    }
                }
                self.any = true;
                self.blank_pending = true;
            }
            TagEnd::List(_) => {
                self.flush_paragraph();
                self.lists.pop();
                if self.lists.is_empty() {
                    self.blank_pending = true;
                }
            }
            TagEnd::Item => self.flush_paragraph(),
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link => {
                self.styles.pop();
                if let Some(url) = self.link.take()
                    && !url.is_empty()
                {
                    let dim = self.theme.dim;
                    self.text(&format!(" ({url})"), dim);
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => self.flush_paragraph(),
            TagEnd::Table => {
                self.flush_paragraph();
                self.blank_pending = true;
            }
            TagEnd::Image
            | TagEnd::TableCell
            | TagEnd::HtmlBlock
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_)
            | TagEnd::Superscript
            | TagEnd::Subscript => {}
        }
    }

    /// Add inline text, split into words and spaces so the paragraph can wrap.
    fn text(&mut self, t: &str, style: Style) {
        let mut word = String::new();
        for ch in t.chars() {
            if ch == ' ' || ch == '\n' {
                if !word.is_empty() {
                    self.words.push((std::mem::take(&mut word), style));
                }
                self.words.push((" ".into(), style));
            } else {
                word.push(ch);
            }
        }
        if !word.is_empty() {
            self.words.push((word, style));
        }
    }

    /// Lay the collected words out into wrapped lines.
    fn flush_paragraph(&mut self) {
        if self.words.is_empty() {
            return;
        }
        let words = std::mem::take(&mut self.words);
        let indent = self.indent();
        let marker = self.item_prefix.take();
        let first_lead = format!("{indent}{}", marker.as_deref().unwrap_or(""));
        let rest_lead = format!(
            "{indent}{}",
            " ".repeat(marker.as_deref().map_or(0, UnicodeWidthStr::width))
        );
        let mut line: Vec<Span<'static>> = vec![Span::styled(first_lead.clone(), self.theme.dim)];
        let mut used = first_lead.width();
        let avail = |lead: usize| self.width.saturating_sub(lead).max(4);
        let mut lead_w = used;
        let mut at_start = true;
        for (w, style) in words {
            let ww = w.width();
            if w == " " {
                if !at_start && used < self.width {
                    line.push(Span::styled(w, style));
                    used += 1;
                }
                continue;
            }
            if used + ww > self.width && !at_start {
                // Drop the trailing space and break.
                if line.last().is_some_and(|s| s.content == " ") {
                    line.pop();
                }
                self.out.push(Line::from(std::mem::take(&mut line)));
                line.push(Span::styled(rest_lead.clone(), self.theme.dim));
                used = rest_lead.width();
                lead_w = used;
            }
            if ww > avail(lead_w) {
                // A word longer than a line: hard-break it.
                let mut chunk = String::new();
                for ch in w.chars() {
                    let cw = ch.width().unwrap_or(0);
                    if used + cw > self.width && used > lead_w {
                        line.push(Span::styled(std::mem::take(&mut chunk), style));
                        self.out.push(Line::from(std::mem::take(&mut line)));
                        line.push(Span::styled(rest_lead.clone(), self.theme.dim));
                        used = rest_lead.width();
                    }
                    chunk.push(ch);
                    used += cw;
                }
                line.push(Span::styled(chunk, style));
            } else {
                line.push(Span::styled(w, style));
                used += ww;
            }
            at_start = false;
        }
        if line.last().is_some_and(|s| s.content == " ") {
            line.pop();
        }
        self.out.push(Line::from(line));
        self.any = true;
    }
}

/// Cut `s` to `width` columns.
fn cut(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut w = 0;
    for ch in s.chars() {
        let cw = ch.width().unwrap_or(0);
        if w + cw > width {
            break;
        }
        out.push(ch);
        w += cw;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(md: &str, width: usize) -> Vec<String> {
        let mut out = Vec::new();
        render(md, width, &Theme::dark(), &mut out);
        out.iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect()
    }

    #[test]
    fn headings_paragraphs_and_emphasis() {
        let lines = plain("# Title\n\nSome **bold** and *soft* text.", 40);
        assert_eq!(lines, ["# Title", "", "Some bold and soft text."]);
    }

    #[test]
    fn paragraphs_wrap_at_width_without_trailing_spaces() {
        let lines = plain("one two three four five six seven", 12);
        assert_eq!(lines, ["one two", "three four", "five six", "seven"]);
        assert!(lines.iter().all(|l| l.width() <= 12));
    }

    #[test]
    fn lists_nest_and_number() {
        let lines = plain("- a\n- b\n  1. x\n  2. y\n", 30);
        assert_eq!(lines, ["• a", "• b", "  1. x", "  2. y"]);
    }

    #[test]
    fn long_list_items_hang_under_the_marker() {
        let lines = plain("- alpha beta gamma delta", 12);
        assert_eq!(lines, ["• alpha beta", "  gamma", "  delta"]);
    }

    #[test]
    fn code_blocks_are_verbatim_and_inline_code_kept() {
        let lines = plain(
            "Run `cargo test`:\n\n```sh\ncargo test --all\n  indented\n```\n",
            40,
        );
        assert_eq!(
            lines,
            [
                "Run cargo test:",
                "",
                "┌ sh",
                "│ cargo test --all",
                "│   indented"
            ]
        );
    }

    #[test]
    fn links_show_their_target_and_quotes_are_marked() {
        assert_eq!(plain("[docs](https://x.y)", 40), ["docs (https://x.y)"]);
        assert_eq!(plain("> quoted", 40), ["│ quoted"]);
    }

    #[test]
    fn never_wider_than_asked() {
        let md = "# A very long heading that goes on\n\n- item with a supercalifragilisticexpialidocious word\n\n```\nlong code line that is much wider than the panel\n```";
        for w in [8, 13, 20] {
            for l in plain(md, w) {
                assert!(l.width() <= w.max(8), "{l:?} wider than {w}");
            }
        }
    }
}

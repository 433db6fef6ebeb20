//! The Markdown widget: a markdown file (re-read by `ui::sources::file_reader` whenever it
//! changes) or inline text, rendered with the transcripts' renderer, scrollable. The
//! rendered lines are cached per width.

use crate::ui::render::markdown::{CodeCache, render_cached};
use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use std::cell::{Cell, RefCell};

/// A Markdown panel's live state.
#[derive(Debug, Default)]
pub(crate) struct MarkdownState {
    /// The source, or why there is none; `None` while loading.
    source: Option<Result<String, String>>,
    /// (width, lines) of the last render.
    cache: RefCell<Option<(u16, Vec<Line<'static>>)>>,
    code: RefCell<CodeCache>,
    scroll: Cell<usize>,
    height: Cell<u16>,
    /// Live reload is off (watching failed).
    pub watch_error: Option<String>,
}

impl MarkdownState {
    /// Inline markdown (the `text` prop).
    pub(crate) fn with_text(text: String) -> Self {
        Self {
            source: Some(Ok(text)),
            ..Self::default()
        }
    }

    /// The file was (re)read; the scroll position is kept.
    pub(crate) fn set_source(&mut self, source: Result<String, String>) {
        if self.source.as_ref() != Some(&source) {
            self.source = Some(source);
            self.cache.replace(None);
        }
    }

    fn total(&self) -> usize {
        self.cache.borrow().as_ref().map_or(0, |(_, l)| l.len())
    }

    fn scroll_by(&self, delta: isize) {
        let max = self
            .total()
            .saturating_sub(usize::from(self.height.get().max(1)));
        self.scroll
            .set(self.scroll.get().saturating_add_signed(delta).min(max));
    }

    /// Scroll by the mouse wheel.
    pub(crate) fn wheel(&self, up: bool) {
        self.scroll_by(if up { -3 } else { 3 });
    }

    /// Handle a key; false when it is not the panel's.
    pub(crate) fn key(&self, key: KeyEvent) -> bool {
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return false;
        }
        let page = self.height.get().saturating_sub(1).max(1) as isize;
        match key.code {
            KeyCode::Char('j') | KeyCode::Down => self.scroll_by(1),
            KeyCode::Char('k') | KeyCode::Up => self.scroll_by(-1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.scroll_by(page),
            KeyCode::PageUp => self.scroll_by(-page),
            KeyCode::Char('g') | KeyCode::Home => self.scroll.set(0),
            KeyCode::Char('G') | KeyCode::End => self.scroll_by(isize::MAX / 2),
            _ => return false,
        }
        true
    }
}

/// Draws a Markdown panel's inside.
pub(crate) struct MarkdownView<'a> {
    /// The panel's state.
    pub state: &'a MarkdownState,
    /// Colours.
    pub theme: &'a Theme,
}

impl MarkdownView<'_> {
    /// Draw (re-rendering the markdown only when the width or the source changed).
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) {
        let s = self.state;
        if area.is_empty() {
            return;
        }
        let text = match &s.source {
            None => {
                buf.set_stringn(
                    area.x + 1,
                    area.y,
                    "reading…",
                    usize::from(area.width),
                    self.theme.dim,
                );
                return;
            }
            Some(Err(e)) => {
                let t = truncate(
                    &format!("cannot read: {e}"),
                    usize::from(area.width.saturating_sub(1)),
                );
                buf.set_stringn(
                    area.x + 1,
                    area.y,
                    t,
                    usize::from(area.width),
                    self.theme.error,
                );
                return;
            }
            Some(Ok(t)) => t,
        };
        let inner = Rect::new(
            area.x + 1,
            area.y,
            area.width.saturating_sub(2),
            area.height,
        );
        let fresh = !matches!(&*s.cache.borrow(), Some((w, _)) if *w == inner.width);
        if fresh {
            let mut lines = Vec::new();
            render_cached(
                text,
                usize::from(inner.width),
                self.theme,
                &mut lines,
                &mut s.code.borrow_mut(),
            );
            s.cache.replace(Some((inner.width, lines)));
        }
        s.height.set(area.height);
        let cache = s.cache.borrow();
        let Some((_, lines)) = cache.as_ref() else {
            return;
        };
        let max = lines.len().saturating_sub(usize::from(area.height));
        let top = s.scroll.get().min(max);
        s.scroll.set(top);
        for (i, line) in lines
            .iter()
            .skip(top)
            .take(usize::from(area.height))
            .enumerate()
        {
            buf.set_line(inner.x, inner.y + i as u16, line, inner.width);
        }
        if lines.len() > usize::from(area.height) {
            let pct = format!(
                "{}%",
                (top + usize::from(area.height)).min(lines.len()) * 100 / lines.len().max(1)
            );
            let w = pct.len() as u16;
            if area.width > w + 2 {
                buf.set_stringn(
                    area.right() - w,
                    area.bottom() - 1,
                    &pct,
                    usize::from(w),
                    self.theme.dim,
                );
            }
        }
    }
}

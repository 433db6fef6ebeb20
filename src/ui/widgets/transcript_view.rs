//! The rich, virtualized transcript renderer shared by the orchestrator chat and the
//! AgentTranscript panel: entries become blocks (a tool call is paired with its result), each
//! block is wrapped once into its own lines (appends wrap only the new blocks, a toggle
//! re-wraps only that block, a width change re-wraps all), and a frame draws only the rows
//! that are visible (binary search for the first block, then walk). Only the blocks on screen
//! keep their wrapped lines; the others keep their height, so a long transcript costs its
//! entries plus a small `Block` each (issue 11: 20 agents × 50 000 lines under 100 MB).

use crate::core::time::Epoch;
use crate::core::transcript::{
    NoticeLevel, TranscriptEntry, TranscriptItem, one_line, tool_display_name, tool_input_brief,
};
use crate::store::transcript_index::TranscriptIndex;
use crate::ui::render::highlight::highlight;
use crate::ui::render::markdown::{CodeCache, render_cached};
use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::{truncate, wrap};
use entries::Entries;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use serde_json::Value;
use std::collections::HashMap;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The "working…" row: the agent has a turn in progress.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Working {
    /// When the turn began.
    pub since: Epoch,
    /// The clock of this frame.
    pub now: Epoch,
    /// The tool in flight (`Bash cargo test`), if any.
    pub tool: Option<String>,
}

/// One display block: an entry, or a tool call with its result. Small (24 bytes): a
/// transcript of 50 000 blocks costs about a megabyte here; the wrapped lines of the blocks
/// near the screen live in `TranscriptViewState::window`.
#[derive(Debug)]
struct Block {
    /// Index of its first line in the whole transcript.
    start: usize,
    /// The block's entry (the ToolUse for a tool call).
    entry: u32,
    /// A tool call's result entry once it arrived, else `NO_RESULT`.
    result: u32,
    /// Number of wrapped lines at the state's width.
    height: u32,
    flags: u8,
}

const NO_RESULT: u32 = u32::MAX;
/// Can be expanded and collapsed.
const COLLAPSIBLE: u8 = 1;
const COLLAPSED: u8 = 2;
/// A blank line before the block (part of its lines).
const GAP: u8 = 4;
/// A tool call, tool result or thinking (consecutive ones have no gap between them).
const TOOLISH: u8 = 8;

impl Block {
    fn end(&self) -> usize {
        self.start + self.height()
    }

    fn height(&self) -> usize {
        self.height as usize
    }

    fn header(&self) -> usize {
        self.start + usize::from(self.gap())
    }

    fn entry(&self) -> usize {
        self.entry as usize
    }

    fn result(&self) -> Option<usize> {
        (self.result != NO_RESULT).then_some(self.result as usize)
    }

    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    fn collapsible(&self) -> bool {
        self.has(COLLAPSIBLE)
    }

    fn collapsed(&self) -> bool {
        self.has(COLLAPSED)
    }

    fn gap(&self) -> bool {
        self.has(GAP)
    }

    fn set_collapsed(&mut self, on: bool) {
        if on {
            self.flags |= COLLAPSED;
        } else {
            self.flags &= !COLLAPSED;
        }
    }
}

/// Index as stored in a `Block` (a transcript never has 4 billion entries).
fn idx32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(NO_RESULT - 1)
}

/// A block's wrapped lines at the state's width, and its highlighted code blocks (which
/// survive re-wraps at another width).
#[derive(Debug, Default)]
struct Wrapped {
    lines: Vec<Line<'static>>,
    code: CodeCache,
}

/// Blocks kept wrapped on each side of the screen, so short scrolls do not wrap again.
const WINDOW_MARGIN: usize = 32;

#[derive(Debug, Default)]
struct Search {
    /// Lowercased.
    query: String,
    /// Blocks whose text contains the query, in order.
    hits: Vec<usize>,
    /// Index into `hits` of the current match.
    current: usize,
}

/// The transcript, its wrapped-line cache (for the blocks near the screen), collapse state,
/// selection, scroll position (follow mode unless the user scrolled back) and search.
#[derive(Debug, Default)]
pub(crate) struct TranscriptViewState {
    entries: Entries,
    blocks: Vec<Block>,
    /// tool_use id → (block, `Bash cargo test`) of a call whose result has not arrived yet.
    open_tools: HashMap<String, (usize, String)>,
    /// Width the wrapped blocks were laid out for.
    width: u16,
    /// Where the lines were drawn at the last `prepare` (mouse hit-testing, paging).
    area: Rect,
    /// Blocks `[..wrapped]` have a height at `width`.
    wrapped: usize,
    /// Wrapped blocks to wrap again (result arrived, toggled).
    stale: Vec<usize>,
    /// Lines of blocks `[..wrapped]`.
    total: usize,
    /// First visible line.
    top: usize,
    /// The user scrolled back: appends do not move the view.
    pinned: bool,
    /// New collapsible blocks start expanded (after "expand all").
    expand_all: bool,
    selected: Option<usize>,
    /// Bring this block (and the line matching the search, if any) into view at `prepare`.
    reveal: Option<usize>,
    search: Option<Search>,
    /// The theme of the last `prepare`, to wrap blocks again when they come into view.
    theme: Option<Theme>,
    /// Wrapped lines of the blocks on screen (and a margin around it), by block.
    window: HashMap<usize, Wrapped>,
    /// Lines drawn by the last render (tests check virtualization).
    #[cfg(test)]
    pub(crate) drawn: std::cell::Cell<usize>,
}

impl TranscriptViewState {
    /// Append an entry kept in memory (the orchestrator chat).
    pub(crate) fn push(&mut self, entry: TranscriptEntry) {
        self.push_at(entry, None);
    }

    /// Append a streamed entry; `at` is where its line starts in the transcript file this
    /// view reads (see `load_file`), so it need not stay in memory.
    pub(crate) fn push_at(&mut self, entry: TranscriptEntry, at: Option<u64>) {
        let idx = self.entries.len();
        let touched = self.add(&entry, idx);
        self.entries.push(entry, at);
        if let Some(b) = touched {
            self.search_add(b);
        }
    }

    /// Fold entry `idx` into the blocks: a tool result joins its call's block (only that
    /// block is wrapped again); a turn end closes calls still open (interrupted ones). Returns
    /// the block it went into, if any.
    fn add(&mut self, entry: &TranscriptEntry, idx: usize) -> Option<usize> {
        let (collapsible, tool) = match &entry.item {
            TranscriptItem::ToolResult { tool_use_id, .. } => {
                if let Some((b, _)) = self.open_tools.remove(tool_use_id) {
                    self.blocks[b].result = idx32(idx);
                    if b < self.wrapped {
                        self.stale.push(b);
                    }
                    return Some(b);
                }
                (true, None)
            }
            TranscriptItem::ToolUse { id, name, input } => {
                let brief = format!(
                    "{} {}",
                    tool_display_name(name).1,
                    one_line(&tool_input_brief(name, input), 60)
                );
                (true, Some((id.clone(), brief)))
            }
            TranscriptItem::Thinking { text } if !text.trim().is_empty() => (true, None),
            TranscriptItem::TurnEnd {
                is_error: false, ..
            } => {
                self.open_tools.clear();
                return None;
            }
            TranscriptItem::Assistant { text } | TranscriptItem::Thinking { text }
                if text.trim().is_empty() =>
            {
                return None;
            }
            TranscriptItem::TurnEnd { .. } => {
                self.open_tools.clear();
                (false, None)
            }
            TranscriptItem::User { .. }
            | TranscriptItem::Assistant { .. }
            | TranscriptItem::Thinking { .. }
            | TranscriptItem::Unknown { .. }
            | TranscriptItem::Notice { .. } => (false, None),
        };
        let toolish = matches!(
            entry.item,
            TranscriptItem::ToolUse { .. }
                | TranscriptItem::ToolResult { .. }
                | TranscriptItem::Thinking { .. }
        );
        let gap = self
            .blocks
            .last()
            .is_some_and(|prev| !(prev.has(TOOLISH) && toolish));
        let b = self.blocks.len();
        if let Some((id, brief)) = tool {
            self.open_tools.insert(id, (b, brief));
        }
        let mut flags = 0;
        for (on, flag) in [
            (collapsible, COLLAPSIBLE),
            (collapsible && !self.expand_all, COLLAPSED),
            (gap, GAP),
            (toolish, TOOLISH),
        ] {
            if on {
                flags |= flag;
            }
        }
        self.blocks.push(Block {
            start: 0,
            entry: idx32(idx),
            result: NO_RESULT,
            height: 0,
            flags,
        });
        Some(b)
    }

    /// Replace the whole transcript with entries kept in memory (session switch); back to
    /// follow mode.
    pub(crate) fn replace(&mut self, entries: Vec<TranscriptEntry>) {
        self.adopt(Self::default());
        for e in entries {
            self.push(e);
        }
    }

    /// Show the transcript file `index` describes: its entries are read once, in order, to
    /// build the blocks, and again only when drawn, searched or copied. Entries streamed
    /// afterwards come with `push_at`. Back to follow mode.
    pub(crate) fn load_file(&mut self, index: &TranscriptIndex) {
        self.adopt(Self::from_file(index, Rect::default()));
    }

    /// A view of the transcript file `index` describes, its blocks built and, when `area` is
    /// known, measured at its width (reads the whole file: done on a blocking thread, then
    /// handed to [`Self::adopt`], so the UI only wraps the screenful it draws).
    pub(crate) fn from_file(index: &TranscriptIndex, area: Rect) -> Self {
        let mut s = Self {
            entries: Entries::for_file(index),
            ..Self::default()
        };
        for &offset in &index.offsets {
            let Some(entry) = s.entries.read_file(offset) else {
                break;
            };
            let idx = s.entries.push_indexed(offset);
            s.add(&entry, idx);
        }
        if !area.is_empty() {
            // Heights do not depend on colours; the UI wraps what it shows in its theme.
            s.prepare(area, &Theme::dark());
            s.window.clear();
            s.theme = None;
        }
        s
    }

    /// Show `built` (from [`Self::from_file`], or empty) in place of this transcript, keeping the
    /// expand-all choice; back to follow mode. Blocks measured at another width than this
    /// view's are measured again at the next `prepare`.
    pub(crate) fn adopt(&mut self, mut built: Self) {
        if built.area.is_empty() {
            built.area = self.area;
        }
        if self.expand_all && !built.expand_all {
            built.toggle_all();
        }
        built.expand_all = self.expand_all;
        *self = built;
    }

    /// Where the lines were drawn at the last `prepare`.
    pub(crate) fn area(&self) -> Rect {
        self.area
    }

    /// Drop everything (the chat's `/clear`).
    #[allow(dead_code)] // API for other panels (notes/transcript_view_api.md)
    pub(crate) fn clear(&mut self) {
        self.replace(Vec::new());
    }

    /// Number of entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Entry `i` (read back from the file when it is not kept in memory).
    #[cfg(test)]
    pub(crate) fn entry(&self, i: usize) -> TranscriptEntry {
        self.entries.get(i).into_owned()
    }

    /// Entries kept in memory (the rest is read back from the file on demand).
    #[cfg(test)]
    pub(crate) fn entries_in_memory(&self) -> usize {
        self.entries.in_memory()
    }

    /// Wrapped lines in the whole transcript (as of the last `prepare`).
    pub(crate) fn total_lines(&self) -> usize {
        self.total
    }

    /// Whether new output scrolls into view.
    pub(crate) fn following(&self) -> bool {
        !self.pinned
    }

    /// The selected block.
    pub(crate) fn selected(&self) -> Option<usize> {
        self.selected
    }

    /// Bring the line cache up to date for `area` (where the lines go: see
    /// `TranscriptView::lines_area`). Wraps only new and stale blocks unless the width changed.
    pub(crate) fn prepare(&mut self, area: Rect, theme: &Theme) {
        if area.width != self.width {
            self.width = area.width;
            self.wrapped = 0;
            self.total = 0;
            self.stale.clear();
            for w in self.window.values_mut() {
                w.lines = Vec::new();
            }
        }
        self.area = area;
        self.theme = Some(theme.clone());
        let width = usize::from(area.width).max(1);
        let mut stale = std::mem::take(&mut self.stale);
        stale.retain(|&b| b < self.wrapped);
        stale.sort_unstable();
        stale.dedup();
        if let Some(&first) = stale.first() {
            let top0 = self.top;
            for &b in &stale {
                let old = self.blocks[b].height();
                let mut w = self.window.remove(&b).unwrap_or_default();
                w.lines = self.block_lines(b, width, theme, &mut w.code);
                let new = w.lines.len();
                self.blocks[b].height = idx32(new);
                let start = self.blocks[b].start;
                self.window.insert(b, w);
                // Keep the view still when a block above it changes size.
                if self.pinned && start + old <= top0 {
                    self.top = (self.top + new).saturating_sub(old);
                }
            }
            let mut start = self.blocks[first].start;
            for block in &mut self.blocks[first..self.wrapped] {
                block.start = start;
                start += block.height();
            }
            self.total = start;
        }
        // New blocks are wrapped to learn their height; only a screenful at the end (where
        // a following view is) keeps the lines.
        let n = self.blocks.len();
        let keep_from = n.saturating_sub(usize::from(area.height) + 1);
        for b in self.wrapped..n {
            let mut w = self.window.remove(&b).unwrap_or_default();
            w.lines = self.block_lines(b, width, theme, &mut w.code);
            let block = &mut self.blocks[b];
            block.height = idx32(w.lines.len());
            block.start = self.total;
            self.total += block.height();
            if b >= keep_from {
                self.window.insert(b, w);
            }
        }
        self.wrapped = n;
        self.entries.settle();
        if let Some(b) = self.reveal.take() {
            self.reveal_block(b);
        }
        self.clamp();
        self.fill_window();
    }

    /// Give the blocks on screen their lines and drop those far from it.
    fn fill_window(&mut self) {
        let (first, end) = if self.wrapped == 0 || self.total == 0 {
            (0, 0)
        } else {
            let last_line = (self.top + self.height().max(1) - 1).min(self.total - 1);
            let first = self.block_of_line(self.top).min(self.wrapped - 1);
            let last = self.block_of_line(last_line).min(self.wrapped - 1);
            (first, last + 1)
        };
        let keep = first.saturating_sub(WINDOW_MARGIN)..end + WINDOW_MARGIN;
        self.window.retain(|b, _| keep.contains(b));
        for b in first..end {
            self.ensure_lines(b);
        }
    }

    /// The wrapped lines of block `b`, if it is in the window.
    fn lines_of(&self, b: usize) -> &[Line<'static>] {
        self.window.get(&b).map_or(&[], |w| &w.lines)
    }

    /// Wrap block `b` again if its lines were dropped (needs a `prepare` first).
    fn ensure_lines(&mut self, b: usize) {
        let Some(block) = self.blocks.get(b) else {
            return;
        };
        if b >= self.wrapped || !self.lines_of(b).is_empty() || block.height == 0 {
            return;
        }
        let Some(theme) = self.theme.take() else {
            return;
        };
        let mut w = self.window.remove(&b).unwrap_or_default();
        w.lines = self.block_lines(b, usize::from(self.width).max(1), &theme, &mut w.code);
        self.theme = Some(theme);
        if w.lines.len() != self.blocks[b].height() {
            // Cannot happen at the same width; re-measure at the next `prepare` if it does.
            tracing::warn!("transcript block {b} re-wrapped to a different height");
            self.stale.push(b);
        }
        self.window.insert(b, w);
    }

    fn height(&self) -> usize {
        usize::from(self.area.height)
    }

    fn max_top(&self) -> usize {
        self.total.saturating_sub(self.height())
    }

    fn clamp(&mut self) {
        let max = self.max_top();
        if !self.pinned || self.top >= max {
            self.top = max;
            self.pinned = false;
        }
    }

    fn set_top(&mut self, top: usize) {
        self.top = top.min(self.max_top());
        self.pinned = self.top < self.max_top();
        self.fill_window();
    }

    /// Scroll a page up (`up`) or down; reaching the bottom follows again.
    pub(crate) fn page(&mut self, up: bool) {
        let step = self.height().saturating_sub(1).max(1);
        self.scroll_lines(up, step);
    }

    /// Scroll by `n` lines (mouse wheel); reaching the bottom follows again.
    pub(crate) fn scroll_lines(&mut self, up: bool, n: usize) {
        let top = if up {
            self.top.saturating_sub(n)
        } else {
            self.top + n
        };
        self.set_top(top);
    }

    /// Jump to the end and follow new output.
    pub(crate) fn follow_end(&mut self) {
        self.pinned = false;
        self.top = self.max_top();
        self.fill_window();
    }

    /// Jump to the first line.
    pub(crate) fn goto_top(&mut self) {
        self.set_top(0);
    }

    fn block_of_line(&self, line: usize) -> usize {
        self.blocks[..self.wrapped].partition_point(|b| b.end() <= line)
    }

    /// Select the next block (the first visible one when none is selected).
    pub(crate) fn select_next(&mut self) {
        if self.wrapped == 0 {
            return;
        }
        let b = match self.selected {
            Some(b) => (b + 1).min(self.wrapped - 1),
            None => self.block_of_line(self.top).min(self.wrapped - 1),
        };
        self.select(b);
    }

    /// Select the previous block (the last visible one when none is selected).
    pub(crate) fn select_prev(&mut self) {
        if self.wrapped == 0 {
            return;
        }
        let b = match self.selected {
            Some(b) => b.saturating_sub(1),
            None => self
                .block_of_line((self.top + self.height()).saturating_sub(1))
                .min(self.wrapped - 1),
        };
        self.select(b);
    }

    /// Select the first (`last == false`) or last block.
    pub(crate) fn select_edge(&mut self, last: bool) {
        if self.wrapped == 0 {
            return;
        }
        self.select(if last { self.wrapped - 1 } else { 0 });
        if last {
            self.follow_end();
        }
    }

    /// Forget the selection.
    pub(crate) fn clear_selection(&mut self) {
        self.selected = None;
    }

    fn select(&mut self, b: usize) {
        self.selected = Some(b);
        self.reveal_block(b);
    }

    /// Scroll so block `b`'s header is visible, and as much of the block as fits.
    fn reveal_block(&mut self, b: usize) {
        self.ensure_lines(b);
        let Some(block) = self.blocks.get(b).filter(|_| b < self.wrapped) else {
            return;
        };
        let (header, end, h) = (block.header(), block.end(), self.height().max(1));
        let needle_line = self.search.as_ref().and_then(|s| {
            (!s.query.is_empty() && s.hits.get(s.current) == Some(&b))
                .then(|| {
                    self.lines_of(b)
                        .iter()
                        .position(|l| lower(&line_text(l)).contains(&s.query))
                })
                .flatten()
        });
        if let Some(i) = needle_line {
            let line = block.start + i;
            if line < self.top || line >= self.top + h {
                self.set_top(line.saturating_sub(h / 3));
            }
            return;
        }
        if header < self.top {
            self.set_top(header);
        } else if end > self.top + h {
            self.set_top(header.min(end.saturating_sub(h)));
        }
    }

    /// Expand or collapse block `b` (only it is wrapped again).
    fn toggle(&mut self, b: usize) -> bool {
        let Some(block) = self.blocks.get_mut(b).filter(|x| x.collapsible()) else {
            return false;
        };
        block.set_collapsed(!block.collapsed());
        if b < self.wrapped {
            self.stale.push(b);
        }
        if self.pinned || self.selected == Some(b) {
            self.reveal = Some(b);
        }
        true
    }

    /// Expand or collapse the selected block.
    pub(crate) fn toggle_selected(&mut self) -> bool {
        self.selected.is_some_and(|b| self.toggle(b))
    }

    /// Expand every collapsible block if any is collapsed, else collapse them all; new blocks
    /// follow the choice.
    pub(crate) fn toggle_all(&mut self) {
        let expand = self.blocks.iter().any(|b| b.collapsible() && b.collapsed());
        self.expand_all = expand;
        for (i, b) in self.blocks.iter_mut().enumerate() {
            if b.collapsible() && b.collapsed() == expand {
                b.set_collapsed(!expand);
                if i < self.wrapped {
                    self.stale.push(i);
                }
            }
        }
        if let Some(b) = self.selected {
            self.reveal = Some(b);
        }
    }

    /// Mouse click at `pos` (screen coordinates): toggles the block whose header is there.
    pub(crate) fn click(&mut self, pos: Position) -> bool {
        if !self.area.contains(pos) {
            return false;
        }
        let line = self.top + usize::from(pos.y - self.area.y);
        if line >= self.total {
            return false;
        }
        let b = self.block_of_line(line);
        b < self.wrapped && self.blocks[b].header() == line && self.toggle(b)
    }

    /// Search for `query` (case-insensitive) over the full text of every block, collapsed or
    /// not; jumps to the first match at or after the view. Returns the number of matches.
    pub(crate) fn search(&mut self, query: &str) -> usize {
        let query = lower(query.trim());
        if query.is_empty() {
            self.search = None;
            return 0;
        }
        let hits: Vec<usize> = (0..self.blocks.len())
            .filter(|&b| lower(&self.block_text(b)).contains(&query))
            .collect();
        let first_visible = self.block_of_line(self.top);
        let current = hits.iter().position(|&b| b >= first_visible).unwrap_or(0);
        let n = hits.len();
        self.search = Some(Search {
            query,
            hits,
            current,
        });
        if n > 0 {
            self.jump_to_match();
        }
        n
    }

    /// Move to the next (`forward`) or previous match, wrapping around; false without matches.
    pub(crate) fn search_next(&mut self, forward: bool) -> bool {
        let Some(s) = self.search.as_mut().filter(|s| !s.hits.is_empty()) else {
            return false;
        };
        let n = s.hits.len();
        s.current = if forward {
            (s.current + 1) % n
        } else {
            (s.current + n - 1) % n
        };
        self.jump_to_match();
        true
    }

    fn jump_to_match(&mut self) {
        let Some(s) = self.search.as_ref() else {
            return;
        };
        let Some(&b) = s.hits.get(s.current) else {
            return;
        };
        let query = s.query.clone();
        self.selected = Some(b);
        self.ensure_lines(b);
        // A match hidden in a collapsed block: open it.
        let block = &self.blocks[b];
        if block.collapsible()
            && block.collapsed()
            && !self
                .lines_of(b)
                .iter()
                .any(|l| lower(&line_text(l)).contains(&query))
        {
            self.toggle(b);
        }
        self.reveal = Some(b);
        if self.stale.is_empty() && b < self.wrapped {
            self.reveal = None;
            self.reveal_block(b);
        }
    }

    /// Forget the search.
    pub(crate) fn clear_search(&mut self) {
        self.search = None;
    }

    /// The search: (current match 1-based, matches, query).
    pub(crate) fn search_status(&self) -> Option<(usize, usize, &str)> {
        self.search.as_ref().map(|s| {
            let cur = if s.hits.is_empty() { 0 } else { s.current + 1 };
            (cur, s.hits.len(), s.query.as_str())
        })
    }

    fn search_add(&mut self, b: usize) {
        let Some(q) = self.search.as_ref().map(|s| s.query.clone()) else {
            return;
        };
        if lower(&self.block_text(b)).contains(&q)
            && let Some(s) = self.search.as_mut()
            && s.hits.last() != Some(&b)
            && !s.hits.contains(&b)
        {
            s.hits.push(b);
            s.hits.sort_unstable();
        }
    }

    /// The full text of the selected block (for the clipboard).
    pub(crate) fn selected_text(&self) -> Option<String> {
        self.selected.map(|b| self.block_text(b))
    }

    /// `Bash cargo test`: the newest call whose result has not arrived.
    pub(crate) fn in_flight_tool(&self) -> Option<String> {
        self.open_tools
            .values()
            .max_by_key(|(b, _)| *b)
            .map(|(_, brief)| brief.clone())
    }

    /// Everything a block says, unabridged.
    fn block_text(&self, b: usize) -> String {
        let block = &self.blocks[b];
        let mut out = item_text(&self.entries.get(block.entry()).item);
        if let Some(r) = block.result() {
            out.push_str("\n\n");
            out.push_str(&item_text(&self.entries.get(r).item));
        }
        out
    }

    fn block_lines(
        &self,
        b: usize,
        width: usize,
        theme: &Theme,
        code: &mut CodeCache,
    ) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        let block = &self.blocks[b];
        if block.gap() {
            out.push(Line::default());
        }
        let result = block.result().map(|r| self.entries.get(r));
        let result = result.as_ref().map(|r| &r.item);
        let entry = self.entries.get(block.entry());
        let item = &entry.item;
        let collapsed = block.collapsed();
        match item {
            TranscriptItem::User { text } => user_lines(text, width, theme, &mut out),
            TranscriptItem::Assistant { text } => {
                render_cached(text, width, theme, &mut out, code);
            }
            TranscriptItem::Thinking { text } => {
                thinking_lines(text, collapsed, width, theme, &mut out)
            }
            TranscriptItem::ToolUse { name, input, .. } => {
                tool_lines(name, input, result, collapsed, width, theme, &mut out);
            }
            TranscriptItem::ToolResult { .. } => {
                result_lines(item, collapsed, width, theme, &mut out);
            }
            TranscriptItem::TurnEnd { text, .. } => {
                prefixed(
                    &format!("turn failed: {text}"),
                    "✗ ",
                    theme.error,
                    width,
                    &mut out,
                );
            }
            TranscriptItem::Unknown { raw } => {
                let line = truncate(&format!("? {}", one_line(raw, width)), width);
                out.push(Line::from(Span::styled(line, theme.dim)));
            }
            TranscriptItem::Notice { level, text } => {
                let prefix = match level {
                    NoticeLevel::Info => "ℹ ",
                    NoticeLevel::Warning => "⚠ ",
                    NoticeLevel::Error => "✗ ",
                };
                prefixed(text, prefix, theme.notice(*level), width, &mut out);
            }
        }
        out
    }
}

/// The plain text of an item, in full (inputs as pretty JSON, Bash as its command).
fn item_text(item: &TranscriptItem) -> String {
    match item {
        TranscriptItem::User { text }
        | TranscriptItem::Assistant { text }
        | TranscriptItem::Thinking { text }
        | TranscriptItem::Notice { text, .. }
        | TranscriptItem::TurnEnd { text, .. } => text.clone(),
        TranscriptItem::Unknown { raw } => raw.clone(),
        TranscriptItem::ToolUse { name, input, .. } => match input.get("command") {
            Some(Value::String(c)) if name == "Bash" => format!("{name}\n{c}"),
            _ => format!(
                "{name}\n{}",
                serde_json::to_string_pretty(input).unwrap_or_default()
            ),
        },
        TranscriptItem::ToolResult { content, .. } => TranscriptItem::content_text(content),
    }
}

fn lower(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// The plain text of a display line.
pub(crate) fn line_text(l: &Line<'_>) -> String {
    l.spans.iter().map(|s| s.content.as_ref()).collect()
}

/// `text` wrapped under `prefix` (continuation lines indented by its width).
fn prefixed(text: &str, prefix: &str, style: Style, width: usize, out: &mut Vec<Line<'static>>) {
    let pw = prefix.width();
    for (i, l) in wrap(text, width.saturating_sub(pw).max(1))
        .into_iter()
        .enumerate()
    {
        let lead = if i == 0 {
            prefix.to_owned()
        } else {
            " ".repeat(pw)
        };
        out.push(Line::from(vec![
            Span::styled(lead, style),
            Span::styled(l, style),
        ]));
    }
}

/// `[alpha → orchestrator] …` / `[alpha asks, request r1] …`: a message the app wrote on an
/// agent's behalf. Returns (tag, body).
fn synthetic(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix('[')?;
    let end = rest.find(']')?;
    let tag = &rest[..end];
    (tag.contains(" → ") || tag.contains(" asks")).then(|| (tag, rest[end + 1..].trim_start()))
}

fn user_lines(text: &str, width: usize, theme: &Theme, out: &mut Vec<Line<'static>>) {
    if let Some((tag, body)) = synthetic(text) {
        let style = if tag.contains(" asks") {
            theme.warning
        } else {
            theme.info
        };
        out.push(Line::from(vec![
            Span::styled("◆ ", style),
            Span::styled(
                truncate(tag, width.saturating_sub(2)),
                style.add_modifier(Modifier::BOLD),
            ),
        ]));
        prefixed(body, "  ", theme.text, width, out);
        return;
    }
    prefixed(text, "› ", theme.user, width, out);
}

fn thinking_lines(
    text: &str,
    collapsed: bool,
    width: usize,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let n = text.trim().lines().count();
    if collapsed {
        let s = if n == 1 { "" } else { "s" };
        out.push(Line::from(Span::styled(
            truncate(&format!("✻ Thinking… ({n} line{s})"), width),
            theme.thinking,
        )));
        return;
    }
    out.push(Line::from(Span::styled("✻ Thinking…", theme.thinking)));
    prefixed(text.trim(), "  ", theme.thinking, width, out);
}

/// Glyph and style of a call by its result: running, ok, failed.
fn call_status(result: Option<&TranscriptItem>, theme: &Theme) -> Style {
    match result {
        None => theme.warning,
        Some(TranscriptItem::ToolResult { is_error: true, .. }) => theme.error,
        Some(_) => theme.ok,
    }
}

fn tool_lines(
    name: &str,
    input: &Value,
    result: Option<&TranscriptItem>,
    collapsed: bool,
    width: usize,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let brief = one_line(&tool_input_brief(name, input), width);
    // `patchfeld · spawn_agent`: the server dimmed, the tool in bold.
    let (server, tool) = tool_display_name(name);
    let server = server.map(|s| format!("{s} · ")).unwrap_or_default();
    let used = 2 + server.width() + tool.width();
    let head = Line::from(vec![
        Span::styled("⏺ ", call_status(result, theme)),
        Span::styled(truncate(&server, width.saturating_sub(2)), theme.dim),
        Span::styled(
            truncate(tool, width.saturating_sub(2 + server.width())),
            theme.text.add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            truncate(&format!("  {brief}"), width.saturating_sub(used)),
            theme.tool,
        ),
    ]);
    out.push(head);
    if !collapsed {
        input_lines(name, input, width, theme, out);
    }
    match result {
        Some(r) => result_lines(r, collapsed, width, theme, out),
        None if !collapsed => out.push(Line::from(Span::styled("  ⎿ running…", theme.dim))),
        None => {}
    }
}

const GUTTER: &str = "  │ ";

/// The full input of a call: the command, a diff for edits, pretty JSON otherwise.
fn input_lines(
    name: &str,
    input: &Value,
    width: usize,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let s = |k: &str| input.get(k).and_then(Value::as_str);
    match name {
        "Bash" if s("command").is_some() => {
            let cmd = s("command").unwrap_or_default();
            if let Some(d) = s("description") {
                fold(&[(theme.dim, format!("# {d}"))], width, theme, out);
            }
            match highlight(cmd, "bash") {
                Some(lines) => lines.iter().for_each(|l| fold(l, width, theme, out)),
                None => cmd
                    .lines()
                    .for_each(|l| fold(&[(theme.text, l.to_owned())], width, theme, out)),
            }
        }
        "Edit" if s("old_string").is_some() || s("new_string").is_some() => {
            diff_lines(
                s("old_string").unwrap_or_default(),
                s("new_string").unwrap_or_default(),
                width,
                theme,
                out,
            );
        }
        "MultiEdit" if input.get("edits").is_some_and(Value::is_array) => {
            let edits = input.get("edits").and_then(Value::as_array);
            for (i, e) in edits.into_iter().flatten().enumerate() {
                let g = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default();
                fold(&[(theme.dim, format!("edit {}", i + 1))], width, theme, out);
                diff_lines(g("old_string"), g("new_string"), width, theme, out);
            }
        }
        "Write" if s("content").is_some() => {
            diff_lines("", s("content").unwrap_or_default(), width, theme, out);
        }
        _ => {
            let pretty = serde_json::to_string_pretty(input).unwrap_or_default();
            for l in pretty.lines() {
                fold(&[(theme.text, l.to_owned())], width, theme, out);
            }
        }
    }
}

/// A coloured line diff of `old` → `new`.
fn diff_lines(old: &str, new: &str, width: usize, theme: &Theme, out: &mut Vec<Line<'static>>) {
    // A last line without its newline must still equal the same line with one.
    let nl = |s: &str| {
        if s.is_empty() || s.ends_with('\n') {
            s.to_owned()
        } else {
            format!("{s}\n")
        }
    };
    let (old, new) = (nl(old), nl(new));
    let diff = similar::TextDiff::from_lines(&old, &new);
    for change in diff.iter_all_changes() {
        let (sign, style) = match change.tag() {
            similar::ChangeTag::Delete => ('-', theme.error),
            similar::ChangeTag::Insert => ('+', theme.ok),
            similar::ChangeTag::Equal => (' ', theme.dim),
        };
        let text = change
            .value()
            .trim_end_matches(['\n', '\r'])
            .replace('\t', "    ");
        fold(&[(style, format!("{sign} {text}"))], width, theme, out);
    }
}

/// Styled pieces hard-wrapped at `width` under the detail gutter.
fn fold(pieces: &[(Style, String)], width: usize, theme: &Theme, out: &mut Vec<Line<'static>>) {
    let avail = width.saturating_sub(GUTTER.width()).max(1);
    let mut spans = vec![Span::styled(GUTTER, theme.dim)];
    let mut used = 0;
    for (style, text) in pieces {
        let mut chunk = String::new();
        for ch in text.chars() {
            let cw = ch.width().unwrap_or(0);
            if used + cw > avail && used > 0 {
                if !chunk.is_empty() {
                    spans.push(Span::styled(std::mem::take(&mut chunk), *style));
                }
                out.push(Line::from(std::mem::take(&mut spans)));
                spans.push(Span::styled(GUTTER, theme.dim));
                used = 0;
            }
            chunk.push(ch);
            used += cw;
        }
        if !chunk.is_empty() {
            spans.push(Span::styled(chunk, *style));
        }
    }
    out.push(Line::from(spans));
}

/// A result: one summary line when collapsed (`⎿ ✓ first line (+N lines)`), else in full.
fn result_lines(
    item: &TranscriptItem,
    collapsed: bool,
    width: usize,
    theme: &Theme,
    out: &mut Vec<Line<'static>>,
) {
    let TranscriptItem::ToolResult {
        content, is_error, ..
    } = item
    else {
        return;
    };
    let text = TranscriptItem::content_text(content);
    let (mark, style) = if *is_error {
        ("✗", theme.error)
    } else {
        ("✓", theme.tool)
    };
    if collapsed {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let head = lines.next().unwrap_or("(no output)");
        let more = lines.count();
        let summary = if more > 0 {
            format!("  ⎿ {mark} {} (+{more} lines)", one_line(head, width))
        } else {
            format!("  ⎿ {mark} {}", one_line(head, width))
        };
        let mark_style = if *is_error { theme.error } else { theme.ok };
        let summary = truncate(&summary, width);
        let (lead, rest) = summary.split_at(summary.find(mark).map_or(0, |i| i + mark.len()));
        out.push(Line::from(vec![
            Span::styled(lead.to_owned(), mark_style),
            Span::styled(rest.to_owned(), style),
        ]));
        return;
    }
    let body = if text.trim().is_empty() {
        "(no output)".to_owned()
    } else {
        text.trim_end().to_owned()
    };
    prefixed(&body, &format!("  ⎿ {mark} "), style, width, out);
}

/// Borrowed view of a transcript for one frame.
pub(crate) struct TranscriptView<'a> {
    pub state: &'a TranscriptViewState,
    pub theme: &'a Theme,
    /// Shows the selected block (keys go here).
    pub focused: bool,
    /// The agent has a turn in progress.
    pub working: Option<Working>,
    /// Shown when there is nothing yet.
    pub empty_hint: &'a str,
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// `12s`, `3m 05s`, `1h 02m`.
fn elapsed(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m", secs / 3600, secs % 3600 / 60),
    }
}

impl TranscriptView<'_> {
    /// Where the lines go inside `area` (the working row takes the bottom row).
    pub(crate) fn lines_area(area: Rect, working: bool) -> Rect {
        Rect {
            height: area
                .height
                .saturating_sub(u16::from(working && area.height > 1)),
            ..area
        }
    }

    /// Draw the visible lines (after `prepare` with `lines_area(area, …)`).
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let s = self.state;
        let t = self.theme;
        let lines_area = Self::lines_area(area, self.working.is_some());
        if let Some(w) = &self.working
            && lines_area.height < area.height
        {
            self.render_working(
                w,
                Rect {
                    y: area.bottom() - 1,
                    height: 1,
                    ..area
                },
                buf,
            );
        }
        if s.total == 0 {
            for (i, l) in wrap(self.empty_hint, usize::from(area.width))
                .iter()
                .enumerate()
            {
                let y = lines_area.y + 1 + i as u16;
                if y >= lines_area.bottom() {
                    break;
                }
                buf.set_stringn(lines_area.x, y, l, usize::from(area.width), t.dim);
            }
            return;
        }
        let h = usize::from(lines_area.height);
        let mut b = s.block_of_line(s.top);
        let Some(first) = s.blocks.get(b) else {
            return;
        };
        let mut li = s.top - first.start;
        let query = s
            .search
            .as_ref()
            .map(|x| x.query.as_str())
            .filter(|q| !q.is_empty());
        let mut drawn = 0;
        for row in 0..h {
            while b < s.wrapped && li >= s.blocks[b].height() {
                b += 1;
                li = 0;
            }
            if b >= s.wrapped {
                break;
            }
            let y = lines_area.y + row as u16;
            let block = &s.blocks[b];
            // Off the window `prepare` filled (scrolled meanwhile): left blank this frame.
            let Some(line) = s.lines_of(b).get(li) else {
                li += 1;
                continue;
            };
            buf.set_line(lines_area.x, y, line, lines_area.width);
            drawn += 1;
            if self.focused && s.selected == Some(b) && (li > 0 || !block.gap()) {
                buf.set_style(Rect::new(lines_area.x, y, lines_area.width, 1), t.selection);
                if let Some(cell) = buf.cell_mut((lines_area.x, y))
                    && cell.symbol() == " "
                {
                    cell.set_symbol("▌").set_style(t.accent);
                }
            }
            if let Some(q) = query {
                mark_matches(
                    line,
                    q,
                    lines_area.x,
                    y,
                    lines_area.right(),
                    t.badge_alert,
                    buf,
                );
            }
            li += 1;
        }
        #[cfg(test)]
        s.drawn.set(drawn);
        #[cfg(not(test))]
        let _ = drawn;
        let below = s.total.saturating_sub(s.top + h);
        if s.pinned && below > 0 {
            let tag = format!(" ↓ {below} more · End follows ");
            let w = tag.width() as u16;
            if w < lines_area.width {
                buf.set_string(
                    lines_area.right() - w,
                    lines_area.bottom() - 1,
                    tag,
                    t.badge_alert,
                );
            }
        }
    }

    fn render_working(&self, w: &Working, row: Rect, buf: &mut Buffer) {
        let secs = (w.now - w.since).max(0.0) as u64;
        let frame = SPINNER[(w.now.max(0.0) as u64 % SPINNER.len() as u64) as usize];
        let mut spans = vec![
            Span::styled(format!("{frame} "), self.theme.warning),
            Span::styled(format!("working… {}", elapsed(secs)), self.theme.warning),
        ];
        if let Some(tool) = &w.tool {
            spans.push(Span::styled(" · ⏺ ", self.theme.dim));
            spans.push(Span::styled(tool.clone(), self.theme.tool));
        }
        buf.set_line(row.x, row.y, &Line::from(spans), row.width);
    }
}

/// Paint every case-insensitive occurrence of `query` in `line` (drawn at `x`, `y`).
fn mark_matches(
    line: &Line<'_>,
    query: &str,
    x: u16,
    y: u16,
    right: u16,
    style: Style,
    buf: &mut Buffer,
) {
    let chars: Vec<(char, usize)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars())
        .map(|c| (c.to_lowercase().next().unwrap_or(c), c.width().unwrap_or(0)))
        .collect();
    let q: Vec<char> = query.chars().collect();
    if q.is_empty() || q.len() > chars.len() {
        return;
    }
    let mut col = 0usize;
    let mut i = 0;
    while i + q.len() <= chars.len() {
        if chars[i..i + q.len()]
            .iter()
            .map(|c| c.0)
            .eq(q.iter().copied())
        {
            let w: usize = chars[i..i + q.len()].iter().map(|c| c.1).sum();
            let start = x as usize + col;
            if start < usize::from(right) {
                let w = w.min(usize::from(right) - start);
                buf.set_style(Rect::new(start as u16, y, w as u16, 1), style);
            }
            col += w;
            i += q.len();
        } else {
            col += chars[i].1;
            i += 1;
        }
    }
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard (written to stdout by
/// the event loop, never by a widget).
pub(crate) fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

mod entries;
#[cfg(test)]
mod tests;

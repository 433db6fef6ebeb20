//! The App's layout side: tab keys, spatial focus and resize keys, zoom, mouse (tab strip
//! clicks and drags, splitter drags and hover), the new-tab and layout-switcher overlays, the
//! app tab strip, and the orchestrator's layout/tab tool calls.

use super::{App, Focus, Intent};
use crate::core::layout::ops::{move_splitter, resize_target};
use crate::core::layout::{Direction, LayoutSpec};
use crate::core::transcript::NoticeLevel;
use crate::store::layouts::{DEFAULT_LAYOUT, list_layout_entries, load_any, save_layout};
use crate::ui::layout::focus::{Dir, neighbour};
use crate::ui::layout::solve::{SplitInfo, solve};
use crate::ui::layout::tools;
use crate::ui::layout::workspace_state::LayoutStore;
use crate::ui::widgets::input::{InputOutcome, InputState, InputView};
use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Clear, Widget};
use switcher::SwitcherState;

mod commands;
mod switcher;

/// Label of the new-tab picker's first choice (no named layout).
const BLANK: &str = "(blank: chat or activity feed)";

/// A layout overlay capturing keys.
#[derive(Debug)]
pub(crate) enum LayoutOverlay {
    /// ctrl-t: a name and a layout to start from.
    NewTab {
        name: InputState,
        /// Index into `options`.
        choice: usize,
        /// `BLANK` then the saved layout names.
        options: Vec<String>,
    },
    /// ctrl-l: pick a named layout (fuzzy filter, live preview).
    Switcher(SwitcherState),
}

/// A splitter being dragged.
#[derive(Debug)]
struct Drag {
    tab: String,
    base: LayoutSpec,
    split: SplitInfo,
    boundary: usize,
    start: u16,
    moved: bool,
}

/// Layout UI state kept by the App.
#[derive(Debug, Default)]
pub(crate) struct LayoutUi {
    pub overlay: Option<LayoutOverlay>,
    drag: Option<Drag>,
    /// Splits of the last frame.
    pub splits: Vec<SplitInfo>,
    /// App tab strip hit boxes of the last frame.
    strip: Vec<(String, Rect)>,
    /// The focused panel fills the body.
    pub zoom: bool,
    /// The panels' area in the last frame (keyboard resizing solves against it).
    pub body: Rect,
    /// The splitter under the mouse: (split path, boundary).
    hover: Option<(Vec<usize>, usize)>,
    /// The app tab being dragged along the strip.
    tab_drag: Option<String>,
    /// Runs the Command panels (absent without a runtime, e.g. in most tests).
    pub commands: Option<crate::ui::sources::command::CommandRunner>,
}

impl App {
    /// Persist the workspace and use the named layouts under `store` from now on; seeds the
    /// `default` layout when missing.
    pub(crate) fn set_layout_store(&mut self, store: LayoutStore) {
        if let Err(e) = crate::store::layouts::seed_default_layout(&store.global) {
            self.app_notice(
                NoticeLevel::Warning,
                format!("default layout not saved: {e}"),
            );
        }
        self.ws.set_store(store);
    }

    /// The focused panel id (or the one the command bar returns to).
    pub(super) fn focused_panel(&self) -> String {
        match &self.focus {
            Focus::Panel(id) | Focus::CommandBar { back: id } => id.clone(),
        }
    }

    /// After any workspace change: keep focus on a visible panel of the active tab.
    pub(super) fn refocus(&mut self) {
        let cur = self.focused_panel();
        let visible = crate::ui::layout::solve::visible_panels(self.ws.active_spec())
            .iter()
            .any(|p| p.id == cur);
        if !visible {
            self.focus = Focus::Panel(self.ws.focus_for(self.ws.active_id()));
        }
        self.dirty = true;
    }

    fn warn(&mut self, w: Option<String>) {
        if let Some(w) = w {
            self.app_notice(NoticeLevel::Warning, w);
        }
    }

    pub(super) fn switch_to(&mut self, id: &str) {
        let cur = self.focused_panel();
        self.ws.remember_focus(&cur);
        match self.ws.switch(id) {
            Ok(w) => {
                self.warn(w);
                self.focus = Focus::Panel(self.ws.focus_for(id));
                self.lay.zoom = false;
            }
            Err(e) => self.app_notice(NoticeLevel::Error, e),
        }
    }

    pub(super) fn cycle_tab(&mut self, forward: bool) {
        let ids: Vec<String> = self.ws.tabs().iter().map(|t| t.id.clone()).collect();
        let Some(i) = ids.iter().position(|t| t == self.ws.active_id()) else {
            return;
        };
        let n = ids.len();
        let next = if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        };
        self.switch_to(&ids[next]);
    }

    pub(super) fn close_active_tab(&mut self) {
        let id = self.ws.active_id().to_owned();
        if !self.confirm_drop_unsaved(&id) {
            return;
        }
        match self.ws.close_tab(&id) {
            Ok((_, w)) => {
                self.warn(w);
                let active = self.ws.active_id().to_owned();
                self.focus = Focus::Panel(self.ws.focus_for(&active));
            }
            Err(e) => self.app_notice(
                NoticeLevel::Warning,
                format!("can't close tab: {}", e.message()),
            ),
        }
    }

    fn saved_names(&self) -> Vec<String> {
        list_layout_entries(self.ws.store().map(|s| &s.global))
            .into_iter()
            .map(|e| e.name)
            .collect()
    }

    fn load_named(&self, name: &str) -> Result<LayoutSpec, String> {
        load_any(self.ws.store().map(|s| &s.global), name).map_err(|e| e.to_string())
    }

    pub(super) fn move_focus(&mut self, dir: Dir) {
        let cur = self.focused_panel();
        if let Some(next) = neighbour(&self.panel_rects, &cur, dir) {
            self.focus = Focus::Panel(next);
        }
    }

    /// Grow (or shrink) the focused panel along `dir`'s axis by a few cells.
    pub(super) fn resize_focused(&mut self, dir: Dir) {
        let cur = self.focused_panel();
        let (axis, grow) = match dir {
            Dir::Right => (Direction::Horizontal, true),
            Dir::Left => (Direction::Horizontal, false),
            Dir::Down => (Direction::Vertical, true),
            Dir::Up => (Direction::Vertical, false),
        };
        let spec = self.ws.active_spec();
        let Some((path, idx)) = resize_target(spec, &cur, axis) else {
            return;
        };
        // Solve now rather than trusting the last frame: repeated keys arrive between draws.
        let solved = solve(spec, self.lay.body);
        let Some(split) = solved.splits.iter().find(|s| s.path == path) else {
            return;
        };
        let cells = split.lengths();
        let total: u32 = cells.iter().sum();
        let step = (total / 40).max(2) as i32;
        let last = idx + 1 == cells.len();
        // Grow by pushing the far edge out; the last child pulls its near edge in instead.
        let (boundary, delta) = match (last, grow) {
            (false, true) => (idx, step),
            (false, false) => (idx, -step),
            (true, true) => (idx - 1, -step),
            (true, false) => (idx - 1, step),
        };
        let mins: Vec<u32> = split.mins.iter().map(|&m| u32::from(m)).collect();
        match move_splitter(spec, &path, boundary, delta, &cells, &mins) {
            Ok(new) => {
                let r = self.ws.set_layout(None, new);
                self.after_apply(r);
            }
            Err(e) => self.app_notice(NoticeLevel::Error, format!("resize failed: {e}")),
        }
    }

    fn after_apply(&mut self, r: Result<Option<String>, String>) {
        match r {
            Ok(w) => self.warn(w),
            Err(e) => self.app_notice(NoticeLevel::Error, e),
        }
        self.refocus();
    }

    /// Reset the active tab to the named layout it came from (else the dashboard).
    pub(super) fn reset_tab(&mut self) {
        let id = self.ws.active_id().to_owned();
        let name = self
            .ws
            .layout_name(&id)
            .unwrap_or(DEFAULT_LAYOUT)
            .to_owned();
        let spec = self
            .load_named(&name)
            .unwrap_or_else(|_| LayoutSpec::dashboard());
        if !self.confirm_layout_change(&spec) {
            return;
        }
        let r = self.ws.set_layout(None, spec);
        self.after_apply(r);
    }

    /// Layout keys: the open overlay first, then the global layout keys. `None`: not ours.
    pub(super) fn layout_key(&mut self, key: KeyEvent) -> Option<Vec<Intent>> {
        if self.lay.overlay.is_some() {
            self.overlay_key(key);
            self.dirty = true;
            return Some(Vec::new());
        }
        // The layout chords (ctrl-t, alt-arrows, …) are actions in the keymap.
        if !self.command_key(key) {
            return None;
        }
        self.dirty = true;
        Some(Vec::new())
    }

    /// The new-tab dialog (action `new_tab`).
    pub(super) fn open_new_tab_dialog(&mut self) {
        let mut options = vec![BLANK.to_owned()];
        options.extend(self.saved_names());
        self.lay.overlay = Some(LayoutOverlay::NewTab {
            name: InputState::default(),
            choice: 0,
            options,
        });
    }

    /// The layout switcher (action `open_layout_switcher`).
    pub(super) fn open_layout_switcher(&mut self) {
        let current = self.ws.layout_name(self.ws.active_id()).map(str::to_owned);
        self.lay.overlay = Some(LayoutOverlay::Switcher(SwitcherState::open(
            self.ws.store().map(|s| &s.global),
            current.as_deref(),
        )));
    }

    fn overlay_key(&mut self, key: KeyEvent) {
        let Some(mut ov) = self.lay.overlay.take() else {
            return;
        };
        if key.code == KeyCode::Esc {
            return;
        }
        let keep = match &mut ov {
            LayoutOverlay::NewTab {
                name,
                choice,
                options,
            } => match key.code {
                KeyCode::Up => {
                    *choice = choice.saturating_sub(1);
                    true
                }
                KeyCode::Down | KeyCode::Tab => {
                    *choice = (*choice + 1).min(options.len().saturating_sub(1));
                    true
                }
                _ => match name.handle_key(key) {
                    InputOutcome::Submit(title) => {
                        let spec = match options.get(*choice) {
                            Some(n) if *choice > 0 => match self.load_named(n) {
                                Ok(s) => Some((n.clone(), s)),
                                Err(e) => {
                                    self.app_notice(NoticeLevel::Error, e);
                                    return;
                                }
                            },
                            _ => None,
                        };
                        self.new_tab(&title, spec);
                        false
                    }
                    InputOutcome::Edited | InputOutcome::Ignored => true,
                },
            },
            LayoutOverlay::Switcher(sw) => self.switcher_key(sw, key),
        };
        if keep {
            self.lay.overlay = Some(ov);
        }
    }

    fn new_tab(&mut self, title: &str, spec: Option<(String, LayoutSpec)>) {
        let name = spec.as_ref().map(|(n, _)| n.clone());
        let cur = self.focused_panel();
        self.ws.remember_focus(&cur);
        match self.ws.add_tab(title, spec.map(|(_, s)| s), true) {
            Ok((id, w)) => {
                self.warn(w);
                if let Some(n) = name {
                    self.ws.set_layout_name(&id, &n);
                }
                self.focus = Focus::Panel(self.ws.focus_for(&id));
                self.lay.zoom = false;
            }
            Err(e) => self.app_notice(NoticeLevel::Error, format!("can't add tab: {e}")),
        }
    }

    fn save_current_as(&mut self, name: &str) {
        let Some(store) = self.ws.store() else {
            self.app_notice(
                NoticeLevel::Error,
                "layouts cannot be saved in this session".into(),
            );
            return;
        };
        let spec = self.ws.active_spec().clone();
        match save_layout(&store.global, name, &spec) {
            Ok(()) => {
                let id = self.ws.active_id().to_owned();
                self.ws.set_layout_name(&id, name);
                self.app_notice(NoticeLevel::Info, format!("Saved layout '{name}'."));
            }
            Err(e) => self.app_notice(NoticeLevel::Error, format!("layout not saved: {e}")),
        }
    }

    /// The app tab under `pos` on the strip.
    fn strip_tab_at(&self, pos: Position) -> Option<String> {
        self.lay
            .strip
            .iter()
            .find(|(_, r)| r.contains(pos))
            .map(|(id, _)| id.clone())
    }

    /// The splitter under `pos`, innermost split first (nested splitters lie inside outer
    /// children).
    fn splitter_at(&self, pos: Position) -> Option<(SplitInfo, usize)> {
        self.lay
            .splits
            .iter()
            .rev()
            .find_map(|s| s.splitter_at(pos).map(|b| (s.clone(), b)))
    }

    /// Mouse on the tab strip, a splitter, or the wheel over a Command panel. True when
    /// consumed.
    pub(super) fn layout_mouse(&mut self, m: MouseEvent) -> bool {
        let pos = Position::new(m.column, m.row);
        match m.kind {
            MouseEventKind::Moved => {
                // Redraw only when the highlighted splitter changes.
                let hover = self.splitter_at(pos).map(|(s, b)| (s.path.clone(), b));
                if hover != self.lay.hover {
                    self.lay.hover = hover;
                    self.dirty = true;
                }
                // Not consumed: widgets may track the pointer too.
                false
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(id) = self.strip_tab_at(pos) {
                    self.switch_to(&id);
                    self.lay.tab_drag = Some(id);
                    self.dirty = true;
                    return true;
                }
                if let Some((split, boundary)) = self.splitter_at(pos) {
                    self.lay.drag = Some(Drag {
                        tab: self.ws.active_id().to_owned(),
                        base: self.ws.active_spec().clone(),
                        start: if split.horizontal { pos.x } else { pos.y },
                        split,
                        boundary,
                        moved: false,
                    });
                    return true;
                }
                false
            }
            MouseEventKind::Drag(MouseButton::Left) => {
                if let Some(dragged) = self.lay.tab_drag.clone() {
                    self.drag_tab_over(&dragged, pos);
                    return true;
                }
                let Some(d) = &mut self.lay.drag else {
                    return false;
                };
                let now = if d.split.horizontal { pos.x } else { pos.y };
                let delta = i32::from(now) - i32::from(d.start);
                let mins: Vec<u32> = d.split.mins.iter().map(|&m| u32::from(m)).collect();
                if let Ok(spec) = move_splitter(
                    &d.base,
                    &d.split.path,
                    d.boundary,
                    delta,
                    &d.split.lengths(),
                    &mins,
                ) {
                    d.moved |= delta != 0;
                    let tab = d.tab.clone();
                    self.ws.set_layout_unsaved(&tab, spec);
                    self.dirty = true;
                }
                true
            }
            MouseEventKind::Up(MouseButton::Left) => {
                if self.lay.tab_drag.take().is_some() {
                    return true;
                }
                let Some(d) = self.lay.drag.take() else {
                    return false;
                };
                if d.moved {
                    let w = self.ws.persist();
                    self.warn(w);
                }
                self.dirty = true;
                true
            }
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => self.command_wheel(m),
            _ => false,
        }
    }

    /// A tab dragged over another tab's label takes its place (saved at once: a swap
    /// happens only when the pointer crosses into another label).
    fn drag_tab_over(&mut self, dragged: &str, pos: Position) {
        let Some(target) = self.strip_tab_at(pos).filter(|t| t != dragged) else {
            return;
        };
        let mut ids: Vec<String> = self.ws.tabs().iter().map(|t| t.id.clone()).collect();
        let (Some(from), Some(to)) = (
            ids.iter().position(|i| i == dragged),
            ids.iter().position(|i| *i == target),
        ) else {
            return;
        };
        let id = ids.remove(from);
        ids.insert(to, id);
        match self.ws.reorder(&ids) {
            Ok(w) => self.warn(w),
            Err(e) => self.app_notice(NoticeLevel::Error, format!("reorder failed: {e}")),
        }
        self.relayout_strip();
        self.dirty = true;
    }

    /// An orchestrator tool call, if it is a layout/tab tool.
    pub(super) fn layout_ui_call(
        &mut self,
        call_id: u64,
        tool: &str,
        args: &serde_json::Value,
    ) -> Option<Vec<Intent>> {
        if let Some(e) = self.unsaved_tool_guard(tool, args) {
            return Some(vec![Intent::UiReply {
                call_id,
                result: Err(e),
            }]);
        }
        let before_active = self.ws.active_id().to_owned();
        let cur = self.focused_panel();
        self.ws.remember_focus(&cur);
        let out = tools::call(&mut self.ws, tool, args)?;
        self.warn(out.warning);
        if self.ws.active_id() != before_active {
            let id = self.ws.active_id().to_owned();
            self.focus = Focus::Panel(self.ws.focus_for(&id));
            self.lay.zoom = false;
        }
        self.refocus();
        Some(vec![Intent::UiReply {
            call_id,
            result: out.result,
        }])
    }

    /// Where each tab's label goes on a strip in `row` (label, hit box); the strip itself is
    /// drawn only with more than one tab.
    fn strip_layout(&self, row: Rect) -> Vec<(String, String, Rect)> {
        let mut out = Vec::new();
        let mut x = row.x;
        let n = self.ws.tabs().len();
        for (i, t) in self.ws.tabs().iter().enumerate() {
            let label = format!(" {}:{} ", i + 1, t.title);
            let w = (unicode_width::UnicodeWidthStr::width(label.as_str()) as u16)
                .min(row.right().saturating_sub(x));
            if w == 0 {
                break;
            }
            out.push((t.id.clone(), label, Rect::new(x, row.y, w, 1)));
            x += w;
            if x < row.right() && i + 1 < n {
                x += 1; // the separator
            }
        }
        out
    }

    /// Recompute the strip's hit boxes now (a drag reorders between frames).
    fn relayout_strip(&mut self) {
        if let Some((_, first)) = self.lay.strip.first() {
            let row = Rect::new(first.x, first.y, self.lay.body.width, 1);
            self.lay.strip = self
                .strip_layout(row)
                .into_iter()
                .map(|(id, _, r)| (id, r))
                .collect();
        }
    }

    /// Draw the app tab strip (only with more than one tab); returns the body below it.
    pub(super) fn render_tab_strip(&mut self, body: Rect, buf: &mut Buffer) -> Rect {
        self.lay.strip.clear();
        if self.ws.tabs().len() < 2 || body.height < 2 {
            return body;
        }
        let active = self.ws.active_id().to_owned();
        let row = Rect { height: 1, ..body };
        buf.set_style(row, self.theme.status_bar);
        let dragging = self.lay.tab_drag.as_deref();
        let labels = self.strip_layout(row);
        let n = labels.len();
        for (i, (id, label, r)) in labels.into_iter().enumerate() {
            let mut style = if id == active {
                self.theme.title_focused.patch(self.theme.selection)
            } else {
                self.theme.status_bar
            };
            if dragging == Some(id.as_str()) {
                style = style.add_modifier(ratatui::style::Modifier::UNDERLINED);
            }
            buf.set_stringn(r.x, r.y, &label, usize::from(r.width), style);
            if r.right() < row.right() && i + 1 < n {
                buf.set_stringn(r.right(), r.y, "│", 1, self.theme.border);
            }
            self.lay.strip.push((id, r));
        }
        Rect {
            y: body.y + 1,
            height: body.height - 1,
            ..body
        }
    }

    /// Highlight the splitter under the mouse (or being dragged).
    fn render_splitter_hover(&self, buf: &mut Buffer) {
        let target = match &self.lay.drag {
            Some(d) => Some((d.split.path.clone(), d.boundary)),
            None => self.lay.hover.clone(),
        };
        let Some((path, b)) = target else {
            return;
        };
        let Some(split) = self.lay.splits.iter().find(|s| s.path == path) else {
            return;
        };
        let (Some(a), Some(c)) = (split.children.get(b), split.children.get(b + 1)) else {
            return;
        };
        // A background too: the focused panel's border already has the accent colour.
        let style = self.theme.accent.patch(self.theme.selection);
        if split.horizontal {
            for y in a.y.min(c.y)..a.bottom().max(c.bottom()) {
                for x in [a.right().saturating_sub(1), c.x] {
                    if let Some(cell) = buf.cell_mut(Position::new(x, y)) {
                        cell.set_style(style);
                    }
                }
            }
        } else {
            for x in a.x.min(c.x)..a.right().max(c.right()) {
                for y in [a.bottom().saturating_sub(1), c.y] {
                    if let Some(cell) = buf.cell_mut(Position::new(x, y)) {
                        cell.set_style(style);
                    }
                }
            }
        }
    }

    /// Draw the splitter hover and the open layout overlay; returns where the cursor belongs.
    pub(super) fn render_layout_overlay(&self, screen: Rect, buf: &mut Buffer) -> Option<Position> {
        self.render_splitter_hover(buf);
        if self.lay.zoom {
            let tag = " zoomed · alt-z ";
            let w = tag.chars().count() as u16;
            let body = self.lay.body;
            if body.width > w + 20 && body.height > 0 {
                let x = body.right() - w - 2;
                buf.set_stringn(x, body.y, tag, usize::from(w), self.theme.warning);
            }
        }
        let ov = self.lay.overlay.as_ref()?;
        let theme = &self.theme;
        let (max_w, max_h) = match ov {
            LayoutOverlay::NewTab { .. } => (72, 16),
            LayoutOverlay::Switcher(_) => (110, 26),
        };
        let width = screen.width.saturating_sub(4).min(max_w);
        let height = screen.height.saturating_sub(2).min(max_h);
        if width < 24 || height < 6 {
            return None;
        }
        let area = Rect::new(
            screen.x + (screen.width - width) / 2,
            screen.y + (screen.height - height) / 2,
            width,
            height,
        );
        Clear.render(area, buf);
        let (title, hint) = match ov {
            LayoutOverlay::NewTab { .. } => {
                (" New tab ", " Enter create · ↑↓ layout · Esc cancel ")
            }
            LayoutOverlay::Switcher(_) => (
                " Layouts ",
                " Enter apply · ^T new tab · ^S save current as typed name · ^D delete · Esc ",
            ),
        };
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.border_focused)
            .title(Span::styled(title, theme.title_focused))
            .title_bottom(Span::styled(hint, theme.dim));
        let inner = block.inner(area);
        block.render(area, buf);
        match ov {
            LayoutOverlay::NewTab {
                name,
                choice,
                options,
            } => {
                let input_row = Rect { height: 1, ..inner };
                let list = Rect {
                    y: inner.y + 2,
                    height: inner.height.saturating_sub(2),
                    ..inner
                };
                let cursor = InputView {
                    state: name,
                    theme,
                    placeholder: "tab name",
                    prompt: "name › ",
                    focused: true,
                }
                .render(input_row, buf);
                // Keep the choice in view when the list is longer than the box.
                let rows = usize::from(list.height);
                let first = (*choice + 1).saturating_sub(rows);
                for (i, o) in options.iter().skip(first).take(rows).enumerate() {
                    let chosen = first + i == *choice;
                    let style = if chosen { theme.selection } else { theme.text };
                    let mark = if chosen { "▸ " } else { "  " };
                    buf.set_stringn(
                        list.x,
                        list.y + i as u16,
                        format!("{mark}{o}"),
                        usize::from(list.width),
                        style,
                    );
                }
                cursor
            }
            LayoutOverlay::Switcher(sw) => sw.render(inner, theme, buf),
        }
    }
}

#[cfg(test)]
mod tests;

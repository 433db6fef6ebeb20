//! The App's layout side: tab keys, spatial focus and resize keys, zoom, mouse (tab strip,
//! splitter drags), the new-tab and layout-switcher overlays, the app tab strip, and the
//! orchestrator's layout/tab tool calls.

use super::{App, Focus, Intent};
use crate::core::layout::ops::{move_splitter, resize_target};
use crate::core::layout::{Direction, LayoutSpec};
use crate::core::transcript::NoticeLevel;
use crate::store::layouts::{DEFAULT_LAYOUT, list_layouts, load_layout, save_layout};
use crate::ui::layout::focus::{Dir, neighbour};
use crate::ui::layout::solve::{SplitInfo, solve};
use crate::ui::layout::tools;
use crate::ui::layout::workspace_state::LayoutStore;
use crate::ui::widgets::input::{InputOutcome, InputState, InputView};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Widget};

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
    /// ctrl-l: pick a saved layout (filter by typing).
    Switcher {
        filter: InputState,
        /// Index into the filtered names.
        selected: usize,
        names: Vec<String>,
    },
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
}

/// Subsequence match, case-insensitive (the switcher's filter).
fn fuzzy(hay: &str, needle: &str) -> bool {
    let mut h = hay.chars().flat_map(char::to_lowercase);
    needle
        .chars()
        .flat_map(char::to_lowercase)
        .all(|c| h.any(|x| x == c))
}

fn filtered<'a>(names: &'a [String], filter: &str) -> Vec<&'a String> {
    names.iter().filter(|n| fuzzy(n, filter)).collect()
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
    fn focused_panel(&self) -> String {
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

    fn switch_to(&mut self, id: &str) {
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

    fn cycle_tab(&mut self, forward: bool) {
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

    fn close_active_tab(&mut self) {
        let id = self.ws.active_id().to_owned();
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
        self.ws
            .store()
            .map(|s| list_layouts(&s.global))
            .unwrap_or_default()
    }

    fn load_named(&self, name: &str) -> Result<LayoutSpec, String> {
        match self.ws.store() {
            Some(s) => load_layout(&s.global, name).map_err(|e| e.to_string()),
            None if name == DEFAULT_LAYOUT => Ok(LayoutSpec::dashboard()),
            None => Err(format!("Layout not found: {name}")),
        }
    }

    fn move_focus(&mut self, dir: Dir) {
        let cur = self.focused_panel();
        if let Some(next) = neighbour(&self.panel_rects, &cur, dir) {
            self.focus = Focus::Panel(next);
        }
    }

    /// Grow (or shrink) the focused panel along `dir`'s axis by a few cells.
    fn resize_focused(&mut self, dir: Dir) {
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
    fn reset_tab(&mut self) {
        let id = self.ws.active_id().to_owned();
        let name = self
            .ws
            .layout_name(&id)
            .unwrap_or(DEFAULT_LAYOUT)
            .to_owned();
        let spec = self
            .load_named(&name)
            .unwrap_or_else(|_| LayoutSpec::dashboard());
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
        let m = key.modifiers;
        let ctrl = m.contains(KeyModifiers::CONTROL);
        let alt = m.contains(KeyModifiers::ALT);
        let shift = m.contains(KeyModifiers::SHIFT);
        let arrow = match key.code {
            KeyCode::Left => Some(Dir::Left),
            KeyCode::Right => Some(Dir::Right),
            KeyCode::Up => Some(Dir::Up),
            KeyCode::Down => Some(Dir::Down),
            _ => None,
        };
        match (key.code, arrow) {
            (_, Some(d)) if alt && (ctrl || shift) => self.resize_focused(d),
            (_, Some(d)) if alt => self.move_focus(d),
            (KeyCode::Char('t'), _) if ctrl => {
                let mut options = vec![BLANK.to_owned()];
                options.extend(self.saved_names());
                self.lay.overlay = Some(LayoutOverlay::NewTab {
                    name: InputState::default(),
                    choice: 0,
                    options,
                });
            }
            (KeyCode::Char('w'), _) if ctrl => self.close_active_tab(),
            (KeyCode::Char('l'), _) if ctrl => {
                self.lay.overlay = Some(LayoutOverlay::Switcher {
                    filter: InputState::default(),
                    selected: 0,
                    names: self.saved_names(),
                });
            }
            (KeyCode::Char('r') | KeyCode::Char('R'), _) if ctrl && shift => self.reset_tab(),
            (KeyCode::Char('z'), _) if alt => self.lay.zoom = !self.lay.zoom,
            (KeyCode::PageUp, _) if ctrl => self.cycle_tab(false),
            (KeyCode::PageDown, _) if ctrl => self.cycle_tab(true),
            (KeyCode::Char(c @ '1'..='9'), _) if ctrl || alt => {
                let i = usize::from(c as u8 - b'1');
                if let Some(id) = self.ws.tabs().get(i).map(|t| t.id.clone()) {
                    self.switch_to(&id);
                }
            }
            _ => return None,
        }
        self.dirty = true;
        Some(Vec::new())
    }

    fn overlay_key(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
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
            LayoutOverlay::Switcher {
                filter,
                selected,
                names,
            } => {
                let picked = filtered(names, filter.text())
                    .get(*selected)
                    .map(|s| (*s).clone());
                match key.code {
                    KeyCode::Up => {
                        *selected = selected.saturating_sub(1);
                        true
                    }
                    KeyCode::Down => {
                        let n = filtered(names, filter.text()).len();
                        *selected = (*selected + 1).min(n.saturating_sub(1));
                        true
                    }
                    KeyCode::Enter => {
                        if let Some(n) = picked {
                            self.apply_named(&n);
                        }
                        false
                    }
                    KeyCode::Char('t') if ctrl => {
                        if let Some(n) = picked
                            && let Ok(spec) = self.load_named(&n)
                        {
                            self.new_tab(&n, Some((n.clone(), spec)));
                        }
                        false
                    }
                    KeyCode::Char('s') if ctrl => {
                        let name = filter.text().trim().to_owned();
                        self.save_current_as(&name);
                        false
                    }
                    _ => {
                        filter.handle_key(key);
                        *selected = 0;
                        true
                    }
                }
            }
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

    fn apply_named(&mut self, name: &str) {
        match self.load_named(name) {
            Ok(spec) => {
                let id = self.ws.active_id().to_owned();
                let r = self.ws.set_layout(None, spec);
                if r.is_ok() {
                    self.ws.set_layout_name(&id, name);
                }
                self.after_apply(r);
            }
            Err(e) => self.app_notice(NoticeLevel::Error, e),
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

    /// Mouse on the tab strip or a splitter. True when consumed.
    pub(super) fn layout_mouse(&mut self, m: MouseEvent) -> bool {
        let pos = Position::new(m.column, m.row);
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(id) = self
                    .lay
                    .strip
                    .iter()
                    .find(|(_, r)| r.contains(pos))
                    .map(|(id, _)| id.clone())
                {
                    self.switch_to(&id);
                    self.dirty = true;
                    return true;
                }
                // Innermost split first: nested splitters lie inside outer children.
                let hit = self
                    .lay
                    .splits
                    .iter()
                    .rev()
                    .find_map(|s| s.splitter_at(pos).map(|b| (s.clone(), b)));
                if let Some((split, boundary)) = hit {
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
                let Some(d) = self.lay.drag.take() else {
                    return false;
                };
                if d.moved {
                    let w = self.ws.persist();
                    self.warn(w);
                }
                true
            }
            _ => false,
        }
    }

    /// An orchestrator tool call, if it is a layout/tab tool.
    pub(super) fn layout_ui_call(
        &mut self,
        call_id: u64,
        tool: &str,
        args: &serde_json::Value,
    ) -> Option<Vec<Intent>> {
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

    /// Draw the app tab strip (only with more than one tab); returns the body below it.
    pub(super) fn render_tab_strip(&mut self, body: Rect, buf: &mut Buffer) -> Rect {
        self.lay.strip.clear();
        if self.ws.tabs().len() < 2 || body.height < 2 {
            return body;
        }
        let active = self.ws.active_id().to_owned();
        let mut x = body.x;
        buf.set_style(Rect { height: 1, ..body }, self.theme.status_bar);
        for (i, t) in self.ws.tabs().iter().enumerate() {
            let label = format!(" {}:{} ", i + 1, t.title);
            let w = (unicode_width::UnicodeWidthStr::width(label.as_str()) as u16)
                .min(body.right().saturating_sub(x));
            if w == 0 {
                break;
            }
            let style = if t.id == active {
                self.theme.title_focused.patch(self.theme.selection)
            } else {
                self.theme.status_bar
            };
            buf.set_stringn(x, body.y, &label, usize::from(w), style);
            self.lay
                .strip
                .push((t.id.clone(), Rect::new(x, body.y, w, 1)));
            x += w;
            if x < body.right() && i + 1 < self.ws.tabs().len() {
                buf.set_stringn(x, body.y, "│", 1, self.theme.border);
                x += 1;
            }
        }
        Rect {
            y: body.y + 1,
            height: body.height - 1,
            ..body
        }
    }

    /// Draw the open layout overlay; returns where the cursor belongs.
    pub(super) fn render_layout_overlay(&self, screen: Rect, buf: &mut Buffer) -> Option<Position> {
        let ov = self.lay.overlay.as_ref()?;
        let theme = &self.theme;
        let width = screen.width.saturating_sub(4).min(72);
        let height = screen.height.saturating_sub(2).min(16);
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
            LayoutOverlay::Switcher { .. } => (
                " Layouts ",
                " Enter apply · ^T new tab · ^S save current as typed name · Esc ",
            ),
        };
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.border_focused)
            .title(Span::styled(title, theme.title_focused))
            .title_bottom(Span::styled(hint, theme.dim));
        let inner = block.inner(area);
        block.render(area, buf);
        let input_row = Rect { height: 1, ..inner };
        let list = Rect {
            y: inner.y + 2,
            height: inner.height.saturating_sub(2),
            ..inner
        };
        match ov {
            LayoutOverlay::NewTab {
                name,
                choice,
                options,
            } => {
                let cursor = InputView {
                    state: name,
                    theme,
                    placeholder: "tab name",
                    prompt: "name › ",
                    focused: true,
                }
                .render(input_row, buf);
                for (i, o) in options.iter().take(usize::from(list.height)).enumerate() {
                    let style = if i == *choice {
                        theme.selection
                    } else {
                        theme.text
                    };
                    let mark = if i == *choice { "▸ " } else { "  " };
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
            LayoutOverlay::Switcher {
                filter,
                selected,
                names,
            } => {
                let cursor = InputView {
                    state: filter,
                    theme,
                    placeholder: "filter, or a name to save as",
                    prompt: "layout › ",
                    focused: true,
                }
                .render(input_row, buf);
                let shown = filtered(names, filter.text());
                let left_w = (list.width / 3).max(12).min(list.width);
                if shown.is_empty() {
                    buf.set_stringn(
                        list.x,
                        list.y,
                        "no saved layout matches",
                        usize::from(list.width),
                        theme.dim,
                    );
                }
                for (i, n) in shown.iter().take(usize::from(list.height)).enumerate() {
                    let style = if i == *selected {
                        theme.selection
                    } else {
                        theme.text
                    };
                    let mark = if i == *selected { "▸ " } else { "  " };
                    buf.set_stringn(
                        list.x,
                        list.y + i as u16,
                        format!("{mark}{n}"),
                        usize::from(left_w),
                        style,
                    );
                }
                // Live preview: the selected layout's outline, solved into a miniature.
                if let Some(n) = shown.get(*selected)
                    && let Ok(spec) = self.load_named(n)
                {
                    let px = list.x + left_w + 1;
                    let pw = list.right().saturating_sub(px);
                    let mini = Rect::new(px, list.y, pw, list.height.min(7));
                    for placed in solve(&spec, mini).panels {
                        let b = Block::bordered()
                            .border_style(theme.border)
                            .title(Span::styled(placed.panel.id.as_str(), theme.dim));
                        b.render(placed.rect, buf);
                    }
                    let lines = tools::outline(&spec);
                    let oy = mini.bottom();
                    for (i, l) in lines
                        .iter()
                        .take(usize::from(list.bottom().saturating_sub(oy)))
                        .enumerate()
                    {
                        buf.set_line(
                            px,
                            oy + i as u16,
                            &Line::from(Span::styled(l.as_str(), theme.dim)),
                            pw,
                        );
                    }
                }
                cursor
            }
        }
    }
}

#[cfg(test)]
mod tests;

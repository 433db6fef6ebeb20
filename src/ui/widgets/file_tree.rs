//! The FileTree widget: the listed part of a directory tree (directories are listed when
//! first expanded), git markers, ignored entries hidden unless asked for, and a fuzzy finder
//! over every path listed so far. Listing happens in `ui::sources::file_tree`; this file
//! keeps what it reported and turns keys into actions.

use crate::ui::render::theme::Theme;
use crate::ui::render::wrap::truncate;
use crate::ui::sources::file_tree::{GitMark, GitMarks, TreeEntry};
use crate::ui::widgets::input::{InputOutcome, InputState};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// What a key or click asks the App to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TreeAction {
    /// Nothing beyond redrawing.
    None,
    /// List this directory (first expansion).
    List(PathBuf),
    /// A file was chosen: publish it as the selection.
    Select(PathBuf),
    /// List everything again.
    Refresh,
}

/// One visible row.
#[derive(Debug, Clone)]
struct Row<'a> {
    entry: &'a TreeEntry,
    depth: usize,
}

/// The `/` finder.
#[derive(Debug, Default)]
struct Finder {
    input: InputState,
    /// Paths ranked for the query, best first.
    hits: Vec<PathBuf>,
    selected: usize,
}

/// A FileTree panel's live state.
#[derive(Debug, Default)]
pub(crate) struct FileTreeState {
    root: PathBuf,
    /// Listed directories → their entries.
    children: HashMap<PathBuf, Vec<TreeEntry>>,
    expanded: HashSet<PathBuf>,
    /// Directories asked for and not yet listed.
    loading: HashSet<PathBuf>,
    errors: HashMap<PathBuf, String>,
    git: GitMarks,
    show_ignored: bool,
    selected: Option<PathBuf>,
    scroll: Cell<usize>,
    height: Cell<u16>,
    finder: Option<Finder>,
    /// Live updates are off (watching failed).
    pub watch_error: Option<String>,
}

impl FileTreeState {
    /// A tree rooted at `root` (listed once the worker reports).
    pub(crate) fn new(root: PathBuf) -> Self {
        Self {
            loading: HashSet::from([root.clone()]),
            expanded: HashSet::from([root.clone()]),
            root,
            ..Self::default()
        }
    }

    /// Directories to list again after the worker restarted (expanded ones).
    pub(crate) fn expanded_dirs(&self) -> Vec<PathBuf> {
        self.expanded
            .iter()
            .filter(|d| **d != self.root)
            .cloned()
            .collect()
    }

    /// A directory's entries arrived.
    pub(crate) fn listed(&mut self, dir: PathBuf, entries: Vec<TreeEntry>) {
        self.loading.remove(&dir);
        self.errors.remove(&dir);
        // Forget listings of subdirectories that vanished.
        let gone: Vec<PathBuf> = self
            .children
            .get(&dir)
            .map(|old| {
                old.iter()
                    .filter(|o| o.is_dir && !entries.iter().any(|e| e.path == o.path))
                    .map(|o| o.path.clone())
                    .collect()
            })
            .unwrap_or_default();
        for g in gone {
            self.children.retain(|k, _| !k.starts_with(&g));
            self.expanded.retain(|k| !k.starts_with(&g));
        }
        self.children.insert(dir, entries);
        if self.selected.is_none() {
            self.selected = self.rows().first().map(|r| r.entry.path.clone());
        }
        self.refilter();
    }

    /// A directory could not be listed.
    pub(crate) fn list_failed(&mut self, dir: PathBuf, error: String) {
        self.loading.remove(&dir);
        self.children.remove(&dir);
        self.errors.insert(dir, error);
    }

    /// New git markers.
    pub(crate) fn set_git(&mut self, git: GitMarks) {
        self.git = git;
    }

    /// Every listed path under the root, relative, for the finder (ignored ones only when
    /// shown).
    pub(crate) fn listed_paths(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self
            .children
            .values()
            .flatten()
            .filter(|e| self.show_ignored || !e.ignored)
            .filter(|e| self.reachable(&e.path))
            .map(|e| e.path.clone())
            .collect();
        out.sort();
        out
    }

    /// Whether no ignored ancestor hides `path`.
    fn reachable(&self, path: &Path) -> bool {
        if self.show_ignored {
            return true;
        }
        let mut p = path.parent();
        while let Some(d) = p {
            if d == self.root {
                return true;
            }
            if let Some(parent) = d.parent()
                && let Some(e) = self
                    .children
                    .get(parent)
                    .and_then(|c| c.iter().find(|e| e.path == d))
                && e.ignored
            {
                return false;
            }
            p = d.parent();
        }
        true
    }

    fn rows(&self) -> Vec<Row<'_>> {
        let mut out = Vec::new();
        self.push_rows(&self.root, 0, &mut out);
        out
    }

    fn push_rows<'a>(&'a self, dir: &Path, depth: usize, out: &mut Vec<Row<'a>>) {
        let Some(entries) = self.children.get(dir) else {
            return;
        };
        for e in entries {
            if e.ignored && !self.show_ignored {
                continue;
            }
            out.push(Row { entry: e, depth });
            if e.is_dir && self.expanded.contains(&e.path) {
                self.push_rows(&e.path, depth + 1, out);
            }
        }
    }

    fn selected_index(&self, rows: &[Row<'_>]) -> usize {
        self.selected
            .as_ref()
            .and_then(|s| rows.iter().position(|r| &r.entry.path == s))
            .unwrap_or(0)
    }

    fn move_by(&mut self, delta: isize) {
        let rows = self.rows();
        if rows.is_empty() {
            return;
        }
        let i = self
            .selected_index(&rows)
            .saturating_add_signed(delta)
            .min(rows.len() - 1);
        self.selected = Some(rows[i].entry.path.clone());
    }

    fn jump(&mut self, end: bool) {
        let rows = self.rows();
        let r = if end { rows.last() } else { rows.first() };
        self.selected = r.map(|r| r.entry.path.clone());
    }

    fn selected_entry(&self) -> Option<TreeEntry> {
        let sel = self.selected.as_ref()?;
        let parent = sel.parent()?;
        self.children
            .get(parent)?
            .iter()
            .find(|e| &e.path == sel)
            .cloned()
    }

    /// Expand (listing on first use) or collapse a directory.
    fn toggle(&mut self, dir: &Path) -> TreeAction {
        if self.expanded.remove(dir) {
            return TreeAction::None;
        }
        self.expand(dir)
    }

    fn expand(&mut self, dir: &Path) -> TreeAction {
        self.expanded.insert(dir.to_path_buf());
        if self.children.contains_key(dir) || self.loading.contains(dir) {
            TreeAction::None
        } else {
            self.loading.insert(dir.to_path_buf());
            TreeAction::List(dir.to_path_buf())
        }
    }

    /// Enter/Space on the selection: toggle a directory, choose a file.
    fn activate(&mut self) -> TreeAction {
        match self.selected_entry() {
            Some(e) if e.is_dir => self.toggle(&e.path),
            Some(e) => TreeAction::Select(e.path),
            None => TreeAction::None,
        }
    }

    /// Handle a key; `None` when it is not the tree's.
    pub(crate) fn key(&mut self, key: KeyEvent) -> Option<TreeAction> {
        if self.finder.is_some() {
            return Some(self.finder_key(key));
        }
        if key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return None;
        }
        let page = self.height.get().saturating_sub(1).max(1) as isize;
        let action = match key.code {
            KeyCode::Char('j') | KeyCode::Down => {
                self.move_by(1);
                TreeAction::None
            }
            KeyCode::Char('k') | KeyCode::Up => {
                self.move_by(-1);
                TreeAction::None
            }
            KeyCode::PageDown => {
                self.move_by(page);
                TreeAction::None
            }
            KeyCode::PageUp => {
                self.move_by(-page);
                TreeAction::None
            }
            KeyCode::Char('g') | KeyCode::Home => {
                self.jump(false);
                TreeAction::None
            }
            KeyCode::Char('G') | KeyCode::End => {
                self.jump(true);
                TreeAction::None
            }
            KeyCode::Enter | KeyCode::Char(' ') => self.activate(),
            KeyCode::Right | KeyCode::Char('l') => match self.selected_entry() {
                Some(e) if e.is_dir && !self.expanded.contains(&e.path) => self.expand(&e.path),
                Some(e) if e.is_dir => {
                    self.move_by(1);
                    TreeAction::None
                }
                _ => TreeAction::None,
            },
            KeyCode::Left | KeyCode::Char('h') => match self.selected_entry() {
                Some(e) if e.is_dir && self.expanded.contains(&e.path) => {
                    self.expanded.remove(&e.path);
                    TreeAction::None
                }
                Some(e) => {
                    if let Some(p) = e.path.parent().filter(|p| *p != self.root) {
                        self.selected = Some(p.to_path_buf());
                    }
                    TreeAction::None
                }
                None => TreeAction::None,
            },
            KeyCode::Char('i') => {
                self.show_ignored = !self.show_ignored;
                if self.selected_entry().is_some_and(|e| e.ignored) && !self.show_ignored {
                    self.selected = None;
                    self.jump(false);
                }
                TreeAction::None
            }
            KeyCode::Char('r') => TreeAction::Refresh,
            KeyCode::Char('/') => {
                self.finder = Some(Finder::default());
                self.refilter();
                TreeAction::None
            }
            _ => return None,
        };
        Some(action)
    }

    fn finder_key(&mut self, key: KeyEvent) -> TreeAction {
        let Some(f) = self.finder.as_mut() else {
            return TreeAction::None;
        };
        match key.code {
            KeyCode::Esc => self.finder = None,
            KeyCode::Down => f.selected = (f.selected + 1).min(f.hits.len().saturating_sub(1)),
            KeyCode::Up => f.selected = f.selected.saturating_sub(1),
            KeyCode::Enter => {
                let hit = f.hits.get(f.selected).cloned();
                self.finder = None;
                if let Some(p) = hit {
                    return self.reveal(p);
                }
            }
            _ => {
                if f.input.handle_key(key) == InputOutcome::Edited {
                    f.selected = 0;
                    self.refilter();
                }
            }
        }
        TreeAction::None
    }

    /// Typed text for the finder (paste).
    pub(crate) fn paste(&mut self, text: &str) -> bool {
        let Some(f) = self.finder.as_mut() else {
            return false;
        };
        f.input.insert_str(text);
        self.refilter();
        true
    }

    /// Expand every ancestor of `path`, select it, and choose it when it is a file.
    pub(crate) fn reveal(&mut self, path: PathBuf) -> TreeAction {
        let mut p = path.parent();
        while let Some(d) = p {
            if !d.starts_with(&self.root) {
                break;
            }
            self.expanded.insert(d.to_path_buf());
            p = d.parent();
        }
        self.selected = Some(path.clone());
        match self.selected_entry() {
            Some(e) if !e.is_dir => TreeAction::Select(path),
            _ => TreeAction::None,
        }
    }

    fn refilter(&mut self) {
        let paths = self.listed_paths();
        let root = self.root.clone();
        let Some(f) = self.finder.as_mut() else {
            return;
        };
        let rel: Vec<String> = paths
            .iter()
            .map(|p| {
                p.strip_prefix(&root)
                    .unwrap_or(p)
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        f.hits = crate::ui::fuzzy::filter(f.input.text(), rel.iter().map(String::as_str))
            .into_iter()
            .map(|i| paths[i].clone())
            .collect();
        f.selected = f.selected.min(f.hits.len().saturating_sub(1));
    }

    /// A click on row `row` of the panel's inside: select it; a second click on the same
    /// row (or any click on a directory's arrow) toggles or chooses it.
    pub(crate) fn click(&mut self, row: u16) -> TreeAction {
        if self.finder.is_some() {
            return TreeAction::None;
        }
        let rows = self.rows();
        let Some((path, is_dir)) = rows
            .get(self.scroll.get() + usize::from(row))
            .map(|r| (r.entry.path.clone(), r.entry.is_dir))
        else {
            return TreeAction::None;
        };
        drop(rows);
        let again = self.selected.as_ref() == Some(&path);
        self.selected = Some(path.clone());
        if again || is_dir {
            self.activate()
        } else {
            TreeAction::Select(path)
        }
    }

    /// Scroll by the wheel (the selection follows).
    pub(crate) fn wheel(&mut self, up: bool) {
        self.move_by(if up { -3 } else { 3 });
    }
}

/// Draws a FileTree panel's inside.
pub(crate) struct FileTreeView<'a> {
    /// The panel's state.
    pub state: &'a FileTreeState,
    /// Colours.
    pub theme: &'a Theme,
    /// Shows the cursor and the hint.
    pub focused: bool,
    /// The app-wide selected file (marked).
    pub chosen: Option<&'a Path>,
}

impl FileTreeView<'_> {
    /// Draw; returns the cursor position while the finder is open.
    pub(crate) fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let s = self.state;
        if area.is_empty() {
            return None;
        }
        if let Some(f) = &s.finder {
            return self.render_finder(f, area, buf);
        }
        s.height.set(area.height);
        let rows = s.rows();
        if rows.is_empty() {
            let msg = if let Some(e) = s.errors.get(&s.root) {
                format!("cannot list {}: {e}", s.root.display())
            } else if s.loading.contains(&s.root) {
                "listing…".to_owned()
            } else {
                "(empty)".to_owned()
            };
            buf.set_stringn(
                area.x + 1,
                area.y,
                truncate(&msg, usize::from(area.width.saturating_sub(1))),
                usize::from(area.width),
                s.errors
                    .get(&s.root)
                    .map_or(self.theme.dim, |_| self.theme.error),
            );
            return None;
        }
        let sel = s.selected_index(&rows);
        let h = usize::from(area.height);
        let mut scroll = s.scroll.get().min(rows.len().saturating_sub(h));
        if sel < scroll {
            scroll = sel;
        } else if sel >= scroll + h {
            scroll = sel + 1 - h;
        }
        s.scroll.set(scroll);
        for (i, r) in rows.iter().skip(scroll).take(h).enumerate() {
            let y = area.y + i as u16;
            let e = r.entry;
            let arrow = if !e.is_dir {
                "  "
            } else if s.expanded.contains(&e.path) {
                if s.loading.contains(&e.path) {
                    "⋯ "
                } else {
                    "▾ "
                }
            } else {
                "▸ "
            };
            let (mark, mark_style) = match (e.ignored, s.git.get(&e.path)) {
                (true, _) => ("!", self.theme.dim),
                (false, Some(GitMark::Modified)) => ("M", self.theme.warning),
                (false, Some(GitMark::New)) => ("+", self.theme.ok),
                (false, Some(GitMark::Conflict)) => ("U", self.theme.error),
                (false, Some(GitMark::Dirty)) => ("•", self.theme.warning),
                (false, None) => (" ", self.theme.dim),
            };
            let mut name_style = if e.ignored {
                self.theme.dim
            } else if e.is_dir {
                self.theme.accent
            } else {
                self.theme.text
            };
            if self.chosen == Some(e.path.as_path()) {
                name_style = name_style.add_modifier(Modifier::BOLD);
            }
            let indent = "  ".repeat(r.depth);
            let name = if e.is_dir {
                format!("{}/", e.name)
            } else {
                e.name.clone()
            };
            let mut line = Line::from(vec![
                Span::styled(mark, mark_style),
                Span::raw(" "),
                Span::styled(format!("{indent}{arrow}"), self.theme.dim),
                Span::styled(name, name_style),
            ]);
            if let Some(err) = s.errors.get(&e.path) {
                line.push_span(Span::styled(format!("  {err}"), self.theme.error));
            }
            buf.set_line(area.x, y, &line, area.width);
            if i + scroll == sel {
                let style = if self.focused {
                    self.theme.selection
                } else {
                    self.theme.selection.remove_modifier(Modifier::REVERSED)
                };
                buf.set_style(Rect::new(area.x, y, area.width, 1), style);
            }
        }
        None
    }

    fn render_finder(&self, f: &Finder, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let root = &self.state.root;
        buf.set_stringn(area.x, area.y, "/ ", 2, self.theme.accent);
        let input_area = Rect::new(area.x + 2, area.y, area.width.saturating_sub(2), 1);
        let cursor = crate::ui::widgets::input::InputView {
            state: &f.input,
            theme: self.theme,
            placeholder: "find a listed path",
            prompt: "",
            focused: self.focused,
        }
        .render(input_area, buf);
        let count = format!(" {}/{} ", f.hits.len(), self.state.listed_paths().len());
        if area.width as usize > count.len() + 20 {
            buf.set_stringn(
                area.right() - count.len() as u16,
                area.y,
                &count,
                count.len(),
                self.theme.dim,
            );
        }
        let h = usize::from(area.height.saturating_sub(1));
        let top = f.selected.saturating_sub(h.saturating_sub(1));
        for (i, p) in f.hits.iter().skip(top).take(h).enumerate() {
            let y = area.y + 1 + i as u16;
            let rel = p.strip_prefix(root).unwrap_or(p).to_string_lossy();
            let style = if top + i == f.selected {
                self.theme.selection
            } else {
                self.theme.text
            };
            buf.set_stringn(
                area.x + 1,
                y,
                truncate(&rel, usize::from(area.width.saturating_sub(2))),
                usize::from(area.width.saturating_sub(1)),
                style,
            );
        }
        cursor
    }
}

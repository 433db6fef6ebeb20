//! The App's side of the file panels (FileTree, FileViewer, Markdown, Notebook, LogTail):
//! which workers run (the visible panels of the active tab), folding their reports into panel
//! state, keys and mouse, the app-wide selected file that `follow_selection` viewers follow,
//! and drawing.

use super::{App, Focus, Intent};
use crate::core::layout::Panel;
use crate::ui::app_event::AppEvent;
use crate::ui::layout::solve::visible_panels;
use crate::ui::layout::workspace_state::PanelState;
use crate::ui::sources::files::{
    FileSpec, FilesEvent, FilesEventKind, FilesRunner, PanelKey, Request,
};
use crate::ui::widgets::file_tree::{FileTreeState, FileTreeView, TreeAction};
use crate::ui::widgets::file_viewer::{FileViewerState, FileViewerView, ViewerAction};
use crate::ui::widgets::log_tail::{LogTailState, LogTailView};
use crate::ui::widgets::markdown_view::{MarkdownState, MarkdownView};
use crate::ui::widgets::notebook::{NotebookAction, NotebookState, NotebookView};
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use tokio::sync::mpsc::UnboundedSender;

/// Widgets served here.
pub(crate) const FILE_WIDGETS: &[&str] =
    &["FileTree", "FileViewer", "Markdown", "Notebook", "LogTail"];
/// LogTail's `lines` when unset.
pub(crate) const DEFAULT_LOG_LINES: usize = 1000;
/// The most lines a LogTail keeps, whatever `lines` says.
const MAX_LOG_LINES: usize = 100_000;

/// App-wide state of the file panels.
#[derive(Debug, Default)]
pub(crate) struct FilesUi {
    runner: Option<FilesRunner>,
    /// The file last chosen in a FileTree (viewers with `follow_selection` show it).
    pub selected_file: Option<PathBuf>,
}

/// What a panel's props ask for; a change starts the panel afresh.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ident {
    Spec(FileSpec),
    Text(String),
    NoFile,
    Invalid(String),
}

/// One of the file widgets' states.
#[derive(Debug)]
pub(crate) enum FilesPanel {
    /// FileTree.
    Tree(FileTreeState),
    /// FileViewer.
    Viewer(FileViewerState),
    /// Markdown.
    Markdown(MarkdownState),
    /// Notebook.
    Notebook(NotebookState),
    /// LogTail.
    Log(LogTailState),
}

/// A file panel's live state (in `PanelState::Files`).
#[derive(Debug, Default)]
pub(crate) struct FilesPanelState {
    ident: Option<Ident>,
    /// The widget's state, once the panel was first shown.
    pub panel: Option<FilesPanel>,
}

impl App {
    /// Serve file panels from now on: paths resolve against `project`; workers post on `post`.
    pub(crate) fn set_files_runner(&mut self, post: UnboundedSender<AppEvent>, project: PathBuf) {
        self.files.runner = Some(FilesRunner::new(post, project));
        self.sync_file_sources();
    }

    /// The app-wide selected file.
    #[cfg(test)]
    pub(crate) fn selected_file(&self) -> Option<&Path> {
        self.files.selected_file.as_deref()
    }

    fn project_dir(&self) -> PathBuf {
        self.files
            .runner
            .as_ref()
            .map(|r| r.project().to_path_buf())
            .unwrap_or_default()
    }

    fn ident_for(&self, widget: &str, props: &Map<String, Value>) -> Ident {
        let project = self.project_dir();
        let s = |k: &str| {
            props
                .get(k)
                .and_then(Value::as_str)
                .filter(|v| !v.trim().is_empty())
        };
        let path = |k: &str| s(k).map(|p| resolve(&project, p));
        match widget {
            "FileTree" => Ident::Spec(FileSpec::Tree {
                root: path("path").unwrap_or(project),
            }),
            "FileViewer" => {
                let follow = props.get("follow_selection").and_then(Value::as_bool) == Some(true);
                let chosen = if follow {
                    self.files.selected_file.clone().or_else(|| path("path"))
                } else {
                    path("path")
                };
                chosen.map_or(Ident::NoFile, |path| Ident::Spec(FileSpec::Viewer { path }))
            }
            "Markdown" => match (path("path"), s("text")) {
                (Some(path), _) => Ident::Spec(FileSpec::Markdown { path }),
                (None, Some(t)) => Ident::Text(t.to_owned()),
                (None, None) => Ident::Invalid("set the prop `path` or `text`".into()),
            },
            "Notebook" => {
                let name = s("name").unwrap_or("").to_owned();
                match crate::store::validate_name("notebook", &name) {
                    Ok(()) => Ident::Spec(FileSpec::Notebook { name }),
                    Err(e) => Ident::Invalid(e.to_string()),
                }
            }
            "LogTail" => match path("path") {
                Some(path) => Ident::Spec(FileSpec::Log {
                    path,
                    lines: props
                        .get("lines")
                        .and_then(Value::as_u64)
                        .map_or(DEFAULT_LOG_LINES, |n| (n as usize).clamp(1, MAX_LOG_LINES)),
                }),
                None => Ident::Invalid("set the prop `path`".into()),
            },
            _ => Ident::Invalid(format!("{widget} is not a file panel")),
        }
    }

    /// Give every visible file panel of the active tab its state and worker; stop the
    /// workers of every other panel. Cheap when nothing changed; the loop calls it after
    /// each event.
    pub(crate) fn sync_file_sources(&mut self) {
        let tab = self.ws.active_id().to_owned();
        let panels: Vec<(String, String, Map<String, Value>)> =
            visible_panels(self.ws.active_spec())
                .into_iter()
                .filter(|p| FILE_WIDGETS.contains(&p.widget.as_str()))
                .map(|p| (p.id.clone(), p.widget.clone(), p.props.clone()))
                .collect();
        let mut wanted: Vec<(PanelKey, FileSpec)> = Vec::new();
        for (id, widget, props) in panels {
            let ident = self.ident_for(&widget, &props);
            let Some(PanelState::Files(fs)) = self.ws.panel_state_mut(&tab, &id) else {
                continue;
            };
            if fs.ident.as_ref() != Some(&ident) {
                fs.panel = Some(fresh(&widget, &ident));
                fs.ident = Some(ident.clone());
                self.dirty = true;
            }
            if let Ident::Spec(spec) = ident {
                wanted.push(((tab.clone(), id), spec));
            }
        }
        let Some(runner) = self.files.runner.as_mut() else {
            return;
        };
        for (key, _) in runner.sync(wanted) {
            // A tree shown again lists its expanded directories again.
            if let Some(PanelState::Files(fs)) = self.ws.panel_state_mut(&key.0, &key.1)
                && let Some(FilesPanel::Tree(t)) = &fs.panel
            {
                for d in t.expanded_dirs() {
                    runner.request(&key, Request::List(d));
                }
            }
        }
    }

    /// A worker reported.
    pub(in crate::ui::app) fn on_files_event(&mut self, ev: FilesEvent) {
        let Some(runner) = self.files.runner.as_ref() else {
            return;
        };
        if runner.generation(&ev.key) != Some(ev.generation) {
            return; // a stopped or replaced worker
        }
        let (tab, id) = &ev.key;
        let Some(PanelState::Files(fs)) = self.ws.panel_state_mut(tab, id) else {
            return;
        };
        let Some(panel) = fs.panel.as_mut() else {
            return;
        };
        let mut requests = Vec::new();
        match (panel, ev.kind) {
            (FilesPanel::Tree(t), FilesEventKind::TreeListed { dir, entries }) => {
                t.listed(dir, entries)
            }
            (FilesPanel::Tree(t), FilesEventKind::TreeListFailed { dir, error }) => {
                t.list_failed(dir, error);
            }
            (FilesPanel::Tree(t), FilesEventKind::GitStatus(g)) => t.set_git(g),
            (FilesPanel::Tree(t), FilesEventKind::WatchFailed(e)) => t.watch_error = Some(e),
            (FilesPanel::Viewer(v), FilesEventKind::Doc(d)) => {
                if let ViewerAction::Search(q) = v.apply(d) {
                    requests.push(Request::Search(q));
                }
                if let Some((start, len)) = v.needed_window() {
                    requests.push(Request::Window { start, len });
                }
            }
            (FilesPanel::Viewer(v), FilesEventKind::WatchFailed(e)) => v.watch_error = Some(e),
            (FilesPanel::Markdown(m), FilesEventKind::Text(t)) => m.set_source(t),
            (FilesPanel::Markdown(m), FilesEventKind::WatchFailed(e)) => m.watch_error = Some(e),
            (FilesPanel::Log(l), FilesEventKind::Log(e)) => l.apply(e),
            (FilesPanel::Log(l), FilesEventKind::WatchFailed(e)) => l.watch_error = Some(e),
            (FilesPanel::Notebook(n), FilesEventKind::NotebookLoaded(t)) => n.loaded(t),
            (FilesPanel::Notebook(n), FilesEventKind::NotebookSaved(r)) => {
                let now = n.text();
                n.saved(r, &now);
            }
            (_, kind) => tracing::debug!("file panel event for another widget: {kind:?}"),
        }
        for r in requests {
            runner.request(&ev.key, r);
        }
        self.dirty = true;
    }

    fn files_panel_mut(&mut self, id: &str) -> Option<&mut FilesPanel> {
        let tab = self.ws.active_id().to_owned();
        match self.ws.panel_state_mut(&tab, id) {
            Some(PanelState::Files(fs)) => fs.panel.as_mut(),
            _ => None,
        }
    }

    /// Keys of a focused file panel; `None`: not its key.
    pub(in crate::ui::app) fn files_key(&mut self, id: &str, key: KeyEvent) -> Option<Vec<Intent>> {
        let k: PanelKey = (self.ws.active_id().to_owned(), id.to_owned());
        let mut requests = Vec::new();
        let mut select = None;
        match self.files_panel_mut(id)? {
            FilesPanel::Tree(t) => match t.key(key)? {
                TreeAction::None => {}
                TreeAction::List(d) => requests.push(Request::List(d)),
                TreeAction::Refresh => requests.push(Request::Refresh),
                TreeAction::Select(p) => select = Some(p),
            },
            FilesPanel::Viewer(v) => {
                if let ViewerAction::Search(q) = v.key(key)? {
                    requests.push(Request::Search(q));
                }
                if let Some((start, len)) = v.needed_window() {
                    requests.push(Request::Window { start, len });
                }
            }
            FilesPanel::Markdown(m) => {
                if !m.key(key) {
                    return None;
                }
            }
            FilesPanel::Log(l) => {
                if !l.key(key) {
                    return None;
                }
            }
            FilesPanel::Notebook(n) => match n.key(key)? {
                NotebookAction::None => {}
                NotebookAction::Save { text, now } => requests.push(Request::Save { text, now }),
            },
        }
        self.files_after(&k, requests, select);
        Some(Vec::new())
    }

    fn files_after(&mut self, key: &PanelKey, requests: Vec<Request>, select: Option<PathBuf>) {
        if let Some(r) = &self.files.runner {
            for req in requests {
                r.request(key, req);
            }
        }
        if let Some(p) = select {
            self.files.selected_file = Some(p);
            self.sync_file_sources();
        }
        self.dirty = true;
    }

    /// Clicks and the wheel over a file panel; false: not one.
    pub(in crate::ui::app) fn files_mouse(&mut self, id: &str, m: MouseEvent) -> bool {
        let Some(rect) = self
            .panel_rects
            .iter()
            .find(|(p, _)| p == id)
            .map(|(_, r)| *r)
        else {
            return false;
        };
        let inner = Rect::new(
            rect.x + 1,
            rect.y + 1,
            rect.width.saturating_sub(2),
            rect.height.saturating_sub(2),
        );
        let k: PanelKey = (self.ws.active_id().to_owned(), id.to_owned());
        let mut requests = Vec::new();
        let mut select = None;
        let up = match m.kind {
            MouseEventKind::ScrollUp => Some(true),
            MouseEventKind::ScrollDown => Some(false),
            MouseEventKind::Down(MouseButton::Left) => None,
            _ => return false,
        };
        let Some(panel) = self.files_panel_mut(id) else {
            return false;
        };
        match (panel, up) {
            (FilesPanel::Tree(t), None) => {
                if !inner.contains(Position::new(m.column, m.row)) {
                    return false;
                }
                match t.click(m.row - inner.y) {
                    TreeAction::None => {}
                    TreeAction::List(d) => requests.push(Request::List(d)),
                    TreeAction::Refresh => requests.push(Request::Refresh),
                    TreeAction::Select(p) => select = Some(p),
                }
            }
            (_, None) => return false,
            (FilesPanel::Tree(t), Some(up)) => t.wheel(up),
            (FilesPanel::Viewer(v), Some(up)) => {
                v.wheel(up);
                if let Some((start, len)) = v.needed_window() {
                    requests.push(Request::Window { start, len });
                }
            }
            (FilesPanel::Markdown(md), Some(up)) => md.wheel(up),
            (FilesPanel::Log(l), Some(up)) => l.wheel(up),
            (FilesPanel::Notebook(n), Some(up)) => n.wheel(up),
        }
        if up.is_none() {
            self.focus = Focus::Panel(id.to_owned());
        }
        self.files_after(&k, requests, select);
        true
    }

    /// A paste into the focused file panel (notebook text, a search or filter prompt).
    pub(in crate::ui::app) fn files_paste(&mut self, text: &str) -> bool {
        let Focus::Panel(id) = self.focus.clone() else {
            return false;
        };
        let k: PanelKey = (self.ws.active_id().to_owned(), id.clone());
        let mut requests = Vec::new();
        let used = match self.files_panel_mut(&id) {
            Some(FilesPanel::Tree(t)) => t.paste(text),
            Some(FilesPanel::Viewer(v)) => v.paste(text),
            Some(FilesPanel::Log(l)) => l.paste(text),
            Some(FilesPanel::Notebook(n)) => match n.paste(text) {
                Some(NotebookAction::Save { text, now }) => {
                    requests.push(Request::Save { text, now });
                    true
                }
                Some(NotebookAction::None) => true,
                None => false,
            },
            Some(FilesPanel::Markdown(_)) | None => false,
        };
        if used {
            self.files_after(&k, requests, None);
        }
        used
    }

    /// Draw a file panel's inside; the cursor position when it has one.
    pub(in crate::ui::app) fn render_files_panel(
        &self,
        panel: &Panel,
        inner: Rect,
        focused: bool,
        buf: &mut Buffer,
    ) -> Option<Position> {
        let theme = &self.theme;
        let Some(PanelState::Files(fs)) = self.ws.panel_state(&panel.id) else {
            return None;
        };
        let Some(p) = fs.panel.as_ref() else {
            buf.set_stringn(
                inner.x + 1,
                inner.y,
                "starting…",
                usize::from(inner.width),
                theme.dim,
            );
            return None;
        };
        match p {
            FilesPanel::Tree(state) => FileTreeView {
                state,
                theme,
                focused,
                chosen: self.files.selected_file.as_deref(),
            }
            .render(inner, buf),
            FilesPanel::Viewer(state) => FileViewerView {
                state,
                theme,
                focused,
                project: self.files.runner.as_ref().map(FilesRunner::project),
            }
            .render(inner, buf),
            FilesPanel::Markdown(state) => {
                MarkdownView { state, theme }.render(inner, buf);
                None
            }
            FilesPanel::Notebook(state) => NotebookView {
                state,
                theme,
                focused,
            }
            .render(inner, buf),
            FilesPanel::Log(state) => LogTailView {
                state,
                theme,
                focused,
            }
            .render(inner, buf),
        }
    }
}

/// A relative prop path resolves against the project dir (never the process cwd); `~/`
/// against `$HOME`.
pub(crate) fn resolve(project: &Path, p: &str) -> PathBuf {
    if let Some(rest) = p.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    let path = Path::new(p);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        let joined = project.join(path);
        // `./src` and `src/` name the same tree.
        joined.components().collect()
    }
}

fn fresh(widget: &str, ident: &Ident) -> FilesPanel {
    match (widget, ident) {
        ("FileTree", Ident::Spec(FileSpec::Tree { root })) => {
            FilesPanel::Tree(FileTreeState::new(root.clone()))
        }
        ("FileViewer", Ident::Spec(FileSpec::Viewer { path })) => {
            FilesPanel::Viewer(FileViewerState::new(Some(path.clone())))
        }
        ("FileViewer", _) => FilesPanel::Viewer(FileViewerState::new(None)),
        ("Markdown", Ident::Text(t)) => FilesPanel::Markdown(MarkdownState::with_text(t.clone())),
        ("Markdown", Ident::Invalid(e)) => {
            let mut m = MarkdownState::default();
            m.set_source(Err(e.clone()));
            FilesPanel::Markdown(m)
        }
        ("Markdown", _) => FilesPanel::Markdown(MarkdownState::default()),
        ("Notebook", Ident::Spec(FileSpec::Notebook { name })) => {
            FilesPanel::Notebook(NotebookState::new(name.clone(), None))
        }
        ("Notebook", Ident::Invalid(e)) => {
            FilesPanel::Notebook(NotebookState::new(String::new(), Some(e.clone())))
        }
        ("LogTail", Ident::Spec(FileSpec::Log { lines, .. })) => {
            FilesPanel::Log(LogTailState::new(*lines))
        }
        (_, Ident::Invalid(e)) => {
            let mut l = LogTailState::new(1);
            l.apply(crate::ui::sources::log_tail::LogEvent::Failed(e.clone()));
            FilesPanel::Log(l)
        }
        _ => FilesPanel::Log(LogTailState::new(1)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

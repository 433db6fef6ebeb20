//! The file panels' IO (FileTree, FileViewer, Markdown, LogTail, Notebook): one worker thread
//! per visible panel, started and stopped by `FilesRunner::sync` as the layout changes. Workers
//! own their file handles and `notify` watchers and only post `AppEvent::Files`; the UI sends
//! them requests (list this dir, read these lines, search, save) and never waits for them.

use crate::ui::app_event::AppEvent;
use crate::ui::sources::file_reader::DocEvent;
use crate::ui::sources::file_tree::{GitMarks, TreeEntry};
use crate::ui::sources::fs_watch::Msg;
use crate::ui::sources::log_tail::LogEvent;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{Sender, channel};
use tokio::sync::mpsc::UnboundedSender;

/// One file panel: (app tab id, panel id).
pub(crate) type PanelKey = (String, String);

/// What a file panel's worker serves, from its props (paths already absolute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileSpec {
    /// A directory tree rooted here.
    Tree {
        /// The root directory.
        root: PathBuf,
    },
    /// One file, viewed lazily.
    Viewer {
        /// The file.
        path: PathBuf,
    },
    /// One markdown file, read whole.
    Markdown {
        /// The file.
        path: PathBuf,
    },
    /// The end of a file, followed.
    Log {
        /// The file.
        path: PathBuf,
        /// Lines kept.
        lines: usize,
    },
    /// A scratch buffer under `.patchfeld/scratch/`.
    Notebook {
        /// Its validated name.
        name: String,
    },
}

/// A request from the UI to a panel's worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Request {
    /// Tree: list this directory (and watch it).
    List(PathBuf),
    /// Tree: list every listed directory again and refresh git status.
    Refresh,
    /// Viewer: read and highlight lines `start..start + len` of document `version`.
    Window {
        /// First line.
        start: usize,
        /// How many.
        len: usize,
    },
    /// Viewer: find the lines containing this text (smart case).
    Search(String),
    /// Notebook: save this text (after a quiet moment, or at once when `now`).
    Save {
        /// The whole buffer.
        text: String,
        /// Skip the debounce (ctrl-s).
        now: bool,
    },
}

/// What a worker reports.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FilesEventKind {
    /// A directory's entries (sorted, ignored ones flagged).
    TreeListed {
        /// The directory.
        dir: PathBuf,
        /// Its entries.
        entries: Vec<TreeEntry>,
    },
    /// A directory could not be listed.
    TreeListFailed {
        /// The directory.
        dir: PathBuf,
        /// Why.
        error: String,
    },
    /// `git status` of the tree (absolute paths; empty outside a repository).
    GitStatus(GitMarks),
    /// The viewer's document.
    Doc(DocEvent),
    /// Markdown source read (or why not).
    Text(Result<String, String>),
    /// LogTail news.
    Log(LogEvent),
    /// Notebook text loaded (or why not).
    NotebookLoaded(Result<String, String>),
    /// Notebook saved (or why not).
    NotebookSaved(Result<(), String>),
    /// Watching failed; the panel still works without live updates.
    WatchFailed(String),
}

/// Posted by a worker as `AppEvent::Files`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FilesEvent {
    /// The panel.
    pub key: PanelKey,
    /// The worker generation (events of a replaced worker are stale).
    pub generation: u64,
    /// What happened.
    pub kind: FilesEventKind,
}

/// A worker's way back to the UI.
#[derive(Debug, Clone)]
pub(crate) struct Poster {
    post: UnboundedSender<AppEvent>,
    key: PanelKey,
    generation: u64,
}

impl Poster {
    /// Post; false when the UI is gone (the worker should end).
    pub(crate) fn send(&self, kind: FilesEventKind) -> bool {
        self.post
            .send(AppEvent::Files(Box::new(FilesEvent {
                key: self.key.clone(),
                generation: self.generation,
                kind,
            })))
            .is_ok()
    }
}

struct Worker {
    spec: FileSpec,
    generation: u64,
    tx: Sender<Msg<Request>>,
}

/// The file panels' workers, owned by the App (UI task). Needs no runtime: workers are
/// threads (blocking reads, `git`, syntect), so tests drive it without tokio too.
pub(crate) struct FilesRunner {
    post: UnboundedSender<AppEvent>,
    project: PathBuf,
    panels: HashMap<PanelKey, Worker>,
    next_generation: u64,
}

impl std::fmt::Debug for FilesRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilesRunner")
            .field("project", &self.project)
            .field("panels", &self.panels.len())
            .finish()
    }
}

impl FilesRunner {
    /// Serve file panels of the project at `project`, posting on `post`.
    pub(crate) fn new(post: UnboundedSender<AppEvent>, project: PathBuf) -> Self {
        Self {
            post,
            project,
            panels: HashMap::new(),
            next_generation: 1,
        }
    }

    /// The project directory (relative props resolve against it).
    pub(crate) fn project(&self) -> &std::path::Path {
        &self.project
    }

    /// Make the running set exactly `wanted`; returns the panels whose worker (re)started,
    /// with its generation.
    pub(crate) fn sync(&mut self, wanted: Vec<(PanelKey, FileSpec)>) -> Vec<(PanelKey, u64)> {
        let gone: Vec<PanelKey> = self
            .panels
            .iter()
            .filter(|(k, w)| !wanted.iter().any(|(wk, ws)| wk == *k && *ws == w.spec))
            .map(|(k, _)| k.clone())
            .collect();
        for k in gone {
            if let Some(w) = self.panels.remove(&k) {
                let _ = w.tx.send(Msg::Stop);
            }
        }
        let mut started = Vec::new();
        for (key, spec) in wanted {
            if self.panels.contains_key(&key) {
                continue;
            }
            let generation = self.next_generation;
            self.next_generation += 1;
            let (tx, rx) = channel();
            let poster = Poster {
                post: self.post.clone(),
                key: key.clone(),
                generation,
            };
            let project = self.project.clone();
            let spec2 = spec.clone();
            let wtx = tx.clone();
            let spawned = std::thread::Builder::new()
                .name("patchfeld-files".into())
                .spawn(move || run_worker(spec2, project, poster, rx, wtx));
            if let Err(e) = spawned {
                tracing::warn!("cannot start a file panel worker: {e}");
                continue;
            }
            self.panels.insert(
                key.clone(),
                Worker {
                    spec,
                    generation,
                    tx,
                },
            );
            started.push((key, generation));
        }
        started
    }

    /// Send a request to a panel's worker; false when it has none.
    pub(crate) fn request(&self, key: &PanelKey, req: Request) -> bool {
        self.panels
            .get(key)
            .is_some_and(|w| w.tx.send(Msg::Req(req)).is_ok())
    }

    /// The live generation of a panel's worker.
    pub(crate) fn generation(&self, key: &PanelKey) -> Option<u64> {
        self.panels.get(key).map(|w| w.generation)
    }
}

impl Drop for FilesRunner {
    fn drop(&mut self) {
        // Notebooks flush their last edit on Stop.
        for w in self.panels.values() {
            let _ = w.tx.send(Msg::Stop);
        }
    }
}

fn run_worker(
    spec: FileSpec,
    project: PathBuf,
    post: Poster,
    rx: std::sync::mpsc::Receiver<Msg<Request>>,
    tx: Sender<Msg<Request>>,
) {
    match spec {
        FileSpec::Tree { root } => crate::ui::sources::file_tree::run(root, post, rx, tx),
        FileSpec::Viewer { path } => {
            crate::ui::sources::file_reader::run_viewer(path, post, rx, tx)
        }
        FileSpec::Markdown { path } => {
            crate::ui::sources::file_reader::run_markdown(path, post, rx, tx);
        }
        FileSpec::Log { path, lines } => {
            crate::ui::sources::log_tail::run(path, lines, post, rx, tx);
        }
        FileSpec::Notebook { name } => {
            crate::ui::sources::scratch::run(project, name, post, rx);
        }
    }
}

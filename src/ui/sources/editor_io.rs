//! The FileEditor's IO: one worker thread per editor panel that reads the file, saves it
//! atomically on request, and watches its directory (raw `notify`, debounced here) to report
//! an external change: a disk content different from what it last read or wrote.

use crate::ui::app_event::AppEvent;
use crate::ui::sources::fs_watch::{Msg, settle, touches, watch_dir, watcher};
use crate::ui::sources::workspace_io::{PanelKey, WorkspaceEvent};
use std::path::PathBuf;
use std::sync::mpsc::{Sender, channel};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Larger files are refused (the editor keeps everything in memory).
pub(crate) const MAX_EDIT_BYTES: u64 = 8 << 20;
const QUIET: Duration = Duration::from_millis(100);
const MAX_SETTLE: Duration = Duration::from_secs(1);

/// What an editor's worker reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EditorEventKind {
    /// The file's text (a missing file loads as empty and is created on save), or why not.
    Loaded(Result<String, String>),
    /// Someone else changed the file: its new text (`None`: it was deleted).
    External(Option<String>),
    /// A save finished.
    Saved(Result<(), String>),
}

/// A request to the worker.
#[derive(Debug, Clone)]
pub(crate) enum EditorRequest {
    /// Write this text atomically.
    Save(String),
}

/// A running editor worker; dropping it stops the thread.
#[derive(Debug)]
pub(crate) struct EditorWorker {
    tx: Sender<Msg<EditorRequest>>,
}

fn read(path: &std::path::Path) -> Result<Option<String>, String> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_EDIT_BYTES => {
            return Err(format!("too large to edit ({} MiB)", m.len() >> 20));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Err("binary file".to_owned());
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| "not UTF-8 text".to_owned())
}

impl EditorWorker {
    /// Load `path`, then watch it.
    pub(crate) fn start(
        path: PathBuf,
        key: PanelKey,
        generation: u64,
        post: UnboundedSender<AppEvent>,
    ) -> Self {
        let (tx, rx) = channel::<Msg<EditorRequest>>();
        let wtx = tx.clone();
        let _ = std::thread::Builder::new()
            .name("file-editor".into())
            .spawn(move || {
                let send = |kind: EditorEventKind| {
                    post.send(AppEvent::Workspace(Box::new(WorkspaceEvent::Editor {
                        key: key.clone(),
                        generation,
                        kind,
                    })))
                    .is_ok()
                };
                let mut w = watcher::<EditorRequest>(wtx).ok();
                if let (Some(w), Some(dir)) = (w.as_mut(), path.parent()) {
                    let _ = watch_dir(w, dir);
                }
                let mut known: Option<String> = None;
                let load = |known: &mut Option<String>| match read(&path) {
                    Ok(t) => {
                        *known = t.clone();
                        EditorEventKind::Loaded(Ok(t.unwrap_or_default()))
                    }
                    Err(e) => EditorEventKind::Loaded(Err(e)),
                };
                if !send(load(&mut known)) {
                    return;
                }
                loop {
                    let (paths, reqs) = match rx.recv() {
                        Ok(Msg::Fs(p)) => {
                            let s = settle(&rx, p, QUIET, MAX_SETTLE);
                            if s.stop {
                                return;
                            }
                            (s.paths, s.requests)
                        }
                        Ok(Msg::Req(r)) => (Vec::new(), vec![r]),
                        Ok(Msg::Stop) | Err(_) => return,
                    };
                    for r in reqs {
                        let ev = match r {
                            EditorRequest::Save(text) => {
                                let res =
                                    crate::store::atomic::write_atomic(&path, text.as_bytes())
                                        .map_err(|e| e.to_string());
                                if res.is_ok() {
                                    known = Some(text);
                                }
                                EditorEventKind::Saved(res)
                            }
                        };
                        if !send(ev) {
                            return;
                        }
                    }
                    if touches(&paths, &path) {
                        let now = read(&path).ok().flatten();
                        if now != known {
                            known = now.clone();
                            if !send(EditorEventKind::External(now)) {
                                return;
                            }
                        }
                    }
                }
            });
        Self { tx }
    }

    /// Ask the worker.
    pub(crate) fn request(&self, r: EditorRequest) {
        let _ = self.tx.send(Msg::Req(r));
    }
}

impl Drop for EditorWorker {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::Stop);
    }
}

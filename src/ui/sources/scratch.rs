//! The Notebook worker: loads a scratch buffer when its panel is shown and autosaves it
//! through the store (atomic replace) once typing pauses; the last edit is flushed when the
//! panel goes away or the app quits.

use crate::store::ProjectPaths;
use crate::store::scratch::{load_scratch, save_scratch};
use crate::ui::sources::files::{FilesEventKind, Poster, Request};
use crate::ui::sources::fs_watch::Msg;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// Typing pause before an autosave.
pub(crate) const AUTOSAVE: Duration = Duration::from_millis(500);

/// The worker.
pub(crate) fn run(project: PathBuf, name: String, post: Poster, rx: Receiver<Msg<Request>>) {
    let paths = ProjectPaths::new(&project);
    let loaded = load_scratch(&paths, &name).map_err(|e| e.to_string());
    if !post.send(FilesEventKind::NotebookLoaded(loaded)) {
        return;
    }
    let save = |text: &str| {
        let r = save_scratch(&paths, &name, text).map_err(|e| e.to_string());
        if let Err(e) = &r {
            tracing::warn!("notebook {name} not saved: {e}");
        }
        post.send(FilesEventKind::NotebookSaved(r));
    };
    let mut pending: Option<String> = None;
    loop {
        let msg = if pending.is_some() {
            match rx.recv_timeout(AUTOSAVE) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(t) = pending.take() {
                        save(&t);
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => Msg::Stop,
            }
        } else {
            match rx.recv() {
                Ok(m) => m,
                Err(_) => Msg::Stop,
            }
        };
        match msg {
            Msg::Req(Request::Save { text, now }) => {
                if now {
                    pending = None;
                    save(&text);
                } else {
                    pending = Some(text);
                }
            }
            Msg::Req(_) | Msg::Fs(_) => {}
            Msg::Stop => {
                if let Some(t) = pending.take() {
                    save(&t);
                }
                return;
            }
        }
    }
}

//! File-system watching for the file panels' worker threads: a raw `notify` watcher that
//! forwards changed paths into the worker's own channel, and a debounce that waits on that
//! channel. We do not use notify-debouncer-full here: its tick thread wakes every few tens of
//! milliseconds forever, and an idle workspace must cost no wakeups; blocking on the channel
//! and only timing out while events are still arriving gives the same debounce for free.

use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// What a file panel's worker thread receives.
#[derive(Debug)]
pub(crate) enum Msg<R> {
    /// These paths changed (content, creation, removal, rename).
    Fs(Vec<PathBuf>),
    /// A request from the UI.
    Req(R),
    /// The panel went away: finish (flush) and end.
    Stop,
}

/// A watcher that posts `Msg::Fs` on `tx`. Reads (access events) and metadata-only changes
/// are dropped, otherwise our own reads of a watched file would wake us in a loop.
pub(crate) fn watcher<R: Send + 'static>(tx: Sender<Msg<R>>) -> Result<RecommendedWatcher, String> {
    notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(ev) = res else { return };
        match ev.kind {
            EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_)) => {}
            _ => {
                let _ = tx.send(Msg::Fs(ev.paths));
            }
        }
    })
    .map_err(|e| format!("cannot watch files: {e}"))
}

/// Watch one directory (its direct entries only).
pub(crate) fn watch_dir(w: &mut RecommendedWatcher, dir: &Path) -> Result<(), String> {
    w.watch(dir, RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", dir.display()))
}

/// Stop watching a directory (it was collapsed away or removed).
pub(crate) fn unwatch_dir(w: &mut RecommendedWatcher, dir: &Path) {
    let _ = w.unwatch(dir);
}

/// What arrived while a burst of file events settled.
#[derive(Debug)]
pub(crate) struct Settled<R> {
    /// Every changed path of the burst.
    pub paths: Vec<PathBuf>,
    /// Requests that arrived meanwhile, in order.
    pub requests: Vec<R>,
    /// `Stop` arrived or the UI is gone.
    pub stop: bool,
}

/// After a first event with `first` paths: keep collecting until nothing arrived for `quiet`
/// (at most `max` in all, so a file written continuously still refreshes).
pub(crate) fn settle<R>(
    rx: &Receiver<Msg<R>>,
    first: Vec<PathBuf>,
    quiet: Duration,
    max: Duration,
) -> Settled<R> {
    let mut out = Settled {
        paths: first,
        requests: Vec::new(),
        stop: false,
    };
    let end = Instant::now() + max;
    loop {
        let wait = quiet.min(end.saturating_duration_since(Instant::now()));
        if wait.is_zero() {
            return out;
        }
        match rx.recv_timeout(wait) {
            Ok(Msg::Fs(p)) => out.paths.extend(p),
            Ok(Msg::Req(r)) => out.requests.push(r),
            Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => {
                out.stop = true;
                return out;
            }
            Err(RecvTimeoutError::Timeout) => return out,
        }
    }
}

/// Whether `changed` is `target` (compared by file name within the same parent, so an
/// editor's write-to-temp-then-rename shows up as a change of the target).
pub(crate) fn touches(changed: &[PathBuf], target: &Path) -> bool {
    changed.iter().any(|p| {
        p == target || (p.parent() == target.parent() && p.file_name() == target.file_name())
    })
}

//! Where a transcript view's entries live: in memory (the orchestrator chat, entries not yet
//! known to be in the file) or only as a byte offset into the agent's transcript file, read
//! back when a block is wrapped, searched or copied. An AgentTranscript panel bound to a
//! 50 000-line transcript holds 16 bytes an entry, plus the streamed entries it has not drawn
//! yet or whose line the engine has not flushed yet (it flushes once per batch) — issue 11:
//! "only what's visible plus an index".
//!
//! Reading is synchronous: only the blocks being drawn (a screenful) are read, from the page
//! cache, through one open file with its buffer, so the cost is that of parsing them; a load or
//! a width change reads the file once in order. An asynchronous fetch would draw blank rows
//! while scrolling.

use crate::core::transcript::{NoticeLevel, TranscriptEntry, TranscriptItem};
use crate::store::transcript_index::{TranscriptIndex, TranscriptReader};
use std::borrow::Cow;
use std::cell::RefCell;

/// One entry: kept, or to be read back from the file.
#[derive(Debug)]
enum Loc {
    Mem(Box<TranscriptEntry>),
    File(u64),
}

/// Streamed entries wait in memory until the view wrapped them (`settle` after `prepare`:
/// reading back what is about to be drawn would parse it twice); a view that is not drawn
/// (a hidden tab) lets go of them in batches this large.
pub(super) const SETTLE_UNDRAWN: usize = 4096;

#[derive(Debug)]
struct FileSource {
    reader: RefCell<TranscriptReader>,
    /// (entry, offset of its line) of in-memory entries that will be in the file, in order.
    pending: Vec<(usize, u64)>,
    /// Settle without being drawn when `pending` is this long.
    settle_at: usize,
}

/// The entries of one view, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Entries {
    locs: Vec<Loc>,
    file: Option<FileSource>,
}

impl Entries {
    /// Entries of the file `index` describes (none read yet: see [`Self::push_indexed`]).
    pub(crate) fn for_file(index: &TranscriptIndex) -> Self {
        Self {
            locs: Vec::with_capacity(index.offsets.len()),
            file: Some(FileSource {
                reader: RefCell::new(TranscriptReader::new(index.path.clone())),
                pending: Vec::new(),
                settle_at: SETTLE_UNDRAWN,
            }),
        }
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.locs.len()
    }

    /// Read the entry at `offset` of the file (for a caller building the view from an index);
    /// `None` without a file.
    pub(crate) fn read_file(&self, offset: u64) -> Option<TranscriptEntry> {
        let file = self.file.as_ref()?;
        Some(unreadable_as_notice(
            file.reader.borrow_mut().read_at(offset),
        ))
    }

    /// Add an entry known to be in the file at `offset`.
    pub(crate) fn push_indexed(&mut self, offset: u64) -> usize {
        self.locs.push(Loc::File(offset));
        self.locs.len() - 1
    }

    /// Add a streamed entry; `at` is where its line starts in the file (when there is one), so
    /// it can be dropped from memory once the file holds it.
    pub(crate) fn push(&mut self, entry: TranscriptEntry, at: Option<u64>) -> usize {
        let i = self.locs.len();
        self.locs.push(Loc::Mem(Box::new(entry)));
        if let (Some(file), Some(at)) = (self.file.as_mut(), at) {
            file.pending.push((i, at));
            if file.pending.len() >= file.settle_at {
                self.settle();
            }
        }
        i
    }

    /// Drop the pending entries whose line is complete in the file: a line is complete when
    /// the next pending line starts within the file's length.
    pub(crate) fn settle(&mut self) {
        let Some(file) = self.file.as_mut().filter(|f| f.pending.len() > 1) else {
            return;
        };
        let len = std::fs::metadata(file.reader.borrow().path()).map_or(0, |m| m.len());
        let done = file
            .pending
            .windows(2)
            .take_while(|w| w[1].1 <= len)
            .count();
        for &(i, at) in &file.pending[..done] {
            self.locs[i] = Loc::File(at);
        }
        file.pending.drain(..done);
        // Not flushed yet (the engine flushes once per batch): look again after more lines.
        file.settle_at = file.pending.len() + SETTLE_UNDRAWN;
    }

    /// Entry `i` (read from the file if it is not kept; an unreadable one reads as a notice
    /// saying why).
    pub(crate) fn get(&self, i: usize) -> Cow<'_, TranscriptEntry> {
        match &self.locs[i] {
            Loc::Mem(e) => Cow::Borrowed(e),
            Loc::File(at) => Cow::Owned(unreadable_as_notice(match &self.file {
                Some(file) => file.reader.borrow_mut().read_at(*at),
                None => Err("no transcript file".to_owned()),
            })),
        }
    }

    /// Entries kept in memory (tests check the window).
    #[cfg(test)]
    pub(crate) fn in_memory(&self) -> usize {
        self.locs
            .iter()
            .filter(|l| matches!(l, Loc::Mem(_)))
            .count()
    }
}

fn unreadable_as_notice(r: Result<TranscriptEntry, String>) -> TranscriptEntry {
    r.unwrap_or_else(|e| TranscriptEntry {
        ts: 0.0,
        item: TranscriptItem::Notice {
            level: NoticeLevel::Error,
            text: format!("transcript line unreadable: {e}"),
        },
    })
}

//! IO producers that only post `AppEvent`s (architecture §1): nothing in here touches UI state.

pub(crate) mod command;
pub(crate) mod editor_io;
pub(crate) mod file_reader;
pub(crate) mod file_tree;
pub(crate) mod files;
pub(crate) mod fs_watch;
pub(crate) mod git;
pub(crate) mod log_tail;
pub(crate) mod pty;
pub(crate) mod scratch;
pub(crate) mod sysinfo;
pub(crate) mod workspace_io;

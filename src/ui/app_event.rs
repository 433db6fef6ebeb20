//! The one event type the UI loop consumes; every producer posts one of these.

use crate::engine::EngineEvent;

/// Everything that can change UI state. `App::handle` is the only consumer.
#[derive(Debug, Clone)]
pub(crate) enum AppEvent {
    /// A terminal event (key, paste, mouse, resize, focus) from crossterm's `EventStream`,
    /// or from the test's scripted stream.
    Input(crossterm::event::Event),
    /// A fact from the engine (agent updates, transcript entries, permission requests…),
    /// received on the engine's event channel (boxed: agent snapshots are large).
    Engine(Box<EngineEvent>),
    /// SIGTERM or SIGHUP arrived (posted by the signal task in `ui::run`), or the input
    /// stream ended: leave the loop so the engine can stop every child.
    Quit,
    /// The clock moved on by a second; posted by the loop only while something on screen
    /// shows a running time or a toast is waiting to expire (never when idle).
    Tick,
    /// The engine's answer to a Permissions-screen dry run (posted by the task that asked).
    DryRunResult {
        /// The call as typed.
        call: String,
        /// Which rule decides it and why.
        result: String,
    },
    /// An engine command the UI sent failed (posted by the task that awaited its reply);
    /// shown as a toast and an activity line.
    CommandFailed {
        /// What was attempted (`send to orchestrator`, `allow Bash`…).
        what: String,
        /// The engine's error text.
        error: String,
    },
    /// A chat-side engine command (slash command, interrupt, history append) finished
    /// (posted by the task in `slash_glue::execute` that ran it).
    Slash(crate::ui::app::slash_glue::SlashEvent),
    /// A `Command` panel's run started or finished, or its file watch failed (posted by the
    /// panel's task in `ui::sources::command`).
    Command(Box<crate::ui::sources::command::CommandEvent>),
    /// A file panel's worker reported: a directory listing, git status, a file window,
    /// new log lines, a notebook load or save (posted by `ui::sources::files` workers).
    Files(Box<crate::ui::sources::files::FilesEvent>),
    /// A History transcript preview was read (posted by the blocking task that read it).
    Panels(crate::ui::app::table_glue::PanelEvent),
    /// A Terminal, SystemUsage, DiffViewer or FileEditor source reported (posted by the
    /// threads and tasks in `ui::sources::{pty, sysinfo, git, editor_io}`).
    Workspace(Box<crate::ui::sources::workspace_io::WorkspaceEvent>),
    /// A project switch was answered by the engine, or a directory listing for the cwd
    /// prompt was read (posted by the tasks in `cwd_glue::execute`).
    Cwd(crate::ui::app::cwd_glue::CwdEvent),
    /// The engine answered a spawn from the "New agent" dialog (posted by the task in
    /// `spawn_glue::execute` that awaited it).
    Spawn(crate::ui::app::spawn_glue::SpawnEvent),
    /// What a worktree merge / discard would lose, or the engine's answer to one (posted by
    /// the tasks in `finish_glue::execute`).
    Finish(crate::ui::app::finish_glue::FinishEvent),
    /// An agent's transcript file was indexed and a view built from it for the panels
    /// showing it (`None`: it could not be; the failure was posted as `CommandFailed`).
    /// Posted by `transcript_glue::execute`.
    TranscriptIndexed {
        /// The `TranscriptIntent::Load` request it answers.
        request: u64,
        /// Where its entries are, and the view built from them.
        loaded: Option<Box<crate::ui::app::transcript_glue::LoadedTranscript>>,
    },
}

//! The one event type the workspace widgets' sources post (Terminal, SystemUsage,
//! DiffViewer, FileEditor), wrapped in `AppEvent::Workspace`.

use crate::ui::sources::editor_io::EditorEventKind;
use crate::ui::sources::git::DiffLoaded;
use crate::ui::sources::sysinfo::UsageSample;

/// One panel: (app tab id, panel id).
pub(crate) type PanelKey = (String, String);

/// What a workspace widget's source reports.
#[derive(Debug, Clone)]
pub(crate) enum WorkspaceEvent {
    /// New output was parsed into a Terminal's screen (at most one pending per session).
    PtyOutput {
        /// The panel.
        key: PanelKey,
        /// The session (a restarted terminal ignores its predecessor's news).
        session: u64,
    },
    /// A Terminal's child exited with this code (`None`: killed by a signal).
    PtyExited {
        /// The panel.
        key: PanelKey,
        /// The session.
        session: u64,
        /// Exit code.
        code: Option<u32>,
    },
    /// A machine / per-agent usage sample (once a second while a SystemUsage is visible).
    Usage(Box<UsageSample>),
    /// A DiffViewer's diff text was (re)computed.
    Diff {
        /// The panel.
        key: PanelKey,
        /// Source generation.
        generation: u64,
        /// The diff, or why not.
        result: DiffLoaded,
    },
    /// A worktree agent's review diff (one view, with the branch's commits) was loaded.
    Review {
        /// The panel.
        key: PanelKey,
        /// Source generation.
        generation: u64,
        /// The diff, or why not.
        result: Result<Box<crate::core::review::ReviewDiff>, String>,
    },
    /// A FileEditor's worker reported.
    Editor {
        /// The panel.
        key: PanelKey,
        /// Worker generation.
        generation: u64,
        /// What happened.
        kind: EditorEventKind,
    },
}

//! Widgets: per-widget state plus a borrowed `*View` built each frame (no IO in here).

pub(crate) mod activity_feed;
pub(crate) mod agent_table;
pub(crate) mod agent_transcript;
pub(crate) mod command;
pub(crate) mod command_bar;
pub(crate) mod completion_popup;
pub(crate) mod diff_viewer;
pub(crate) mod file_editor;
pub(crate) mod file_tree;
pub(crate) mod file_viewer;
pub(crate) mod help;
pub(crate) mod history_screen;
pub(crate) mod input;
pub(crate) mod log_tail;
pub(crate) mod markdown_view;
pub(crate) mod notebook;
pub(crate) mod orchestrator_chat;
pub(crate) mod permission_prompt;
pub(crate) mod permissions_screen;
pub(crate) mod session_picker;
pub(crate) mod status_bar;
pub(crate) mod system_usage;
pub(crate) mod terminal;
pub(crate) mod theme_switcher;
pub(crate) mod transcript_view;
pub(crate) mod worktree_badge;

//! Domain model and pure state machines: no tokio, no ratatui, no filesystem.

pub mod agent;
pub mod event;
pub mod ids;
pub mod layout;
pub mod permission;
pub mod review;
pub mod shell;
pub mod theme;
pub mod time;
pub mod tool;
pub mod transcript;
pub mod widget;
pub mod worktree;

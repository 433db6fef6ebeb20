//! Widgets: per-widget state plus a borrowed `*View` built each frame (no IO in here).

pub(crate) mod activity_feed;
pub(crate) mod agent_table;
pub(crate) mod command_bar;
pub(crate) mod help;
pub(crate) mod input;
pub(crate) mod orchestrator_chat;
pub(crate) mod permission_prompt;
pub(crate) mod permissions_screen;
pub(crate) mod status_bar;

//! The terminal UI: event loop, app state, widgets, rendering.

pub(crate) mod action;
pub(crate) mod app;
pub(crate) mod app_event;
#[doc(hidden)]
pub mod bench;
#[doc(hidden)]
pub mod bench_files;
#[doc(hidden)]
pub mod bench_history;
#[doc(hidden)]
pub mod bench_transcript;
pub(crate) mod event_loop;
pub(crate) mod fuzzy;
pub(crate) mod keymap;
pub(crate) mod layout;
pub(crate) mod notify;
pub(crate) mod render;
pub(crate) mod slash;
pub(crate) mod sources;
pub(crate) mod terminal;
pub(crate) mod widgets;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_resize;

use crate::engine::{EngineEvent, EngineHandle};
use anyhow::Context as _;
use app::{App, AppInit};
use app_event::AppEvent;
use event_loop::{LoopIo, run_loop};
use std::path::PathBuf;
use tokio::sync::mpsc;

/// Everything the UI needs from `main`: the engine, what is known at boot, and the layout.
pub struct UiBoot {
    /// Sends commands (spawn/send/interrupt/decide…).
    pub engine: EngineHandle,
    /// The engine's events.
    pub events: mpsc::UnboundedReceiver<EngineEvent>,
    /// Agents known at boot (history plus the orchestrator).
    pub agents: Vec<crate::core::agent::AgentRecord>,
    /// The workspace; its active tab is shown.
    pub workspace: crate::core::layout::Workspace,
    /// Startup warnings (e.g. a corrupt file moved aside), shown as toasts and in the feed.
    pub notices: Vec<String>,
    /// The project directory.
    pub cwd: PathBuf,
    /// Permission prompts are bypassed (shown as a badge).
    pub bypass: bool,
    /// The config dir (named layouts); the workspace is saved under `cwd`.
    pub global: crate::store::GlobalPaths,
    /// The activity feed of earlier runs (`activity.jsonl`), oldest first.
    pub activity: Vec<crate::store::activity::ActivityRecord>,
}

/// Orchestrator tools the UI implements (layouts, themes, config…), answered in
/// `App::ui_call`. Each issue that adds UI tools registers them here.
pub fn tools() -> Vec<crate::core::tool::ToolDef> {
    let mut defs = layout::tools::defs();
    defs.extend(app::theme_glue::tool_defs());
    defs.extend(app::config_glue::tool_defs());
    defs.extend(app::keymap_glue::tool_defs());
    defs
}

/// Run the full-screen TUI until the user quits (or SIGTERM/SIGHUP arrives), then shut the
/// engine down. The terminal is restored on every path.
pub async fn run(boot: UiBoot) -> anyhow::Result<()> {
    let UiBoot {
        engine,
        events,
        agents,
        workspace,
        notices,
        cwd,
        bypass,
        global,
        activity,
    } = boot;
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let theme_global = global.clone();
    let mut app = App::new(AppInit {
        agents,
        workspace,
        notices,
        cwd_display: render::format::tilde(&cwd, home.as_deref()),
        bypass,
        now: crate::core::time::now(),
        tz: jiff::tz::TimeZone::system(),
    });
    app.set_layout_store(layout::workspace_state::LayoutStore {
        project: crate::store::ProjectPaths::new(&cwd),
        global,
    });
    app::theme_glue::boot(&mut app, &theme_global);
    app::keymap_glue::boot(&mut app, &theme_global);
    app.set_chat_history(app::slash_glue::load_chat_history(&cwd));
    let activity_log = app::table_glue::start_activity_log(&mut app, &cwd, activity);
    let (post_tx, posts) = mpsc::unbounded_channel();
    app::slash_glue::boot(&engine, &post_tx);
    app.set_command_runner(post_tx.clone(), cwd.clone());
    app.set_files_runner(post_tx.clone(), cwd.clone());
    app.set_workspace_runner(post_tx.clone(), cwd.clone(), Some(engine.clone()));
    app.set_cwd_runner(post_tx.clone(), engine.clone(), cwd.clone());
    let signals = spawn_signal_task(post_tx.clone());
    let mut stopping = None;
    let result = async {
        let mut guard =
            terminal::TerminalGuard::enter().context("could not set up the terminal")?;
        let io = LoopIo {
            input: terminal::TtyInput::new(),
            engine_events: events,
            posts,
            post_tx,
        };
        let r = run_loop(guard.terminal(), &mut app, &engine, io).await;
        // Children start stopping now, while the terminal is restored and the UI state is
        // freed (quit < 100 ms with agents running, issue 11).
        let e = engine.clone();
        stopping = Some(tokio::spawn(async move { e.shutdown().await }));
        r
    }
    .await;
    if let Some(task) = signals {
        task.abort();
    }
    drop(app);
    if let Some(log) = activity_log {
        log.close();
    }
    let stopped = match stopping {
        Some(task) => task.await.is_ok(),
        None => false,
    };
    if !stopped {
        engine.shutdown().await;
    }
    result
}

/// Turn SIGTERM / SIGHUP into `AppEvent::Quit`, so the normal shutdown path runs.
fn spawn_signal_task(tx: mpsc::UnboundedSender<AppEvent>) -> Option<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot watch SIGTERM: {e}");
            return None;
        }
    };
    let mut hup = match signal(SignalKind::hangup()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot watch SIGHUP: {e}");
            return None;
        }
    };
    Some(tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: quitting"),
            _ = hup.recv() => tracing::info!("SIGHUP: quitting"),
        }
        let _ = tx.send(AppEvent::Quit);
    }))
}

//! The UI loop: one `select!` over input, engine events and posted app events; drain what is
//! queued, then draw at most once per frame and only when something changed.

use crate::core::time;
use crate::engine::{EngineEvent, EngineHandle};
use crate::ui::app::{App, Intent};
use crate::ui::app_event::AppEvent;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::task::Poll;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::Instant;

mod bench_stats;

/// Shortest time between two frames: streamed tokens never cost a frame each.
const FRAME: Duration = Duration::from_millis(16);
/// Period of the clock tick (only while `App::needs_tick`).
const TICK: Duration = Duration::from_secs(1);
/// Input events taken in one drain before drawing (a huge paste must not starve the screen).
const MAX_DRAIN: usize = 512;
/// Engine events taken in one drain: a flood of transcript lines must not starve frames and
/// keys (issue 11: 20 agents × 50 000 lines still draw and answer keys).
const MAX_ENGINE_DRAIN: usize = 2048;

/// The loop's sources.
pub(crate) struct LoopIo<S> {
    /// Terminal input (crossterm's `EventStream`, or a scripted stream in tests).
    pub input: S,
    /// The engine's events.
    pub engine_events: UnboundedReceiver<EngineEvent>,
    /// Events posted by helper tasks (signals, failed commands).
    pub posts: UnboundedReceiver<AppEvent>,
    /// Sender for `posts`, cloned into the tasks that execute intents.
    pub post_tx: UnboundedSender<AppEvent>,
}

/// Run until the app asks to quit. Engine commands are posted from spawned tasks; the UI
/// task never awaits the engine.
pub(crate) async fn run_loop<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    engine: &EngineHandle,
    mut io: LoopIo<S>,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = std::io::Result<crossterm::event::Event>> + Unpin,
{
    let mut engine_open = true;
    let mut last_draw: Option<Instant> = None;
    let mut next_tick: Option<Instant> = None;
    let mut pending_draw = false;
    // A key was handled since the last pass: its echo skips the frame throttle, so typing
    // while agents stream is not delayed by up to a frame (issue 11: key → screen < 20 ms).
    let mut key_seen = false;
    // `PATCHFELD_BENCH_STATS=<file>`: per-frame timings for scripts/bench, written on quit.
    let mut stats = bench_stats::BenchStats::from_env();
    loop {
        if app.should_quit() {
            if let Some(s) = &stats {
                s.write();
            }
            return Ok(());
        }
        // Draw now, or schedule the draw for the end of the current frame.
        pending_draw |= app.take_dirty();
        let urgent = std::mem::take(&mut key_seen);
        let mut draw_at = None;
        if pending_draw {
            let now = Instant::now();
            match last_draw {
                Some(t) if !urgent && now.duration_since(t) < FRAME => draw_at = Some(t + FRAME),
                _ => {
                    app.set_now(time::now());
                    let started = (std::time::SystemTime::now(), Instant::now());
                    terminal.draw(|f| app.render(f))?;
                    if let Some(s) = &mut stats {
                        s.frame(started.0, started.1.elapsed());
                    }
                    if app.take_bell() {
                        crate::ui::app::permissions_glue::ring_bell();
                    }
                    for (kind, text) in app.take_notifications() {
                        crate::ui::notify::notify(kind, &text);
                    }
                    last_draw = Some(now);
                    pending_draw = false;
                }
            }
        }
        if app.needs_tick() {
            next_tick.get_or_insert_with(|| Instant::now() + TICK);
        } else {
            next_tick = None;
        }
        // Biased: signals and failures first, then engine facts, then keys — so a key
        // pressed in answer to something (a permission prompt) is handled after it.
        let first = tokio::select! {
            biased;
            ev = io.posts.recv() => ev,
            ev = io.engine_events.recv(), if engine_open => match ev {
                Some(ev) => Some(AppEvent::Engine(Box::new(ev))),
                None => {
                    tracing::warn!("engine event channel closed");
                    engine_open = false;
                    None
                }
            },
            ev = io.input.next() => match ev {
                Some(Ok(ev)) => Some(AppEvent::Input(ev)),
                Some(Err(e)) => {
                    tracing::error!("terminal input failed: {e}");
                    Some(AppEvent::Quit)
                }
                None => Some(AppEvent::Quit),
            },
            () = sleep_until(draw_at), if draw_at.is_some() => None,
            () = sleep_until(next_tick), if next_tick.is_some() => {
                next_tick = None;
                Some(AppEvent::Tick)
            }
        };
        let mut external = Vec::new();
        if let Some(ev) = first {
            key_seen |= is_key(&ev);
            if let Some(s) = &mut stats {
                s.event(&ev);
            }
            external.extend(dispatch(app, engine, &io.post_tx, ev));
        }
        // Drain whatever else is already queued, so a burst costs one frame.
        while let Ok(ev) = io.posts.try_recv() {
            external.extend(dispatch(app, engine, &io.post_tx, ev));
        }
        for _ in 0..MAX_ENGINE_DRAIN {
            let Ok(ev) = io.engine_events.try_recv() else {
                break;
            };
            let ev = AppEvent::Engine(Box::new(ev));
            if let Some(s) = &mut stats {
                s.event(&ev);
            }
            external.extend(dispatch(app, engine, &io.post_tx, ev));
        }
        for ev in drain_ready(&mut io.input).await {
            key_seen |= is_key(&ev);
            external.extend(dispatch(app, engine, &io.post_tx, ev));
        }
        sync_sources(app);
        // `$EDITOR` owns the terminal until it exits; events queue meanwhile.
        for job in external {
            crate::ui::app::workspace_widgets_glue::external_edit::run_external(terminal, app, job)
                .await?;
            pending_draw = true;
            last_draw = None;
        }
    }
}

/// Take the input events that are ready now, polling with this task's own waker.
/// (Never poll crossterm's `EventStream` with a no-op waker such as `now_or_never`: it keeps
/// the first waker it sees while its reader thread waits, and would never wake us again.)
async fn drain_ready<S>(input: &mut S) -> Vec<AppEvent>
where
    S: Stream<Item = std::io::Result<crossterm::event::Event>> + Unpin,
{
    std::future::poll_fn(|cx| {
        let mut out = Vec::new();
        while out.len() < MAX_DRAIN {
            match input.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(ev))) => out.push(AppEvent::Input(ev)),
                Poll::Ready(Some(Err(e))) => {
                    tracing::error!("terminal input failed: {e}");
                    out.push(AppEvent::Quit);
                    break;
                }
                Poll::Ready(None) => {
                    out.push(AppEvent::Quit);
                    break;
                }
                Poll::Pending => break,
            }
        }
        Poll::Ready(out)
    })
    .await
}

fn is_key(ev: &AppEvent) -> bool {
    matches!(ev, AppEvent::Input(crossterm::event::Event::Key(_)))
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}

/// Handle one event; returns the external-editor runs, which need the terminal itself.
fn dispatch(
    app: &mut App,
    engine: &EngineHandle,
    posts: &UnboundedSender<AppEvent>,
    ev: AppEvent,
) -> Vec<crate::ui::app::workspace_widgets_glue::external_edit::ExternalEdit> {
    app.set_now(time::now());
    // A streamed transcript line changes no layout: its syncs wait for the end of the batch
    // (`sync_sources`), so a flood of lines does not walk the layout once per line.
    let streamed =
        matches!(&ev, AppEvent::Engine(e) if matches!(**e, EngineEvent::Transcript { .. }));
    let mut external = Vec::new();
    for intent in app.handle(ev) {
        match intent {
            Intent::ExternalEdit(job) => external.push(job),
            other => execute(engine, posts, other),
        }
    }
    if streamed {
        engine.transcript_taken();
    } else {
        sync_sources(app);
    }
    external
}

/// Command panels, file watchers and workspace widgets follow the layout (started when shown,
/// stopped when gone).
fn sync_sources(app: &mut App) {
    app.sync_command_sources();
    app.sync_file_sources();
    app.sync_workspace_widgets();
}

/// Post an intent to the engine from a task; failures come back as `CommandFailed`.
fn execute(engine: &EngineHandle, posts: &UnboundedSender<AppEvent>, intent: Intent) {
    let engine = engine.clone();
    let posts = posts.clone();
    match intent {
        // Run by the loop itself (`dispatch` takes them out).
        Intent::Quit | Intent::ExternalEdit(_) => {}
        Intent::Permissions(p) => crate::ui::app::permissions_glue::execute(engine, posts, p),
        Intent::Slash(s) => crate::ui::app::slash_glue::execute(engine, posts, s),
        Intent::Transcript(t) => crate::ui::app::transcript_glue::execute(engine, posts, t),
        Intent::Panels(p) => crate::ui::app::table_glue::execute(engine, posts, p),
        Intent::Cwd(c) => crate::ui::app::cwd_glue::execute(engine, posts, c),
        Intent::Spawn(s) => crate::ui::app::spawn_glue::execute(engine, posts, s),
        Intent::Finish(f) => crate::ui::app::finish_glue::execute(engine, posts, f),
        Intent::UiReply { call_id, result } => engine.ui_reply(call_id, result),
        Intent::Send { agent, text } => {
            tokio::spawn(async move {
                if let Err(e) = engine.send(&agent, text).await {
                    tracing::warn!("send to {agent} failed: {e}");
                    let _ = posts.send(AppEvent::CommandFailed {
                        what: format!("message to {agent}"),
                        error: e.to_string(),
                    });
                }
            });
        }
        Intent::Decide {
            agent_id,
            request_id,
            decision,
            label,
        } => {
            tokio::spawn(async move {
                if let Err(e) = engine.decide(agent_id, request_id, decision).await {
                    tracing::warn!("{label} failed: {e}");
                    let _ = posts.send(AppEvent::CommandFailed {
                        what: label,
                        error: e.to_string(),
                    });
                }
            });
        }
    }
}

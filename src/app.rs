//! Boot and shutdown: resolve the project and config dirs, start logging, load and reconcile
//! state, start the engine (real Claude Code or the demo's scripted agents), run the UI.

use crate::cli::Cli;
use crate::core::time::now;
use crate::engine::{self, ClaudeCommand, EngineConfig};
use crate::store::agents::{load_agents, reconcile_on_boot, save_agents};
use crate::store::paths::{GlobalPaths, ProjectPaths};
use crate::store::workspace::load_or_seed_workspace;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// What the demo says to the orchestrator first.
pub const DEMO_PROMPT: &str = "Show me a patchfeld demo";

/// Print an error for the user (outside the TUI: before it starts or after it ended).
#[allow(clippy::print_stderr)]
pub fn report_error(e: &anyhow::Error) {
    eprintln!("patchfeld: {e:#}");
}

/// Resolve `dir` to an existing absolute directory, with a precise error otherwise.
pub fn project_dir(dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    let dir = dir.unwrap_or_else(|| Path::new("."));
    let abs = std::fs::canonicalize(dir)
        .with_context(|| format!("cannot open project directory {}", dir.display()))?;
    anyhow::ensure!(abs.is_dir(), "{} is not a directory", abs.display());
    Ok(abs)
}

/// Run the TUI until the user quits.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let cwd = project_dir(cli.dir.as_deref())?;
    let global = GlobalPaths::resolve(cli.config_dir.as_deref()).context("config directory")?;
    let _log_guard = start_logging(&global);
    tracing::info!(cwd = %cwd.display(), demo = cli.demo, "patchfeld starting");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run_async(cli, cwd, global))
}

async fn run_async(cli: Cli, cwd: PathBuf, global: GlobalPaths) -> anyhow::Result<()> {
    let paths = ProjectPaths::new(&cwd);
    let (config, mut notices) = crate::store::config::load_config(&global);
    crate::ui::notify::configure(&config);
    let (workspace, workspace_notices) = load_or_seed_workspace(&paths);
    notices.extend(workspace_notices);
    let (mut agents, agent_notices) = load_agents(&paths);
    notices.extend(agent_notices);
    let (activity, activity_notices) = crate::store::activity::load_activity(&paths);
    notices.extend(activity_notices);
    if reconcile_on_boot(&mut agents, now())
        && let Err(e) = save_agents(&paths, &agents)
    {
        notices.push(format!(
            "could not update {}: {e}",
            paths.agents().display()
        ));
    }

    let claude = if cli.demo {
        demo_command(&global)?
    } else {
        // Flag or env first, then the config file.
        ClaudeCommand::plain(
            cli.claude
                .clone()
                .unwrap_or_else(|| PathBuf::from(config.claude_path())),
        )
    };
    let (event_tx, event_rx) = tokio::sync::mpsc::unbounded_channel();
    let handle = engine::start(
        EngineConfig {
            paths,
            app_cwd: cwd.clone(),
            claude,
            bypass: cli.bypass_permissions,
            start_orchestrator: true,
            ui_tools: crate::ui::tools(),
            permission_timeout: config.permission_timeout(),
            user_grants: Some(crate::store::grants::user_grants_path(&global)),
            agent_defaults: crate::engine::AgentDefaults::from_config(&config),
        },
        agents.clone(),
        event_tx,
    );
    if cli.demo {
        let h = handle.clone();
        tokio::spawn(async move {
            let _ = h.send("orchestrator", DEMO_PROMPT.to_owned()).await;
        });
    }
    crate::ui::run(crate::ui::UiBoot {
        engine: handle,
        events: event_rx,
        agents,
        workspace,
        notices,
        cwd,
        bypass: cli.bypass_permissions,
        global,
        activity,
    })
    .await
}

/// `patchfeld fake-agent --scenario <demo>` through this very executable.
fn demo_command(global: &GlobalPaths) -> anyhow::Result<ClaudeCommand> {
    let exe = std::env::current_exe().context("locating the patchfeld executable for --demo")?;
    let scenario = global.state_dir().join("demo-scenario.json");
    crate::store::atomic::write_atomic(&scenario, crate::fake_agent::DEMO_SCENARIO.as_bytes())
        .context("writing the demo scenario")?;
    Ok(ClaudeCommand {
        program: exe,
        prefix_args: vec![
            "fake-agent".into(),
            "--scenario".into(),
            scenario.display().to_string(),
        ],
        env: Vec::new(),
    })
}

/// Lines the log writer queues before dropping (it never blocks the UI).
const LOG_QUEUE_LINES: usize = 4096;

/// Log to `<state dir>/patchfeld.log` (never to the terminal). The guard flushes on drop.
fn start_logging(global: &GlobalPaths) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = global.state_dir();
    std::fs::create_dir_all(dir).ok()?;
    let appender = tracing_appender::rolling::never(dir, "patchfeld.log");
    // The default queue preallocates 128 000 line slots (≈ 4 MB resident from the start);
    // a few thousand lines is plenty for a log that is written at info level.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .finish(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("PATCHFELD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

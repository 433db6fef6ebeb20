//! Command-line interface definition (clap): flags, env fallbacks, subcommands.

use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

/// patchfeld — a terminal workspace for running several Claude Code agents at once.
#[derive(Debug, Parser)]
#[command(name = "patchfeld", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Project directory to open (default: the current directory).
    pub dir: Option<PathBuf>,

    /// The Claude Code executable [default: `agent.claude_path` in config.toml, else `claude`].
    #[arg(long, env = "PATCHFELD_CLAUDE", value_name = "PATH")]
    pub claude: Option<PathBuf>,

    /// Run the orchestrator and every agent with permission prompts bypassed.
    #[arg(long)]
    pub bypass_permissions: bool,

    /// Directory for global config, named layouts and themes.
    #[arg(long, env = "PATCHFELD_CONFIG_DIR", value_name = "DIR")]
    pub config_dir: Option<PathBuf>,

    /// Run on built-in scripted agents: no network, no Claude install needed.
    #[arg(long)]
    pub demo: bool,

    /// Subcommand.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every agent ever run in DIR (works while the app runs).
    History {
        /// Project directory (default: the current directory).
        dir: Option<PathBuf>,
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The scripted stand-in for the Claude Code CLI used by tests and --demo.
    #[command(hide = true, disable_help_flag = true)]
    FakeAgent {
        /// Its arguments (`--scenario FILE` plus any claude CLI flags).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

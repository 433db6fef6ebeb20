//! Entry point: parse the CLI, set up logging, hand over to `app::run`. Nothing else.

use clap::Parser;
use patchfeld::cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::FakeAgent { args }) => {
            ExitCode::from(patchfeld::fake_agent::run(args).clamp(0, 255) as u8)
        }
        Some(Command::History { dir, json }) => {
            let dir = dir.unwrap_or_else(|| std::path::PathBuf::from("."));
            let mut out = std::io::stdout().lock();
            match patchfeld::history::run(&dir, json, &mut out) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    patchfeld::app::report_error(&e);
                    ExitCode::FAILURE
                }
            }
        }
        None => match patchfeld::app::run(cli) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                patchfeld::app::report_error(&e);
                ExitCode::FAILURE
            }
        },
    }
}

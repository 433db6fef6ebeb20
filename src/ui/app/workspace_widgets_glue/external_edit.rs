//! Opening the focused FileEditor's or FileViewer's file in the user's own editor (action
//! `open_in_editor`, `alt-o`): the App turns the action into `Intent::ExternalEdit`; the
//! event loop, which owns the terminal and the input stream, runs [`run_external`]: stop
//! reading input, hand the terminal over, run `$VISUAL` / `$EDITOR` / `vi` with inherited
//! stdio on a blocking task, take the terminal back, repaint everything, then reload the
//! file in the panel.

use super::WsPanel;
use crate::core::transcript::NoticeLevel;
use crate::ui::app::files_glue::FilesPanel;
use crate::ui::app::{App, Focus, Intent};
use crate::ui::layout::workspace_state::PanelState;
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::path::PathBuf;

/// A file to open in the external editor, and the panel to reload afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExternalEdit {
    /// The file.
    pub path: PathBuf,
    /// The panel's tab.
    pub tab: String,
    /// The panel.
    pub panel: String,
}

/// The command line of the user's editor: `$VISUAL`, else `$EDITOR` (empty values skipped;
/// split on whitespace so `code -w` works), else `vi`.
pub(crate) fn editor_command(visual: Option<&str>, editor: Option<&str>) -> Vec<String> {
    [visual, editor]
        .into_iter()
        .flatten()
        .map(|v| v.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .find(|words| !words.is_empty())
        .unwrap_or_else(|| vec!["vi".to_owned()])
}

impl App {
    /// The `open_in_editor` action: the focused editor's or viewer's file. An editor with
    /// unsaved changes is refused (the other editor would not see them, and reloading
    /// afterwards would lose them).
    pub(crate) fn open_in_editor_action(&mut self) -> Vec<Intent> {
        let Focus::Panel(id) = self.focus.clone() else {
            return Vec::new();
        };
        let tab = self.ws.active_id().to_owned();
        let path = match self.ws.panel_state(&id) {
            Some(PanelState::Files(fs)) => match &fs.panel {
                Some(FilesPanel::Viewer(v)) => Ok(v.path().map(|p| p.to_path_buf())),
                _ => Err(()),
            },
            Some(PanelState::Workspace(ws)) => match &ws.panel {
                Some(WsPanel::Editor(e)) if e.view.dirty() => {
                    self.app_notice(
                        NoticeLevel::Warning,
                        "unsaved changes: save with ^S first, then open it in $EDITOR".to_owned(),
                    );
                    return Vec::new();
                }
                Some(WsPanel::Editor(e)) => Ok(e.path.clone()),
                _ => Err(()),
            },
            _ => Err(()),
        };
        match path {
            Ok(Some(path)) => vec![Intent::ExternalEdit(ExternalEdit {
                path,
                tab,
                panel: id,
            })],
            Ok(None) => {
                self.app_notice(NoticeLevel::Info, "no file in this panel yet".to_owned());
                Vec::new()
            }
            Err(()) => {
                self.app_notice(
                    NoticeLevel::Info,
                    "open_in_editor: focus a file editor or viewer first".to_owned(),
                );
                Vec::new()
            }
        }
    }

    /// The external editor returned (`Err`: it could not run or failed): reload the panel.
    pub(crate) fn external_edit_done(&mut self, job: &ExternalEdit, result: Result<(), String>) {
        if let Err(e) = result {
            self.app_notice(NoticeLevel::Warning, e);
        }
        // An editor reads the file again through a fresh worker (the next sync starts it);
        // a viewer follows the file on its own (notify).
        if let Some(WsPanel::Editor(e)) = self.ws_panel_mut(&job.tab, &job.panel) {
            e.worker = None;
        }
        self.sync_workspace_widgets();
        self.dirty = true;
    }
}

/// Run `job` with the terminal handed to the editor (see the module doc). Called by the
/// event loop between two events, so nothing else draws or reads input meanwhile.
pub(crate) async fn run_external<B>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    job: ExternalEdit,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: Send + Sync + 'static,
{
    let visual = std::env::var("VISUAL").ok();
    let editor = std::env::var("EDITOR").ok();
    let cmd = editor_command(visual.as_deref(), editor.as_deref());
    let path = job.path.clone();
    crate::ui::terminal::pause_input();
    crate::ui::terminal::suspend();
    let shown = cmd.join(" ");
    let ran = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&cmd[0])
            .args(&cmd[1..])
            .arg(&path)
            .status()
    })
    .await;
    let back = crate::ui::terminal::resume();
    crate::ui::terminal::resume_input();
    terminal.clear()?;
    back?;
    let result = match ran {
        Ok(Ok(s)) if s.success() => Ok(()),
        Ok(Ok(s)) => Err(format!("{shown} exited with {s}")),
        Ok(Err(e)) => Err(format!(
            "could not run {shown} (set $VISUAL or $EDITOR): {e}"
        )),
        Err(e) => Err(format!("{shown} did not finish: {e}")),
    };
    app.external_edit_done(&job, result);
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

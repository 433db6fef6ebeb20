//! `EngineCommand::LoadTranscript` / `IndexTranscript`: an agent's transcript read (or indexed)
//! from disk off the actor task, after flushing its writer so nothing already emitted is
//! missing from the reply.

use super::Manager;
use crate::core::ids::AgentId;
use crate::core::transcript::TranscriptEntry;
use crate::engine::api::{EngineError, Reply};
use crate::store::paths::check_agent_id;
use crate::store::transcript_index::{TranscriptIndex, index_transcript};
use crate::store::transcripts::read_transcript;

impl Manager {
    /// Resolve `agent`, flush its transcript, read the file on a blocking thread and reply.
    pub(super) fn load_transcript(&mut self, agent: &str, reply: Reply<Vec<TranscriptEntry>>) {
        let id = match self.flushed_child(agent) {
            Ok(id) => id,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        let paths = self.config.paths.clone();
        tokio::task::spawn_blocking(move || {
            let r = read_transcript(&paths, &id)
                .map(|read| read.items)
                .map_err(|e| EngineError::Invalid(format!("transcript of {id}: {e}")));
            let _ = reply.send(r);
        });
    }

    /// Resolve `agent`, flush its transcript, index the file on a blocking thread and reply.
    pub(super) fn index_transcript(&mut self, agent: &str, reply: Reply<TranscriptIndex>) {
        let id = match self.flushed_child(agent) {
            Ok(id) => id,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        if let Err(e) = check_agent_id(&id) {
            let _ = reply.send(Err(EngineError::Invalid(e.to_string())));
            return;
        }
        let path = self.config.paths.transcript(&id);
        tokio::task::spawn_blocking(move || {
            let r = index_transcript(&path)
                .map_err(|e| EngineError::Invalid(format!("transcript of {id}: {e}")));
            let _ = reply.send(r);
        });
    }

    /// A child agent (not the orchestrator) whose buffered transcript lines are in its file.
    fn flushed_child(&mut self, agent: &str) -> Result<AgentId, EngineError> {
        let id = self.resolve(agent)?;
        if id.is_orchestrator() {
            return Err(EngineError::Invalid(
                "the orchestrator's transcript is its session journal".to_owned(),
            ));
        }
        if let Some(w) = self.live.get_mut(&id).and_then(|l| l.writer.as_mut())
            && let Err(e) = w.flush()
        {
            tracing::warn!(agent = %id, "transcript flush failed: {e}");
        }
        Ok(id)
    }
}

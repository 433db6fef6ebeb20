//! `EngineCommand::LoadTranscript`: an agent's whole transcript read from disk off the actor
//! task, after flushing its writer so nothing already emitted is missing from the reply.

use super::Manager;
use crate::core::transcript::TranscriptEntry;
use crate::engine::api::{EngineError, Reply};
use crate::store::transcripts::read_transcript;

impl Manager {
    /// Resolve `agent`, flush its transcript, read the file on a blocking thread and reply.
    pub(super) fn load_transcript(&mut self, agent: &str, reply: Reply<Vec<TranscriptEntry>>) {
        let id = match self.resolve(agent) {
            Ok(id) => id,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        if id.is_orchestrator() {
            let _ = reply.send(Err(EngineError::Invalid(
                "the orchestrator's transcript is its session journal".to_owned(),
            )));
            return;
        }
        if let Some(w) = self.live.get_mut(&id).and_then(|l| l.writer.as_mut())
            && let Err(e) = w.flush()
        {
            tracing::warn!(agent = %id, "transcript flush failed: {e}");
        }
        let paths = self.config.paths.clone();
        tokio::task::spawn_blocking(move || {
            let r = read_transcript(&paths, &id)
                .map(|read| read.items)
                .map_err(|e| EngineError::Invalid(format!("transcript of {id}: {e}")));
            let _ = reply.send(r);
        });
    }
}

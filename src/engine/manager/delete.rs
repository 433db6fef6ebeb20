//! Deleting an agent for good (History `Del`): its record and its transcript file. Refused
//! while the agent has a process, so nothing can write to a transcript that is gone.

use super::Manager;
use crate::core::ids::AgentId;
use crate::engine::api::{EngineError, EngineEvent};
use crate::store::paths::check_agent_id;

impl Manager {
    /// Remove a non-live child's record (saved with the next batch) and its transcript.
    pub(super) fn delete_agent(&mut self, id: &AgentId) -> Result<(), EngineError> {
        if id.is_orchestrator() {
            return Err(EngineError::Invalid(
                "the orchestrator cannot be deleted".into(),
            ));
        }
        let name = self.name_of(id);
        if self.live.contains_key(id) {
            return Err(EngineError::Invalid(format!(
                "agent '{name}' is still running; kill it before deleting it"
            )));
        }
        check_agent_id(id).map_err(|e| EngineError::Invalid(e.to_string()))?;
        let path = self.config.paths.transcript(id);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            // Keep the record when its transcript stays: a half-deleted agent would leave an
            // orphan file nobody can reach from the UI.
            Err(e) => {
                return Err(EngineError::Invalid(format!(
                    "could not delete {}: {e}",
                    path.display()
                )));
            }
        }
        self.records.remove(id);
        // A dirty id without a record only triggers the save of the remaining records.
        self.dirty.insert(id.clone());
        self.emit(EngineEvent::AgentDeleted {
            agent_id: id.clone(),
        });
        tracing::info!(agent = %id, %name, "agent deleted");
        Ok(())
    }
}

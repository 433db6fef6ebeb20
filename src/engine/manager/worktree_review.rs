//! `WorktreeReview`: one view of a worktree agent's work (whole branch, one commit, or the
//! uncommitted changes) with the branch's commits, computed by git off the actor.

use super::Manager;
use crate::core::review::{ReviewDiff, ReviewView};
use crate::core::worktree::WorktreeStatus;
use crate::engine::api::{EngineError, Reply};
use crate::engine::worktree::review;

impl Manager {
    /// Answer `reply` with the review diff of `agent` for `view` (`None`: the agent has no
    /// active worktree, so the caller shows what its transcript edited instead).
    pub(crate) fn worktree_review(
        &mut self,
        agent: &str,
        view: ReviewView,
        reply: Reply<Option<ReviewDiff>>,
    ) {
        let id = match self.resolve(agent) {
            Ok(id) => id,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        let info = self
            .records
            .get(&id)
            .and_then(|r| r.worktree.as_deref().cloned())
            .filter(|w| w.status == WorktreeStatus::Active);
        let Some(info) = info else {
            let _ = reply.send(Ok(None));
            return;
        };
        self.off_actor(
            move || review::review(&info, &view),
            move |_, r| {
                let _ = reply.send(r.map(Some).map_err(EngineError::Invalid));
            },
        );
    }
}

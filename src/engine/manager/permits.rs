//! The manager's side of permission rules: answer requests a rule decides, give the UI the
//! context of the ones it must ask about, time them out, save rules and resolve every queued
//! request a new rule covers.

use super::{Input, Manager};
use crate::claude::wire;
use crate::core::ids::{AgentId, RequestId};
use crate::core::permission::{
    CallContext, Decision, PermissionContext, PermissionRequest, Rule, RuleDraft, Verdict,
    dry_run_call, format_rule_list,
};
use crate::core::time::now;
use crate::core::transcript::{NoticeLevel, TranscriptItem};
use crate::engine::api::{EngineError, EngineEvent};
use crate::engine::permissions::{edit_preview, request_brief, rule_deny_message};
use std::path::PathBuf;

impl Manager {
    fn agent_cwd(&self, id: &AgentId) -> PathBuf {
        self.records
            .get(id)
            .map(|r| r.cwd.clone())
            .unwrap_or_else(|| self.config.app_cwd.clone())
    }

    fn verdict_for(&self, id: &AgentId, req: &PermissionRequest) -> Verdict {
        let name = self.name_of(id);
        let cwd = self.agent_cwd(id);
        self.perms.decide(
            req,
            &CallContext {
                agent_name: &name,
                project_root: &self.config.app_cwd,
                cwd: &cwd,
                now: now(),
            },
        )
    }

    /// Answer `req` when a rule decides it; false when the user must be asked.
    pub(super) fn answer_by_rule(&mut self, id: &AgentId, req: &PermissionRequest) -> bool {
        let (decision, rules, text) = match self.verdict_for(id, req) {
            Verdict::Ask { .. } => return false,
            Verdict::Allow { rules } => {
                let text = format!(
                    "{} allowed by rule {}",
                    req.tool_name,
                    rules
                        .iter()
                        .map(|r| r.rule.to_string())
                        .collect::<Vec<_>>()
                        .join(" + ")
                );
                (
                    Decision::Allow {
                        updated_input: req.input.clone(),
                    },
                    rules,
                    text,
                )
            }
            Verdict::Deny { rule, part } => {
                let text = format!("{} denied by rule {}", req.tool_name, rule.describe());
                (
                    Decision::Deny {
                        message: rule_deny_message(&rule, part.as_deref()),
                        interrupt: false,
                    },
                    vec![rule],
                    text,
                )
            }
        };
        self.write(
            id,
            wire::control_success(&req.request_id.0, wire::permission_response(&decision)),
        );
        self.count_hits(&rules);
        self.record(
            id,
            TranscriptItem::Notice {
                level: NoticeLevel::Info,
                text,
            },
        );
        true
    }

    fn count_hits(&mut self, rules: &[Rule]) {
        let ids: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
        self.perms.record_hits(&ids, now());
        self.emit(EngineEvent::RulesChanged(self.perms.all()));
    }

    /// A request went to the inbox: tell the UI why and what "always" would save, and start
    /// its timeout.
    pub(super) fn permission_opened(&mut self, id: &AgentId, req: &PermissionRequest) {
        let name = self.name_of(id);
        let cwd = self.agent_cwd(id);
        let ctx = CallContext {
            agent_name: &name,
            project_root: &self.config.app_cwd,
            cwd: &cwd,
            now: now(),
        };
        let grants = self.perms.grants();
        let (reason, part) = match grants.decide(req, &ctx) {
            Verdict::Ask { reason, part } => (reason, part),
            // Rules changed between the check and now; the user still decides.
            v @ (Verdict::Allow { .. } | Verdict::Deny { .. }) => (v.explain(), None),
        };
        let context = PermissionContext {
            reason,
            part,
            proposal: format_rule_list(&grants.propose(req, &ctx)),
            cwd: cwd.display().to_string(),
            diff: edit_preview(&req.tool_name, &req.input, &cwd),
        };
        self.emit(EngineEvent::PermissionContext {
            agent_id: id.clone(),
            request_id: req.request_id.clone(),
            context,
        });
        let Some(generation) = self.live.get(id).map(|l| l.generation) else {
            return;
        };
        let tx = self.in_tx.clone();
        let timeout = self.config.permission_timeout;
        let (agent, request_id) = (id.clone(), req.request_id.clone());
        tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            let _ = tx.send(Input::PermissionTimeout {
                agent,
                generation,
                request_id,
            });
        });
    }

    /// The user did not answer in time: deny, and say why.
    pub(super) fn permission_timed_out(&mut self, id: &AgentId, generation: u64, rid: &RequestId) {
        if self.live.get(id).map(|l| l.generation) != Some(generation) {
            return;
        }
        let Some(req) = self
            .live
            .get_mut(id)
            .and_then(|l| l.inbox.take_permission(rid))
        else {
            return;
        };
        let mins = self.config.permission_timeout.as_secs_f64() / 60.0;
        let span = if mins >= 1.0 {
            format!("{mins:.0} minutes")
        } else {
            format!(
                "{:.0} seconds",
                self.config.permission_timeout.as_secs_f64()
            )
        };
        let deny = Decision::Deny {
            message: format!(
                "The permission request for {} timed out: nobody answered within {span}. \
                 It was not run. Continue without it or ask again later.",
                req.tool_name
            ),
            interrupt: false,
        };
        self.write(
            id,
            wire::control_success(&rid.0, wire::permission_response(&deny)),
        );
        self.apply_state(id, crate::core::agent::StateInput::PermissionClosed);
        self.record(
            id,
            TranscriptItem::Notice {
                level: NoticeLevel::Warning,
                text: format!(
                    "{} permission timed out after {span} (denied)",
                    req.tool_name
                ),
            },
        );
        self.emit(EngineEvent::PermissionResolved {
            agent_id: id.clone(),
            request_id: rid.clone(),
            outcome: "timed out".into(),
        });
    }

    /// Answer one request and save rules; then resolve every other request they cover.
    pub(super) fn decide_with_rule(
        &mut self,
        id: &AgentId,
        rid: &RequestId,
        decision: Decision,
        draft: RuleDraft,
    ) -> Result<usize, EngineError> {
        let req = self
            .live
            .get(id)
            .and_then(|l| {
                l.inbox
                    .permissions()
                    .find(|r| &r.request_id == rid)
                    .cloned()
            })
            .ok_or_else(|| EngineError::UnknownRequest {
                agent: self.name_of(id),
                request_id: rid.0.clone(),
            })?;
        let from = request_brief(&self.name_of(id), &req);
        self.perms
            .add(&draft, Some(from), now())
            .map_err(EngineError::Invalid)?;
        self.decide(id, rid, decision)?;
        Ok(self.rules_changed())
    }

    /// After a rule change: tell the UI, and answer every pending request a rule now decides.
    fn rules_changed(&mut self) -> usize {
        self.emit(EngineEvent::RulesChanged(self.perms.all()));
        let pending: Vec<(AgentId, PermissionRequest)> = self
            .live
            .iter()
            .flat_map(|(id, l)| l.inbox.permissions().map(|r| (id.clone(), r.clone())))
            .collect();
        let mut resolved = 0;
        for (id, req) in pending {
            let decision = match self.verdict_for(&id, &req) {
                Verdict::Ask { .. } => continue,
                Verdict::Allow { rules } => {
                    self.count_hits(&rules);
                    Decision::Allow {
                        updated_input: req.input.clone(),
                    }
                }
                Verdict::Deny { rule, part } => {
                    let message = rule_deny_message(&rule, part.as_deref());
                    self.count_hits(&[rule]);
                    Decision::Deny {
                        message,
                        interrupt: false,
                    }
                }
            };
            if self.decide(&id, &req.request_id, decision).is_ok() {
                resolved += 1;
            }
        }
        if resolved > 0 {
            self.notice(
                NoticeLevel::Info,
                format!(
                    "the new rule resolved {resolved} other pending request{}",
                    if resolved == 1 { "" } else { "s" }
                ),
            );
        }
        resolved
    }

    pub(super) fn add_rules(&mut self, draft: RuleDraft) -> Result<Vec<Rule>, EngineError> {
        let rules = self
            .perms
            .add(&draft, None, now())
            .map_err(EngineError::Invalid)?;
        self.rules_changed();
        Ok(rules)
    }

    pub(super) fn delete_rule(&mut self, id: &str) -> Result<Rule, EngineError> {
        let r = self.perms.delete(id).map_err(EngineError::Invalid)?;
        self.emit(EngineEvent::RulesChanged(self.perms.all()));
        Ok(r)
    }

    pub(super) fn list_rules(&self) -> Vec<Rule> {
        self.perms.all()
    }

    pub(super) fn dry_run(&self, agent: &str, call: &str) -> Result<String, EngineError> {
        let (tool, input) = dry_run_call(call).map_err(EngineError::Invalid)?;
        let req = PermissionRequest {
            request_id: RequestId("dry-run".into()),
            tool_name: tool,
            input,
            description: None,
            blocked_path: None,
            suggestions: serde_json::Value::Null,
            tool_use_id: None,
        };
        let cwd = self.config.app_cwd.clone();
        let agent = if agent.trim().is_empty() {
            "*"
        } else {
            agent.trim()
        };
        let v = self.perms.decide(
            &req,
            &CallContext {
                agent_name: agent,
                project_root: &self.config.app_cwd,
                cwd: &cwd,
                now: now(),
            },
        );
        Ok(v.explain())
    }
}

//! Per-agent inboxes of requests the agent is blocked on: tool permissions (keyed by the
//! CLI's control request id) and `ask_orchestrator` questions (keyed by our ask id).

use crate::core::ids::RequestId;
use crate::core::permission::PermissionRequest;
use serde_json::Value;
use std::collections::BTreeMap;

/// An `ask_orchestrator` call waiting for `respond_to_agent_request`.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAsk {
    /// The question.
    pub question: String,
    /// The CLI's control request id of the `mcp_message` carrying the tools/call.
    pub control_id: String,
    /// The JSON-RPC id of the tools/call.
    pub rpc_id: Value,
    /// Seconds it may wait.
    pub timeout_s: f64,
}

/// Pending permissions and asks of one agent, oldest first.
#[derive(Debug, Default)]
pub struct Inbox {
    /// Permission requests by control request id (insertion order kept by `order`).
    permissions: BTreeMap<u64, PermissionRequest>,
    /// Asks by our id.
    asks: BTreeMap<RequestId, PendingAsk>,
    seq: u64,
}

impl Inbox {
    /// Add a permission request.
    pub fn add_permission(&mut self, req: PermissionRequest) {
        self.seq += 1;
        self.permissions.insert(self.seq, req);
    }

    /// Remove a permission request by its id; returns it when it was pending.
    pub fn take_permission(&mut self, id: &RequestId) -> Option<PermissionRequest> {
        let key = self
            .permissions
            .iter()
            .find(|(_, r)| &r.request_id == id)
            .map(|(k, _)| *k)?;
        self.permissions.remove(&key)
    }

    /// Pending permission requests, oldest first.
    pub fn permissions(&self) -> impl Iterator<Item = &PermissionRequest> {
        self.permissions.values()
    }

    /// Add an ask.
    pub fn add_ask(&mut self, id: RequestId, ask: PendingAsk) {
        self.asks.insert(id, ask);
    }

    /// Remove an ask by id.
    pub fn take_ask(&mut self, id: &RequestId) -> Option<PendingAsk> {
        self.asks.remove(id)
    }

    /// Remove the ask whose carrying control request is `control_id` (the CLI cancelled it).
    pub fn take_ask_by_control(&mut self, control_id: &str) -> Option<(RequestId, PendingAsk)> {
        let id = self
            .asks
            .iter()
            .find(|(_, a)| a.control_id == control_id)
            .map(|(k, _)| k.clone())?;
        self.asks.remove(&id).map(|a| (id, a))
    }

    /// Pending asks.
    pub fn asks(&self) -> impl Iterator<Item = (&RequestId, &PendingAsk)> {
        self.asks.iter()
    }

    /// Drop everything (process gone); returns what was pending.
    pub fn drain(&mut self) -> (Vec<PermissionRequest>, Vec<(RequestId, PendingAsk)>) {
        let perms = std::mem::take(&mut self.permissions)
            .into_values()
            .collect();
        let asks = std::mem::take(&mut self.asks).into_iter().collect();
        (perms, asks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(id: &str) -> PermissionRequest {
        PermissionRequest {
            request_id: RequestId(id.into()),
            tool_name: "Bash".into(),
            input: json!({"command": "ls > x"}),
            description: None,
            blocked_path: None,
            suggestions: Value::Null,
            tool_use_id: None,
        }
    }

    #[test]
    fn permissions_keep_arrival_order_and_take_once() {
        let mut inbox = Inbox::default();
        inbox.add_permission(req("b"));
        inbox.add_permission(req("a"));
        let order: Vec<_> = inbox
            .permissions()
            .map(|r| r.request_id.0.clone())
            .collect();
        assert_eq!(order, ["b", "a"]);
        assert!(inbox.take_permission(&RequestId("b".into())).is_some());
        assert!(inbox.take_permission(&RequestId("b".into())).is_none());
    }

    #[test]
    fn asks_are_found_by_control_id() {
        let mut inbox = Inbox::default();
        inbox.add_ask(
            RequestId("q1".into()),
            PendingAsk {
                question: "?".into(),
                control_id: "ctl-1".into(),
                rpc_id: json!(3),
                timeout_s: 300.0,
            },
        );
        assert!(inbox.take_ask_by_control("nope").is_none());
        let (id, ask) = inbox
            .take_ask_by_control("ctl-1")
            .unwrap_or_else(|| panic!("missing"));
        assert_eq!(id.0, "q1");
        assert_eq!(ask.rpc_id, json!(3));
        assert_eq!(inbox.drain().1.len(), 0);
    }
}

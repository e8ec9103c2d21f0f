//! The rest of the admin API on the embedded handle, so a Rust test reaches every admin
//! operation as the Python and Node kits do; [`ADMIN_OPERATIONS`] names the method for each
//! operation of `GET /__admin/openapi`, and a test keeps the two in step.

use axum::http::Method;
use serde_json::{json, Value};

use super::{DeskError, MockDesk};
use crate::platform::webhooks::Subscription;

/// Every admin operation (`operationId` of the admin OpenAPI document) and the [`MockDesk`]
/// method(s) that reach it.
pub const ADMIN_OPERATIONS: &[(&str, &str)] = &[
    ("health", "health"),
    ("adminOpenapi", "admin_openapi"),
    ("reset", "reset reset_vendor"),
    ("getState", "state state_of"),
    ("putState", "put_state"),
    ("listAccounts", "accounts"),
    ("addAccount", "add_account"),
    ("listRequests", "requests"),
    ("clearRequests", "clear_requests"),
    ("countRequests", "count"),
    ("listFaults", "faults"),
    ("addFault", "fault"),
    ("clearFaults", "clear_faults"),
    ("getFault", "faults"),
    ("deleteFault", "remove_fault"),
    ("listStubs", "stubs"),
    ("addStub", "stub"),
    ("clearStubs", "clear_stubs"),
    ("getStub", "stubs"),
    ("deleteStub", "remove_stub"),
    ("listRateLimits", "rate_limits"),
    ("setRateLimit", "set_rate_limit"),
    ("listSurfaces", "surfaces base_url"),
    ("surfaceOpenapi", "openapi"),
    ("getClock", "now_ms"),
    ("setClock", "advance freeze_clock_at_ms unfreeze_clock"),
    ("listWebhooks", "subscriptions"),
    ("subscribeWebhook", "subscribe_webhook"),
    ("unsubscribeWebhook", "unsubscribe_webhook"),
    ("listDeliveries", "webhook_deliveries"),
    ("redeliver", "redeliver"),
    ("simulate", "simulate"),
    ("caPem", "ca_pem"),
];

impl MockDesk {
    /// `GET /__admin/health`: `{"status": "ok" | "degraded", …}`.
    pub async fn health(&self) -> Result<Value, DeskError> {
        self.admin(Method::GET, "/health", Value::Null).await
    }

    /// The admin API's own OpenAPI document.
    pub fn admin_openapi(&self) -> Value {
        serde_json::from_str(crate::admin::ADMIN_OPENAPI).unwrap_or(Value::Null)
    }

    /// A surface's OpenAPI document.
    pub async fn openapi(&self, surface: &str) -> Result<Value, DeskError> {
        self.admin(Method::GET, &format!("/openapi/{surface}"), Value::Null)
            .await
    }

    /// Replaces accounts with a state document (`{"accounts": {name: state}}`), checked whole
    /// first: a bad one is [`DeskError::Admin`] with the JSON pointer of the first problem.
    pub async fn put_state(&self, vendor: &str, document: Value) -> Result<(), DeskError> {
        self.admin(Method::PUT, &format!("/state/{vendor}"), document)
            .await
            .map(drop)
    }

    /// The tokens accepted and their accounts (`[{"vendor", "token", "account"}]`).
    pub async fn accounts(&self) -> Result<Value, DeskError> {
        let v = self.admin(Method::GET, "/accounts", Value::Null).await?;
        Ok(v["accounts"].clone())
    }

    /// Accepts another `token` for `vendor`, with `account`'s data (`None`: an account of its
    /// own, `token:<token>`).
    pub async fn add_account(
        &self,
        vendor: &str,
        token: &str,
        account: Option<&str>,
    ) -> Result<(), DeskError> {
        let body = json!({"vendor": vendor, "token": token, "account": account});
        self.admin(Method::POST, "/accounts", body).await.map(drop)
    }

    /// The fault rules in force (with their ids and hits), as `GET /__admin/faults` lists them.
    pub fn faults(&self) -> Vec<Value> {
        let list = self.state.platform.faults.list();
        list.iter().map(|r| json!(r)).collect()
    }

    /// Removes one fault rule; `false` when there was none with that id.
    pub fn remove_fault(&self, id: &str) -> bool {
        self.state.platform.faults.remove(id)
    }

    /// The stubs in force (with their ids and hits).
    pub fn stubs(&self) -> Vec<Value> {
        let list = self.state.platform.stubs.list();
        list.iter().map(|s| json!(s)).collect()
    }

    /// Removes one stub; `false` when there was none with that id.
    pub fn remove_stub(&self, id: &str) -> bool {
        self.state.platform.stubs.remove(id)
    }

    /// Each surface's documented, override and effective rate limit, and what the `default`
    /// account has left.
    pub async fn rate_limits(&self) -> Result<Value, DeskError> {
        self.admin(Method::GET, "/rate-limits", Value::Null).await
    }

    /// Overrides a surface's rate limit: `json!({"mode": "off"})`, `"documented"`, `"default"`
    /// (no override) or `json!({"mode": "custom", "windows": [{"limit": 5, "seconds": 60}]})`.
    pub async fn set_rate_limit(&self, surface: &str, change: Value) -> Result<(), DeskError> {
        self.admin(Method::PUT, &format!("/rate-limits/{surface}"), change)
            .await
            .map(drop)
    }

    /// The webhook subscriptions.
    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.state.platform.webhooks.subscriptions()
    }

    /// Removes a subscription; `false` when there was none with that id.
    pub fn unsubscribe_webhook(&self, id: &str) -> bool {
        self.state.platform.webhooks.unsubscribe(id)
    }

    /// Queues a delivery's event again for its subscription; `false` when there is no such
    /// delivery (or its subscription is gone).
    pub fn redeliver(&self, delivery: u64) -> bool {
        self.state.platform.webhooks.redeliver(delivery)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation of the admin OpenAPI document has a method here, and each method named
    /// exists on the handle.
    #[test]
    fn every_admin_operation_has_a_method() {
        let doc: Value = serde_json::from_str(crate::admin::ADMIN_OPENAPI).unwrap();
        let mut served: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter(|op| op.get("x-mockdesk-kit").is_none())
            .map(|op| op["operationId"].as_str().unwrap())
            .collect();
        served.sort_unstable();
        let mut listed: Vec<&str> = ADMIN_OPERATIONS.iter().map(|(op, _)| *op).collect();
        listed.sort_unstable();
        assert_eq!(served, listed);
        let source = [
            include_str!("mod.rs"),
            include_str!("admin.rs"),
            include_str!("blocking.rs"),
        ]
        .concat();
        for (op, methods) in ADMIN_OPERATIONS {
            for m in methods.split(' ') {
                assert!(
                    source.contains(&format!("pub fn {m}("))
                        || source.contains(&format!("pub async fn {m}(")),
                    "{op}: no method {m}"
                );
            }
        }
    }
}

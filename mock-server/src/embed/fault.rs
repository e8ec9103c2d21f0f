//! [`Fault`]: the builder of a fault rule for [`super::MockDesk::fault`].

use std::time::Duration;

use serde_json::{json, Map, Value};

/// A fault rule for [`MockDesk::fault`](super::MockDesk::fault): an effect, narrowed by the matcher methods (all
/// optional). The same rules as `POST /__admin/faults`.
#[derive(Debug, Clone)]
pub struct Fault {
    matcher: Map<String, Value>,
    rule: Map<String, Value>,
}

impl Fault {
    fn effect(effect: Value) -> Self {
        let mut rule = Map::new();
        rule.insert("effect".into(), effect);
        Self {
            matcher: Map::new(),
            rule,
        }
    }

    /// The vendor's own error body and headers for `status`.
    pub fn status(status: u16) -> Self {
        Self::effect(json!({"type": "status", "status": status}))
    }

    /// The vendor's 429 with `Retry-After: retry_after` (seconds).
    pub fn rate_limited(retry_after: u64) -> Self {
        Self::effect(json!({"type": "rate_limited", "retry_after": retry_after}))
    }

    /// The normal answer, `delay` late.
    pub fn latency(delay: Duration) -> Self {
        Self::effect(json!({"type": "latency", "ms": delay.as_millis() as u64}))
    }

    /// The connection dropped before any byte.
    pub fn reset() -> Self {
        Self::effect(json!({"type": "reset"}))
    }

    /// The body cut off mid-way.
    pub fn truncate() -> Self {
        Self::effect(json!({"type": "truncate"}))
    }

    /// The right status and headers with broken JSON.
    pub fn malformed() -> Self {
        Self::effect(json!({"type": "malformed"}))
    }

    /// No answer until the client gives up.
    pub fn hang() -> Self {
        Self::effect(json!({"type": "hang"}))
    }

    fn matching(mut self, key: &str, value: &str) -> Self {
        self.matcher.insert(key.into(), value.into());
        self
    }

    pub fn surface(self, surface: &str) -> Self {
        self.matching("surface", surface)
    }

    pub fn method(self, method: &str) -> Self {
        self.matching("method", method)
    }

    /// The vendor's own path: `{name}` matches one segment, `*` any rest.
    pub fn path(self, path: &str) -> Self {
        self.matching("path", path)
    }

    pub fn account(self, account: &str) -> Self {
        self.matching("account", account)
    }

    /// Removed after `n` hits.
    pub fn times(mut self, n: u64) -> Self {
        self.rule.insert("times".into(), n.into());
        self
    }

    pub fn probability(mut self, p: f64) -> Self {
        self.rule.insert("probability".into(), p.into());
        self
    }

    /// The write happens, then the failure follows.
    pub fn after_write(mut self) -> Self {
        self.rule.insert("after_write".into(), true.into());
        self
    }

    pub(super) fn body(&self) -> Value {
        let mut rule = self.rule.clone();
        rule.insert("match".into(), Value::Object(self.matcher.clone()));
        Value::Object(rule)
    }
}

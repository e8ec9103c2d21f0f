//! HelpCrunch webhooks (reference §4): `{event, eventData, attempts, lastAttemptAt, createdAt,
//! id}` POSTed with `X-HelpCrunch-Signature` (lowercase hex HMAC-SHA1 of the raw body keyed with
//! the account's signing key). Events come from diffs of the records a write changed, so every
//! surface write fires what the product would; `customer_chat` simulates a customer opening a
//! chat and writing.

use serde_json::{json, Map, Value};

use super::state::{Chat, ChatStatus, Customer, HelpCrunchState, Message};
use super::HelpCrunch;
use crate::platform::webhooks::{EnvelopeInput, SecretKind, WebhookSpec};

pub(crate) static SPEC: WebhookSpec = WebhookSpec {
    vendor: super::VENDOR,
    events: &[
        "chat.new",
        "chat.status_updated",
        "chat.assigned",
        "chat.snoozed",
        "chat.unsnoozed",
        "chat.closed",
        "chat.rated",
        "customer.new",
        "customer.email_updated",
        "customer.tags_changed",
        "customer.unsubscribed",
        "customer.subscribed",
        "customer.blocked",
        "customer.unblocked",
        "customer.deleted",
        "message.chat.customer",
        "message.email.customer",
        "message.private",
        "message.chat.agent",
        "message.email.agent",
    ],
    envelope,
    signature_header: Some("X-HelpCrunch-Signature"),
    user_agent: "GuzzleHttp/7",
    secret: SecretKind::SigningKey,
    // Not documented: three more attempts a minute apart; the counter is in the envelope.
    retries: 3,
    retry_interval_ms: 60_000,
    deactivate_when_exhausted: false,
    delivered_status: None,
    key_per_account: true,
    broken_after: None,
    timeout_ms: 10_000,
    scenarios: &["customer_chat"],
    source: "HelpCrunch research notes §4 (envelope, names, signature); retries chosen",
};

fn envelope(e: &EnvelopeInput<'_>) -> Value {
    let created = e.created_at_ms.div_euclid(1000);
    json!({
        "event": e.event,
        "eventData": e.data,
        "attempts": e.attempt,
        "lastAttemptAt": e.last_attempt_ms.map_or(created, |t| t.div_euclid(1000)),
        "createdAt": created,
        "id": e.event_id,
    })
}

/// `"1607542030.713"`, as the webhook examples print chat times.
fn ms(secs: Option<i64>) -> Value {
    secs.map_or(Value::Null, |s| Value::String(format!("{s}.000")))
}

fn customer_ref(s: &HelpCrunchState, id: i64) -> Value {
    match s.customers.get(&id) {
        Some(c) => json!({"id": c.id, "name": c.name, "email": c.email, "userId": c.user_id}),
        None => json!({"id": id, "name": null, "email": null, "userId": null}),
    }
}

pub(crate) fn customer_data(c: &Customer) -> Value {
    json!({"id": c.id, "name": c.name, "userId": c.user_id, "email": c.email,
        "unsubscribed": c.unsubscribed, "customData": c.custom_data})
}

pub(crate) fn chat_data(s: &HelpCrunchState, c: &Chat) -> Value {
    json!({
        "id": c.id,
        "status": c.status,
        "closedBy": c.closed_by,
        "closedAt": ms(c.closed_at),
        "rating": c.rating,
        "createdAt": ms(Some(c.created_at)),
        "snoozedUntil": ms(c.snoozed_until),
        "applicationId": c.application_id,
        "communicatedAgents": c.agent_ids,
        "customer": customer_ref(s, c.customer_id),
        "assignee": c.assignee_id.map(|a| s.agent_ref(a)),
        "department": c.department_id.map(|d| json!({"id": d, "name": s.departments.get(&d).map(|x| x.name.clone())})),
    })
}

pub(crate) fn message_data(s: &HelpCrunchState, m: &Message) -> Value {
    let chat = s.chats.get(&m.chat);
    json!({
        "chat_id": m.chat,
        "agent": m.agent_id.map(|a| s.agent_ref(a)),
        "customer": chat.map_or(Value::Null, |c| customer_ref(s, c.customer_id)),
        "message": {
            "id": m.id,
            "text": m.text,
            "read": m.read,
            "edited": m.edited,
            "broadcastType": m.broadcast_type,
            "applicationId": chat.map(|c| c.application_id),
            "createdAt": super::views::TsMs(m.created_at),
            "updatedAt": super::views::TsMs(m.updated_at),
        },
    })
}

/// What a customer's change events compare, taken before a write: a write keeps only these
/// (not a copy of the whole record, whose custom data and strings a copy would allocate
/// again on every write).
#[derive(Debug, Clone)]
pub(crate) struct Watched {
    email: Option<String>,
    tags: Vec<String>,
    unsubscribed: bool,
    blocked: bool,
}

impl Watched {
    pub(crate) fn of(c: &Customer) -> Self {
        Self {
            email: c.email.clone(),
            tags: c.tags.clone(),
            unsubscribed: c.unsubscribed,
            blocked: c.blocked,
        }
    }
}

/// The customer events a change from `before` (none: created) to `after` fires.
pub(crate) fn customer_events(before: Option<&Watched>, after: &Customer) -> Vec<&'static str> {
    let Some(b) = before else {
        return vec!["customer.new"];
    };
    let mut out = Vec::new();
    if b.email != after.email {
        out.push("customer.email_updated");
    }
    if b.tags != after.tags {
        out.push("customer.tags_changed");
    }
    if b.unsubscribed != after.unsubscribed {
        out.push(if after.unsubscribed {
            "customer.unsubscribed"
        } else {
            "customer.subscribed"
        });
    }
    if b.blocked != after.blocked {
        out.push(if after.blocked {
            "customer.blocked"
        } else {
            "customer.unblocked"
        });
    }
    out
}

/// The chat events a change from `before` (none: created) to `after` fires.
pub(crate) fn chat_events(before: Option<&Chat>, after: &Chat) -> Vec<&'static str> {
    let Some(b) = before else {
        return vec!["chat.new"];
    };
    let mut out = Vec::new();
    if b.status != after.status {
        out.push("chat.status_updated");
        if after.status == ChatStatus::Closed {
            out.push("chat.closed");
        }
    }
    if b.assignee_id != after.assignee_id && after.assignee_id.is_some() {
        out.push("chat.assigned");
    }
    if b.snoozed_until != after.snoozed_until {
        out.push(if after.snoozed_until.is_some() {
            "chat.snoozed"
        } else {
            "chat.unsnoozed"
        });
    }
    if b.rating.is_none() && after.rating.is_some() {
        out.push("chat.rated");
    }
    out
}

pub(crate) fn message_event(m: &Message) -> &'static str {
    match (m.message_type.as_str(), m.from.as_str()) {
        ("private", _) => "message.private",
        (_, "agent") => "message.chat.agent",
        _ => "message.chat.customer",
    }
}

/// Events a write produced, with their data, to emit once it has been committed.
pub(crate) type Fired = Vec<(&'static str, Value)>;

pub(crate) fn customer_fired(before: Option<&Watched>, after: &Customer) -> Fired {
    customer_events(before, after)
        .into_iter()
        .map(|e| (e, customer_data(after)))
        .collect()
}

pub(crate) fn chat_fired(s: &HelpCrunchState, before: Option<&Chat>, after: &Chat) -> Fired {
    chat_events(before, after)
        .into_iter()
        .map(|e| (e, chat_data(s, after)))
        .collect()
}

impl HelpCrunch {
    pub fn fire(&self, account: &str, events: Fired) {
        for (name, data) in events {
            self.emit(account, name, data);
        }
    }
}

/// `customer_chat`: a customer (`customer`, default the first) opens a chat in an application
/// (`application`, default the first) and writes `text`: `chat.new` (status `new`), then
/// `message.chat.customer`.
pub(crate) fn simulate(
    hc: &HelpCrunch,
    scenario: &str,
    account: &str,
    params: &Map<String, Value>,
    _base_url: &str,
) -> Result<Value, String> {
    if scenario != "customer_chat" {
        return Err(format!(
            "unknown scenario {scenario} (known: customer_chat)"
        ));
    }
    let now_ms = hc.clock.now_ms();
    let (out, fired) = hc
        .tenants
        .with(account, |s| -> Result<(Value, Fired), String> {
            let customer = match params.get("customer") {
                Some(v) => v.as_i64().ok_or("customer must be a customer id")?,
                None => s
                    .customers
                    .values()
                    .next()
                    .map(|c| c.id)
                    .ok_or("no customers")?,
            };
            let application = match params.get("application") {
                Some(v) => v.as_i64().ok_or("application must be an application id")?,
                None => s
                    .applications
                    .values()
                    .next()
                    .map(|a| a.id)
                    .ok_or("no applications")?,
            };
            let text = params
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or("Hi, I need help with my order.")
                .to_string();
            let body = json!({"customer": customer, "application": application});
            let chat = s
                .create_chat(body.as_object().ok_or("body")?, now_ms.div_euclid(1000))
                .map_err(|e| e.to_string())?;
            let msg = json!({"chat": chat.id, "text": text});
            let m = s
                .post_message(msg.as_object().ok_or("body")?, now_ms)
                .map_err(|e| e.to_string())?;
            // A chat a customer starts comes with its first message: the vendor announces it
            // already `new` (an `empty` chat is one made through the API), then the message.
            let after = s.chat(chat.id).map_err(|e| e.to_string())?.clone();
            let mut fired = chat_fired(s, None, &after);
            fired.push((message_event(&m), message_data(s, &m)));
            Ok((
                json!({"chat": after.id, "message": m.id, "customer": customer}),
                fired,
            ))
        })?;
    hc.fire(account, fired);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Diffs name the documented events.
    #[test]
    fn events_from_diffs() {
        let c = Customer::blank(1, 0);
        assert_eq!(customer_events(None, &c), ["customer.new"]);
        let mut d = c.clone();
        d.email = Some("a@b.c".into());
        d.tags = vec!["vip".into()];
        d.blocked = true;
        assert_eq!(
            customer_events(Some(&Watched::of(&c)), &d),
            [
                "customer.email_updated",
                "customer.tags_changed",
                "customer.blocked"
            ]
        );
        let s = super::super::seed::build(1);
        let chat = s
            .chats
            .values()
            .find(|c| c.status == ChatStatus::Opened)
            .unwrap()
            .clone();
        let mut closed = chat.clone();
        closed.status = ChatStatus::Closed;
        closed.rating = Some("great".into());
        assert_eq!(
            chat_events(Some(&chat), &closed),
            ["chat.status_updated", "chat.closed", "chat.rated"]
        );
    }
}

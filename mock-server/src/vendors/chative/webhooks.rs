//! Chative.IO webhooks (reference `chative.md`, webhook payload): POSTed JSON with the
//! subscription's verify token **in the body** (no signature), for a contact created or a
//! contact field updated; a non-2xx answer is retried up to 5 times 5 s apart, then the webhook
//! is deactivated. The event names and the token's field name were not recovered: chosen
//! `contact.created` / `contact.updated` and `verify_token`. `widget_contact` simulates a
//! visitor leaving their details in the chat widget.

use serde_json::{json, Map, Value};

use super::state::Contact;
use super::Chative;
use crate::platform::webhooks::{EnvelopeInput, SecretKind, WebhookSpec};

pub(crate) static SPEC: WebhookSpec = WebhookSpec {
    vendor: super::VENDOR,
    events: &["contact.created", "contact.updated"],
    envelope,
    signature_header: None,
    user_agent: "Chative-Webhooks/1.0",
    secret: SecretKind::VerifyToken,
    retries: 5,
    retry_interval_ms: 5_000,
    deactivate_when_exhausted: true,
    delivered_status: Some(200),
    key_per_account: false,
    broken_after: None,
    timeout_ms: 10_000,
    scenarios: &["widget_contact"],
    source:
        "Chative research notes (verify token in the body, 5 retries 5 s apart, deactivation); \
             event names and the token field chosen",
};

fn envelope(e: &EnvelopeInput<'_>) -> Value {
    json!({"event": e.event, "verify_token": e.secret, "data": e.data})
}

/// The contact as the webhook carries it: `_id` plus the API's fields.
pub(crate) fn contact_data(c: &Contact) -> Value {
    let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        let mut out = Map::new();
        out.insert("_id".into(), Value::String(c.id.clone()));
        for (k, x) in std::mem::take(m) {
            if k != "id" {
                out.insert(k, x);
            }
        }
        *m = out;
    }
    v
}

/// `widget_contact`: a visitor leaves `firstName`, `lastName`, `email` and/or `phone` in the
/// widget (defaults make a plausible guest); the new contact is a `Guest`.
pub(crate) fn simulate(
    ch: &Chative,
    scenario: &str,
    account: &str,
    params: &Map<String, Value>,
    _base_url: &str,
) -> Result<Value, String> {
    if scenario != "widget_contact" {
        return Err(format!(
            "unknown scenario {scenario} (known: widget_contact)"
        ));
    }
    let text = |k: &str, default: &str| -> Result<String, String> {
        match params.get(k) {
            None | Some(Value::Null) => Ok(default.to_string()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("{k} must be a string")),
        }
    };
    let first = text("firstName", "Website")?;
    let last = text("lastName", "Visitor")?;
    let email = params
        .get("email")
        .and_then(Value::as_str)
        .map(str::to_string);
    let phone = params
        .get("phone")
        .and_then(Value::as_str)
        .map(str::to_string);
    let now = ch.clock.now_ms();
    let contact = ch.tenants.with(account, |s| {
        let n = s.contacts.len() as u64 + 1;
        let id = format!(
            "00000000-0000-4000-a000-{:012x}",
            (now as u64).wrapping_mul(1000).wrapping_add(n) & 0xffff_ffff_ffff
        );
        let c = Contact {
            id: id.clone(),
            first_name: first,
            last_name: last,
            email,
            phone,
            gender: None,
            birthday: None,
            contact_type: "Guest".into(),
            tags: vec![],
            custom_fields: Map::new(),
            created_at: now,
            updated_at: now,
        };
        s.contacts.insert(id, c.clone());
        c
    });
    ch.emit(account, "contact.created", contact_data(&contact));
    Ok(json!({"contact": contact.id}))
}

//! Hiver webhooks — **from seed 001, a third-party tutorial**, not Hiver's documentation (the
//! official API documents none): `{"event", "data"}` with `conversation.created`,
//! `conversation.assigned` (`data.assignee`), `conversation.status_changed` (`data.status`)
//! and `note.added` (`data.note`), each with `data.conversation` in the tutorial's shape.
//! Fired by writes through either Hiver surface. Unsigned; no retries (not described).
//! `email_arrives` simulates an email opening a conversation in a mailbox.

use serde_json::{json, Map, Value};

use super::state::{Conversation, HiverState, Note, Status};
use super::Hiver;
use crate::platform::webhooks::{EnvelopeInput, SecretKind, WebhookSpec};

pub(crate) static SPEC: WebhookSpec = WebhookSpec {
    vendor: super::VENDOR,
    events: &[
        "conversation.created",
        "conversation.assigned",
        "conversation.status_changed",
        "note.added",
    ],
    envelope,
    signature_header: None,
    user_agent: "Hiver-Webhooks/1.0",
    secret: SecretKind::None,
    retries: 0,
    retry_interval_ms: 0,
    deactivate_when_exhausted: false,
    delivered_status: None,
    key_per_account: false,
    broken_after: None,
    timeout_ms: 10_000,
    scenarios: &["email_arrives"],
    source: "seed 001 (a third-party tutorial: event names and payload reads); user agent, \
             no signature and no retries chosen",
};

fn envelope(e: &EnvelopeInput<'_>) -> Value {
    json!({"event": e.event, "data": e.data})
}

/// Events a write produced, with their data.
pub(crate) type Fired = Vec<(&'static str, Value)>;

fn conversation(s: &HiverState, c: &Conversation) -> Value {
    serde_json::to_value(s.tutorial_conversation(c)).unwrap_or(Value::Null)
}

/// The events a conversation change from `before` to `after` fires.
pub(crate) fn conversation_fired(
    s: &HiverState,
    before: &Conversation,
    after: &Conversation,
) -> Fired {
    let mut out = Fired::new();
    if before.assignee_id != after.assignee_id {
        if let Some(u) = after.assignee_id.and_then(|a| s.users.get(&a)) {
            out.push((
                "conversation.assigned",
                json!({"conversation": conversation(s, after), "assignee": HiverState::agent_view(u)}),
            ));
        }
    }
    if before.status != after.status {
        out.push((
            "conversation.status_changed",
            json!({"conversation": conversation(s, after), "status": after.status.tutorial(),
                "previous_status": before.status.tutorial()}),
        ));
    }
    out
}

pub(crate) fn note_fired(s: &HiverState, note: &Note) -> Fired {
    let conv = s.conversations.get(&note.conversation_id);
    vec![(
        "note.added",
        json!({"conversation": conv.map_or(Value::Null, |c| conversation(s, c)),
            "note": HiverState::tutorial_note(note)}),
    )]
}

impl Hiver {
    pub fn fire(&self, account: &str, events: Fired) {
        for (name, data) in events {
            self.emit(account, name, data);
        }
    }
}

/// `email_arrives`: an email with `subject` (and `from`) opens a new, open, unassigned
/// conversation in `mailbox` (an `mb_…` alias or inbox id; default the tutorial's `mb_01HXYZ`).
pub(crate) fn simulate(
    hv: &Hiver,
    scenario: &str,
    account: &str,
    params: &Map<String, Value>,
    _base_url: &str,
) -> Result<Value, String> {
    if scenario != "email_arrives" {
        return Err(format!(
            "unknown scenario {scenario} (known: email_arrives)"
        ));
    }
    let mailbox = params
        .get("mailbox")
        .and_then(Value::as_str)
        .unwrap_or("mb_01HXYZ")
        .to_string();
    let subject = params
        .get("subject")
        .and_then(Value::as_str)
        .unwrap_or("Question about my invoice")
        .to_string();
    let now_s = hv.clock.now_ms() / 1000;
    let (out, fired) = hv
        .tenants
        .with(account, |s| -> Result<(Value, Fired), String> {
            let inbox = s
                .inbox(&mailbox)
                .map_err(|_| format!("no mailbox {mailbox}"))?
                .id;
            let id = s.conversations.next_id_from(600_000_000);
            let thread = format!("{:016x}", 0x19d0_0000_0000_0000u64 + id as u64);
            let c = Conversation {
                id,
                inbox_id: inbox,
                subject,
                status: Status::Open,
                assignee_id: None,
                tag_ids: vec![],
                gmail_thread_id: thread.clone(),
                private_permalink: format!("https://app.hiverhq.com/conversation/{thread}"),
                public_permalink: format!("https://hiver.link/c/{thread}"),
                messages: vec![super::state::MessageRef {
                    hiver_message_id: s.next_message_id(),
                    gmail_message_id: thread,
                }],
                created_at: now_s,
            };
            s.conversations.insert(id, c.clone());
            let data = json!({"conversation": conversation(s, &c),
            "from": params.get("from").and_then(Value::as_str).unwrap_or("customer@example.com")});
            Ok((
                json!({"conversation": id.to_string()}),
                vec![("conversation.created", data)],
            ))
        })?;
    hv.fire(account, fired);
    Ok(out)
}

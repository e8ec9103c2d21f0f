//! Hipcall v3: the records only the v3 API knows, kept beside the shared state (users, teams,
//! numbers, extensions, greetings, calls, tasks, companies, contacts, deals, tags, comments live
//! in [`super::super::state::HipcallState`] and are the same records through both surfaces).
//! The rules sit with their resources in this folder (`calls.rs`, `tasks.rs`, `users.rs`,
//! `comms.rs`, `devices.rs`; contacts, companies and deals in [`super::party_rules`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::platform::store::Collection;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Voicemail {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Disposition {
    pub id: i64,
    pub name: String,
    pub code: String,
    /// `positive`, `neutral` or `negative`.
    pub outcome: String,
    /// `inbound`, `outbound` or `both`.
    pub direction: String,
    pub order: i64,
    pub active: bool,
    pub description: Option<String>,
}

/// Who set or changed a call's disposition, and when.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Actor {
    pub user_id: i64,
    pub at: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CallDisposition {
    pub disposition_id: i64,
    pub set_by: Actor,
    pub updated_by: Actor,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Consent {
    pub id: i64,
    pub contact_id: i64,
    /// `grant` or `revoke`.
    pub action: String,
    pub purpose: String,
    pub source: String,
    pub performed_at: String,
    pub expires_at: Option<String>,
    pub evidence: Map<String, Value>,
    pub text_version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CustomFieldDef {
    /// `contact` or `company`.
    pub entity: String,
    pub name: String,
    pub slug: String,
    /// `text`, `number`, `boolean`, `date` or `select`.
    pub field_type: String,
    pub active: bool,
    pub position: i64,
    pub required: bool,
    pub number_type: Option<String>,
    pub options: Option<Vec<String>>,
}

/// A life cycle, sector or source.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Attribute {
    pub id: i64,
    pub name: String,
    pub order: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Inbox {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// `whatsapp`, `email`, `webchat`.
    #[serde(rename = "type")]
    pub inbox_type: String,
    pub user_case: String,
    pub whatsapp_calls_enabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Conversation {
    pub id: String,
    pub inbox_id: String,
    /// `open`, `pending` or `closed`.
    pub status: String,
    pub last_activity_at: String,
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub unread_count: i64,
    pub last_message_preview: Option<String>,
    pub answered_at: Option<String>,
    pub closed_at: Option<String>,
    /// When the conversation started (what `date` on the detail read refers to).
    pub inserted_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Message {
    pub id: String,
    pub conversation_id: String,
    /// `text`, `image`, `template`.
    #[serde(rename = "type")]
    pub message_type: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// `contact` or `user`.
    pub author: String,
    pub user_id: Option<i64>,
    /// `sent`, `delivered`, `read`, `received`, `queued`.
    pub state: String,
    pub payload: Map<String, Value>,
    pub inserted_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct TemplateMessage {
    pub id: String,
    pub inbox_id: String,
    pub element_name: String,
    pub language_code: String,
    pub to: String,
    pub state: String,
    pub category: String,
    pub inserted_at: String,
    pub contact_id: Option<i64>,
    pub conversation_id: Option<String>,
    pub message_id: Option<String>,
    pub variables: Map<String, Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ProcedureStep {
    pub uuid: String,
    pub title: String,
    pub body: String,
    pub step_type: String,
    pub order: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Procedure {
    pub uuid: String,
    pub name: String,
    pub slug: String,
    pub status: String,
    pub description: String,
    pub category: (i64, String, String),
    pub body: String,
    pub version: i64,
    pub published_at: String,
    pub steps: Vec<ProcedureStep>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MobileDevice {
    pub device_id: String,
    pub user_id: i64,
    pub fcm_token: String,
    pub apns_token: Option<String>,
    pub platform: String,
    pub app_version: String,
    pub os_version: String,
    pub do_not_disturb: bool,
    pub registered_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PushToken {
    pub user_id: i64,
    pub token: String,
    pub token_type: String,
    pub last_seen: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct SipToken {
    pub user_id: i64,
    pub sip_token: String,
    pub sip_username: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Attribution {
    pub event_id: i64,
    pub body: Map<String, Value>,
    pub company_id: Option<i64>,
    pub contact_id: Option<i64>,
}

/// A telephony request that cannot happen locally, recorded so a test can see what was asked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CallRequest {
    /// `call_and_bridge` or `call_extension`.
    pub kind: String,
    /// The user (call-and-bridge) or extension id.
    pub from_id: i64,
    pub callee_number: String,
    pub body: Map<String, Value>,
    /// The call record it created.
    pub call_uuid: String,
    pub at: String,
}

/// A user's availability as v3 shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Presence {
    /// `available`, `away`, `break`, `busy`.
    pub state: String,
    pub changed_at: String,
}

/// Everything only the v3 API shows, per account.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct V3State {
    pub voicemails: Collection<i64, Voicemail>,
    pub dispositions: Collection<i64, Disposition>,
    pub call_dispositions: BTreeMap<String, CallDisposition>,
    pub call_tags: BTreeMap<String, Vec<i64>>,
    pub task_tags: BTreeMap<i64, Vec<i64>>,
    /// Cards per call uuid, each a list of rows as sent.
    pub call_cards: BTreeMap<String, Vec<Vec<Map<String, Value>>>>,
    pub consents: Collection<i64, Consent>,
    pub custom_fields: Vec<CustomFieldDef>,
    // Collections rather than lists (the same JSON list): with `--state-dir` a write then
    // stores only the records it changed, not these again.
    pub life_cycles: Collection<i64, Attribute>,
    pub sectors: Collection<i64, Attribute>,
    pub sources: Collection<i64, Attribute>,
    pub inboxes: Collection<String, Inbox>,
    pub conversations: Collection<String, Conversation>,
    pub messages: Collection<String, Message>,
    pub template_messages: Collection<String, TemplateMessage>,
    pub procedures: Collection<String, Procedure>,
    pub devices: Collection<String, MobileDevice>,
    pub push_tokens: BTreeMap<i64, PushToken>,
    pub sip_tokens: Vec<SipToken>,
    pub attributions: Vec<Attribution>,
    pub call_requests: Vec<CallRequest>,
    pub presence: BTreeMap<i64, Presence>,
    /// Counters for ids that are not taken from a collection's maximum (uuids, phone ids).
    pub counters: BTreeMap<String, i64>,
}

impl V3State {
    /// The next value of a named counter (starting at `start`); never reused.
    pub fn next(&mut self, name: &str, start: i64) -> i64 {
        bump(&mut self.counters, name, start)
    }
}

fn bump(counters: &mut BTreeMap<String, i64>, name: &str, start: i64) -> i64 {
    let c = counters.entry(name.to_string()).or_insert(start - 1);
    *c += 1;
    *c
}

/// A text id `make(n)` from the named counter that no record holds yet (a hand-written state
/// document may carry records without their counter).
pub(crate) fn fresh_id(
    counters: &mut BTreeMap<String, i64>,
    name: &str,
    start: i64,
    make: impl Fn(i64) -> String,
    taken: impl Fn(&str) -> bool,
) -> String {
    loop {
        let id = make(bump(counters, name, start));
        if !taken(&id) {
            return id;
        }
    }
}

/// The employee-size options (value, label).
pub(crate) const EMPLOYEE_SIZES: &[(&str, &str)] = &[
    ("1-10", "1-10 employees"),
    ("11-50", "11-50 employees"),
    ("51-200", "51-200 employees"),
    ("201-500", "201-500 employees"),
    ("501-1000", "501-1000 employees"),
    ("1001+", "1001+ employees"),
];

/// Tag types v3 filters by (`type`), in the order of the legacy integer `tag_type` (1…6).
pub(crate) const TAG_TYPES: &[&str] = &[
    "contact_centre",
    "communication",
    "task",
    "ticket",
    "content",
    "deal",
];

/// The colour name v3 shows beside a tag's hex colour.
pub(crate) fn color_name(hex: &str) -> &'static str {
    match hex.to_ascii_lowercase().as_str() {
        "#025196" => "blue",
        "#d7263d" => "red",
        "#1b998b" => "green",
        "#f46036" => "orange",
        "#6c5b7b" => "purple",
        _ => "gray",
    }
}

crate::keyed!(
    Voicemail => id: i64,
    Disposition => id: i64,
    Consent => id: i64,
    Inbox => id: String,
    Conversation => id: String,
    Message => id: String,
    TemplateMessage => id: String,
    MobileDevice => device_id: String,
    Attribute => id: i64,
    Procedure => uuid: String,
);

//! HelpCrunch REST API v1: the records one account holds and its state. No HTTP types; the
//! rules live with their resource (`customers/rules.rs`, `chats/rules.rs`) and what they share
//! apart — `input.rs` (request parsing and validation), `search/` (the filter language),
//! `order.rs` — and the response shapes in `views.rs`.
//!
//! Records are stored in internal form (timestamps as unix seconds, message times as unix
//! milliseconds) and rendered by the views in the documented shapes.

use std::collections::BTreeMap;

use crate::platform::collection::Tracked;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::platform::store::Collection;

mod customer;
pub use customer::{Customer, CustomerMore, CustomerRecord};

/// Default colour of tags created on the fly (documented).
pub const DEFAULT_TAG_COLOR: &str = "#c377e0";
pub const AGENT_ROLES: &[&str] = &["agentChatOnly", "agent", "superviser", "admin"];
pub const RATINGS: &[&str] = &["perfect", "great", "average", "poor", "very poor"];

/// A chat's status, printed as the responses spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ChatStatus {
    #[default]
    #[serde(rename = "new")]
    New,
    #[serde(rename = "opened")]
    Opened,
    #[serde(rename = "pending")]
    Pending,
    #[serde(rename = "on hold")]
    OnHold,
    #[serde(rename = "no communication")]
    NoCommunication,
    #[serde(rename = "closed")]
    Closed,
    #[serde(rename = "empty")]
    Empty,
}

impl ChatStatus {
    pub const ALL: [ChatStatus; 7] = [
        ChatStatus::New,
        ChatStatus::Opened,
        ChatStatus::Pending,
        ChatStatus::OnHold,
        ChatStatus::NoCommunication,
        ChatStatus::Closed,
        ChatStatus::Empty,
    ];

    /// The response spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ChatStatus::New => "new",
            ChatStatus::Opened => "opened",
            ChatStatus::Pending => "pending",
            ChatStatus::OnHold => "on hold",
            ChatStatus::NoCommunication => "no communication",
            ChatStatus::Closed => "closed",
            ChatStatus::Empty => "empty",
        }
    }

    /// Any accepted spelling (`on-hold`, `onhold`, `on hold`; also the numeric codes seen in a
    /// search example: 1 new … 7 empty).
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim().to_ascii_lowercase();
        Some(match t.as_str() {
            "new" | "1" => ChatStatus::New,
            "opened" | "open" | "2" => ChatStatus::Opened,
            "pending" | "3" => ChatStatus::Pending,
            "on hold" | "on-hold" | "onhold" | "4" => ChatStatus::OnHold,
            "closed" | "5" => ChatStatus::Closed,
            "no communication" | "no-communication" | "6" => ChatStatus::NoCommunication,
            "empty" | "7" => ChatStatus::Empty,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub region_code: Option<String>,
    pub country_code: Option<String>,
    pub city: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub id: i64,
    pub ip: String,
    pub timezone: String,
    pub platform: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Agent {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    /// Set by `GET /agents/{id}/unsubscribe` (not part of the documented agent shape).
    pub unsubscribed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub agent_ids: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub active: bool,
    #[serde(rename = "type")]
    pub app_type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: i64,
    pub domain: String,
    pub team_online: bool,
    pub chat_enabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct Chat {
    pub id: i64,
    pub status: ChatStatus,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    pub rating: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_message_at: Option<i64>,
    pub last_customer_message_at: Option<i64>,
    pub read_by_agent: bool,
    pub read_by_customer: bool,
    pub created_with: String,
    pub snoozed_until: Option<i64>,
    pub last_message_text: Option<String>,
    pub last_message_id: Option<i64>,
    pub application_id: i64,
    pub last_communicated_agent_id: Option<i64>,
    /// Agents who wrote at least one (non-private) message, in order of first message.
    pub agent_ids: Vec<i64>,
    pub customer_id: i64,
    pub assignee_id: Option<i64>,
    pub department_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: i64,
    pub chat: i64,
    pub from: String,
    pub agent_id: Option<i64>,
    #[serde(rename = "type")]
    pub message_type: String,
    pub text: String,
    pub read: bool,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
    pub edited: bool,
    pub broadcast_type: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: i64,
    pub customer: i64,
    pub name: String,
    pub data: Value,
    pub created_at: i64,
}

/// Everything one HelpCrunch account holds.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct HelpCrunchState {
    pub organization: Option<Organization>,
    pub applications: Collection<i64, Application>,
    pub agents: Collection<i64, Agent>,
    pub departments: Collection<i64, Department>,
    /// Tag name -> colour, account wide (tracked: a customer's kept view reads it).
    pub tags: Tracked<BTreeMap<String, String>>,
    pub customers: Collection<i64, Customer>,
    pub chats: Collection<i64, Chat>,
    pub messages: Collection<i64, Message>,
    pub events: Collection<i64, Event>,
}

impl HelpCrunchState {
    /// The rules the API's own writes keep, checked over the whole state: the seed must obey
    /// them too (a test runs this for many `--seed`s), and writes re-check the chat they
    /// touched in debug builds. Each problem names the record.
    pub fn problems(&self) -> Vec<String> {
        let mut by_chat: std::collections::HashMap<i64, Vec<&Message>> = Default::default();
        for m in self.messages.values() {
            by_chat.entry(m.chat).or_default().push(m);
        }
        let mut out = Vec::new();
        for m in self.messages.values() {
            if !self.chats.contains(&m.chat) {
                out.push(format!("message {}: chat {} does not exist", m.id, m.chat));
            }
            if m.agent_id.is_some_and(|a| !self.agents.contains(&a)) {
                out.push(format!(
                    "message {}: agent {:?} does not exist",
                    m.id, m.agent_id
                ));
            }
        }
        for c in self.chats.values() {
            let msgs = by_chat.get(&c.id).map(Vec::as_slice).unwrap_or(&[]);
            out.extend(chat_problems(c, msgs));
            if c.assignee_id.is_some_and(|a| !self.agents.contains(&a)) {
                out.push(format!(
                    "chat {}: assignee {:?} does not exist",
                    c.id, c.assignee_id
                ));
            }
        }
        out
    }

    /// [`HelpCrunchState::problems`] of one chat.
    pub fn chat_problems(&self, id: i64) -> Vec<String> {
        let Some(c) = self.chats.get(&id) else {
            return vec![format!("chat {id} does not exist")];
        };
        let msgs: Vec<&Message> = self.messages.values().filter(|m| m.chat == id).collect();
        chat_problems(c, &msgs)
    }
}

/// One chat against its messages: the last-message fields show the latest message posted
/// (the highest id: the clock may be set back) that is not a private note; the last customer message and the agents who wrote are what the
/// messages say; an empty chat has none; closing fields go with the closed status.
fn chat_problems(c: &Chat, msgs: &[&Message]) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |what: String| out.push(format!("chat {}: {what}", c.id));
    let public: Vec<&&Message> = msgs
        .iter()
        .filter(|m| m.message_type != "private")
        .collect();
    let newest = public.iter().max_by_key(|m| m.id);
    let secs = |ms: i64| ms.div_euclid(1000);
    match newest {
        Some(m) => {
            if c.last_message_id != Some(m.id) {
                say(format!(
                    "lastMessageId {:?}, newest message {}",
                    c.last_message_id, m.id
                ));
            }
            if c.last_message_at != Some(secs(m.created_at)) {
                say(format!(
                    "lastMessageAt {:?}, newest message at {}",
                    c.last_message_at,
                    secs(m.created_at)
                ));
            }
            if c.last_message_text.as_deref() != Some(m.text.as_str()) {
                say("lastMessageText is not the newest message's text".into());
            }
        }
        None => {
            if c.last_message_id.is_some() || c.last_message_at.is_some() {
                say("last-message fields set without a message".into());
            }
        }
    }
    let chat_messages = || public.iter().filter(|m| m.message_type == "message");
    let last_customer = chat_messages()
        .filter(|m| m.agent_id.is_none())
        .max_by_key(|m| m.id)
        .map(|m| secs(m.created_at));
    if last_customer.is_some() && c.last_customer_message_at != last_customer {
        say(format!(
            "lastCustomerMessageAt {:?}, newest customer message at {last_customer:?}",
            c.last_customer_message_at
        ));
    }
    let mut by_agent: Vec<&&&Message> = chat_messages().filter(|m| m.agent_id.is_some()).collect();
    by_agent.sort_by_key(|m| m.id);
    let mut agents: Vec<i64> = Vec::new();
    for m in &by_agent {
        if let Some(a) = m.agent_id {
            if !agents.contains(&a) {
                agents.push(a);
            }
        }
    }
    if c.agent_ids != agents {
        say(format!(
            "agents {:?}, agents who wrote {agents:?}",
            c.agent_ids
        ));
    }
    if c.last_communicated_agent_id != by_agent.last().and_then(|m| m.agent_id)
        && !by_agent.is_empty()
    {
        say("lastCommunicatedAgentId is not the newest agent message's".into());
    }
    if c.status == ChatStatus::Empty && !public.is_empty() {
        say("empty, with messages".into());
    }
    let closed = c.status == ChatStatus::Closed;
    if closed != c.closed_at.is_some() || closed != c.closed_by.is_some() {
        say(format!(
            "status {:?} with closedAt {:?} closedBy {:?}",
            c.status, c.closed_at, c.closed_by
        ));
    }
    if c.rating.is_some() && c.agent_ids.is_empty() {
        say("rated without an agent message".into());
    }
    out
}

#[cfg(test)]
mod tests;

crate::keyed!(
    Application => id: i64,
    Agent => id: i64,
    Department => id: i64,
    Customer => id: i64,
    Chat => id: i64,
    Message => id: i64,
    Event => id: i64,
);

//! Hiver: one state behind two surfaces (the official v1 API and the third-party tutorial
//! surface). Records are stored once; each surface renders its own view. No HTTP types. The
//! writes are in `rules.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::platform::error::{ApiError, ApiResult};
use crate::platform::store::Collection;

/// Conversation status as stored (official spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Open,
    Pending,
    Close,
}

impl Status {
    /// Official spelling: `open`, `pending`, `close`.
    pub fn official(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Close => "close",
        }
    }

    /// Tutorial spelling: `open`, `pending`, `closed`.
    pub fn tutorial(self) -> &'static str {
        match self {
            Status::Close => "closed",
            s => s.official(),
        }
    }

    /// Accepts either spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Some(Status::Open),
            "pending" => Some(Status::Pending),
            "close" | "closed" => Some(Status::Close),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Inbox {
    pub id: i64,
    /// The id the tutorial surface shows (`mb_…`).
    pub alias: String,
    pub display_name: String,
    pub channel_type: String,
    pub email: String,
    pub inbox_type: String,
    pub is_authorised: bool,
    pub source_user_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub member_ids: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct User {
    pub id: i64,
    /// The id the tutorial surface shows (`usr_…`).
    pub alias: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone_number: Option<String>,
    pub is_joined: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Tag {
    pub id: i64,
    pub inbox_id: i64,
    pub name: String,
    pub color: String,
    pub background: String,
    pub description: Option<String>,
    pub tag_type: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MessageRef {
    pub hiver_message_id: i64,
    pub gmail_message_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Conversation {
    pub id: i64,
    pub inbox_id: i64,
    /// Only the tutorial surface shows subjects (the official API has none).
    pub subject: String,
    pub status: Status,
    pub assignee_id: Option<i64>,
    pub tag_ids: Vec<i64>,
    pub gmail_thread_id: String,
    pub private_permalink: String,
    pub public_permalink: String,
    pub messages: Vec<MessageRef>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Attachment {
    pub id: String,
    pub file_name: String,
    pub file_type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Note {
    pub id: i64,
    pub conversation_id: i64,
    pub content: String,
    pub author_id: i64,
    pub mentions: Vec<String>,
    pub notify_all: bool,
    pub parent_note_id: Option<i64>,
    pub attachments: Vec<Attachment>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// The tutorial's `type` (`internal`), kept as sent.
    pub note_type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Draft {
    pub id: i64,
    pub conversation_id: i64,
    pub reply_to_message_id: i64,
    pub body: String,
    pub reply_type: String,
    pub attachments: Vec<Attachment>,
}

/// Everything one Hiver account holds.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct HiverState {
    pub inboxes: Collection<i64, Inbox>,
    pub users: Collection<i64, User>,
    pub tags: Collection<i64, Tag>,
    pub conversations: Collection<i64, Conversation>,
    pub notes: Collection<i64, Note>,
    pub drafts: Collection<i64, Draft>,
    /// Counters of ids that live inside records (`message`); records in collections take
    /// theirs from the collection, whose counter survives deletes.
    pub next_ids: BTreeMap<String, i64>,
}

/// Parses an id given as a number or a numeric string.
pub fn id_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl HiverState {
    /// The next Hiver message id (messages live inside conversations, so they keep their own
    /// counter, from 900000000).
    pub fn next_message_id(&mut self) -> i64 {
        let n = self.next_ids.entry("message".into()).or_insert(900_000_000);
        let id = *n;
        *n += 1;
        id
    }

    // ---- lookups -----------------------------------------------------------------------

    pub fn inbox(&self, raw: &str) -> ApiResult<&Inbox> {
        let found = match raw.trim().parse::<i64>() {
            Ok(id) => self.inboxes.get(&id),
            Err(_) => self.inboxes.values().find(|i| i.alias == raw),
        };
        found.ok_or_else(|| ApiError::not_found("Inbox", raw))
    }

    /// A user by numeric id or tutorial alias.
    pub fn user(&self, raw: &str) -> Option<&User> {
        match raw.trim().parse::<i64>() {
            Ok(id) => self.users.get(&id),
            Err(_) => self.users.values().find(|u| u.alias == raw),
        }
    }

    /// A conversation by Hiver id or Gmail thread id, optionally within one inbox.
    pub fn conversation(&self, raw: &str, inbox: Option<i64>) -> ApiResult<&Conversation> {
        let raw = raw.trim();
        let found = match raw.parse::<i64>() {
            Ok(id) => self.conversations.get(&id),
            Err(_) => None,
        }
        .or_else(|| {
            self.conversations
                .values()
                .find(|c| c.gmail_thread_id == raw)
        })
        .filter(|c| inbox.is_none_or(|i| c.inbox_id == i));
        found.ok_or_else(|| ApiError::not_found("Conversation", raw))
    }

    pub fn members(&self, inbox: &Inbox) -> Vec<&User> {
        inbox
            .member_ids
            .iter()
            .filter_map(|id| self.users.get(id))
            .collect()
    }

    pub fn inbox_tags(&self, inbox_id: i64) -> Vec<&Tag> {
        self.tags
            .values()
            .filter(|t| t.inbox_id == inbox_id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both spellings of closed are read; each surface writes its own.
    #[test]
    fn status_spellings() {
        assert_eq!(Status::parse("closed"), Some(Status::Close));
        assert_eq!(Status::parse("close"), Some(Status::Close));
        assert_eq!(Status::Close.official(), "close");
        assert_eq!(Status::Close.tutorial(), "closed");
        assert_eq!(Status::parse("snoozed"), None);
    }
}

crate::keyed!(
    Inbox => id: i64,
    User => id: i64,
    Tag => id: i64,
    Conversation => id: i64,
    Note => id: i64,
    Draft => id: i64,
);

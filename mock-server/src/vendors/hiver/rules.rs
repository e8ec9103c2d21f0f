//! Hiver's writes: tags, conversation changes (assignment, status, tags), notes and drafts,
//! with the official API's validation. No HTTP types: both surfaces' handlers call these.

use serde_json::Value;

use super::state::*;
use crate::platform::error::{ApiError, ApiResult, Problem};

fn bad(message: &str) -> ApiError {
    ApiError::invalid("body", Problem::Other(message.to_string()))
}

impl HiverState {
    /// `POST /inboxes/{id}/tags` and the tutorial's `POST /tags`.
    pub fn create_tag(
        &mut self,
        inbox_id: i64,
        name: &str,
        color: Option<String>,
        description: Option<String>,
        now: i64,
    ) -> ApiResult<Tag> {
        if name.trim().is_empty() {
            return Err(ApiError::invalid("name", Problem::Required));
        }
        if let Some(c) = &color {
            let ok =
                c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit());
            if !ok {
                return Err(ApiError::invalid(
                    "color_hexcode",
                    Problem::Other("color_hexcode must look like #64b5f6".into()),
                ));
            }
        }
        if self
            .tags
            .values()
            .any(|t| t.inbox_id == inbox_id && t.name.eq_ignore_ascii_case(name.trim()))
        {
            return Err(ApiError::invalid("name", Problem::Taken));
        }
        let tag = Tag {
            id: self.tags.next_id_from(784_268),
            inbox_id,
            name: name.trim().to_string(),
            color: color.unwrap_or_else(|| "#64b5f6".into()),
            background: "#f2f4f5".into(),
            description,
            tag_type: "user".into(),
            created_at: now,
        };
        self.tags.insert(tag.id, tag.clone());
        Ok(tag)
    }

    /// `PATCH /inboxes/{id}/conversations/{id}`: status, assignee by inbox-member email, tags
    /// to apply / remove. Everything is checked before anything changes.
    pub fn patch_conversation(
        &mut self,
        inbox_id: i64,
        raw: &str,
        body: &serde_json::Map<String, Value>,
    ) -> ApiResult<()> {
        let conv_id = self.conversation(raw, Some(inbox_id))?.id;
        let inbox = self.inbox(&inbox_id.to_string())?.clone();
        let known = ["status", "assignee", "tags"];
        if let Some(k) = body.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(bad(&format!("unknown field {k}")));
        }
        let status = match body.get("status") {
            None => None,
            Some(v) => match v
                .get("name")
                .and_then(Value::as_str)
                .and_then(Status::parse)
            {
                Some(s) if v["name"] != "closed" => Some(s),
                _ => return Err(bad("status.name must be one of open, pending, close")),
            },
        };
        // `assignee: null` unassigns (applied, not ignored).
        let assignee: Option<Option<i64>> = match body.get("assignee") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(v) => {
                let Some(email) = v.get("email").and_then(Value::as_str) else {
                    return Err(bad("assignee.email is required"));
                };
                match self
                    .members(&inbox)
                    .into_iter()
                    .find(|u| u.email.eq_ignore_ascii_case(email.trim()))
                {
                    Some(u) => Some(Some(u.id)),
                    None => return Err(bad(&format!("{email} is not a user of this inbox"))),
                }
            }
        };
        let mut apply = Vec::new();
        let mut remove = Vec::new();
        if let Some(t) = body.get("tags").filter(|t| !t.is_null()) {
            for (key, out) in [("to_apply", &mut apply), ("to_remove", &mut remove)] {
                match t.get(key) {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(ids)) => {
                        for raw_id in ids {
                            let id = id_of(raw_id).filter(|id| {
                                self.tags
                                    .get(id)
                                    .is_some_and(|tag| tag.inbox_id == inbox_id)
                            });
                            match id {
                                Some(id) => out.push(id),
                                None => {
                                    return Err(bad(&format!("tags.{key}: unknown tag {raw_id}")))
                                }
                            }
                        }
                    }
                    Some(_) => return Err(bad(&format!("tags.{key} must be a list of tag ids"))),
                }
            }
        }
        if let Some(both) = apply.iter().find(|id| remove.contains(id)) {
            return Err(bad(&format!(
                "tag {both} is in both tags.to_apply and tags.to_remove"
            )));
        }
        if status.is_none() && assignee.is_none() && apply.is_empty() && remove.is_empty() {
            return Err(bad("nothing to update: send status, assignee or tags"));
        }
        let c = self
            .conversations
            .get_mut(&conv_id)
            .ok_or(ApiError::Internal)?;
        if let Some(s) = status {
            c.status = s;
        }
        if let Some(a) = assignee {
            c.assignee_id = a;
        }
        for id in apply {
            if !c.tag_ids.contains(&id) {
                c.tag_ids.push(id);
            }
        }
        c.tag_ids.retain(|t| !remove.contains(t));
        debug_assert_eq!(
            self.conversations
                .get(&conv_id)
                .map(|c| self.conversation_problems(c))
                .unwrap_or_default(),
            Vec::<String>::new()
        );
        Ok(())
    }

    /// A note on a conversation (official multipart or tutorial JSON).
    #[allow(clippy::too_many_arguments)]
    pub fn add_note(
        &mut self,
        conversation_id: i64,
        content: String,
        mentions: Vec<String>,
        notify_all: bool,
        parent: Option<&str>,
        attachments: Vec<Attachment>,
        note_type: &str,
        now_ms: i64,
    ) -> ApiResult<Note> {
        let conv = self
            .conversations
            .get(&conversation_id)
            .ok_or(ApiError::Internal)?
            .clone();
        let inbox = self
            .inboxes
            .get(&conv.inbox_id)
            .ok_or(ApiError::Internal)?
            .clone();
        if content.trim().is_empty() && attachments.is_empty() {
            return Err(ApiError::invalid(
                "content",
                Problem::Other("content is required unless an attachment is sent".into()),
            ));
        }
        let members = self.members(&inbox);
        for m in &mentions {
            if !members.iter().any(|u| u.email.eq_ignore_ascii_case(m)) {
                return Err(bad(&format!("mentions: {m} is not a user of this inbox")));
            }
        }
        // A mention written as a bare email in the content renders as @first name.
        let mut rendered = content;
        for m in &mentions {
            if let Some(u) = members.iter().find(|u| u.email.eq_ignore_ascii_case(m)) {
                rendered = rendered.replace(m.as_str(), &format!("@{}", u.first_name));
            }
        }
        if notify_all && !rendered.contains("@all") {
            rendered = format!("@all {rendered}");
        }
        let parent_note_id = match parent.map(str::trim).filter(|p| !p.is_empty()) {
            None => None,
            Some(p) => match p.parse::<i64>().ok().filter(|id| {
                self.notes
                    .get(id)
                    .is_some_and(|n| n.conversation_id == conversation_id)
            }) {
                Some(id) => Some(id),
                None => {
                    return Err(bad(&format!(
                        "parent_note_id {p} is not a note of this conversation"
                    )))
                }
            },
        };
        let note = Note {
            id: self.notes.next_id_from(4_100_001),
            conversation_id,
            content: rendered,
            author_id: inbox.source_user_id,
            mentions,
            notify_all,
            parent_note_id,
            attachments,
            created_at: now_ms,
            note_type: note_type.to_string(),
        };
        self.notes.insert(note.id, note.clone());
        Ok(note)
    }

    /// `POST /inboxes/{id}/conversations/shared-drafts`: the conversation is found from the
    /// message being replied to.
    pub fn add_draft(
        &mut self,
        inbox_id: i64,
        body: String,
        reply_type: Option<String>,
        gmail_message_id: Option<String>,
        hiver_message_id: Option<i64>,
        attachments: Vec<Attachment>,
    ) -> ApiResult<Draft> {
        if body.trim().is_empty() {
            return Err(ApiError::invalid("body", Problem::Required));
        }
        if gmail_message_id.is_none() && hiver_message_id.is_none() {
            return Err(bad(
                "one of gmail_message_id or hiver_message_id is required",
            ));
        }
        let gmail = gmail_message_id.map(|g| {
            g.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        });
        let found = self
            .conversations
            .values()
            .filter(|c| c.inbox_id == inbox_id)
            .find_map(|c| {
                c.messages
                    .iter()
                    .find(|m| {
                        Some(m.hiver_message_id) == hiver_message_id
                            || gmail.as_deref().is_some_and(|g| {
                                m.gmail_message_id == g || g.starts_with(&m.gmail_message_id)
                            })
                    })
                    .map(|m| (c.id, m.hiver_message_id))
            });
        let (conversation_id, reply_to) = found.ok_or_else(|| {
            ApiError::not_found(
                "Message",
                hiver_message_id
                    .map(|h| h.to_string())
                    .or(gmail)
                    .unwrap_or_default(),
            )
        })?;
        let draft = Draft {
            id: self.drafts.next_id_from(90_000_001),
            conversation_id,
            reply_to_message_id: reply_to,
            body,
            reply_type: reply_type.unwrap_or_else(|| "reply".into()),
            attachments,
        };
        self.drafts.insert(draft.id, draft.clone());
        Ok(draft)
    }

    /// Tutorial: `POST /conversations/:id/assign {user_id}` (a member of the mailbox).
    pub fn assign(&mut self, conversation: &str, user: &Value) -> ApiResult<Conversation> {
        let conv = self.conversation(conversation, None)?.clone();
        let raw = match user {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(ApiError::invalid("user_id", Problem::Required)),
        };
        let inbox = self.inboxes.get(&conv.inbox_id).ok_or(ApiError::Internal)?;
        let uid = match self.user(&raw) {
            Some(u) if inbox.member_ids.contains(&u.id) => u.id,
            Some(_) => return Err(bad(&format!("user {raw} is not a member of this mailbox"))),
            None => return Err(ApiError::not_found("User", raw)),
        };
        let c = self
            .conversations
            .get_mut(&conv.id)
            .ok_or(ApiError::Internal)?;
        c.assignee_id = Some(uid);
        Ok(c.clone())
    }

    /// Tutorial: `PUT /conversations/:id/status {status}`.
    pub fn set_status(
        &mut self,
        conversation: &str,
        status: Option<&str>,
    ) -> ApiResult<Conversation> {
        let id = self.conversation(conversation, None)?.id;
        let s = status
            .filter(|s| *s != "close")
            .and_then(Status::parse)
            .ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    Problem::OneOf {
                        allowed: vec!["open".into(), "pending".into(), "closed".into()],
                    },
                )
            })?;
        let c = self.conversations.get_mut(&id).ok_or(ApiError::Internal)?;
        c.status = s;
        Ok(c.clone())
    }

    /// Tutorial: apply (`POST …/tags {tag_id}`) or remove (`DELETE …/tags/:tagId`) one tag of
    /// the conversation's mailbox.
    pub fn tag_conversation(
        &mut self,
        conversation: &str,
        tag: &Value,
        apply: bool,
    ) -> ApiResult<Conversation> {
        let conv = self.conversation(conversation, None)?.clone();
        let Some(tag_id) = id_of(tag) else {
            return Err(ApiError::invalid("tag_id", Problem::Required));
        };
        match self.tags.get(&tag_id) {
            Some(t) if t.inbox_id == conv.inbox_id => {}
            // Another mailbox's tag is not found in this one.
            _ => return Err(ApiError::not_found("Tag", tag_id)),
        }
        let c = self
            .conversations
            .get_mut(&conv.id)
            .ok_or(ApiError::Internal)?;
        if apply {
            if !c.tag_ids.contains(&tag_id) {
                c.tag_ids.push(tag_id);
            }
        } else {
            c.tag_ids.retain(|t| *t != tag_id);
        }
        Ok(c.clone())
    }
}

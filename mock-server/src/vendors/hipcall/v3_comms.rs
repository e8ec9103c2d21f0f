//! Hipcall v3 rules for the inbox (conversations, messages, WhatsApp templates) and the
//! device-side endpoints (mobile devices, push and SIP tokens, attribution). Nothing is sent
//! anywhere: each write changes the state and is what the reads show afterwards.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::models::{HipcallState, PartyKind};
use super::query_v3::{contains, filter, FieldValue, Kind, ListQuery, ListSpec, Op};
use super::records_v3::{
    Attribution, Conversation, Message, MobileDevice, PushToken, SipToken, TemplateMessage,
};
use super::time::format_ts;
use crate::platform::error::{ApiError, ApiResult, Problem};
use crate::platform::input::{Input, Presence as P};
use crate::platform::memo::Rendered;

pub const CONVERSATION_STATUSES: &[&str] = &["open", "pending", "closed"];

/// `GET /conversations`: newest activity first; `status[in]`.
pub const CONVERSATIONS: ListSpec = ListSpec {
    sorts: &["last_activity_at", "id"],
    default_descending: true,
    filters: &[filter(
        "status",
        Kind::OneOf(CONVERSATION_STATUSES),
        &[Op::Eq, Op::In],
    )],
    plain: &[],
    paged: true,
    searchable: true,
};

pub fn conversation_field(c: &Conversation, field: &str) -> FieldValue {
    match field {
        "status" => FieldValue::Str(c.status.clone()),
        "last_activity_at" => FieldValue::time(Some(&c.last_activity_at)),
        "id" => FieldValue::Str(c.id.clone()),
        _ => FieldValue::Null,
    }
}

fn unix(now: DateTime<Utc>) -> i64 {
    now.timestamp()
}

impl HipcallState {
    pub fn v3_inbox(&self, id: &str) -> ApiResult<&super::records_v3::Inbox> {
        self.v3.inboxes.find(&id.to_string(), "Inbox")
    }

    /// `PATCH /inbox/{id} {"whatsapp_calls_enabled": bool}`.
    pub fn v3_update_inbox(
        &mut self,
        id: &str,
        body: &Map<String, Value>,
    ) -> ApiResult<super::records_v3::Inbox> {
        self.v3_inbox(id)?;
        let mut input = Input::new(body);
        input.only(&["whatsapp_calls_enabled"]);
        let enabled = input.boolean("whatsapp_calls_enabled", P::Required);
        input.finish()?;
        let inbox = self.v3.inboxes.find_mut(&id.to_string(), "Inbox")?;
        inbox.whatsapp_calls_enabled = enabled.unwrap_or_default();
        Ok(inbox.clone())
    }

    /// Conversations matching a list query (`q` searches the preview and the contact's name).
    pub fn v3_conversations<'r>(
        &'r self,
        q: &ListQuery,
        memo: Rendered<'r>,
    ) -> Vec<&'r Conversation> {
        q.pick_in_kept_order(
            memo,
            "hipcall.v3.conversations.order",
            &self.v3.conversations,
            |c| {
                q.matches(|f| conversation_field(c, f))
                    && q.q.as_deref().is_none_or(|n| {
                        c.last_message_preview
                            .as_deref()
                            .is_some_and(|p| contains(p, n))
                            || c.contact_id
                                .and_then(|id| self.contacts.get(&id))
                                .is_some_and(|p| contains(&p.name, n))
                    })
            },
            conversation_field,
        )
    }

    /// `GET /conversations/{id}?date=YYYY-MM-DD`: the date is required (the API's spec says
    /// so) and must be a calendar date.
    pub fn v3_conversation_on(&self, id: &str, date: Option<&str>) -> ApiResult<&Conversation> {
        match date {
            None | Some("") => return Err(ApiError::invalid("date", Problem::Required)),
            Some(d) if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() => {
                return Err(ApiError::invalid(
                    "date",
                    Problem::Type { expected: "date" },
                ))
            }
            Some(_) => {}
        }
        self.conversation_by_id(id)
    }

    pub fn conversation_by_id(&self, id: &str) -> ApiResult<&Conversation> {
        self.v3.conversations.find(&id.to_string(), "Conversation")
    }

    /// `PATCH /conversations/{id}`: assignee, contact, company, status (closing stamps
    /// `closed_at`, reopening clears it).
    pub fn v3_update_conversation(
        &mut self,
        id: &str,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<Conversation> {
        let mut c = self.conversation_by_id(id)?.clone();
        let mut input = Input::new(body);
        input.only(&["assignee_id", "contact_id", "company_id", "status"]);
        if let Some(a) = input.nullable_integer("assignee_id") {
            if a.is_some_and(|u| !self.users.contains(&u)) {
                input.fail("assignee_id", Problem::UnknownReference);
            }
            c.assignee_id = a;
        }
        if let Some(x) = input.nullable_integer("contact_id") {
            if x.is_some_and(|id| !self.contacts.contains(&id)) {
                input.fail("contact_id", Problem::UnknownReference);
            }
            c.contact_id = x;
        }
        if let Some(x) = input.nullable_integer("company_id") {
            if x.is_some_and(|id| !self.companies.contains(&id)) {
                input.fail("company_id", Problem::UnknownReference);
            }
            c.company_id = x;
        }
        if let Some(s) = input.one_of("status", P::Optional, CONVERSATION_STATUSES) {
            if s == "closed" && c.status != "closed" {
                c.closed_at = Some(format_ts(now));
            } else if s != "closed" {
                c.closed_at = None;
            }
            c.status = s;
        }
        input.finish()?;
        c.last_activity_at = format_ts(now);
        self.v3.conversations.insert(c.id.clone(), c.clone());
        Ok(c)
    }

    /// A conversation's messages, oldest first.
    pub fn v3_messages(&self, id: &str) -> ApiResult<Vec<&Message>> {
        self.conversation_by_id(id)?;
        Ok(self
            .v3
            .messages
            .values()
            .filter(|m| m.conversation_id == id)
            .collect())
    }

    fn push_message(
        &mut self,
        conversation: &str,
        kind: &str,
        payload: Map<String, Value>,
        preview: &str,
        now: DateTime<Utc>,
    ) -> Message {
        let messages = &self.v3.messages;
        let taken = |id: &str| messages.contains(&id.to_string());
        let id = super::records_v3::fresh_id(
            &mut self.v3.counters,
            "message",
            1,
            |n| format!("msg_{n:06}"),
            taken,
        );
        let ts = format_ts(now);
        let m = Message {
            id,
            conversation_id: conversation.to_string(),
            message_type: kind.into(),
            direction: "outbound".into(),
            author: "user".into(),
            user_id: Some(self.owner_id),
            state: "sent".into(),
            payload,
            inserted_at: ts.clone(),
            updated_at: ts.clone(),
        };
        self.v3.messages.insert(m.id.clone(), m.clone());
        if let Some(c) = self.v3.conversations.get_mut(&conversation.to_string()) {
            c.last_activity_at = ts;
            c.last_message_preview = Some(preview.chars().take(120).collect());
            if c.answered_at.is_none() {
                c.answered_at = Some(c.last_activity_at.clone());
            }
            if c.status == "closed" {
                c.status = "open".into();
                c.closed_at = None;
            }
        }
        m
    }

    /// `POST /conversations/{id}/messages/text {"text"}` (201).
    pub fn v3_send_text(
        &mut self,
        id: &str,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<Message> {
        self.conversation_by_id(id)?;
        let mut input = Input::new(body);
        input.only(&["text"]);
        let text = input.string("text", P::Required, Some(4096));
        input.finish()?;
        let text = text.unwrap_or_default();
        let mut payload = Map::new();
        payload.insert("text".into(), Value::String(text.clone()));
        Ok(self.push_message(id, "text", payload, &text, now))
    }

    /// `POST /inbox/{id}/messages/template` (201): queues a WhatsApp template message; with a
    /// `conversation_id` it also appears in that conversation.
    pub fn v3_send_template(
        &mut self,
        inbox: &str,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<TemplateMessage> {
        self.v3_inbox(inbox)?;
        let mut input = Input::new(body);
        input.only(&[
            "element_name",
            "language_code",
            "to",
            "conversation_id",
            "header_media",
            "opens_conversation",
            "variables",
        ]);
        let element = input.string("element_name", P::Required, Some(512));
        let language = input.string("language_code", P::Required, Some(16));
        let to = input.string("to", P::Required, Some(32));
        let conversation = input.string("conversation_id", P::Optional, None);
        input.boolean("opens_conversation", P::Optional);
        if let Some(c) = &conversation {
            if !self.v3.conversations.contains(c) {
                input.fail("conversation_id", Problem::UnknownReference);
            }
        }
        let variables = match body.get("variables") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) if m.values().all(Value::is_string) => m.clone(),
            Some(_) => {
                input.fail("variables", Problem::Type { expected: "object" });
                Map::new()
            }
        };
        input.finish()?;
        let to = to.unwrap_or_default();
        let contact = self
            .contacts
            .values()
            .find(|p| {
                p.details
                    .phones
                    .iter()
                    .any(|x| super::query_v3::digits(&x.number) == super::query_v3::digits(&to))
            })
            .map(|p| p.id);
        let element = element.unwrap_or_default();
        let message_id = conversation.as_ref().map(|c| {
            let mut payload = Map::new();
            payload.insert("element_name".into(), Value::String(element.clone()));
            payload.insert("variables".into(), Value::Object(variables.clone()));
            self.push_message(c, "template", payload, &element, now).id
        });
        let templates = &self.v3.template_messages;
        let taken = |id: &str| templates.contains(&id.to_string());
        let id = super::records_v3::fresh_id(
            &mut self.v3.counters,
            "template",
            1,
            |n| format!("tpl_{n:06}"),
            taken,
        );
        let t = TemplateMessage {
            id,
            inbox_id: inbox.to_string(),
            element_name: element,
            language_code: language.unwrap_or_default(),
            to,
            state: "queued".into(),
            category: "MARKETING".into(),
            inserted_at: format_ts(now),
            contact_id: contact,
            conversation_id: conversation,
            message_id,
            variables,
        };
        self.v3.template_messages.insert(t.id.clone(), t.clone());
        Ok(t)
    }

    pub fn v3_template(&self, inbox: &str, id: &str) -> ApiResult<&TemplateMessage> {
        self.v3_inbox(inbox)?;
        self.v3
            .template_messages
            .get(&id.to_string())
            .filter(|t| t.inbox_id == inbox)
            .ok_or_else(|| ApiError::not_found("TemplateMessage", id))
    }

    // ---- devices, tokens, attribution ----------------------------------------------------------

    /// `POST /mobile/devices`: registers (or re-registers) a device for the token's user.
    pub fn v3_register_device(
        &mut self,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<MobileDevice> {
        let mut input = Input::new(body);
        input.only(&[
            "device_id",
            "fcm_token",
            "platform",
            "app_version",
            "os_version",
            "apns_token",
        ]);
        let device = input.string("device_id", P::Required, Some(255));
        let fcm = input.string("fcm_token", P::Required, None);
        let platform = input.one_of("platform", P::Required, &["ios", "android"]);
        let app = input.string("app_version", P::Required, Some(32));
        let os = input.string("os_version", P::Required, Some(32));
        let apns = input.string("apns_token", P::Optional, None);
        input.finish()?;
        let device = device.unwrap_or_default();
        let registered = self
            .v3
            .devices
            .get(&device)
            .map_or(unix(now), |d| d.registered_at);
        let d = MobileDevice {
            device_id: device.clone(),
            user_id: self.owner_id,
            fcm_token: fcm.unwrap_or_default(),
            apns_token: apns,
            platform: platform.unwrap_or_default(),
            app_version: app.unwrap_or_default(),
            os_version: os.unwrap_or_default(),
            do_not_disturb: false,
            registered_at: registered,
            updated_at: unix(now),
        };
        self.v3.devices.insert(device, d.clone());
        Ok(d)
    }

    pub fn v3_user_devices(&self, user: i64) -> usize {
        self.v3
            .devices
            .values()
            .filter(|d| d.user_id == user)
            .count()
    }

    /// `PATCH /mobile/devices/{id} {"do_not_disturb"}`.
    pub fn v3_update_device(
        &mut self,
        id: &str,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<MobileDevice> {
        let mut input = Input::new(body);
        input.only(&["do_not_disturb"]);
        let dnd = input.boolean("do_not_disturb", P::Required);
        input.finish()?;
        let d = self.v3.devices.find_mut(&id.to_string(), "MobileDevice")?;
        d.do_not_disturb = dnd.unwrap_or_default();
        d.updated_at = unix(now);
        Ok(d.clone())
    }

    pub fn v3_delete_device(&mut self, id: &str) -> ApiResult<MobileDevice> {
        self.v3
            .devices
            .remove(&id.to_string())
            .ok_or_else(|| ApiError::not_found("MobileDevice", id))
    }

    /// `POST /push/token {token, token_type}`.
    pub fn v3_push_token(
        &mut self,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<PushToken> {
        let mut input = Input::new(body);
        input.only(&["token", "token_type"]);
        let token = input.string("token", P::Required, None);
        let kind = input.one_of("token_type", P::Required, &["fcm", "apns", "voip"]);
        input.finish()?;
        let t = PushToken {
            user_id: self.owner_id,
            token: token.unwrap_or_default(),
            token_type: kind.unwrap_or_default(),
            last_seen: unix(now),
        };
        self.v3.push_tokens.insert(t.user_id, t.clone());
        Ok(t)
    }

    /// `DELETE /push/token`: 404 when the user has none.
    pub fn v3_delete_push_token(&mut self) -> ApiResult<()> {
        self.v3
            .push_tokens
            .remove(&self.owner_id)
            .map(|_| ())
            .ok_or_else(|| ApiError::not_found("PushToken", self.owner_id))
    }

    /// `POST /sip/token {user_id?}`: a SIP credential for the user (default: the token's user),
    /// valid for an hour.
    pub fn v3_sip_token(
        &mut self,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<SipToken> {
        let mut input = Input::new(body);
        input.only(&["user_id"]);
        let user = input
            .integer("user_id", P::Optional)
            .unwrap_or(self.owner_id);
        if !self.users.contains(&user) {
            input.fail("user_id", Problem::UnknownReference);
        }
        input.finish()?;
        let n = self.v3.next("sip", 1);
        let t = SipToken {
            user_id: user,
            sip_token: format!("sip-{user}-{n:08x}"),
            sip_username: format!("u{user}"),
            expires_at: unix(now) + 3600,
        };
        self.v3.sip_tokens.push(t.clone());
        Ok(t)
    }

    /// `POST /attribution`: records a marketing touch; links earlier touches of the same
    /// visitor.
    pub fn v3_attribution(&mut self, body: &Map<String, Value>) -> ApiResult<Attribution> {
        let mut input = Input::new(body);
        input.only(&[
            "source",
            "consent",
            "companyId",
            "contactId",
            "device",
            "visitorId",
        ]);
        match body.get("source") {
            Some(Value::Object(m)) => {
                if !matches!(m.get("url"), Some(Value::String(u)) if !u.is_empty()) {
                    input.fail("source.url", Problem::Required);
                }
            }
            None | Some(Value::Null) => input.fail("source", Problem::Required),
            Some(_) => input.fail("source", Problem::Type { expected: "object" }),
        }
        input.boolean("consent", P::Required);
        let company = input.integer("companyId", P::Optional);
        let contact = input.integer("contactId", P::Optional);
        if company.is_some_and(|c| !self.parties(PartyKind::Company).contains(&c)) {
            input.fail("companyId", Problem::UnknownReference);
        }
        if contact.is_some_and(|c| !self.parties(PartyKind::Contact).contains(&c)) {
            input.fail("contactId", Problem::UnknownReference);
        }
        input.string("visitorId", P::Optional, None);
        input.string("device", P::Optional, None);
        input.finish()?;
        let event = self.v3.next("attribution", 1);
        let a = Attribution {
            event_id: event,
            body: body.clone(),
            company_id: company,
            contact_id: contact,
        };
        self.v3.attributions.push(a.clone());
        Ok(a)
    }

    /// How many recorded touches share this one's visitor (itself included).
    pub fn v3_linked_events(&self, a: &Attribution) -> usize {
        match a.body.get("visitorId").and_then(Value::as_str) {
            Some(v) => self
                .v3
                .attributions
                .iter()
                .filter(|x| x.body.get("visitorId").and_then(Value::as_str) == Some(v))
                .count(),
            None => 1,
        }
    }
}

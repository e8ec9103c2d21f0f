//! HelpCrunch chats, their actions and messages, and the agent unsubscribe.

use serde_json::{Map, Value};

use super::super::input::{err, not_a_choice, ref_id, required, type_err, unix_input};
use super::super::state::{Chat, ChatStatus, HelpCrunchState, Message, RATINGS};
use crate::platform::error::{ApiError, ApiResult, FieldError, Problem};

/// The body-addressed chat actions (`PUT /chats/{action}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatAction {
    Status,
    Assignee,
    Department,
    Snooze,
    ReadByAgent,
    ReadByCustomer,
    Read,
    Rate,
}

impl HelpCrunchState {
    pub fn chat(&self, id: i64) -> ApiResult<&Chat> {
        self.chats.find(&id, "Chat")
    }

    pub fn sorted_chats(&self, sort: Option<&str>, descending: bool) -> Vec<&Chat> {
        let mut v: Vec<&Chat> = self.chats.values().collect();
        super::super::order::order_chats(&mut v, sort, descending);
        v
    }

    /// `POST /chats` (201): a new, empty chat for a customer in an application.
    pub fn create_chat(&mut self, body: &Map<String, Value>, now: i64) -> ApiResult<Chat> {
        let mut errors = Vec::new();
        let customer = ref_id(body, "customer", true, &mut errors).flatten();
        let application = ref_id(body, "application", true, &mut errors).flatten();
        let assignee = ref_id(body, "assignee", false, &mut errors).flatten();
        let department = ref_id(body, "department", false, &mut errors).flatten();
        for (key, id, known) in [
            (
                "customer",
                customer,
                customer.map(|c| self.customers.contains(&c)),
            ),
            (
                "application",
                application,
                application.map(|a| self.applications.contains(&a)),
            ),
            (
                "assignee",
                assignee,
                assignee.map(|a| self.agents.contains(&a)),
            ),
            (
                "department",
                department,
                department.map(|d| self.departments.contains(&d)),
            ),
        ] {
            if id.is_some() && known == Some(false) {
                errors.push(err(key, Problem::UnknownReference));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let chat = Chat {
            id: self.chats.next_id(),
            status: ChatStatus::Empty,
            closed_by: None,
            closed_at: None,
            rating: None,
            created_at: now,
            updated_at: now,
            last_message_at: None,
            last_customer_message_at: None,
            read_by_agent: true,
            read_by_customer: true,
            created_with: "public_api".into(),
            snoozed_until: None,
            last_message_text: None,
            last_message_id: None,
            application_id: application.unwrap_or_default(),
            last_communicated_agent_id: None,
            agent_ids: vec![],
            customer_id: customer.unwrap_or_default(),
            assignee_id: assignee,
            department_id: department,
        };
        self.chats.insert(chat.id, chat.clone());
        Ok(chat)
    }

    /// A required key whose value is an id of a known record or null (which clears it).
    fn nullable_ref(
        &self,
        body: &Map<String, Value>,
        key: &str,
        known: impl Fn(&Self, i64) -> bool,
    ) -> ApiResult<Option<i64>> {
        let mut errors = Vec::new();
        let value = ref_id(body, key, false, &mut errors);
        if !body.contains_key(key) {
            errors.push(required(key));
        }
        if let Some(Some(id)) = value {
            if !known(self, id) {
                errors.push(err(key, Problem::UnknownReference));
            }
        }
        if errors.is_empty() {
            Ok(value.flatten())
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    /// The chat-action endpoints (`PUT /chats/{action}` with the chat id in the body).
    pub fn chat_action(
        &mut self,
        action: ChatAction,
        body: &Map<String, Value>,
        now: i64,
    ) -> ApiResult<Chat> {
        let mut errors = Vec::new();
        let id = ref_id(body, "id", true, &mut errors).flatten();
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let id = id.unwrap_or_default();
        let mut c = self.chat(id)?.clone();
        let invalid = |e: FieldError| ApiError::Validation(vec![e]);
        match action {
            ChatAction::Status => {
                let settable: Vec<&str> = ChatStatus::ALL
                    .iter()
                    .filter(|s| **s != ChatStatus::Empty)
                    .map(|s| s.as_str())
                    .collect();
                let status = match body.get("status") {
                    Some(Value::String(s)) => {
                        match ChatStatus::parse(s).filter(|s| *s != ChatStatus::Empty) {
                            Some(s) => s,
                            None => return Err(invalid(not_a_choice("status", &settable))),
                        }
                    }
                    None | Some(Value::Null) => return Err(invalid(required("status"))),
                    Some(_) => return Err(invalid(type_err("status", "string"))),
                };
                if status == ChatStatus::Closed {
                    if c.status != ChatStatus::Closed {
                        c.closed_at = Some(now);
                        c.closed_by = Some("agent".into());
                    }
                } else {
                    c.closed_at = None;
                    c.closed_by = None;
                }
                c.status = status;
            }
            ChatAction::Assignee => {
                let known = |s: &Self, id: i64| s.agents.contains(&id);
                c.assignee_id = self.nullable_ref(body, "assignee", known)?;
            }
            ChatAction::Department => {
                let known = |s: &Self, id: i64| s.departments.contains(&id);
                c.department_id = self.nullable_ref(body, "department", known)?;
            }
            ChatAction::Snooze => match body.get("snoozedUntil") {
                None => return Err(invalid(required("snoozedUntil"))),
                Some(Value::Null) => c.snoozed_until = None,
                // A time before 1970 is no snooze (and would print as a negative timestamp).
                Some(v) => match unix_input(v).filter(|t| *t >= 0) {
                    Some(t) => c.snoozed_until = Some(t),
                    None => return Err(invalid(type_err("snoozedUntil", "number"))),
                },
            },
            ChatAction::ReadByAgent | ChatAction::ReadByCustomer | ChatAction::Read => {
                let read = match body.get("read") {
                    Some(Value::Bool(b)) => *b,
                    None | Some(Value::Null) => true,
                    Some(_) => return Err(invalid(type_err("read", "boolean"))),
                };
                if action == ChatAction::ReadByCustomer {
                    c.read_by_customer = read;
                } else {
                    c.read_by_agent = read;
                }
            }
            ChatAction::Rate => {
                let rating = match body.get("rating") {
                    Some(Value::String(s)) if RATINGS.contains(&s.as_str()) => s.clone(),
                    None | Some(Value::Null) => return Err(invalid(required("rating"))),
                    Some(_) => return Err(invalid(not_a_choice("rating", RATINGS))),
                };
                let has_agent_message = self
                    .messages
                    .values()
                    .any(|m| m.chat == id && m.from == "agent" && m.message_type == "message");
                let refuse = |text: &str| ApiError::Vendor {
                    code: "invalid_request".into(),
                    status: axum::http::StatusCode::BAD_REQUEST,
                    message: text.into(),
                };
                if c.status != ChatStatus::Closed {
                    return Err(refuse("Chat must be closed to rate it"));
                }
                if c.rating.is_some() {
                    return Err(refuse("Chat is already rated"));
                }
                if !has_agent_message {
                    return Err(refuse(
                        "Chat must have at least one agent message to be rated",
                    ));
                }
                c.rating = Some(rating);
            }
        }
        c.updated_at = now;
        self.chats.insert(id, c.clone());
        Ok(c)
    }

    // ---- messages ----------------------------------------------------------------------

    /// Messages of a chat, newest first.
    pub fn chat_messages(&self, chat: i64) -> ApiResult<Vec<&Message>> {
        self.chat(chat)?;
        let mut v: Vec<&Message> = self.messages.values().filter(|m| m.chat == chat).collect();
        v.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(v)
    }

    /// `POST /messages`: as the agent given, else as the chat's customer; `type` message or
    /// private. Updates the chat as the product does (see `mod.rs`).
    pub fn post_message(&mut self, body: &Map<String, Value>, now_ms: i64) -> ApiResult<Message> {
        let mut errors = Vec::new();
        let chat = ref_id(body, "chat", true, &mut errors).flatten();
        let agent = ref_id(body, "agent", false, &mut errors).flatten();
        let text = match (body.get("text"), body.get("markdownText")) {
            (Some(Value::String(s)), _) if !s.trim().is_empty() => Some(s.clone()),
            (None | Some(Value::Null), Some(Value::String(s))) if !s.trim().is_empty() => {
                Some(s.clone())
            }
            (Some(v), _) if !v.is_string() && !v.is_null() => {
                errors.push(type_err("text", "string"));
                None
            }
            _ => {
                errors.push(required("text"));
                None
            }
        };
        if body
            .get("markdownText")
            .is_some_and(|v| !v.is_string() && !v.is_null())
        {
            errors.push(type_err("markdownText", "string"));
        }
        let kind = match body.get("type") {
            None | Some(Value::Null) => "message".to_string(),
            Some(Value::String(s)) if s == "message" || s == "private" => s.clone(),
            Some(_) => {
                errors.push(not_a_choice("type", &["message", "private"]));
                String::new()
            }
        };
        if let Some(a) = agent {
            if !self.agents.contains(&a) {
                errors.push(err("agent", Problem::UnknownReference));
            }
        }
        if kind == "private" && agent.is_none() && errors.is_empty() {
            errors.push(err(
                "agent",
                Problem::RequiredWhen {
                    field: "type",
                    value: "private",
                },
            ));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let chat_id = chat.unwrap_or_default();
        let mut c = self.chat(chat_id)?.clone();
        let m = Message {
            id: self.messages.next_id(),
            chat: chat_id,
            from: if agent.is_some() { "agent" } else { "customer" }.into(),
            agent_id: agent,
            message_type: kind,
            text: text.unwrap_or_default(),
            read: false,
            created_at: now_ms,
            updated_at: now_ms,
            edited: false,
            broadcast_type: None,
        };
        let now = now_ms.div_euclid(1000);
        c.updated_at = now;
        if m.message_type == "message" {
            c.last_message_at = Some(now);
            c.last_message_text = Some(m.text.clone());
            c.last_message_id = Some(m.id);
            match agent {
                Some(a) => {
                    if !c.agent_ids.contains(&a) {
                        c.agent_ids.push(a);
                    }
                    c.last_communicated_agent_id = Some(a);
                    c.read_by_customer = false;
                    c.read_by_agent = true;
                    if matches!(c.status, ChatStatus::New | ChatStatus::Empty) {
                        c.status = ChatStatus::Opened;
                    }
                }
                None => {
                    c.last_customer_message_at = Some(now);
                    c.read_by_agent = false;
                    c.read_by_customer = true;
                    if matches!(c.status, ChatStatus::Empty | ChatStatus::Closed) {
                        c.status = ChatStatus::New;
                        c.closed_at = None;
                        c.closed_by = None;
                    }
                }
            }
        }
        self.chats.insert(chat_id, c);
        self.messages.insert(m.id, m.clone());
        debug_assert_eq!(self.chat_problems(chat_id), Vec::<String>::new());
        Ok(m)
    }

    // ---- agents ------------------------------------------------------------------------

    pub fn unsubscribe_agent(&mut self, id: i64) -> ApiResult<()> {
        let a = self.agents.find_mut(&id, "Agent")?;
        a.unsubscribed = true;
        Ok(())
    }
}

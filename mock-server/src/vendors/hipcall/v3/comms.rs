//! Hipcall v3: the inbox, conversations and messages — routes and handlers.

use super::*;

pub(super) fn routes(r: V3Routes) -> V3Routes {
    r.route("/inbox", get(list_inboxes))
        .route("/inbox/{id}", get(get_inbox).patch(update_inbox))
        .route("/inbox/{id}/messages/template", post(send_template))
        .route(
            "/inbox/{id}/messages/template/{template_id}",
            get(get_template),
        )
        .route("/conversations", get(list_conversations))
        .route(
            "/conversations/{id}",
            get(get_conversation).patch(update_conversation),
        )
        .route("/conversations/{id}/messages", get(conversation_messages))
        .route("/conversations/{id}/messages/text", post(send_text))
}

async fn list_inboxes(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let spec = ListSpec {
        sorts: &["id"],
        ..ListSpec::simple()
    };
    let lq = parse(&q, &spec)?;
    hc.read(&account, |s| {
        let all: Vec<_> =
            s.v3.inboxes
                .values()
                .filter(|i| lq.q.as_deref().is_none_or(|n| contains(&i.name, n)))
                .collect();
        page(&all, &lq, inbox)
    })
}

async fn get_inbox(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    hc.read(&account, |s| json(&Data(s.v3_inbox(&id)?)))
}

async fn update_inbox(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let i = hc.write(&account, |s| s.v3_update_inbox(&id, &b))?;
    json(&Data(&i))
}

async fn send_template(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let now = hc.clock.now();
    let t = hc.write(&account, |s| s.v3_send_template(&id, &b, now))?;
    created(&template_message(&t))
}

async fn get_template(
    State(hc): Hc,
    account: Account,
    Path((id, tid)): Path<(String, String)>,
) -> Answer {
    hc.read(&account, |s| {
        json(&Data(template_message(s.v3_template(&id, &tid)?)))
    })
}

async fn list_conversations(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &CONVERSATIONS)?;
    let heavy = hc.read(&account, |s| s.v3.conversations.len() >= LARGE_COLLECTION);
    off_workers_if(heavy, move || {
        hc.read_memo(&account, |s, memo| {
            let picked = s.v3_conversations(&lq, memo);
            picked_page(picked.count, &picked.page, &lq, |c| {
                memo.show::<KeptConversation>(s, c)
            })
        })
    })
    .await
}

async fn get_conversation(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    q: QueryPairs,
) -> Answer {
    let lq = parse(&q, &plain(&["date"]))?;
    hc.read_memo(&account, |s, memo| {
        let c = s.v3_conversation_on(&id, lq.plain("date"))?;
        json(&Data(memo.show::<KeptConversation>(s, c)))
    })
}

async fn update_conversation(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let now = hc.clock.now();
    hc.write(&account, |s| {
        let c = s.v3_update_conversation(&id, &b, now)?;
        json(&Data(s.v3_conversation(&c)))
    })
}

async fn conversation_messages(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    q: QueryPairs,
) -> Answer {
    let spec = ListSpec {
        searchable: false,
        ..ListSpec::simple()
    };
    let lq = parse(&q, &spec)?;
    hc.read(&account, |s| page(&s.v3_messages(&id)?, &lq, message))
}

async fn send_text(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let now = hc.clock.now();
    let m = hc.write(&account, |s| s.v3_send_text(&id, &b, now))?;
    created(&message(&m))
}

// ---- rules ---------------------------------------------------------------------------------

pub(super) const CONVERSATION_STATUSES: &[&str] = &["open", "pending", "closed"];

/// `GET /conversations`: newest activity first; `status[in]`.
pub(super) const CONVERSATIONS: ListSpec = ListSpec {
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

pub(super) fn conversation_field(c: &Conversation, field: &str) -> FieldValue {
    match field {
        "status" => FieldValue::Str(c.status.clone()),
        "last_activity_at" => FieldValue::time(Some(&c.last_activity_at)),
        "id" => FieldValue::Str(c.id.clone()),
        _ => FieldValue::Null,
    }
}

impl HipcallState {
    pub fn v3_inbox(&self, id: &str) -> ApiResult<&super::records::Inbox> {
        self.v3.inboxes.find(&id.to_string(), "Inbox")
    }

    /// `PATCH /inbox/{id} {"whatsapp_calls_enabled": bool}`.
    pub fn v3_update_inbox(
        &mut self,
        id: &str,
        body: &Map<String, Value>,
    ) -> ApiResult<super::records::Inbox> {
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
    ) -> Picked<'r, Conversation> {
        q.page_in_kept_order(
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
        let id = super::records::fresh_id(
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
                    .any(|x| super::query::digits(&x.number) == super::query::digits(&to))
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
        let id = super::records::fresh_id(
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
}

// ---- views ---------------------------------------------------------------------------------

#[derive(Serialize)]
pub struct ConversationView<'a> {
    id: &'a str,
    inbox_id: &'a str,
    status: &'a str,
    last_activity_at: Iso<'a>,
    contact_id: Option<i64>,
    company_id: Option<i64>,
    assignee_id: Option<i64>,
    unread_count: i64,
    last_message_preview: &'a Option<String>,
    contact_info: Value,
    answered_at: Option<Iso<'a>>,
    bridged_at: Option<String>,
    closed_at: Option<Iso<'a>>,
}

#[derive(Serialize)]
pub(super) struct MessageView<'a> {
    id: &'a str,
    conversation_id: &'a str,
    #[serde(rename = "type")]
    message_type: &'a str,
    direction: &'a str,
    author: &'a str,
    user_id: Option<i64>,
    state: &'a str,
    payload: &'a Map<String, Value>,
    media_url: Option<String>,
    error_code: Option<i64>,
    inserted_at: Iso<'a>,
    updated_at: Iso<'a>,
}

#[derive(Serialize)]
pub(super) struct TemplateMessageView<'a> {
    id: &'a str,
    element_name: &'a str,
    language_code: &'a str,
    to: &'a str,
    state: &'a str,
    gsm_id: Option<String>,
    category: &'a str,
    inserted_at: Iso<'a>,
    contact_id: Option<i64>,
    company_id: Option<i64>,
    conversation_id: &'a Option<String>,
    message_id: &'a Option<String>,
}

impl HipcallState {
    pub fn v3_conversation<'a>(&'a self, c: &'a Conversation) -> ConversationView<'a> {
        let contact = c.contact_id.and_then(|id| self.contacts.get(&id));
        ConversationView {
            id: &c.id,
            inbox_id: &c.inbox_id,
            status: &c.status,
            last_activity_at: Iso(&c.last_activity_at),
            contact_id: c.contact_id,
            company_id: c.company_id,
            assignee_id: c.assignee_id,
            unread_count: c.unread_count,
            last_message_preview: &c.last_message_preview,
            contact_info: match contact {
                Some(p) => json!({
                    "email": p.details.emails.first(),
                    "name": p.name,
                    "phone": p.details.phones.first().map(|x| x.number.as_str()),
                }),
                None => Value::Null,
            },
            answered_at: v::opt_iso(&c.answered_at),
            bridged_at: None,
            closed_at: v::opt_iso(&c.closed_at),
        }
    }
}

pub(super) fn inbox(i: &Inbox) -> &Inbox {
    i
}

pub(super) fn message(m: &Message) -> MessageView<'_> {
    MessageView {
        id: &m.id,
        conversation_id: &m.conversation_id,
        message_type: &m.message_type,
        direction: &m.direction,
        author: &m.author,
        user_id: m.user_id,
        state: &m.state,
        payload: &m.payload,
        media_url: None,
        error_code: None,
        inserted_at: Iso(&m.inserted_at),
        updated_at: Iso(&m.updated_at),
    }
}

pub(super) fn template_message(t: &TemplateMessage) -> TemplateMessageView<'_> {
    TemplateMessageView {
        id: &t.id,
        element_name: &t.element_name,
        language_code: &t.language_code,
        to: &t.to,
        state: &t.state,
        gsm_id: None,
        category: &t.category,
        inserted_at: Iso(&t.inserted_at),
        contact_id: t.contact_id,
        company_id: None,
        conversation_id: &t.conversation_id,
        message_id: &t.message_id,
    }
}

/// A conversation with its contact (kept in the account's memo until its next write).
pub(crate) struct KeptConversation;

impl KeptView for KeptConversation {
    type State = HipcallState;
    type Record = Conversation;
    type Out<'r> = ConversationView<'r>;
    fn render<'r>(s: &'r HipcallState, r: &'r Conversation) -> Self::Out<'r> {
        s.v3_conversation(r)
    }
}

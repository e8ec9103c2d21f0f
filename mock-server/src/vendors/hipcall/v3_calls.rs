//! Hipcall v3 rules for calls (lists, call-and-bridge, extension calls, comments, tags, cards,
//! dispositions), tasks, users (presence, default number, today's stats) and the profile.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Map, Value};

use super::models::{Cdr, Comment, FlowStep, HipcallState, PartyKind, Task, TaskLinks, User};
use super::query_v3::{digits, filter, FieldValue, Kind, ListQuery, ListSpec, Op};
use super::records_v3::{Actor, CallDisposition, CallRequest, Presence};
use super::time::{format_ts, parse_date_input};
use super::views_v3::direction;
use crate::platform::error::{ApiError, ApiResult, FieldError, Problem};
use crate::platform::input::{Input, Presence as P};
use crate::platform::memo::Rendered;

/// `GET /calls`: newest first by default; the filters the SDK sends.
pub const CALLS: ListSpec = ListSpec {
    sorts: &["started_at"],
    default_descending: true,
    filters: &[
        filter("started_at", Kind::Time, &[Op::Gte, Op::Lte]),
        filter("missing_call", Kind::Bool, &[Op::Eq]),
        filter(
            "direction",
            Kind::OneOf(&["inbound", "outbound", "internal"]),
            &[Op::Eq, Op::In],
        ),
        filter("call_duration", Kind::Int, &[Op::Gte, Op::Lte]),
        filter("user_id", Kind::Int, &[Op::Eq, Op::In]),
        filter("team_id", Kind::Int, &[Op::Eq]),
    ],
    plain: &[],
    paged: true,
    searchable: true,
};

/// `GET /tasks`: by id by default; `name` sorts too.
pub const TASKS: ListSpec = ListSpec {
    sorts: &["id", "name"],
    default_descending: false,
    filters: &[
        filter("assign_to_user_id", Kind::Int, &[Op::Eq, Op::In]),
        filter("done", Kind::Bool, &[Op::Eq]),
    ],
    plain: &[],
    paged: true,
    searchable: true,
};

/// A call's value for a filter or sort field (v3 names and values).
pub fn call_field(c: &Cdr, field: &str) -> FieldValue {
    match field {
        "started_at" => FieldValue::time(Some(&c.started_at)),
        "missing_call" => FieldValue::Bool(c.missing_call),
        "direction" => FieldValue::Str(direction(c.direction).to_string()),
        "call_duration" => FieldValue::Int(c.call_duration),
        "user_id" => FieldValue::opt_int(c.user_id),
        "team_id" => {
            FieldValue::opt_int((c.callee_type == Some(4)).then_some(c.callee_id).flatten())
        }
        _ => FieldValue::Null,
    }
}

pub fn task_field(t: &Task, field: &str) -> FieldValue {
    match field {
        "id" => FieldValue::Int(t.id),
        "name" => FieldValue::Str(t.name.clone()),
        "assign_to_user_id" => FieldValue::opt_int(t.assign_to),
        "done" => FieldValue::Bool(t.done),
        _ => FieldValue::Null,
    }
}

/// Where a comment or tag hangs in v3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Party(PartyKind, i64),
    Task(i64),
    Call(String),
}

impl Target {
    fn commentable(&self) -> (&'static str, i64, Option<String>) {
        match self {
            Target::Party(PartyKind::Company, id) => ("company", *id, None),
            Target::Party(PartyKind::Contact, id) => ("contact", *id, None),
            Target::Party(PartyKind::Deal, id) => ("deal", *id, None),
            Target::Task(id) => ("task", *id, None),
            Target::Call(uuid) => ("call", 0, Some(uuid.clone())),
        }
    }
}

impl HipcallState {
    /// Calls matching a list query, in its order.
    pub fn v3_calls<'r>(&'r self, q: &ListQuery, memo: Rendered<'r>) -> Vec<&'r Cdr> {
        let needle = q.q.as_deref().map(digits).filter(|d| !d.is_empty());
        // Ties keep the stored order (newest first).
        q.pick_in_kept_order(
            memo,
            "hipcall.v3.calls.order",
            &self.cdrs,
            |c| {
                q.matches(|f| call_field(c, f))
                    && needle.as_ref().is_none_or(|n| {
                        digits(&c.caller_number).contains(n.as_str())
                            || digits(&c.callee_number).contains(n.as_str())
                    })
            },
            call_field,
        )
    }

    /// `GET /calls/{uuid}?date=YYYY-MM-DD`: the date is required and must be a calendar date;
    /// the call is found by uuid.
    pub fn v3_call_by_uuid(&self, uuid: &str, date: Option<&str>) -> ApiResult<&Cdr> {
        match date {
            None | Some("") => return Err(ApiError::invalid("date", Problem::Required)),
            Some(d) if NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() => {
                return Err(ApiError::invalid(
                    "date",
                    Problem::Type { expected: "date" },
                ))
            }
            Some(_) => {}
        }
        self.call(uuid)
    }

    pub fn call(&self, uuid: &str) -> ApiResult<&Cdr> {
        self.cdrs
            .get(&uuid.to_ascii_lowercase())
            .ok_or_else(|| ApiError::not_found("Call", uuid))
    }

    fn contact_by_phone(&self, number: &str) -> Option<i64> {
        let want = digits(number);
        (!want.is_empty())
            .then(|| {
                self.contacts
                    .values()
                    .find(|c| c.details.phones.iter().any(|p| digits(&p.number) == want))
                    .map(|c| c.id)
            })
            .flatten()
    }

    /// Records an outbound call placed for `user_id` to `callee`: a completed call record
    /// (init -> bridge -> hangup at `now`) that both APIs list, plus the request itself.
    #[allow(clippy::too_many_arguments)]
    fn place_call(
        &mut self,
        kind: &str,
        from_id: i64,
        user_id: i64,
        number_id: Option<i64>,
        callee: &str,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> String {
        let cdrs = &self.cdrs;
        let uuid = super::records_v3::fresh_id(
            &mut self.v3.counters,
            "call",
            1,
            |n| format!("00000000-0000-4000-8000-{n:012x}"),
            |id| cdrs.contains(&id.to_string()),
        );
        let number = number_id
            .or_else(|| self.users.get(&user_id).and_then(|u| u.default_number_id))
            .and_then(|id| self.numbers.get(&id));
        let contact = self.contact_by_phone(callee);
        let ts = format_ts(now);
        let step = |action: &str, detail: Value| FlowStep {
            action: action.into(),
            detail: detail.as_object().cloned().unwrap_or_default(),
            timestamp: ts.clone(),
        };
        let cdr = Cdr {
            resource_type: "cdr".into(),
            uuid: uuid.clone(),
            direction: 2,
            user_id: Some(user_id),
            contact_id: contact.unwrap_or(0),
            channel_type: 1,
            channel_id: number.map_or(1, |n| n.id),
            started_at: ts.clone(),
            answered_at: Some(ts.clone()),
            bridged_at: Some(ts.clone()),
            ended_at: Some(ts.clone()),
            call_duration: 0,
            first_touch_duration: 0,
            missing_call: false,
            missing_call_reason: 0,
            caller_id: Some(user_id),
            caller_type: 2,
            caller_number: number.map_or_else(|| "+908503902777".into(), |n| n.number.clone()),
            callee_id: contact,
            callee_type: Some(1),
            callee_number: callee.to_string(),
            record_url: None,
            hangup_by: 1,
            voicemail_type: None,
            voicemail_id: None,
            voicemail_url: None,
            call_flow: vec![
                step("hangup", json!({"hangup_by": "user"})),
                step("bridge", json!({"id": user_id, "type": "user"})),
                step("init", json!({"id": user_id, "type": "user"})),
            ],
        };
        debug_assert_eq!(self.cdr_problems(&cdr), Vec::<String>::new());
        self.cdrs.insert_first(uuid.clone(), cdr);
        self.v3.call_requests.push(CallRequest {
            kind: kind.into(),
            from_id,
            callee_number: callee.into(),
            body: body.clone(),
            call_uuid: uuid.clone(),
            at: ts,
        });
        uuid
    }

    /// `POST /users/{id}/call`: `callee_number` and `ring_user_first` required; an unknown
    /// user is the documented 404 naming `user_id`.
    pub fn call_and_bridge(
        &mut self,
        user_id: i64,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<String> {
        if !self.users.contains(&user_id) {
            return Err(ApiError::Vendor {
                code: "user_id".into(),
                status: axum::http::StatusCode::NOT_FOUND,
                message: format!("No result for user_id: {user_id}"),
            });
        }
        let mut input = Input::new(body);
        input.only(&[
            "callee_number",
            "ring_user_first",
            "call_masking",
            "call_masking_name",
            "number_id",
        ]);
        let callee = input.string("callee_number", P::Required, Some(32));
        input.boolean("ring_user_first", P::Required);
        input.boolean("call_masking", P::Optional);
        input.string("call_masking_name", P::Optional, Some(64));
        let number_id = input.integer("number_id", P::Optional);
        if number_id.is_some_and(|n| !self.numbers.contains(&n)) {
            input.fail("number_id", Problem::UnknownReference);
        }
        input.finish()?;
        let callee = callee.unwrap_or_default();
        Ok(self.place_call(
            "call_and_bridge",
            user_id,
            user_id,
            number_id,
            &callee,
            body,
            now,
        ))
    }

    /// `POST /extensions/{id}/call`: `number_id` and `callee_number` required; the call is
    /// placed for the extension's user (or the account owner for other targets).
    pub fn call_extension(
        &mut self,
        extension_id: i64,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<String> {
        let ext = self.extensions.find(&extension_id, "Extension")?;
        let user = if ext.target_type == "user" {
            ext.target_id
        } else {
            self.owner_id
        };
        let mut input = Input::new(body);
        input.only(&["number_id", "callee_number", "wait_for_answer"]);
        let number_id = input.integer("number_id", P::Required);
        let callee = input.string("callee_number", P::Required, Some(32));
        input.boolean("wait_for_answer", P::Optional);
        if number_id.is_some_and(|n| !self.numbers.contains(&n)) {
            input.fail("number_id", Problem::UnknownReference);
        }
        input.finish()?;
        let callee = callee.unwrap_or_default();
        Ok(self.place_call(
            "call_extension",
            extension_id,
            user,
            number_id,
            &callee,
            body,
            now,
        ))
    }

    // ---- comments and tags on any target ---------------------------------------------------

    /// Checks that the target exists (404 otherwise).
    pub fn v3_target(&self, t: &Target) -> ApiResult<()> {
        let found = match t {
            Target::Party(kind, id) => self.parties(*kind).contains(id),
            Target::Task(id) => self.tasks.contains(id),
            Target::Call(uuid) => self.cdrs.contains(&uuid.to_ascii_lowercase()),
        };
        if found {
            Ok(())
        } else {
            Err(ApiError::not_found("Record", ""))
        }
    }

    pub fn v3_comments(&self, t: &Target) -> ApiResult<Vec<&Comment>> {
        self.v3_target(t)?;
        let (kind, id, uuid) = t.commentable();
        Ok(self
            .comments
            .values()
            .filter(|c| {
                c.commentable_type == kind
                    && c.commentable_id == id
                    && c.commentable_uuid.as_deref()
                        == uuid.as_deref().map(str::to_ascii_lowercase).as_deref()
            })
            .collect())
    }

    /// Creates a comment; `body` is `{"content"}` or (tasks, as the SDK sends it) `{"data":
    /// {"content"}}`.
    pub fn v3_add_comment(
        &mut self,
        t: &Target,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<Comment> {
        self.v3_target(t)?;
        let inner = wrapped(body)?;
        let mut input = Input::new(inner);
        input.only(&["content"]);
        let content = input.string("content", P::Required, Some(65_535));
        input.finish()?;
        let (kind, id, uuid) = t.commentable();
        let ts = format_ts(now);
        let c = Comment {
            resource_type: "comment".into(),
            id: self.comments.next_id(),
            content: content.unwrap_or_default(),
            commentable_type: kind.into(),
            created_at: ts.clone(),
            updated_at: ts,
            commentable_id: id,
            commentable_uuid: uuid.map(|u| u.to_ascii_lowercase()),
            user_id: Some(self.owner_id),
        };
        self.comments.insert(c.id, c.clone());
        Ok(c)
    }

    fn tag_ids(&self, t: &Target) -> Vec<i64> {
        match t {
            Target::Party(kind, id) => self
                .parties(*kind)
                .get(id)
                .map(|p| p.tag_ids.clone())
                .unwrap_or_default(),
            Target::Task(id) => self.v3.task_tags.get(id).cloned().unwrap_or_default(),
            Target::Call(uuid) => self
                .v3
                .call_tags
                .get(&uuid.to_ascii_lowercase())
                .cloned()
                .unwrap_or_default(),
        }
    }

    fn tag_ids_mut(&mut self, t: &Target) -> Option<&mut Vec<i64>> {
        match t {
            Target::Party(kind, id) => self.parties_mut(*kind).get_mut(id).map(|p| &mut p.tag_ids),
            Target::Task(id) => Some(self.v3.task_tags.entry(*id).or_default()),
            Target::Call(uuid) => Some(
                self.v3
                    .call_tags
                    .entry(uuid.to_ascii_lowercase())
                    .or_default(),
            ),
        }
    }

    pub fn v3_tags_of(&self, t: &Target) -> ApiResult<Vec<&super::models::Tag>> {
        self.v3_target(t)?;
        Ok(self
            .tag_ids(t)
            .iter()
            .filter_map(|id| self.tags.get(id))
            .collect())
    }

    /// `POST …/tags {"tag_id"}`: idempotent; an unknown tag is 404.
    pub fn v3_add_tag(&mut self, t: &Target, body: &Map<String, Value>) -> ApiResult<i64> {
        self.v3_target(t)?;
        let mut input = Input::new(body);
        input.only(&["tag_id"]);
        let tag = input.integer("tag_id", P::Required);
        input.finish()?;
        let tag = tag.unwrap_or_default();
        if !self.tags.contains(&tag) {
            return Err(ApiError::not_found("Tag", tag));
        }
        if let Some(list) = self.tag_ids_mut(t) {
            if !list.contains(&tag) {
                list.push(tag);
            }
        }
        Ok(tag)
    }

    /// `DELETE …/tags/{tag_id}`: an unknown tag is 404; a known tag not attached is a no-op.
    pub fn v3_remove_tag(&mut self, t: &Target, tag: i64) -> ApiResult<()> {
        self.v3_target(t)?;
        if !self.tags.contains(&tag) {
            return Err(ApiError::not_found("Tag", tag));
        }
        if let Some(list) = self.tag_ids_mut(t) {
            list.retain(|x| *x != tag);
        }
        Ok(())
    }

    // ---- cards and dispositions ------------------------------------------------------------

    /// `POST /calls/{uuid}/cards {"card": [rows]}`: each row's keys must be exactly the ones
    /// its type allows (extra keys, even null, are a 422).
    pub fn v3_add_card(
        &mut self,
        uuid: &str,
        body: &Map<String, Value>,
    ) -> ApiResult<Vec<Map<String, Value>>> {
        self.call(uuid)?;
        let mut errors = Vec::new();
        let rows = match body.get("card") {
            Some(Value::Array(rows)) if !rows.is_empty() => rows,
            Some(Value::Array(_)) | None | Some(Value::Null) => {
                return Err(ApiError::invalid("card", Problem::Required))
            }
            Some(_) => {
                return Err(ApiError::invalid(
                    "card",
                    Problem::Type { expected: "array" },
                ))
            }
        };
        for k in body.keys().filter(|k| *k != "card") {
            errors.push(FieldError::new(k.clone(), Problem::NotAllowed));
        }
        let mut out = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let Some(obj) = row.as_object() else {
                errors.push(FieldError::new(
                    format!("card.{i}"),
                    Problem::Type { expected: "object" },
                ));
                continue;
            };
            let allowed: &[&str] = match obj.get("type").and_then(Value::as_str) {
                Some("title") => &["type", "text", "link"],
                Some("shortText") => &["type", "text", "label", "link", "android", "ios"],
                Some("user") => &["type", "label", "user_id"],
                _ => {
                    errors.push(FieldError::new(
                        format!("card.{i}.type"),
                        Problem::OneOf {
                            allowed: vec!["title".into(), "shortText".into(), "user".into()],
                        },
                    ));
                    continue;
                }
            };
            for k in obj.keys().filter(|k| !allowed.contains(&k.as_str())) {
                errors.push(FieldError::new(
                    format!("card.{i}.{k}"),
                    Problem::NotAllowed,
                ));
            }
            for k in ["text", "label", "link", "android", "ios"] {
                if obj.get(k).is_some_and(|v| !v.is_string()) {
                    errors.push(FieldError::new(
                        format!("card.{i}.{k}"),
                        Problem::Type { expected: "string" },
                    ));
                }
            }
            if let Some(uid) = obj.get("user_id") {
                if uid.as_i64().is_none_or(|u| !self.users.contains(&u)) {
                    errors.push(FieldError::new(
                        format!("card.{i}.user_id"),
                        Problem::UnknownReference,
                    ));
                }
            }
            out.push(obj.clone());
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        self.v3
            .call_cards
            .entry(uuid.to_ascii_lowercase())
            .or_default()
            .push(out.clone());
        Ok(out)
    }

    /// `PUT /calls/{uuid}/disposition`: exactly one of `disposition_id` and
    /// `disposition_code`, active, for the call's direction; changeable for 60 minutes after
    /// the call ended.
    pub fn v3_set_disposition(
        &mut self,
        uuid: &str,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        let call = self.call(uuid)?;
        let call_direction = direction(call.direction);
        let ended = call
            .ended_at
            .as_deref()
            .and_then(parse_date_input)
            .unwrap_or(now);
        let mut input = Input::new(body);
        input.only(&["disposition_id", "disposition_code"]);
        let id = input.integer("disposition_id", P::Optional);
        let code = input.string("disposition_code", P::Optional, None);
        match (id, &code) {
            (Some(_), Some(_)) => input.fail(
                "disposition_id",
                Problem::Other("only one of disposition_id and disposition_code".into()),
            ),
            (None, None) if !input.has_errors() => input.fail("disposition_id", Problem::Required),
            _ => {}
        }
        input.finish()?;
        let found = self
            .v3
            .dispositions
            .values()
            .find(|d| Some(d.id) == id || code.as_deref() == Some(d.code.as_str()))
            .cloned();
        let field = if id.is_some() {
            "disposition_id"
        } else {
            "disposition_code"
        };
        let d = found.ok_or_else(|| ApiError::invalid(field, Problem::UnknownReference))?;
        if !d.active {
            return Err(ApiError::invalid(
                field,
                Problem::Other("disposition is not active".into()),
            ));
        }
        if d.direction != "both" && d.direction != call_direction {
            return Err(ApiError::invalid(
                field,
                Problem::Other(format!("disposition is for {} calls", d.direction)),
            ));
        }
        if now > ended + Duration::minutes(60)
            && self
                .v3
                .call_dispositions
                .contains_key(&uuid.to_ascii_lowercase())
        {
            return Err(ApiError::Vendor {
                code: "editable".into(),
                status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                message: "false".into(),
            });
        }
        let owner = self.owner_id;
        let actor = Actor {
            user_id: owner,
            at: format_ts(now),
            name: self
                .users
                .get(&owner)
                .map(|u| u.full_name.clone())
                .unwrap_or_default(),
        };
        let key = uuid.to_ascii_lowercase();
        let entry = match self.v3.call_dispositions.get(&key) {
            Some(prev) => CallDisposition {
                disposition_id: d.id,
                set_by: prev.set_by.clone(),
                updated_by: actor,
            },
            None => CallDisposition {
                disposition_id: d.id,
                set_by: actor.clone(),
                updated_by: actor,
            },
        };
        self.v3.call_dispositions.insert(key, entry);
        Ok(())
    }

    /// The disposition of a call as v3 shows it.
    pub fn v3_call_disposition(&self, uuid: &str, now: DateTime<Utc>) -> ApiResult<Value> {
        let call = self.call(uuid)?;
        let ended = call
            .ended_at
            .as_deref()
            .and_then(parse_date_input)
            .unwrap_or(now);
        let until = ended + Duration::minutes(60);
        let set = self.v3.call_dispositions.get(&uuid.to_ascii_lowercase());
        let d = set.and_then(|s| self.v3.dispositions.get(&s.disposition_id));
        let actor = |a: &Actor| json!({"user_id": a.user_id, "at": super::time::Iso(&a.at), "name": a.name});
        Ok(json!({
            "editable": now <= until,
            "edit_window_minutes": 60,
            "disposition_id": d.map(|d| d.id),
            "code": d.map(|d| d.code.clone()),
            "name": d.map(|d| d.name.clone()),
            "direction": d.map(|d| d.direction.clone()),
            "outcome": d.map(|d| d.outcome.clone()),
            "editable_until": super::time::iso(until),
            "set_by": set.map(|s| actor(&s.set_by)),
            "updated_by": set.map(|s| actor(&s.updated_by)),
            "ai_suggestion": null,
        }))
    }

    // ---- tasks -------------------------------------------------------------------------------

    /// Tasks matching a list query (`q` searches the name).
    pub fn v3_tasks(&self, q: &ListQuery) -> Vec<&Task> {
        let mut v: Vec<&Task> = self
            .tasks
            .values()
            .filter(|t| q.matches(|f| task_field(t, f)))
            .filter(|t| {
                q.q.as_deref()
                    .is_none_or(|n| super::query_v3::contains(&t.name, n))
            })
            .collect();
        q.order(&mut v, task_field, |t| t.id);
        v
    }

    /// `POST /tasks`: the body is `{"data": {…}}` (what the SDK sends) or the fields flat
    /// (what older clients send). A missing name is the documented 400.
    pub fn v3_create_task(
        &mut self,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<Task> {
        let fields = wrapped(body)?.clone();
        if !fields.contains_key("name") {
            return Err(ApiError::Vendor {
                code: "data".into(),
                status: axum::http::StatusCode::BAD_REQUEST,
                message: "#/data/name: Missing field: name".into(),
            });
        }
        let mut input = Input::new(&fields);
        input.only(&[
            "name",
            "description",
            "assign_to_user_id",
            "auto_assign_to_user",
            "company_ids",
            "contact_ids",
            "deal_ids",
            "due_date",
            "priority",
            "task_list_id",
        ]);
        // v3 reads JSON types strictly (the shared rules below also take the legacy API's
        // numeric strings and `false` for "nobody").
        input.nullable_integer("assign_to_user_id");
        input.nullable_integer("task_list_id");
        input.boolean("auto_assign_to_user", P::Optional);
        for field in ["company_ids", "contact_ids", "deal_ids"] {
            input.integer_list(field, P::Optional);
        }
        input.finish()?;
        // The shared rules (validation, links, auto-assignment) under the legacy names.
        let mut legacy = fields.clone();
        if let Some(v) = legacy.remove("assign_to_user_id") {
            legacy.insert("assign_to".into(), v);
        }
        if let Some(v) = legacy.remove("task_list_id") {
            legacy.insert("task_list".into(), v);
        }
        self.create_task(&legacy, now).map_err(|e| {
            rename_fields(
                e,
                &[
                    ("assign_to", "assign_to_user_id"),
                    ("task_list", "task_list_id"),
                ],
            )
        })
    }

    /// `PATCH /tasks/{id}`: changes the fields sent; `done: true` stamps `done_at`.
    pub fn v3_update_task(
        &mut self,
        id: i64,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<Task> {
        let mut task = self.tasks.find(&id, "Task")?.clone();
        let mut links = self.task_links.get(&id).cloned().unwrap_or_default();
        let mut input = Input::new(body);
        input.only(&[
            "name",
            "description",
            "done",
            "assign_to_user_id",
            "company_ids",
            "contact_ids",
            "deal_ids",
            "due_date",
            "priority",
            "task_list_id",
        ]);
        if input.present("name") {
            if let Some(n) = input.string("name", P::Required, Some(255)) {
                task.name = n;
            }
        }
        if input.present("description") {
            task.description = input.string("description", P::Optional, None);
        }
        if let Some(done) = input.boolean("done", P::Optional) {
            if done && !task.done {
                task.done_at = Some(format_ts(now));
            }
            if !done {
                task.done_at = None;
            }
            task.done = done;
        }
        if let Some(a) = input.nullable_integer("assign_to_user_id") {
            if a.is_some_and(|u| !self.users.contains(&u)) {
                input.fail("assign_to_user_id", Problem::UnknownReference);
            }
            task.assign_to = a;
        }
        for (field, kind) in [
            ("company_ids", PartyKind::Company),
            ("contact_ids", PartyKind::Contact),
            ("deal_ids", PartyKind::Deal),
        ] {
            if let Some(ids) = input.integer_list(field, P::Optional) {
                for (i, x) in ids.iter().enumerate() {
                    if !self.parties(kind).contains(x) {
                        input.fail(format!("{field}.{i}"), Problem::UnknownReference);
                    }
                }
                let slot: &mut Vec<i64> = match kind {
                    PartyKind::Company => &mut links.company_ids,
                    PartyKind::Contact => &mut links.contact_ids,
                    PartyKind::Deal => &mut links.deal_ids,
                };
                *slot = ids;
            }
        }
        if input.present("due_date") {
            task.due_date = match input.string("due_date", P::Optional, None) {
                None => None,
                Some(s) => match parse_date_input(&s) {
                    Some(t) => Some(format_ts(t)),
                    None => {
                        input.fail("due_date", Problem::Type { expected: "date" });
                        None
                    }
                },
            };
        }
        if input.present("priority") {
            task.priority = match input.string("priority", P::Optional, None) {
                None => String::new(),
                Some(p) if ["low", "medium", "high", ""].contains(&p.as_str()) => p,
                Some(_) => {
                    input.fail(
                        "priority",
                        Problem::OneOf {
                            allowed: vec!["low".into(), "medium".into(), "high".into()],
                        },
                    );
                    String::new()
                }
            };
        }
        if let Some(l) = input.nullable_integer("task_list_id") {
            task.task_list_id = l;
        }
        input.finish()?;
        task.updated_at = format_ts(now);
        self.tasks.insert(id, task.clone());
        self.task_links.insert(id, TaskLinks { ..links });
        Ok(task)
    }

    // ---- users, presence, stats, profile -----------------------------------------------------

    /// `PATCH /users/{id}` with `default_number` (a number id, or null) and/or `state`.
    pub fn v3_update_user(
        &mut self,
        id: i64,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<User> {
        if !self.users.contains(&id) {
            return Err(ApiError::not_found("User", id));
        }
        let mut input = Input::new(body);
        input.only(&["default_number", "state"]);
        let number = input.nullable_integer("default_number");
        if let Some(Some(n)) = number {
            if !self.numbers.contains(&n) {
                input.fail("default_number", Problem::UnknownReference);
            }
        }
        let state = input.one_of(
            "state",
            P::Optional,
            &["available", "away", "break", "busy"],
        );
        input.finish()?;
        if let Some(state) = state {
            self.v3.presence.insert(
                id,
                Presence {
                    state,
                    changed_at: format_ts(now),
                },
            );
        }
        self.stamp_user(id, number, now)
    }

    /// Today's (UTC) call counts and durations for a user, computed from the calls, and the
    /// time spent in the current presence state since it changed today.
    pub fn v3_today_stats(&self, user_id: i64, now: DateTime<Utc>) -> ApiResult<Value> {
        if !self.users.contains(&user_id) {
            return Err(ApiError::not_found("User", user_id));
        }
        let today = now.date_naive();
        let mut calls = [(0i64, 0i64), (0, 0)];
        for c in self.cdrs.values().filter(|c| c.user_id == Some(user_id)) {
            let Some(at) = parse_date_input(&c.started_at) else {
                continue;
            };
            if at.date_naive() != today {
                continue;
            }
            let slot = match c.direction {
                1 => 0,
                2 => 1,
                _ => continue,
            };
            calls[slot].0 += 1;
            calls[slot].1 += c.call_duration;
        }
        let stats = |(count, total): (i64, i64)| json!({"count": count, "total_duration": total, "avg_duration": if count == 0 { 0 } else { total / count }});
        let mut states = json!({"time_to_available": 0, "time_to_away": 0, "time_to_break": 0,
            "time_to_busy": 0, "time_to_remain": 0, "time_to_unknown": 0});
        let start_of_day = today
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or(now);
        let (state, since) = match self.v3.presence.get(&user_id) {
            Some(p) => (
                p.state.clone(),
                parse_date_input(&p.changed_at)
                    .unwrap_or(start_of_day)
                    .max(start_of_day),
            ),
            None => ("available".to_string(), start_of_day),
        };
        states[format!("time_to_{state}")] = json!((now - since).num_seconds().max(0));
        Ok(json!({
            "user_id": user_id,
            "date": today.format("%Y-%m-%d").to_string(),
            "timezone": "UTC",
            "calls": {"inbound": stats(calls[0]), "outbound": stats(calls[1])},
            "states": states,
        }))
    }
}

/// The fields of a write body sent flat or (as the SDK sends them) as `{"data": {…}}`. With
/// the wrapper, `data` must be an object (400, as the casting layer says) and nothing may sit
/// beside it (422 per extra field).
fn wrapped(body: &Map<String, Value>) -> ApiResult<&Map<String, Value>> {
    match body.get("data") {
        None => Ok(body),
        Some(Value::Object(m)) => {
            let extra: Vec<FieldError> = body
                .keys()
                .filter(|k| *k != "data")
                .map(|k| FieldError::new(k.clone(), Problem::NotAllowed))
                .collect();
            if extra.is_empty() {
                Ok(m)
            } else {
                Err(ApiError::Validation(extra))
            }
        }
        Some(_) => Err(ApiError::Vendor {
            code: "data".into(),
            status: axum::http::StatusCode::BAD_REQUEST,
            message: "#/data: Invalid object. Got: other".into(),
        }),
    }
}

/// Renames field paths in a validation error (legacy names to v3 names).
fn rename_fields(e: ApiError, names: &[(&str, &str)]) -> ApiError {
    match e {
        ApiError::Validation(list) => ApiError::Validation(
            list.into_iter()
                .map(|mut f| {
                    for (from, to) in names {
                        if f.field == *from || f.field.starts_with(&format!("{from}.")) {
                            f.field = f.field.replacen(from, to, 1);
                        }
                    }
                    f
                })
                .collect(),
        ),
        other => other,
    }
}

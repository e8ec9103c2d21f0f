//! Hipcall v3: calls, their comments, tags, cards and disposition, and the dispositions — routes,
//! handlers and the rules they apply to the state.

use super::*;

pub(super) fn routes(r: V3Routes) -> V3Routes {
    r.route("/calls", get(list_calls))
        .route("/calls/{uuid}", get(get_call))
        .route(
            "/calls/{uuid}/comments",
            get(call_comments).post(add_call_comment),
        )
        .route("/calls/{uuid}/tags", get(call_tags).post(add_call_tag))
        .route("/calls/{uuid}/tags/{tag_id}", delete(remove_call_tag))
        .route("/calls/{uuid}/cards", get(call_cards).post(add_call_card))
        .route(
            "/calls/{uuid}/disposition",
            get(call_disposition).put(set_call_disposition),
        )
        .route("/dispositions", get(list_dispositions))
}

async fn list_calls(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &CALLS)?;
    // A call's view reads only the account's state (the call, its contact's company), so
    // pages reuse it until the account's next write.
    let heavy = hc
        .tenants
        .read(&account.id, |s| s.cdrs.len() >= LARGE_COLLECTION);
    off_workers_if(heavy, move || {
        hc.read_memo(&account, |s, memo| {
            let picked = s.v3_calls(&lq, memo);
            picked_page(picked.count, &picked.page, &lq, |c| {
                memo.show::<KeptCall>(s, c)
            })
        })
    })
    .await
}

async fn get_call(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    q: QueryPairs,
) -> Answer {
    let lq = parse(&q, &plain(&["date"]))?;
    hc.read_memo(&account, |s, memo| {
        let c = s.v3_call_by_uuid(&uuid, lq.plain("date"))?;
        json(&Data(memo.show::<KeptCall>(s, c)))
    })
}

async fn call_comments(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    q: QueryPairs,
) -> Answer {
    comments_of(&hc, &account, Target::Call(uuid), &q).await
}

async fn add_call_comment(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_comment(&hc, &account, Target::Call(uuid), &b).await
}

async fn call_tags(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    q: QueryPairs,
) -> Answer {
    tags_of(&hc, &account, Target::Call(uuid), &q).await
}

async fn add_call_tag(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_tag(&hc, &account, Target::Call(uuid), &b).await
}

async fn remove_call_tag(
    State(hc): Hc,
    account: Account,
    Path((uuid, tag)): Path<(String, String)>,
) -> Answer {
    remove_tag(&hc, &account, Target::Call(uuid), &tag).await
}

async fn call_cards(State(hc): Hc, account: Account, Path(uuid): Path<String>) -> Answer {
    hc.read(&account, |s| {
        s.call(&uuid)?;
        let empty = Vec::new();
        let cards =
            s.v3.call_cards
                .get(&uuid.to_ascii_lowercase())
                .unwrap_or(&empty);
        json(&Data(cards))
    })
}

async fn add_call_card(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    hc.write(&account, |s| {
        let rows = s.v3_add_card(&uuid, &b)?;
        let call_id = s.call(&uuid)?.uuid.clone();
        created(&json!({"call_id": call_id, "card": rows}))
    })
}

async fn call_disposition(State(hc): Hc, account: Account, Path(uuid): Path<String>) -> Answer {
    let now = hc.clock.now();
    hc.read(&account, |s| {
        json(&Data(s.v3_call_disposition(&uuid, now)?))
    })
}

async fn set_call_disposition(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let now = hc.clock.now();
    hc.write(&account, |s| {
        s.v3_set_disposition(&uuid, &b, now)?;
        json(&Data(s.v3_call_disposition(&uuid, now)?))
    })
}

async fn list_dispositions(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &plain(&["direction", "outcome", "active", "call_uuid"]))?;
    // Parameters are checked before anything is looked up, as the validating server does.
    let direction = lq.plain_one_of("direction", &["inbound", "outbound", "both"])?;
    let outcome = lq.plain_one_of("outcome", &["positive", "neutral", "negative"])?;
    let active = lq.plain_bool("active")?;
    hc.read(&account, |s| {
        let call_direction = match lq.plain("call_uuid") {
            Some(u) => Some(v::direction(s.call(u)?.direction)),
            None => None,
        };
        let all: Vec<_> = s
            .v3
            .dispositions
            .values()
            .filter(|d| direction.is_none_or(|x| d.direction == x || d.direction == "both"))
            .filter(|d| outcome.is_none_or(|x| d.outcome == x))
            .filter(|d| active.is_none_or(|a| d.active == a))
            .filter(|d| call_direction.is_none_or(|x| d.direction == x || d.direction == "both"))
            .collect();
        counted(&all, v::disposition)
    })
}

// ---- rules ---------------------------------------------------------------------------------

/// `GET /calls`: newest first by default; the filters the SDK sends.
pub(crate) const CALLS: ListSpec = ListSpec {
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

/// A call's value for a filter or sort field (v3 names and values).
pub(crate) fn call_field(c: &Cdr, field: &str) -> FieldValue {
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

impl HipcallState {
    /// Calls matching a list query, in its order.
    pub fn v3_calls<'r>(&'r self, q: &ListQuery, memo: Rendered<'r>) -> Picked<'r, Cdr> {
        let needle = q.q.as_deref().map(digits).filter(|d| !d.is_empty());
        // Ties keep the stored order (newest first).
        q.page_in_kept_order(
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
        let actor = |a: &Actor| json!({"user_id": a.user_id, "at": super::super::time::Iso(&a.at), "name": a.name});
        Ok(json!({
            "editable": now <= until,
            "edit_window_minutes": 60,
            "disposition_id": d.map(|d| d.id),
            "code": d.map(|d| d.code.clone()),
            "name": d.map(|d| d.name.clone()),
            "direction": d.map(|d| d.direction.clone()),
            "outcome": d.map(|d| d.outcome.clone()),
            "editable_until": super::super::time::iso(until),
            "set_by": set.map(|s| actor(&s.set_by)),
            "updated_by": set.map(|s| actor(&s.updated_by)),
            "ai_suggestion": null,
        }))
    }
}

/// A call as v3 shows it, its contact and user included (kept in the account's memo until its next write).
pub(crate) struct KeptCall;

impl KeptView for KeptCall {
    type State = HipcallState;
    type Record = Cdr;
    type Out<'r> = v::CallView<'r>;
    fn render<'r>(s: &'r HipcallState, r: &'r Cdr) -> Self::Out<'r> {
        s.v3_call(r)
    }
}

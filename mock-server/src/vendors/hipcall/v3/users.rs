//! Hipcall v3: telephony resources (extensions, greetings, numbers, teams, voicemails), users and
//! the profile — routes, handlers and the rules they apply to the state.

use super::*;

pub(super) fn routes(r: V3Routes) -> V3Routes {
    r.route("/extensions", get(list_extensions))
        .route("/extensions/{id}", get(get_extension))
        .route("/extensions/{id}/call", post(call_extension))
        .route("/greetings", get(list_greetings))
        .route("/greetings/{id}", get(get_greeting))
        .route("/numbers", get(list_numbers))
        .route("/numbers/{id}", get(get_number))
        .route("/teams", get(list_teams))
        .route("/teams/{id}", get(get_team))
        .route("/voicemails", get(list_voicemails))
        .route("/voicemails/{id}", get(get_voicemail))
        .route("/users", get(list_users))
        .route("/users/{id}", get(get_user).patch(update_user))
        .route("/users/{id}/call", post(call_and_bridge))
        .route("/users/{id}/stats/today", get(user_stats))
        .route("/profile", get(profile))
        .route("/profile/stats/today", get(profile_stats))
}

async fn list_extensions(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &ListSpec::simple())?;
    hc.read(&account, |s| {
        let all = named_search(s.extensions.values(), &lq, |e| &e.number, |e| e.id);
        page(&all, &lq, |e| s.v3_extension(e))
    })
}

async fn get_extension(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Extension", &id)?;
    hc.read(&account, |s| {
        let e = s.extensions.find(&id, "Extension")?;
        json(&Data(s.v3_extension(e)))
    })
}

async fn call_extension(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let id = path_id("Extension", &id)?;
    let now = hc.clock.now();
    let uuid = hc.write(&account, |s| s.call_extension(id, &b, now))?;
    call_placed(&hc, &account, &uuid);
    // Parsed by the SDK without a `data` wrapper.
    json_with(StatusCode::CREATED, &json!({ "id": uuid }))
}

/// List and detail handlers for a collection keyed by id with a name.
macro_rules! simple_resource {
    ($list:ident, $get:ident, |$s:ident| $coll:expr, $resource:literal, $view:expr) => {
        async fn $list(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
            let lq = parse(&q, &ListSpec::simple())?;
            hc.read(&account, |$s| {
                let all = named_search($coll.values(), &lq, |x| &x.name, |x| x.id);
                page(&all, &lq, $view)
            })
        }

        async fn $get(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
            let id = path_id($resource, &id)?;
            hc.read(&account, |$s| {
                let x = $coll.find(&id, $resource)?;
                json(&Data($view(x)))
            })
        }
    };
}

simple_resource!(
    list_greetings,
    get_greeting,
    |s| s.greetings,
    "Greeting",
    v::greeting
);
simple_resource!(list_numbers, get_number, |s| s.numbers, "Number", v::number);
simple_resource!(list_teams, get_team, |s| s.teams, "Team", v::team);
simple_resource!(
    list_voicemails,
    get_voicemail,
    |s| s.v3.voicemails,
    "Voicemail",
    v::voicemail
);

// ---- users and profile ---------------------------------------------------------------------

async fn list_users(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &ListSpec::simple())?;
    hc.read_memo(&account, |s, memo| {
        let mut all: Vec<_> = s
            .users
            .values()
            .filter(|u| {
                lq.q.as_deref()
                    .is_none_or(|n| contains(&u.full_name, n) || contains(&u.email, n))
            })
            .collect();
        if lq.sort.first().is_some_and(|k| k.descending) {
            all.reverse();
        }
        page(&all, &lq, |u| memo.show::<KeptUser>(s, u))
    })
}

async fn get_user(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("User", &id)?;
    hc.read_memo(&account, |s, memo| {
        let u = s.users.find(&id, "User")?;
        json(&Data(memo.show::<KeptUser>(s, u)))
    })
}

async fn update_user(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let id = path_id("User", &id)?;
    let now = hc.clock.now();
    hc.write(&account, |s| {
        let u = s.v3_update_user(id, &b, now)?;
        json(&Data(s.v3_user(&u)))
    })
}

async fn call_and_bridge(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let id = id.parse::<i64>().map_err(|_| ApiError::Vendor {
        code: "user_id".into(),
        status: StatusCode::NOT_FOUND,
        message: format!("No result for user_id: {id}"),
    })?;
    let now = hc.clock.now();
    let uuid = hc.write(&account, |s| s.call_and_bridge(id, &b, now))?;
    call_placed(&hc, &account, &uuid);
    created(&json!({ "id": uuid }))
}

async fn user_stats(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("User", &id)?;
    let now = hc.clock.now();
    hc.read(&account, |s| json(&Data(s.v3_today_stats(id, now)?)))
}

async fn profile(State(hc): Hc, account: Account) -> Answer {
    hc.read(&account, |s| {
        let owner = s.users.get(&s.owner_id).ok_or(ApiError::Internal)?;
        json(&Data(json!({
            "user": s.v3_user(owner),
            "account": {"id": 1, "name": "mockdesk", "country": "TR", "timezone": "Europe/Istanbul"},
            "capabilities": {"calls": true, "crm": true, "inbox": true, "tasks": true, "deals": true},
            "permissions": ["calls.read", "calls.write", "contacts.read", "contacts.write", "tasks.read", "tasks.write"],
            "roles": [{"id": 1, "name": "owner"}],
            "subscription": {"plan": "professional", "state": "active"},
        })))
    })
}

async fn profile_stats(State(hc): Hc, account: Account) -> Answer {
    let now = hc.clock.now();
    hc.read(&account, |s| {
        json(&Data(s.v3_today_stats(s.owner_id, now)?))
    })
}

// ---- rules ---------------------------------------------------------------------------------

impl HipcallState {
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
        let uuid = super::records::fresh_id(
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

/// A user as v3 shows it, presence included (kept in the account's memo until its next write).
pub(crate) struct KeptUser;

impl KeptView for KeptUser {
    type State = HipcallState;
    type Record = User;
    type Out<'r> = v::UserView<'r>;
    fn render<'r>(s: &'r HipcallState, r: &'r User) -> Self::Out<'r> {
        s.v3_user(r)
    }
}

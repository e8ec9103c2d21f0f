//! Hipcall v3: telephony resources (extensions, greetings, numbers, teams, voicemails), users and the profile — routes and handlers.

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
    hc.tenants.read_memo(&account.id, |s, memo| {
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
        page(&all, &lq, |u| memo.view(USER_VIEW, u, |u| s.v3_user(u)))
    })
}

async fn get_user(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("User", &id)?;
    hc.tenants.read_memo(&account.id, |s, memo| {
        let u = s.users.find(&id, "User")?;
        json(&Data(memo.view(USER_VIEW, u, |u| s.v3_user(u))))
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

//! Hipcall v3: calls, their comments, tags, cards and disposition, and the dispositions — routes and handlers.

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
        hc.tenants.read_memo(&account.id, |s, memo| {
            page(&s.v3_calls(&lq, memo), &lq, |c| {
                memo.view(CALL_VIEW, c, |c| s.v3_call(c))
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
    hc.tenants.read_memo(&account.id, |s, memo| {
        let c = s.v3_call_by_uuid(&uuid, lq.plain("date"))?;
        json(&Data(memo.view(CALL_VIEW, c, |c| s.v3_call(c))))
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

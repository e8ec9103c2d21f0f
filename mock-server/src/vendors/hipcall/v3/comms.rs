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
        page(&all, &lq, v::inbox)
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
    created(&v::template_message(&t))
}

async fn get_template(
    State(hc): Hc,
    account: Account,
    Path((id, tid)): Path<(String, String)>,
) -> Answer {
    hc.read(&account, |s| {
        json(&Data(v::template_message(s.v3_template(&id, &tid)?)))
    })
}

async fn list_conversations(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &CONVERSATIONS)?;
    let heavy = hc.tenants.read(&account.id, |s| {
        s.v3.conversations.len() >= LARGE_COLLECTION
    });
    off_workers_if(heavy, move || {
        hc.tenants.read_memo(&account.id, |s, memo| {
            page(&s.v3_conversations(&lq, memo), &lq, |c| {
                memo.view(CONVERSATION_VIEW, c, |c| s.v3_conversation(c))
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
    hc.tenants.read_memo(&account.id, |s, memo| {
        let c = s.v3_conversation_on(&id, lq.plain("date"))?;
        json(&Data(
            memo.view(CONVERSATION_VIEW, c, |c| s.v3_conversation(c)),
        ))
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
    hc.read(&account, |s| page(&s.v3_messages(&id)?, &lq, v::message))
}

async fn send_text(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let now = hc.clock.now();
    let m = hc.write(&account, |s| s.v3_send_text(&id, &b, now))?;
    created(&v::message(&m))
}

//! HelpCrunch chats and their messages: routes and handlers (list, search, read, create, the
//! chat actions, messages); the rules in `rules.rs`, the views in `views.rs`.

mod rules;

pub(crate) use rules::ChatAction;

use crate::platform::routes::{get, post, put, Path};
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;

use super::routes::{
    committed, data_total, meta_total, paged, path_id, query_sort, Answer, Hc, HcRoutes, PAGE_RULES,
};
use super::search::{parse_search, Scan, CHAT_FIELDS, CHAT_SORTS};
use super::state::{Chat, HelpCrunchState};
use super::webhooks::{chat_fired, message_data, message_event};
use super::HelpCrunch;
use crate::platform::auth::Account;
use crate::platform::extract::{JsonObject, QueryPairs, RequiredJsonObject};
use crate::platform::memo::KeptView;
use crate::platform::off_workers;
use crate::platform::pagination::{offset_limit, offset_limit_query};
use crate::platform::view::{json, json_with, list};

pub(super) fn routes(r: HcRoutes) -> HcRoutes {
    r.route("/chats", get(list_chats).post(create_chat))
        .route("/chats/search", post(search_chats))
        .route("/chats/{id}", get(get_chat))
        .route("/chats/{id}/messages", get(list_messages))
        .route("/chats/status", put(chat_status))
        .route("/chats/assignee", put(chat_assignee))
        .route("/chats/department", put(chat_department))
        .route("/chats/snooze", put(chat_snooze))
        .route("/chats/readByAgent", put(chat_read_by_agent))
        .route("/chats/readByCustomer", put(chat_read_by_customer))
        .route("/chats/read", put(chat_read))
        .route("/chats/rate", put(chat_rate))
        .route("/messages", post(post_message))
}

async fn list_chats(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let window = offset_limit_query(&q.0, PAGE_RULES)?;
    let (sort, desc) = query_sort(&q, CHAT_SORTS)?;
    // A chat's view reads only the account's state (the chat, its customer, agents and
    // department), so pages reuse it until the account's next write.
    let sorted = sort.is_some();
    let read = move || {
        hc.read_memo(&account, |s, memo| {
            let view = |c| memo.show::<KeptChat>(s, c);
            if sort.is_none() {
                // Stored order: only the page's records are visited.
                let page = s.chats.page(window, desc);
                return json(&list(&page, meta_total(s.chats.len()), |c| view(c)));
            }
            let all = s.sorted_chats(sort.as_deref(), desc);
            paged(&all, window, meta_total, view)
        })
    };
    // A sort visits every chat: off the async workers.
    if sorted {
        off_workers(read).await
    } else {
        read()
    }
}

async fn search_chats(State(hc): Hc, account: Account, JsonObject(body): JsonObject) -> Answer {
    let search = parse_search(&body, CHAT_FIELDS, CHAT_SORTS)?;
    let window = offset_limit(body.get("offset"), body.get("limit"), PAGE_RULES)?;
    // A search visits every chat: off the async workers, in steps.
    off_workers(move || {
        let scan = Scan::chats(&search);
        hc.tenants.read_stepwise(
            &account.id,
            |s, at, found| scan.chats_step(s, at, found),
            |s, memo, found, changed| {
                let found = s.found_chats(&scan, &search, &found, changed);
                paged(&found, window, meta_total, |c| memo.show::<KeptChat>(s, c))
            },
        )
    })
    .await
}

async fn get_chat(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Chat", &id)?;
    hc.read_memo(&account, |s, memo| {
        let c = s.chat(id)?;
        json(&memo.show::<KeptChat>(s, c))
    })
}

async fn create_chat(
    State(hc): Hc,
    account: Account,
    RequiredJsonObject(body): RequiredJsonObject,
) -> Answer {
    let now = hc.now();
    let r = hc.write(&account, |s| {
        let c = s.create_chat(&body, now)?;
        Ok((
            json_with(StatusCode::CREATED, &s.chat_view(&c))?,
            chat_fired(s, None, &c),
        ))
    });
    committed(&hc, &account, r)
}

fn action(
    hc: &HelpCrunch,
    account: &Account,
    action: ChatAction,
    body: &serde_json::Map<String, Value>,
) -> Answer {
    let now = hc.now();
    let r = hc.write(account, |s| {
        let before = body
            .get("id")
            .and_then(super::input::unix_input)
            .and_then(|id| s.chats.get(&id).cloned());
        let c = s.chat_action(action, body, now)?;
        Ok((json(&s.chat_view(&c))?, chat_fired(s, before.as_ref(), &c)))
    });
    committed(hc, account, r)
}

/// `PUT /chats/{action}` handlers: the chat id travels in the body.
macro_rules! chat_action {
    ($($handler:ident => $action:ident),* $(,)?) => {$(
        async fn $handler(State(hc): Hc, account: Account, RequiredJsonObject(body): RequiredJsonObject) -> Answer {
            action(&hc, &account, ChatAction::$action, &body)
        }
    )*};
}

chat_action! {
    chat_status => Status,
    chat_assignee => Assignee,
    chat_department => Department,
    chat_snooze => Snooze,
    chat_read_by_agent => ReadByAgent,
    chat_read_by_customer => ReadByCustomer,
    chat_read => Read,
    chat_rate => Rate,
}

// ---- messages --------------------------------------------------------------------------

async fn list_messages(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    q: QueryPairs,
) -> Answer {
    let id = path_id("Chat", &id)?;
    let window = offset_limit_query(&q.0, PAGE_RULES)?;
    hc.read(&account, |s| {
        let all = s.chat_messages(id)?;
        paged(&all, window, data_total, |m| s.message_view(m))
    })
}

async fn post_message(
    State(hc): Hc,
    account: Account,
    RequiredJsonObject(body): RequiredJsonObject,
) -> Answer {
    let now = hc.clock.now_ms();
    let r = hc.write(&account, |s| {
        let before = body
            .get("chat")
            .and_then(super::input::unix_input)
            .and_then(|id| s.chats.get(&id).cloned());
        let m = s.post_message(&body, now)?;
        let mut fired = vec![(message_event(&m), message_data(s, &m))];
        if let (Some(b), Ok(after)) = (before.as_ref(), s.chat(m.chat)) {
            fired.extend(chat_fired(s, Some(b), after));
        }
        Ok((json(&s.message_view(&m))?, fired))
    });
    committed(&hc, &account, r)
}

/// A chat as the API shows it (kept in the account's memo until its next write; see `platform::memo`).
pub(crate) struct KeptChat;

impl KeptView for KeptChat {
    type State = HelpCrunchState;
    type Record = Chat;
    type Out<'r> = super::views::ChatView<'r>;
    fn render<'r>(s: &'r HelpCrunchState, r: &'r Chat) -> Self::Out<'r> {
        s.chat_view(r)
    }
}

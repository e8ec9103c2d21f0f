//! HelpCrunch REST API v1 handlers: extract, call the model, shape the documented envelope.

use std::sync::Arc;

use crate::platform::routes::{get, post, put, Path, Routes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::chats::ChatAction;
use super::input::{self, Write};
use super::models::{Customer, HelpCrunchState};
use super::search::{parse_search, Scan, CHAT_FIELDS, CHAT_SORTS, CUSTOMER_FIELDS, CUSTOMER_SORTS};
use super::views::{event_view, KeptChat, KeptCustomer};
use super::webhooks::{
    chat_fired, customer_data, customer_fired, message_data, message_event, Fired,
};
use super::HelpCrunch;
use crate::platform::auth::Account;
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::extract::{JsonObject, QueryPairs, RequiredJsonObject};
use crate::platform::off_workers;
use crate::platform::pagination::{
    offset_limit, offset_limit_query, slice, OffsetLimitRules, Window,
};
use crate::platform::view::{json, json_with, list, Envelope};

/// `offset`/`limit`: 100 by default and at most (documented); more is a 400.
pub(crate) const PAGE_RULES: OffsetLimitRules = OffsetLimitRules {
    default_limit: 100,
    max_limit: 100,
};

type Hc = State<Arc<HelpCrunch>>;
type Answer = ApiResult<Response>;

pub(crate) fn router(backend: Arc<HelpCrunch>) -> Routes {
    Routes::new()
        .route("/customers", get(list_customers).post(create_customer))
        .route("/customers/batch", put(batch_update))
        .route("/customers/search", post(search_customers))
        .route(
            "/customers/{id}",
            get(get_customer)
                .put(replace_customer)
                .patch(merge_customer)
                .delete(delete_customer),
        )
        .route(
            "/customers/{id}/tags",
            put(tag_customer).delete(untag_customer),
        )
        .route("/events", post(add_event))
        .route("/chats", get(list_chats).post(create_chat))
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
        .route("/agents", get(list_agents))
        .route("/agents/{id}/unsubscribe", get(unsubscribe_agent))
        .route("/departments", get(list_departments))
        .route("/applications", get(list_applications))
        .route("/organization", get(organization))
        .with_state(backend)
}

impl HelpCrunch {
    fn with<R>(&self, account: &Account, f: impl FnOnce(&mut HelpCrunchState) -> R) -> R {
        self.tenants.with(&account.id, f)
    }

    fn now(&self) -> i64 {
        self.clock.now_ms().div_euclid(1000)
    }
}

/// Ids in paths: anything but a positive integer is simply not found.
fn path_id(resource: &'static str, raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found(resource, raw))
}

fn query_sort(q: &QueryPairs, sorts: &[&str]) -> ApiResult<(Option<String>, bool)> {
    let mut errors = Vec::new();
    let s = q.get("sort").map(|v| Value::String(v.to_string()));
    let o = q.get("order").map(|v| Value::String(v.to_string()));
    let r = input::sort(s.as_ref(), o.as_ref(), sorts, &mut errors);
    if errors.is_empty() {
        Ok(r)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// One page of `all` (already in list order) in the endpoint's envelope.
fn paged<'a, T, V: serde::Serialize>(
    all: &[&'a T],
    window: Window,
    envelope: fn(usize) -> Envelope,
    view: impl Fn(&'a T) -> V,
) -> Answer {
    json(&list(
        slice(all, window),
        envelope(all.len()),
        |t: &&'a T| view(t),
    ))
}

/// `{"data": [...], "total": n}` (customers, customer search, messages).
fn data_total(total: usize) -> Envelope {
    Envelope::DataTotal { total }
}

/// `{"data": [...], "meta": {"total": n}}` (chats, chat search, agents, departments).
fn meta_total(total: usize) -> Envelope {
    Envelope::DataMetaTotal { total }
}

/// Emits the events of a committed write and answers.
fn committed(hc: &HelpCrunch, account: &Account, r: ApiResult<(Response, Fired)>) -> Answer {
    let (res, fired) = r?;
    hc.fire(&account.id, fired);
    Ok(res)
}

/// "Ok" as a JSON string (the docs show the text Ok; every response here is JSON).
fn ok_text() -> Answer {
    json(&"Ok")
}

// ---- customers -------------------------------------------------------------------------

async fn list_customers(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let window = offset_limit_query(&q.0, PAGE_RULES)?;
    let (sort, desc) = query_sort(&q, CUSTOMER_SORTS)?;
    // A customer's view reads only the account's state (the customer, the tag colours), so
    // pages reuse it until the account's next write.
    let sorted = sort.is_some();
    let read = move || {
        hc.tenants.read_memo(&account.id, |s, memo| {
            let view = |c| memo.show::<KeptCustomer>(s, c);
            if sort.is_none() {
                // Stored (id) order: only the page's records are visited.
                let page = s.customers.page(window, desc);
                return json(&list(&page, data_total(s.customers.len()), |c| view(c)));
            }
            let all = s.sorted_customers(sort.as_deref(), desc);
            paged(&all, window, data_total, view)
        })
    };
    // A sort visits every customer: off the async workers.
    if sorted {
        off_workers(read).await
    } else {
        read()
    }
}

async fn search_customers(State(hc): Hc, account: Account, JsonObject(body): JsonObject) -> Answer {
    let search = parse_search(&body, CUSTOMER_FIELDS, CUSTOMER_SORTS)?;
    let window = offset_limit(body.get("offset"), body.get("limit"), PAGE_RULES)?;
    // A search visits every customer: off the async workers, in steps (a write to the
    // account waits for one step, not the whole search).
    off_workers(move || {
        let scan = Scan::customers(&search);
        hc.tenants.read_stepwise(
            &account.id,
            |s, at, found| scan.customers_step(s, at, found),
            |s, memo, found, changed| {
                let found = s.found_customers(&scan, &search, &found, changed);
                paged(&found, window, data_total, |c| {
                    memo.show::<KeptCustomer>(s, c)
                })
            },
        )
    })
    .await
}

async fn get_customer(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Customer", &id)?;
    hc.tenants.read_memo(&account.id, |s, memo| {
        let c = s.customer(id)?;
        json(&memo.show::<KeptCustomer>(s, c))
    })
}

fn write_customer(
    hc: &HelpCrunch,
    account: &Account,
    id: Option<i64>,
    body: &serde_json::Map<String, Value>,
    mode: Write,
) -> Answer {
    let now = hc.now();
    let status = if mode == Write::Create {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let r = hc.with(account, |s| {
        let before = id.and_then(|i| s.customers.get(&i).cloned());
        let c = s.write_customer(id, body, mode, now)?;
        Ok((
            json_with(status, &s.customer_view(&c))?,
            customer_fired(before.as_ref(), &c),
        ))
    });
    committed(hc, account, r)
}

async fn create_customer(
    State(hc): Hc,
    account: Account,
    RequiredJsonObject(body): RequiredJsonObject,
) -> Answer {
    write_customer(&hc, &account, None, &body, Write::Create)
}

async fn replace_customer(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    RequiredJsonObject(body): RequiredJsonObject,
) -> Answer {
    let id = path_id("Customer", &id)?;
    write_customer(&hc, &account, Some(id), &body, Write::Replace)
}

async fn merge_customer(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    RequiredJsonObject(body): RequiredJsonObject,
) -> Answer {
    let id = path_id("Customer", &id)?;
    write_customer(&hc, &account, Some(id), &body, Write::Merge)
}

async fn batch_update(State(hc): Hc, account: Account, body: axum::body::Bytes) -> Answer {
    let items: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(&body).map_err(|_| ApiError::BadRequest {
            message: "The request body is not valid JSON.".into(),
        })?
    };
    let r = hc.with(&account, |s| {
        let before: Vec<Customer> = s.customers.values().cloned().collect();
        let updated = s.batch_update(&items)?;
        let mut fired = Fired::new();
        for c in &updated {
            fired.extend(customer_fired(before.iter().find(|b| b.id == c.id), c));
        }
        let views: Vec<_> = updated.iter().map(|c| s.customer_view(c)).collect();
        Ok((json(&views)?, fired))
    });
    committed(&hc, &account, r)
}

async fn delete_customer(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Customer", &id)?;
    let gone = hc.with(&account, |s| {
        let c = s.customer(id)?.clone();
        s.delete_customer(id).map(|_| c)
    })?;
    hc.fire(
        &account.id,
        vec![("customer.deleted", customer_data(&gone))],
    );
    ok_text()
}

fn tags(
    hc: &HelpCrunch,
    account: &Account,
    id: &str,
    body: &serde_json::Map<String, Value>,
    add: bool,
) -> Answer {
    let id = path_id("Customer", id)?;
    let r = hc.with(account, |s| {
        let before = s.customers.get(&id).cloned();
        let c = s.tag_customer(id, body, add)?;
        Ok((
            json(&s.customer_view(&c))?,
            customer_fired(before.as_ref(), &c),
        ))
    });
    committed(hc, account, r)
}

async fn tag_customer(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    RequiredJsonObject(body): RequiredJsonObject,
) -> Answer {
    tags(&hc, &account, &id, &body, true)
}

async fn untag_customer(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    RequiredJsonObject(body): RequiredJsonObject,
) -> Answer {
    tags(&hc, &account, &id, &body, false)
}

async fn add_event(
    State(hc): Hc,
    account: Account,
    RequiredJsonObject(body): RequiredJsonObject,
) -> Answer {
    let now = hc.now();
    let e = hc.with(&account, |s| s.add_event(&body, now))?;
    json(&event_view(&e))
}

// ---- chats -----------------------------------------------------------------------------

async fn list_chats(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let window = offset_limit_query(&q.0, PAGE_RULES)?;
    let (sort, desc) = query_sort(&q, CHAT_SORTS)?;
    // A chat's view reads only the account's state (the chat, its customer, agents and
    // department), so pages reuse it until the account's next write.
    let sorted = sort.is_some();
    let read = move || {
        hc.tenants.read_memo(&account.id, |s, memo| {
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
    hc.tenants.read_memo(&account.id, |s, memo| {
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
    let r = hc.with(&account, |s| {
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
    let r = hc.with(account, |s| {
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
    hc.tenants.read(&account.id, |s| {
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
    let r = hc.with(&account, |s| {
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

// ---- agents, departments, applications, organization -----------------------------------

async fn list_agents(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let window = offset_limit_query(&q.0, PAGE_RULES)?;
    hc.tenants.read(&account.id, |s| {
        let all: Vec<_> = s.agents.values().collect();
        paged(&all, window, meta_total, |a| s.agent_ref(a.id))
    })
}

async fn unsubscribe_agent(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Agent", &id)?;
    hc.with(&account, |s| s.unsubscribe_agent(id))?;
    // A GET that writes: tell the surface layer so `--state-dir` stores it.
    let mut res = ok_text()?;
    res.extensions_mut()
        .insert(crate::platform::surface::StateChanged);
    Ok(res)
}

async fn list_departments(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let window = offset_limit_query(&q.0, PAGE_RULES)?;
    hc.tenants.read(&account.id, |s| {
        let all: Vec<_> = s.departments.values().collect();
        paged(&all, window, meta_total, |d| s.department_view(d))
    })
}

async fn list_applications(State(hc): Hc, account: Account) -> Answer {
    hc.tenants.read(&account.id, |s| {
        let all: Vec<_> = s.applications.values().collect();
        json(&list(&all, Envelope::Data, |a| *a))
    })
}

async fn organization(State(hc): Hc, account: Account) -> Answer {
    #[derive(serde::Serialize)]
    struct Data<'a, T> {
        data: &'a T,
    }
    hc.tenants.read(&account.id, |s| {
        json(&Data {
            data: &s.organization,
        })
    })
}

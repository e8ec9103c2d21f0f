//! HelpCrunch customers: their routes and handlers (list, search, read, create, PUT, PATCH,
//! the batch update, delete, tags) and events; the rules they apply in `rules.rs`, the
//! customer's view in `views.rs`.

mod rules;

use crate::platform::routes::{get, post, put, Path};
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;

use super::input::Write;
use super::routes::{
    committed, data_total, ok_text, paged, path_id, query_sort, Answer, Hc, HcRoutes, PAGE_RULES,
};
use super::search::{parse_search, Scan, CUSTOMER_FIELDS, CUSTOMER_SORTS};
use super::state::Customer;
use super::views::event_view;
use super::webhooks::{customer_data, customer_fired, Fired, Watched};
use super::HelpCrunch;
use crate::platform::auth::Account;
use crate::platform::collection::Tracked;
use crate::platform::error::ApiError;
use crate::platform::extract::{JsonObject, QueryPairs, RequiredJsonObject};
use crate::platform::memo::KeptView;
use crate::platform::off_workers;
use crate::platform::pagination::{offset_limit, offset_limit_query};
use crate::platform::view::{json, json_with, list};
use std::collections::BTreeMap;

pub(super) fn routes(r: HcRoutes) -> HcRoutes {
    r.route("/customers", get(list_customers).post(create_customer))
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
}

async fn list_customers(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let window = offset_limit_query(&q.0, PAGE_RULES)?;
    let (sort, desc) = query_sort(&q, CUSTOMER_SORTS)?;
    // A customer's view reads only the customer and the tag colours, so pages reuse it until
    // either changes.
    let sorted = sort.is_some();
    let read = move || {
        hc.read_memo(&account, |s, memo| {
            let view = |c| memo.show_beside::<KeptCustomer, _>(&s.tags, &s.customers, c);
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
                    memo.show_beside::<KeptCustomer, _>(&s.tags, &s.customers, c)
                })
            },
        )
    })
    .await
}

async fn get_customer(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Customer", &id)?;
    hc.read_memo(&account, |s, memo| {
        let c = s.customer(id)?;
        json(&memo.show_beside::<KeptCustomer, _>(&s.tags, &s.customers, c))
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
    let r = hc.write(account, |s| {
        let before = id.and_then(|i| s.customers.get(&i)).map(Watched::of);
        let id = s.write_customer(id, body, mode, now)?;
        let c = s.customer(id)?;
        Ok((
            json_with(status, &s.customer_view(c))?,
            customer_fired(before.as_ref(), c),
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
    let r = hc.write(&account, |s| {
        let before: Vec<(i64, Watched)> = s
            .customers
            .values()
            .map(|c| (c.id, Watched::of(c)))
            .collect();
        let updated = s.batch_update(&items)?;
        let mut fired = Fired::new();
        for c in &updated {
            let was = before.iter().find(|(id, _)| *id == c.id).map(|(_, w)| w);
            fired.extend(customer_fired(was, c));
        }
        let views: Vec<_> = updated.iter().map(|c| s.customer_view(c)).collect();
        Ok((json(&views)?, fired))
    });
    committed(&hc, &account, r)
}

async fn delete_customer(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Customer", &id)?;
    let gone = hc.write(&account, |s| {
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
    let r = hc.write(account, |s| {
        let before = s.customers.get(&id).map(Watched::of);
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
    let e = hc.write(&account, |s| s.add_event(&body, now))?;
    json(&event_view(&e))
}

/// A customer as the API shows it, tag colours included: kept beside the customer until it
/// or the account's tag colours change (see `platform::memo`).
pub(crate) struct KeptCustomer;

impl KeptView for KeptCustomer {
    type State = Tracked<BTreeMap<String, String>>;
    type Record = Customer;
    type Out<'r> = super::views::CustomerView<'r>;
    fn render<'r>(tags: &'r Self::State, r: &'r Customer) -> Self::Out<'r> {
        super::views::customer_view(tags, r)
    }
}

//! Chative.IO v1.0 handlers.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::Chative;
use crate::platform::auth::Account;
use crate::platform::error::ApiResult;
use crate::platform::extract::{JsonObject, QueryPairs};
use crate::platform::pagination::{slice, PageLimit, PageLimitRules};

/// Zero-based pages (the only real client starts at 0), 20 per page by default, 200 at most
/// (the docs' "maximum … restricted to 200").
pub const PAGE_RULES: PageLimitRules = PageLimitRules {
    first_page: 0,
    default_limit: 20,
    max_limit: 200,
};

type Ch = State<Arc<Chative>>;

pub fn router(backend: Arc<Chative>) -> Router {
    Router::new()
        .route("/contacts", get(list_contacts))
        .route(
            "/contacts/{id}",
            get(get_contact).patch(patch_contact).delete(delete_contact),
        )
        .with_state(backend)
}

fn to_value<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

async fn list_contacts(State(ch): Ch, account: Account, q: QueryPairs) -> ApiResult<Json<Value>> {
    let p = PageLimit::parse(&q.0, PAGE_RULES)?;
    ch.tenants.with(&account.id, |s| {
        let all: Vec<_> = s.contacts.values().collect();
        let list: Vec<Value> = slice(&all, p.window(PAGE_RULES))
            .iter()
            .map(|c| to_value(*c))
            .collect();
        Ok(Json(
            json!({"list": list, "total": all.len(), "page": p.page, "limit": p.limit}),
        ))
    })
}

async fn get_contact(
    State(ch): Ch,
    account: Account,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    ch.tenants
        .with(&account.id, |s| Ok(Json(to_value(s.contact(&id)?))))
}

async fn patch_contact(
    State(ch): Ch,
    account: Account,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> ApiResult<Json<Value>> {
    let now = ch.clock.now_ms();
    let c = ch.tenants.with(&account.id, |s| s.patch(&id, &body, now))?;
    Ok(Json(to_value(&c)))
}

async fn delete_contact(
    State(ch): Ch,
    account: Account,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let c = ch.tenants.with(&account.id, |s| s.delete(&id))?;
    Ok(Json(json!({"id": c.id, "deleted": true})))
}

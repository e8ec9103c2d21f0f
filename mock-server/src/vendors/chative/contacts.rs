//! Chative.IO v1.0 contacts, the one resource of the API: routes and handlers (the rules live
//! with the state in `state.rs`).

use std::sync::Arc;

use crate::platform::routes::{get, Path, Routes};
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::Chative;
use crate::platform::auth::Account;
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::extract::{JsonObject, QueryPairs};
use crate::platform::pagination::{slice, PageLimit, PageLimitRules};
use crate::platform::view::{json, list, Envelope};

/// Zero-based pages (the only real client starts at 0), 20 per page by default, 200 at most
/// (the docs' "maximum … restricted to 200").
pub(crate) const PAGE_RULES: PageLimitRules = PageLimitRules {
    first_page: 0,
    default_limit: 20,
    max_limit: 200,
};

type Ch = State<Arc<Chative>>;
type Answer = ApiResult<Response>;

pub(crate) fn router(backend: Arc<Chative>) -> Routes {
    Routes::new()
        .route("/contacts", get(list_contacts))
        .route(
            "/contacts/{id}",
            get(get_contact).patch(patch_contact).delete(delete_contact),
        )
        .with_state(backend)
}

async fn list_contacts(State(ch): Ch, account: Account, q: QueryPairs) -> Answer {
    let p = PageLimit::parse(&q.0, PAGE_RULES)?;
    ch.read_memo(&account, |s, memo| {
        let all: Vec<_> = s.contacts.values().collect();
        let envelope = Envelope::PageList {
            total: all.len(),
            page: p.page,
            limit: p.limit,
        };
        json(&list(slice(&all, p.window(PAGE_RULES)), envelope, |c| {
            memo.stored_in(&s.contacts, *c)
        }))
    })
}

async fn get_contact(State(ch): Ch, account: Account, Path(id): Path<String>) -> Answer {
    ch.read_memo(&account, |s, memo| {
        json(&memo.stored_in(&s.contacts, s.contact(&id)?))
    })
}

async fn patch_contact(
    State(ch): Ch,
    account: Account,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Answer {
    let now = ch.clock.now_ms();
    // The answer and (when someone listens) the event's payload, straight from the record.
    let listening = ch.listening(&account.id);
    let (answer, event) = ch.write(&account, |s| {
        let c = s.patch(&id, &body, now)?;
        let event = listening.then(|| super::webhooks::contact_data(c));
        Ok::<_, ApiError>((json(c)?, event))
    })?;
    if let Some(data) = event {
        ch.emit(&account.id, "contact.updated", data);
    }
    Ok(answer)
}

async fn delete_contact(State(ch): Ch, account: Account, Path(id): Path<String>) -> Answer {
    let c = ch.write(&account, |s| s.delete(&id))?;
    json(&json!({"id": c.id, "deleted": true}))
}

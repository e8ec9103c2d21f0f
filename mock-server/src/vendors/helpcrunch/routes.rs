//! What HelpCrunch's resources (`customers/`, `chats/`, `team.rs`) share: their route table,
//! path ids, sort parameters, the two list envelopes and the answer to a committed write.

use std::sync::Arc;

use crate::platform::routes::Routes;
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;

use super::input;
use super::webhooks::Fired;
use super::HelpCrunch;
use crate::platform::auth::Account;
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::extract::QueryPairs;
use crate::platform::pagination::{slice, OffsetLimitRules, Window};
use crate::platform::view::{json, list, Envelope};

/// `offset`/`limit`: 100 by default and at most (documented); more is a 400.
pub(crate) const PAGE_RULES: OffsetLimitRules = OffsetLimitRules {
    default_limit: 100,
    max_limit: 100,
};

pub(super) type Hc = State<Arc<HelpCrunch>>;
pub(super) type Answer = ApiResult<Response>;
/// The route table the resources add their fragments to.
pub(super) type HcRoutes = Routes<Arc<HelpCrunch>>;

impl HelpCrunch {
    pub(super) fn now(&self) -> i64 {
        self.clock.now_ms().div_euclid(1000)
    }
}

/// Ids in paths: anything but a positive integer is simply not found.
pub(super) fn path_id(resource: &'static str, raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found(resource, raw))
}

pub(super) fn query_sort(q: &QueryPairs, sorts: &[&str]) -> ApiResult<(Option<String>, bool)> {
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
pub(super) fn paged<'a, T, V: serde::Serialize>(
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
pub(super) fn data_total(total: usize) -> Envelope {
    Envelope::DataTotal { total }
}

/// `{"data": [...], "meta": {"total": n}}` (chats, chat search, agents, departments).
pub(super) fn meta_total(total: usize) -> Envelope {
    Envelope::DataMetaTotal { total }
}

/// Emits the events of a committed write and answers.
pub(super) fn committed(
    hc: &HelpCrunch,
    account: &Account,
    r: ApiResult<(Response, Fired)>,
) -> Answer {
    let (res, fired) = r?;
    hc.fire(&account.id, fired);
    Ok(res)
}

/// "Ok" as a JSON string (the docs show the text Ok; every response here is JSON).
pub(super) fn ok_text() -> Answer {
    json(&"Ok")
}

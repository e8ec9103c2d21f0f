//! Hiver official API v1 (`/hiver/v1`) by resource — `inboxes.rs` (inboxes and their users),
//! `tags.rs`, `conversations.rs` (conversations, notes, shared drafts) — each with its route
//! fragment and handlers; here the merged router and the keyset paging they share (also used
//! by the tutorial surface).

mod conversations;
mod inboxes;
mod tags;

use std::sync::Arc;

use crate::platform::routes::{get, post, Path, Routes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::state::{Attachment, HiverState};
use super::webhooks::{conversation_fired, note_fired};
use super::Hiver;
use crate::platform::auth::Account;
use crate::platform::error::{ApiError, ApiResult, Problem};
use crate::platform::extract::{FormFields, JsonObject, QueryPairs};
use crate::platform::pagination::{keyset_page, PageToken, SortKey};
use crate::platform::view::{json, json_with, list, Data, Envelope};

type Hv = State<Arc<Hiver>>;
type Answer = ApiResult<Response>;
type HvRoutes = Routes<Arc<Hiver>>;

pub(crate) fn router(backend: Arc<Hiver>) -> Routes {
    let mut r = Routes::new();
    for fragment in [inboxes::routes, tags::routes, conversations::routes] {
        r = fragment(r);
    }
    r.with_state(backend)
}

/// A required, non-blank query parameter.
pub(super) fn required(q: &QueryPairs, name: &str) -> ApiResult<String> {
    q.get(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .ok_or_else(|| ApiError::invalid(name, Problem::Required))
}

pub(super) fn invalid(field: &str, text: &str) -> ApiError {
    ApiError::invalid(field, Problem::Other(text.to_string()))
}

/// A parsed list request: page size, sort, and where to continue.
pub(super) struct PageQuery {
    pub limit: usize,
    pub sort_by: String,
    pub descending: bool,
    pub after: Option<(SortKey, SortKey)>,
    pub scope: String,
}

/// The paging rules of one list endpoint.
pub(super) struct PageSpec<'a> {
    pub limit_param: &'a str,
    pub token_param: &'a str,
    pub min_limit: usize,
    pub max_limit: usize,
    pub default_limit: usize,
    pub sorts: &'a [&'a str],
    pub default_descending: bool,
}

pub(super) const OFFICIAL: PageSpec<'static> = PageSpec {
    limit_param: "limit",
    token_param: "next_page",
    min_limit: 10,
    max_limit: 100,
    default_limit: 10,
    sorts: &["id"],
    default_descending: false,
};

/// Reads limit, sort and the page token; a token that was altered, or that belongs to another
/// query or another sort, is refused.
pub(super) fn page_query(
    q: &QueryPairs,
    spec: &PageSpec<'_>,
    scope: String,
) -> ApiResult<PageQuery> {
    let limit = match q.get(spec.limit_param) {
        None => spec.default_limit,
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|l| (spec.min_limit..=spec.max_limit).contains(l))
            .ok_or_else(|| {
                invalid(
                    spec.limit_param,
                    &format!(
                        "{} must be between {} and {}",
                        spec.limit_param, spec.min_limit, spec.max_limit
                    ),
                )
            })?,
    };
    let sort_by = match q.get("sort_by") {
        None => None,
        Some(s) if spec.sorts.contains(&s) => Some(s.to_string()),
        Some(s) => {
            return Err(invalid(
                "sort_by",
                &format!(
                    "sort_by {s} is not supported here (use one of {})",
                    spec.sorts.join(", ")
                ),
            ))
        }
    };
    let descending = match q.get("sort_order").map(str::to_ascii_lowercase).as_deref() {
        None => None,
        Some("asc") => Some(false),
        Some("desc") => Some(true),
        Some(other) => {
            return Err(invalid(
                "sort_order",
                &format!("sort_order {other} must be asc or desc"),
            ))
        }
    };
    let token = match q.get(spec.token_param).filter(|t| !t.is_empty()) {
        None => None,
        Some(raw) => {
            let t = PageToken::decode(raw).ok_or_else(|| {
                invalid(
                    spec.token_param,
                    &format!("{} is not a valid page token", spec.token_param),
                )
            })?;
            if t.scope != scope {
                return Err(invalid(
                    spec.token_param,
                    &format!("{} belongs to a different query", spec.token_param),
                ));
            }
            if sort_by.as_ref().is_some_and(|s| *s != t.sort_by)
                || descending.is_some_and(|d| d != t.descending)
            {
                return Err(invalid(
                    spec.token_param,
                    &format!("{} was issued for a different sort", spec.token_param),
                ));
            }
            Some(t)
        }
    };
    Ok(PageQuery {
        limit,
        sort_by: token
            .as_ref()
            .map(|t| t.sort_by.clone())
            .or(sort_by)
            .unwrap_or_else(|| spec.sorts[0].to_string()),
        descending: token
            .as_ref()
            .map(|t| t.descending)
            .or(descending)
            .unwrap_or(spec.default_descending),
        after: token.map(|t| t.after),
        scope,
    })
}

/// Orders `items` by the requested key (ties by id) and cuts the page; returns the page's
/// records and the token for the next page (`None` on the last page).
pub(super) fn token_page<'a, T>(
    mut items: Vec<&'a T>,
    pq: &PageQuery,
    key: impl Fn(&T, &str) -> SortKey,
    id: impl Fn(&T) -> i64,
) -> (Vec<&'a T>, Option<String>) {
    let position = |t: &&T| (key(t, &pq.sort_by), SortKey::Int(id(t)));
    // Collections are mostly stored in id order, which is often the order asked for: checking
    // that costs one pass and no allocation for number keys. Otherwise each record's key is
    // built once (text keys allocate).
    if !items.is_sorted_by_key(&position) {
        items.sort_by_cached_key(|t| position(t));
    }
    if pq.descending {
        items.reverse();
    }
    let (page, more) = keyset_page(&items, position, pq.descending, pq.after.as_ref(), pq.limit);
    let next = match (more, page.last()) {
        (true, Some(last)) => Some(
            PageToken {
                scope: pq.scope.clone(),
                sort_by: pq.sort_by.clone(),
                descending: pq.descending,
                after: position(last),
            }
            .encode(),
        ),
        _ => None,
    };
    (page.to_vec(), next)
}

/// `{"data": {"results": [...], "pagination": {"next_page": …}}}` around one page.
fn results<'a, T, V: serde::Serialize>(
    page: &[&'a T],
    next_page: Option<String>,
    view: impl Fn(&'a T) -> V,
) -> Answer {
    json(&list(page, Envelope::Results { next_page }, |t: &&'a T| {
        view(t)
    }))
}

fn spec(sorts: &'static [&'static str], default_descending: bool) -> PageSpec<'static> {
    PageSpec {
        sorts,
        default_descending,
        ..OFFICIAL
    }
}

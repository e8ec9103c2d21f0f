//! Hipcall v3 (`/hipcall/api/v3`): every call the official `hipcall-sdk` makes, one file per
//! resource — its routes and handlers — with what they share here: the list envelopes, the
//! comment and tag sub-resources every record kind has, and the memo's view names.

use std::sync::Arc;

use crate::platform::routes::{delete, get, patch, post, Path, Routes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::models::{path_id, HipcallState, PartyKind};
use super::query_v3::{self, contains, ListQuery, ListSpec};
use super::v3_calls::{Target, CALLS, TASKS};
use super::v3_comms::CONVERSATIONS;
use super::v3_crm::{COMPANIES, CONTACTS, DEALS};
use super::views_v3 as v;
use super::webhooks::{call_events, party_fired, task_fired};
use super::Hipcall;
use crate::platform::auth::Account;
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::extract::{JsonObject, QueryPairs};
use crate::platform::pagination::slice;
use crate::platform::view::{json, json_with, list, Data, Envelope};
use crate::platform::{off_workers_if, LARGE_COLLECTION};

type Hc = State<Arc<Hipcall>>;
type Answer = ApiResult<Response>;

mod calls;
mod comms;
mod deals;
mod devices;
mod lists;
mod parties;
mod tasks;
mod users;

type V3Routes = Routes<Arc<Hipcall>>;

pub fn router(backend: Arc<Hipcall>) -> Routes {
    let mut r = Routes::new();
    for fragment in [
        calls::routes,
        tasks::routes,
        users::routes,
        parties::routes,
        lists::routes,
        comms::routes,
        deals::routes,
        devices::routes,
    ] {
        r = fragment(r);
    }
    r.with_state(backend)
}

const TAG_LIST: ListSpec = ListSpec {
    searchable: false,
    ..ListSpec::simple()
};

/// `{"data": [...], "meta": {count, limit, offset}}` around one page of `all`.
fn page<'a, T, V: Serialize>(all: &[&'a T], q: &ListQuery, view: impl Fn(&'a T) -> V) -> Answer {
    let meta = json!({"count": all.len(), "limit": q.limit, "offset": q.offset});
    json(&list(
        slice(all, q.window()),
        Envelope::DataMeta { meta },
        |t: &&'a T| view(t),
    ))
}

/// `{"data": [...], "meta": {"count": n}}` around every record.
fn counted<'a, T, V: Serialize>(all: &[&'a T], view: impl Fn(&'a T) -> V) -> Answer {
    let meta = json!({ "count": all.len() });
    json(&list(all, Envelope::DataMeta { meta }, |t: &&'a T| view(t)))
}

fn created(view: &impl Serialize) -> Answer {
    json_with(StatusCode::CREATED, &Data(view))
}

fn no_content() -> Answer {
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn parse(q: &QueryPairs, spec: &ListSpec) -> ApiResult<ListQuery> {
    query_v3::parse(q, spec)
}

/// A spec for plain-parameter endpoints (no paging).
const fn plain(params: &'static [&'static str]) -> ListSpec {
    ListSpec {
        sorts: &["id"],
        default_descending: false,
        filters: &[],
        plain: params,
        paged: false,
        searchable: false,
    }
}

/// `q` on simple lists: the record's name contains it.
fn named_search<'a, T>(
    items: impl Iterator<Item = &'a T>,
    q: &ListQuery,
    name: impl Fn(&T) -> &str,
    id: impl Fn(&T) -> i64,
) -> Vec<&'a T> {
    let mut v: Vec<&T> = items
        .filter(|t| q.q.as_deref().is_none_or(|n| contains(name(t), n)))
        .collect();
    let descending = q.sort.first().is_some_and(|k| k.descending);
    v.sort_by_key(|t| id(t));
    if descending {
        v.reverse();
    }
    v
}

/// The memo's names for v3's views (see `platform::memo`). Each reads only the account's
/// state — the record and the records it shows (a call's contact, a task's links) — never the
/// clock or the request.
const CALL_VIEW: &str = "hipcall.v3.call";
const TASK_VIEW: &str = "hipcall.v3.task";
const TASK_DETAIL: &str = "hipcall.v3.task_detail";
const USER_VIEW: &str = "hipcall.v3.user";
const CONVERSATION_VIEW: &str = "hipcall.v3.conversation";

async fn comments_of(hc: &Hipcall, account: &Account, t: Target, q: &QueryPairs) -> Answer {
    let lq = parse(q, &ListSpec::simple())?;
    hc.read(account, |s| {
        let all = s.v3_comments(&t)?;
        let found = named_search(all.into_iter(), &lq, |c| &c.content, |c| c.id);
        page(&found, &lq, |c| s.v3_comment(c))
    })
}

async fn add_comment(
    hc: &Hipcall,
    account: &Account,
    t: Target,
    body: &Map<String, Value>,
) -> Answer {
    let now = hc.clock.now();
    hc.write(account, |s| {
        let c = s.v3_add_comment(&t, body, now)?;
        created(&s.v3_comment(&c))
    })
}

async fn tags_of(hc: &Hipcall, account: &Account, t: Target, q: &QueryPairs) -> Answer {
    let lq = parse(q, &TAG_LIST)?;
    hc.read(account, |s| {
        page(&s.v3_tags_of(&t)?, &lq, |t| HipcallState::v3_tag(t))
    })
}

async fn add_tag(hc: &Hipcall, account: &Account, t: Target, body: &Map<String, Value>) -> Answer {
    let res = hc.write(account, |s| {
        let id = s.v3_add_tag(&t, body)?;
        let tag = s.tags.find(&id, "Tag")?;
        json(&Data(HipcallState::v3_tag(tag)))
    })?;
    target_changed(hc, account, &t);
    Ok(res)
}

async fn remove_tag(hc: &Hipcall, account: &Account, t: Target, tag: &str) -> Answer {
    let tag = path_id("Tag", tag)?;
    hc.write(account, |s| s.v3_remove_tag(&t, tag))?;
    target_changed(hc, account, &t);
    no_content()
}

/// After a committed write to a contact, company or task: its `*_updated` webhook.
fn target_changed(hc: &Hipcall, account: &Account, t: &Target) {
    let fired = hc.read(account, |s| match t {
        Target::Party(kind, id) => s
            .parties(*kind)
            .get(id)
            .map(|p| party_fired(s, *kind, false, p))
            .unwrap_or_default(),
        Target::Task(id) => s
            .tasks
            .get(id)
            .map(|x| task_fired(s, "task_updated", x))
            .unwrap_or_default(),
        Target::Call(_) => Vec::new(),
    });
    hc.fire(&account.id, fired);
}

/// Emits a new call's `call_init`, `call_bridged`, `call_hangup`.
fn call_placed(hc: &Hipcall, account: &Account, uuid: &str) {
    let fired = hc.read(account, |s| {
        s.call(uuid).map(|c| call_events(s, c)).unwrap_or_default()
    });
    hc.fire(&account.id, fired);
}

/// A contact, company or deal as the target of comments and tags.
fn party_target(kind: PartyKind, id: &str) -> ApiResult<Target> {
    Ok(Target::Party(kind, path_id(kind.resource(), id)?))
}

//! Hipcall v3 (`/hipcall/api/v3`): every call the official `hipcall-sdk` makes, one file per
//! resource — its routes, handlers and (for calls, tasks and users) the rules they apply to the
//! state — with what they share here: the list envelopes, the comments and tags every record
//! kind has (handlers and rules), the write-body helpers, and the memo's view names.

use std::sync::Arc;

use crate::platform::routes::{delete, get, patch, post, Path, Routes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{json, Map, Value};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use self::party_rules::{COMPANIES, CONTACTS, DEALS};
use self::query::{contains, ListQuery, ListSpec, Picked};
use self::query::{digits, filter, FieldValue, Kind, Op};
use self::records::{
    Actor, Attribution, CallDisposition, CallRequest, Consent, Conversation, Inbox, Message,
    MobileDevice, Presence, PushToken, SipToken, TemplateMessage,
};
use self::views as v;
use self::views::direction;
use super::state::{
    path_id, Cdr, Comment, FlowStep, HipcallState, Party, PartyKind, Task, TaskLinks, User,
};
use super::time::{format_ts, parse_date_input, Iso};
use super::webhooks::{call_events, party_fired, task_fired};
use super::Hipcall;
use crate::platform::auth::Account;
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::error::{FieldError, Problem};
use crate::platform::extract::{JsonObject, QueryPairs};
use crate::platform::input::{Input, Presence as P};
use crate::platform::memo::{KeptView, Rendered};
use crate::platform::pagination::slice;
use crate::platform::view::{json, json_with, list, Data, Envelope};
use crate::platform::{off_workers_if, LARGE_COLLECTION};

type Hc = State<Arc<Hipcall>>;
type Answer = ApiResult<Response>;

pub(super) mod calls;
pub mod catalogue;
mod comms;
mod deals;
mod devices;
pub(crate) mod errors;
mod lists;
mod parties;
pub(crate) mod party_rules;
pub(crate) mod party_views;
pub(crate) mod query;
pub(crate) mod records;
pub(crate) mod seed;
pub(crate) mod snapshot;
mod tasks;
mod users;
pub(crate) mod views;

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
    picked_page(all.len(), slice(all, q.window()), q, view)
}

/// A page already cut from `count` kept records ([`query::Picked`]).
fn picked_page<'a, T, V: Serialize>(
    count: usize,
    window: &[&'a T],
    q: &ListQuery,
    view: impl Fn(&'a T) -> V,
) -> Answer {
    let envelope = Envelope::DataCount {
        count,
        window: Some(q.window()),
    };
    json(&list(window, envelope, |t: &&'a T| view(t)))
}

/// `{"data": [...], "meta": {"count": n}}` around every record.
fn counted<'a, T, V: Serialize>(all: &[&'a T], view: impl Fn(&'a T) -> V) -> Answer {
    let envelope = Envelope::DataCount {
        count: all.len(),
        window: None,
    };
    json(&list(all, envelope, |t: &&'a T| view(t)))
}

fn created(view: &impl Serialize) -> Answer {
    json_with(StatusCode::CREATED, &Data(view))
}

fn no_content() -> Answer {
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn parse(q: &QueryPairs, spec: &ListSpec) -> ApiResult<ListQuery> {
    query::parse(q, spec)
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

/// After a committed write to a contact, company or task: its `*_updated` webhook (no
/// payload is built when nobody listens).
fn target_changed(hc: &Hipcall, account: &Account, t: &Target) {
    if !hc.listening(&account.id) {
        return;
    }
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
    if !hc.listening(&account.id) {
        return;
    }
    let fired = hc.read(account, |s| {
        s.call(uuid).map(|c| call_events(s, c)).unwrap_or_default()
    });
    hc.fire(&account.id, fired);
}

/// A contact, company or deal as the target of comments and tags.
fn party_target(kind: PartyKind, id: &str) -> ApiResult<Target> {
    Ok(Target::Party(kind, path_id(kind.resource(), id)?))
}

// ---- comments and tags on any record, and the write-body helpers -------------------------

/// Where a comment or tag hangs in v3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Party(PartyKind, i64),
    Task(i64),
    Call(String),
}

impl Target {
    fn commentable(&self) -> (&'static str, i64, Option<String>) {
        match self {
            Target::Party(PartyKind::Company, id) => ("company", *id, None),
            Target::Party(PartyKind::Contact, id) => ("contact", *id, None),
            Target::Party(PartyKind::Deal, id) => ("deal", *id, None),
            Target::Task(id) => ("task", *id, None),
            Target::Call(uuid) => ("call", 0, Some(uuid.clone())),
        }
    }
}

impl HipcallState {
    /// Checks that the target exists (404 otherwise).
    pub fn v3_target(&self, t: &Target) -> ApiResult<()> {
        let found = match t {
            Target::Party(kind, id) => self.parties(*kind).contains(id),
            Target::Task(id) => self.tasks.contains(id),
            Target::Call(uuid) => self.cdrs.contains(&uuid.to_ascii_lowercase()),
        };
        if found {
            Ok(())
        } else {
            Err(ApiError::not_found("Record", ""))
        }
    }

    pub fn v3_comments(&self, t: &Target) -> ApiResult<Vec<&Comment>> {
        self.v3_target(t)?;
        let (kind, id, uuid) = t.commentable();
        Ok(self
            .comments
            .values()
            .filter(|c| {
                c.commentable_type == kind
                    && c.commentable_id == id
                    && c.commentable_uuid.as_deref()
                        == uuid.as_deref().map(str::to_ascii_lowercase).as_deref()
            })
            .collect())
    }

    /// Creates a comment; `body` is `{"content"}` or (tasks, as the SDK sends it) `{"data":
    /// {"content"}}`.
    pub fn v3_add_comment(
        &mut self,
        t: &Target,
        body: &Map<String, Value>,
        now: DateTime<Utc>,
    ) -> ApiResult<Comment> {
        self.v3_target(t)?;
        let inner = wrapped(body)?;
        let mut input = Input::new(inner);
        input.only(&["content"]);
        let content = input.string("content", P::Required, Some(65_535));
        input.finish()?;
        let (kind, id, uuid) = t.commentable();
        let ts = format_ts(now);
        let c = Comment {
            resource_type: "comment".into(),
            id: self.comments.next_id(),
            content: content.unwrap_or_default(),
            commentable_type: kind.into(),
            created_at: ts.clone(),
            updated_at: ts,
            commentable_id: id,
            commentable_uuid: uuid.map(|u| u.to_ascii_lowercase()),
            user_id: Some(self.owner_id),
        };
        self.comments.insert(c.id, c.clone());
        Ok(c)
    }

    fn tag_ids(&self, t: &Target) -> Vec<i64> {
        match t {
            Target::Party(kind, id) => self
                .parties(*kind)
                .get(id)
                .map(|p| p.tag_ids.clone())
                .unwrap_or_default(),
            Target::Task(id) => self.v3.task_tags.get(id).cloned().unwrap_or_default(),
            Target::Call(uuid) => self
                .v3
                .call_tags
                .get(&uuid.to_ascii_lowercase())
                .cloned()
                .unwrap_or_default(),
        }
    }

    fn tag_ids_mut(&mut self, t: &Target) -> Option<&mut Vec<i64>> {
        match t {
            Target::Party(kind, id) => self.parties_mut(*kind).get_mut(id).map(|p| &mut p.tag_ids),
            Target::Task(id) => Some(self.v3.task_tags.entry(*id).or_default()),
            Target::Call(uuid) => Some(
                self.v3
                    .call_tags
                    .entry(uuid.to_ascii_lowercase())
                    .or_default(),
            ),
        }
    }

    pub fn v3_tags_of(&self, t: &Target) -> ApiResult<Vec<&super::state::Tag>> {
        self.v3_target(t)?;
        Ok(self
            .tag_ids(t)
            .iter()
            .filter_map(|id| self.tags.get(id))
            .collect())
    }

    /// `POST …/tags {"tag_id"}`: idempotent; an unknown tag is 404.
    pub fn v3_add_tag(&mut self, t: &Target, body: &Map<String, Value>) -> ApiResult<i64> {
        self.v3_target(t)?;
        let mut input = Input::new(body);
        input.only(&["tag_id"]);
        let tag = input.integer("tag_id", P::Required);
        input.finish()?;
        let tag = tag.unwrap_or_default();
        if !self.tags.contains(&tag) {
            return Err(ApiError::not_found("Tag", tag));
        }
        if let Some(list) = self.tag_ids_mut(t) {
            if !list.contains(&tag) {
                list.push(tag);
            }
        }
        Ok(tag)
    }

    /// `DELETE …/tags/{tag_id}`: an unknown tag is 404; a known tag not attached is a no-op.
    pub fn v3_remove_tag(&mut self, t: &Target, tag: i64) -> ApiResult<()> {
        self.v3_target(t)?;
        if !self.tags.contains(&tag) {
            return Err(ApiError::not_found("Tag", tag));
        }
        if let Some(list) = self.tag_ids_mut(t) {
            list.retain(|x| *x != tag);
        }
        Ok(())
    }
}

/// The fields of a write body sent flat or (as the SDK sends them) as `{"data": {…}}`. With
/// the wrapper, `data` must be an object (400, as the casting layer says) and nothing may sit
/// beside it (422 per extra field).
fn wrapped(body: &Map<String, Value>) -> ApiResult<&Map<String, Value>> {
    match body.get("data") {
        None => Ok(body),
        Some(Value::Object(m)) => {
            let extra: Vec<FieldError> = body
                .keys()
                .filter(|k| *k != "data")
                .map(|k| FieldError::new(k.clone(), Problem::NotAllowed))
                .collect();
            if extra.is_empty() {
                Ok(m)
            } else {
                Err(ApiError::Validation(extra))
            }
        }
        Some(_) => Err(ApiError::Vendor {
            code: "data".into(),
            status: axum::http::StatusCode::BAD_REQUEST,
            message: "#/data: Invalid object. Got: other".into(),
        }),
    }
}

/// Renames field paths in a validation error (legacy names to v3 names).
fn rename_fields(e: ApiError, names: &[(&str, &str)]) -> ApiError {
    match e {
        ApiError::Validation(list) => ApiError::Validation(
            list.into_iter()
                .map(|mut f| {
                    for (from, to) in names {
                        if f.field == *from || f.field.starts_with(&format!("{from}.")) {
                            f.field = f.field.replacen(from, to, 1);
                        }
                    }
                    f
                })
                .collect(),
        ),
        other => other,
    }
}

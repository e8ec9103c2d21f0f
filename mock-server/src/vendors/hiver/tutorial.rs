//! The tutorial surface (`/hiver/api/v1`), from seed 001 — a third-party tutorial, not Hiver's
//! own documentation. It shares every record with the official surface (mailbox = inbox,
//! `closed` = `close`, `user_id` = an inbox user's alias or id).

use std::sync::Arc;

use crate::platform::routes::{delete, get, post, put, Path, Routes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::official::{page_query, token_page, PageSpec};
use super::state::{Conversation, HiverState, Status};
use super::views::TutorialConversationView;
use super::webhooks::{conversation_fired, note_fired};
use super::Hiver;
use crate::platform::auth::Account;
use crate::platform::error::{ApiError, ApiResult, Problem};
use crate::platform::extract::{JsonObject, QueryPairs};
use crate::platform::memo::KeptView;
use crate::platform::pagination::SortKey;
use crate::platform::view::{json, json_with, list, Envelope};

type Hv = State<Arc<Hiver>>;
type Answer = ApiResult<Response>;

/// `limit` 1–100 (default 25) and `cursor` -> `next_cursor`, newest first.
const CONVERSATIONS: PageSpec<'static> = PageSpec {
    limit_param: "limit",
    token_param: "cursor",
    min_limit: 1,
    max_limit: 100,
    default_limit: 25,
    sorts: &["id"],
    default_descending: true,
};

pub(crate) fn router(backend: Arc<Hiver>) -> Routes {
    Routes::new()
        .route("/mailboxes", get(list_mailboxes))
        .route("/conversations", get(list_conversations))
        .route("/conversations/{id}", get(get_conversation))
        .route("/conversations/{id}/assign", post(assign))
        .route("/conversations/{id}/status", put(set_status))
        .route("/conversations/{id}/notes", post(add_note))
        .route("/conversations/{id}/tags", post(apply_tag))
        .route("/conversations/{id}/tags/{tag_id}", delete(remove_tag))
        .route("/users", get(list_users))
        .route("/tags", get(list_tags).post(create_tag))
        .with_state(backend)
}

/// `{"<key>": [...]}` around every record.
fn named<'a, T, V: serde::Serialize>(
    all: &[&'a T],
    key: &'static str,
    view: impl Fn(&'a T) -> V,
) -> Answer {
    let envelope = Envelope::Named { key, cursor: None };
    json(&list(all, envelope, |t: &&'a T| view(t)))
}

fn mailbox<'a>(s: &'a HiverState, raw: &str) -> ApiResult<&'a super::state::Inbox> {
    s.inbox(raw)
        .map_err(|_| ApiError::not_found("Mailbox", raw))
}

async fn list_mailboxes(State(hv): Hv, account: Account) -> Answer {
    hv.read(&account, |s| {
        let all: Vec<_> = s.inboxes.values().collect();
        named(&all, "mailboxes", HiverState::mailbox_view)
    })
}

async fn list_conversations(State(hv): Hv, account: Account, q: QueryPairs) -> Answer {
    hv.read_memo(&account, |s, memo| {
        let inbox = match q.get("mailbox_id").filter(|m| !m.is_empty()) {
            Some(m) => Some(mailbox(s, m)?.id),
            None => None,
        };
        let status = match q.get("status").filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => Some(Status::parse(v).filter(|_| v != "close").ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    Problem::OneOf {
                        allowed: vec!["open".into(), "pending".into(), "closed".into()],
                    },
                )
            })?),
        };
        // `tag` filters by tag id or name.
        let tag = q.get("tag").filter(|t| !t.is_empty()).map(str::to_string);
        let tag_ids: Option<Vec<i64>> = tag.as_ref().map(|t| {
            s.tags
                .values()
                .filter(|x| x.id.to_string() == *t || x.name.eq_ignore_ascii_case(t))
                .map(|x| x.id)
                .collect()
        });
        let scope = format!(
            "conversations?mailbox_id={}&status={}&tag={}",
            inbox.map(|i| i.to_string()).unwrap_or_default(),
            status.map(Status::tutorial).unwrap_or(""),
            tag.clone().unwrap_or_default().to_lowercase()
        );
        let pq = page_query(&q, &CONVERSATIONS, scope)?;
        let items: Vec<_> = s
            .conversations
            .values()
            .filter(|c| inbox.is_none_or(|i| c.inbox_id == i))
            .filter(|c| status.is_none_or(|st| c.status == st))
            .filter(|c| {
                tag_ids
                    .as_ref()
                    .is_none_or(|ids| c.tag_ids.iter().any(|t| ids.contains(t)))
            })
            .collect();
        let (page, next) = token_page(items, &pq, |c, _| SortKey::Int(c.id), |c| c.id);
        let envelope = Envelope::Named {
            key: "conversations",
            cursor: Some(next),
        };
        json(&list(&page, envelope, |c| {
            memo.show::<KeptTutorialConversation>(s, *c)
        }))
    })
}

async fn get_conversation(State(hv): Hv, account: Account, Path(id): Path<String>) -> Answer {
    hv.read_memo(&account, |s, memo| {
        let c = s.conversation(&id, None)?;
        json(&memo.show::<KeptTutorialConversation>(s, c))
    })
}

async fn assign(
    State(hv): Hv,
    account: Account,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Answer {
    let user = body.get("user_id").cloned().unwrap_or(Value::Null);
    let (res, fired) = hv.write(&account, |s| {
        let before = s.conversation(&id, None)?.clone();
        let c = s.assign(&id, &user)?;
        Ok::<_, ApiError>((
            json(&s.tutorial_conversation(&c))?,
            conversation_fired(s, &before, &c),
        ))
    })?;
    hv.fire(&account.id, fired);
    Ok(res)
}

async fn set_status(
    State(hv): Hv,
    account: Account,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Answer {
    let listening = hv.listening(&account.id);
    let (res, fired) = hv.write(&account, |s| {
        let before = s.conversation(&id, None)?;
        let before = listening.then(|| before.clone());
        let c = s.set_status(&id, body.get("status").and_then(Value::as_str))?;
        let fired = match before {
            Some(before) => conversation_fired(s, &before, &c),
            None => Default::default(),
        };
        Ok::<_, ApiError>((json(&s.tutorial_conversation(&c))?, fired))
    })?;
    hv.fire(&account.id, fired);
    Ok(res)
}

async fn add_note(
    State(hv): Hv,
    account: Account,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Answer {
    let now = hv.clock.now_ms();
    let text = match body.get("body") {
        Some(Value::String(b)) if !b.trim().is_empty() => b.clone(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err(ApiError::invalid("body", Problem::Required))
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "body",
                Problem::Type { expected: "string" },
            ))
        }
    };
    let kind = match body.get("type") {
        None | Some(Value::Null) => "internal".to_string(),
        Some(Value::String(t)) => t.clone(),
        Some(_) => {
            return Err(ApiError::invalid(
                "type",
                Problem::Type { expected: "string" },
            ))
        }
    };
    let (res, fired) = hv.write(&account, |s| {
        let conv = s.conversation(&id, None)?.id;
        let note = s.add_note(conv, text, vec![], false, None, vec![], &kind, now)?;
        Ok::<_, ApiError>((
            json_with(StatusCode::CREATED, &HiverState::tutorial_note(&note))?,
            note_fired(s, &note),
        ))
    })?;
    hv.fire(&account.id, fired);
    Ok(res)
}

async fn apply_tag(
    State(hv): Hv,
    account: Account,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Answer {
    let tag = body.get("tag_id").cloned().unwrap_or(Value::Null);
    hv.write(&account, |s| {
        let c = s.tag_conversation(&id, &tag, true)?;
        json(&s.tutorial_conversation(&c))
    })
}

async fn remove_tag(
    State(hv): Hv,
    account: Account,
    Path((id, tag_id)): Path<(String, String)>,
) -> Answer {
    hv.write(&account, |s| {
        let c = s.tag_conversation(&id, &Value::String(tag_id), false)?;
        json(&s.tutorial_conversation(&c))
    })
}

async fn list_users(State(hv): Hv, account: Account) -> Answer {
    hv.read(&account, |s| {
        let all: Vec<_> = s.users.values().collect();
        named(&all, "users", HiverState::agent_view)
    })
}

async fn list_tags(State(hv): Hv, account: Account) -> Answer {
    hv.read(&account, |s| {
        let all: Vec<_> = s.tags.values().collect();
        named(&all, "tags", HiverState::tutorial_tag)
    })
}

/// `POST /tags {name, color?, mailbox_id?}`: created in the given mailbox, else the first
/// authorised one.
async fn create_tag(State(hv): Hv, account: Account, JsonObject(body): JsonObject) -> Answer {
    let now = hv.clock.now_ms() / 1000;
    let name = match body.get("name") {
        Some(Value::String(n)) => n.clone(),
        Some(_) => {
            return Err(ApiError::invalid(
                "name",
                Problem::Type { expected: "string" },
            ))
        }
        None => return Err(ApiError::invalid("name", Problem::Required)),
    };
    let color = match body.get("color") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => Some(c.clone()),
        Some(_) => {
            return Err(ApiError::invalid(
                "color",
                Problem::Type { expected: "string" },
            ))
        }
    };
    if matches!(body.get("mailbox_id"), Some(v) if !v.is_string() && !v.is_null()) {
        return Err(ApiError::invalid(
            "mailbox_id",
            Problem::Type { expected: "string" },
        ));
    }
    hv.write(&account, |s| {
        let inbox = match body.get("mailbox_id").and_then(Value::as_str) {
            Some(m) => mailbox(s, m)?.id,
            None => s
                .inboxes
                .values()
                .find(|i| i.is_authorised)
                .map(|i| i.id)
                .ok_or(ApiError::Internal)?,
        };
        let tag = s.create_tag(inbox, &name, color, None, now)?;
        json_with(StatusCode::CREATED, &HiverState::tutorial_tag(&tag))
    })
}

/// The tutorial's conversation: its mailbox, tags and assignee (kept in the account's memo until its next write; see `platform::memo`).
pub(crate) struct KeptTutorialConversation;

impl KeptView for KeptTutorialConversation {
    type State = HiverState;
    type Record = Conversation;
    type Out<'r> = TutorialConversationView<'r>;
    fn render<'r>(s: &'r HiverState, r: &'r Conversation) -> Self::Out<'r> {
        s.tutorial_conversation(r)
    }
}

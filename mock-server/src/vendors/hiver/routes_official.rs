//! Hiver official API v1 handlers (`/hiver/v1`).

use std::sync::Arc;

use crate::platform::routes::{get, post, Path, Routes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::models::{Attachment, HiverState};
use super::views::{KeptConversationRow, KeptConversationSingle};
use super::webhooks::{conversation_fired, note_fired};
use super::Hiver;
use crate::platform::auth::Account;
use crate::platform::error::{ApiError, ApiResult, Problem};
use crate::platform::extract::{FormFields, JsonObject, QueryPairs};
use crate::platform::pagination::{keyset_page, PageToken, SortKey};
use crate::platform::view::{json, json_with, list, Data, Envelope};

type Hv = State<Arc<Hiver>>;
type Answer = ApiResult<Response>;

pub(crate) fn router(backend: Arc<Hiver>) -> Routes {
    Routes::new()
        .route("/inboxes", get(list_inboxes))
        .route("/inboxes/{inbox_id}", get(get_inbox))
        .route("/inboxes/{inbox_id}/users", get(list_users))
        .route("/inboxes/{inbox_id}/users/search", get(search_users))
        .route("/inboxes/{inbox_id}/tags", get(list_tags).post(create_tag))
        .route("/inboxes/{inbox_id}/tags/search", get(search_tags))
        .route("/inboxes/{inbox_id}/conversations", get(list_conversations))
        .route(
            "/inboxes/{inbox_id}/conversations/shared-drafts",
            post(create_draft),
        )
        .route(
            "/inboxes/{inbox_id}/conversations/{conversation_id}",
            get(get_conversation).patch(patch_conversation),
        )
        .route(
            "/inboxes/{inbox_id}/conversations/{conversation_id}/notes",
            post(create_note),
        )
        .with_state(backend)
}

fn invalid(field: &str, text: &str) -> ApiError {
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

impl Hiver {
    pub(super) fn with<R>(&self, account: &Account, f: impl FnOnce(&mut HiverState) -> R) -> R {
        self.tenants.with(&account.id, f)
    }
}

async fn list_inboxes(State(hv): Hv, account: Account, q: QueryPairs) -> Answer {
    let pq = page_query(
        &q,
        &spec(&["id", "display_name", "created_at"], false),
        "inboxes".into(),
    )?;
    hv.tenants.read(&account.id, |s| {
        let (page, next) = token_page(
            s.inboxes.values().collect(),
            &pq,
            |i, by| match by {
                "display_name" => SortKey::Str(i.display_name.to_lowercase()),
                "created_at" => SortKey::Int(i.created_at),
                _ => SortKey::Int(i.id),
            },
            |i| i.id,
        );
        results(&page, next, |i| s.inbox_view(i))
    })
}

async fn get_inbox(State(hv): Hv, account: Account, Path(inbox_id): Path<String>) -> Answer {
    hv.with(&account, |s| json(&Data(s.inbox_view(s.inbox(&inbox_id)?))))
}

const USER_SORTS: &[&str] = &["id", "email", "first_name"];

fn user_key(u: &super::models::User, by: &str) -> SortKey {
    match by {
        "email" => SortKey::Str(u.email.to_lowercase()),
        "first_name" => SortKey::Str(u.first_name.to_lowercase()),
        _ => SortKey::Int(u.id),
    }
}

/// A required, non-blank query parameter.
fn required(q: &QueryPairs, name: &str) -> ApiResult<String> {
    q.get(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .ok_or_else(|| ApiError::invalid(name, Problem::Required))
}

/// An inbox's users, all or those whose email matches exactly (case-insensitively).
fn users_page(
    hv: &Hiver,
    account: &Account,
    inbox_id: &str,
    q: &QueryPairs,
    email: Option<String>,
) -> Answer {
    hv.with(account, |s| {
        let inbox = s.inbox(inbox_id)?;
        let scope = match &email {
            Some(e) => format!(
                "inboxes/{}/users/search?email={}",
                inbox.id,
                e.to_lowercase()
            ),
            None => format!("inboxes/{}/users", inbox.id),
        };
        let pq = page_query(q, &spec(USER_SORTS, false), scope)?;
        let users: Vec<_> = s
            .members(inbox)
            .into_iter()
            .filter(|u| {
                email
                    .as_ref()
                    .is_none_or(|e| u.email.eq_ignore_ascii_case(e))
            })
            .collect();
        let (page, next) = token_page(users, &pq, user_key, |u| u.id);
        results(&page, next, HiverState::user_view)
    })
}

async fn list_users(
    State(hv): Hv,
    account: Account,
    Path(inbox_id): Path<String>,
    q: QueryPairs,
) -> Answer {
    users_page(&hv, &account, &inbox_id, &q, None)
}

async fn search_users(
    State(hv): Hv,
    account: Account,
    Path(inbox_id): Path<String>,
    q: QueryPairs,
) -> Answer {
    let email = required(&q, "email")?;
    users_page(&hv, &account, &inbox_id, &q, Some(email))
}

const TAG_SORTS: &[&str] = &["id", "name", "created_at"];

fn tag_key(t: &super::models::Tag, by: &str) -> SortKey {
    match by {
        "name" => SortKey::Str(t.name.to_lowercase()),
        "created_at" => SortKey::Int(t.created_at),
        _ => SortKey::Int(t.id),
    }
}

/// An inbox's tags, all or those whose name matches exactly (case-insensitively).
fn tags_page(
    hv: &Hiver,
    account: &Account,
    inbox_id: &str,
    q: &QueryPairs,
    name: Option<String>,
) -> Answer {
    hv.with(account, |s| {
        let inbox = s.inbox(inbox_id)?;
        let scope = match &name {
            Some(n) => format!("inboxes/{}/tags/search?name={}", inbox.id, n.to_lowercase()),
            None => format!("inboxes/{}/tags", inbox.id),
        };
        let pq = page_query(q, &spec(TAG_SORTS, false), scope)?;
        let tags: Vec<_> = s
            .inbox_tags(inbox.id)
            .into_iter()
            .filter(|t| name.as_ref().is_none_or(|n| t.name.eq_ignore_ascii_case(n)))
            .collect();
        let (page, next) = token_page(tags, &pq, tag_key, |t| t.id);
        results(&page, next, HiverState::tag_view)
    })
}

async fn list_tags(
    State(hv): Hv,
    account: Account,
    Path(inbox_id): Path<String>,
    q: QueryPairs,
) -> Answer {
    tags_page(&hv, &account, &inbox_id, &q, None)
}

async fn search_tags(
    State(hv): Hv,
    account: Account,
    Path(inbox_id): Path<String>,
    q: QueryPairs,
) -> Answer {
    let name = required(&q, "name")?;
    tags_page(&hv, &account, &inbox_id, &q, Some(name))
}

async fn create_tag(
    State(hv): Hv,
    account: Account,
    Path(inbox_id): Path<String>,
    JsonObject(body): JsonObject,
) -> Answer {
    let now = hv.clock.now_ms() / 1000;
    let text = |k: &str| -> ApiResult<Option<String>> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::invalid(k, Problem::Type { expected: "string" })),
        }
    };
    let name = text("name")?.ok_or_else(|| ApiError::invalid("name", Problem::Required))?;
    let (color, description) = (text("color_hexcode")?, text("description")?);
    hv.with(&account, |s| {
        let inbox = s.inbox(&inbox_id)?.id;
        let tag = s.create_tag(inbox, &name, color, description, now)?;
        json(&Data(HiverState::tag_created_view(&tag)))
    })
}

async fn list_conversations(
    State(hv): Hv,
    account: Account,
    Path(inbox_id): Path<String>,
    q: QueryPairs,
) -> Answer {
    hv.tenants.read_memo(&account.id, |s, memo| {
        let inbox = s.inbox(&inbox_id)?;
        // The documented token example sorts conversations by id, descending.
        let pq = page_query(
            &q,
            &spec(&["id"], true),
            format!("inboxes/{}/conversations", inbox.id),
        )?;
        let items: Vec<_> = s
            .conversations
            .values()
            .filter(|c| c.inbox_id == inbox.id)
            .collect();
        let (page, next) = token_page(items, &pq, |c, _| SortKey::Int(c.id), |c| c.id);
        results(&page, next, |c| memo.show::<KeptConversationRow>(&(), c))
    })
}

async fn get_conversation(
    State(hv): Hv,
    account: Account,
    Path((inbox_id, conversation_id)): Path<(String, String)>,
) -> Answer {
    hv.tenants.read_memo(&account.id, |s, memo| {
        let inbox = s.inbox(&inbox_id)?.id;
        let c = s.conversation(&conversation_id, Some(inbox))?;
        json(&Data([memo.show::<KeptConversationSingle>(&(), c)]))
    })
}

async fn patch_conversation(
    State(hv): Hv,
    account: Account,
    Path((inbox_id, conversation_id)): Path<(String, String)>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    let fired = hv.with(&account, |s| {
        let inbox = s.inbox(&inbox_id)?.id;
        let before = s.conversation(&conversation_id, Some(inbox))?.clone();
        s.patch_conversation(inbox, &conversation_id, &body)?;
        let after = s.conversation(&conversation_id, Some(inbox))?.clone();
        Ok::<_, ApiError>(conversation_fired(s, &before, &after))
    })?;
    hv.fire(&account.id, fired);
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn attachments(form: &FormFields) -> Vec<Attachment> {
    form.files
        .iter()
        .enumerate()
        .map(|(i, f)| Attachment {
            id: uuid::Builder::from_random_bytes(attachment_id_bytes(&f.file_name, f.size, i))
                .into_uuid()
                .to_string(),
            file_name: f.file_name.clone(),
            file_type: f.content_type.clone(),
        })
        .collect()
}

/// Deterministic attachment ids (name, size and position), so responses stay reproducible.
fn attachment_id_bytes(name: &str, size: usize, index: usize) -> [u8; 16] {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in name
        .bytes()
        .chain(size.to_le_bytes())
        .chain(index.to_le_bytes())
    {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
    }
    h.to_le_bytes()
}

async fn create_note(
    State(hv): Hv,
    account: Account,
    Path((inbox_id, conversation_id)): Path<(String, String)>,
    form: FormFields,
) -> Answer {
    let now = hv.clock.now_ms();
    let content = form.get("content").unwrap_or("").to_string();
    // `mentions` may come as repeated fields, a JSON array string, or a comma-separated list.
    let mut mentions = Vec::new();
    for raw in form.all("mentions") {
        match serde_json::from_str::<Vec<String>>(raw) {
            Ok(list) => mentions.extend(list),
            Err(_) => mentions.extend(
                raw.split(',')
                    .map(|m| m.trim().to_string())
                    .filter(|m| !m.is_empty()),
            ),
        }
    }
    let notify_all = match form
        .get("notify_all")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("false") | Some("0") | Some("") => false,
        Some("true") | Some("1") => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "notify_all",
                Problem::Type {
                    expected: "boolean",
                },
            ))
        }
    };
    let parent = form.get("parent_note_id").map(str::to_string);
    let files = attachments(&form);
    hv.with(&account, |s| {
        let inbox = s.inbox(&inbox_id)?.id;
        let conv = s.conversation(&conversation_id, Some(inbox))?.id;
        let note = s.add_note(
            conv,
            content,
            mentions,
            notify_all,
            parent.as_deref(),
            files,
            "internal",
            now,
        )?;
        Ok::<_, ApiError>((
            json_with(StatusCode::CREATED, &Data(s.note_view(&note)))?,
            note_fired(s, &note),
        ))
    })
    .map(|(res, fired)| {
        hv.fire(&account.id, fired);
        res
    })
}

async fn create_draft(
    State(hv): Hv,
    account: Account,
    Path(inbox_id): Path<String>,
    form: FormFields,
) -> Answer {
    let body = form.get("body").unwrap_or("").to_string();
    let reply_type = form.get("reply_type").map(str::to_string);
    let gmail = form
        .get("gmail_message_id")
        .map(str::to_string)
        .filter(|g| !g.trim().is_empty());
    let hiver = match form
        .get("hiver_message_id")
        .filter(|h| !h.trim().is_empty())
    {
        None => None,
        Some(h) => Some(h.trim().parse::<i64>().map_err(|_| {
            ApiError::invalid("hiver_message_id", Problem::Type { expected: "number" })
        })?),
    };
    let files = attachments(&form);
    hv.with(&account, |s| {
        let inbox = s.inbox(&inbox_id)?.id;
        let d = s.add_draft(inbox, body, reply_type, gmail, hiver, files)?;
        json(&Data(json!({"id": d.conversation_id, "shared_draft_id": d.id, "reply_to_message_id": d.reply_to_message_id})))
    })
}

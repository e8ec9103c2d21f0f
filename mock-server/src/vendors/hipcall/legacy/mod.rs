//! Hipcall v20211124 (the legacy API) by resource in one file: its routes and handlers; the
//! rules it applies live with the shared state (`rules.rs`), its response shapes in `views.rs`.

mod views;

use std::sync::Arc;

use crate::platform::memo::Rendered;
use crate::platform::routes::{delete, get, post, Path, Routes};
use crate::platform::store::Collection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use super::state::{path_id, HipcallState, PartyKind};
use super::webhooks::{party_fired, task_fired};
use super::Hipcall;
use crate::platform::auth::Account;
use crate::platform::error::{ApiError, ApiResult};
use crate::platform::extract::{JsonObject, QueryPairs};
use crate::platform::pagination::{slice, LaravelPage, LaravelPaginator, PageRequest, PageRules};
use crate::platform::surface::ClientBase;
use crate::platform::view::{json, json_with, list, Data, Envelope};

type Hc = State<Arc<Hipcall>>;
type Answer = ApiResult<Response>;

/// Page sizes: 10 by default as documented; the maximum is our choice (not documented).
pub(crate) const PAGE_RULES: PageRules = PageRules {
    default_per_page: 10,
    max_per_page: 100,
};

pub(crate) fn router(backend: Arc<Hipcall>) -> Routes {
    Routes::new()
        .route("/cdrs", get(list_cdrs))
        .route("/cdrs/{yyyy}/{mm}/{dd}/{uuid}", get(get_cdr))
        .route("/comments", post(create_comment))
        .route("/companies/{id}/tags", post(add_company_tags))
        .route("/companies/{id}/tags/{tag_id}", delete(remove_company_tag))
        .route("/contacts/{id}/tags", post(add_contact_tags))
        .route("/contacts/{id}/tags/{tag_id}", delete(remove_contact_tag))
        .route("/extensions", get(list_extensions))
        .route("/extensions/{id}", get(get_extension))
        .route("/greetings", get(list_greetings))
        .route("/greetings/{id}", get(get_greeting))
        .route("/numbers", get(list_numbers))
        .route("/numbers/{id}", get(get_number))
        .route("/tasks", get(list_tasks).post(create_task))
        .route("/tasks/{id}", get(get_task))
        .route("/teams", get(list_teams))
        .route("/teams/{id}", get(get_team))
        .route("/users", get(list_users))
        .route("/users/{id}", get(get_user).put(update_user))
        .with_state(backend)
}

/// Renders one page of `items`, records of `collection` (each serialized as stored, kept
/// beside its record until the record changes), in the Laravel envelope of `style`.
fn page<'r, T: Serialize + 'static, K: std::hash::Hash + Eq>(
    items: &[&'r T],
    memo: Rendered<'r>,
    collection: &'r Collection<K, T>,
    query: &QueryPairs,
    base: &ClientBase,
    resource: &str,
    style: LaravelPaginator,
) -> Answer {
    page_with(items, query, base, resource, style, |t| {
        memo.stored_in(collection, t)
    })
}

/// Like [`page`], with a list-item view; only the records on the page are rendered.
fn page_with<'a, T, V: Serialize>(
    items: &[&'a T],
    query: &QueryPairs,
    base: &ClientBase,
    resource: &str,
    style: LaravelPaginator,
    view: impl Fn(&'a T) -> V,
) -> Answer {
    let request = PageRequest::parse(&query.0, PAGE_RULES)?;
    let page = slice(items, request.window());
    let path = format!("{}/{resource}", base.0);
    let (links, meta) = LaravelPage {
        path: &path,
        request: &request,
        total: items.len(),
        style,
        previous_label: "« Previous",
        next_label: "Next »",
    }
    .links_and_meta(page.len());
    json(&list(
        page,
        Envelope::Laravel { links, meta },
        |t: &&'a T| view(t),
    ))
}

async fn list_cdrs(State(hc): Hc, account: Account, q: QueryPairs, base: ClientBase) -> Answer {
    hc.read_memo(&account, |s, memo| {
        let items: Vec<_> = s.cdrs.values().collect();
        page_with(&items, &q, &base, "cdrs", LaravelPaginator::Simple, |c| {
            memo.show_in::<views::KeptCdrRow, _>(&s.cdrs, c)
        })
    })
}

async fn get_cdr(
    State(hc): Hc,
    account: Account,
    Path((yyyy, mm, dd, uuid)): Path<(String, String, String, String)>,
) -> Answer {
    hc.read_memo(&account, |s, memo| {
        let c = s.cdr_detail(&yyyy, &mm, &dd, &uuid)?;
        json(&Data(memo.stored(c)))
    })
}

async fn create_comment(State(hc): Hc, account: Account, JsonObject(body): JsonObject) -> Answer {
    let now = hc.clock.now();
    let c = hc.write(&account, |s| s.create_comment(&body, now))?;
    json_with(StatusCode::CREATED, &Data(views::comment(&c)))
}

async fn add_tags(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    body: &serde_json::Map<String, Value>,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    let (tags, fired) = hc.write(account, |s| {
        let tags = s.add_tags(kind, id, body)?;
        let fired = s
            .parties(kind)
            .get(&id)
            .map(|p| party_fired(s, kind, false, p))
            .unwrap_or_default();
        Ok::<_, ApiError>((tags, fired))
    })?;
    hc.fire(&account.id, fired);
    json(&Data(&tags))
}

async fn remove_tag(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    tag_id: &str,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    let tag_id = path_id("Tag", tag_id)?;
    let fired = hc.write(account, |s| {
        s.remove_tag(kind, id, tag_id)?;
        Ok::<_, ApiError>(
            s.parties(kind)
                .get(&id)
                .map(|p| party_fired(s, kind, false, p))
                .unwrap_or_default(),
        )
    })?;
    hc.fire(&account.id, fired);
    json(&serde_json::Map::new())
}

async fn add_company_tags(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Answer {
    add_tags(&hc, &account, PartyKind::Company, &id, &body).await
}

async fn remove_company_tag(
    State(hc): Hc,
    account: Account,
    Path((id, tag)): Path<(String, String)>,
) -> Answer {
    remove_tag(&hc, &account, PartyKind::Company, &id, &tag).await
}

async fn add_contact_tags(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Answer {
    add_tags(&hc, &account, PartyKind::Contact, &id, &body).await
}

async fn remove_contact_tag(
    State(hc): Hc,
    account: Account,
    Path((id, tag)): Path<(String, String)>,
) -> Answer {
    remove_tag(&hc, &account, PartyKind::Contact, &id, &tag).await
}

/// `GET /{resource}` and `GET /{resource}/{id}` for a collection listed by id.
macro_rules! list_and_get {
    ($list:ident, $get:ident, $field:ident, $resource:literal, $model:literal) => {
        async fn $list(State(hc): Hc, account: Account, q: QueryPairs, base: ClientBase) -> Answer {
            hc.read_memo(&account, |s, memo| {
                let items: Vec<_> = s.$field.values().collect();
                page(
                    &items,
                    memo,
                    &s.$field,
                    &q,
                    &base,
                    $resource,
                    LaravelPaginator::Full,
                )
            })
        }

        async fn $get(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
            detail(&hc, &account, $model, &id, |s, id| s.$field.get(&id))
        }
    };
}

list_and_get!(
    list_greetings,
    get_greeting,
    greetings,
    "greetings",
    "Greeting"
);
list_and_get!(list_numbers, get_number, numbers, "numbers", "Number");
list_and_get!(list_tasks, get_task, tasks, "tasks", "Task");
list_and_get!(list_teams, get_team, teams, "teams", "Team");

async fn list_extensions(
    State(hc): Hc,
    account: Account,
    q: QueryPairs,
    base: ClientBase,
) -> Answer {
    hc.read_memo(&account, |s, memo| {
        page(
            &s.listed_extensions(),
            memo,
            &s.extensions,
            &q,
            &base,
            "extensions",
            LaravelPaginator::Full,
        )
    })
}

/// Shared body of the `GET /{resource}/{id}` handlers.
fn detail<T: Serialize + 'static>(
    hc: &Hipcall,
    account: &Account,
    resource: &'static str,
    raw_id: &str,
    pick: impl for<'r> FnOnce(&'r HipcallState, i64) -> Option<&'r T>,
) -> Answer {
    let id = path_id(resource, raw_id)?;
    hc.read_memo(account, |s, memo| match pick(s, id) {
        Some(t) => json(&Data(memo.stored(t))),
        None => Err(ApiError::not_found(resource, id)),
    })
}

async fn get_extension(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    detail(&hc, &account, "Extension", &id, |s, id| {
        s.extensions.get(&id)
    })
}

async fn create_task(State(hc): Hc, account: Account, JsonObject(body): JsonObject) -> Answer {
    let now = hc.clock.now();
    let (t, fired) = hc.write(&account, |s| {
        let t = s.create_task(&body, now)?;
        let fired = task_fired(s, "task_created", &t);
        Ok::<_, ApiError>((t, fired))
    })?;
    hc.fire(&account.id, fired);
    json_with(StatusCode::CREATED, &Data(&t))
}

async fn list_users(State(hc): Hc, account: Account, q: QueryPairs, base: ClientBase) -> Answer {
    hc.read_memo(&account, |s, memo| {
        page(
            &s.listed_users(),
            memo,
            &s.users,
            &q,
            &base,
            "users",
            LaravelPaginator::Full,
        )
    })
}

async fn get_user(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("User", &id)?;
    hc.read_memo(&account, |s, memo| match s.users.get(&id) {
        Some(u) => json(&Data(memo.show_in::<views::KeptUserDetail, _>(&s.users, u))),
        None => Err(ApiError::not_found("User", id)),
    })
}

async fn update_user(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Answer {
    let id = path_id("User", &id)?;
    let now = hc.clock.now();
    let u = hc.write(&account, |s| s.update_user(id, &body, now))?;
    json(&Data(views::user_detail(&u)))
}

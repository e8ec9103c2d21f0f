//! Hipcall v3 handlers (`/hipcall/api/v3`): every call the official `hipcall-sdk` makes.

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

pub fn router(backend: Arc<Hipcall>) -> Routes {
    Routes::new()
        .route("/calls", get(list_calls))
        .route("/calls/{uuid}", get(get_call))
        .route(
            "/calls/{uuid}/comments",
            get(call_comments).post(add_call_comment),
        )
        .route("/calls/{uuid}/tags", get(call_tags).post(add_call_tag))
        .route("/calls/{uuid}/tags/{tag_id}", delete(remove_call_tag))
        .route("/calls/{uuid}/cards", get(call_cards).post(add_call_card))
        .route(
            "/calls/{uuid}/disposition",
            get(call_disposition).put(set_call_disposition),
        )
        .route("/dispositions", get(list_dispositions))
        .route("/tasks", get(list_tasks).post(create_task))
        .route("/tasks/{id}", get(get_task).patch(update_task))
        .route(
            "/tasks/{id}/comments",
            get(task_comments).post(add_task_comment),
        )
        .route("/tasks/{id}/tags", get(task_tags).post(add_task_tag))
        .route("/tasks/{id}/tags/{tag_id}", delete(remove_task_tag))
        .route("/extensions", get(list_extensions))
        .route("/extensions/{id}", get(get_extension))
        .route("/extensions/{id}/call", post(call_extension))
        .route("/greetings", get(list_greetings))
        .route("/greetings/{id}", get(get_greeting))
        .route("/numbers", get(list_numbers))
        .route("/numbers/{id}", get(get_number))
        .route("/teams", get(list_teams))
        .route("/teams/{id}", get(get_team))
        .route("/voicemails", get(list_voicemails))
        .route("/voicemails/{id}", get(get_voicemail))
        .route("/users", get(list_users))
        .route("/users/{id}", get(get_user).patch(update_user))
        .route("/users/{id}/call", post(call_and_bridge))
        .route("/users/{id}/stats/today", get(user_stats))
        .route("/profile", get(profile))
        .route("/profile/stats/today", get(profile_stats))
        .route("/contacts", get(list_contacts).post(create_contact))
        .route("/contacts/custom-fields", get(contact_custom_fields))
        .route(
            "/contacts/by-external-id/{external_id}",
            get(contact_by_external_id),
        )
        .route("/contacts/{id}", get(get_contact).patch(update_contact))
        .route("/contacts/{id}/assign", patch(assign_contact))
        .route(
            "/contacts/{id}/comments",
            get(contact_comments).post(add_contact_comment),
        )
        .route(
            "/contacts/{id}/consent",
            get(contact_consents).post(add_contact_consent),
        )
        .route("/contacts/{id}/emails", post(add_contact_emails))
        .route(
            "/contacts/{id}/emails/{email}",
            delete(remove_contact_email),
        )
        .route("/contacts/{id}/phones", post(add_contact_phones))
        .route(
            "/contacts/{id}/phones/{number}",
            delete(remove_contact_phone),
        )
        .route(
            "/contacts/{id}/tags",
            get(contact_tags).post(add_contact_tag),
        )
        .route("/contacts/{id}/tags/{tag_id}", delete(remove_contact_tag))
        .route("/companies", get(list_companies).post(create_company))
        .route("/companies/custom-fields", get(company_custom_fields))
        .route(
            "/companies/by-external-id/{external_id}",
            get(company_by_external_id),
        )
        .route("/companies/{id}", get(get_company).patch(update_company))
        .route("/companies/{id}/assign", patch(assign_company))
        .route(
            "/companies/{id}/comments",
            get(company_comments).post(add_company_comment),
        )
        .route("/companies/{id}/emails", post(add_company_emails))
        .route(
            "/companies/{id}/emails/{email}",
            delete(remove_company_email),
        )
        .route("/companies/{id}/phones", post(add_company_phones))
        .route(
            "/companies/{id}/phones/{number}",
            delete(remove_company_phone),
        )
        .route(
            "/companies/{id}/tags",
            get(company_tags).post(add_company_tag),
        )
        .route("/companies/{id}/tags/{tag_id}", delete(remove_company_tag))
        .route("/employee-sizes", get(employee_sizes))
        .route("/life-cycles", get(life_cycles))
        .route("/sectors", get(sectors))
        .route("/sources", get(sources))
        .route("/contact-center/attributes", get(contact_center_attributes))
        .route("/lookup/by_email", get(lookup_by_email))
        .route("/lookup/by_phone", get(lookup_by_phone))
        .route("/tags", get(list_tags))
        .route("/inbox", get(list_inboxes))
        .route("/inbox/{id}", get(get_inbox).patch(update_inbox))
        .route("/inbox/{id}/messages/template", post(send_template))
        .route(
            "/inbox/{id}/messages/template/{template_id}",
            get(get_template),
        )
        .route("/conversations", get(list_conversations))
        .route(
            "/conversations/{id}",
            get(get_conversation).patch(update_conversation),
        )
        .route("/conversations/{id}/messages", get(conversation_messages))
        .route("/conversations/{id}/messages/text", post(send_text))
        .route("/deals", get(list_deals))
        .route("/deals/{id}", get(get_deal))
        .route(
            "/deals/{id}/comments",
            get(deal_comments).post(add_deal_comment),
        )
        .route("/procedures", get(list_procedures))
        .route("/procedures/{uuid}", get(get_procedure))
        .route("/mobile/devices", post(register_device))
        .route(
            "/mobile/devices/{device_id}",
            patch(update_device).delete(delete_device),
        )
        .route(
            "/push/token",
            post(register_push_token).delete(delete_push_token),
        )
        .route("/sip/token", post(create_sip_token))
        .route("/attribution", post(create_attribution))
        .with_state(backend)
}

/// Tag lists under a record: paged, no search.
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

// ---- calls -------------------------------------------------------------------------------

/// The memo's names for v3's views (see `platform::memo`). Each reads only the account's
/// state — the record and the records it shows (a call's contact, a task's links) — never the
/// clock or the request.
const CALL_VIEW: &str = "hipcall.v3.call";
const TASK_VIEW: &str = "hipcall.v3.task";
const TASK_DETAIL: &str = "hipcall.v3.task_detail";
const USER_VIEW: &str = "hipcall.v3.user";
const CONVERSATION_VIEW: &str = "hipcall.v3.conversation";

async fn list_calls(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &CALLS)?;
    // A call's view reads only the account's state (the call, its contact's company), so
    // pages reuse it until the account's next write.
    let heavy = hc
        .tenants
        .read(&account.id, |s| s.cdrs.len() >= LARGE_COLLECTION);
    off_workers_if(heavy, move || {
        hc.tenants.read_memo(&account.id, |s, memo| {
            page(&s.v3_calls(&lq, memo), &lq, |c| {
                memo.view(CALL_VIEW, c, |c| s.v3_call(c))
            })
        })
    })
    .await
}

async fn get_call(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    q: QueryPairs,
) -> Answer {
    let lq = parse(&q, &plain(&["date"]))?;
    hc.tenants.read_memo(&account.id, |s, memo| {
        let c = s.v3_call_by_uuid(&uuid, lq.plain("date"))?;
        json(&Data(memo.view(CALL_VIEW, c, |c| s.v3_call(c))))
    })
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

async fn call_comments(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    q: QueryPairs,
) -> Answer {
    comments_of(&hc, &account, Target::Call(uuid), &q).await
}

async fn add_call_comment(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_comment(&hc, &account, Target::Call(uuid), &b).await
}

async fn call_tags(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    q: QueryPairs,
) -> Answer {
    tags_of(&hc, &account, Target::Call(uuid), &q).await
}

async fn add_call_tag(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_tag(&hc, &account, Target::Call(uuid), &b).await
}

async fn remove_call_tag(
    State(hc): Hc,
    account: Account,
    Path((uuid, tag)): Path<(String, String)>,
) -> Answer {
    remove_tag(&hc, &account, Target::Call(uuid), &tag).await
}

async fn call_cards(State(hc): Hc, account: Account, Path(uuid): Path<String>) -> Answer {
    hc.read(&account, |s| {
        s.call(&uuid)?;
        let empty = Vec::new();
        let cards =
            s.v3.call_cards
                .get(&uuid.to_ascii_lowercase())
                .unwrap_or(&empty);
        json(&Data(cards))
    })
}

async fn add_call_card(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    hc.write(&account, |s| {
        let rows = s.v3_add_card(&uuid, &b)?;
        let call_id = s.call(&uuid)?.uuid.clone();
        created(&json!({"call_id": call_id, "card": rows}))
    })
}

async fn call_disposition(State(hc): Hc, account: Account, Path(uuid): Path<String>) -> Answer {
    let now = hc.clock.now();
    hc.read(&account, |s| {
        json(&Data(s.v3_call_disposition(&uuid, now)?))
    })
}

async fn set_call_disposition(
    State(hc): Hc,
    account: Account,
    Path(uuid): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let now = hc.clock.now();
    hc.write(&account, |s| {
        s.v3_set_disposition(&uuid, &b, now)?;
        json(&Data(s.v3_call_disposition(&uuid, now)?))
    })
}

async fn list_dispositions(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &plain(&["direction", "outcome", "active", "call_uuid"]))?;
    // Parameters are checked before anything is looked up, as the validating server does.
    let direction = lq.plain_one_of("direction", &["inbound", "outbound", "both"])?;
    let outcome = lq.plain_one_of("outcome", &["positive", "neutral", "negative"])?;
    let active = lq.plain_bool("active")?;
    hc.read(&account, |s| {
        let call_direction = match lq.plain("call_uuid") {
            Some(u) => Some(v::direction(s.call(u)?.direction)),
            None => None,
        };
        let all: Vec<_> = s
            .v3
            .dispositions
            .values()
            .filter(|d| direction.is_none_or(|x| d.direction == x || d.direction == "both"))
            .filter(|d| outcome.is_none_or(|x| d.outcome == x))
            .filter(|d| active.is_none_or(|a| d.active == a))
            .filter(|d| call_direction.is_none_or(|x| d.direction == x || d.direction == "both"))
            .collect();
        counted(&all, v::disposition)
    })
}

// ---- tasks -------------------------------------------------------------------------------

async fn list_tasks(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &TASKS)?;
    let heavy = hc
        .tenants
        .read(&account.id, |s| s.tasks.len() >= LARGE_COLLECTION);
    off_workers_if(heavy, move || {
        hc.tenants.read_memo(&account.id, |s, memo| {
            page(&s.v3_tasks(&lq), &lq, |t| {
                memo.view(TASK_VIEW, t, |t| s.v3_task(t))
            })
        })
    })
    .await
}

async fn create_task(State(hc): Hc, account: Account, JsonObject(b): JsonObject) -> Answer {
    let now = hc.clock.now();
    let (res, fired) = hc.write(&account, |s| {
        let t = s.v3_create_task(&b, now)?;
        Ok::<_, ApiError>((created(&s.v3_task(&t))?, task_fired(s, "task_created", &t)))
    })?;
    hc.fire(&account.id, fired);
    Ok(res)
}

async fn get_task(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Task", &id)?;
    hc.tenants.read_memo(&account.id, |s, memo| {
        let t = s.tasks.find(&id, "Task")?;
        json(&Data(memo.view(TASK_DETAIL, t, |t| s.v3_task_detail(t))))
    })
}

async fn update_task(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let id = path_id("Task", &id)?;
    let now = hc.clock.now();
    let res = hc.write(&account, |s| {
        let t = s.v3_update_task(id, &b, now)?;
        json(&Data(s.v3_task(&t)))
    })?;
    target_changed(&hc, &account, &Target::Task(id));
    Ok(res)
}

fn task_target(id: &str) -> ApiResult<Target> {
    Ok(Target::Task(path_id("Task", id)?))
}

async fn task_comments(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    q: QueryPairs,
) -> Answer {
    comments_of(&hc, &account, task_target(&id)?, &q).await
}

async fn add_task_comment(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_comment(&hc, &account, task_target(&id)?, &b).await
}

async fn task_tags(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    q: QueryPairs,
) -> Answer {
    tags_of(&hc, &account, task_target(&id)?, &q).await
}

async fn add_task_tag(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_tag(&hc, &account, task_target(&id)?, &b).await
}

async fn remove_task_tag(
    State(hc): Hc,
    account: Account,
    Path((id, tag)): Path<(String, String)>,
) -> Answer {
    remove_tag(&hc, &account, task_target(&id)?, &tag).await
}

// ---- telephony resources -----------------------------------------------------------------

async fn list_extensions(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &ListSpec::simple())?;
    hc.read(&account, |s| {
        let all = named_search(s.extensions.values(), &lq, |e| &e.number, |e| e.id);
        page(&all, &lq, |e| s.v3_extension(e))
    })
}

async fn get_extension(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Extension", &id)?;
    hc.read(&account, |s| {
        let e = s.extensions.find(&id, "Extension")?;
        json(&Data(s.v3_extension(e)))
    })
}

async fn call_extension(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let id = path_id("Extension", &id)?;
    let now = hc.clock.now();
    let uuid = hc.write(&account, |s| s.call_extension(id, &b, now))?;
    call_placed(&hc, &account, &uuid);
    // Parsed by the SDK without a `data` wrapper.
    json_with(StatusCode::CREATED, &json!({ "id": uuid }))
}

/// List and detail handlers for a collection keyed by id with a name.
macro_rules! simple_resource {
    ($list:ident, $get:ident, |$s:ident| $coll:expr, $resource:literal, $view:expr) => {
        async fn $list(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
            let lq = parse(&q, &ListSpec::simple())?;
            hc.read(&account, |$s| {
                let all = named_search($coll.values(), &lq, |x| &x.name, |x| x.id);
                page(&all, &lq, $view)
            })
        }

        async fn $get(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
            let id = path_id($resource, &id)?;
            hc.read(&account, |$s| {
                let x = $coll.find(&id, $resource)?;
                json(&Data($view(x)))
            })
        }
    };
}

simple_resource!(
    list_greetings,
    get_greeting,
    |s| s.greetings,
    "Greeting",
    v::greeting
);
simple_resource!(list_numbers, get_number, |s| s.numbers, "Number", v::number);
simple_resource!(list_teams, get_team, |s| s.teams, "Team", v::team);
simple_resource!(
    list_voicemails,
    get_voicemail,
    |s| s.v3.voicemails,
    "Voicemail",
    v::voicemail
);

// ---- users and profile ---------------------------------------------------------------------

async fn list_users(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &ListSpec::simple())?;
    hc.tenants.read_memo(&account.id, |s, memo| {
        let mut all: Vec<_> = s
            .users
            .values()
            .filter(|u| {
                lq.q.as_deref()
                    .is_none_or(|n| contains(&u.full_name, n) || contains(&u.email, n))
            })
            .collect();
        if lq.sort.first().is_some_and(|k| k.descending) {
            all.reverse();
        }
        page(&all, &lq, |u| memo.view(USER_VIEW, u, |u| s.v3_user(u)))
    })
}

async fn get_user(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("User", &id)?;
    hc.tenants.read_memo(&account.id, |s, memo| {
        let u = s.users.find(&id, "User")?;
        json(&Data(memo.view(USER_VIEW, u, |u| s.v3_user(u))))
    })
}

async fn update_user(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let id = path_id("User", &id)?;
    let now = hc.clock.now();
    hc.write(&account, |s| {
        let u = s.v3_update_user(id, &b, now)?;
        json(&Data(s.v3_user(&u)))
    })
}

async fn call_and_bridge(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let id = id.parse::<i64>().map_err(|_| ApiError::Vendor {
        code: "user_id".into(),
        status: StatusCode::NOT_FOUND,
        message: format!("No result for user_id: {id}"),
    })?;
    let now = hc.clock.now();
    let uuid = hc.write(&account, |s| s.call_and_bridge(id, &b, now))?;
    call_placed(&hc, &account, &uuid);
    created(&json!({ "id": uuid }))
}

async fn user_stats(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("User", &id)?;
    let now = hc.clock.now();
    hc.read(&account, |s| json(&Data(s.v3_today_stats(id, now)?)))
}

async fn profile(State(hc): Hc, account: Account) -> Answer {
    hc.read(&account, |s| {
        let owner = s.users.get(&s.owner_id).ok_or(ApiError::Internal)?;
        json(&Data(json!({
            "user": s.v3_user(owner),
            "account": {"id": 1, "name": "mockdesk", "country": "TR", "timezone": "Europe/Istanbul"},
            "capabilities": {"calls": true, "crm": true, "inbox": true, "tasks": true, "deals": true},
            "permissions": ["calls.read", "calls.write", "contacts.read", "contacts.write", "tasks.read", "tasks.write"],
            "roles": [{"id": 1, "name": "owner"}],
            "subscription": {"plan": "professional", "state": "active"},
        })))
    })
}

async fn profile_stats(State(hc): Hc, account: Account) -> Answer {
    let now = hc.clock.now();
    hc.read(&account, |s| {
        json(&Data(s.v3_today_stats(s.owner_id, now)?))
    })
}

// ---- contacts and companies ------------------------------------------------------------------

async fn parties(hc: &Hipcall, account: &Account, kind: PartyKind, q: &QueryPairs) -> Answer {
    let spec = if kind == PartyKind::Contact {
        CONTACTS
    } else {
        COMPANIES
    };
    let lq = parse(q, &spec)?;
    hc.read(account, |s| {
        let all = s.v3_parties(kind, &lq);
        match kind {
            PartyKind::Contact => page(&all, &lq, |p| s.v3_contact(p)),
            _ => page(&all, &lq, |p| s.v3_company(p)),
        }
    })
}

/// A contact or company in `{"data": …}` (status 200 or 201).
fn party_answer(
    s: &HipcallState,
    kind: PartyKind,
    p: &super::models::Party,
    status: StatusCode,
) -> Answer {
    match kind {
        PartyKind::Contact => json_with(status, &Data(s.v3_contact(p))),
        _ => json_with(status, &Data(s.v3_company(p))),
    }
}

async fn create_party(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    b: &Map<String, Value>,
) -> Answer {
    let now = hc.clock.now();
    let (res, fired) = hc.write(account, |s| {
        let p = s.v3_create_party(kind, b, now)?;
        Ok::<_, ApiError>((
            party_answer(s, kind, &p, StatusCode::CREATED)?,
            party_fired(s, kind, true, &p),
        ))
    })?;
    hc.fire(&account.id, fired);
    Ok(res)
}

async fn get_party(hc: &Hipcall, account: &Account, kind: PartyKind, id: &str) -> Answer {
    let id = path_id(kind.resource(), id)?;
    hc.read(account, |s| {
        party_answer(s, kind, s.party(kind, id)?, StatusCode::OK)
    })
}

async fn update_party(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    b: &Map<String, Value>,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    let res = hc.write(account, |s| {
        let p = s.v3_update_party(kind, id, b)?;
        party_answer(s, kind, &p, StatusCode::OK)
    })?;
    target_changed(hc, account, &Target::Party(kind, id));
    Ok(res)
}

async fn party_by_external(hc: &Hipcall, account: &Account, kind: PartyKind, ext: &str) -> Answer {
    hc.read(account, |s| {
        party_answer(s, kind, s.by_external_id(kind, ext)?, StatusCode::OK)
    })
}

async fn assign_party(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    b: &Map<String, Value>,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    let res = hc.write(account, |s| {
        let p = s.v3_assign(kind, id, b)?;
        party_answer(s, kind, &p, StatusCode::OK)
    })?;
    target_changed(hc, account, &Target::Party(kind, id));
    Ok(res)
}

async fn custom_fields(hc: &Hipcall, account: &Account, entity: &str, q: &QueryPairs) -> Answer {
    let lq = parse(q, &plain(&["active"]))?;
    let active = lq.plain_bool("active")?;
    hc.read(account, |s| {
        let all: Vec<_> =
            s.v3.custom_fields
                .iter()
                .filter(|f| f.entity == entity && active.is_none_or(|a| f.active == a))
                .collect();
        counted(&all, v::custom_field)
    })
}

async fn add_emails(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    b: &Map<String, Value>,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    let p = hc.write(account, |s| s.v3_add_emails(kind, id, b))?;
    target_changed(hc, account, &Target::Party(kind, id));
    let all: Vec<(usize, &String)> = p.details.emails.iter().enumerate().collect();
    let meta = json!({ "count": all.len() });
    json_with(
        StatusCode::CREATED,
        &list(
            &all,
            Envelope::DataMeta { meta },
            |(i, e)| json!({"email": e, "order": i + 1}),
        ),
    )
}

async fn remove_email(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    email: &str,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    hc.write(account, |s| s.v3_remove_email(kind, id, email))?;
    target_changed(hc, account, &Target::Party(kind, id));
    no_content()
}

async fn add_phones(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    b: &Map<String, Value>,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    let p = hc.write(account, |s| s.v3_add_phones(kind, id, b))?;
    target_changed(hc, account, &Target::Party(kind, id));
    let all: Vec<(usize, &super::models::PhoneEntry)> =
        p.details.phones.iter().enumerate().collect();
    let meta = json!({ "count": all.len() });
    json_with(
        StatusCode::CREATED,
        &list(
            &all,
            Envelope::DataMeta { meta },
            |(i, x)| json!({"id": x.id, "number": x.number, "country": x.country, "order": i + 1}),
        ),
    )
}

async fn remove_phone(
    hc: &Hipcall,
    account: &Account,
    kind: PartyKind,
    id: &str,
    number: &str,
) -> Answer {
    let id = path_id(kind.resource(), id)?;
    hc.write(account, |s| s.v3_remove_phone(kind, id, number))?;
    target_changed(hc, account, &Target::Party(kind, id));
    no_content()
}

fn party_target(kind: PartyKind, id: &str) -> ApiResult<Target> {
    Ok(Target::Party(kind, path_id(kind.resource(), id)?))
}

/// The handlers of the contact and company sub-resources.
macro_rules! party_routes {
    ($kind:expr, $entity:literal, $list:ident, $create:ident, $get:ident, $update:ident, $ext:ident,
     $assign:ident, $fields:ident, $comments:ident, $add_comment:ident, $emails:ident, $rm_email:ident,
     $phones:ident, $rm_phone:ident, $tags:ident, $add_tag:ident, $rm_tag:ident) => {
        async fn $list(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
            parties(&hc, &account, $kind, &q).await
        }
        async fn $create(State(hc): Hc, account: Account, JsonObject(b): JsonObject) -> Answer {
            create_party(&hc, &account, $kind, &b).await
        }
        async fn $get(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
            get_party(&hc, &account, $kind, &id).await
        }
        async fn $update(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            JsonObject(b): JsonObject,
        ) -> Answer {
            update_party(&hc, &account, $kind, &id, &b).await
        }
        async fn $ext(State(hc): Hc, account: Account, Path(ext): Path<String>) -> Answer {
            party_by_external(&hc, &account, $kind, &ext).await
        }
        async fn $assign(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            JsonObject(b): JsonObject,
        ) -> Answer {
            assign_party(&hc, &account, $kind, &id, &b).await
        }
        async fn $fields(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
            custom_fields(&hc, &account, $entity, &q).await
        }
        async fn $comments(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            q: QueryPairs,
        ) -> Answer {
            comments_of(&hc, &account, party_target($kind, &id)?, &q).await
        }
        async fn $add_comment(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            JsonObject(b): JsonObject,
        ) -> Answer {
            add_comment(&hc, &account, party_target($kind, &id)?, &b).await
        }
        async fn $emails(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            JsonObject(b): JsonObject,
        ) -> Answer {
            add_emails(&hc, &account, $kind, &id, &b).await
        }
        async fn $rm_email(
            State(hc): Hc,
            account: Account,
            Path((id, email)): Path<(String, String)>,
        ) -> Answer {
            remove_email(&hc, &account, $kind, &id, &email).await
        }
        async fn $phones(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            JsonObject(b): JsonObject,
        ) -> Answer {
            add_phones(&hc, &account, $kind, &id, &b).await
        }
        async fn $rm_phone(
            State(hc): Hc,
            account: Account,
            Path((id, number)): Path<(String, String)>,
        ) -> Answer {
            remove_phone(&hc, &account, $kind, &id, &number).await
        }
        async fn $tags(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            q: QueryPairs,
        ) -> Answer {
            tags_of(&hc, &account, party_target($kind, &id)?, &q).await
        }
        async fn $add_tag(
            State(hc): Hc,
            account: Account,
            Path(id): Path<String>,
            JsonObject(b): JsonObject,
        ) -> Answer {
            add_tag(&hc, &account, party_target($kind, &id)?, &b).await
        }
        async fn $rm_tag(
            State(hc): Hc,
            account: Account,
            Path((id, tag)): Path<(String, String)>,
        ) -> Answer {
            remove_tag(&hc, &account, party_target($kind, &id)?, &tag).await
        }
    };
}

party_routes!(
    PartyKind::Contact,
    "contact",
    list_contacts,
    create_contact,
    get_contact,
    update_contact,
    contact_by_external_id,
    assign_contact,
    contact_custom_fields,
    contact_comments,
    add_contact_comment,
    add_contact_emails,
    remove_contact_email,
    add_contact_phones,
    remove_contact_phone,
    contact_tags,
    add_contact_tag,
    remove_contact_tag
);
party_routes!(
    PartyKind::Company,
    "company",
    list_companies,
    create_company,
    get_company,
    update_company,
    company_by_external_id,
    assign_company,
    company_custom_fields,
    company_comments,
    add_company_comment,
    add_company_emails,
    remove_company_email,
    add_company_phones,
    remove_company_phone,
    company_tags,
    add_company_tag,
    remove_company_tag
);

async fn contact_consents(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Contact", &id)?;
    hc.read(&account, |s| {
        let all = s.v3_consents(id)?;
        json(&list(&all, Envelope::Data, |c| v::consent(c)))
    })
}

async fn add_contact_consent(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let id = path_id("Contact", &id)?;
    let now = hc.clock.now();
    let c = hc.write(&account, |s| s.v3_add_consent(id, &b, now))?;
    created(&v::consent(&c))
}

// ---- attributes, lookups, tags -----------------------------------------------------------------

async fn employee_sizes(State(_hc): Hc, _account: Account, q: QueryPairs) -> Answer {
    parse(&q, &plain(&[]))?;
    let all: Vec<&(&str, &str)> = super::v3::EMPLOYEE_SIZES.iter().collect();
    counted(
        &all,
        |(value, label)| json!({"value": value, "label": label}),
    )
}

macro_rules! attribute_list {
    ($name:ident, $field:ident) => {
        async fn $name(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
            let lq = parse(&q, &ListSpec::simple())?;
            hc.read(&account, |s| {
                let all = named_search(s.v3.$field.iter(), &lq, |a| &a.name, |a| a.id);
                page(&all, &lq, v::attribute)
            })
        }
    };
}

attribute_list!(life_cycles, life_cycles);
attribute_list!(sectors, sectors);
attribute_list!(sources, sources);

async fn contact_center_attributes(State(hc): Hc, account: Account) -> Answer {
    hc.read(&account, |s| {
        let group = |items: Vec<Value>| json!({"count": items.len(), "truncated": false, "data": items});
        let attrs = |list: &[super::v3::Attribute]| {
            group(list.iter().map(|a| json!({"id": a.id, "name": a.name})).collect())
        };
        json(&Data(json!({
            "employee_sizes": group(super::v3::EMPLOYEE_SIZES.iter().map(|(v, l)| json!({"value": v, "label": l})).collect()),
            "life_cycles": attrs(&s.v3.life_cycles),
            "sectors": attrs(&s.v3.sectors),
            "sources": attrs(&s.v3.sources),
        })))
    })
}

fn lookup_answer(
    s: &HipcallState,
    found: (Vec<&super::models::Party>, Vec<&super::models::Party>),
) -> Answer {
    let contacts: Vec<_> = found.0.iter().map(|p| s.v3_contact(p)).collect();
    let companies: Vec<_> = found.1.iter().map(|p| s.v3_company(p)).collect();
    json(&Data(json!({"contacts": contacts, "companies": companies})))
}

async fn lookup_by_email(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &plain(&["email"]))?;
    let email = lq
        .plain("email")
        .ok_or_else(|| ApiError::invalid("email", crate::platform::error::Problem::Required))?
        .to_string();
    hc.read(&account, |s| lookup_answer(s, s.v3_lookup_email(&email)))
}

async fn lookup_by_phone(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &plain(&["number"]))?;
    let number = lq
        .plain("number")
        .ok_or_else(|| ApiError::invalid("number", crate::platform::error::Problem::Required))?
        .to_string();
    hc.read(&account, |s| lookup_answer(s, s.v3_lookup_phone(&number)))
}

async fn list_tags(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let spec = ListSpec {
        sorts: &["id", "name"],
        plain: &["type"],
        ..ListSpec::simple()
    };
    let lq = parse(&q, &spec)?;
    lq.plain_one_of("type", super::v3::TAG_TYPES)?;
    hc.read(&account, |s| {
        let mut all: Vec<_> = s
            .tags
            .values()
            .filter(|t| lq.plain("type").is_none_or(|want| v::tag_type(t) == want))
            .filter(|t| lq.q.as_deref().is_none_or(|n| contains(&t.name, n)))
            .collect();
        lq.order(
            &mut all,
            |t, f| match f {
                "name" => query_v3::FieldValue::Str(t.name.clone()),
                _ => query_v3::FieldValue::Int(t.id),
            },
            |t| t.id,
        );
        page(&all, &lq, |t| HipcallState::v3_tag(t))
    })
}

// ---- inbox and conversations -------------------------------------------------------------------

async fn list_inboxes(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let spec = ListSpec {
        sorts: &["id"],
        ..ListSpec::simple()
    };
    let lq = parse(&q, &spec)?;
    hc.read(&account, |s| {
        let all: Vec<_> =
            s.v3.inboxes
                .values()
                .filter(|i| lq.q.as_deref().is_none_or(|n| contains(&i.name, n)))
                .collect();
        page(&all, &lq, v::inbox)
    })
}

async fn get_inbox(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    hc.read(&account, |s| json(&Data(s.v3_inbox(&id)?)))
}

async fn update_inbox(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let i = hc.write(&account, |s| s.v3_update_inbox(&id, &b))?;
    json(&Data(&i))
}

async fn send_template(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let now = hc.clock.now();
    let t = hc.write(&account, |s| s.v3_send_template(&id, &b, now))?;
    created(&v::template_message(&t))
}

async fn get_template(
    State(hc): Hc,
    account: Account,
    Path((id, tid)): Path<(String, String)>,
) -> Answer {
    hc.read(&account, |s| {
        json(&Data(v::template_message(s.v3_template(&id, &tid)?)))
    })
}

async fn list_conversations(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &CONVERSATIONS)?;
    let heavy = hc.tenants.read(&account.id, |s| {
        s.v3.conversations.len() >= LARGE_COLLECTION
    });
    off_workers_if(heavy, move || {
        hc.tenants.read_memo(&account.id, |s, memo| {
            page(&s.v3_conversations(&lq, memo), &lq, |c| {
                memo.view(CONVERSATION_VIEW, c, |c| s.v3_conversation(c))
            })
        })
    })
    .await
}

async fn get_conversation(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    q: QueryPairs,
) -> Answer {
    let lq = parse(&q, &plain(&["date"]))?;
    hc.tenants.read_memo(&account.id, |s, memo| {
        let c = s.v3_conversation_on(&id, lq.plain("date"))?;
        json(&Data(
            memo.view(CONVERSATION_VIEW, c, |c| s.v3_conversation(c)),
        ))
    })
}

async fn update_conversation(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let now = hc.clock.now();
    hc.write(&account, |s| {
        let c = s.v3_update_conversation(&id, &b, now)?;
        json(&Data(s.v3_conversation(&c)))
    })
}

async fn conversation_messages(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    q: QueryPairs,
) -> Answer {
    let spec = ListSpec {
        searchable: false,
        ..ListSpec::simple()
    };
    let lq = parse(&q, &spec)?;
    hc.read(&account, |s| page(&s.v3_messages(&id)?, &lq, v::message))
}

async fn send_text(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let now = hc.clock.now();
    let m = hc.write(&account, |s| s.v3_send_text(&id, &b, now))?;
    created(&v::message(&m))
}

// ---- deals and procedures ----------------------------------------------------------------------

async fn list_deals(State(hc): Hc, account: Account, q: QueryPairs) -> Answer {
    let lq = parse(&q, &DEALS)?;
    hc.read(&account, |s| {
        page(&s.v3_parties(PartyKind::Deal, &lq), &lq, |p| {
            HipcallState::v3_deal(p, false)
        })
    })
}

async fn get_deal(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    let id = path_id("Deal", &id)?;
    hc.read(&account, |s| {
        json(&Data(HipcallState::v3_deal(
            s.party(PartyKind::Deal, id)?,
            true,
        )))
    })
}

async fn deal_comments(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    q: QueryPairs,
) -> Answer {
    comments_of(&hc, &account, party_target(PartyKind::Deal, &id)?, &q).await
}

async fn add_deal_comment(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    add_comment(&hc, &account, party_target(PartyKind::Deal, &id)?, &b).await
}

async fn list_procedures(State(hc): Hc, account: Account) -> Answer {
    hc.read(&account, |s| {
        let all: Vec<_> = s.v3.procedures.iter().collect();
        json(&list(&all, Envelope::Data, |p| v::procedure(p, false)))
    })
}

async fn get_procedure(State(hc): Hc, account: Account, Path(uuid): Path<String>) -> Answer {
    hc.read(&account, |s| {
        let p =
            s.v3.procedures
                .iter()
                .find(|p| p.uuid == uuid)
                .ok_or_else(|| ApiError::not_found("Procedure", &uuid))?;
        json(&Data(v::procedure(p, true)))
    })
}

// ---- devices, tokens, attribution (answered without a `data` wrapper) --------------------------

async fn register_device(State(hc): Hc, account: Account, JsonObject(b): JsonObject) -> Answer {
    let now = hc.clock.now();
    hc.write(&account, |s| {
        let d = s.v3_register_device(&b, now)?;
        json_with(
            StatusCode::CREATED,
            &json!({"device_id": d.device_id, "devices_count": s.v3_user_devices(d.user_id),
                "do_not_disturb": d.do_not_disturb, "registered_at": d.registered_at,
                "updated_at": d.updated_at, "user_id": d.user_id}),
        )
    })
}

async fn update_device(
    State(hc): Hc,
    account: Account,
    Path(id): Path<String>,
    JsonObject(b): JsonObject,
) -> Answer {
    let now = hc.clock.now();
    let d = hc.write(&account, |s| s.v3_update_device(&id, &b, now))?;
    json(
        &json!({"device_id": d.device_id, "do_not_disturb": d.do_not_disturb, "updated_at": d.updated_at}),
    )
}

async fn delete_device(State(hc): Hc, account: Account, Path(id): Path<String>) -> Answer {
    hc.write(&account, |s| {
        let d = s.v3_delete_device(&id)?;
        json(&json!({"deleted": true, "device_id": d.device_id, "devices_count": s.v3_user_devices(d.user_id)}))
    })
}

async fn register_push_token(State(hc): Hc, account: Account, JsonObject(b): JsonObject) -> Answer {
    let now = hc.clock.now();
    let t = hc.write(&account, |s| s.v3_push_token(&b, now))?;
    json_with(
        StatusCode::CREATED,
        &json!({"user_id": t.user_id, "token_type": t.token_type, "last_seen": t.last_seen}),
    )
}

async fn delete_push_token(State(hc): Hc, account: Account) -> Answer {
    hc.write(&account, |s| s.v3_delete_push_token())?;
    no_content()
}

async fn create_sip_token(State(hc): Hc, account: Account, body: axum::body::Bytes) -> Answer {
    let b: Map<String, Value> = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        crate::platform::extract::parse_object(&body)?
    };
    let now = hc.clock.now();
    let t = hc.write(&account, |s| s.v3_sip_token(&b, now))?;
    json_with(
        StatusCode::CREATED,
        &json!({"user_id": t.user_id, "sip_token": t.sip_token, "sip_username": t.sip_username,
            "sip_realm": "sip.mockdesk.local", "wss_url": "wss://sip.mockdesk.local:7443",
            "expires_at": t.expires_at}),
    )
}

async fn create_attribution(State(hc): Hc, account: Account, JsonObject(b): JsonObject) -> Answer {
    hc.write(&account, |s| {
        let a = s.v3_attribution(&b)?;
        json_with(
            StatusCode::CREATED,
            &json!({"eventId": a.event_id, "linkedEvents": s.v3_linked_events(&a),
                "companyId": a.company_id, "contactId": a.contact_id}),
        )
    })
}

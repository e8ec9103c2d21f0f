//! Hiver inboxes and the users of an inbox (list and search).

use super::*;

pub(super) fn routes(r: HvRoutes) -> HvRoutes {
    r.route("/inboxes", get(list_inboxes))
        .route("/inboxes/{inbox_id}", get(get_inbox))
        .route("/inboxes/{inbox_id}/users", get(list_users))
        .route("/inboxes/{inbox_id}/users/search", get(search_users))
}

async fn list_inboxes(State(hv): Hv, account: Account, q: QueryPairs) -> Answer {
    let pq = page_query(
        &q,
        &spec(&["id", "display_name", "created_at"], false),
        "inboxes".into(),
    )?;
    hv.read(&account, |s| {
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
    hv.write(&account, |s| json(&Data(s.inbox_view(s.inbox(&inbox_id)?))))
}

const USER_SORTS: &[&str] = &["id", "email", "first_name"];

fn user_key(u: &super::super::state::User, by: &str) -> SortKey {
    match by {
        "email" => SortKey::Str(u.email.to_lowercase()),
        "first_name" => SortKey::Str(u.first_name.to_lowercase()),
        _ => SortKey::Int(u.id),
    }
}

/// An inbox's users, all or those whose email matches exactly (case-insensitively).
fn users_page(
    hv: &Hiver,
    account: &Account,
    inbox_id: &str,
    q: &QueryPairs,
    email: Option<String>,
) -> Answer {
    hv.write(account, |s| {
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

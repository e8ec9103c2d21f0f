//! Hiver tags of an inbox: list, search, create.

use super::*;

pub(super) fn routes(r: HvRoutes) -> HvRoutes {
    r.route("/inboxes/{inbox_id}/tags", get(list_tags).post(create_tag))
        .route("/inboxes/{inbox_id}/tags/search", get(search_tags))
}

const TAG_SORTS: &[&str] = &["id", "name", "created_at"];

fn tag_key(t: &super::super::state::Tag, by: &str) -> SortKey {
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
    hv.write(account, |s| {
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
    hv.write(&account, |s| {
        let inbox = s.inbox(&inbox_id)?.id;
        let tag = s.create_tag(inbox, &name, color, description, now)?;
        json(&Data(HiverState::tag_created_view(&tag)))
    })
}

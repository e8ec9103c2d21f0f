//! Hiver conversations of an inbox: list, read, update, notes (with attachments) and shared
//! drafts; their kept views.

use super::super::state::Conversation;
use super::super::views::{ConversationView, IdStr};
use super::*;
use crate::platform::memo::KeptView;

pub(super) fn routes(r: HvRoutes) -> HvRoutes {
    r.route("/inboxes/{inbox_id}/conversations", get(list_conversations))
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
}

async fn list_conversations(
    State(hv): Hv,
    account: Account,
    Path(inbox_id): Path<String>,
    q: QueryPairs,
) -> Answer {
    hv.read_memo(&account, |s, memo| {
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
        results(&page, next, |c| {
            memo.show_in::<KeptConversationRow, _>(&s.conversations, c)
        })
    })
}

async fn get_conversation(
    State(hv): Hv,
    account: Account,
    Path((inbox_id, conversation_id)): Path<(String, String)>,
) -> Answer {
    hv.read_memo(&account, |s, memo| {
        let inbox = s.inbox(&inbox_id)?.id;
        let c = s.conversation(&conversation_id, Some(inbox))?;
        json(&Data([
            memo.show_in::<KeptConversationSingle, _>(&s.conversations, c)
        ]))
    })
}

async fn patch_conversation(
    State(hv): Hv,
    account: Account,
    Path((inbox_id, conversation_id)): Path<(String, String)>,
    JsonObject(body): JsonObject,
) -> ApiResult<Response> {
    // The record before the change is kept only for a listener's events.
    let listening = hv.listening(&account.id);
    let fired = hv.write(&account, |s| {
        let inbox = s.inbox(&inbox_id)?.id;
        let before = s.conversation(&conversation_id, Some(inbox))?;
        let before = listening.then(|| before.clone());
        s.patch_conversation(inbox, &conversation_id, &body)?;
        let after = s.conversation(&conversation_id, Some(inbox))?;
        Ok::<_, ApiError>(match before {
            Some(before) => conversation_fired(s, &before, after),
            None => Default::default(),
        })
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
    hv.write(&account, |s| {
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
    hv.write(&account, |s| {
        let inbox = s.inbox(&inbox_id)?.id;
        let d = s.add_draft(inbox, body, reply_type, gmail, hiver, files)?;
        json(&Data(json!({"id": d.conversation_id, "shared_draft_id": d.id, "reply_to_message_id": d.reply_to_message_id})))
    })
}

/// A conversation as a list row (numeric id), from the conversation alone (kept in the account's memo until its next write; see `platform::memo`).
pub(crate) struct KeptConversationRow;

impl KeptView for KeptConversationRow {
    type State = ();
    type Record = Conversation;
    type Out<'r> = ConversationView<'r, i64>;
    fn render<'r>(_: &'r (), r: &'r Conversation) -> Self::Out<'r> {
        HiverState::conversation_row(r)
    }
}

/// A conversation alone (id as text), from the conversation alone (kept in the account's memo until its next write; see `platform::memo`).
pub(crate) struct KeptConversationSingle;

impl KeptView for KeptConversationSingle {
    type State = ();
    type Record = Conversation;
    type Out<'r> = ConversationView<'r, IdStr>;
    fn render<'r>(_: &'r (), r: &'r Conversation) -> Self::Out<'r> {
        HiverState::conversation_single(r)
    }
}

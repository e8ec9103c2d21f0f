//! How `mockdesk snapshot` reads a Hiver account through the official API: the inboxes, each
//! inbox's users, tags and conversations (cursor pages of 100), and each conversation's own
//! read for its message ids. What the API shows differently from what mockdesk keeps is
//! turned back: string ids to numbers, the source user and assignee objects to ids, a tag's
//! `color_code`/`type` to `color`/`tag_type`, an inbox's members from its users list.
//!
//! Not shown by the official API, so chosen (fidelity notes): subjects are empty, creation
//! times of conversations 0, a tag's background `#f2f4f5` (what a created tag gets) and no
//! description, the tutorial surface's aliases `mb_<id>`/`usr_<id>`. A user who belongs to no
//! inbox, notes and shared drafts cannot be listed.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use crate::platform::snapshot::{Listed, Listing, Paging, Personal, PersonalField, SnapshotSpec};

const PAGES: Paging = Paging::Cursor {
    token: "next_page",
    next: "/data/pagination/next_page",
    limit: "limit",
    size: 100,
};

/// Each conversation's own read: only it shows the message ids.
const DETAILS: &str = "conversation_messages";

pub(crate) static SPEC: SnapshotSpec = SnapshotSpec {
    listed: &[
        Listed::new("inboxes", "/inboxes", "/data/results", PAGES),
        Listed::new("users", "/inboxes/{id}/users", "/data/results", PAGES)
            .within_as("inboxes", "inbox_id"),
        Listed::new("tags", "/inboxes/{id}/tags", "/data/results", PAGES)
            .within_as("inboxes", "inbox_id"),
        Listed::new(
            "conversations",
            "/inboxes/{id}/conversations",
            "/data/results",
            PAGES,
        )
        .within_as("inboxes", "inbox_id"),
        Listed::new(
            DETAILS,
            "/inboxes/{inbox_id}/conversations/{id}",
            "/data",
            Paging::Whole,
        )
        .within("conversations"),
    ],
    not_listed: &["notes", "drafts"],
    personal: &[
        PersonalField::new("inboxes", "email", Personal::Email),
        PersonalField::new("inboxes", "source_user.email", Personal::Email),
        PersonalField::new("users", "first_name", Personal::FirstName),
        PersonalField::new("users", "last_name", Personal::LastName),
        PersonalField::new("users", "email", Personal::Email),
        PersonalField::new("users", "phone_number", Personal::Phone),
    ],
    assemble,
};

/// An id shown as a string or a number.
fn int(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.parse().ok(),
        v => v.as_i64(),
    }
}

fn id_of(r: &Value) -> Result<i64, String> {
    int(&r["id"]).ok_or_else(|| format!("a record without a numeric id: {r}"))
}

fn assemble(mut listed: Listing) -> Result<Value, String> {
    let mut take = |c: &str| listed.remove(c).unwrap_or_default();
    let (inboxes, users, tags, conversations, details) = (
        take("inboxes"),
        take("users"),
        take("tags"),
        take("conversations"),
        take(DETAILS),
    );
    let (people, mut members) = people(users)?;
    let inboxes = inboxes
        .iter()
        .map(|i| {
            let id = id_of(i)?;
            Ok(json!({
                "id": id,
                "alias": format!("mb_{id}"),
                "display_name": i["display_name"],
                "channel_type": i["channel_type"],
                "email": i["email"],
                "inbox_type": i["inbox_type"],
                "is_authorised": i["is_authorised"],
                "source_user_id": int(&i["source_user"]["id"]),
                "created_at": i["created_at"],
                "updated_at": i["updated_at"],
                "member_ids": members.remove(&id).unwrap_or_default(),
            }))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let tags = tags
        .iter()
        .map(|t| {
            Ok(json!({
                "id": id_of(t)?,
                "inbox_id": int(&t["inbox_id"]),
                "name": t["name"],
                "color": t["color_code"],
                "background": "#f2f4f5",
                "description": null,
                "tag_type": t["type"],
                "created_at": t["created_at"],
            }))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(json!({
        "inboxes": inboxes,
        "users": people,
        "tags": tags,
        "conversations": threads(&conversations, &details)?,
        "notes": [],
        "drafts": [],
    }))
}

/// Inbox id → the ids of its users.
type Members = HashMap<i64, Vec<i64>>;

/// Users once each (an inbox lists its own), and each inbox's members.
fn people(users: Vec<Value>) -> Result<(Vec<Value>, Members), String> {
    let mut members = Members::new();
    let mut people = BTreeMap::new();
    for u in users {
        let id = id_of(&u)?;
        if let Some(inbox) = int(&u["inbox_id"]) {
            members.entry(inbox).or_default().push(id);
        }
        people.entry(id).or_insert(json!({
            "id": id,
            "alias": format!("usr_{id}"),
            "first_name": u["first_name"],
            "last_name": u["last_name"],
            "email": u["email"],
            "phone_number": u["phone_number"],
            "is_joined": u["is_joined"],
        }));
    }
    Ok((people.into_values().collect(), members))
}

/// Conversations with the message ids their own reads showed.
fn threads(conversations: &[Value], details: &[Value]) -> Result<Vec<Value>, String> {
    let mut messages: HashMap<i64, Value> = HashMap::new();
    for d in details {
        messages.insert(id_of(d)?, d["message_ids"].clone());
    }
    conversations
        .iter()
        .map(|c| {
            let id = id_of(c)?;
            let tag_ids: Vec<Option<i64>> = c["tag_ids"]
                .as_array()
                .into_iter()
                .flatten()
                .map(int)
                .collect();
            Ok(json!({
                "id": id,
                "inbox_id": int(&c["inbox_id"]),
                "subject": "",
                "status": c["status"],
                "assignee_id": c["assignee"].get("assignee_id"),
                "tag_ids": tag_ids,
                "gmail_thread_id": c["gmail_thread_id"],
                "private_permalink": c["private_permalink"],
                "public_permalink": c["public_permalink"],
                "messages": messages.remove(&id).unwrap_or(json!([])),
                "created_at": 0,
            }))
        })
        .collect()
}

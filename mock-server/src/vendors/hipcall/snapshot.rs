//! How `mockdesk snapshot` reads a Hipcall account through the v20211124 API: users,
//! extensions, greetings, numbers, teams, tasks and CDRs (pages of up to 100, each page's
//! `links.next` followed), each CDR's own read for its call flow, and each user an extension
//! rings read on its own — the account owner is retrievable but not listed, so this is how it
//! is found. The answers are already in the stored shape; only the call flow (absent from the
//! list) and the owner are put back.
//!
//! Not shown, so chosen (fidelity notes): a user read on its own has no `full_name` (its `name`)
//! or `status` (`active`); an owner who has no extension is not found. Companies, contacts,
//! deals, tags and comments cannot be listed through this API; v3's records are not read.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::platform::snapshot::{Listed, Listing, Paging, Personal, PersonalField, SnapshotSpec};

/// Laravel pages: `per_page` asked for (its name is not documented), the next page's link
/// followed, so a server that ignores it loses nothing.
const PAGES: Paging = Paging::NextLink {
    next: "/links/next",
    size_param: "per_page",
    size: 100,
};

/// Each CDR's own read: only it shows the call flow.
const FLOWS: &str = "cdr_flows";

pub(crate) static LEGACY: SnapshotSpec = SnapshotSpec {
    listed: &[
        Listed::new("users", "/users", "/data", PAGES),
        Listed::new("extensions", "/extensions", "/data", PAGES),
        // The users extensions ring, one by one: the owner is not listed.
        Listed::new("users", "/users/{target_id}", "/data", Paging::Whole)
            .within("extensions")
            .only("target_type", "user"),
        Listed::new("greetings", "/greetings", "/data", PAGES),
        Listed::new("numbers", "/numbers", "/data", PAGES),
        Listed::new("teams", "/teams", "/data", PAGES),
        Listed::new("tasks", "/tasks", "/data", PAGES),
        Listed::new("cdrs", "/cdrs", "/data", PAGES),
        Listed::new(
            FLOWS,
            "/cdrs/{started_at|ymd}/{uuid}",
            "/data",
            Paging::Whole,
        )
        .within("cdrs"),
    ],
    not_listed: &["companies", "contacts", "deals", "tags", "comments", "v3"],
    personal: &[
        PersonalField::new("users", "name", Personal::FullName),
        PersonalField::new("users", "full_name", Personal::FullName),
        PersonalField::new("users", "email", Personal::Email),
        PersonalField::new("tasks", "name", Personal::Text),
        PersonalField::new("tasks", "description", Personal::Text),
        PersonalField::new("cdrs", "caller_number", Personal::Phone),
        PersonalField::new("cdrs", "callee_number", Personal::Phone),
    ],
    assemble,
};

fn assemble(mut listed: Listing) -> Result<Value, String> {
    let mut take = |c: &str| listed.remove(c).unwrap_or_default();
    // Users once each, the listed form first (it has full_name and status).
    let mut users: Vec<Value> = Vec::new();
    for mut u in take("users") {
        if users.iter().any(|k| k["id"] == u["id"]) {
            continue;
        }
        if u.get("full_name").is_none() {
            u["full_name"] = u["name"].clone();
        }
        if u.get("status").is_none() {
            u["status"] = json!("active");
        }
        users.push(u);
    }
    let owner_id = users
        .iter()
        .find(|u| u["owner"] == true)
        .and_then(|u| u["id"].as_i64())
        .unwrap_or(0);
    let mut flows: HashMap<String, Value> = HashMap::new();
    for f in take(FLOWS) {
        if let (Some(uuid), Some(flow)) = (f["uuid"].as_str(), f.get("call_flow")) {
            flows.insert(uuid.to_string(), flow.clone());
        }
    }
    let mut cdrs = take("cdrs");
    for c in &mut cdrs {
        let flow = c["uuid"].as_str().and_then(|u| flows.remove(u));
        c["call_flow"] = flow.unwrap_or(json!([]));
    }
    Ok(json!({
        "owner_id": owner_id,
        "users": users,
        "cdrs": cdrs,
        "extensions": take("extensions"),
        "greetings": take("greetings"),
        "numbers": take("numbers"),
        "teams": take("teams"),
        "tasks": take("tasks"),
    }))
}

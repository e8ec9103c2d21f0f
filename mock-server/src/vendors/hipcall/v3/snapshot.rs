//! How `mockdesk snapshot` reads a Hipcall account through the v3 API (`hipcall-v3`): every
//! collection v3 lists (pages of 100 by `limit`/`offset`), and per record what only a read of
//! that record shows — a task's links, a call's comments, tags, cards and disposition, a
//! contact's tags, comments and consents, a company's tags and comments, a deal's comments, a
//! conversation's messages, a procedure's steps. v3's answers are reshaped views of the state
//! both Hipcall surfaces share (string enums for the legacy integer codes, `…Z` timestamps,
//! names split and joined), so each is turned back into the stored record here.
//!
//! Not shown, so chosen (fidelity notes, "Snapshot"): timestamps are kept in v3's `…Z`
//! spelling (the v20211124 surface then prints them so); fields only v20211124 shows get
//! defaults (a user's `created_at`, `status` `active`, `2fa` off; an extension's dates; a
//! task's `created_at`); a conversation's start is its last activity; a call with no contact,
//! hangup reason or party type gets code 0; a deal's owner and tags are not shown and stay
//! empty. Template messages, devices, push and SIP tokens, attributions and call requests
//! cannot be listed.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::views::{DIRECTIONS, HANGUP_BY, MISSING_REASONS, PARTY_TYPES};
use crate::platform::snapshot::{Listed, Listing, Paging, Personal, PersonalField, SnapshotSpec};

/// v3 pages: `limit` up to 100, `offset` counted in records.
const PAGES: Paging = Paging::OffsetLimit {
    offset: "offset",
    limit: "limit",
    size: 100,
};

/// Listed per parent record; the parent's id (a call's uuid) is put in `of`.
const OF: &str = "of";

pub(crate) static SPEC: SnapshotSpec = SnapshotSpec {
    listed: &[
        Listed::new("users", "/users", "/data", PAGES),
        Listed::new("numbers", "/numbers", "/data", PAGES),
        Listed::new("extensions", "/extensions", "/data", PAGES),
        Listed::new("greetings", "/greetings", "/data", PAGES),
        Listed::new("teams", "/teams", "/data", PAGES),
        Listed::new("voicemails", "/voicemails", "/data", PAGES),
        Listed::new("tags", "/tags", "/data", PAGES),
        Listed::new("dispositions", "/dispositions", "/data", Paging::Whole),
        Listed::new("life_cycles", "/life-cycles", "/data", PAGES),
        Listed::new("sectors", "/sectors", "/data", PAGES),
        Listed::new("sources", "/sources", "/data", PAGES),
        Listed::new(
            "contact_fields",
            "/contacts/custom-fields",
            "/data",
            Paging::Whole,
        ),
        Listed::new(
            "company_fields",
            "/companies/custom-fields",
            "/data",
            Paging::Whole,
        ),
        Listed::new("companies", "/companies", "/data", PAGES),
        Listed::new("company_tags", "/companies/{id}/tags", "/data", PAGES)
            .within_as("companies", OF),
        Listed::new(
            "company_comments",
            "/companies/{id}/comments",
            "/data",
            PAGES,
        )
        .within_as("companies", OF),
        Listed::new("contacts", "/contacts", "/data", PAGES),
        Listed::new("contact_tags", "/contacts/{id}/tags", "/data", PAGES)
            .within_as("contacts", OF),
        Listed::new(
            "contact_comments",
            "/contacts/{id}/comments",
            "/data",
            PAGES,
        )
        .within_as("contacts", OF),
        Listed::new("consents", "/contacts/{id}/consent", "/data", Paging::Whole)
            .within_as("contacts", OF),
        Listed::new("deals", "/deals", "/data", PAGES),
        Listed::new("deal_comments", "/deals/{id}/comments", "/data", PAGES).within_as("deals", OF),
        Listed::new("task_list", "/tasks", "/data", PAGES),
        // The list shows a task's name and state; its own read everything else.
        Listed::new("tasks", "/tasks/{id}", "/data", Paging::Whole).within("task_list"),
        Listed::new("task_tags", "/tasks/{id}/tags", "/data", PAGES).within_as("tasks", OF),
        Listed::new("task_comments", "/tasks/{id}/comments", "/data", PAGES).within_as("tasks", OF),
        Listed::new("calls", "/calls", "/data", PAGES),
        Listed::new("call_tags", "/calls/{uuid}/tags", "/data", PAGES).within_as("calls", OF),
        Listed::new("call_comments", "/calls/{uuid}/comments", "/data", PAGES)
            .within_as("calls", OF),
        // The whole answer: its `data` is a list of cards, each a list of rows.
        Listed::new("call_cards", "/calls/{uuid}/cards", "", Paging::Whole).within_as("calls", OF),
        Listed::new(
            "call_dispositions",
            "/calls/{uuid}/disposition",
            "/data",
            Paging::Whole,
        )
        .within_as("calls", OF),
        Listed::new("inboxes", "/inbox", "/data", PAGES),
        Listed::new("conversations", "/conversations", "/data", PAGES),
        Listed::new("messages", "/conversations/{id}/messages", "/data", PAGES)
            .within("conversations"),
        Listed::new("procedure_list", "/procedures", "/data", Paging::Whole),
        Listed::new("procedures", "/procedures/{uuid}", "/data", Paging::Whole)
            .within("procedure_list"),
    ],
    not_listed: &[
        "v3.template_messages",
        "v3.devices",
        "v3.push_tokens",
        "v3.sip_tokens",
        "v3.attributions",
        "v3.call_requests",
    ],
    personal: &[
        PersonalField::new("users", "name", Personal::FullName),
        PersonalField::new("users", "full_name", Personal::FullName),
        PersonalField::new("users", "email", Personal::Email),
        PersonalField::new("contacts", "name", Personal::FullName),
        PersonalField::new("contacts", "details.first_name", Personal::FirstName),
        PersonalField::new("contacts", "details.last_name", Personal::LastName),
        PersonalField::new("contacts", "details.emails.*", Personal::Email),
        PersonalField::new("contacts", "details.phones.*.number", Personal::Phone),
        PersonalField::new("contacts", "details.linkedin_url", Personal::Url),
        PersonalField::new("contacts", "details.custom_url", Personal::Url),
        PersonalField::new("contacts", "details.custom_fields.*", Personal::Text),
        PersonalField::new("companies", "name", Personal::Company),
        PersonalField::new("companies", "details.description", Personal::Text),
        PersonalField::new("companies", "details.emails.*", Personal::Email),
        PersonalField::new("companies", "details.phones.*.number", Personal::Phone),
        PersonalField::new("companies", "details.linkedin_url", Personal::Url),
        PersonalField::new("companies", "details.custom_url", Personal::Url),
        PersonalField::new("companies", "details.custom_fields.*", Personal::Text),
        PersonalField::new("deals", "name", Personal::Text),
        PersonalField::new("comments", "content", Personal::Text),
        PersonalField::new("tasks", "name", Personal::Text),
        PersonalField::new("tasks", "description", Personal::Text),
        PersonalField::new("cdrs", "caller_number", Personal::Phone),
        PersonalField::new("cdrs", "callee_number", Personal::Phone),
        PersonalField::new("v3.call_dispositions", "set_by.name", Personal::FullName),
        PersonalField::new(
            "v3.call_dispositions",
            "updated_by.name",
            Personal::FullName,
        ),
        PersonalField::new("v3.consents", "evidence.*", Personal::Text),
        PersonalField::new("v3.conversations", "last_message_preview", Personal::Text),
        PersonalField::new("v3.messages", "payload.text", Personal::Text),
        PersonalField::new("v3.messages", "payload.variables.*", Personal::Text),
        // Each call's cards, each card a list of rows (CRM lookups: names, links).
        PersonalField::new("v3.call_cards", "*.*.text", Personal::Text),
        PersonalField::new("v3.call_cards", "*.*.link", Personal::Url),
    ],
    assemble,
};

/// The position (from 1) of a v3 enum name among the legacy codes' names; 0 when absent.
fn code(v: &Value, names: &[&str]) -> i64 {
    v.as_str()
        .and_then(|s| names.iter().position(|n| *n == s))
        .map_or(0, |i| i as i64 + 1)
}

/// The `id` of a nested object (`{"user": {"id": 3, …}}` → 3), or null.
fn id_of(v: &Value) -> Value {
    v.get("id").cloned().unwrap_or(Value::Null)
}

/// Records listed per parent, grouped by the parent's id (in `of`), in listing order.
fn by_parent(records: Vec<Value>) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for mut r in records {
        let key = match r.as_object_mut().and_then(|m| m.remove(OF)) {
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
            None => continue,
        };
        out.entry(key).or_default().push(r);
    }
    out
}

fn tag_ids(tags: Option<&Vec<Value>>) -> Value {
    Value::Array(tags.into_iter().flatten().map(id_of).collect())
}

fn assemble(mut listed: Listing) -> Result<Value, String> {
    let mut take = |c: &str| listed.remove(c).unwrap_or_default();
    let users = take("users");
    let owner_id = users
        .iter()
        .find(|u| u["owner"] == true)
        .map_or(Value::from(0), id_of);
    let presence: Map<String, Value> = users
        .iter()
        .filter(|u| !u["state_changed_at"].is_null())
        .map(|u| {
            let at = json!({"state": u["state"], "changed_at": u["state_changed_at"]});
            (id_of(u).to_string(), at)
        })
        .collect();
    let mut comments = Vec::new();
    for (kind, c) in [
        ("company", "company_comments"),
        ("contact", "contact_comments"),
        ("deal", "deal_comments"),
        ("task", "task_comments"),
        ("call", "call_comments"),
    ] {
        for (parent, list) in by_parent(take(c)) {
            comments.extend(list.iter().map(|x| comment(x, kind, &parent)));
        }
    }
    comments.sort_by_key(|c| c["id"].as_i64());
    let mut state = json!({
        "owner_id": owner_id,
        "users": users.iter().map(user).collect::<Vec<_>>(),
        "numbers": take("numbers").iter().map(number).collect::<Vec<_>>(),
        "extensions": take("extensions").iter().map(extension).collect::<Vec<_>>(),
        "greetings": take("greetings").iter().map(greeting).collect::<Vec<_>>(),
        "teams": take("teams").iter().map(team).collect::<Vec<_>>(),
        "tags": take("tags").iter().map(tag).collect::<Vec<_>>(),
        "comments": comments,
    });
    let mut v3 = json!({
        "presence": presence,
        "voicemails": take("voicemails"),
        "dispositions": take("dispositions"),
        "life_cycles": take("life_cycles"),
        "sectors": take("sectors"),
        "sources": take("sources"),
        "inboxes": take("inboxes"),
    });
    let mut fields = Vec::new();
    for (entity, c) in [("contact", "contact_fields"), ("company", "company_fields")] {
        for mut f in take(c) {
            f["entity"] = json!(entity);
            fields.push(f);
        }
    }
    v3["custom_fields"] = Value::Array(fields);
    parties(&mut take, &mut state, &mut v3);
    tasks(&mut take, &mut state, &mut v3);
    calls(&mut take, &mut state, &mut v3);
    conversations(&mut take, &mut v3);
    state["v3"] = v3;
    Ok(state)
}

fn user(u: &Value) -> Value {
    let (first, last) = (u["first_name"].as_str(), u["last_name"].as_str());
    let name = match (first.unwrap_or(""), last.unwrap_or("")) {
        (f, "") => f.to_string(),
        (f, l) => format!("{f} {l}"),
    };
    json!({
        "resource_type": "user", "id": u["id"], "email": u["email"], "name": name,
        "full_name": u["full_name"], "title": u["title"], "owner": u["owner"],
        "locale": u["locale"], "status": "active",
        "default_number_id": id_of(&u["default_number"]),
    })
}

fn number(n: &Value) -> Value {
    json!({"resource_type": "number", "id": n["id"], "name": n["name"], "number": n["number"]})
}

fn extension(e: &Value) -> Value {
    json!({"resource_type": "extension", "id": e["id"], "number": e["number"],
           "target_id": e["target_id"], "target_type": e["target_type"]})
}

fn greeting(g: &Value) -> Value {
    json!({"resource_type": "greeting", "id": g["id"], "name": g["name"], "state": g["state"],
           "direct_dial_extension": g["direct_dial_extension"], "timeout": g["input_timeout"],
           "max_input_try_count": g["max_input_try_count"]})
}

fn team(t: &Value) -> Value {
    let mut out = t.clone();
    if let Some(m) = out.as_object_mut() {
        m.remove("locale");
        m.remove("play_announcement");
        m.insert("resource_type".into(), json!("team"));
    }
    out
}

fn tag(t: &Value) -> Value {
    json!({"resource_type": "tag", "id": t["id"], "name": t["name"], "color": t["color"],
           "description": t["description"],
           "tag_type": code(&t["type"], super::records::TAG_TYPES).max(1)})
}

/// A comment listed below its record (`kind` and the record's id, or a call's uuid).
fn comment(c: &Value, kind: &str, parent: &str) -> Value {
    let (id, uuid) = match kind {
        "call" => (json!(0), json!(parent)),
        _ => (json!(parent.parse::<i64>().unwrap_or(0)), Value::Null),
    };
    json!({"resource_type": "comment", "id": c["id"], "content": c["content"],
           "commentable_type": kind, "commentable_id": id, "commentable_uuid": uuid,
           "user_id": id_of(&c["user"]), "created_at": c["inserted_at"],
           "updated_at": c["inserted_at"]})
}

/// A contact or company as stored, from v3's view of it: what both kinds show in the same
/// shape (contact points, attributes, custom fields, owner, tags) turned back, plus `own`,
/// the kind's fields v3 shows as stored.
fn party(p: &Value, name: &Value, tags: Option<&Vec<Value>>, own: &[&str]) -> Value {
    let emails = p["emails"].as_array().into_iter().flatten();
    let phones = p["phones"].as_array().into_iter().flatten();
    let mut details = json!({
        "external_id": p["external_id"], "custom_url": p["custom_url"],
        "linkedin_url": p["linkedin_url"],
        "life_cycle_id": id_of(&p["life_cycle"]), "sector_id": id_of(&p["sector"]),
        "source_id": id_of(&p["source"]),
        "emails": emails.map(|e| e["email"].clone()).collect::<Vec<_>>(),
        "phones": phones
            .map(|x| json!({"id": x["id"], "number": x["number"], "country": x["country"]}))
            .collect::<Vec<_>>(),
        "custom_fields": p["custom_fields"],
    });
    for field in own {
        details[*field] = p[*field].clone();
    }
    json!({"id": p["id"], "name": name, "owner_id": id_of(&p["user"]),
           "tag_ids": tag_ids(tags), "details": details})
}

/// Companies, contacts (with tags and consents) and deals.
fn parties(take: &mut impl FnMut(&str) -> Vec<Value>, state: &mut Value, v3: &mut Value) {
    let company_tags = by_parent(take("company_tags"));
    let contact_tags = by_parent(take("contact_tags"));
    let companies: Vec<Value> = take("companies")
        .iter()
        .map(|c| {
            let tags = company_tags.get(&c["id"].to_string());
            let own = ["description", "website_url", "employee_size"];
            party(c, &c["name"], tags, &own)
        })
        .collect();
    let contacts: Vec<Value> = take("contacts")
        .iter()
        .map(|c| {
            let tags = contact_tags.get(&c["id"].to_string());
            let mut p = party(
                c,
                &c["full_name"],
                tags,
                &["first_name", "last_name", "job_title"],
            );
            p["details"]["company_id"] = id_of(&c["company"]);
            p
        })
        .collect();
    let deals: Vec<Value> = take("deals")
        .iter()
        .map(|d| {
            let terms = json!({"amount": d["amount"], "currency": d["currency"],
                               "state": d["state"], "won_at": d["won_at"], "lost_at": d["lost_at"]});
            json!({"id": d["id"], "name": d["name"], "details": {"deal": terms}})
        })
        .collect();
    let mut consents = Vec::new();
    for (contact, list) in by_parent(take("consents")) {
        for mut c in list {
            c["contact_id"] = json!(contact.parse::<i64>().unwrap_or(0));
            consents.push(c);
        }
    }
    consents.sort_by_key(|c| c["id"].as_i64());
    // Phone ids come from a counter: the next one must not be one of these.
    let phone_ids = companies.iter().chain(&contacts).flat_map(|p| {
        let phones = p["details"]["phones"].as_array().cloned();
        phones
            .into_iter()
            .flatten()
            .filter_map(|x| x["id"].as_i64())
    });
    if let Some(max) = phone_ids.max() {
        v3["counters"] = json!({"phone": max});
    }
    state["companies"] = Value::Array(companies);
    state["contacts"] = Value::Array(contacts);
    state["deals"] = Value::Array(deals);
    v3["consents"] = Value::Array(consents);
}

/// Tasks from their own reads (links and assignment), with their tags.
fn tasks(take: &mut impl FnMut(&str) -> Vec<Value>, state: &mut Value, v3: &mut Value) {
    let tags = by_parent(take("task_tags"));
    let mut links = Map::new();
    let mut task_tags = Map::new();
    let mut list = Vec::new();
    for t in take("tasks") {
        let id = t["id"].to_string();
        links.insert(
            id.clone(),
            json!({"contact_ids": t["contact_ids"], "company_ids": t["company_ids"],
                   "deal_ids": t["deal_ids"], "auto_assign": t["auto_assign_to_user"]}),
        );
        if let Some(found) = tags.get(&id).filter(|l| !l.is_empty()) {
            task_tags.insert(id, tag_ids(Some(found)));
        }
        list.push(json!({
            "resource_type": "task", "id": t["id"], "name": t["name"],
            "description": t["description"], "due_date": t["due_date"], "done": t["done"],
            "done_at": t["done_at"], "assign_to": t["assign_to_user_id"],
            "priority": t["priority"].as_str().unwrap_or(""), "task_list_id": t["task_list_id"],
        }));
    }
    state["tasks"] = Value::Array(list);
    state["task_links"] = Value::Object(links);
    v3["task_tags"] = Value::Object(task_tags);
    take("task_list");
}

/// Calls with their tags, cards and dispositions (comments are gathered with the others).
fn calls(take: &mut impl FnMut(&str) -> Vec<Value>, state: &mut Value, v3: &mut Value) {
    let mut call_tags = Map::new();
    for (uuid, list) in by_parent(take("call_tags")) {
        call_tags.insert(uuid, tag_ids(Some(&list)));
    }
    let mut cards = Map::new();
    for (uuid, mut answer) in by_parent(take("call_cards")) {
        match answer.pop().map(|mut a| a["data"].take()) {
            Some(Value::Array(list)) if !list.is_empty() => {
                cards.insert(uuid, Value::Array(list));
            }
            _ => {}
        }
    }
    let mut dispositions = Map::new();
    for (uuid, mut answer) in by_parent(take("call_dispositions")) {
        let Some(d) = answer.pop().filter(|d| !d["disposition_id"].is_null()) else {
            continue;
        };
        let actor = |a: &Value| json!({"user_id": a["user_id"], "at": a["at"], "name": a["name"]});
        dispositions.insert(
            uuid,
            json!({"disposition_id": d["disposition_id"], "set_by": actor(&d["set_by"]),
                   "updated_by": actor(&d["updated_by"])}),
        );
    }
    state["cdrs"] = take("calls").iter().map(cdr).collect();
    v3["call_tags"] = Value::Object(call_tags);
    v3["call_cards"] = Value::Object(cards);
    v3["call_dispositions"] = Value::Object(dispositions);
}

fn cdr(c: &Value) -> Value {
    let channel_type = match c["channel_type"].as_str() {
        Some("web_widget") => 2,
        _ if c["number_id"].is_null() => 0,
        _ => 1,
    };
    let callee_type = match c["callee_type"].as_str() {
        Some("hangup") | None => Value::Null,
        _ => json!(code(&c["callee_type"], PARTY_TYPES)),
    };
    let voicemail_type = match &c["voicemail_type"] {
        Value::Null => Value::Null,
        t => json!(code(t, &["user", "account"])),
    };
    json!({
        "resource_type": "cdr", "uuid": c["uuid"], "direction": code(&c["direction"], DIRECTIONS),
        "user_id": c["user_id"], "contact_id": c["contact_id"].as_i64().unwrap_or(0),
        "channel_type": channel_type, "channel_id": c["channel_id"],
        "started_at": c["started_at"], "answered_at": c["answered_at"],
        "bridged_at": c["bridged_at"], "ended_at": c["ended_at"],
        "call_duration": c["call_duration"], "first_touch_duration": c["first_touch_duration"],
        "missing_call": c["missing_call"],
        "missing_call_reason": code(&c["missing_call_reason"], MISSING_REASONS),
        "caller_id": c["caller_id"], "caller_type": code(&c["caller_type"], &["contact", "user"]),
        "caller_number": c["caller_number"], "callee_id": c["callee_id"],
        "callee_type": callee_type, "callee_number": c["callee_number"],
        "record_url": c["record_url"], "hangup_by": code(&c["hangup_by"], HANGUP_BY),
        "voicemail_type": voicemail_type, "voicemail_id": c["voicemail_id"],
        "voicemail_url": c["voicemail_url"], "call_flow": c["call_flow"],
    })
}

/// Conversations, their messages, and procedures with their steps.
fn conversations(take: &mut impl FnMut(&str) -> Vec<Value>, v3: &mut Value) {
    let conversations: Vec<Value> = take("conversations")
        .into_iter()
        .map(|mut c| {
            if let Some(m) = c.as_object_mut() {
                m.remove("contact_info");
                m.remove("bridged_at");
                let started = m.get("last_activity_at").cloned().unwrap_or_default();
                m.insert("inserted_at".into(), started);
            }
            c
        })
        .collect();
    let messages: Vec<Value> = take("messages")
        .into_iter()
        .map(|mut m| {
            if let Some(o) = m.as_object_mut() {
                o.remove("media_url");
                o.remove("error_code");
            }
            m
        })
        .collect();
    let procedures: Vec<Value> = take("procedures")
        .iter()
        .map(|p| {
            let steps = p["steps"].as_array().into_iter().flatten().map(|s| {
                json!({"uuid": s["uuid"], "title": s["title"], "body": s["body"],
                       "step_type": s["step_type"], "order": s["order"]})
            });
            let category = &p["category"];
            json!({"uuid": p["uuid"], "name": p["name"], "slug": p["slug"], "status": p["status"],
                   "description": p["description"],
                   "category": [category["id"], category["name"], category["slug"]],
                   "body": p["body"], "version": p["version"]["number"],
                   "published_at": p["version"]["published_at"],
                   "steps": steps.collect::<Vec<_>>()})
        })
        .collect();
    take("procedure_list");
    v3["conversations"] = Value::Array(conversations);
    v3["messages"] = Value::Array(messages);
    v3["procedures"] = Value::Array(procedures);
}

//! How `mockdesk snapshot` reads a HelpCrunch account: customers, chats, agents, departments
//! (`offset`/`limit`, 100 at a time), every chat's messages, the applications and the
//! organization. What the API shows differently from what mockdesk keeps is turned back:
//! timestamps from strings to numbers, embedded customer/agent/department objects to their
//! ids, a customer's tags to names (their colours to the account's tag list).
//!
//! Not shown by any read, so chosen (fidelity notes): a customer's `createdAt` is its
//! `firstSeen` (else `lastSeen`, else 0); a chat's `updatedAt` the latest of its creation,
//! last message and closing; an agent is subscribed; a tag no customer wears is not known.
//! Events cannot be listed.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::platform::snapshot::{Listed, Listing, Paging, Personal, PersonalField, SnapshotSpec};

const PAGES: Paging = Paging::OffsetLimit {
    offset: "offset",
    limit: "limit",
    size: 100,
};

pub(crate) static SPEC: SnapshotSpec = SnapshotSpec {
    listed: &[
        Listed::new("organization", "/organization", "/data", Paging::Whole),
        Listed::new("applications", "/applications", "/data", Paging::Whole),
        Listed::new("agents", "/agents", "/data", PAGES),
        Listed::new("departments", "/departments", "/data", PAGES),
        Listed::new("customers", "/customers", "/data", PAGES),
        Listed::new("chats", "/chats", "/data", PAGES),
        Listed::new("messages", "/chats/{id}/messages", "/data", PAGES).within("chats"),
    ],
    not_listed: &["events"],
    personal: &[
        PersonalField::new("agents", "name", Personal::FullName),
        PersonalField::new("agents", "email", Personal::Email),
        PersonalField::new("customers", "name", Personal::FullName),
        PersonalField::new("customers", "email", Personal::Email),
        PersonalField::new("customers", "phone", Personal::Phone),
        PersonalField::new("customers", "company", Personal::Company),
        PersonalField::new("customers", "notes", Personal::Text),
        PersonalField::new("customers", "location.city", Personal::City),
        PersonalField::new("customers", "device.ip", Personal::Ip),
        PersonalField::new("customers", "source", Personal::Url),
        PersonalField::new("customers", "referer", Personal::Url),
        PersonalField::new("customers", "lastPage", Personal::Url),
        PersonalField::new("customers", "customData.*", Personal::Text),
        PersonalField::new("chats", "lastMessageText", Personal::Text),
        PersonalField::new("messages", "text", Personal::Text),
    ],
    assemble,
};

fn assemble(mut listed: Listing) -> Result<Value, String> {
    let mut take = |c: &str| listed.remove(c).unwrap_or_default();
    let organization = take("organization").into_iter().next();
    let applications = take("applications");
    let mut agents = take("agents");
    for a in &mut agents {
        set(a, "unsubscribed", json!(false));
    }
    let mut departments = take("departments");
    for d in &mut departments {
        let ids = ids_of(d.get("agents"));
        remove(d, "agents");
        set(d, "agent_ids", json!(ids));
    }
    let mut tags = BTreeMap::new();
    let mut customers = take("customers");
    for c in &mut customers {
        customer(c, &mut tags)?;
    }
    let mut chats = take("chats");
    for c in &mut chats {
        chat(c)?;
    }
    let mut messages = take("messages");
    for m in &mut messages {
        message(m)?;
    }
    for list in [&mut customers, &mut chats, &mut messages] {
        list.sort_by_key(|r| r["id"].as_i64());
    }
    Ok(json!({
        "organization": organization,
        "applications": applications,
        "agents": agents,
        "departments": departments,
        "tags": tags,
        "customers": customers,
        "chats": chats,
        "messages": messages,
        "events": [],
    }))
}

fn customer(c: &mut Value, tags: &mut BTreeMap<String, String>) -> Result<(), String> {
    let first = seconds(c, "firstSeen")?;
    let last = seconds(c, "lastSeen")?;
    let names: Vec<Value> = c["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let name = t["name"].as_str()?;
            if let Some(color) = t["color"].as_str() {
                tags.insert(name.to_string(), color.to_string());
            }
            Some(json!(name))
        })
        .collect();
    set(c, "tags", Value::Array(names));
    set(c, "createdAt", json!(first.or(last).unwrap_or(0)));
    Ok(())
}

fn chat(c: &mut Value) -> Result<(), String> {
    let created = seconds(c, "createdAt")?.unwrap_or(0);
    let last = seconds(c, "lastMessageAt")?;
    let closed = seconds(c, "closedAt")?;
    seconds(c, "lastCustomerMessageAt")?;
    seconds(c, "snoozedUntil")?;
    let updated = [Some(created), last, closed].into_iter().flatten().max();
    set(c, "updatedAt", json!(updated));
    let agents = ids_of(c.get("agents"));
    set(c, "agentIds", json!(agents));
    for (embedded, key) in [
        ("customer", "customerId"),
        ("assignee", "assigneeId"),
        ("department", "departmentId"),
    ] {
        let id = c.get(embedded).and_then(|e| e.get("id")).cloned();
        set(c, key, id.unwrap_or(Value::Null));
    }
    for key in ["agents", "customer", "assignee", "department"] {
        remove(c, key);
    }
    Ok(())
}

fn message(m: &mut Value) -> Result<(), String> {
    for key in ["createdAt", "updatedAt"] {
        let ms = match m.get(key) {
            Some(Value::String(s)) => Some(millis(s).ok_or(format!("message {key}: {s}"))?),
            _ => None,
        };
        set(m, key, json!(ms));
    }
    let agent = m.get("agent").and_then(|a| a.get("id")).cloned();
    set(m, "agentId", agent.unwrap_or(Value::Null));
    remove(m, "agent");
    Ok(())
}

/// A timestamp field shown as a string of seconds, stored back as a number (null stays).
fn seconds(r: &mut Value, key: &str) -> Result<Option<i64>, String> {
    let n = match r.get(key) {
        Some(Value::String(s)) => Some(s.parse::<i64>().map_err(|_| format!("{key}: {s}"))?),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    };
    set(r, key, json!(n));
    Ok(n)
}

/// `"1594139170.913"` → 1594139170913.
fn millis(s: &str) -> Option<i64> {
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    let frac = format!("{frac:0<3}");
    Some(secs.parse::<i64>().ok()? * 1000 + frac.get(..3)?.parse::<i64>().ok()?)
}

fn ids_of(list: Option<&Value>) -> Vec<Value> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("id").cloned())
        .collect()
}

fn fields(r: &mut Value) -> Option<&mut Map<String, Value>> {
    r.as_object_mut()
}

fn set(r: &mut Value, key: &str, v: Value) {
    if let Some(m) = fields(r) {
        m.insert(key.to_string(), v);
    }
}

fn remove(r: &mut Value, key: &str) {
    if let Some(m) = fields(r) {
        m.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::millis;

    #[test]
    fn message_times_back_to_milliseconds() {
        assert_eq!(millis("1594139170.913"), Some(1_594_139_170_913));
        assert_eq!(millis("1594139170.9"), Some(1_594_139_170_900));
        assert_eq!(millis("1594139170"), Some(1_594_139_170_000));
        assert_eq!(millis("x"), None);
    }
}

//! The Hiver contract checks: the official v1 API (`hiver`) and the tutorial surface
//! (`hiver-tutorial`), each check taking a [`Target`].

use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use reqwest::Method;
use serde_json::{json, Value};

use crate::redact;
use crate::schema::Contract;
use crate::target::{Exchange, Surface, Target};
use mock_server::vendors::hiver;

pub const SURFACE: Surface = Surface::new(&hiver::OFFICIAL, hiver::DEFAULT_TOKEN);
pub const TUTORIAL: Surface = Surface::new(&hiver::TUTORIAL, hiver::DEFAULT_TOKEN);

pub static CONTRACT: LazyLock<Contract> = LazyLock::new(|| crate::schema::load("hiver"));
pub static TUTORIAL_CONTRACT: LazyLock<Contract> =
    LazyLock::new(|| crate::schema::load("hiver-tutorial"));

const HEADERS: &[&str] = &["content-type", "retry-after"];

fn check(contract: &Contract, ex: &Exchange, template: &str) {
    crate::check::conforms(contract, ex, template);
}

pub fn conforms(ex: &Exchange, template: &str) {
    check(&CONTRACT, ex, template);
}

pub fn tutorial_conforms(ex: &Exchange, template: &str) {
    check(&TUTORIAL_CONTRACT, ex, template);
}

fn settings() -> insta::Settings {
    let mut s = redact::settings();
    redact::shape(
        &mut s,
        ".headers[\"retry-after\"]",
        "[seconds]",
        redact::integer_string,
    );
    // Page tokens are opaque; only their presence matters.
    redact::shape_or_null(
        &mut s,
        ".body.data.pagination.next_page",
        "[page token]",
        |c| c.as_str().is_some_and(|t| !t.is_empty()),
    );
    redact::shape_or_null(&mut s, ".body.next_cursor", "[cursor]", |c| {
        c.as_str().is_some_and(|t| !t.is_empty())
    });
    s
}

fn snapshot(name: &str, ex: &Exchange) {
    settings().bind(|| insta::assert_json_snapshot!(name, redact::view(ex, HEADERS)));
}

fn cases(t: &Target, mock_default: u32) -> u32 {
    crate::check::cases(t, mock_default, 2)
}

/// The documented objects of seed 000 and the tutorial's mailbox response validate.
pub fn documented_examples_validate() {
    let load = |dir: &str, file: &str| -> Value {
        let p = crate::fixtures_dir().join(format!("examples/{dir}/{file}"));
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    for (file, component) in [
        ("inbox.json", "Inbox"),
        ("inbox_user.json", "InboxUser"),
        ("tag.json", "Tag"),
        ("conversation.json", "ConversationOverview"),
    ] {
        let d = CONTRACT.validate_component(component, &load("hiver", file));
        assert!(d.is_empty(), "{file}: {d:?}");
    }
    let d = TUTORIAL_CONTRACT
        .validate_component("MailboxList", &load("hiver-tutorial", "mailboxes.json"));
    assert!(d.is_empty(), "mailboxes.json: {d:?}");
}

fn first_inbox(t: &Target) -> Option<String> {
    let ex = t.call(Method::GET, "/inboxes?limit=100", None);
    let results = ex.body["data"]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Prefer an authorised inbox that has conversations.
    results
        .iter()
        .filter(|i| i["is_authorised"] == true)
        .chain(results.iter())
        .find_map(|i| i["id"].as_str().map(str::to_string))
}

/// The official catalogue's reads and errors (`mock_server::vendors::hiver::catalogue`)
/// conform and match their snapshots (reads on the emulator only).
pub fn read_operations_and_errors(t: &Target) {
    crate::check::catalogue_reads(t, &CONTRACT, snapshot);
}

/// Every check of the official suite, for the coverage test and the external-process run.
pub const CHECKS: crate::check::Checks = &[
    ("read_operations_and_errors", read_operations_and_errors),
    ("write_operations", write_operations),
    ("token_paging", token_paging),
    ("writes_cross_surfaces", writes_cross_surfaces),
];

/// Every check of the tutorial suite.
pub const TUTORIAL_CHECKS: crate::check::Checks = &[
    ("tutorial_reads", tutorial_reads),
    ("tutorial_writes", tutorial_writes),
];

/// Every official operation has a catalogue case, a route and a check.
pub fn every_operation_has_a_case_a_route_and_a_check() {
    crate::check::every_operation_has_a_case_a_route_and_a_check(SURFACE, &CONTRACT, CHECKS);
}

/// Every tutorial operation has a catalogue case, a route and a check.
pub fn every_tutorial_operation_has_a_case_a_route_and_a_check() {
    crate::check::every_operation_has_a_case_a_route_and_a_check(
        TUTORIAL,
        &TUTORIAL_CONTRACT,
        TUTORIAL_CHECKS,
    );
}

/// Writes: PATCH (reverted afterwards), then — on the emulator only, since Hiver offers no way
/// to delete them — tag creation, a note and a shared draft.
pub fn write_operations(t: &Target) {
    if t.skip_unless_writes("PATCH conversation, tags, notes, drafts") {
        return;
    }
    let Some(inbox) = first_inbox(t) else { return };
    let conv = t
        .call(
            Method::GET,
            &format!("/inboxes/{inbox}/conversations"),
            None,
        )
        .body["data"]["results"][0]
        .clone();
    let Some(id) = conv["id"].as_i64() else {
        return;
    };
    let path = format!("/inboxes/{inbox}/conversations/{id}");
    let before = conv["status"].as_str().unwrap_or("open").to_string();
    let target = if before == "pending" {
        "open"
    } else {
        "pending"
    };
    let ex = t.call(
        Method::PATCH,
        &path,
        Some(&json!({"status": {"name": target}})),
    );
    assert_eq!(ex.status, 204, "{}", ex.raw);
    conforms(&ex, "/inboxes/{inbox_id}/conversations/{conversation_id}");
    let read = t.call(Method::GET, &path, None);
    assert_eq!(read.body["data"][0]["status"], target);
    t.call(
        Method::PATCH,
        &path,
        Some(&json!({"status": {"name": before}})),
    );
    let bad = t.call(
        Method::PATCH,
        &path,
        Some(&json!({"status": {"name": "archived"}})),
    );
    assert_eq!(bad.status, 400);
    conforms(&bad, "/inboxes/{inbox_id}/conversations/{conversation_id}");
    snapshot("hiver_error_bad_status", &bad);
    if t.skip_unless_mock("tags, notes and drafts cannot be deleted through the API") {
        return;
    }
    let tag = t.call(
        Method::POST,
        &format!("/inboxes/{inbox}/tags"),
        Some(&json!({"name": "contract-tag", "color_hexcode": "#123456"})),
    );
    assert_eq!(tag.status, 200, "{}", tag.raw);
    conforms(&tag, "/inboxes/{inbox_id}/tags");
    let mut s = settings();
    redact::shape(
        &mut s,
        ".body.data.tag_id",
        "[id]",
        redact::positive_integer,
    );
    s.bind(|| insta::assert_json_snapshot!("hiver_createInboxTag", redact::view(&tag, HEADERS)));
    let note = t.call_form(
        &format!("{path}/notes"),
        &[("content", "Contract note"), ("notify_all", "false")],
    );
    assert_eq!(note.status, 201, "{}", note.raw);
    conforms(
        &note,
        "/inboxes/{inbox_id}/conversations/{conversation_id}/notes",
    );
    let mut s = settings();
    redact::shape(&mut s, ".body.data.id", "[id]", |c| c.as_str().is_some());
    redact::shape(&mut s, ".body.data.created_at", "[timestamp]", |c| {
        c.as_str().is_some_and(|v| v.ends_with('Z'))
    });
    s.bind(|| insta::assert_json_snapshot!("hiver_createNote", redact::view(&note, HEADERS)));
    let message = t.call(Method::GET, &path, None).body["data"][0]["message_ids"][0]
        ["hiver_message_id"]
        .clone();
    let message = message.to_string();
    let draft = t.call_form(
        &format!("/inboxes/{inbox}/conversations/shared-drafts"),
        &[
            ("body", "Draft from the contract suite"),
            ("hiver_message_id", message.as_str()),
        ],
    );
    assert_eq!(draft.status, 200, "{}", draft.raw);
    conforms(&draft, "/inboxes/{inbox_id}/conversations/shared-drafts");
    assert_eq!(draft.body["data"]["id"], id);
}

/// The ids of every conversation page of `inbox` at `limit` and `order`.
fn walk(t: &Target, inbox: &str, limit: usize, order: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let path = match &next {
            Some(tok) => format!("/inboxes/{inbox}/conversations?limit={limit}&next_page={tok}"),
            None => format!("/inboxes/{inbox}/conversations?limit={limit}&sort_order={order}"),
        };
        let ex = t.call(Method::GET, &path, None);
        assert_eq!(ex.status, 200, "{}", ex.raw);
        conforms(&ex, "/inboxes/{inbox_id}/conversations");
        let page = ex.body["data"]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(page.len() <= limit);
        ids.extend(page.iter().filter_map(|c| c["id"].as_i64()));
        match ex.body["data"]["pagination"]["next_page"].as_str() {
            Some(tok) => next = Some(tok.to_string()),
            None => return ids,
        }
    }
}

/// Token paging at every limit 10–100 walks every conversation once in the requested order;
/// altered or mismatched tokens are refused.
pub fn token_paging(t: &Target) {
    let Some(inbox) = first_inbox(t) else { return };
    let reference = walk(t, &inbox, 100, "desc");
    assert!(
        reference.windows(2).all(|w| w[0] > w[1]),
        "not in descending id order"
    );
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(t, 12)));
    runner
        .run(&(10usize..=100, any::<bool>()), |(limit, asc)| {
            let mut got = walk(t, &inbox, limit, if asc { "asc" } else { "desc" });
            if asc {
                got.reverse();
            }
            prop_assert_eq!(&got, &reference, "limit {} asc {}", limit, asc);
            Ok(())
        })
        .unwrap();
    let first = t.call(
        Method::GET,
        &format!("/inboxes/{inbox}/conversations"),
        None,
    );
    if let Some(token) = first.body["data"]["pagination"]["next_page"].as_str() {
        let mut altered = token.to_string();
        let last = altered
            .pop()
            .map(|c| if c == 'A' { 'B' } else { 'A' })
            .unwrap_or('A');
        altered.push(last);
        for path in [
            format!("/inboxes/{inbox}/conversations?next_page={altered}"),
            format!("/inboxes/{inbox}/conversations?next_page={token}&sort_order=asc"),
            format!("/inboxes/{inbox}/tags?next_page={token}"),
        ] {
            let ex = t.call(Method::GET, &path, None);
            assert_eq!(ex.status, 400, "{path}: {}", ex.raw);
        }
    }
}

/// The tutorial catalogue's reads conform (snapshots on the emulator only); a conversation's
/// detail equals its list item.
pub fn tutorial_reads(t: &Target) {
    let seen = crate::check::catalogue_reads(t, &TUTORIAL_CONTRACT, snapshot);
    if let (Some(list), Some(one)) = (
        seen.get("listConversations_first"),
        seen.get("getConversation"),
    ) {
        assert_eq!(
            one.body, list.body["conversations"][0],
            "detail equals the list item"
        );
    }
}

/// The tutorial's writes answer as its schema says and read back (emulator only: the surface
/// does not exist at Hiver): a tag is created, applied and removed, a conversation assigned,
/// its status set, a note added.
pub fn tutorial_writes(t: &Target) {
    if t.skip_unless_mock("the tutorial surface exists only in the emulator") {
        return;
    }
    let conv = t.call(Method::GET, "/conversations?limit=1", None).body["conversations"][0].clone();
    let id = conv["id"].as_str().expect("a conversation").to_string();
    let mailbox = conv["mailbox_id"]
        .as_str()
        .expect("its mailbox")
        .to_string();
    let tag = t.call(
        Method::POST,
        "/tags",
        Some(&json!({"name": "contract-tutorial", "mailbox_id": mailbox})),
    );
    assert_eq!(tag.status, 201, "{}", tag.raw);
    tutorial_conforms(&tag, "/tags");
    let tag_id = tag.body["id"].clone();
    let applied = t.call(
        Method::POST,
        &format!("/conversations/{id}/tags"),
        Some(&json!({"tag_id": tag_id})),
    );
    assert_eq!(applied.status, 200, "{}", applied.raw);
    tutorial_conforms(&applied, "/conversations/{id}/tags");
    assert!(applied.body["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == tag_id));
    let tag_path = format!("/conversations/{id}/tags/{}", tag_id.as_str().unwrap_or(""));
    let removed = t.call(Method::DELETE, &tag_path, None);
    assert_eq!(removed.status, 200, "{}", removed.raw);
    tutorial_conforms(&removed, "/conversations/{id}/tags/{tag_id}");
    assert!(!removed.body["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == tag_id));
    let user = t.call(Method::GET, "/users", None).body["users"][0]["id"].clone();
    let assigned = t.call(
        Method::POST,
        &format!("/conversations/{id}/assign"),
        Some(&json!({"user_id": user})),
    );
    assert_eq!(assigned.status, 200, "{}", assigned.raw);
    tutorial_conforms(&assigned, "/conversations/{id}/assign");
    let status = t.call(
        Method::PUT,
        &format!("/conversations/{id}/status"),
        Some(&json!({"status": "pending"})),
    );
    assert_eq!(status.status, 200, "{}", status.raw);
    tutorial_conforms(&status, "/conversations/{id}/status");
    let read = t.call(Method::GET, &format!("/conversations/{id}"), None);
    assert_eq!(read.body["status"], "pending");
    let note = t.call(
        Method::POST,
        &format!("/conversations/{id}/notes"),
        Some(&json!({"body": "contract note"})),
    );
    assert_eq!(note.status, 201, "{}", note.raw);
    tutorial_conforms(&note, "/conversations/{id}/notes");
}

/// Writes through one surface read back changed through the other (emulator only: the
/// tutorial surface does not exist at Hiver).
pub fn writes_cross_surfaces(official: &Target) {
    if official.skip_unless_mock("cross-surface state") {
        return;
    }
    // The tutorial surface of the same emulator, in-process or not.
    let tutorial = Target::emulator(
        TUTORIAL,
        &official
            .base_url
            .replace(&SURFACE.mock_prefix(), &TUTORIAL.mock_prefix()),
        TUTORIAL.default_token,
    );
    let convs = official
        .call(Method::GET, "/inboxes/102/conversations?limit=100", None)
        .body["data"]["results"]
        .clone();
    let ids: Vec<i64> = convs
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    let users = official
        .call(Method::GET, "/inboxes/102/users?limit=100", None)
        .body["data"]["results"]
        .clone();
    let members: Vec<(String, String)> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap().to_string(),
                u["email"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let tags: Vec<String> = official
        .call(Method::GET, "/inboxes/102/tags?limit=100", None)
        .body["data"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    let mut runner = TestRunner::new(PropConfig::with_cases(cases(official, 32)));
    let strategy = (
        0..ids.len(),
        0..members.len(),
        0..tags.len(),
        0usize..3,
        any::<bool>(),
        0usize..3,
    );
    runner
        .run(&strategy, |(ci, ui, ti, status, via_official, what)| {
            let id = ids[ci];
            let st = ["open", "pending", "close"][status];
            let (user_id, email) = &members[ui];
            let tag = &tags[ti];
            match (via_official, what) {
                (true, 0) => {
                    official.call(
                        Method::PATCH,
                        &format!("/inboxes/102/conversations/{id}"),
                        Some(&json!({"status": {"name": st}})),
                    );
                }
                (true, 1) => {
                    official.call(
                        Method::PATCH,
                        &format!("/inboxes/102/conversations/{id}"),
                        Some(&json!({"assignee": {"email": email}})),
                    );
                }
                (true, _) => {
                    official.call(
                        Method::PATCH,
                        &format!("/inboxes/102/conversations/{id}"),
                        Some(&json!({"tags": {"to_apply": [tag]}})),
                    );
                }
                (false, 0) => {
                    tutorial.call(
                        Method::PUT,
                        &format!("/conversations/{id}/status"),
                        Some(&json!({"status": if st == "close" { "closed" } else { st }})),
                    );
                }
                (false, 1) => {
                    tutorial.call(
                        Method::POST,
                        &format!("/conversations/{id}/assign"),
                        Some(&json!({"user_id": user_id})),
                    );
                }
                (false, _) => {
                    tutorial.call(
                        Method::POST,
                        &format!("/conversations/{id}/tags"),
                        Some(&json!({"tag_id": tag})),
                    );
                }
            }
            let o = official
                .call(
                    Method::GET,
                    &format!("/inboxes/102/conversations/{id}"),
                    None,
                )
                .body["data"][0]
                .clone();
            let tu = tutorial
                .call(Method::GET, &format!("/conversations/{id}"), None)
                .body;
            match what {
                0 => {
                    prop_assert_eq!(&o["status"], st);
                    prop_assert_eq!(&tu["status"], if st == "close" { "closed" } else { st });
                }
                1 => {
                    prop_assert_eq!(o["assignee"]["assignee_id"].to_string(), user_id.clone());
                    prop_assert_eq!(&tu["assignee"]["email"], email.as_str());
                }
                _ => {
                    prop_assert!(o["tag_ids"].as_array().unwrap().contains(&json!(tag)));
                    prop_assert!(tu["tags"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|x| x["id"] == json!(tag)));
                }
            }
            Ok(())
        })
        .unwrap();
}

/// The second request inside one second gets 429 with Retry-After, on either surface
/// (emulator only).
pub fn second_request_in_a_second_is_429(probe: &Target) {
    if probe.skip_unless_mock("rate-limit exhaustion") {
        return;
    }
    let t = &crate::check::rate_limited_emulator(SURFACE);
    let first = t.call(Method::GET, "/inboxes", None);
    let second = t.call(Method::GET, "/inboxes", None);
    // A slow machine may cross a second boundary between the two; then the next one is in.
    let limited = if second.status == 429 {
        second
    } else {
        t.call(Method::GET, "/inboxes", None)
    };
    assert_eq!(first.status, 200);
    assert_eq!(limited.status, 429, "{}", limited.raw);
    conforms(&limited, "/inboxes");
    snapshot("hiver_error_rate_limited", &limited);
}

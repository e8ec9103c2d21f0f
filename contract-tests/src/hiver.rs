//! The Hiver contract checks: the official v1 API (`hiver`) and the tutorial surface
//! (`hiver-tutorial`), each check taking a [`Target`].

use std::collections::BTreeSet;
use std::sync::LazyLock;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use reqwest::Method;
use serde_json::{json, Value};

use crate::redact;
use crate::schema::Contract;
use crate::target::{Auth, Exchange, Surface, Target};

/// 1 request/second documented: stay below it.
const INTERVAL: Duration = Duration::from_millis(1100);

pub const SURFACE: Surface = Surface {
    id: "hiver",
    mock_prefix: "/hiver/v1",
    default_token: "hiver-test-token",
    min_interval: INTERVAL,
};

pub const TUTORIAL: Surface = Surface {
    id: "hiver-tutorial",
    mock_prefix: "/hiver/api/v1",
    default_token: "hiver-test-token",
    min_interval: INTERVAL,
};

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

/// The schema documents exactly the operations these checks are written for (the list is
/// kept beside the checks; a change to either side must update both).
pub fn schema_documents_exactly_these_operations() {
    let ops = |c: &Contract| {
        c.operations()
            .into_iter()
            .map(|o| o.2)
            .collect::<BTreeSet<_>>()
    };
    let official: BTreeSet<String> = [
        "listInboxes",
        "getInbox",
        "listInboxUsers",
        "searchInboxUsers",
        "listInboxTags",
        "createInboxTag",
        "searchInboxTags",
        "listConversations",
        "createSharedDraft",
        "getConversation",
        "updateConversation",
        "createNote",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(ops(&CONTRACT), official);
    let tutorial: BTreeSet<String> = [
        "listMailboxes",
        "listConversations",
        "getConversation",
        "assignConversation",
        "setConversationStatus",
        "addNote",
        "applyTag",
        "removeTag",
        "listUsers",
        "listTags",
        "createTag",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(ops(&TUTORIAL_CONTRACT), tutorial);
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

/// Lists, searches and details conform; snapshots on the emulator only.
pub fn read_operations(t: &Target) {
    let inboxes = t.call(Method::GET, "/inboxes", None);
    assert_eq!(inboxes.status, 200, "{}", inboxes.raw);
    conforms(&inboxes, "/inboxes");
    let Some(inbox) = first_inbox(t) else {
        eprintln!("hiver: no inboxes on this account");
        return;
    };
    let mut reads: Vec<(&str, String, &str)> = vec![
        (
            "getInbox",
            format!("/inboxes/{inbox}"),
            "/inboxes/{inbox_id}",
        ),
        (
            "listInboxUsers",
            format!("/inboxes/{inbox}/users"),
            "/inboxes/{inbox_id}/users",
        ),
        (
            "listInboxTags",
            format!("/inboxes/{inbox}/tags"),
            "/inboxes/{inbox_id}/tags",
        ),
        (
            "listConversations",
            format!("/inboxes/{inbox}/conversations"),
            "/inboxes/{inbox_id}/conversations",
        ),
    ];
    let users = t.call(Method::GET, &format!("/inboxes/{inbox}/users"), None);
    if let Some(email) = users.body["data"]["results"][0]["email"].as_str() {
        reads.push((
            "searchInboxUsers",
            format!("/inboxes/{inbox}/users/search?email={email}"),
            "/inboxes/{inbox_id}/users/search",
        ));
    }
    let tags = t.call(Method::GET, &format!("/inboxes/{inbox}/tags"), None);
    if let Some(name) = tags.body["data"]["results"][0]["name"].as_str() {
        reads.push((
            "searchInboxTags",
            format!("/inboxes/{inbox}/tags/search?name={name}"),
            "/inboxes/{inbox_id}/tags/search",
        ));
    }
    let convs = t.call(
        Method::GET,
        &format!("/inboxes/{inbox}/conversations"),
        None,
    );
    if let Some(c) = convs.body["data"]["results"].get(0) {
        reads.push((
            "getConversation",
            format!("/inboxes/{inbox}/conversations/{}", c["id"]),
            "/inboxes/{inbox_id}/conversations/{conversation_id}",
        ));
        let thread = c["gmail_thread_id"].as_str().unwrap_or_default();
        reads.push((
            "getConversationByThread",
            format!("/inboxes/{inbox}/conversations/{thread}"),
            "/inboxes/{inbox_id}/conversations/{conversation_id}",
        ));
    }
    if t.is_mock() {
        snapshot("hiver_listInboxes", &inboxes);
    }
    for (op, path, template) in reads {
        let ex = t.call(Method::GET, &path, None);
        assert_eq!(ex.status, 200, "{op}: {}", ex.raw);
        conforms(&ex, template);
        if !t.skip_unless_mock(op) {
            snapshot(&format!("hiver_{op}"), &ex);
        }
    }
}

/// Error exchanges hold on every target.
pub fn error_exchanges(t: &Target) {
    let inbox = first_inbox(t).unwrap_or_else(|| "101".into());
    let cases: Vec<(&str, Auth, String, &str)> = vec![
        (
            "hiver_error_missing_key",
            Auth::None,
            "/inboxes".into(),
            "/inboxes",
        ),
        (
            "hiver_error_invalid_key",
            Auth::Header("Bearer not-a-real-key"),
            "/inboxes".into(),
            "/inboxes",
        ),
        (
            "hiver_error_unknown_inbox",
            Auth::Target,
            "/inboxes/987654321".into(),
            "/inboxes/{inbox_id}",
        ),
        (
            "hiver_error_limit_too_small",
            Auth::Target,
            "/inboxes?limit=5".into(),
            "/inboxes",
        ),
        (
            "hiver_error_bad_token",
            Auth::Target,
            format!("/inboxes/{inbox}/conversations?next_page=not-a-token"),
            "/inboxes/{inbox_id}/conversations",
        ),
    ];
    for (name, auth, path, template) in cases {
        let ex = t.call_as(auth, Method::GET, &path, None);
        assert!((400..500).contains(&ex.status), "{name}: {}", ex.status);
        conforms(&ex, template);
        snapshot(name, &ex);
    }
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
    let form = reqwest::blocking::multipart::Form::new()
        .text("content", "Contract note")
        .text("notify_all", "false");
    let note = multipart(t, &format!("{path}/notes"), form);
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
    let form = reqwest::blocking::multipart::Form::new()
        .text("body", "Draft from the contract suite")
        .text("hiver_message_id", message.to_string());
    let draft = multipart(
        t,
        &format!("/inboxes/{inbox}/conversations/shared-drafts"),
        form,
    );
    assert_eq!(draft.status, 200, "{}", draft.raw);
    conforms(&draft, "/inboxes/{inbox_id}/conversations/shared-drafts");
    assert_eq!(draft.body["data"]["id"], id);
}

fn multipart(t: &Target, path: &str, form: reqwest::blocking::multipart::Form) -> Exchange {
    t.call_multipart(path, form)
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

/// Tutorial reads conform; snapshots on the emulator only.
pub fn tutorial_reads(t: &Target) {
    let reads = [
        ("listMailboxes", "/mailboxes".to_string(), "/mailboxes"),
        ("listUsers", "/users".to_string(), "/users"),
        ("listTags", "/tags".to_string(), "/tags"),
        (
            "listConversations",
            "/conversations?status=open&limit=5".to_string(),
            "/conversations",
        ),
    ];
    for (op, path, template) in reads {
        let ex = t.call(Method::GET, &path, None);
        assert_eq!(ex.status, 200, "{op}: {}", ex.raw);
        tutorial_conforms(&ex, template);
        if !t.skip_unless_mock(op) {
            snapshot(&format!("hiver_tutorial_{op}"), &ex);
        }
    }
    let list = t.call(Method::GET, "/conversations?limit=1", None);
    if let Some(id) = list.body["conversations"][0]["id"].as_str() {
        let ex = t.call(Method::GET, &format!("/conversations/{id}"), None);
        tutorial_conforms(&ex, "/conversations/{id}");
        assert_eq!(ex.body, list.body["conversations"][0]);
    }
    let missing = t.call_as(Auth::None, Method::GET, "/mailboxes", None);
    assert_eq!(missing.status, 401);
    tutorial_conforms(&missing, "/mailboxes");
}

/// Writes through one surface read back changed through the other (emulator only: the
/// tutorial surface does not exist at Hiver).
pub fn writes_cross_surfaces(official: &Target) {
    if official.skip_unless_mock("cross-surface state") {
        return;
    }
    let server = official.mock_server().expect("in-process emulator");
    let tutorial = Target::emulator(
        TUTORIAL,
        &format!("http://{}{}", server.addr, TUTORIAL.mock_prefix),
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

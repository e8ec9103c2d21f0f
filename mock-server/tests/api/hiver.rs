//! Hiver official API and tutorial surface end to end over HTTP.

use std::collections::BTreeSet;

use mock_server::platform::clock::Clock;
use mock_server::platform::RateLimitMode;
use mock_server::Config;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

const HV: &str = "hiver-test-token";

async fn off(s: &Server, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    s.surface("hiver").call(method, path, body).await
}

async fn tut(s: &Server, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    s.surface("hiver-tutorial").call(method, path, body).await
}

/// The documented records come back in the documented shapes and JSON types.
#[tokio::test]
async fn documented_shapes() {
    let s = Server::start().await;
    let (_, v) = off(&s, Method::GET, "/inboxes/101", None).await;
    assert_eq!(
        v["data"],
        json!({"id": "101", "display_name": "Customer Support", "channel_type": "email", "email": "info@hiver.com",
            "inbox_type": "user", "is_authorised": false, "source_user": {"id": "765676", "email": "info@hiver.com"},
            "created_at": 176878888, "updated_at": 176878888})
    );
    let (_, v) = off(
        &s,
        Method::GET,
        "/inboxes/101/users/search?email=P.Buffay@friends.com",
        None,
    )
    .await;
    assert_eq!(
        v["data"]["results"],
        json!([{"id": "456", "first_name": "Phoebe", "last_name": "Buffay", "email": "p.buffay@friends.com", "phone_number": "+19876543444", "is_joined": false}])
    );
    let (_, v) = off(
        &s,
        Method::GET,
        "/inboxes/102/tags/search?name=priority",
        None,
    )
    .await;
    assert_eq!(
        v["data"]["results"],
        json!([{"id": "56789", "name": "Priority", "color_code": "#ce93d8", "type": "user", "created_at": 1708945347}])
    );
    assert_eq!(v["data"]["pagination"]["next_page"], Value::Null);
    let (_, v) = off(&s, Method::GET, "/inboxes/102/conversations/234232", None).await;
    let c = &v["data"][0];
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        (c["id"].clone(), c["status"].clone(), c["tag_ids"].clone()),
        (json!("234232"), json!("open"), json!(["1234322", "343434"]))
    );
    assert_eq!(
        c["assignee"],
        json!({"assignee_type": "user", "assignee_id": 1028399})
    );
    assert!(c["message_ids"][0]["hiver_message_id"].is_i64());
    // The Gmail thread id finds the same conversation; the list row has a numeric id.
    let (_, by_thread) = off(
        &s,
        Method::GET,
        "/inboxes/102/conversations/19cfee91188070f8",
        None,
    )
    .await;
    assert_eq!(by_thread["data"][0]["id"], "538706170");
    let (_, list) = off(
        &s,
        Method::GET,
        "/inboxes/102/conversations?limit=100",
        None,
    )
    .await;
    assert!(list["data"]["results"][0]["id"].is_i64());
    assert!(list["data"]["results"][0].get("message_ids").is_none());
    // A conversation of another inbox is not found here.
    assert_eq!(
        off(&s, Method::GET, "/inboxes/101/conversations/234232", None)
            .await
            .0,
        404
    );
}

/// Token paging walks every conversation once at any limit, in the requested order; tokens
/// carry the sort and are refused when tampered or reused with another query.
#[tokio::test]
async fn token_paging() {
    let s = Server::start().await;
    let walk = |limit: usize, order: &'static str| {
        let s = &s;
        async move {
            let mut ids = Vec::new();
            let mut next: Option<String> = None;
            loop {
                let mut path =
                    format!("/inboxes/102/conversations?limit={limit}&sort_order={order}");
                if let Some(t) = &next {
                    path = format!("/inboxes/102/conversations?limit={limit}&next_page={t}");
                }
                let (status, v) = off(s, Method::GET, &path, None).await;
                assert_eq!(status, 200, "{v}");
                ids.extend(
                    v["data"]["results"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c["id"].as_i64().unwrap()),
                );
                match v["data"]["pagination"]["next_page"].as_str() {
                    Some(t) => next = Some(t.to_string()),
                    None => return ids,
                }
            }
        }
    };
    let desc = walk(100, "desc").await;
    assert!(desc.windows(2).all(|w| w[0] > w[1]));
    assert_eq!(desc.iter().collect::<BTreeSet<_>>().len(), desc.len());
    for limit in [10, 17, 33] {
        assert_eq!(walk(limit, "desc").await, desc, "limit {limit}");
    }
    let mut asc = walk(25, "asc").await;
    asc.reverse();
    assert_eq!(asc, desc);

    let (_, first) = off(&s, Method::GET, "/inboxes/102/conversations", None).await;
    let token = first["data"]["pagination"]["next_page"]
        .as_str()
        .unwrap()
        .to_string();
    for bad in [
        format!("/inboxes/102/conversations?next_page={token}x"),
        format!("/inboxes/103/conversations?next_page={token}"),
        format!("/inboxes/102/conversations?next_page={token}&sort_order=asc"),
        "/inboxes/102/conversations?next_page=Gygskjhgkjythjjhkgjhgsdf=".to_string(),
        "/inboxes/102/conversations?limit=9".to_string(),
        "/inboxes/102/conversations?limit=101".to_string(),
        "/inboxes/102/conversations?sort_by=subject".to_string(),
    ] {
        let (status, v) = off(&s, Method::GET, &bad, None).await;
        assert_eq!(status, 400, "{bad}");
        assert!(v["errors"][0]["message"].is_string());
    }
    // Inboxes sort by display name.
    let (_, v) = off(&s, Method::GET, "/inboxes?sort_by=display_name", None).await;
    let names: Vec<&str> = v["data"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Billing", "Customer Support", "Support"]);
}

/// PATCH changes status, assignee (by inbox-user email) and tags, answers 204, and the
/// tutorial surface reads the change; bad bodies are 400 and change nothing.
#[tokio::test]
async fn patch_visible_through_tutorial() {
    let s = Server::start().await;
    let (status, v) = off(&s, Method::PATCH, "/inboxes/102/conversations/234232",
        Some(json!({"status": {"name": "close"}, "assignee": {"email": "c.bing@company.com"}, "tags": {"to_apply": ["56789"], "to_remove": [343434]}}))).await;
    assert_eq!((status, v), (204, Value::Null));
    let (_, c) = tut(&s, Method::GET, "/conversations/234232", None).await;
    assert_eq!(c["status"], "closed");
    assert_eq!(
        c["assignee"],
        json!({"id": "usr_01TECH", "name": "Chandler Bing", "email": "c.bing@company.com"})
    );
    let tags: Vec<&str> = c["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["billing", "Priority"]);
    for body in [
        json!({"status": {"name": "closed"}}),
        json!({"status": {"name": "archived"}}),
        json!({"assignee": {"email": "stranger@example.com"}}),
        json!({"tags": {"to_apply": ["343501"]}}),
        json!({"tags": {"to_apply": "56789"}}),
        json!({"priority": "high"}),
        json!({}),
        // Issue 14 class 4: acknowledged means applied, so these are refused, not ignored.
        json!({"status": null}),
        json!({"tags": {"to_apply": ["56789"], "to_remove": ["56789"]}}),
        json!({"tags": {"to_apply": []}}),
    ] {
        let (status, v) = off(
            &s,
            Method::PATCH,
            "/inboxes/102/conversations/234232",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(v["errors"][0]["message"].is_string());
    }
    let (_, again) = tut(&s, Method::GET, "/conversations/234232", None).await;
    assert_eq!(again, c);
    // `assignee: null` unassigns.
    let (status, _) = off(
        &s,
        Method::PATCH,
        "/inboxes/102/conversations/234232",
        Some(json!({"assignee": null})),
    )
    .await;
    assert_eq!(status, 204);
    let (_, c) = tut(&s, Method::GET, "/conversations/234232", None).await;
    assert_eq!(c["assignee"], Value::Null, "{c}");
}

/// Tutorial writes (assign, status, tag, note) read back through the official surface.
#[tokio::test]
async fn tutorial_writes_visible_officially() {
    let s = Server::start().await;
    let (_, list) = tut(
        &s,
        Method::GET,
        "/conversations?mailbox_id=mb_01HXYZ&status=open&limit=100",
        None,
    )
    .await;
    let unassigned: Vec<&Value> = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("assignee").is_none())
        .collect();
    assert!(!unassigned.is_empty());
    let id = unassigned[0]["id"].as_str().unwrap().to_string();
    let (status, c) = tut(
        &s,
        Method::POST,
        &format!("/conversations/{id}/assign"),
        Some(json!({"user_id": "usr_01BILLING"})),
    )
    .await;
    assert_eq!(
        (status, c["assignee"]["id"].clone()),
        (200, json!("usr_01BILLING"))
    );
    let (_, tags) = tut(&s, Method::GET, "/tags", None).await;
    let billing = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "billing")
        .unwrap()["id"]
        .clone();
    tut(
        &s,
        Method::POST,
        &format!("/conversations/{id}/tags"),
        Some(json!({"tag_id": billing})),
    )
    .await;
    let (status, note) = tut(
        &s,
        Method::POST,
        &format!("/conversations/{id}/notes"),
        Some(json!({"body": "Auto-assigned", "type": "internal"})),
    )
    .await;
    assert_eq!(
        (status, note["body"].clone(), note["type"].clone()),
        (201, json!("Auto-assigned"), json!("internal"))
    );
    let (_, c) = tut(
        &s,
        Method::PUT,
        &format!("/conversations/{id}/status"),
        Some(json!({"status": "pending"})),
    )
    .await;
    assert_eq!(c["status"], "pending");
    let (_, official) = off(
        &s,
        Method::GET,
        &format!("/inboxes/102/conversations/{id}"),
        None,
    )
    .await;
    let o = &official["data"][0];
    assert_eq!(o["status"], "pending");
    assert_eq!(o["assignee"]["assignee_id"], 1028399);
    assert!(o["tag_ids"].as_array().unwrap().contains(&json!(billing)));
    let (_, c) = tut(
        &s,
        Method::DELETE,
        &format!("/conversations/{id}/tags/{}", billing.as_str().unwrap()),
        None,
    )
    .await;
    assert!(!c["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == billing));
    // Errors: a non-member, the official spelling of closed, a tag of another mailbox, an
    // unknown conversation.
    let cases = [
        (
            Method::POST,
            format!("/conversations/{id}/assign"),
            Some(json!({"user_id": "usr_01G005"})),
            400,
        ),
        (
            Method::PUT,
            format!("/conversations/{id}/status"),
            Some(json!({"status": "close"})),
            400,
        ),
        (
            Method::POST,
            format!("/conversations/{id}/tags"),
            Some(json!({"tag_id": "343501"})),
            404, // another mailbox's tag is not found in this one
        ),
        (Method::GET, "/conversations/424242".to_string(), None, 404),
    ];
    for (method, path, body, status) in cases {
        assert_eq!(
            tut(&s, method.clone(), &path, body).await.0,
            status,
            "{method} {path}"
        );
    }
    // Cursor paging on the tutorial surface covers every matching conversation once.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!(
            "/conversations?mailbox_id=mb_01HXYZ&limit=7{}",
            if cursor.is_empty() {
                String::new()
            } else {
                format!("&cursor={cursor}")
            }
        );
        let (status, v) = tut(&s, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{v}");
        seen.extend(
            v["conversations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string()),
        );
        match v["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    let officially = {
        let (_, v) = off(
            &s,
            Method::GET,
            "/inboxes/102/conversations?limit=100",
            None,
        )
        .await;
        v["data"]["results"].as_array().unwrap().len()
    };
    assert!(
        seen.len() > officially,
        "mailbox 102 has more than one official page"
    );
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), seen.len());
}

/// Tags: create (200, create shape) then visible in list and search; duplicates 400.
#[tokio::test]
async fn create_tag_shapes() {
    let s = Server::start().await;
    let (status, v) = off(
        &s,
        Method::POST,
        "/inboxes/103/tags",
        Some(
            json!({"name": "Escalated", "color_hexcode": "#ff0000", "description": "needs a lead"}),
        ),
    )
    .await;
    assert_eq!(status, 200);
    let d = &v["data"];
    assert!(d["tag_id"].is_i64() && d["smid"] == 103);
    assert_eq!(
        (d["color_hexcode"].clone(), d["background_hexcode"].clone()),
        (json!("#ff0000"), json!("#f2f4f5"))
    );
    let (_, found) = off(
        &s,
        Method::GET,
        "/inboxes/103/tags/search?name=escalated",
        None,
    )
    .await;
    assert_eq!(found["data"]["results"][0]["id"], d["tag_id"].to_string());
    assert_eq!(
        off(
            &s,
            Method::POST,
            "/inboxes/103/tags",
            Some(json!({"name": "escalated"}))
        )
        .await
        .0,
        409,
        "a taken name is a conflict"
    );
    assert_eq!(
        off(
            &s,
            Method::POST,
            "/inboxes/103/tags",
            Some(json!({"color_hexcode": "#ff0000"}))
        )
        .await
        .0,
        400
    );
    let (status, t) = tut(
        &s,
        Method::POST,
        "/tags",
        Some(json!({"name": "vip", "color": "#00ff00"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(t["name"], "vip");
}

/// Notes (multipart, mentions, replies, attachments) and shared drafts (by message id).
#[tokio::test]
async fn notes_and_drafts() {
    let s = Server::start_with(config(), Clock::frozen_at_ms(1_784_643_862_000)).await;
    let url = s.url("/hiver/v1/inboxes/102/conversations/234232/notes");
    let form = reqwest::multipart::Form::new()
        .text("content", "Please check p.buffay@friends.com")
        .text("mentions", "p.buffay@friends.com")
        .part(
            "attachments",
            reqwest::multipart::Part::bytes(vec![1, 2, 3])
                .file_name("trace.txt")
                .mime_str("text/plain")
                .unwrap(),
        );
    let r = s
        .client
        .post(&url)
        .bearer_auth(HV)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let note = &v["data"];
    assert_eq!(note["content"], "Please check @Phoebe");
    assert_eq!(note["created_at"], "2026-07-21T14:24:22.000000Z");
    assert_eq!(note["attachments"][0]["file_name"], "trace.txt");
    assert_eq!(note["parent_note_id"], Value::Null);
    let reply = reqwest::multipart::Form::new()
        .text("content", "done")
        .text("parent_note_id", note["id"].as_str().unwrap().to_string())
        .text("notify_all", "true");
    let v: Value = s
        .client
        .post(&url)
        .bearer_auth(HV)
        .multipart(reply)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            v["data"]["parent_note_id"].clone(),
            v["data"]["content"].clone()
        ),
        (note["id"].clone(), json!("@all done"))
    );
    for form in [
        reqwest::multipart::Form::new().text("mentions", "p.buffay@friends.com"),
        reqwest::multipart::Form::new()
            .text("content", "x")
            .text("mentions", "stranger@example.com"),
        reqwest::multipart::Form::new()
            .text("content", "x")
            .text("parent_note_id", "1"),
    ] {
        let r = s
            .client
            .post(&url)
            .bearer_auth(HV)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
    }
    let (_, conv) = off(&s, Method::GET, "/inboxes/102/conversations/234232", None).await;
    let msg = conv["data"][0]["message_ids"][0].clone();
    let draft = reqwest::multipart::Form::new()
        .text("body", "Draft reply")
        .text("hiver_message_id", msg["hiver_message_id"].to_string());
    let r = s
        .client
        .post(s.url("/hiver/v1/inboxes/102/conversations/shared-drafts"))
        .bearer_auth(HV)
        .multipart(draft)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (
            v["data"]["id"].clone(),
            v["data"]["reply_to_message_id"].clone()
        ),
        (json!(234232), msg["hiver_message_id"].clone())
    );
    assert!(v["data"]["shared_draft_id"].is_i64());
    let by_gmail = reqwest::multipart::Form::new().text("body", "x").text(
        "gmail_message_id",
        format!("<{}>", msg["gmail_message_id"].as_str().unwrap()),
    );
    let r = s
        .client
        .post(s.url("/hiver/v1/inboxes/102/conversations/shared-drafts"))
        .bearer_auth(HV)
        .multipart(by_gmail)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let none = reqwest::multipart::Form::new().text("body", "x");
    let r = s
        .client
        .post(s.url("/hiver/v1/inboxes/102/conversations/shared-drafts"))
        .bearer_auth(HV)
        .multipart(none)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let unknown = reqwest::multipart::Form::new()
        .text("body", "x")
        .text("hiver_message_id", "1");
    let r = s
        .client
        .post(s.url("/hiver/v1/inboxes/102/conversations/shared-drafts"))
        .bearer_auth(HV)
        .multipart(unknown)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// One request per second per account, shared by both surfaces; 429 with Retry-After and
/// `{"Message"}`; a new second restores the budget; unknown keys are 401.
#[tokio::test]
async fn rate_limit_and_auth() {
    let cfg = Config {
        rate_limits: RateLimitMode::Documented,
        ..config()
    };
    let clock = Clock::frozen_at_ms(0);
    let s = Server::start_with(cfg, clock.clone()).await;
    assert_eq!(off(&s, Method::GET, "/inboxes", None).await.0, 200);
    let (status, headers, v) = s
        .call(Some(HV), Method::GET, "/hiver/api/v1/mailboxes", None)
        .await;
    assert_eq!((status, v), (429, json!({"Message": "Too Many Requests"})));
    assert_eq!(headers["retry-after"], "1");
    clock.advance_ms(1_000);
    assert_eq!(tut(&s, Method::GET, "/mailboxes", None).await.0, 200);
    let (status, _, v) = s
        .call(Some("wrong"), Method::GET, "/hiver/v1/inboxes", None)
        .await;
    assert_eq!((status, v), (401, json!({"Message": "Unauthorized"})));
    let (status, _, _) = s
        .call(None, Method::GET, "/hiver/api/v1/mailboxes", None)
        .await;
    assert_eq!(status, 401);
}

/// A conversation read through both surfaces' lists and single reads (each then keeps its
/// rendered view, see `platform::memo`) shows a PATCH on every next read.
#[tokio::test]
async fn reads_after_a_patch_show_it() {
    let s = Server::start().await;
    // The newest conversation of inbox 102: on the first page of both lists.
    let (_, first) = off(&s, Method::GET, "/inboxes/102/conversations?limit=10", None).await;
    let id = first["data"]["results"][0]["id"].as_i64().unwrap();
    let status_of = |list: &Value| -> Value {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id || c["id"] == id.to_string().as_str())
            .map(|c| c["status"].clone())
            .unwrap_or(Value::Null)
    };
    let reads = || async {
        let (_, one) = off(
            &s,
            Method::GET,
            &format!("/inboxes/102/conversations/{id}"),
            None,
        )
        .await;
        let (_, page) = off(
            &s,
            Method::GET,
            "/inboxes/102/conversations?limit=100",
            None,
        )
        .await;
        let (_, tut_one) = tut(&s, Method::GET, &format!("/conversations/{id}"), None).await;
        let (_, tut_page) = tut(&s, Method::GET, "/conversations?limit=100", None).await;
        [
            one["data"][0]["status"].clone(),
            status_of(&page["data"]["results"]),
            tut_one["status"].clone(),
            status_of(&tut_page["conversations"]),
        ]
    };
    let before = reads().await;
    assert_eq!(
        before,
        [json!("open"), json!("open"), json!("open"), json!("open")]
    );
    assert_eq!(reads().await, before);
    let (status, _) = off(
        &s,
        Method::PATCH,
        &format!("/inboxes/102/conversations/{id}"),
        Some(json!({"status": {"name": "close"}})),
    )
    .await;
    assert_eq!(status, 204);
    // The official surface spells it as PATCH does, the tutorial as its own docs do.
    assert_eq!(
        reads().await,
        [
            json!("close"),
            json!("close"),
            json!("closed"),
            json!("closed")
        ]
    );
}

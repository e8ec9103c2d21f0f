//! Hipcall v20211124 end to end over HTTP.

use mock_server::platform::clock::Clock;
use mock_server::platform::RateLimitMode;
use mock_server::Config;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

/// Every documented list and detail example comes back exactly (field names, order of
/// records, JSON types), with links pointing at the emulator.
#[tokio::test]
async fn documented_examples_reproduce_exactly() {
    let s = Server::start().await;
    let base = s.hipcall_base();
    let cases = [
        ("/cdrs", "cdrs_list"),
        (
            "/cdrs/2021/11/25/caedfd1b-25ec-447e-ad87-3b7eb3d358ea",
            "cdr_detail",
        ),
        ("/extensions", "extensions_list"),
        ("/extensions/1", "extension_detail"),
        ("/greetings", "greetings_list"),
        ("/greetings/1", "greeting_detail"),
        ("/numbers", "numbers_list"),
        ("/numbers/1", "number_detail"),
        ("/tasks", "tasks_list"),
        ("/tasks/1", "task_detail"),
        ("/teams", "teams_list"),
        ("/teams/1", "team_detail"),
        ("/users", "users_list"),
        ("/users/2", "user_detail"),
    ];
    for (path, example) in cases {
        let (status, body) = s.get_json(path).await;
        assert_eq!(status, 200, "{path}");
        let expected = documented(example, &base);
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            serde_json::to_string(&expected).unwrap(),
            "{path} differs from the documented {example}"
        );
    }
}

/// Every authenticated response carries the documented rate-limit headers, counting down.
#[tokio::test]
async fn rate_limit_headers_count_down() {
    let cfg = Config {
        rate_limits: RateLimitMode::Documented,
        ..config()
    };
    let s = Server::start_with(cfg, Clock::frozen_at_ms(0)).await;
    for expected in [29, 28, 27] {
        let r = s.hipcall(Method::GET, "/teams", None).await;
        assert_eq!(r.headers()["x-ratelimit-limit"], "30");
        assert_eq!(
            r.headers()["x-ratelimit-remaining"],
            expected.to_string().as_str()
        );
    }
    // Errors of authenticated requests count and carry the headers too.
    let r = s.hipcall(Method::GET, "/teams/999", None).await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["x-ratelimit-remaining"], "26");
}

/// The 31st request in a minute gets 429 with Retry-After and the error body; the next
/// window restores the budget; other accounts keep their own budget.
#[tokio::test]
async fn thirty_first_request_is_429() {
    let clock = Clock::frozen_at_ms(0);
    let mut cfg = Config {
        rate_limits: RateLimitMode::Documented,
        ..config()
    };
    cfg.tokens.push(mock_server::config::ExtraToken {
        vendor: "hipcall".into(),
        token: "other".into(),
        account: None,
    });
    let s = Server::start_with(cfg, clock.clone()).await;
    for _ in 0..30 {
        assert_eq!(s.hipcall(Method::GET, "/numbers", None).await.status(), 200);
    }
    clock.advance_ms(20_000);
    let r = s.hipcall(Method::GET, "/numbers", None).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "40");
    assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
    let body: Value = r.json().await.unwrap();
    assert_error_body(&body);
    assert_eq!(body["message"], "Too Many Attempts.");
    assert_eq!(
        s.hipcall_as("other", Method::GET, "/numbers", None)
            .await
            .status(),
        200
    );
    clock.advance_ms(40_000);
    assert_eq!(s.hipcall(Method::GET, "/numbers", None).await.status(), 200);
}

/// Missing, malformed and unknown tokens get 401 with the error body.
#[tokio::test]
async fn unauthenticated_requests() {
    let s = Server::start().await;
    let url = format!("{}/users", s.hipcall_base());
    for auth in [
        None,
        Some("Basic abc"),
        Some("Bearer nope"),
        Some("Bearer "),
    ] {
        let mut req = s.client.get(&url);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401, "{auth:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["message"], "Unauthenticated.");
        assert_error_body(&body);
    }
}

/// Creating a task answers 201 with the task; it shows up in get and list totals.
#[tokio::test]
async fn task_create_then_read() {
    let s = Server::start().await;
    let body = json!({
        "name": "Sent an email to client", "description": "ut", "due_date": "20220612 12:12:12",
        "assign_to": 1, "auto_assign_to_user": false, "priority": "low", "task_list": 4,
        "contact_ids": [1, 2], "company_ids": [1, 2], "deal_ids": [1, 2]
    });
    let r = s.hipcall(Method::POST, "/tasks", Some(body)).await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let t = &created["data"];
    assert_eq!(t["id"], 12);
    assert_eq!(t["resource_type"], "task");
    assert_eq!(t["due_date"], "2022-06-12T12:12:12+0000");
    assert_eq!(t["assign_to"], 1);
    assert_eq!(t["task_list_id"], 4);
    assert_eq!(t["priority"], "low");
    assert_eq!(t["created_at"], "2023-11-14T22:13:20+0000");
    let (_, got) = s.get_json("/tasks/12").await;
    assert_eq!(got, created);
    let (_, list) = s.get_json("/tasks?page=2").await;
    assert_eq!(list["meta"]["total"], 12);
    assert_eq!(list["data"][1]["id"], 12);
}

fn owners(s: &Server) -> Value {
    let b = s.state.backend("hipcall").unwrap();
    serde_json::from_slice(&b.export("default")).unwrap()
}

/// The documented assignment rules: assign_to wins; auto-assign takes the first company
/// with an owner, then contacts, then deals; nothing to go on leaves the task unassigned.
#[tokio::test]
async fn task_assignment_rules() {
    let s = Server::start().await;
    // Touch the account so its state exists, then read owners from the state dump.
    s.get_json("/tasks/1").await;
    let state = owners(&s);
    let owner_of = |kind: &str, id: i64| -> Value {
        state[kind]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()["owner_id"]
            .clone()
    };
    let find = |kind: &str, with_owner: bool| -> i64 {
        state[kind]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["owner_id"].is_null() != with_owner)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (co_none, co_owned) = (find("companies", false), find("companies", true));
    let (ct_none, ct_owned) = (find("contacts", false), find("contacts", true));
    let dl_owned = find("deals", true);

    let create = |body: Value| {
        let s = &s;
        async move {
            let r = s.hipcall(Method::POST, "/tasks", Some(body)).await;
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()["data"]["assign_to"].clone()
        }
    };
    // assign_to set: auto-assign ignored.
    let got = create(json!({"name": "a", "assign_to": 3, "auto_assign_to_user": true, "company_ids": [co_owned]})).await;
    assert_eq!(got, 3);
    // First company with an owner wins, skipping owner-less ones.
    let got = create(
        json!({"name": "b", "assign_to": null, "auto_assign_to_user": true,
        "company_ids": [co_none, co_owned], "contact_ids": [ct_owned]}),
    )
    .await;
    assert_eq!(got, owner_of("companies", co_owned));
    // No company owner: the contact's owner.
    let got = create(
        json!({"name": "c", "assign_to": false, "auto_assign_to_user": true,
        "company_ids": [co_none], "contact_ids": [ct_none, ct_owned], "deal_ids": [dl_owned]}),
    )
    .await;
    assert_eq!(got, owner_of("contacts", ct_owned));
    // Then the deal's owner.
    let got = create(json!({"name": "d", "auto_assign_to_user": true, "contact_ids": [ct_none], "deal_ids": [dl_owned]})).await;
    assert_eq!(got, owner_of("deals", dl_owned));
    // No ids: unassigned.
    let got = create(json!({"name": "e", "auto_assign_to_user": true})).await;
    assert_eq!(got, Value::Null);
    // auto_assign false: owners are not looked at.
    let got = create(json!({"name": "f", "company_ids": [co_owned]})).await;
    assert_eq!(got, Value::Null);
}

/// Invalid task bodies get 422 with Laravel messages per field and nothing is created.
#[tokio::test]
async fn task_validation() {
    let s = Server::start().await;
    let cases = [
        (json!({}), "name", "The name field is required."),
        (json!({"name": 5}), "name", "The name must be a string."),
        (
            json!({"name": "x", "due_date": "soon"}),
            "due_date",
            "The due date is not a valid date.",
        ),
        (
            json!({"name": "x", "assign_to": 999}),
            "assign_to",
            "The selected assign to is invalid.",
        ),
        (
            json!({"name": "x", "priority": "urgent"}),
            "priority",
            "The selected priority is invalid.",
        ),
        (
            json!({"name": "x", "contact_ids": "1"}),
            "contact_ids",
            "The contact ids must be an array.",
        ),
        (
            json!({"name": "x", "company_ids": [1, 9999]}),
            "company_ids.1",
            "The selected company ids.1 is invalid.",
        ),
        (
            json!({"name": "x", "auto_assign_to_user": "maybe"}),
            "auto_assign_to_user",
            "The auto assign to user field must be true or false.",
        ),
    ];
    for (body, field, msg) in cases {
        let r = s.hipcall(Method::POST, "/tasks", Some(body.clone())).await;
        assert_eq!(r.status(), 422, "{body}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["errors"][field][0], msg, "{body}");
    }
    let (_, list) = s.get_json("/tasks").await;
    assert_eq!(list["meta"]["total"], 11);
}

/// PUT /users/{id} changes the default number, visible in detail and list; bad numbers 422.
#[tokio::test]
async fn user_default_number_update() {
    let s = Server::start().await;
    let r = s
        .hipcall(
            Method::PUT,
            "/users/3",
            Some(json!({"default_number_id": 1})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["data"]["default_number_id"], 1);
    assert!(v["data"].get("full_name").is_none());
    let (_, list) = s.get_json("/users").await;
    assert_eq!(list["data"][1]["id"], 3);
    assert_eq!(list["data"][1]["default_number_id"], 1);
    let r = s
        .hipcall(
            Method::PUT,
            "/users/3",
            Some(json!({"default_number": null})),
        )
        .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["data"]["default_number_id"],
        Value::Null
    );
    for body in [
        json!({"default_number_id": 77}),
        json!({}),
        json!({"default_number_id": "x"}),
    ] {
        let r = s.hipcall(Method::PUT, "/users/3", Some(body.clone())).await;
        assert_eq!(r.status(), 422, "{body}");
        assert!(r.json::<Value>().await.unwrap()["errors"]["default_number_id"].is_array());
    }
    // Both names sent: each is checked, though only the first is used (a Schemathesis case:
    // a fractional `default_number` beside a null `default_number_id` was accepted).
    let r = s
        .hipcall(
            Method::PUT,
            "/users/3",
            Some(json!({"default_number_id": null, "default_number": 0.5})),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.json::<Value>().await.unwrap()["errors"]["default_number"].is_array());
    assert_eq!(
        s.hipcall(
            Method::PUT,
            "/users/999",
            Some(json!({"default_number_id": 1}))
        )
        .await
        .status(),
        404
    );
}

/// The account owner (user 1) is retrievable but not listed.
#[tokio::test]
async fn owner_is_hidden_from_list() {
    let s = Server::start().await;
    let (status, v) = s.get_json("/users/1").await;
    assert_eq!(status, 200);
    assert_eq!(v["data"]["owner"], true);
    let (_, list) = s.get_json("/users?per_page=100").await;
    let ids: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, (2..=29).collect::<Vec<_>>());
}

/// Comments: 201 with the comment; invalid targets 422.
#[tokio::test]
async fn comments() {
    let s = Server::start().await;
    let r = s
        .hipcall(Method::POST, "/comments", Some(json!({"commentable_type": "company", "content": "20220612 12:12:12", "commentable_id": 1})))
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["data"]["resource_type"], "comment");
    assert_eq!(v["data"]["content"], "20220612 12:12:12");
    let dump = owners(&s);
    let stored = dump["comments"].as_array().unwrap();
    let last = stored.last().unwrap();
    assert_eq!(last["content"], "20220612 12:12:12");
    assert_eq!(
        v["data"]["id"], last["id"],
        "the next id after the seeded comments"
    );
    for body in [
        json!({"commentable_type": "planet", "content": "x", "commentable_id": 1}),
        json!({"commentable_type": "contact", "content": "x", "commentable_id": 100000}),
        json!({"commentable_type": "contact", "commentable_id": 1}),
    ] {
        let r = s
            .hipcall(Method::POST, "/comments", Some(body.clone()))
            .await;
        assert_eq!(r.status(), 422, "{body}");
    }
}

/// Tags by name on companies and contacts: created on first use, reused after, removable.
#[tokio::test]
async fn company_and_contact_tags() {
    let s = Server::start().await;
    for kind in ["companies", "contacts"] {
        let r = s
            .hipcall(
                Method::POST,
                &format!("/{kind}/2/tags"),
                Some(json!({"tags": ["abc", "vip"]})),
            )
            .await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        let names: Vec<&str> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["abc", "vip"]);
        assert_eq!(v["data"][0]["color"], "#025196");
        assert_eq!(v["data"][0]["resource_type"], "tag");
        let vip = v["data"][1]["id"].as_i64().unwrap();
        assert_eq!(vip, 1, "existing tag reused");
        let r = s
            .hipcall(Method::DELETE, &format!("/{kind}/2/tags/{vip}"), None)
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap(), json!({}));
        assert_eq!(
            s.hipcall(Method::DELETE, &format!("/{kind}/2/tags/999"), None)
                .await
                .status(),
            404
        );
        assert_eq!(
            s.hipcall(
                Method::POST,
                &format!("/{kind}/9999/tags"),
                Some(json!({"tags": ["x"]}))
            )
            .await
            .status(),
            404
        );
        assert_eq!(
            s.hipcall(
                Method::POST,
                &format!("/{kind}/2/tags"),
                Some(json!({"tags": []}))
            )
            .await
            .status(),
            422
        );
    }
    let dump = owners(&s);
    let company2 = dump["companies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == 2)
        .unwrap();
    let abc = dump["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "abc")
        .unwrap()["id"]
        .clone();
    assert_eq!(company2["tag_ids"], json!([abc]));
}

/// Call detail: any real calendar date finds the call by uuid; impossible dates and unknown
/// uuids are 404; the list hides call_flow and uses the simple paginator.
#[tokio::test]
async fn cdr_detail_and_list() {
    let s = Server::start().await;
    let uuid = "7b7a0388-a743-4060-82f8-0bc92e48482e";
    let (status, v) = s.get_json(&format!("/cdrs/2023/03/31/{uuid}")).await;
    assert_eq!(status, 200);
    assert_eq!(v["data"]["uuid"], uuid);
    let flow = v["data"]["call_flow"].as_array().unwrap();
    assert_eq!(flow.last().unwrap()["action"], "init");
    for bad in ["2023/13/01", "2023/02/30", "23/03/31", "2023/3/31"] {
        let (status, body) = s.get_json(&format!("/cdrs/{bad}/{uuid}")).await;
        assert_eq!(status, 404, "{bad}");
        assert_error_body(&body);
    }
    let (status, _) = s
        .get_json("/cdrs/2023/03/31/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(status, 404);
    let (_, list) = s.get_json("/cdrs?page=6").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 5);
    assert!(list["data"][0].get("call_flow").is_none());
    assert_eq!(list["links"]["next"], Value::Null);
    assert_eq!(list["meta"]["per_page"], "10");
    assert!(list["meta"].get("total").is_none());
}

/// page / per_page: sizes, bad values, pages past the end.
#[tokio::test]
async fn paging_parameters() {
    let s = Server::start().await;
    let (_, v) = s.get_json("/users?per_page=5&page=6").await;
    assert_eq!(v["data"].as_array().unwrap().len(), 3);
    assert_eq!(v["meta"]["last_page"], 6);
    assert_eq!(v["meta"]["from"], 26);
    assert_eq!(
        v["links"]["prev"],
        format!("{}/users?per_page=5&page=5", s.hipcall_base())
    );
    let (_, v) = s.get_json("/users?page=99").await;
    assert_eq!(v["data"], json!([]));
    assert_eq!(v["meta"]["from"], Value::Null);
    let (_, v) = s.get_json("/users?page=abc").await;
    assert_eq!(v["meta"]["current_page"], 1);
    for bad in ["0", "101", "ten"] {
        let (status, v) = s.get_json(&format!("/users?per_page={bad}")).await;
        assert_eq!(status, 422);
        assert!(v["errors"]["per_page"].is_array());
    }
}

/// Writes are visible to later reads, reset brings the seed back byte for byte, and
/// accounts do not see each other's writes.
#[tokio::test]
async fn reset_and_isolation() {
    let mut cfg = config();
    cfg.tokens.push(mock_server::config::ExtraToken {
        vendor: "hipcall".into(),
        token: "second".into(),
        account: Some("team-b".into()),
    });
    let s = Server::start_with(cfg, Clock::frozen_at_ms(0)).await;
    let before = s
        .hipcall(Method::GET, "/tasks?page=2", None)
        .await
        .text()
        .await
        .unwrap();
    s.hipcall(Method::POST, "/tasks", Some(json!({"name": "new"})))
        .await;
    s.hipcall(
        Method::PUT,
        "/users/2",
        Some(json!({"default_number_id": null})),
    )
    .await;
    let after = s
        .hipcall(Method::GET, "/tasks?page=2", None)
        .await
        .text()
        .await
        .unwrap();
    assert_ne!(before, after);
    let other = s
        .hipcall_as("second", Method::GET, "/tasks?page=2", None)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(other, before);
    // Reset only the other account: ours keeps its write.
    let r = s
        .admin(
            Method::POST,
            "/reset",
            Some(json!({"vendor": "hipcall", "account": "team-b"})),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        s.hipcall(Method::GET, "/tasks?page=2", None)
            .await
            .text()
            .await
            .unwrap(),
        after
    );
    let r = s.admin(Method::POST, "/reset", None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        s.hipcall(Method::GET, "/tasks?page=2", None)
            .await
            .text()
            .await
            .unwrap(),
        before
    );
    let (_, user) = s.get_json("/users/2").await;
    assert_eq!(user["data"]["default_number_id"], 1);
}

/// Malformed JSON, non-object bodies, oversized bodies and unknown routes all get the
/// Laravel error body with a 4xx.
#[tokio::test]
async fn malformed_requests_get_vendor_errors() {
    let cfg = Config {
        max_body_bytes: 1024,
        ..config()
    };
    let s = Server::start_with(cfg, Clock::frozen_at_ms(0)).await;
    let url = format!("{}/tasks", s.hipcall_base());
    let send = |body: Vec<u8>| {
        s.client
            .post(&url)
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (body, status) in [
        (b"{nope".to_vec(), 400),
        (b"[1,2]".to_vec(), 400),
        (vec![b' '; 4096], 413),
        (
            format!("{{\"name\":\"{}\"}}", "x".repeat(2000)).into_bytes(),
            413,
        ),
    ] {
        let r = send(body).await.unwrap();
        assert_eq!(r.status(), status);
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_error_body(&r.json().await.unwrap());
    }
    for (method, path, status) in [
        (Method::GET, "/nope", 404),
        (Method::GET, "/tasks/abc", 404),
        (Method::PATCH, "/tasks/1", 405),
        (Method::DELETE, "/users", 405),
        (Method::GET, "", 404),
    ] {
        let r = s.hipcall(method.clone(), path, None).await;
        assert_eq!(r.status(), status, "{method} {path}");
        assert_error_body(&r.json().await.unwrap());
    }
    // Unknown routes are 404 even without credentials.
    let r = s
        .client
        .get(format!("{}/nope", s.hipcall_base()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

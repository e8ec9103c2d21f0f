//! HelpCrunch REST API v1 end to end over HTTP.

use mock_server::platform::clock::Clock;
use mock_server::platform::RateLimitMode;
use mock_server::Config;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

const HC: &str = "helpcrunch-test-token";

async fn hc(s: &Server, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    s.surface("helpcrunch").call(method, path, body).await
}

fn codes(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_string())
        .collect()
}

/// Envelopes per endpoint, string timestamps, integer ids, and the query errors.
#[tokio::test]
async fn envelopes_per_endpoint() {
    let s = Server::start().await;
    let (_, v) = hc(&s, Method::GET, "/customers?limit=2", None).await;
    assert_eq!(v["total"], 300);
    assert!(v["data"][0]["id"].is_i64() && v["data"][0]["firstSeen"].is_string());
    let (_, v) = hc(&s, Method::GET, "/chats?limit=2", None).await;
    assert_eq!(v["meta"]["total"], 150);
    assert!(v["data"][0]["createdAt"].is_string());
    let (_, v) = hc(&s, Method::GET, "/agents", None).await;
    assert_eq!(v["meta"]["total"], 8);
    let (_, v) = hc(&s, Method::GET, "/departments", None).await;
    assert!(v["data"][0]["agents"][0]["role"].is_string());
    let (_, v) = hc(&s, Method::GET, "/organization", None).await;
    assert!(v["data"]["teamOnline"].is_boolean());
    let (_, v) = hc(&s, Method::GET, "/applications", None).await;
    assert_eq!(v["data"].as_array().unwrap().len(), 4);
    let (_, v) = hc(&s, Method::GET, "/chats/1/messages", None).await;
    assert!(v["total"].is_u64());
    let times: Vec<&str> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["createdAt"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    // The 401 and unknown-customer bodies are catalogue cases with shared snapshots
    // (contract suite: helpcrunch_error_missing_key, helpcrunch_error_unknown_customer).
    for bad in [
        "limit=101",
        "limit=0",
        "offset=-1",
        "sort=customers.name",
        "order=sideways",
    ] {
        let (status, v) = hc(&s, Method::GET, &format!("/customers?{bad}"), None).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(codes(&v)[0], "invalid_request");
    }
}

/// Create answers 201; duplicate userId is 400 invalid_userId_value; PUT resets omitted
/// fields while PATCH keeps them; delete answers "Ok" and later reads 404.
#[tokio::test]
async fn customer_lifecycle() {
    let s = Server::start().await;
    let body = json!({"name": "Ada", "email": "ada@example.com", "userId": "ada-1", "company": "Engines",
        "firstSeen": 1600000000, "lastSeen": "1600000100", "city": "London",
        "customData": [{"property": "plan", "value": "pro"}], "tags": [{"name": "Lead"}]});
    let (status, c) = hc(&s, Method::POST, "/customers", Some(body)).await;
    assert_eq!(status, 201);
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["firstSeen"], "1600000000");
    assert_eq!(c["lastSeen"], "1600000100");
    assert_eq!(c["location"]["city"], "London");
    assert_eq!(c["customData"], json!({"plan": "pro"}));
    assert_eq!(c["tags"], json!([{"name": "Lead", "color": "#c377e0"}]));
    let (status, v) = hc(
        &s,
        Method::POST,
        "/customers",
        Some(json!({"userId": "ada-1"})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(codes(&v), ["invalid_request", "invalid_userId_value"]);

    let (_, patched) = hc(
        &s,
        Method::PATCH,
        &format!("/customers/{id}"),
        Some(json!({"phone": "+100", "customData": {"seats": 3}})),
    )
    .await;
    assert_eq!(patched["name"], "Ada");
    assert_eq!(patched["phone"], "+100");
    assert_eq!(patched["customData"], json!({"plan": "pro", "seats": 3}));
    let (_, put) = hc(
        &s,
        Method::PUT,
        &format!("/customers/{id}"),
        Some(json!({"name": "Ada L."})),
    )
    .await;
    assert_eq!(put["name"], "Ada L.");
    assert_eq!(put["email"], Value::Null);
    assert_eq!(put["userId"], Value::Null);
    assert_eq!(put["customData"], json!({}));
    assert_eq!(put["tags"], json!([]));
    let (_, got) = hc(&s, Method::GET, &format!("/customers/{id}"), None).await;
    assert_eq!(got, put);
    let (status, v) = hc(
        &s,
        Method::PATCH,
        &format!("/customers/{id}"),
        Some(json!({"email": "nope", "firstSeen": "18 Jun 2020", "blocked": "yes"})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        codes(&v),
        ["invalid_request", "email", "firstSeen", "blocked"]
    );
    let (status, v) = hc(&s, Method::DELETE, &format!("/customers/{id}"), None).await;
    assert_eq!((status, v), (200, json!("Ok")));
    assert_eq!(
        hc(&s, Method::GET, &format!("/customers/{id}"), None)
            .await
            .0,
        404
    );
}

/// Batch updates 1-10 customers all or nothing; tags add/remove with a DELETE body; events.
#[tokio::test]
async fn batch_tags_events() {
    let s = Server::start().await;
    let (status, v) = hc(
        &s,
        Method::PUT,
        "/customers/batch",
        Some(json!([{"customer": 1, "name": "One"}, {"customer": 2, "notes": "two"}])),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (v[0]["name"].clone(), v[1]["notes"].clone()),
        (json!("One"), json!("two"))
    );
    let (status, v) = hc(
        &s,
        Method::PUT,
        "/customers/batch",
        Some(json!([{"customer": 1, "name": "Again"}, {"customer": 99999}])),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(codes(&v), ["invalid_request", "[1].customer"]);
    assert_eq!(
        hc(&s, Method::GET, "/customers/1", None).await.1["name"],
        "One"
    );
    let eleven: Vec<Value> = (1..=11).map(|i| json!({"customer": i})).collect();
    assert_eq!(
        hc(
            &s,
            Method::PUT,
            "/customers/batch",
            Some(Value::Array(eleven))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        hc(&s, Method::PUT, "/customers/batch", Some(json!([])))
            .await
            .0,
        400
    );

    let (status, v) = hc(
        &s,
        Method::PUT,
        "/customers/3/tags",
        Some(json!({"tags": [{"name": "Brand new", "color": "#000"}, {"name": "vip"}]})),
    )
    .await;
    assert_eq!(status, 200);
    let tags = v["tags"].as_array().unwrap();
    assert!(tags.contains(&json!({"name": "Brand new", "color": "#000"})));
    assert!(tags.contains(&json!({"name": "vip", "color": "#f5a623"})));
    let (_, v) = hc(
        &s,
        Method::DELETE,
        "/customers/3/tags",
        Some(json!({"tags": [{"name": "Brand new"}]})),
    )
    .await;
    assert!(!v["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "Brand new"));
    assert_eq!(
        hc(
            &s,
            Method::PUT,
            "/customers/3/tags",
            Some(json!({"tags": [{"color": "#fff"}]}))
        )
        .await
        .0,
        400
    );

    let (status, e) = hc(
        &s,
        Method::POST,
        "/events",
        Some(json!({"name": "purchase", "data": {"sum": 10}, "customer": 3})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (e["name"].clone(), e["data"].clone()),
        (json!("purchase"), json!({"sum": 10}))
    );
    assert!(e["createdAt"].is_string());
    assert_eq!(
        hc(
            &s,
            Method::POST,
            "/events",
            Some(json!({"name": "x", "customer": 99999}))
        )
        .await
        .0,
        404
    );
    let (status, v) = hc(
        &s,
        Method::POST,
        "/events",
        Some(json!({"customer": "abc"})),
    )
    .await;
    assert_eq!(
        (status, codes(&v)),
        (
            400,
            vec!["invalid_request".into(), "name".into(), "customer".into()]
        )
    );
}

/// Search: filters combine with AND/OR, tagsData requires all tags, sort/limit apply, and
/// bad filters are 400 at their filter[i] path.
#[tokio::test]
async fn customer_search() {
    let s = Server::start().await;
    let (_, all) = hc(&s, Method::GET, "/customers?limit=100", None).await;
    let (_, all2) = hc(&s, Method::GET, "/customers?limit=100&offset=100", None).await;
    let (_, all3) = hc(&s, Method::GET, "/customers?limit=100&offset=200", None).await;
    let every: Vec<Value> = [all, all2, all3]
        .iter()
        .flat_map(|p| p["data"].as_array().unwrap().clone())
        .collect();
    assert_eq!(every.len(), 300);
    let has_tag = |c: &Value, t: &str| c["tags"].as_array().unwrap().iter().any(|x| x["name"] == t);
    let expected: Vec<i64> = every
        .iter()
        .filter(|c| (has_tag(c, "vip") && has_tag(c, "lead")) || c["location"]["city"] == "Kyiv")
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let (status, v) = hc(&s, Method::POST, "/customers/search", Some(json!({
        "comparison": "OR", "limit": 100,
        "filter": [
            {"field": "customers.tagsData", "operator": "=", "value": [{"name": "vip"}, {"name": "lead"}]},
            {"field": "customers.city", "operator": "=", "value": "kyiv"}
        ]
    })))
    .await;
    assert_eq!(status, 200);
    let got: Vec<i64> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(v["total"], expected.len());
    assert_eq!(got, expected.into_iter().take(100).collect::<Vec<_>>());

    let (_, v) = hc(
        &s,
        Method::POST,
        "/customers/search",
        Some(json!({
            "filter": [{"field": "customers.id", "operator": "<=", "value": "10"}],
            "sort": "customers.lastSeen", "order": "DESC", "limit": 3
        })),
    )
    .await;
    let seen: Vec<i64> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["lastSeen"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(v["total"], 10);
    assert!(seen.windows(2).all(|w| w[0] >= w[1]));

    let (status, v) = hc(
        &s,
        Method::POST,
        "/customers/search",
        Some(json!({"filter": [
            {"field": "", "operator": "=", "value": 1},
            {"field": "customers.email", "operator": ">", "value": "a"},
            {"field": "customers.lastSeen", "operator": ">", "value": "18 Jun 2020"}
        ]})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        codes(&v),
        [
            "invalid_request",
            "filter[0].field",
            "filter[1].operator",
            "filter[2].value"
        ]
    );
    assert_eq!(v["errors"][1]["message"], "This value should not be blank.");
}

/// Chats: create (201, empty), actions with the id in the body, status/closedAt consistency,
/// message effects, rating rules, chat search.
#[tokio::test]
async fn chat_lifecycle() {
    let s = Server::start_with(config(), Clock::frozen_at_ms(1_700_000_000_000)).await;
    let (status, c) = hc(
        &s,
        Method::POST,
        "/chats",
        Some(json!({"customer": 5, "application": 1, "department": 2})),
    )
    .await;
    assert_eq!(status, 201);
    let id = c["id"].as_i64().unwrap();
    assert_eq!(
        (
            c["status"].clone(),
            c["agents"].clone(),
            c["createdWith"].clone()
        ),
        (json!("empty"), json!([]), json!("public_api"))
    );
    assert_eq!(c["department"], json!({"id": 2, "name": "Sales"}));
    let (status, v) = hc(&s, Method::POST, "/chats", Some(json!({"customer": "x"}))).await;
    assert_eq!(
        (status, codes(&v)),
        (
            400,
            vec![
                "invalid_request".into(),
                "customer".into(),
                "application".into()
            ]
        )
    );

    let (_, m) = hc(
        &s,
        Method::POST,
        "/messages",
        Some(json!({"chat": id, "text": "Hi, help?"})),
    )
    .await;
    assert_eq!(
        (
            m["from"].clone(),
            m["agent"].clone(),
            m["createdAt"].clone()
        ),
        (json!("customer"), Value::Null, json!("1700000000.000"))
    );
    let (_, c) = hc(&s, Method::GET, &format!("/chats/{id}"), None).await;
    assert_eq!(
        (c["status"].clone(), c["readByAgent"].clone()),
        (json!("new"), json!(false))
    );
    assert_eq!(
        (c["lastMessageText"].clone(), c["lastMessageId"].clone()),
        (json!("Hi, help?"), m["id"].clone())
    );
    assert_eq!(c["lastCustomerMessageAt"], "1700000000");

    // Rating needs a closed chat with an agent message.
    let rate = json!({"id": id, "rating": "great"});
    let (status, v) = hc(&s, Method::PUT, "/chats/rate", Some(rate.clone())).await;
    assert_eq!(
        (status, v["errors"][0]["code"].clone()),
        (400, json!("invalid_request"))
    );
    let (_, m) = hc(
        &s,
        Method::POST,
        "/messages",
        Some(json!({"chat": id, "text": "Sure", "agent": 3})),
    )
    .await;
    assert_eq!(m["agent"]["id"], 3);
    let (_, note) = hc(
        &s,
        Method::POST,
        "/messages",
        Some(json!({"chat": id, "text": "internal", "type": "private", "agent": 2})),
    )
    .await;
    assert_eq!(note["type"], "private");
    let (_, c) = hc(&s, Method::GET, &format!("/chats/{id}"), None).await;
    assert_eq!(c["status"], "opened");
    assert_eq!(
        c["agents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].clone())
            .collect::<Vec<_>>(),
        vec![json!(3)]
    );
    assert_eq!(
        (
            c["lastCommunicatedAgentId"].clone(),
            c["lastMessageText"].clone()
        ),
        (json!(3), json!("Sure"))
    );
    let (_, c) = hc(
        &s,
        Method::PUT,
        "/chats/status",
        Some(json!({"id": id, "status": "on-hold"})),
    )
    .await;
    assert_eq!(c["status"], "on hold");
    let (_, c) = hc(
        &s,
        Method::PUT,
        "/chats/status",
        Some(json!({"id": id, "status": "closed"})),
    )
    .await;
    assert_eq!(
        (c["closedAt"].clone(), c["closedBy"].clone()),
        (json!("1700000000"), json!("agent"))
    );
    let (status, c) = hc(&s, Method::PUT, "/chats/rate", Some(rate.clone())).await;
    assert_eq!((status, c["rating"].clone()), (200, json!("great")));
    assert_eq!(hc(&s, Method::PUT, "/chats/rate", Some(rate)).await.0, 400);
    let (_, c) = hc(
        &s,
        Method::PUT,
        "/chats/status",
        Some(json!({"id": id, "status": "pending"})),
    )
    .await;
    assert_eq!(
        (c["closedAt"].clone(), c["closedBy"].clone()),
        (Value::Null, Value::Null)
    );

    let (_, c) = hc(
        &s,
        Method::PUT,
        "/chats/assignee",
        Some(json!({"id": id, "assignee": 4})),
    )
    .await;
    assert_eq!(c["assignee"]["id"], 4);
    let (_, c) = hc(
        &s,
        Method::PUT,
        "/chats/assignee",
        Some(json!({"id": id, "assignee": null})),
    )
    .await;
    assert_eq!(c["assignee"], Value::Null);
    let (_, c) = hc(
        &s,
        Method::PUT,
        "/chats/snooze",
        Some(json!({"id": id, "snoozedUntil": "1700086400"})),
    )
    .await;
    assert_eq!(c["snoozedUntil"], "1700086400");
    let (_, c) = hc(
        &s,
        Method::PUT,
        "/chats/snooze",
        Some(json!({"id": id, "snoozedUntil": null})),
    )
    .await;
    assert_eq!(c["snoozedUntil"], Value::Null);
    let (_, c) = hc(
        &s,
        Method::PUT,
        "/chats/readByCustomer",
        Some(json!({"id": id, "read": true})),
    )
    .await;
    assert_eq!(c["readByCustomer"], true);
    let (_, c) = hc(
        &s,
        Method::PUT,
        "/chats/department",
        Some(json!({"id": id, "department": 3})),
    )
    .await;
    assert_eq!(c["department"]["name"], "Billing");
    assert_eq!(
        hc(
            &s,
            Method::PUT,
            "/chats/status",
            Some(json!({"id": 99999, "status": "closed"}))
        )
        .await
        .0,
        404
    );
    let (status, v) = hc(
        &s,
        Method::PUT,
        "/chats/status",
        Some(json!({"id": id, "status": "asleep"})),
    )
    .await;
    assert_eq!(
        (status, codes(&v)),
        (400, vec!["invalid_request".into(), "status".into()])
    );
    assert_eq!(
        hc(
            &s,
            Method::PUT,
            "/chats/assignee",
            Some(json!({"id": id, "assignee": 999}))
        )
        .await
        .0,
        400
    );

    let (_, v) = hc(
        &s,
        Method::POST,
        "/chats/search",
        Some(json!({"filter": [
            {"field": "chats.customer", "operator": "=", "value": 5},
            {"field": "chats.agents", "operator": "=", "value": 3},
            {"field": "chats.status", "operator": "=", "value": "3"}
        ]})),
    )
    .await;
    assert!(
        v["data"].as_array().unwrap().iter().any(|c| c["id"] == id),
        "{v}"
    );
    assert!(v["meta"]["total"].is_u64());
    let (_, v) = hc(&s, Method::GET, &format!("/chats/{id}/messages"), None).await;
    assert_eq!(v["total"], 3);
}

/// The agent unsubscribe GET answers "Ok" and records the change; unknown agents 404.
#[tokio::test]
async fn agent_unsubscribe() {
    let s = Server::start().await;
    let (status, v) = hc(&s, Method::GET, "/agents/2/unsubscribe", None).await;
    assert_eq!((status, v), (200, json!("Ok")));
    let dump = s.state.backend("helpcrunch").unwrap().export("default");
    let dump: Value = serde_json::from_slice(&dump).unwrap();
    assert_eq!(dump["agents"][1]["unsubscribed"], true);
    let (status, v) = hc(&s, Method::GET, "/agents/99/unsubscribe", None).await;
    assert_eq!(
        (status, v["errors"][1]["message"].clone()),
        (404, json!("Agent not found"))
    );
}

/// The 121st request in a minute is 429 with Retry-After and the documented code.
#[tokio::test]
async fn rate_limit_120_per_minute() {
    let cfg = Config {
        rate_limits: RateLimitMode::Documented,
        ..config()
    };
    let s = Server::start_with(cfg, Clock::frozen_at_ms(0)).await;
    for _ in 0..120 {
        assert_eq!(hc(&s, Method::GET, "/organization", None).await.0, 200);
    }
    let (status, headers, v) = s
        .call(Some(HC), Method::GET, "/helpcrunch/v1/organization", None)
        .await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "60");
    assert_eq!(codes(&v), ["invalid_request", "too_many_requests"]);
}

/// Pages and single answers reuse each customer's and chat's rendered view until the account's
/// next write (see `platform::memo`), also when the write was to another record the view
/// shows: a chat shows its customer's name.
#[tokio::test]
async fn views_follow_writes_to_the_records_they_show() {
    let s = Server::start().await;
    let (status, chats) = hc(&s, Method::GET, "/chats?limit=5", None).await;
    assert_eq!(status, 200);
    let chat = chats["data"][0].clone();
    let (cid, chat_id) = (
        chat["customer"]["id"].as_i64().unwrap(),
        chat["id"].as_i64().unwrap(),
    );
    assert_eq!(hc(&s, Method::GET, "/chats?limit=5", None).await.1, chats);
    let customer = || hc_get(&s, format!("/customers/{cid}"));
    let before = customer().await;
    assert_eq!(customer().await, before);
    let one = hc(&s, Method::GET, &format!("/chats/{chat_id}"), None)
        .await
        .1;
    assert_eq!(one, chat);

    let (status, _) = hc(
        &s,
        Method::PATCH,
        &format!("/customers/{cid}"),
        Some(json!({"name": "Renamed Since"})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, again) = hc(&s, Method::GET, "/chats?limit=5", None).await;
    assert_eq!(again["data"][0]["customer"]["name"], "Renamed Since");
    let one = hc(&s, Method::GET, &format!("/chats/{chat_id}"), None)
        .await
        .1;
    assert_eq!(one, again["data"][0]);
    let (_, found) = hc(
        &s,
        Method::POST,
        "/chats/search",
        Some(json!({"filter": [{"field": "chats.customer", "operator": "=", "value": cid}]})),
    )
    .await;
    assert!(found["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["customer"]["name"] == "Renamed Since"));
    let after = customer().await;
    assert_ne!(before["name"], "Renamed Since");
    assert_eq!(after["name"], "Renamed Since");
    assert_eq!(after["id"], before["id"]);
}

async fn hc_get(s: &Server, path: String) -> Value {
    let (status, v) = hc(s, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

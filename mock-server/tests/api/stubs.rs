//! Stubs as a client sees them: a set answer instead of the emulator's for the requests a stub
//! names — matching, precedence with faults, `times`, paths the surface does not route, the
//! journal, bad stubs.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

const HC: &str = "helpcrunch-test-token";

async fn stub(s: &Server, body: Value) -> Value {
    let r = s.admin(Method::POST, "/stubs", Some(body.clone())).await;
    assert_eq!(r.status(), 201, "{body}");
    r.json().await.unwrap()
}

async fn hc(
    s: &Server,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    s.call(Some(HC), method, &format!("/helpcrunch/v1{path}"), body)
        .await
}

/// An odd record the vendor once sent: the stub's body for exactly the named request (method,
/// path, query), the emulator's for the rest; the journal names the stub.
#[tokio::test]
async fn a_stub_answers_what_it_names() {
    let s = Server::start().await;
    let odd =
        json!({"id": 7, "name": null, "email": "odd@example.com", "customData": {"x": [1, 2]}});
    let made = stub(
        &s,
        json!({"match": {"surface": "helpcrunch", "method": "GET", "path": "/customers/{id}", "query": {"view": "odd"}},
               "response": {"status": 200, "headers": {"x-odd": "yes"}, "json": odd}}),
    )
    .await;
    let (status, headers, body) = hc(&s, Method::GET, "/customers/7?view=odd", None).await;
    assert_eq!((status, &body), (200, &odd));
    assert_eq!(headers["x-odd"], "yes");
    assert_eq!(headers["content-type"], "application/json");
    let (_, _, own) = hc(&s, Method::GET, "/customers/7", None).await;
    assert_ne!(own, odd, "without the query: the emulator's record");
    let (_, _, other_method) = hc(
        &s,
        Method::PUT,
        "/customers/7?view=odd",
        Some(json!({"name": "x"})),
    )
    .await;
    assert_ne!(other_method, odd);
    let journal: Value = s.admin_get("/requests?path=/customers/7").await;
    let stubbed: Vec<&Value> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["stub"] == made["id"])
        .collect();
    assert_eq!(stubbed.len(), 1, "{journal}");
    let listed: Value = s.admin_get("/stubs").await;
    assert_eq!(listed["stubs"][0]["hits"], 1);
}

/// A stub never changes state (a stubbed create creates nothing); a stub with `times` expires;
/// `body_contains` and `account` narrow the match; higher `priority` is tried first.
#[tokio::test]
async fn state_times_body_account_and_priority() {
    let s = Server::start().await;
    let (_, _, before) = hc(&s, Method::GET, "/customers?limit=1", None).await;
    stub(
        &s,
        json!({"match": {"surface": "helpcrunch", "method": "POST", "path": "/customers", "body_contains": "Stubbed"},
               "response": {"status": 201, "json": {"id": 999999, "name": "Stubbed"}}, "times": 1}),
    )
    .await;
    let (status, _, body) = hc(
        &s,
        Method::POST,
        "/customers",
        Some(json!({"name": "Stubbed"})),
    )
    .await;
    assert_eq!((status, body["id"].clone()), (201, json!(999999)));
    let (_, _, after) = hc(&s, Method::GET, "/customers?limit=1", None).await;
    assert_eq!(after["total"], before["total"], "the stub created nothing");
    let (status, _, body) = hc(
        &s,
        Method::POST,
        "/customers",
        Some(json!({"name": "Stubbed"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_ne!(
        body["id"], 999999,
        "times: 1 used up, the emulator creates it"
    );
    let (_, _, after) = hc(&s, Method::GET, "/customers?limit=1", None).await;
    assert_eq!(
        after["total"].as_u64().unwrap(),
        before["total"].as_u64().unwrap() + 1
    );

    stub(
        &s,
        json!({"match": {"path": "/agents", "account": "someone-else"}, "response": {"json": []}}),
    )
    .await;
    let (_, _, agents) = hc(&s, Method::GET, "/agents", None).await;
    assert_ne!(agents, json!([]), "another account's stub");
    stub(
        &s,
        json!({"match": {"path": "/agents"}, "response": {"json": ["low"]}}),
    )
    .await;
    stub(
        &s,
        json!({"match": {"path": "/agents"}, "response": {"json": ["high"]}, "priority": 10}),
    )
    .await;
    let (_, _, agents) = hc(&s, Method::GET, "/agents", None).await;
    assert_eq!(agents, json!(["high"]));
}

/// A fault and a stub on the same request: the fault wins (the vendor failing comes before
/// what it would have said); once the fault is used up the stub answers.
#[tokio::test]
async fn faults_come_before_stubs() {
    let s = Server::start().await;
    stub(
        &s,
        json!({"match": {"path": "/agents"}, "response": {"json": ["stubbed"]}}),
    )
    .await;
    let r = s
        .admin(
            Method::POST,
            "/faults",
            Some(json!({"match": {"surface": "helpcrunch", "path": "/agents"}, "effect": {"type": "status", "status": 503}, "times": 1})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let (status, _, _) = hc(&s, Method::GET, "/agents", None).await;
    assert_eq!(status, 503);
    let (status, _, body) = hc(&s, Method::GET, "/agents", None).await;
    assert_eq!((status, body), (200, json!(["stubbed"])));
}

/// An endpoint the emulator does not have yet: a stub answers it (after authentication, like
/// any request: a bad token is the vendor's 401); without the stub it is the vendor's 404.
#[tokio::test]
async fn a_stub_adds_a_missing_endpoint() {
    let s = Server::start().await;
    let (status, _, own_404) = hc(&s, Method::GET, "/knowledge-base/articles", None).await;
    assert_eq!(status, 404);
    stub(
        &s,
        json!({"match": {"surface": "helpcrunch", "method": "GET", "path": "/knowledge-base/*"},
               "response": {"json": {"data": [{"id": 1, "title": "Returns"}]}}}),
    )
    .await;
    let (status, _, body) = hc(&s, Method::GET, "/knowledge-base/articles", None).await;
    assert_eq!(
        (status, body["data"][0]["title"].clone()),
        (200, json!("Returns"))
    );
    let (status, _, _) = s
        .call(
            Some("not-a-token"),
            Method::GET,
            "/helpcrunch/v1/knowledge-base/articles",
            None,
        )
        .await;
    assert_eq!(status, 401);
    let (status, _, body) = hc(&s, Method::GET, "/no-such-thing", None).await;
    assert_eq!(
        (status, body),
        (404, own_404),
        "unstubbed paths are still the vendor's 404"
    );
    // A text answer goes out as given (not turned into the vendor's error body).
    stub(
        &s,
        json!({"match": {"path": "/gone"}, "response": {"status": 410, "body": "gone for good"}}),
    )
    .await;
    let r = s
        .client
        .get(s.url("/helpcrunch/v1/gone"))
        .bearer_auth(HC)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(r.text().await.unwrap(), "gone for good");
}

/// Bad stubs are 400 with the reason; stubs can be read, removed one by one and cleared.
#[tokio::test]
async fn stub_admin() {
    let s = Server::start().await;
    for (bad, why) in [
        (
            json!({"match": {"surface": "nope"}, "response": {}}),
            "unknown surface nope",
        ),
        (json!({"response": {"status": 1000}}), "response.status"),
        (json!({"match": {"path": "/x"}}), "response is required"),
        (
            json!({"match": {"query": {"a": 1}}, "response": {}}),
            "query.a must be a string",
        ),
    ] {
        let r = s.admin(Method::POST, "/stubs", Some(bad)).await;
        assert_eq!(r.status(), 400);
        let text = r.text().await.unwrap();
        assert!(text.contains(why), "{text}");
    }
    let a = stub(&s, json!({"match": {"path": "/a"}, "response": {}})).await;
    stub(&s, json!({"match": {"path": "/b"}, "response": {}})).await;
    let id = a["id"].as_str().unwrap();
    assert_eq!(
        s.admin(Method::GET, &format!("/stubs/{id}"), None)
            .await
            .status(),
        200
    );
    assert_eq!(
        s.admin(Method::DELETE, &format!("/stubs/{id}"), None)
            .await
            .status(),
        204
    );
    assert_eq!(
        s.admin(Method::GET, &format!("/stubs/{id}"), None)
            .await
            .status(),
        404
    );
    assert_eq!(s.admin(Method::DELETE, "/stubs", None).await.status(), 204);
    let listed: Value = s.admin_get("/stubs").await;
    assert_eq!(listed["stubs"], json!([]));
}

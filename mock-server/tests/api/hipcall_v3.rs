//! Hipcall v3 over HTTP: its three ways in, one state with v20211124, and the documented
//! error bodies (the official SDK's own run is `scripts/sdk_hipcall.py`).

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

async fn v3(s: &Server, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    s.surface("hipcall-v3").call(method, path, body).await
}

/// Both v3 hosts and the surface's own port reach the v3 routes; the legacy host does not.
#[tokio::test]
async fn hosts_and_own_port() {
    let mut s = Server::start().await;
    let own = s.own_port("hipcall-v3").await;
    for host in ["use.hipcall.com", "use.hipcall.com.tr:443"] {
        let r = s
            .client
            .get(s.url("/api/v3/users/2"))
            .header("host", host)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{host}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["data"]["first_name"], "Satya");
    }
    let r = s
        .client
        .get(format!("http://{own}/api/v3/calls?limit=1"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["meta"], json!({"count": 55, "limit": 1, "offset": 0}));
}

/// A task made through one API reads back through the other, in each API's own shape.
#[tokio::test]
async fn one_state_two_apis() {
    let s = Server::start().await;
    let (status, made) = v3(
        &s,
        Method::POST,
        "/tasks",
        Some(json!({"data": {"name": "from v3", "assign_to_user_id": 3, "priority": "medium"}})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let id = made["data"]["id"].as_i64().unwrap();
    let (_, legacy) = s.get_json(&format!("/tasks/{id}")).await;
    assert_eq!(legacy["data"]["name"], "from v3");
    assert_eq!(legacy["data"]["assign_to"], 3);
    assert_eq!(legacy["data"]["resource_type"], "task");
    let r = s
        .hipcall(
            Method::POST,
            "/tasks",
            Some(json!({"name": "from v20211124"})),
        )
        .await;
    let legacy: Value = r.json().await.unwrap();
    let id = legacy["data"]["id"].as_i64().unwrap();
    let (status, detail) = v3(&s, Method::GET, &format!("/tasks/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(detail["data"]["name"], "from v20211124");
    assert_eq!(detail["data"]["priority"], Value::Null);
    // A call placed through v3 is the newest legacy CDR, with legacy integer enums.
    let (status, placed) = v3(
        &s,
        Method::POST,
        "/users/2/call",
        Some(json!({"callee_number": "+905550009999", "ring_user_first": true})),
    )
    .await;
    assert_eq!(status, 201, "{placed}");
    let (_, cdrs) = s.get_json("/cdrs").await;
    assert_eq!(cdrs["data"][0]["uuid"], placed["data"]["id"]);
    assert_eq!(cdrs["data"][0]["direction"], 2);
}

/// The documented bodies: 401s, 404, 422s with the validator's wording, 400 for a nameless
/// task; a refused write changes nothing.
#[tokio::test]
async fn documented_errors() {
    let s = Server::start().await;
    let (status, _, v) = s
        .call(None, Method::GET, "/hipcall/api/v3/calls", None)
        .await;
    assert_eq!(
        (status, v),
        (
            401,
            json!({"errors": {"detail": "Authentication required. Provide either OAuth Bearer token or API token."}})
        )
    );
    let (status, _, v) = s
        .call(Some("nope"), Method::GET, "/hipcall/api/v3/calls", None)
        .await;
    assert_eq!(
        (status, v),
        (
            401,
            json!({"errors": {"detail": "Not authorized. Check your API token is valid and not expired."}})
        )
    );
    for (path, field, message) in [
        (
            "/calls?limit=0",
            "limit",
            "0 is smaller than inclusive minimum 1",
        ),
        (
            "/calls?started_at%5Beq%5D=2024-01-01",
            "started_at",
            "#/started_at/eq: Unexpected field: eq",
        ),
        (
            "/calls?started_at%5Bgte%5D=soon",
            "started_at",
            "Invalid datetime format (expected ISO8601)",
        ),
        (
            "/contacts?sort=email.asc",
            "sort",
            "Invalid sort fields: [\"email.asc\"]",
        ),
        ("/users?colour=red", "colour", "Unexpected field: colour"),
    ] {
        let (status, v) = v3(&s, Method::GET, path, None).await;
        assert_eq!(
            (status, &v),
            (422, &json!({"errors": {field: [message]}})),
            "{path}"
        );
    }
    let (status, v) = v3(&s, Method::GET, "/contacts/999999", None).await;
    assert_eq!(
        (status, v),
        (404, json!({"errors": {"detail": "Not Found"}}))
    );
    let (status, v) = v3(&s, Method::POST, "/tasks", Some(json!({"data": {}}))).await;
    assert_eq!(
        (status, v),
        (
            400,
            json!({"errors": {"data": ["#/data/name: Missing field: name"]}})
        )
    );
    let (_, before) = v3(&s, Method::GET, "/contacts/3", None).await;
    let (status, v) = v3(
        &s,
        Method::PATCH,
        "/contacts/3",
        Some(json!({"job_title": "Changed", "custom_fields": {"plan": "gold"}})),
    )
    .await;
    assert_eq!(status, 422, "{v}");
    assert!(v["errors"]["custom_fields"]["plan"].is_array(), "{v}");
    let (_, after) = v3(&s, Method::GET, "/contacts/3", None).await;
    assert_eq!(before, after);
}

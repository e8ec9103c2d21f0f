//! The three ways to reach a surface (DESIGN §2).

use reqwest::Method;
use serde_json::Value;

use crate::common::*;

/// Path prefix, Host header and own port all serve the same state, and page links use the
/// base URL the client called.
#[tokio::test]
async fn prefix_host_and_own_port_share_state() {
    let mut s = Server::start().await;
    let own = s.own_port("hipcall").await;
    s.hipcall(
        Method::POST,
        "/tasks",
        Some(serde_json::json!({"name": "via prefix"})),
    )
    .await;

    let by_host: Value = s
        .client
        .get(s.url("/api/v20211124/tasks/12"))
        .header("host", "api.hipcall.com")
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_host["data"]["name"], "via prefix");

    let list: Value = s
        .client
        .get(s.url("/api/v20211124/tasks"))
        .header("host", "api.hipcall.com:8080")
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["meta"]["path"],
        "http://api.hipcall.com:8080/api/v20211124/tasks"
    );

    let r = s
        .client
        .get(format!("http://{own}/api/v20211124/tasks?page=2"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["data"][1]["name"], "via prefix");
    assert_eq!(
        v["meta"]["path"],
        format!("http://{own}/api/v20211124/tasks")
    );

    // Admin stays reachable on the own port and with a vendor Host.
    let r = s
        .client
        .get(format!("http://{own}/__admin/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .client
        .get(s.url("/__admin/health"))
        .header("host", "api.hipcall.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// An unknown Host and an unmounted path get a JSON 404 naming the admin surface list.
#[tokio::test]
async fn unknown_paths_get_json_404() {
    let s = Server::start().await;
    let r = s.client.get(s.url("/nothing/here")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    let r = s
        .client
        .get(s.url("/api/v20211124/tasks"))
        .header("host", "example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

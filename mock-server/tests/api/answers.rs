//! Kept GET answers (`platform::answers`) never outlive what they show: every read below is
//! made twice first (so the second comes from the kept answers, checked against its handler
//! in this debug build), then something changes the state by another way, and the next read
//! must show it.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

/// Two reads in a row (the second kept), both the same; answers the body.
async fn read_twice(s: &Server, surface: &str, path: &str) -> Value {
    let c = s.surface(surface);
    let (st, first) = c.call(Method::GET, path, None).await;
    assert_eq!(st, 200, "{surface} {path}: {first}");
    let (st, second) = c.call(Method::GET, path, None).await;
    assert_eq!(st, 200, "{surface} {path}: {second}");
    assert_eq!(first, second, "{surface} {path}");
    second
}

#[tokio::test]
async fn a_kept_answer_gives_way_to_a_write_a_reset_and_an_import() {
    let s = Server::start().await;
    let hc = s.surface("helpcrunch");
    let before = read_twice(&s, "helpcrunch", "/customers/1").await;
    let page = read_twice(&s, "helpcrunch", "/customers?limit=3").await;
    assert_eq!(page["data"][0]["id"], before["id"]);

    // A write through the API.
    let (st, _) = hc
        .call(
            Method::PATCH,
            "/customers/1",
            Some(json!({"company": "Kept Ltd"})),
        )
        .await;
    assert_eq!(st, 200);
    let after = read_twice(&s, "helpcrunch", "/customers/1").await;
    assert_eq!(after["company"], "Kept Ltd");
    let page = read_twice(&s, "helpcrunch", "/customers?limit=3").await;
    assert_eq!(page["data"][0]["company"], "Kept Ltd");

    // A reset through the admin API: back to the seed.
    let doc = s.admin_get("/state/helpcrunch").await;
    let r = s.admin(Method::POST, "/reset", None).await;
    assert!(r.status().is_success());
    assert_eq!(read_twice(&s, "helpcrunch", "/customers/1").await, before);

    // A state document put in place through the admin API: the written one again.
    let r = s.admin(Method::PUT, "/state/helpcrunch", Some(doc)).await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let imported = read_twice(&s, "helpcrunch", "/customers/1").await;
    assert_eq!(imported["company"], "Kept Ltd");
}

/// Hiver's two surfaces share one state: a write through one shows on the other's kept read.
#[tokio::test]
async fn a_write_on_one_surface_shows_on_another_of_the_same_vendor() {
    let s = Server::start().await;
    let (tutorial, official) = ("/conversations/234232", "/inboxes/102/conversations/234232");
    let t0 = read_twice(&s, "hiver-tutorial", tutorial).await;
    let o0 = read_twice(&s, "hiver", official).await;
    let now_open = t0.to_string().contains("\"open\"");
    let (to, back) = if now_open {
        ("closed", "open")
    } else {
        ("open", "closed")
    };
    let (st, v) = s
        .surface("hiver-tutorial")
        .call(
            Method::PUT,
            &format!("{tutorial}/status"),
            Some(json!({ "status": to })),
        )
        .await;
    assert!(st == 200 || st == 204, "{st} {v}");
    let o1 = read_twice(&s, "hiver", official).await;
    assert_ne!(
        o0, o1,
        "the official read shows the tutorial surface's write"
    );
    let t1 = read_twice(&s, "hiver-tutorial", tutorial).await;
    let (st, v) = s
        .surface("hiver")
        .call(
            Method::PATCH,
            official,
            Some(json!({"status": {"name": back}})),
        )
        .await;
    assert!(st == 200 || st == 204, "{st} {v}");
    let t2 = read_twice(&s, "hiver-tutorial", tutorial).await;
    assert_ne!(
        t1, t2,
        "the tutorial read shows the official surface's write"
    );
}

/// The same path asked for with another `Host` is another request: Hipcall's page links name
/// the host each client used.
#[tokio::test]
async fn answers_that_name_the_host_are_kept_per_host() {
    let s = Server::start().await;
    let url = s.url(&format!("{HIPCALL}/users?page=1&limit=2"));
    let mut seen = Vec::new();
    for host in ["one.example", "two.example", "one.example", "two.example"] {
        let v: Value = s
            .client
            .get(&url)
            .bearer_auth(TOKEN)
            .header("host", host)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let first = v["links"]["first"]
            .as_str()
            .unwrap_or_else(|| panic!("no link in {v}"))
            .to_string();
        assert!(first.contains(host), "{host}: {first}");
        seen.push(first);
    }
    assert_eq!(seen[0], seen[2]);
    assert_eq!(seen[1], seen[3]);
}

/// Two accounts on one instance (two tests sharing a service container): one account's writes
/// leave the other's reads as they were, and its own reads show them.
#[tokio::test]
async fn each_account_sees_its_own_writes_and_only_those() {
    let mut config = config();
    config.tokens.push(mock_server::config::ExtraToken {
        vendor: "helpcrunch".into(),
        token: "second-team-token".into(),
        account: Some("second-team".into()),
    });
    let s = Server::start_with(config, mock_server::platform::clock::Clock::frozen_at_ms(0)).await;
    let prefix = s.surface("helpcrunch").prefix;
    let read = |token: &'static str| {
        let s = &s;
        let path = format!("{prefix}/customers/1");
        async move {
            let mut last = Value::Null;
            for _ in 0..2 {
                let (st, _, v) = s.call(Some(token), Method::GET, &path, None).await;
                assert_eq!(st, 200, "{v}");
                last = v;
            }
            last
        }
    };
    let first = read("helpcrunch-test-token").await;
    let second = read("second-team-token").await;
    assert_eq!(first, second, "both accounts start from the seed");
    let (st, _, _) = s
        .call(
            Some("second-team-token"),
            Method::PATCH,
            &format!("{prefix}/customers/1"),
            Some(json!({"company": "Second Team"})),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(read("helpcrunch-test-token").await, first);
    assert_eq!(read("second-team-token").await["company"], "Second Team");
}

/// Writers and readers at once on one account: every writer reads its own write back, from
/// the record and from a page, however the others' writes and reads interleave (kept answers
/// are made and handed out all along, checked against their handlers in this build).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_read_their_own_writes() {
    let s = Server::start().await;
    let prefix = s.surface("helpcrunch").prefix;
    let writers = (1..=4).map(|id: i64| {
        let s = &s;
        let prefix = &prefix;
        async move {
            for round in 0..25 {
                let company = format!("writer {id} round {round}");
                let path = format!("{prefix}/customers/{id}");
                let token = Some("helpcrunch-test-token");
                let body = Some(json!({ "company": company }));
                let (st, _, _) = s.call(token, Method::PATCH, &path, body).await;
                assert_eq!(st, 200);
                let (st, _, record) = s.call(token, Method::GET, &path, None).await;
                assert_eq!((st, &record["company"]), (200, &json!(company)));
                let page = format!("{prefix}/customers?limit=10");
                let (st, _, list) = s.call(token, Method::GET, &page, None).await;
                assert_eq!(st, 200, "{list}");
                let mine = list["data"]
                    .as_array()
                    .and_then(|d| d.iter().find(|c| c["id"] == json!(id)))
                    .unwrap_or_else(|| panic!("customer {id} not on the page: {list}"));
                assert_eq!(mine["company"], json!(company));
            }
        }
    });
    futures_util::future::join_all(writers).await;
}

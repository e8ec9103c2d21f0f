//! Fidelity classes from the audit (issue 14): each test names the class it guards.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

/// Class 1 — ids are never reused: create -> delete -> create never yields the old id, the
/// old id stays 404, and that holds across an export/import round trip of the state and
/// after a reset (which restores the seed's counters).
#[tokio::test]
async fn deleted_ids_are_never_handed_out_again() {
    let s = Server::start().await;
    let hc = s.surface("helpcrunch");
    let create =
        |n: usize| json!({"name": format!("reuse {n}"), "email": format!("reuse{n}@example.com")});
    let mut seen = Vec::new();
    for round in 0..5 {
        let (st, c) = hc
            .call(Method::POST, "/customers", Some(create(round)))
            .await;
        assert_eq!(st, 201, "{c}");
        let id = c["id"].as_i64().unwrap();
        assert!(!seen.contains(&id), "id {id} handed out twice");
        seen.push(id);
        let (st, _) = hc
            .call(Method::DELETE, &format!("/customers/{id}"), None)
            .await;
        assert!(st < 300, "delete answered {st}");
        let (st, body) = hc
            .call(Method::GET, &format!("/customers/{id}"), None)
            .await;
        assert_eq!(st, 404, "deleted customer {id} answered {body}");
    }
    // The counter survives the state document (the deleted ids sit above every record).
    let doc: Value = s
        .admin(Method::GET, "/state/helpcrunch?account=default", None)
        .await
        .json()
        .await
        .unwrap();
    let r = s.admin(Method::PUT, "/state/helpcrunch", Some(doc)).await;
    assert_eq!(r.status(), 200);
    let (_, c) = hc.call(Method::POST, "/customers", Some(create(9))).await;
    let after_import = c["id"].as_i64().unwrap();
    assert!(
        after_import > *seen.iter().max().unwrap(),
        "{after_import} vs {seen:?}"
    );
    for id in &seen {
        let (st, _) = hc
            .call(Method::GET, &format!("/customers/{id}"), None)
            .await;
        assert_eq!(st, 404);
    }
    // A reset brings the seed back, counters included: the first new id is the seed's next.
    s.admin(Method::POST, "/reset", None).await;
    let (_, c) = hc.call(Method::POST, "/customers", Some(create(10))).await;
    assert_eq!(c["id"].as_i64().unwrap(), seen[0]);
}

/// Class 1 — a hand-written state document without counters never makes a new record
/// collide with (and overwrite) one it holds.
#[tokio::test]
async fn imported_records_without_counters_are_not_overwritten() {
    let s = Server::start().await;
    let mut doc: Value = s
        .admin(Method::GET, "/state/hiver?account=default", None)
        .await
        .json()
        .await
        .unwrap();
    let account = &mut doc["accounts"]["default"];
    account["next_ids"] = json!({});
    let tags = account["tags"].as_array().unwrap().clone();
    let r = s.admin(Method::PUT, "/state/hiver", Some(doc)).await;
    assert_eq!(r.status(), 200);
    let tut = s.surface("hiver-tutorial");
    let (st, t) = tut
        .call(Method::POST, "/tags", Some(json!({"name": "fresh"})))
        .await;
    assert_eq!(st, 201, "{t}");
    let id = &t["id"];
    assert!(
        tags.iter().all(|old| &old["id"] != id),
        "new tag {id} reuses an imported id"
    );
}

/// Class 9 — the admin API keeps the unnamed tokens' namespace too.
#[tokio::test]
async fn admin_refuses_accounts_in_the_unnamed_namespace() {
    let s = Server::start().await;
    let r = s
        .admin(
            Method::POST,
            "/accounts",
            Some(json!({"vendor": "hipcall", "token": "x", "account": "token:y"})),
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = s
        .admin(
            Method::POST,
            "/accounts",
            Some(json!({"vendor": "hipcall", "token": "y"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["account"], "token:y");
}

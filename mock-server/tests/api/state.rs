//! State as data: export and import through `/__admin/state/{vendor}`, fixtures written by
//! hand, `--state-file`, accounts added at run time, and the admin token.

use mock_server::platform::clock::Clock;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

async fn admin_json(s: &Server, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let r = s.admin(method, path, body).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// One write on every vendor; answers what each made, to find again later.
pub async fn write_everywhere(s: &Server, tag: &str) -> Value {
    let (st, c) = s
        .surface("helpcrunch")
        .call(
            Method::POST,
            "/customers",
            Some(json!({"name": format!("Customer {tag}"), "email": format!("{tag}@example.com")})),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let (st, t) = s
        .surface("hiver-tutorial")
        .call(
            Method::POST,
            "/tags",
            Some(json!({"name": format!("tag-{tag}")})),
        )
        .await;
    assert!(st == 200 || st == 201, "{st} {t}");
    let (st, task) = s
        .surface("hipcall")
        .call(
            Method::POST,
            "/tasks",
            Some(json!({"name": format!("task {tag}")})),
        )
        .await;
    assert_eq!(st, 201, "{task}");
    let (st, contact) = s
        .surface("chative")
        .call(
            Method::PATCH,
            "/contacts/183ccf94-3111-480f-8b12-4d19d65d3c78",
            Some(json!({"firstName": format!("First {tag}")})),
        )
        .await;
    assert_eq!(st, 200, "{contact}");
    json!({"customer": c["id"], "tag": t["id"], "task": task["data"]["id"]})
}

/// Every vendor's export reads back in unchanged: export, import, export gives the same
/// document, and an import replaces what a later write changed.
#[tokio::test]
async fn export_import_round_trip_on_every_vendor() {
    let s = Server::start().await;
    let made = write_everywhere(&s, "rt").await;
    // Every mounted vendor, as the emulator registers them (not a list kept here).
    let vendors: Vec<&str> = s.state.backends.iter().map(|b| b.vendor()).collect();
    assert!(vendors.len() >= 4, "{vendors:?}");
    for v in vendors {
        let (st, doc) = admin_json(
            &s,
            Method::GET,
            &format!("/state/{v}?account=default"),
            None,
        )
        .await;
        assert_eq!(st, 200);
        assert!(doc["accounts"]["default"].is_object(), "{v}");
        let (st, r) = admin_json(&s, Method::PUT, &format!("/state/{v}"), Some(doc.clone())).await;
        assert_eq!(
            (st, r["imported"].clone()),
            (200, json!(["default"])),
            "{v}: {r}"
        );
        let (_, again) = admin_json(&s, Method::GET, &format!("/state/{v}"), None).await;
        assert_eq!(again, doc, "{v} changed on a round trip");
    }
    // Reset, then import the export: the client's records are back, and ids continue.
    let (_, hc) = admin_json(&s, Method::GET, "/state/helpcrunch", None).await;
    admin_json(
        &s,
        Method::POST,
        "/reset",
        Some(json!({"vendor": "helpcrunch"})),
    )
    .await;
    let path = format!("/customers/{}", made["customer"]);
    assert_eq!(
        s.surface("helpcrunch")
            .call(Method::GET, &path, None)
            .await
            .0,
        404
    );
    admin_json(&s, Method::PUT, "/state/helpcrunch", Some(hc)).await;
    let (st, c) = s.surface("helpcrunch").call(Method::GET, &path, None).await;
    assert_eq!((st, c["name"].clone()), (200, json!("Customer rt")));
    let (_, next) = s
        .surface("helpcrunch")
        .call(Method::POST, "/customers", Some(json!({"name": "Next"})))
        .await;
    assert_eq!(next["id"], made["customer"].as_i64().unwrap() + 1);
}

/// A bad document answers 400 with the JSON pointer of the problem, and nothing changes —
/// not even the accounts before the bad one.
#[tokio::test]
async fn bad_documents_point_at_the_problem_and_change_nothing() {
    let s = Server::start().await;
    let (_, before) = admin_json(&s, Method::GET, "/state/helpcrunch?account=default", None).await;
    let cases = [
        (
            json!({"accounts": {"default": {"customers": [{"id": 1}, {"id": "two"}]}}}),
            "/accounts/default/customers/1/id",
        ),
        (
            json!({"accounts": {"a": {"customers": []}, "b": {"chats": [{"id": 1, "status": "sleeping"}]}}}),
            "/accounts/b/chats/0/status",
        ),
        (
            json!({"accounts": {"default": {"customers": [{"id": 1, "emial": "typo@example.com"}]}}}),
            "/accounts/default/customers/0/emial",
        ),
        (
            json!({"accounts": {"default": {"customers": [{"id": 3}, {"id": 3}]}}}),
            "/accounts/default/customers",
        ),
        (json!({"vendor": "hiver", "accounts": {}}), "/vendor"),
        (json!({"accounts": []}), "/accounts"),
        (json!({"acounts": {}}), "/acounts"),
        (json!([1, 2]), ""),
    ];
    for (doc, pointer) in cases {
        let (st, e) = admin_json(&s, Method::PUT, "/state/helpcrunch", Some(doc.clone())).await;
        assert_eq!(st, 400, "{doc}");
        assert_eq!(e["error"]["code"], "invalid_state");
        assert_eq!(e["error"]["pointer"], pointer, "{doc}: {e}");
        assert!(!e["error"]["message"].as_str().unwrap().is_empty());
    }
    let r = s
        .client
        .put(s.url("/__admin/state/helpcrunch"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (_, after) = admin_json(&s, Method::GET, "/state/helpcrunch", None).await;
    assert_eq!(after, before, "a refused import changed state");
    assert_eq!(
        admin_json(
            &s,
            Method::PUT,
            "/state/nosuch",
            Some(json!({"accounts": {}}))
        )
        .await
        .0,
        404
    );
}

async fn acme(
    s: &Server,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    s.call(
        Some("acme-token"),
        method,
        &format!("/helpcrunch/v1{path}"),
        body,
    )
    .await
}

/// A small fixture written by hand (most fields left out) serves through the API with the
/// defaults filled in; the account is reached with a token added at run time.
#[tokio::test]
async fn hand_written_fixture_and_run_time_account() {
    let s = Server::start().await;
    let fixture = json!({"vendor": "helpcrunch", "accounts": {"acme": {
        "customers": [
            {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com"},
            {"id": 2, "name": "Charles Babbage"},
            {"id": 7, "email": "anon@example.com", "tags": ["vip"]}
        ],
        "tags": {"vip": "#ff0000"},
        "chats": [{"id": 1, "customerId": 1, "status": "opened"}]
    }}});
    let (st, r) = admin_json(
        &s,
        Method::PUT,
        "/state/helpcrunch?account=acme",
        Some(fixture),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    let (st, added) = admin_json(
        &s,
        Method::POST,
        "/accounts",
        Some(json!({"vendor": "helpcrunch", "token": "acme-token", "account": "acme"})),
    )
    .await;
    assert_eq!((st, added["account"].clone()), (201, json!("acme")));
    let (st, _, list) = acme(&s, Method::GET, "/customers", None).await;
    assert_eq!(st, 200);
    assert_eq!(list["total"], 3, "{list}");
    let (_, _, c) = acme(&s, Method::GET, "/customers/2", None).await;
    assert_eq!(
        (c["name"].clone(), c["email"].clone(), c["tags"].clone()),
        (json!("Charles Babbage"), Value::Null, json!([]))
    );
    let (_, _, c) = acme(&s, Method::GET, "/customers/7", None).await;
    assert_eq!(c["tags"], json!([{"name": "vip", "color": "#ff0000"}]));
    let (st, _, chat) = acme(&s, Method::GET, "/chats/1", None).await;
    assert_eq!(
        (st, chat["status"].clone(), chat["customer"]["id"].clone()),
        (200, json!("opened"), json!(1)),
        "{chat}"
    );
    // Ids continue after the fixture's largest.
    let (_, _, made) = acme(&s, Method::POST, "/customers", Some(json!({"name": "New"}))).await;
    assert_eq!(made["id"], 8);
    // The built-in account is untouched, and an unnamed token gets an account of its own.
    let (_, all) = s
        .surface("helpcrunch")
        .call(Method::GET, "/customers?limit=1", None)
        .await;
    assert_eq!(all["total"], 300);
    let (st, own) = admin_json(
        &s,
        Method::POST,
        "/accounts",
        Some(json!({"vendor": "helpcrunch", "token": "solo"})),
    )
    .await;
    assert_eq!((st, own["account"].clone()), (201, json!("token:solo")));
    let (st, _, solo) = s
        .call(
            Some("solo"),
            Method::GET,
            "/helpcrunch/v1/customers?limit=1",
            None,
        )
        .await;
    assert_eq!((st, solo["total"].clone()), (200, json!(300)));
    let (_, listed) = admin_json(&s, Method::GET, "/accounts", None).await;
    assert!(listed["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["token"] == "acme-token" && a["account"] == "acme"));
    for bad in [
        json!({"vendor": "helpcrunch"}),
        json!({"vendor": "nosuch", "token": "x"}),
        json!({"vendor": "helpcrunch", "token": "a b"}),
        json!({"vendor": "helpcrunch", "token": "x", "extra": 1}),
    ] {
        let (st, e) = admin_json(&s, Method::POST, "/accounts", Some(bad.clone())).await;
        assert!(st == 400 || st == 404, "{bad}: {st}");
        assert!(e["error"]["code"].is_string());
    }
}

/// `--state-file` starts from a document keyed by vendor; a bad one stops start-up with the
/// place of the problem.
#[tokio::test]
async fn state_file_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let doc =
        json!({"hipcall": {"accounts": {"default": {"teams": [{"id": 1, "name": "Only team"}]}}}});
    std::fs::write(&path, doc.to_string()).unwrap();
    let config = mock_server::Config {
        state_file: Some(path.clone()),
        ..config()
    };
    let s = Server::start_with(config.clone(), Clock::frozen_at_ms(1_700_000_000_000)).await;
    let (st, teams) = s.surface("hipcall").call(Method::GET, "/teams", None).await;
    assert_eq!(st, 200);
    assert_eq!(teams["data"].as_array().unwrap().len(), 1, "{teams}");
    assert_eq!(teams["data"][0]["name"], "Only team");
    std::fs::write(
        &path,
        json!({"hipcall": {"accounts": {"default": {"teams": {"id": 1}}}}}).to_string(),
    )
    .unwrap();
    let err = mock_server::AppState::new(&config)
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("/hipcall/accounts/default/teams"), "{err}");
    std::fs::write(&path, json!({"nosuch": {"accounts": {}}}).to_string()).unwrap();
    let err = mock_server::AppState::new(&config)
        .err()
        .expect("refused")
        .to_string();
    assert!(err.contains("no such vendor"), "{err}");
    for (text, says) in [
        ("{not json", "not JSON"),
        ("[1, 2]", "expected an object keyed by vendor"),
        (r#"{"hipcall": {"acounts": {}}}"#, "/hipcall/acounts"),
    ] {
        std::fs::write(&path, text).unwrap();
        let err = mock_server::AppState::new(&config)
            .err()
            .expect("refused")
            .to_string();
        assert!(err.contains(says), "{text}: {err}");
    }
}

/// With `--admin-token` every admin endpoint but health wants the bearer token; the vendor
/// surfaces keep their own tokens.
#[tokio::test]
async fn admin_token_guards_the_admin_api() {
    let config = mock_server::Config {
        admin_token: Some("s3cret".into()),
        ..config()
    };
    let s = Server::start_with(config, Clock::frozen_at_ms(1_700_000_000_000)).await;
    for (method, path) in [
        (Method::GET, "/surfaces"),
        (Method::POST, "/reset"),
        (Method::GET, "/nosuch"),
    ] {
        let r = s.admin(method.clone(), path, None).await;
        assert_eq!(r.status(), 401, "{method} {path}");
        assert!(r.headers().contains_key("www-authenticate"));
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "unauthorized");
        let (st, _, _) = s
            .call(
                Some("wrong"),
                method.clone(),
                &format!("/__admin{path}"),
                None,
            )
            .await;
        assert_eq!(st, 401);
    }
    let (st, _, v) = s
        .call(Some("s3cret"), Method::GET, "/__admin/surfaces", None)
        .await;
    assert_eq!((st, v["surfaces"].is_array()), (200, true));
    assert_eq!(s.admin(Method::GET, "/health", None).await.status(), 200);
    assert_eq!(
        s.surface("helpcrunch")
            .call(Method::GET, "/customers/1", None)
            .await
            .0,
        200
    );
}

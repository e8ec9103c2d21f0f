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
    let doc: Value = s.admin_get("/state/helpcrunch?account=default").await;
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
    let mut doc: Value = s.admin_get("/state/hiver?account=default").await;
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

/// Class 10 — the admin API refuses cross-site writes: another origin, a cross-site fetch,
/// or a body that is not JSON (what an HTML form or a `no-cors` fetch can send). The same
/// origin, and clients that are not browsers, still work; reads are unaffected.
#[tokio::test]
async fn admin_refuses_cross_site_and_non_json_writes() {
    let s = Server::start().await;
    let host = s.addr.to_string();
    let send = |origin: Option<&str>, site: Option<&str>, ct: Option<&str>, body: &str| {
        let mut r = s
            .client
            .post(s.url("/__admin/clock"))
            .body(body.to_string());
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        if let Some(v) = site {
            r = r.header("sec-fetch-site", v);
        }
        if let Some(c) = ct {
            r = r.header("content-type", c);
        }
        async move {
            let r = r.send().await.unwrap();
            let st = r.status().as_u16();
            (st, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let freeze = r#"{"advance_ms": 3600000}"#;
    let before: Value = s.admin_get("/clock").await;
    let json_ct = Some("application/json");
    let (st, body) = send(Some("http://evil.example"), None, json_ct, freeze).await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (403, Some("cross_origin"))
    );
    assert_eq!(send(Some("null"), None, json_ct, freeze).await.0, 403);
    assert_eq!(send(None, Some("cross-site"), json_ct, freeze).await.0, 403);
    let (st, body) = send(None, None, Some("text/plain"), freeze).await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    assert_eq!(
        send(
            None,
            None,
            Some("application/x-www-form-urlencoded"),
            freeze
        )
        .await
        .0,
        415
    );
    assert_eq!(send(None, None, None, freeze).await.0, 415);
    // Nothing of that reached the clock.
    let clock: Value = s.admin_get("/clock").await;
    assert_eq!(clock, before);
    // The dashboard's own origin, and a plain client, are served.
    let own = format!("http://{host}");
    let (st, _) = send(Some(&own), Some("same-origin"), json_ct, "{}").await;
    assert!(st < 300, "same origin refused: {st}");
    let (st, _) = send(None, None, json_ct, "{}").await;
    assert!(st < 300, "plain client refused: {st}");
    let r = s.client.post(s.url("/__admin/reset")).send().await.unwrap();
    assert_eq!(r.status(), 200, "a body-less write from a plain client");
    let r = s
        .client
        .post(s.url("/__admin/reset"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a body-less cross-origin write");
}

/// Class 4 — what is acknowledged is applied: HelpCrunch writes that need a body refuse an
/// empty one (no all-null record), nulls on PATCH are applied as resets, and numbers that
/// do not fit are the vendor's type error, never rounded.
#[tokio::test]
async fn acknowledged_writes_are_applied_or_refused() {
    let s = Server::start().await;
    let hc = s.surface("helpcrunch");
    let (_, before) = hc.call(Method::GET, "/customers?limit=1", None).await;
    let raw = |method: Method, path: &str, body: &'static str| {
        let r = s
            .client
            .request(method, s.url(&format!("/helpcrunch/v1{path}")))
            .bearer_auth("helpcrunch-test-token")
            .header("content-type", "application/json")
            .body(body);
        async move {
            let r = r.send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    for (method, path) in [
        (Method::POST, "/customers"),
        (Method::PUT, "/customers/1"),
        (Method::PATCH, "/customers/1"),
        (Method::POST, "/chats"),
        (Method::POST, "/messages"),
    ] {
        for body in ["", "  ", "not json", "[1]"] {
            let (st, v) = raw(method.clone(), path, body).await;
            assert_eq!(st, 400, "{method} {path} {body:?}: {v}");
            assert_eq!(v["errors"][0]["code"], "invalid_request", "{v}");
        }
    }
    let (_, after) = hc.call(Method::GET, "/customers?limit=1", None).await;
    assert_eq!(
        after["total"], before["total"],
        "a refused create made a record"
    );
    let (_, one) = hc.call(Method::GET, "/customers/1", None).await;
    assert!(
        one["name"].is_string(),
        "PUT with an empty body wiped the record: {one}"
    );
    // Nulls on PATCH reset, as PUT's omitted fields do.
    let (st, c) = hc
        .call(
            Method::PATCH,
            "/customers/1",
            Some(
                json!({"blocked": true, "tags": [{"name": "vip"}], "customData": {"plan": "pro"}}),
            ),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    let (st, c) = hc
        .call(
            Method::PATCH,
            "/customers/1",
            Some(json!({"blocked": null, "tags": null, "customData": null})),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(
        (c["blocked"].clone(), c["tags"].clone()),
        (json!(false), json!([])),
        "{c}"
    );
    assert!(c["customData"].as_object().unwrap().is_empty(), "{c}");
    // Timestamps that do not fit are a type error, not a rounded date.
    for bad in ["1e300", "99999999999999999999999", "-1e20"] {
        let body: &'static str = Box::leak(format!(r#"{{"firstSeen": {bad}}}"#).into_boxed_str());
        let (st, v) = raw(Method::PATCH, "/customers/1", body).await;
        assert_eq!(st, 400, "{bad}: {v}");
        assert_eq!(v["errors"][1]["code"], "firstSeen", "{v}");
    }
}

/// Class 2 — after every catalogue case of every surface (writes included), each vendor's
/// whole state still obeys the consistency rules its seed obeys.
#[tokio::test]
async fn api_writes_keep_every_vendor_consistent() {
    use mock_server::vendors::{chative, helpcrunch, hipcall, hiver};
    use mock_server::verify;
    let s = Server::start().await;
    for info in s.state.surfaces() {
        let token = s.surface(info.id).token;
        let opts = verify::Options {
            surface: info.id.into(),
            base_url: s.url(&info.prefix()),
            token: token.into(),
            allow_writes: true,
            lasting_writes: true,
            against_mock: false,
            min_interval: Some(std::time::Duration::ZERO),
            max_retries: 0,
            max_wait: std::time::Duration::ZERO,
            trust: Default::default(),
        };
        let report = verify::run(&opts, |_| {}).await.unwrap();
        assert_eq!(report.counts().1, 0, "{}", info.id);
    }
    let state = |vendor: &str| {
        let b = s
            .state
            .backends
            .iter()
            .find(|b| b.vendor() == vendor)
            .unwrap();
        b.export("default")
    };
    let problems = [
        serde_json::from_slice::<helpcrunch::state::HelpCrunchState>(&state("helpcrunch"))
            .unwrap()
            .problems(),
        serde_json::from_slice::<hipcall::state::HipcallState>(&state("hipcall"))
            .unwrap()
            .problems(),
        serde_json::from_slice::<hiver::state::HiverState>(&state("hiver"))
            .unwrap()
            .problems(),
        serde_json::from_slice::<chative::state::ChativeState>(&state("chative"))
            .unwrap()
            .problems(),
    ];
    for p in problems {
        assert!(p.is_empty(), "{p:#?}");
    }
}

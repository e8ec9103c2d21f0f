//! The admin API.

use mock_server::Config;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

/// Health, surfaces (base URL, token, rate limit) and the OpenAPI document.
#[tokio::test]
async fn health_surfaces_openapi() {
    let s = Server::start().await;
    let v: Value = s.admin_get("/health").await;
    assert_eq!(v["status"], "ok");
    let v: Value = s.admin_get("/surfaces").await;
    let hip = v["surfaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "hipcall")
        .unwrap()
        .clone();
    assert_eq!(hip["base_url"], s.hipcall_base());
    assert_eq!(hip["default_token"], TOKEN);
    assert_eq!(hip["rate_limit"]["windows"][0]["limit"], 30);
    let r = s.admin(Method::GET, "/openapi/hipcall", None).await;
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/tasks"].is_object());
    assert_eq!(
        s.admin(Method::GET, "/openapi/nope", None).await.status(),
        404
    );
}

/// The journal records surface requests (not admin ones), stays bounded and can be cleared.
#[tokio::test]
async fn journal_is_bounded() {
    let cfg = Config {
        journal_capacity: 3,
        ..config()
    };
    let s = Server::start_with(cfg, mock_server::platform::clock::Clock::frozen_at_ms(5)).await;
    for p in ["/teams", "/numbers", "/greetings", "/users?page=2"] {
        s.hipcall(Method::GET, p, None).await;
    }
    let v: Value = s.admin_get("/requests").await;
    assert_eq!(v["capacity"], 3);
    let reqs = v["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0]["path"], format!("{HIPCALL}/numbers"));
    assert_eq!(reqs[2]["query"], "page=2");
    assert_eq!(reqs[2]["account"], "default");
    assert_eq!(reqs[2]["status"], 200);
    assert_eq!(reqs[2]["seq"], 4);
    assert_eq!(
        s.admin(Method::DELETE, "/requests", None).await.status(),
        204
    );
    let v: Value = s.admin_get("/requests").await;
    assert_eq!(v["requests"], json!([]));
}

/// Rate limits change at run time: a custom window, back to default, off.
#[tokio::test]
async fn rate_limit_override_at_runtime() {
    let s = Server::start().await;
    let r = s
        .admin(
            Method::PUT,
            "/rate-limits/hipcall",
            Some(json!({"mode": "custom", "windows": [{"limit": 2, "seconds": 60}]})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let statuses: Vec<u16> = {
        let mut v = vec![];
        for _ in 0..3 {
            v.push(
                s.hipcall(Method::GET, "/teams", None)
                    .await
                    .status()
                    .as_u16(),
            );
        }
        v
    };
    assert_eq!(statuses, [200, 200, 429]);
    let r = s
        .admin(
            Method::PUT,
            "/rate-limits/hipcall",
            Some(json!({"mode": "off"})),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(s.hipcall(Method::GET, "/teams", None).await.status(), 200);
    let r = s
        .admin(
            Method::PUT,
            "/rate-limits/hipcall",
            Some(json!({"mode": "sometimes"})),
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "bad_request"
    );
    let r = s
        .admin(
            Method::PUT,
            "/rate-limits/nope",
            Some(json!({"mode": "off"})),
        )
        .await;
    assert_eq!(r.status(), 404);
    let v: Value = s.admin_get("/rate-limits").await;
    assert_eq!(v["surfaces"][0]["override"]["mode"], "off");
}

/// The state dump shows writes and has no side effects; unknown vendors and routes are JSON
/// 404s; the clock can be advanced.
#[tokio::test]
async fn state_dump_and_errors() {
    let s = Server::start().await;
    s.hipcall(
        Method::POST,
        "/comments",
        Some(json!({"commentable_type": "task", "commentable_id": 1, "content": "hi"})),
    )
    .await;
    let a: Value = s.admin_get("/state/hipcall").await;
    let b: Value = s.admin_get("/state/hipcall").await;
    assert_eq!(a, b);
    let comments = a["accounts"]["default"]["comments"].as_array().unwrap();
    assert_eq!(comments.last().unwrap()["content"], "hi");
    assert_eq!(
        s.admin(Method::GET, "/state/nope", None).await.status(),
        404
    );
    let r = s.admin(Method::GET, "/nope", None).await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    assert_eq!(
        s.admin(Method::POST, "/reset", Some(json!({"vendor": "nope"})))
            .await
            .status(),
        404
    );
    let before: Value = s.admin_get("/clock").await;
    let after: Value = s
        .admin(Method::POST, "/clock", Some(json!({"advance_ms": 1000})))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        after["now_ms"].as_i64().unwrap() - before["now_ms"].as_i64().unwrap(),
        1000
    );
}

/// Reset restores the account's rate-limit budget along with its data.
#[tokio::test]
async fn reset_restores_rate_limit_budget() {
    let cfg = Config {
        rate_limits: mock_server::platform::RateLimitMode::Documented,
        ..config()
    };
    let s = Server::start_with(cfg, mock_server::platform::clock::Clock::frozen_at_ms(0)).await;
    for _ in 0..30 {
        s.hipcall(Method::GET, "/teams", None).await;
    }
    assert_eq!(s.hipcall(Method::GET, "/teams", None).await.status(), 429);
    let r = s.admin(Method::POST, "/reset?vendor=hipcall", None).await;
    assert_eq!(r.status(), 200);
    let r = s.hipcall(Method::GET, "/teams", None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-ratelimit-remaining"], "29");
}

/// Absurd admin values never break the surfaces: a huge clock jump and an oversized window are
/// handled (the window is refused) and requests keep answering without a 5xx.
#[tokio::test]
async fn absurd_admin_values_are_harmless() {
    let s = Server::start().await;
    let r = s
        .admin(
            Method::PUT,
            "/rate-limits/hipcall",
            Some(json!({"mode": "custom", "windows": [{"limit": 1, "seconds": 99999999999u64}]})),
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = s
        .admin(
            Method::POST,
            "/clock",
            Some(json!({"advance_ms": i64::MAX})),
        )
        .await;
    assert_eq!(r.status(), 400, "one step is at most a thousand years");
    // Ten of the largest steps: the clock stops at the end of year 9999.
    for _ in 0..10 {
        let r = s
            .admin(
                Method::POST,
                "/clock",
                Some(json!({"advance_ms": 31_536_000_000_000i64})),
            )
            .await;
        assert_eq!(r.status(), 200);
    }
    let clock: serde_json::Value = s
        .admin(Method::GET, "/clock", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(clock["now_ms"], 253_402_300_799_999i64);
    let r = s
        .hipcall(Method::POST, "/tasks", Some(json!({"name": "late"})))
        .await;
    assert_eq!(r.status(), 201);
    let r = s.hipcall(Method::GET, "/teams", None).await;
    assert_eq!(r.status(), 200);
}

/// The dashboard page is served from the binary (no network, no build step), holds no data,
/// needs no token to load, and only talks to the admin API (its CSP allows nothing else).
#[tokio::test]
async fn dashboard_page() {
    let config = Config {
        admin_token: Some("s3cret".into()),
        ..config()
    };
    let s = Server::start_with(config, mock_server::platform::clock::Clock::real()).await;
    let r = s.admin(Method::GET, "/ui", None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("connect-src 'self'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    let page = r.text().await.unwrap();
    assert!(page.contains("<title>mockdesk</title>"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "no external assets"
    );
    for path in [
        "/surfaces",
        "/requests",
        "/state/",
        "/webhooks",
        "/faults",
        "/rate-limits",
        "/clock",
    ] {
        assert!(page.contains(&format!("\"{path}")), "the page uses {path}");
    }
    // The data behind it still needs the token.
    assert_eq!(s.admin(Method::GET, "/requests", None).await.status(), 401);
}

/// The journal names the path the client sent, prefix included, also for a request the main
/// port hands to the app's nested router (a surface's root with a trailing slash goes there).
#[tokio::test]
async fn journal_keeps_the_prefix_through_the_nested_router() {
    let s = Server::start().await;
    let (status, _, _) = s
        .call(
            Some("helpcrunch-test-token"),
            Method::GET,
            "/helpcrunch/v1/",
            None,
        )
        .await;
    assert_eq!(status, 404);
    s.call(
        Some("helpcrunch-test-token"),
        Method::GET,
        "/helpcrunch/v1/customers/1",
        None,
    )
    .await;
    let v: Value = s.admin_get("/requests").await;
    assert_eq!(v["requests"][0]["path"], "/helpcrunch/v1/");
    assert_eq!(v["requests"][1]["path"], "/helpcrunch/v1/customers/1");
}

/// `GET /__admin/rate-limits` tells what is left for an account in its tightest window,
/// without using any of it; no limit in force is `null`.
#[tokio::test]
async fn rate_limits_show_what_is_left() {
    let s = Server::start().await;
    let r = s
        .admin(
            Method::PUT,
            "/rate-limits/hipcall",
            Some(json!({"mode": "custom", "windows": [{"limit": 5, "seconds": 60}]})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let left = |v: &Value| {
        v["surfaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["surface"] == "hipcall")
            .unwrap()["left"]
            .clone()
    };
    let v: Value = s.admin_get("/rate-limits").await;
    assert_eq!(left(&v)["remaining"], 5, "{v}");
    let v: Value = s.admin_get("/rate-limits").await;
    assert_eq!(left(&v)["remaining"], 5, "looking uses nothing");
    for _ in 0..2 {
        s.get_json("/users").await;
    }
    let v: Value = s.admin_get("/rate-limits").await;
    assert_eq!(
        (left(&v)["limit"].clone(), left(&v)["remaining"].clone()),
        (json!(5), json!(3))
    );
    let resets = left(&v)["resets_in_s"].as_u64().unwrap();
    assert!((1..=60).contains(&resets), "{resets}");
    let other: Value = s.admin_get("/rate-limits?account=elsewhere").await;
    assert_eq!(left(&other)["remaining"], 5);
    s.admin(
        Method::PUT,
        "/rate-limits/hipcall",
        Some(json!({"mode": "off"})),
    )
    .await;
    let v: Value = s.admin_get("/rate-limits").await;
    assert_eq!(left(&v), Value::Null);
}

/// `GET /__admin/openapi` serves the admin API's own document, and every operation it
/// describes is routed (neither the admin's "no admin endpoint" 404 nor a 405): the document
/// cannot name an endpoint the router lacks. Operation ids are unique (the kits are checked
/// against them).
#[tokio::test]
async fn admin_openapi_describes_routed_endpoints() {
    let s = Server::start().await;
    let r = s.admin(Method::GET, "/openapi", None).await;
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut ids = std::collections::BTreeSet::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_string()), "operationId {id} twice");
            operations += 1;
            let concrete = path
                .replace("{vendor}", "helpcrunch")
                .replace("{surface}", "helpcrunch")
                .replace("{scenario}", "customer_chat")
                .replace("{id}", "0");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (m != Method::GET && m != Method::DELETE).then(|| json!({}));
            let r = s.admin(m.clone(), &concrete, body).await;
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            assert!(
                status != 405 && !text.contains("no admin endpoint"),
                "{m} {path}: {status} {text}"
            );
        }
    }
    assert!(operations >= 30, "{operations}");
    // The admin API reads `null` as an absent field: a nullable field with an enum must list
    // null too, or the document calls an accepted `{"vendor": null}` invalid (Schemathesis'
    // ST201 in a CI run, hidden locally by a stored example database).
    fn nullable_enums_admit_null(v: &Value, at: &str) {
        match v {
            Value::Object(o) => {
                let ty = o.get("type");
                let nullable = ty == Some(&json!("null"))
                    || ty
                        .and_then(Value::as_array)
                        .is_some_and(|t| t.contains(&json!("null")));
                if let (true, Some(e)) = (nullable, o.get("enum").and_then(Value::as_array)) {
                    assert!(
                        e.contains(&Value::Null),
                        "{at}: nullable, enum without null"
                    );
                }
                for (k, x) in o {
                    nullable_enums_admit_null(x, &format!("{at}/{k}"));
                }
            }
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| nullable_enums_admit_null(x, &format!("{at}/{i}"))),
            _ => {}
        }
    }
    nullable_enums_admit_null(&doc, "");
    // ... and so every optional field of a request body admits null.
    fn optional_fields_admit_null(doc: &Value, schema: &Value, at: &str, depth: usize) {
        let mut x = schema;
        while let Some(r) = x.get("$ref").and_then(Value::as_str) {
            x = &doc["components"]["schemas"][r.rsplit('/').next().unwrap()];
        }
        if depth > 8 {
            return;
        }
        let required = x.get("required").and_then(Value::as_array);
        for (k, v) in x
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let mut field = v;
            while let Some(r) = field.get("$ref").and_then(Value::as_str) {
                field = &doc["components"]["schemas"][r.rsplit('/').next().unwrap()];
            }
            let admits_null = match field.get("type") {
                None => field.get("oneOf").is_none(), // any JSON value
                Some(Value::Array(t)) => t.contains(&json!("null")),
                Some(t) => t == "null",
            };
            assert!(
                admits_null || required.is_some_and(|r| r.contains(&json!(k))),
                "{at}.{k}: optional, yet null is refused by the document"
            );
            optional_fields_admit_null(doc, v, &format!("{at}.{k}"), depth + 1);
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            for (i, alt) in x
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                optional_fields_admit_null(doc, alt, &format!("{at}/{key}{i}"), depth + 1);
            }
        }
        if let Some(items) = x.get("items") {
            optional_fields_admit_null(doc, items, &format!("{at}[]"), depth + 1);
        }
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (_, media) in op["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
            {
                optional_fields_admit_null(&doc, &media["schema"], &format!("{method} {path}"), 0);
            }
        }
    }
}

/// What Schemathesis found on the admin API stays fixed: `null` is an absent field and `2.0`
/// the integer 2; unknown fields, unreachable tokens, header values with control characters,
/// out-of-range counts and a reset naming two vendors are refused with the reason.
#[tokio::test]
async fn admin_bodies_as_described() {
    let s = Server::start().await;
    let post = |path: &'static str, body: serde_json::Value| {
        let s = &s;
        async move {
            s.admin(Method::POST, path, Some(body))
                .await
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        post(
            "/faults",
            json!({"effect": {"type": "reset"}, "times": 2.0, "after_write": null, "match": null})
        )
        .await,
        201
    );
    assert_eq!(
        post("/faults", json!({"effect": {"type": "hang", "ms": 5}})).await,
        400
    );
    assert_eq!(
        post(
            "/faults",
            json!({"effect": {"type": "reset"}, "times": 2_000_000_000})
        )
        .await,
        400
    );
    assert_eq!(
        post(
            "/faults",
            json!({"effect": {"type": "reset"}, "match": {"method": "G-T"}})
        )
        .await,
        400
    );
    assert_eq!(
        post(
            "/stubs",
            json!({"response": {"headers": {"x-a": "line\nbreak"}, "body": "x"}})
        )
        .await,
        400
    );
    assert_eq!(
        post("/stubs", json!({"response": {"json": null, "body": "x"}})).await,
        400
    );
    assert_eq!(
        post("/accounts", json!({"vendor": "hiver", "token": "clé"})).await,
        400
    );
    assert_eq!(
        post(
            "/accounts",
            json!({"vendor": "hiver", "token": "ok", "account": null})
        )
        .await,
        201
    );
    assert_eq!(
        post("/clock", json!({"unfreeze": null, "advance_ms": 1000.0})).await,
        200
    );
    assert_eq!(
        post(
            "/stubs",
            json!({"response": {"json": {"a": 1}, "body": null, "status": null}})
        )
        .await,
        201,
        "a null body is no body"
    );
    assert_eq!(
        post("/simulate/hipcall/missed_call", json!({"account": null})).await,
        200
    );
    assert_eq!(post("/reset", json!({"vendor": null})).await, 200);
    assert_eq!(post("/reset", json!({"colour": 1})).await, 400);
    assert_eq!(
        post("/reset", json!({"vendor": "hiver", "account": null})).await,
        200
    );
    let r = s
        .admin(
            Method::POST,
            "/reset?vendor=hipcall",
            Some(json!({"vendor": "hiver"})),
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = s.admin(Method::POST, "/reset?colour=1", None).await;
    assert_eq!(r.status(), 400);
    let r = s
        .admin(
            Method::PUT,
            "/rate-limits/hiver",
            Some(json!({"mode": "off", "windows": []})),
        )
        .await;
    assert_eq!(r.status(), 400, "windows go with mode custom only");
    let r = s.admin(Method::GET, "/requests?status=600", None).await;
    assert_eq!(r.status(), 400);
}

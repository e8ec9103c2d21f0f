//! Fault injection as a client sees it, and the request journal's filters and count.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;
use mock_server::platform::clock::Clock;

const HC: &str = "helpcrunch-test-token";

async fn fault(s: &Server, rule: Value) -> Value {
    let r = s.admin(Method::POST, "/faults", Some(rule.clone())).await;
    assert_eq!(r.status(), 201, "{rule}");
    r.json().await.unwrap()
}

fn get(s: &Server, path: &str) -> reqwest::RequestBuilder {
    s.client
        .get(s.url(&format!("/helpcrunch/v1{path}")))
        .bearer_auth(HC)
        .timeout(Duration::from_secs(5))
}

/// A status fault answers with the vendor's own body for that status, `times` times, and the
/// journal names the rule.
#[tokio::test]
async fn status_in_the_vendor_body_then_expires() {
    let s = Server::start().await;
    let rule = fault(
        &s,
        json!({"match": {"surface": "helpcrunch", "method": "GET", "path": "/customers/{id}"},
        "effect": {"type": "status", "status": 503}, "times": 1}),
    )
    .await;
    let r = get(&s, "/customers/1").send().await.unwrap();
    assert_eq!(r.status(), 503);
    let v: Value = r.json().await.unwrap();
    // The documented shape of HelpCrunch's errors: a request entry, then the reason.
    assert_eq!(
        v,
        json!({"errors": [
            {"code": "invalid_request", "message": "Invalid request"},
            {"code": "service_unavailable", "message": "Service Unavailable"}
        ]})
    );
    assert_eq!(get(&s, "/customers/1").send().await.unwrap().status(), 200);
    assert_eq!(
        get(&s, "/customers").send().await.unwrap().status(),
        200,
        "other paths untouched"
    );
    let j: Value = s.admin_get("/requests?status=503").await;
    assert_eq!(j["requests"][0]["fault"], rule["id"]);
    let gone = s
        .admin(
            Method::GET,
            &format!("/faults/{}", rule["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(gone.status(), 404, "the rule expired");
    // Hipcall v3 renders the same fault in its own shape.
    fault(&s, json!({"match": {"surface": "hipcall-v3"}, "effect": {"type": "status", "status": 404}, "times": 1})).await;
    let (status, v) = s
        .surface("hipcall-v3")
        .call(Method::GET, "/users/2", None)
        .await;
    assert_eq!(
        (status, v),
        (404, json!({"errors": {"detail": "Not Found"}}))
    );
}

/// `rate_limited` is the vendor's 429 with the given `Retry-After`.
#[tokio::test]
async fn rate_limited_with_retry_after() {
    let s = Server::start().await;
    fault(&s, json!({"match": {"surface": "hipcall"}, "effect": {"type": "rate_limited", "retry_after": 7}})).await;
    let r = s.hipcall(Method::GET, "/users", None).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    let v: Value = r.json().await.unwrap();
    assert_error_body(&v);
}

/// Latency delays the answer; it still arrives.
#[tokio::test]
async fn latency() {
    let s = Server::start().await;
    fault(
        &s,
        json!({"effect": {"type": "latency", "ms": 300}, "times": 1}),
    )
    .await;
    let started = Instant::now();
    let r = get(&s, "/agents").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

/// `reset` drops the connection before any answer; `truncate` cuts the body off (the client
/// fails reading it); `malformed` is broken JSON under the right status; `hang` never answers.
#[tokio::test]
async fn broken_answers_as_a_client_sees_them() {
    let s = Server::start().await;
    fault(
        &s,
        json!({"match": {"path": "/agents"}, "effect": {"type": "reset"}, "times": 1}),
    )
    .await;
    let err = get(&s, "/agents").send().await.unwrap_err();
    assert!(
        !err.is_timeout(),
        "the connection closed before any answer: {err}"
    );
    fault(
        &s,
        json!({"match": {"path": "/agents"}, "effect": {"type": "truncate"}, "times": 1}),
    )
    .await;
    let r = get(&s, "/agents").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.is_err(), "the body is cut off");
    fault(
        &s,
        json!({"match": {"path": "/agents"}, "effect": {"type": "malformed"}, "times": 1}),
    )
    .await;
    let r = get(&s, "/agents").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let text = r.text().await.unwrap();
    assert!(
        !text.is_empty() && serde_json::from_str::<Value>(&text).is_err(),
        "{text}"
    );
    fault(
        &s,
        json!({"match": {"path": "/agents"}, "effect": {"type": "hang"}, "times": 1}),
    )
    .await;
    let err = get(&s, "/agents")
        .timeout(Duration::from_millis(400))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(
        get(&s, "/agents").send().await.unwrap().status(),
        200,
        "every rule used up"
    );
}

/// Without `after_write` a failed write changes nothing; with it, the write happens and the
/// answer is lost.
#[tokio::test]
async fn after_write_applies_the_write() {
    let s = Server::start().await;
    let total = |s: &Server| {
        let req = get(s, "/customers?limit=1");
        async move {
            req.send().await.unwrap().json::<Value>().await.unwrap()["total"]
                .as_i64()
                .unwrap()
        }
    };
    let before = total(&s).await;
    let post = |s: &Server| {
        s.client
            .post(s.url("/helpcrunch/v1/customers"))
            .bearer_auth(HC)
            .json(&json!({"name": "Lost answer"}))
            .send()
    };
    fault(&s, json!({"match": {"method": "POST", "path": "/customers"}, "effect": {"type": "status", "status": 500}, "times": 1})).await;
    assert_eq!(post(&s).await.unwrap().status(), 500);
    assert_eq!(total(&s).await, before, "no write without after_write");
    fault(&s, json!({"match": {"method": "POST", "path": "/customers"}, "effect": {"type": "reset"}, "times": 1, "after_write": true})).await;
    let r = post(&s).await;
    assert!(r.is_err() || r.unwrap().bytes().await.is_err());
    assert_eq!(total(&s).await, before + 1, "applied, answer lost");
}

/// The same rules with a probability give the same pattern on every run.
#[tokio::test]
async fn probability_is_seeded() {
    let mut runs = Vec::new();
    // Two runs with the default --seed, then one with another seed.
    for seed in [42, 42, 7] {
        let config = mock_server::Config { seed, ..config() };
        let s = Server::start_with(config, Clock::frozen_at_ms(1_700_000_000_000)).await;
        fault(&s, json!({"match": {"path": "/agents"}, "effect": {"type": "status", "status": 502}, "probability": 0.5})).await;
        let mut pattern = Vec::new();
        for _ in 0..20 {
            pattern.push(get(&s, "/agents").send().await.unwrap().status().as_u16());
        }
        runs.push(pattern);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&502) && runs[0].contains(&200));
    assert_ne!(runs[0], runs[2], "--seed drives the draws");
}

/// Bad rules are refused with the reason; rules list, delete and clear.
#[tokio::test]
async fn fault_admin() {
    let s = Server::start().await;
    for (rule, says) in [
        (json!({"effect": {"type": "explode"}}), "unknown effect"),
        (
            json!({"match": {"surface": "nope"}, "effect": {"type": "reset"}}),
            "unknown surface",
        ),
        (
            json!({"effect": {"type": "status", "status": 1000}}),
            "HTTP status",
        ),
        (
            json!({"effect": {"type": "reset"}, "probability": 1.5}),
            "probability",
        ),
        (
            json!({"match": {"path": "customers"}, "effect": {"type": "reset"}}),
            "start with /",
        ),
    ] {
        let r = s.admin(Method::POST, "/faults", Some(rule.clone())).await;
        assert_eq!(r.status(), 400, "{rule}");
        let v: Value = r.json().await.unwrap();
        assert!(
            v["error"]["message"].as_str().unwrap().contains(says),
            "{v}"
        );
    }
    let a = fault(
        &s,
        json!({"effect": {"type": "latency", "min_ms": 1, "max_ms": 2}}),
    )
    .await;
    fault(&s, json!({"effect": {"type": "latency", "ms": 1}})).await;
    let list: Value = s.admin_get("/faults").await;
    assert_eq!(list["faults"].as_array().unwrap().len(), 2);
    let id = a["id"].as_str().unwrap();
    assert_eq!(
        s.admin(Method::DELETE, &format!("/faults/{id}"), None)
            .await
            .status(),
        204
    );
    assert_eq!(
        s.admin(Method::DELETE, &format!("/faults/{id}"), None)
            .await
            .status(),
        404
    );
    assert_eq!(s.admin(Method::DELETE, "/faults", None).await.status(), 204);
    let list: Value = s.admin_get("/faults").await;
    assert_eq!(list["faults"], json!([]));
}

/// The journal keeps bodies and answers filters and counts ("posted exactly one message").
#[tokio::test]
async fn journal_filters_and_count() {
    let s = Server::start().await;
    let hc = s.surface("helpcrunch");
    hc.call(
        Method::POST,
        "/messages",
        Some(json!({"chat": 1, "text": "first"})),
    )
    .await;
    hc.call(Method::GET, "/chats/1/messages", None).await;
    hc.call(
        Method::POST,
        "/messages",
        Some(json!({"chat": 99999, "text": "nope"})),
    )
    .await;
    let count = |body: Value| {
        let s = &s;
        async move {
            let v: Value = s
                .admin(Method::POST, "/requests/count", Some(body))
                .await
                .json()
                .await
                .unwrap();
            v["count"].as_u64().unwrap()
        }
    };
    assert_eq!(
        count(
            json!({"surface": "helpcrunch", "method": "POST", "path": "/messages", "status": 200})
        )
        .await,
        1
    );
    assert_eq!(
        count(json!({"method": "POST", "path": "/messages"})).await,
        2
    );
    assert_eq!(count(json!({"path": "/chats/{id}/messages"})).await, 1);
    assert_eq!(
        count(json!({"account": "default", "since": 1_700_000_000_000i64})).await,
        3
    );
    assert_eq!(count(json!({"since": 1_800_000_000_000i64})).await, 0);
    let j: Value = s.admin_get("/requests?method=POST&status=200").await;
    let e = &j["requests"][0];
    assert_eq!(
        serde_json::from_str::<Value>(e["request_body"].as_str().unwrap()).unwrap()["text"],
        "first"
    );
    assert_eq!(
        serde_json::from_str::<Value>(e["response_body"].as_str().unwrap()).unwrap()["text"],
        "first"
    );
    assert_eq!(e["vendor_path"], "/messages");
    assert_eq!(
        s.admin(Method::GET, "/requests?colour=red", None)
            .await
            .status(),
        400
    );
    assert_eq!(
        s.admin(
            Method::POST,
            "/requests/count",
            Some(json!({"status": "teapot"}))
        )
        .await
        .status(),
        400
    );
}

/// An injected failure reads as the surface's own answer for the same situation: 401 as a bad
/// token, 404 as the addressed record missing, 429 as the throttle (same body, the same
/// rate-limit headers, none left), and every other status in the shape of the surface's own
/// errors — on every surface.
#[tokio::test]
async fn injected_errors_read_as_the_surface_own() {
    let s = Server::start().await;
    // (surface, path prefix, token, a list, a record that does not exist)
    let surfaces = [
        (
            "helpcrunch",
            "/helpcrunch/v1",
            HC,
            "/customers",
            "/customers/999999",
        ),
        (
            "hipcall",
            "/hipcall/api/v20211124",
            "hipcall-test-token",
            "/users",
            "/users/999999",
        ),
        (
            "hipcall-v3",
            "/hipcall/api/v3",
            "hipcall-test-token",
            "/users",
            "/users/999999",
        ),
        (
            "chative",
            "/chative/v1.0",
            "chative-test-token",
            "/contacts",
            "/contacts/nobody",
        ),
        (
            "hiver",
            "/hiver/v1",
            "hiver-test-token",
            "/inboxes",
            "/inboxes/999999",
        ),
        (
            "hiver-tutorial",
            "/hiver/api/v1",
            "hiver-test-token",
            "/mailboxes",
            "/conversations/999999",
        ),
    ];
    let limited = [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "retry-after",
    ];
    let call = |prefix: &str, path: &str, token: &str| {
        let req = s
            .client
            .get(s.url(&format!("{prefix}{path}")))
            .bearer_auth(token);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let headers: Vec<(String, String)> = limited
                .iter()
                .filter_map(|h| {
                    r.headers()
                        .get(*h)
                        .map(|v| (h.to_string(), v.to_str().unwrap().to_string()))
                })
                .collect();
            (status, headers, r.json::<Value>().await.unwrap())
        }
    };
    // The JSON's shape: keys and kinds, not the text.
    fn shape(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(shape).collect()),
            Value::String(_) => json!("string"),
            Value::Number(_) => json!("number"),
            other => other.clone(),
        }
    }
    let names = |h: &[(String, String)]| h.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    for (surface, prefix, token, list, missing) in surfaces {
        let path = format!("/rate-limits/{surface}");
        let limit = |n: u32| {
            s.admin(
                Method::PUT,
                &path,
                Some(json!({"mode": "custom", "windows": [{"limit": n, "seconds": 60}]})),
            )
        };
        assert_eq!(limit(1000).await.status(), 200);
        let inject = |status: u16| {
            fault(
                &s,
                json!({"match": {"surface": surface}, "effect": {"type": "status", "status": status}, "times": 1}),
            )
        };
        let (own_status, _, own_401) = call(prefix, list, "not-a-token").await;
        assert_eq!(own_status, 401, "{surface}");
        inject(401).await;
        let (status, _, body) = call(prefix, list, token).await;
        assert_eq!((status, &body), (401, &own_401), "{surface}: 401");

        let (own_status, _, own_404) = call(prefix, missing, token).await;
        assert_eq!(own_status, 404, "{surface}");
        inject(404).await;
        let (status, _, body) = call(prefix, missing, token).await;
        assert_eq!((status, &body), (404, &own_404), "{surface}: 404");

        for status in [502, 503, 504] {
            inject(status).await;
            let (got, _, body) = call(prefix, list, token).await;
            assert_eq!(got, status, "{surface}");
            assert_eq!(shape(&body), shape(&own_404), "{surface}: {status} {body}");
        }

        // The throttle's own 429, then an injected one in a fresh window.
        assert_eq!(limit(1).await.status(), 200);
        call(prefix, list, token).await;
        let (own_status, own_headers, own_429) = call(prefix, list, token).await;
        assert_eq!(own_status, 429, "{surface}");
        assert_eq!(limit(1000).await.status(), 200);
        inject(429).await;
        let (status, headers, body) = call(prefix, list, token).await;
        assert_eq!((status, &body), (429, &own_429), "{surface}: 429");
        assert_eq!(
            names(&headers),
            names(&own_headers),
            "{surface}: 429 headers"
        );
        for (k, v) in &headers {
            match k.as_str() {
                "x-ratelimit-remaining" => assert_eq!(v, "0", "{surface}"),
                "retry-after" | "x-ratelimit-reset" => {
                    assert!(v.parse::<u64>().unwrap() > 0, "{surface}: {k}: {v}")
                }
                _ => {}
            }
        }
        s.admin(Method::DELETE, "/faults", None).await;
    }
}

/// The journal keeps each request's headers, with credentials redacted: the bearer token, an
/// API key, a cookie and a signature never appear, other headers do.
#[tokio::test]
async fn journal_keeps_request_headers_without_credentials() {
    let s = Server::start().await;
    let r = get(&s, "/customers?limit=1")
        .header("x-trace", "trace-42")
        .header("cookie", "session=SECRET-COOKIE")
        .header("x-api-key", "SECRET-KEY")
        .header("x-helpcrunch-signature", "SECRET-SIGNATURE")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let j: Value = s.admin_get("/requests?path=/customers").await;
    let entry = j["requests"].as_array().unwrap().last().unwrap().clone();
    let headers: Vec<(String, String)> =
        serde_json::from_value(entry["request_headers"].clone()).unwrap();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("x-trace"), Some("trace-42"));
    for secret in [
        "authorization",
        "cookie",
        "x-api-key",
        "x-helpcrunch-signature",
    ] {
        assert_eq!(get(secret), Some("[redacted]"), "{secret}");
    }
    let all = j.to_string();
    for leaked in [HC, "SECRET-COOKIE", "SECRET-KEY", "SECRET-SIGNATURE"] {
        assert!(!all.contains(leaked), "{leaked} in the journal");
    }
}

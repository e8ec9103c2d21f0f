//! Chative.IO v1.0 end to end over HTTP.

use mock_server::platform::clock::Clock;
use mock_server::platform::RateLimitMode;
use mock_server::Config;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

const BASE: &str = "/chative/v1.0";
const CT: &str = "chative-test-token";
const EXAMPLE: &str = "183ccf94-3111-480f-8b12-4d19d65d3c78";

async fn get(s: &Server, path: &str) -> (u16, Value) {
    s.surface("chative").call(Method::GET, path, None).await
}

async fn patch(s: &Server, id: &str, body: Value) -> (u16, Value) {
    let (status, _, v) = s
        .call(
            Some(CT),
            Method::PATCH,
            &format!("{BASE}/contacts/{id}"),
            Some(body),
        )
        .await;
    (status, v)
}

/// "Missing token" without a bearer token, "Invalid token" for unknown ones and for another
/// vendor's token.
#[tokio::test]
async fn missing_and_invalid_tokens() {
    let s = Server::start().await;
    let (status, _, v) = s
        .call(None, Method::GET, &format!("{BASE}/contacts"), None)
        .await;
    assert_eq!(
        (status, v["message"].as_str()),
        (401, Some("Missing token"))
    );
    let (status, _, v) = s
        .call(Some("nope"), Method::GET, &format!("{BASE}/contacts"), None)
        .await;
    assert_eq!(
        (status, v["message"].as_str()),
        (401, Some("Invalid token"))
    );
    let (status, _, v) = s
        .call(Some(TOKEN), Method::GET, &format!("{BASE}/contacts"), None)
        .await;
    assert_eq!((status, v["code"].as_str()), (401, Some("invalid_token")));
}

/// Zero-based pages of at most 200 under `list`; page past the end is an empty list (how the
/// WordPress client stops); bad paging parameters are 400 with details.
#[tokio::test]
async fn paging() {
    let s = Server::start().await;
    let (_, v) = get(&s, "/contacts").await;
    assert_eq!(v["list"].as_array().unwrap().len(), 20);
    assert_eq!(
        (v["total"].clone(), v["page"].clone(), v["limit"].clone()),
        (json!(300), json!(0), json!(20))
    );
    assert_eq!(v["list"][0]["id"], EXAMPLE);
    let (_, v) = get(&s, "/contacts?page=1&limit=200").await;
    assert_eq!(v["list"].as_array().unwrap().len(), 100);
    let (_, v) = get(&s, "/contacts?page=6&limit=50").await;
    assert_eq!(v["list"], json!([]));
    for bad in ["limit=201", "limit=0", "page=-1", "page=x"] {
        let (status, v) = get(&s, &format!("/contacts?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(v["code"], "bad_request");
        assert!(v["details"][0]["field"].is_string());
    }
}

/// PATCH updates standard and typed custom fields (dates as ms or ISO 8601, booleans as
/// strings) and later reads see it, also when the contact was read before (and its rendered
/// view kept, see `platform::memo`).
#[tokio::test]
async fn patch_updates_fields() {
    let s = Server::start().await;
    let (_, before) = get(&s, &format!("/contacts/{EXAMPLE}")).await;
    assert_ne!(before["firstName"], "Mary");
    let (status, v) = patch(
        &s,
        EXAMPLE,
        json!({
            "firstName": "Mary", "lastName": "Jane", "email": "mj@example.com", "gender": "female",
            "birthday": "1990-05-02T00:00:00+00:00", "phone": "0987654321",
            "VIP": "No", "orders": 7, "renewalDate": 1700000000000i64, "newsletter": "false"
        }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["firstName"], "Mary");
    assert_eq!(v["birthday"], 641_606_400_000i64);
    assert_eq!(
        v["customFields"],
        json!({"VIP": "No", "orders": 7, "renewalDate": 1700000000000i64, "newsletter": false})
    );
    assert_eq!(v["updatedAt"], 1_700_000_000_000i64);
    let (_, got) = get(&s, &format!("/contacts/{EXAMPLE}")).await;
    assert_eq!(got, v);
    let (_, v) = patch(&s, EXAMPLE, json!({"customFields": {"renewalDate": "2024-01-01T00:00:00Z", "VIP": null}, "email": null})).await;
    assert_eq!(v["customFields"]["renewalDate"], 1_704_067_200_000i64);
    assert_eq!(v["customFields"]["VIP"], Value::Null);
    assert_eq!(v["email"], Value::Null);
}

/// Unknown fields and wrongly typed values are 400 naming every offending field, and the
/// contact is unchanged.
#[tokio::test]
async fn patch_rejects_bad_fields_without_changes() {
    let s = Server::start().await;
    let (_, before) = get(&s, &format!("/contacts/{EXAMPLE}")).await;
    let cases = [
        (json!({"nickname": "Spidey"}), vec!["nickname"]),
        (json!({"type": "Lead"}), vec!["type"]),
        (json!({"firstName": "Ok", "orders": "7"}), vec!["orders"]),
        (
            json!({"newsletter": "yes", "renewalDate": "tomorrow", "VIP": 5}),
            vec!["newsletter", "renewalDate", "VIP"],
        ),
        (json!({"gender": "robot"}), vec!["gender"]),
        (json!({"email": "not-an-email"}), vec!["email"]),
        (json!({"birthday": true}), vec!["birthday"]),
        (
            json!({"customFields": {"unknown": 1}}),
            vec!["customFields.unknown"],
        ),
        (json!({}), vec!["body"]),
    ];
    for (body, fields) in cases {
        let (status, v) = patch(&s, EXAMPLE, body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(v["message"], "Bad request");
        let got: Vec<&str> = v["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap())
            .collect();
        assert_eq!(got, fields, "{body}");
    }
    let (status, _, v) = s
        .call(
            Some(CT),
            Method::PATCH,
            &format!("{BASE}/contacts/{EXAMPLE}"),
            None,
        )
        .await;
    assert_eq!((status, v["code"].as_str()), (400, Some("bad_request")));
    let (_, after) = get(&s, &format!("/contacts/{EXAMPLE}")).await;
    assert_eq!(before, after);
}

/// Delete, then get/patch/delete are 404 "Contact not found" and the list shrinks.
#[tokio::test]
async fn delete_then_not_found() {
    let s = Server::start().await;
    let (status, _, v) = s
        .call(
            Some(CT),
            Method::DELETE,
            &format!("{BASE}/contacts/{EXAMPLE}"),
            None,
        )
        .await;
    assert_eq!((status, v), (200, json!({"id": EXAMPLE, "deleted": true})));
    let (status, v) = get(&s, &format!("/contacts/{EXAMPLE}")).await;
    assert_eq!(
        (status, v),
        (
            404,
            json!({"code": "not_found", "message": "Contact not found"})
        )
    );
    assert_eq!(patch(&s, EXAMPLE, json!({"firstName": "x"})).await.0, 404);
    let (status, _, _) = s
        .call(
            Some(CT),
            Method::DELETE,
            &format!("{BASE}/contacts/{EXAMPLE}"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (_, v) = get(&s, "/contacts").await;
    assert_eq!(v["total"], 299);
    assert_eq!(get(&s, "/contacts/not-a-uuid").await.0, 404);
}

/// The 61st request in a minute gets 429 `rate_limited` with Retry-After and no other
/// rate-limit headers; Host routing reaches the same surface.
#[tokio::test]
async fn rate_limit_and_host_routing() {
    let cfg = Config {
        rate_limits: RateLimitMode::Documented,
        ..config()
    };
    let s = Server::start_with(cfg, Clock::frozen_at_ms(0)).await;
    for _ in 0..60 {
        let (status, headers, _) = s
            .call(
                Some(CT),
                Method::GET,
                &format!("{BASE}/contacts?limit=1"),
                None,
            )
            .await;
        assert_eq!(status, 200);
        assert!(headers.get("x-ratelimit-limit").is_none());
    }
    let r = s
        .client
        .get(s.url("/v1.0/contacts"))
        .header("host", "api.chative.io")
        .bearer_auth(CT)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "60");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v,
        json!({"code": "rate_limited", "message": "Rate limit exceeded. Retry in 1 minute."})
    );
}

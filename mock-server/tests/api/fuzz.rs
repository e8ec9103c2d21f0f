//! Arbitrary paths, queries, headers and bodies never produce a 5xx, a panic, or a non-JSON
//! error: every 4xx is the vendor's own error body.

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use mock_server::{app, AppState};
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt;

use crate::common::{config, HIPCALL, TOKEN};

/// (prefix, token, does this body have the vendor's error shape?)
type Surface = (&'static str, &'static str, fn(&Value) -> bool);

fn hiver_error(v: &Value) -> bool {
    v["Message"].is_string()
        || v["errors"]
            .as_array()
            .is_some_and(|e| !e.is_empty() && e.iter().all(|x| x["message"].is_string()))
}

const SURFACES: &[Surface] = &[
    (HIPCALL, TOKEN, |v| {
        v["message"].is_string() && v["errors"].is_object()
    }),
    ("/chative/v1.0", "chative-test-token", |v| {
        v["code"].is_string() && v["message"].is_string()
    }),
    ("/helpcrunch/v1", "helpcrunch-test-token", |v| {
        v["errors"].as_array().is_some_and(|e| {
            !e.is_empty()
                && e.iter()
                    .all(|x| x["code"].is_string() && x["message"].is_string())
        })
    }),
    ("/hiver/v1", "hiver-test-token", hiver_error),
    ("/hiver/api/v1", "hiver-test-token", hiver_error),
];

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "cdrs",
            "tasks",
            "users",
            "teams",
            "numbers",
            "greetings",
            "extensions",
            "comments",
            "companies",
            "contacts",
            "tags",
            "1",
            "2",
            "0",
            "-1",
            "99999999999999999999",
            "2021",
            "11",
            "25",
            "caedfd1b-25ec-447e-ad87-3b7eb3d358ea",
            "%20",
            "..",
            "%2F",
            "183ccf94-3111-480f-8b12-4d19d65d3c78",
            "customers",
            "chats",
            "messages",
            "search",
            "batch",
            "status",
            "assignee",
            "rate",
            "snooze",
            "agents",
            "unsubscribe",
            "events",
            "organization",
            "inboxes",
            "101",
            "102",
            "234232",
            "19cfee91188070f8",
            "mb_01HXYZ",
            "conversations",
            "shared-drafts",
            "notes",
            "mailboxes",
            "assign",
        ])
        .prop_map(str::to_string),
        "[a-zA-Z0-9._~-]{0,10}",
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let json_leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::String),
    ];
    let json = json_leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "name",
                        "assign_to",
                        "auto_assign_to_user",
                        "contact_ids",
                        "company_ids",
                        "deal_ids",
                        "due_date",
                        "priority",
                        "task_list",
                        "tags",
                        "commentable_type",
                        "commentable_id",
                        "content",
                        "default_number_id",
                        "default_number",
                        "x",
                        "firstName",
                        "email",
                        "gender",
                        "birthday",
                        "phone",
                        "VIP",
                        "orders",
                        "customFields",
                        "filter",
                        "field",
                        "operator",
                        "value",
                        "comparison",
                        "limit",
                        "offset",
                        "customer",
                        "chat",
                        "text",
                        "type",
                        "agent",
                        "id",
                        "status",
                        "rating",
                        "snoozedUntil",
                        "userId",
                        "customData",
                        "assignee",
                        "to_apply",
                        "user_id",
                        "tag_id",
                        "body",
                        "color_hexcode",
                    ]),
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    });
    prop_oneof![
        Just(vec![]),
        prop::collection::vec(any::<u8>(), 0..64),
        json.prop_map(|v| serde_json::to_vec(&v).unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 800, ..ProptestConfig::default() })]

    /// No request shape makes a surface answer 5xx or anything but its own error body.
    #[test]
    fn arbitrary_requests_never_5xx(
        surface in 0..SURFACES.len(),
        method in prop::sample::select(vec!["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
        segments in prop::collection::vec(segment(), 0..6),
        query in prop::collection::vec(("[a-z_]{1,8}", "[a-zA-Z0-9%-]{0,6}"), 0..4),
        auth in prop::sample::select(vec!["good", "bad", "none", "basic"]),
        content_type in prop::sample::select(vec!["application/json", "text/plain", "", "multipart/form-data"]),
        body in body(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let state = AppState::new(&config()).unwrap();
        let router = app(&state);
        let (prefix, token, is_vendor_error) = SURFACES[surface];
        let mut uri = format!("{prefix}/{}", segments.join("/"));
        if !query.is_empty() {
            let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            uri.push('?');
            uri.push_str(&q.join("&"));
        }
        let mut req = Request::builder().method(method).uri(&uri);
        req = match auth {
            "good" => req.header("authorization", format!("Bearer {token}")),
            "bad" => req.header("authorization", "Bearer wrong"),
            "basic" => req.header("authorization", "Basic Zm9vOmJhcg=="),
            _ => req,
        };
        if !content_type.is_empty() {
            req = req.header("content-type", content_type);
        }
        let Ok(req) = req.body(Body::from(body)) else { return Ok(()); };
        let res = rt.block_on(router.oneshot(req)).unwrap();
        let status = res.status();
        prop_assert!(status.as_u16() < 500, "{} {} -> {}", method, uri, status);
        if status.as_u16() >= 400 && method != "HEAD" {
            let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string());
            prop_assert_eq!(ct.as_deref(), Some("application/json"), "{} {}", method, uri);
            let bytes = rt.block_on(res.into_body().collect()).unwrap().to_bytes();
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            prop_assert!(is_vendor_error(&v), "{} {} -> {}", method, uri, v);
        }
    }
}

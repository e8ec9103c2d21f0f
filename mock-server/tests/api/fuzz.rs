//! Arbitrary paths, queries, headers and bodies never produce a 5xx, a panic, or a non-JSON
//! error: every 4xx is the surface's own error body.
//!
//! Nothing here names a vendor: the surfaces are the registered ones (a new surface is fuzzed
//! as soon as it is mounted), path segments and body keys come from each surface's operation
//! catalogue and seeded records, and "its own error body" means the shape of an error the
//! surface's dialect renders.

use std::sync::LazyLock;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use mock_server::platform::error::{ApiError, Problem};
use mock_server::{app, AppState};
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt;

use crate::common::config;

/// One registered surface: where it is served, its token, the shapes of its error bodies.
struct Registered {
    prefix: String,
    token: &'static str,
    error_shapes: Vec<Value>,
}

/// What the strategies draw from, read from the registered surfaces.
struct Vocabulary {
    surfaces: Vec<Registered>,
    segments: Vec<String>,
    keys: Vec<String>,
}

/// A body's shape: objects by key, arrays by their first item, scalars by type; `null` fits
/// anything (an optional field).
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.first().map(shape).into_iter().collect()),
        Value::Null => Value::Null,
        Value::Bool(_) => "bool".into(),
        Value::Number(_) => "number".into(),
        Value::String(_) => "string".into(),
    }
}

fn fits(got: &Value, known: &Value) -> bool {
    match (got, known) {
        (Value::Null, _) | (_, Value::Null) => true,
        // Errors keyed by the invalid field's name (`{"errors": {"date": [...]}}`): the sample
        // errors name their field FIELD, which stands for any name.
        (Value::Object(a), Value::Object(b)) if b.len() == 1 && b.contains_key(FIELD) => {
            a.values().all(|v| fits(v, &b[FIELD]))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| fits(v, w)))
        }
        (Value::Array(a), Value::Array(b)) => match (a.first(), b.first()) {
            (Some(x), Some(y)) => fits(x, y),
            _ => true,
        },
        (a, b) => a == b,
    }
}

/// The field the sample validation errors name.
const FIELD: &str = "sample_field";

/// Every kind of error the platform hands a dialect, once.
fn sample_errors() -> Vec<ApiError> {
    let mut v = vec![
        ApiError::Unauthenticated { missing: true },
        ApiError::Unauthenticated { missing: false },
        ApiError::not_found("Record", 1),
        ApiError::RouteNotFound {
            method: "GET".into(),
            path: "/x".into(),
        },
        ApiError::MethodNotAllowed {
            method: "PUT".into(),
            path: "/x".into(),
            allowed: vec!["GET".into()],
        },
        ApiError::BadRequest {
            message: "m".into(),
        },
        ApiError::PayloadTooLarge { limit: 1 },
        ApiError::RateLimited { retry_after: 1 },
        ApiError::Conflict {
            message: "m".into(),
        },
        ApiError::Internal,
    ];
    for p in [
        Problem::Required,
        Problem::Type { expected: "string" },
        Problem::NotAllowed,
        Problem::Taken,
    ] {
        v.push(ApiError::invalid(FIELD, p));
    }
    for status in [400, 401, 403, 404, 405, 409, 413, 415, 422, 429] {
        let status = StatusCode::from_u16(status).unwrap();
        v.push(ApiError::Status { status });
        v.push(ApiError::Vendor {
            code: "code".into(),
            status,
            message: "m".into(),
        });
    }
    v
}

/// Literal segments of a catalogue path (`/users/{$listUsers/data/0/id}` gives `users`).
fn literal_segments(path: &str) -> impl Iterator<Item = &str> {
    path.split(['/', '?'])
        .filter(|s| !s.is_empty() && !s.contains(['{', '}', '=']))
}

fn json_keys(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => o.iter().for_each(|(k, v)| {
            out.push(k.clone());
            json_keys(v, out);
        }),
        Value::Array(a) => a.iter().for_each(|v| json_keys(v, out)),
        _ => {}
    }
}

/// A few ids of the seeded records (values of `id` and `uuid` fields of the state exports).
fn seeded_ids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => o.iter().for_each(|(k, v)| match v {
            Value::String(s) if (k == "id" || k == "uuid") && s.len() < 64 => out.push(s.clone()),
            Value::Number(n) if k == "id" => out.push(n.to_string()),
            v => seeded_ids(v, out),
        }),
        Value::Array(a) => a.iter().take(3).for_each(|v| seeded_ids(v, out)),
        _ => {}
    }
}

static VOCAB: LazyLock<Vocabulary> = LazyLock::new(|| {
    let state = AppState::new(&config()).unwrap();
    let errors = sample_errors();
    let mut segments: Vec<String> = [
        "0",
        "1",
        "-1",
        "99999999999999999999",
        "%20",
        "..",
        "%2F",
        "2021",
        "11",
        "25",
    ]
    .map(String::from)
    .to_vec();
    let mut keys = vec!["x".to_string(), "id".to_string()];
    let mut surfaces = Vec::new();
    for d in state.dialects.iter() {
        let info = d.info();
        let mut error_shapes: Vec<Value> =
            errors.iter().map(|e| shape(&d.render_error(e).1)).collect();
        error_shapes.dedup();
        surfaces.push(Registered {
            prefix: info.prefix(),
            token: state
                .default_token(info.vendor)
                .expect("a mounted vendor has a token"),
            error_shapes,
        });
        for case in d.catalogue() {
            segments.extend(literal_segments(case.path).map(String::from));
            segments.extend(literal_segments(case.template).map(String::from));
            if let Some(body) = case.body.and_then(|b| serde_json::from_str(b).ok()) {
                json_keys(&body, &mut keys);
            }
        }
    }
    for b in state.backends.iter() {
        let doc: Value = serde_json::from_slice(&b.export("default")).unwrap_or_default();
        seeded_ids(&doc, &mut segments);
    }
    segments.sort();
    segments.dedup();
    keys.sort();
    keys.dedup();
    assert!(
        surfaces.len() >= 6 && segments.len() > 60 && keys.len() > 40,
        "{} surfaces, {} segments, {} keys",
        surfaces.len(),
        segments.len(),
        keys.len()
    );
    Vocabulary {
        surfaces,
        segments,
        keys,
    }
});

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(VOCAB.segments.clone()),
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
            prop::collection::vec((prop::sample::select(VOCAB.keys.clone()), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
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
        surface in 0..VOCAB.surfaces.len(),
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
        let Registered { prefix, token, error_shapes } = &VOCAB.surfaces[surface];
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
            let got = shape(&v);
            prop_assert!(error_shapes.iter().any(|k| fits(&got, k)), "{} {} -> {} (not a shape of {})", method, uri, v, prefix);
        }
    }
}

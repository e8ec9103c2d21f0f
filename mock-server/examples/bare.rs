//! Baselines for `make bench`, to compare the emulator against: `/static` answers prebuilt
//! bytes (the ceiling of axum on this machine), `/task` builds a `json!` tree per request.
//! Usage: `bare 127.0.0.1:4599`
//!
//! A plain axum server, routed by axum: its `Path` is the one fed here (see `clippy.toml`).
#![allow(clippy::disallowed_types)]

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

async fn task() -> Json<Value> {
    Json(task_value())
}

fn task_value() -> Value {
    json!({"data": {
        "resource_type": "task", "id": 1, "name": "Porro iure blanditiis et debitis.",
        "description": "Repellendus ab laborum non voluptatem maxime.", "due_date": null, "done": false,
        "done_at": null, "assign_to": null, "priority": "low", "task_list_id": null,
        "created_at": "2023-03-31T08:41:58+0000", "updated_at": "2023-03-31T08:41:58+0000"
    }})
}

/// The same document as [`task`], serialized once.
static TASK_BYTES: std::sync::LazyLock<bytes::Bytes> = std::sync::LazyLock::new(|| {
    bytes::Bytes::from(serde_json::to_vec(&task_value()).expect("serializable"))
});

async fn prebuilt() -> impl axum::response::IntoResponse {
    ([("content-type", "application/json")], TASK_BYTES.clone())
}

/// Prebuilt bytes of a given size (a list page's size), to separate the cost of moving a
/// larger body through the loopback from the cost of producing it.
async fn sized(
    axum::extract::Path(n): axum::extract::Path<usize>,
) -> impl axum::response::IntoResponse {
    static PAGES: std::sync::LazyLock<
        std::sync::Mutex<std::collections::HashMap<usize, bytes::Bytes>>,
    > = std::sync::LazyLock::new(Default::default);
    let n = n.min(1 << 20);
    let body = PAGES
        .lock()
        .expect("lock")
        .entry(n)
        .or_insert_with(|| {
            let mut v = vec![b'x'; n];
            if n >= 2 {
                v[0] = b'"';
                v[n - 1] = b'"';
            }
            bytes::Bytes::from(v)
        })
        .clone();
    ([("content-type", "application/json")], body)
}

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:4599".into());
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(
        listener,
        Router::new()
            .route("/task", get(task))
            .route("/static", get(prebuilt))
            .route("/sized/{n}", get(sized)),
    )
    .await
    .expect("serve");
}

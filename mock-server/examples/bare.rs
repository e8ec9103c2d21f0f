//! Baseline for `make bench`: a bare axum JSON handler, to compare the emulator against.
//! Usage: `bare 127.0.0.1:4599`

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

async fn task() -> Json<Value> {
    Json(json!({"data": {
        "resource_type": "task", "id": 1, "name": "Porro iure blanditiis et debitis.",
        "description": "Repellendus ab laborum non voluptatem maxime.", "due_date": null, "done": false,
        "done_at": null, "assign_to": null, "priority": "low", "task_list_id": null,
        "created_at": "2023-03-31T08:41:58+0000", "updated_at": "2023-03-31T08:41:58+0000"
    }}))
}

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:4599".into());
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(listener, Router::new().route("/task", get(task)))
        .await
        .expect("serve");
}

//! `/__admin/stubs`: answers set for the requests they name (see [`crate::platform::stubs`]).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};

use super::{bad_request, not_found, AdminResult};
use crate::state::AppState;

/// `POST /__admin/stubs` → 201 with the stub; 400 with the reason.
pub(super) async fn add(State(st): State<AppState>, body: axum::body::Bytes) -> AdminResult {
    let obj = super::json_object(&body)?;
    if let Some(Value::Object(m)) = obj.get("match") {
        if let Some(Value::String(surface)) = m.get("surface") {
            if !st.surfaces().iter().any(|s| s.id == surface) {
                return Err(bad_request(format!("unknown surface {surface}")));
            }
        }
    }
    let stub = st.platform.stubs.add(&obj).map_err(bad_request)?;
    Ok((StatusCode::CREATED, Json(json!(stub))).into_response())
}

pub(super) async fn list(State(st): State<AppState>) -> Json<Value> {
    Json(json!({ "stubs": st.platform.stubs.list() }))
}

pub(super) async fn get_one(State(st): State<AppState>, Path(id): Path<String>) -> AdminResult {
    let stub = st
        .platform
        .stubs
        .get(&id)
        .ok_or_else(|| not_found(format!("no stub {id}")))?;
    Ok(Json(json!(stub)).into_response())
}

pub(super) async fn delete_one(State(st): State<AppState>, Path(id): Path<String>) -> AdminResult {
    if st.platform.stubs.remove(&id) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_found(format!("no stub {id}")))
    }
}

pub(super) async fn clear(State(st): State<AppState>) -> StatusCode {
    st.platform.stubs.clear();
    StatusCode::NO_CONTENT
}

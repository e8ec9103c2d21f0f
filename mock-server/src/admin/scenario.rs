//! `/__admin/faults` (fault rules) and the request journal's filters:
//! `GET /__admin/requests?surface=&method=&path=&status=&account=&since=` and
//! `POST /__admin/requests/count` with the same matcher as a JSON body.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Map, Value};

use super::{bad_request, not_found, AdminResult};
use crate::platform::extract::QueryPairs;
use crate::platform::journal::Filter;
use crate::platform::store::read_document;
use crate::state::AppState;

/// `POST /__admin/faults`.
pub(super) async fn add_fault(State(st): State<AppState>, body: axum::body::Bytes) -> AdminResult {
    let obj = super::json_object(&body)?;
    if let Some(Value::Object(m)) = obj.get("match") {
        if let Some(Value::String(surface)) = m.get("surface") {
            if !st.surfaces().iter().any(|s| s.id == surface) {
                return Err(bad_request(format!("unknown surface {surface}")));
            }
        }
    }
    let rule = st.platform.faults.add(&obj).map_err(bad_request)?;
    Ok((StatusCode::CREATED, Json(json!(rule))).into_response())
}

pub(super) async fn list_faults(State(st): State<AppState>) -> Json<Value> {
    Json(json!({ "faults": st.platform.faults.list() }))
}

pub(super) async fn get_fault(State(st): State<AppState>, Path(id): Path<String>) -> AdminResult {
    let rule = st
        .platform
        .faults
        .get(&id)
        .ok_or_else(|| not_found(format!("no fault {id}")))?;
    Ok(Json(json!(rule)).into_response())
}

pub(super) async fn delete_fault(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> AdminResult {
    if st.platform.faults.remove(&id) {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_found(format!("no fault {id}")))
    }
}

pub(super) async fn clear_faults(State(st): State<AppState>) -> StatusCode {
    st.platform.faults.clear();
    StatusCode::NO_CONTENT
}

/// A journal filter from string pairs (query) or a JSON object (count).
fn filter(get: impl Fn(&str) -> Option<Value>) -> Result<Filter, super::AdminError> {
    let text = |k: &str| -> Result<Option<String>, super::AdminError> {
        match get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(bad_request(format!("{k} must be a string"))),
        }
    };
    let int = |k: &str| -> Result<Option<i64>, super::AdminError> {
        match get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| bad_request(format!("{k} must be an integer"))),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| bad_request(format!("{k} must be an integer"))),
            Some(_) => Err(bad_request(format!("{k} must be an integer"))),
        }
    };
    let status = int("status")?
        .map(|s| {
            u16::try_from(s)
                .ok()
                .filter(|s| (100..=599).contains(s))
                .ok_or_else(|| bad_request("status must be an HTTP status (100 to 599)"))
        })
        .transpose()?;
    Ok(Filter {
        surface: text("surface")?,
        method: text("method")?,
        path: text("path")?,
        status,
        account: text("account")?,
        since: int("since")?,
    })
}

const FILTER_KEYS: &[&str] = &["surface", "method", "path", "status", "account", "since"];

pub(super) async fn list_requests(State(st): State<AppState>, q: QueryPairs) -> AdminResult {
    if let Some((k, _)) = q.0.iter().find(|(k, _)| !FILTER_KEYS.contains(&k.as_str())) {
        return Err(bad_request(format!("unknown filter {k}")));
    }
    let f = filter(|k| q.get(k).map(|v| Value::String(v.to_string())))?;
    Ok(Json(json!({
        "capacity": st.platform.journal.capacity(),
        "requests": st.platform.journal.find(&f),
    }))
    .into_response())
}

pub(super) async fn count_requests(
    State(st): State<AppState>,
    body: axum::body::Bytes,
) -> AdminResult {
    let obj: Map<String, Value> = super::json_object(&body)?;
    if let Some(k) = obj.keys().find(|k| !FILTER_KEYS.contains(&k.as_str())) {
        return Err(bad_request(format!("unknown filter {k}")));
    }
    let f = filter(|k| obj.get(k).cloned())?;
    Ok(Json(json!({ "count": st.platform.journal.find(&f).len() })).into_response())
}

/// `PUT /__admin/state/{vendor}[?account=]` with a document in the form `GET` returns
/// (`{"accounts": {name: state}}`): every named account (or only `account`) is replaced,
/// after the whole document has been read; a problem answers 400 with its JSON pointer and
/// changes nothing.
pub(super) async fn import_state(
    State(st): State<AppState>,
    Path(vendor): Path<String>,
    q: QueryPairs,
    body: axum::body::Body,
) -> AdminResult {
    let backend = super::backend(&st, &vendor)?.clone();
    // Held to --max-import-bytes while it streams in (a declared length over it was refused
    // before any byte was read).
    let body = axum::body::to_bytes(body, st.max_import_bytes)
        .await
        .map_err(|_| super::too_large(st.max_import_bytes))?;
    let only = q.get("account").map(str::to_string);
    // Reading and checking a large document is CPU work: off the async workers.
    let done =
        tokio::task::spawn_blocking(move || import_document(&st, backend, &vendor, only, &body))
            .await
            .map_err(|e| {
                super::AdminError(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
            })?;
    done
}

fn import_document(
    st: &AppState,
    backend: std::sync::Arc<dyn crate::platform::store::Backend>,
    vendor: &str,
    only: Option<String>,
    body: &[u8],
) -> AdminResult {
    let all = match read_document(vendor, body) {
        Ok(a) => a,
        Err(e) => return Ok(invalid(&e.pointer, &e.message)),
    };
    let accounts = match only {
        None => all,
        Some(a) => match all.into_iter().find(|(name, _)| *name == a) {
            Some(one) => vec![one],
            None => {
                return Ok(invalid(
                    "/accounts",
                    &format!("the document has no account {a}"),
                ))
            }
        },
    };
    if let Err(e) = backend.import(&accounts) {
        return Ok(invalid(&e.pointer, &e.message));
    }
    let names: Vec<String> = accounts.into_iter().map(|(n, _)| n).collect();
    st.platform.flush().map_err(super::not_stored)?;
    Ok(Json(json!({"vendor": vendor, "imported": names})).into_response())
}

/// 400 `{"error": {"code": "invalid_state", "message", "pointer"}}`.
fn invalid(pointer: &str, message: &str) -> axum::response::Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": {"code": "invalid_state", "message": message, "pointer": pointer}})),
    )
        .into_response()
}

//! `/__admin/webhooks` (subscriptions, the delivery log, redelivery) and
//! `/__admin/simulate/{surface}/{scenario}` (vendor-side events).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Map, Value};

use super::{bad_request, not_found, AdminError, AdminResult};
use crate::platform::extract::QueryPairs;
use crate::state::AppState;

fn surface_vendor(st: &AppState, surface: &str) -> Result<&'static str, AdminError> {
    st.dialects
        .iter()
        .find(|d| d.info().id == surface)
        .map(|d| d.info().vendor)
        .ok_or_else(|| {
            let known: Vec<_> = st.surfaces().iter().map(|s| s.id).collect();
            bad_request(format!(
                "unknown surface {surface} (known: {})",
                known.join(", ")
            ))
        })
}

/// `POST /__admin/webhooks` with `{"surface", "url", "events"?, "account"?, "secret"?}`.
pub(super) async fn subscribe(State(st): State<AppState>, body: axum::body::Bytes) -> AdminResult {
    let obj = super::json_object(&body)?;
    let text = |k: &str, required: bool| -> Result<Option<String>, AdminError> {
        match obj.get(k) {
            None | Some(Value::Null) if required => Err(bad_request(format!("{k} is required"))),
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad_request(format!("{k} must be a string"))),
        }
    };
    if let Some(k) = obj
        .keys()
        .find(|k| !["surface", "url", "events", "account", "secret"].contains(&k.as_str()))
    {
        return Err(bad_request(format!("unknown field {k}")));
    }
    let surface = text("surface", true)?.unwrap_or_default();
    let url = text("url", true)?.unwrap_or_default();
    let account = text("account", false)?.unwrap_or_else(|| "default".into());
    let secret = text("secret", false)?;
    let events = match obj.get("events") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) => items
            .iter()
            .map(|e| e.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad_request("events must be a list of event names"))?,
        Some(_) => return Err(bad_request("events must be a list of event names")),
    };
    let vendor = surface_vendor(&st, &surface)?;
    let sub = st
        .platform
        .webhooks
        .subscribe(&surface, vendor, &account, &url, events, secret)
        .map_err(|e| bad_request(e.to_string()))?;
    st.store_settings().map_err(super::not_stored)?;
    Ok((StatusCode::CREATED, Json(json!(sub))).into_response())
}

pub(super) async fn list(State(st): State<AppState>) -> Json<Value> {
    let subs = st.platform.webhooks.subscriptions();
    let events: Map<String, Value> = st
        .surfaces()
        .iter()
        .filter_map(|s| {
            st.platform
                .webhooks
                .spec(s.vendor)
                .map(|spec| (s.id.to_string(), json!({"events": spec.events, "scenarios": spec.scenarios, "source": spec.source})))
        })
        .collect();
    Json(json!({"subscriptions": subs, "surfaces": events}))
}

pub(super) async fn unsubscribe(State(st): State<AppState>, Path(id): Path<String>) -> AdminResult {
    if st.platform.webhooks.unsubscribe(&id) {
        st.store_settings().map_err(super::not_stored)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_found(format!("no subscription {id}")))
    }
}

/// `GET /__admin/webhooks/deliveries?surface=&event=&subscription=`.
pub(super) async fn deliveries(State(st): State<AppState>, q: QueryPairs) -> Json<Value> {
    let list =
        st.platform
            .webhooks
            .deliveries(q.get("surface"), q.get("event"), q.get("subscription"));
    Json(json!({ "deliveries": list }))
}

pub(super) async fn redeliver(State(st): State<AppState>, Path(id): Path<String>) -> AdminResult {
    let n: u64 = id
        .parse()
        .map_err(|_| not_found(format!("no delivery {id}")))?;
    if st.platform.webhooks.redeliver(n) {
        Ok((StatusCode::ACCEPTED, Json(json!({"queued": true}))).into_response())
    } else {
        Err(not_found(format!(
            "no delivery {id} (or its subscription is gone)"
        )))
    }
}

/// `POST /__admin/simulate/{surface}/{scenario}` with optional parameters (and `account`).
pub(super) async fn simulate(
    State(st): State<AppState>,
    Path((surface, scenario)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AdminResult {
    let mut params = super::json_object(&body)?;
    let vendor = super::dialect(&st, &surface)?.info().vendor;
    let account = match params.remove("account") {
        None | Some(Value::Null) => "default".to_string(),
        Some(Value::String(a)) => a,
        Some(_) => return Err(bad_request("account must be a string")),
    };
    let backend = super::backend(&st, vendor)?;
    // Links the scenario hands out point where this caller reached mockdesk.
    let base = crate::platform::surface::client_base(&headers, "");
    match backend.simulate(&scenario, &account, &params, &base) {
        None => Err(not_found(format!("surface {surface} has no scenarios"))),
        Some(Err(e)) if e.starts_with("unknown scenario") => Err(not_found(e)),
        Some(Err(e)) => Err(bad_request(e)),
        Some(Ok(v)) => {
            st.store_changes().await.map_err(super::not_stored)?;
            Ok(Json(
                json!({"surface": surface, "scenario": scenario, "account": account, "result": v}),
            )
            .into_response())
        }
    }
}

//! The admin API under `/__admin` (never routed to a vendor). Its errors use its own small
//! body: `{"error": {"code": "...", "message": "..."}}`. It is an axum router, so its handlers
//! take axum's `Path` (disallowed elsewhere: see `clippy.toml`).
#![allow(clippy::disallowed_types)]

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::platform::dialect::Dialect;
use crate::platform::extract::{parse_object, QueryPairs};
use crate::platform::store::Backend;
use crate::platform::surface::client_base;
use crate::platform::RateOverride;
use crate::state::AppState;
use serde_json::Map;

mod accounts;
mod guards;
mod scenario;
mod stubs;
mod webhooks;

pub(crate) use guards::too_large;
use guards::{
    limit_declared_body, mark_changes, refuse_cross_site, refuse_foreign_host, require_admin_token,
};

/// An admin error.
pub struct AdminError(StatusCode, &'static str, pub(crate) String);

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (
            self.0,
            Json(json!({"error": {"code": self.1, "message": self.2}})),
        )
            .into_response()
    }
}

fn bad_request(msg: impl Into<String>) -> AdminError {
    AdminError(StatusCode::BAD_REQUEST, "bad_request", msg.into())
}

fn not_found(msg: impl Into<String>) -> AdminError {
    AdminError(StatusCode::NOT_FOUND, "not_found", msg.into())
}

type AdminResult = Result<Response, AdminError>;

/// An admin body as a JSON object (an empty body is an empty object). A number written with a
/// zero fraction (`5.0`) is the integer it equals, as JSON Schema's `integer` allows — clients
/// whose JSON has only floats (some encoders write `5.0`) are not refused for it. A stub's
/// `json` answer is left as written.
fn json_object(body: &[u8]) -> Result<Map<String, Value>, AdminError> {
    fn integral(v: &mut Value) {
        match v {
            Value::Number(n) if !n.is_i64() && !n.is_u64() => {
                if let Some(f) = n.as_f64() {
                    #[allow(clippy::cast_possible_truncation)]
                    let i = f as i64;
                    #[allow(clippy::cast_precision_loss)]
                    if f.fract() == 0.0 && f.abs() < 9.0e15 && i as f64 == f {
                        *v = Value::from(i);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(integral),
            // A stub's `json` answer goes out exactly as written.
            Value::Object(m) => m
                .iter_mut()
                .filter(|(k, _)| k.as_str() != "json")
                .for_each(|(_, v)| integral(v)),
            _ => {}
        }
    }
    let mut obj = parse_object(body).map_err(|_| bad_request("body must be a JSON object"))?;
    obj.iter_mut()
        .filter(|(k, _)| k.as_str() != "json")
        .for_each(|(_, v)| integral(v));
    Ok(obj)
}

/// A vendor's backend by name, or the admin 404.
fn backend<'a>(st: &'a AppState, vendor: &str) -> Result<&'a Arc<dyn Backend>, AdminError> {
    st.backend(vendor)
        .ok_or_else(|| not_found(format!("no vendor named {vendor}")))
}

/// A surface's dialect by id, or the admin 404.
fn dialect(st: &AppState, surface: &str) -> Result<&'static Dialect, AdminError> {
    st.dialects
        .iter()
        .copied()
        .find(|d| d.info().id == surface)
        .ok_or_else(|| not_found(format!("no surface named {surface}")))
}

/// A failed `--state-dir` write on an admin path: the change is live but not stored.
fn not_stored(e: String) -> AdminError {
    tracing::error!(error = %e, "state could not be stored");
    AdminError(
        StatusCode::INTERNAL_SERVER_ERROR,
        "state_not_stored",
        format!("the change was made but could not be stored in --state-dir: {e}"),
    )
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/accounts", get(accounts::list).post(accounts::add))
        .route("/reset", post(reset))
        .route(
            "/state/{vendor}",
            get(dump_state).put(scenario::import_state),
        )
        .route(
            "/requests",
            get(scenario::list_requests).delete(clear_requests),
        )
        .route("/requests/count", post(scenario::count_requests))
        .route(
            "/faults",
            get(scenario::list_faults)
                .post(scenario::add_fault)
                .delete(scenario::clear_faults),
        )
        .route(
            "/faults/{id}",
            get(scenario::get_fault).delete(scenario::delete_fault),
        )
        .route(
            "/stubs",
            get(stubs::list).post(stubs::add).delete(stubs::clear),
        )
        .route("/stubs/{id}", get(stubs::get_one).delete(stubs::delete_one))
        .route("/rate-limits", get(list_rate_limits))
        .route("/rate-limits/{surface}", put(set_rate_limit))
        .route("/surfaces", get(surfaces))
        .route("/openapi", get(admin_openapi))
        .route("/openapi/{surface}", get(openapi))
        .route("/clock", get(get_clock).post(set_clock))
        .route("/webhooks", get(webhooks::list).post(webhooks::subscribe))
        .route("/webhooks/deliveries", get(webhooks::deliveries))
        .route(
            "/webhooks/deliveries/{id}/redeliver",
            post(webhooks::redeliver),
        )
        .route(
            "/webhooks/{id}",
            axum::routing::delete(webhooks::unsubscribe),
        )
        .route("/simulate/{surface}/{scenario}", post(webhooks::simulate))
        .route("/tls/ca.pem", get(tls_ca))
        .fallback(unknown)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            mark_changes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            require_admin_token,
        ))
        .layer(axum::middleware::from_fn(refuse_cross_site))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            refuse_foreign_host,
        ))
        // State documents can be large (a fixture of a million records), up to
        // --max-import-bytes.
        .layer(axum::extract::DefaultBodyLimit::max(state.max_import_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_declared_body,
        ))
        // Health stays open so a container's health check needs no secret; the dashboard
        // page holds no data (it asks for the token when the API wants one).
        .route("/health", get(health))
        .route(
            "/ui",
            get(dashboard).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                refuse_foreign_host,
            )),
        )
        // `/__admin` itself leads to the dashboard.
        .route("/", get(to_dashboard))
        .with_state(state)
}

async fn unknown(req: Request) -> AdminError {
    not_found(format!("no admin endpoint at {}", req.uri().path()))
}

async fn wrong_method(req: Request) -> AdminError {
    AdminError(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not allowed on {}", req.method(), req.uri().path()),
    )
}

/// A redirect to the dashboard (`/__admin`, and `/` asked for by a browser).
pub async fn to_dashboard() -> Response {
    (
        StatusCode::FOUND,
        [(axum::http::header::LOCATION, "/__admin/ui")],
    )
        .into_response()
}

/// The dashboard: one page embedded at build time that uses the admin API with `fetch`.
const DASHBOARD: &str = include_str!("ui.html");

async fn dashboard() -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
            ),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        DASHBOARD,
    )
        .into_response()
}

/// `ok`, or `degraded` with the reason (and a 503, so a container health check notices)
/// while `--state-dir` cannot store what clients write.
async fn health(State(st): State<AppState>) -> Response {
    let degraded = st.platform.durable.get().and_then(|d| d.degraded());
    let body = json!({
        "status": if degraded.is_some() { "degraded" } else { "ok" },
        "reason": degraded,
        "surfaces": st.surfaces().len(),
        "clock_ms": st.platform.clock.now_ms(),
    });
    let status = if degraded.is_some() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (status, Json(body)).into_response()
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    vendor: Option<String>,
    account: Option<String>,
}

/// `POST /__admin/reset` — body or query `{vendor?, account?}`: back to the seed, and the
/// matching rate-limit budgets restored.
async fn reset(State(st): State<AppState>, q: QueryPairs, body: axum::body::Bytes) -> AdminResult {
    if let Some((k, _)) = q.0.iter().find(|(k, _)| k != "vendor" && k != "account") {
        return Err(bad_request(format!(
            "unknown parameter {k} (vendor, account)"
        )));
    }
    let obj = json_object(&body)?;
    let mut sel: ResetBody =
        serde_json::from_value(Value::Object(obj)).map_err(|e| bad_request(e.to_string()))?;
    // Body and query may both name the selection; they must then agree.
    for (given, asked) in [
        (&mut sel.vendor, q.get("vendor")),
        (&mut sel.account, q.get("account")),
    ] {
        match (given.as_deref(), asked) {
            (Some(b), Some(a)) if a != b => {
                return Err(bad_request(format!(
                    "the body names {b} and the query {a}: name one"
                )))
            }
            (None, Some(a)) => *given = Some(a.to_string()),
            _ => {}
        }
    }
    let backends: Vec<_> = st
        .backends
        .iter()
        .filter(|b| sel.vendor.as_deref().is_none_or(|v| v == b.vendor()))
        .collect();
    if backends.is_empty() {
        return Err(not_found(format!(
            "no vendor named {}",
            sel.vendor.unwrap_or_default()
        )));
    }
    let mut done = Vec::new();
    for b in backends {
        b.reset(sel.account.as_deref());
        for s in st.dialects.iter().filter(|d| d.info().vendor == b.vendor()) {
            st.platform
                .limiter
                .clear(Some(s.info().budget), sel.account.as_deref());
        }
        done.push(b.vendor());
    }
    st.store_changes().await.map_err(not_stored)?;
    Ok(Json(json!({"reset": done, "account": sel.account})).into_response())
}

/// `GET /__admin/state/{vendor}`: every account that holds state; with `?account=` that one
/// account (seeded first if it was never used — a starting point for a fixture).
async fn dump_state(
    State(st): State<AppState>,
    Path(vendor): Path<String>,
    q: QueryPairs,
) -> AdminResult {
    let b = backend(&st, &vendor)?.clone();
    let names = match q.get("account") {
        Some(a) => vec![a.to_string()],
        None => b.accounts(),
    };
    // Written as text straight from the records, off the async workers: a dump of a large
    // state costs its JSON size, not a JSON tree many times that.
    let body = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        out.extend_from_slice(b"{\"vendor\":");
        out.extend_from_slice(&serde_json::to_vec(&vendor).unwrap_or_default());
        out.extend_from_slice(b",\"accounts\":{");
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&serde_json::to_vec(name).unwrap_or_default());
            out.push(b':');
            out.extend_from_slice(&b.export(name));
        }
        out.extend_from_slice(b"}}");
        out
    })
    .await
    .map_err(|e| AdminError(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

async fn clear_requests(State(st): State<AppState>) -> StatusCode {
    st.platform.journal.clear();
    StatusCode::NO_CONTENT
}

fn rate_view(st: &AppState, account: &str) -> Value {
    let list: Vec<Value> = st
        .dialects
        .iter()
        .map(|d| {
            let info = d.info();
            let windows = st
                .platform
                .windows_in_force(info.id, d.documented);
            let left = st
                .platform
                .limiter
                .peek(&st.platform.clock, info.budget, account, &windows)
                .map(|p| json!({"limit": p.limit, "remaining": p.remaining, "resets_in_s": p.reset_after}));
            json!({
                "account": account,
                "left": left,
                "surface": info.id,
                "budget": info.budget,
                "documented": d.documented_policy(),
                "override": st.platform.override_for(info.id),
                "effective": st.platform.effective_policy(info.id, d.documented_policy()),
            })
        })
        .collect();
    json!({"mode": st.platform.mode(), "surfaces": list})
}

/// `GET /__admin/rate-limits[?account=]`: each surface's policies, and what is left for the
/// account (`default`) in its tightest window.
async fn list_rate_limits(State(st): State<AppState>, q: QueryPairs) -> Json<Value> {
    Json(rate_view(&st, q.get("account").unwrap_or("default")))
}

/// `PUT /__admin/rate-limits/{surface}` with `{"mode": "off" | "documented" | "default"}` or
/// `{"mode": "custom", "windows": [{"limit": 5, "seconds": 60}]}`; `default` removes the
/// override. Counters of the surface's budget restart.
async fn set_rate_limit(
    State(st): State<AppState>,
    Path(surface): Path<String>,
    body: axum::body::Bytes,
) -> AdminResult {
    let d = dialect(&st, &surface)?;
    let obj = json_object(&body)?;
    let custom = obj.get("mode") == Some(&json!("custom"));
    if let Some(k) = obj
        .keys()
        .find(|k| !(k.as_str() == "mode" || (custom && k.as_str() == "windows")))
    {
        return Err(bad_request(format!(
            "unknown field {k} (mode, and windows with mode custom)"
        )));
    }
    let value = Value::Object(obj);
    let o = if value.get("mode") == Some(&json!("default")) {
        None
    } else {
        let o: RateOverride = serde_json::from_value(value).map_err(|e| {
            bad_request(format!(
                "expected {{\"mode\": off|documented|default|custom}}: {e}"
            ))
        })?;
        if let RateOverride::Custom { windows } = &o {
            if windows.iter().any(|w| {
                w.seconds == 0 || w.seconds > crate::platform::rate_limit::MAX_WINDOW_SECONDS
            }) {
                return Err(bad_request(
                    "a window must last between one second and a year",
                ));
            }
        }
        Some(o)
    };
    st.platform.set_override(&surface, o);
    st.platform.limiter.clear(Some(d.info().budget), None);
    Ok(Json(rate_view(&st, "default")).into_response())
}

/// The CA certificate that issued the HTTPS listeners' certificate (PEM), for clients to trust.
async fn tls_ca(State(st): State<AppState>) -> AdminResult {
    let pem = st.tls.as_ref().and_then(|t| t.ca_pem.clone()).ok_or_else(|| {
        not_found(
            "no local CA: HTTPS is off (--tls-listen, --tls-port) or serves a certificate of your own (--tls-cert)",
        )
    })?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/x-pem-file")],
        pem,
    )
        .into_response())
}

async fn surfaces(State(st): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let list: Vec<Value> = st
        .dialects
        .iter()
        .map(|d| {
            let info = d.info();
            let token = st.default_token(info.vendor);
            json!({
                "id": info.id,
                "vendor": info.vendor,
                "base_url": client_base(&headers, &info.prefix()),
                "prefix": info.prefix(),
                "real_base_url": info.real_base_url,
                "hosts": info.hosts,
                "own_port": st.ports.iter().find(|p| p.surface == info.id).map(|p| p.port),
                "own_tls_port": st.tls_ports.iter().find(|p| p.surface == info.id).map(|p| p.port),
                "default_token": token,
                "source": info.source,
                "rate_limit": d.documented_policy(),
                // What cross-surface measurements read (a record and list pages of the seed).
                "representative": d.representative,
                // Vendor-side events `POST /__admin/simulate/{surface}/{scenario}` can cause.
                "scenarios": st.platform.webhooks.spec(info.vendor).map_or(&[][..], |s| s.scenarios),
            })
        })
        .collect();
    Json(json!({"surfaces": list}))
}

async fn openapi(State(st): State<AppState>, Path(surface): Path<String>) -> AdminResult {
    let d = dialect(&st, &surface)?;
    let doc: Value = serde_json::from_str(d.openapi()).map_err(|_| {
        AdminError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "schema unreadable".into(),
        )
    })?;
    Ok(Json(doc).into_response())
}

/// This API's own OpenAPI 3.1 document (`fixtures/schemas/admin.openapi.json`): every endpoint,
/// body and error; the kits' coverage tests and Schemathesis read it.
pub const ADMIN_OPENAPI: &str = include_str!("../../../fixtures/schemas/admin.openapi.json");

async fn admin_openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        ADMIN_OPENAPI,
    )
        .into_response()
}

async fn get_clock(State(st): State<AppState>) -> Json<Value> {
    Json(json!({"now_ms": st.platform.clock.now_ms(), "frozen": st.platform.clock.is_frozen()}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    advance_ms: Option<i64>,
    freeze_at_ms: Option<i64>,
    unfreeze: Option<bool>,
}

/// The furthest one `advance_ms` moves the clock: a thousand years either way.
const MAX_ADVANCE_MS: i64 = 31_536_000_000_000;

/// `POST /__admin/clock` with `{"advance_ms": N}`, `{"freeze_at_ms": T}` or `{"unfreeze": true}`.
async fn set_clock(State(st): State<AppState>, body: axum::body::Bytes) -> AdminResult {
    let obj = json_object(&body)?;
    let b: ClockBody =
        serde_json::from_value(Value::Object(obj)).map_err(|e| bad_request(e.to_string()))?;
    if b.advance_ms.is_some_and(|d| d.abs() > MAX_ADVANCE_MS) {
        return Err(bad_request(
            "advance_ms moves the clock at most a thousand years (31536000000000) either way",
        ));
    }
    if b.freeze_at_ms
        .is_some_and(|t| !(0..=crate::platform::clock::MAX_MS).contains(&t))
    {
        return Err(bad_request(
            "freeze_at_ms must lie between 1970 and the end of 9999 (0 to 253402300799999)",
        ));
    }
    let clock = &st.platform.clock;
    if b.unfreeze == Some(true) {
        clock.unfreeze();
    }
    if let Some(t) = b.freeze_at_ms {
        clock.freeze_at_ms(t);
    }
    if let Some(d) = b.advance_ms {
        clock.advance_ms(d);
    }
    Ok(get_clock(State(st)).await.into_response())
}

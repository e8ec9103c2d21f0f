//! The guards in front of the admin API: the admin token, the hosts it answers (DNS
//! rebinding), cross-site writes and webhook loops, and the size of what it reads.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::AdminError;
use crate::state::AppState;

/// A body over `--max-import-bytes`.
pub(crate) fn too_large(limit: usize) -> AdminError {
    AdminError(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the body is larger than --max-import-bytes ({limit} bytes)"),
    )
}

/// Refuses a body whose declared length is over `--max-import-bytes` before reading it.
pub(super) async fn limit_declared_body(
    State(st): State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > st.max_import_bytes as u64) {
        return too_large(st.max_import_bytes).into_response();
    }
    next.run(req).await
}

/// After any admin request that is not a read (accounts, state, clock, webhooks, faults,
/// stubs, rate limits), the surfaces' kept GET answers are stale (`platform::answers`).
pub(super) async fn mark_changes(
    State(st): State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let read = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let res = next.run(req).await;
    if !read {
        st.platform.clock.changes().changed();
    }
    res
}

/// `--admin-token`: every admin endpoint but `/health` wants `Authorization: Bearer TOKEN`.
pub(super) async fn require_admin_token(
    State(st): State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let Some(want) = st.admin_token.as_deref() else {
        return next.run(req).await;
    };
    let given = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(kind, _)| kind.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    if given.is_some_and(|g| same_secret(g.as_bytes(), want.as_bytes())) {
        next.run(req).await
    } else {
        let mut res = AdminError(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the admin API needs Authorization: Bearer <--admin-token>".into(),
        )
        .into_response();
        res.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer realm=\"mockdesk-admin\""),
        );
        res
    }
}

/// Whether a `Host` header may reach the admin API without `--admin-token`: an IP address
/// (a browser page on a rebound domain always sends its domain name), `localhost` and names
/// under it, or a name given with `--admin-host`.
fn admin_host_allowed(host: &str, extra: &[String]) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(n, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                n
            } else {
                host
            }
        }),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name.parse::<std::net::IpAddr>().is_ok()
        || name == "localhost"
        || name.ends_with(".localhost")
        || extra.iter().any(|h| h.eq_ignore_ascii_case(&name))
}

/// DNS rebinding: without `--admin-token`, a page on an attacker's domain that resolves to this
/// machine could read and change everything here (its `Origin` matches its own `Host`). So
/// the admin API and the dashboard answer only hosts [`admin_host_allowed`] accepts.
pub(super) async fn refuse_foreign_host(
    State(st): State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    if st.admin_token.is_some() {
        return next.run(req).await;
    }
    let host = req
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if host.is_empty() || admin_host_allowed(host, &st.admin_hosts) {
        return next.run(req).await;
    }
    AdminError(
        StatusCode::FORBIDDEN,
        "forbidden_host",
        format!(
            "the admin API answers requests to localhost or an IP address; `{host}` is neither \
             (a page on another site may have made this request). Start mockdesk with \
             --admin-host NAME to allow that name, or with --admin-token"
        ),
    )
    .into_response()
}

/// Admin writes come from the same origin (or from no browser at all) and carry JSON: a page
/// on another site cannot reset state or freeze the clock with a form post or a `no-cors`
/// fetch. Reads are left to the browser's same-origin policy (no CORS headers are sent).
pub(super) async fn refuse_cross_site(req: Request, next: axum::middleware::Next) -> Response {
    use axum::http::{header, Method};
    if req
        .headers()
        .contains_key(crate::platform::webhooks::DELIVERY_HEADER_NAME)
    {
        return AdminError(
            StatusCode::BAD_REQUEST,
            "webhook_loop",
            "mockdesk does not act on its own webhook deliveries".into(),
        )
        .into_response();
    }
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let text = |name: header::HeaderName| h.get(name).and_then(|v| v.to_str().ok());
    let host = text(header::HOST).unwrap_or("");
    let cross_origin = text(header::ORIGIN).is_some_and(|origin| {
        let rest = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        rest != Some(host)
    });
    let cross_fetch = h
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| !matches!(site, "same-origin" | "none"));
    if cross_origin || cross_fetch {
        return AdminError(
            StatusCode::FORBIDDEN,
            "cross_origin",
            "admin writes are accepted only from the admin API's own origin".into(),
        )
        .into_response();
    }
    let has_body = text(header::CONTENT_LENGTH).is_some_and(|n| n != "0")
        || h.contains_key(header::TRANSFER_ENCODING);
    let json = text(header::CONTENT_TYPE).is_some_and(|ct| {
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        essence == "application/json" || essence.ends_with("+json")
    });
    if has_body && !json {
        return AdminError(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "admin writes take JSON: send Content-Type: application/json".into(),
        )
        .into_response();
    }
    next.run(req).await
}

/// Compares without stopping at the first difference.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

//! CORS for browser clients of a surface.

use super::*;

/// CORS a browser client can live with: any origin is mirrored (the vendor's real API
/// decides per customer; a local emulator should not get in the way), preflights (every
/// `OPTIONS`) are answered before authentication, and the rate-limit headers are readable
/// from scripts.
pub(super) fn preflight(headers: &HeaderMap) -> Response {
    use axum::http::header::{
        ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_MAX_AGE,
        ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD,
    };
    let mut res = Response::new(Body::empty());
    let out = res.headers_mut();
    if let Some(origin) = headers.get(axum::http::header::ORIGIN) {
        allow_origin(origin, out);
    }
    for (asked, allowed) in [
        (ACCESS_CONTROL_REQUEST_METHOD, ACCESS_CONTROL_ALLOW_METHODS),
        (ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_ALLOW_HEADERS),
    ] {
        if let Some(v) = headers.get(asked) {
            out.insert(allowed, v.clone());
        }
    }
    out.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    res
}

/// Mirrors the request's `Origin`.
pub(super) fn allow_origin(origin: &HeaderValue, out: &mut HeaderMap) {
    out.insert(
        axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        origin.clone(),
    );
}

/// The headers scripts in a browser may read.
pub(super) const EXPOSED: HeaderValue =
    HeaderValue::from_static("x-ratelimit-limit,x-ratelimit-remaining,retry-after");

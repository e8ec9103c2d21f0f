//! Bodies at the edge: the request's read whole within the limit (so the journal can keep it)
//! and handed on to the handler, the response's collected for the journal.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request};
use tower::{Layer, ServiceExt};

use super::super::view::{body_within, Unread};
use super::ApiError;

/// The request body, read here (within the body limit) so the journal can keep it; too large
/// is the vendor's 413, a client that stalls or goes away mid-body the vendor's 400.
pub(super) async fn read_body(max_body_bytes: usize, body: Body) -> Result<Bytes, ApiError> {
    if axum::body::HttpBody::is_end_stream(&body) {
        return Ok(Bytes::new());
    }
    body_within(body, max_body_bytes)
        .await
        .map_err(|unread| match unread {
            Unread::TooLarge => ApiError::PayloadTooLarge {
                limit: max_body_bytes,
            },
            Unread::Failed => ApiError::BadRequest {
                message: "The request body could not be read in time.".into(),
            },
        })
}

/// axum's own body limit for its extractors (`DefaultBodyLimit`'s default, 2 MiB).
const AXUM_DEFAULT_LIMIT: usize = 2 << 20;

/// The request again, with the body read: in the request for axum's extractors (multipart,
/// raw bytes) and in its `Arrival` for the platform's own (JSON objects, forms), which take it
/// from there without collecting it again.
pub(super) async fn rebuild(parts: axum::http::request::Parts, bytes: &Bytes) -> Request {
    if bytes.is_empty() {
        return Request::from_parts(parts, Body::empty());
    }
    let mut req = Request::from_parts(parts, Body::from(bytes.clone()));
    super::Arrival::of(&mut req).body = Some(bytes.clone());
    if bytes.len() <= AXUM_DEFAULT_LIMIT {
        return req;
    }
    // The edge has held the body to the limit already; axum's extractors would hold it to
    // their own default again unless told otherwise.
    with_extractors_unlimited(req).await
}

/// `req` with axum's body limit for extractors lifted (through axum's own layer, which is the
/// only way to set it: its service adds the setting to the request and passes it on).
async fn with_extractors_unlimited(req: Request) -> Request {
    let pass = tower::service_fn(|req: Request| async move { Ok::<_, Infallible>(req) });
    match DefaultBodyLimit::disable().layer(pass).oneshot(req).await {
        Ok(req) => req,
        Err(never) => match never {},
    }
}

//! Injected faults and stubs' marks: what a fault rule does to an exchange, and the neutral
//! error an injected status becomes so that it reads as the surface's own.

use super::*;

/// Marks a response a stub gave (the journal names the stub; it is not re-rendered).
#[derive(Debug, Clone)]
pub struct StubAnswered(pub String);

/// Marks a response whose exchange a fault rule changed (the journal names the rule).
#[derive(Debug, Clone)]
pub struct InjectedFault(pub String);

/// Applies an injected fault. Without `after_write` the handler runs only for reads (which
/// change nothing); with it, the handler runs first and the failure follows.
pub(super) async fn inject(
    ctx: &SurfaceCtx,
    hit: Hit,
    method: &Method,
    req: Request,
    route: Matched<'_>,
    decision: Option<Decision>,
) -> Response {
    let read = matches!(*method, Method::GET | Method::HEAD);
    // What the surface's own error for the same situation would name.
    let situation = Situation {
        record: ctx.dialect.record_of(req.uri().path()),
        window_resets_in: decision.map(|d| d.reset_after.max(1)),
    };
    let handled = hit.after_write
        || matches!(hit.effect, Effect::Latency { .. })
        || (read && matches!(hit.effect, Effect::Truncate | Effect::Malformed));
    let run = |req: Request| async move {
        if handled {
            run_caught(route, req).await
        } else {
            ApiError::Internal.into_response()
        }
    };
    let mut res = match &hit.effect {
        Effect::Latency { min_ms, max_ms } => {
            let ms = ctx.platform.faults.draw_ms(*min_ms, *max_ms);
            if hit.after_write {
                let res = run(req).await;
                tokio::time::sleep(Duration::from_millis(ms)).await;
                res
            } else {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                run(req).await
            }
        }
        Effect::Status { status } => {
            let _ = run(req).await;
            injected_error(*status, situation).into_response()
        }
        Effect::RateLimited { retry_after } => {
            let _ = run(req).await;
            ApiError::RateLimited {
                retry_after: *retry_after,
            }
            .into_response()
        }
        Effect::Hang => {
            let _ = run(req).await;
            // The edge never sees this exchange end, so an applied write is stored here.
            if hit.after_write {
                let _ = ctx.platform.flush();
            }
            std::future::pending::<()>().await;
            unreachable_response()
        }
        Effect::Reset => {
            let _ = run(req).await;
            let mut r = Response::new(Body::from_stream(futures_util::stream::iter(vec![Err::<
                Bytes,
                std::io::Error,
            >(
                std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected reset"),
            )])));
            r.extensions_mut().insert(Dropped);
            r
        }
        Effect::Truncate | Effect::Malformed => {
            let res = run(req).await;
            let res = render(ctx.dialect, res, method, "");
            corrupt(res, matches!(hit.effect, Effect::Truncate)).await
        }
    };
    res.extensions_mut().insert(InjectedFault(hit.rule));
    res
}

/// A response whose connection must be dropped (the edge leaves it alone).
#[derive(Debug, Clone, Copy)]
pub(super) struct Dropped;

pub(super) fn unreachable_response() -> Response {
    StatusCode::GATEWAY_TIMEOUT.into_response()
}

/// The neutral error an injected status renders as, in the vendor's own body.
/// What an injected error borrows from the request, so it reads as the surface's own.
pub(super) struct Situation {
    /// The record the path addresses (resource name, id).
    record: Option<(&'static str, String)>,
    /// When the rate-limit window in force resets (`None`: no limit in force).
    window_resets_in: Option<u64>,
}

/// The neutral error an injected status becomes: the surface's own 401 (a bad token), 404 (the
/// addressed record missing), 429 (the throttle, resetting with the current window), 500; any
/// other status in the form the surface's own errors of that kind take.
pub(super) fn injected_error(status: u16, situation: Situation) -> ApiError {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match status {
        400 => ApiError::not_understood(),
        401 => ApiError::Unauthenticated { missing: false },
        404 => match situation.record {
            Some((resource, id)) => ApiError::NotFound { resource, id },
            None => ApiError::not_found("Record", ""),
        },
        413 => ApiError::PayloadTooLarge { limit: 0 },
        429 => ApiError::RateLimited {
            retry_after: situation.window_resets_in.unwrap_or(60),
        },
        500 => ApiError::Internal,
        _ => ApiError::Status { status: code },
    }
}

/// Cuts the body off half-way (the declared length stays, so the client sees a short read),
/// or (`truncate` false) replaces it with its broken first half under a matching length.
pub(super) async fn corrupt(res: Response, truncate: bool) -> Response {
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    if truncate {
        parts
            .headers
            .insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        // The first half goes out (flushed before the failure), then the connection breaks.
        use futures_util::StreamExt;
        let stream = futures_util::stream::iter(vec![Ok::<Bytes, std::io::Error>(half)]).chain(
            futures_util::stream::once(async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "injected truncation",
                ))
            }),
        );
        parts.extensions.insert(Dropped);
        Response::from_parts(parts, Body::from_stream(stream))
    } else {
        parts
            .headers
            .insert(CONTENT_LENGTH, HeaderValue::from(half.len()));
        Response::from_parts(parts, Body::from(half))
    }
}

//! Mounting a surface: the layers every vendor router gets, and the three ways a request
//! reaches a surface (path prefix, `Host` header, own port).
//!
//! Layers, outermost first, all in one service ([`Surface`]) around the vendor's routes:
//! 1. `edge`: answers CORS preflights, notes the prefix the client used, renders any neutral
//!    error (or stray plain-text error from axum/tower) in the vendor's body, turns a panic
//!    into `ApiError::Internal`, and journals the exchange.
//! 2. `guard` (routed paths only, so an unknown path is a 404 even without credentials; see
//!    [`super::routes`]): authentication, then the per-account rate limit and its headers,
//!    then injected faults.
//! 3. the handler the route table names for the path and method (see [`super::routes`]).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tower::{Layer, ServiceExt};

use super::auth::{credential, Account};
use super::dialect::{Dialect, RateHeaders, SurfaceInfo, TrailingSlash};
use super::error::{ApiError, PendingError};
use super::faults::{Effect, Hit};
use super::journal::{body_text, Paths, Recorded};
use super::rate_limit::Decision;
use super::routes::{Matched, Routes, Table};
use super::Platform;

/// The base URL of the surface as the client addressed it (scheme, host and the prefix the
/// client used), for links a response hands back (pagination `links`, `path`). Worked out
/// from the headers and the prefix the client used, when a handler asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientBase(pub String);

/// What the layers learn about a request on its way in, in one request extension (each
/// extension is an allocation, and the map grows past three): the URI as the client sent it,
/// the prefix it used, and the account it authenticated as.
#[derive(Debug, Clone, Default)]
pub struct Arrival {
    /// The URI before the main port stripped the surface's path prefix (`None`: unchanged).
    pub original: Option<Uri>,
    /// The path prefix the client used to reach the surface: the vendor's real base path when
    /// `Host` routing rewrote the request, mockdesk's `/{vendor}{real path}` otherwise (set
    /// by the edge when routing set none).
    base: Option<Arc<str>>,
    /// Set by the guard once the credential is accepted.
    pub account: Option<Account>,
    /// The routed path's parameters, for [`super::routes::Path`].
    pub params: Option<super::routes::Params>,
}

impl Arrival {
    /// The request's arrival record, added if no layer has added it yet.
    pub fn of(req: &mut Request) -> &mut Arrival {
        req.extensions_mut().get_or_insert_default::<Arrival>()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientBase {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(client_base_of(parts))
    }
}

fn client_base_of(parts: &Parts) -> ClientBase {
    let prefix = parts
        .extensions
        .get::<Arrival>()
        .and_then(|a| a.base.as_deref())
        .unwrap_or("");
    ClientBase(client_base(&parts.headers, prefix))
}

struct SurfaceCtx {
    platform: Arc<Platform>,
    dialect: &'static Dialect,
    /// `/{vendor}{real path}`, where the surface sits on the main port.
    prefix: Arc<str>,
    /// The vendor's routes.
    table: Table,
}

/// Set by a handler whose GET changes state (so `--state-dir` stores it).
#[derive(Debug, Clone, Copy)]
pub struct StateChanged;

/// A mounted surface: the vendor's routes (paths relative to the surface root) behind the
/// shared layers. The main port, a surface's own port and [`crate::app`] all call it.
#[derive(Clone)]
pub struct Surface {
    ctx: Arc<SurfaceCtx>,
}

/// Wraps a vendor's routes with the shared layers.
pub fn mount(platform: Arc<Platform>, dialect: &'static Dialect, routes: Routes) -> Surface {
    let ctx = Arc::new(SurfaceCtx {
        platform,
        dialect,
        prefix: Arc::from(dialect.info().prefix()),
        table: routes.table(),
    });
    Surface { ctx }
}

impl tower::Service<Request> for Surface {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        self.answer(req)
    }
}

impl Surface {
    /// [`tower::Service::call`] through a shared reference.
    pub fn answer(&self, req: Request) -> <Self as tower::Service<Request>>::Future {
        let ctx = Arc::clone(&self.ctx);
        Box::pin(async move { Ok(edge(ctx, req).await) })
    }
}

/// Runs the route's handler; a panic becomes `ApiError::Internal` (rendered by the edge).
async fn run_caught(route: Matched<'_>, req: Request) -> Response {
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(async move { route.call(req).await })
        .catch_unwind()
        .await
    {
        Ok(res) => res,
        Err(_) => ApiError::Internal.into_response(),
    }
}

/// CORS a browser client can live with: any origin is mirrored (the vendor's real API
/// decides per customer; a local emulator should not get in the way), preflights (every
/// `OPTIONS`) are answered before authentication, and the rate-limit headers are readable
/// from scripts.
fn preflight(headers: &HeaderMap) -> Response {
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
fn allow_origin(origin: &HeaderValue, out: &mut HeaderMap) {
    out.insert(
        axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        origin.clone(),
    );
}

/// The headers scripts in a browser may read.
const EXPOSED: HeaderValue =
    HeaderValue::from_static("x-ratelimit-limit,x-ratelimit-remaining,retry-after");

fn route_not_found(method: &Method, uri: &Uri) -> ApiError {
    ApiError::RouteNotFound {
        method: method.to_string(),
        path: uri.path().trim_start_matches('/').to_string(),
    }
}

/// A header's value as text. Known names are passed as `HeaderName` constants, which are
/// looked up without parsing the name first.
fn header_str<K: axum::http::header::AsHeaderName>(headers: &HeaderMap, name: K) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Query parameters one request may carry (a bound on the work a list's filters can ask for).
pub const MAX_QUERY_PAIRS: usize = 200;

async fn edge(ctx: Arc<SurfaceCtx>, mut req: Request) -> Response {
    let started = std::time::Instant::now();
    if req.method() == Method::OPTIONS {
        return preflight(req.headers());
    }
    let info = ctx.dialect.info();
    let method = req.method().clone();
    let vendor_uri = req.uri().clone();
    // Through the main port's dispatcher the URI the client sent is in `Arrival`; through an
    // axum router that nested the surface (`crate::app`), in axum's `OriginalUri`.
    let nested = req
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map(|o| o.0.clone());
    let arrival = Arrival::of(&mut req);
    let original = arrival
        .original
        .clone()
        .or(nested)
        .unwrap_or_else(|| vendor_uri.clone());
    arrival.base.get_or_insert_with(|| Arc::clone(&ctx.prefix));
    let relative = || vendor_uri.path().trim_start_matches('/');
    if req
        .headers()
        .contains_key(super::webhooks::DELIVERY_HEADER_NAME)
    {
        // One of mockdesk's own webhook deliveries came back: acting on it could loop.
        let err = ApiError::BadRequest {
            message: "mockdesk does not act on its own webhook deliveries".into(),
        };
        return render(ctx.dialect, err.into_response(), &method, relative());
    }
    let origin = req.headers().get(axum::http::header::ORIGIN).cloned();
    // Symfony redirects a GET/HEAD with a trailing slash to the path without it.
    if info.framework.trailing_slash == TrailingSlash::Redirect
        && relative().ends_with('/')
        && matches!(method, Method::GET | Method::HEAD)
    {
        let (parts, _) = req.into_parts();
        let base = client_base_of(&parts).0;
        let mut location = format!("{base}/{}", relative().trim_end_matches('/'));
        if let Some(q) = vendor_uri.query() {
            location.push('?');
            location.push_str(q);
        }
        let mut res = StatusCode::MOVED_PERMANENTLY.into_response();
        if let Ok(v) = HeaderValue::from_str(&location) {
            res.headers_mut().insert(axum::http::header::LOCATION, v);
        }
        return res;
    }
    // Bounded work per request: filters and lists are driven by query parameters.
    if req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').count() > MAX_QUERY_PAIRS)
    {
        let err = ApiError::BadRequest {
            message: format!("At most {MAX_QUERY_PAIRS} query parameters are accepted."),
        };
        return render(ctx.dialect, err.into_response(), &method, relative());
    }
    // The request body is read here (within the body limit) so the journal can keep it.
    let (parts, body) = req.into_parts();
    let request_headers = super::journal::header_text(&parts.headers);
    let request_bytes = if axum::body::HttpBody::is_end_stream(&body) {
        Bytes::new()
    } else {
        match Box::pin(axum::body::to_bytes(body, ctx.platform.max_body_bytes)).await {
            Ok(b) => b,
            Err(e) => {
                let too_large = e
                    .into_inner()
                    .downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some();
                // Otherwise the client stalled (client timeout) or went away mid-body.
                let err = if too_large {
                    ApiError::PayloadTooLarge {
                        limit: ctx.platform.max_body_bytes,
                    }
                } else {
                    ApiError::BadRequest {
                        message: "The request body could not be read in time.".into(),
                    }
                };
                return render(ctx.dialect, err.into_response(), &method, relative());
            }
        }
    };
    let req = if request_bytes.is_empty() {
        Request::from_parts(parts, Body::empty())
    } else {
        // The edge has held the body to the limit already; axum's extractors would hold it
        // to their own default (2 MB) again unless told otherwise.
        with_extractors_unlimited(Request::from_parts(
            parts,
            Body::from(request_bytes.clone()),
        ))
        .await
    };
    let (mut res, account) = match ctx.table.at(vendor_uri.path()) {
        Some(route) => guard(&ctx, req, Some(route), &request_bytes).await,
        // A path the surface does not route is the vendor's 404 at once, unless a stub names
        // it: then it is authenticated and limited like any other request first.
        None if ctx
            .platform
            .stubs
            .may_match(info.id, method.as_str(), vendor_uri.path()) =>
        {
            guard(&ctx, req, None, &request_bytes).await
        }
        None => (route_not_found(&method, &vendor_uri).into_response(), None),
    };
    // With --state-dir, a write is on disk before its answer goes out.
    let wrote = !matches!(method, Method::GET | Method::HEAD)
        || res.extensions().get::<StateChanged>().is_some();
    if wrote && account.is_some() && ctx.platform.flush_off_workers().await.is_err() {
        // The vendor's 500, keeping the exchange's extensions (the fault, if any).
        let ext = std::mem::take(res.extensions_mut());
        res = ApiError::Internal.into_response();
        res.extensions_mut().extend(ext);
        res.extensions_mut()
            .insert(super::error::PendingError(ApiError::Internal));
    }
    let dropped = res.extensions().get::<Dropped>().is_some();
    let (mut res, response_bytes) = if dropped {
        (res, Bytes::new())
    } else {
        // A stub's answer goes out as the stub says.
        let mut res = if res.extensions().get::<StubAnswered>().is_some() {
            res
        } else {
            render(ctx.dialect, res, &method, relative())
        };
        let headers = res.headers_mut();
        for (name, value) in info.framework.headers {
            headers
                .entry(*name)
                .or_insert(HeaderValue::from_static(value));
        }
        // Origins are mirrored (CORS), so caches must key on it.
        headers
            .entry(axum::http::header::VARY)
            .or_insert(HeaderValue::from_static("Origin"));
        let (parts, body) = res.into_parts();
        let bytes = body_bytes(body).await;
        (
            Response::from_parts(parts, Body::from(bytes.clone())),
            bytes,
        )
    };
    // CORS answers go to CORS requests (browsers always send `Origin` with those).
    if let Some(origin) = &origin {
        allow_origin(origin, res.headers_mut());
        res.headers_mut()
            .insert(axum::http::header::ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
    }
    ctx.platform.journal.record(Recorded {
        at_ms: ctx.platform.clock.now_ms(),
        surface: info.id,
        account: account.map(|a| a.id),
        method,
        paths: Paths::new(&original, &vendor_uri),
        status: res.status().as_u16(),
        request_headers,
        request_body: body_text(&request_bytes),
        response_body: body_text(&response_bytes),
        fault: res.extensions().get::<InjectedFault>().map(|f| f.0.clone()),
        stub: res.extensions().get::<StubAnswered>().map(|s| s.0.clone()),
        latency_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
    });
    res
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

/// A response body, whole (empty if it fails). The bodies handlers build are one frame,
/// which is handed back as it is: no copy, no list of chunks.
async fn body_bytes(mut body: Body) -> Bytes {
    use http_body_util::BodyExt;
    let mut first = Bytes::new();
    let mut more: Option<bytes::BytesMut> = None;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Bytes::new();
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        match &mut more {
            Some(all) => all.extend_from_slice(&data),
            None if first.is_empty() => first = data,
            None => {
                let mut all = bytes::BytesMut::from(&first[..]);
                all.extend_from_slice(&data);
                more = Some(all);
            }
        }
    }
    more.map_or(first, bytes::BytesMut::freeze)
}

/// `scheme://host{path_prefix}` from the request headers.
pub fn client_base(headers: &HeaderMap, path_prefix: &str) -> String {
    let host = header_str(headers, HOST).unwrap_or("localhost");
    let scheme = header_str(headers, "x-forwarded-proto").unwrap_or("http");
    format!("{scheme}://{host}{path_prefix}")
}

/// Turns a pending neutral error, or any non-JSON error response, into the vendor's body,
/// keeping the headers already set (rate-limit headers) and the extensions (an injected fault).
fn render(dialect: &Dialect, mut res: Response, method: &Method, path: &str) -> Response {
    let err = match res.extensions_mut().remove::<PendingError>() {
        Some(PendingError(e)) => e,
        None => {
            let status = res.status();
            let is_json = header_str(res.headers(), CONTENT_TYPE)
                .is_some_and(|c| c.starts_with("application/json"));
            if status.as_u16() < 400 || is_json {
                return res;
            }
            match status {
                StatusCode::NOT_FOUND => ApiError::RouteNotFound {
                    method: method.to_string(),
                    path: path.to_string(),
                },
                StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed {
                    method: method.to_string(),
                    path: path.to_string(),
                    allowed: Vec::new(),
                },
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge { limit: 0 },
                s if s.is_client_error() => ApiError::not_understood(),
                _ => ApiError::Internal,
            }
        }
    };
    let mut err = err;
    let mut allow = None;
    if let ApiError::MethodNotAllowed { allowed, .. } = &mut err {
        *allowed = dialect.allowed_methods(path);
        allow = HeaderValue::from_str(&allowed.join(", ")).ok();
    }
    let (status, body) = dialect.render_error(&err);
    let (mut parts, _) = res.into_parts();
    if let Some(v) = allow {
        parts.headers.insert(axum::http::header::ALLOW, v);
    }
    parts.status = status;
    parts.headers.remove(CONTENT_LENGTH);
    if let ApiError::RateLimited { retry_after } = err {
        parts
            .headers
            .insert(RETRY_AFTER, HeaderValue::from(retry_after));
    }
    let mut out = Json(body).into_response();
    let json_type = out.headers().get(CONTENT_TYPE).cloned();
    *out.status_mut() = status;
    *out.headers_mut() = parts.headers;
    if let Some(ct) = json_type {
        out.headers_mut().insert(CONTENT_TYPE, ct);
    }
    *out.extensions_mut() = parts.extensions;
    out
}

/// Authentication, then the per-account rate limit and its headers, then injected faults (for
/// a routed path), then stubs; then the route (a path without one is the vendor's 404).
async fn guard(
    ctx: &SurfaceCtx,
    mut req: Request,
    route: Option<Matched<'_>>,
    body: &Bytes,
) -> (Response, Option<Account>) {
    let info = ctx.dialect.info();
    let cred = credential(req.headers(), info.auth);
    let account = match ctx.platform.accounts.authenticate(info.vendor, &cred) {
        Ok(a) => a,
        Err(e) => return (e.into_response(), None),
    };
    let documented = ctx.dialect.documented;
    let windows = ctx.platform.windows_in_force(info.id, documented);
    let decision = if windows.is_empty() {
        // Limits are off: report the documented budget as untouched.
        documented.iter().min_by_key(|w| w.limit).map(|w| Decision {
            allowed: true,
            limit: w.limit,
            remaining: w.limit,
            reset_after: w.seconds,
        })
    } else {
        Some(
            ctx.platform
                .limiter
                .check(&ctx.platform.clock, info.budget, &account.id, &windows),
        )
    };
    let mut res = match decision {
        Some(d) if !d.allowed => ApiError::RateLimited {
            retry_after: d.reset_after,
        }
        .into_response(),
        _ => {
            Arrival::of(&mut req).account = Some(account.clone());
            let hit = route.as_ref().and_then(|_| {
                ctx.platform.faults.check(
                    info.id,
                    req.method().as_str(),
                    req.uri().path(),
                    Some(&account.id),
                )
            });
            match (hit, route) {
                (Some(hit), Some(route)) => {
                    let method = req.method().clone();
                    // Boxed: a fault's future is large, and the edge's own would carry its
                    // size on every request.
                    Box::pin(inject(ctx, hit, &method, req, route, decision)).await
                }
                (_, route) => {
                    let stub = ctx.platform.stubs.check(&super::stubs::Asked {
                        surface: info.id,
                        method: req.method().as_str(),
                        path: req.uri().path(),
                        query: req.uri().query(),
                        body,
                        account: Some(&account.id),
                    });
                    match (stub, route) {
                        (Some((id, answer)), _) => {
                            let mut res = answer.to_response();
                            res.extensions_mut().insert(StubAnswered(id));
                            res
                        }
                        (None, Some(route)) => run_caught(route, req).await,
                        (None, None) => route_not_found(req.method(), req.uri()).into_response(),
                    }
                }
            }
        }
    };
    if let Some(mut d) = decision {
        // An injected 429 carries the throttle's headers with the throttle's meaning: none
        // left, and the reset its Retry-After names.
        if let (Some(_), Some(PendingError(ApiError::RateLimited { retry_after }))) = (
            res.extensions().get::<InjectedFault>(),
            res.extensions().get::<PendingError>(),
        ) {
            d.allowed = false;
            d.remaining = 0;
            d.reset_after = *retry_after;
        }
        rate_headers(info, &ctx.platform, &d, res.headers_mut());
    }
    (res, Some(account))
}

/// Marks a response a stub gave (the journal names the stub; it is not re-rendered).
#[derive(Debug, Clone)]
pub struct StubAnswered(pub String);

/// Marks a response whose exchange a fault rule changed (the journal names the rule).
#[derive(Debug, Clone)]
pub struct InjectedFault(pub String);

/// Applies an injected fault. Without `after_write` the handler runs only for reads (which
/// change nothing); with it, the handler runs first and the failure follows.
async fn inject(
    ctx: &SurfaceCtx,
    hit: Hit,
    method: &Method,
    req: Request,
    route: Matched<'_>,
    decision: Option<super::rate_limit::Decision>,
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
struct Dropped;

fn unreachable_response() -> Response {
    StatusCode::GATEWAY_TIMEOUT.into_response()
}

/// The neutral error an injected status renders as, in the vendor's own body.
/// What an injected error borrows from the request, so it reads as the surface's own.
struct Situation {
    /// The record the path addresses (resource name, id).
    record: Option<(&'static str, String)>,
    /// When the rate-limit window in force resets (`None`: no limit in force).
    window_resets_in: Option<u64>,
}

/// The neutral error an injected status becomes: the surface's own 401 (a bad token), 404 (the
/// addressed record missing), 429 (the throttle, resetting with the current window), 500; any
/// other status in the form the surface's own errors of that kind take.
fn injected_error(status: u16, situation: Situation) -> ApiError {
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
async fn corrupt(res: Response, truncate: bool) -> Response {
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

/// A number as a header value; the small ones (every documented per-minute budget) come from
/// a table built once, so the rate-limit headers cost no allocation.
fn number_header(n: u64) -> HeaderValue {
    static SMALL: std::sync::LazyLock<Vec<HeaderValue>> =
        std::sync::LazyLock::new(|| (0..=1024u64).map(HeaderValue::from).collect());
    usize::try_from(n)
        .ok()
        .and_then(|i| SMALL.get(i))
        .cloned()
        .unwrap_or_else(|| HeaderValue::from(n))
}

fn rate_headers(info: &SurfaceInfo, platform: &Platform, d: &Decision, headers: &mut HeaderMap) {
    // Checked once, at compile time (`from_static` in a const), not on every answer.
    const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
    const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
    const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
    match info.rate_headers {
        RateHeaders::RetryAfterOnly => {}
        RateHeaders::XRateLimit => {
            headers.insert(LIMIT, number_header(u64::from(d.limit)));
            headers.insert(REMAINING, number_header(u64::from(d.remaining)));
            if !d.allowed {
                let reset = platform.clock.now_ms() / 1000 + d.reset_after as i64;
                headers.insert(RESET, HeaderValue::from(reset));
            }
        }
    }
}

/// How a request outside the path-prefix scheme maps onto a surface.
#[derive(Debug, Clone)]
pub struct Route {
    pub vendor: &'static str,
    pub real_path: &'static str,
    pub hosts: &'static [&'static str],
    /// `/{vendor}{real_path}`: where the surface sits on the main port.
    pub prefix: String,
    pub trailing_slash: TrailingSlash,
    /// `real_path`, shared, for the requests this route rewrites.
    real_base: Arc<str>,
}

impl From<&SurfaceInfo> for Route {
    fn from(i: &SurfaceInfo) -> Self {
        Self {
            vendor: i.vendor,
            real_path: i.real_path,
            hosts: i.hosts,
            prefix: i.prefix(),
            trailing_slash: i.framework.trailing_slash,
            real_base: Arc::from(i.real_path),
        }
    }
}

/// Where frameworks that ignore a trailing slash (Laravel, Phoenix) would route: the path
/// without it, inside a surface whose policy is [`TrailingSlash::Serve`]. The surface's own
/// root (`prefix/`) is left alone.
fn trim_slash(req: &mut Request, table: &[Route]) {
    let path = req.uri().path();
    if path.len() < 2 || !path.ends_with('/') {
        return;
    }
    let serves = table.iter().any(|r| {
        r.trailing_slash == TrailingSlash::Serve
            && path.len() > r.prefix.len() + 1
            && path.starts_with(&r.prefix)
            && path.as_bytes()[r.prefix.len()] == b'/'
    });
    if !serves {
        return;
    }
    let trimmed = path.trim_end_matches('/');
    let new = match req.uri().query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_string(),
    };
    if let Ok(uri) = new.parse::<Uri>() {
        *req.uri_mut() = uri;
    }
}

/// Path prefix reserved for the admin API: never routed to a vendor.
pub const ADMIN_PREFIX: &str = "/__admin";

/// Puts the surface's prefix in front of a vendor path. A path outside the surface's real
/// base path still goes to that surface (its own 404 in the vendor's shape), never to
/// another surface of the vendor.
fn prepend(req: &mut Request, route: &Route) {
    let pq = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let path = req.uri().path();
    let under = path == route.real_path
        || path
            .strip_prefix(route.real_path)
            .is_some_and(|rest| rest.starts_with('/'));
    let new = if under {
        format!("/{}{}", route.vendor, pq)
    } else {
        format!("{}{}", route.prefix, pq)
    };
    if let Ok(uri) = new.parse::<Uri>() {
        *req.uri_mut() = uri;
        Arrival::of(req).base = Some(Arc::clone(&route.real_base));
    }
}

/// Paths mockdesk itself answers on every listener: the admin API and media.
fn platform_path(path: &str) -> bool {
    path.starts_with(ADMIN_PREFIX) || path.starts_with(super::media::MEDIA_PREFIX)
}

/// Routes by `Host`: a request to a vendor's real host (port ignored) is served by that
/// surface as if it had come with the path prefix. Admin paths are never rewritten.
pub fn route_by_host(mut req: Request, table: &[Route]) -> Request {
    if platform_path(req.uri().path()) {
        return req;
    }
    let host =
        header_str(req.headers(), HOST).map(|h| h.rsplit_once(':').map_or(h, |(name, _)| name));
    let Some(host) = host else { return req };
    let serves = |r: &&Route| r.hosts.iter().any(|h| h.eq_ignore_ascii_case(host));
    let path = req.uri().path();
    // The longest matching real path wins (two surfaces may share a host).
    let found = table
        .iter()
        .filter(serves)
        .filter(|r| {
            path.strip_prefix(r.real_path)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
        .max_by_key(|r| r.real_path.len())
        .or_else(|| table.iter().find(serves))
        .cloned();
    if let Some(route) = found {
        prepend(&mut req, &route);
    }
    trim_slash(&mut req, table);
    req
}

/// For a surface's own port: every non-admin path is the vendor's own path.
pub fn route_to_surface(mut req: Request, route: &Route) -> Request {
    if !platform_path(req.uri().path()) {
        prepend(&mut req, route);
        trim_slash(&mut req, std::slice::from_ref(route));
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use proptest::prelude::*;

    /// What an axum router with the same patterns makes of `path`: not routed (`None`), or
    /// routed with its parameters percent-decoded (`Err` when one is not UTF-8), as axum's
    /// own `RawPathParams` hands them over.
    async fn axum_routes(router: &Router, path: &str) -> Option<Result<Vec<String>, ()>> {
        let req = Request::builder()
            .uri(path)
            .body(Body::empty())
            .expect("request");
        let res = router.clone().oneshot(req).await.expect("infallible");
        match res.status() {
            StatusCode::NOT_FOUND => None,
            StatusCode::OK => {
                let body = body_bytes(res.into_body()).await;
                Some(Ok(serde_json::from_slice(&body).expect("values")))
            }
            StatusCode::BAD_REQUEST => Some(Err(())),
            other => panic!("{path}: {other}"),
        }
    }

    /// An axum router over `patterns` whose every route answers its raw parameters.
    fn axum_router(patterns: &[&'static str]) -> Router {
        let mut router = Router::new();
        for p in patterns {
            router = router.route(
                p,
                axum::routing::get(|params: axum::extract::RawPathParams| async move {
                    let values: Vec<&str> = params.iter().map(|(_, v)| v).collect();
                    Json(serde_json::json!(values))
                }),
            );
        }
        router
    }

    /// What the surface's own table makes of `path`, in the same terms.
    fn table_routes(table: &Table, path: &str) -> Option<Result<Vec<String>, ()>> {
        table.at(path).map(|m| {
            let (values, count) = m.params.decoded(path).map_err(|_| ())?;
            Ok(values[..count].to_vec())
        })
    }

    /// Paths built from a surface's own patterns: each with sample parameters, and near
    /// misses (trailing slash, one segment more or less, changed case, empty parameter).
    fn near_paths(patterns: &[&str]) -> Vec<String> {
        let fill = |p: &str, v: &str| {
            p.split('/')
                .map(|seg| {
                    if seg.starts_with("{*") {
                        format!("{v}/more")
                    } else if seg.starts_with('{') {
                        v.to_string()
                    } else {
                        seg.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        };
        let mut out = vec!["/".to_string(), "/x".to_string()];
        for p in patterns {
            for v in ["1", "abc", "x%20y", "", "%C3%A9", "%FF"] {
                let path = fill(p, v);
                out.push(format!("{path}/"));
                out.push(format!("{path}/extra"));
                out.push(path.to_uppercase());
                if let Some((head, _)) = path.rsplit_once('/') {
                    out.push(head.to_string());
                }
                out.push(path);
            }
        }
        out.retain(|p| p.starts_with('/'));
        out
    }

    fn surfaces() -> Vec<Surface> {
        let state = crate::AppState::new(&crate::Config::default()).expect("state");
        state.routers.iter().cloned().collect()
    }

    /// The surface's table and an axum router with the same patterns agree on every path
    /// near a surface's routes, and on the parameters they read from it (so the edge routes
    /// exactly where axum's router routed before it, and authentication and rate limits
    /// apply exactly where a route answers).
    #[tokio::test]
    async fn table_agrees_with_axum_near_routes() {
        for surface in surfaces() {
            let table = &surface.ctx.table;
            assert!(!table.patterns().is_empty());
            let axum = axum_router(table.patterns());
            let mut routed = 0;
            for path in near_paths(table.patterns()) {
                let ours = table_routes(table, &path);
                routed += usize::from(ours.is_some());
                assert_eq!(
                    ours,
                    axum_routes(&axum, &path).await,
                    "{}: {path}",
                    surface.ctx.dialect.info().id
                );
            }
            assert!(
                routed > table.patterns().len(),
                "{}",
                surface.ctx.dialect.info().id
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// ...and on paths made of any of their segments (and percent-encoded bytes, some not
        /// UTF-8), in any order.
        #[test]
        fn table_agrees_with_axum_anywhere(picks in proptest::collection::vec(0usize..400, 1..6), slash in any::<bool>()) {
            let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
            for surface in surfaces() {
                let table = &surface.ctx.table;
                let mut segments: Vec<&str> = table
                    .patterns()
                    .iter()
                    .flat_map(|p| p.split('/'))
                    .filter(|s| !s.is_empty() && !s.starts_with('{'))
                    .collect();
                segments.extend(["1", "x", "0f8fad5b-d9cb-469f-a165-70867728950e", "2024", "a%20b", "%C3%A9", "%FF", "%zz", "50%"]);
                let mut path: String = picks
                    .iter()
                    .map(|i| format!("/{}", segments[i % segments.len()]))
                    .collect();
                if slash {
                    path.push('/');
                }
                let axum = rt.block_on(axum_routes(&axum_router(table.patterns()), &path));
                prop_assert_eq!(table_routes(table, &path), axum, "{}", path);
            }
        }
    }

    fn stream(chunks: Vec<Result<&'static str, std::io::Error>>) -> Body {
        Body::from_stream(futures_util::stream::iter(
            chunks
                .into_iter()
                .map(|c| c.map(|s: &'static str| Bytes::from_static(s.as_bytes()))),
        ))
    }

    /// One frame is handed back as it is; several are joined in order; a failed body is
    /// empty (as `to_bytes(..).unwrap_or_default()` was).
    #[tokio::test]
    async fn body_bytes_whole() {
        let one = Bytes::from_static(b"{\"a\":1}");
        let got = body_bytes(Body::from(one.clone())).await;
        assert_eq!(got, one);
        assert_eq!(got.as_ptr(), one.as_ptr(), "a single frame is not copied");
        assert_eq!(body_bytes(Body::empty()).await, Bytes::new());
        assert_eq!(
            body_bytes(stream(vec![Ok("{\"a\""), Ok(":"), Ok("1}")])).await,
            Bytes::from_static(b"{\"a\":1}")
        );
        assert_eq!(
            body_bytes(stream(vec![Ok(""), Ok("x"), Ok("y")])).await,
            Bytes::from_static(b"xy")
        );
        let broken = stream(vec![Ok("{\"a\""), Err(std::io::Error::other("gone"))]);
        assert_eq!(body_bytes(broken).await, Bytes::new());
    }
}

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
use axum::extract::{FromRequestParts, Request};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::answers::Looked;
pub use super::arrival::Arrival;
use super::auth::{credential, Account};
use super::dialect::{Dialect, RateHeaders, SurfaceInfo, TrailingSlash};
use super::error::{ApiError, PendingError};
use super::faults::{Effect, Hit};
use super::journal::{body_text, Paths, Recorded};
use super::rate_limit::Decision;
use super::routes::{Matched, Routes, Table};
use super::Platform;
use std::sync::atomic::Ordering;

mod admit;
mod body;
mod cors;
mod host;
mod inject;
mod kept;

use super::view::body_bytes;
use admit::{authenticate, decide, rate_headers};
use body::{read_body, rebuild};
use cors::{allow_origin, preflight, EXPOSED};
pub use host::{route_by_host, route_to_surface, Route, ADMIN_PREFIX};
use inject::{inject, Dropped};
pub use inject::{InjectedFault, StubAnswered};

/// The base URL of the surface as the client addressed it (scheme, host and the prefix the
/// client used), for links a response hands back (pagination `links`, `path`). Worked out
/// from the headers and the prefix the client used, when a handler asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientBase(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientBase {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(client_base_of(parts))
    }
}

fn client_base_of(parts: &Parts) -> ClientBase {
    client_base_for(&parts.headers, &parts.extensions)
}

fn client_base_for(headers: &HeaderMap, extensions: &axum::http::Extensions) -> ClientBase {
    ClientBase(client_base(headers, prefix_used(extensions)))
}

/// The prefix a kept answer's key names: the one the client came in by, or the surface's
/// own when routing set none (as the edge's `arrive` records it). The kept lane and the
/// usual way key answers through this one reading.
fn key_base<'a>(ctx: &'a SurfaceCtx, extensions: &'a axum::http::Extensions) -> &'a str {
    extensions
        .get::<Arrival>()
        .and_then(|a| a.base.as_deref())
        .unwrap_or(&ctx.prefix)
}

/// The path prefix the client reached the surface by (`Arrival::base`; empty when none).
fn prefix_used(extensions: &axum::http::Extensions) -> &str {
    extensions
        .get::<Arrival>()
        .and_then(|a| a.base.as_deref())
        .unwrap_or("")
}

struct SurfaceCtx {
    platform: Arc<Platform>,
    dialect: &'static Dialect,
    /// `/{vendor}{real path}`, where the surface sits on the main port.
    prefix: Arc<str>,
    /// The vendor's routes.
    table: Table,
    /// GET answers kept until anything changes; they hold the surface's framing headers
    /// ([`frame`]).
    answers: super::answers::Answers,
    /// Requests the kept lane answered ([`Surface::kept_lane_answers`]).
    lane: LaneCount,
}

/// A counter on a cache line of its own: every request the lane answers adds to it, from
/// every worker, and the fields beside it are read by every request.
#[derive(Default)]
#[repr(align(64))]
struct LaneCount(std::sync::atomic::AtomicU64);

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
    let framing = dialect
        .info()
        .framework
        .headers
        .iter()
        .map(|(name, value)| {
            (
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            )
        })
        // Origins are mirrored (CORS), so caches must key on it.
        .chain([(axum::http::header::VARY, HeaderValue::from_static("Origin"))])
        .collect();
    let framing = super::answers::Framing(framing);
    let changes = platform.clock.changes().clone();
    let ctx = Arc::new(SurfaceCtx {
        platform,
        dialect,
        prefix: Arc::from(dialect.info().prefix()),
        table: routes.table(),
        answers: super::answers::Answers::new(changes, framing),
        lane: Default::default(),
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
async fn run_caught(route: Matched<'_>, mut req: Request) -> Response {
    use futures_util::FutureExt;
    // The parameters go with the request, for the handler's `Path`.
    Arrival::of(&mut req).params = Some(route.params);
    match std::panic::AssertUnwindSafe(async move { route.call(req).await })
        .catch_unwind()
        .await
    {
        Ok(res) => res,
        Err(_) => ApiError::Internal.into_response(),
    }
}

/// What the client sent besides the head's first line: the body, and the headers as the
/// journal keeps them (credentials redacted).
#[derive(Clone, Copy)]
struct Sent<'a> {
    body: &'a Bytes,
    headers: &'a str,
}

/// The route's answer: a GET without a body through the surface's kept answers (see
/// [`super::answers`]), anything else from its handler.
async fn answer_route(
    ctx: &SurfaceCtx,
    route: Matched<'_>,
    req: Request,
    account: &Account,
    sent: Sent<'_>,
) -> Response {
    if req.method() != Method::GET || !sent.body.is_empty() {
        return run_caught(route, req).await;
    }
    let looked = ctx.answers.look(&super::answers::Asked {
        account: &account.id,
        base: key_base(ctx, req.extensions()),
        path: req.uri().path(),
        query: req.uri().query(),
        headers: sent.headers,
    });
    // Making and checking are boxed: inline, their futures (the handler's plus the body
    // collected) would double this one's size, and the edge's future that holds it is copied
    // whole into its box on every request (`docs/performance.md`).
    match looked {
        Looked::Kept(res, found) if ctx.platform.check_answers.load(Ordering::Relaxed) => {
            let check = ctx
                .answers
                .check(res, found, &account.id, run_caught(route, req));
            Box::pin(check).await
        }
        Looked::Kept(res, _) => res,
        Looked::Missing(pending) => {
            let make = ctx
                .answers
                .make(pending, &account.id, run_caught(route, req));
            Box::pin(make).await
        }
    }
}

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

/// A request's whole way through the surface, step by step (each step below).
async fn edge(ctx: Arc<SurfaceCtx>, mut req: Request) -> Response {
    let started = std::time::Instant::now();
    if req.method() == Method::OPTIONS {
        return preflight(req.headers());
    }
    let method = req.method().clone();
    let vendor_uri = req.uri().clone();
    let original = arrive(&ctx, &mut req, &vendor_uri);
    let relative = vendor_uri.path().trim_start_matches('/');
    if let Some(res) = answer_early(&ctx, &req, &method, &vendor_uri) {
        return res;
    }
    let origin = req.headers().get(axum::http::header::ORIGIN).cloned();
    let (parts, body) = req.into_parts();
    let request_headers = super::journal::header_text(&parts.headers);
    let request_bytes = match read_body(ctx.platform.max_body_bytes, body).await {
        Ok(bytes) => bytes,
        Err(err) => return render(ctx.dialect, err.into_response(), &method, relative),
    };
    let req = rebuild(parts, &request_bytes).await;
    let sent = Sent {
        body: &request_bytes,
        headers: &request_headers,
    };
    let (res, account, decision) = route(&ctx, req, sent, &method, &vendor_uri).await;
    let res = persist(&ctx, res, &method, account.is_some()).await;
    if let (false, Some(account)) = (matches!(method, Method::GET | Method::HEAD), &account) {
        // Whatever it changed of its account, the account's kept answers are stale
        // (`super::answers`).
        ctx.platform.clock.changes().changed_for(&account.id);
    }
    let (mut res, response_bytes) = finish(&ctx, res, &method, relative, origin.as_ref()).await;
    if let Some(d) = decision {
        rate_headers(ctx.dialect.info(), &ctx.platform, &d, res.headers_mut());
    }
    ctx.platform.journal.record(Recorded {
        at_ms: ctx.platform.clock.now_ms(),
        surface: ctx.dialect.info().id,
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

/// Notes where the request came from (its `Arrival`): the path prefix the client used, and
/// returns the URI the client sent. Through the main port's dispatcher that URI is in
/// `Arrival`; through an axum router that nested the surface (`crate::app`), in axum's
/// `OriginalUri`.
fn arrive(ctx: &SurfaceCtx, req: &mut Request, vendor_uri: &Uri) -> Uri {
    let nested = req
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map(|o| o.0.clone());
    let arrival = Arrival::of(req);
    arrival.base.get_or_insert_with(|| Arc::clone(&ctx.prefix));
    arrival
        .original
        .clone()
        .or(nested)
        .unwrap_or_else(|| vendor_uri.clone())
}

/// What is answered before the body is read: a delivery of mockdesk's own webhooks (which
/// could loop), Symfony's redirect of a trailing slash, too many query parameters.
fn answer_early(
    ctx: &SurfaceCtx,
    req: &Request,
    method: &Method,
    vendor_uri: &Uri,
) -> Option<Response> {
    let relative = vendor_uri.path().trim_start_matches('/');
    if req
        .headers()
        .contains_key(super::webhooks::DELIVERY_HEADER_NAME)
    {
        let err = ApiError::BadRequest {
            message: "mockdesk does not act on its own webhook deliveries".into(),
        };
        return Some(render(ctx.dialect, err.into_response(), method, relative));
    }
    // Symfony redirects a GET/HEAD with a trailing slash to the path without it.
    if ctx.dialect.info().framework.trailing_slash == TrailingSlash::Redirect
        && relative.ends_with('/')
        && matches!(*method, Method::GET | Method::HEAD)
    {
        let base = client_base_for(req.headers(), req.extensions()).0;
        let mut location = format!("{base}/{}", relative.trim_end_matches('/'));
        if let Some(q) = vendor_uri.query() {
            location.push('?');
            location.push_str(q);
        }
        let mut res = StatusCode::MOVED_PERMANENTLY.into_response();
        if let Ok(v) = HeaderValue::from_str(&location) {
            res.headers_mut().insert(axum::http::header::LOCATION, v);
        }
        return Some(res);
    }
    // Bounded work per request: filters and lists are driven by query parameters.
    if vendor_uri
        .query()
        .is_some_and(|q| q.split('&').count() > MAX_QUERY_PAIRS)
    {
        let err = ApiError::BadRequest {
            message: format!("At most {MAX_QUERY_PAIRS} query parameters are accepted."),
        };
        return Some(render(ctx.dialect, err.into_response(), method, relative));
    }
    None
}

/// The route's handler behind the guard; a path the surface does not route is the vendor's
/// 404 at once, unless a stub names it: then it is authenticated and limited like any other
/// request first.
async fn route(
    ctx: &SurfaceCtx,
    req: Request,
    sent: Sent<'_>,
    method: &Method,
    vendor_uri: &Uri,
) -> Guarded {
    match ctx.table.at(vendor_uri.path()) {
        Some(route) => guard(ctx, req, Some(route), sent).await,
        None if ctx.platform.stubs.may_match(
            ctx.dialect.info().id,
            method.as_str(),
            vendor_uri.path(),
        ) =>
        {
            guard(ctx, req, None, sent).await
        }
        None => (
            route_not_found(method, vendor_uri).into_response(),
            None,
            None,
        ),
    }
}

/// With --state-dir, a write is on disk before its answer goes out; a commit that fails is
/// the vendor's 500 (keeping the exchange's extensions: the fault, if any).
async fn persist(ctx: &SurfaceCtx, mut res: Response, method: &Method, authed: bool) -> Response {
    let wrote = !matches!(*method, Method::GET | Method::HEAD)
        || res.extensions().get::<StateChanged>().is_some();
    if wrote && authed && ctx.platform.flush_off_workers().await.is_err() {
        let ext = std::mem::take(res.extensions_mut());
        res = ApiError::Internal.into_response();
        res.extensions_mut().extend(ext);
        res.extensions_mut()
            .insert(super::error::PendingError(ApiError::Internal));
    }
    res
}

/// The answer as it leaves: errors rendered in the vendor's body (a stub's answer goes out as
/// the stub says), the framework's headers, `Vary: Origin`, the CORS headers for a request
/// with `Origin`; with the body's bytes for the journal. A dropped connection stays dropped.
async fn finish(
    ctx: &SurfaceCtx,
    res: Response,
    method: &Method,
    relative: &str,
    origin: Option<&HeaderValue>,
) -> (Response, Bytes) {
    let (mut res, bytes) = if res.extensions().get::<Dropped>().is_some() {
        (res, Bytes::new())
    } else {
        let mut res = if res.extensions().get::<StubAnswered>().is_some() {
            res
        } else {
            render(ctx.dialect, res, method, relative)
        };
        frame(ctx, res.headers_mut());
        let (parts, body) = res.into_parts();
        let bytes = body_bytes(body).await;
        (
            Response::from_parts(parts, Body::from(bytes.clone())),
            bytes,
        )
    };
    cors(origin, res.headers_mut());
    (res, bytes)
}

/// The headers every answer the surface renders goes out with: the framework's, and `Vary:
/// Origin` (the surface's [`super::answers::Framing`], kept with its answers).
fn frame(ctx: &SurfaceCtx, headers: &mut HeaderMap) {
    ctx.answers.framing().apply(headers);
}

/// CORS answers go to CORS requests (browsers always send `Origin` with those).
fn cors(origin: Option<&HeaderValue>, headers: &mut HeaderMap) {
    if let Some(origin) = origin {
        allow_origin(origin, headers);
        headers.insert(axum::http::header::ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSED);
    }
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
    let mut allow = None;
    // The methods come from the surface's route table (the routed path's handlers).
    if let ApiError::MethodNotAllowed { allowed, .. } = &err {
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
    sent: Sent<'_>,
) -> Guarded {
    let info = ctx.dialect.info();
    let account = match authenticate(ctx, req.headers()) {
        Ok(a) => a,
        Err(e) => return (e.into_response(), None, None),
    };
    let decision = decide(ctx, &account);
    let res = match decision {
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
                        body: sent.body,
                        account: Some(&account.id),
                    });
                    match (stub, route) {
                        (Some((id, answer)), _) => {
                            let mut res = answer.to_response();
                            res.extensions_mut().insert(StubAnswered(id));
                            res
                        }
                        (None, Some(route)) => answer_route(ctx, route, req, &account, sent).await,
                        (None, None) => route_not_found(req.method(), req.uri()).into_response(),
                    }
                }
            }
        }
    };
    let decision = decision.map(|mut d| {
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
        d
    });
    (res, Some(account), decision)
}

/// What the guard hands back: the answer, the account it was given to, and the rate
/// limit's decision (its headers go on last, as the answer leaves: `edge`).
type Guarded = (Response, Option<Account>, Option<Decision>);

#[cfg(test)]
mod tests;

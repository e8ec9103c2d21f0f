//! mockdesk: a local, stateful emulator of customer-communication vendor APIs.
//!
//! # In a Rust test
//! [`MockDesk`] starts an emulator on its own port for the length of a test (see [`embed`]):
//!
//! ```
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() {
//! let desk = mock_server::MockDesk::builder().rate_limits(false).start().await;
//! let page: serde_json::Value = reqwest::Client::new()
//!     .get(format!("{}/users?page=1", desk.base_url("hipcall")))
//!     .bearer_auth(desk.token("hipcall"))
//!     .send().await.unwrap()
//!     .json().await.unwrap();
//! assert!(page["data"].is_array());
//! assert_eq!(desk.requests().len(), 1);
//! # }
//! ```
//!
//! # Layout
//! - [`config`]: command-line / environment options.
//! - [`state`]: [`AppState`], everything a running emulator holds, built from a [`Config`].
//! - [`platform`]: vendor-neutral machinery — neutral errors, the [`platform::dialect::Dialect`]
//!   a surface describes itself with (data), bearer auth, fixed-window rate limits, pagination
//!   styles and the one list helper, view rendering, tenant-scoped store, injectable clock,
//!   request journal, the operation catalogue format ([`platform::catalogue`]), and the layers
//!   every surface gets ([`platform::surface`]).
//! - [`vendors`]: one folder per vendor (`mod.rs` fidelity notes, known deviations and the
//!   surfaces' dialects; `state` the records; the API by resource, each with its routes,
//!   handlers and rules; `views.rs` response shapes; `errors.rs` error bodies; `seed.rs`
//!   default data; `catalogue.rs` every operation with the requests that exercise it).
//! - [`admin`]: `/__admin` (health, reset, state dump, journal, rate limits, surfaces,
//!   OpenAPI documents, clock).
//! - [`client`]: the one HTTP runner that talks to a surface from outside (throttling,
//!   `Retry-After`, write guard, token redaction, catalogue sessions); `verify` and the
//!   contract suite both use it.
//! - [`verify`]: `mockdesk verify` — a surface's catalogue against any server, validated
//!   against the surface's OpenAPI document, with a drift report.
//!
//! The caller binds, the library serves: [`AppState::new`] builds everything from a
//! [`Config`], [`app`] is the path-prefix router, and [`run`] / [`run_surface`] serve a
//! listener until the shutdown future resolves. Requests whose `Host` is a vendor's real host
//! are routed to that surface without the prefix.

// Vendor internals are `pub(crate)`: only what the contract suite and embedders use (each
// vendor's dialects, token, catalogue and state types) is public, and an item marked `pub`
// that nothing outside can reach is a warning (an error under `make lint`).
#![warn(unreachable_pub)]

pub mod admin;
#[cfg(feature = "verify")]
pub mod client;
pub mod config;
pub mod embed;
pub mod platform;
#[cfg(feature = "verify")]
pub mod snapshot;
pub mod state;
pub mod vendors;
#[cfg(feature = "verify")]
pub mod verify;

use std::future::Future;
use std::io;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Json, Router};
use serde_json::json;
use tokio::net::TcpListener;

pub use config::Config;
pub use embed::{BlockingMockDesk, DeskError, Fault, MockDesk, MockDeskBuilder};
use futures_util::future::Either;
/// The types an embedding test reads: a journal entry and its filter, a webhook delivery
/// attempt and a subscription.
pub use platform::journal::{Entry as JournalEntry, Filter as RequestFilter};
use platform::serve::Transport;
use platform::surface::{route_by_host, route_to_surface, Route, Surface, ADMIN_PREFIX};
pub use platform::webhooks::{Delivery, Subscription};
pub use state::{AppState, SetupError};

/// The path-prefix router: every surface under `/{vendor}{real path}`, the admin API under
/// `/__admin`, and a JSON 404 elsewhere (for in-process use; the served port's dispatcher
/// routes the surfaces itself and traces every request, see [`service`]).
pub fn app(state: &AppState) -> Router {
    let mut router = Router::new()
        .nest(ADMIN_PREFIX, admin::router(state.clone()))
        .route(
            "/__media/recordings/{file}",
            axum::routing::get(platform::media::serve_recording),
        );
    for (dialect, r) in state.dialects.iter().zip(state.routers.iter()) {
        // `nest_service` covers `prefix`, `prefix/` and `prefix/…`.
        router = router.nest_service(&dialect.info().prefix(), r.clone());
    }
    router
        .fallback(|req: Request| async move {
            // A browser opening the server's root is shown the dashboard.
            let browser = req.uri().path() == "/"
                && req
                    .headers()
                    .get(axum::http::header::ACCEPT)
                    .and_then(|a| a.to_str().ok())
                    .is_some_and(|a| a.contains("text/html"));
            if browser {
                return admin::to_dashboard().await;
            }
            (
                StatusCode::NOT_FOUND,
                Json(json!({"error": {
                    "code": "not_found",
                    "message": format!("no surface is mounted at {}; see GET /__admin/surfaces", req.uri().path()),
                }})),
            )
                .into_response()
        })
}

/// Request spans and their timing cost a little on every request; they are only built when
/// the log filter would show them (`RUST_LOG=tower_http=debug`).
fn request_tracing() -> bool {
    tracing::enabled!(target: "tower_http::trace::on_response", tracing::Level::DEBUG)
}

/// The main port's whole service: `Host` routing, then each surface's router found by its
/// path prefix (stripped here, as `nest` would), and [`app`] for everything else.
pub fn service(
    state: &AppState,
) -> impl tower::Service<
    Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Future<Output = Result<axum::response::Response, std::convert::Infallible>>
                 + Send
                 + 'static,
> + Clone
       + Send
       + 'static {
    dispatch(state, Rewrite::Host(state.routes()))
}

/// How requests are rewritten before dispatch: by `Host` (the main port), or every non-admin
/// path to one surface (its own port).
#[derive(Clone)]
enum Rewrite {
    Host(Arc<Vec<Route>>),
    Surface(Arc<Route>),
}

fn dispatch(state: &AppState, rewrite: Rewrite) -> Dispatch {
    let app = app(state);
    let mut surfaces: Vec<(String, Surface)> = state
        .dialects
        .iter()
        .zip(state.routers.iter())
        .map(|(d, r)| (d.info().prefix(), r.clone()))
        .collect();
    // The longest prefix first (one vendor's surfaces may nest).
    surfaces.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    Dispatch {
        rewrite,
        surfaces: Arc::new(surfaces),
        app,
        traced: request_tracing(),
    }
}

#[derive(Clone)]
struct Dispatch {
    rewrite: Rewrite,
    surfaces: Arc<Vec<(String, Surface)>>,
    app: Router,
    /// Request spans and timing around every answer (one path with or without them).
    traced: bool,
}

/// A surface's answer (kept, or made), or the rest of the app's.
type Answering = futures_util::future::Either<
    futures_util::future::Either<
        std::future::Ready<Result<axum::response::Response, std::convert::Infallible>>,
        <Surface as tower::Service<Request>>::Future,
    >,
    axum::routing::future::RouteFuture<std::convert::Infallible>,
>;

/// An answer, traced when request tracing is on (boxed then: the untraced answer allocates
/// nothing for it).
type DispatchFuture = futures_util::future::Either<
    Answering,
    std::pin::Pin<
        Box<dyn Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Send>,
    >,
>;

/// A request's span, as `tower_http`'s trace layer names it.
fn request_span(req: &Request) -> tracing::Span {
    tracing::debug_span!(
        target: "tower_http::trace::make_span",
        "request",
        method = %req.method(),
        uri = %req.uri(),
        version = ?req.version(),
    )
}

/// The answer inside a request span, with the events `tower_http`'s trace layer writes (its
/// targets, so `RUST_LOG=tower_http=debug` shows them).
fn traced(span: tracing::Span, answer: Answering) -> DispatchFuture {
    use tracing::Instrument;
    let start = std::time::Instant::now();
    Either::Right(Box::pin(
        async move {
            tracing::debug!(target: "tower_http::trace::on_request", "started processing request");
            let res = answer.await;
            if let Ok(r) = &res {
                tracing::debug!(
                    target: "tower_http::trace::on_response",
                    latency = %format_args!("{} ms", start.elapsed().as_millis()),
                    status = r.status().as_u16(),
                    "finished processing request"
                );
            }
            res
        }
        .instrument(span),
    ))
}

impl tower::Service<Request> for Dispatch {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = DispatchFuture;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if !self.traced {
            return Either::Left(self.answer(req));
        }
        let span = request_span(&req);
        traced(span, self.answer(req))
    }
}

impl Dispatch {
    /// The request rewritten (`Host`, own port), then answered by the surface its path
    /// names, or by the rest of the app.
    fn answer(&mut self, req: Request) -> Answering {
        use tower::Service;
        let mut req = match &self.rewrite {
            Rewrite::Host(table) => route_by_host(req, table),
            Rewrite::Surface(route) => route_to_surface(req, route),
        };
        let path = req.uri().path();
        let found = self.surfaces.iter().find(|(prefix, _)| {
            path.strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.is_empty() || (rest.starts_with('/') && rest != "/"))
        });
        let Some((prefix, surface)) = found else {
            return Either::Right(self.app.call(req));
        };
        let rest = &path[prefix.len()..];
        if let Some(res) = surface.kept_answer(&req, rest) {
            return Either::Left(Either::Left(std::future::ready(Ok(res))));
        }
        let query = req.uri().query();
        let mut stripped = String::with_capacity(rest.len() + 2 + query.map_or(0, |q| q.len()));
        stripped.push_str(if rest.is_empty() { "/" } else { rest });
        if let Some(q) = query {
            stripped.push('?');
            stripped.push_str(q);
        }
        let Ok(uri) = axum::http::Uri::try_from(stripped) else {
            return Either::Right(self.app.call(req));
        };
        let original = std::mem::replace(req.uri_mut(), uri);
        platform::surface::Arrival::of(&mut req)
            .original
            .get_or_insert(original);
        Either::Left(Either::Right(surface.answer(req)))
    }
}

/// Serves the main port (path prefixes, `Host` routing, admin) until `shutdown` resolves.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    run_on(listener, Transport::Plain, state, shutdown).await
}

/// [`run`] over HTTPS with the state's certificate ([`AppState::tls`]; an error without one).
pub async fn run_tls(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let transport = tls_transport(&state)?;
    run_on(listener, transport, state, shutdown).await
}

fn tls_transport(state: &AppState) -> io::Result<Transport> {
    state
        .tls
        .as_ref()
        .map(|t| Transport::Tls(t.config.clone()))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "no TLS certificate: build the state with --tls-listen or --tls-port",
            )
        })
}

/// What every listener does as it starts: webhook deliveries run, and the bus learns the
/// address so a subscription to it is refused.
fn starting(state: &AppState, listener: &TcpListener) {
    state.platform.webhooks.start();
    if let Ok(addr) = listener.local_addr() {
        state.platform.webhooks.add_own_listener(addr);
    }
}

async fn run_on(
    listener: TcpListener,
    transport: Transport,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    starting(&state, &listener);
    let svc = service(&state);
    let served = platform::serve::serve_on(listener, transport, svc, state.limits, shutdown).await;
    state.platform.webhooks.stop();
    served
}

/// Serves one surface at the root of `listener` with the vendor's own paths (admin stays at
/// `/__admin`) until `shutdown` resolves.
pub async fn run_surface(
    listener: TcpListener,
    state: AppState,
    surface: &str,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    run_surface_on(listener, Transport::Plain, state, surface, shutdown).await
}

/// [`run_surface`] over HTTPS (`--tls-port`).
pub async fn run_surface_tls(
    listener: TcpListener,
    state: AppState,
    surface: &str,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let transport = tls_transport(&state)?;
    run_surface_on(listener, transport, state, surface, shutdown).await
}

async fn run_surface_on(
    listener: TcpListener,
    transport: Transport,
    state: AppState,
    surface: &str,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    starting(&state, &listener);
    let route = state
        .surfaces()
        .into_iter()
        .find(|s| s.id == surface)
        .map(Route::from)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unknown surface {surface}"),
            )
        })?;
    let svc = dispatch(&state, Rewrite::Surface(Arc::new(route)));
    platform::serve::serve_on(listener, transport, svc, state.limits, shutdown).await
}

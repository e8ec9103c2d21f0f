//! mockdesk: a local, stateful emulator of customer-communication vendor APIs.
//!
//! # Layout
//! - [`config`]: command-line / environment options.
//! - [`platform`]: vendor-neutral machinery — neutral errors, the `Dialect` a surface
//!   describes itself with, bearer auth, fixed-window rate limits, pagination styles,
//!   tenant-scoped store, injectable clock, request journal, and the layers every surface
//!   gets ([`platform::surface`]).
//! - [`vendors`]: one folder per vendor (`mod.rs` fidelity notes and known deviations,
//!   `models.rs` state and rules, `routes.rs` handlers, `errors.rs` error bodies, `seed.rs`
//!   default data).
//! - [`admin`]: `/__admin` (health, reset, state dump, journal, rate limits, surfaces,
//!   OpenAPI documents, clock).
//! - [`verify`]: `mockdesk verify` — a surface's probes against any server, validated against
//!   the surface's OpenAPI document, with a drift report.
//!
//! The caller binds, the library serves: [`AppState::new`] builds everything from a
//! [`Config`], [`app`] is the path-prefix router, and [`run`] / [`run_surface`] serve a
//! listener until the shutdown future resolves. Requests whose `Host` is a vendor's real host
//! are routed to that surface without the prefix.

pub mod admin;
pub mod config;
pub mod platform;
pub mod vendors;
pub mod verify;

use std::future::Future;
use std::io;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::{Json, Router, ServiceExt};
use serde_json::json;
use tokio::net::TcpListener;
use tower::Layer;
use tower_http::trace::TraceLayer;

pub use config::Config;
use config::SurfacePort;
use platform::clock::Clock;
use platform::dialect::{Backend, Dialect, SurfaceInfo};
use platform::surface::{route_by_host, route_to_surface, Route, ADMIN_PREFIX};
use platform::Platform;

/// Everything a running emulator holds; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub platform: Arc<Platform>,
    pub backends: Arc<Vec<Arc<dyn Backend>>>,
    pub dialects: Arc<Vec<Arc<dyn Dialect>>>,
    /// Surface routers with the shared layers applied, paths relative to the surface root.
    routers: Arc<Vec<Router>>,
    pub ports: Arc<Vec<SurfacePort>>,
}

/// A configuration error found while building the state.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("unknown surface `{0}` (known: {1})")]
    UnknownSurface(String, String),
    #[error("unknown vendor `{0}` (known: {1})")]
    UnknownVendor(String, String),
}

impl AppState {
    /// Builds the platform, seeds every vendor and registers tokens and rate-limit overrides.
    pub fn new(config: &Config) -> Result<Self, SetupError> {
        Self::with_clock(config, Clock::real())
    }

    /// As [`AppState::new`] with a given clock (tests freeze it).
    pub fn with_clock(config: &Config, clock: Clock) -> Result<Self, SetupError> {
        let platform = Arc::new(Platform::new(
            clock.clone(),
            config.rate_limits,
            config.journal_capacity,
            config.max_body_bytes,
        ));
        let mut backends = Vec::new();
        let mut dialects = Vec::new();
        let mut routers = Vec::new();
        for v in vendors::all(config.seed, &clock) {
            platform
                .accounts
                .add(v.backend.vendor(), v.backend.default_token(), "default");
            for (dialect, routes) in v.surfaces {
                routers.push(platform::surface::mount(
                    platform.clone(),
                    dialect.clone(),
                    routes,
                ));
                dialects.push(dialect);
            }
            backends.push(v.backend);
        }
        let surface_ids = || {
            dialects
                .iter()
                .map(|d: &Arc<dyn Dialect>| d.info().id)
                .collect::<Vec<_>>()
                .join(", ")
        };
        for p in &config.ports {
            if !dialects.iter().any(|d| d.info().id == p.surface) {
                return Err(SetupError::UnknownSurface(p.surface.clone(), surface_ids()));
            }
        }
        for o in &config.rate_limit_overrides {
            if !dialects.iter().any(|d| d.info().id == o.surface) {
                return Err(SetupError::UnknownSurface(o.surface.clone(), surface_ids()));
            }
            platform.set_override(&o.surface, Some(o.rate.clone()));
        }
        for (i, t) in config.tokens.iter().enumerate() {
            if !backends
                .iter()
                .any(|b: &Arc<dyn Backend>| b.vendor() == t.vendor)
            {
                let known = backends
                    .iter()
                    .map(|b| b.vendor())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(SetupError::UnknownVendor(t.vendor.clone(), known));
            }
            let account = t
                .account
                .clone()
                .unwrap_or_else(|| format!("account-{}", i + 2));
            platform.accounts.add(&t.vendor, &t.token, &account);
        }
        Ok(Self {
            platform,
            backends: Arc::new(backends),
            dialects: Arc::new(dialects),
            routers: Arc::new(routers),
            ports: Arc::new(config.ports.clone()),
        })
    }

    pub fn surfaces(&self) -> Vec<&SurfaceInfo> {
        self.dialects.iter().map(|d| d.info()).collect()
    }

    fn routes(&self) -> Arc<Vec<Route>> {
        Arc::new(self.surfaces().into_iter().map(Route::from).collect())
    }
}

/// The path-prefix router: every surface under `/{vendor}{real path}`, the admin API under
/// `/__admin`, and a JSON 404 elsewhere.
pub fn app(state: &AppState) -> Router {
    let mut router = Router::new().nest(ADMIN_PREFIX, admin::router(state.clone()));
    for (dialect, r) in state.dialects.iter().zip(state.routers.iter()) {
        let prefix = dialect.info().prefix();
        // `nest` covers `prefix` and `prefix/…`; `prefix/` alone goes to the surface's own
        // fallback so it, too, gets the vendor's 404 body.
        router = router.nest(&prefix, r.clone()).route_service(
            &format!("{prefix}/"),
            tower::ServiceExt::map_request(r.clone(), |req: Request| req),
        );
    }
    router
        .fallback(|req: Request| async move {
            (
                StatusCode::NOT_FOUND,
                Json(json!({"error": {
                    "code": "not_found",
                    "message": format!("no surface is mounted at {}; see GET /__admin/surfaces", req.uri().path()),
                }})),
            )
        })
        .layer(TraceLayer::new_for_http())
}

/// Serves the main port (path prefixes, `Host` routing, admin) until `shutdown` resolves.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let table = state.routes();
    let svc = tower::util::MapRequestLayer::new(move |req: Request| route_by_host(req, &table))
        .layer(app(&state));
    axum::serve(listener, svc.into_make_service())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves one surface at the root of `listener` with the vendor's own paths (admin stays at
/// `/__admin`) until `shutdown` resolves.
pub async fn run_surface(
    listener: TcpListener,
    state: AppState,
    surface: &str,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
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
    let svc = tower::util::MapRequestLayer::new(move |req: Request| route_to_surface(req, &route))
        .layer(app(&state));
    axum::serve(listener, svc.into_make_service())
        .with_graceful_shutdown(shutdown)
        .await
}

//! [`AppState`]: everything a running emulator holds — the shared platform, each vendor's
//! backend, each surface's dialect and its layered router — built from a [`Config`].

use std::sync::Arc;

use axum::Router;

use crate::config::{Config, SurfacePort};
use crate::platform::clock::Clock;
use crate::platform::dialect::{Backend, Dialect, SurfaceInfo};
use crate::platform::surface::Route;
use crate::platform::Platform;
use crate::vendors;

/// Everything a running emulator holds; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub platform: Arc<Platform>,
    pub backends: Arc<Vec<Arc<dyn Backend>>>,
    pub dialects: Arc<Vec<&'static Dialect>>,
    /// Surface routers with the shared layers applied, paths relative to the surface root.
    pub(crate) routers: Arc<Vec<Router>>,
    pub ports: Arc<Vec<SurfacePort>>,
}

/// A configuration error found while building the state.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("unknown surface `{0}` (known: {1})")]
    UnknownSurface(String, String),
    #[error("unknown vendor `{0}` (known: {1})")]
    UnknownVendor(String, String),
    #[error("webhook for `{0}`: {1}")]
    Webhook(String, String),
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
        for v in vendors::all(config.seed, &clock, &platform.webhooks) {
            if let Some(spec) = v.webhooks {
                platform.webhooks.register(spec);
            }
            platform
                .accounts
                .add(v.backend.vendor(), v.backend.default_token(), "default");
            for (dialect, routes) in v.surfaces {
                routers.push(crate::platform::surface::mount(
                    platform.clone(),
                    dialect,
                    routes,
                ));
                dialects.push(dialect);
            }
            backends.push(v.backend);
        }
        let surface_ids = || {
            dialects
                .iter()
                .map(|d: &&'static Dialect| d.info().id)
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
        for w in &config.webhooks {
            let vendor = dialects
                .iter()
                .find(|d| d.info().id == w.surface)
                .map(|d| d.info().vendor)
                .ok_or_else(|| SetupError::UnknownSurface(w.surface.clone(), surface_ids()))?;
            platform
                .webhooks
                .subscribe(&w.surface, vendor, "default", &w.url, vec![], None)
                .map_err(|e| SetupError::Webhook(w.surface.clone(), e.to_string()))?;
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

    pub(crate) fn routes(&self) -> Arc<Vec<Route>> {
        Arc::new(self.surfaces().into_iter().map(Route::from).collect())
    }
}

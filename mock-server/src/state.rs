//! [`AppState`]: everything a running emulator holds — the shared platform, each vendor's
//! backend, each surface's dialect and its layered router — built from a [`Config`].

use std::sync::Arc;

use crate::config::{Config, SurfacePort};
use crate::platform::clock::Clock;
use crate::platform::dialect::{Dialect, SurfaceInfo};
use crate::platform::outbound::Trust;
use crate::platform::store::Backend;
use crate::platform::surface::Route;
use crate::platform::tls::{CertSource, ServerTls};
use crate::platform::Platform;
use crate::vendors;

/// Everything a running emulator holds; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub platform: Arc<Platform>,
    pub backends: Arc<Vec<Arc<dyn Backend>>>,
    pub dialects: Arc<Vec<&'static Dialect>>,
    /// Surface routers with the shared layers applied, paths relative to the surface root.
    pub(crate) routers: Arc<Vec<crate::platform::surface::Surface>>,
    pub ports: Arc<Vec<SurfacePort>>,
    /// `--admin-token`: the bearer token the admin API requires, if any.
    pub admin_token: Option<Arc<str>>,
    /// `--admin-host`: names the admin API answers to besides localhost and IP addresses.
    pub admin_hosts: Arc<Vec<String>>,
    /// `--max-import-bytes`: the largest admin body.
    pub max_import_bytes: usize,
    /// Client timeouts, connection cap and shutdown deadline of every listener.
    pub limits: crate::platform::serve::ServeLimits,
    /// What HTTPS listeners serve with (`None` when nothing is served over TLS).
    pub tls: Option<Arc<ServerTls>>,
    /// `--tls-port`: surfaces served at the root of their own HTTPS port.
    pub tls_ports: Arc<Vec<SurfacePort>>,
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
    #[error("state file {0}: {1}")]
    StateFile(String, String),
    #[error("state dir: {0}")]
    StateDir(String),
    #[error("HTTPS: {0}")]
    Tls(String),
    #[error("--ca-cert: {0}")]
    CaCert(String),
}

impl AppState {
    /// Builds the platform, seeds every vendor and registers tokens and rate-limit overrides.
    pub fn new(config: &Config) -> Result<Self, SetupError> {
        Self::with_clock(config, Clock::real())
    }

    /// As [`AppState::new`] with a given clock (tests freeze it).
    pub fn with_clock(config: &Config, clock: Clock) -> Result<Self, SetupError> {
        let mut platform = Platform::new(
            clock.clone(),
            config.rate_limits,
            (config.journal_capacity, config.journal_max_bytes),
            config.max_body_bytes,
        );
        // Fault probabilities follow --seed, so a run repeats its choices.
        platform.faults = crate::platform::faults::Faults::new(config.seed);
        let platform = Arc::new(platform);
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
        apply_flags(config, &platform, &dialects, &backends)?;
        let trust = Trust::with_files(&config.ca_certs).map_err(SetupError::CaCert)?;
        platform.webhooks.set_trust(trust);
        platform
            .webhooks
            .set_queue_limit(config.webhook_queue_limit);
        let tls = if config.serves_tls() {
            let hosts = dialects.iter().flat_map(|d| d.info().hosts.iter().copied());
            Some(Arc::new(server_tls(config, hosts)?))
        } else {
            None
        };
        // Stored accounts win over the state file's: the file fills in the others (which,
        // with --state-dir, are then recorded like any change).
        let stored = match &config.state_dir {
            Some(dir) => restore(&platform, dir, &backends)?,
            None => Default::default(),
        };
        if let Some(path) = &config.state_file {
            load_state_file(path, &backends, &stored)?;
        }
        let me = Self {
            platform,
            backends: Arc::new(backends),
            dialects: Arc::new(dialects),
            routers: Arc::new(routers),
            ports: Arc::new(config.ports.clone()),
            admin_token: config.admin_token.as_deref().map(Arc::from),
            max_import_bytes: config.max_import_bytes,
            admin_hosts: Arc::new(
                config
                    .admin_hosts
                    .iter()
                    .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
                    .collect(),
            ),
            limits: config.limits(),
            tls,
            tls_ports: Arc::new(config.tls_ports.clone()),
        };
        if me.platform.durable.get().is_some() {
            // What the start-up flags added (a state file, --webhook) is stored right away.
            if config.state_file.is_some() {
                me.platform.flush().map_err(SetupError::StateDir)?;
            }
            me.store_settings().map_err(SetupError::StateDir)?;
        }
        Ok(me)
    }

    /// With `--state-dir`, commits the changes made so far (imports, resets, scenarios: each
    /// recorded as it happened); a no-op without it.
    pub async fn store_changes(&self) -> Result<(), String> {
        self.platform.flush_off_workers().await
    }

    /// With `--state-dir`, stores the run-time settings: webhook subscriptions and the tokens
    /// added through the admin API.
    pub fn store_settings(&self) -> Result<(), String> {
        let Some(d) = self.platform.durable.get() else {
            return Ok(());
        };
        let subs = serde_json::to_value(self.platform.webhooks.subscriptions())
            .map_err(|e| e.to_string())?;
        d.set_meta("webhooks", &subs)?;
        let added =
            serde_json::to_value(self.platform.accounts.added()).map_err(|e| e.to_string())?;
        d.set_meta("accounts", &added)
    }

    /// The built-in token of `vendor` (`None` for a vendor that is not mounted).
    pub fn default_token(&self, vendor: &str) -> Option<&'static str> {
        self.backend(vendor).map(|b| b.default_token())
    }

    /// The mounted vendor's backend (`None` for a vendor that is not mounted).
    pub fn backend(&self, vendor: &str) -> Option<&Arc<dyn Backend>> {
        self.backends.iter().find(|b| b.vendor() == vendor)
    }

    /// How many requests surface `id`'s kept lane has answered (`platform::surface::kept`);
    /// `None` for a surface that does not exist.
    pub fn kept_lane_answers(&self, id: &str) -> Option<u64> {
        self.dialects
            .iter()
            .zip(self.routers.iter())
            .find(|(d, _)| d.info().id == id)
            .map(|(_, r)| r.kept_lane_answers())
    }

    pub fn surfaces(&self) -> Vec<&SurfaceInfo> {
        self.dialects.iter().map(|d| d.info()).collect()
    }

    pub(crate) fn routes(&self) -> Arc<Vec<Route>> {
        Arc::new(self.surfaces().into_iter().map(Route::from).collect())
    }
}

/// The certificate HTTPS listeners present: `--tls-cert`/`--tls-key`, or a leaf from the local
/// CA in `--tls-dir` for every surface host, the loopback names and each `--tls-host`.
fn server_tls<'a>(
    config: &Config,
    surface_hosts: impl Iterator<Item = &'a str>,
) -> Result<ServerTls, SetupError> {
    let source = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => CertSource::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        _ => {
            let mut names: Vec<String> = Vec::new();
            let loopback = crate::platform::tls::LOOPBACK_NAMES.iter().copied();
            for n in surface_hosts.chain(loopback) {
                if !names.iter().any(|x| x == n) {
                    names.push(n.to_string());
                }
            }
            for h in &config.tls_hosts {
                let h = h.trim().to_ascii_lowercase();
                if !h.is_empty() && !names.contains(&h) {
                    names.push(h);
                }
            }
            if let Some(ip) = config.tls_listen.map(|a| a.ip()) {
                let ip = ip.to_string();
                if !ip.starts_with("0.0.0.0") && ip != "::" && !names.contains(&ip) {
                    names.push(ip);
                }
            }
            CertSource::LocalCa {
                dir: if config.tls_ephemeral_ca {
                    None
                } else {
                    Some(
                        config
                            .tls_dir
                            .clone()
                            .unwrap_or_else(crate::platform::tls::default_dir),
                    )
                },
                names,
            }
        }
    };
    crate::platform::tls::setup(&source).map_err(|e| SetupError::Tls(e.to_string()))
}

/// Imports every vendor a state file names (all of it checked before anything changes).
fn load_state_file(
    path: &std::path::Path,
    backends: &[Arc<dyn Backend>],
    stored: &std::collections::HashSet<(String, String)>,
) -> Result<(), SetupError> {
    let shown = path.display().to_string();
    let fail = |m: String| SetupError::StateFile(shown.clone(), m);
    let text = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let vendors: indexmap::IndexMap<String, &serde_json::value::RawValue> =
        serde_json::from_slice(&text).map_err(|e| {
            if e.is_data() {
                fail("expected an object keyed by vendor".into())
            } else {
                fail(format!("not JSON: {e}"))
            }
        })?;
    // One vendor's document (`{"vendor", "accounts"}`, as `GET /__admin/state/{vendor}` and
    // `mockdesk snapshot` write it) stands for itself.
    let single;
    let vendors = if vendors.contains_key("accounts") {
        let vendor = vendors
            .get("vendor")
            .and_then(|v| serde_json::from_str::<String>(v.get()).ok())
            .ok_or_else(|| fail("/vendor: a one-vendor document names its vendor".into()))?;
        single =
            serde_json::value::RawValue::from_string(String::from_utf8_lossy(&text).into_owned())
                .map_err(|e| fail(e.to_string()))?;
        indexmap::IndexMap::from([(vendor, &*single)])
    } else {
        vendors
    };
    let mut plan = Vec::new();
    for (vendor, v) in &vendors {
        let b = backends
            .iter()
            .find(|b| b.vendor() == vendor)
            .ok_or_else(|| fail(format!("/{vendor}: no such vendor")))?;
        let mut accounts = crate::platform::store::read_document(vendor, v.get().as_bytes())
            .map_err(|e| fail(format!("/{vendor}{}: {}", e.pointer, e.message)))?;
        accounts.retain(|(a, _)| !stored.contains(&(vendor.clone(), a.clone())));
        plan.push((vendor, b.clone(), accounts));
    }
    // A failed start-up ends the process, so a later vendor's failure leaves nothing half-done.
    for (vendor, b, accounts) in plan {
        b.import(&accounts)
            .map_err(|e| fail(format!("/{vendor}{}: {}", e.pointer, e.message)))?;
    }
    Ok(())
}

use crate::platform::store::RawState;

/// Opens `--state-dir` and continues from it: stored accounts replace their seeds, webhook
/// subscriptions and admin-added tokens come back. Returns the (vendor, account)s restored.
fn restore(
    platform: &Platform,
    dir: &std::path::Path,
    backends: &[Arc<dyn Backend>],
) -> Result<std::collections::HashSet<(String, String)>, SetupError> {
    let mut restored = std::collections::HashSet::new();
    let d = crate::platform::durable::Durable::open(dir).map_err(SetupError::StateDir)?;
    for stored in d.load().map_err(SetupError::StateDir)? {
        let vendor = stored.vendor.as_str();
        let b = backends
            .iter()
            .find(|b| b.vendor() == vendor)
            .ok_or_else(|| {
                SetupError::StateDir(format!("stored state for unknown vendor {vendor}"))
            })?;
        let document: &serde_json::value::RawValue = serde_json::from_slice(&stored.document)
            .map_err(|e| SetupError::StateDir(format!("{vendor}/{}: {e}", stored.account)))?;
        let account: RawState<'_> = (stored.account.clone(), document);
        crate::platform::rows::with_rows(stored.rows(), || b.import(&[account]))
            .map_err(|e| SetupError::StateDir(format!("{vendor}{}: {}", e.pointer, e.message)))?;
        restored.insert((stored.vendor.clone(), stored.account.clone()));
    }
    if let Some(tokens) = d.meta("accounts").map_err(SetupError::StateDir)? {
        let tokens: Vec<crate::platform::auth::TokenEntry> = serde_json::from_value(tokens)
            .map_err(|e| SetupError::StateDir(format!("accounts: {e}")))?;
        for t in tokens {
            platform.accounts.add_runtime(t);
        }
    }
    if let Some(subs) = d.meta("webhooks").map_err(SetupError::StateDir)? {
        let subs: Vec<crate::platform::webhooks::Subscription> = serde_json::from_value(subs)
            .map_err(|e| SetupError::StateDir(format!("webhooks: {e}")))?;
        platform.webhooks.restore(subs);
    }
    // From here on every change is recorded (what was just read back is stored already).
    let d = Arc::new(d);
    for b in backends {
        b.store_in(d.clone());
    }
    let _ = platform.durable.set(d);
    Ok(restored)
}

/// The start-up flags that name surfaces and vendors (own ports, rate-limit overrides, tokens,
/// webhooks): each checked against what is mounted, then applied.
fn apply_flags(
    config: &Config,
    platform: &Platform,
    dialects: &[&'static Dialect],
    backends: &[Arc<dyn Backend>],
) -> Result<(), SetupError> {
    let surface_ids = || {
        dialects
            .iter()
            .map(|d: &&'static Dialect| d.info().id)
            .collect::<Vec<_>>()
            .join(", ")
    };
    for p in config.ports.iter().chain(&config.tls_ports) {
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
    for t in &config.tokens {
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
            .unwrap_or_else(|| crate::platform::auth::unnamed_account(&t.token));
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
    Ok(())
}

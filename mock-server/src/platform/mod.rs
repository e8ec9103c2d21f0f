//! Vendor-neutral machinery. Nothing in here knows a vendor's name: vendors describe
//! themselves through [`dialect::Dialect`] (data) and [`store::Backend`].

pub mod answers;
pub mod arrival;
pub mod auth;
pub mod catalogue;
pub mod clock;
pub mod collection;
pub mod dialect;
#[cfg(feature = "durable")]
pub mod durable;
/// Built without the `durable` feature: `--state-dir` is refused at start with the reason.
#[cfg(not(feature = "durable"))]
#[path = "durable/off.rs"]
pub mod durable;
pub mod error;
pub mod extract;
pub mod faults;
pub mod input;
pub mod journal;
pub mod json;
pub mod media;
pub mod memo;
pub mod outbound;
pub mod pagination;
pub mod rate_limit;
pub mod routes;
pub mod rows;
pub mod serve;
pub mod snapshot;
pub mod sparse;
pub mod store;
pub mod stubs;
pub mod surface;
pub mod tls;
pub mod view;
pub mod webhooks;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

use auth::Accounts;
use clock::Clock;
use journal::Journal;
use rate_limit::{Policy, RateLimiter, Window};

/// Runs CPU-heavy work (a search over a whole collection) off the async workers, so other
/// requests — other accounts, other surfaces, the health check — are not held up by it. A panic
/// in `f` goes on unwinding here, where the surface's edge turns it into the vendor's 500.
pub async fn off_workers<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            // Cancelled only when the runtime shuts down: nobody waits for the answer.
            Err(e) => panic!("blocking work cancelled: {e}"),
        },
    }
}

/// From this many records on, a request that visits a whole collection (a filtered or sorted
/// list) runs off the async workers; below it, the hop to a blocking thread costs more than
/// the work.
pub const LARGE_COLLECTION: usize = 10_000;

/// [`off_workers`] when `heavy`, inline otherwise.
pub async fn off_workers_if<R: Send + 'static>(
    heavy: bool,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    if heavy {
        off_workers(f).await
    } else {
        f()
    }
}

/// Global rate-limit mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum RateLimitMode {
    /// Each surface enforces its documented limit.
    Documented,
    /// No limits (headers still show the documented limit where a surface sends them).
    Off,
}

/// A per-surface override of the global mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum RateOverride {
    Off,
    Documented,
    Custom { windows: Vec<rate_limit::Window> },
}

/// Shared services every surface uses.
#[derive(Debug)]
pub struct Platform {
    pub clock: Clock,
    pub accounts: Accounts,
    pub limiter: RateLimiter,
    pub journal: Journal,
    pub webhooks: Arc<webhooks::Webhooks>,
    pub faults: faults::Faults,
    pub stubs: stubs::Stubs,
    /// Where acknowledged writes go with `--state-dir`.
    pub durable: std::sync::OnceLock<Arc<durable::Durable>>,
    pub max_body_bytes: usize,
    /// Every GET answered from a surface's kept answers also runs its handler and is compared
    /// ([`answers`]); on in debug builds (so every test checks them), off in release builds.
    pub check_answers: std::sync::atomic::AtomicBool,
    mode: RwLock<RateLimitMode>,
    overrides: RwLock<HashMap<String, RateOverride>>,
}

impl Platform {
    pub fn new(
        clock: Clock,
        mode: RateLimitMode,
        journal: (usize, usize),
        max_body_bytes: usize,
    ) -> Self {
        let (journal_capacity, journal_max_bytes) = journal;
        let webhooks = Arc::new(webhooks::Webhooks::new(clock.clone(), journal_capacity));
        Self {
            webhooks,
            faults: faults::Faults::new(0),
            stubs: stubs::Stubs::default(),
            durable: std::sync::OnceLock::new(),
            clock,
            accounts: Accounts::new(),
            limiter: RateLimiter::new(),
            journal: Journal::bounded(journal_capacity, journal_max_bytes),

            max_body_bytes,
            check_answers: std::sync::atomic::AtomicBool::new(cfg!(debug_assertions)),
            mode: RwLock::new(mode),
            overrides: RwLock::new(HashMap::new()),
        }
    }

    pub fn mode(&self) -> RateLimitMode {
        *self.mode.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_mode(&self, mode: RateLimitMode) {
        *self.mode.write().unwrap_or_else(|p| p.into_inner()) = mode;
    }

    pub fn set_override(&self, surface: &str, o: Option<RateOverride>) {
        let mut m = self.overrides.write().unwrap_or_else(|p| p.into_inner());
        match o {
            Some(o) => {
                m.insert(surface.to_string(), o);
            }
            None => {
                m.remove(surface);
            }
        }
    }

    pub fn override_for(&self, surface: &str) -> Option<RateOverride> {
        self.overrides
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(surface)
            .cloned()
    }

    /// With `--state-dir`, commits every change recorded so far (a no-op without it); a
    /// failure is logged here and returned.
    pub fn flush(&self) -> Result<(), String> {
        let Some(d) = self.durable.get() else {
            return Ok(());
        };
        d.flush()
            .inspect_err(|e| tracing::error!(error = %e, "state could not be stored"))
    }

    /// [`Platform::flush`] off the async workers: a commit waits for the disk (and a write that
    /// changed a whole large collection stores it whole), which must not stall other requests,
    /// so the durable store's committer thread commits and this waits for it.
    pub async fn flush_off_workers(self: &Arc<Self>) -> Result<(), String> {
        let Some(d) = self.durable.get() else {
            return Ok(());
        };
        d.flush_async()
            .await
            .inspect_err(|e| tracing::error!(error = %e, "state could not be stored"))
    }

    /// The policy in force for a surface given its documented one.
    pub fn effective_policy(&self, surface: &str, documented: Policy) -> Policy {
        Policy {
            windows: self
                .windows_in_force(surface, &documented.windows)
                .into_owned(),
        }
    }

    /// The windows in force for a surface whose documented windows are `documented` (none:
    /// unlimited), borrowed unless an override sets its own.
    pub fn windows_in_force<'a>(
        &self,
        surface: &str,
        documented: &'a [Window],
    ) -> Cow<'a, [Window]> {
        let by_mode = |mode| match mode {
            RateLimitMode::Documented => Cow::Borrowed(documented),
            RateLimitMode::Off => Cow::Borrowed(&[][..]),
        };
        let overrides = self.overrides.read().unwrap_or_else(|p| p.into_inner());
        match overrides.get(surface) {
            Some(RateOverride::Off) => by_mode(RateLimitMode::Off),
            Some(RateOverride::Documented) => by_mode(RateLimitMode::Documented),
            Some(RateOverride::Custom { windows }) => Cow::Owned(windows.clone()),
            None => {
                drop(overrides);
                by_mode(self.mode())
            }
        }
    }
}

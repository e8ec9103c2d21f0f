//! mockdesk inside a Rust test: start an emulator on its own port, point the code under test
//! at it, look at what it received, make the vendor misbehave — and drop it to stop it.
//!
//! ```
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() {
//! use mock_server::MockDesk;
//!
//! let desk = MockDesk::builder()
//!     .rate_limits(false)
//!     .token("helpcrunch", "my-test-key")
//!     .start()
//!     .await;
//!
//! // The code under test gets a base URL and a key, as it would for the real vendor.
//! let customers: serde_json::Value = reqwest::Client::new()
//!     .get(format!("{}/customers?limit=2", desk.base_url("helpcrunch")))
//!     .bearer_auth(desk.token("helpcrunch"))
//!     .send()
//!     .await
//!     .unwrap()
//!     .json()
//!     .await
//!     .unwrap();
//! assert_eq!(customers["data"].as_array().unwrap().len(), 2);
//!
//! // What the emulator saw, typed.
//! let seen = desk.requests();
//! assert_eq!(seen.last().unwrap().vendor_path, "/customers");
//!
//! // The next call fails the way the vendor fails.
//! desk.fault(mock_server::Fault::status(503).surface("helpcrunch").times(1))
//!     .await
//!     .unwrap();
//! # }
//! ```
//!
//! Every instance listens on its own `127.0.0.1` port, so tests run in parallel; dropping a
//! [`MockDesk`] stops its server. [`BlockingMockDesk`] is the same for tests without an async
//! runtime. Mutations go through the admin API (the one the dashboard and `curl` use), reads
//! come straight from the running state.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::Method;
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::config::{ExtraToken, SurfaceWebhook};
use crate::platform::clock::Clock;
use crate::platform::journal::{Entry, Filter};
use crate::platform::surface::ADMIN_PREFIX;
use crate::platform::webhooks::{Delivery, Subscription};
use crate::platform::RateLimitMode;
use crate::{AppState, Config};

mod admin;
mod blocking;
mod expect;
pub use admin::ADMIN_OPERATIONS;
mod fault;
pub use blocking::BlockingMockDesk;
pub use fault::Fault;

/// Why an embedded emulator could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("configuration: {0}")]
    Setup(String),
    #[error("could not listen on 127.0.0.1: {0}")]
    Bind(std::io::Error),
    #[error("admin API answered {status}: {body}")]
    Admin { status: u16, body: String },
    /// The admin API's answer could not be read (it is called in process, so this is rare).
    #[error("admin API unreachable: {0}")]
    Http(String),
    #[error("no surface or vendor named {0}")]
    Unknown(String),
}

/// Options for a [`MockDesk`]; the defaults are the binary's (documented rate limits on, the
/// default seed, the real clock).
#[derive(Debug, Clone, Default)]
pub struct MockDeskBuilder {
    config: Config,
    clock: Option<Clock>,
    tls: bool,
}

impl MockDeskBuilder {
    /// Documented rate limits (`true`, the default) or none.
    pub fn rate_limits(mut self, on: bool) -> Self {
        self.config.rate_limits = if on {
            RateLimitMode::Documented
        } else {
            RateLimitMode::Off
        };
        self
    }

    /// Another accepted token for `vendor`, with an account of its own; [`MockDesk::token`]
    /// then answers with it.
    pub fn token(mut self, vendor: &str, token: &str) -> Self {
        self.config.tokens.push(ExtraToken {
            vendor: vendor.into(),
            token: token.into(),
            account: None,
        });
        self
    }

    /// Another accepted token for `vendor` that sees `account`'s data.
    pub fn token_in_account(mut self, vendor: &str, token: &str, account: &str) -> Self {
        self.config.tokens.push(ExtraToken {
            vendor: vendor.into(),
            token: token.into(),
            account: Some(account.into()),
        });
        self
    }

    /// The seed of the generated data (and of fault probabilities).
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// A clock standing still at `at_ms` (Unix milliseconds) until advanced.
    pub fn frozen_clock_at_ms(mut self, at_ms: i64) -> Self {
        self.clock = Some(Clock::frozen_at_ms(at_ms));
        self
    }

    /// The clock to run on (shared: moving this handle moves the emulator's time).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// A webhook subscription made at start (`surface`'s events to `url`).
    pub fn webhook(mut self, surface: &str, url: &str) -> Self {
        self.config.webhooks.push(SurfaceWebhook {
            surface: surface.into(),
            url: url.into(),
        });
        self
    }

    /// Also serve HTTPS on a second free `127.0.0.1` port ([`MockDesk::https_base_url`]), with a
    /// certificate from a CA made for this instance alone ([`MockDesk::ca_pem`]; nothing is
    /// written to disk unless `tls_dir` is configured).
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = on;
        self
    }

    /// Any other option of the binary, on the full configuration.
    pub fn configure(mut self, f: impl FnOnce(&mut Config)) -> Self {
        f(&mut self.config);
        self
    }

    /// Starts the emulator on a free `127.0.0.1` port.
    pub async fn try_start(self) -> Result<MockDesk, DeskError> {
        let clock = self.clock.unwrap_or_else(Clock::real);
        let mut config = self.config;
        if self.tls {
            config.tls_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
            config.tls_ephemeral_ca = config.tls_dir.is_none();
        }
        let state =
            AppState::with_clock(&config, clock).map_err(|e| DeskError::Setup(e.to_string()))?;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(DeskError::Bind)?;
        let addr = listener.local_addr().map_err(DeskError::Bind)?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let until = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        let tls_addr = if self.tls {
            let l = TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(DeskError::Bind)?;
            let a = l.local_addr().map_err(DeskError::Bind)?;
            tokio::spawn(crate::run_tls(l, state.clone(), until(stopped.clone())));
            Some(a)
        } else {
            None
        };
        tokio::spawn(crate::run(listener, state.clone(), until(stopped)));
        Ok(MockDesk {
            addr,
            tls_addr,
            admin_api: crate::app(&state),
            state,
            tokens: config
                .tokens
                .iter()
                .map(|t| (t.vendor.clone(), t.token.clone()))
                .collect(),
            stop: Some(stop),
            expected: expect::Expectations::default(),
        })
    }

    /// As [`MockDeskBuilder::try_start`].
    ///
    /// # Panics
    /// When the configuration is invalid or no port can be bound (a test cannot go on).
    pub async fn start(self) -> MockDesk {
        match self.try_start().await {
            Ok(desk) => desk,
            Err(e) => panic!("mockdesk did not start: {e}"),
        }
    }

    /// Starts the emulator on a runtime of its own, for tests without one.
    ///
    /// # Panics
    /// As [`MockDeskBuilder::start`]; also when called inside an async runtime.
    pub fn start_blocking(self) -> BlockingMockDesk {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("mockdesk: no runtime: {e}"));
        let desk = rt.block_on(self.start());
        BlockingMockDesk {
            desk: Some(desk),
            rt,
        }
    }
}

/// A running emulator; dropping it stops the server.
pub struct MockDesk {
    addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
    state: AppState,
    tokens: Vec<(String, String)>,
    /// The admin API, called in process (no socket, no HTTP client).
    admin_api: axum::Router,
    stop: Option<tokio::sync::watch::Sender<bool>>,
    expected: expect::Expectations,
}

impl std::fmt::Debug for MockDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockDesk")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Drop for MockDesk {
    /// Stops the server, then checks the [`MockDesk::expect`]ations (panicking with the report
    /// when one is not met, unless the test is already panicking).
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if !std::thread::panicking() {
            let expected = self.expected.take();
            if let Some(report) = expect::unmet(&expected, &self.requests()) {
                panic!("{report}");
            }
        }
    }
}

impl MockDesk {
    pub fn builder() -> MockDeskBuilder {
        MockDeskBuilder::default()
    }

    /// An emulator with the binary's defaults.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Everything the running emulator holds, for what the handle has no method for (serving
    /// a surface on another port with [`crate::run_surface`], reading a vendor's backend).
    pub fn app_state(&self) -> &AppState {
        &self.state
    }

    /// `http://127.0.0.1:PORT` (the admin API is below it at `/__admin`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `https://127.0.0.1:PORT{prefix}` of a surface, when built with [`MockDeskBuilder::tls`].
    ///
    /// # Panics
    /// Without TLS, or for an unknown surface.
    pub fn https_base_url(&self, surface: &str) -> String {
        let Some(tls) = self.tls_addr else {
            panic!("mockdesk was started without TLS: use MockDesk::builder().tls(true)")
        };
        let http = self.base_url(surface);
        http.replacen(
            &format!("http://{}", self.addr),
            &format!("https://{tls}"),
            1,
        )
    }

    /// The HTTPS listener's address, when built with [`MockDeskBuilder::tls`].
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    /// The CA certificate (PEM) that issued the HTTPS certificate: add it to a client's roots.
    ///
    /// # Panics
    /// Without TLS.
    pub fn ca_pem(&self) -> String {
        match self.state.tls.as_ref().and_then(|t| t.ca_pem.clone()) {
            Some(p) => p,
            None => panic!("mockdesk has no local CA: use MockDesk::builder().tls(true)"),
        }
    }

    /// The surfaces' ids (`hipcall`, `hipcall-v3`, `helpcrunch`, …).
    pub fn surfaces(&self) -> Vec<&'static str> {
        self.state.surfaces().into_iter().map(|s| s.id).collect()
    }

    fn surface_info(&self, surface: &str) -> Option<&crate::platform::dialect::SurfaceInfo> {
        self.state.surfaces().into_iter().find(|s| s.id == surface)
    }

    /// Where a client of `surface` points its base URL (e.g.
    /// `http://127.0.0.1:PORT/helpcrunch/v1`).
    ///
    /// # Panics
    /// For a surface that does not exist (the message lists those that do).
    pub fn base_url(&self, surface: &str) -> String {
        match self.surface_info(surface) {
            Some(info) => format!("{}{}", self.url(), info.prefix()),
            None => panic!(
                "mockdesk has no surface {surface} (it has: {})",
                self.surfaces().join(", ")
            ),
        }
    }

    /// The token to send to `surface` (or vendor): the first one given to the builder for its
    /// vendor, else the vendor's built-in token.
    ///
    /// # Panics
    /// For a surface or vendor that does not exist.
    pub fn token(&self, surface: &str) -> String {
        let vendor = self
            .surface_info(surface)
            .map(|s| s.vendor)
            .unwrap_or(surface);
        if let Some((_, t)) = self.tokens.iter().find(|(v, _)| v == vendor) {
            return t.clone();
        }
        match self.state.default_token(vendor) {
            Some(t) => t.to_string(),
            None => panic!("mockdesk has no surface or vendor {surface}"),
        }
    }

    async fn admin(&self, method: Method, path: &str, body: Value) -> Result<Value, DeskError> {
        use http_body_util::BodyExt as _;
        use tower::ServiceExt as _;
        let mut req = axum::http::Request::builder()
            .method(method)
            .uri(format!("{ADMIN_PREFIX}{path}"))
            .header(axum::http::header::HOST, self.addr.to_string());
        if let Some(token) = self.state.admin_token.as_deref() {
            req = req.header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = if body.is_null() {
            axum::body::Body::empty()
        } else {
            req = req.header(axum::http::header::CONTENT_TYPE, "application/json");
            axum::body::Body::from(body.to_string())
        };
        let req = req.body(body).map_err(|e| DeskError::Http(e.to_string()))?;
        let r = match self.admin_api.clone().oneshot(req).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = r.status().as_u16();
        let bytes = r
            .into_body()
            .collect()
            .await
            .map_err(|e| DeskError::Http(e.to_string()))?
            .to_bytes();
        if status >= 400 {
            return Err(DeskError::Admin {
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// Every vendor back to its seed, rate-limit budgets restored (the journal, faults and
    /// webhook subscriptions stay; see [`MockDesk::clear_requests`], [`MockDesk::clear_faults`]).
    pub async fn reset(&self) -> Result<(), DeskError> {
        self.admin(Method::POST, "/reset", json!({}))
            .await
            .map(drop)
    }

    /// One vendor back to its seed.
    pub async fn reset_vendor(&self, vendor: &str) -> Result<(), DeskError> {
        self.admin(Method::POST, "/reset", json!({"vendor": vendor}))
            .await
            .map(drop)
    }

    /// The request journal, oldest first (bounded as `--journal` says).
    pub fn requests(&self) -> Vec<Entry> {
        self.state.platform.journal.list()
    }

    pub fn clear_requests(&self) {
        self.state.platform.journal.clear();
    }

    /// How many journal entries match `filter`
    /// (`desk.count(Filter::any().surface("helpcrunch").method("POST").path("/customers"))`).
    pub fn count(&self, filter: Filter) -> usize {
        self.state.platform.journal.find(&filter).len()
    }

    /// Declares that exactly `times` requests matching `filter` will have arrived when this
    /// handle is dropped (or [`MockDesk::verify`] runs); an unmet expectation panics with the
    /// requests that came close.
    pub fn expect(&self, filter: Filter, times: usize) {
        self.expected.add(filter, times);
    }

    /// Checks the [`MockDesk::expect`]ations now (each is checked once).
    ///
    /// # Panics
    /// When one is not met, with the report.
    pub fn verify(&self) {
        let expected = self.expected.take();
        if let Some(report) = expect::unmet(&expected, &self.requests()) {
            panic!("{report}");
        }
    }

    /// A vendor's state, as `GET /__admin/state/{vendor}` shows it, for the account
    /// [`MockDesk::token`] reaches: the builder's token for that vendor (its own account, or
    /// the one named with [`MockDeskBuilder::token_in_account`]), else `default`.
    pub fn state(&self, vendor: &str) -> Result<Value, DeskError> {
        self.state_of(vendor, &self.account(vendor))
    }

    /// The account [`MockDesk::token`] reaches for `vendor` (`default` without a builder token).
    pub fn account(&self, vendor: &str) -> String {
        self.tokens
            .iter()
            .find(|(v, _)| v == vendor)
            .and_then(|(v, t)| self.state.platform.accounts.account_of(v, t))
            .unwrap_or_else(|| "default".into())
    }

    /// A vendor's state for one account (seeded first if it was never used).
    pub fn state_of(&self, vendor: &str, account: &str) -> Result<Value, DeskError> {
        let b = self
            .state
            .backends
            .iter()
            .find(|b| b.vendor() == vendor)
            .ok_or_else(|| DeskError::Unknown(vendor.into()))?;
        serde_json::from_slice(&b.export(account)).map_err(|e| DeskError::Setup(e.to_string()))
    }

    /// Adds a fault rule; returns its id.
    pub async fn fault(&self, fault: Fault) -> Result<String, DeskError> {
        let v = self.admin(Method::POST, "/faults", fault.body()).await?;
        Ok(v["id"].as_str().unwrap_or_default().to_string())
    }

    pub fn clear_faults(&self) {
        self.state.platform.faults.clear();
    }

    /// Adds a stub (the body of `POST /__admin/stubs`: `{"match", "response", "times"?,
    /// "priority"?}`) and returns its id; a bad stub is [`DeskError::Admin`] with the reason.
    ///
    /// ```no_run
    /// # async fn f(desk: &mock_server::MockDesk) {
    /// let id = desk
    ///     .stub(serde_json::json!({
    ///         "match": {"surface": "helpcrunch", "method": "GET", "path": "/customers/7"},
    ///         "response": {"status": 200, "json": {"id": 7, "name": null}},
    ///     }))
    ///     .await
    ///     .unwrap();
    /// # }
    /// ```
    pub async fn stub(&self, stub: serde_json::Value) -> Result<String, DeskError> {
        let v = self.admin(Method::POST, "/stubs", stub).await?;
        Ok(v["id"].as_str().unwrap_or_default().to_string())
    }

    pub fn clear_stubs(&self) {
        self.state.platform.stubs.clear();
    }

    /// The emulator's clock (Unix milliseconds).
    pub fn now_ms(&self) -> i64 {
        self.state.platform.clock.now_ms()
    }

    /// Moves the clock on: timestamps, rate-limit windows and webhook retries follow it.
    pub fn advance(&self, by: Duration) {
        self.state
            .platform
            .clock
            .advance_ms(i64::try_from(by.as_millis()).unwrap_or(i64::MAX));
    }

    pub fn freeze_clock_at_ms(&self, at_ms: i64) {
        self.state.platform.clock.freeze_at_ms(at_ms);
    }

    pub fn unfreeze_clock(&self) {
        self.state.platform.clock.unfreeze();
    }

    /// Subscribes `url` to `surface`'s `events` (empty: all) for the account
    /// [`MockDesk::token`] reaches (see [`MockDesk::account`]).
    pub async fn subscribe_webhook(
        &self,
        surface: &str,
        url: &str,
        events: &[&str],
    ) -> Result<Subscription, DeskError> {
        let vendor = self
            .surface_info(surface)
            .map(|s| s.vendor)
            .ok_or_else(|| DeskError::Unknown(surface.into()))?;
        let account = self.account(vendor);
        let v = self
            .admin(
                Method::POST,
                "/webhooks",
                json!({"surface": surface, "url": url, "events": events, "account": account}),
            )
            .await?;
        serde_json::from_value(v).map_err(|e| DeskError::Setup(e.to_string()))
    }

    /// Every webhook delivery attempt, oldest first.
    pub fn webhook_deliveries(&self) -> Vec<Delivery> {
        self.state.platform.webhooks.deliveries(None, None, None)
    }

    /// A vendor-side event no API call can cause (`POST /__admin/simulate/…`); returns the
    /// scenario's result.
    pub async fn simulate(
        &self,
        surface: &str,
        scenario: &str,
        params: Value,
    ) -> Result<Value, DeskError> {
        let v = self
            .admin(
                Method::POST,
                &format!("/simulate/{surface}/{scenario}"),
                params,
            )
            .await?;
        Ok(v["result"].clone())
    }
}

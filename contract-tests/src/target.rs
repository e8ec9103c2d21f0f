//! Where the contract suite sends requests.
//!
//! With no environment variables a surface's target is a fresh in-process emulator on
//! 127.0.0.1:0 (each [`Target`] gets its own, so tests never see each other's writes). With
//! `CONTRACT_<SURFACE>_BASE_URL` and `CONTRACT_<SURFACE>_TOKEN` (surface id upper-cased,
//! `-` as `_`) it is that server: the suite then throttles itself below the documented rate
//! limit, honours `Retry-After`, and only writes when `CONTRACT_ALLOW_WRITES=1`. The token is
//! never printed: `Debug` hides it and exchanges do not record request headers.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

pub use mock_server::client::Exchange;
use mock_server::client::{self, Body, CaseRun, Request, Runner, Session, Settings};
use mock_server::platform::catalogue::Case;
use mock_server::platform::dialect::Dialect;
use mock_server::platform::RateLimitMode;
use mock_server::{AppState, Config};
use reqwest::Method;
use serde_json::Value;

/// A surface as the suite reaches it: the server crate's dialect (prefix, documented rate
/// limit, catalogue, OpenAPI document) and its vendor's built-in token — nothing retyped here.
#[derive(Debug, Clone, Copy)]
pub struct Surface {
    pub dialect: &'static Dialect,
    pub default_token: &'static str,
}

impl Surface {
    pub const fn new(dialect: &'static Dialect, default_token: &'static str) -> Self {
        Self {
            dialect,
            default_token,
        }
    }

    pub fn id(&self) -> &'static str {
        self.dialect.info().id
    }

    /// Path prefix of the surface on the emulator's main port.
    pub fn mock_prefix(&self) -> String {
        self.dialect.info().prefix()
    }

    /// Spacing between requests to a real API (below its documented limit).
    pub fn min_interval(&self) -> Duration {
        mock_server::verify::spacing(&self.dialect.documented_policy())
    }
}

/// An emulator on a runtime of its own, started as an embedding test starts it
/// ([`mock_server::MockDesk`]); stopped on drop.
pub struct MockServer {
    pub addr: SocketAddr,
    pub state: AppState,
    _desk: mock_server::BlockingMockDesk,
}

impl MockServer {
    pub fn start(config: Config) -> Self {
        let desk = mock_server::MockDesk::builder()
            .configure(|c| *c = config)
            .start_blocking();
        Self {
            addr: desk.inner().addr(),
            state: desk.inner().app_state().clone(),
            _desk: desk,
        }
    }
}

/// The emulator configuration the suite uses by default: documented data, no rate limits.
pub fn mock_config() -> Config {
    Config {
        rate_limits: RateLimitMode::Off,
        ..Config::default()
    }
}

/// How a request authenticates.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// The target's token.
    Target,
    /// No `Authorization` header.
    None,
    /// This exact `Authorization` header value.
    Header(&'a str),
}

impl From<Auth<'_>> for client::Auth {
    fn from(a: Auth<'_>) -> Self {
        match a {
            Auth::Target => client::Auth::Token,
            Auth::None => client::Auth::None,
            Auth::Header(v) => client::Auth::Header(v.to_string()),
        }
    }
}

pub enum Kind {
    Mock(Box<MockServer>),
    /// A mockdesk the suite did not start (emulator-only checks still apply).
    Emulator,
    /// A server the suite did not start: a real API or sandbox.
    External,
}

/// Where checks send requests: a blocking face over the shared [`Runner`] (throttling,
/// `Retry-After`, write guard and token redaction live there).
pub struct Target {
    pub surface: Surface,
    pub base_url: String,
    kind: Kind,
    runner: Runner,
    rt: tokio::runtime::Runtime,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("surface", &self.surface.id())
            .field("base_url", &self.base_url)
            .field("runner", &self.runner)
            .field("mock", &self.is_mock())
            .finish()
    }
}

fn env_name(surface: &str, what: &str) -> String {
    format!(
        "CONTRACT_{}_{what}",
        surface.to_uppercase().replace('-', "_")
    )
}

impl Target {
    /// The target chosen by the environment (see the module docs).
    pub fn new(surface: Surface) -> Self {
        let base = std::env::var(env_name(surface.id(), "BASE_URL"))
            .ok()
            .filter(|s| !s.is_empty());
        match base {
            Some(base_url) => {
                let token = std::env::var(env_name(surface.id(), "TOKEN")).unwrap_or_else(|_| {
                    panic!(
                        "{} is set but {} is not",
                        env_name(surface.id(), "BASE_URL"),
                        env_name(surface.id(), "TOKEN")
                    )
                });
                let writes = std::env::var("CONTRACT_ALLOW_WRITES").is_ok_and(|v| v == "1");
                Self::external(surface, &base_url, &token, writes)
            }
            None => Self::mock(surface, mock_config()),
        }
    }

    /// A fresh in-process emulator with `config`.
    pub fn mock(surface: Surface, config: Config) -> Self {
        let server = MockServer::start(config);
        let base_url = format!("http://{}{}", server.addr, surface.mock_prefix());
        let settings = Settings::emulator(&base_url, surface.default_token);
        Self::build(surface, settings, Kind::Mock(Box::new(server)))
    }

    /// A server the suite did not start: throttled below the documented limit, 429s waited
    /// out (up to three times), writes only when allowed. An https target is checked against
    /// the platform's roots plus every CA file in `MOCKDESK_CA_CERT` (as `--ca-cert`).
    pub fn external(surface: Surface, base_url: &str, token: &str, allow_writes: bool) -> Self {
        let trust = mock_server::platform::outbound::Trust::from_env()
            .unwrap_or_else(|e| panic!("MOCKDESK_CA_CERT: {e}"));
        let settings = Settings {
            trust,
            interval: surface.min_interval(),
            max_retries: 3,
            max_wait: Duration::from_secs(120),
            default_wait: Duration::from_secs(60),
            allow_writes,
            ..Settings::emulator(base_url, token)
        };
        Self::build(surface, settings, Kind::External)
    }

    /// A separately started mockdesk: writes allowed, emulator-only checks apply.
    pub fn emulator(surface: Surface, base_url: &str, token: &str) -> Self {
        Self::build(surface, Settings::emulator(base_url, token), Kind::Emulator)
    }

    /// As [`Target::emulator`], over https trusting `trust` besides the platform's roots.
    pub fn emulator_with_trust(
        surface: Surface,
        base_url: &str,
        token: &str,
        trust: mock_server::platform::outbound::Trust,
    ) -> Self {
        let settings = Settings {
            trust,
            ..Settings::emulator(base_url, token)
        };
        Self::build(surface, settings, Kind::Emulator)
    }

    fn build(surface: Surface, settings: Settings, kind: Kind) -> Self {
        Self {
            surface,
            base_url: settings.base_url.clone(),
            kind,
            runner: Runner::new(settings),
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("client runtime"),
        }
    }

    /// Whether the target is a mockdesk emulator (in-process or not).
    pub fn is_mock(&self) -> bool {
        matches!(self.kind, Kind::Mock(_) | Kind::Emulator)
    }

    /// The in-process emulator, when the target is one.
    pub fn mock_server(&self) -> Option<&MockServer> {
        match &self.kind {
            Kind::Mock(m) => Some(m),
            Kind::Emulator | Kind::External => None,
        }
    }

    pub fn writes_allowed(&self) -> bool {
        self.runner.settings().allow_writes
    }

    /// Prints why a check is skipped on this target and returns true when it must be.
    pub fn skip_unless_mock(&self, what: &str) -> bool {
        if !self.is_mock() {
            eprintln!("skipped on a real target ({}): {what}", self.surface.id());
        }
        !self.is_mock()
    }

    /// Prints why a write check is skipped and returns true when it must be.
    pub fn skip_unless_writes(&self, what: &str) -> bool {
        if !self.writes_allowed() {
            eprintln!(
                "skipped: writes not allowed on this target (set CONTRACT_ALLOW_WRITES=1): {what}"
            );
        }
        !self.writes_allowed()
    }

    pub fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Exchange {
        self.call_as(Auth::Target, method, path, body)
    }

    /// Sends one request. Anything but GET/HEAD counts as a write, except the read-only
    /// searches (`…/search`), so a check that forgot `skip_unless_writes` fails loudly on a
    /// read-only target instead of writing.
    pub fn call_as(
        &self,
        auth: Auth<'_>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Exchange {
        let write = !matches!(method, Method::GET | Method::HEAD) && !path.ends_with("/search");
        let req = Request {
            auth: auth.into(),
            body: body.map_or(Body::None, |b| Body::Json(b.clone())),
            write,
            ..Request::new(method, path)
        };
        self.send(&req)
    }

    /// A multipart POST of text fields with the target's token.
    pub fn call_form(&self, path: &str, fields: &[(&str, &str)]) -> Exchange {
        let req = Request {
            body: Body::Form(
                fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            write: true,
            ..Request::new(Method::POST, path)
        };
        self.send(&req)
    }

    fn send(&self, req: &Request) -> Exchange {
        self.rt
            .block_on(self.runner.send(req))
            .unwrap_or_else(|e| panic!("{} {} failed: {e}", req.method, req.path))
    }

    /// Sends catalogue cases in order through one session (references resolve from earlier
    /// answers); `lasting` lets writes no operation undoes through.
    pub fn run_cases(&self, cases: &[Case], lasting: bool) -> Vec<CaseRun> {
        let mut session = Session::new(&self.runner, lasting);
        cases
            .iter()
            .map(|c| self.rt.block_on(session.run(c)))
            .collect()
    }
}

//! Where the contract suite sends requests.
//!
//! With no environment variables a surface's target is a fresh in-process emulator on
//! 127.0.0.1:0 (each [`Target`] gets its own, so tests never see each other's writes). With
//! `CONTRACT_<SURFACE>_BASE_URL` and `CONTRACT_<SURFACE>_TOKEN` (surface id upper-cased,
//! `-` as `_`) it is that server: the suite then throttles itself below the documented rate
//! limit, honours `Retry-After`, and only writes when `CONTRACT_ALLOW_WRITES=1`. The token is
//! never printed: `Debug` hides it and exchanges do not record request headers.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mock_server::platform::RateLimitMode;
use mock_server::{AppState, Config};
use reqwest::blocking::Client;
use reqwest::Method;
use serde_json::Value;
use tokio::sync::oneshot;

/// What the suite knows about a surface to reach it.
#[derive(Debug, Clone, Copy)]
pub struct Surface {
    pub id: &'static str,
    /// Path prefix of the surface on the emulator's main port.
    pub mock_prefix: &'static str,
    pub default_token: &'static str,
    /// Spacing between requests to a real API (below its documented limit).
    pub min_interval: Duration,
}

/// An emulator running on its own thread and runtime; stopped on drop.
pub struct MockServer {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MockServer {
    pub fn start(config: Config) -> Self {
        let state = AppState::new(&config).expect("valid emulator config");
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let st = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                addr_tx
                    .send(listener.local_addr().expect("addr"))
                    .expect("send addr");
                let _ = mock_server::run(listener, st, async {
                    let _ = stop_rx.await;
                })
                .await;
            });
        });
        let addr = addr_rx.recv().expect("emulator started");
        Self {
            addr,
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
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

/// One request/response pair as the suite sees it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// Response headers, lower-cased names.
    pub headers: HashMap<String, String>,
    /// The body as JSON (`Null` when empty or not JSON; see `raw`).
    pub body: Value,
    pub raw: String,
}

pub enum Kind {
    Mock(MockServer),
    /// A mockdesk the suite did not start (emulator-only checks still apply).
    Emulator,
    /// A server the suite did not start: a real API or sandbox.
    External,
}

pub struct Target {
    pub surface: Surface,
    pub base_url: String,
    token: String,
    kind: Kind,
    allow_writes: bool,
    last: Mutex<Option<Instant>>,
    client: Client,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("surface", &self.surface.id)
            .field("base_url", &self.base_url)
            .field("token", &"[hidden]")
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
        let base = std::env::var(env_name(surface.id, "BASE_URL"))
            .ok()
            .filter(|s| !s.is_empty());
        match base {
            Some(base_url) => {
                let token = std::env::var(env_name(surface.id, "TOKEN")).unwrap_or_else(|_| {
                    panic!(
                        "{} is set but {} is not",
                        env_name(surface.id, "BASE_URL"),
                        env_name(surface.id, "TOKEN")
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
        let base_url = format!("http://{}{}", server.addr, surface.mock_prefix);
        Self::build(
            surface,
            base_url,
            surface.default_token.to_string(),
            Kind::Mock(server),
            true,
        )
    }

    /// A server the suite did not start.
    pub fn external(surface: Surface, base_url: &str, token: &str, allow_writes: bool) -> Self {
        Self::build(
            surface,
            base_url.trim_end_matches('/').to_string(),
            token.to_string(),
            Kind::External,
            allow_writes,
        )
    }

    fn build(
        surface: Surface,
        base_url: String,
        token: String,
        kind: Kind,
        allow_writes: bool,
    ) -> Self {
        Self {
            surface,
            base_url,
            token,
            kind,
            allow_writes,
            last: Mutex::new(None),
            client: Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
        }
    }

    /// A separately started mockdesk: writes allowed, emulator-only checks apply.
    pub fn emulator(surface: Surface, base_url: &str, token: &str) -> Self {
        Self::build(
            surface,
            base_url.trim_end_matches('/').to_string(),
            token.to_string(),
            Kind::Emulator,
            true,
        )
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
        self.allow_writes
    }

    /// Prints why a check is skipped on this target and returns true when it must be.
    pub fn skip_unless_mock(&self, what: &str) -> bool {
        if !self.is_mock() {
            eprintln!("skipped on a real target ({}): {what}", self.surface.id);
        }
        !self.is_mock()
    }

    /// Prints why a write check is skipped and returns true when it must be.
    pub fn skip_unless_writes(&self, what: &str) -> bool {
        if !self.allow_writes {
            eprintln!(
                "skipped: writes not allowed on this target (set CONTRACT_ALLOW_WRITES=1): {what}"
            );
        }
        !self.allow_writes
    }

    fn throttle(&self) {
        if self.is_mock() {
            return;
        }
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = *last {
            let next = t + self.surface.min_interval;
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
        }
        *last = Some(Instant::now());
    }

    pub fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Exchange {
        self.call_as(Auth::Target, method, path, body)
    }

    /// Sends one request. On a real target a 429 is waited out (per `Retry-After`) and
    /// retried up to three times.
    pub fn call_as(
        &self,
        auth: Auth<'_>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Exchange {
        let mut attempts = 0;
        loop {
            self.throttle();
            let ex = self.send_once(auth, method.clone(), path, body);
            attempts += 1;
            if ex.status == 429 && !self.is_mock() && attempts < 4 {
                let wait = ex
                    .headers
                    .get("retry-after")
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(60)
                    .min(120);
                eprintln!("429 from {}: waiting {wait}s", self.surface.id);
                std::thread::sleep(Duration::from_secs(wait));
                continue;
            }
            return ex;
        }
    }

    /// A multipart POST with the target's token (throttled like every call).
    pub fn call_multipart(&self, path: &str, form: reqwest::blocking::multipart::Form) -> Exchange {
        self.throttle();
        let res = self
            .client
            .post(format!("{}{}", self.base_url, path))
            .bearer_auth(&self.token)
            .multipart(form)
            .send()
            .unwrap_or_else(|e| panic!("POST {path} failed: {}", e.without_url()));
        Self::exchange("POST", path, res)
    }

    fn exchange(method: &str, path: &str, res: reqwest::blocking::Response) -> Exchange {
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_lowercase(),
                    v.to_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let raw = res.text().unwrap_or_default();
        Exchange {
            method: method.to_string(),
            path: path.to_string(),
            status,
            headers,
            body: serde_json::from_str(&raw).unwrap_or(Value::Null),
            raw,
        }
    }

    fn send_once(
        &self,
        auth: Auth<'_>,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Exchange {
        let url = format!("{}{}", self.base_url, path);
        let mut req = self
            .client
            .request(method.clone(), &url)
            .header("accept", "application/json");
        req = match auth {
            Auth::Target => req.bearer_auth(&self.token),
            Auth::None => req,
            Auth::Header(v) => req.header("authorization", v),
        };
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req
            .send()
            .unwrap_or_else(|e| panic!("{method} {path} failed: {}", e.without_url()));
        Self::exchange(method.as_str(), path, res)
    }
}

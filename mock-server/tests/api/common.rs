//! Test harness: starts the emulator on 127.0.0.1:0 and talks to it over real HTTP.

use std::net::SocketAddr;

use mock_server::platform::clock::Clock;
use mock_server::platform::RateLimitMode;
use mock_server::{run_surface, AppState, Config, MockDesk};
use reqwest::{Method, Response};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub const HIPCALL: &str = "/hipcall/api/v20211124";
pub const TOKEN: &str = "hipcall-test-token";
pub const DOC_BASE: &str = "https://api.hipcall.com/api/v20211124";

pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    pub client: reqwest::Client,
    _stop: Vec<oneshot::Sender<()>>,
    /// The emulator, started the way an embedding test starts it (stopped on drop).
    _desk: MockDesk,
}

/// The default configuration with rate limits off (tests that need limits turn them on).
pub fn config() -> Config {
    Config {
        rate_limits: RateLimitMode::Off,
        ..Config::default()
    }
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(config(), Clock::frozen_at_ms(1_700_000_000_000)).await
    }

    pub async fn start_with(config: Config, clock: Clock) -> Self {
        let desk = MockDesk::builder()
            .configure(|c| *c = config)
            .clock(clock)
            .try_start()
            .await
            .expect("valid config");
        Self {
            addr: desk.addr(),
            state: desk.app_state().clone(),
            client: reqwest::Client::new(),
            _stop: Vec::new(),
            _desk: desk,
        }
    }

    /// Also serves `surface` at the root of a second port; returns that port's address.
    pub async fn own_port(&mut self, surface: &str) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let (st, s) = (self.state.clone(), surface.to_string());
        tokio::spawn(async move {
            run_surface(listener, st, &s, async {
                let _ = rx.await;
            })
            .await
        });
        self._stop.push(tx);
        addr
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The Hipcall base URL as a client configures it.
    pub fn hipcall_base(&self) -> String {
        self.url(HIPCALL)
    }

    pub async fn hipcall(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        self.hipcall_as(TOKEN, method, path, body).await
    }

    pub async fn hipcall_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.hipcall_base(), path))
            .bearer_auth(token)
            .header("accept", "application/json");
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    /// A request to any path of the main port with an optional bearer token.
    pub async fn call(
        &self,
        token: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.hipcall(Method::GET, path, None).await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut req = self
            .client
            .request(method, self.url(&format!("/__admin{path}")));
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    /// `GET /__admin{path}`'s JSON body.
    pub async fn admin_get(&self, path: &str) -> Value {
        self.admin(Method::GET, path, None)
            .await
            .json()
            .await
            .unwrap()
    }
}

/// One surface of a running emulator, addressed by its path prefix with its vendor's built-in
/// token (both from the server's own surface info).
pub struct SurfaceClient<'a> {
    server: &'a Server,
    pub prefix: String,
    pub token: &'static str,
}

impl Server {
    /// A client for surface `id` (e.g. `helpcrunch`, `hiver-tutorial`).
    pub fn surface(&self, id: &str) -> SurfaceClient<'_> {
        let info = self
            .state
            .surfaces()
            .into_iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("no surface {id}"));
        let token = self
            .state
            .default_token(info.vendor)
            .unwrap_or_else(|| panic!("no backend for {}", info.vendor));
        SurfaceClient {
            server: self,
            prefix: info.prefix(),
            token,
        }
    }
}

impl SurfaceClient<'_> {
    /// A request below the surface's base URL with its token: (status, JSON body).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let (status, _, v) = self
            .server
            .call(
                Some(self.token),
                method,
                &format!("{}{path}", self.prefix),
                body,
            )
            .await;
        (status, v)
    }
}

/// A documented example with its URLs pointed at `base`.
pub fn documented(name: &str, base: &str) -> Value {
    let path = format!(
        "{}/../fixtures/examples/hipcall/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let raw = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&raw.replace(DOC_BASE, base)).unwrap()
}

/// Asserts a body is the Hipcall (Laravel) error shape.
pub fn assert_error_body(v: &Value) {
    assert!(v["message"].is_string(), "no message in {v}");
    assert!(v["errors"].is_object(), "no errors object in {v}");
}

/// `n` HelpCrunch customers as the items of a state document's `customers` array (ids 1..=n),
/// for tests that need a large account.
pub fn helpcrunch_customers(n: usize) -> String {
    let mut out = String::with_capacity(n * 90);
    for i in 1..=n {
        if i > 1 {
            out.push(',');
        }
        out.push_str(&format!(
            r#"{{"id":{i},"name":"Customer {i}","email":"c{i}@example.com","createdAt":{}}}"#,
            1_700_000_000 + i
        ));
    }
    out
}

impl Server {
    /// A client with no pooled connection asks `/__admin/health` `rounds` times; each answer
    /// must be a 200 within `limit`.
    pub async fn health_answers_within(&self, rounds: usize, limit: std::time::Duration) {
        let fresh = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        for _ in 0..rounds {
            let started = std::time::Instant::now();
            let r = fresh
                .get(self.url("/__admin/health"))
                .timeout(limit * 5)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let took = started.elapsed();
            assert!(took < limit, "health took {took:?}");
        }
    }
}

//! Drives requests through the main port's whole service in-process (no sockets, one thread)
//! and prints the time each endpoint takes, next to a bare router answering prebuilt bytes.
//! For profiling (`perf record -g target/release/examples/inproc`), not a benchmark of record:
//! `make bench` measures over real connections.
//!
//! Usage: `inproc [ROUNDS] [PATH-PART]` (default 200000 requests per endpoint; only the
//! endpoints whose path contains PATH-PART). The endpoints are every registered surface's
//! representative reads.

use std::time::Instant;

use axum::body::Body;
use axum::extract::Request;
use axum::routing::get;
use axum::Router;
use mock_server::platform::RateLimitMode;
use mock_server::{AppState, Config};
use tower::{Service, ServiceExt};

// The server's own allocator, so that profiles weigh allocation as the server does
// (allocation counts per request are held by `tests/allocations.rs`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

async fn time<S>(svc: &S, token: &str, path: &str, rounds: u32) -> (f64, usize)
where
    S: Service<Request, Response = axum::response::Response> + Clone,
    S::Error: std::fmt::Debug,
{
    let mut size = 0;
    let started = Instant::now();
    for _ in 0..rounds {
        let req = Request::get(path)
            .header("host", "127.0.0.1:4000")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        let res = svc.clone().oneshot(req).await.expect("infallible");
        assert!(res.status().is_success(), "{path}: {}", res.status());
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body");
        size = body.len();
    }
    let ns = started.elapsed().as_nanos() as f64 / f64::from(rounds);
    (ns, size)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rounds: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let only = std::env::args().nth(2).unwrap_or_default();
    let config = Config {
        rate_limits: RateLimitMode::Off,
        ..Config::default()
    };
    let state = AppState::new(&config).expect("state");
    let svc = mock_server::service(&state);
    let body = bytes::Bytes::from_static(br#"{"data":{"id":1}}"#);
    let bare = Router::new().route(
        "/static",
        get(move || {
            let body = body.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let (base, _) = time(&bare, "x", "/static", rounds).await;
    println!(
        "{:>9} ns  {:>6} B  baseline: prebuilt bytes",
        base as u64, 17
    );
    // Every registered surface's representative reads (its catalogue declares them).
    let mut endpoints = Vec::new();
    for d in state.dialects.iter() {
        let info = d.info();
        let token = state.default_token(info.vendor).expect("a default token");
        let r = &d.representative;
        for read in std::iter::once(r.record).chain(r.pages.iter().copied()) {
            endpoints.push((token, format!("{}{read}", info.prefix())));
        }
    }
    for (token, path) in endpoints.iter().filter(|(_, p)| p.contains(&only)) {
        let (ns, size) = time(&svc, token, path, rounds).await;
        println!("{:>9} ns  {size:>6} B  {path}", ns as u64);
    }
}

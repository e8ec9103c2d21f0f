//! Regression guard for the request path's cost, stable on a noisy machine: heap allocations
//! per request (counted, not timed) for a single-record GET and a list page on every surface,
//! driven in-process through the main port's whole service. A change that puts per-request
//! formatting, cloning or a `Value` tree back on these paths fails here; `make bench` measures
//! the speed itself.

use axum::body::Body;
use axum::extract::Request;
use mock_server::platform::RateLimitMode;
use mock_server::{AppState, Config};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use tower::{Service, ServiceExt};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// (token, path, allocations allowed per request). The budgets sit about a tenth above what
/// the code needed when they were set (single GETs 20-21, lists 25-47, in a debug build, with
/// the records' views kept by the account's memo after the warm-up), close enough that the
/// old per-request journal formatting (six strings) would fail.
const ENDPOINTS: &[(&str, &str, usize)] = &[
    ("hipcall-test-token", "/hipcall/api/v20211124/tasks/1", 22),
    ("hipcall-test-token", "/hipcall/api/v3/tasks/1", 22),
    ("helpcrunch-test-token", "/helpcrunch/v1/customers/1", 22),
    (
        "chative-test-token",
        "/chative/v1.0/contacts/183ccf94-3111-480f-8b12-4d19d65d3c78",
        23,
    ),
    (
        "hiver-test-token",
        "/hiver/v1/inboxes/102/conversations/234232",
        23,
    ),
    ("hiver-test-token", "/hiver/api/v1/conversations/234232", 22),
    (
        "hipcall-test-token",
        "/hipcall/api/v20211124/users?page=2&limit=10",
        52,
    ),
    (
        "hipcall-test-token",
        "/hipcall/api/v20211124/cdrs?page=3&limit=10",
        39,
    ),
    ("hipcall-test-token", "/hipcall/api/v3/calls?limit=10", 35),
    (
        "helpcrunch-test-token",
        "/helpcrunch/v1/customers?limit=10&offset=100",
        30,
    ),
    (
        "chative-test-token",
        "/chative/v1.0/contacts?limit=10&page=2",
        28,
    ),
    (
        "hiver-test-token",
        "/hiver/v1/inboxes/102/conversations?limit=10",
        35,
    ),
    (
        "hiver-test-token",
        "/hiver/api/v1/conversations?limit=10",
        34,
    ),
];

const ROUNDS: usize = 200;

fn request(token: &str, path: &str) -> Request {
    Request::get(path)
        .header("host", "127.0.0.1:4000")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request")
}

/// Every endpoint stays within its allocation budget (after a warm-up that fills the
/// journal's ring and the lazily built tables).
#[tokio::test(flavor = "current_thread")]
async fn allocations_per_request_stay_within_budget() {
    let config = Config {
        rate_limits: RateLimitMode::Off,
        journal_capacity: 100,
        ..Config::default()
    };
    let state = AppState::new(&config).expect("state");
    let svc = mock_server::service(&state);
    let mut over = Vec::new();

    for (token, path, budget) in ENDPOINTS {
        for _ in 0..150 {
            let res = svc.clone().oneshot(request(token, path)).await.unwrap();
            assert_eq!(res.status(), 200, "{path}");
            axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .unwrap();
        }
        let requests: Vec<Request> = (0..ROUNDS).map(|_| request(token, path)).collect();
        let region = Region::new(GLOBAL);
        for req in requests {
            let mut s = svc.clone();
            let res = s.ready().await.unwrap().call(req).await.unwrap();
            let body = axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .unwrap();
            drop(body);
        }
        let per_request = region.change().allocations / ROUNDS;
        eprintln!("{per_request:>4}  {path}");
        if per_request > *budget {
            over.push(format!(
                "{path}: {per_request} allocations per request (budget {budget})"
            ));
        }
    }

    assert!(over.is_empty(), "over budget:\n{}", over.join("\n"));
}

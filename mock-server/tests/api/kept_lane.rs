//! The kept lane (`platform::surface::kept`): a GET whose answer is kept goes out without the
//! edge, the guard or the handler, exactly as they would have sent it. The debug build's check
//! of kept answers runs every kept answer's handler again, so it keeps the lane shut; these
//! tests switch the check off, as a release build runs.

use std::sync::atomic::Ordering;

use reqwest::Method;
use serde_json::json;

use crate::common::*;

/// The server as a release build runs it: kept answers are trusted, the lane is open.
fn lane_open(s: &Server) {
    s.state
        .platform
        .check_answers
        .store(false, Ordering::Relaxed);
}

fn lane_count(s: &Server, surface: &str) -> u64 {
    s.state.kept_lane_answers(surface).expect("surface")
}

/// What a client sees of an answer: the status, every header but `date` in order, the body.
type Seen = (u16, Vec<(String, String)>, Vec<u8>);

async fn get(s: &Server, url: &str, token: &str, headers: &[(&str, &str)]) -> Seen {
    let mut req = s.client.get(url).bearer_auth(token);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let heads = r
        .headers()
        .iter()
        .filter(|(n, _)| n.as_str() != "date")
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("?").to_string()))
        .collect();
    (status, heads, r.bytes().await.unwrap().to_vec())
}

/// The journal's last two entries, numbered and timed alike (all that may differ).
fn last_two_entries(
    s: &Server,
) -> (
    mock_server::platform::journal::Entry,
    mock_server::platform::journal::Entry,
) {
    let mut all = s.state.platform.journal.list();
    let mut second = all.pop().expect("an entry");
    let first = all.pop().expect("two entries");
    second.seq = first.seq;
    second.latency_us = first.latency_us;
    (first, second)
}

/// One read through the handler, the same read again through the lane: the same status,
/// headers (in order) and body, and the same journal entry.
async fn made_then_kept(s: &Server, surface: &str, url: &str, headers: &[(&str, &str)]) {
    let token = s.surface(surface).token;
    let before = lane_count(s, surface);
    let made = get(s, url, token, headers).await;
    assert_eq!(made.0, 200, "{url}: {}", String::from_utf8_lossy(&made.2));
    assert_eq!(
        lane_count(s, surface),
        before,
        "{url}: the first read is made"
    );
    let kept = get(s, url, token, headers).await;
    assert_eq!(
        lane_count(s, surface),
        before + 1,
        "{url}: the second is kept"
    );
    assert_eq!(made, kept, "{url}");
    let (first, second) = last_two_entries(s);
    assert_eq!(first, second, "{url}: journal");
}

#[tokio::test]
async fn the_lane_answers_as_the_edge_and_the_handler_did() {
    let mut s = Server::start().await;
    let hc = s.surface("helpcrunch").prefix;
    // Debug builds check every kept answer against its handler: no lane.
    for _ in 0..3 {
        get(
            &s,
            &s.url(&format!("{hc}/customers/1")),
            "helpcrunch-test-token",
            &[],
        )
        .await;
    }
    assert_eq!(lane_count(&s, "helpcrunch"), 0);

    lane_open(&s);
    let hiver = s.surface("hiver").prefix;
    let tutorial = s.surface("hiver-tutorial").prefix;
    let chative = s.surface("chative").prefix;
    let v3 = s.surface("hipcall-v3").prefix;
    let cases = [
        ("helpcrunch", format!("{hc}/customers/2"), vec![]),
        (
            "helpcrunch",
            format!("{hc}/customers?limit=3&offset=1"),
            vec![],
        ),
        (
            "helpcrunch",
            format!("{hc}/customers?limit=2"),
            vec![("origin", "https://app.example")],
        ),
        ("hipcall", format!("{HIPCALL}/users?page=1&limit=2"), vec![]),
        ("hipcall-v3", format!("{v3}/tasks/1"), vec![]),
        ("hiver", format!("{hiver}/inboxes"), vec![]),
        (
            "hiver-tutorial",
            format!("{tutorial}/conversations/234232"),
            vec![],
        ),
        ("chative", format!("{chative}/contacts"), vec![]),
        // Through the vendor's own host name, and at its root path.
        (
            "helpcrunch",
            "/v1/customers/3".to_string(),
            vec![("host", "api.helpcrunch.com")],
        ),
    ];
    for (surface, path, headers) in &cases {
        made_then_kept(&s, surface, &s.url(path), headers).await;
    }
    // On the surface's own port.
    let own = s.own_port("helpcrunch").await;
    made_then_kept(&s, "helpcrunch", &format!("http://{own}/customers/4"), &[]).await;
}

/// The rate limit counts every request the lane answers, with its headers counting down; the
/// one it refuses goes the usual way and is the vendor's 429.
#[tokio::test]
async fn the_lane_counts_against_the_rate_limit() {
    let s = Server::start().await;
    lane_open(&s);
    let r = s
        .admin(
            Method::PUT,
            "/rate-limits/hipcall",
            Some(json!({"mode": "custom", "windows": [{"limit": 20, "seconds": 60}]})),
        )
        .await;
    assert!(r.status().is_success());
    let url = s.url(&format!("{HIPCALL}/users/1"));
    let mut left = Vec::new();
    for _ in 0..20 {
        let (st, headers, _) = get(&s, &url, TOKEN, &[]).await;
        assert_eq!(st, 200);
        let remaining = headers
            .iter()
            .find(|(n, _)| n == "x-ratelimit-remaining")
            .map(|(_, v)| v.parse::<u32>().unwrap());
        left.push(remaining.expect("x-ratelimit-remaining"));
    }
    assert_eq!(left, (0..20).rev().collect::<Vec<u32>>());
    // Every read after the first is the lane's.
    assert_eq!(lane_count(&s, "hipcall"), 19);
    let (st, headers, body) = get(&s, &url, TOKEN, &[]).await;
    assert_eq!(st, 429, "{}", String::from_utf8_lossy(&body));
    assert!(headers.iter().any(|(n, _)| n == "retry-after"));
    assert_eq!(lane_count(&s, "hipcall"), 19, "a refusal is not the lane's");
}

/// Injected faults roll their dice on every request, kept answer or not: the lane stays shut
/// while any is in force.
#[tokio::test]
async fn faults_in_force_keep_the_lane_shut() {
    let s = Server::start().await;
    lane_open(&s);
    let r = s
        .admin(
            Method::POST,
            "/faults",
            Some(json!({
                "match": {"surface": "hipcall", "method": "GET", "path": "/users/{id}"},
                "effect": {"type": "status", "status": 503},
                "probability": 0.5,
            })),
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let url = s.url(&format!("{HIPCALL}/users/1"));
    let mut statuses = Vec::new();
    for _ in 0..24 {
        statuses.push(get(&s, &url, TOKEN, &[]).await.0);
    }
    assert!(
        statuses.contains(&200) && statuses.contains(&503),
        "{statuses:?}"
    );
    // The first success was kept; had the lane taken the rest, no 503 would follow it.
    let first_ok = statuses.iter().position(|&st| st == 200).unwrap();
    assert!(statuses[first_ok..].contains(&503), "{statuses:?}");
    assert_eq!(lane_count(&s, "hipcall"), 0);
}

/// Each instance has its own epochs: a change in one (an admin reset, a write, a clock move)
/// leaves the answers another instance in the same process keeps.
#[tokio::test]
async fn one_instance_s_changes_leave_another_s_answers_kept() {
    let (a, b) = (Server::start().await, Server::start().await);
    lane_open(&b);
    let hc = b.surface("helpcrunch").prefix;
    let url = b.url(&format!("{hc}/customers/1"));
    made_then_kept(&b, "helpcrunch", &url, &[]).await;
    let r = a.admin(Method::POST, "/reset", None).await;
    assert!(r.status().is_success());
    let (st, _) = a
        .surface("helpcrunch")
        .call(
            Method::PATCH,
            "/customers/1",
            Some(json!({"company": "A's"})),
        )
        .await;
    assert_eq!(st, 200);
    let r = a
        .admin(Method::POST, "/clock", Some(json!({"advance_ms": 1000})))
        .await;
    assert!(r.status().is_success());
    let before = lane_count(&b, "helpcrunch");
    let (st, _, body) = get(&b, &url, "helpcrunch-test-token", &[]).await;
    assert_eq!(st, 200);
    assert!(!String::from_utf8_lossy(&body).contains("A's"));
    assert_eq!(lane_count(&b, "helpcrunch"), before + 1, "still kept");
    // Its own change is another matter.
    let r = b.admin(Method::POST, "/reset", None).await;
    assert!(r.status().is_success());
    get(&b, &url, "helpcrunch-test-token", &[]).await;
    assert_eq!(lane_count(&b, "helpcrunch"), before + 1, "made again");
}

/// Stubs leave the lane open: a stub in force when an answer was kept did not match it, and
/// one added later (an admin write) makes the kept answers stale, so the stub answers next.
#[tokio::test]
async fn stubs_in_force_leave_the_lane_open_and_new_ones_answer() {
    let s = Server::start().await;
    lane_open(&s);
    let add_stub = |path: &'static str, company: &'static str| {
        let s = &s;
        async move {
            let stub = json!({
                "match": {"surface": "helpcrunch", "method": "GET", "path": path},
                "response": {"status": 200, "json": {"id": 1, "company": company}},
            });
            let r = s.admin(Method::POST, "/stubs", Some(stub)).await;
            assert_eq!(r.status(), 201);
        }
    };
    add_stub("/customers/2", "elsewhere").await;
    let hc = s.surface("helpcrunch").prefix;
    let url = s.url(&format!("{hc}/customers/1"));
    made_then_kept(&s, "helpcrunch", &url, &[]).await;
    add_stub("/customers/1", "stubbed").await;
    let before = lane_count(&s, "helpcrunch");
    let (st, _, body) = get(&s, &url, "helpcrunch-test-token", &[]).await;
    assert_eq!(st, 200);
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["company"], "stubbed");
    assert_eq!(lane_count(&s, "helpcrunch"), before, "the stub answered");
}

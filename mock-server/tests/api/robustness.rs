//! Robustness classes from the audit (issue 14): slow or stuck clients, bounded work.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mock_server::platform::clock::Clock;
use reqwest::Method;
use serde_json::json;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_mockdesk");

/// Reads until the server closes the connection (or `limit` passes); returns what arrived
/// and how long it took.
fn read_to_close(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let start = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("connection still open after {limit:?}: {e}"),
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), start.elapsed())
}

/// Class 8 — a client that sends half its headers (header timeout), or goes quiet on a
/// keep-alive connection (idle timeout), or promises a body it never sends (client timeout),
/// is cut off.
#[tokio::test]
async fn slow_clients_are_cut_off() {
    let config = mock_server::Config {
        client_timeout: Duration::from_millis(300),
        header_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_millis(300),
        ..config()
    };
    let s = Server::start_with(config, Clock::frozen_at_ms(1_700_000_000_000)).await;
    let addr = s.addr;
    tokio::task::spawn_blocking(move || {
        // Half a request line and headers.
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(b"GET /__admin/health HTTP/1.1\r\nHost: x\r\n").unwrap();
        let (_, took) = read_to_close(&mut c, Duration::from_secs(5));
        assert!(took < Duration::from_secs(3), "half-sent headers kept for {took:?}");
        // A keep-alive connection that goes idle after one answer.
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(b"GET /__admin/health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let (text, took) = read_to_close(&mut c, Duration::from_secs(5));
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        assert!(took < Duration::from_secs(3), "idle connection kept for {took:?}");
        // A body promised and never sent: the vendor's own error, then the connection ends.
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(
            b"POST /helpcrunch/v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer helpcrunch-test-token\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"na",
        )
        .unwrap();
        let (text, took) = read_to_close(&mut c, Duration::from_secs(5));
        assert!(took < Duration::from_secs(3), "stalled body kept for {took:?}");
        assert!(text.starts_with("HTTP/1.1 400"), "{text} after {took:?}");
        assert!(text.contains(r#"{"errors":[{"code":"invalid_request""#), "not HelpCrunch's body: {text}");
    })
    .await
    .unwrap();
    // Nothing of the stalled create was stored.
    let (_, list) = s
        .surface("helpcrunch")
        .call(Method::GET, "/customers?limit=1", None)
        .await;
    assert_eq!(list["total"], 300, "{list}");
}

/// Class 8 — at most `--max-connections` are served at once: with every connection busy in a
/// request (a body that is still coming), the next one waits, and is served as soon as one
/// ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_capped() {
    let config = mock_server::Config {
        max_connections: 2,
        ..config()
    };
    let s = Server::start_with(config, Clock::frozen_at_ms(1_700_000_000_000)).await;
    // A request whose body is still on its way keeps its connection busy.
    let busy = |addr| {
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(
            b"POST /helpcrunch/v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer helpcrunch-test-token\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        )
        .unwrap();
        c
    };
    let a = busy(s.addr);
    let _b = busy(s.addr);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let err = fresh
        .get(s.url("/__admin/health"))
        .timeout(Duration::from_millis(400))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    drop(a);
    let r = fresh
        .get(s.url("/__admin/health"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Class 8 — idle keep-alive connections and silent sockets do not hold the cap: a newcomer
/// closes the one that has sent nothing (or idled longest) and is served at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_silent_connections_make_room() {
    let config = mock_server::Config {
        max_connections: 3,
        ..config()
    };
    let s = Server::start_with(config, Clock::frozen_at_ms(1_700_000_000_000)).await;
    let idle = {
        let mut c = TcpStream::connect(s.addr).unwrap();
        c.write_all(b"GET /__admin/health HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 512];
        let n = c.read(&mut buf).unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        c
    };
    let silent: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(s.addr).unwrap())
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    s.health_answers_within(3, Duration::from_secs(1)).await;
    drop((idle, silent));
}

/// Class 8 — SIGTERM ends the process within the shutdown grace even while a request hangs
/// and another client has sent half a request.
#[test]
fn shutdown_has_a_deadline() {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--rate-limits", "off"])
        .args(["--shutdown-grace", "500ms", "--client-timeout", "60s"])
        .args(["--header-timeout", "60s", "--idle-timeout", "60s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    {
        use std::io::BufRead;
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut first).unwrap();
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    }
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .to_string();
    let client = reqwest::blocking::Client::new();
    let r = client
        .post(format!("http://{addr}/__admin/faults"))
        .json(&json!({"match": {"path": "/agents"}, "effect": {"type": "hang"}}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    let hanging_addr = addr.clone();
    std::thread::spawn(move || {
        let _ = reqwest::blocking::Client::new()
            .get(format!("http://{hanging_addr}/helpcrunch/v1/agents"))
            .bearer_auth("helpcrunch-test-token")
            .timeout(Duration::from_secs(30))
            .send();
    });
    let mut half = TcpStream::connect(&addr).unwrap();
    half.write_all(b"GET /__admin/health HTTP/1.1\r\nHo")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "SIGTERM did not finish"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
}

/// Class 7 — one request's work is bounded: a HelpCrunch search takes at most 50 filters
/// (HelpCrunch's validator error beyond), and no surface takes more than 200 query
/// parameters (each vendor's own 400 body).
#[tokio::test]
async fn work_per_request_is_bounded() {
    let s = Server::start().await;
    let hc = s.surface("helpcrunch");
    let filters = |n: usize| {
        json!({"filter": (0..n)
            .map(|i| json!({"field": "customers.name", "operator": "!=", "value": format!("x{i}")}))
            .collect::<Vec<_>>()})
    };
    let (st, body) = hc
        .call(Method::POST, "/customers/search", Some(filters(50)))
        .await;
    assert_eq!(st, 200, "{body}");
    for n in [51, 14_000] {
        let (st, body) = hc
            .call(Method::POST, "/customers/search", Some(filters(n)))
            .await;
        assert_eq!(st, 400, "{n} filters: {body}");
        assert_eq!(body["errors"][1]["code"], "filter", "{body}");
        assert_eq!(
            body["errors"][1]["message"],
            "This collection should contain 50 elements or less."
        );
    }
    let query: String = (0..300)
        .map(|i| format!("x{i}=1"))
        .collect::<Vec<_>>()
        .join("&");
    for info in s.state.surfaces() {
        let (st, body) = s
            .surface(info.id)
            .call(Method::GET, &format!("/?{query}"), None)
            .await;
        assert_eq!(st, 400, "{}: {body}", info.id);
        assert!(body.is_object() || body.is_array(), "{}: not JSON", info.id);
    }
    let (st, _) = s
        .surface("hipcall")
        .call(Method::GET, "/users?page=1", None)
        .await;
    assert_eq!(st, 200, "a normal query still works");
}

/// The start of an answer, for a failure message (the bodies below are megabytes).
fn head(v: &serde_json::Value) -> String {
    v.to_string().chars().take(200).collect()
}

/// With `--max-body-bytes` above axum's own extractor limit (2 MiB), a larger body reaches
/// its handler whole, through the platform's JSON extractor (which takes the body the edge
/// read) and through axum's raw-bytes extractor alike; one over the limit is the vendor's 413.
#[tokio::test]
async fn bodies_up_to_the_configured_limit_reach_their_handler() {
    let config = mock_server::Config {
        max_body_bytes: 4 << 20,
        ..config()
    };
    let s = Server::start_with(config, Clock::frozen_at_ms(1_700_000_000_000)).await;
    let hc = s.surface("helpcrunch");
    let big = "x".repeat(3 << 20);
    let (st, v) = hc
        .call(
            Method::PATCH,
            "/customers/1",
            Some(serde_json::json!({"company": big})),
        )
        .await;
    assert_eq!(st, 200, "{}", head(&v));
    let (st, v) = hc
        .call(
            Method::PUT,
            "/customers/batch",
            Some(serde_json::json!([{"id": 1, "company": big}])),
        )
        .await;
    assert!(st != 413 && st < 500, "{st} {}", head(&v));
    let (st, _) = hc
        .call(
            Method::PATCH,
            "/customers/1",
            Some(serde_json::json!({"company": "x".repeat(5 << 20)})),
        )
        .await;
    assert_eq!(st, 413);
}

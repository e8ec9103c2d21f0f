//! Promises under misuse and faults: the admin API refuses hosts a DNS-rebinding page would
//! send; webhook queues are bounded (drops counted and logged); a subscription to mockdesk
//! itself is refused and mockdesk's own deliveries are never acted on.

use std::time::{Duration, Instant};

use mock_server::platform::clock::Clock;
use mock_server::Config;
use reqwest::Method;
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::common::*;

async fn status_with_host(s: &Server, method: Method, path: &str, host: &str) -> (u16, Value) {
    let mut req = s
        .client
        .request(method.clone(), s.url(path))
        .header("host", host)
        .header("origin", format!("http://{host}"));
    if method == Method::POST {
        req = req.json(&json!({}));
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Without `--admin-token`, a request whose Host (and Origin) is an outside name — what a page
/// on a rebound domain sends — is refused with 403 on reads, writes and the dashboard; the
/// health check, loopback names, IP addresses and `--admin-host` names are answered.
#[tokio::test]
async fn admin_refuses_rebound_host_names() {
    let s = Server::start_with(
        Config {
            admin_hosts: vec!["mockdesk".into()],
            ..config()
        },
        Clock::frozen_at_ms(1_700_000_000_000),
    )
    .await;
    let port = s.addr.port();
    let evil = format!("attacker.example:{port}");
    for (method, path) in [
        (Method::GET, "/__admin/requests"),
        (Method::GET, "/__admin/state/helpcrunch"),
        (Method::POST, "/__admin/reset"),
        (Method::GET, "/__admin/ui"),
    ] {
        let (status, body) = status_with_host(&s, method.clone(), path, &evil).await;
        assert_eq!(status, 403, "{method} {path}: {body}");
        if path != "/__admin/ui" {
            assert_eq!(body["error"]["code"], "forbidden_host", "{path}");
        }
    }
    let (status, _) = status_with_host(&s, Method::GET, "/__admin/health", &evil).await;
    assert_eq!(status, 200, "the health check stays open");
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        format!("10.1.2.3:{port}"),
        format!("mockdesk:{port}"),
        "app.localhost".to_string(),
    ] {
        let (status, body) = status_with_host(&s, Method::GET, "/__admin/requests", &host).await;
        assert_eq!(status, 200, "{host}: {body}");
    }
    // The vendor surfaces are not the admin API: routed by Host as always.
    let (status, _, _) = s
        .call(
            Some(TOKEN),
            Method::GET,
            "/hipcall/api/v20211124/teams/1",
            None,
        )
        .await;
    assert_eq!(status, 200);
}

/// With `--admin-token` the token is the guard and any Host is answered.
#[tokio::test]
async fn admin_token_replaces_the_host_check() {
    let s = Server::start_with(
        Config {
            admin_token: Some("sekret".into()),
            ..config()
        },
        Clock::frozen_at_ms(1_700_000_000_000),
    )
    .await;
    let r = s
        .client
        .get(s.url("/__admin/requests"))
        .header("host", "attacker.example")
        .bearer_auth("sekret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// A receiver that accepts connections and never answers.
async fn silent_receiver() -> (String, tokio::task::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = l.accept().await {
            held.push(sock);
        }
    });
    (format!("http://{addr}/hook"), task)
}

/// A subscription's queue holds at most `--webhook-queue-limit` events: behind a receiver that
/// never answers, older undelivered events are dropped, each drop counted on the subscription
/// and logged as a delivery that says why.
#[tokio::test]
async fn webhook_queues_are_bounded() {
    let s = Server::start_with(
        Config {
            webhook_queue_limit: 5,
            ..config()
        },
        Clock::real(),
    )
    .await;
    let (url, receiver) = silent_receiver().await;
    let r = s
        .admin(
            Method::POST,
            "/webhooks",
            Some(json!({"surface": "helpcrunch", "url": url, "events": ["customer.new"]})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let sub: Value = r.json().await.unwrap();
    for i in 0..25 {
        let (status, _, _) = s
            .call(
                Some("helpcrunch-test-token"),
                Method::POST,
                "/helpcrunch/v1/customers",
                Some(json!({"name": format!("queued {i}")})),
            )
            .await;
        assert_eq!(status, 201);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let subs = s.admin_get("/webhooks").await;
        let mine = subs["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == sub["id"])
            .cloned()
            .unwrap();
        // 25 events: one in flight, five waiting, the rest dropped.
        if mine["dropped"].as_u64() >= Some(19) {
            assert!(mine["dropped"].as_u64() <= Some(20), "{mine}");
            break;
        }
        assert!(Instant::now() < deadline, "{mine}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = s.admin_get("/webhooks/deliveries").await;
    let drops: Vec<&Value> = log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["error"]
                .as_str()
                .is_some_and(|e| e.contains("queue was full"))
        })
        .collect();
    assert!(drops.len() >= 19, "{log}");
    receiver.abort();
}

/// A subscription whose URL is one of this mockdesk's own listeners is a 400; a request that
/// carries mockdesk's delivery header is never acted on (vendor write or admin write).
#[tokio::test]
async fn webhooks_cannot_loop_through_mockdesk() {
    let s = Server::start().await;
    let port = s.addr.port();
    // The listener notes its address as it starts serving.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, _, body) = s
            .call(
                None,
                Method::POST,
                "/__admin/webhooks",
                Some(json!({"surface": "helpcrunch", "url": format!("http://localhost:{port}/__admin/simulate/helpcrunch/customer_chat")})),
            )
            .await;
        if status == 400 {
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("points at this mockdesk"),
                "{body}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "{status} {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = s
        .admin(
            Method::POST,
            "/webhooks",
            Some(json!({"surface": "helpcrunch", "url": format!("http://127.0.0.1:{port}/helpcrunch/v1/customers")})),
        )
        .await;
    assert_eq!(r.status(), 400);
    // Another port of this machine is somebody else's receiver: accepted.
    let r = s
        .admin(
            Method::POST,
            "/webhooks",
            Some(json!({"surface": "helpcrunch", "url": "http://127.0.0.1:9/hook"})),
        )
        .await;
    assert_eq!(r.status(), 201);

    let before = s.admin_get("/state/helpcrunch").await;
    let r = s
        .client
        .post(s.url("/helpcrunch/v1/customers"))
        .bearer_auth("helpcrunch-test-token")
        .header("x-mockdesk-delivery", "e-1")
        .json(&json!({"name": "looped"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        s.admin_get("/state/helpcrunch").await,
        before,
        "nothing changed"
    );
    let r = s
        .client
        .post(s.url("/__admin/reset"))
        .header("x-mockdesk-delivery", "e-2")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "webhook_loop");
}

/// The audit's lock-out: 1,100 sockets that send nothing and 1,100 slowloris connections
/// (a request head dribbled and never finished) against the default connection cap (1,024) —
/// a new client's health check still answers within a second, every time. (Where the
/// open-files limit cannot reach that many, the cap and the sockets shrink with it, keeping
/// twice as many sockets as the cap.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_slowloris_sockets_do_not_lock_others_out() {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let (cap, sockets) = if limit >= 6000 {
        (1024, 2200)
    } else {
        let cap = (limit / 8) as usize;
        (cap, cap * 2 + 20)
    };
    let s = Server::start_with(
        Config {
            max_connections: cap,
            ..config()
        },
        Clock::frozen_at_ms(1_700_000_000_000),
    )
    .await;
    let addr = s.addr;
    let held = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut held = Vec::new();
        for i in 0..sockets {
            let Ok(mut c) = std::net::TcpStream::connect(addr) else {
                continue;
            };
            if i % 2 == 1 {
                // Slowloris: part of a head, then nothing more.
                let _ = c.write_all(b"GET /__admin/health HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            }
            held.push(c);
        }
        held
    })
    .await
    .unwrap();
    assert!(held.len() >= 2 * cap, "only {} sockets opened", held.len());
    s.health_answers_within(5, Duration::from_secs(1)).await;
    drop(held);
}

/// State imports are held to `--max-import-bytes`: a declared length over it is refused before
/// any byte is read, a streamed (chunked) body as soon as it grows past it — 413 in the admin
/// body both times, nothing changed; a document under the cap is imported.
#[tokio::test]
async fn state_imports_are_capped() {
    let s = Server::start_with(
        Config {
            max_import_bytes: 4096,
            ..config()
        },
        Clock::frozen_at_ms(1_700_000_000_000),
    )
    .await;
    let before = s.admin_get("/state/chative?account=default").await;
    let big = format!(
        r#"{{"vendor": "chative", "accounts": {{"default": {{"padding": "{}"}}}}}}"#,
        "x".repeat(10_000)
    );
    let declared = s
        .client
        .put(s.url("/__admin/state/chative"))
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(declared.status(), 413);
    let body: Value = declared.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big
        .as_bytes()
        .chunks(1000)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let streamed = s
        .client
        .put(s.url("/__admin/state/chative"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 413);
    let body: Value = streamed.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert_eq!(s.admin_get("/state/chative?account=default").await, before);
    // Under the cap: the same document the dump gave back is accepted.
    let small = s
        .client
        .put(s.url("/__admin/state/chative?account=default"))
        .header("content-type", "application/json")
        .body(r#"{"accounts": {"default": {}}}"#)
        .send()
        .await
        .unwrap();
    assert_ne!(small.status(), 413);
}

/// A HelpCrunch search visits every record of the account; it runs off the async workers, in
/// steps. Against the binary (its own runtime, two workers on two cores), three 50-filter
/// searches over 150,000 customers from three clients do not hold up the health check or
/// another vendor's reads — inline, they held every worker for seconds — and a write to the
/// searched account waits for a step, not for the searches — holding the account's lock
/// through a search, it waited for all three.
#[test]
fn heavy_searches_do_not_freeze_others() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mockdesk"))
        .args(["--listen", "127.0.0.1:0", "--rate-limits", "off"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let customers = helpcrunch_customers(150_000);
    let r = client
        .put(format!(
            "http://{addr}/__admin/state/helpcrunch?account=default"
        ))
        .header("content-type", "application/json")
        .body(format!(
            r#"{{"accounts": {{"default": {{"customers": [{customers}]}}}}}}"#
        ))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let filters: Vec<Value> = (0..50)
        .map(|i| json!({"field": "customers.email", "operator": "~", "value": format!("nobody{i}@")}))
        .collect();
    let searches: Vec<_> = (0..3)
        .map(|_| {
            let (url, filters) = (
                format!("http://{addr}/helpcrunch/v1/customers/search"),
                filters.clone(),
            );
            std::thread::spawn(move || {
                let started = Instant::now();
                let r = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(120))
                    .build()
                    .unwrap()
                    .post(url)
                    .bearer_auth("helpcrunch-test-token")
                    .json(&json!({"comparison": "OR", "filter": filters, "limit": 10}))
                    .send()
                    .unwrap();
                assert_eq!(r.status(), 200);
                started.elapsed()
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let r = client
        .patch(format!("http://{addr}/helpcrunch/v1/customers/7"))
        .bearer_auth("helpcrunch-test-token")
        .json(&json!({"name": "written during the searches"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let write = started.elapsed();
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        for path in ["/__admin/health", "/chative/v1.0/contacts?limit=1"] {
            let started = Instant::now();
            let r = client
                .get(format!("http://{addr}{path}"))
                .bearer_auth("chative-test-token")
                .send()
                .unwrap();
            assert_eq!(r.status(), 200);
            slowest = slowest.max(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let longest = searches
        .into_iter()
        .map(|t| t.join().unwrap())
        .max()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        longest > Duration::from_millis(500),
        "the searches were too quick ({longest:?}) to show anything"
    );
    assert!(
        slowest < Duration::from_millis(300),
        "a read waited {slowest:?} while searches ({longest:?}) ran"
    );
    assert!(
        write < longest / 3,
        "a write to the searched account waited {write:?} (searches took {longest:?})"
    );
}

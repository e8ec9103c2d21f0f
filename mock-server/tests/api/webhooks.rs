//! Outbound webhooks end to end, with a local receiver: each vendor's envelope, names and
//! headers; the HelpCrunch signature checked by an independent HMAC; retries and deactivation
//! driven by the admin clock; ordering; a hanging receiver; simulated vendor-side events.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use reqwest::Method;
use serde_json::{json, Value};
use sha1::{Digest, Sha1};
use tokio::net::TcpListener;

use crate::common::*;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    raw: Bytes,
    body: Value,
}

#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<Received>>,
    /// Statuses to answer, in order; 200 once used up.
    script: Mutex<VecDeque<u16>>,
    /// Delay before answering the first request.
    hang_first: Mutex<Option<Duration>>,
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, raw: Bytes) -> StatusCode {
    let hang = r.hang_first.lock().unwrap().take();
    r.got.lock().unwrap().push(Received {
        headers,
        body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
        raw,
    });
    if let Some(d) = hang {
        tokio::time::sleep(d).await;
    }
    let status = r.script.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

async fn receiver() -> (Arc<Receiver>, String) {
    let r = Arc::new(Receiver::default());
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(r.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (r, format!("http://{addr}/hook"))
}

/// Waits (bounded) until the receiver holds `n` requests.
async fn wait_for(r: &Receiver, n: usize) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = r.got.lock().unwrap().clone();
        if got.len() >= n || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn subscribe(s: &Server, body: Value) -> Value {
    let r = s.admin(Method::POST, "/webhooks", Some(body)).await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

async fn advance(s: &Server, ms: i64) {
    let r = s
        .admin(Method::POST, "/clock", Some(json!({"advance_ms": ms})))
        .await;
    assert_eq!(r.status(), 200);
}

/// HMAC-SHA1 written out from RFC 2104 over the `sha1` digest, independent of the `hmac`
/// crate the emulator signs with.
fn rfc2104_hmac_sha1(key: &[u8], msg: &[u8]) -> String {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..20].copy_from_slice(&Sha1::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = Sha1::digest([pad(0x36), msg.to_vec()].concat());
    let outer = Sha1::digest([pad(0x5c), inner.to_vec()].concat());
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

/// HelpCrunch: `{event, eventData, attempts, lastAttemptAt, createdAt, id}`, the GuzzleHttp
/// agent and a signature that verifies; the delivery is logged.
#[tokio::test]
async fn helpcrunch_envelope_and_signature() {
    let s = Server::start().await;
    let (r, url) = receiver().await;
    let sub = subscribe(
        &s,
        json!({"surface": "helpcrunch", "url": url, "secret": "s3cret-key"}),
    )
    .await;
    assert_eq!(sub["secret"], "s3cret-key");
    let (status, _, made) = s
        .call(
            Some("helpcrunch-test-token"),
            Method::POST,
            "/helpcrunch/v1/customers",
            Some(json!({"name": "Hook Test", "email": "hook@example.com"})),
        )
        .await;
    assert_eq!(status, 201);
    let got = wait_for(&r, 1).await;
    assert_eq!(got.len(), 1);
    let h = &got[0];
    assert_eq!(h.body["event"], "customer.new");
    assert_eq!(h.body["eventData"]["id"], made["id"]);
    assert_eq!(h.body["eventData"]["email"], "hook@example.com");
    assert_eq!(h.body["attempts"], 0);
    assert!(h.body["createdAt"].is_i64() && h.body["lastAttemptAt"].is_i64());
    assert_eq!(h.body["id"].as_str().unwrap().len(), 36);
    assert_eq!(h.headers["content-type"], "application/json");
    assert!(h.headers["user-agent"]
        .to_str()
        .unwrap()
        .starts_with("GuzzleHttp/"));
    let sig = h.headers["x-helpcrunch-signature"].to_str().unwrap();
    assert_eq!(sig, rfc2104_hmac_sha1(b"s3cret-key", &h.raw));
    let log: Value = s
        .admin(
            Method::GET,
            "/webhooks/deliveries?surface=helpcrunch&event=customer.new",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let d = &log["deliveries"][0];
    assert_eq!(
        (
            d["status"].clone(),
            d["attempt"].clone(),
            d["subscription"].clone()
        ),
        (json!(200), json!(0), sub["id"].clone())
    );
    assert_eq!(d["request_body"].as_str().unwrap().as_bytes(), &h.raw[..]);
    // A generated signing key is 40 hex characters (another account: this one's key is set).
    let gen = subscribe(
        &s,
        json!({"surface": "helpcrunch", "url": "http://127.0.0.1:9/x", "account": "elsewhere"}),
    )
    .await;
    let key = gen["secret"].as_str().unwrap();
    assert!(key.len() == 40 && key.chars().all(|c| c.is_ascii_hexdigit()));
}

/// Chat and message writes fire the documented events, in order, to one subscription.
#[tokio::test]
async fn helpcrunch_events_in_order() {
    let s = Server::start().await;
    let (r, url) = receiver().await;
    subscribe(&s, json!({"surface": "helpcrunch", "url": url, "events": ["chat.new", "message.chat.agent", "chat.status_updated", "chat.closed"]})).await;
    let hc = s.surface("helpcrunch");
    let (_, chat) = hc
        .call(
            Method::POST,
            "/chats",
            Some(json!({"customer": 1, "application": 1})),
        )
        .await;
    let id = chat["id"].clone();
    hc.call(
        Method::POST,
        "/messages",
        Some(json!({"chat": id, "text": "hello", "agent": 1})),
    )
    .await;
    hc.call(
        Method::PUT,
        "/chats/status",
        Some(json!({"id": id, "status": "closed"})),
    )
    .await;
    let names: Vec<String> = wait_for(&r, 5)
        .await
        .iter()
        .map(|h| h.body["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "chat.new",
            "message.chat.agent",
            "chat.status_updated",
            "chat.status_updated",
            "chat.closed"
        ]
    );
}

/// A failed delivery is retried when the admin clock reaches the vendor's interval, with the
/// attempt counter raised; a later event does not wait behind it (HelpCrunch promises no
/// order, so a receiver that failed once is not starved of everything after).
#[tokio::test]
async fn retries_follow_the_admin_clock() {
    let s = Server::start().await;
    let (r, url) = receiver().await;
    r.script.lock().unwrap().extend([500]);
    subscribe(
        &s,
        json!({"surface": "helpcrunch", "url": url, "events": ["customer.new"]}),
    )
    .await;
    let new = |name: &'static str| {
        let s = &s;
        async move {
            s.call(
                Some("helpcrunch-test-token"),
                Method::POST,
                "/helpcrunch/v1/customers",
                Some(json!({"name": name})),
            )
            .await
        }
    };
    new("first").await;
    new("second").await;
    assert_eq!(wait_for(&r, 2).await.len(), 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = r.got.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "no retry before the interval");
    let name = |h: &Received| h.body["eventData"]["name"].as_str().unwrap().to_string();
    assert_eq!(
        (name(&got[0]), name(&got[1])),
        ("first".into(), "second".into()),
        "the second went while the first waited"
    );
    advance(&s, 60_000).await;
    let got = wait_for(&r, 3).await;
    assert_eq!(got.len(), 3);
    assert_eq!(
        (name(&got[2]), got[2].body["attempts"].clone()),
        ("first".into(), json!(1))
    );
}

/// Chative: the verify token travels in the body; five retries 5 s apart, then the
/// subscription is deactivated.
#[tokio::test]
async fn chative_retries_then_deactivates() {
    let s = Server::start().await;
    let (r, url) = receiver().await;
    r.script.lock().unwrap().extend([500; 10]);
    let sub = subscribe(&s, json!({"surface": "chative", "url": url})).await;
    let token = sub["secret"].as_str().unwrap().to_string();
    let (status, _, _) = s
        .call(
            Some("chative-test-token"),
            Method::PATCH,
            "/chative/v1.0/contacts/183ccf94-3111-480f-8b12-4d19d65d3c78",
            Some(json!({"firstName": "Hooked"})),
        )
        .await;
    assert_eq!(status, 200);
    let first = wait_for(&r, 1).await;
    assert_eq!(first[0].body["event"], "contact.updated");
    assert_eq!(first[0].body["verify_token"], token.as_str());
    assert_eq!(
        first[0].body["data"]["_id"],
        "183ccf94-3111-480f-8b12-4d19d65d3c78"
    );
    assert_eq!(first[0].body["data"]["firstName"], "Hooked");
    for n in 2..=6 {
        advance(&s, 5_000).await;
        assert_eq!(wait_for(&r, n).await.len(), n);
    }
    advance(&s, 60_000).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(r.got.lock().unwrap().len(), 6, "1 attempt + 5 retries");
    let subs: Value = s.admin_get("/webhooks").await;
    assert_eq!(subs["subscriptions"][0]["active"], false);
    // Redelivery reactivates and sends again.
    let log: Value = s.admin_get("/webhooks/deliveries").await;
    let id = log["deliveries"][0]["id"].as_u64().unwrap();
    r.script.lock().unwrap().clear();
    let re = s
        .admin(
            Method::POST,
            &format!("/webhooks/deliveries/{id}/redeliver"),
            None,
        )
        .await;
    assert_eq!(re.status(), 202);
    let all = wait_for(&r, 7).await;
    assert_eq!(all.len(), 7);
    // The same event again: its id and payload, not a rebuilt one.
    assert_eq!(all[6].body["event"], "contact.updated");
    assert_eq!(all[6].body["data"], all[0].body["data"]);
    assert_eq!(all[6].body["data"]["firstName"], "Hooked");
}

/// Hipcall: a simulated inbound call fires exactly init, bridged, hangup (unsigned, mint agent)
/// with consistent times, and the call reads back through both APIs; a missed call has no
/// bridge.
#[tokio::test]
async fn hipcall_simulated_calls() {
    let s = Server::start().await;
    let (r, url) = receiver().await;
    subscribe(&s, json!({"surface": "hipcall-v3", "url": url, "events": ["call_init", "call_bridged", "call_hangup"]})).await;
    let res = s
        .admin(
            Method::POST,
            "/simulate/hipcall-v3/inbound_call",
            Some(json!({"duration": 120, "ring": 5})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res: Value = res.json().await.unwrap();
    let uuid = res["result"]["call"].as_str().unwrap().to_string();
    let got = wait_for(&r, 3).await;
    let names: Vec<&str> = got
        .iter()
        .map(|h| h.body["event"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["call_init", "call_bridged", "call_hangup"]);
    assert!(got.iter().all(|h| h.body["data"]["uuid"] == uuid.as_str()));
    assert_eq!(got[0].headers["user-agent"], "mint/1.9.0");
    assert!(!got[0].headers.contains_key("x-helpcrunch-signature"));
    let hangup = &got[2].body["data"];
    let (start, bridged, end) = (
        hangup["started_at"].as_str().unwrap(),
        hangup["bridged_at"].as_str().unwrap(),
        hangup["ended_at"].as_str().unwrap(),
    );
    assert!(start < bridged && bridged < end, "{start} {bridged} {end}");
    // Measured as the documented rows are: start to end (ring included).
    let secs = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp();
    assert_eq!(hangup["call_duration"], secs(end) - secs(start));
    assert!(hangup["call_duration"].as_i64().unwrap() > 120);
    assert_eq!(got[0].body["data"]["ended_at"], Value::Null);
    assert_eq!(
        got[0].body["data"]["call_flow"].as_array().unwrap().len(),
        1
    );
    let (status, detail) = s
        .surface("hipcall-v3")
        .call(
            Method::GET,
            &format!("/calls/{uuid}?date={}", &start[..10]),
            None,
        )
        .await;
    assert_eq!(status, 200);
    // The same call as the API shows it, in the webhooks' form: `call_flow` timestamps in Unix
    // seconds, without the list-only fields.
    let mut expected = detail["data"].clone();
    for k in ["team_touch_at", "company_id"] {
        expected.as_object_mut().unwrap().shift_remove(k);
    }
    for step in expected["call_flow"].as_array_mut().unwrap() {
        step["timestamp"] = json!(secs(step["timestamp"].as_str().unwrap()));
    }
    assert_eq!(*hangup, expected);
    let (_, cdrs) = s.get_json("/cdrs").await;
    assert_eq!(cdrs["data"][0]["uuid"], uuid.as_str());
    s.admin(Method::POST, "/simulate/hipcall/missed_call", None)
        .await;
    let got = wait_for(&r, 5).await;
    let names: Vec<&str> = got[3..]
        .iter()
        .map(|h| h.body["event"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["call_init", "call_hangup"]);
    assert_eq!(got[4].body["data"]["missing_call"], true);
}

/// A receiver that hangs does not slow the API down.
#[tokio::test]
async fn hanging_receiver_does_not_slow_the_api() {
    let s = Server::start().await;
    let (r, url) = receiver().await;
    *r.hang_first.lock().unwrap() = Some(Duration::from_secs(30));
    subscribe(&s, json!({"surface": "hipcall-v3", "url": url})).await;
    s.admin(Method::POST, "/simulate/hipcall-v3/outbound_call", None)
        .await;
    assert_eq!(wait_for(&r, 1).await.len(), 1);
    for _ in 0..5 {
        let started = Instant::now();
        let (status, _) = s
            .surface("hipcall-v3")
            .call(Method::GET, "/users/2", None)
            .await;
        assert_eq!(status, 200);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the API waited for a delivery"
        );
        let started = Instant::now();
        s.admin(Method::POST, "/simulate/hipcall-v3/outbound_call", None)
            .await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a simulation waited for a delivery"
        );
    }
}

/// Hiver (the tutorial's events): an arriving email, an assignment and a status change.
#[tokio::test]
async fn hiver_tutorial_events() {
    let s = Server::start().await;
    let (r, url) = receiver().await;
    subscribe(&s, json!({"surface": "hiver-tutorial", "url": url})).await;
    let res: Value = s
        .admin(
            Method::POST,
            "/simulate/hiver-tutorial/email_arrives",
            Some(json!({"subject": "Refund please"})),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = res["result"]["conversation"].as_str().unwrap().to_string();
    let tut = s.surface("hiver-tutorial");
    let (status, _) = tut
        .call(
            Method::POST,
            &format!("/conversations/{id}/assign"),
            Some(json!({"user_id": "usr_01HABC"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = tut
        .call(
            Method::PUT,
            &format!("/conversations/{id}/status"),
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_eq!(status, 200);
    let got = wait_for(&r, 3).await;
    let names: Vec<&str> = got
        .iter()
        .map(|h| h.body["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "conversation.created",
            "conversation.assigned",
            "conversation.status_changed"
        ]
    );
    assert_eq!(
        got[0].body["data"]["conversation"]["subject"],
        "Refund please"
    );
    assert_eq!(got[1].body["data"]["assignee"]["name"], "Phoebe Buffay");
    assert_eq!(got[2].body["data"]["status"], "closed");
    let (_, conv) = tut
        .call(Method::GET, &format!("/conversations/{id}"), None)
        .await;
    assert_eq!(conv["status"], "closed");
}

/// Bad subscriptions are refused with a clear 400; unknown scenarios are 404.
#[tokio::test]
async fn bad_subscriptions_and_scenarios() {
    let s = Server::start().await;
    for (body, says) in [
        (
            json!({"surface": "helpcrunch", "url": "ftp://example.com/x"}),
            "http or https",
        ),
        (
            json!({"surface": "nope", "url": "http://127.0.0.1/x"}),
            "unknown surface",
        ),
        (
            json!({"surface": "helpcrunch", "url": "http://127.0.0.1/x", "events": ["chat.exploded"]}),
            "unknown event",
        ),
        (json!({"surface": "helpcrunch"}), "url is required"),
        (
            json!({"surface": "helpcrunch", "url": "http://127.0.0.1/x", "events": "all"}),
            "list of event names",
        ),
        (
            json!({"surface": "helpcrunch", "url": "http://127.0.0.1/x", "colour": 1}),
            "unknown field",
        ),
    ] {
        let r = s.admin(Method::POST, "/webhooks", Some(body.clone())).await;
        assert_eq!(r.status(), 400, "{body}");
        let v: Value = r.json().await.unwrap();
        assert!(
            v["error"]["message"].as_str().unwrap().contains(says),
            "{v}"
        );
    }
    let r = s
        .client
        .post(s.url("/__admin/webhooks"))
        .header("content-type", "application/json")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        s.admin(Method::DELETE, "/webhooks/wh_999", None)
            .await
            .status(),
        404
    );
    assert_eq!(
        s.admin(Method::POST, "/simulate/helpcrunch/earthquake", None)
            .await
            .status(),
        404
    );
    assert_eq!(
        s.admin(Method::POST, "/simulate/nope/x", None)
            .await
            .status(),
        404
    );
    assert_eq!(
        s.admin(
            Method::POST,
            "/simulate/helpcrunch/customer_chat",
            Some(json!({"customer": "x"}))
        )
        .await
        .status(),
        400
    );
}

/// `customer_chat` and `widget_contact` change the state the APIs read.
#[tokio::test]
async fn simulations_change_state() {
    let s = Server::start().await;
    let (r, url) = receiver().await;
    // Every event: a chat a customer starts is announced `new`, then its message — nothing
    // else (no `empty` chat, no status change).
    subscribe(&s, json!({"surface": "helpcrunch", "url": url})).await;
    let res: Value = s
        .admin(
            Method::POST,
            "/simulate/helpcrunch/customer_chat",
            Some(json!({"customer": 2, "text": "Where is my parcel?"})),
        )
        .await
        .json()
        .await
        .unwrap();
    let chat = res["result"]["chat"].as_i64().unwrap();
    let (_, _, v) = s
        .call(
            Some("helpcrunch-test-token"),
            Method::GET,
            &format!("/helpcrunch/v1/chats/{chat}"),
            None,
        )
        .await;
    assert_eq!(
        (
            v["status"].clone(),
            v["lastMessageText"].clone(),
            v["customer"]["id"].clone()
        ),
        (json!("new"), json!("Where is my parcel?"), json!(2))
    );
    let got = wait_for(&r, 2).await;
    // Anything more would have arrived by now.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let got = [got, r.got.lock().unwrap()[2..].to_vec()].concat();
    let names: Vec<String> = got
        .iter()
        .map(|h| h.body["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["chat.new", "message.chat.customer"]);
    assert_eq!(got[0].body["eventData"]["status"], "new");
    let res: Value = s
        .admin(
            Method::POST,
            "/simulate/chative/widget_contact",
            Some(json!({"firstName": "Wanda", "email": "wanda@example.com"})),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = res["result"]["contact"].as_str().unwrap().to_string();
    let (status, _, v) = s
        .call(
            Some("chative-test-token"),
            Method::GET,
            &format!("/chative/v1.0/contacts/{id}"),
            None,
        )
        .await;
    assert_eq!(
        (status, v["firstName"].clone(), v["type"].clone()),
        (200, json!("Wanda"), json!("Guest"))
    );
}

/// `--webhook SURFACE=URL` subscribes at start-up.
#[tokio::test]
async fn webhook_flag_subscribes() {
    let mut cfg = config();
    cfg.webhooks = vec![mock_server::config::SurfaceWebhook {
        surface: "helpcrunch".into(),
        url: "http://127.0.0.1:9/hooks".into(),
    }];
    let s = Server::start_with(cfg, mock_server::platform::clock::Clock::frozen_at_ms(0)).await;
    let subs: Value = s.admin_get("/webhooks").await;
    assert_eq!(subs["subscriptions"][0]["url"], "http://127.0.0.1:9/hooks");
    assert!(
        subs["surfaces"]["helpcrunch"]["events"]
            .as_array()
            .unwrap()
            .len()
            > 10
    );
}

/// Hipcall's `call_init`, held to the "call start" payload Hipcall documents
/// (`fixtures/hipcall-webhooks/call_init.json`): the same fields, null where it is null, the
/// same JSON type where it has a value — `call_flow[].timestamp` in Unix seconds while
/// `started_at` is an ISO string. Then `call_hangup` fills what is known at the end.
#[tokio::test]
async fn hipcall_call_init_is_the_documented_payload() {
    let documented: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/hipcall-webhooks/call_init.json"
    )))
    .unwrap();
    let s = Server::start().await;
    let (r, url) = receiver().await;
    subscribe(&s, json!({"surface": "hipcall-v3", "url": url})).await;
    for scenario in ["outbound_call", "inbound_call", "missed_call"] {
        let before = r.got.lock().unwrap().len();
        s.admin(
            Method::POST,
            &format!("/simulate/hipcall-v3/{scenario}"),
            None,
        )
        .await;
        let got = wait_for(&r, before + if scenario == "missed_call" { 2 } else { 3 }).await;
        let init = &got[before].body;
        assert_eq!(init["event"], "call_init");
        let (want, have) = (
            documented["data"].as_object().unwrap(),
            init["data"].as_object().unwrap(),
        );
        let keys = |m: &serde_json::Map<String, Value>| {
            let mut k: Vec<String> = m.keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(keys(have), keys(want), "{scenario}: the documented fields");
        let kind = |v: &Value| match v {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        for (k, w) in want {
            assert_eq!(
                kind(&have[k]),
                kind(w),
                "{scenario}: {k} is {} ({})",
                have[k],
                w
            );
        }
        let step = &have["call_flow"][0];
        assert_eq!(step["action"], "init");
        assert!(step["timestamp"].is_i64(), "{scenario}: {step}");
        let hangup = &got.last().unwrap().body;
        assert_eq!(hangup["event"], "call_hangup");
        for k in ["ended_at", "hangup_by", "caller_type"] {
            assert!(hangup["data"][k].is_string(), "{scenario}: {k} at hangup");
        }
        for k in ["call_duration", "first_touch_duration"] {
            assert!(hangup["data"][k].is_i64(), "{scenario}: {k} at hangup");
        }
        assert!(hangup["data"]["missing_call"].is_boolean());
        assert!(hangup["data"]["call_flow"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["timestamp"].is_i64()));
    }
}

/// A simulated answered call's `record_url` downloads: a WAV on mockdesk's own address (where
/// the scenario's caller reached it), the same link in the API and in `call_hangup`; a missed
/// call has none.
#[tokio::test]
async fn hipcall_recordings_download() {
    let s = Server::start().await;
    let res: Value = s
        .admin(Method::POST, "/simulate/hipcall-v3/inbound_call", None)
        .await
        .json()
        .await
        .unwrap();
    let uuid = res["result"]["call"].as_str().unwrap();
    let (_, calls) = s
        .surface("hipcall-v3")
        .call(Method::GET, "/calls", None)
        .await;
    let call = calls["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["uuid"] == uuid)
        .unwrap();
    let url = call["record_url"].as_str().unwrap();
    assert!(url.starts_with(&s.url("/__media/recordings/")), "{url}");
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "audio/wav");
    let audio = r.bytes().await.unwrap();
    assert_eq!((&audio[0..4], &audio[8..12]), (&b"RIFF"[..], &b"WAVE"[..]));
    let le32 = |at: usize| u32::from_le_bytes(audio[at..at + 4].try_into().unwrap());
    assert_eq!(
        le32(40) as usize,
        audio.len() - 44,
        "the data chunk fills the file"
    );
    assert!(audio.len() > 8_000, "about a second of audio");
    // No credentials needed (a pre-signed link); an unknown shape is a 404.
    let r = reqwest::get(s.url("/__media/recordings/../x.wav"))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    s.admin(Method::POST, "/simulate/hipcall-v3/missed_call", None)
        .await;
    let (_, calls) = s
        .surface("hipcall-v3")
        .call(Method::GET, "/calls", None)
        .await;
    assert_eq!(calls["data"][0]["missing_call"], true);
    assert_eq!(calls["data"][0]["record_url"], Value::Null);
}

/// Delivery rules as each vendor states them. HelpCrunch signs with one key per account: its
/// subscriptions share it, a key given for one becomes the account's, another account has its
/// own. Chative counts only a 200 as delivered: a 201 is retried 5 s later. Hipcall marks a
/// receiver that failed 4 times within an hour broken, and sends it nothing more.
#[tokio::test]
async fn delivery_rules_per_vendor() {
    let s = Server::start().await;
    let (r, url) = receiver().await;
    let hook = |surface: &str, extra: Value| {
        let mut body = json!({"surface": surface, "url": url});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        subscribe(&s, body)
    };
    let a = hook("helpcrunch", json!({"events": ["customer.new"]})).await;
    let b = hook("helpcrunch", json!({"events": ["customer.new"]})).await;
    assert_eq!(a["secret"], b["secret"], "one key per account");
    hook(
        "helpcrunch",
        json!({"events": ["customer.new"], "secret": "the-account-key"}),
    )
    .await;
    let other = hook("helpcrunch", json!({"account": "other"})).await;
    assert_ne!(other["secret"], "the-account-key");
    let subs: Value = s.admin_get("/webhooks").await;
    for sub in subs["subscriptions"].as_array().unwrap() {
        if sub["account"] == "default" {
            assert_eq!(sub["secret"], "the-account-key", "{sub}");
        }
    }
    s.call(
        Some("helpcrunch-test-token"),
        Method::POST,
        "/helpcrunch/v1/customers",
        Some(json!({"name": "Keyed"})),
    )
    .await;
    let got = wait_for(&r, 3).await;
    assert_eq!(got.len(), 3);
    for h in &got {
        let sig = h.headers["x-helpcrunch-signature"].to_str().unwrap();
        assert_eq!(sig, rfc2104_hmac_sha1(b"the-account-key", &h.raw));
    }

    // Chative: a 201 is not delivered.
    r.got.lock().unwrap().clear();
    r.script.lock().unwrap().extend([201]);
    hook("chative", json!({})).await;
    s.admin(Method::POST, "/simulate/chative/widget_contact", None)
        .await;
    assert_eq!(wait_for(&r, 1).await.len(), 1);
    advance(&s, 5_000).await;
    let got = wait_for(&r, 2).await;
    assert_eq!(got.len(), 2, "retried after a 201");
    let log: Value = s.admin_get("/webhooks/deliveries?surface=chative").await;
    let statuses: Vec<&Value> = log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["status"])
        .collect();
    assert!(statuses.contains(&&json!(201)) && statuses.contains(&&json!(200)));

    // Hipcall: two missed calls fail four times (no retries); the subscription is broken.
    r.got.lock().unwrap().clear();
    r.script.lock().unwrap().extend([500, 500, 500, 500]);
    let sub = hook("hipcall-v3", json!({})).await;
    for _ in 0..2 {
        s.admin(Method::POST, "/simulate/hipcall-v3/missed_call", None)
            .await;
    }
    assert_eq!(wait_for(&r, 4).await.len(), 4);
    let deadline = Instant::now() + Duration::from_secs(5);
    let state = loop {
        let subs: Value = s.admin_get("/webhooks").await;
        let mine = subs["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == sub["id"])
            .cloned()
            .unwrap();
        if mine["active"] == false || Instant::now() > deadline {
            break mine;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(state["active"], false, "{state}");
    assert!(state["inactive_reason"]
        .as_str()
        .unwrap()
        .starts_with("broken"));
    s.admin(Method::POST, "/simulate/hipcall-v3/missed_call", None)
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        r.got.lock().unwrap().len(),
        4,
        "nothing more to a broken receiver"
    );
}

/// HelpCrunch's events, held to the fields its webhook documentation shows
/// (`fixtures/helpcrunch-webhooks/fields.json`): each documented field present with the
/// documented JSON type — timestamps as strings with a fraction, the message event's
/// `chat_id` in snake case — for a new customer, a chat a customer starts, its message, a
/// status change and closing.
#[tokio::test]
async fn helpcrunch_events_are_the_documented_payloads() {
    let doc: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/helpcrunch-webhooks/fields.json"
    )))
    .unwrap();
    fn holds(at: &str, want: &Value, have: &Value) {
        match want {
            Value::Object(fields) => {
                let obj = have
                    .as_object()
                    .unwrap_or_else(|| panic!("{at}: not an object: {have}"));
                for (k, w) in fields {
                    let v = obj
                        .get(k)
                        .unwrap_or_else(|| panic!("{at}.{k} missing in {have}"));
                    holds(&format!("{at}.{k}"), w, v);
                }
            }
            Value::String(kinds) => {
                let ok = kinds.split('|').any(|k| match k {
                    "null" => have.is_null(),
                    "string" => have.is_string(),
                    "number" => have.is_number(),
                    "boolean" => have.is_boolean(),
                    "array" => have.is_array(),
                    "object" => have.is_object(),
                    "timestamp" => have.as_str().is_some_and(|t| {
                        t.split_once('.').is_some_and(|(s, f)| {
                            s.parse::<i64>().is_ok() && f.len() == 3 && f.parse::<u16>().is_ok()
                        })
                    }),
                    other => panic!("unknown kind {other}"),
                });
                assert!(ok, "{at}: {have} is not {kinds}");
            }
            other => panic!("bad fixture entry {other}"),
        }
    }
    let s = Server::start().await;
    let (r, url) = receiver().await;
    subscribe(&s, json!({"surface": "helpcrunch", "url": url})).await;
    let hc = |method: Method, path: &'static str, body: Value| {
        let s = &s;
        async move {
            s.call(
                Some("helpcrunch-test-token"),
                method,
                &format!("/helpcrunch/v1{path}"),
                Some(body),
            )
            .await
        }
    };
    let (status, _, _) = hc(Method::POST, "/customers", json!({"name": "Documented"})).await;
    assert_eq!(status, 201);
    let res: Value = s
        .admin(Method::POST, "/simulate/helpcrunch/customer_chat", None)
        .await
        .json()
        .await
        .unwrap();
    let chat = res["result"]["chat"].as_i64().unwrap();
    let (status, _, _) = hc(
        Method::PUT,
        "/chats/status",
        json!({"id": chat, "status": "pending"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, _) = hc(
        Method::PUT,
        "/chats/status",
        json!({"id": chat, "status": "closed"}),
    )
    .await;
    assert_eq!(status, 200);
    let got = wait_for(&r, 6).await;
    let mut seen = std::collections::BTreeSet::new();
    for h in &got {
        holds("envelope", &doc["envelope"], &h.body);
        let event = h.body["event"].as_str().unwrap();
        let group = event.split('.').next().unwrap();
        holds(event, &doc[group], &h.body["eventData"]);
        seen.insert(event.to_string());
    }
    for event in [
        "customer.new",
        "chat.new",
        "message.chat.customer",
        "chat.status_updated",
        "chat.closed",
    ] {
        assert!(seen.contains(event), "{event} not sent: {seen:?}");
    }
}

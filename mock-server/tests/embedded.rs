//! mockdesk embedded in Rust tests — written the way a user of the crate would write them, so
//! this file doubles as the example to copy (`cargo test -p mock-server --test embedded`).

use std::time::Duration;

use mock_server::{Fault, MockDesk, RequestFilter};
use serde_json::{json, Value};

/// A HelpCrunch client as an application would have one: a base URL and a key.
struct HelpCrunch {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl HelpCrunch {
    async fn create_customer(&self, name: &str) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/customers", self.base))
            .bearer_auth(&self.key)
            .json(&json!({"name": name, "email": format!("{name}@example.com")}))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn customer(&self, id: i64) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}/customers/{id}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

fn client_for(desk: &MockDesk) -> HelpCrunch {
    HelpCrunch {
        base: desk.base_url("helpcrunch"),
        key: desk.token("helpcrunch"),
        http: reqwest::Client::new(),
    }
}

/// Writes are remembered, seen in the journal and in the state; a reset forgets them.
#[tokio::test]
async fn remembers_writes_until_reset() {
    let desk = MockDesk::builder()
        .rate_limits(false)
        .token("helpcrunch", "test-key")
        .start()
        .await;
    assert_eq!(desk.token("helpcrunch"), "test-key");
    let app = client_for(&desk);
    let (status, made) = app.create_customer("ada").await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_i64().unwrap();
    assert_eq!(app.customer(id).await.0, 200);

    let seen = desk.requests();
    let post = seen.iter().find(|e| e.method == "POST").unwrap();
    assert_eq!(
        (
            post.surface.as_str(),
            post.vendor_path.as_str(),
            post.status
        ),
        ("helpcrunch", "/customers", 201)
    );
    assert!(post.request_body.as_ref().unwrap().text().contains("ada"));

    // The extra token has an account of its own, and `state` reads it (the token's account);
    // the built-in token's account is untouched.
    let account = post.account.clone().unwrap();
    assert_eq!(account, desk.account("helpcrunch"));
    assert_eq!(account, "token:test-key");
    let mine = desk.state("helpcrunch").unwrap();
    assert!(mine.to_string().contains("ada@example.com"));
    assert_eq!(mine, desk.state_of("helpcrunch", &account).unwrap());
    assert!(!desk
        .state_of("helpcrunch", "default")
        .unwrap()
        .to_string()
        .contains("ada@example.com"));
    assert_eq!(desk.account("hipcall"), "default");

    desk.reset().await.unwrap();
    assert_eq!(app.customer(id).await.0, 404);
}

/// Two emulators in one test are two worlds on two ports.
#[tokio::test]
async fn instances_are_independent() {
    let (a, b) = tokio::join!(
        MockDesk::builder().rate_limits(false).start(),
        MockDesk::builder().rate_limits(false).start()
    );
    assert_ne!(a.addr(), b.addr());
    let (status, made) = client_for(&a).create_customer("only-in-a").await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_i64().unwrap();
    assert_eq!(client_for(&a).customer(id).await.0, 200);
    assert_eq!(client_for(&b).customer(id).await.0, 404);
    assert!(b.requests().iter().all(|e| e.method != "POST"));
}

/// Dropping the handle stops the server: its port stops answering.
#[tokio::test]
async fn drop_stops_the_server() {
    let desk = MockDesk::builder().rate_limits(false).start().await;
    let url = format!("{}/__admin/health", desk.url());
    let http = reqwest::Client::new();
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
    drop(desk);
    let mut refused = false;
    for _ in 0..100 {
        // A fresh connection each time (no pooled keep-alive connection).
        let fresh = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        if fresh.get(&url).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "the port still answers after drop");
}

/// Faults, the clock and webhooks through typed methods.
#[tokio::test]
async fn scenario_controls() {
    let desk = MockDesk::builder()
        .rate_limits(false)
        .frozen_clock_at_ms(1_700_000_000_000)
        .start()
        .await;
    let app = client_for(&desk);
    let id = desk
        .fault(
            Fault::status(503)
                .surface("helpcrunch")
                .method("POST")
                .times(1),
        )
        .await
        .unwrap();
    assert!(!id.is_empty());
    assert_eq!(app.create_customer("first").await.0, 503);
    assert_eq!(app.create_customer("second").await.0, 201);
    // A stub: the odd record the vendor once sent, for this one customer.
    desk.stub(json!({
        "match": {"surface": "helpcrunch", "method": "GET", "path": "/customers/424242"},
        "response": {"json": {"id": 424242, "name": null, "customData": {}}},
    }))
    .await
    .unwrap();
    assert_eq!(
        app.customer(424242).await,
        (200, json!({"id": 424242, "name": null, "customData": {}}))
    );
    assert!(desk
        .stub(json!({"response": {"status": 42}}))
        .await
        .is_err());
    desk.clear_stubs();
    assert_eq!(app.customer(424242).await.0, 404);
    assert_eq!(desk.requests()[0].fault.as_deref(), Some(id.as_str()));

    desk.advance(Duration::from_secs(90));
    assert_eq!(desk.now_ms(), 1_700_000_090_000);

    let bad = desk
        .fault(Fault::status(503).probability(7.0))
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("400"), "{bad}");

    // A webhook receiver of our own: every delivery is logged with its answer.
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", receiver.local_addr().unwrap());
    tokio::spawn(async move {
        let svc = axum::Router::new().route("/hook", axum::routing::post(|| async { "ok" }));
        axum::serve(receiver, svc).await.unwrap();
    });
    let sub = desk
        .subscribe_webhook("helpcrunch", &hook, &[])
        .await
        .unwrap();
    assert!(sub.active);
    assert_eq!(app.create_customer("hooked").await.0, 201);
    let mut delivered = Vec::new();
    for _ in 0..200 {
        delivered = desk.webhook_deliveries();
        if delivered.iter().any(|d| d.status == Some(200)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        delivered
            .iter()
            .any(|d| d.subscription == sub.id && d.status == Some(200)),
        "{delivered:?}"
    );
}

/// The blocking variant, for tests without an async runtime.
#[test]
fn blocking_variant() {
    let desk = MockDesk::builder().rate_limits(false).start_blocking();
    let url = format!("{}/customers?limit=1", desk.base_url("helpcrunch"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let token = desk.token("helpcrunch");
    let status = rt.block_on(async {
        reqwest::Client::new()
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    assert_eq!(desk.requests().len(), 1);
    assert_eq!(desk.count(RequestFilter::any().method("GET")), 1);
    desk.expect(RequestFilter::any().surface("helpcrunch"), 1);
    desk.fault(Fault::status(500).times(1)).unwrap();
    desk.reset().unwrap();
    drop(desk);
}

/// `count` and `expect`: a met expectation passes silently when the handle drops; an unmet
/// one panics there, naming what was expected, what arrived and the near misses.
#[tokio::test]
async fn counts_and_expectations() {
    let desk = MockDesk::builder().rate_limits(false).start().await;
    let app = client_for(&desk);
    desk.expect(
        RequestFilter::any()
            .surface("helpcrunch")
            .method("POST")
            .path("/customers"),
        2,
    );
    app.create_customer("one").await;
    app.create_customer("two").await;
    app.customer(1).await;
    let posts = RequestFilter::any().surface("helpcrunch").method("POST");
    assert_eq!(desk.count(posts.clone()), 2);
    assert_eq!(desk.count(posts.status(201).path("/customers")), 2);
    assert_eq!(desk.count(RequestFilter::any().path("/customers/{id}")), 1);
    assert_eq!(desk.count(RequestFilter::any().surface("hiver")), 0);
    drop(desk); // met: no panic

    // Unmet, checked on drop (inside a task, so the panic is caught and read).
    let failed = tokio::spawn(async {
        let desk = MockDesk::builder().rate_limits(false).start().await;
        let app = client_for(&desk);
        desk.expect(
            RequestFilter::any()
                .surface("helpcrunch")
                .method("POST")
                .path("/chats"),
            1,
        );
        app.create_customer("not-a-chat").await;
    })
    .await
    .unwrap_err();
    let report = failed
        .into_panic()
        .downcast::<String>()
        .map(|b| *b)
        .unwrap_or_default();
    assert!(
        report.contains(
            "expected 1 request(s) matching surface=helpcrunch method=POST path=/chats, got 0"
        ),
        "{report}"
    );
    assert!(
        report.contains("near miss: POST /customers -> 201"),
        "{report}"
    );

    // verify() checks now and forgets what it checked.
    let desk = MockDesk::builder().rate_limits(false).start().await;
    desk.expect(RequestFilter::any(), 0);
    desk.verify();
    desk.expect(RequestFilter::any().surface("hiver"), 1);
    let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| desk.verify()));
    assert!(again.is_err());
}

/// Built with `default-features = false` (no `durable` feature), `--state-dir` is refused at
/// start with the reason instead of being ignored (`make test` runs this file in that build).
#[cfg(not(feature = "durable"))]
#[tokio::test]
async fn lean_build_refuses_a_state_dir() {
    let dir = std::env::temp_dir().join("mockdesk-lean-state-dir");
    let err = MockDesk::builder()
        .configure(|c| c.state_dir = Some(dir))
        .try_start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`durable` feature"), "{err}");
}

/// Built without the `tls` feature, HTTPS is refused at start with the reason, and a
/// delivery to an https receiver is logged as failed with the reason (http ones are sent).
#[cfg(not(feature = "tls"))]
#[tokio::test]
async fn lean_build_refuses_https_with_the_reason() {
    let err = MockDesk::builder().tls(true).try_start().await.unwrap_err();
    assert!(err.to_string().contains("`tls` feature"), "{err}");
    let desk = MockDesk::builder().rate_limits(false).start().await;
    let sub = desk
        .subscribe_webhook("helpcrunch", "https://127.0.0.1:9/hook", &[])
        .await
        .unwrap();
    assert_eq!(client_for(&desk).create_customer("secure").await.0, 201);
    let mut log = Vec::new();
    for _ in 0..200 {
        log = desk.webhook_deliveries();
        if !log.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = log.first().expect("an attempt is logged");
    assert_eq!(
        (first.subscription.as_str(), first.status),
        (sub.id.as_str(), None)
    );
    let error = first.error.as_deref().unwrap_or("");
    assert!(error.contains("`tls` feature"), "{error}");
}

/// The rest of the admin API on the handle (`mock_server::ADMIN_OPERATIONS` lists a method for
/// every admin operation), each checked by its effect.
#[tokio::test]
async fn every_admin_verb() {
    let desk = MockDesk::builder().rate_limits(false).start().await;
    assert_eq!(desk.health().await.unwrap()["status"], "ok");
    assert_eq!(desk.admin_openapi()["info"]["title"], "mockdesk admin API");
    assert!(desk.openapi("helpcrunch").await.unwrap()["paths"]["/customers"].is_object());

    let doc = json!({"accounts": {"acme": {"customers": [{"id": 1, "name": "Ada"}, {"id": 7}]}}});
    desk.put_state("helpcrunch", doc).await.unwrap();
    desk.add_account("helpcrunch", "acme-key", Some("acme"))
        .await
        .unwrap();
    assert!(desk
        .accounts()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["token"] == "acme-key"));
    let acme = HelpCrunch {
        base: desk.base_url("helpcrunch"),
        key: "acme-key".into(),
        http: reqwest::Client::new(),
    };
    assert_eq!(acme.customer(7).await.0, 200);
    assert_eq!(
        acme.customer(2).await.0,
        404,
        "acme has customers 1 and 7 only"
    );
    let bad = json!({"accounts": {"acme": {"customers": [{"id": 1, "colour": "red"}]}}});
    assert!(matches!(
        desk.put_state("helpcrunch", bad).await,
        Err(mock_server::DeskError::Admin { status: 400, .. })
    ));

    let id = desk
        .fault(Fault::status(503).surface("hiver"))
        .await
        .unwrap();
    assert_eq!(desk.faults()[0]["id"], id.as_str());
    assert!(desk.remove_fault(&id) && desk.faults().is_empty() && !desk.remove_fault(&id));
    let stub = json!({"match": {"surface": "hiver"}, "response": {"body": "x"}});
    let id = desk.stub(stub).await.unwrap();
    assert_eq!(desk.stubs()[0]["id"], id.as_str());
    assert!(desk.remove_stub(&id) && desk.stubs().is_empty());

    let one = json!({"mode": "custom", "windows": [{"limit": 1, "seconds": 60}]});
    desk.set_rate_limit("helpcrunch", one).await.unwrap();
    let app = client_for(&desk);
    assert_eq!(app.customer(1).await.0, 200);
    assert_eq!(app.customer(1).await.0, 429);
    let limits = desk.rate_limits().await.unwrap();
    let hc = limits["surfaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["surface"] == "helpcrunch")
        .unwrap()
        .clone();
    assert_eq!(hc["override"]["mode"], "custom");
    desk.set_rate_limit("helpcrunch", json!({"mode": "default"}))
        .await
        .unwrap();
    assert_eq!(app.customer(1).await.0, 200);

    let sub = desk
        .subscribe_webhook("hiver", "http://127.0.0.1:9/closed", &[])
        .await
        .unwrap();
    assert_eq!(desk.subscriptions()[0].id, sub.id);
    desk.simulate("hiver", "email_arrives", json!({}))
        .await
        .unwrap();
    let mut first = None;
    for _ in 0..200 {
        first = desk.webhook_deliveries().first().map(|d| d.id);
        if first.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(desk.redeliver(first.unwrap()));
    assert!(desk.unsubscribe_webhook(&sub.id) && desk.subscriptions().is_empty());
    assert!(!desk.redeliver(first.unwrap()), "its subscription is gone");
}

//! The complete test of docs/kits/rust.md (kept identical by scripts/kit_docs.py): a HelpCrunch
//! integration that retries, tested for its retry (a fault), the webhook HelpCrunch sends and
//! the calls it made.

use mock_server::{Fault, MockDesk, RequestFilter};
use serde_json::{json, Value};

/// The code under test: POST /customers, retrying a 429 or a 5xx.
async fn create_customer(base_url: &str, key: &str, customer: &Value) -> Result<Value, String> {
    let http = reqwest::Client::new();
    for attempt in 1..=3 {
        let r = http
            .post(format!("{base_url}/customers"))
            .bearer_auth(key)
            .json(customer)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        if r.status().is_success() {
            return r.json().await.map_err(|e| e.to_string());
        }
        if (status != 429 && status < 500) || attempt == 3 {
            return Err(format!("HelpCrunch answered {status}"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    unreachable!("the loop returns")
}

/// A webhook receiver that answers 200 to everything (the delivery log shows what arrived).
async fn receiver() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0; 65536];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
        }
    });
    url
}

#[tokio::test]
async fn a_failed_create_is_retried_and_announced() {
    let desk = MockDesk::builder()
        .rate_limits(false)
        .token("helpcrunch", "my-test-key")
        .start()
        .await;
    let hooks = receiver().await;
    let sub = desk
        .subscribe_webhook("helpcrunch", &hooks, &["customer.new"]) // for my-test-key's account
        .await
        .unwrap();
    desk.fault(
        Fault::status(503)
            .surface("helpcrunch")
            .method("POST")
            .path("/customers")
            .times(1),
    )
    .await
    .unwrap();
    let created = RequestFilter::any()
        .surface("helpcrunch")
        .method("POST")
        .path("/customers");
    desk.expect(created.clone().status(201), 1); // checked when `desk` is dropped

    let made = create_customer(
        &desk.base_url("helpcrunch"),
        &desk.token("helpcrunch"),
        &json!({"name": "Ada Lovelace", "email": "ada@example.com"}),
    )
    .await
    .unwrap();

    assert_eq!(made["email"], "ada@example.com");
    assert_eq!(desk.count(created), 2, "one 503, then the retry");
    let state = desk.state("helpcrunch").unwrap(); // the account of my-test-key
    assert!(state["customers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["email"] == "ada@example.com"));
    let delivered = loop {
        let log = desk.webhook_deliveries();
        if let Some(d) = log
            .into_iter()
            .find(|d| d.subscription == sub.id && d.status == Some(200))
        {
            break d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(delivered.event, "customer.new");
    assert!(delivered.request_body.contains(&made["id"].to_string()));
    assert!(delivered
        .request_headers
        .iter()
        .any(|(k, _)| k == "x-helpcrunch-signature"));
}

use super::*;

/// RFC 2202 test case 2 for HMAC-SHA1.
#[test]
fn hmac_sha1_known_answer() {
    assert_eq!(
        sign("Jefe", b"what do ya want for nothing?"),
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
    );
}

static SPEC: WebhookSpec = WebhookSpec {
    vendor: "acme",
    events: &["thing.made", "thing.gone"],
    envelope: |e| serde_json::json!({"event": e.event, "data": e.data}),
    signature_header: Some("X-Sig"),
    user_agent: "acme/1",
    secret: SecretKind::SigningKey,
    retries: 1,
    retry_interval_ms: 1000,
    deactivate_when_exhausted: true,
    delivered_status: None,
    key_per_account: false,
    broken_after: None,
    timeout_ms: 1000,
    scenarios: &[],
    source: "test",
};

/// Subscriptions are checked: scheme, host, known events; secrets are generated.
#[test]
fn subscription_rules() {
    let bus = Webhooks::new(Clock::frozen_at_ms(0), 10);
    bus.register(&SPEC);
    let ok = bus
        .subscribe(
            "acme",
            "acme",
            "default",
            "http://127.0.0.1:9/x",
            vec![],
            None,
        )
        .unwrap();
    assert_eq!(ok.secret.as_deref().map(str::len), Some(40));
    for (url, events) in [
        ("ftp://host/x", vec![]),
        ("not a url", vec![]),
        ("http://127.0.0.1:9/x", vec!["thing.eaten".to_string()]),
    ] {
        assert!(
            bus.subscribe("acme", "acme", "default", url, events, None)
                .is_err(),
            "{url}"
        );
    }
    assert!(bus
        .subscribe("other", "other", "default", "http://h/", vec![], None)
        .is_err());
    assert!(bus.unsubscribe(&ok.id) && !bus.unsubscribe(&ok.id));
}

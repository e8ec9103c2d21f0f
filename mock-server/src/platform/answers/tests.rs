use std::sync::atomic::AtomicUsize;

use axum::http::{HeaderValue, Uri};

use super::*;

/// A shelf with epochs of its own.
fn answers() -> (Answers, std::sync::Arc<Epochs>) {
    let epochs = std::sync::Arc::new(Epochs::default());
    let a = Answers {
        shelf: Default::default(),
        hasher: Default::default(),
        epochs: epochs.clone(),
        framing: Framing::default(),
    };
    (a, epochs)
}

impl Answers {
    /// What the surface does with a GET: the kept answer (checked against `handler`'s when
    /// `checked`), or `handler`'s, kept when it may be.
    async fn answer(
        &self,
        account: &str,
        checked: bool,
        handler: impl std::future::Future<Output = Response>,
    ) -> Response {
        let uri: Uri = "/records?limit=1".parse().unwrap();
        let asked = Asked {
            account,
            base: "/v1",
            path: uri.path(),
            query: uri.query(),
            headers: "host: localhost\n",
        };
        match self.look(&asked) {
            Looked::Kept(res, found) if checked => self.check(res, found, account, handler).await,
            Looked::Kept(res, _) => res,
            Looked::Missing(p) => self.make(p, account, handler).await,
        }
    }
}

/// A handler that counts its runs and answers `body` with `status`.
async fn made(runs: &AtomicUsize, status: StatusCode, body: &'static str) -> Response {
    runs.fetch_add(1, Ordering::SeqCst);
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    res.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    res
}

async fn text(res: Response) -> (StatusCode, String) {
    let (parts, body) = res.into_parts();
    let bytes = crate::platform::view::body_bytes(body).await;
    (parts.status, String::from_utf8_lossy(&bytes).into_owned())
}

fn k(s: &str) -> &str {
    s
}

#[tokio::test]
async fn a_kept_answer_is_handed_out_until_the_epoch_moves() {
    let (a, epoch) = answers();
    let runs = AtomicUsize::new(0);
    for _ in 0..3 {
        let res = a
            .answer(k("one"), false, made(&runs, StatusCode::OK, "{\"n\":1}"))
            .await;
        assert_eq!(res.headers()["content-type"], "application/json");
        assert_eq!(text(res).await, (StatusCode::OK, "{\"n\":1}".into()));
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1, "made once, then kept");
    // Another request is another answer.
    a.answer(k("two"), false, made(&runs, StatusCode::OK, "{}"))
        .await;
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    epoch.changed();
    let res = a
        .answer(k("one"), false, made(&runs, StatusCode::OK, "{\"n\":2}"))
        .await;
    assert_eq!(text(res).await.1, "{\"n\":2}", "made again after a change");
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn answers_that_could_differ_next_time_are_not_kept() {
    let (a, epoch) = answers();
    let runs = AtomicUsize::new(0);
    let clock = crate::platform::clock::Clock::frozen_at_ms(0);
    // The clock read, an error, an extension set, the epoch moved while it ran.
    type Made<'a> = Box<dyn Fn() -> Response + Send + Sync + 'a>;
    let cases: Vec<(&str, Made)> = vec![
        (
            "clock",
            Box::new(|| {
                clock.now_ms();
                Response::new(Body::from("now"))
            }),
        ),
        (
            "error",
            Box::new(|| {
                let mut r = Response::new(Body::from("no"));
                *r.status_mut() = StatusCode::NOT_FOUND;
                r
            }),
        ),
        (
            "extension",
            Box::new(|| {
                let mut r = Response::new(Body::from("wrote"));
                r.extensions_mut().insert(7u8);
                r
            }),
        ),
        (
            "moved",
            Box::new(|| {
                epoch.changed();
                Response::new(Body::from("during"))
            }),
        ),
        (
            "own account moved",
            Box::new(|| {
                epoch.changed_for("own account moved");
                Response::new(Body::from("during"))
            }),
        ),
    ];
    for (name, f) in &cases {
        for _ in 0..2 {
            a.answer(k(name), false, async {
                runs.fetch_add(1, Ordering::SeqCst);
                f()
            })
            .await;
        }
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2 * cases.len(), "none kept");
    // The clock read outside a handler notes nothing (and does not fail).
    clock.now_ms();
}

/// An account's change makes its own answers stale, not another account's; a change for
/// every account makes them all stale.
#[tokio::test]
async fn an_account_keeps_its_answers_through_another_accounts_writes() {
    let (a, epochs) = answers();
    let runs = AtomicUsize::new(0);
    let read = |account| a.answer(account, false, made(&runs, StatusCode::OK, "x"));
    read("alice").await;
    read("bob").await;
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    epochs.changed_for("bob");
    read("alice").await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "alice's answer is still kept"
    );
    read("bob").await;
    assert_eq!(runs.load(Ordering::SeqCst), 3, "bob's is made again");
    read("bob").await;
    assert_eq!(runs.load(Ordering::SeqCst), 3, "and kept again");
    epochs.changed();
    read("alice").await;
    read("bob").await;
    assert_eq!(runs.load(Ordering::SeqCst), 5, "both made again");
}

#[tokio::test]
async fn a_checked_answer_that_went_stale_is_a_500() {
    let (a, _) = answers();
    let runs = AtomicUsize::new(0);
    a.answer(k("r"), true, made(&runs, StatusCode::OK, "old"))
        .await;
    let same = a
        .answer(k("r"), true, made(&runs, StatusCode::OK, "old"))
        .await;
    assert_eq!(text(same).await, (StatusCode::OK, "old".into()));
    assert_eq!(runs.load(Ordering::SeqCst), 2, "checked: made again");
    // State changed without the epoch moving (the bug the check is there to catch).
    let stale = a
        .answer(k("r"), true, made(&runs, StatusCode::OK, "new"))
        .await;
    let (status, body) = text(stale).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        body.contains("\"old\"") && body.contains("\"new\""),
        "{body}"
    );
}

/// A write alongside the check (the account's epoch moves while the handler makes its
/// answer again) is no staleness: the handler's answer goes out, uncompared.
#[tokio::test]
async fn a_check_that_a_write_overtook_hands_out_the_new_answer() {
    let (a, epochs) = answers();
    let runs = AtomicUsize::new(0);
    a.answer("r", true, made(&runs, StatusCode::OK, "old"))
        .await;
    let res = a
        .answer("r", true, async {
            epochs.changed_for("r");
            made(&runs, StatusCode::OK, "new").await
        })
        .await;
    assert_eq!(text(res).await, (StatusCode::OK, "new".into()));
}

#[tokio::test]
async fn a_full_shelf_starts_over() {
    let (a, _) = answers();
    let runs = AtomicUsize::new(0);
    for i in 0..=MAX_ANSWERS {
        a.answer(k(&i.to_string()), false, made(&runs, StatusCode::OK, "x"))
            .await;
    }
    assert_eq!(a.shelf.read().answers.len(), 1, "the last one alone");
    let big: &'static str = Box::leak("y".repeat(MAX_BODY + 1).into_boxed_str());
    a.answer(k("big"), false, made(&runs, StatusCode::OK, big))
        .await;
    a.answer(k("big"), false, made(&runs, StatusCode::OK, big))
        .await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        MAX_ANSWERS + 3,
        "too big to keep"
    );
}

#[test]
fn keys_tell_every_part_of_a_request_apart() {
    let uri = |s: &str| s.parse::<Uri>().unwrap();
    let key = |account: &str, base: &str, u: &Uri, headers: &str| {
        Asked {
            account,
            base,
            path: u.path(),
            query: u.query(),
            headers,
        }
        .key()
    };
    let h = "host: localhost\n";
    let base = key("acct", "/hc", &uri("/customers?limit=1"), h);
    let others = [
        key("other", "/hc", &uri("/customers?limit=1"), h),
        key("acct", "", &uri("/customers?limit=1"), h),
        key("acct", "/hc", &uri("/customers?limit=2"), h),
        key("acct", "/hc", &uri("/customers"), h),
        key("acct", "/hc", &uri("/customers?"), h),
        key(
            "acct",
            "/hc",
            &uri("/customers?limit=1"),
            "host: example.com\n",
        ),
        key(
            "acct",
            "/hc",
            &uri("/customers?limit=1"),
            "host: localhost\nx-forwarded-proto: https\n",
        ),
        // The parts' boundaries cannot move.
        key("acct\n/hc", "", &uri("/customers?limit=1"), h),
    ];
    for o in &others {
        assert_ne!(&base, o);
    }
    assert_eq!(base, key("acct", "/hc", &uri("/customers?limit=1"), h));
    // Compared piece by piece without joining, the same way.
    let u = uri("/customers?limit=1");
    let asked = Asked {
        account: "acct",
        base: "/hc",
        path: u.path(),
        query: u.query(),
        headers: h,
    };
    assert!(asked.is(&base));
    for o in &others {
        assert!(!asked.is(o));
    }
    assert!(!asked.is(&base[..base.len() - 1]));
}

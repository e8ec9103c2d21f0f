//! The three ways to reach a surface (DESIGN §2).

use mock_server::Config;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

/// Path prefix, Host header and own port all serve the same state, and page links use the
/// base URL the client called.
#[tokio::test]
async fn prefix_host_and_own_port_share_state() {
    let mut s = Server::start().await;
    let own = s.own_port("hipcall").await;
    s.hipcall(
        Method::POST,
        "/tasks",
        Some(serde_json::json!({"name": "via prefix"})),
    )
    .await;

    let by_host: Value = s
        .client
        .get(s.url("/api/v20211124/tasks/12"))
        .header("host", "api.hipcall.com")
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_host["data"]["name"], "via prefix");

    let list: Value = s
        .client
        .get(s.url("/api/v20211124/tasks"))
        .header("host", "api.hipcall.com:8080")
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list["meta"]["path"],
        "http://api.hipcall.com:8080/api/v20211124/tasks"
    );

    let r = s
        .client
        .get(format!("http://{own}/api/v20211124/tasks?page=2"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["data"][1]["name"], "via prefix");
    assert_eq!(
        v["meta"]["path"],
        format!("http://{own}/api/v20211124/tasks")
    );

    // Admin stays reachable on the own port and with a vendor Host.
    let r = s
        .client
        .get(format!("http://{own}/__admin/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s
        .client
        .get(s.url("/__admin/health"))
        .header("host", "api.hipcall.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// An unknown Host and an unmounted path get a JSON 404 naming the admin surface list.
#[tokio::test]
async fn unknown_paths_get_json_404() {
    let s = Server::start().await;
    let r = s.client.get(s.url("/nothing/here")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    let r = s
        .client
        .get(s.url("/api/v20211124/tasks"))
        .header("host", "example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// Issue 14 class 3 — each vendor's framework, not axum's: trailing slashes as the stack
/// does them (Laravel/Phoenix serve, Symfony redirects, unknown stacks 404 in the vendor's
/// shape), CORS preflights answered without credentials, 405s that list the supported
/// methods (and an `Allow` header), Laravel's `cache-control`, and paths outside a surface
/// on a vendor's host in that vendor's error shape — the Hiver tutorial's host and own port
/// reaching the tutorial surface.
#[tokio::test]
async fn vendor_frameworks_shape_the_edges() {
    let mut s = Server::start().await;
    let get = |path: &str, host: Option<&str>| {
        let mut r = s.client.get(s.url(path)).bearer_auth(
            if path.contains("helpcrunch") || host == Some("api.helpcrunch.com") {
                "helpcrunch-test-token"
            } else if path.contains("hiver") || host.is_some_and(|h| h.contains("hiver")) {
                "hiver-test-token"
            } else {
                "hipcall-test-token"
            },
        );
        if let Some(h) = host {
            r = r.header("host", h);
        }
        async move { r.send().await.unwrap() }
    };
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Laravel (Hipcall v20211124) and Phoenix (v3) serve the trailing slash.
    for path in ["/hipcall/api/v20211124/users/", "/hipcall/api/v3/users/"] {
        let r = get(path, None).await;
        assert_eq!(r.status(), 200, "{path}");
    }
    let r = get("/hipcall/api/v20211124/users", None).await;
    assert_eq!(r.headers()["cache-control"], "no-cache, private");
    assert_eq!(r.headers()["vary"], "Origin");
    // Symfony (HelpCrunch) redirects GET to the path without it, as the client addressed it.
    let r = no_redirects
        .get(s.url("/v1/customers/?limit=2"))
        .header("host", "api.helpcrunch.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 301);
    assert_eq!(
        r.headers()["location"],
        "http://api.helpcrunch.com/v1/customers?limit=2"
    );
    let r = s
        .client
        .post(s.url("/helpcrunch/v1/customers/"))
        .bearer_auth("helpcrunch-test-token")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["code"], "invalid_request", "{v}");
    // Unknown stacks: the vendor's own 404.
    let r = get("/hiver/v1/inboxes/", None).await;
    assert_eq!(r.status(), 404);
    assert!(r.json::<Value>().await.unwrap()["errors"].is_array());
    // A browser's preflight needs no token and is answered for every registered surface.
    let bases: Vec<String> = s.state.dialects.iter().map(|d| d.info().prefix()).collect();
    for base in &bases {
        let r = s
            .client
            .request(Method::OPTIONS, s.url(&format!("{base}/anything")))
            .header("origin", "http://localhost:3000")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{base}: {}", r.status());
        let h = r.headers();
        assert_eq!(
            h["access-control-allow-origin"], "http://localhost:3000",
            "{base}"
        );
        let allowed = h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        assert!(allowed.contains("authorization"), "{base}: {allowed}");
    }
    let r = s
        .client
        .get(s.url("/hipcall/api/v20211124/users"))
        .bearer_auth("hipcall-test-token")
        .header("origin", "http://localhost:3000")
        .send()
        .await
        .unwrap();
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(exposed.contains("x-ratelimit-remaining"), "{exposed}");
    // Without `Origin` (not a CORS request) no CORS headers are sent; `Vary` still is.
    let r = s
        .client
        .get(s.url("/hipcall/api/v20211124/users"))
        .bearer_auth("hipcall-test-token")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-expose-headers").is_none());
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert_eq!(r.headers()["vary"], "Origin");
    // 405: Laravel names the supported methods; every vendor sends `Allow`.
    let r = s
        .client
        .delete(s.url("/hipcall/api/v20211124/users"))
        .bearer_auth("hipcall-test-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, HEAD");
    let v: Value = r.json().await.unwrap();
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .ends_with("Supported methods: GET, HEAD."),
        "{v}"
    );
    let r = s
        .client
        .delete(s.url("/helpcrunch/v1/customers"))
        .bearer_auth("helpcrunch-test-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, HEAD, POST");
    // Off-surface paths on a vendor host: that vendor's 404, not mockdesk's.
    let r = get("/nope", Some("api.hipcall.com")).await;
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("could not be found"),
        "{v}"
    );
    // The tutorial's host and its own port reach the tutorial surface, even for /v1 paths.
    let r = get("/api/v1/conversations?limit=1", Some("api.hiverhq.com")).await;
    assert_eq!(r.status(), 200);
    // (`/v1/inboxes` is the official API's path: served there, 404 on the tutorial's host.)
    assert_eq!(get("/hiver/v1/inboxes", None).await.status(), 200);
    let r = get("/v1/inboxes", Some("api.hiverhq.com")).await;
    assert_eq!(r.status(), 404);
    assert!(r.json::<Value>().await.unwrap()["errors"].is_array());
    let own = s.own_port("hiver-tutorial").await;
    let r = s
        .client
        .get(format!("http://{own}/v1/inboxes"))
        .bearer_auth("hiver-test-token")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "/v1 on the tutorial's own port is not the official API"
    );
}

/// `HEAD` on a `GET` route: the GET's status and headers, its length announced, no body; a
/// path parameter is percent-decoded before the handler sees it, and one that does not
/// decode to UTF-8 is a 400 in the vendor's body.
#[tokio::test]
async fn head_and_path_parameters() {
    let s = Server::start().await;
    let url = s.url("/helpcrunch/v1/customers/1");
    let send = |method: Method| {
        s.client
            .request(method, &url)
            .bearer_auth("helpcrunch-test-token")
            .send()
    };
    let get = send(Method::GET).await.unwrap();
    assert_eq!(get.status(), 200);
    let length = get.headers()["content-length"].clone();
    let body = get.bytes().await.unwrap();
    assert_eq!(length.to_str().unwrap(), body.len().to_string());
    let head = send(Method::HEAD).await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], length);
    assert_eq!(head.headers()["content-type"], "application/json");
    assert!(head.bytes().await.unwrap().is_empty());

    // `%31` is `1`: the same record.
    let token = Some("helpcrunch-test-token");
    let (status, _, v) = s
        .call(token, Method::GET, "/helpcrunch/v1/customers/%31", None)
        .await;
    assert_eq!((status, v["id"].clone()), (200, json!(1)));
    let (status, _, v) = s
        .call(token, Method::GET, "/helpcrunch/v1/customers/%FF", None)
        .await;
    assert_eq!(status, 400, "{v}");
    assert_eq!(v["errors"][0]["code"], "invalid_request", "{v}");
}

/// Every registered surface declares representative reads (what the allocation budgets and
/// `make bench` measure), lists them in `GET /__admin/surfaces`, and they address seeded records
/// on any seed: each answers 200 on three seeds.
#[tokio::test]
async fn representative_reads_answer_on_every_seed() {
    for seed in [42, 1, 987_654_321] {
        let s = Server::start_with(
            Config { seed, ..config() },
            mock_server::platform::clock::Clock::frozen_at_ms(1_700_000_000_000),
        )
        .await;
        let listed = s.admin_get("/surfaces").await;
        let listed = listed["surfaces"].as_array().unwrap().clone();
        assert_eq!(listed.len(), s.state.dialects.len());
        for (d, l) in s.state.dialects.iter().zip(&listed) {
            let r = &d.representative;
            assert_eq!(l["representative"]["record"], r.record, "{}", d.info().id);
            assert!(!r.pages.is_empty(), "{}: no list page", d.info().id);
            let token = l["default_token"].as_str().unwrap();
            for path in std::iter::once(r.record).chain(r.pages.iter().copied()) {
                let url = s.url(&format!("{}{path}", d.info().prefix()));
                let res = s.client.get(&url).bearer_auth(token).send().await.unwrap();
                assert_eq!(res.status(), 200, "seed {seed}: {url}");
            }
            // The representative write, twice (make bench repeats it), then its reads back.
            let w = &r.write;
            assert_eq!(l["representative"]["write"]["path"], w.path);
            let method = reqwest::Method::from_bytes(w.method.as_bytes()).unwrap();
            let url = s.url(&format!("{}{}", d.info().prefix(), w.path));
            for _ in 0..2 {
                let res = s
                    .client
                    .request(method.clone(), &url)
                    .bearer_auth(token)
                    .header("content-type", "application/json")
                    .body(w.body)
                    .send()
                    .await
                    .unwrap();
                let st = res.status();
                assert!(
                    st.is_success(),
                    "seed {seed}: {} {url}: {st} {}",
                    w.method,
                    res.text().await.unwrap()
                );
            }
            assert!(!w.reads.is_empty());
            for path in w.reads {
                let url = s.url(&format!("{}{path}", d.info().prefix()));
                let res = s.client.get(&url).bearer_auth(token).send().await.unwrap();
                assert_eq!(res.status(), 200, "seed {seed}: {url}");
            }
        }
    }
}

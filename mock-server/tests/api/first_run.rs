//! The first five minutes: the dashboard is found from `/__admin` and from `/` in a browser,
//! the banner says where the dashboard is and which surfaces are rate-limited, `--listen` takes
//! the forms people type, and a busy port fails before anything is printed, saying what to do.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_mockdesk");

/// `/__admin` and a browser's `/` lead to the dashboard; an API client's `/` keeps the JSON 404.
#[tokio::test]
async fn admin_root_and_browser_root_lead_to_the_dashboard() {
    let s = Server::start().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (path, accept) in [
        ("/__admin", "application/json"),
        ("/", "text/html,application/xhtml+xml"),
    ] {
        let r = client
            .get(s.url(path))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302, "{path}");
        assert_eq!(r.headers()["location"], "/__admin/ui", "{path}");
    }
    let r = client
        .get(s.url("/"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let page = s.client.get(s.url("/__admin")).send().await.unwrap();
    assert_eq!(page.status(), 200, "the redirect is followed to the page");
    assert!(page.text().await.unwrap().contains("<html"));
}

/// The banner's lines: read until no new line comes for a while (the server keeps running).
fn banner(args: &[&str]) -> Vec<String> {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("MOCKDESK_RATE_LIMITS")
        .env_remove("MOCKDESK_LISTEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let wait = |n: usize| std::time::Duration::from_millis(if n == 0 { 10_000 } else { 700 });
    while let Ok(l) = rx.recv_timeout(wait(lines.len())) {
        lines.push(l);
    }
    let _ = child.kill();
    let _ = child.wait();
    lines
}

/// The banner names the dashboard; `--listen :PORT` is loopback; the rate-limit line lists
/// the documented limits and how to turn them off, and is absent with limits off.
#[test]
fn banner_shows_dashboard_and_rate_limits() {
    let on = banner(&["--listen", ":0"]);
    let first = &on[0];
    assert!(first.contains("http://127.0.0.1:"), "{first}");
    assert!(first.contains("/__admin/ui"), "{first}");
    let line = on
        .iter()
        .find(|l| l.starts_with("rate limits:"))
        .unwrap_or_else(|| panic!("no rate-limit line: {on:?}"));
    assert!(line.contains("hiver 1/1s"), "{line}");
    assert!(line.contains("helpcrunch 120/60s"), "{line}");
    assert!(line.contains("--rate-limits off"), "{line}");
    let off = banner(&["--listen", "127.0.0.1:0", "--rate-limits", "off"]);
    assert!(off.iter().any(|l| l.contains("hiver-tutorial")), "{off:?}");
    assert!(
        off.iter().all(|l| !l.starts_with("rate limits:")),
        "{off:?}"
    );
}

/// A busy port is refused with exit 1 before the banner, and the message says how to choose
/// another; a busy own port fails the same way (every listener is bound before printing).
#[test]
fn busy_port_says_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    for args in [
        vec!["--listen".to_string(), format!("localhost:{port}")],
        vec![
            "--listen".to_string(),
            "127.0.0.1:0".to_string(),
            "--port".to_string(),
            format!("chative={port}"),
        ],
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("the port is taken"), "{err}");
        assert!(err.contains("--listen"), "{err}");
        assert!(out.stdout.is_empty(), "nothing printed before the failure");
    }
}

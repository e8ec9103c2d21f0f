//! `mockdesk verify`: passes against the emulator on every surface; against a deliberately
//! wrong server it reports each deviation at the right pointer and exits non-zero.

use std::process::Stdio;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{from_fn, Next};
use axum::response::Response;
use http_body_util::BodyExt;
use mock_server::verify::schema::DeviationKind;
use mock_server::verify::{self, report, Outcome};
use mock_server::{app, AppState};
use serde_json::Value;
use tokio::net::TcpListener;

use crate::common::*;

fn options(surface: &str, base: String, token: &str) -> verify::Options {
    verify::Options {
        surface: surface.into(),
        base_url: base,
        token: token.into(),
        allow_writes: true,
        lasting_writes: true,
        against_mock: false,
        min_interval: Some(Duration::ZERO),
        max_retries: 2,
        max_wait: Duration::from_secs(1),
        trust: Default::default(),
    }
}

/// Every mounted surface passes verify against a running emulator: every catalogue case runs
/// (writes, lasting ones included) and none is skipped.
#[tokio::test]
async fn verify_passes_against_mockdesk_for_every_surface() {
    let s = Server::start().await;
    for info in s.state.surfaces() {
        let token = s
            .state
            .backends
            .iter()
            .find(|b| b.vendor() == info.vendor)
            .unwrap()
            .default_token();
        let report = verify::run(&options(info.id, s.url(&info.prefix()), token), |_| {})
            .await
            .unwrap();
        let (passed, failed) = report.counts();
        assert_eq!(failed, 0, "{}", report::table(&report));
        assert_eq!(passed, report.results.len(), "{}", report::table(&report));
    }
}

/// With `against_mock`, the emulator runs the same probes beside the target.
#[tokio::test]
async fn against_mock_adds_a_column() {
    let s = Server::start().await;
    let mut opts = options("chative", s.url("/chative/v1.0"), "chative-test-token");
    opts.against_mock = true;
    opts.allow_writes = false;
    let report = verify::run(&opts, |_| {}).await.unwrap();
    assert_eq!(report.mock_counts(), Some((6, 0)));
    assert!(
        report
            .results
            .iter()
            .any(|r| matches!(r.target, Outcome::Skip { .. })),
        "writes skipped without --allow-writes"
    );
    let table = report::table(&report);
    assert!(
        table.contains("mock") && table.contains("emulator: 6 passed, 0 failed"),
        "{table}"
    );
}

/// Corrupts the emulator's Hipcall answers in every way verify must catch.
async fn corrupt(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if req.method() != axum::http::Method::GET {
        return next.run(req).await;
    }
    if path.ends_with("/numbers") {
        // A 429 storm.
        let mut r = Response::new(Body::from(
            r#"{"message":"Too Many Attempts.","errors":{"detail":["x"]}}"#,
        ));
        *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        r.headers_mut()
            .insert("retry-after", HeaderValue::from_static("0"));
        return r;
    }
    let res = next.run(req).await;
    let (mut parts, body) = res.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    parts.headers.remove("x-ratelimit-limit");
    parts.headers.remove("x-ratelimit-remaining");
    parts.headers.remove("content-length");
    if path.ends_with("/tasks") {
        v["data"][0]["id"] = Value::from("1");
        v["meta"].as_object_mut().map(|m| m.remove("total"));
    }
    if path.ends_with("/users") {
        v["data"][0]["extra"] = Value::from(1);
    }
    if path.ends_with("/teams") {
        parts.status = StatusCode::CREATED;
    }
    if parts.status == StatusCode::NOT_FOUND {
        v = serde_json::json!({"error": "not found"});
    }
    Response::from_parts(parts, Body::from(serde_json::to_vec(&v).unwrap()))
}

async fn wrong_server() -> String {
    let state = AppState::new(&config()).unwrap();
    let router = app(&state).layer(from_fn(corrupt));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}{HIPCALL}")
}

fn deviations(r: &verify::Report, op: &str) -> Vec<(String, DeviationKind, String, String)> {
    let row = r
        .results
        .iter()
        .find(|x| x.operation == op)
        .unwrap_or_else(|| panic!("no row {op}"));
    match &row.target {
        Outcome::Fail { deviations } => deviations
            .iter()
            .map(|d| {
                (
                    d.pointer.clone(),
                    d.kind,
                    d.expected.clone(),
                    d.found.clone(),
                )
            })
            .collect(),
        other => panic!("{op}: expected a failure, got {other:?}"),
    }
}

/// Each deliberate deviation is reported at its pointer with expected vs found.
#[tokio::test]
async fn wrong_server_deviations_are_reported() {
    let base = wrong_server().await;
    let report = verify::run(&options("hipcall", base, TOKEN), |_| {})
        .await
        .unwrap();
    let has = |op: &str, pointer: &str, kind: DeviationKind| {
        let d = deviations(&report, op);
        assert!(
            d.iter().any(|x| x.0 == pointer && x.1 == kind),
            "{op}: no {kind:?} at {pointer} in {d:?}"
        );
        d
    };
    let d = has("listTasks", "/data/0/id", DeviationKind::WrongType);
    assert!(d
        .iter()
        .any(|x| x.0 == "/data/0/id" && x.2 == "integer" && x.3 == "string"));
    has("listTasks", "/meta/total", DeviationKind::MissingField);
    has("listUsers", "/data/0/extra", DeviationKind::ExtraField);
    has(
        "listUsers",
        "/headers/x-ratelimit-limit",
        DeviationKind::MissingRateLimitHeader,
    );
    let d = has("listTeams", "/status", DeviationKind::WrongStatus);
    assert!(d.iter().any(|x| x.2 == "200" && x.3 == "201"));
    has(
        "error_unknown_task",
        "/errors",
        DeviationKind::WrongErrorEnvelope,
    );
    let d = has("listNumbers", "/status", DeviationKind::WrongStatus);
    assert!(
        d.iter().any(|x| x.3 == "429"),
        "the 429 storm is reported: {d:?}"
    );
    assert!(report.counts().1 >= 6);
}

/// The CLI exits non-zero on deviations, writes JUnit and JSON reports, prints progress and the
/// summary line, and never prints the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_reports_and_exit_code() {
    let base = wrong_server().await;
    let dir = std::env::temp_dir().join(format!("mockdesk-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (junit, json) = (dir.join("report.xml"), dir.join("report.json"));
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mockdesk"))
        .args([
            "verify",
            "--surface",
            "hipcall",
            "--base-url",
            &base,
            "--token",
            "MOCKDESK_TEST_SECRET",
            "--min-interval-ms",
            "0",
            "--max-wait-secs",
            "1",
        ])
        .arg("--junit")
        .arg(&junit)
        .arg("--json")
        .arg(&json)
        .env("MOCKDESK_TEST_SECRET", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stdout.trim_end().lines().last().unwrap();
    assert!(
        last.ends_with(" failed") && last.contains(" passed, "),
        "{last}"
    );
    assert!(
        stdout.contains("/data/0/id  wrong JSON type: expected integer, found string"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!(
            "[1/{}] listUsers GET /users: FAIL",
            mock_server::vendors::hipcall::LEGACY.catalogue().len()
        )),
        "{stderr}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"verify-hipcall\"") && xml.contains("<failure"),
        "{xml}"
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(report["failed"].as_u64().unwrap() >= 6);
    for text in [
        stdout.as_ref(),
        stderr.as_ref(),
        xml.as_str(),
        &report.to_string(),
    ] {
        assert!(!text.contains(TOKEN), "the token leaked");
    }
    // Against the emulator itself the CLI exits 0.
    let s = Server::start().await;
    let ok = tokio::process::Command::new(env!("CARGO_BIN_EXE_mockdesk"))
        .args([
            "verify",
            "--surface",
            "chative",
            "--base-url",
            &s.url("/chative/v1.0"),
            "--token",
            "chative-test-token",
            "--against-mock",
        ])
        .output()
        .await
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let _ = std::fs::remove_dir_all(dir);
}

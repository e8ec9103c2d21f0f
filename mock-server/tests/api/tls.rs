//! HTTPS both ways, with certificate authorities made in the test (rcgen), never a public one:
//! `verify`, `health` and webhook deliveries against https servers that are and are not trusted
//! (each failure naming its cause); `--tls-listen` answering every surface on its real host
//! name over HTTP/1.1 and HTTP/2; the local CA kept across restarts; bad TLS input refused at
//! start-up; plain HTTP on the TLS port (and TLS on the plain port) failing fast and clearly.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use mock_server::platform::clock::Clock;
use mock_server::platform::outbound::{explain, Cause, Trust};
use mock_server::platform::serve::{serve_on, ServeLimits, Transport};
use mock_server::verify;
use mock_server::{run_tls, AppState, Config};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_mockdesk");

/// A private CA made here with rcgen, and leaves it issues.
struct TestCa {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl TestCa {
    fn new(name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let pem = p.self_signed(&key).unwrap().pem();
        Self {
            pem,
            issuer: Issuer::new(p, key),
        }
    }

    /// A leaf for `names`, as (chain PEM, key PEM); `expired` sets it in the past.
    fn leaf(&self, names: &[&str], expired: bool) -> (String, String) {
        let mut p = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.use_authority_key_identifier_extension = true;
        if expired {
            p.not_before = rcgen::date_time_ymd(2020, 1, 1);
            p.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = p.signed_by(&key, &self.issuer).unwrap();
        (format!("{}{}", cert.pem(), self.pem), key.serialize_pem())
    }

    fn write(&self, dir: &Path) -> PathBuf {
        let p = dir.join("test-ca.pem");
        std::fs::write(&p, &self.pem).unwrap();
        p
    }

    /// A rustls server configuration presenting a leaf for `names`.
    fn server_config(&self, names: &[&str], expired: bool) -> Arc<rustls::ServerConfig> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let (chain, key) = self.leaf(names, expired);
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap();
        mock_server::platform::tls::server_config(chain, key).unwrap()
    }
}

/// `app` over HTTPS with `config` on a free loopback port (through the platform's accept loop).
async fn tls_server(config: Arc<rustls::ServerConfig>, app: Router) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(serve_on(
        l,
        Transport::Tls(config),
        app,
        ServeLimits::default(),
        std::future::pending(),
    ));
    addr
}

/// Serves `state` over HTTPS on a free loopback port until the test ends.
async fn serve_https(state: AppState) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(run_tls(l, state, std::future::pending()));
    addr
}

/// A configuration with HTTPS on, its local CA kept in `dir`.
fn with_local_ca(dir: &Path) -> Config {
    Config {
        tls_listen: Some("127.0.0.1:0".parse().unwrap()),
        tls_dir: Some(dir.to_path_buf()),
        ..config()
    }
}

/// An emulator serving HTTPS with the given certificate files (`--tls-cert`/`--tls-key`).
async fn https_emulator(cert: &Path, key: &Path) -> (SocketAddr, AppState) {
    let config = Config {
        tls_listen: Some("127.0.0.1:0".parse().unwrap()),
        tls_cert: Some(cert.to_path_buf()),
        tls_key: Some(key.to_path_buf()),
        ..config()
    };
    let state = AppState::with_clock(&config, Clock::real()).unwrap();
    (serve_https(state.clone()).await, state)
}

fn write_leaf(ca: &TestCa, dir: &Path, names: &[&str]) -> (PathBuf, PathBuf) {
    let (chain, key) = ca.leaf(names, false);
    let (c, k) = (dir.join("leaf.pem"), dir.join("leaf-key.pem"));
    std::fs::write(&c, chain).unwrap();
    std::fs::write(&k, key).unwrap();
    (c, k)
}

fn verify_opts(base_url: String, trust: Trust) -> verify::Options {
    verify::Options {
        surface: "helpcrunch".into(),
        base_url,
        token: "helpcrunch-test-token".into(),
        trust,
        allow_writes: false,
        lasting_writes: false,
        against_mock: false,
        min_interval: Some(Duration::ZERO),
        max_retries: 0,
        max_wait: Duration::ZERO,
    }
}

/// `verify` against an https server with a private CA: every probe passes when the CA is
/// trusted (`--ca-cert`), and every one fails naming the unknown issuer when it is not —
/// in the text report, the JSON report and the JUnit report.
#[tokio::test]
async fn verify_over_https_needs_the_ca_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("verify test CA");
    let (cert, key) = write_leaf(&ca, dir.path(), &["127.0.0.1", "localhost"]);
    let (addr, _state) = https_emulator(&cert, &key).await;
    let base = format!("https://127.0.0.1:{}/helpcrunch/v1", addr.port());

    let trusted = Trust::with_files(&[ca.write(dir.path())]).unwrap();
    let report = verify::run(&verify_opts(base.clone(), trusted), |_| {})
        .await
        .unwrap();
    let (passed, failed) = report.counts();
    assert!(
        passed >= 10 && failed == 0,
        "{passed} passed, {failed} failed"
    );

    let report = verify::run(&verify_opts(base, Trust::platform()), |_| {})
        .await
        .unwrap();
    let (passed, failed) = report.counts();
    assert_eq!(passed, 0);
    assert!(failed >= 10);
    let text = verify::report::table(&report);
    let json = verify::report::json(&report);
    let junit = verify::report::junit(&report);
    for (what, out) in [("table", &text), ("json", &json), ("junit", &junit)] {
        assert!(out.contains("unknown issuer"), "{what}: {out}");
        assert!(!out.contains("error sending request\""), "{what}");
    }
    assert!(json.contains("\"no_response\""), "{json}");
}

/// The `verify` command line: `--ca-cert` makes an https run pass; without it the run fails
/// (exit 1) and the report names the certificate problem; a `--ca-cert` that is not a
/// certificate stops with exit 2.
#[tokio::test]
async fn verify_cli_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("cli test CA");
    let (cert, key) = write_leaf(&ca, dir.path(), &["127.0.0.1"]);
    let (addr, _state) = https_emulator(&cert, &key).await;
    let ca_file = ca.write(dir.path());
    let base = format!("https://127.0.0.1:{}/chative/v1.0", addr.port());
    let run = |extra: Vec<String>| {
        let base = base.clone();
        tokio::task::spawn_blocking(move || {
            let mut cmd = Command::new(BIN);
            cmd.args(["verify", "--surface", "chative", "--base-url", &base])
                .args(["--token", "chative-test-token", "--min-interval-ms", "0"])
                .args(extra)
                .env_remove("MOCKDESK_CA_CERT")
                .env_remove("SSL_CERT_FILE")
                .stdin(Stdio::null());
            cmd.output().unwrap()
        })
    };
    let ok = run(vec!["--ca-cert".into(), ca_file.display().to_string()])
        .await
        .unwrap();
    let out = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(ok.status.code(), Some(0), "{out}");
    assert!(out.contains("0 failed"), "{out}");

    let bad = run(vec![]).await.unwrap();
    let out = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{out}");
    assert!(out.contains("unknown issuer"), "{out}");

    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let refused = run(vec!["--ca-cert".into(), junk.display().to_string()])
        .await
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("junk.pem"));
}

/// Each certificate problem is named: a name mismatch, an expired certificate, an https URL
/// for a plain-http port, and plain HTTP sent to the TLS port (a readable 400, no hang).
#[tokio::test]
async fn certificate_and_protocol_problems_are_named() {
    let ca = TestCa::new("problem CA");
    let dir = tempfile::tempdir().unwrap();
    let trust = Trust::with_files(&[ca.write(dir.path())]).unwrap();
    let client = trust
        .client_builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let serve = |config: Arc<rustls::ServerConfig>| {
        tls_server(
            config,
            Router::new().route("/", axum::routing::get(|| async { "hi" })),
        )
    };
    for (names, expired, cause) in [
        (["other.example"], false, Cause::CertificateNameMismatch),
        (["127.0.0.1"], true, Cause::CertificateExpired),
    ] {
        let addr = serve(ca.server_config(&names, expired)).await;
        let e = client
            .get(format!("https://127.0.0.1:{}/", addr.port()))
            .send()
            .await
            .unwrap_err();
        assert_eq!(explain(&e).cause, cause, "{}", explain(&e));
    }

    let good = serve(ca.server_config(&["127.0.0.1"], false)).await;
    let r = client
        .get(format!("https://127.0.0.1:{}/", good.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "hi");

    // Plain HTTP on the TLS port: a plain-text 400 that says what to do.
    let started = Instant::now();
    let mut sock = tokio::net::TcpStream::connect(good).await.unwrap();
    sock.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    sock.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(body.contains("use an https:// URL"), "{body}");
    assert!(
        head.contains(&format!("content-length: {}", body.len())),
        "{head}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    // TLS to the plain port: fails at once, named.
    let s = Server::start().await;
    let started = Instant::now();
    let e = client
        .get(format!("https://{}/__admin/health", s.addr))
        .send()
        .await
        .unwrap_err();
    assert_eq!(explain(&e).cause, Cause::NotTls, "{}", explain(&e));
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Every surface answers over HTTPS on its own real host name (resolved to 127.0.0.1 by the
/// client, so SNI and `Host` carry the vendor's name), over HTTP/1.1 and over HTTP/2 through
/// ALPN; base URLs in answers say https; the CA is served at `/__admin/tls/ca.pem`.
#[tokio::test]
async fn tls_listen_serves_every_surface_on_its_host_name() {
    let dir = tempfile::tempdir().unwrap();
    let config = with_local_ca(&dir.path().join("tls"));
    let s = Server::start_with(config, Clock::frozen_at_ms(1_700_000_000_000)).await;
    let tls_addr = serve_https(s.state.clone()).await;
    let ca_file = dir.path().join("tls/ca.pem");
    let served_ca = s
        .client
        .get(s.url("/__admin/tls/ca.pem"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(served_ca, std::fs::read_to_string(&ca_file).unwrap());

    let trust = Trust::with_files(&[ca_file]).unwrap();
    for http2 in [false, true] {
        let mut b = trust.client_builder();
        for info in s.state.surfaces() {
            for host in info.hosts {
                b = b.resolve(host, tls_addr);
            }
        }
        if !http2 {
            b = b.http1_only();
        }
        let client = b.build().unwrap();
        for info in s.state.surfaces() {
            for host in info.hosts {
                // An unknown path below the surface: its own 404, journaled under its id.
                let url = format!(
                    "https://{host}:{}{}/mockdesk-probe",
                    tls_addr.port(),
                    info.real_path
                );
                let journaled = |v: Value| v["requests"].as_array().map_or(0, Vec::len);
                let q = format!("/requests?surface={}", info.id);
                let before = journaled(s.admin_get(&q).await);
                let r = client.get(&url).send().await.unwrap();
                let version = r.version();
                assert_eq!(r.status(), 404, "{url}");
                assert_eq!(
                    version,
                    if http2 {
                        reqwest::Version::HTTP_2
                    } else {
                        reqwest::Version::HTTP_11
                    }
                );
                let after = journaled(s.admin_get(&q).await);
                assert_eq!(after, before + 1, "{url} was not served by {}", info.id);
            }
        }
        let listed: Value = client
            .get(format!(
                "https://localhost:{}/__admin/surfaces",
                tls_addr.port()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let base = listed["surfaces"][0]["base_url"]
            .as_str()
            .unwrap_or_else(|| panic!("{listed}"));
        assert!(base.starts_with("https://localhost:"), "{base}");
    }
}

/// The local CA is made once and kept: a second start with the same `--tls-dir` presents a
/// leaf from the same CA (a client trusting the first CA file connects to the second run).
#[tokio::test]
async fn local_ca_is_the_same_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = with_local_ca(dir.path());
    let first = AppState::new(&config).unwrap();
    let pem = first.tls.as_ref().unwrap().ca_pem.clone().unwrap();
    drop(first);
    let second = AppState::new(&config).unwrap();
    assert_eq!(second.tls.as_ref().unwrap().ca_pem.as_deref(), Some(&*pem));
    let addr = serve_https(second).await;
    let trust = Trust::with_files(&[dir.path().join("ca.pem")]).unwrap();
    let r = trust
        .client_builder()
        .build()
        .unwrap()
        .get(format!("https://127.0.0.1:{}/__admin/health", addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Webhooks to https receivers: one whose CA is trusted (`--ca-cert`) gets the delivery; one
/// whose CA is not is logged with the certificate cause in the delivery's `error`.
#[tokio::test]
async fn webhook_delivery_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let trusted_ca = TestCa::new("receiver CA");
    let stranger_ca = TestCa::new("stranger CA");
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let receiver = |config: Arc<rustls::ServerConfig>| {
        let got = got.clone();
        async move {
            let app = Router::new()
                .route(
                    "/hook",
                    post(
                        |State(g): State<Arc<Mutex<Vec<Value>>>>, b: Bytes| async move {
                            g.lock()
                                .unwrap()
                                .push(serde_json::from_slice(&b).unwrap_or(Value::Null));
                            "ok"
                        },
                    ),
                )
                .with_state(got);
            let addr = tls_server(config, app).await;
            format!("https://127.0.0.1:{}/hook", addr.port())
        }
    };
    let good = receiver(trusted_ca.server_config(&["127.0.0.1"], false)).await;
    let bad = receiver(stranger_ca.server_config(&["127.0.0.1"], false)).await;
    let config = Config {
        ca_certs: vec![trusted_ca.write(dir.path())],
        ..config()
    };
    let s = Server::start_with(config, Clock::real()).await;
    for url in [&good, &bad] {
        let r = s
            .admin(
                Method::POST,
                "/webhooks",
                Some(json!({"surface": "helpcrunch", "url": url, "events": ["customer.new"]})),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let (status, _, _) = s
        .call(
            Some("helpcrunch-test-token"),
            Method::POST,
            "/helpcrunch/v1/customers",
            Some(json!({"name": "Over TLS", "email": "tls@example.com"})),
        )
        .await;
    assert_eq!(status, 201);
    let deadline = Instant::now() + Duration::from_secs(10);
    let (ok, failed) = loop {
        let log = s.admin_get("/webhooks/deliveries").await;
        let list = log["deliveries"].as_array().cloned().unwrap_or_default();
        let ok = list.iter().find(|d| d["url"] == good.as_str()).cloned();
        let failed = list.iter().find(|d| d["url"] == bad.as_str()).cloned();
        if let (Some(o), Some(f)) = (&ok, &failed) {
            break (o.clone(), f.clone());
        }
        assert!(Instant::now() < deadline, "deliveries: {log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(ok["status"], 200, "{ok}");
    assert_eq!(
        got.lock().unwrap()[0]["eventData"]["email"],
        "tls@example.com"
    );
    assert!(failed["status"].is_null(), "{failed}");
    let error = failed["error"].as_str().unwrap();
    assert!(error.contains("unknown issuer"), "{error}");
}

/// `mockdesk health` over https: healthy with the CA given, and with the CA found in
/// `--tls-dir`; unhealthy (exit 1) with the certificate named without it.
#[tokio::test]
async fn health_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let config = with_local_ca(dir.path());
    let state = AppState::new(&config).unwrap();
    let url = format!("https://127.0.0.1:{}", serve_https(state).await.port());
    let ca = dir.path().join("ca.pem").display().to_string();
    let tls_dir = dir.path().display().to_string();
    let empty = tempfile::tempdir().unwrap();
    let empty_dir = empty.path().display().to_string();
    let health = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            Command::new(BIN)
                .arg("health")
                .args(args)
                .env_remove("MOCKDESK_CA_CERT")
                .env_remove("SSL_CERT_FILE")
                .output()
                .unwrap()
        })
    };
    let with_ca = health(vec![
        "--url".into(),
        url.clone(),
        "--ca-cert".into(),
        ca,
        "--tls-dir".into(),
        empty_dir.clone(),
    ])
    .await
    .unwrap();
    assert_eq!(with_ca.status.code(), Some(0));
    let from_dir = health(vec![
        "--url".into(),
        url.clone(),
        "--tls-dir".into(),
        tls_dir,
    ])
    .await
    .unwrap();
    assert_eq!(from_dir.status.code(), Some(0));
    let without = health(vec!["--url".into(), url, "--tls-dir".into(), empty_dir])
        .await
        .unwrap();
    assert_eq!(without.status.code(), Some(1));
    let err = String::from_utf8_lossy(&without.stderr);
    assert!(err.contains("unknown issuer"), "{err}");
}

/// Bad TLS input stops the binary at start-up with exit 2 and a message naming the file: a
/// `--ca-cert` that is not a certificate, a `--tls-key` that does not belong to `--tls-cert`,
/// a `--tls-dir` that cannot be made.
#[test]
fn bad_tls_input_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(
        &junk,
        "-----BEGIN NOTHING-----\nAA==\n-----END NOTHING-----\n",
    )
    .unwrap();
    let ca = TestCa::new("a");
    let other = TestCa::new("b");
    let (chain, _) = ca.leaf(&["127.0.0.1"], false);
    let (_, other_key) = other.leaf(&["127.0.0.1"], false);
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, chain).unwrap();
    std::fs::write(&key, other_key).unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--ca-cert".into(), junk.display().to_string()],
            "junk.pem",
        ),
        (
            vec![
                "--tls-listen".into(),
                "127.0.0.1:0".into(),
                "--tls-cert".into(),
                cert.display().to_string(),
                "--tls-key".into(),
                key.display().to_string(),
            ],
            "does not belong",
        ),
        (
            vec![
                "--tls-listen".into(),
                "127.0.0.1:0".into(),
                "--tls-dir".into(),
                file.join("tls").display().to_string(),
            ],
            "TLS directory",
        ),
    ];
    for (args, says) in cases {
        let out = Command::new(BIN)
            .args(["--listen", "127.0.0.1:0"])
            .args(&args)
            .env_remove("MOCKDESK_CA_CERT")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// The embedded API: `.tls(true)` serves HTTPS beside HTTP, `https_base_url` and `ca_pem`
/// are what a client needs.
#[tokio::test]
async fn embedded_tls() {
    let desk = mock_server::MockDesk::builder()
        .rate_limits(false)
        .tls(true)
        .start()
        .await;
    let ca = reqwest::Certificate::from_pem(desk.ca_pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(ca)
        .build()
        .unwrap();
    let url = format!("{}/users?page=1", desk.https_base_url("hipcall"));
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let page: Value = client
        .get(url)
        .bearer_auth(desk.token("hipcall"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(page["data"].is_array());
}

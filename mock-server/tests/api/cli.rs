//! The `mockdesk` binary: help, environment variables, start-up banner, graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mockdesk");

/// The address in the first banner line (`mockdesk listening on http://ADDR …`).
fn banner_addr(first_line: &str) -> String {
    first_line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in banner: {first_line}"))
        .to_string()
}

/// `--help` documents every flag with its environment variable.
#[test]
fn help_lists_flags_and_env_vars() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--seed",
        "--port",
        "--token",
        "--rate-limits",
        "--rate-limit",
        "--journal-capacity",
        "--max-body-bytes",
        "--webhook",
        "--state-file",
        "--state-dir",
        "--admin-token",
    ] {
        assert!(text.contains(flag), "missing {flag}");
    }
    for env in [
        "MOCKDESK_LISTEN",
        "MOCKDESK_SEED",
        "MOCKDESK_PORT",
        "MOCKDESK_TOKEN",
        "MOCKDESK_RATE_LIMITS",
        "MOCKDESK_RATE_LIMIT",
        "MOCKDESK_JOURNAL_CAPACITY",
        "MOCKDESK_MAX_BODY_BYTES",
        "MOCKDESK_WEBHOOK",
        "MOCKDESK_STATE_FILE",
        "MOCKDESK_STATE_DIR",
        "MOCKDESK_ADMIN_TOKEN",
    ] {
        assert!(text.contains(env), "missing {env}");
    }
}

/// Bad values are refused with exit code 2 and a message.
#[test]
fn bad_flags_are_refused() {
    let out = Command::new(BIN)
        .args(["--port", "nosuch=4000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown surface"));
    let out = Command::new(BIN)
        .args(["--rate-limits", "sometimes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Started from environment variables, the binary prints its surfaces, serves them, and
/// exits cleanly on SIGTERM.
#[test]
fn env_config_banner_and_sigterm() {
    let mut child = Command::new(BIN)
        .env("MOCKDESK_LISTEN", "127.0.0.1:0")
        .env("MOCKDESK_RATE_LIMITS", "off")
        .env("MOCKDESK_TOKEN", "hipcall=from-env")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = banner_addr(&first);
    let banner = lines.next().unwrap().unwrap();
    assert!(
        banner.contains("/hipcall/api/v20211124") && banner.contains("hipcall-test-token"),
        "{banner}"
    );
    let client = reqwest::blocking::Client::new();
    let r = client
        .get(format!("http://{addr}/hipcall/api/v20211124/teams/1"))
        .bearer_auth("from-env")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "did not shut down after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A closed stdout does not stop the server (banner writes ignore broken pipes).
#[test]
fn closed_stdout_does_not_kill_the_server() {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--port", "hipcall=0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    {
        let mut out = BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut first).unwrap();
    } // stdout closed here, before the rest of the banner is read
    let addr = banner_addr(&first);
    std::thread::sleep(Duration::from_millis(200));
    let r = reqwest::blocking::get(format!("http://{addr}/__admin/health")).unwrap();
    assert_eq!(r.status(), 200);
    assert!(child.try_wait().unwrap().is_none(), "server exited");
    let _ = child.kill();
    let _ = child.wait();
}

/// Class 9 (issue 14) — accounts are what the README says: an unnamed token's account can
/// never be an explicit one, explicit names in that namespace are refused, and a built-in
/// token moved to another account is printed with it.
#[test]
fn token_accounts_never_collide_and_the_banner_says_where_tokens_go() {
    let out = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--token", "hipcall=x@token:b"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("token:"));
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--rate-limits", "off"])
        .args(["--token", "hipcall=a@account-3", "--token", "hipcall=b"])
        .args(["--token", "hipcall=hipcall-test-token@acme"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = banner_addr(&lines.next().unwrap().unwrap());
    let mut banner = Vec::new();
    for _ in 0..12 {
        let l = lines.next().unwrap().unwrap();
        let done = l.contains("hipcall=hipcall-test-token");
        banner.push(l);
        if done {
            break;
        }
    }
    let text = banner.join("\n");
    let hipcall = banner
        .iter()
        .find(|l| l.contains("/hipcall/api/v20211124"))
        .unwrap();
    assert!(
        hipcall.contains("hipcall-test-token (account acme)"),
        "{text}"
    );
    assert!(text.contains("hipcall=a  account: account-3"), "{text}");
    assert!(text.contains("hipcall=b  account: token:b"), "{text}");
    // a and b are separate accounts: a task a writes is not in b's list.
    let client = reqwest::blocking::Client::new();
    let base = format!("http://{addr}/hipcall/api/v20211124");
    let made: serde_json::Value = client
        .post(format!("{base}/tasks"))
        .bearer_auth("a")
        .json(&serde_json::json!({"name": "only for a", "contact_id": 1}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = made["data"]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{made}"));
    let seen = |token: &str| {
        client
            .get(format!("{base}/tasks/{id}"))
            .bearer_auth(token)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!((seen("a"), seen("b")), (200, 404));
    let _ = child.kill();
    let _ = child.wait();
}

/// Starts the binary on a free loopback port with `args`; returns it and its address.
fn start_binary(
    args: &[&str],
    envs: &[(&str, &str)],
    stderr: Stdio,
) -> (std::process::Child, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(["--listen", "127.0.0.1:0", "--rate-limits", "off"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(stderr);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = banner_addr(&lines.next().unwrap().unwrap());
    // Keep reading the banner in the background so the server never blocks on stdout.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    (child, addr)
}

/// `mockdesk health` exits 0 for a running server and 1 when nothing (healthy) answers.
#[test]
fn health_subcommand_exit_codes() {
    let (mut server, addr) = start_binary(&[], &[], Stdio::null());
    let ok = Command::new(BIN)
        .args(["health", "--url", &format!("http://{addr}")])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    // The port from MOCKDESK_LISTEN, as inside the container.
    let port = addr.rsplit(':').next().unwrap();
    let from_env = Command::new(BIN)
        .arg("health")
        .env("MOCKDESK_LISTEN", format!("0.0.0.0:{port}"))
        .output()
        .unwrap();
    assert_eq!(from_env.status.code(), Some(0), "{from_env:?}");
    // A server that answers, but is not mockdesk's health endpoint.
    let wrong = Command::new(BIN)
        .args(["health", "--url", &format!("http://{addr}/helpcrunch/v1")])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1), "{wrong:?}");
    server.kill().unwrap();
    server.wait().unwrap();
    let down = Command::new(BIN)
        .args([
            "health",
            "--url",
            &format!("http://{addr}"),
            "--timeout-secs",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(down.status.code(), Some(1), "{down:?}");
    assert!(String::from_utf8_lossy(&down.stderr).contains("mockdesk health"));
}

/// `--log-format json` writes one JSON object per log line (level, message, fields).
#[test]
fn json_log_lines_parse() {
    let (mut server, addr) = start_binary(
        &["--log-format", "json"],
        &[("RUST_LOG", "tower_http=debug")],
        Stdio::piped(),
    );
    let stderr = server.stderr.take().unwrap();
    let r = reqwest::blocking::get(format!("http://{addr}/__admin/health")).unwrap();
    assert_eq!(r.status(), 200);
    // A surface's request goes the same way as any other (the dispatcher traces it).
    let r = reqwest::blocking::Client::new()
        .get(format!("http://{addr}/hipcall/api/v3/teams"))
        .bearer_auth("hipcall-test-token")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    std::thread::sleep(std::time::Duration::from_millis(100));
    server.kill().unwrap();
    server.wait().unwrap();
    let lines: Vec<String> = BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .collect();
    assert!(!lines.is_empty(), "no log lines");
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            v["level"].is_string() && v["timestamp"].is_string(),
            "{line}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("finished processing request")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("finished processing request")
                && l.contains("/hipcall/api/v3/teams")
                && l.contains("\"status\":200")),
        "{lines:?}"
    );
}

//! `--state-dir` with the real binary: acknowledged writes survive SIGKILL, ids continue,
//! webhook subscriptions and run-time tokens come back, resets are remembered, and a directory
//! the binary cannot read is refused rather than wiped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use reqwest::blocking::Client;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_mockdesk");

struct Running {
    child: Child,
    addr: String,
    client: Client,
}

impl Running {
    fn start(dir: &Path) -> Self {
        let mut child = Command::new(BIN)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--rate-limits",
                "off",
                "--state-dir",
            ])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in banner: {first}"))
            .to_string();
        Self {
            child,
            addr,
            client: Client::new(),
        }
    }

    fn call(&self, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .client
            .request(
                method.parse().unwrap(),
                format!("http://{}{path}", self.addr),
            )
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().unwrap();
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }

    /// SIGKILL: no chance to flush anything.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// Writes per vendor before the kill.
const N: usize = 8;

const HC: &str = "helpcrunch-test-token";
const HV: &str = "hiver-test-token";
const HP: &str = "hipcall-test-token";
const CT: &str = "chative-test-token";
const CONTACT: &str = "/chative/v1.0/contacts/183ccf94-3111-480f-8b12-4d19d65d3c78";

/// Writes on every vendor, a webhook subscription and a run-time token survive SIGKILL and a
/// restart; new ids continue after the stored ones; a reset is remembered too.
#[test]
fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let s = Running::start(dir.path());
    let mut customers = Vec::new();
    for i in 0..N {
        let (st, c) = s.call(
            HC,
            "POST",
            "/helpcrunch/v1/customers",
            Some(json!({"name": format!("Kept {i}")})),
        );
        assert_eq!(st, 201, "{c}");
        customers.push(c["id"].as_i64().unwrap());
    }
    // N acknowledged writes on every vendor, each remembered as (token, read path, JSON
    // pointer, value) to check after the restart.
    let mut written: Vec<(&str, String, &str, Value)> = Vec::new();
    let (_, contacts) = s.call(CT, "GET", "/chative/v1.0/contacts?limit=20", None);
    let contacts = contacts["list"].as_array().expect("chative list").clone();
    for i in 0..N {
        // A task through each Hipcall API (one state), read back through the same API.
        for (api, name, body) in [
            (
                "v20211124",
                format!("legacy {i}"),
                json!({"name": format!("legacy {i}")}),
            ),
            (
                "v3",
                format!("v3 {i}"),
                json!({"data": {"name": format!("v3 {i}")}}),
            ),
        ] {
            let (st, t) = s.call(HP, "POST", &format!("/hipcall/api/{api}/tasks"), Some(body));
            assert_eq!(st, 201, "{t}");
            let path = format!("/hipcall/api/{api}/tasks/{}", t["data"]["id"]);
            written.push((HP, path, "/data/name", json!(name)));
        }
        let (st, t) = s.call(
            HV,
            "PUT",
            "/hiver/api/v1/conversations/234232/status",
            Some(json!({"status": if i.is_multiple_of(2) { "closed" } else { "pending" }})),
        );
        assert_eq!(st, 200, "{t}");
        let path = format!(
            "/chative/v1.0/contacts/{}",
            contacts[i + 1]["id"].as_str().unwrap()
        );
        let (st, c) = s.call(
            CT,
            "PATCH",
            &path,
            Some(json!({"lastName": format!("Kept {i}")})),
        );
        assert_eq!(st, 200, "{c}");
        written.push((CT, path, "/lastName", json!(format!("Kept {i}"))));
    }
    let (st, tag) = s.call(
        HV,
        "POST",
        "/hiver/api/v1/tags",
        Some(json!({"name": "durable"})),
    );
    assert!(st == 200 || st == 201, "{tag}");
    let (st, task) = s.call(
        HP,
        "POST",
        "/hipcall/api/v20211124/tasks",
        Some(json!({"name": "durable task"})),
    );
    assert_eq!(st, 201, "{task}");
    let task_id = task["data"]["id"].as_i64().unwrap();
    let (st, v3) = s.call(
        HP,
        "POST",
        "/hipcall/api/v3/tasks",
        Some(json!({"data": {"name": "durable v3 task"}})),
    );
    assert_eq!(st, 201, "{v3}");
    let (st, _) = s.call(CT, "PATCH", CONTACT, Some(json!({"firstName": "Durable"})));
    assert_eq!(st, 200);
    // A GET that writes is stored too.
    assert_eq!(
        s.call(HC, "GET", "/helpcrunch/v1/agents/1/unsubscribe", None)
            .0,
        200
    );
    let (st, sub) = s.call(
        "",
        "POST",
        "/__admin/webhooks",
        Some(json!({"surface": "helpcrunch", "url": "http://127.0.0.1:9/hooks"})),
    );
    assert_eq!(st, 201, "{sub}");
    let (st, _) = s.call(
        "",
        "POST",
        "/__admin/accounts",
        Some(json!({"vendor": "chative", "token": "late-token", "account": "late"})),
    );
    assert_eq!(st, 201);
    assert_eq!(s.call("late-token", "DELETE", CONTACT, None).0, 200);
    s.kill();

    let s = Running::start(dir.path());
    for (token, path, pointer, want) in &written {
        let (st, got) = s.call(token, "GET", path, None);
        assert_eq!((st, got.pointer(pointer)), (200, Some(want)), "{path}");
    }
    let (_, conv) = s.call(HV, "GET", "/hiver/api/v1/conversations/234232", None);
    assert_eq!(
        conv["status"],
        if (N - 1).is_multiple_of(2) {
            "closed"
        } else {
            "pending"
        },
        "{conv}"
    );
    for (i, id) in customers.iter().enumerate() {
        let (st, c) = s.call(HC, "GET", &format!("/helpcrunch/v1/customers/{id}"), None);
        assert_eq!((st, c["name"].clone()), (200, json!(format!("Kept {i}"))));
    }
    let (_, c) = s.call(
        HC,
        "POST",
        "/helpcrunch/v1/customers",
        Some(json!({"name": "After"})),
    );
    assert_eq!(c["id"], customers[N - 1] + 1, "ids continue");
    let (_, tags) = s.call(HV, "GET", "/hiver/api/v1/tags", None);
    assert!(tags.to_string().contains("durable"), "{tags}");
    let (st, t) = s.call(
        HP,
        "GET",
        &format!("/hipcall/api/v20211124/tasks/{task_id}"),
        None,
    );
    assert_eq!(
        (st, t["data"]["name"].clone()),
        (200, json!("durable task"))
    );
    let (_, next) = s.call(
        HP,
        "POST",
        "/hipcall/api/v3/tasks",
        Some(json!({"data": {"name": "next"}})),
    );
    assert_eq!(next["data"]["id"], v3["data"]["id"].as_i64().unwrap() + 1);
    let (_, contact) = s.call(CT, "GET", CONTACT, None);
    assert_eq!(contact["firstName"], "Durable");
    let (_, dump) = s.call("", "GET", "/__admin/state/helpcrunch", None);
    let agent = &dump["accounts"]["default"]["agents"][0];
    assert_eq!(
        (agent["id"].clone(), agent["unsubscribed"].clone()),
        (json!(1), json!(true))
    );
    let (_, subs) = s.call("", "GET", "/__admin/webhooks", None);
    assert_eq!(subs["subscriptions"][0]["id"], sub["id"]);
    assert_eq!(subs["subscriptions"][0]["secret"], sub["secret"]);
    // The run-time token still reaches its own account, where the contact was deleted.
    assert_eq!(s.call("late-token", "GET", CONTACT, None).0, 404);
    assert_eq!(s.call(CT, "GET", CONTACT, None).0, 200);
    // A reset is stored as well: after the next restart the vendor is back to its seed.
    let (st, _) = s.call(
        "",
        "POST",
        "/__admin/reset",
        Some(json!({"vendor": "helpcrunch"})),
    );
    assert_eq!(st, 200);
    s.kill();

    let s = Running::start(dir.path());
    let (st, _) = s.call(
        HC,
        "GET",
        &format!("/helpcrunch/v1/customers/{}", customers[0]),
        None,
    );
    assert_eq!(st, 404, "reset forgotten");
    let (st, t) = s.call(
        HP,
        "GET",
        &format!("/hipcall/api/v20211124/tasks/{task_id}"),
        None,
    );
    assert_eq!(
        (st, t["data"]["name"].clone()),
        (200, json!("durable task"))
    );
    s.kill();
}

/// A directory written by an incompatible version, or holding something that is not a
/// database, stops start-up with the reason and is left as it was.
#[test]
fn unreadable_state_dirs_are_refused() {
    let junk = tempfile::tempdir().unwrap();
    let file = junk.path().join("mockdesk.redb");
    std::fs::write(&file, b"definitely not a database").unwrap();
    let out = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--state-dir"])
        .arg(junk.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a mockdesk state database"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"definitely not a database");

    let old = tempfile::tempdir().unwrap();
    {
        let d = mock_server::platform::durable::Durable::open(old.path()).unwrap();
        d.set_meta("format", &json!("mockdesk-state-0")).unwrap();
    }
    let out = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--state-dir"])
        .arg(old.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("incompatible"));
}

/// A small deterministic generator (the test's seed fixes every round's timing).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

/// What a writer was told had been done, to be found again after the crash.
#[derive(Debug, Clone)]
enum Acked {
    /// A HelpCrunch customer created with this id and name.
    Customer(i64, String),
    /// A Hipcall task created through v3 with this id and name.
    Task(i64, String),
    /// A Chative contact whose last name was set (each contact is written once).
    Contact(String, String),
    /// A Hiver tutorial tag created with this name.
    Tag(String),
}

/// Many short rounds, each with eight concurrent writers on every vendor and a SIGKILL at a
/// seeded moment while they write: after every restart each acknowledged write is there, and
/// no acknowledged create's id was handed out twice.
#[test]
fn concurrent_writers_and_sigkill_lose_nothing_acknowledged() {
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Lcg(0x6d6f636b6465736b);
    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    // Contacts to PATCH, each once over the whole test.
    let contacts: Vec<String> = {
        let s = Running::start(dir.path());
        let (_, page) = s.call(CT, "GET", "/chative/v1.0/contacts?limit=200", None);
        let ids = page["list"].as_array().unwrap().iter();
        let ids = ids.map(|c| c["id"].as_str().unwrap().to_string()).collect();
        s.kill();
        ids
    };
    let contacts = Arc::new(Mutex::new(contacts));
    let rounds = 5;
    for round in 0..rounds {
        let s = Running::start(dir.path());
        let addr = Arc::new(s.addr.clone());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut writers = Vec::new();
        for w in 0..8 {
            let (addr, stop, acked, contacts) =
                (addr.clone(), stop.clone(), acked.clone(), contacts.clone());
            writers.push(std::thread::spawn(move || {
                let client = Client::builder()
                    .timeout(std::time::Duration::from_secs(5))
                    .build()
                    .unwrap();
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < 400 {
                    n += 1;
                    let label = format!("r{round}w{w}n{n}");
                    let post = |token: &str, path: &str, method: &str, body: Value| {
                        client
                            .request(method.parse().unwrap(), format!("http://{addr}{path}"))
                            .bearer_auth(token)
                            .json(&body)
                            .send()
                            .ok()
                            .and_then(|r| {
                                let ok = r.status().is_success();
                                r.json::<Value>().ok().filter(|_| ok)
                            })
                    };
                    let done = match w % 4 {
                        0 => post(
                            HC,
                            "/helpcrunch/v1/customers",
                            "POST",
                            json!({"name": label}),
                        )
                        .map(|c| Acked::Customer(c["id"].as_i64().unwrap(), label.clone())),
                        1 => post(
                            HP,
                            "/hipcall/api/v3/tasks",
                            "POST",
                            json!({"data": {"name": label}}),
                        )
                        .map(|t| Acked::Task(t["data"]["id"].as_i64().unwrap(), label.clone())),
                        2 => {
                            let Some(id) = contacts.lock().unwrap().pop() else {
                                break;
                            };
                            let path = format!("/chative/v1.0/contacts/{id}");
                            post(CT, &path, "PATCH", json!({"lastName": label}))
                                .map(|_| Acked::Contact(id, label.clone()))
                        }
                        _ => post(HV, "/hiver/api/v1/tags", "POST", json!({"name": label}))
                            .map(|_| Acked::Tag(label.clone())),
                    };
                    if let Some(a) = done {
                        acked.lock().unwrap().push(a);
                    }
                }
            }));
        }
        // Some writes in flight first (however loaded the machine), then a seeded moment.
        let before = acked.lock().unwrap().len();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while acked.lock().unwrap().len() < before + 10 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        std::thread::sleep(std::time::Duration::from_millis(20 + rng.next(300)));
        s.kill();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for w in writers {
            w.join().unwrap();
        }
        // After the restart, everything acknowledged so far is there.
        let s = Running::start(dir.path());
        let acked_now = acked.lock().unwrap().clone();
        let (_, tags) = s.call(HV, "GET", "/hiver/api/v1/tags", None);
        let tag_names: std::collections::HashSet<String> = tags["tags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["name"].as_str().map(String::from))
            .collect();
        let mut customer_ids = std::collections::HashSet::new();
        let mut task_ids = std::collections::HashSet::new();
        for a in &acked_now {
            match a {
                Acked::Customer(id, name) => {
                    assert!(
                        customer_ids.insert(*id),
                        "customer id {id} handed out twice"
                    );
                    let (st, c) =
                        s.call(HC, "GET", &format!("/helpcrunch/v1/customers/{id}"), None);
                    assert_eq!(
                        (st, c["name"].as_str()),
                        (200, Some(name.as_str())),
                        "round {round}: {a:?}"
                    );
                }
                Acked::Task(id, name) => {
                    assert!(task_ids.insert(*id), "task id {id} handed out twice");
                    let (st, t) = s.call(HP, "GET", &format!("/hipcall/api/v3/tasks/{id}"), None);
                    assert_eq!(
                        (st, t["data"]["name"].as_str()),
                        (200, Some(name.as_str())),
                        "round {round}: {a:?}"
                    );
                }
                Acked::Contact(id, name) => {
                    let (st, c) = s.call(CT, "GET", &format!("/chative/v1.0/contacts/{id}"), None);
                    assert_eq!(
                        (st, c["lastName"].as_str()),
                        (200, Some(name.as_str())),
                        "round {round}: {a:?}"
                    );
                }
                Acked::Tag(name) => {
                    assert!(tag_names.contains(name), "round {round}: tag {name} lost");
                }
            }
        }
        s.kill();
    }
    let total = acked.lock().unwrap().len();
    assert!(
        total >= 10 * rounds,
        "only {total} writes were acknowledged in {rounds} rounds"
    );
}

/// Every kind of damaged database file stops start-up with exit 2 and the reason — an empty
/// file, one cut short, one zeroed, one of random bytes — never a panic and never a fresh
/// seed. Files that are not a database at all are left as they were (a cut-short database
/// may have been partly repaired by the attempt to open it).
#[test]
fn damaged_state_files_are_refused() {
    // A real database with a write in it, to damage.
    let good = tempfile::tempdir().unwrap();
    {
        let s = Running::start(good.path());
        let (st, _) = s.call(
            HC,
            "POST",
            "/helpcrunch/v1/customers",
            Some(json!({"name": "damaged"})),
        );
        assert_eq!(st, 201);
        s.kill();
    }
    let original = std::fs::read(good.path().join("mockdesk.redb")).unwrap();
    let mut noise = Lcg(7);
    let random: Vec<u8> = (0..original.len()).map(|_| noise.next(256) as u8).collect();
    for (kind, bytes) in [
        ("empty", Vec::new()),
        ("truncated", original[..original.len() / 3].to_vec()),
        ("zeroed", vec![0u8; original.len()]),
        ("random", random),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mockdesk.redb");
        std::fs::write(&file, &bytes).unwrap();
        let out = Command::new(BIN)
            .args(["--listen", "127.0.0.1:0", "--state-dir"])
            .arg(dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{kind}: {err}");
        assert!(err.contains("mockdesk.redb"), "{kind}: {err}");
        if kind != "truncated" {
            assert!(
                std::fs::read(&file).unwrap() == bytes,
                "{kind}: the file was changed"
            );
        }
    }
}

/// An in-process emulator with `--state-dir dir` (rate limits off): its configuration, state,
/// base URL, and the sender and task that stop it.
async fn in_process(
    dir: &Path,
) -> (
    mock_server::Config,
    mock_server::AppState,
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let config = mock_server::Config {
        state_dir: Some(dir.to_path_buf()),
        rate_limits: mock_server::platform::RateLimitMode::Off,
        ..mock_server::Config::default()
    };
    let state = mock_server::AppState::new(&config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mock_server::run(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    (config, state, base, stop, server)
}

/// A commit that fails (a full disk, injected) answers the vendor's 500 for that request and
/// turns health to 503 `degraded` with the reason; the next write stores the account's newest
/// state (the failed write included) and health is `ok` again; a restart finds both writes.
#[tokio::test]
async fn a_failing_disk_degrades_health_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let (config, state, base, stop, server) = in_process(dir.path()).await;
    let client = reqwest::Client::new();
    let create = |name: &'static str| {
        client
            .post(format!("{base}/helpcrunch/v1/customers"))
            .bearer_auth(HC)
            .json(&json!({"name": name}))
            .send()
    };
    let health = || async {
        let r = client
            .get(format!("{base}/__admin/health"))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(health().await.0, 200);
    state.platform.durable.get().unwrap().inject_failures(1);
    let r = create("while the disk is full").await.unwrap();
    assert_eq!(r.status(), 500);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["errors"].is_array(),
        "HelpCrunch's own error body: {body}"
    );
    let (status, h) = health().await;
    assert_eq!(
        (status, h["status"].as_str()),
        (503, Some("degraded")),
        "{h}"
    );
    assert!(
        h["reason"].as_str().unwrap().contains("No space left"),
        "{h}"
    );
    let r = create("after space returned").await.unwrap();
    assert_eq!(r.status(), 201);
    let (status, h) = health().await;
    assert_eq!((status, h["status"].as_str()), (200, Some("ok")), "{h}");
    let _ = stop.send(());
    let _ = server.await;
    drop(state);
    let again = mock_server::AppState::new(&config).unwrap();
    let b = again.backend("helpcrunch").unwrap();
    let dump = String::from_utf8(b.export("default")).unwrap();
    assert!(dump.contains("while the disk is full") && dump.contains("after space returned"));
}

/// Storing a large account happens off the async workers: while an import of two
/// 150,000-record accounts is being read and stored (written whole: every record a row), the
/// health check and another vendor's reads keep answering promptly; then a write to one of
/// those accounts is stored (as its one changed row) and survives reopening.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storing_a_large_account_does_not_stall_others() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let (config, state, base, stop, server) = in_process(dir.path()).await;
    let client = reqwest::Client::new();
    let customers = crate::common::helpcrunch_customers(150_000);
    let doc = format!(
        r#"{{"accounts": {{"default": {{"customers": [{customers}]}}, "b": {{"customers": [{customers}]}}}}}}"#
    );
    let import = {
        let (client, base) = (client.clone(), base.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let r = client
                .put(format!("{base}/__admin/state/helpcrunch"))
                .header("content-type", "application/json")
                .body(doc)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
            started.elapsed()
        })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        for path in ["/__admin/health", "/chative/v1.0/contacts?limit=1"] {
            let started = Instant::now();
            let r = client
                .get(format!("{base}{path}"))
                .bearer_auth(CT)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            slowest = slowest.max(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = import.await.unwrap();
    assert!(
        took > Duration::from_millis(300),
        "the import was too quick ({took:?}) to show anything"
    );
    assert!(
        slowest < Duration::from_millis(250),
        "a read waited {slowest:?} while an import ({took:?}) was being stored"
    );
    let r = client
        .patch(format!("{base}/helpcrunch/v1/customers/149999"))
        .bearer_auth(HC)
        .json(&json!({"name": "changed after the import"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let _ = stop.send(());
    let _ = server.await;
    drop((state, config));
    let (_config, _state, base, _stop, _server) = in_process(dir.path()).await;
    let r: Value = client
        .get(format!("{base}/helpcrunch/v1/customers/149999"))
        .bearer_auth(HC)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["name"], "changed after the import");
    let page: Value = client
        .get(format!("{base}/__admin/state/helpcrunch?account=b"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        page["accounts"]["b"]["customers"].as_array().map(Vec::len),
        Some(150_000)
    );
}

/// `--state-file` with `--state-dir`: on the first start the file's accounts are stored; on a
/// later start an account the directory holds keeps its stored state (the file does not reset
/// it) and the file still fills in accounts the directory lacks.
#[test]
fn a_state_file_fills_in_what_the_directory_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fixture.json");
    let fixture = |name: &str| {
        json!({"hipcall": {"accounts": {
            "default": {"teams": [{"id": 1, "name": name}]},
            "second": {"teams": [{"id": 7, "name": "Second's team"}]},
        }}})
        .to_string()
    };
    std::fs::write(&file, fixture("From the file")).unwrap();
    let state_dir = dir.path().join("state");
    let config = |with_file: bool| mock_server::Config {
        state_dir: Some(state_dir.clone()),
        state_file: with_file.then(|| file.clone()),
        ..mock_server::Config::default()
    };
    let teams = |st: &mock_server::AppState, account: &str| -> Value {
        let b = st.backend("hipcall").unwrap();
        serde_json::from_slice::<Value>(&b.export(account)).unwrap()["teams"].clone()
    };
    {
        let st = mock_server::AppState::new(&config(true)).unwrap();
        assert_eq!(teams(&st, "default")[0]["name"], "From the file");
    }
    // Without the file: both of its accounts were stored.
    {
        let st = mock_server::AppState::new(&config(false)).unwrap();
        assert_eq!(teams(&st, "second")[0]["name"], "Second's team");
        let b = st.backend("hipcall").unwrap();
        let mut doc: Value = serde_json::from_slice(&b.export("default")).unwrap();
        doc["teams"][0]["name"] = json!("Changed and stored");
        let raw = serde_json::value::to_raw_value(&doc).unwrap();
        b.import(&[("default".to_string(), raw.as_ref())]).unwrap();
        st.platform.flush().unwrap();
        // An account the directory lacks, dropped: the file brings it back next time.
        b.reset(Some("second"));
        st.platform.flush().unwrap();
    }
    std::fs::write(&file, fixture("The file again")).unwrap();
    let st = mock_server::AppState::new(&config(true)).unwrap();
    assert_eq!(teams(&st, "default")[0]["name"], "Changed and stored");
    assert_eq!(teams(&st, "second")[0]["name"], "Second's team");
}

//! `mockdesk snapshot`: on every surface that supports it, an account read over HTTP becomes a
//! state document another instance serves identically; anonymized, no personal value survives
//! and one input gets one fake; a dead target, a wrong token, a 429 storm and a failure
//! half-way end as they should.

use std::collections::HashMap;
use std::time::Duration;

use mock_server::client::{CaseRun, Runner, Session, Settings};
use mock_server::platform::clock::Clock;
use mock_server::platform::dialect::Dialect;
use mock_server::platform::snapshot::{is_personal, records_mut, Personal};
use mock_server::snapshot::{self, Options, SnapshotError};
use mock_server::Config;
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

/// The surface of the failure and command-line tests.
const SURFACE: &str = "chative";

fn dialect(s: &Server, surface: &str) -> &'static Dialect {
    s.state
        .dialects
        .iter()
        .find(|d| d.info().id == surface)
        .copied()
        .unwrap()
}

/// Every surface a snapshot can read.
fn snapshot_surfaces(s: &Server) -> Vec<&'static str> {
    s.state
        .dialects
        .iter()
        .filter(|d| d.snapshot.is_some())
        .map(|d| d.info().id)
        .collect()
}

fn runner_for(s: &Server, surface: &str, token: &str) -> Runner {
    let prefix = dialect(s, surface).info().prefix();
    let mut settings = Settings::emulator(&s.url(&prefix), token);
    settings.max_retries = 5;
    settings.max_wait = Duration::from_secs(2);
    Runner::new(settings)
}

fn runner(s: &Server, token: &str) -> Runner {
    runner_for(s, SURFACE, token)
}

async fn take_of(
    s: &Server,
    surface: &str,
    options: &Options,
) -> Result<(Value, snapshot::Summary), SnapshotError> {
    let token = s.surface(surface).token;
    let r = runner_for(s, surface, token);
    snapshot::take(dialect(s, surface), &r, options, |_| {}).await
}

async fn take(s: &Server, options: &Options) -> Result<(Value, snapshot::Summary), SnapshotError> {
    take_of(s, SURFACE, options).await
}

/// Every read of the surface's catalogue (2xx expected), answered: the case and its body, or
/// why it was not sent.
async fn catalogue_reads(s: &Server, surface: &str) -> Vec<(&'static str, String)> {
    let d = dialect(s, surface);
    let mut r = runner_for(s, surface, s.surface(surface).token);
    let mut settings = r.settings().clone();
    settings.allow_writes = false;
    r = Runner::new(settings);
    let mut session = Session::new(&r, false);
    let here = s.url("");
    let mut out = Vec::new();
    for case in (d.catalogue)()
        .iter()
        .filter(|c| !c.is_write() && c.expect < 300)
    {
        let seen = match session.run(case).await {
            // Links name the server they came from (its port differs between A and B).
            CaseRun::Answered(ex) => format!("{} {}", ex.status, ex.raw.replace(&here, "{server}")),
            CaseRun::Skipped(why) => format!("skipped: {why}"),
            CaseRun::Failed(e) => panic!("{surface} {}: {e}", case.name),
        };
        out.push((case.name, seen));
    }
    out
}

/// Instance A: a seed plus writes through the API (every write of the surface's catalogue;
/// on Chative, changed names and phones too).
async fn instance_a(seed: u64, surface: &str) -> Server {
    let s = Server::start_with(
        Config { seed, ..config() },
        Clock::frozen_at_ms(1_700_000_000_000),
    )
    .await;
    let r = runner_for(&s, surface, s.surface(surface).token);
    let mut session = Session::new(&r, true);
    for case in (dialect(&s, surface).catalogue)() {
        session.run(&case).await;
    }
    if surface == "hipcall-v3" {
        // The catalogue takes back the tags it puts on a task and a call: some stay here.
        let c = s.surface(surface);
        let (_, tags) = c.call(Method::GET, "/tags?limit=2", None).await;
        let (_, tasks) = c.call(Method::GET, "/tasks?limit=1", None).await;
        let (_, calls) = c.call(Method::GET, "/calls?limit=1", None).await;
        let targets = [
            format!("/tasks/{}/tags", tasks["data"][0]["id"]),
            format!("/calls/{}/tags", calls["data"][0]["uuid"].as_str().unwrap()),
        ];
        for (target, tag) in targets.iter().zip(tags["data"].as_array().unwrap()) {
            let (st, v) = c
                .call(Method::POST, target, Some(json!({"tag_id": tag["id"]})))
                .await;
            assert_eq!(st, 200, "{v}");
        }
    }
    if surface == "chative" {
        let c = s.surface(surface);
        let (_, first) = c.call(Method::GET, "/contacts?page=0&limit=3", None).await;
        for (i, contact) in first["list"].as_array().unwrap().iter().enumerate() {
            let id = contact["id"].as_str().unwrap();
            let (st, v) = c
                .call(
                    Method::PATCH,
                    &format!("/contacts/{id}"),
                    Some(json!({"firstName": format!("Written {i}"), "phone": "+44 20 7946 0000"})),
                )
                .await;
            assert_eq!(st, 200, "{v}");
        }
    }
    s
}

async fn instance_b(doc: &Value, seed: u64) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snap.json");
    snapshot::write(&path, doc).unwrap();
    let s = Server::start_with(
        Config {
            seed,
            state_file: Some(path),
            ..config()
        },
        Clock::frozen_at_ms(1_700_000_000_000),
    )
    .await;
    (s, dir)
}

/// Round trip over seeds, on every surface a snapshot reads: A → snapshot → B started from
/// the file answers every read of the catalogue byte for byte as A does, and a snapshot of B
/// lists every record as A's did (B's own seed differs, so its data can only come from the
/// file).
#[tokio::test]
async fn round_trip_serves_the_same_reads() {
    let surfaces = snapshot_surfaces(&Server::start().await);
    assert!(
        surfaces.contains(&"chative")
            && surfaces.contains(&"helpcrunch")
            && surfaces.contains(&"hiver")
            && surfaces.contains(&"hipcall")
            && surfaces.contains(&"hipcall-v3"),
        "{surfaces:?}"
    );
    for seed in [42, 7, 123_456] {
        for surface in &surfaces {
            let a = instance_a(seed, surface).await;
            let (doc, summary) = take_of(&a, surface, &Options::default()).await.unwrap();
            assert_eq!(doc["snapshot"]["complete"], true);
            assert!(
                summary.collections.iter().all(|(_, n)| *n > 0),
                "{summary:?}"
            );
            let (b, _dir) = instance_b(&doc, seed + 1).await;
            let (ra, rb) = (
                catalogue_reads(&a, surface).await,
                catalogue_reads(&b, surface).await,
            );
            let answered = ra.iter().filter(|(_, r)| !r.starts_with("skipped")).count();
            assert!(answered >= 2, "{surface}: {ra:?}");
            for ((case, x), (_, y)) in ra.iter().zip(&rb) {
                assert!(
                    x == y,
                    "{surface} {case} (seed {seed}): {}",
                    first_difference(x, y)
                );
            }
            let (again, _) = take_of(&b, surface, &Options::default()).await.unwrap();
            assert_eq!(
                again["accounts"], doc["accounts"],
                "{surface} (seed {seed})"
            );
        }
    }
}

/// Where two texts part, with some context from both.
fn first_difference(a: &str, b: &str) -> String {
    let at = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i);
    let around = |t: &str| {
        let from = t.floor_char_boundary(at.saturating_sub(150));
        let to = t.ceil_char_boundary((at + 150).min(t.len()));
        t[from..to].to_string()
    };
    format!("at byte {at}:\n  A: {}\n  B: {}", around(a), around(b))
}

/// The values of one personal field path in a record (`*` for every value of an object).
fn at<'v>(v: &'v Value, path: &[&str], out: &mut Vec<&'v Value>) {
    match path.split_first() {
        None => out.push(v),
        Some((&"*", rest)) => match v {
            Value::Object(m) => m.values().for_each(|i| at(i, rest, out)),
            Value::Array(items) => items.iter().for_each(|i| at(i, rest, out)),
            _ => {}
        },
        Some((k, rest)) => {
            if let Some(i) = v.get(*k) {
                at(i, rest, out);
            }
        }
    }
}

fn masked(doc: &Value, surface: &Dialect) -> Value {
    let mut doc = doc["accounts"].clone();
    let spec = surface.snapshot.unwrap();
    for (_, state) in doc.as_object_mut().unwrap() {
        for f in spec.personal {
            let path: Vec<&str> = f.field.split('.').collect();
            for r in records_mut(state, f.collection) {
                mask(r, &path);
            }
        }
    }
    doc
}

fn mask(v: &mut Value, path: &[&str]) {
    match path.split_first() {
        None if v.is_string() => *v = json!("*"),
        None => {}
        Some((&"*", rest)) => match v {
            Value::Object(m) => m.values_mut().for_each(|i| mask(i, rest)),
            Value::Array(items) => items.iter_mut().for_each(|i| mask(i, rest)),
            _ => {}
        },
        Some((k, rest)) => {
            if let Some(i) = v.get_mut(*k) {
                mask(i, rest);
            }
        }
    }
}

/// Anonymized, on every surface a snapshot reads: no personal value of A stands in any
/// personal field of the file, and no long one (an email, a phone, a sentence) anywhere in
/// it; one input always gets one fake and one fake stands for one input (relations and
/// duplicates survive); the same seed gives the same file; everything else is kept as it
/// was; B started from it serves exactly the anonymized records.
#[tokio::test]
async fn anonymized_snapshot_hides_every_personal_value() {
    let surfaces = snapshot_surfaces(&Server::start().await);
    for surface in &surfaces {
        let a = instance_a(42, surface).await;
        let d = dialect(&a, surface);
        let spec = d.snapshot.unwrap();
        let options = Options {
            anonymize: true,
            seed: 9,
            ..Options::default()
        };
        let (doc, summary) = take_of(&a, surface, &options).await.unwrap();
        assert!(
            summary.anonymized_values > 20,
            "{surface}: {}",
            summary.anonymized_values
        );
        let (again, _) = take_of(&a, surface, &options).await.unwrap();
        assert_eq!(doc, again, "{surface}: deterministic for a seed");
        let (plain, _) = take_of(&a, surface, &Options::default()).await.unwrap();
        assert_eq!(
            masked(&doc, d),
            masked(&plain, d),
            "{surface}: only personal fields change"
        );

        let (original, snapped) = (&plain["accounts"]["default"], &doc["accounts"]["default"]);
        // Every personal value of A, field by field.
        let mut pairs = Vec::new();
        for f in spec.personal {
            let path: Vec<&str> = f.field.split('.').collect();
            let (mut original, mut snapped) = (original.clone(), snapped.clone());
            let records = records_mut(&mut original, f.collection);
            let fakes = records_mut(&mut snapped, f.collection);
            assert_eq!(records.len(), fakes.len(), "{surface} {}", f.collection);
            for (r, s) in records.into_iter().zip(fakes) {
                assert_eq!(r.get("id"), s.get("id"));
                let (mut before, mut after) = (Vec::new(), Vec::new());
                at(r, &path, &mut before);
                at(s, &path, &mut after);
                for (x, y) in before.into_iter().zip(after) {
                    if let (Some(x), Some(y)) = (x.as_str(), y.as_str()) {
                        if is_personal(f.kind, x) {
                            pairs.push((f.field, f.kind, x.to_string(), y.to_string()));
                        }
                    }
                }
            }
        }
        assert!(pairs.len() > 20, "{surface}: {}", pairs.len());
        let originals: std::collections::HashSet<&str> =
            pairs.iter().map(|(_, _, x, _)| x.as_str()).collect();
        let text = doc.to_string();
        // What A holds outside personal fields (a tag named like a plan) is kept by design.
        let kept = masked(&plain, d).to_string();
        let mut fake_of: HashMap<&str, &str> = HashMap::new();
        let mut original_of: HashMap<&str, &str> = HashMap::new();
        for (field, kind, before, after) in &pairs {
            assert!(
                !originals.contains(after.as_str()),
                "{surface} {field}: {after:?} is a real value"
            );
            if before.len() >= 8 {
                let quoted = serde_json::to_string(before).unwrap();
                let inner = &quoted[1..quoted.len() - 1];
                if let Some(at) = text.find(inner).filter(|_| !kept.contains(inner)) {
                    let around = text.get(at.saturating_sub(300)..at + inner.len() + 50);
                    panic!("{surface} {field}: {before:?} survived: {around:?}");
                }
            }
            assert_eq!(
                *fake_of.entry(before).or_insert(after),
                after,
                "{before:?} got two fakes"
            );
            assert_eq!(
                *original_of.entry(after).or_insert(before),
                before,
                "{after:?} stands for two values"
            );
            match kind {
                Personal::Email => assert!(after.contains('@'), "{after}"),
                Personal::Phone => assert_eq!(after.len(), before.len(), "{after}"),
                _ => {}
            }
        }
        // B serves the anonymized records as they are in the file.
        let (b, _dir) = instance_b(&doc, 43).await;
        let (from_b, _) = take_of(&b, surface, &Options::default()).await.unwrap();
        assert_eq!(from_b["accounts"], doc["accounts"], "{surface}");
    }
}

/// Pages followed to the end: a Hipcall account of 250 listed users (pages of 100, each
/// page's `links.next` followed) comes back whole, the owner with it.
#[tokio::test]
async fn every_page_is_followed() {
    let a = instance_a(42, "hipcall").await;
    let mut doc: Value = a.admin_get("/state/hipcall?account=default").await;
    let users = doc["accounts"]["default"]["users"].as_array_mut().unwrap();
    let template = users.iter().find(|u| u["owner"] == false).unwrap().clone();
    for i in 0..(250 - (users.len() as i64 - 1)) {
        let mut u = template.clone();
        u["id"] = json!(10_000 + i);
        u["email"] = json!(format!("user{i}@example.com"));
        users.push(u);
    }
    let r = a
        .admin(Method::PUT, "/state/hipcall?account=default", Some(doc))
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let (snap, summary) = take_of(&a, "hipcall", &Options::default()).await.unwrap();
    let users = snap["accounts"]["default"]["users"].as_array().unwrap();
    assert_eq!(users.len(), 251, "250 listed and the owner");
    assert!(users.iter().any(|u| u["owner"] == true));
    let listed = summary.collections.iter().find(|(c, _)| *c == "users");
    assert_eq!(listed, Some(&("users", 251)));
    let (b, _dir) = instance_b(&snap, 43).await;
    assert_eq!(
        catalogue_reads(&a, "hipcall").await,
        catalogue_reads(&b, "hipcall").await
    );
}

/// A dead target, a wrong token, a 429 storm, a page failing half-way, a limit.
#[tokio::test]
async fn failures_are_named_and_partial_snapshots_marked() {
    // Nothing listens on the port of a stopped server.
    let dead = {
        let s = Server::start().await;
        let r = runner(&s, "chative-test-token");
        drop(s);
        r
    };
    let a = instance_a(42, SURFACE).await;
    let dialect = dialect(&a, SURFACE);
    let e = snapshot::take(dialect, &dead, &Options::default(), |_| {}).await;
    assert!(matches!(e, Err(SnapshotError::Unreachable(_))), "{e:?}");
    let e = snapshot::take(dialect, &runner(&a, "wrong"), &Options::default(), |_| {}).await;
    assert!(
        matches!(e, Err(SnapshotError::Unauthorized { status: 401, .. })),
        "{e:?}"
    );

    // A 429 storm: two requests per second; the walk waits out Retry-After and completes.
    let r = a
        .admin(
            Method::PUT,
            "/rate-limits/chative",
            Some(json!({"mode": "custom", "windows": [{"limit": 2, "seconds": 1}]})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (doc, summary) = take(&a, &Options::default()).await.unwrap();
    assert_eq!(doc["snapshot"]["complete"], true);
    let contacts = a.admin_get("/state/chative?account=default").await["accounts"]["default"]
        ["contacts"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(summary.collections, vec![("contacts", contacts)]);
    a.admin(
        Method::PUT,
        "/rate-limits/chative",
        Some(json!({"mode": "off"})),
    )
    .await;

    // The second page fails (a stub answers page 1 with a 500, twice): an error naming the
    // page, or (asked) a marked partial document holding the first page.
    let stub = json!({
        "match": {"surface": "chative", "method": "GET", "path": "/contacts"},
        "query": {"page": "1"},
        "response": {"status": 500, "json": {"code": "INTERNAL", "message": "boom"}},
        "times": 2
    });
    let r = a.admin(Method::POST, "/stubs", Some(stub)).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let tiny = |allow_partial| Options {
        allow_partial,
        ..Options::default()
    };
    let dialect_pages = |doc: &Value| {
        doc["accounts"]["default"]["contacts"]
            .as_array()
            .map(Vec::len)
    };
    let e = take(&a, &tiny(false)).await;
    assert!(
        matches!(&e, Err(SnapshotError::Failed { status: 500, .. })),
        "{e:?}"
    );
    let (doc, summary) = take(&a, &tiny(true)).await.unwrap();
    assert_eq!(doc["snapshot"]["complete"], false);
    assert!(
        summary.incomplete.as_deref().unwrap().contains("page=1"),
        "{summary:?}"
    );
    assert_eq!(dialect_pages(&doc), Some(200), "the first page is kept");

    // A limit per collection.
    let (doc, _) = take(
        &a,
        &Options {
            limit_per_collection: Some(3),
            ..Options::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(dialect_pages(&doc), Some(3));
}

/// The command line: a snapshot written through a temporary file, read back by
/// `--state-file` and by `PUT /__admin/state/chative`; a surface it cannot read yet is refused
/// with the supported ones named, and nothing is written.
#[tokio::test]
async fn command_line_writes_a_file_both_importers_read() {
    let a = instance_a(5, SURFACE).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("chative.json");
    let run = |surface: &str| {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_mockdesk"))
            .args(["snapshot", "--surface", surface, "--base-url"])
            .arg(a.url("/chative/v1.0"))
            .args([
                "--token",
                "chative-test-token",
                "--anonymize",
                "--seed",
                "3",
            ])
            .args(["--min-interval-ms", "0", "--out"])
            .arg(&out)
            .output()
    };
    let done = run("chative").await.unwrap();
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stderr}");
    let contacts = a.admin_get("/state/chative?account=default").await["accounts"]["default"]
        ["contacts"]
        .as_array()
        .unwrap()
        .len();
    assert!(
        stderr.contains(&format!("contacts: {contacts} records\n")),
        "{stderr}"
    );
    assert!(!dir.path().join("chative.snapshot-tmp").exists());
    let doc: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(doc["snapshot"]["anonymized"], true);
    // The admin API reads it as it is.
    let r = a
        .admin(Method::PUT, "/state/chative", Some(doc.clone()))
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // --state-file reads it too (instance_b starts from it).
    let (b, _dir) = instance_b(&doc, 6).await;
    assert_eq!(
        catalogue_reads(&a, SURFACE).await,
        catalogue_reads(&b, SURFACE).await
    );

    std::fs::remove_file(&out).unwrap();
    let unsupported = a
        .state
        .dialects
        .iter()
        .find(|d| d.snapshot.is_none())
        .map(|d| d.info().id);
    let Some(unsupported) = unsupported else {
        return;
    };
    let refused = run(unsupported).await.unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    let supported = snapshot_surfaces(&a).join(", ");
    assert!(
        stderr.contains(&format!("supported: {supported}")),
        "{stderr}"
    );
    assert!(!out.exists());
}

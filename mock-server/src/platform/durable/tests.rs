//! Tests of durable state: order, generations, row-level storage, formats, failures.
use super::*;
use crate::platform::store::{Collection, Tenants};
use serde_json::json;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Row {
    id: i64,
    text: String,
}
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Tag {
    name: String,
}
crate::keyed!(Row => id: i64, Tag => name: String);

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
struct St {
    note: String,
    rows: Collection<i64, Row>,
    other: Collection<String, Tag>,
}

fn tag(name: &str) -> Tag {
    Tag { name: name.into() }
}

fn row(id: i64, text: &str) -> Row {
    Row {
        id,
        text: text.into(),
    }
}

fn tenants(d: &Arc<Durable>) -> Tenants<St> {
    let t = Tenants::new(|| {
        let mut s = St::default();
        for id in 1..=3 {
            s.rows.insert(id, row(id, "seed"));
        }
        s
    });
    let d = d.clone();
    t.on_change(move |c| d.record("acme", c));
    t
}

/// Every stored account of `dir`, read back as a restart reads it.
fn reload(dir: &Path) -> Vec<(String, St)> {
    read_back(&Durable::open(dir).unwrap())
}

fn read_back(d: &Durable) -> Vec<(String, St)> {
    d.load()
        .unwrap()
        .into_iter()
        .map(|s| {
            let state = super::super::rows::with_rows(s.rows(), || {
                serde_json::from_slice::<St>(&s.document).unwrap()
            });
            (s.account.clone(), state)
        })
        .collect()
}

fn texts(s: &St) -> Vec<(i64, String)> {
    s.rows.values().map(|r| (r.id, r.text.clone())).collect()
}

/// Writes are stored in the order they were applied, whichever request flushes first:
/// the second writer's flush commits the first writer's change too, and the first
/// writer's flush then finds it on disk.
#[test]
fn writes_are_stored_in_the_order_applied() {
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::new(Durable::open(dir.path()).unwrap());
    let t = tenants(&d);
    t.with("default", |s| {
        s.rows.get_mut(&1).unwrap().text = "first".into()
    });
    t.with("default", |s| {
        s.rows.get_mut(&1).unwrap().text = "second".into();
        s.rows.insert(4, row(4, "new"));
    });
    d.flush().unwrap(); // the second writer's
    d.flush().unwrap(); // the first writer's: nothing left to do
    drop(t);
    drop(d);
    let back = reload(dir.path());
    assert_eq!(back.len(), 1);
    assert_eq!(
        texts(&back[0].1),
        vec![
            (1, "second".into()),
            (2, "seed".into()),
            (3, "seed".into()),
            (4, "new".into())
        ]
    );
}

/// A state storage reads again when it commits, as it is (no lock orders its writes here).
struct Fixed(St);

impl Unsaved for Fixed {
    fn split_now(&self) -> Result<Split, String> {
        super::super::rows::split(&self.0)
    }
}

/// A state behind a lock that counts how often storage splits it.
#[derive(Default)]
struct Counted {
    state: std::sync::Mutex<St>,
    splits: AtomicUsize,
}

impl Unsaved for Counted {
    fn split_now(&self) -> Result<Split, String> {
        self.splits.fetch_add(1, Ordering::Relaxed);
        super::super::rows::split(&*self.state.lock().unwrap())
    }
}

/// The writes of one state that one commit holds are serialized once, when it commits, and
/// what is stored is the last state with every write's rows (a write's own rows are not lost
/// because a later write's split carries them).
#[test]
fn a_commit_splits_each_written_state_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = Durable::open(dir.path()).unwrap();
    let (a, b) = (Arc::new(Counted::default()), Arc::new(Counted::default()));
    let handles: [Arc<dyn Unsaved>; 2] = [a.clone(), b.clone()];
    for id in 1..=5 {
        for (account, (state, handle)) in [("a", (&a, &handles[0])), ("b", (&b, &handles[1]))] {
            let mut s = state.state.lock().unwrap();
            s.rows.insert(id, row(id, account));
            s.note = format!("{account} {id}");
            drop(s);
            let wrote = Change::Wrote::<St> {
                account,
                generation: 1,
                state: handle,
            };
            d.record("acme", wrote);
        }
    }
    assert_eq!(
        a.splits.load(Ordering::Relaxed),
        0,
        "nothing is split before the commit"
    );
    d.flush().unwrap();
    assert_eq!(
        (
            a.splits.load(Ordering::Relaxed),
            b.splits.load(Ordering::Relaxed)
        ),
        (1, 1)
    );
    let back = read_back(&d);
    for (account, st) in &back {
        assert_eq!(st.note, format!("{account} 5"));
        assert_eq!(
            texts(st),
            (1..=5).map(|id| (id, account.clone())).collect::<Vec<_>>()
        );
    }
    assert_eq!(back.len(), 2);
}

/// After a reset or a replace, a late write to the state that was dropped is not stored
/// (it would resurrect records the reset removed); the replacing state is.
#[test]
fn writes_to_a_dropped_state_are_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::new(Durable::open(dir.path()).unwrap());
    let t = tenants(&d);
    t.with("default", |s| s.note = "before".into());
    // A write that was applied to the old state, recorded after the reset.
    let old = St {
        note: "stale".into(),
        ..Default::default()
    };
    t.reset(Some("default"));
    let old: Arc<dyn Unsaved> = Arc::new(Fixed(old));
    d.record(
        "acme",
        Change::Wrote::<St> {
            account: "default",
            generation: 1,
            state: &old,
        },
    );
    d.flush().unwrap();
    assert!(read_back(&d).is_empty(), "the reset forgot the account");
    let mut replacement = St::default();
    replacement.rows.insert(9, row(9, "imported"));
    t.replace("default", replacement.clone());
    t.with("default", |s| s.note = "after".into());
    d.flush().unwrap();
    let back = read_back(&d);
    assert_eq!(back[0].1.note, "after");
    assert_eq!(texts(&back[0].1), vec![(9, "imported".into())]);
}

/// A write stores only what it changed: one record's row, not the collection.
#[test]
fn a_write_stores_only_its_rows() {
    let mut s = St::default();
    for id in 1..=1000 {
        s.rows.insert(id, row(id, "x"));
    }
    let first = super::super::rows::split(&s).unwrap();
    assert_eq!(
        first.rows.len(),
        1 + 1000 + 1,
        "stored whole the first time"
    );
    s.rows.get_mut(&500).unwrap().text = "changed".into();
    s.rows.remove(&7);
    s.other.insert_first("a".into(), tag("a"));
    let next = super::super::rows::split(&s).unwrap();
    assert_eq!(next.collections, 2);
    assert!(next.rows.contains(&RowChange::Delete(0, 7)));
    assert!(next
        .rows
        .iter()
        .any(|r| matches!(r, RowChange::Put(0, 500, json) if json.ends_with(b"\"changed\"}"))));
    assert_eq!(
        next.rows.len(),
        2 + 1,
        "the two changes and the new collection's row"
    );
    let doc: Value = serde_json::from_slice(&next.document).unwrap();
    assert_eq!(
        doc,
        json!({"note": "", "rows": {"$rows": 0, "next_id": 1001}, "other": {"$rows": 1, "next_id": 1}})
    );
    assert!(super::super::rows::split(&s).unwrap().rows.is_empty());
}

/// Records keep their order through storage (appended, put in front, moved to the
/// front, removed), and deleted ids are not handed out again after a restart.
#[test]
fn order_and_counters_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::new(Durable::open(dir.path()).unwrap());
    let t = tenants(&d);
    t.with("default", |s| {
        s.other.insert("b".into(), tag("b"));
        s.other.insert("c".into(), tag("c"));
    });
    d.flush().unwrap();
    t.with("default", |s| {
        s.other.insert_first("a".into(), tag("a"));
        s.other.insert_first("c".into(), tag("c"));
        s.rows.remove(&3);
        s.rows.insert(5, row(5, "five"));
        s.rows.remove(&5);
    });
    d.flush().unwrap();
    let expect = t.read("default", |s| s.clone());
    drop(t);
    drop(d);
    let back = reload(dir.path()).remove(0).1;
    assert_eq!(back, expect);
    let keys: Vec<&String> = back.other.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["c", "a", "b"]);
    assert_eq!(back.rows.next_id(), 6);
}

/// Settings survive reopening; a format-1 directory (whole documents) is read and
/// carried on; another format or a foreign file is refused.
#[test]
fn formats_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    {
        let d = Durable::open(dir.path()).unwrap();
        d.set_meta("webhooks", &json!([1])).unwrap();
        // What format 1 wrote: the whole document.
        d.set_meta("format", &json!("mockdesk-state-1")).unwrap();
        let mut store = d.lock();
        d.commit(&mut store, |txn| {
            let mut t = txn.open_table(STATE).map_err(text)?;
            t.insert(
                "acme/old",
                br#"{"note":"v1","rows":[{"id":1,"text":"kept"}]}"#.as_slice(),
            )
            .map_err(text)?;
            Ok(())
        })
        .unwrap();
    }
    let d = Arc::new(Durable::open(dir.path()).unwrap());
    assert_eq!(d.meta("format").unwrap(), Some(json!(FORMAT)));
    assert_eq!(d.meta("webhooks").unwrap(), Some(json!([1])));
    let t = tenants(&d);
    for s in d.load().unwrap() {
        let state = super::super::rows::with_rows(s.rows(), || {
            serde_json::from_slice::<St>(&s.document).unwrap()
        });
        t.replace(&s.account, state);
    }
    t.with("old", |s| s.rows.insert(2, row(2, "added")));
    d.flush().unwrap();
    drop(t);
    drop(d);
    let back = reload(dir.path()).remove(0).1;
    assert_eq!(texts(&back), vec![(1, "kept".into()), (2, "added".into())]);

    let d = Durable::open(dir.path()).unwrap();
    d.set_meta("format", &json!("mockdesk-state-0")).unwrap();
    drop(d);
    assert!(Durable::open(dir.path())
        .unwrap_err()
        .contains("incompatible"));
    let junk = tempfile::tempdir().unwrap();
    std::fs::write(
        junk.path().join("mockdesk.redb"),
        b"this is not a database, just some bytes",
    )
    .unwrap();
    assert!(Durable::open(junk.path())
        .unwrap_err()
        .contains("not a mockdesk state database"));
}

/// A failed commit keeps its changes: the next flush stores them.
#[test]
fn a_failed_commit_is_retried_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::new(Durable::open(dir.path()).unwrap());
    let t = tenants(&d);
    t.with("default", |s| s.rows.insert(4, row(4, "kept")));
    d.inject_failures(1);
    assert!(d.flush().unwrap_err().contains("No space left"));
    assert!(d.degraded().is_some());
    t.with("default", |s| s.note = "later".into());
    d.flush().unwrap();
    assert_eq!(d.degraded(), None);
    drop(t);
    drop(d);
    let back = reload(dir.path()).remove(0).1;
    assert_eq!((back.note.as_str(), back.rows.len()), ("later", 4));
}

/// Requests wait for the committer thread, and those that arrive while it is busy share its
/// next commit: ten writes recorded while a commit holds the store go to disk in one. A
/// failed commit fails the requests whose changes it took; the next request's commit stores
/// those changes too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// Holding the store across the wait is the point: it stands for a commit in progress.
#[allow(clippy::await_holding_lock)]
async fn requests_share_commits_and_see_failures() {
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::new(Durable::open(dir.path()).unwrap());
    let t = tenants(&d);
    let busy = d.lock();
    let mut waiting = Vec::new();
    for id in 10..20 {
        t.with("default", |s| s.rows.insert(id, row(id, "shared")));
        let d = d.clone();
        waiting.push(tokio::spawn(async move { d.flush_async().await }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(
        waiting.iter().all(|w| !w.is_finished()),
        "nothing is on disk yet"
    );
    drop(busy);
    for w in waiting {
        w.await.unwrap().unwrap();
    }
    assert_eq!(
        d.commits.load(Ordering::Relaxed),
        1,
        "one commit for ten writes"
    );

    d.inject_failures(1);
    t.with("default", |s| s.note = "while the disk is full".into());
    let e = d.flush_async().await.unwrap_err();
    assert!(e.contains("No space left"), "{e}");
    t.with("default", |s| s.rows.insert(30, row(30, "after")));
    d.flush_async().await.unwrap();
    drop(t);
    drop(d);
    let back = reload(dir.path()).remove(0).1;
    assert_eq!(back.note, "while the disk is full");
    assert_eq!(back.rows.len(), 3 + 10 + 1);
}

/// Without a committer thread (it could not start), each request commits on the blocking
/// pool: its write is on disk when the wait ends, and a failure still reaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_committer_requests_commit_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let d = Arc::new(Durable::open(dir.path()).unwrap());
    d.no_thread.store(true, Ordering::Relaxed);
    let t = tenants(&d);
    t.with("default", |s| s.rows.insert(40, row(40, "alone")));
    d.flush_async().await.unwrap();
    d.inject_failures(1);
    t.with("default", |s| s.note = "full disk".into());
    assert!(d.flush_async().await.unwrap_err().contains("No space left"));
    d.flush_async().await.unwrap();
    assert_eq!(d.commits.load(Ordering::Relaxed), 2);
    drop(t);
    drop(d);
    let back = reload(dir.path()).remove(0).1;
    assert_eq!((back.note.as_str(), back.rows.len()), ("full disk", 4));
}

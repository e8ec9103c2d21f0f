//! Durable state (`--state-dir`): one embedded redb database (`mockdesk.redb`) holding every
//! account's state, plus the runtime settings that must survive a restart (webhook
//! subscriptions, accounts added through the admin API).
//!
//! An account is stored split (see [`super::rows`]): its document with each collection's
//! records replaced by a placeholder, and the records as rows of their own. A write stores the
//! document and only the rows it changed, so its cost does not grow with the account.
//!
//! Every change is recorded, in the order it was applied, under the lock that ordered it
//! ([`Durable::record`]). A write is recorded as a handle to the account's state, not as its
//! serialized form: the commit that stores it splits the state then, under the state's read
//! lock, once for all the writes of that state it holds (the split carries every row changed
//! since the last one). The writing request serializes nothing, and a busy account is
//! serialized once per commit instead of once per write. A commit stores everything recorded
//! so far in one transaction
//! (redb commits are durable) before the answer to the request that made the change goes
//! out: no answer leaves before its own write and every earlier one is on disk. Requests wait
//! for one committer thread ([`Durable::flush_async`]): while it commits, the changes of the
//! requests that came meanwhile pile up and go in its next commit together (group commit), so
//! a busy server pays one disk wait for many writes. A failed commit keeps its changes for the
//! next one.
//! A directory written by another format version, or a file that is not a readable database,
//! is refused at start-up with the reason — never reset.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde_json::Value;

mod committer;

use super::rows::Change;
use super::rows::{RowChange, RowSource, Split, Unsaved};
use committer::Committer;

/// Account (`vendor/account`) -> its document, collections as placeholders.
const STATE: TableDefinition<&str, &[u8]> = TableDefinition::new("state");
/// (account, collection's place, record's stamp) -> the record's JSON text.
const ROWS: TableDefinition<(&str, u32, i64), &[u8]> = TableDefinition::new("rows");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// What this version writes; a directory with anything else is refused.
pub const FORMAT: &str = "mockdesk-state-2";
/// Earlier formats this version reads (and marks as its own on opening): format 1 stored
/// whole documents, which read as they are.
const READS: &[&str] = &["mockdesk-state-1"];

pub struct Durable {
    path: PathBuf,
    /// The database and how far the recorded changes are committed. Commits are serialized
    /// here.
    store: Mutex<Store>,
    /// Changes recorded and not yet committed, in the order they were applied.
    pending: Mutex<Pending>,
    /// Why storing failed last, until a commit succeeds again (health reports it).
    degraded: Mutex<Option<String>>,
    /// Commits to fail on purpose (tests of the storage-fault path).
    fail_next: AtomicUsize,
    /// The committer thread's side, made on the first [`Durable::flush_async`] (`None`: the
    /// thread could not start, and requests commit on the blocking pool as before).
    committer: OnceLock<Option<Arc<Committer>>>,
    /// Commits that stored something (tests check that requests share them).
    commits: std::sync::atomic::AtomicU64,
    /// Tests: behave as if the committer thread could not start.
    #[cfg(test)]
    no_thread: std::sync::atomic::AtomicBool,
}

struct Store {
    /// `None` after a failed commit: the handle is dropped and the file opened again on the
    /// next write (redb refuses every later write on a handle that saw an I/O error).
    db: Option<Database>,
    /// Every change numbered up to this is on disk.
    committed: u64,
}

enum Op {
    Save {
        key: String,
        split: Split,
    },
    /// A write: the state is split when the commit that stores it runs (once for all the
    /// writes of that state the commit holds).
    Later {
        key: String,
        state: Arc<dyn Unsaved>,
    },
    Forget {
        vendor: String,
        account: Option<String>,
    },
    /// A state that could not be serialized: the commit that meets it fails (once).
    Broken(String),
}

#[derive(Default)]
struct Pending {
    ops: VecDeque<(u64, Op)>,
    /// The number of the last change recorded.
    last: u64,
    /// Per account (`vendor/account`, or `vendor/` for all of a vendor's), the generation
    /// below which states were replaced or dropped: writes to those are not stored.
    since: HashMap<String, u64>,
}

impl Pending {
    fn push(&mut self, op: Op) {
        self.last += 1;
        self.ops.push_back((self.last, op));
    }

    /// States of `key` below `generation` are gone (floors only rise).
    fn raise(&mut self, key: String, generation: u64) {
        let floor = self.since.entry(key).or_default();
        *floor = (*floor).max(generation);
    }

    /// Whether a change of `generation` is newer than the last reset of the vendor and of the
    /// account (checked on every write: one key buffer, no formatting).
    fn current(&self, vendor: &str, account: &str, generation: u64) -> bool {
        if self.since.is_empty() {
            return true;
        }
        let mut k = String::with_capacity(vendor.len() + 1 + account.len());
        k.push_str(vendor);
        k.push('/');
        let whole = self.since.get(&k).copied().unwrap_or(0);
        k.push_str(account);
        let this = self.since.get(&k).copied().unwrap_or(0);
        generation >= whole.max(this)
    }
}

impl std::fmt::Debug for Durable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Durable").field("path", &self.path).finish()
    }
}

fn key(vendor: &str, account: &str) -> String {
    format!("{vendor}/{account}")
}

/// Runs `f`, turning a panic inside the storage library (a corrupt file can cause one) into an
/// error that names the file.
fn guarded<T>(path: &Path, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(format!(
            "{} is corrupt (reading it failed); move it away or pick another --state-dir",
            path.display()
        ))
    })
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

type RowTable = redb::ReadOnlyTable<(&'static str, u32, i64), &'static [u8]>;

/// One stored account: its document (collections as placeholders) and where its rows are.
pub struct Stored {
    pub vendor: String,
    pub account: String,
    pub document: Vec<u8>,
    rows: Option<std::sync::Arc<RowTable>>,
}

impl Stored {
    /// The source of this account's rows (for [`super::rows::with_rows`]).
    pub fn rows(&self) -> Box<dyn RowSource> {
        Box::new(AccountRows {
            table: self.rows.clone(),
            key: key(&self.vendor, &self.account),
        })
    }
}

struct AccountRows {
    table: Option<std::sync::Arc<RowTable>>,
    key: String,
}

impl RowSource for AccountRows {
    fn each(&self, place: u32, f: &mut super::rows::EachRow<'_>) -> Result<(), String> {
        let Some(table) = &self.table else {
            return Ok(());
        };
        let k = self.key.as_str();
        for row in table
            .range((k, place, i64::MIN)..=(k, place, i64::MAX))
            .map_err(text)?
        {
            let (at, json) = row.map_err(text)?;
            f(at.value().2, json.value())?;
        }
        Ok(())
    }
}

impl Durable {
    /// Opens (or creates) the state directory's database, checking its format. An existing
    /// file that is empty, truncated, zeroed or not a database is refused with the reason.
    pub fn open(dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = dir.join("mockdesk.redb");
        if let Ok(meta) = std::fs::metadata(&path) {
            if meta.len() == 0 {
                return Err(format!(
                    "{} is empty (0 bytes), not a mockdesk state database; move it away or pick another --state-dir",
                    path.display()
                ));
            }
        }
        // A file refused must be left as it was: opening may have grown it.
        let before = std::fs::metadata(&path).ok().map(|m| m.len());
        let db = guarded(&path, || open_db(&path)).inspect_err(|_| {
            if let (Some(len), Ok(f)) =
                (before, std::fs::OpenOptions::new().write(true).open(&path))
            {
                let _ = f.set_len(len);
            }
        })?;
        let me = Self {
            store: Mutex::new(Store {
                db: Some(db),
                committed: 0,
            }),
            pending: Mutex::default(),
            path,
            degraded: Mutex::new(None),
            fail_next: AtomicUsize::new(0),
            committer: OnceLock::new(),
            commits: std::sync::atomic::AtomicU64::new(0),
            #[cfg(test)]
            no_thread: std::sync::atomic::AtomicBool::new(false),
        };
        match me.meta("format")? {
            None => {
                if !me.load()?.is_empty() {
                    return Err(format!("{} holds state without a format mark", me.path.display()));
                }
                me.set_meta("format", &Value::String(FORMAT.into()))?;
            }
            Some(Value::String(f)) if f == FORMAT => {}
            Some(Value::String(f)) if READS.contains(&f.as_str()) => {
                me.set_meta("format", &Value::String(FORMAT.into()))?;
            }
            Some(other) => {
                return Err(format!(
                    "{} was written by an incompatible mockdesk (format {other}, this one reads {FORMAT})",
                    me.path.display()
                ))
            }
        }
        Ok(me)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Why storing is failing, while it is (`None` when the last commit succeeded).
    pub fn degraded(&self) -> Option<String> {
        self.degraded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Makes the next `n` commits fail as a full disk would (for tests of that path).
    #[doc(hidden)]
    pub fn inject_failures(&self, n: usize) {
        self.fail_next.store(n, Ordering::Relaxed);
    }

    /// One write transaction on the store (reopening the file after an earlier failure);
    /// a failure marks the store degraded, a success clears that.
    fn commit(
        &self,
        store: &mut Store,
        f: impl FnOnce(&redb::WriteTransaction) -> Result<(), String>,
    ) -> Result<(), String> {
        let result = (|| {
            if self
                .fail_next
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
            {
                return Err("No space left on device (os error 28) [injected]".to_string());
            }
            if store.db.is_none() {
                store.db = Some(guarded(&self.path, || open_db(&self.path))?);
            }
            let db = store.db.as_ref().ok_or("the state database is not open")?;
            let txn = db.begin_write().map_err(text)?;
            f(&txn)?;
            txn.commit().map_err(text)
        })();
        let mut degraded = self.degraded.lock().unwrap_or_else(|p| p.into_inner());
        match &result {
            Ok(()) => *degraded = None,
            Err(e) => {
                // The next commit opens the file afresh and stores what this one held.
                store.db = None;
                *degraded = Some(format!(
                    "storing state in {} failed: {e}",
                    self.path.display()
                ));
            }
        }
        result
    }

    /// Records a change of one of `vendor`'s accounts, in the order of application (the
    /// caller holds the lock that orders it: see [`Change`]). Nothing is written until
    /// [`Durable::flush`].
    pub fn record<S: serde::Serialize>(&self, vendor: &str, change: Change<'_, S>) {
        match change {
            Change::Wrote {
                account,
                generation,
                state,
            } => {
                let mut pending = self.pending();
                if pending.current(vendor, account, generation) {
                    pending.push(Op::Later {
                        key: key(vendor, account),
                        state: state.clone(),
                    });
                }
            }
            Change::Replaced {
                account,
                generation,
                state,
            } => {
                let op = match super::rows::split(state) {
                    Ok(split) => Op::Save {
                        key: key(vendor, account),
                        split,
                    },
                    Err(e) => broken(&key(vendor, account), e),
                };
                let mut pending = self.pending();
                // A reset that came in between has the last word.
                if pending.current(vendor, account, generation) {
                    pending.raise(key(vendor, account), generation);
                    pending.push(op);
                }
            }
            Change::Dropped {
                account,
                generation,
            } => {
                let mut pending = self.pending();
                pending.raise(key(vendor, account.unwrap_or("")), generation);
                pending.push(Op::Forget {
                    vendor: vendor.to_string(),
                    account: account.map(str::to_string),
                });
            }
        }
    }

    /// Commits every change recorded before this call (and any recorded meanwhile), unless
    /// another flush already did. Ok means they are on disk.
    pub fn flush(&self) -> Result<(), String> {
        self.commit_pending().1
    }

    /// Commits what is recorded: the number of the last change the commit took (or found
    /// already committed), and how it went.
    fn commit_pending(&self) -> (u64, Result<(), String>) {
        let target = self.pending().last;
        let mut store = self.lock();
        if store.committed >= target {
            return (store.committed, Ok(()));
        }
        let ops: Vec<(u64, Op)> = self.pending().ops.drain(..).collect();
        let last = ops.last().map_or(store.committed, |(n, _)| *n);
        let ops = split_written(ops);
        match self.commit(&mut store, |txn| apply(txn, &ops)) {
            Ok(()) => {
                store.committed = last;
                self.commits.fetch_add(1, Ordering::Relaxed);
                (last, Ok(()))
            }
            Err(e) => {
                // Back in front of what was recorded meanwhile, for the next commit.
                let mut pending = self.pending();
                for op in ops.into_iter().rev() {
                    if !matches!(op.1, Op::Broken(_)) {
                        pending.ops.push_front(op);
                    }
                }
                (last, Err(e))
            }
        }
    }

    /// Every stored account. Read them (with [`super::rows::with_rows`] and
    /// [`Stored::rows`]) before the next write.
    pub fn load(&self) -> Result<Vec<Stored>, String> {
        guarded(&self.path, || self.read_stored())
    }

    fn read_stored(&self) -> Result<Vec<Stored>, String> {
        let store = self.lock();
        let db = store.db.as_ref().ok_or("the state database is not open")?;
        let txn = db.begin_read().map_err(text)?;
        let table = match txn.open_table(STATE) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(vec![]),
            Err(e) => return Err(e.to_string()),
        };
        let rows = match txn.open_table(ROWS) {
            Ok(t) => Some(std::sync::Arc::new(t)),
            Err(redb::TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(e.to_string()),
        };
        let mut out = Vec::new();
        for row in table.iter().map_err(text)? {
            let (k, v) = row.map_err(text)?;
            let k = k.value().to_string();
            let (vendor, account) = k.split_once('/').ok_or_else(|| format!("bad key {k}"))?;
            out.push(Stored {
                vendor: vendor.to_string(),
                account: account.to_string(),
                document: v.value().to_vec(),
                rows: rows.clone(),
            });
        }
        Ok(out)
    }

    pub fn set_meta(&self, name: &str, value: &Value) -> Result<(), String> {
        let bytes = serde_json::to_vec(value).map_err(text)?;
        let mut store = self.lock();
        self.commit(&mut store, |txn| {
            let mut t = txn.open_table(META).map_err(text)?;
            t.insert(name, bytes.as_slice()).map_err(text)?;
            Ok(())
        })
    }

    pub fn meta(&self, name: &str) -> Result<Option<Value>, String> {
        guarded(&self.path, || self.read_meta(name))
    }

    fn read_meta(&self, name: &str) -> Result<Option<Value>, String> {
        let store = self.lock();
        let db = store.db.as_ref().ok_or("the state database is not open")?;
        let txn = db.begin_read().map_err(text)?;
        let table = match txn.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        let got = table.get(name).map_err(text)?;
        got.map(|v| serde_json::from_slice(v.value()).map_err(|e| format!("{name}: {e}")))
            .transpose()
    }
}

/// A state that failed to serialize: the commit that meets it fails (once).
fn broken(key: &str, e: String) -> Op {
    tracing::error!(account = key, error = %e, "state failed to serialize");
    Op::Broken(format!("{key} failed to serialize: {e}"))
}

/// Splits each written state once, at its last write in `ops`: a split takes every row changed
/// since the state was last stored, so it carries the earlier writes' rows too (and no write
/// of a state comes after a reset or replacement of it: see [`Pending::current`]).
fn split_written(ops: Vec<(u64, Op)>) -> Vec<(u64, Op)> {
    let mut done = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(ops.len());
    for (n, op) in ops.into_iter().rev() {
        let op = match op {
            Op::Later { key, state } => {
                if !done.insert(Arc::as_ptr(&state).cast::<()>()) {
                    continue;
                }
                match state.split_now() {
                    Ok(split) => Op::Save { key, split },
                    Err(e) => broken(&key, e),
                }
            }
            other => other,
        };
        out.push((n, op));
    }
    out.reverse();
    out
}

/// Writes recorded changes, in order, into one transaction.
fn apply(txn: &redb::WriteTransaction, ops: &[(u64, Op)]) -> Result<(), String> {
    let mut state = txn.open_table(STATE).map_err(text)?;
    let mut rows = txn.open_table(ROWS).map_err(text)?;
    let drop_rows =
        |rows: &mut redb::Table<(&str, u32, i64), &[u8]>, k: &str, from: u32, to: u32| {
            rows.retain_in((k, from, i64::MIN)..=(k, to, i64::MAX), |_, _| false)
                .map_err(text)
        };
    // An account saved again later in the same commit needs only its last document (its
    // row changes all apply, in order): a busy commit holds many saves of one account.
    let mut last_save: HashMap<&str, usize> = HashMap::new();
    for (i, (_, op)) in ops.iter().enumerate() {
        if let Op::Save { key: k, .. } = op {
            last_save.insert(k.as_str(), i);
        }
    }
    for (i, (_, op)) in ops.iter().enumerate() {
        match op {
            Op::Save { key: k, split } => {
                let k = k.as_str();
                if last_save.get(k) == Some(&i) {
                    state.insert(k, split.document.as_slice()).map_err(text)?;
                }
                for change in &split.rows {
                    match change {
                        RowChange::Clear(n) => drop_rows(&mut rows, k, *n, *n)?,
                        RowChange::Put(n, at, json) => {
                            rows.insert((k, *n, *at), json.as_slice()).map_err(text)?;
                        }
                        RowChange::Delete(n, at) => {
                            rows.remove((k, *n, *at)).map_err(text)?;
                        }
                    }
                }
                if split.collections < u32::MAX {
                    drop_rows(&mut rows, k, split.collections, u32::MAX)?;
                }
            }
            Op::Forget { vendor, account } => {
                let doomed: Vec<String> = match account {
                    Some(a) => vec![key(vendor, a)],
                    None => {
                        let prefix = key(vendor, "");
                        let mut all = Vec::new();
                        for row in state.iter().map_err(text)? {
                            let k = row.map_err(text)?.0.value().to_string();
                            if k.starts_with(&prefix) {
                                all.push(k);
                            }
                        }
                        all
                    }
                };
                for k in &doomed {
                    state.remove(k.as_str()).map_err(text)?;
                    drop_rows(&mut rows, k, 0, u32::MAX)?;
                }
            }
            Op::Broken(e) => return Err(e.clone()),
            Op::Later { key, .. } => return Err(format!("{key} was not serialized")),
        }
    }
    Ok(())
}

fn open_db(path: &Path) -> Result<Database, String> {
    Database::create(path).map_err(|e| {
        format!(
            "{} is not a mockdesk state database ({e}); move it away or pick another --state-dir",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests;

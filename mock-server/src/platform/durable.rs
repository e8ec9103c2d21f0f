//! Durable state (`--state-dir`): one embedded redb database (`mockdesk.redb`) holding every
//! account's state in the dump's JSON form, plus the runtime settings that must survive a
//! restart (webhook subscriptions, accounts added through the admin API). A write is committed
//! (redb commits are durable) before the answer to the request that made it goes out. A
//! directory written by another format version, or a file that is not a readable database, is
//! refused at start-up with the reason — never reset.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde_json::Value;

const STATE: TableDefinition<&str, &[u8]> = TableDefinition::new("state");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// What this version writes; a directory with anything else is refused.
pub const FORMAT: &str = "mockdesk-state-1";

pub struct Durable {
    path: PathBuf,
    /// The database and, per account, the version of the newest state committed (so a
    /// document exported earlier can never overwrite a newer one). Writes are serialized here.
    store: Mutex<Store>,
    /// Why storing failed last, until a commit succeeds again (health reports it).
    degraded: Mutex<Option<String>>,
    /// Commits to fail on purpose (tests of the storage-fault path).
    fail_next: AtomicUsize,
}

struct Store {
    /// `None` after a failed commit: the handle is dropped and the file opened again on the
    /// next write (redb refuses every later write on a handle that saw an I/O error).
    db: Option<Database>,
    committed: HashMap<String, u64>,
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
                committed: HashMap::new(),
            }),
            path,
            degraded: Mutex::new(None),
            fail_next: AtomicUsize::new(0),
        };
        match me.meta("format")? {
            None => {
                if !me.load_states()?.is_empty() {
                    return Err(format!("{} holds state without a format mark", me.path.display()));
                }
                me.set_meta("format", &Value::String(FORMAT.into()))?;
            }
            Some(Value::String(f)) if f == FORMAT => {}
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
        f: impl FnOnce(&redb::WriteTransaction) -> Result<(), redb::Error>,
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
            let txn = db.begin_write().map_err(|e| e.to_string())?;
            f(&txn).map_err(|e| e.to_string())?;
            txn.commit().map_err(|e| e.to_string())
        })();
        let mut degraded = self.degraded.lock().unwrap_or_else(|p| p.into_inner());
        match &result {
            Ok(()) => *degraded = None,
            Err(e) => {
                // The next write opens the file afresh and stores the account's newest state,
                // which holds this write too.
                store.db = None;
                *degraded = Some(format!(
                    "storing state in {} failed: {e}",
                    self.path.display()
                ));
            }
        }
        result
    }

    fn write(
        &self,
        f: impl FnOnce(&redb::WriteTransaction) -> Result<(), redb::Error>,
    ) -> Result<(), String> {
        let mut store = self.lock();
        self.commit(&mut store, f)
    }

    /// Stores one account's state (durably, before returning).
    pub fn save(&self, vendor: &str, account: &str, bytes: &[u8]) -> Result<(), String> {
        self.write(|txn| {
            let mut t = txn.open_table(STATE)?;
            t.insert(key(vendor, account).as_str(), bytes)?;
            Ok(())
        })
    }

    /// Stores one account's state at `version` unless a state at that version or a newer one
    /// is already committed (it then holds this write too): commits follow the order in
    /// which the writes were applied, whatever order the requests reach this point in. Ok
    /// means the writes up to `version` are on disk.
    pub fn save_versioned(
        &self,
        vendor: &str,
        account: &str,
        version: u64,
        bytes: &[u8],
    ) -> Result<(), String> {
        let k = key(vendor, account);
        let mut store = self.lock();
        if store.committed.get(&k).is_some_and(|&c| c >= version) {
            return Ok(());
        }
        self.commit(&mut store, |txn| {
            let mut t = txn.open_table(STATE)?;
            t.insert(k.as_str(), bytes)?;
            Ok(())
        })?;
        store.committed.insert(k, version);
        Ok(())
    }

    /// Forgets a vendor's stored accounts (one, or all of them): a restart reseeds them.
    pub fn forget(&self, vendor: Option<&str>, account: Option<&str>) -> Result<(), String> {
        let matches = |k: &str| {
            k.split_once('/').is_some_and(|(v, a)| {
                vendor.is_none_or(|x| x == v) && account.is_none_or(|x| x == a)
            })
        };
        self.write(|txn| {
            let mut t = txn.open_table(STATE)?;
            // Only keys are read: a reset does not parse every stored document.
            let mut doomed = Vec::new();
            for row in t.iter()? {
                let k = row?.0.value().to_string();
                if matches(&k) {
                    doomed.push(k);
                }
            }
            for k in &doomed {
                t.remove(k.as_str())?;
            }
            Ok(())
        })
    }

    /// Every stored (vendor, account, state as JSON text).
    pub fn load_states(
        &self,
    ) -> Result<Vec<(String, String, Box<serde_json::value::RawValue>)>, String> {
        guarded(&self.path, || self.read_states())
    }

    fn read_states(
        &self,
    ) -> Result<Vec<(String, String, Box<serde_json::value::RawValue>)>, String> {
        let store = self.lock();
        let db = store.db.as_ref().ok_or("the state database is not open")?;
        let txn = db.begin_read().map_err(|e| e.to_string())?;
        let table = match txn.open_table(STATE) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(vec![]),
            Err(e) => return Err(e.to_string()),
        };
        let mut out = Vec::new();
        for row in table.iter().map_err(|e| e.to_string())? {
            let (k, v) = row.map_err(|e| e.to_string())?;
            let k = k.value().to_string();
            let (vendor, account) = k.split_once('/').ok_or_else(|| format!("bad key {k}"))?;
            let state = serde_json::from_slice::<Box<serde_json::value::RawValue>>(v.value())
                .map_err(|e| format!("{k}: {e}"))?;
            out.push((vendor.to_string(), account.to_string(), state));
        }
        Ok(out)
    }

    pub fn set_meta(&self, name: &str, value: &Value) -> Result<(), String> {
        let bytes = serde_json::to_vec(value).map_err(|e| e.to_string())?;
        self.write(|txn| {
            let mut t = txn.open_table(META)?;
            t.insert(name, bytes.as_slice())?;
            Ok(())
        })
    }

    pub fn meta(&self, name: &str) -> Result<Option<Value>, String> {
        guarded(&self.path, || self.read_meta(name))
    }

    fn read_meta(&self, name: &str) -> Result<Option<Value>, String> {
        let store = self.lock();
        let db = store.db.as_ref().ok_or("the state database is not open")?;
        let txn = db.begin_read().map_err(|e| e.to_string())?;
        let table = match txn.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        let got = table.get(name).map_err(|e| e.to_string())?;
        got.map(|v| serde_json::from_slice(v.value()).map_err(|e| format!("{name}: {e}")))
            .transpose()
    }
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
mod tests {
    use super::*;
    use serde_json::json;

    /// Two writes whose exports reach storage in the opposite order of their application: the
    /// newer document stays, the older one is skipped (it is contained in the newer). Saving
    /// without versions, as before, would leave the older document — an acknowledged write lost.
    #[test]
    fn an_older_export_never_overwrites_a_newer_one() {
        let dir = tempfile::tempdir().unwrap();
        let d = Durable::open(dir.path()).unwrap();
        let tenants = crate::platform::store::Tenants::new(|| json!({"writes": []}));
        let write = |n: i64| {
            tenants.with("default", |s| {
                s["writes"].as_array_mut().unwrap().push(json!(n));
            });
            tenants.read_versioned("default", |s| serde_json::to_vec(s).unwrap())
        };
        let (v1, first) = write(1);
        let (v2, second) = write(2);
        assert!(v2 > v1, "versions follow the order of application");
        d.save_versioned("acme", "default", v2, &second).unwrap();
        d.save_versioned("acme", "default", v1, &first).unwrap();
        let stored: Vec<Value> = d
            .load_states()
            .unwrap()
            .into_iter()
            .map(|(_, _, s)| serde_json::from_str(s.get()).unwrap())
            .collect();
        assert_eq!(stored, vec![json!({"writes": [1, 2]})]);
        // A reset does not take versions back: the next write is newer than anything stored.
        tenants.reset(Some("default"));
        let (v3, third) = write(3);
        assert!(v3 > v2);
        d.save_versioned("acme", "default", v3, &third).unwrap();
        let stored = d.load_states().unwrap();
        assert_eq!(stored[0].2.get(), r#"{"writes":[3]}"#);
    }

    /// States and settings survive reopening; another format or a foreign file is refused.
    #[test]
    fn round_trip_and_refusals() {
        let dir = std::env::temp_dir().join(format!("mockdesk-durable-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let d = Durable::open(&dir).unwrap();
            d.save("acme", "default", br#"{"n":1}"#).unwrap();
            d.save("acme", "other", br#"{"n":2}"#).unwrap();
            d.set_meta("webhooks", &json!([1])).unwrap();
            d.forget(Some("acme"), Some("other")).unwrap();
        }
        let d = Durable::open(&dir).unwrap();
        let states: Vec<(String, String, Value)> = d
            .load_states()
            .unwrap()
            .into_iter()
            .map(|(v, a, s)| (v, a, serde_json::from_str(s.get()).unwrap()))
            .collect();
        assert_eq!(
            states,
            vec![("acme".into(), "default".into(), json!({"n": 1}))]
        );
        assert_eq!(d.meta("webhooks").unwrap(), Some(json!([1])));
        d.set_meta("format", &json!("mockdesk-state-0")).unwrap();
        drop(d);
        assert!(Durable::open(&dir).unwrap_err().contains("incompatible"));
        let junk = std::env::temp_dir().join(format!("mockdesk-junk-{}", std::process::id()));
        std::fs::create_dir_all(&junk).unwrap();
        std::fs::write(
            junk.join("mockdesk.redb"),
            b"this is not a database, just some bytes",
        )
        .unwrap();
        assert!(Durable::open(&junk)
            .unwrap_err()
            .contains("not a mockdesk state database"));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&junk);
    }
}

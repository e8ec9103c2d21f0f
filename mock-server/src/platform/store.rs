//! In-memory, tenant-scoped storage with no HTTP types.
//!
//! [`Collection`] is an ordered id -> record map (insertion order, like rows by primary key).
//! [`Tenants`] holds one state per account, created from the vendor's seed function the first
//! time the account is used, so every account starts from the same deterministic seed and a
//! reset just drops the account's state.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use indexmap::IndexMap;
use serde::Serialize;

pub use super::collection::{Collection, Keyed, RecordId};
pub use super::rows::Change;

type Shared<S> = Arc<Slot<S>>;

/// An account's state and the views rendered from it since its last change.
struct Slot<S> {
    /// parking_lot's lock: a reader can hand it straight to a waiting writer
    /// ([`Tenants::read_stepwise`]), and a waiting writer keeps new readers out.
    state: parking_lot::RwLock<S>,
    memo: super::memo::Memo,
    /// Which state of the account this is: every state put in place (seeded, imported) gets a
    /// number above every earlier one's, so storage can tell a write to a state that has since
    /// been replaced or dropped from a write to the current one.
    generation: u64,
    /// How many writes this state has had (bumped under its write lock): a read done in steps
    /// knows whether a write came in between.
    writes: AtomicU64,
}

static GENERATIONS: AtomicU64 = AtomicU64::new(1);

fn next_generation() -> u64 {
    GENERATIONS.fetch_add(1, Ordering::Relaxed)
}

impl<S> Slot<S> {
    fn new(state: S) -> Shared<S> {
        Arc::new(Slot {
            state: parking_lot::RwLock::new(state),
            memo: Default::default(),
            generation: next_generation(),
            writes: AtomicU64::new(0),
        })
    }
}

/// What a vendor tells the admin API about its state, without HTTP types.
pub trait Backend: Send + Sync + 'static {
    fn vendor(&self) -> &'static str;

    /// The built-in token of the default account.
    fn default_token(&self) -> &'static str;

    /// Brings one account (or all) back to the seed.
    fn reset(&self, account: Option<&str>);

    /// The accounts that hold state (no side effects).
    fn accounts(&self) -> Vec<String>;

    /// Replaces the named accounts' states with their documents (the dump's form, as JSON
    /// text), all or nothing, read straight into the typed state: a document that does not
    /// read names the JSON pointer of its first problem.
    fn import(&self, accounts: &[RawState<'_>]) -> Result<(), ImportError>;

    /// One account's state document as JSON text (seeding it if new), written straight from
    /// the records (no intermediate JSON tree) under a read lock.
    fn export(&self, account: &str) -> Vec<u8>;

    /// Reports every later change of every account to `durable` (`--state-dir`).
    fn store_in(&self, durable: std::sync::Arc<super::durable::Durable>);

    /// Runs a vendor-side scenario for an account; `None` when the vendor has none.
    /// `base_url` is where the caller reached mockdesk (links the scenario hands out).
    fn simulate(
        &self,
        _scenario: &str,
        _account: &str,
        _params: &serde_json::Map<String, serde_json::Value>,
        _base_url: &str,
    ) -> Option<Result<serde_json::Value, String>> {
        None
    }
}

type Report<S> = Box<dyn Fn(Change<'_, S>) + Send + Sync>;

/// Where changes are reported, and how a written state is handed over for storage to read
/// again (made where `S` is known to serialize).
struct OnChange<S> {
    report: Report<S>,
    unsaved: fn(Shared<S>) -> Arc<dyn super::rows::Unsaved>,
}

/// One state per account, seeded lazily. Lock discipline: the map lock is held only to find or
/// create an account's handle; the account lock only inside [`Tenants::with`], never across
/// an `.await`.
pub struct Tenants<S> {
    seed: Box<dyn Fn() -> S + Send + Sync>,
    /// The seed, made once: an account seeded (again, after a reset) gets a copy, which costs
    /// a fraction of generating it (see `docs/performance.md`). Seeds read no clock, so the
    /// copy is what the generator would make.
    seeded: OnceLock<S>,
    states: RwLock<BTreeMap<String, Shared<S>>>,
    on_change: OnceLock<OnChange<S>>,
    /// Told of every change, after it is in place (the instance's kept answers go stale:
    /// `super::answers`).
    changes: std::sync::Arc<super::answers::Epochs>,
}

impl<S: Serialize + Send + Sync> super::rows::Unsaved for Slot<S> {
    fn split_now(&self) -> Result<super::rows::Split, String> {
        super::rows::split(&*self.state.read())
    }
}

impl<S: Clone> Tenants<S> {
    pub fn new(seed: impl Fn() -> S + Send + Sync + 'static) -> Self {
        Self {
            seed: Box::new(seed),
            seeded: OnceLock::new(),
            states: RwLock::new(BTreeMap::new()),
            on_change: OnceLock::new(),
            changes: Default::default(),
        }
    }

    /// Reports its changes to `changes` (an instance's, which its clock carries) instead of
    /// counters of its own.
    pub fn reporting_to(mut self, changes: std::sync::Arc<super::answers::Epochs>) -> Self {
        self.changes = changes;
        self
    }

    /// Reports every later change to `f` (storage: `--state-dir`). Set once.
    pub fn on_change(&self, f: impl Fn(Change<'_, S>) + Send + Sync + 'static)
    where
        S: Serialize + Send + Sync + 'static,
    {
        let _ = self.on_change.set(OnChange {
            report: Box::new(f),
            unsaved: |slot| slot,
        });
    }

    fn handle(&self, account: &str) -> Shared<S> {
        if let Some(h) = self
            .states
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(account)
        {
            return h.clone();
        }
        let mut states = self.states.write().unwrap_or_else(|p| p.into_inner());
        states
            .entry(account.to_string())
            .or_insert_with(|| Slot::new(self.seeded.get_or_init(&self.seed).clone()))
            .clone()
    }

    /// Runs `f` with exclusive access to the account's state. The account's memo is emptied
    /// first (under the same lock, so no reader can refill it from the old state, and a
    /// panicking `f` cannot leave it full); the change is reported after `f`, under the lock.
    pub fn with<R>(&self, account: &str, f: impl FnOnce(&mut S) -> R) -> R {
        let h = self.handle(account);
        let mut guard = h.state.write();
        h.memo.forget();
        h.writes.fetch_add(1, Ordering::Relaxed);
        let out = f(&mut guard);
        self.changes.changed_for(account);
        if let Some(on) = self.on_change.get() {
            let unsaved = (on.unsaved)(h.clone());
            (on.report)(Change::Wrote {
                account,
                generation: h.generation,
                state: &unsaved,
            });
        }
        out
    }

    /// Runs `f` with shared access to the account's state: reads of one account run in
    /// parallel, a write waits for them.
    pub fn read<R>(&self, account: &str, f: impl FnOnce(&S) -> R) -> R {
        self.read_memo(account, |s, _| f(s))
    }

    /// [`Tenants::read`] with the account's memo of rendered records (see
    /// [`super::memo`]): `f` is generic over the read's lifetime, which is what lets the memo
    /// trust that the records it is given are the state's own.
    pub fn read_memo<R>(
        &self,
        account: &str,
        f: impl for<'r> FnOnce(&'r S, super::memo::Rendered<'r>) -> R,
    ) -> R {
        let h = self.handle(account);
        let guard = h.state.read();
        f(&guard, h.memo.for_read())
    }

    /// A read too long to hold the account's lock through (a search over every record): `step`
    /// looks at a bounded stretch of the state from `cursor` (`None`: the start), collects
    /// what it finds in `found`, and returns where the next stretch starts (`None` when done);
    /// `finish` turns what was found into the answer, under the same lock as the last step,
    /// told whether a write came in between steps (then what was found may have changed since:
    /// look it up again). Between steps the lock is let go, so a write waiting for it goes
    /// first (handed over, and no new reader gets in while a writer waits): a write waits for one step,
    /// never for the whole read, and the read never starts over.
    pub fn read_stepwise<C, P, R>(
        &self,
        account: &str,
        mut step: impl FnMut(&S, Option<C>, &mut Vec<P>) -> Option<C>,
        finish: impl for<'r> FnOnce(&'r S, super::memo::Rendered<'r>, Vec<P>, bool) -> R,
    ) -> R {
        let h = self.handle(account);
        let (mut found, mut cursor, mut seen, mut changed) = (Vec::new(), None, None, false);
        loop {
            let guard = h.state.read();
            let writes = h.writes.load(Ordering::Relaxed);
            changed |= seen.is_some_and(|s| s != writes);
            seen = Some(writes);
            match step(&guard, cursor.take(), &mut found) {
                None => return finish(&guard, h.memo.for_read(), found, changed),
                Some(next) => cursor = Some(next),
            }
            // A writer waiting gets the lock before this read takes it again.
            parking_lot::RwLockReadGuard::unlock_fair(guard);
        }
    }

    /// Puts `state` in place of the account's state. The change is reported under the new
    /// state's own lock, taken before anyone can reach it (so it comes before any write to
    /// it) and after the map of accounts is free again (storing a large state takes long).
    pub fn replace(&self, account: &str, state: S) {
        let slot = Slot::new(state);
        let guard = slot.state.write();
        self.states
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(account.to_string(), slot.clone());
        self.changes.changed_for(account);
        if let Some(on) = self.on_change.get() {
            (on.report)(Change::Replaced {
                account,
                generation: slot.generation,
                state: &guard,
            });
        }
    }

    /// Drops one account's state (or all): the next use reseeds it.
    pub fn reset(&self, account: Option<&str>) {
        let mut states = self.states.write().unwrap_or_else(|p| p.into_inner());
        if let Some(on) = self.on_change.get() {
            (on.report)(Change::Dropped {
                account,
                generation: next_generation(),
            });
        }
        match account {
            Some(a) => {
                states.remove(a);
            }
            None => states.clear(),
        }
        match account {
            Some(a) => self.changes.changed_for(a),
            None => self.changes.changed(),
        }
    }

    /// Accounts that currently hold state.
    pub fn accounts(&self) -> Vec<String> {
        self.states
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect()
    }
}

/// A vendor's state for the admin API: its name, built-in token, one seeded state per account,
/// and the clock its records are stamped with. Vendors add their own methods with
/// `impl VendorState<TheirState> { … }`.
pub struct VendorState<S> {
    pub vendor: &'static str,
    pub default_token: &'static str,
    pub tenants: Tenants<S>,
    pub clock: super::clock::Clock,
    /// Where the vendor's webhook events go (a detached bus until [`VendorState::with_bus`]).
    pub bus: std::sync::Arc<super::webhooks::Webhooks>,
    simulator: Option<Simulator<S>>,
}

/// A vendor's vendor-side events (`POST /__admin/simulate/{surface}/{scenario}`): changes the
/// account's state as the vendor would, emits the webhooks, and answers what it did.
/// Arguments: the state, the scenario, the account, its parameters, and the base URL the
/// caller reached mockdesk at (for links the scenario hands out, such as recordings).
pub type Simulator<S> = fn(
    &VendorState<S>,
    &str,
    &str,
    &serde_json::Map<String, serde_json::Value>,
    &str,
) -> Result<serde_json::Value, String>;

impl<S: Clone> VendorState<S> {
    pub fn new(
        vendor: &'static str,
        default_token: &'static str,
        clock: super::clock::Clock,
        seed: impl Fn() -> S + Send + Sync + 'static,
    ) -> Self {
        let bus = std::sync::Arc::new(super::webhooks::Webhooks::new(clock.clone(), 1));
        Self {
            vendor,
            default_token,
            tenants: Tenants::new(seed).reporting_to(clock.changes().clone()),
            clock,
            bus,
            simulator: None,
        }
    }

    /// Sends the vendor's webhook events to `bus`.
    pub fn with_bus(mut self, bus: std::sync::Arc<super::webhooks::Webhooks>) -> Self {
        self.bus = bus;
        self
    }

    /// Gives the vendor vendor-side scenarios.
    pub fn with_simulator(mut self, f: Simulator<S>) -> Self {
        self.simulator = Some(f);
        self
    }

    /// Runs `f` with shared access to the account's state (reads of one account run in
    /// parallel; a write waits for them).
    pub fn read<R>(&self, account: &super::auth::Account, f: impl FnOnce(&S) -> R) -> R {
        self.tenants.read(&account.id, f)
    }

    /// Runs `f` with exclusive access to the account's state: the one way to change it (the
    /// account's memo is emptied first, the change recorded for `--state-dir`).
    pub fn write<R>(&self, account: &super::auth::Account, f: impl FnOnce(&mut S) -> R) -> R {
        self.tenants.with(&account.id, f)
    }

    /// [`VendorState::read`] with the account's memo of kept views (see [`super::memo`]).
    pub fn read_memo<R>(
        &self,
        account: &super::auth::Account,
        f: impl for<'r> FnOnce(&'r S, super::memo::Rendered<'r>) -> R,
    ) -> R {
        self.tenants.read_memo(&account.id, f)
    }

    /// Emits a webhook event for `account` (call after the write has been committed).
    pub fn emit(&self, account: &str, event: &str, data: serde_json::Value) {
        self.bus.emit(self.vendor, account, event, data);
    }

    /// Whether any webhook subscription listens to `account` now (payloads nobody would
    /// receive need not be built).
    pub fn listening(&self, account: &str) -> bool {
        self.bus.listening(self.vendor, account)
    }
}

/// Why a state document was refused: the JSON pointer of the first problem and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub pointer: String,
    pub message: String,
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .map(|s| match s {
            Segment::Seq { index } => format!("/{index}"),
            Segment::Map { key } => format!("/{}", key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => format!("/{variant}"),
            Segment::Unknown => String::new(),
        })
        .collect()
}

/// One account's state document as JSON text, as a state document holds it.
pub type RawState<'a> = (String, &'a serde_json::value::RawValue);

/// The accounts of a state document (`{"vendor"?, "accounts": {name: state}}`), each as its
/// JSON text (read later straight into the typed state by [`Backend::import`]:
/// no JSON tree of a possibly large document is built). A document whose outer form does not
/// read gets the JSON pointer of its problem.
pub fn read_document<'a>(vendor: &str, doc: &'a [u8]) -> Result<Vec<RawState<'a>>, ImportError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer<'a> {
        vendor: Option<String>,
        #[serde(borrow)]
        accounts: IndexMap<String, &'a serde_json::value::RawValue>,
        /// What `mockdesk snapshot` says of the document (read, not used).
        #[serde(default, rename = "snapshot")]
        _snapshot: Option<serde::de::IgnoredAny>,
    }
    match serde_json::from_slice::<Outer<'_>>(doc) {
        Ok(o) if o.vendor.as_deref().is_none_or(|v| v == vendor) => {
            Ok(o.accounts.into_iter().collect())
        }
        _ => Err(explain(vendor, doc)),
    }
}

/// Why a state document's outer form does not read, with its JSON pointer.
fn explain(vendor: &str, doc: &[u8]) -> ImportError {
    use serde_json::Value;
    let at = |pointer: &str, message: String| ImportError {
        pointer: pointer.into(),
        message,
    };
    let top = match serde_json::from_slice::<Value>(doc) {
        Ok(Value::Object(top)) => top,
        Ok(_) => return at("", "the document must be an object".into()),
        Err(e) => return at("", format!("not JSON: {e}")),
    };
    if let Some(k) = top
        .keys()
        .find(|k| !["vendor", "accounts", "snapshot"].contains(&k.as_str()))
    {
        return at(
            &format!("/{k}"),
            "unknown field (expected vendor, accounts, snapshot)".into(),
        );
    }
    match (top.get("vendor"), top.get("accounts")) {
        (Some(v), _) if v.as_str() != Some(vendor) => {
            at("/vendor", format!("the document is for {v}, not {vendor}"))
        }
        (_, None) => at("/accounts", "accounts is required".into()),
        _ => at(
            "/accounts",
            "accounts must be an object keyed by account".into(),
        ),
    }
}

impl<S: Clone + Serialize + serde::de::DeserializeOwned + Send + Sync + 'static> Backend
    for VendorState<S>
{
    fn vendor(&self) -> &'static str {
        self.vendor
    }

    fn default_token(&self) -> &'static str {
        self.default_token
    }

    fn reset(&self, account: Option<&str>) {
        self.tenants.reset(account);
    }

    fn accounts(&self) -> Vec<String> {
        self.tenants.accounts()
    }

    fn import(&self, accounts: &[RawState<'_>]) -> Result<(), ImportError> {
        let mut read = Vec::with_capacity(accounts.len());
        for (name, raw) in accounts {
            let mut de = serde_json::Deserializer::from_str(raw.get());
            let state =
                serde_path_to_error::deserialize::<_, S>(&mut de).map_err(|e| ImportError {
                    pointer: format!("/accounts/{name}{}", pointer_of(e.path())),
                    message: e.inner().to_string(),
                })?;
            read.push((name.clone(), state));
        }
        for (name, state) in read {
            self.tenants.replace(&name, state);
        }
        Ok(())
    }

    fn export(&self, account: &str) -> Vec<u8> {
        self.tenants.read(account, |s| {
            serde_json::to_vec(s).unwrap_or_else(|e| {
                tracing::error!(account, error = %e, "state failed to serialize");
                serde_json::to_vec(
                    &serde_json::json!({"error": format!("state failed to serialize: {e}")}),
                )
                .unwrap_or_default()
            })
        })
    }

    fn store_in(&self, durable: std::sync::Arc<super::durable::Durable>) {
        let vendor = self.vendor;
        self.tenants
            .on_change(move |change| durable.record(vendor, change));
    }

    fn simulate(
        &self,
        scenario: &str,
        account: &str,
        params: &serde_json::Map<String, serde_json::Value>,
        base_url: &str,
    ) -> Option<Result<serde_json::Value, String>> {
        self.simulator
            .map(|f| f(self, scenario, account, params, base_url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Accounts are isolated and reset reseeds only the named one.
    #[test]
    fn tenants_isolated_and_reset() {
        let t = Tenants::new(|| vec![1]);
        t.with("a", |s| s.push(2));
        t.with("b", |s| s.push(3));
        assert_eq!(t.with("a", |s| s.clone()), vec![1, 2]);
        t.reset(Some("a"));
        assert_eq!(t.with("a", |s| s.clone()), vec![1]);
        assert_eq!(t.with("b", |s| s.clone()), vec![1, 3]);
        t.reset(None);
        assert_eq!(t.with("b", |s| s.clone()), vec![1]);
    }

    /// The seed is made once; every account seeded later (and again after a reset) starts from
    /// a copy of it that its writes do not reach.
    #[test]
    fn the_seed_is_made_once_and_copied() {
        let made = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = made.clone();
        let t = Tenants::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            vec![1]
        });
        t.with("a", |s| s.push(2));
        t.reset(None);
        assert_eq!(
            t.read("a", |s| s.clone()),
            vec![1],
            "the copy, not the written state"
        );
        assert_eq!(t.read("b", |s| s.clone()), vec![1]);
        assert_eq!(made.load(Ordering::Relaxed), 1);
    }

    /// A read in steps lets a waiting write in between steps and is told it came.
    #[test]
    fn a_stepwise_read_lets_a_write_in_between() {
        let t = std::sync::Arc::new(Tenants::new(|| vec![1; 4]));
        let mut writer = None;
        let (seen, changed) = t.read_stepwise(
            "a",
            |s, cursor: Option<usize>, found: &mut Vec<i32>| {
                let at = cursor.unwrap_or(0);
                if writer.is_none() {
                    let t = t.clone();
                    writer = Some(std::thread::spawn(move || {
                        t.with("a", |s| s.iter_mut().for_each(|x| *x = 2))
                    }));
                    // The writer is now waiting for this step's lock.
                    std::thread::sleep(std::time::Duration::from_millis(300));
                }
                found.push(s[at]);
                (at + 1 < s.len()).then_some(at + 1)
            },
            |_, _, found, changed| (found, changed),
        );
        writer.unwrap().join().unwrap();
        assert_eq!(t.read("a", |s| s.clone()), vec![2; 4]);
        // The write went in between the first step and the second (it waited for one step).
        assert_eq!((seen, changed), (vec![1, 2, 2, 2], true));
    }
}

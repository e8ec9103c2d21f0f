//! In-memory, tenant-scoped storage with no HTTP types.
//!
//! [`Collection`] is an ordered id -> record map (insertion order, like rows by primary key).
//! [`Tenants`] holds one state per account, created from the vendor's seed function the first
//! time the account is used, so every account starts from the same deterministic seed and a
//! reset just drops the account's state.

use std::collections::BTreeMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use indexmap::IndexMap;
use serde::{Serialize, Serializer};

/// The records' map: in insertion order, hashed with foldhash (randomly seeded per map, and
/// several times faster than the standard library's SipHash on the small keys every request
/// looks up).
type Map<K, T> = IndexMap<K, T, foldhash::fast::RandomState>;

/// Ordered records keyed by id.
///
/// Numeric ids come from a high-water mark that only grows: a deleted record's id is never
/// handed out again (a reset drops the whole state, so the seed's counters come back).
#[derive(Debug, Clone)]
pub struct Collection<K: Hash + Eq, T> {
    items: Map<K, T>,
    /// The largest numeric id this collection has ever held (0 when none).
    issued: i64,
}

impl<K: Hash + Eq, T> Default for Collection<K, T> {
    fn default() -> Self {
        Self {
            items: Map::default(),
            issued: 0,
        }
    }
}

/// A record id type: numeric ids feed the collection's counter, text ids do not.
pub trait RecordId {
    fn ordinal(&self) -> Option<i64> {
        None
    }
}

impl RecordId for i64 {
    fn ordinal(&self) -> Option<i64> {
        Some(*self)
    }
}

impl RecordId for String {}

impl<K: Hash + Eq + Clone + RecordId, T> Collection<K, T> {
    pub fn new() -> Self {
        Self::default()
    }

    fn note(&mut self, id: &K) {
        if let Some(n) = id.ordinal() {
            self.issued = self.issued.max(n);
        }
    }

    pub fn insert(&mut self, id: K, item: T) {
        self.note(&id);
        self.items.insert(id, item);
    }

    /// Inserts (or moves) a record at the front of the order.
    pub fn insert_first(&mut self, id: K, item: T) {
        self.note(&id);
        self.items.shift_insert(0, id, item);
    }

    /// The id the next record gets: one past every id the collection ever held, so ids of
    /// deleted records are not reused.
    pub fn next_id(&self) -> i64 {
        self.issued + 1
    }

    /// As [`Collection::next_id`], but never below `start` (a vendor's id range).
    pub fn next_id_from(&self, start: i64) -> i64 {
        self.next_id().max(start)
    }

    pub fn get(&self, id: &K) -> Option<&T> {
        self.items.get(id)
    }

    pub fn get_mut(&mut self, id: &K) -> Option<&mut T> {
        self.items.get_mut(id)
    }

    /// The record, or the vendor's not-found error naming `resource` and the id.
    pub fn find(&self, id: &K, resource: &'static str) -> super::error::ApiResult<&T>
    where
        K: std::fmt::Display,
    {
        self.items
            .get(id)
            .ok_or_else(|| super::error::ApiError::not_found(resource, id))
    }

    /// As [`Collection::find`], for changing the record.
    pub fn find_mut(&mut self, id: &K, resource: &'static str) -> super::error::ApiResult<&mut T>
    where
        K: std::fmt::Display,
    {
        self.items
            .get_mut(id)
            .ok_or_else(|| super::error::ApiError::not_found(resource, id))
    }

    pub fn contains(&self, id: &K) -> bool {
        self.items.contains_key(id)
    }

    /// Removes a record keeping the order of the rest.
    pub fn remove(&mut self, id: &K) -> Option<T> {
        self.items.shift_remove(id)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.items.values()
    }

    /// The record at stored position `i` (positions hold until the next write).
    pub fn at(&self, i: usize) -> Option<&T> {
        self.items.get_index(i).map(|(_, v)| v)
    }

    /// Every record mutably, with a copy of its id, in order.
    pub fn iter_mut_values(&mut self) -> impl Iterator<Item = (K, &mut T)>
    where
        K: Clone,
    {
        self.items.iter_mut().map(|(k, v)| (k.clone(), v))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &T)> {
        self.items.iter()
    }

    /// One page of records in stored order (or its reverse) without visiting the others: the
    /// cost of a default-order list page does not grow with the collection.
    pub fn page(&self, window: super::pagination::Window, descending: bool) -> Vec<&T> {
        let len = self.items.len();
        let start = window.offset.min(len);
        let end = window.offset.saturating_add(window.limit).min(len);
        (start..end)
            .filter_map(|i| {
                let at = if descending { len - 1 - i } else { i };
                self.items.get_index(at).map(|(_, v)| v)
            })
            .collect()
    }
}

/// A record that knows its own id (so a collection can be read back from its list form).
pub trait Keyed {
    type Key;
    fn key(&self) -> Self::Key;
}

/// `keyed!(Type => field, …)`: the record's id is that field (cloned).
#[macro_export]
macro_rules! keyed {
    ($($t:ty => $field:ident : $k:ty),* $(,)?) => {$(
        impl $crate::platform::store::Keyed for $t {
            type Key = $k;
            fn key(&self) -> $k {
                self.$field.clone()
            }
        }
    )*};
}

impl<'de, K, T> serde::Deserialize<'de> for Collection<K, T>
where
    K: Hash + Eq + Clone + RecordId + std::fmt::Debug,
    T: serde::Deserialize<'de> + Keyed<Key = K>,
{
    /// The list form a dump shows, in order, or `{"next_id": n, "records": [...]}` when ids
    /// below `n` were deleted; an id that repeats is an error.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CollectionVisitor(std::marker::PhantomData))
    }
}

struct CollectionVisitor<K, T>(std::marker::PhantomData<(K, T)>);

impl<K, T> CollectionVisitor<K, T>
where
    K: Hash + Eq + Clone + RecordId + std::fmt::Debug,
    T: Keyed<Key = K>,
{
    fn build<E: serde::de::Error>(items: Vec<T>, next_id: i64) -> Result<Collection<K, T>, E> {
        let mut c = Collection {
            items: Map::with_capacity_and_hasher(items.len(), Default::default()),
            issued: next_id.saturating_sub(1).max(0),
        };
        for (i, item) in items.into_iter().enumerate() {
            let key = item.key();
            if c.items.contains_key(&key) {
                return Err(E::custom(format!("record {i} repeats the id {key:?}")));
            }
            c.insert(key, item);
        }
        Ok(c)
    }
}

impl<'de, K, T> serde::de::Visitor<'de> for CollectionVisitor<K, T>
where
    K: Hash + Eq + Clone + RecordId + std::fmt::Debug,
    T: serde::Deserialize<'de> + Keyed<Key = K>,
{
    type Value = Collection<K, T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of records, or {\"next_id\": n, \"records\": [...]}")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Self::build(items, 0)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde::de::Error;
        let (mut next_id, mut records) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "next_id" => next_id = Some(map.next_value::<i64>()?),
                "records" => records = Some(map.next_value::<Vec<T>>()?),
                other => {
                    return Err(A::Error::unknown_field(other, &["next_id", "records"]));
                }
            }
        }
        let records = records.ok_or_else(|| A::Error::missing_field("records"))?;
        Self::build(records, next_id.unwrap_or(0))
    }
}

impl<K: Hash + Eq + RecordId, T: Serialize> Serialize for Collection<K, T> {
    /// A plain list, unless ids above every record's were handed out (deleted records): then
    /// the counter goes along so a reload does not reuse them.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let top = self
            .items
            .keys()
            .filter_map(RecordId::ordinal)
            .max()
            .unwrap_or(0);
        if self.issued > top {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(2))?;
            m.serialize_entry("next_id", &(self.issued + 1))?;
            m.serialize_entry("records", &Records(&self.items))?;
            m.end()
        } else {
            s.collect_seq(self.items.values())
        }
    }
}

struct Records<'a, K, T>(&'a Map<K, T>);

impl<K, T: Serialize> Serialize for Records<'_, K, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.values())
    }
}

type Shared<S> = Arc<Slot<S>>;

/// An account's state and the views rendered from it since its last change.
struct Slot<S> {
    state: RwLock<S>,
    memo: super::memo::Memo,
    /// Which change of the process this state is at: set under the state's write lock, read
    /// under its read lock, so an export knows exactly which writes it holds.
    version: AtomicU64,
}

/// Versions come from one counter for the whole process, so an account's versions grow with
/// every change in the order the changes were applied, also across a reset or a replace.
static CHANGES: AtomicU64 = AtomicU64::new(1);

fn next_version() -> u64 {
    CHANGES.fetch_add(1, Ordering::Relaxed)
}

impl<S> Slot<S> {
    fn new(state: S) -> Shared<S> {
        Arc::new(Slot {
            state: RwLock::new(state),
            memo: Default::default(),
            version: AtomicU64::new(next_version()),
        })
    }
}

/// One state per account, seeded lazily. Lock discipline: the map lock is held only to find or
/// create an account's handle; the account lock only inside [`Tenants::with`], never across
/// an `.await`.
pub struct Tenants<S> {
    seed: Box<dyn Fn() -> S + Send + Sync>,
    states: RwLock<BTreeMap<String, Shared<S>>>,
}

impl<S> Tenants<S> {
    pub fn new(seed: impl Fn() -> S + Send + Sync + 'static) -> Self {
        Self {
            seed: Box::new(seed),
            states: RwLock::new(BTreeMap::new()),
        }
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
            .or_insert_with(|| Slot::new((self.seed)()))
            .clone()
    }

    /// Runs `f` with exclusive access to the account's state. The account's memo is emptied
    /// first (under the same lock, so no reader can refill it from the old state, and a
    /// panicking `f` cannot leave it full).
    pub fn with<R>(&self, account: &str, f: impl FnOnce(&mut S) -> R) -> R {
        let h = self.handle(account);
        let mut guard = h.state.write().unwrap_or_else(|p| p.into_inner());
        h.memo.forget();
        h.version.store(next_version(), Ordering::Relaxed);
        f(&mut guard)
    }

    /// [`Tenants::read`] that also returns the state's version (see [`Tenants::with`]): the
    /// two are read under the same lock.
    pub fn read_versioned<R>(&self, account: &str, f: impl FnOnce(&S) -> R) -> (u64, R) {
        let h = self.handle(account);
        let guard = h.state.read().unwrap_or_else(|p| p.into_inner());
        (h.version.load(Ordering::Relaxed), f(&guard))
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
        let guard = h.state.read().unwrap_or_else(|p| p.into_inner());
        f(&guard, h.memo.for_read())
    }

    /// Puts `state` in place of the account's state.
    pub fn replace(&self, account: &str, state: S) {
        let mut states = self.states.write().unwrap_or_else(|p| p.into_inner());
        states.insert(account.to_string(), Slot::new(state));
    }

    /// Drops one account's state (or all): the next use reseeds it.
    pub fn reset(&self, account: Option<&str>) {
        let mut states = self.states.write().unwrap_or_else(|p| p.into_inner());
        match account {
            Some(a) => {
                states.remove(a);
            }
            None => states.clear(),
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
pub type Simulator<S> = fn(
    &VendorState<S>,
    &str,
    &str,
    &serde_json::Map<String, serde_json::Value>,
) -> Result<serde_json::Value, String>;

impl<S> VendorState<S> {
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
            tenants: Tenants::new(seed),
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

    /// Emits a webhook event for `account` (call after the write has been committed).
    pub fn emit(&self, account: &str, event: &str, data: serde_json::Value) {
        self.bus.emit(self.vendor, account, event, data);
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
/// JSON text (read later straight into the typed state by [`super::dialect::Backend::import`]:
/// no JSON tree of a possibly large document is built). A document whose outer form does not
/// read gets the JSON pointer of its problem.
pub fn read_document<'a>(vendor: &str, doc: &'a [u8]) -> Result<Vec<RawState<'a>>, ImportError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer<'a> {
        vendor: Option<String>,
        #[serde(borrow)]
        accounts: IndexMap<String, &'a serde_json::value::RawValue>,
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
    if let Some(k) = top.keys().find(|k| *k != "vendor" && *k != "accounts") {
        return at(
            &format!("/{k}"),
            "unknown field (expected vendor, accounts)".into(),
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

impl<S: Serialize + serde::de::DeserializeOwned + Send + Sync + 'static> super::dialect::Backend
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
        self.export_versioned(account).1
    }

    fn export_versioned(&self, account: &str) -> (u64, Vec<u8>) {
        self.tenants.read_versioned(account, |s| {
            serde_json::to_vec(s).unwrap_or_else(|e| {
                tracing::error!(account, error = %e, "state failed to serialize");
                serde_json::to_vec(
                    &serde_json::json!({"error": format!("state failed to serialize: {e}")}),
                )
                .unwrap_or_default()
            })
        })
    }

    fn simulate(
        &self,
        scenario: &str,
        account: &str,
        params: &serde_json::Map<String, serde_json::Value>,
    ) -> Option<Result<serde_json::Value, String>> {
        self.simulator.map(|f| f(self, scenario, account, params))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Removal keeps the order of the remaining records.
    #[test]
    fn collection_keeps_order() {
        let mut c = Collection::new();
        for i in [3, 1, 2] {
            c.insert(i, i * 10);
        }
        c.remove(&1);
        assert_eq!(c.values().copied().collect::<Vec<_>>(), vec![30, 20]);
        assert_eq!(c.next_id(), 4);
    }

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Row {
        id: i64,
    }
    crate::keyed!(Row => id: i64);

    /// The id counter outlives deletes and travels with the state document only when it
    /// is ahead of the records (the plain list form stays the common case).
    #[test]
    fn counter_survives_deletes_and_round_trips() {
        let mut c: Collection<i64, Row> = Collection::new();
        for id in [1, 2, 3] {
            c.insert(id, Row { id });
        }
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!([{"id": 1}, {"id": 2}, {"id": 3}])
        );
        c.remove(&3);
        assert_eq!(c.next_id(), 4);
        let doc = serde_json::to_value(&c).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({"next_id": 4, "records": [{"id": 1}, {"id": 2}]})
        );
        let back: Collection<i64, Row> = serde_json::from_value(doc).unwrap();
        assert_eq!((back.next_id(), back.len()), (4, 2));
        let listed: Collection<i64, Row> =
            serde_json::from_value(serde_json::json!([{"id": 7}])).unwrap();
        assert_eq!(listed.next_id_from(3), 8);
        let err = serde_json::from_value::<Collection<i64, Row>>(
            serde_json::json!({"next_id": 2, "rows": []}),
        );
        assert!(err
            .unwrap_err()
            .to_string()
            .contains("unknown field `rows`"));
    }

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
}

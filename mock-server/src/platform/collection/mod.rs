//! [`Collection`]: an ordered id -> record map (insertion order, like rows by primary key) that
//! remembers which of its records changed since it was last stored (see [`super::rows`]).

use std::hash::Hash;
use std::sync::atomic::AtomicUsize;
use std::sync::Mutex;

use indexmap::IndexMap;
use serde::{Serialize, Serializer};

use super::rows::RowChange;

mod kept;
pub(crate) use kept::Found;
pub use kept::{StatePart, Tracked};

type Hasher = foldhash::fast::RandomState;

/// The records' map: in insertion order, hashed with foldhash (randomly seeded per map, and
/// several times faster than the standard library's SipHash on the small keys every request
/// looks up).
type Map<K, T> = IndexMap<K, Entry<T>, Hasher>;

#[derive(Debug, Clone)]
struct Entry<T> {
    /// Orders the record among the others where it is stored: records appended take stamps
    /// above every other, records put in front stamps below every other.
    stamp: i64,
    item: T,
    /// A view of the record alone, rendered, kept until the record changes (see [`kept`]).
    kept: kept::Kept,
}

impl<T> Entry<T> {
    fn new(stamp: i64, item: T) -> Self {
        Entry {
            stamp,
            item,
            kept: kept::Kept::default(),
        }
    }
}

/// How many changed records a collection remembers one by one; past that the next store
/// writes it whole (a write that touched that many records costs about as much anyway).
const REMEMBERED: usize = 4096;

/// What changed since the collection was last stored.
#[derive(Debug)]
struct Changes<K> {
    /// The collection's place in its state's document when it was last stored; `None` until
    /// it has been (a new collection, a copy): then the next store writes it whole.
    home: Option<u32>,
    whole: bool,
    changed: std::collections::HashSet<K, Hasher>,
    removed: Vec<i64>,
}

impl<K> Default for Changes<K> {
    fn default() -> Self {
        Self {
            home: None,
            whole: true,
            changed: Default::default(),
            removed: Vec::new(),
        }
    }
}

/// Ordered records keyed by id.
///
/// Numeric ids come from a high-water mark that only grows: a deleted record's id is never
/// handed out again (a reset drops the whole state, so the seed's counters come back).
pub struct Collection<K: Hash + Eq, T> {
    items: Map<K, T>,
    /// The largest numeric id this collection has ever held (0 when none).
    issued: i64,
    /// The lowest and highest stamp handed out.
    first: i64,
    last: i64,
    changes: Mutex<Changes<K>>,
    /// The bytes of rendered views its records keep (see [`kept`]).
    kept_bytes: AtomicUsize,
}

impl<K: Hash + Eq, T> Default for Collection<K, T> {
    fn default() -> Self {
        Self {
            items: Map::default(),
            issued: 0,
            first: 0,
            last: 0,
            changes: Mutex::default(),
            kept_bytes: AtomicUsize::new(0),
        }
    }
}

impl<K: Hash + Eq + Clone, T: Clone> Clone for Collection<K, T> {
    /// A copy starts unstored: wherever it is put, it is stored whole.
    fn clone(&self) -> Self {
        Self {
            items: self.items.clone(),
            issued: self.issued,
            first: self.first,
            last: self.last,
            changes: Mutex::default(),
            // Entries copy without their kept views.
            kept_bytes: AtomicUsize::new(0),
        }
    }
}

impl<K: Hash + Eq + std::fmt::Debug, T: std::fmt::Debug> std::fmt::Debug for Collection<K, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.items.iter().map(|(k, e)| (k, &e.item)))
            .finish()
    }
}

impl<K: Hash + Eq, T: PartialEq> PartialEq for Collection<K, T> {
    /// The same records in the same order, and the same id counter.
    fn eq(&self, other: &Self) -> bool {
        self.issued == other.issued
            && self.items.len() == other.items.len()
            && self
                .items
                .iter()
                .zip(other.items.iter())
                .all(|((ka, a), (kb, b))| ka == kb && a.item == b.item)
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

    fn changes(&mut self) -> &mut Changes<K> {
        self.changes.get_mut().unwrap_or_else(|p| p.into_inner())
    }

    fn touched(&mut self, id: &K) {
        let c = self.changes();
        if c.whole {
            return;
        }
        if c.changed.len() >= REMEMBERED {
            c.whole = true;
            c.changed.clear();
            c.removed.clear();
        } else {
            c.changed.insert(id.clone());
        }
    }

    fn dropped(&mut self, stamp: i64) {
        let c = self.changes();
        if c.whole {
            return;
        }
        if c.removed.len() >= REMEMBERED {
            c.whole = true;
            c.changed.clear();
            c.removed.clear();
        } else {
            c.removed.push(stamp);
        }
    }

    pub fn insert(&mut self, id: K, item: T) {
        self.note(&id);
        self.touched(&id);
        match self.items.get_mut(&id) {
            Some(e) => {
                e.kept.forget(&mut self.kept_bytes);
                e.item = item;
            }
            None => {
                self.last += 1;
                let stamp = self.last;
                self.items.insert(id, Entry::new(stamp, item));
            }
        }
    }

    /// Inserts (or moves) a record at the front of the order.
    pub fn insert_first(&mut self, id: K, item: T) {
        self.note(&id);
        self.touched(&id);
        self.first -= 1;
        let stamp = self.first;
        if let Some(mut old) = self.items.shift_insert(0, id, Entry::new(stamp, item)) {
            old.kept.forget(&mut self.kept_bytes);
            self.dropped(old.stamp);
        }
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
        self.items.get(id).map(|e| &e.item)
    }

    pub fn get_mut(&mut self, id: &K) -> Option<&mut T> {
        if self.items.contains_key(id) {
            self.touched(id);
        }
        let e = self.items.get_mut(id)?;
        e.kept.forget(&mut self.kept_bytes);
        Some(&mut e.item)
    }

    /// The record, or the vendor's not-found error naming `resource` and the id.
    pub fn find(&self, id: &K, resource: &'static str) -> super::error::ApiResult<&T>
    where
        K: std::fmt::Display,
    {
        self.get(id)
            .ok_or_else(|| super::error::ApiError::not_found(resource, id))
    }

    /// As [`Collection::find`], for changing the record.
    pub fn find_mut(&mut self, id: &K, resource: &'static str) -> super::error::ApiResult<&mut T>
    where
        K: std::fmt::Display,
    {
        self.get_mut(id)
            .ok_or_else(|| super::error::ApiError::not_found(resource, id))
    }

    pub fn contains(&self, id: &K) -> bool {
        self.items.contains_key(id)
    }

    /// Removes a record keeping the order of the rest.
    pub fn remove(&mut self, id: &K) -> Option<T> {
        let mut e = self.items.shift_remove(id)?;
        e.kept.forget(&mut self.kept_bytes);
        self.dropped(e.stamp);
        Some(e.item)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.items.values().map(|e| &e.item)
    }

    /// The record at stored position `i` (positions hold until the next write).
    pub fn at(&self, i: usize) -> Option<&T> {
        self.items.get_index(i).map(|(_, e)| &e.item)
    }

    /// The id and record at stored position `i`.
    pub fn entry_at(&self, i: usize) -> Option<(&K, &T)> {
        self.items.get_index(i).map(|(k, e)| (k, &e.item))
    }

    /// Where the record `id` stands in the stored order.
    pub fn position(&self, id: &K) -> Option<usize> {
        self.items.get_index_of(id)
    }

    /// Every record mutably, with a copy of its id, in order (the next store writes the
    /// collection whole).
    pub fn iter_mut_values(&mut self) -> impl Iterator<Item = (K, &mut T)>
    where
        K: Clone,
    {
        self.changes().whole = true;
        let bytes = &mut self.kept_bytes;
        self.items.iter_mut().map(move |(k, e)| {
            e.kept.forget(bytes);
            (k.clone(), &mut e.item)
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &T)> {
        self.items.iter().map(|(k, e)| (k, &e.item))
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
                self.at(at)
            })
            .collect()
    }

    /// Appends a record read back from storage with its stamp (rows come in stamp order).
    fn restore(&mut self, stamp: i64, id: K, item: T) {
        self.note(&id);
        self.first = self.first.min(stamp);
        self.last = self.last.max(stamp);
        self.items.insert(id, Entry::new(stamp, item));
    }
}

impl<K: Hash + Eq + Clone + RecordId, T: Serialize> Collection<K, T> {
    /// The row changes that bring the stored rows of this collection (at `place`) up to date,
    /// forgetting them: everything when it was never stored there or changed too much.
    fn take_changes(&self, place: u32) -> Result<Vec<RowChange>, serde_json::Error> {
        let mut c = self.changes.lock().unwrap_or_else(|p| p.into_inner());
        let whole = c.whole || c.home != Some(place);
        let row = |e: &Entry<T>| {
            super::rows::plainly(|| serde_json::to_vec(&e.item))
                .map(|json| RowChange::Put(place, e.stamp, json))
        };
        let mut out = Vec::new();
        if whole {
            out.reserve(self.items.len() + 1);
            out.push(RowChange::Clear(place));
            for e in self.items.values() {
                out.push(row(e)?);
            }
        } else {
            out.extend(c.removed.iter().map(|&s| RowChange::Delete(place, s)));
            for id in &c.changed {
                if let Some(e) = self.items.get(id) {
                    out.push(row(e)?);
                }
            }
        }
        c.home = Some(place);
        c.whole = false;
        c.changed.clear();
        c.removed.clear();
        Ok(out)
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
        impl $crate::platform::collection::Keyed for $t {
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
    T: serde::de::DeserializeOwned + Keyed<Key = K>,
{
    /// The list form a dump shows, in order, or `{"next_id": n, "records": [...]}` when ids
    /// below `n` were deleted; an id that repeats is an error. In a stored document,
    /// `{"$rows": place, "next_id": n}` (see [`super::rows`]).
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
            ..Default::default()
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

impl<K, T> CollectionVisitor<K, T>
where
    K: Hash + Eq + Clone + RecordId + std::fmt::Debug,
    T: serde::de::DeserializeOwned + Keyed<Key = K>,
{
    /// A collection whose records are stored rows at `place`.
    fn from_rows<E: serde::de::Error>(place: u32, next_id: i64) -> Result<Collection<K, T>, E> {
        let mut c = Collection {
            issued: next_id.saturating_sub(1).max(0),
            ..Default::default()
        };
        super::rows::each_row(place, &mut |stamp, json| {
            let item: T = serde_json::from_slice(json)
                .map_err(|e| format!("stored record {stamp} of collection {place}: {e}"))?;
            let key = item.key();
            if c.items.contains_key(&key) {
                return Err(format!("stored records repeat the id {key:?}"));
            }
            c.restore(stamp, key, item);
            Ok(())
        })
        .map_err(E::custom)?;
        let changes = c.changes();
        changes.home = Some(place);
        changes.whole = false;
        Ok(c)
    }
}

impl<'de, K, T> serde::de::Visitor<'de> for CollectionVisitor<K, T>
where
    K: Hash + Eq + Clone + RecordId + std::fmt::Debug,
    T: serde::de::DeserializeOwned + Keyed<Key = K>,
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
        let (mut next_id, mut records, mut place) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "next_id" => next_id = Some(map.next_value::<i64>()?),
                "records" => records = Some(map.next_value::<Vec<T>>()?),
                "$rows" => place = Some(map.next_value::<u32>()?),
                other => {
                    return Err(A::Error::unknown_field(other, &["next_id", "records"]));
                }
            }
        }
        match (records, place) {
            (Some(records), None) => Self::build(records, next_id.unwrap_or(0)),
            (None, Some(place)) => Self::from_rows(place, next_id.unwrap_or(0)),
            (Some(_), Some(_)) => Err(A::Error::custom("records and $rows cannot both be given")),
            (None, None) => Err(A::Error::missing_field("records")),
        }
    }
}

impl<K: Hash + Eq + Clone + RecordId, T: Serialize> Serialize for Collection<K, T> {
    /// A plain list, unless ids above every record's were handed out (deleted records): then
    /// the counter goes along so a reload does not reuse them. While a state is split for
    /// storage, a placeholder for the rows (with the counter, always).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        if let Some(place) = super::rows::next_place() {
            let rows = self
                .take_changes(place)
                .map_err(serde::ser::Error::custom)?;
            super::rows::hand_over(rows);
            let mut m = s.serialize_map(Some(2))?;
            m.serialize_entry("$rows", &place)?;
            m.serialize_entry("next_id", &(self.issued + 1))?;
            return m.end();
        }
        let top = self
            .items
            .keys()
            .filter_map(RecordId::ordinal)
            .max()
            .unwrap_or(0);
        if self.issued > top {
            let mut m = s.serialize_map(Some(2))?;
            m.serialize_entry("next_id", &(self.issued + 1))?;
            m.serialize_entry("records", &Records(&self.items))?;
            m.end()
        } else {
            s.collect_seq(self.values())
        }
    }
}

struct Records<'a, K, T>(&'a Map<K, T>);

impl<K, T: Serialize> Serialize for Records<'_, K, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.values().map(|e| &e.item))
    }
}

#[cfg(test)]
mod tests;

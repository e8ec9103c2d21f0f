//! A view that reads only its record, rendered once and kept beside the record in its
//! collection's entry, across writes to the rest of the account.
//!
//! The account's memo ([`super::super::memo`]) is emptied by every write, so the first page
//! read after a write renders every record on it again, though the write changed one. A view
//! whose `render` sees nothing but the record (`KeptView<State = ()>`) has only one input that
//! can change, and a record in a [`Collection`](super::Collection) changes only through the
//! collection's own methods (its entries are private): each of them that hands out the record
//! mutably or replaces it drops what the entry keeps ([`Kept::forget`]). An entry that moves
//! (a removal before it, a record put in front) takes what it keeps along, so nothing is keyed
//! by address. A copy of a collection keeps nothing.
//!
//! A view may also read one part of the account's state besides its record, when that part
//! tells its changes apart: `()` (nothing), or a [`Tracked`] value, which takes a new version
//! (unique in the process) whenever it is handed out mutably. What an entry keeps names the
//! version it was rendered from and is used only while the part still has that version.
//!
//! Each entry keeps one view (the first rendered, replaced by a newer version of itself;
//! another view of the same record goes through the account's memo as before), and a
//! collection keeps at most [`MAX_KEPT_BYTES`] of text (counted with [`ENTRY_BYTES`] per
//! view) — past that, views are rendered and not kept.

use std::any::TypeId;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::{Collection, Entry};

/// What one collection's records may keep, in all.
pub(super) const MAX_KEPT_BYTES: usize = 4 << 20;

/// A kept view's cost beyond its text: the box, the reference counts, rounded up.
pub(super) const ENTRY_BYTES: usize = 64;

/// The view an entry keeps: which one (its type), the version of the state part it read, and
/// its JSON text.
type Text = Box<(TypeId, u64, Arc<str>)>;

#[derive(Debug, Default)]
pub(super) struct Kept(Mutex<Option<Text>>);

impl Clone for Kept {
    /// A copy keeps nothing (its collection's count starts at zero).
    fn clone(&self) -> Self {
        Kept::default()
    }
}

fn cost(k: &Option<Text>) -> usize {
    k.as_ref().map_or(0, |k| k.2.len() + ENTRY_BYTES)
}

impl Kept {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Text>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drops the kept view (the record is about to change or go), giving its bytes back.
    pub(super) fn forget(&mut self, bytes: &mut AtomicUsize) {
        let k = self.0.get_mut().unwrap_or_else(|p| p.into_inner());
        let c = cost(k);
        if c > 0 {
            let left = bytes.get_mut();
            *left = left.saturating_sub(c);
            *k = None;
        }
    }
}

/// Where one record of a collection keeps its view.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeptSlot<'a> {
    kept: &'a Kept,
    bytes: &'a AtomicUsize,
}

/// What a record keeps for one view.
pub(crate) enum Found {
    /// The view's text, from the version asked for.
    Text(Arc<str>),
    /// Nothing for this version: render it and [`KeptSlot::put`] it.
    Missing,
    /// The record keeps another view (keep this one elsewhere).
    Taken,
}

impl KeptSlot<'_> {
    /// What the record keeps for `view` rendered from the state part's `version`.
    pub(crate) fn get(&self, view: TypeId, version: u64) -> Found {
        match &*self.kept.lock() {
            Some(k) if k.0 != view => Found::Taken,
            Some(k) if k.1 == version => Found::Text(k.2.clone()),
            _ => Found::Missing,
        }
    }

    /// Keeps `text` as the record's `view` (from the state part's `version`), in place of an
    /// older version of it, when the collection has room.
    pub(crate) fn put(&self, view: TypeId, version: u64, text: &Arc<str>) {
        let mut k = self.kept.lock();
        if k.as_ref().is_some_and(|k| k.0 != view) {
            return;
        }
        let (old, new) = (cost(&k), text.len() + ENTRY_BYTES);
        if self.bytes.fetch_add(new, Ordering::Relaxed) + new - old > MAX_KEPT_BYTES {
            self.bytes.fetch_sub(new, Ordering::Relaxed);
            return;
        }
        self.bytes.fetch_sub(old, Ordering::Relaxed);
        *k = Some(Box::new((view, version, text.clone())));
    }
}

/// A part of an account's state a kept view may read besides its record: its version says
/// which content it has (`()`: none, always the same).
pub trait StatePart {
    fn version(&self) -> u64;
}

impl StatePart for () {
    fn version(&self) -> u64 {
        0
    }
}

static VERSIONS: AtomicU64 = AtomicU64::new(1);

/// A value that takes a new version whenever it is handed out mutably (stored, read and
/// written as the value itself). A copy has its original's version and content until either
/// changes.
#[derive(Clone)]
pub struct Tracked<T> {
    value: T,
    version: u64,
}

impl<T> Tracked<T> {
    pub fn new(value: T) -> Self {
        Tracked {
            value,
            version: VERSIONS.fetch_add(1, Ordering::Relaxed),
        }
    }
}

impl<T: Default> Default for Tracked<T> {
    fn default() -> Self {
        Tracked::new(T::default())
    }
}

impl<T> StatePart for Tracked<T> {
    fn version(&self) -> u64 {
        self.version
    }
}

impl<T> std::ops::Deref for Tracked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> std::ops::DerefMut for Tracked<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.version = VERSIONS.fetch_add(1, Ordering::Relaxed);
        &mut self.value
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Tracked<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: serde::Serialize> serde::Serialize for Tracked<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Tracked<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Tracked::new)
    }
}

impl<K: Hash + Eq, T> Collection<K, T> {
    /// Where `record` keeps its view, when it is one of this collection's records (found by
    /// its place among the entries, and checked to be that entry's own record).
    pub(crate) fn kept_slot(&self, record: &T) -> Option<KeptSlot<'_>> {
        self.entry_of(record).map(|e| KeptSlot {
            kept: &e.kept,
            bytes: &self.kept_bytes,
        })
    }

    fn entry_of(&self, record: &T) -> Option<&Entry<T>> {
        if std::mem::size_of::<T>() == 0 {
            return None;
        }
        let address = |i: usize| {
            self.items
                .get_index(i)
                .map(|(_, e)| std::ptr::from_ref(&e.item) as usize)
        };
        let offset = (std::ptr::from_ref(record) as usize).checked_sub(address(0)?)?;
        let i = match offset {
            0 => 0,
            _ => {
                let stride = address(1)?.checked_sub(address(0)?)?;
                if stride == 0 || offset % stride != 0 {
                    return None;
                }
                offset / stride
            }
        };
        let (_, e) = self.items.get_index(i)?;
        std::ptr::eq(&e.item, record).then_some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Collection;
    use super::*;

    fn text(s: &str) -> Arc<str> {
        Arc::from(s)
    }

    impl Found {
        fn text(self) -> Option<Arc<str>> {
            match self {
                Found::Text(t) => Some(t),
                _ => None,
            }
        }
    }

    struct View;
    struct Other;

    /// What every record pays for keeping nothing (the docs say 16 bytes).
    #[test]
    fn an_entry_keeping_nothing_costs_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Kept>(), 16);
    }

    #[test]
    fn a_record_is_found_by_its_place_and_only_its_own() {
        let mut c: Collection<i64, String> = Collection::new();
        for id in 1..=5 {
            c.insert(id, format!("r{id}"));
        }
        for id in 1..=5 {
            let r = c.get(&id).unwrap();
            assert!(std::ptr::eq(&c.entry_of(r).unwrap().item, r));
        }
        let stranger = "r3".to_string();
        assert!(c.kept_slot(&stranger).is_none(), "an equal value elsewhere");
        let copy = c.clone();
        assert!(
            c.kept_slot(copy.get(&3).unwrap()).is_none(),
            "another collection's"
        );
    }

    #[test]
    fn a_kept_view_lasts_until_its_record_changes_and_moves_with_it() {
        let mut c: Collection<i64, String> = Collection::new();
        for id in 1..=4 {
            c.insert(id, format!("r{id}"));
        }
        let v = TypeId::of::<View>();
        for id in 1..=4 {
            c.kept_slot(c.get(&id).unwrap())
                .unwrap()
                .put(v, 0, &text(&format!("\"r{id}\"")));
        }
        let kept = |c: &Collection<i64, String>, id| c.kept_slot(c.get(&id)?)?.get(v, 0).text();
        assert_eq!(kept(&c, 2).as_deref(), Some("\"r2\""));
        let slot = c.kept_slot(c.get(&2).unwrap()).unwrap();
        assert!(matches!(slot.get(TypeId::of::<Other>(), 0), Found::Taken));
        assert!(matches!(slot.get(v, 1), Found::Missing), "another version");
        // A newer version replaces the older; another view does not take the place.
        slot.put(TypeId::of::<Other>(), 0, &text("other"));
        slot.put(v, 1, &text("\"r2 v1\""));
        assert_eq!(slot.get(v, 1).text().as_deref(), Some("\"r2 v1\""));
        assert!(matches!(slot.get(v, 0), Found::Missing));
        slot.put(v, 0, &text("\"r2\""));
        // Changed in place, replaced, removed, moved to the front: each forgets its own only.
        c.get_mut(&2).unwrap().push('!');
        c.insert(3, "r3 again".into());
        c.remove(&1);
        c.insert_first(4, "r4 first".into());
        assert_eq!((kept(&c, 2), kept(&c, 3), kept(&c, 4)), (None, None, None));
        c.insert(5, "r5".into());
        c.kept_slot(c.get(&5).unwrap())
            .unwrap()
            .put(v, 0, &text("\"r5\""));
        c.remove(&2);
        assert_eq!(
            kept(&c, 5).as_deref(),
            Some("\"r5\""),
            "moved along with its record"
        );
        let before = c.kept_bytes.load(Ordering::Relaxed);
        assert_eq!(before, 4 + ENTRY_BYTES);
        for _ in c.iter_mut_values() {}
        assert_eq!(
            (kept(&c, 5), c.kept_bytes.load(Ordering::Relaxed)),
            (None, 0)
        );
        assert_eq!(c.clone().kept_bytes.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_collection_keeps_no_more_than_its_allowance() {
        let mut c: Collection<i64, String> = Collection::new();
        let big: Arc<str> = Arc::from("x".repeat(MAX_KEPT_BYTES / 3));
        for id in 1..=4 {
            c.insert(id, id.to_string());
        }
        let v = TypeId::of::<View>();
        for id in 1..=4 {
            c.kept_slot(c.get(&id).unwrap()).unwrap().put(v, 0, &big);
        }
        let kept: Vec<bool> = (1..=4)
            .map(|id| {
                c.kept_slot(c.get(&id).unwrap())
                    .unwrap()
                    .get(v, 0)
                    .text()
                    .is_some()
            })
            .collect();
        assert_eq!(kept, vec![true, true, false, false]);
        c.remove(&1);
        c.kept_slot(c.get(&3).unwrap()).unwrap().put(v, 0, &big);
        assert!(
            c.kept_slot(c.get(&3).unwrap())
                .unwrap()
                .get(v, 0)
                .text()
                .is_some(),
            "room again"
        );
    }

    #[derive(Debug, Clone, serde::Serialize)]
    struct Rec {
        id: i64,
        name: String,
    }

    #[derive(Clone)]
    struct St {
        recs: Collection<i64, Rec>,
        loose: Rec,
    }

    /// Records 1..=n named `r1`, `r2`, …
    fn recs(n: i64) -> Collection<i64, Rec> {
        let mut recs = Collection::new();
        for id in 1..=n {
            let name = format!("r{id}");
            recs.insert(id, Rec { id, name });
        }
        recs
    }

    static RENDERS: AtomicUsize = AtomicUsize::new(0);

    /// A record's name, counting its renders.
    struct Named;
    impl crate::platform::memo::KeptView for Named {
        type State = ();
        type Record = Rec;
        type Out<'r> = &'r str;
        fn render<'r>(_: &'r (), r: &'r Rec) -> &'r str {
            RENDERS.fetch_add(1, Ordering::Relaxed);
            &r.name
        }
    }

    /// Through the account's lock and memo, as handlers use them: a write to one record
    /// leaves the others' views kept; the written one shows its change; a record outside a
    /// collection is kept by the account's memo, which every write empties.
    #[test]
    fn views_beside_records_outlast_writes_to_other_records() {
        let tenants = crate::platform::store::Tenants::new(|| {
            let recs = recs(3);
            St {
                recs,
                loose: Rec {
                    id: 9,
                    name: "loose".into(),
                },
            }
        });
        let page = || {
            tenants.read_memo("acme", |s, memo| {
                let mut out: Vec<String> = s
                    .recs
                    .values()
                    .map(|r| serde_json::to_string(&memo.show_in::<Named, _>(&s.recs, r)).unwrap())
                    .collect();
                out.push(
                    serde_json::to_string(&memo.show_in::<Named, _>(&s.recs, &s.loose)).unwrap(),
                );
                out
            })
        };
        let renders = || RENDERS.load(Ordering::Relaxed);
        assert_eq!(page(), ["\"r1\"", "\"r2\"", "\"r3\"", "\"loose\""]);
        assert_eq!(renders(), 4);
        page();
        assert_eq!(renders(), 4, "all kept");
        tenants.with("acme", |s| s.recs.get_mut(&2).unwrap().name = "two".into());
        assert_eq!(page(), ["\"r1\"", "\"two\"", "\"r3\"", "\"loose\""]);
        assert_eq!(
            renders(),
            6,
            "the changed record and the one outside a collection"
        );
        tenants.with("acme", |s| {
            s.recs.remove(&1);
            s.loose.name = "moved".into();
        });
        assert_eq!(page(), ["\"two\"", "\"r3\"", "\"moved\""]);
        assert_eq!(renders(), 7, "the others moved with what they keep");
    }

    static LABELLED: AtomicUsize = AtomicUsize::new(0);

    /// A record's name and a label from the account's state, counting its renders.
    struct Labelled;
    impl crate::platform::memo::KeptView for Labelled {
        type State = Tracked<String>;
        type Record = Rec;
        type Out<'r> = String;
        fn render<'r>(label: &'r Tracked<String>, r: &'r Rec) -> String {
            LABELLED.fetch_add(1, Ordering::Relaxed);
            format!("{}:{}", **label, r.name)
        }
    }

    /// A view that also reads a tracked part of the state is kept while the record and that
    /// part are unchanged: a change to the part (even one that writes the same value back)
    /// renders every record again.
    #[test]
    fn views_that_read_a_tracked_part_follow_its_changes() {
        #[derive(Clone)]
        struct Labels {
            recs: Collection<i64, Rec>,
            label: Tracked<String>,
        }
        let tenants = crate::platform::store::Tenants::new(|| {
            let recs = recs(2);
            Labels {
                recs,
                label: Tracked::new("a".into()),
            }
        });
        let page = || {
            tenants.read_memo("acme", |s, memo| {
                s.recs
                    .values()
                    .map(|r| {
                        let shown = memo.show_beside::<Labelled, _>(&s.label, &s.recs, r);
                        serde_json::to_string(&shown).unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        };
        let renders = || LABELLED.load(Ordering::Relaxed);
        assert_eq!(page(), ["\"a:r1\"", "\"a:r2\""]);
        page();
        assert_eq!(renders(), 2);
        tenants.with("acme", |s| s.recs.get_mut(&1).unwrap().name = "one".into());
        assert_eq!(page(), ["\"a:one\"", "\"a:r2\""]);
        assert_eq!(renders(), 3);
        tenants.with("acme", |s| *s.label = "b".into());
        assert_eq!(page(), ["\"b:one\"", "\"b:r2\""]);
        assert_eq!(renders(), 5);
        tenants.with("acme", |s| s.label.push_str(""));
        page();
        assert_eq!(renders(), 7, "handed out mutably: a new version");
        let copy = Tracked::new(5);
        assert_eq!((copy.clone().version(), *copy.clone()), (copy.version(), 5));
        let json = serde_json::to_string(&copy).unwrap();
        assert_eq!(json, "5");
        let back: Tracked<i64> = serde_json::from_str(&json).unwrap();
        assert_ne!(back.version(), copy.version());
    }
}

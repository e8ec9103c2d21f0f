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
//! Each entry keeps one view (the first rendered; another view of the same record goes
//! through the account's memo as before), and a collection keeps at most [`MAX_KEPT_BYTES`]
//! of text (counted with [`ENTRY_BYTES`] per view) — past that, views are rendered and not kept.

use std::any::TypeId;
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use super::{Collection, Entry};

/// What one collection's records may keep, in all.
pub(super) const MAX_KEPT_BYTES: usize = 4 << 20;

/// A kept view's cost beyond its text: the box, the reference counts, rounded up.
pub(super) const ENTRY_BYTES: usize = 64;

/// The view an entry keeps: which one (its type) and its JSON text.
#[derive(Debug, Default)]
pub(super) struct Kept(OnceLock<Box<(TypeId, Arc<str>)>>);

impl Clone for Kept {
    /// A copy keeps nothing (its collection's count starts at zero).
    fn clone(&self) -> Self {
        Kept::default()
    }
}

impl Kept {
    fn cost(&self) -> usize {
        self.0.get().map_or(0, |k| k.1.len() + ENTRY_BYTES)
    }

    /// Drops the kept view (the record is about to change or go), giving its bytes back.
    pub(super) fn forget(&mut self, bytes: &mut AtomicUsize) {
        let cost = self.cost();
        if cost > 0 {
            let left = bytes.get_mut();
            *left = left.saturating_sub(cost);
            self.0 = OnceLock::new();
        }
    }
}

/// Where one record of a collection keeps its view.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeptSlot<'a> {
    kept: &'a Kept,
    bytes: &'a AtomicUsize,
}

impl KeptSlot<'_> {
    /// The text of `view`, if that is the view kept.
    pub(crate) fn get(&self, view: TypeId) -> Option<Arc<str>> {
        self.kept
            .0
            .get()
            .filter(|k| k.0 == view)
            .map(|k| k.1.clone())
    }

    /// Keeps `text` as the record's `view` when nothing is kept yet and the collection has
    /// room.
    pub(crate) fn put(&self, view: TypeId, text: &Arc<str>) {
        if self.kept.0.get().is_some() {
            return;
        }
        let cost = text.len() + ENTRY_BYTES;
        if self.bytes.fetch_add(cost, Ordering::Relaxed) + cost > MAX_KEPT_BYTES {
            self.bytes.fetch_sub(cost, Ordering::Relaxed);
            return;
        }
        if self.kept.0.set(Box::new((view, text.clone()))).is_err() {
            // Another reader kept it first: counted once.
            self.bytes.fetch_sub(cost, Ordering::Relaxed);
        }
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

    struct View;
    struct Other;

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
                .put(v, &text(&format!("\"r{id}\"")));
        }
        let kept = |c: &Collection<i64, String>, id| c.kept_slot(c.get(&id)?)?.get(v);
        assert_eq!(kept(&c, 2).as_deref(), Some("\"r2\""));
        assert_eq!(
            c.kept_slot(c.get(&2).unwrap())
                .unwrap()
                .get(TypeId::of::<Other>()),
            None
        );
        // Changed in place, replaced, removed, moved to the front: each forgets its own only.
        c.get_mut(&2).unwrap().push('!');
        c.insert(3, "r3 again".into());
        c.remove(&1);
        c.insert_first(4, "r4 first".into());
        assert_eq!((kept(&c, 2), kept(&c, 3), kept(&c, 4)), (None, None, None));
        c.insert(5, "r5".into());
        c.kept_slot(c.get(&5).unwrap())
            .unwrap()
            .put(v, &text("\"r5\""));
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
            c.kept_slot(c.get(&id).unwrap()).unwrap().put(v, &big);
        }
        let kept: Vec<bool> = (1..=4)
            .map(|id| c.kept_slot(c.get(&id).unwrap()).unwrap().get(v).is_some())
            .collect();
        assert_eq!(kept, vec![true, true, false, false]);
        c.remove(&1);
        c.kept_slot(c.get(&3).unwrap()).unwrap().put(v, &big);
        assert!(
            c.kept_slot(c.get(&3).unwrap()).unwrap().get(v).is_some(),
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
            let mut recs = Collection::new();
            for id in 1..=3 {
                recs.insert(
                    id,
                    Rec {
                        id,
                        name: format!("r{id}"),
                    },
                );
            }
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
}

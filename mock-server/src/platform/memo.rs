//! Rendered records, kept per account until the account's next write — or, for a view of
//! a record alone, beside the record until the record itself changes ([`Rendered::show_in`];
//! see `collection/kept.rs` for why that is safe).
//!
//! A list page spends most of its time writing each record's view as JSON; between two writes
//! to an account the same record always renders to the same bytes, so the bytes can be kept
//! and copied into the next page that shows the record. Filtering, ordering, paging, the
//! envelope and everything around the handler still run on every request; only the view of
//! one record is reused.
//!
//! Why this is safe:
//! - **Invalidation.** Every change to an account's state goes through [`super::store::Tenants`]'
//!   exclusive lock, which empties the account's memo before the change runs (and a replaced or
//!   reset account gets a new, empty one). Readers fill the memo only while holding the shared
//!   lock, so nothing in the memo survives a write. A view kept beside its record
//!   ([`Rendered::show_in`]) lives in the record's collection entry instead, and goes when the
//!   record changes or the state part it read takes a new version (`collection/kept.rs`).
//! - **Keys.** A kept view is a type implementing [`KeptView`]: the type is the key (one
//!   type, one view — two views cannot share a name by mistake), and its `render` is a plain
//!   function of the account's state and the record. It takes no clock, no request and no
//!   closure, so it cannot read what changes without a write (the wall clock is out of reach
//!   too: `clippy.toml` refuses `SystemTime::now` and `Utc::now` outside the platform's clock).
//!   A record is known by its address and the view's type. A [`Memo`] hands out a
//!   [`Rendered<'r>`] that only accepts records borrowed for the whole read (`&'r T`, the
//!   closure being generic over `'r`): a reference the read could make to a value of its own
//!   does not live that long, so every accepted record is the state's own (or `'static`), and
//!   its address names it until the next write.
//!
//! A record of the state is accepted; a value the read makes itself is refused at compile time:
//!
//! ```
//! use mock_server::platform::memo::KeptView;
//! use mock_server::platform::store::Tenants;
//! /// A number shown ten times over.
//! struct Tenfold;
//! impl KeptView for Tenfold {
//!     type State = Vec<i64>;
//!     type Record = i64;
//!     type Out<'r> = i64;
//!     fn render<'r>(_all: &'r Vec<i64>, n: &'r i64) -> i64 {
//!         n * 10
//!     }
//! }
//! let tenants = Tenants::new(|| vec![1_i64, 2]);
//! let text = tenants.read_memo("acme", |records, memo| {
//!     serde_json::to_string(&memo.show::<Tenfold>(records, &records[1])).unwrap()
//! });
//! assert_eq!(text, "20");
//! ```
//!
//! ```compile_fail
//! use mock_server::platform::store::Tenants;
//! let tenants = Tenants::new(|| vec![1_i64, 2]);
//! tenants.read_memo("acme", |_records, memo| {
//!     let own = 5_i64;
//!     serde_json::to_string(&memo.stored(&own)).unwrap()
//! });
//! ```
//!
//! A view is a function, not a closure, so it cannot take the request's clock or query along:
//!
//! ```compile_fail
//! use mock_server::platform::store::Tenants;
//! let tenants = Tenants::new(|| vec![1_i64, 2]);
//! let now = 1_700_000_000_i64;
//! tenants.read_memo("acme", |records, memo| {
//!     serde_json::to_string(&memo.show(records, &records[1], |n: &i64| n + now)).unwrap()
//! });
//! ```
//!
//! A memo holds at most [`MAX_BYTES`] per account (text and a per-record allowance); past
//! that, records are written straight into the answer and not kept.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::collection::{Collection, StatePart};

/// What one account's memo may hold: rendered text plus [`ENTRY_BYTES`] per record.
pub const MAX_BYTES: usize = 8 << 20;

/// A kept record's cost beyond its text: its map slot (key and pointer) and the text's
/// reference counts, rounded up.
pub const ENTRY_BYTES: usize = 96;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    /// The [`KeptView`] type (which fixes the record's type).
    view: TypeId,
    at: usize,
}

/// A view of one record that an account's memo may keep until the account's next write: the
/// type names it, and `render` sees only the account's state and the record (see the module
/// notes). Each vendor declares its kept views beside the resource that shows them.
pub trait KeptView: 'static {
    /// The state `render` may read besides the record (the account's, or `()`).
    type State: 'static;
    /// The record shown.
    type Record: 'static;
    /// What it renders to.
    type Out<'r>: Serialize;
    /// The view of `record`, from `state` and `record` only.
    fn render<'r>(state: &'r Self::State, record: &'r Self::Record) -> Self::Out<'r>;
}

/// The record as stored (its own `Serialize`): the kept view behind [`Rendered::stored`].
#[derive(Debug)]
pub struct AsStored<T>(PhantomData<fn() -> T>);

impl<T: Serialize + 'static> KeptView for AsStored<T> {
    type State = ();
    type Record = T;
    type Out<'r> = &'r T;
    fn render<'r>(_: &'r (), record: &'r T) -> &'r T {
        record
    }
}

/// How many derived values (see [`Rendered::derived`]) one account's memo keeps.
pub const MAX_DERIVED: usize = 8;

type AnyValue = Arc<dyn Any + Send + Sync>;

/// One account's rendered records, and values derived from its whole state.
#[derive(Debug, Default)]
pub struct Memo {
    kept: RwLock<HashMap<Key, Fragment, foldhash::fast::RandomState>>,
    bytes: AtomicUsize,
    derived: RwLock<Vec<(&'static str, AnyValue)>>,
}

impl Memo {
    /// Forgets everything (the account is about to change).
    pub fn forget(&self) {
        let mut kept = self.kept.write().unwrap_or_else(|p| p.into_inner());
        kept.clear();
        self.bytes.store(0, Ordering::Relaxed);
        self.derived
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// The memo for one read of the state it belongs to. Only the state's owner hands it out
    /// (it must [`Memo::forget`] before every change of the state).
    pub(super) fn for_read(&self) -> Rendered<'_> {
        Rendered {
            memo: self,
            _read: PhantomData,
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.kept.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A memo during one read of its account's state; see the module notes for why records must
/// be borrowed for `'r`.
#[derive(Debug, Clone, Copy)]
pub struct Rendered<'r> {
    memo: &'r Memo,
    /// Invariant in `'r`: a `Rendered<'r>` cannot be shortened to the lifetime of a value the
    /// read made itself, so `view` keeps asking for records that live the whole read.
    _read: PhantomData<fn(&'r ()) -> &'r ()>,
}

impl<'r> Rendered<'r> {
    /// `V`'s view of `record` as JSON text: kept from an earlier read since the last write, or
    /// rendered now (and kept while the memo has room).
    pub fn show<V: KeptView>(
        self,
        state: &'r V::State,
        record: &'r V::Record,
    ) -> Shown<V::Out<'r>> {
        self.keep(TypeId::of::<V>(), record, || V::render(state, record))
    }

    /// The record as stored (its own `Serialize`), kept like any view.
    pub fn stored<T: Serialize + 'static>(self, record: &'r T) -> Shown<&'r T> {
        self.show::<AsStored<T>>(&(), record)
    }

    /// [`Rendered::show`] for a view of the record alone, `record` being one of `collection`'s:
    /// kept beside the record, so it outlasts writes that leave the record alone (see
    /// [`super::collection`]'s `kept`). A record found elsewhere is kept in the memo as by
    /// `show`.
    pub fn show_in<V: KeptView<State = ()>, K: std::hash::Hash + Eq>(
        self,
        collection: &'r Collection<K, V::Record>,
        record: &'r V::Record,
    ) -> Shown<V::Out<'r>> {
        self.show_beside::<V, K>(&(), collection, record)
    }

    /// [`Rendered::show_in`] for a view that also reads `state`, a part of the account's state
    /// that tells its changes apart ([`StatePart`]: a [`super::collection::Tracked`] value): what
    /// is kept is used while the record and that part are unchanged.
    pub fn show_beside<V: KeptView, K: std::hash::Hash + Eq>(
        self,
        state: &'r V::State,
        collection: &'r Collection<K, V::Record>,
        record: &'r V::Record,
    ) -> Shown<V::Out<'r>>
    where
        V::State: StatePart,
    {
        use super::collection::Found;
        let (view, version) = (TypeId::of::<V>(), state.version());
        // Not one of the collection's records, or it keeps another view: the account's memo.
        let Some(slot) = collection.kept_slot(record) else {
            return self.show::<V>(state, record);
        };
        match slot.get(view, version) {
            Found::Text(text) => return Shown::Kept(Fragment(text)),
            Found::Taken => return self.show::<V>(state, record),
            Found::Missing => {}
        }
        let v = V::render(state, record);
        match text_of(&v) {
            Some(text) => {
                slot.put(view, version, &text);
                Shown::Kept(Fragment(text))
            }
            None => Shown::Fresh(v),
        }
    }

    /// [`Rendered::stored`] for one of `collection`'s records, kept as by
    /// [`Rendered::show_in`].
    pub fn stored_in<T: Serialize + 'static, K: std::hash::Hash + Eq>(
        self,
        collection: &'r Collection<K, T>,
        record: &'r T,
    ) -> Shown<&'r T> {
        self.show_in::<AsStored<T>, K>(collection, record)
    }

    fn keep<T, V: Serialize>(
        self,
        view: TypeId,
        record: &'r T,
        render: impl FnOnce() -> V,
    ) -> Shown<V> {
        let key = Key {
            view,
            at: std::ptr::from_ref(record) as usize,
        };
        let memo = self.memo;
        if let Some(f) = memo
            .kept
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Shown::Kept(f.clone());
        }
        let v = render();
        if memo.bytes.load(Ordering::Relaxed) >= MAX_BYTES {
            // Full: written straight into the answer, as without a memo.
            return Shown::Fresh(v);
        }
        let Some(text) = text_of(&v) else {
            return Shown::Fresh(v);
        };
        let f = Fragment(text);
        let cost = f.0.len() + ENTRY_BYTES;
        if memo.bytes.fetch_add(cost, Ordering::Relaxed) + cost <= MAX_BYTES {
            let earlier = memo
                .kept
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key, f.clone());
            if let Some(e) = earlier {
                // Two readers rendered it at once: counted once.
                memo.bytes
                    .fetch_sub(e.0.len() + ENTRY_BYTES, Ordering::Relaxed);
            }
        } else {
            memo.bytes.fetch_sub(cost, Ordering::Relaxed);
        }
        Shown::Kept(f)
    }
}

impl Rendered<'_> {
    /// A value worked out from the account's state — an order of a collection, say — kept
    /// like a view until the next write: the first one named `name`, of type `D`, that `fits`
    /// the caller's question, or `make()` (kept while fewer than [`MAX_DERIVED`] are). `D` is
    /// `'static`, so it names records by position or id, never by reference, and `make` must
    /// read only the state.
    pub fn derived<D: Any + Send + Sync>(
        self,
        name: &'static str,
        fits: impl Fn(&D) -> bool,
        make: impl FnOnce() -> D,
    ) -> Arc<D> {
        let found = self
            .memo
            .derived
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(n, _)| *n == name)
            .find_map(|(_, v)| v.clone().downcast::<D>().ok().filter(|d| fits(d)));
        if let Some(d) = found {
            return d;
        }
        let d = Arc::new(make());
        let mut derived = self.memo.derived.write().unwrap_or_else(|p| p.into_inner());
        if derived.len() < MAX_DERIVED {
            derived.push((name, d.clone()));
        }
        d
    }
}

/// `view` as JSON text (`None` when it fails: the answer's own encoder then writes it again
/// and reports the failure).
fn text_of(view: &impl Serialize) -> Option<Arc<str>> {
    let mut text = Vec::with_capacity(1024);
    super::json::write(&mut text, view).ok()?;
    String::from_utf8(text).ok().map(Arc::from)
}

/// A record's view: kept JSON text, or the view itself when it could not be rendered apart.
#[derive(Debug)]
pub enum Shown<V> {
    Kept(Fragment),
    Fresh(V),
}

impl<V: Serialize> Serialize for Shown<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Shown::Kept(f) => f.serialize(s),
            Shown::Fresh(v) => v.serialize(s),
        }
    }
}

/// JSON text written as it is (serde_json's raw-value convention, which the response encoder
/// and serde_json's own serializers both follow).
#[derive(Debug, Clone)]
pub struct Fragment(Arc<str>);

impl Fragment {
    pub fn text(&self) -> &str {
        &self.0
    }
}

impl Serialize for Fragment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct(super::json::RAW_VALUE_TOKEN, 1)?;
        st.serialize_field(super::json::RAW_VALUE_TOKEN, &*self.0)?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Serialize)]
    struct Rec {
        id: i64,
        name: String,
    }

    fn shown_json<V: Serialize>(s: &Shown<V>) -> String {
        String::from_utf8(crate::platform::view::encode(s).unwrap()).unwrap()
    }

    static RENDERS: AtomicUsize = AtomicUsize::new(0);

    /// A record's id and name, counting its renders.
    struct Counted;
    impl KeptView for Counted {
        type State = ();
        type Record = Rec;
        type Out<'r> = serde_json::Value;
        fn render<'r>(_: &'r (), r: &'r Rec) -> serde_json::Value {
            RENDERS.fetch_add(1, Ordering::Relaxed);
            json!({"id": r.id, "name": r.name})
        }
    }

    #[test]
    fn renders_once_and_reuses_until_cleared() {
        let recs = [
            Rec {
                id: 1,
                name: "a\"b".into(),
            },
            Rec {
                id: 2,
                name: "c".into(),
            },
        ];
        let memo = Memo::default();
        let render = |m: &Memo, r: &Rec| shown_json(&m.for_read().show::<Counted>(&(), r));
        let calls = || RENDERS.load(Ordering::Relaxed);
        // The helper borrows `recs` for as long as the memo's read: it lives long enough
        // because `recs` outlives both.
        assert_eq!(render(&memo, &recs[0]), r#"{"id":1,"name":"a\"b"}"#);
        assert_eq!(render(&memo, &recs[0]), r#"{"id":1,"name":"a\"b"}"#);
        assert_eq!(render(&memo, &recs[1]), r#"{"id":2,"name":"c"}"#);
        assert_eq!(calls(), 2, "the second read of record 0 reused its text");
        assert_eq!(memo.len(), 2);
        memo.forget();
        assert!(memo.is_empty());
        assert_eq!(render(&memo, &recs[0]), r#"{"id":1,"name":"a\"b"}"#);
        assert_eq!(calls(), 3, "a cleared memo renders again");
    }

    struct Short;
    impl KeptView for Short {
        type State = ();
        type Record = Rec;
        type Out<'r> = serde_json::Value;
        fn render<'r>(_: &'r (), r: &'r Rec) -> serde_json::Value {
            json!({"id": r.id})
        }
    }

    /// The state the view reads is its own argument: here a label for every record.
    struct Labelled;
    impl KeptView for Labelled {
        type State = String;
        type Record = Rec;
        type Out<'r> = serde_json::Value;
        fn render<'r>(label: &'r String, r: &'r Rec) -> serde_json::Value {
            json!({"id": r.id, "name": r.name, "label": label})
        }
    }

    #[test]
    fn views_and_types_are_kept_apart() {
        let rec = Rec {
            id: 7,
            name: "x".into(),
        };
        let label = "L".to_string();
        let memo = Memo::default();
        let m = memo.for_read();
        let a = shown_json(&m.show::<Short>(&(), &rec));
        let b = shown_json(&m.show::<Labelled>(&label, &rec));
        // The record's first field sits at the record's address: another view, another key.
        let c = shown_json(&m.stored(&rec.id));
        assert_eq!(a, r#"{"id":7}"#);
        assert_eq!(b, r#"{"id":7,"name":"x","label":"L"}"#);
        assert_eq!(c, "7");
        assert_eq!(memo.len(), 3);
        assert_eq!(shown_json(&m.show::<Short>(&(), &rec)), a, "kept");
    }

    #[test]
    fn fragments_are_raw_text_to_serde_json_too() {
        let rec = Rec {
            id: 3,
            name: "é\n".into(),
        };
        let memo = Memo::default();
        let shown = memo.for_read().stored(&rec);
        let kept = memo.for_read().stored(&rec);
        assert!(matches!(kept, Shown::Kept(_)));
        let direct = serde_json::to_string(&rec).unwrap();
        assert_eq!(serde_json::to_string(&shown).unwrap(), direct);
        assert_eq!(serde_json::to_string(&kept).unwrap(), direct);
        assert_eq!(shown_json(&kept), direct);
        assert_eq!(
            serde_json::to_value(&kept).unwrap(),
            json!({"id": 3, "name": "é\n"})
        );
    }

    #[test]
    fn a_full_memo_renders_without_keeping() {
        // Exactly the limit once kept: `{"id":1,"name":"…"}` is 18 bytes around the name.
        let big = Rec {
            id: 1,
            name: "x".repeat(MAX_BYTES - ENTRY_BYTES - 18),
        };
        let small = Rec {
            id: 2,
            name: "y".repeat(64),
        };
        let memo = Memo::default();
        let m = memo.for_read();
        let first = shown_json(&m.stored(&big));
        assert_eq!(first.len() + ENTRY_BYTES, MAX_BYTES);
        assert_eq!(memo.len(), 1);
        let second = m.stored(&small);
        assert!(
            matches!(second, Shown::Fresh(_)),
            "a full memo hands the view back"
        );
        assert_eq!(
            shown_json(&second),
            format!(r#"{{"id":2,"name":"{}"}}"#, "y".repeat(64))
        );
        assert_eq!(memo.len(), 1, "past the limit, nothing more is kept");
        assert!(memo.bytes.load(Ordering::Relaxed) <= MAX_BYTES);
    }

    /// Derived values are made once per question until the memo forgets, and only so many.
    #[test]
    fn derived_values_are_kept_per_question() {
        let memo = Memo::default();
        let made = std::cell::Cell::new(0);
        let square = |n: u64| {
            memo.for_read().derived(
                "square",
                |d: &(u64, u64)| d.0 == n,
                || {
                    made.set(made.get() + 1);
                    (n, n * n)
                },
            )
        };
        assert_eq!(*square(3), (3, 9));
        assert_eq!(*square(3), (3, 9));
        assert_eq!(*square(4), (4, 16));
        assert_eq!(made.get(), 2);
        // Another name or type is another value.
        let other = memo
            .for_read()
            .derived("cube", |_: &(u64, u64)| true, || (3, 27));
        assert_eq!(*other, (3, 27));
        let typed = memo.for_read().derived("square", |_: &u8| true, || 1_u8);
        assert_eq!(*typed, 1);
        memo.forget();
        assert_eq!(*square(3), (3, 9));
        assert_eq!(made.get(), 3);
        for n in 10..30 {
            square(n);
        }
        let kept = memo.derived.read().unwrap().len();
        assert_eq!(kept, MAX_DERIVED);
        made.set(0);
        assert_eq!(*square(29), (29, 841), "past the limit: made, not kept");
        assert_eq!(made.get(), 1);
    }

    /// A view that cannot be written is not kept, and the answer's encoder reports it.
    #[test]
    fn a_failing_view_is_handed_back() {
        use crate::platform::view::Unserializable;
        let memo = Memo::default();
        struct Bad;
        impl KeptView for Bad {
            type State = ();
            type Record = i64;
            type Out<'r> = Unserializable;
            fn render<'r>(_: &'r (), _: &'r i64) -> Unserializable {
                Unserializable
            }
        }
        let shown = memo.for_read().show::<Bad>(&(), &7_i64);
        assert!(matches!(shown, Shown::Fresh(_)));
        assert!(memo.is_empty());
        assert!(crate::platform::view::encode(&shown).is_err());
    }
}

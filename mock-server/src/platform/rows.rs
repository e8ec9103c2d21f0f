//! An account's state split for storage: its document with every [`Collection`]'s records
//! taken out (a placeholder `{"$rows": n, "next_id": m}` where they were), and the records as
//! rows of their own, keyed by the collection's place `n` in the document and the record's
//! position stamp. Only what changed since the collection was last stored becomes a row change,
//! so storing a write costs the size of what it changed plus the state outside collections
//! (vendors keep whatever grows with use in collections), not the size of the account.
//!
//! Both directions work through the state's own `Serialize`/`Deserialize`: while [`split`]
//! runs, a collection serializes as its placeholder and hands its changed rows over; while
//! [`with_rows`] runs, a placeholder read back pulls its rows from the given source. Outside
//! of those two, collections read and write their plain list form as before.
//!
//! [`Collection`]: super::store::Collection

use std::cell::RefCell;

/// A change of an account's state, as storage sees it (see [`Tenants::on_change`](super::store::Tenants::on_change)). Each is
/// reported under the lock that orders it: a write under the account's lock, a replace or a
/// reset under the lock of the map of accounts.
pub enum Change<'a, S> {
    /// A write ran on the state of `generation`. Storage reads `state` again when it commits
    /// (under the state's lock), so the writes of one account between two commits are
    /// serialized once, off the writing request's path.
    Wrote {
        account: &'a str,
        generation: u64,
        state: &'a std::sync::Arc<dyn Unsaved>,
    },
    /// `state`, of `generation`, was put in place of the account's state.
    Replaced {
        account: &'a str,
        generation: u64,
        state: &'a S,
    },
    /// One account's state (or every account's) was dropped: states of generations below
    /// `generation` are gone, the next use reseeds.
    Dropped {
        account: Option<&'a str>,
        generation: u64,
    },
}

/// A written state, for storage to serialize when it commits (see [`Change::Wrote`]).
pub trait Unsaved: Send + Sync {
    /// [`split`] of the state as it is now, read under the lock that orders its writes.
    fn split_now(&self) -> Result<Split, String>;
}

/// One change to the stored rows of one collection (`n` is the collection's place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowChange {
    /// Every row of collection `n` goes (it is written whole next).
    Clear(u32),
    /// Row `(n, stamp)` holds this record's JSON text.
    Put(u32, i64, Vec<u8>),
    /// Row `(n, stamp)` goes.
    Delete(u32, i64),
}

/// What storing one state takes: its document with placeholders, the row changes, and how many
/// collections the document has (rows of collections beyond that are stale).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub document: Vec<u8>,
    pub rows: Vec<RowChange>,
    pub collections: u32,
}

#[derive(Default)]
struct Splitting {
    next: u32,
    rows: Vec<RowChange>,
}

/// Called with each stored row's stamp and JSON text; an error stops the reading.
pub type EachRow<'a> = dyn FnMut(i64, &[u8]) -> Result<(), String> + 'a;

/// Reads the stored rows of one collection of one account, in stamp order.
pub trait RowSource {
    fn each(&self, collection: u32, f: &mut EachRow<'_>) -> Result<(), String>;
}

thread_local! {
    static SPLITTING: RefCell<Option<Splitting>> = const { RefCell::new(None) };
    static SOURCE: RefCell<Option<Box<dyn RowSource>>> = const { RefCell::new(None) };
}

/// Puts the thread's slot back as it was when dropped (also when unwinding).
struct Restore<T: 'static>(
    &'static std::thread::LocalKey<RefCell<Option<T>>>,
    Option<T>,
);

impl<T: 'static> Drop for Restore<T> {
    fn drop(&mut self) {
        let previous = self.1.take();
        self.0.with(|s| *s.borrow_mut() = previous);
    }
}

/// Serializes `state` split for storage. Each collection in it forgets its changes as it hands
/// them over: call this under the lock that orders the state's writes.
pub fn split<S: serde::Serialize + ?Sized>(state: &S) -> Result<Split, String> {
    let previous = SPLITTING.with(|s| s.borrow_mut().replace(Splitting::default()));
    let restore = Restore(&SPLITTING, previous);
    let document = serde_json::to_vec(state).map_err(|e| e.to_string());
    let done = SPLITTING
        .with(|s| s.borrow_mut().take())
        .unwrap_or_default();
    drop(restore);
    Ok(Split {
        document: document?,
        rows: done.rows,
        collections: done.next,
    })
}

/// While [`split`] runs: the place of the collection being serialized (counting every
/// collection the document has met so far), or `None` outside of a split.
pub(crate) fn next_place() -> Option<u32> {
    SPLITTING.with(|s| {
        s.borrow_mut().as_mut().map(|s| {
            s.next += 1;
            s.next - 1
        })
    })
}

/// Runs `f` outside of any split (a record's own serialization writes its plain form).
pub(crate) fn plainly<R>(f: impl FnOnce() -> R) -> R {
    let previous = SPLITTING.with(|s| s.borrow_mut().take());
    let _restore = Restore(&SPLITTING, previous);
    f()
}

/// Hands a collection's row changes to the split in progress.
pub(crate) fn hand_over(rows: Vec<RowChange>) {
    SPLITTING.with(|s| {
        if let Some(s) = s.borrow_mut().as_mut() {
            s.rows.extend(rows);
        }
    });
}

/// Runs `f` (which reads a stored document) with `source` answering its placeholders.
pub fn with_rows<R>(source: Box<dyn RowSource>, f: impl FnOnce() -> R) -> R {
    let previous = SOURCE.with(|s| s.borrow_mut().replace(source));
    let _restore = Restore(&SOURCE, previous);
    f()
}

/// The rows of collection `place`, for a placeholder being read. Outside of [`with_rows`] a
/// placeholder is an error (a document sent by a client cannot refer to stored rows).
pub(crate) fn each_row(place: u32, f: &mut EachRow<'_>) -> Result<(), String> {
    // The source is taken out while it runs, so a record read from a row cannot reach it.
    let source = SOURCE.with(|s| s.borrow_mut().take()).ok_or_else(|| {
        "\"$rows\" refers to rows of a state directory; a state document lists its records"
            .to_string()
    })?;
    let result = source.each(place, f);
    SOURCE.with(|s| *s.borrow_mut() = Some(source));
    result
}

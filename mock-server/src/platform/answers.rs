//! Answers kept between reads: a GET's answer, as its handler made it, kept per surface and
//! handed out again for the same request until anything changes.
//!
//! What a handler's answer can depend on is the request (its URI, its headers, its body, the
//! account it authenticated as and the prefix it came in by), the state of the vendor, the
//! clock, and what the admin API set. A kept answer is keyed by all of the request (its
//! headers as the journal shows them) and belongs to two **epochs** of its instance's
//! [`Epochs`] (one per instance, carried by its clock, which every part of an instance
//! shares): its account's, a counter moved after every change of that account's state
//! ([`Epochs::changed_for`]: a write, a replace, a reset of it, a request to a surface as it
//! that is not a GET or HEAD), and the instance's, moved after every change that can reach
//! every account ([`Epochs::changed`]: a move of the clock, a reset of every account, every
//! admin request that is not a read). Instances in one process (an embedding test suite's)
//! keep each other's answers. Accounts are the unit of isolation (a handler reads its own
//! account's state alone), so tests that share an instance, each in its own account, keep
//! each other's answers. An answer whose handler
//! read the clock ([`Clock::now_ms`] notes it through [`noted_clock_read`]) is not kept, nor
//! one that set anything beside its status, headers and body (a GET that wrote says so with
//! an extension), nor one that is not a success, nor one made while either epoch moved. So a
//! kept answer is one the handler would make again.
//!
//! What stays around it: authentication, rate limits and their headers, injected faults,
//! stubs and the journal run for every request; only the handler is skipped. With
//! [`Platform::check_answers`] (on in debug builds, so every test runs it) a request answered
//! from here also runs its handler and compares: a difference is a 500 and an error line.
//!
//! The main port's dispatcher also offers a GET to its surface's kept lane
//! (`surface::kept`, through [`Answers::kept`]), which sends a kept answer before the edge:
//! the same steps around it, without the edge's and guard's machinery.
//!
//! Measured (`scripts/instr.sh`, `docs/performance.md`): a HelpCrunch customer GET 25.1k →
//! 23.3k instructions per request, its list page 32.3k → 24.6k, a PATCH 41.6k → 42.2k; with
//! the kept lane, both reads 17.0k.
//!
//! [`Clock::now_ms`]: super::clock::Clock::now_ms
//! [`Platform::check_answers`]: super::Platform::check_answers

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

use super::journal::{body_text, BodyText};

/// Answers a surface keeps at most; when full it starts over.
pub const MAX_ANSWERS: usize = 1024;
/// Bytes of kept bodies and keys per surface at most.
pub const MAX_BYTES: usize = 8 << 20;
/// The largest body kept.
pub const MAX_BODY: usize = 1 << 20;

/// The counters kept answers are checked against: one for everything, one per account (one
/// set per instance: see the module notes).
#[derive(Default)]
pub struct Epochs {
    all: AtomicU64,
    /// An account's counter, from its first change on (0 before).
    accounts: parking_lot::RwLock<HashMap<Box<str>, u64, foldhash::fast::RandomState>>,
}

impl std::fmt::Debug for Epochs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Epochs")
            .field("all", &self.all.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Epochs {
    /// Something every account's answers could show has changed: every answer kept so far
    /// is stale. Called after the change is in place (so a read that saw the old state is
    /// not kept under the new epoch).
    pub fn changed(&self) {
        self.all.fetch_add(1, Ordering::SeqCst);
    }

    /// `account`'s state has changed: its kept answers are stale (called after the change
    /// is in place, as [`Epochs::changed`]).
    pub fn changed_for(&self, account: &str) {
        let mut accounts = self.accounts.write();
        match accounts.get_mut(account) {
            Some(n) => *n += 1,
            None => {
                accounts.insert(account.into(), 1);
            }
        }
    }

    /// Both epochs of `account`, as they stand.
    fn of(&self, account: &str) -> (u64, u64) {
        let all = self.all.load(Ordering::SeqCst);
        (all, self.accounts.read().get(account).copied().unwrap_or(0))
    }
}

tokio::task_local! {
    static CLOCK_READ: Cell<bool>;
}

/// Notes that the handler running now read the clock (its answer is not kept). Outside a
/// handler run through [`Answers`] it does nothing.
pub fn noted_clock_read() {
    let _ = CLOCK_READ.try_with(|c| c.set(true));
}

/// The answer a handler made, once it is kept, with the request it answers.
struct Kept {
    hash: u64,
    key: Box<[u8]>,
    /// The account's epoch it was made in.
    account_epoch: u64,
    status: StatusCode,
    /// The handler's headers with the surface's [`Framing`] after them, as the surface sends
    /// them (framing them again changes nothing).
    framed: HeaderMap,
    body: Bytes,
    /// The body as the journal keeps it, cut and copied once.
    journal: Option<BodyText>,
}

impl Kept {
    /// The answer, framed, before the per-request headers.
    fn response(&self) -> Response {
        let mut res = Response::new(Body::from(self.body.clone()));
        *res.status_mut() = self.status;
        *res.headers_mut() = self.framed.clone();
        res
    }
}

/// Headers a request's answer may gain after its surface frames it: the rate limit's two
/// and CORS's three. A framed map's index is sized for them (a clone keeps the index's size,
/// so adding them never rehashes; its list of entries is cloned at its length, and grows).
const PER_REQUEST_HEADERS: usize = 5;

/// Headers every answer a surface renders goes out with, each unless the answer has its own
/// (the framework's, `Vary`): the surface's edge frames what it sends with them, and kept
/// answers are kept framed with the same list.
#[derive(Debug, Default)]
pub struct Framing(pub Box<[(HeaderName, HeaderValue)]>);

impl Framing {
    /// Adds each framing header `headers` does not have.
    pub fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in self.0.iter() {
            headers.entry(name).or_insert_with(|| value.clone());
        }
    }
}

#[derive(Default)]
struct Shelf {
    epoch: u64,
    bytes: usize,
    answers: hashbrown::HashTable<Kept>,
}

/// One surface's kept answers.
pub struct Answers {
    shelf: parking_lot::RwLock<Shelf>,
    hasher: foldhash::fast::RandomState,
    /// The instance's epochs.
    epochs: std::sync::Arc<Epochs>,
    /// The surface's framing, which kept answers are kept with.
    framing: Framing,
}

impl Answers {
    /// A surface's kept answers, checked against the instance's `epochs`, kept framed by the
    /// surface's `framing`.
    pub fn new(epochs: std::sync::Arc<Epochs>, framing: Framing) -> Self {
        Self {
            shelf: Default::default(),
            hasher: Default::default(),
            epochs,
            framing,
        }
    }

    /// The surface's framing (its edge frames every answer it renders with it).
    pub fn framing(&self) -> &Framing {
        &self.framing
    }

    /// `headers` framed, in a map with room for the per-request headers.
    fn frame(&self, headers: &HeaderMap) -> HeaderMap {
        let mut framed =
            HeaderMap::with_capacity(headers.len() + self.framing.0.len() + PER_REQUEST_HEADERS);
        for (name, value) in headers {
            framed.append(name.clone(), value.clone());
        }
        self.framing.apply(&mut framed);
        framed
    }
}

impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answers").finish_non_exhaustive()
    }
}

/// Everything of a request a handler can read besides state: the account, the prefix it came
/// in by, the path and query below it, and the headers as the journal shows them
/// ([`super::journal::header_text`]: every header in order, credentials redacted — a handler
/// learns who is asking from the account, not from the credential).
#[derive(Clone, Copy)]
pub struct Asked<'a> {
    pub account: &'a str,
    pub base: &'a str,
    /// The path below the prefix (`/` at the surface's root).
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a str,
}

impl Asked<'_> {
    /// The request as a run of byte strings, in order. The account comes with its length;
    /// prefixes and URIs hold no newline, and the headers come last: so no two requests make
    /// the same run once it is joined.
    fn pieces(&self, mut f: impl FnMut(&[u8])) {
        f(&(self.account.len() as u64).to_le_bytes());
        for part in [self.account, self.base] {
            f(part.as_bytes());
            f(b"\n");
        }
        // A path holds no `?`: the query's mark keeps the two apart.
        f(self.path.as_bytes());
        if let Some(q) = self.query {
            f(b"?");
            f(q.as_bytes());
        }
        f(b"\n");
        f(self.headers.as_bytes());
    }

    /// The pieces joined: what a kept answer is stored under.
    pub fn key(&self) -> Vec<u8> {
        let mut room = 0;
        self.pieces(|p| room += p.len());
        let mut k = Vec::with_capacity(room);
        self.pieces(|p| k.extend_from_slice(p));
        k
    }

    /// Whether `key` is this request's (compared piece by piece, nothing joined; the
    /// one-byte marks without a call to `memcmp`).
    fn is(&self, key: &[u8]) -> bool {
        // Requests to one URI with other headers (another client) share the hash: most differ
        // in length, told apart without a comparison.
        let mut len = 0;
        self.pieces(|p| len += p.len());
        if key.len() != len {
            return false;
        }
        let mut rest = key;
        let mut same = true;
        self.pieces(|p| {
            if !same {
                return;
            }
            same = match (p, rest) {
                ([mark], [first, ..]) => mark == first,
                _ => rest.len() >= p.len() && rest[..p.len()] == *p,
            };
            if same {
                rest = &rest[p.len()..];
            }
        });
        same && rest.is_empty()
    }

    /// Hashed by the account, the prefix and the URI alone (the headers are compared, not
    /// hashed: they seldom tell two requests to one URI apart, and hashing them cost more than
    /// the lookup saved).
    fn hash(&self, with: &foldhash::fast::RandomState) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = with.build_hasher();
        h.write(self.account.as_bytes());
        h.write_u8(0xff);
        h.write(self.base.as_bytes());
        h.write_u8(0xff);
        h.write(self.path.as_bytes());
        if let Some(q) = self.query {
            h.write_u8(b'?');
            h.write(q.as_bytes());
        }
        h.finish()
    }
}

impl Answers {
    /// The answer kept for the request `asked` describes, or what it takes to keep the one
    /// its handler is about to make ([`Answers::make`]).
    pub fn look(&self, asked: &Asked<'_>) -> Looked {
        let hash = asked.hash(&self.hasher);
        let epochs = self.epochs.of(asked.account);
        if let Some(res) = self.find(hash, asked, epochs, Kept::response) {
            return Looked::Kept(res, Stamp(epochs));
        }
        Looked::Missing(Pending {
            hash,
            key: asked.key().into_boxed_slice(),
            epochs,
        })
    }

    /// The handler's answer to `account`'s request, kept when it may be (see the module
    /// notes).
    pub async fn make<F>(&self, pending: Pending, account: &str, handler: F) -> Response
    where
        F: std::future::Future<Output = Response>,
    {
        let (res, read_clock) = CLOCK_READ
            .scope(Cell::new(false), async {
                let res = handler.await;
                (res, CLOCK_READ.with(Cell::get))
            })
            .await;
        if read_clock || !res.status().is_success() || !res.extensions().is_empty() {
            return res;
        }
        let (parts, body) = res.into_parts();
        let body = super::view::body_bytes(body).await;
        if self.epochs.of(account) == pending.epochs && body.len() <= MAX_BODY {
            self.keep(
                pending.epochs.0,
                Kept {
                    hash: pending.hash,
                    key: pending.key,
                    account_epoch: pending.epochs.1,
                    status: parts.status,
                    framed: self.frame(&parts.headers),
                    journal: body_text(&body),
                    body: body.clone(),
                },
            );
        }
        Response::from_parts(parts, Body::from(body))
    }

    /// The kept answer to `asked`, if any, with its body as the journal keeps it: for a
    /// request answered without its handler ever being asked (the kept lane,
    /// `surface::kept`).
    pub fn kept(&self, asked: &Asked<'_>) -> Option<(Response, Option<BodyText>)> {
        let hash = asked.hash(&self.hasher);
        let epochs = self.epochs.of(asked.account);
        self.find(hash, asked, epochs, |k| (k.response(), k.journal.clone()))
    }

    fn find<T>(
        &self,
        hash: u64,
        asked: &Asked<'_>,
        (all, account): (u64, u64),
        out: impl FnOnce(&Kept) -> T,
    ) -> Option<T> {
        let shelf = self.shelf.read();
        if shelf.epoch != all {
            return None;
        }
        shelf
            .answers
            .find(hash, |k| asked.is(&k.key))
            .filter(|k| k.account_epoch == account)
            .map(out)
    }

    fn keep(&self, at: u64, kept: Kept) {
        let mut guard = self.shelf.write();
        let shelf = &mut *guard;
        if at < shelf.epoch {
            return;
        }
        let size =
            kept.key.len() + kept.body.len() + kept.journal.as_ref().map_or(0, BodyText::len);
        if at > shelf.epoch || shelf.answers.len() >= MAX_ANSWERS || shelf.bytes + size > MAX_BYTES
        {
            shelf.answers.clear();
            shelf.bytes = 0;
            shelf.epoch = at;
        }
        // Two requests that arrive together both make and keep their answer: the later one
        // stays.
        match shelf
            .answers
            .entry(kept.hash, |k| k.key == kept.key, |k| k.hash)
        {
            hashbrown::hash_table::Entry::Occupied(mut o) => *o.get_mut() = kept,
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(kept);
                shelf.bytes += size;
            }
        }
    }
}

/// What [`Answers::look`] found.
pub enum Looked {
    /// The kept answer, with the epochs it was found in (for [`Answers::check`]).
    Kept(Response, Stamp),
    Missing(Pending),
}

/// The epochs a kept answer was found in.
#[derive(Clone, Copy)]
pub struct Stamp((u64, u64));

/// A request whose answer is not kept: where the handler's answer would go.
pub struct Pending {
    hash: u64,
    key: Box<[u8]>,
    /// The epochs before the handler ran: the answer is kept if neither has moved after.
    epochs: (u64, u64),
}

impl Answers {
    /// A kept answer against the one its handler makes now: the same status, headers and
    /// body, or a 500 naming the difference (a kept answer that went stale is a bug). When
    /// `account`'s epochs moved since the kept answer was found (a write ran alongside),
    /// the two may rightly differ: the handler's answer goes out, uncompared.
    pub async fn check<F>(
        &self,
        kept: Response,
        found: Stamp,
        account: &str,
        handler: F,
    ) -> Response
    where
        F: std::future::Future<Output = Response>,
    {
        let fresh = handler.await;
        if self.epochs.of(account) != found.0 {
            return fresh;
        }
        self.compare(kept, fresh).await
    }

    /// A kept answer (framed) against its handler's (framed here alike).
    async fn compare(&self, kept: Response, fresh: Response) -> Response {
        let (kp, kb) = kept.into_parts();
        let (fp, fb) = fresh.into_parts();
        let (kb, fb) = (
            super::view::body_bytes(kb).await,
            super::view::body_bytes(fb).await,
        );
        if kp.status == fp.status && kp.headers == self.frame(&fp.headers) && kb == fb {
            return Response::from_parts(kp, Body::from(kb));
        }
        let message = format!(
            "a kept answer differs from its handler's: kept {} {:?}, made {} {:?}",
            kp.status,
            String::from_utf8_lossy(&kb),
            fp.status,
            String::from_utf8_lossy(&fb)
        );
        tracing::error!("{message}");
        eprintln!("{message}");
        let mut res = Response::new(Body::from(message));
        *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        res
    }
}

#[cfg(test)]
mod tests;

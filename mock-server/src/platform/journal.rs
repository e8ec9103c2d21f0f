//! Bounded request journal: the last N requests any surface served, oldest dropped first.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::http::{Method, Uri};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Entry {
    /// Sequence number, increasing from 1 for the life of the process.
    pub seq: u64,
    /// Unix milliseconds (from the injectable clock).
    pub at_ms: i64,
    pub surface: String,
    pub account: Option<String>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// The vendor's own path (without mockdesk's prefix), e.g. `/customers/12`.
    pub vendor_path: String,
    /// The request's headers as `[name, value]` pairs, credentials redacted.
    pub request_headers: Vec<(String, String)>,
    /// The request body, shown as text cut at [`BODY_LIMIT`] bytes.
    pub request_body: Option<BodyText>,
    /// The response body, shown as text cut at [`BODY_LIMIT`] bytes.
    pub response_body: Option<BodyText>,
    /// The fault rule that changed this exchange, if any.
    pub fault: Option<String>,
    /// The stub that answered this exchange, if any.
    pub stub: Option<String>,
    /// Time spent in mockdesk from the request's arrival at the surface to its answer
    /// (injected latency included), in microseconds of the real clock.
    pub latency_us: u64,
}

/// What a redacted header value shows.
const REDACTED: &str = "[redacted]";

/// Whether a header carries a credential (its value is never kept): authorization, cookies,
/// API keys, tokens, signatures, secrets.
fn secret_header(name: &str) -> bool {
    matches!(
        name,
        "authorization"
            | "proxy-authorization"
            | "cookie"
            | "set-cookie"
            | "x-api-key"
            | "api-key"
            | "apikey"
    ) || names_a_secret(name.as_bytes())
}

/// Whether a (lowercase) header name holds `token`, `signature`, `secret` or `password`: one
/// pass over its bytes — every request's headers are journaled, and `str::contains` sets up a
/// substring searcher per call (about a tenth of a small write's instructions went there).
fn names_a_secret(name: &[u8]) -> bool {
    (0..name.len()).any(|i| {
        let rest = &name[i..];
        match name[i] {
            b't' => rest.starts_with(b"token"),
            b's' => rest.starts_with(b"signature") || rest.starts_with(b"secret"),
            b'p' => rest.starts_with(b"password"),
            _ => false,
        }
    })
}

/// A request's headers as the journal keeps them: one `name: value` line each, credentials
/// redacted, in one allocation (sized for the longest each line can be, so each header is
/// looked at once; shrinking to the exact length stays within the block).
pub fn header_text(headers: &axum::http::HeaderMap) -> Box<str> {
    let room: usize = headers
        .iter()
        .map(|(n, v)| n.as_str().len() + 3 + v.len().max(LONGEST_STAND_IN))
        .sum();
    let mut out = String::with_capacity(room);
    for (n, v) in headers {
        let name = n.as_str();
        out.push_str(name);
        out.push_str(": ");
        if secret_header(name) {
            out.push_str(REDACTED);
        } else {
            out.push_str(v.to_str().unwrap_or(NOT_TEXT));
        }
        out.push('\n');
    }
    out.into_boxed_str()
}

/// What the journal shows for a header value that is not text.
const NOT_TEXT: &str = "[not text]";

/// The longer of the two stand-ins for a value.
const LONGEST_STAND_IN: usize = if REDACTED.len() > NOT_TEXT.len() {
    REDACTED.len()
} else {
    NOT_TEXT.len()
};

/// Bytes of a body the journal keeps.
pub const BODY_LIMIT: usize = 8 * 1024;

/// A body as the journal keeps it: a copy of its first [`BODY_LIMIT`] bytes, turned into
/// text only when the journal is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyText {
    kept: bytes::Bytes,
    cut: bool,
}

impl BodyText {
    /// Bytes kept.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether nothing is kept (never, for a body [`body_text`] made).
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The text a reader sees: lossy UTF-8, with a mark when the body was longer.
    pub fn text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.kept).into_owned();
        if self.cut {
            text.push_str("…[truncated]");
        }
        text
    }
}

impl Serialize for BodyText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

/// The journal's view of a body (`None` when empty), cut at [`BODY_LIMIT`].
pub fn body_text(bytes: &bytes::Bytes) -> Option<BodyText> {
    if bytes.is_empty() {
        return None;
    }
    // The kept part is copied: a shared slice would keep the whole buffer alive (a response
    // buffer's spare capacity, a large request), so the byte budget would undercount.
    let cut = bytes.len() > BODY_LIMIT;
    let kept = bytes::Bytes::copy_from_slice(&bytes[..bytes.len().min(BODY_LIMIT)]);
    Some(BodyText { kept, cut })
}

/// Which entries a query asks for (every field optional).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub surface: Option<String>,
    pub method: Option<String>,
    /// A vendor path pattern (`{name}` one segment, `*` any rest) or the full path.
    pub path: Option<String>,
    pub status: Option<u16>,
    pub account: Option<String>,
    /// Entries at or after this clock time (unix milliseconds).
    pub since: Option<i64>,
}

impl Filter {
    /// Every entry; narrow it with the methods below
    /// (`Filter::any().surface("crm").method("POST").path("/contacts")`).
    pub fn any() -> Self {
        Self::default()
    }

    pub fn surface(mut self, surface: &str) -> Self {
        self.surface = Some(surface.into());
        self
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.into());
        self
    }

    /// A vendor path pattern (`/customers/{id}`, `/chats/*`) or the path as called.
    pub fn path(mut self, path: &str) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn account(mut self, account: &str) -> Self {
        self.account = Some(account.into());
        self
    }

    /// Entries at or after `at_ms` (the emulator's clock, Unix milliseconds).
    pub fn since(mut self, at_ms: i64) -> Self {
        self.since = Some(at_ms);
        self
    }

    pub fn matches(&self, e: &Entry) -> bool {
        self.surface.as_deref().is_none_or(|s| e.surface == s)
            && self
                .method
                .as_deref()
                .is_none_or(|m| e.method.eq_ignore_ascii_case(m))
            && self.path.as_deref().is_none_or(|p| {
                super::faults::path_matches(p, &e.vendor_path)
                    || super::faults::path_matches(p, &e.path)
            })
            && self.status.is_none_or(|s| e.status == s)
            && self
                .account
                .as_deref()
                .is_none_or(|a| e.account.as_deref() == Some(a))
            && self.since.is_none_or(|t| e.at_ms >= t)
    }
}

/// An exchange as the edge records it (no text formatted on the request path beyond one copy
/// of the paths); it becomes an [`Entry`] when the journal is read.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub at_ms: i64,
    pub surface: &'static str,
    pub account: Option<Arc<str>>,
    pub method: Method,
    /// The client's path and query, then the vendor's own path (without mockdesk's prefix),
    /// copied into one exact-size string: a `Uri` would share, and keep alive, the
    /// connection's whole read buffer.
    pub paths: Paths,
    pub status: u16,
    /// The request's headers, one `name: value` line each (see [`header_text`]).
    pub request_headers: Box<str>,
    pub request_body: Option<BodyText>,
    pub response_body: Option<BodyText>,
    pub fault: Option<String>,
    pub stub: Option<String>,
    pub latency_us: u64,
}

/// See [`Recorded::paths`].
#[derive(Debug, Clone)]
pub struct Paths {
    /// `{path}[?{query}]{vendor path}`.
    text: Box<str>,
    /// Where the vendor path starts in `text`.
    split: usize,
}

impl Paths {
    pub fn new(client: &Uri, vendor: &Uri) -> Self {
        Self::of(
            client.path_and_query().map_or("/", |pq| pq.as_str()),
            vendor.path(),
        )
    }

    /// From the client's path and query (`sent`) and the vendor's own path.
    pub fn of(sent: &str, vendor_path: &str) -> Self {
        let own = vendor_path.trim_start_matches('/');
        let mut text = String::with_capacity(sent.len() + 1 + own.len());
        text.push_str(sent);
        text.push('/');
        text.push_str(own);
        Self {
            text: text.into_boxed_str(),
            split: sent.len(),
        }
    }

    fn sent(&self) -> (&str, Option<&str>) {
        let sent = &self.text[..self.split];
        sent.split_once('?')
            .map_or((sent, None), |(path, query)| (path, Some(query)))
    }

    pub fn path(&self) -> &str {
        self.sent().0
    }

    pub fn query(&self) -> Option<&str> {
        self.sent().1
    }

    /// The vendor's own path, e.g. `/customers/12`.
    pub fn vendor_path(&self) -> &str {
        &self.text[self.split..]
    }
}

impl Recorded {
    /// Roughly the bytes the entry holds (its texts and kept bodies, plus a fixed overhead).
    fn weight(&self) -> usize {
        let body = |b: &Option<BodyText>| b.as_ref().map_or(0, |b| b.kept.len());
        256 + self.account.as_ref().map_or(0, |a| a.len())
            + self.paths.text.len()
            + self.request_headers.len()
            + body(&self.request_body)
            + body(&self.response_body)
            + self.fault.as_ref().map_or(0, String::len)
    }

    fn entry(&self, seq: u64) -> Entry {
        Entry {
            seq,
            at_ms: self.at_ms,
            surface: self.surface.to_string(),
            account: self.account.as_deref().map(str::to_string),
            method: self.method.to_string(),
            path: self.paths.path().to_string(),
            query: self.paths.query().map(str::to_string),
            status: self.status,
            vendor_path: self.paths.vendor_path().to_string(),
            request_headers: self
                .request_headers
                .lines()
                .filter_map(|l| l.split_once(": "))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            request_body: self.request_body.clone(),
            response_body: self.response_body.clone(),
            fault: self.fault.clone(),
            stub: self.stub.clone(),
            latency_us: self.latency_us,
        }
    }
}

#[derive(Debug, Default)]
struct Kept {
    last_seq: u64,
    bytes: usize,
    /// Each exchange with its sequence number, oldest first.
    entries: VecDeque<(u64, Recorded)>,
}

/// The last requests, bounded both in count and in bytes (oldest dropped first).
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    max_bytes: usize,
    inner: Mutex<Kept>,
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        Self::bounded(capacity, usize::MAX)
    }

    pub fn bounded(capacity: usize, max_bytes: usize) -> Self {
        Self {
            capacity,
            max_bytes,
            inner: Mutex::new(Kept::default()),
        }
    }

    /// Bytes the kept entries hold (texts and kept bodies, plus a fixed overhead each).
    pub fn bytes(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).bytes
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Appends an exchange, assigning its sequence number.
    pub fn record(&self, entry: Recorded) {
        if self.capacity == 0 {
            return;
        }
        let weight = entry.weight();
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.last_seq += 1;
        let seq = g.last_seq;
        g.bytes += weight;
        g.entries.push_back((seq, entry));
        while g.entries.len() > self.capacity || (g.bytes > self.max_bytes && g.entries.len() > 1) {
            if let Some((_, old)) = g.entries.pop_front() {
                g.bytes -= old.weight();
            }
        }
        if g.bytes > self.max_bytes {
            // One entry alone over the budget: keep its numbers, drop its bodies.
            if let Some((_, e)) = g.entries.back_mut() {
                e.request_body = None;
                e.response_body = None;
                let w = e.weight();
                g.bytes = w;
            }
        }
    }

    /// Entries matching `filter`, oldest first.
    pub fn find(&self, filter: &Filter) -> Vec<Entry> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.entries
            .iter()
            .map(|(seq, e)| e.entry(*seq))
            .filter(|e| filter.matches(e))
            .collect()
    }

    /// Entries oldest first.
    pub fn list(&self) -> Vec<Entry> {
        self.find(&Filter::default())
    }

    pub fn clear(&self) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.entries.clear();
        g.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> Recorded {
        let uri: Uri = path.parse().unwrap();
        Recorded {
            at_ms: 0,
            surface: "s",
            account: None,
            method: Method::GET,
            paths: Paths::new(&uri, &uri),
            status: 200,
            request_headers: "".into(),
            request_body: None,
            response_body: None,
            fault: None,
            stub: None,
            latency_us: 0,
        }
    }

    /// Credentials are redacted by name (exact names, and names holding a secret's word
    /// anywhere); other headers keep their values, a value that is not text says so.
    #[test]
    fn header_text_redacts_credentials() {
        for name in [
            "authorization",
            "cookie",
            "x-api-key",
            "x-hub-signature-256",
            "x-auth-token",
            "token",
            "x-client-secret",
            "db-password",
        ] {
            assert!(secret_header(name), "{name}");
        }
        for name in [
            "content-type",
            "x-request-id",
            "accept",
            "s",
            "t",
            "tok",
            "x-sig",
        ] {
            assert!(!secret_header(name), "{name}");
        }
        let mut h = axum::http::HeaderMap::new();
        h.insert("authorization", "Bearer abc".parse().unwrap());
        h.insert("x-hub-signature-256", "sha256=ff".parse().unwrap());
        h.insert("content-type", "application/json".parse().unwrap());
        h.insert(
            "x-bytes",
            axum::http::HeaderValue::from_bytes(&[0xff, 0xfe]).unwrap(),
        );
        assert_eq!(
            &*header_text(&h),
            "authorization: [redacted]\nx-hub-signature-256: [redacted]\n\
             content-type: application/json\nx-bytes: [not text]\n"
        );
    }

    /// The journal keeps only the newest `capacity` entries, numbered in order.
    #[test]
    fn bounded_and_numbered() {
        let j = Journal::new(2);
        for p in ["/a", "/b", "/c"] {
            j.record(entry(p));
        }
        let l = j.list();
        assert_eq!(
            l.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(),
            ["/b", "/c"]
        );
        assert_eq!(l[1].seq, 3);
        let only_c = Filter {
            path: Some("/c".into()),
            ..Filter::default()
        };
        assert_eq!(j.find(&only_c).len(), 1);
        j.clear();
        assert!(j.list().is_empty());
    }

    /// The byte budget drops the oldest entries; a cut body does not keep the original
    /// buffer alive.
    #[test]
    fn bounded_in_bytes() {
        let j = Journal::bounded(1000, 30 * 1024);
        let big = bytes::Bytes::from(vec![b'x'; 1 << 20]);
        for i in 0..20 {
            let mut e = entry(&format!("/{i}"));
            e.request_body = body_text(&big);
            e.response_body = body_text(&big);
            j.record(e);
        }
        assert!(j.bytes() <= 30 * 1024, "{}", j.bytes());
        let l = j.list();
        assert!(!l.is_empty() && l.len() < 20);
        assert_eq!(l.last().unwrap().path, "/19");
        let kept = l[0].request_body.as_ref().unwrap();
        assert_eq!(kept.kept.len(), BODY_LIMIT);
        assert!(
            !std::ptr::eq(kept.kept.as_ptr(), big.as_ptr()),
            "shares the 1 MB buffer"
        );
        let tiny = Journal::bounded(10, 300);
        let mut e = entry("/huge");
        e.request_body = body_text(&big);
        tiny.record(e);
        assert_eq!(tiny.list()[0].request_body, None);
        assert!(tiny.bytes() <= 300);
    }

    /// The client's path and query and the vendor path come back apart from the one string.
    #[test]
    fn paths_split() {
        let client: Uri = "/hipcall/api/v3/calls?limit=10&q=a".parse().unwrap();
        let vendor: Uri = "/calls?limit=10&q=a".parse().unwrap();
        let p = Paths::new(&client, &vendor);
        assert_eq!(p.path(), "/hipcall/api/v3/calls");
        assert_eq!(p.query(), Some("limit=10&q=a"));
        assert_eq!(p.vendor_path(), "/calls");
        let bare = Paths::new(&"/x".parse().unwrap(), &"//y/".parse().unwrap());
        assert_eq!(
            (bare.path(), bare.query(), bare.vendor_path()),
            ("/x", None, "/y/")
        );
        let empty_query = Paths::new(&"/x?".parse().unwrap(), &"/x".parse().unwrap());
        assert_eq!(empty_query.query(), Some(""));
    }

    /// Bodies are kept as text up to the limit.
    #[test]
    fn body_text_is_cut() {
        assert_eq!(body_text(&bytes::Bytes::new()), None);
        assert_eq!(
            body_text(&bytes::Bytes::from_static(b"{}")).map(|b| b.text()),
            Some("{}".to_string())
        );
        let long = bytes::Bytes::from(vec![b'a'; BODY_LIMIT + 10]);
        let text = body_text(&long).unwrap().text();
        assert!(text.ends_with("…[truncated]"));
        assert_eq!(text.len(), BODY_LIMIT + "…[truncated]".len());
    }
}

//! Rendering response shapes: a view is any `Serialize` value (usually a struct over borrowed
//! records); [`json`] turns it into a response body, and [`list`] wraps one page of records in
//! the envelope a surface uses. Serialization failures are logged and answered as
//! `ApiError::Internal` (a 500 in the vendor's body) — never a silent `null`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};

pub mod stamps;

use super::error::{ApiError, ApiResult};

/// `view` as JSON text, byte for byte what `serde_json::to_vec` writes (the property tests
/// below hold the two together), through [`super::json`], an encoder made for views.
pub fn encode(view: &impl Serialize) -> Result<Vec<u8>, super::json::Error> {
    // Sized for what recent answers needed (at least 4 KiB, at most 64 KiB, an eighth of
    // slack): a list page of 10 kB grown from 4 KiB would be copied twice on the way. The
    // hint follows a larger answer at once and a smaller one an eighth of the gap at a time.
    // The room is held only until the answer is written (RSS is measured in `make bench`).
    static RECENT: AtomicUsize = AtomicUsize::new(0);
    let recent = RECENT.load(Ordering::Relaxed);
    let mut bytes = Vec::with_capacity((recent + recent / 8).clamp(4096, 64 << 10));
    super::json::write(&mut bytes, view)?;
    let len = bytes.len();
    let next = if len >= recent {
        len
    } else {
        recent - (recent - len).div_ceil(8)
    };
    if next != recent {
        RECENT.store(next, Ordering::Relaxed);
    }
    Ok(bytes)
}

/// An integer as a JSON string (`"1603885746"`), without a formatter.
pub fn int_str<S: Serializer>(s: S, n: i64) -> Result<S::Ok, S::Error> {
    s.serialize_str(itoa::Buffer::new().format(n))
}

/// Serializes `text` — the bytes of a spelling a view placed by hand (timestamps) — as a JSON
/// string, or `fallback`'s `Display` text when there is no placed spelling (or it is not
/// UTF-8, which hand-placed digits and separators always are).
pub fn placed_str<S: Serializer>(
    s: S,
    text: Option<&[u8]>,
    fallback: &impl std::fmt::Display,
) -> Result<S::Ok, S::Error> {
    match text.map(std::str::from_utf8) {
        Some(Ok(text)) => s.serialize_str(text),
        _ => s.collect_str(fallback),
    }
}

/// Writes `n` into `slot` as decimal digits, zero-padded to the slot's width (the high digits
/// of a number too wide for the slot are dropped): fixed-width timestamp fields without a
/// formatter.
pub fn put_digits(slot: &mut [u8], mut n: u32) {
    for digit in slot.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// `YYYY-MM-DDTHH:MM:SS` of a Unix instant (UTC) for years 0..=9999, digits placed by hand
/// (chrono parses its format string on every call); `None` for other years. Callers append
/// their fraction and offset.
pub fn iso_seconds(unix_ms: i64) -> Option<[u8; 19]> {
    let t = utc_fields(unix_ms);
    let year = u32::try_from(t.year).ok().filter(|y| *y <= 9999)?;
    let mut text = *b"0000-00-00T00:00:00";
    for (range, n) in [
        (0..4, year),
        (5..7, t.month),
        (8..10, t.day),
        (11..13, t.hour),
        (14..16, t.minute),
        (17..19, t.second),
    ] {
        put_digits(&mut text[range], n);
    }
    Some(text)
}

/// A Unix instant's UTC calendar fields (proleptic Gregorian, as chrono counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcFields {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millisecond: u32,
}

/// The calendar fields of `unix_ms` (milliseconds since 1970-01-01T00:00:00Z), by arithmetic
/// on the day count (the civil-from-days method: 400-year eras of 146,097 days, years that start
/// on 1 March so the leap day comes last) rather than through a date library's checked types.
/// Defined for every `i64`.
pub fn utc_fields(unix_ms: i64) -> UtcFields {
    let (secs, millisecond) = (unix_ms.div_euclid(1000), unix_ms.rem_euclid(1000));
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 0000-03-01.
    let z = days + 719_468;
    let (era, of_era) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let year_of_era = (of_era - of_era / 1460 + of_era / 36_524 - of_era / 146_096) / 365;
    let day_of_year = of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Every value below is range-bound by the arithmetic above (month 1..=12, day 1..=31,
    // of_day < 86,400, millisecond < 1,000), so the narrowing casts are exact.
    UtcFields {
        year,
        month: month as u32,
        day: day as u32,
        hour: (of_day / 3600) as u32,
        minute: (of_day / 60 % 60) as u32,
        second: (of_day % 60) as u32,
        millisecond: millisecond as u32,
    }
}

/// The Unix second of `YYYY-MM-DD?HH:MM:SS` (19 bytes, any byte between date and time; UTC),
/// if every digit is a digit and the date and time are real ones (month 1–12, the month's
/// days, hour < 24, minute and second < 60) — what chrono's `from_ymd_opt`/`and_hms_opt`
/// accept for four-digit years, without its checked types. The inverse of [`utc_fields`].
pub fn unix_seconds(b: &[u8; 19]) -> Option<i64> {
    // Eight bytes at a time, each XORed with what it should be: a digit becomes its value,
    // a separator in its place becomes 0. A byte passes if it is below its limit (10 for a
    // digit, 1 for a separator; the date–time separator is not looked at): adding 128 − limit
    // to its low seven bits sets the high bit exactly when it is not, without a carry into the
    // next byte, and its own high bit is looked at too.
    const ADD_DATE: u64 = u64::from_le_bytes([118, 118, 118, 118, 127, 118, 118, 127]);
    const ADD_TIME: u64 = u64::from_le_bytes([118, 118, 127, 118, 118, 127, 118, 118]);
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let word = |at: usize, template: &[u8; 8]| {
        let mut w = [0; 8];
        w.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(w) ^ u64::from_le_bytes(*template)
    };
    // `YYYY-MM-`, `HH:MM:SS`, and the day's two digits (bytes 8 and 9) on their own.
    let date = word(0, b"0000-00-");
    let time = word(11, b"00:00:00");
    let day_digits = u64::from(b[8] ^ b'0') | u64::from(b[9] ^ b'0') << 8;
    let bad = |x: u64, add: u64| (((x & LOW7) + add) | x) & HIGH != 0;
    if bad(date, ADD_DATE) || bad(time, ADD_TIME) || bad(day_digits, 0x7676) {
        return None;
    }
    let digit = |x: u64, k: u32| ((x >> (8 * k)) & 0xff) as i64;
    let two = |x: u64, k: u32| digit(x, k) * 10 + digit(x, k + 1);
    let [year, month, day] = [
        two(date, 0) * 100 + two(date, 2),
        two(date, 5),
        two(day_digits, 0),
    ];
    let [hour, minute, second] = [two(time, 0), two(time, 3), two(time, 6)];
    let month_days = match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if day == 0 || day > month_days || hour >= 24 || minute >= 60 || second >= 60 {
        return None;
    }
    // Days from civil: years start on 1 March, so the leap day is the last day of a year.
    // Four-digit years are never negative, so plain division is the Euclidean one.
    let y = if month <= 2 { year - 1 } else { year };
    let (era, of_era) = if y < 0 {
        (-1, y + 400)
    } else {
        (y / 400, y % 400)
    };
    let march_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * march_month + 2) / 5 + day - 1;
    let day_of_era = of_era * 365 + of_era / 4 - of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// A JSON response with `status` whose body is `view` serialized.
pub fn json_with(status: StatusCode, view: &impl Serialize) -> ApiResult<Response> {
    match encode(view) {
        Ok(bytes) => {
            // Built directly: `(status, bytes).into_response()` would fill the header map
            // with an octet-stream type first, only for it to be grown and overwritten.
            let mut res = Response::new(axum::body::Body::from(bytes));
            *res.status_mut() = status;
            // Room for the headers the layers add (rate limits, CORS, the framework's own),
            // so the map is sized once instead of grown twice.
            res.headers_mut().reserve(12);
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Ok(res)
        }
        Err(e) => {
            tracing::error!(error = %e, "a response view failed to serialize");
            Err(ApiError::Internal)
        }
    }
}

/// A response body, whole (empty if it fails): the edge's copy for the journal, a kept
/// answer's. The bodies handlers build are one frame, which is handed back as it is: no
/// copy, no list of chunks.
pub async fn body_bytes(body: axum::body::Body) -> axum::body::Bytes {
    body_within(body, usize::MAX).await.unwrap_or_default()
}

/// Why a body was not read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    /// It ran past the limit.
    TooLarge,
    /// Its stream failed (a client that went away, or stalled past its deadline).
    Failed,
}

/// A body, whole, if it stays within `limit` bytes: the edge's read of a request body, and
/// [`body_bytes`]. A body of one frame (most requests, every answer a handler builds) is
/// handed back as it came; more frames are joined once. (axum's `to_bytes` wraps the body
/// in a limit and a collector: about 2.5k instructions for a 30-byte JSON body.)
pub async fn body_within(
    mut body: axum::body::Body,
    limit: usize,
) -> Result<axum::body::Bytes, Unread> {
    use http_body_util::BodyExt;
    let mut first = axum::body::Bytes::new();
    let mut more: Option<bytes::BytesMut> = None;
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| Unread::Failed)?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        total = total.saturating_add(data.len());
        if total > limit {
            return Err(Unread::TooLarge);
        }
        match &mut more {
            Some(all) => all.extend_from_slice(&data),
            None if first.is_empty() => first = data,
            None => {
                let mut all = bytes::BytesMut::from(&first[..]);
                all.extend_from_slice(&data);
                more = Some(all);
            }
        }
    }
    Ok(more.map_or(first, bytes::BytesMut::freeze))
}

/// A 200 JSON response whose body is `view` serialized.
pub fn json(view: &impl Serialize) -> ApiResult<Response> {
    json_with(StatusCode::OK, view)
}

/// `{"data": …}`: the single-record wrapper many vendors use.
pub struct Data<T>(pub T);

impl<T: Serialize> Serialize for Data<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("data", &self.0)?;
        m.end()
    }
}

/// The records of one page, each rendered through `view` as it is serialized.
pub struct Items<'a, T, F> {
    items: &'a [T],
    view: F,
}

impl<'a, T, F> Items<'a, T, F> {
    pub fn new(items: &'a [T], view: F) -> Self {
        Self { items, view }
    }
}

impl<T, F, V> Serialize for Items<'_, T, F>
where
    F: Fn(&T) -> V,
    V: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.items.len()))?;
        for item in self.items {
            seq.serialize_element(&(self.view)(item))?;
        }
        seq.end()
    }
}

/// The list envelope styles the surfaces use.
#[derive(Debug, Clone)]
pub enum Envelope {
    /// `{"data": [...]}`
    Data,
    /// `{"data": [...], "total": n}`
    DataTotal { total: usize },
    /// `{"data": [...], "meta": {"total": n}}`
    DataMetaTotal { total: usize },
    /// `{"list": [...], "total": n, "page": p, "limit": l}` (page/limit style).
    PageList {
        total: usize,
        page: usize,
        limit: usize,
    },
    /// `{"data": [...], "meta": {...}}` with any meta object (e.g. `{count, limit, offset}`).
    DataMeta { meta: Value },
    /// `{"data": [...], "meta": {"count": n}}`, with `"limit"` and `"offset"` after the count
    /// when a window is given: [`Envelope::DataMeta`]'s common case without building a
    /// `Value` per page.
    DataCount {
        count: usize,
        window: Option<super::pagination::Window>,
    },
    /// `{"data": [...], "links": {...}, "meta": {...}}` (Laravel resource collections; see
    /// [`super::pagination::LaravelPage::links_and_meta`]).
    Laravel {
        links: super::pagination::LaravelLinks,
        meta: super::pagination::LaravelMeta,
    },
    /// `{"data": {"results": [...], "pagination": {"next_page": token|null}}}` (keyset token).
    Results { next_page: Option<String> },
    /// `{"<key>": [...]}` plus `"next_cursor"` when `cursor` is given (named-list style).
    Named {
        key: &'static str,
        cursor: Option<Option<String>>,
    },
}

/// One page in its envelope, serialized without building a `Value` tree for the records.
pub struct List<'a, T, F> {
    pub items: Items<'a, T, F>,
    pub envelope: Envelope,
}

/// Wraps `page` (already windowed) in `envelope`, rendering each record through `view`.
pub fn list<'a, T, F, V>(page: &'a [T], envelope: Envelope, view: F) -> List<'a, T, F>
where
    F: Fn(&T) -> V,
    V: Serialize,
{
    List {
        items: Items::new(page, view),
        envelope,
    }
}

struct Total(usize);

/// `{"count": n}`, then `"limit"` and `"offset"` when a window is given.
struct Counted(usize, Option<super::pagination::Window>);

impl Serialize for Counted {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(if self.1.is_some() { 3 } else { 1 }))?;
        m.serialize_entry("count", &self.0)?;
        if let Some(w) = self.1 {
            m.serialize_entry("limit", &w.limit)?;
            m.serialize_entry("offset", &w.offset)?;
        }
        m.end()
    }
}

impl Serialize for Total {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("total", &self.0)?;
        m.end()
    }
}

struct Results<'b, I> {
    items: &'b I,
    next_page: &'b Option<String>,
}

impl<I: Serialize> Serialize for Results<'_, I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Pagination<'c>(&'c Option<String>);
        impl Serialize for Pagination<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("next_page", self.0)?;
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("results", self.items)?;
        m.serialize_entry("pagination", &Pagination(self.next_page))?;
        m.end()
    }
}

impl<T, F, V> Serialize for List<'_, T, F>
where
    F: Fn(&T) -> V,
    V: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        match &self.envelope {
            Envelope::Data => m.serialize_entry("data", &self.items)?,
            Envelope::DataTotal { total } => {
                m.serialize_entry("data", &self.items)?;
                m.serialize_entry("total", total)?;
            }
            Envelope::DataMetaTotal { total } => {
                m.serialize_entry("data", &self.items)?;
                m.serialize_entry("meta", &Total(*total))?;
            }
            Envelope::PageList { total, page, limit } => {
                m.serialize_entry("list", &self.items)?;
                m.serialize_entry("total", total)?;
                m.serialize_entry("page", page)?;
                m.serialize_entry("limit", limit)?;
            }
            Envelope::DataMeta { meta } => {
                m.serialize_entry("data", &self.items)?;
                m.serialize_entry("meta", meta)?;
            }
            Envelope::DataCount { count, window } => {
                m.serialize_entry("data", &self.items)?;
                m.serialize_entry("meta", &Counted(*count, *window))?;
            }
            Envelope::Laravel { links, meta } => {
                m.serialize_entry("data", &self.items)?;
                m.serialize_entry("links", links)?;
                m.serialize_entry("meta", meta)?;
            }
            Envelope::Results { next_page } => m.serialize_entry(
                "data",
                &Results {
                    items: &self.items,
                    next_page,
                },
            )?,
            Envelope::Named { key, cursor } => {
                m.serialize_entry(key, &self.items)?;
                if let Some(c) = cursor {
                    m.serialize_entry("next_cursor", c)?;
                }
            }
        }
        m.end()
    }
}

/// A view whose serialization always fails (for tests of the failure paths).
#[cfg(test)]
pub(crate) struct Unserializable;

#[cfg(test)]
impl Serialize for Unserializable {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("no"))
    }
}

#[cfg(test)]
mod tests;

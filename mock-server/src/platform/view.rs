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
mod tests {
    use super::*;
    use serde_json::json;

    proptest::proptest! {
        /// The calendar arithmetic agrees with chrono over chrono's whole range (in a range
        /// this wide, the days either side of leap days and century years come up only by
        /// luck, so the next test walks them).
        #[test]
        fn utc_fields_match_chrono(ms in -8_210_266_876_799_999i64..8_210_266_876_799_999i64) {
            use chrono::{Datelike, Timelike};
            let t = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms).unwrap();
            let f = utc_fields(ms);
            proptest::prop_assert_eq!(
                f,
                UtcFields {
                    year: i64::from(t.year()),
                    month: t.month(),
                    day: t.day(),
                    hour: t.hour(),
                    minute: t.minute(),
                    second: t.second(),
                    millisecond: t.timestamp_subsec_millis(),
                }
            );
        }
    }

    proptest::proptest! {
        /// Reading a spelled date and time agrees with chrono on which ones are real and on
        /// the instant, for every four-digit year and field values just out of range.
        #[test]
        fn unix_seconds_match_chrono(
            year in 0u32..10_000, month in 0u32..14, day in 0u32..33,
            hour in 0u32..26, minute in 0u32..62, second in 0u32..62, sep in "[T ]",
        ) {
            let text = format!("{year:04}-{month:02}-{day:02}{sep}{hour:02}:{minute:02}:{second:02}");
            let b: &[u8; 19] = text.as_bytes().try_into().unwrap();
            let want = chrono::NaiveDate::from_ymd_opt(year as i32, month, day)
                .and_then(|d| d.and_hms_opt(hour, minute, second))
                .map(|t| t.and_utc().timestamp());
            proptest::prop_assert_eq!(unix_seconds(b), want, "{}", text);
        }
    }

    /// Every byte in every place: anything but a digit where a digit goes, or a wrong
    /// separator, is refused; any byte between date and time is passed over; another digit
    /// reads as chrono reads it.
    #[test]
    fn unix_seconds_every_byte_in_every_place() {
        let good = *b"2024-02-29T23:59:59";
        let chrono_read = |b: &[u8; 19]| {
            let text = std::str::from_utf8(b).unwrap();
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
                .ok()
                .map(|t| t.and_utc().timestamp())
        };
        for at in 0..19 {
            for with in 0..=255u8 {
                let mut b = good;
                b[at] = with;
                let want = match at {
                    4 | 7 if with != b'-' => None,
                    13 | 16 if with != b':' => None,
                    4 | 7 | 13 | 16 => chrono_read(&b),
                    10 => chrono_read(&good),
                    _ if !with.is_ascii_digit() => None,
                    _ => chrono_read(&b),
                };
                assert_eq!(unix_seconds(&b), want, "{at} {with}");
            }
        }
    }

    #[test]
    fn unix_seconds_inverts_utc_fields_and_knows_leap_years() {
        for ms in [
            0i64,
            951_782_400_000,
            4_107_542_399_000,
            -62_135_596_800_000,
            253_402_300_799_000,
        ] {
            let f = utc_fields(ms);
            let text = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                f.year, f.month, f.day, f.hour, f.minute, f.second
            );
            assert_eq!(
                unix_seconds(text.as_bytes().try_into().unwrap()),
                Some(ms / 1000),
                "{text}"
            );
        }
        // Leap days (and their absence in century years) in every four-digit year.
        for year in 0..10_000 {
            let text = format!("{year:04}-02-29T12:00:00");
            let want = chrono::NaiveDate::from_ymd_opt(year, 2, 29)
                .map(|d| d.and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp());
            assert_eq!(
                unix_seconds(text.as_bytes().try_into().unwrap()),
                want,
                "{text}"
            );
        }
    }

    /// Every day boundary from 1600 to 2500 (leap days, century years, the epoch itself),
    /// and the last millisecond before each.
    #[test]
    fn utc_fields_walk_days() {
        use chrono::{Datelike, Timelike};
        let mut day = chrono::NaiveDate::from_ymd_opt(1600, 1, 1).unwrap();
        while day.year() < 2500 {
            let ms = day
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_millis();
            for at in [ms, ms - 1] {
                let t = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(at).unwrap();
                let f = utc_fields(at);
                assert_eq!(
                    (
                        f.year,
                        f.month,
                        f.day,
                        f.hour,
                        f.minute,
                        f.second,
                        f.millisecond
                    ),
                    (
                        i64::from(t.year()),
                        t.month(),
                        t.day(),
                        t.hour(),
                        t.minute(),
                        t.second(),
                        t.timestamp_subsec_millis()
                    ),
                    "{at}"
                );
            }
            day = day.succ_opt().unwrap();
        }
    }

    fn render(e: Envelope) -> Value {
        let page = [1, 2];
        serde_json::to_value(list(&page, e, |n: &i32| json!({"n": n}))).unwrap()
    }

    /// Every envelope style renders its documented keys in order around the rendered page.
    #[test]
    fn envelopes() {
        let data = json!([{"n": 1}, {"n": 2}]);
        assert_eq!(render(Envelope::Data), json!({"data": data}));
        assert_eq!(
            render(Envelope::DataTotal { total: 9 }),
            json!({"data": data, "total": 9})
        );
        assert_eq!(
            render(Envelope::DataMetaTotal { total: 9 }),
            json!({"data": data, "meta": {"total": 9}})
        );
        assert_eq!(
            render(Envelope::PageList {
                total: 9,
                page: 0,
                limit: 2
            }),
            json!({"list": data, "total": 9, "page": 0, "limit": 2})
        );
        assert_eq!(
            render(Envelope::Results { next_page: None }),
            json!({"data": {"results": data, "pagination": {"next_page": null}}})
        );
        assert_eq!(
            render(Envelope::Named {
                key: "things",
                cursor: Some(Some("c".into()))
            }),
            json!({"things": data, "next_cursor": "c"})
        );
        assert_eq!(
            render(Envelope::Named {
                key: "things",
                cursor: None
            }),
            json!({"things": data})
        );
        let keys: Vec<String> = render(Envelope::DataTotal { total: 1 })
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["data", "total"]);
    }

    fn any_json() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            (-1.0e7f64..1.0e7).prop_map(Value::from),
            any::<String>().prop_map(Value::from),
            // Control characters, quotes and backslashes, which are escaped.
            "[\\x00-\\x7f\"\\\\\u{2028}\u{7f}\u{fffd}]{0,24}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..8)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    /// Every Rust shape a view is made of, written directly (not through a `Value`).
    #[derive(Debug, Serialize)]
    struct Shapes {
        float: f64,
        single: f32,
        maybe: Option<f64>,
        small: i8,
        wide: u128,
        letter: char,
        text: String,
        unit: (),
        pair: (u8, String),
        keyed: std::collections::BTreeMap<u32, bool>,
        choice: Choice,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        #[serde(flatten)]
        more: std::collections::BTreeMap<String, i64>,
        bytes: Bytes,
        flags: std::collections::BTreeMap<bool, char>,
        letters: std::collections::BTreeMap<char, i128>,
        raw: Box<serde_json::value::RawValue>,
        wrapped: Wrapped,
        nothing: Nothing,
        triple: Triple,
        empty: Vec<u8>,
        nested: Option<Option<String>>,
    }

    /// Written through `serialize_bytes` (an array of numbers).
    #[derive(Debug)]
    struct Bytes(Vec<u8>);

    impl Serialize for Bytes {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }

    #[derive(Debug, Serialize)]
    struct Wrapped(String);

    #[derive(Debug, Serialize)]
    struct Nothing;

    #[derive(Debug, Serialize)]
    struct Triple(u8, Option<bool>, String);

    #[derive(Debug, Serialize)]
    enum Choice {
        Unit,
        Newtype(i32),
        Tuple(i32, String),
        Struct { a: Option<String> },
    }

    proptest::proptest! {
        /// The fast encoder writes exactly what serde_json writes, for any JSON document
        /// (escapes, unicode, integers at their limits, floats of every size, NaN).
        #[test]
        fn encode_matches_serde_json(v in any_json()) {
            proptest::prop_assert_eq!(
                String::from_utf8(encode(&v).unwrap()).unwrap(),
                serde_json::to_string(&v).unwrap()
            );
        }

        #[test]
        fn encode_matches_serde_json_for_rust_shapes(
            float in proptest::num::f64::ANY,
            single in proptest::num::f32::ANY,
            maybe in proptest::option::of(proptest::num::f64::ANY),
            small: i8,
            wide: u128,
            letter: char,
            text: String,
            keyed in proptest::collection::btree_map(proptest::prelude::any::<u32>(), proptest::prelude::any::<bool>(), 0..4),
            more in proptest::collection::btree_map("[a-z]{1,6}", proptest::prelude::any::<i64>(), 0..4),
            pick in 0u8..4,
            skipped: Option<u8>,
            bytes: Vec<u8>,
            flags in proptest::collection::btree_map(proptest::prelude::any::<bool>(), proptest::prelude::any::<char>(), 0..3),
            letters in proptest::collection::btree_map(proptest::prelude::any::<char>(), proptest::prelude::any::<i128>(), 0..4),
            raw in any_json(),
            nested: Option<Option<String>>,
        ) {
            let choice = match pick {
                0 => Choice::Unit,
                1 => Choice::Newtype(small.into()),
                2 => Choice::Tuple(small.into(), text.clone()),
                _ => Choice::Struct { a: Some(text.clone()) },
            };
            let v = Shapes {
                float, single, maybe, small, wide, letter, text: text.clone(), unit: (),
                pair: (7, text.clone()), keyed, choice, skipped, more, bytes: Bytes(bytes),
                flags, letters,
                raw: serde_json::value::RawValue::from_string(raw.to_string()).unwrap(),
                wrapped: Wrapped(text.clone()), nothing: Nothing, triple: Triple(small as u8, None, text),
                empty: Vec::new(), nested,
            };
            proptest::prop_assert_eq!(
                String::from_utf8(encode(&v).unwrap()).unwrap(),
                serde_json::to_string(&v).unwrap()
            );
        }
    }

    /// What serde_json refuses, the encoder refuses: map keys that are not strings, numbers
    /// or booleans, and floats keys that are not finite.
    #[test]
    fn refusals_match_serde_json() {
        use std::collections::BTreeMap;
        let by_list: BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into();
        assert!(serde_json::to_string(&by_list).is_err());
        assert!(encode(&by_list).is_err());
        let by_unit: BTreeMap<(), u8> = [((), 1)].into();
        assert!(serde_json::to_string(&by_unit).is_err());
        assert!(encode(&by_unit).is_err());
        struct FloatKey(f64);
        impl Serialize for FloatKey {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(&self.0, &1)?;
                m.end()
            }
        }
        for f in [f64::NAN, f64::INFINITY] {
            assert!(serde_json::to_string(&FloatKey(f)).is_err());
            assert!(encode(&FloatKey(f)).is_err());
        }
        for f in [0.5, -3.0e-300, 1.0e300] {
            assert_eq!(
                String::from_utf8(encode(&FloatKey(f)).unwrap()).unwrap(),
                serde_json::to_string(&FloatKey(f)).unwrap()
            );
        }
    }

    /// `collect_str` (the `Display` fallbacks of timestamps) writes what serde_json writes,
    /// for short and long texts alike, with escapes in any fragment.
    #[test]
    fn collect_str_matches_serde_json() {
        struct Shown(String);
        impl Serialize for Shown {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&format_args!("{}-{}", self.0, 7))
            }
        }
        for text in [
            "",
            "2026-07-21T14:24:22",
            "quote \" and \\ and \u{1}",
            &"é".repeat(40),
        ] {
            let want = serde_json::to_string(&format!("{text}-7")).unwrap();
            let shown = Shown(text.to_string());
            assert_eq!(serde_json::to_string(&shown).unwrap(), want);
            assert_eq!(String::from_utf8(encode(&shown).unwrap()).unwrap(), want);
        }
    }

    /// A placed spelling is written as it is; without one (or with bytes that are not
    /// UTF-8) the fallback's text is.
    #[test]
    fn placed_spelling_or_fallback() {
        struct Placed(Option<&'static [u8]>);
        impl Serialize for Placed {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                placed_str(s, self.0, &format_args!("fall{}", "back"))
            }
        }
        for (placed, want) in [
            (Some(&b"2026-07-21"[..]), "\"2026-07-21\""),
            (None, "\"fallback\""),
            (Some(&[0xff, b'1'][..]), "\"fallback\""),
        ] {
            assert_eq!(
                String::from_utf8(encode(&Placed(placed)).unwrap()).unwrap(),
                want
            );
            assert_eq!(serde_json::to_string(&Placed(placed)).unwrap(), want);
        }
    }

    /// Digits are zero-padded to the slot.
    #[test]
    fn digits_fill_their_slot() {
        let mut text = *b"xx-xxxx";
        put_digits(&mut text[..2], 7);
        put_digits(&mut text[3..], 2026);
        assert_eq!(&text, b"07-2026");
    }

    /// A view that cannot serialize is an internal error, not a null.
    #[test]
    fn failure_is_internal() {
        assert_eq!(json(&Unserializable).unwrap_err(), ApiError::Internal);
    }
}

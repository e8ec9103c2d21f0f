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
    assert_eq!(
        render(Envelope::DataCount {
            count: 9,
            window: None
        }),
        json!({"data": data, "meta": {"count": 9}})
    );
    let counted = render(Envelope::DataCount {
        count: 9,
        window: Some(crate::platform::pagination::Window {
            offset: 4,
            limit: 2,
        }),
    });
    assert_eq!(
        counted,
        json!({"data": data, "meta": {"count": 9, "limit": 2, "offset": 4}})
    );
    let meta_keys: Vec<&String> = counted["meta"].as_object().unwrap().keys().collect();
    assert_eq!(meta_keys, ["count", "limit", "offset"]);
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

//! Hipcall's timestamps: the stored spellings (`2023-03-31T08:41:58+0000`, v3's `…Z`), the
//! date inputs the docs accept, and v3's printed form — read and written without chrono's
//! format parser where the spelling allows (every list page prints many).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

/// Timestamps as the seed prints them: `2023-03-31T08:41:58+0000`. Digits are placed by hand
/// for years 0..=9999 (every write stamps `updated_at`; chrono parses its format string on each
/// call), through chrono otherwise.
pub(crate) fn format_ts(t: DateTime<Utc>) -> String {
    match crate::platform::view::iso_seconds(t.timestamp_millis()) {
        Some(base) => {
            let mut text = String::with_capacity(24);
            text.push_str(std::str::from_utf8(&base).unwrap_or_default());
            text.push_str("+0000");
            text
        }
        None => t.format("%Y-%m-%dT%H:%M:%S+0000").to_string(),
    }
}

/// Parses the date inputs the docs and Laravel's `date` rule accept: the docs' own
/// `20220612 12:12:12`, `2022-06-12 12:12:12`, `2022-06-12`, and ISO 8601 with an offset.
/// `YYYY-MM-DDTHH:MM:SS+0000` or `…Z` (how timestamps are stored), read without chrono's
/// format parser; anything else (or an impossible date) is `None` and takes the full path.
pub(crate) fn quick_utc(s: &str) -> Option<DateTime<Utc>> {
    utc_base(s).and_then(|(_, secs)| DateTime::from_timestamp(secs, 0))
}

/// For a stored spelling: `YYYY-MM-DDTHH:MM:SS` (the 19 bytes before `+0000` or `Z`) and its
/// Unix second, if the date and time are real ones.
pub(crate) fn utc_base(s: &str) -> Option<(&[u8; 19], i64)> {
    let base = s.strip_suffix("+0000").or_else(|| s.strip_suffix('Z'))?;
    let b: &[u8; 19] = base.as_bytes().try_into().ok()?;
    if b[10] != b'T' {
        return None;
    }
    Some((b, crate::platform::view::unix_seconds(b)?))
}

pub(crate) fn parse_date_input(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Some(t) = quick_utc(s) {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z") {
        return Some(t.with_timezone(&Utc));
    }
    for f in ["%Y%m%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Timestamps as v3 prints them: `2026-09-15T11:18:09Z`.
pub(crate) fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A stored timestamp (either spelling) in v3's spelling, written straight into the response
/// (no string is built for it); unparseable values pass through.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Iso<'a>(pub &'a str);

impl Iso<'_> {
    /// The stored spellings (`YYYY-MM-DDTHH:MM:SS+0000` and v3's own `…Z`, with a real date)
    /// respelled without a parse or a formatter: the same 19 bytes and a `Z`. Every list page
    /// prints many of them.
    fn quick(&self) -> Option<[u8; 20]> {
        let (base, _) = utc_base(self.0)?;
        let mut text = [b'Z'; 20];
        text[..19].copy_from_slice(base);
        Some(text)
    }
}

impl std::fmt::Display for Iso<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(text) = self.quick() {
            if let Ok(text) = std::str::from_utf8(&text) {
                return f.write_str(text);
            }
        }
        match parse_date_input(self.0) {
            Some(t) => f.write_str(&iso(t)),
            None => f.write_str(self.0),
        }
    }
}

impl Serialize for Iso<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::platform::view::placed_str(s, self.quick().as_ref().map(|t| &t[..]), self)
    }
}

#[cfg(test)]
mod iso_tests {
    use chrono::{DateTime, Utc};

    /// What chrono's format parser makes of a stored spelling.
    fn chrono_parse(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s)
            .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z"))
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The quick reader and respelling agree with chrono's parser and formatter.
    #[test]
    fn fast_path_matches_chrono() {
        for s in [
            "2023-03-31T08:41:58+0000",
            "2023-03-31T08:41:58Z",
            "2024-02-29T23:59:59+0000",
            "2023-02-29T10:00:00+0000",
            "2023-03-31T24:00:00+0000",
            "2023-03-31T08:41:58+0300",
            "2023-3-31T08:41:58+0000",
            "not a date",
        ] {
            let want = chrono_parse(s);
            if let Some(t) = super::quick_utc(s) {
                assert_eq!(Some(t), want, "{s}");
            }
            assert_eq!(super::parse_date_input(s).is_some(), want.is_some(), "{s}");
            let spelled = want.map_or_else(|| s.to_string(), super::iso);
            assert_eq!(super::Iso(s).to_string(), spelled, "{s}");
            assert_eq!(
                serde_json::to_string(&super::Iso(s)).unwrap(),
                serde_json::to_string(&spelled).unwrap()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Leap days and month ends, where a hand-written calendar goes wrong first.
    #[test]
    fn quick_utc_calendar_edges() {
        for (text, valid) in [
            ("2024-02-29T00:00:00Z", true),
            ("2000-02-29T23:59:59+0000", true),
            ("2023-02-29T00:00:00Z", false),
            ("1900-02-29T00:00:00Z", false),
            ("2023-04-31T00:00:00Z", false),
            ("2023-12-31T23:59:59Z", true),
            ("1970-01-01T00:00:00Z", true),
        ] {
            let base = text.trim_end_matches('Z').trim_end_matches("+0000");
            let chrono = NaiveDateTime::parse_from_str(base, "%Y-%m-%dT%H:%M:%S")
                .ok()
                .map(|t| t.and_utc());
            assert_eq!(quick_utc(text).is_some(), valid, "{text}");
            assert_eq!(quick_utc(text), chrono, "{text}");
        }
    }

    proptest! {
        /// The hand-placed digits print what chrono's format string prints, for any second
        /// from year -5000 to 20000 (outside 0..=9999 chrono prints it).
        #[test]
        fn format_ts_agrees_with_chrono(secs in -219_999_999_999i64..569_999_999_999i64) {
            let t = DateTime::from_timestamp(secs, 0).unwrap();
            prop_assert_eq!(format_ts(t), t.format("%Y-%m-%dT%H:%M:%S+0000").to_string());
        }
    }

    proptest! {
        /// The quick reader agrees with chrono on every stored-form timestamp, and refuses
        /// exactly the impossible dates chrono refuses.
        #[test]
        fn quick_utc_agrees_with_chrono(
            y in 1i32..=9999, m in 0u32..=13, d in 0u32..=32,
            h in 0u32..=24, mi in 0u32..=60, s in 0u32..=60, zulu: bool,
        ) {
            let text = format!(
                "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}{}",
                if zulu { "Z" } else { "+0000" }
            );
            let expected = NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|date| date.and_hms_opt(h, mi, s))
                .map(|t| t.and_utc());
            prop_assert_eq!(quick_utc(&text), expected, "{}", text);
        }

        /// A stored timestamp with any one character replaced: the quick reader either
        /// refuses it or reads what chrono reads (a non-digit never passes for a digit).
        #[test]
        fn quick_utc_refuses_what_chrono_refuses(at in 0usize..24, with: char, zulu: bool) {
            let mut chars: Vec<char> = if zulu { "2023-03-31T08:41:58Z" } else { "2023-03-31T08:41:58+0000" }
                .chars()
                .collect();
            let at = at % chars.len();
            chars[at] = with;
            let text: String = chars.into_iter().collect();
            let chrono = DateTime::parse_from_rfc3339(&text)
                .or_else(|_| DateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%z"))
                .ok()
                .map(|t| t.with_timezone(&Utc));
            if let Some(t) = quick_utc(&text) {
                prop_assert_eq!(Some(t), chrono, "{}", text);
            }
        }
    }
}

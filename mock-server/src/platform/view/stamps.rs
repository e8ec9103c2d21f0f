//! Timestamps as vendors print them, written without a formatter (list pages print many):
//! Unix seconds as a JSON string or null ([`SecondsText`]), Unix milliseconds as
//! `"seconds.mmm"` ([`MillisText`]), and RFC 3339 with microseconds and `Z` ([`IsoMicros`]).
//! Each is checked against `format!` or chrono for any value.

use serde::{Serialize, Serializer};

use super::{int_str, iso_seconds, placed_str, put_digits};

/// `"1603885746"`, or null: Unix seconds as a JSON string.
pub struct SecondsText(pub Option<i64>);

impl Serialize for SecondsText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(secs) => int_str(s, secs),
            None => s.serialize_none(),
        }
    }
}

/// `"1594139170.913"`: Unix milliseconds as a JSON string of seconds with three decimals.
pub struct MillisText(pub i64);

impl Serialize for MillisText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // `{secs}.{ms:03}` put together on the stack.
        let mut digits = itoa::Buffer::new();
        let secs = digits.format(self.0.div_euclid(1000)).as_bytes();
        let ms = self.0.rem_euclid(1000) as u32;
        let mut text = [0u8; 24];
        let n = secs.len();
        text[..n].copy_from_slice(secs);
        text[n] = b'.';
        put_digits(&mut text[n + 1..n + 4], ms);
        let fallback = format_args!("{}.{:03}", self.0.div_euclid(1000), self.0.rem_euclid(1000));
        placed_str(s, Some(&text[..n + 4]), &fallback)
    }
}

/// Unix milliseconds printed as `2026-07-21T14:24:22.000000Z` (microseconds, `Z`).
pub struct IsoMicros(pub i64);

impl IsoMicros {
    /// The text for years 0..=9999, digits placed by hand: chrono's format strings are parsed
    /// on every call, and `{:02}` pads through `fmt` (list pages print many timestamps).
    fn quick(&self) -> Option<[u8; 27]> {
        let mut text = *b"0000-00-00T00:00:00.000000Z";
        text[..19].copy_from_slice(&iso_seconds(self.0)?);
        put_digits(&mut text[20..26], self.0.rem_euclid(1000) as u32 * 1000);
        Some(text)
    }
}

impl std::fmt::Display for IsoMicros {
    /// Years outside 0..=9999 go through chrono.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.quick() {
            Some(text) => f.write_str(std::str::from_utf8(&text).map_err(|_| std::fmt::Error)?),
            None => {
                let t = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(self.0)
                    .unwrap_or_default();
                write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
            }
        }
    }
}

impl Serialize for IsoMicros {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        placed_str(s, self.quick().as_ref().map(|t| &t[..]), self)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use serde_json::{json, Value};

    use super::*;

    /// Timestamps render as documented: whole seconds, or seconds with milliseconds.
    #[test]
    fn timestamp_rendering() {
        assert_eq!(
            serde_json::to_value(SecondsText(Some(1603885746))).unwrap(),
            json!("1603885746")
        );
        assert_eq!(
            serde_json::to_value(SecondsText(None)).unwrap(),
            Value::Null
        );
        assert_eq!(
            serde_json::to_value(MillisText(1594139170913)).unwrap(),
            json!("1594139170.913")
        );
        assert_eq!(serde_json::to_value(MillisText(5)).unwrap(), json!("0.005"));
    }

    proptest::proptest! {
        /// Built on the stack, the texts are what `format!` writes, for any value.
        #[test]
        fn timestamps_match_format(n: i64) {
            proptest::prop_assert_eq!(
                serde_json::to_value(SecondsText(Some(n))).unwrap(),
                json!(n.to_string())
            );
            proptest::prop_assert_eq!(
                serde_json::to_value(MillisText(n)).unwrap(),
                json!(format!("{}.{:03}", n.div_euclid(1000), n.rem_euclid(1000)))
            );
        }
    }

    proptest::proptest! {
        /// The hand-placed digits match chrono's format string for any instant (including
        /// years chrono prints itself).
        #[test]
        fn iso_micros_matches_chrono(ms in -80_000_000_000_000i64..300_000_000_000_000i64) {
            let chrono = DateTime::<Utc>::from_timestamp_millis(ms)
                .unwrap_or_default()
                .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                .to_string();
            proptest::prop_assert_eq!(IsoMicros(ms).to_string(), chrono.clone());
            // Serialized through the quick path, the same text.
            proptest::prop_assert_eq!(
                serde_json::to_string(&IsoMicros(ms)).unwrap(),
                serde_json::to_string(&chrono).unwrap()
            );
        }
    }

    /// Microseconds and `Z`.
    #[test]
    fn iso_micros_example() {
        assert_eq!(
            IsoMicros(1_784_643_862_000).to_string(),
            "2026-07-21T14:24:22.000000Z"
        );
    }
}

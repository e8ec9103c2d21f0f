use super::*;

/// The word test finds exactly the bytes the table escapes, at every position of a word.
#[test]
fn word_test_matches_table() {
    for b in 0..=255u8 {
        for pos in 0..8 {
            let mut w = [b'a'; 8];
            w[pos] = b;
            assert_eq!(
                word_needs_escape(u64::from_le_bytes(w)),
                ESCAPE[usize::from(b)] != 0,
                "byte {b:#x} at {pos}"
            );
        }
    }
}

/// A field name that would need escaping is caught in debug builds (the tests), since
/// release builds copy field names as they are.
#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "needs escaping")]
fn field_names_are_checked_in_tests() {
    #[derive(serde::Serialize)]
    struct Odd {
        #[serde(rename = "a\"b")]
        a: u8,
    }
    let _ = write(&mut Vec::new(), &Odd { a: 1 });
}

/// A raw value's text must be a string, as serde_json requires.
#[test]
fn raw_value_must_be_text() {
    struct FakeRaw;
    impl Serialize for FakeRaw {
        fn serialize<S: ser::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            use ser::SerializeStruct;
            let mut st = s.serialize_struct(RAW_VALUE_TOKEN, 1)?;
            st.serialize_field(RAW_VALUE_TOKEN, &5)?;
            st.end()
        }
    }
    assert!(serde_json::to_string(&FakeRaw).is_err());
    assert!(write(&mut Vec::new(), &FakeRaw).is_err());
}

proptest::proptest! {
    /// ...and on any word at all (several bytes to escape, bytes above 0x7f, borrows).
    #[test]
    fn word_test_matches_table_anywhere(w: [u8; 8]) {
        let want = w.iter().any(|b| ESCAPE[usize::from(*b)] != 0);
        proptest::prop_assert_eq!(word_needs_escape(u64::from_le_bytes(w)), want);
    }
}

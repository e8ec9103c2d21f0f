use super::*;

fn req(page: usize, per_page: usize) -> PageRequest {
    PageRequest {
        page,
        per_page,
        carried_query: vec![],
    }
}

/// A bad page number falls back to 1; a bad per_page is a validation error.
#[test]
fn parse_rules() {
    let rules = PageRules {
        default_per_page: 10,
        max_per_page: 100,
    };
    let q = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
    assert_eq!(PageRequest::parse(&q("page", "x"), rules).unwrap().page, 1);
    assert_eq!(PageRequest::parse(&q("page", "0"), rules).unwrap().page, 1);
    assert_eq!(PageRequest::parse(&q("page", "3"), rules).unwrap().page, 3);
    assert!(PageRequest::parse(&q("per_page", "abc"), rules).is_err());
    assert!(PageRequest::parse(&q("per_page", "101"), rules).is_err());
    assert!(PageRequest::parse(&q("per_page", "0"), rules).is_err());
    let r = PageRequest::parse(&q("per_page", "25"), rules).unwrap();
    assert_eq!(r.per_page, 25);
    assert_eq!(r.carried_query, q("per_page", "25"));
}

/// The full paginator reproduces the documented 11-task first page exactly.
#[test]
fn full_paginator_matches_documented_shape() {
    let r = req(1, 10);
    let page = LaravelPage {
        path: "https://x/tasks",
        request: &r,
        total: 11,
        style: LaravelPaginator::Full,
        previous_label: "« Previous",
        next_label: "Next »",
    };
    let v = page.render(vec![json!(1); 10]);
    assert_eq!(v["links"]["last"], "https://x/tasks?page=2");
    assert_eq!(v["links"]["next"], "https://x/tasks?page=2");
    assert_eq!(v["links"]["prev"], Value::Null);
    assert_eq!(v["meta"]["last_page"], 2);
    assert_eq!(v["meta"]["to"], 10);
    assert_eq!(v["meta"]["total"], 11);
    let labels: Vec<_> = v["meta"]["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(labels, vec!["« Previous", "1", "2", "Next »"]);
    assert_eq!(v["meta"]["links"][3]["url"], "https://x/tasks?page=2");
}

/// The simple paginator has a string per_page, a null last link and no total.
#[test]
fn simple_paginator_shape() {
    let r = req(2, 10);
    let page = LaravelPage {
        path: "https://x/cdrs",
        request: &r,
        total: 15,
        style: LaravelPaginator::Simple,
        previous_label: "p",
        next_label: "n",
    };
    let v = page.render(vec![json!(1); 5]);
    assert_eq!(v["meta"]["per_page"], "10");
    assert_eq!(v["links"]["last"], Value::Null);
    assert_eq!(v["links"]["next"], Value::Null);
    assert_eq!(v["links"]["prev"], "https://x/cdrs?page=1");
    assert!(v["meta"].get("total").is_none());
    assert_eq!(v["meta"]["from"], 11);
    assert_eq!(v["meta"]["to"], 15);
}

/// Laravel's slider windows at the beginning, middle and end of many pages.
#[test]
fn page_window_slider() {
    assert_eq!(page_window(1, 13).len(), 13);
    let w = page_window(1, 20);
    assert_eq!(w[..10], (1..=10).map(Some).collect::<Vec<_>>()[..]);
    assert_eq!(w[10], None);
    assert_eq!(w[11..], [Some(19), Some(20)]);
    let w = page_window(10, 20);
    assert_eq!(
        w,
        vec![
            Some(1),
            Some(2),
            None,
            Some(7),
            Some(8),
            Some(9),
            Some(10),
            Some(11),
            Some(12),
            Some(13),
            None,
            Some(19),
            Some(20)
        ]
    );
    let w = page_window(20, 20);
    assert_eq!(w[3], Some(11));
    assert_eq!(*w.last().unwrap(), Some(20));
}

/// page/limit: zero- or one-based pages, limits within the rules, errors per parameter.
#[test]
fn page_limit_rules() {
    let rules = PageLimitRules {
        first_page: 0,
        default_limit: 20,
        max_limit: 200,
    };
    let q = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let p = PageLimit::parse(&q(&[]), rules).unwrap();
    assert_eq!((p.page, p.limit), (0, 20));
    let p = PageLimit::parse(&q(&[("page", "2"), ("limit", "50")]), rules).unwrap();
    assert_eq!(
        p.window(rules),
        Window {
            offset: 100,
            limit: 50
        }
    );
    let Err(ApiError::Validation(e)) =
        PageLimit::parse(&q(&[("page", "-1"), ("limit", "201")]), rules)
    else {
        panic!()
    };
    assert_eq!(e.len(), 2);
    assert!(PageLimit::parse(&q(&[("limit", "x")]), rules).is_err());
    let one = PageLimitRules {
        first_page: 1,
        ..rules
    };
    assert!(PageLimit::parse(&q(&[("page", "0")]), one).is_err());
    assert_eq!(
        PageLimit::parse(&q(&[("page", "1")]), one)
            .unwrap()
            .window(one)
            .offset,
        0
    );
}

/// offset/limit from strings or numbers; bad values reported per name.
#[test]
fn offset_limit_rules() {
    let rules = OffsetLimitRules {
        default_limit: 100,
        max_limit: 100,
    };
    assert_eq!(
        offset_limit(None, None, rules).unwrap(),
        Window {
            offset: 0,
            limit: 100
        }
    );
    assert_eq!(
        offset_limit(Some(&json!("5")), Some(&json!(10)), rules).unwrap(),
        Window {
            offset: 5,
            limit: 10
        }
    );
    let Err(ApiError::Validation(e)) = offset_limit(Some(&json!(-1)), Some(&json!(101)), rules)
    else {
        panic!()
    };
    assert_eq!(
        e.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
        ["offset", "limit"]
    );
    assert!(offset_limit(None, Some(&json!("ten")), rules).is_err());
    let q = vec![("limit".to_string(), "3".to_string())];
    assert_eq!(offset_limit_query(&q, rules).unwrap().limit, 3);
}

/// Tokens round-trip; any change to the encoded text is refused.
#[test]
fn page_token_tamper_detection() {
    let t = PageToken {
        scope: "GET /x".into(),
        sort_by: "id".into(),
        descending: true,
        after: (SortKey::Int(5), SortKey::Int(5)),
    };
    let raw = t.encode();
    assert_eq!(PageToken::decode(&raw), Some(t.clone()));
    let mut forged = t.clone();
    forged.after = (SortKey::Int(1), SortKey::Int(1));
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&raw)
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v["t"] = serde_json::to_value(&forged).unwrap();
    let tampered =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&v).unwrap());
    assert_eq!(PageToken::decode(&tampered), None);
    assert_eq!(PageToken::decode("not a token"), None);
    assert_eq!(PageToken::decode("Gygskjhgkjythjjhkgjhgsdf="), None);
}

/// Keyset pages continue strictly after the last record, in either direction.
#[test]
fn keyset_pages() {
    let asc: Vec<i64> = (1..=25).collect();
    let pos = |n: &i64| (SortKey::Int(*n), SortKey::Int(*n));
    let (p1, more) = keyset_page(&asc, pos, false, None, 10);
    assert_eq!((p1.len(), more), (10, true));
    let (p3, more) = keyset_page(&asc, pos, false, Some(&pos(&20)), 10);
    assert_eq!((p3.to_vec(), more), ((21..=25).collect::<Vec<_>>(), false));
    let desc: Vec<i64> = (1..=25).rev().collect();
    let (p2, _) = keyset_page(&desc, pos, true, Some(&pos(&16)), 10);
    assert_eq!(p2.to_vec(), (6..=15).rev().collect::<Vec<_>>());
}

/// Percent-encoding keeps RFC 3986's unreserved characters and writes every other byte
/// (UTF-8 bytes of non-ASCII text too) as `%XX` in upper case.
#[test]
fn percent_encoding() {
    let all: String = (1u8..=127).map(char::from).chain("é€ 𝄞".chars()).collect();
    let expected: String = all
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert_eq!(encode(&all), expected);
}

use proptest::prelude::Strategy;

proptest::proptest! {
    /// A token is the URL-safe base64 of serde_json's `{"t": token, "s": checksum}`, the
    /// checksum over serde_json's bytes of the token (what tokens issued before the
    /// hand-built wrapper were), and decodes back.
    #[test]
    fn token_bytes_are_serde_jsons(
        scope in ".{0,40}", sort_by in "[a-z_]{0,12}", descending: bool,
        key in proptest::prop_oneof![
            proptest::num::i64::ANY.prop_map(SortKey::Int),
            ".{0,20}".prop_map(SortKey::Str),
        ],
        id: i64,
    ) {
        use base64::Engine;
        let token = PageToken { scope, sort_by, descending, after: (key, SortKey::Int(id)) };
        let payload = serde_json::to_vec(&token).unwrap();
        let sum = hex16(fnv1a(&[TOKEN_SALT, &payload]));
        let wrapped = serde_json::to_vec(&Wrapped { t: &token, s: &sum }).unwrap();
        let encoded = token.encode();
        proptest::prop_assert_eq!(
            &encoded,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(wrapped)
        );
        proptest::prop_assert_eq!(PageToken::decode(&encoded), Some(token));
    }
}

/// The checksum's spelling is `{:016x}`.
#[test]
fn hex16_spelling() {
    for n in [0, 1, 0xdead_beef, u64::MAX, 0x0123_4567_89ab_cdef] {
        assert_eq!(hex16(n), format!("{n:016x}"));
    }
}

/// Carried query parameters come before the page number in links, percent-encoded.
#[test]
fn links_carry_query() {
    let r = PageRequest {
        page: 1,
        per_page: 5,
        carried_query: vec![("per_page".into(), "5".into()), ("q".into(), "a b".into())],
    };
    let page = LaravelPage {
        path: "/t",
        request: &r,
        total: 6,
        style: LaravelPaginator::Full,
        previous_label: "p",
        next_label: "n",
    };
    assert_eq!(
        page.render(vec![])["links"]["next"],
        "/t?per_page=5&q=a%20b&page=2"
    );
}

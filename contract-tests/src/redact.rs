//! Snapshot views of exchanges and insta redactions that assert a value's shape before
//! replacing it, so one snapshot file holds whichever server produced the exchange.

use insta::internals::Content;
use insta::Settings;
use serde_json::{json, Map, Value};

use crate::target::Exchange;

/// `{status, headers (the selected ones that are present), body}`.
pub fn view(ex: &Exchange, headers: &[&str]) -> Value {
    let mut h = Map::new();
    for name in headers {
        if let Some(v) = ex.headers.get(*name) {
            h.insert(name.to_string(), json!(v));
        }
    }
    json!({"status": ex.status, "headers": h, "body": ex.body})
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `2023-03-31T08:41:58+0000`.
pub fn is_offset_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 24
        && s.ends_with("+0000")
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19]
            .into_iter()
            .all(|r| is_digits(&s[r]))
}

/// Adds a redaction at `selector` that asserts `check` on the value and replaces it with
/// `label`.
pub fn shape(
    settings: &mut Settings,
    selector: &str,
    label: &'static str,
    check: fn(&Content) -> bool,
) {
    let sel = selector.to_string();
    settings.add_dynamic_redaction(selector, move |value, _path| {
        assert!(check(&value), "{sel}: expected {label}, found {value:?}");
        label
    });
}

/// Like [`shape`], but a null stays null (for values that may legitimately be absent).
pub fn shape_or_null(
    settings: &mut Settings,
    selector: &str,
    label: &'static str,
    check: fn(&Content) -> bool,
) {
    let sel = selector.to_string();
    settings.add_dynamic_redaction(selector, move |value, _path| {
        if value.is_nil() {
            return value;
        }
        assert!(
            check(&value),
            "{sel}: expected {label} or null, found {value:?}"
        );
        Content::from(label)
    });
}

pub fn integer_string(c: &Content) -> bool {
    c.as_str().is_some_and(is_digits)
}

pub fn positive_integer(c: &Content) -> bool {
    c.as_u64().is_some_and(|n| n > 0) || c.as_i64().is_some_and(|n| n > 0)
}

pub fn offset_timestamp(c: &Content) -> bool {
    c.as_str().is_some_and(is_offset_timestamp)
}

/// Replaces the target's base URL inside URL values (asserting they start with it) by
/// `[base]`, so links compare across targets. Nulls stay null.
pub fn base_urls(settings: &mut Settings, base_url: &str, selectors: &[&str]) {
    for selector in selectors {
        let base = base_url.to_string();
        let sel = selector.to_string();
        settings.add_dynamic_redaction(selector, move |value, _path| {
            if value.is_nil() {
                return value;
            }
            let s = value.as_str().unwrap_or_default();
            assert!(
                s.starts_with(&base),
                "{sel}: {s} does not start with the target base URL"
            );
            Content::from(format!("[base]{}", &s[base.len()..]))
        });
    }
}

/// Common settings: snapshots in `tests/snapshots`, no module prefix.
pub fn settings() -> Settings {
    let mut s = Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_snapshot_path(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots"));
    s
}

/// Hipcall v20211124 redactions.
pub mod hipcall {
    use super::*;

    /// Headers every snapshot keeps.
    pub const HEADERS: &[&str] = &[
        "content-type",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "retry-after",
    ];

    /// Settings for any Hipcall exchange: remaining budget and retry times are counts;
    /// pagination URLs are relative to the target.
    pub fn settings(base_url: &str) -> Settings {
        let mut s = super::settings();
        shape(
            &mut s,
            ".headers[\"x-ratelimit-remaining\"]",
            "[integer]",
            integer_string,
        );
        shape(
            &mut s,
            ".headers[\"retry-after\"]",
            "[seconds]",
            integer_string,
        );
        base_urls(
            &mut s,
            base_url,
            &[
                ".body.links.first",
                ".body.links.last",
                ".body.links.prev",
                ".body.links.next",
                ".body.meta.path",
                ".body.meta.links[].url",
            ],
        );
        s
    }

    /// Plus the modification time of an updated record.
    pub fn updated(base_url: &str) -> Settings {
        let mut s = settings(base_url);
        shape(
            &mut s,
            ".body.data.updated_at",
            "[timestamp]",
            offset_timestamp,
        );
        s
    }

    /// Plus the server-assigned parts of a created record.
    pub fn created(base_url: &str) -> Settings {
        let mut s = settings(base_url);
        shape(&mut s, ".body.data.id", "[id]", positive_integer);
        shape(
            &mut s,
            ".body.data.created_at",
            "[timestamp]",
            offset_timestamp,
        );
        shape(
            &mut s,
            ".body.data.updated_at",
            "[timestamp]",
            offset_timestamp,
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The timestamp shape accepts the documented format only.
    #[test]
    fn timestamp_shape() {
        assert!(is_offset_timestamp("2023-03-31T08:41:58+0000"));
        assert!(!is_offset_timestamp("2023-03-31T08:41:58Z"));
        assert!(!is_offset_timestamp("2023-03-31 08:41:58+0000"));
    }
}

//! What a surface declares so `mockdesk snapshot` can read a real account back into a state
//! document: the collections it can list (where, how they page, where the records sit in the
//! answer), which record fields hold personal data, and how the listed records become the
//! account's state. Neutral data; the anonymizer is `anonymize.rs`, the walk over HTTP
//! `crate::snapshot`.

use std::collections::BTreeMap;

use serde_json::Value;

mod anonymize;

pub use anonymize::{is_personal, Anonymizer};

/// How a list pages.
#[derive(Debug, Clone, Copy)]
pub enum Paging {
    /// `?{page}=N&{limit}=L`, pages counted from `first`; the walk ends at a short page.
    PageLimit {
        page: &'static str,
        limit: &'static str,
        first: u64,
        /// The page size asked for (the documented maximum).
        size: u64,
    },
    /// `?{limit}=L`, then `&{token}=T` with the token the answer gives at the JSON pointer
    /// `next`; the walk ends when there is none.
    Cursor {
        token: &'static str,
        next: &'static str,
        limit: &'static str,
        size: u64,
    },
    /// `?{offset}=N&{limit}=L`; the walk ends at a short page.
    OffsetLimit {
        offset: &'static str,
        limit: &'static str,
        size: u64,
    },
    /// `?{size_param}=L` first, then the query of the next page's link at the JSON pointer
    /// `next` (Laravel's `links.next`), until there is none: the page size asked for may be
    /// ignored (the parameter's name is not always documented) without losing a page.
    NextLink {
        next: &'static str,
        size_param: &'static str,
        size: u64,
    },
    /// One answer holds every record (or the one record, when `items` points at an object).
    Whole,
}

/// A collection the API lists.
#[derive(Debug, Clone, Copy)]
pub struct Listed {
    /// The state document's collection it fills.
    pub collection: &'static str,
    /// The list path below the surface root; with `within`, `{name}` stands for the parent
    /// record's field `name` (`/chats/{id}/messages`).
    pub path: &'static str,
    /// Where the page's records sit in the answer (a JSON pointer).
    pub items: &'static str,
    pub paging: Paging,
    /// Listed once per record of this collection (read before it), e.g. a chat's messages.
    pub within: Option<Within>,
}

/// The parent of a nested list.
#[derive(Debug, Clone, Copy)]
pub struct Within {
    pub parent: &'static str,
    /// The field of each listed record set to the parent's id (`None`: the API gives it).
    pub key: Option<&'static str>,
    /// Only parents whose field (first) holds this string value (second).
    pub only: Option<(&'static str, &'static str)>,
}

impl Listed {
    /// A top-level list.
    pub const fn new(
        collection: &'static str,
        path: &'static str,
        items: &'static str,
        paging: Paging,
    ) -> Self {
        Self {
            collection,
            path,
            items,
            paging,
            within: None,
        }
    }

    /// Listed once per record of `parent` (the records name their parent themselves).
    pub const fn within(self, parent: &'static str) -> Self {
        Self {
            within: Some(Within {
                parent,
                key: None,
                only: None,
            }),
            ..self
        }
    }

    /// Listed once per record of `parent`; each record's `key` is set to the parent's id.
    pub const fn within_as(self, parent: &'static str, key: &'static str) -> Self {
        Self {
            within: Some(Within {
                parent,
                key: Some(key),
                only: None,
            }),
            ..self
        }
    }

    /// Only parents whose `field` is the string `value` (`.within(…).only(…)`).
    pub const fn only(self, field: &'static str, value: &'static str) -> Self {
        match self.within {
            Some(w) => Self {
                within: Some(Within {
                    only: Some((field, value)),
                    ..w
                }),
                ..self
            },
            None => self,
        }
    }

    /// Whether a parent record is one this list is read for.
    pub fn reads_for(&self, parent: &Value) -> bool {
        match self.within.and_then(|w| w.only) {
            Some((field, value)) => parent.get(field).and_then(Value::as_str) == Some(value),
            None => true,
        }
    }

    /// The path for one parent record: `{name}` replaced by its field `name`, `{name|ymd}` by
    /// the date of a timestamp field as path segments (`2023/03/31`); `None` when the parent
    /// has no such field.
    pub fn path_for(&self, parent: &Value) -> Option<String> {
        let mut out = String::new();
        let mut rest = self.path;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}')? + start;
            let (field, modifier) = match rest[start + 1..end].split_once('|') {
                Some((f, m)) => (f, Some(m)),
                None => (&rest[start + 1..end], None),
            };
            match (parent.get(field)?, modifier) {
                (Value::String(v), Some("ymd")) => out.push_str(&v.get(..10)?.replace('-', "/")),
                (_, Some(_)) => return None,
                (Value::String(v), None) => out.push_str(&crate::platform::pagination::encode(v)),
                (Value::Number(n), None) => out.push_str(&n.to_string()),
                _ => return None,
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }
}

/// The kind of a personal value: what its fake looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Personal {
    FirstName,
    LastName,
    /// A whole name: as many words, a first name then last names.
    FullName,
    Email,
    /// Keeps a leading `+` and the first two digits (the country code), the length and the
    /// punctuation.
    Phone,
    /// Free text: as many words.
    Text,
    /// A company's name.
    Company,
    City,
    /// An IPv4 or IPv6 address: another of the same family.
    Ip,
    /// A URL: scheme and host kept (a site's own address), path segments and query values
    /// replaced by words.
    Url,
}

/// A personal field of the records of one collection of the assembled state document (the
/// file's own shape, not the API's): `collection` is a key of the account's state, or a path
/// of keys separated by `.` for a nested one (`extra.messages`), holding an array of records or
/// an object of them; `field` is a path of keys separated by `.` (`device.ip`), where `*`
/// stands for every value of an object or every item of an array (`customData.*`,
/// `phones.*.number`). Only string values are replaced.
#[derive(Debug, Clone, Copy)]
pub struct PersonalField {
    pub collection: &'static str,
    pub field: &'static str,
    pub kind: Personal,
}

impl PersonalField {
    pub const fn new(collection: &'static str, field: &'static str, kind: Personal) -> Self {
        Self {
            collection,
            field,
            kind,
        }
    }
}

/// What a walk read: collection → records, in the order the API listed them.
pub type Listing = BTreeMap<&'static str, Vec<Value>>;

/// The records of one personal field's collection in an account's state: the items of an
/// array, or the values of an object (records keyed by id).
pub fn records_mut<'s>(state: &'s mut Value, collection: &str) -> Vec<&'s mut Value> {
    let pointer: String = collection.split('.').map(|k| format!("/{k}")).collect();
    match state.pointer_mut(&pointer) {
        Some(Value::Array(items)) => items.iter_mut().collect(),
        Some(Value::Object(m)) => m.values_mut().collect(),
        _ => Vec::new(),
    }
}

/// A surface's snapshot description.
#[derive(Debug)]
pub struct SnapshotSpec {
    pub listed: &'static [Listed],
    /// State collections the API cannot list (left at their defaults, counted in the summary).
    pub not_listed: &'static [&'static str],
    pub personal: &'static [PersonalField],
    /// The account's state document from the listed records (collection → records, in the
    /// order the API listed them), or why they do not make one.
    pub assemble: fn(Listing) -> Result<Value, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_paths_from_the_parent() {
        let l = Listed::new("x", "/cdrs/{started_at|ymd}/{uuid}", "/data", Paging::Whole)
            .within("cdrs")
            .only("kind", "call");
        let parent = serde_json::json!({"started_at": "2023-03-31T08:41:58+0000", "uuid": "a b", "kind": "call"});
        assert_eq!(
            l.path_for(&parent).as_deref(),
            Some("/cdrs/2023/03/31/a%20b")
        );
        assert!(l.reads_for(&parent));
        assert!(!l.reads_for(&serde_json::json!({"kind": "sms"})));
        assert_eq!(
            l.path_for(&serde_json::json!({"uuid": "u"})),
            None,
            "a missing field"
        );
        let m = Listed::new("m", "/chats/{id}/messages", "/data", Paging::Whole).within("chats");
        assert_eq!(
            m.path_for(&serde_json::json!({"id": 7})).as_deref(),
            Some("/chats/7/messages")
        );
        assert!(
            m.reads_for(&serde_json::json!({})),
            "no filter: every parent"
        );
        assert!(!is_personal(Personal::Phone, "101"), "an extension");
        assert!(is_personal(Personal::Phone, "+90 532 111 22 33"));
        assert!(!is_personal(Personal::Url, "https://www.google.com/"));
        assert!(is_personal(Personal::Url, "https://shop.example/u/jane"));
    }
}

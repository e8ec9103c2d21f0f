//! Pagination styles: request parsers and the page arithmetic ([`Window`], [`slice()`]) shared
//! by every surface, so the store never knows how a vendor pages. Implemented: Laravel
//! page/per_page ([`PageRequest`], envelope by [`LaravelPage`] in its "full" and "simple"
//! forms), `page`+`limit` zero- or one-based ([`PageLimit`]), `offset`/`limit`
//! ([`offset_limit`]), and opaque keyset tokens with a checksum ([`PageToken`],
//! [`keyset_page`]). The envelopes around a page are rendered by
//! [`super::view::list`].

use serde::Serialize;
use serde_json::{json, Value};

use super::error::{ApiError, FieldError, Problem};

/// A contiguous window of an ordered collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: usize,
    pub limit: usize,
}

/// The records of `items` inside `window` (empty when the window starts past the end).
pub fn slice<T>(items: &[T], window: Window) -> &[T] {
    let start = window.offset.min(items.len());
    let end = window.offset.saturating_add(window.limit).min(items.len());
    &items[start..end]
}

/// Limits a vendor puts on page/per_page requests.
#[derive(Debug, Clone, Copy)]
pub struct PageRules {
    pub default_per_page: usize,
    pub max_per_page: usize,
}

/// A parsed `page` / `per_page` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub page: usize,
    pub per_page: usize,
    /// Query parameters other than `page`, in the order the client sent them; page links
    /// carry them so a client following `next` keeps its filters and page size.
    pub carried_query: Vec<(String, String)>,
}

impl PageRequest {
    /// Parses Laravel-style paging: a `page` that is not a positive integer falls back to 1
    /// (as Laravel's paginator does); a `per_page` that is not an integer within the rules is a
    /// validation error on `per_page`.
    pub fn parse(query: &[(String, String)], rules: PageRules) -> Result<Self, ApiError> {
        let mut page = 1usize;
        let mut per_page = rules.default_per_page;
        let mut carried = Vec::new();
        for (k, v) in query {
            match k.as_str() {
                "page" => {
                    page = v
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|p| *p >= 1)
                        .unwrap_or(1)
                }
                "per_page" => {
                    let n = v.trim().parse::<i64>().map_err(|_| {
                        ApiError::Validation(vec![FieldError::new(
                            "per_page",
                            Problem::Type {
                                expected: "integer",
                            },
                        )])
                    })?;
                    if n < 1 || n as usize > rules.max_per_page {
                        return Err(ApiError::Validation(vec![FieldError::new(
                            "per_page",
                            Problem::Range {
                                min: 1,
                                max: rules.max_per_page as i64,
                            },
                        )]));
                    }
                    per_page = n as usize;
                    carried.push((k.clone(), v.clone()));
                }
                _ => carried.push((k.clone(), v.clone())),
            }
        }
        Ok(Self {
            page,
            per_page,
            carried_query: carried,
        })
    }

    pub fn window(&self) -> Window {
        Window {
            offset: (self.page - 1).saturating_mul(self.per_page),
            limit: self.per_page,
        }
    }
}

/// Limits of a `page` + `limit` style (page index counted from `first_page`).
#[derive(Debug, Clone, Copy)]
pub struct PageLimitRules {
    /// 0 for zero-based page numbers, 1 for one-based.
    pub first_page: usize,
    pub default_limit: usize,
    pub max_limit: usize,
}

/// A parsed `page` + `limit` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit {
    pub page: usize,
    pub limit: usize,
}

impl PageLimit {
    /// Parses `page` and `limit`; a non-integer or out-of-range value is a validation error
    /// on that parameter.
    pub fn parse(query: &[(String, String)], rules: PageLimitRules) -> Result<Self, ApiError> {
        let mut out = Self {
            page: rules.first_page,
            limit: rules.default_limit,
        };
        let mut errors = Vec::new();
        for (k, v) in query {
            let n = v.trim().parse::<i64>();
            match k.as_str() {
                "page" => match n {
                    Ok(p) if p >= rules.first_page as i64 => out.page = p as usize,
                    Ok(_) => errors.push(FieldError::new(
                        "page",
                        Problem::Range {
                            min: rules.first_page as i64,
                            max: i64::MAX,
                        },
                    )),
                    Err(_) => errors.push(FieldError::new(
                        "page",
                        Problem::Type {
                            expected: "integer",
                        },
                    )),
                },
                "limit" => match n {
                    Ok(l) if l >= 1 && l as usize <= rules.max_limit => out.limit = l as usize,
                    Ok(_) => errors.push(FieldError::new(
                        "limit",
                        Problem::Range {
                            min: 1,
                            max: rules.max_limit as i64,
                        },
                    )),
                    Err(_) => errors.push(FieldError::new(
                        "limit",
                        Problem::Type {
                            expected: "integer",
                        },
                    )),
                },
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    pub fn window(&self, rules: PageLimitRules) -> Window {
        Window {
            offset: (self.page - rules.first_page).saturating_mul(self.limit),
            limit: self.limit,
        }
    }
}

/// Limits of an `offset` + `limit` style.
#[derive(Debug, Clone, Copy)]
pub struct OffsetLimitRules {
    pub default_limit: usize,
    pub max_limit: usize,
}

/// Reads `offset` and `limit` from query values or JSON values (integers or numeric
/// strings); a bad or out-of-range value is a validation error on that name.
pub fn offset_limit(
    offset: Option<&serde_json::Value>,
    limit: Option<&serde_json::Value>,
    rules: OffsetLimitRules,
) -> Result<Window, ApiError> {
    fn int(v: &serde_json::Value) -> Option<i64> {
        match v {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
    let mut errors = Vec::new();
    let mut window = Window {
        offset: 0,
        limit: rules.default_limit,
    };
    match offset.filter(|v| !v.is_null()).map(int) {
        None => {}
        Some(Some(o)) if o >= 0 => window.offset = o as usize,
        Some(Some(_)) => errors.push(FieldError::new(
            "offset",
            Problem::Range {
                min: 0,
                max: i64::MAX,
            },
        )),
        Some(None) => errors.push(FieldError::new(
            "offset",
            Problem::Type {
                expected: "integer",
            },
        )),
    }
    match limit.filter(|v| !v.is_null()).map(int) {
        None => {}
        Some(Some(l)) if l >= 1 && l as usize <= rules.max_limit => window.limit = l as usize,
        Some(Some(_)) => errors.push(FieldError::new(
            "limit",
            Problem::Range {
                min: 1,
                max: rules.max_limit as i64,
            },
        )),
        Some(None) => errors.push(FieldError::new(
            "limit",
            Problem::Type {
                expected: "integer",
            },
        )),
    }
    if errors.is_empty() {
        Ok(window)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// [`offset_limit`] over query pairs.
pub fn offset_limit_query(
    query: &[(String, String)],
    rules: OffsetLimitRules,
) -> Result<Window, ApiError> {
    let get = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| serde_json::Value::String(v.clone()))
    };
    offset_limit(get("offset").as_ref(), get("limit").as_ref(), rules)
}

/// A value records are ordered by in keyset paging.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum SortKey {
    Int(i64),
    Str(String),
}

/// An opaque keyset page token: where the next page starts, the sort it belongs to, and the
/// query it was issued for (`scope`), with a checksum so a tampered token is refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageToken {
    pub scope: String,
    pub sort_by: String,
    pub descending: bool,
    /// The sort key and id of the last record of the previous page.
    pub after: (SortKey, SortKey),
}

/// FNV-1a over the parts in order (as if concatenated).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    parts
        .iter()
        .flat_map(|p| p.iter())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// `n` as sixteen lower-case hex digits (`format!("{n:016x}")`).
fn hex16(n: u64) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    (0..16)
        .rev()
        .map(|i| char::from(HEX[((n >> (4 * i)) & 0xf) as usize]))
        .collect()
}

/// A token as it travels: `{"t": token, "s": checksum}` (written by hand by
/// [`PageToken::encode`]; this is what the test holds it to).
#[cfg(test)]
#[derive(serde::Serialize)]
struct Wrapped<'a> {
    t: &'a PageToken,
    s: &'a str,
}

const TOKEN_SALT: &[u8] = b"mockdesk-page-token";

impl PageToken {
    /// URL-safe base64 of the JSON payload plus a checksum field.
    pub fn encode(&self) -> String {
        use base64::Engine;
        // The payload is written once (by the project's encoder, which writes serde_json's
        // bytes), straight into `{"t":…,"s":"…"}` — what `Wrapped` serializes to; the
        // checksum is hex, which needs no escaping. Every page of a keyset list issues one.
        const OPEN: &[u8] = b"{\"t\":";
        let mut wrapped = Vec::with_capacity(256);
        wrapped.extend_from_slice(OPEN);
        if super::json::write(&mut wrapped, self).is_err() {
            wrapped.truncate(OPEN.len());
        }
        let sum = hex16(fnv1a(&[TOKEN_SALT, &wrapped[OPEN.len()..]]));
        wrapped.extend_from_slice(b",\"s\":\"");
        wrapped.extend_from_slice(sum.as_bytes());
        wrapped.extend_from_slice(b"\"}");
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(wrapped)
    }

    /// `None` when the token is not one of ours or was altered.
    pub fn decode(raw: &str) -> Option<Self> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw.trim().trim_end_matches('='))
            .ok()?;
        let wrapped: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        let token: PageToken = serde_json::from_value(wrapped.get("t")?.clone()).ok()?;
        let payload = serde_json::to_vec(&token).ok()?;
        let sum = hex16(fnv1a(&[TOKEN_SALT, &payload]));
        (wrapped.get("s")?.as_str()? == sum).then_some(token)
    }
}

/// One page of records already ordered by `(key, id)` in the requested direction, starting
/// after `after`; returns the page and whether more records follow.
pub fn keyset_page<'a, T>(
    ordered: &'a [T],
    position: impl Fn(&T) -> (SortKey, SortKey),
    descending: bool,
    after: Option<&(SortKey, SortKey)>,
    limit: usize,
) -> (&'a [T], bool) {
    let start = match after {
        None => 0,
        Some(a) => ordered.partition_point(|t| {
            let p = position(t);
            if descending {
                p >= *a
            } else {
                p <= *a
            }
        }),
    };
    let end = start.saturating_add(limit).min(ordered.len());
    (&ordered[start..end], end < ordered.len())
}

/// Which Laravel paginator a list endpoint uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaravelPaginator {
    /// `paginate()`: knows the total; meta has `last_page`, `links[]`, `total`; `per_page` is
    /// an integer.
    Full,
    /// `simplePaginate()`: no total; meta has neither `last_page`, `links` nor `total`;
    /// `links.last` is null and `per_page` is echoed as a string.
    Simple,
}

/// Renders Laravel's JSON resource-collection envelope.
pub struct LaravelPage<'a> {
    /// Absolute URL of the list endpoint as the client reached it (no query string).
    pub path: &'a str,
    pub request: &'a PageRequest,
    pub total: usize,
    pub style: LaravelPaginator,
    pub previous_label: &'a str,
    pub next_label: &'a str,
}

impl LaravelPage<'_> {
    fn url(&self, page: usize) -> String {
        let mut out = String::with_capacity(self.path.len() + 32);
        out.push_str(self.path);
        out.push('?');
        for (k, v) in &self.request.carried_query {
            push_encoded(&mut out, k);
            out.push('=');
            push_encoded(&mut out, v);
            out.push('&');
        }
        out.push_str("page=");
        out.push_str(itoa::Buffer::new().format(page));
        out
    }

    pub fn last_page(&self) -> usize {
        self.total.div_ceil(self.request.per_page).max(1)
    }

    /// Builds `{data, links, meta}` around `data` (the records of the current page).
    pub fn render(&self, data: Vec<Value>) -> Value {
        let (links, meta) = self.links_and_meta(data.len());
        json!({ "data": data, "links": links, "meta": meta })
    }

    /// The `links` and `meta` objects for a page holding `count` records (the envelope's data
    /// is rendered by [`super::view::list`]).
    pub fn links_and_meta(&self, count: usize) -> (LaravelLinks, LaravelMeta) {
        let page = self.request.page;
        let offset = self.request.window().offset;
        let (from, to) = if count == 0 {
            (None, None)
        } else {
            (Some(offset + 1), Some(offset + count))
        };
        let has_more = offset + count < self.total;
        let prev = (page > 1).then(|| self.url(page - 1));
        let next = has_more.then(|| self.url(page + 1));
        let full = self.style == LaravelPaginator::Full;
        let last = self.last_page();
        let meta = LaravelMeta {
            current_page: page,
            from,
            last_page: full.then_some(last),
            links: full.then(|| self.link_list(prev.clone(), next.clone())),
            path: self.path.to_string(),
            per_page: if full {
                PerPage::Number(self.request.per_page)
            } else {
                PerPage::Text(self.request.per_page.to_string())
            },
            to,
            total: full.then_some(self.total),
        };
        let links = LaravelLinks {
            first: self.url(1),
            last: full.then(|| self.url(last)),
            prev,
            next,
        };
        (links, meta)
    }

    /// The `meta.links` list: previous, the page window (with "..." gaps), next.
    fn link_list(&self, prev: Option<String>, next: Option<String>) -> Vec<PageLink> {
        let mut out = vec![PageLink {
            url: prev,
            label: self.previous_label.to_string(),
            active: false,
        }];
        for item in page_window(self.request.page, self.last_page()) {
            out.push(match item {
                Some(p) => PageLink {
                    url: Some(self.url(p)),
                    label: p.to_string(),
                    active: p == self.request.page,
                },
                None => PageLink {
                    url: None,
                    label: "...".to_string(),
                    active: false,
                },
            });
        }
        out.push(PageLink {
            url: next,
            label: self.next_label.to_string(),
            active: false,
        });
        out
    }
}

/// Laravel's `links` object: `last` is null under the simple paginator.
#[derive(Debug, Clone, Serialize)]
pub struct LaravelLinks {
    pub first: String,
    pub last: Option<String>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// Laravel's `meta` object; `last_page`, `links` and `total` only under the full paginator.
#[derive(Debug, Clone, Serialize)]
pub struct LaravelMeta {
    pub current_page: usize,
    pub from: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_page: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<PageLink>>,
    pub path: String,
    pub per_page: PerPage,
    pub to: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<usize>,
}

/// `per_page`: a number under the full paginator, the echoed text under the simple one.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PerPage {
    Number(usize),
    Text(String),
}

/// One entry of `meta.links`.
#[derive(Debug, Clone, Serialize)]
pub struct PageLink {
    pub url: Option<String>,
    pub label: String,
    pub active: bool,
}

/// Laravel's `UrlWindow` with three links on each side: every page when there are fewer than
/// 14, otherwise a slider with `None` for each "..." gap.
pub fn page_window(current: usize, last: usize) -> Vec<Option<usize>> {
    const EACH_SIDE: usize = 3;
    const WINDOW: usize = EACH_SIDE + 4;
    if last < EACH_SIDE * 2 + 8 {
        return (1..=last).map(Some).collect();
    }
    let mut out = Vec::new();
    if current <= WINDOW {
        out.extend((1..=WINDOW + EACH_SIDE).map(Some));
        out.push(None);
        out.extend((last - 1..=last).map(Some));
    } else if current > last - WINDOW {
        out.extend((1..=2).map(Some));
        out.push(None);
        out.extend((last - (WINDOW + EACH_SIDE - 1)..=last).map(Some));
    } else {
        out.extend((1..=2).map(Some));
        out.push(None);
        out.extend((current - EACH_SIDE..=current + EACH_SIDE).map(Some));
        out.push(None);
        out.extend((last - 1..=last).map(Some));
    }
    out
}

/// Percent-encodes a query component (RFC 3986 unreserved characters stay as they are).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_encoded(&mut out, s);
    out
}

/// [`encode`], appended to `out`.
fn push_encoded(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
    }
}

#[cfg(test)]
mod tests;

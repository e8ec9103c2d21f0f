//! The Hipcall v3 list query language (reference §3A): `limit` 1–100 (default 10), `offset` ≥ 0,
//! `sort=field.dir[,field2.dir]` (dir: asc, desc and the `_nulls_first|last` variants),
//! bracket filters `field[op]=value` (ops `eq`, `in`, `gte`, `lte`), `q`, and plain parameters
//! an endpoint names. Anything else is a 422 naming the parameter, as the OpenAPI-validating
//! server does. Matching and ordering work on [`FieldValue`]s the endpoint extracts.

use std::cmp::Ordering;

use chrono::Utc;

use crate::platform::error::{ApiError, ApiResult, FieldError, Problem};
use crate::platform::extract::QueryPairs;
use crate::platform::pagination::Window;

mod kept;
mod value;
pub(crate) use kept::Picked;
pub(crate) use value::{FieldValue, Kind, Op};

/// One filter field of an endpoint: its name, kind and allowed operators.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FilterSpec {
    pub field: &'static str,
    pub kind: Kind,
    pub ops: &'static [Op],
}

/// `filter("done", Kind::Bool, &[Op::Eq])`: one accepted filter, for `ListSpec` tables.
pub(crate) const fn filter(field: &'static str, kind: Kind, ops: &'static [Op]) -> FilterSpec {
    FilterSpec { field, kind, ops }
}

/// What an endpoint accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListSpec {
    /// Sortable fields; the first is the default sort key.
    pub sorts: &'static [&'static str],
    pub default_descending: bool,
    pub filters: &'static [FilterSpec],
    /// Plain parameters the endpoint reads itself (e.g. `type`, `active`).
    pub plain: &'static [&'static str],
    pub paged: bool,
    pub searchable: bool,
}

impl ListSpec {
    /// A paged list sortable by `id`, searchable, no filters.
    pub(crate) const fn simple() -> Self {
        Self {
            sorts: &["id"],
            default_descending: false,
            filters: &[],
            plain: &[],
            paged: true,
            searchable: true,
        }
    }
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub field: String,
    pub descending: bool,
    /// Where nulls go; by default last when ascending, first when descending (as PostgreSQL).
    pub nulls_first: bool,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub field: &'static str,
    pub op: Op,
    pub values: Vec<FieldValue>,
}

/// A parsed list request.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub limit: usize,
    pub offset: usize,
    pub sort: Vec<SortKey>,
    pub filters: Vec<Filter>,
    pub q: Option<String>,
    /// The plain parameters the endpoint declared, as sent.
    pub plain: Vec<(String, String)>,
}

impl ListQuery {
    pub fn window(&self) -> Window {
        Window {
            offset: self.offset,
            limit: self.limit,
        }
    }

    pub fn plain(&self, name: &str) -> Option<&str> {
        self.plain
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A declared plain parameter read as `true` / `false` (else the 422 naming it).
    pub fn plain_bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.plain(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid(
                name,
                Problem::Type {
                    expected: "boolean",
                },
            )),
        }
    }

    /// A declared plain parameter that must be one of `allowed` (else the 422 listing them).
    pub fn plain_one_of(&self, name: &str, allowed: &[&str]) -> ApiResult<Option<&str>> {
        match self.plain(name) {
            Some(x) if !allowed.contains(&x) => Err(ApiError::invalid(
                name,
                Problem::OneOf {
                    allowed: allowed.iter().map(|a| a.to_string()).collect(),
                },
            )),
            other => Ok(other),
        }
    }

    /// Whether a record passes every filter; `value` extracts a field's value.
    pub fn matches(&self, value: impl Fn(&str) -> FieldValue) -> bool {
        self.filters.iter().all(|f| {
            let have = value(f.field);
            match f.op {
                Op::Eq => f.values.first().is_some_and(|w| eq(&have, w)),
                Op::In => f.values.iter().any(|w| eq(&have, w)),
                Op::Gte => f
                    .values
                    .first()
                    .is_some_and(|w| have.cmp_same(w).is_some_and(|o| o != Ordering::Less)),
                Op::Lte => f
                    .values
                    .first()
                    .is_some_and(|w| have.cmp_same(w).is_some_and(|o| o != Ordering::Greater)),
            }
        })
    }

    /// The records of `stored` (a collection in stored order) that `keep` accepts, ordered by
    /// the sort keys; ties keep the stored order. The reference [`ListQuery::pick_in_kept_order`]
    /// is tested against.
    #[cfg(test)]
    pub fn pick_in_order<'a, T>(
        &self,
        stored: impl Iterator<Item = &'a T>,
        keep: impl Fn(&T) -> bool,
        value: impl Fn(&T, &str) -> FieldValue,
    ) -> Vec<&'a T> {
        let positioned: Vec<(i64, &'a T)> = stored
            .enumerate()
            .map(|(i, t)| (i as i64, t))
            .filter(|(_, t)| keep(t))
            .collect();
        let mut v: Vec<&(i64, &'a T)> = positioned.iter().collect();
        self.order(&mut v, |(_, t), f| value(t, f), |(i, _)| *i);
        v.into_iter().map(|(_, t)| *t).collect()
    }

    /// [`ListQuery::order`] for the usual case, one sort key whose values are all numbers of
    /// one kind (times, integers or booleans) or null: each record becomes one tuple of
    /// integers — nulls' rank, the value (bit-inverted when descending, which reverses the
    /// order without overflow), the id — sorted as integers instead of through the general
    /// comparison. Same order as the general path (a property test holds the two together).
    /// False, with `items` untouched, when the key is not of that kind.
    fn order_by_number<T>(
        &self,
        items: &mut [&T],
        value: &impl Fn(&T, &str) -> FieldValue,
        id: &impl Fn(&T) -> i64,
    ) -> bool {
        let [k] = self.sort.as_slice() else {
            return false;
        };
        // 0 until a value is seen, then 1 for times, 2 for integers, 3 for booleans.
        let mut kind = 0;
        let mut keyed = Vec::with_capacity(items.len());
        for t in items.iter() {
            let (this, a, b) = match value(t, &k.field) {
                FieldValue::Null => {
                    keyed.push(((if k.nulls_first { 0_u8 } else { 2 }, 0, 0, id(t)), *t));
                    continue;
                }
                FieldValue::Time(secs, nanos) => (1, secs, i64::from(nanos)),
                FieldValue::Int(n) => (2, n, 0),
                FieldValue::Bool(b) => (3, i64::from(b), 0),
                FieldValue::Str(_) => return false,
            };
            if kind != 0 && kind != this {
                return false;
            }
            kind = this;
            let (a, b) = if k.descending { (!a, !b) } else { (a, b) };
            keyed.push(((1, a, b, id(t)), *t));
        }
        keyed.sort_by_key(|x| x.0);
        for (slot, (_, t)) in items.iter_mut().zip(keyed) {
            *slot = t;
        }
        true
    }

    /// Orders records by the sort keys, ties by `id` ascending. Each record's keys are read
    /// once (dates are parsed once per record, not once per comparison).
    pub fn order<T>(
        &self,
        items: &mut [&T],
        value: impl Fn(&T, &str) -> FieldValue,
        id: impl Fn(&T) -> i64,
    ) {
        if self.sort.is_empty() {
            items.sort_by_key(|t| id(t));
            return;
        }
        if !self.order_by_number(items, &value, &id) {
            self.order_by_values(items, value, id);
        }
    }

    /// [`ListQuery::order`] for any keys: each record's values compared key by key.
    fn order_by_values<T>(
        &self,
        items: &mut [&T],
        value: impl Fn(&T, &str) -> FieldValue,
        id: impl Fn(&T) -> i64,
    ) {
        // Text compares case-insensitively: each key is lowercased once, here.
        let key = |t: &T, field: &str| match value(t, field) {
            FieldValue::Str(s) => FieldValue::Str(s.to_lowercase()),
            v => v,
        };
        // Every record's keys in one flat list (one allocation, not one per record).
        let width = self.sort.len();
        let keys: Vec<FieldValue> = items
            .iter()
            .flat_map(|t| self.sort.iter().map(|k| key(t, &k.field)))
            .collect();
        let mut keyed: Vec<(usize, i64, &T)> = items
            .iter()
            .enumerate()
            .map(|(i, t)| (i * width, id(t), *t))
            .collect();
        keyed.sort_by(|(a, ia, _), (b, ib, _)| {
            let (xa, xb) = (&keys[*a..*a + width], &keys[*b..*b + width]);
            for (k, (x, y)) in self.sort.iter().zip(xa.iter().zip(xb)) {
                let o = match (x, y) {
                    (FieldValue::Null, FieldValue::Null) => Ordering::Equal,
                    (FieldValue::Null, _) => {
                        if k.nulls_first {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    }
                    (_, FieldValue::Null) => {
                        if k.nulls_first {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    }
                    _ => {
                        // Values of two kinds in one field (no endpoint gives them) go by
                        // kind, so the comparison stays a total order (the standard sort may
                        // panic on one that is not).
                        let o = x
                            .cmp_lowered(y)
                            .unwrap_or_else(|| x.kind_rank().cmp(&y.kind_rank()));
                        if k.descending {
                            o.reverse()
                        } else {
                            o
                        }
                    }
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            ia.cmp(ib)
        });
        for (slot, (_, _, t)) in items.iter_mut().zip(keyed) {
            *slot = t;
        }
    }
}

fn eq(have: &FieldValue, want: &FieldValue) -> bool {
    match (have, want) {
        (FieldValue::Str(a), FieldValue::Str(b)) => a.eq_ignore_ascii_case(b),
        _ => have == want,
    }
}

fn invalid(field: impl Into<String>, problem: Problem) -> FieldError {
    FieldError::new(field, problem)
}

fn other(field: impl Into<String>, text: String) -> FieldError {
    FieldError::new(field, Problem::Other(text))
}

fn parse_value(kind: Kind, raw: &str) -> Result<FieldValue, Problem> {
    let raw = raw.trim();
    match kind {
        Kind::Int => raw
            .parse::<i64>()
            .map(FieldValue::Int)
            .map_err(|_| Problem::Type {
                expected: "integer",
            }),
        // A number is "Value must be a string." (documented); another string must be one
        // of the field's values.
        Kind::OneOf(_) if raw.parse::<f64>().is_ok() => Err(Problem::Type { expected: "string" }),
        Kind::OneOf(allowed) => {
            if allowed.iter().any(|a| a.eq_ignore_ascii_case(raw)) {
                Ok(FieldValue::Str(raw.to_string()))
            } else {
                Err(Problem::OneOf {
                    allowed: allowed.iter().map(|a| a.to_string()).collect(),
                })
            }
        }
        Kind::Bool => match raw {
            "true" => Ok(FieldValue::Bool(true)),
            "false" => Ok(FieldValue::Bool(false)),
            _ => Err(Problem::Type {
                expected: "boolean",
            }),
        },
        Kind::Time => chrono::DateTime::parse_from_rfc3339(raw)
            .map(|t| FieldValue::instant(t.with_timezone(&Utc)))
            .or_else(|_| {
                chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| FieldValue::instant(t.and_utc()))
                    .ok_or(Problem::Type { expected: "date" })
            }),
    }
}

fn bounded(
    name: &str,
    raw: &str,
    min: i64,
    max: Option<i64>,
    errors: &mut Vec<FieldError>,
) -> Option<usize> {
    match raw.trim().parse::<i64>() {
        Ok(n) if n < min => {
            errors.push(invalid(name, Problem::Minimum { min, value: n }));
            None
        }
        Ok(n) if max.is_some_and(|m| n > m) => {
            errors.push(invalid(
                name,
                Problem::Maximum {
                    max: max.unwrap_or(n),
                    value: n,
                },
            ));
            None
        }
        Ok(n) => usize::try_from(n).ok(),
        Err(_) => {
            errors.push(invalid(
                name,
                Problem::Type {
                    expected: "integer",
                },
            ));
            None
        }
    }
}

/// Parses a list request against an endpoint's spec.
pub(crate) fn parse(q: &QueryPairs, spec: &ListSpec) -> ApiResult<ListQuery> {
    let mut errors = Vec::new();
    let mut out = ListQuery {
        limit: 10,
        offset: 0,
        sort: vec![SortKey {
            field: spec.sorts.first().copied().unwrap_or("id").to_string(),
            descending: spec.default_descending,
            nulls_first: spec.default_descending,
        }],
        filters: Vec::new(),
        q: None,
        plain: Vec::new(),
    };
    for (k, v) in &q.0 {
        match k.as_str() {
            "limit" if spec.paged => {
                if let Some(n) = bounded("limit", v, 1, Some(100), &mut errors) {
                    out.limit = n;
                }
            }
            "offset" if spec.paged => {
                if let Some(n) = bounded("offset", v, 0, None, &mut errors) {
                    out.offset = n;
                }
            }
            "q" if spec.searchable => {
                let t = v.trim();
                out.q = (!t.is_empty()).then(|| t.to_string());
            }
            "sort" if spec.paged => match parse_sort(v, spec.sorts) {
                Ok(keys) => out.sort = keys,
                Err(e) => errors.push(e),
            },
            key => {
                if let Some((field, rest)) = key.split_once('[') {
                    let Some(op_raw) = rest.strip_suffix(']') else {
                        errors.push(invalid(key, Problem::NotAllowed));
                        continue;
                    };
                    let Some(fs) = spec.filters.iter().find(|f| f.field == field) else {
                        errors.push(invalid(field, Problem::NotAllowed));
                        continue;
                    };
                    let Some(op) = Op::parse(op_raw).filter(|o| fs.ops.contains(o)) else {
                        errors.push(other(
                            field,
                            format!("#/{field}/{op_raw}: Unexpected field: {op_raw}"),
                        ));
                        continue;
                    };
                    let raws: Vec<&str> = if op == Op::In {
                        v.split(',').filter(|s| !s.trim().is_empty()).collect()
                    } else {
                        vec![v.as_str()]
                    };
                    if raws.is_empty() {
                        errors.push(invalid(field, Problem::Required));
                        continue;
                    }
                    let mut values = Vec::new();
                    for r in raws {
                        match parse_value(fs.kind, r) {
                            Ok(x) => values.push(x),
                            Err(p) => errors.push(invalid(field, p)),
                        }
                    }
                    out.filters.push(Filter {
                        field: fs.field,
                        op,
                        values,
                    });
                } else if spec.plain.contains(&key) {
                    out.plain.push((k.clone(), v.clone()));
                } else {
                    errors.push(invalid(key, Problem::NotAllowed));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn parse_sort(raw: &str, allowed: &[&str]) -> Result<Vec<SortKey>, FieldError> {
    let mut keys = Vec::new();
    let mut bad = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let parsed = part.split_once('.').and_then(|(field, dir)| {
            let (descending, nulls_first) = match dir {
                "asc" => (false, false),
                "desc" => (true, true),
                "asc_nulls_last" => (false, false),
                "asc_nulls_first" => (false, true),
                "desc_nulls_last" => (true, false),
                "desc_nulls_first" => (true, true),
                _ => return None,
            };
            allowed.contains(&field).then(|| SortKey {
                field: field.to_string(),
                descending,
                nulls_first,
            })
        });
        match parsed {
            Some(k) => keys.push(k),
            None => bad.push(format!("{part:?}")),
        }
    }
    if !bad.is_empty() || keys.is_empty() {
        let listed = if bad.is_empty() {
            format!("{raw:?}")
        } else {
            bad.join(", ")
        };
        return Err(other("sort", format!("Invalid sort fields: [{listed}]")));
    }
    Ok(keys)
}

/// Whether `hay` contains `needle`, case-insensitively.
pub(crate) fn contains(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

/// The digits of a phone number (`+90 532…` → `90532…`).
pub(crate) fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests;

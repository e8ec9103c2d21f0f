//! A filter's [`Kind`] and operators ([`Op`]), and [`FieldValue`]: a record's value for a
//! filter or sort field, and how values compare.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use super::super::super::time::{parse_date_input, utc_base};

/// What kind of value a filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    /// A string that must be one of these (compared case-insensitively).
    OneOf(&'static [&'static str]),
    Bool,
    Time,
}

/// A filter operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    In,
    Gte,
    Lte,
}

impl Op {
    pub(super) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "eq" => Op::Eq,
            "in" => Op::In,
            "gte" => Op::Gte,
            "lte" => Op::Lte,
            _ => return None,
        })
    }
}

/// A record's value for a filter or sort field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Null,
    Int(i64),
    Str(String),
    Bool(bool),
    /// An instant as (Unix second, nanosecond): ordered as the instants are.
    Time(i64, u32),
}

impl FieldValue {
    /// From a stored timestamp string (either spelling); unparseable is null.
    pub fn time(s: Option<&str>) -> Self {
        let Some(s) = s else {
            return FieldValue::Null;
        };
        // The stored spelling is read without chrono; anything else takes the full parse.
        if let Some((_, secs)) = utc_base(s) {
            return FieldValue::Time(secs, 0);
        }
        parse_date_input(s).map_or(FieldValue::Null, FieldValue::instant)
    }

    pub(super) fn instant(t: DateTime<Utc>) -> Self {
        FieldValue::Time(t.timestamp(), t.timestamp_subsec_nanos())
    }

    pub fn opt_int(v: Option<i64>) -> Self {
        v.map_or(FieldValue::Null, FieldValue::Int)
    }

    pub fn opt_str(v: Option<&str>) -> Self {
        v.map_or(FieldValue::Null, |s| FieldValue::Str(s.to_string()))
    }

    /// Where a kind sorts against another (only for a field whose values mix kinds).
    pub(super) fn kind_rank(&self) -> u8 {
        match self {
            FieldValue::Null => 0,
            FieldValue::Int(_) => 1,
            FieldValue::Time(..) => 2,
            FieldValue::Bool(_) => 3,
            FieldValue::Str(_) => 4,
        }
    }

    /// Like `cmp_same`, for text already lowercased.
    pub(super) fn cmp_lowered(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (FieldValue::Str(a), FieldValue::Str(b)) => Some(a.cmp(b)),
            _ => self.cmp_same(other),
        }
    }

    pub(super) fn cmp_same(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (FieldValue::Int(a), FieldValue::Int(b)) => Some(a.cmp(b)),
            (FieldValue::Str(a), FieldValue::Str(b)) => {
                Some(a.to_lowercase().cmp(&b.to_lowercase()))
            }
            (FieldValue::Bool(a), FieldValue::Bool(b)) => Some(a.cmp(b)),
            (FieldValue::Time(a, an), FieldValue::Time(b, bn)) => Some((a, an).cmp(&(b, bn))),
            _ => None,
        }
    }
}

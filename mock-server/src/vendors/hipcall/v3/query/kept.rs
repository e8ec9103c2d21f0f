//! Lists kept in the account's memo in a sort's order until its next write: a request filters
//! that order, or (when it narrows nothing) reads only its page of it.

use crate::platform::memo::Rendered;
use crate::platform::pagination::slice;
use crate::platform::store::{Collection, RecordId};

use super::{FieldValue, ListQuery, SortKey};

/// A stored collection's order for one sort: stored positions (see
/// [`ListQuery::pick_in_kept_order`]).
struct KeptOrder {
    sort: Vec<SortKey>,
    positions: Vec<usize>,
}

/// What a list request picked: how many records it keeps, and the page of them its window
/// shows.
#[derive(Debug)]
pub struct Picked<'r, T> {
    pub count: usize,
    pub page: Vec<&'r T>,
}

impl ListQuery {
    /// The records of `stored` that `keep` accepts, in this query's order, from the whole
    /// collection's order for this sort kept in the account's memo (named `name`, one per
    /// sort) until the account's next write: a request only filters that order. The same
    /// records in the same order as sorting the accepted ones (`pick_in_order`, a property
    /// test holds the two together): ties go by stored position in both, and filtering keeps
    /// the relative order.
    pub fn pick_in_kept_order<'r, K, T>(
        &self,
        memo: Rendered<'r>,
        name: &'static str,
        stored: &'r Collection<K, T>,
        keep: impl Fn(&T) -> bool,
        value: impl Fn(&T, &str) -> FieldValue,
    ) -> Vec<&'r T>
    where
        K: std::hash::Hash + Eq + Clone + RecordId,
    {
        self.kept_order(memo, name, stored, value)
            .positions
            .iter()
            .filter_map(|&i| stored.at(i))
            .filter(|t| keep(t))
            .collect()
    }

    /// The collection's order for this request's sort, kept in the account's memo.
    fn kept_order<'r, K, T>(
        &self,
        memo: Rendered<'r>,
        name: &'static str,
        stored: &'r Collection<K, T>,
        value: impl Fn(&T, &str) -> FieldValue,
    ) -> std::sync::Arc<KeptOrder>
    where
        K: std::hash::Hash + Eq + Clone + RecordId,
    {
        memo.derived(
            name,
            |o: &KeptOrder| o.sort == self.sort,
            || {
                let positioned: Vec<(i64, &T)> = stored
                    .values()
                    .enumerate()
                    .map(|(i, t)| (i as i64, t))
                    .collect();
                let mut v: Vec<&(i64, &T)> = positioned.iter().collect();
                self.order(&mut v, |(_, t), f| value(t, f), |(i, _)| *i);
                KeptOrder {
                    sort: self.sort.clone(),
                    positions: v.iter().map(|(i, _)| *i as usize).collect(),
                }
            },
        )
    }

    /// Whether the request narrows the list (filters or a search); without either, every
    /// record is kept.
    pub fn narrows(&self) -> bool {
        !self.filters.is_empty() || self.q.is_some()
    }

    /// As [`ListQuery::pick_in_kept_order`], for one page: how many records are kept and the
    /// window of them. A request that does not narrow the list keeps every record, so only
    /// the window's records are visited (not the whole collection): `keep` must test only what
    /// the request's filters and search ask (every caller's does), so it holds for every
    /// record then (checked on the window in debug builds).
    pub fn page_in_kept_order<'r, K, T>(
        &self,
        memo: Rendered<'r>,
        name: &'static str,
        stored: &'r Collection<K, T>,
        keep: impl Fn(&T) -> bool,
        value: impl Fn(&T, &str) -> FieldValue,
    ) -> Picked<'r, T>
    where
        K: std::hash::Hash + Eq + Clone + RecordId,
    {
        if self.narrows() {
            let all = self.pick_in_kept_order(memo, name, stored, keep, value);
            return Picked {
                count: all.len(),
                page: slice(&all, self.window()).to_vec(),
            };
        }
        let order = self.kept_order(memo, name, stored, value);
        let window = slice(&order.positions, self.window());
        let page: Vec<&T> = window.iter().filter_map(|&i| stored.at(i)).collect();
        debug_assert!(
            page.iter().all(|t| keep(t)),
            "keep narrowed an unnarrowed list"
        );
        Picked {
            count: order.positions.len(),
            page,
        }
    }
}

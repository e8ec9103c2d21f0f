//! HelpCrunch's search language (`POST /customers/search`, `POST /chats/search`): filters of
//! `{field, operator, value}` combined with AND/OR, validated against a field table whose kind
//! decides the operators and the value type, then matched against the records.

use serde_json::{Map, Value};

use super::input::{self, not_a_choice, required, type_err, unix_input};
use super::state::{Chat, ChatStatus, Customer, HelpCrunchState};
use crate::platform::error::{ApiError, ApiResult, Problem};

/// One search filter after validation.
#[derive(Debug, Clone)]
pub struct Filter {
    pub field: String,
    pub operator: String,
    pub value: Value,
}

/// The type of a searchable field, which decides its operators and value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Date,
    Str,
    Status,
    Tags,
    /// A list of ids (`chats.agents`): `=` means "contains".
    IdList,
}

impl Kind {
    pub(crate) fn operators(self) -> &'static [&'static str] {
        match self {
            Kind::Int | Kind::Date => &["=", "!=", ">", "<", ">=", "<="],
            Kind::Str | Kind::Status => &["=", "!=", "~", "!~"],
            Kind::Tags => &["="],
            Kind::IdList => &["=", "!="],
        }
    }
}

pub(crate) const CUSTOMER_FIELDS: &[(&str, Kind)] = &[
    ("customers.id", Kind::Int),
    ("customers.name", Kind::Str),
    ("customers.email", Kind::Str),
    ("customers.company", Kind::Str),
    ("customers.phone", Kind::Str),
    ("customers.countryCode", Kind::Str),
    ("customers.city", Kind::Str),
    ("customers.regionCode", Kind::Str),
    ("customers.userId", Kind::Str),
    ("customers.tagsData", Kind::Tags),
    ("customers.lastSeen", Kind::Date),
    ("customers.firstSeen", Kind::Date),
    ("customers.createdAt", Kind::Date),
    ("customers.telegramId", Kind::Str),
    ("customers.facebookId", Kind::Str),
    ("customers.instagramId", Kind::Str),
    ("customers.viberId", Kind::Str),
    ("customers.whatsappId", Kind::Str),
];

pub(crate) const CHAT_FIELDS: &[(&str, Kind)] = &[
    ("chats.id", Kind::Int),
    ("chats.assignee", Kind::Int),
    ("chats.agents", Kind::IdList),
    ("chats.createdAt", Kind::Date),
    ("chats.updatedAt", Kind::Date),
    ("chats.closedAt", Kind::Date),
    ("chats.lastMessageAt", Kind::Date),
    ("chats.lastCustomerMessageAt", Kind::Date),
    ("chats.department", Kind::Int),
    ("chats.status", Kind::Status),
    ("chats.rating", Kind::Str),
    ("chats.customer", Kind::Int),
    ("chats.customer.email", Kind::Str),
    ("chats.customer.userId", Kind::Str),
    ("chats.customer.tagsData", Kind::Tags),
];

pub(crate) const CUSTOMER_SORTS: &[&str] =
    &["customers.id", "customers.firstSeen", "customers.lastSeen"];
pub(crate) const CHAT_SORTS: &[&str] = &[
    "chats.id",
    "chats.createdAt",
    "chats.lastCustomerMessageAt",
    "chats.lastMessageAt",
    "chats.closedAt",
];

/// A field's value on one record.
/// A record's value of a searched field, borrowed from the record (a search visits every
/// record for every filter: nothing is copied per visit).
enum Got<'a> {
    Int(Option<i64>),
    Str(Option<&'a str>),
    Tags(&'a [String]),
    Ids(&'a [i64]),
}

/// Whether `have`, lower-cased, equals (`contains == false`) or contains `want_lower`. An
/// ASCII `have` is compared in place; anything else is lower-cased as a whole first, exactly
/// as `str::to_lowercase` would.
fn text_matches(have: &str, want_lower: &str, contains: bool) -> bool {
    if have.is_ascii() && want_lower.is_ascii() {
        let (h, w) = (have.as_bytes(), want_lower.as_bytes());
        return if contains {
            w.is_empty() || h.windows(w.len()).any(|win| win.eq_ignore_ascii_case(w))
        } else {
            h.eq_ignore_ascii_case(w)
        };
    }
    let h = have.to_lowercase();
    if contains {
        h.contains(want_lower)
    } else {
        h == want_lower
    }
}

/// A parsed search body.
#[derive(Debug, Clone)]
pub struct Search {
    pub filters: Vec<Filter>,
    pub any: bool,
    pub sort: Option<String>,
    pub descending: bool,
}

/// Filters one search takes at most (also the most tags one `tagsData` filter names). The
/// docs give no limit; this cap keeps one request's work bounded (a deviation, documented).
pub(crate) const MAX_FILTERS: usize = 50;

/// Validates `filter`, `comparison`, `sort` and `order` of a search body against a field
/// table; every problem is reported at its `filter[i].…` path.
pub(crate) fn parse_search(
    body: &Map<String, Value>,
    fields: &[(&str, Kind)],
    sorts: &[&str],
) -> ApiResult<Search> {
    let mut errors = Vec::new();
    let mut filters = Vec::new();
    match body.get("filter") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) if items.len() > MAX_FILTERS => {
            return Err(ApiError::invalid(
                "filter",
                Problem::Count {
                    min: 0,
                    max: MAX_FILTERS,
                },
            ));
        }
        Some(Value::Array(items)) => {
            for (i, f) in items.iter().enumerate() {
                let at = |k: &str| format!("filter[{i}].{k}");
                let Some(obj) = f.as_object() else {
                    errors.push(type_err(format!("filter[{i}]"), "array"));
                    continue;
                };
                let field = match obj.get("field") {
                    Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
                    Some(Value::String(_)) | None | Some(Value::Null) => {
                        errors.push(required(at("field")));
                        continue;
                    }
                    Some(_) => {
                        errors.push(type_err(at("field"), "string"));
                        continue;
                    }
                };
                let Some(&(_, kind)) = fields.iter().find(|(n, _)| *n == field) else {
                    let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
                    errors.push(not_a_choice(at("field"), &names));
                    continue;
                };
                let operator = match obj.get("operator") {
                    Some(Value::String(s)) if kind.operators().contains(&s.trim()) => {
                        s.trim().to_string()
                    }
                    None | Some(Value::Null) => {
                        errors.push(required(at("operator")));
                        continue;
                    }
                    Some(_) => {
                        errors.push(not_a_choice(at("operator"), kind.operators()));
                        continue;
                    }
                };
                let value = obj.get("value").cloned().unwrap_or(Value::Null);
                let ok = match kind {
                    Kind::Int | Kind::IdList => {
                        unix_input(&value).is_some()
                            && !matches!(value, Value::Number(ref n) if n.is_f64())
                    }
                    Kind::Date => unix_input(&value).is_some(),
                    Kind::Str => value.is_string(),
                    Kind::Status => value
                        .as_str()
                        .is_some_and(|s| ChatStatus::parse(s).is_some()),
                    Kind::Tags => value.as_array().is_some_and(|a| {
                        !a.is_empty()
                            && a.len() <= MAX_FILTERS
                            && a.iter().all(|t| {
                                t.get("name")
                                    .and_then(Value::as_str)
                                    .is_some_and(|n| !n.trim().is_empty())
                            })
                    }),
                };
                if !ok {
                    errors.push(match kind {
                        Kind::Int | Kind::IdList | Kind::Date => type_err(at("value"), "number"),
                        Kind::Str => type_err(at("value"), "string"),
                        Kind::Status => {
                            let all: Vec<&str> =
                                ChatStatus::ALL.iter().map(|s| s.as_str()).collect();
                            not_a_choice(at("value"), &all)
                        }
                        Kind::Tags => type_err(at("value"), "array"),
                    });
                    continue;
                }
                filters.push(Filter {
                    field,
                    operator,
                    value,
                });
            }
        }
        Some(_) => errors.push(type_err("filter", "array")),
    }
    let any = match body.get("comparison") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("and") => false,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("or") => true,
        Some(_) => {
            errors.push(not_a_choice("comparison", &["and", "or"]));
            false
        }
    };
    let (sort, descending) = input::sort(body.get("sort"), body.get("order"), sorts, &mut errors);
    if errors.is_empty() {
        Ok(Search {
            filters,
            any,
            sort,
            descending,
        })
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// A filter made ready for a scan: the value as compared (chat statuses in canonical
/// spelling) and its text lower-cased, once per search instead of once per record.
struct Prepared<'s> {
    field: &'s str,
    op: &'s str,
    value: Value,
    want_lower: String,
}

fn prepare(search: &Search, canonical: impl Fn(&Filter) -> Value) -> Vec<Prepared<'_>> {
    search
        .filters
        .iter()
        .map(|f| {
            let value = canonical(f);
            let want_lower = value.as_str().unwrap_or("").to_lowercase();
            Prepared {
                field: &f.field,
                op: &f.operator,
                value,
                want_lower,
            }
        })
        .collect()
}

fn matches(got: &Got, f: &Prepared) -> bool {
    let (op, value, want) = (f.op, &f.value, f.want_lower.as_str());
    match got {
        Got::Int(v) => {
            let Some(want) = unix_input(value) else {
                return false;
            };
            match (v, op) {
                (None, "!=") => true,
                (None, _) => false,
                (Some(x), "=") => *x == want,
                (Some(x), "!=") => *x != want,
                (Some(x), ">") => *x > want,
                (Some(x), "<") => *x < want,
                (Some(x), ">=") => *x >= want,
                (Some(x), "<=") => *x <= want,
                _ => false,
            }
        }
        Got::Str(v) => match (v, op) {
            (None, "!=" | "!~") => true,
            (None, _) => false,
            (Some(h), "=") => text_matches(h, want, false),
            (Some(h), "!=") => !text_matches(h, want, false),
            (Some(h), "~") => text_matches(h, want, true),
            (Some(h), "!~") => !text_matches(h, want, true),
            _ => false,
        },
        Got::Tags(have) => value.as_array().is_some_and(|want| {
            want.iter().all(|t| {
                let n = t["name"].as_str().unwrap_or("");
                have.iter().any(|h| h.eq_ignore_ascii_case(n))
            })
        }),
        Got::Ids(ids) => {
            let Some(want) = unix_input(value) else {
                return false;
            };
            match op {
                "=" => ids.contains(&want),
                _ => !ids.contains(&want),
            }
        }
    }
}

fn combine(any: bool, filters: &[Prepared], mut test: impl FnMut(&Prepared) -> bool) -> bool {
    if filters.is_empty() {
        return true;
    }
    if any {
        filters.iter().any(&mut test)
    } else {
        filters.iter().all(test)
    }
}

impl HelpCrunchState {
    fn customer_field<'a>(&self, c: &'a Customer, field: &str) -> Got<'a> {
        let s = |v: &'a Option<String>| Got::Str(v.as_deref());
        match field {
            "customers.id" => Got::Int(Some(c.id)),
            "customers.name" => s(&c.name),
            "customers.email" => s(&c.email),
            "customers.company" => s(&c.company),
            "customers.phone" => s(&c.phone),
            "customers.countryCode" => s(&c.location.country_code),
            "customers.city" => s(&c.location.city),
            "customers.regionCode" => s(&c.location.region_code),
            "customers.userId" => s(&c.user_id),
            "customers.tagsData" => Got::Tags(&c.tags),
            "customers.lastSeen" => Got::Int(c.last_seen),
            "customers.firstSeen" => Got::Int(c.first_seen),
            "customers.createdAt" => Got::Int(Some(c.created_at)),
            _ => Got::Str(None),
        }
    }

    /// Every customer `search` finds, in its order (all steps of a `Scan` at once).
    pub fn search_customers(&self, search: &Search) -> Vec<&Customer> {
        let scan = Scan::customers(search);
        let found = scan.run(|at, found| scan.customers_step(self, at, found));
        self.found_customers(&scan, search, &found, false)
    }

    /// The customers a scan found, in the search's order. After a write in between steps,
    /// each is looked up and tested again (it may have changed or gone since).
    pub fn found_customers(
        &self,
        scan: &Scan,
        search: &Search,
        found: &[i64],
        changed: bool,
    ) -> Vec<&Customer> {
        let mut v = scan.found(&self.customers, found, changed, |c, f| {
            self.customer_field(c, f)
        });
        super::order::order_customers(&mut v, search.sort.as_deref(), search.descending);
        v
    }

    fn chat_field<'a>(&'a self, c: &'a Chat, field: &str) -> Got<'a> {
        let customer = self.customers.get(&c.customer_id);
        match field {
            "chats.id" => Got::Int(Some(c.id)),
            "chats.assignee" => Got::Int(c.assignee_id),
            "chats.agents" => Got::Ids(&c.agent_ids),
            "chats.createdAt" => Got::Int(Some(c.created_at)),
            "chats.updatedAt" => Got::Int(Some(c.updated_at)),
            "chats.closedAt" => Got::Int(c.closed_at),
            "chats.lastMessageAt" => Got::Int(c.last_message_at),
            "chats.lastCustomerMessageAt" => Got::Int(c.last_customer_message_at),
            "chats.department" => Got::Int(c.department_id),
            "chats.status" => Got::Str(Some(c.status.as_str())),
            "chats.rating" => Got::Str(c.rating.as_deref()),
            "chats.customer" => Got::Int(Some(c.customer_id)),
            "chats.customer.email" => Got::Str(customer.and_then(|x| x.email.as_deref())),
            "chats.customer.userId" => Got::Str(customer.and_then(|x| x.user_id.as_deref())),
            "chats.customer.tagsData" => Got::Tags(customer.map_or(&[][..], |x| &x.tags[..])),
            _ => Got::Str(None),
        }
    }

    /// Every chat `search` finds, in its order (all steps of a `Scan` at once).
    pub fn search_chats(&self, search: &Search) -> Vec<&Chat> {
        let scan = Scan::chats(search);
        let found = scan.run(|at, found| scan.chats_step(self, at, found));
        self.found_chats(&scan, search, &found, false)
    }

    /// The chats a scan found, in the search's order (see [`Self::found_customers`]).
    pub fn found_chats(
        &self,
        scan: &Scan,
        search: &Search,
        found: &[i64],
        changed: bool,
    ) -> Vec<&Chat> {
        let mut v = scan.found(&self.chats, found, changed, |c, f| self.chat_field(c, f));
        super::order::order_chats(&mut v, search.sort.as_deref(), search.descending);
        v
    }
}

/// How many records one step of a search looks at: a write waits for at most one step of a
/// search running on its account (see `Tenants::read_stepwise`).
pub(crate) const STEP: usize = 16_384;

/// A search made ready to run over a collection in steps: each step collects the stored
/// positions of the records that match.
pub struct Scan<'s> {
    any: bool,
    filters: Vec<Prepared<'s>>,
}

impl<'s> Scan<'s> {
    pub fn customers(search: &'s Search) -> Self {
        Self {
            any: search.any,
            filters: prepare(search, |f| f.value.clone()),
        }
    }

    pub fn chats(search: &'s Search) -> Self {
        let filters = prepare(search, |f| {
            if f.field == "chats.status" {
                // Compare statuses in canonical spelling.
                f.value
                    .as_str()
                    .and_then(ChatStatus::parse)
                    .map_or(Value::Null, |s| Value::from(s.as_str()))
            } else {
                f.value.clone()
            }
        });
        Self {
            any: search.any,
            filters,
        }
    }

    /// Runs every step in a row (for callers that hold the state throughout).
    fn run(&self, mut step: impl FnMut(Option<At>, &mut Vec<i64>) -> Option<At>) -> Vec<i64> {
        let (mut found, mut at) = (Vec::new(), None);
        loop {
            match step(at, &mut found) {
                Some(next) => at = Some(next),
                None => return found,
            }
        }
    }

    fn test<'r, T>(&self, r: &'r T, field: &impl Fn(&'r T, &str) -> Got<'r>) -> bool {
        combine(self.any, &self.filters, |f| matches(&field(r, f.field), f))
    }

    /// One step: up to [`STEP`] records from `at` (`None`: the start), the ids of those that
    /// match into `found`; where the next step starts. A step finds its place again by the id
    /// it stopped at, so records written between steps do not shift it.
    fn step<'r, T>(
        &self,
        records: &'r crate::platform::store::Collection<i64, T>,
        at: Option<At>,
        found: &mut Vec<i64>,
        field: impl Fn(&'r T, &str) -> Got<'r>,
    ) -> Option<At> {
        let from = match at {
            None => 0,
            Some(At { position, id }) => match records.entry_at(position) {
                Some((k, _)) if *k == id => position,
                // Moved (a record before it was removed or put in front) or gone.
                _ => records.position(&id).unwrap_or(position),
            },
        };
        let end = from.saturating_add(STEP).min(records.len());
        for i in from..end {
            if let Some((id, r)) = records.entry_at(i) {
                if self.test(r, &field) {
                    found.push(*id);
                }
            }
        }
        let (id, _) = records.entry_at(end)?;
        Some(At {
            position: end,
            id: *id,
        })
    }

    /// The records found (by id), tested again when a write came in between steps.
    fn found<'r, T>(
        &self,
        records: &'r crate::platform::store::Collection<i64, T>,
        found: &[i64],
        changed: bool,
        field: impl Fn(&'r T, &str) -> Got<'r>,
    ) -> Vec<&'r T> {
        if !changed {
            return found.iter().filter_map(|id| records.get(id)).collect();
        }
        let mut seen = std::collections::HashSet::with_capacity(found.len());
        found
            .iter()
            .filter(|id| seen.insert(**id))
            .filter_map(|id| records.get(id))
            .filter(|r| self.test(*r, &field))
            .collect()
    }

    /// One step over the customers: up to [`STEP`] records from `at` (`None`: the start).
    pub fn customers_step(
        &self,
        s: &HelpCrunchState,
        at: Option<At>,
        found: &mut Vec<i64>,
    ) -> Option<At> {
        self.step(&s.customers, at, found, |c, f| s.customer_field(c, f))
    }

    /// One step over the chats: up to [`STEP`] records from `at` (`None`: the start).
    pub fn chats_step(
        &self,
        s: &HelpCrunchState,
        at: Option<At>,
        found: &mut Vec<i64>,
    ) -> Option<At> {
        self.step(&s.chats, at, found, |c, f| s.chat_field(c, f))
    }
}

/// Where a search's next step starts: a stored position and the id found there.
#[derive(Debug, Clone, Copy)]
pub struct At {
    position: usize,
    id: i64,
}

#[cfg(test)]
mod tests;

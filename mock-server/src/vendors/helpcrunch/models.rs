//! HelpCrunch REST API v1: state, business rules, views and search. No HTTP types.
//!
//! Records are stored in internal form (timestamps as unix seconds or milliseconds) and
//! rendered by the `*_view` methods in the documented shapes (string unix timestamps, integer
//! ids, embedded customer/agent/department references).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::platform::error::{ApiError, ApiResult, FieldError, Problem};
use crate::platform::store::Collection;

/// Default colour of tags created on the fly (documented).
pub const DEFAULT_TAG_COLOR: &str = "#c377e0";
pub const AGENT_ROLES: &[&str] = &["agentChatOnly", "agent", "superviser", "admin"];
pub const RATINGS: &[&str] = &["perfect", "great", "average", "poor", "very poor"];
/// Chat statuses as responses spell them.
pub const STATUSES: &[&str] = &[
    "new",
    "opened",
    "pending",
    "on hold",
    "no communication",
    "closed",
    "empty",
];

/// `"1603885746"`: whole-second timestamps as the newer docs print them.
pub fn ts(secs: Option<i64>) -> Value {
    secs.map_or(Value::Null, |s| Value::String(s.to_string()))
}

/// `"1594139170.913"`: message timestamps carry milliseconds.
pub fn ts_ms(ms: i64) -> Value {
    Value::String(format!(
        "{}.{:03}",
        ms.div_euclid(1000),
        ms.rem_euclid(1000)
    ))
}

/// Reads a unix timestamp given as an integer, a float or a numeric string (seconds).
pub fn unix_input(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.floor() as i64)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(|f| f.floor() as i64)
            })
        }
        _ => None,
    }
}

/// Canonical status from any accepted spelling (`on-hold`, `onhold`, `on hold`; also the
/// numeric codes seen in a search example: 1 new … 7 empty).
pub fn canonical_status(s: &str) -> Option<&'static str> {
    let t = s.trim().to_ascii_lowercase();
    Some(match t.as_str() {
        "new" | "1" => "new",
        "opened" | "open" | "2" => "opened",
        "pending" | "3" => "pending",
        "on hold" | "on-hold" | "onhold" | "4" => "on hold",
        "closed" | "5" => "closed",
        "no communication" | "no-communication" | "6" => "no communication",
        "empty" | "7" => "empty",
        _ => return None,
    })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub region_code: Option<String>,
    pub country_code: Option<String>,
    pub city: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub id: i64,
    pub ip: String,
    pub timezone: String,
    pub platform: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: i64,
    pub user_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub location: Location,
    pub device: Option<Device>,
    pub unsubscribed: bool,
    pub blocked: bool,
    pub source: Option<String>,
    pub referer: Option<String>,
    pub last_page: Option<String>,
    pub locale: Option<String>,
    pub created_from: Option<String>,
    pub integration_id: Option<String>,
    pub notes: Option<String>,
    /// Tag names; colours live in the account's tag table.
    pub tags: Vec<String>,
    pub custom_data: Map<String, Value>,
    pub created_at: i64,
}

impl Customer {
    /// A customer with every writable field empty (strings null, flags false, no tags or
    /// customData).
    pub fn blank(id: i64, created_at: i64) -> Self {
        Self {
            id,
            user_id: None,
            name: None,
            email: None,
            phone: None,
            company: None,
            first_seen: None,
            last_seen: None,
            location: Location {
                region_code: None,
                country_code: None,
                city: None,
            },
            device: None,
            unsubscribed: false,
            blocked: false,
            source: None,
            referer: None,
            last_page: None,
            locale: None,
            created_from: None,
            integration_id: None,
            notes: None,
            tags: vec![],
            custom_data: Map::new(),
            created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Agent {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    /// Set by `GET /agents/{id}/unsubscribe` (not part of the documented agent shape).
    pub unsubscribed: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub agent_ids: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub active: bool,
    #[serde(rename = "type")]
    pub app_type: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: i64,
    pub domain: String,
    pub team_online: bool,
    pub chat_enabled: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Chat {
    pub id: i64,
    pub status: String,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    pub rating: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_message_at: Option<i64>,
    pub last_customer_message_at: Option<i64>,
    pub read_by_agent: bool,
    pub read_by_customer: bool,
    pub created_with: String,
    pub snoozed_until: Option<i64>,
    pub last_message_text: Option<String>,
    pub last_message_id: Option<i64>,
    pub application_id: i64,
    pub last_communicated_agent_id: Option<i64>,
    /// Agents who wrote at least one (non-private) message, in order of first message.
    pub agent_ids: Vec<i64>,
    pub customer_id: i64,
    pub assignee_id: Option<i64>,
    pub department_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: i64,
    pub chat: i64,
    pub from: String,
    pub agent_id: Option<i64>,
    #[serde(rename = "type")]
    pub message_type: String,
    pub text: String,
    pub read: bool,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
    pub edited: bool,
    pub broadcast_type: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: i64,
    pub customer: i64,
    pub name: String,
    pub data: Value,
    pub created_at: i64,
}

/// Everything one HelpCrunch account holds.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct HelpCrunchState {
    pub organization: Option<Organization>,
    pub applications: Collection<i64, Application>,
    pub agents: Collection<i64, Agent>,
    pub departments: Collection<i64, Department>,
    /// Tag name -> colour, account wide.
    pub tags: BTreeMap<String, String>,
    pub customers: Collection<i64, Customer>,
    pub chats: Collection<i64, Chat>,
    pub messages: Collection<i64, Message>,
    pub events: Collection<i64, Event>,
}

fn next_id<T>(c: &Collection<i64, T>) -> i64 {
    c.max_id().copied().unwrap_or(0) + 1
}

fn err(field: impl Into<String>, problem: Problem) -> FieldError {
    FieldError::new(field, problem)
}

/// Symfony-style message as free text (rendered as-is by `errors.rs`).
fn msg(field: impl Into<String>, text: &str) -> FieldError {
    FieldError::new(field, Problem::Other(text.to_string()))
}

/// Which write a customer body is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Create,
    /// PUT: omitted fields are reset.
    Replace,
    /// PATCH and batch items: only present fields change.
    Merge,
}

/// A validated customer body: each present field as its new value.
#[derive(Debug, Default)]
struct CustomerInput {
    strings: Vec<(&'static str, Option<String>)>,
    first_seen: Option<Option<i64>>,
    last_seen: Option<Option<i64>>,
    location: Vec<(&'static str, Option<String>)>,
    unsubscribed: Option<bool>,
    blocked: Option<bool>,
    tags: Option<Vec<(String, Option<String>)>>,
    custom_data: Option<Map<String, Value>>,
}

const STRING_FIELDS: &[&str] = &[
    "userId", "name", "email", "phone", "company", "source", "referer", "lastPage", "locale",
    "notes",
];
const LOCATION_FIELDS: &[&str] = &["regionCode", "countryCode", "city"];

/// Reads `[{name, color?}]`.
fn parse_tag_list(
    v: &Value,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Vec<(String, Option<String>)>> {
    let Value::Array(items) = v else {
        errors.push(msg(field, "This value should be of type array."));
        return None;
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.get("name") {
            Some(Value::String(n)) if !n.trim().is_empty() => {
                let color = match item.get("color") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(c)) => Some(c.clone()),
                    Some(_) => {
                        errors.push(msg(
                            format!("{field}[{i}].color"),
                            "This value should be of type string.",
                        ));
                        None
                    }
                };
                out.push((n.trim().to_string(), color));
            }
            Some(Value::String(_)) | None | Some(Value::Null) => errors.push(msg(
                format!("{field}[{i}].name"),
                "This value should not be blank.",
            )),
            Some(_) => errors.push(msg(
                format!("{field}[{i}].name"),
                "This value should be of type string.",
            )),
        }
    }
    Some(out)
}

fn parse_customer(body: &Map<String, Value>, errors: &mut Vec<FieldError>) -> CustomerInput {
    let mut input = CustomerInput::default();
    for f in STRING_FIELDS {
        match body.get(*f) {
            None => {}
            Some(Value::Null) => input.strings.push((f, None)),
            Some(Value::String(s)) => {
                if *f == "email" && !s.is_empty() && !crate::platform::input::looks_like_email(s) {
                    errors.push(msg(*f, "This value is not a valid email address."));
                } else {
                    input.strings.push((f, Some(s.clone())));
                }
            }
            Some(Value::Number(n)) if *f == "userId" || *f == "phone" => {
                input.strings.push((f, Some(n.to_string())))
            }
            Some(_) => errors.push(msg(*f, "This value should be of type string.")),
        }
    }
    for (f, slot) in [
        ("firstSeen", &mut input.first_seen),
        ("lastSeen", &mut input.last_seen),
    ] {
        match body.get(f) {
            None => {}
            Some(Value::Null) => *slot = Some(None),
            Some(v) => match unix_input(v) {
                Some(t) => *slot = Some(Some(t)),
                None => errors.push(msg(f, "This value should be of type numeric.")),
            },
        }
    }
    // Location fields come either nested under `location` or at the top level.
    let nested = match body.get("location") {
        Some(Value::Object(m)) => Some(m),
        None | Some(Value::Null) => None,
        Some(_) => {
            errors.push(msg("location", "This value should be of type object."));
            None
        }
    };
    for f in LOCATION_FIELDS {
        let (v, path) = match nested.and_then(|m| m.get(*f)) {
            Some(v) => (Some(v), format!("location.{f}")),
            None => (body.get(*f), f.to_string()),
        };
        match v {
            None => {}
            Some(Value::Null) => input.location.push((f, None)),
            Some(Value::String(s)) => input.location.push((f, Some(s.clone()))),
            Some(_) => errors.push(msg(path, "This value should be of type string.")),
        }
    }
    for (f, slot) in [
        ("unsubscribed", &mut input.unsubscribed),
        ("blocked", &mut input.blocked),
    ] {
        match body.get(f) {
            None | Some(Value::Null) => {}
            Some(Value::Bool(b)) => *slot = Some(*b),
            Some(_) => errors.push(msg(f, "This value should be of type bool.")),
        }
    }
    match body.get("tags") {
        None | Some(Value::Null) => {}
        Some(v) => input.tags = parse_tag_list(v, "tags", errors),
    }
    // customData: the documented request form `[{property, value}]`, or the response form
    // (a map), so a read-modify-write round trip works.
    match body.get("customData") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            let mut m = Map::new();
            for (i, item) in items.iter().enumerate() {
                match (item.get("property"), item.get("value")) {
                    (Some(Value::String(p)), Some(v))
                        if !p.is_empty() && !v.is_array() && !v.is_object() =>
                    {
                        m.insert(p.clone(), v.clone());
                    }
                    (Some(Value::String(p)), Some(_)) if !p.is_empty() => errors.push(msg(
                        format!("customData[{i}].value"),
                        "This value should be of type scalar.",
                    )),
                    _ => errors.push(msg(
                        format!("customData[{i}].property"),
                        "This value should not be blank.",
                    )),
                }
            }
            input.custom_data = Some(m);
        }
        Some(Value::Object(map)) => {
            for (k, v) in map {
                if v.is_array() || v.is_object() {
                    errors.push(msg(
                        format!("customData.{k}"),
                        "This value should be of type scalar.",
                    ));
                }
            }
            input.custom_data = Some(map.clone());
        }
        Some(_) => errors.push(msg("customData", "This value should be of type array.")),
    }
    input
}

/// One search filter after validation.
#[derive(Debug, Clone)]
pub struct Filter {
    pub field: String,
    pub operator: String,
    pub value: Value,
}

/// The type of a searchable field, which decides its operators and value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Date,
    Str,
    Status,
    Tags,
    /// A list of ids (`chats.agents`): `=` means "contains".
    IdList,
}

impl Kind {
    pub fn operators(self) -> &'static [&'static str] {
        match self {
            Kind::Int | Kind::Date => &["=", "!=", ">", "<", ">=", "<="],
            Kind::Str | Kind::Status => &["=", "!=", "~", "!~"],
            Kind::Tags => &["="],
            Kind::IdList => &["=", "!="],
        }
    }
}

pub const CUSTOMER_FIELDS: &[(&str, Kind)] = &[
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

pub const CHAT_FIELDS: &[(&str, Kind)] = &[
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

pub const CUSTOMER_SORTS: &[&str] = &["customers.id", "customers.firstSeen", "customers.lastSeen"];
pub const CHAT_SORTS: &[&str] = &[
    "chats.id",
    "chats.createdAt",
    "chats.lastCustomerMessageAt",
    "chats.lastMessageAt",
    "chats.closedAt",
];

/// A field's value on one record.
enum Got {
    Int(Option<i64>),
    Str(Option<String>),
    Tags(Vec<String>),
    Ids(Vec<i64>),
}

/// A parsed search body.
#[derive(Debug, Clone)]
pub struct Search {
    pub filters: Vec<Filter>,
    pub any: bool,
    pub sort: Option<String>,
    pub descending: bool,
}

/// Validates `filter`, `comparison`, `sort` and `order` of a search body against a field
/// table; every problem is reported at its `filter[i].…` path.
pub fn parse_search(
    body: &Map<String, Value>,
    fields: &[(&str, Kind)],
    sorts: &[&str],
) -> ApiResult<Search> {
    let mut errors = Vec::new();
    let mut filters = Vec::new();
    match body.get("filter") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, f) in items.iter().enumerate() {
                let at = |k: &str| format!("filter[{i}].{k}");
                let Some(obj) = f.as_object() else {
                    errors.push(msg(
                        format!("filter[{i}]"),
                        "This value should be of type array.",
                    ));
                    continue;
                };
                let field = match obj.get("field") {
                    Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
                    Some(Value::String(_)) | None | Some(Value::Null) => {
                        errors.push(msg(at("field"), "This value should not be blank."));
                        continue;
                    }
                    Some(_) => {
                        errors.push(msg(at("field"), "This value should be of type string."));
                        continue;
                    }
                };
                let Some(&(_, kind)) = fields.iter().find(|(n, _)| *n == field) else {
                    errors.push(msg(
                        at("field"),
                        "The value you selected is not a valid choice.",
                    ));
                    continue;
                };
                let operator = match obj.get("operator") {
                    Some(Value::String(s)) if kind.operators().contains(&s.trim()) => {
                        s.trim().to_string()
                    }
                    None | Some(Value::Null) => {
                        errors.push(msg(at("operator"), "This value should not be blank."));
                        continue;
                    }
                    Some(_) => {
                        errors.push(msg(
                            at("operator"),
                            "The value you selected is not a valid choice.",
                        ));
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
                        .is_some_and(|s| canonical_status(s).is_some()),
                    Kind::Tags => value.as_array().is_some_and(|a| {
                        !a.is_empty()
                            && a.iter().all(|t| {
                                t.get("name")
                                    .and_then(Value::as_str)
                                    .is_some_and(|n| !n.trim().is_empty())
                            })
                    }),
                };
                if !ok {
                    let text = match kind {
                        Kind::Int | Kind::IdList | Kind::Date => {
                            "This value should be of type numeric."
                        }
                        Kind::Str => "This value should be of type string.",
                        Kind::Status => "The value you selected is not a valid choice.",
                        Kind::Tags => "This value should be of type array.",
                    };
                    errors.push(msg(at("value"), text));
                    continue;
                }
                filters.push(Filter {
                    field,
                    operator,
                    value,
                });
            }
        }
        Some(_) => errors.push(msg("filter", "This value should be of type array.")),
    }
    let any = match body.get("comparison") {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("and") => false,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("or") => true,
        Some(_) => {
            errors.push(msg(
                "comparison",
                "The value you selected is not a valid choice.",
            ));
            false
        }
    };
    let (sort, descending) = parse_sort(body.get("sort"), body.get("order"), sorts, &mut errors);
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

/// `sort` (one of `sorts`, or the field name without the entity prefix) and `order`
/// (`asc`/`desc`, any case).
pub fn parse_sort(
    sort: Option<&Value>,
    order: Option<&Value>,
    sorts: &[&str],
    errors: &mut Vec<FieldError>,
) -> (Option<String>, bool) {
    let sort = match sort {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match sorts
            .iter()
            .find(|x| **x == s || x.split_once('.').is_some_and(|(_, f)| f == s))
        {
            Some(x) => Some(x.to_string()),
            None => {
                errors.push(msg("sort", "The value you selected is not a valid choice."));
                None
            }
        },
        Some(_) => {
            errors.push(msg("sort", "This value should be of type string."));
            None
        }
    };
    let descending = match order {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("asc") => false,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("desc") => true,
        Some(_) => {
            errors.push(msg(
                "order",
                "The value you selected is not a valid choice.",
            ));
            false
        }
    };
    (sort, descending)
}

fn matches(got: &Got, op: &str, value: &Value) -> bool {
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
        Got::Str(v) => {
            let want = value.as_str().unwrap_or("").to_lowercase();
            let have = v.as_deref().map(str::to_lowercase);
            match (have, op) {
                (None, "!=" | "!~") => true,
                (None, _) => false,
                (Some(h), "=") => h == want,
                (Some(h), "!=") => h != want,
                (Some(h), "~") => h.contains(&want),
                (Some(h), "!~") => !h.contains(&want),
                _ => false,
            }
        }
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

fn combine(search: &Search, mut test: impl FnMut(&Filter) -> bool) -> bool {
    if search.filters.is_empty() {
        return true;
    }
    if search.any {
        search.filters.iter().any(&mut test)
    } else {
        search.filters.iter().all(test)
    }
}

/// Orders ids by an optional timestamp key; records without a value go last, ties by id.
fn order_by<T>(
    items: &mut [&T],
    key: impl Fn(&T) -> Option<i64>,
    id: impl Fn(&T) -> i64,
    descending: bool,
) {
    items.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        let ord = match (ka, kb) {
            (Some(x), Some(y)) => {
                if descending {
                    y.cmp(&x)
                } else {
                    x.cmp(&y)
                }
            }
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        ord.then(id(a).cmp(&id(b)))
    });
}

impl HelpCrunchState {
    // ---- views -------------------------------------------------------------------------

    pub fn agent_ref(&self, id: i64) -> Value {
        match self.agents.get(&id) {
            Some(a) => json!({"id": a.id, "name": a.name, "email": a.email, "role": a.role}),
            None => json!({"id": id, "name": null, "email": null, "role": null}),
        }
    }

    pub fn customer_view(&self, c: &Customer) -> Value {
        let tags: Vec<Value> = c
            .tags
            .iter()
            .map(|t| json!({"name": t, "color": self.tags.get(t).map_or(DEFAULT_TAG_COLOR, String::as_str)}))
            .collect();
        json!({
            "id": c.id,
            "userId": c.user_id,
            "name": c.name,
            "email": c.email,
            "phone": c.phone,
            "company": c.company,
            "firstSeen": ts(c.first_seen),
            "lastSeen": ts(c.last_seen),
            "location": c.location,
            "device": c.device,
            "unsubscribed": c.unsubscribed,
            "blocked": c.blocked,
            "source": c.source,
            "referer": c.referer,
            "lastPage": c.last_page,
            "locale": c.locale,
            "createdFrom": c.created_from,
            "integrationId": c.integration_id,
            "notes": c.notes,
            "tags": tags,
            "customData": c.custom_data,
        })
    }

    pub fn chat_view(&self, c: &Chat) -> Value {
        let customer = match self.customers.get(&c.customer_id) {
            Some(x) => json!({"id": x.id, "name": x.name, "email": x.email, "userId": x.user_id}),
            None => json!({"id": c.customer_id, "name": null, "email": null, "userId": null}),
        };
        let department = c
            .department_id
            .map(|d| json!({"id": d, "name": self.departments.get(&d).map(|x| x.name.clone())}));
        json!({
            "id": c.id,
            "status": c.status,
            "closedBy": c.closed_by,
            "closedAt": ts(c.closed_at),
            "rating": c.rating,
            "createdAt": ts(Some(c.created_at)),
            "lastMessageAt": ts(c.last_message_at),
            "lastCustomerMessageAt": ts(c.last_customer_message_at),
            "readByAgent": c.read_by_agent,
            "readByCustomer": c.read_by_customer,
            "createdWith": c.created_with,
            "snoozedUntil": ts(c.snoozed_until),
            "lastMessageText": c.last_message_text,
            "lastMessageId": c.last_message_id,
            "applicationId": c.application_id,
            "lastCommunicatedAgentId": c.last_communicated_agent_id,
            "agents": c.agent_ids.iter().map(|a| self.agent_ref(*a)).collect::<Vec<_>>(),
            "customer": customer,
            "assignee": c.assignee_id.map(|a| self.agent_ref(a)),
            "department": department,
        })
    }

    pub fn message_view(&self, m: &Message) -> Value {
        json!({
            "id": m.id,
            "chat": m.chat,
            "from": m.from,
            "agent": m.agent_id.map(|a| self.agent_ref(a)),
            "type": m.message_type,
            "text": m.text,
            "read": m.read,
            "createdAt": ts_ms(m.created_at),
            "updatedAt": ts_ms(m.updated_at),
            "edited": m.edited,
            "broadcastType": m.broadcast_type,
        })
    }

    pub fn department_view(&self, d: &Department) -> Value {
        json!({
            "id": d.id,
            "name": d.name,
            "agents": d.agent_ids.iter().map(|a| self.agent_ref(*a)).collect::<Vec<_>>(),
        })
    }

    // ---- customers ---------------------------------------------------------------------

    pub fn customer(&self, id: i64) -> ApiResult<&Customer> {
        self.customers
            .get(&id)
            .ok_or_else(|| ApiError::not_found("Customer", id))
    }

    /// Customers in list order: by id, or by `firstSeen`/`lastSeen` when asked.
    pub fn sorted_customers(&self, sort: Option<&str>, descending: bool) -> Vec<&Customer> {
        let mut v: Vec<&Customer> = self.customers.values().collect();
        match sort {
            Some("customers.firstSeen") => order_by(&mut v, |c| c.first_seen, |c| c.id, descending),
            Some("customers.lastSeen") => order_by(&mut v, |c| c.last_seen, |c| c.id, descending),
            _ if descending => v.reverse(),
            _ => {}
        }
        v
    }

    fn customer_field(&self, c: &Customer, field: &str) -> Got {
        let s = |v: &Option<String>| Got::Str(v.clone());
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
            "customers.tagsData" => Got::Tags(c.tags.clone()),
            "customers.lastSeen" => Got::Int(c.last_seen),
            "customers.firstSeen" => Got::Int(c.first_seen),
            "customers.createdAt" => Got::Int(Some(c.created_at)),
            _ => Got::Str(None),
        }
    }

    pub fn search_customers(&self, search: &Search) -> Vec<&Customer> {
        self.sorted_customers(search.sort.as_deref(), search.descending)
            .into_iter()
            .filter(|c| {
                combine(search, |f| {
                    matches(&self.customer_field(c, &f.field), &f.operator, &f.value)
                })
            })
            .collect()
    }

    fn apply_customer(&mut self, c: &mut Customer, input: CustomerInput, mode: Write) {
        if mode == Write::Replace {
            // Every writable field resets; what the API cannot write stays.
            *c = Customer {
                device: c.device.take(),
                created_from: c.created_from.take(),
                integration_id: c.integration_id.take(),
                ..Customer::blank(c.id, c.created_at)
            };
        }
        for (f, v) in input.strings {
            let slot = match f {
                "userId" => &mut c.user_id,
                "name" => &mut c.name,
                "email" => &mut c.email,
                "phone" => &mut c.phone,
                "company" => &mut c.company,
                "source" => &mut c.source,
                "referer" => &mut c.referer,
                "lastPage" => &mut c.last_page,
                "locale" => &mut c.locale,
                _ => &mut c.notes,
            };
            *slot = v;
        }
        if let Some(v) = input.first_seen {
            c.first_seen = v;
        }
        if let Some(v) = input.last_seen {
            c.last_seen = v;
        }
        for (f, v) in input.location {
            match f {
                "regionCode" => c.location.region_code = v,
                "countryCode" => c.location.country_code = v,
                _ => c.location.city = v,
            }
        }
        if let Some(b) = input.unsubscribed {
            c.unsubscribed = b;
        }
        if let Some(b) = input.blocked {
            c.blocked = b;
        }
        if let Some(tags) = input.tags {
            c.tags.clear();
            for (name, color) in tags {
                self.ensure_tag(&name, color);
                if !c.tags.contains(&name) {
                    c.tags.push(name);
                }
            }
        }
        if let Some(data) = input.custom_data {
            if mode == Write::Merge {
                for (k, v) in data {
                    c.custom_data.insert(k, v);
                }
            } else {
                c.custom_data = data;
            }
        }
    }

    fn ensure_tag(&mut self, name: &str, color: Option<String>) {
        self.tags
            .entry(name.to_string())
            .or_insert_with(|| color.unwrap_or_else(|| DEFAULT_TAG_COLOR.to_string()));
    }

    fn user_id_taken(&self, user_id: &Option<String>, except: Option<i64>) -> bool {
        user_id.as_ref().is_some_and(|u| {
            self.customers
                .values()
                .any(|c| Some(c.id) != except && c.user_id.as_deref() == Some(u.as_str()))
        })
    }

    /// `POST /customers` (201), `PUT /customers/{id}` (replace), `PATCH /customers/{id}`
    /// (merge).
    pub fn write_customer(
        &mut self,
        id: Option<i64>,
        body: &Map<String, Value>,
        mode: Write,
        now: i64,
    ) -> ApiResult<Customer> {
        let mut existing = match id {
            Some(id) => Some(self.customer(id)?.clone()),
            None => None,
        };
        let mut errors = Vec::new();
        let input = parse_customer(body, &mut errors);
        if let Some((_, uid)) = input.strings.iter().find(|(f, _)| *f == "userId") {
            if self.user_id_taken(uid, id) {
                errors.push(err("userId", Problem::Taken));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let mut c = existing.take().unwrap_or_else(|| Customer {
            first_seen: Some(now),
            created_from: Some("api".into()),
            ..Customer::blank(next_id(&self.customers), now)
        });
        self.apply_customer(&mut c, input, mode);
        self.customers.insert(c.id, c.clone());
        Ok(c)
    }

    /// `PUT /customers/batch`: 1–10 items, each `{customer: id, …fields}`, merged; all or
    /// nothing.
    pub fn batch_update(&mut self, items: &Value) -> ApiResult<Vec<Customer>> {
        let Value::Array(items) = items else {
            return Err(ApiError::Validation(vec![msg(
                "body",
                "This value should be of type array.",
            )]));
        };
        if items.is_empty() || items.len() > 10 {
            return Err(ApiError::Validation(vec![msg(
                "body",
                "This collection should contain 1 element or more and 10 elements or less.",
            )]));
        }
        let mut errors = Vec::new();
        let mut plan = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(obj) = item.as_object() else {
                errors.push(msg(format!("[{i}]"), "This value should be of type array."));
                continue;
            };
            let Some(id) = obj
                .get("customer")
                .and_then(unix_input)
                .filter(|_| !obj["customer"].is_boolean())
            else {
                errors.push(msg(
                    format!("[{i}].customer"),
                    "This value should be of type numeric.",
                ));
                continue;
            };
            if !self.customers.contains(&id) {
                errors.push(msg(format!("[{i}].customer"), "Customer not found"));
                continue;
            }
            let mut fields = obj.clone();
            fields.remove("customer");
            let mut item_errors = Vec::new();
            let input = parse_customer(&fields, &mut item_errors);
            if let Some((_, uid)) = input.strings.iter().find(|(f, _)| *f == "userId") {
                let taken_in_batch = plan.iter().any(|(other, inp): &(i64, CustomerInput)| {
                    *other != id
                        && inp
                            .strings
                            .iter()
                            .any(|(f, v)| *f == "userId" && v == uid && v.is_some())
                });
                if self.user_id_taken(uid, Some(id)) || taken_in_batch {
                    item_errors.push(err("userId", Problem::Taken));
                }
            }
            errors.extend(
                item_errors
                    .into_iter()
                    .map(|e| FieldError::new(format!("[{i}].{}", e.field), e.problem)),
            );
            plan.push((id, input));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let mut out = Vec::new();
        for (id, input) in plan {
            let mut c = self.customer(id)?.clone();
            self.apply_customer(&mut c, input, Write::Merge);
            self.customers.insert(id, c.clone());
            out.push(c);
        }
        Ok(out)
    }

    pub fn delete_customer(&mut self, id: i64) -> ApiResult<()> {
        self.customers
            .remove(&id)
            .map(|_| ())
            .ok_or_else(|| ApiError::not_found("Customer", id))
    }

    /// `PUT /customers/{id}/tags` (add; unknown tags are created with the default colour)
    /// and `DELETE /customers/{id}/tags` (remove by name).
    pub fn tag_customer(
        &mut self,
        id: i64,
        body: &Map<String, Value>,
        add: bool,
    ) -> ApiResult<Customer> {
        self.customer(id)?;
        let mut errors = Vec::new();
        let tags = match body.get("tags") {
            None | Some(Value::Null) => {
                errors.push(msg("tags", "This value should not be blank."));
                None
            }
            Some(v) => parse_tag_list(v, "tags", &mut errors),
        };
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let tags = tags.unwrap_or_default();
        if add {
            for (name, color) in &tags {
                self.ensure_tag(name, color.clone());
            }
        }
        let c = self.customers.get_mut(&id).ok_or(ApiError::Internal)?;
        for (name, _) in tags {
            if add {
                if !c.tags.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
                    c.tags.push(name);
                }
            } else {
                c.tags.retain(|t| !t.eq_ignore_ascii_case(&name));
            }
        }
        Ok(c.clone())
    }

    /// `POST /events`.
    pub fn add_event(&mut self, body: &Map<String, Value>, now: i64) -> ApiResult<Event> {
        let mut errors = Vec::new();
        let name = match body.get("name") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                errors.push(msg("name", "This value should not be blank."));
                None
            }
            Some(_) => {
                errors.push(msg("name", "This value should be of type string."));
                None
            }
        };
        let data = match body.get("data") {
            None | Some(Value::Null) => json!({}),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(_) => {
                errors.push(msg("data", "This value should be of type array."));
                Value::Null
            }
        };
        let customer = match body.get("customer") {
            None | Some(Value::Null) => {
                errors.push(msg("customer", "This value should not be blank."));
                None
            }
            Some(v) => match unix_input(v).filter(|_| !v.is_boolean()) {
                Some(id) => Some(id),
                None => {
                    errors.push(msg("customer", "This value should be of type numeric."));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let customer = customer.unwrap_or_default();
        self.customer(customer)?;
        let e = Event {
            id: next_id(&self.events),
            customer,
            name: name.unwrap_or_default(),
            data,
            created_at: now,
        };
        self.events.insert(e.id, e.clone());
        Ok(e)
    }

    // ---- chats -------------------------------------------------------------------------

    pub fn chat(&self, id: i64) -> ApiResult<&Chat> {
        self.chats
            .get(&id)
            .ok_or_else(|| ApiError::not_found("Chat", id))
    }

    pub fn sorted_chats(&self, sort: Option<&str>, descending: bool) -> Vec<&Chat> {
        let mut v: Vec<&Chat> = self.chats.values().collect();
        let id = |c: &Chat| c.id;
        match sort {
            Some("chats.createdAt") => order_by(&mut v, |c| Some(c.created_at), id, descending),
            Some("chats.lastCustomerMessageAt") => {
                order_by(&mut v, |c| c.last_customer_message_at, id, descending)
            }
            Some("chats.lastMessageAt") => order_by(&mut v, |c| c.last_message_at, id, descending),
            Some("chats.closedAt") => order_by(&mut v, |c| c.closed_at, id, descending),
            _ if descending => v.reverse(),
            _ => {}
        }
        v
    }

    fn chat_field(&self, c: &Chat, field: &str) -> Got {
        let customer = self.customers.get(&c.customer_id);
        match field {
            "chats.id" => Got::Int(Some(c.id)),
            "chats.assignee" => Got::Int(c.assignee_id),
            "chats.agents" => Got::Ids(c.agent_ids.clone()),
            "chats.createdAt" => Got::Int(Some(c.created_at)),
            "chats.updatedAt" => Got::Int(Some(c.updated_at)),
            "chats.closedAt" => Got::Int(c.closed_at),
            "chats.lastMessageAt" => Got::Int(c.last_message_at),
            "chats.lastCustomerMessageAt" => Got::Int(c.last_customer_message_at),
            "chats.department" => Got::Int(c.department_id),
            "chats.status" => Got::Str(Some(c.status.clone())),
            "chats.rating" => Got::Str(c.rating.clone()),
            "chats.customer" => Got::Int(Some(c.customer_id)),
            "chats.customer.email" => Got::Str(customer.and_then(|x| x.email.clone())),
            "chats.customer.userId" => Got::Str(customer.and_then(|x| x.user_id.clone())),
            "chats.customer.tagsData" => {
                Got::Tags(customer.map(|x| x.tags.clone()).unwrap_or_default())
            }
            _ => Got::Str(None),
        }
    }

    pub fn search_chats(&self, search: &Search) -> Vec<&Chat> {
        self.sorted_chats(search.sort.as_deref(), search.descending)
            .into_iter()
            .filter(|c| {
                combine(search, |f| {
                    let value = if f.field == "chats.status" {
                        // Compare statuses in canonical spelling.
                        f.value
                            .as_str()
                            .and_then(canonical_status)
                            .map_or(Value::Null, Value::from)
                    } else {
                        f.value.clone()
                    };
                    matches(&self.chat_field(c, &f.field), &f.operator, &value)
                })
            })
            .collect()
    }

    fn ref_id(
        &self,
        body: &Map<String, Value>,
        key: &str,
        required: bool,
        errors: &mut Vec<FieldError>,
    ) -> Option<Option<i64>> {
        match body.get(key) {
            None if required => {
                errors.push(msg(key, "This value should not be blank."));
                None
            }
            None => Some(None),
            Some(Value::Null) if required => {
                errors.push(msg(key, "This value should not be blank."));
                None
            }
            Some(Value::Null) => Some(None),
            Some(v) => match unix_input(v)
                .filter(|_| !v.is_boolean() && !matches!(v, Value::Number(n) if n.is_f64()))
            {
                Some(id) => Some(Some(id)),
                None => {
                    errors.push(msg(key, "This value should be of type numeric."));
                    None
                }
            },
        }
    }

    /// `POST /chats` (201): a new, empty chat for a customer in an application.
    pub fn create_chat(&mut self, body: &Map<String, Value>, now: i64) -> ApiResult<Chat> {
        let mut errors = Vec::new();
        let customer = self.ref_id(body, "customer", true, &mut errors).flatten();
        let application = self
            .ref_id(body, "application", true, &mut errors)
            .flatten();
        let assignee = self.ref_id(body, "assignee", false, &mut errors).flatten();
        let department = self
            .ref_id(body, "department", false, &mut errors)
            .flatten();
        for (key, id, known) in [
            (
                "customer",
                customer,
                customer.map(|c| self.customers.contains(&c)),
            ),
            (
                "application",
                application,
                application.map(|a| self.applications.contains(&a)),
            ),
            (
                "assignee",
                assignee,
                assignee.map(|a| self.agents.contains(&a)),
            ),
            (
                "department",
                department,
                department.map(|d| self.departments.contains(&d)),
            ),
        ] {
            if id.is_some() && known == Some(false) {
                errors.push(err(key, Problem::UnknownReference));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let chat = Chat {
            id: next_id(&self.chats),
            status: "empty".into(),
            closed_by: None,
            closed_at: None,
            rating: None,
            created_at: now,
            updated_at: now,
            last_message_at: None,
            last_customer_message_at: None,
            read_by_agent: true,
            read_by_customer: true,
            created_with: "public_api".into(),
            snoozed_until: None,
            last_message_text: None,
            last_message_id: None,
            application_id: application.unwrap_or_default(),
            last_communicated_agent_id: None,
            agent_ids: vec![],
            customer_id: customer.unwrap_or_default(),
            assignee_id: assignee,
            department_id: department,
        };
        self.chats.insert(chat.id, chat.clone());
        Ok(chat)
    }

    /// A required key whose value is an id of a known record or null (which clears it).
    fn nullable_ref(
        &self,
        body: &Map<String, Value>,
        key: &str,
        known: impl Fn(&Self, i64) -> bool,
    ) -> ApiResult<Option<i64>> {
        let mut errors = Vec::new();
        let value = self.ref_id(body, key, false, &mut errors);
        if !body.contains_key(key) {
            errors.push(msg(key, "This value should not be blank."));
        }
        if let Some(Some(id)) = value {
            if !known(self, id) {
                errors.push(err(key, Problem::UnknownReference));
            }
        }
        if errors.is_empty() {
            Ok(value.flatten())
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    /// Reads the `id` of a chat action body and returns the chat id (404 when unknown).
    fn action_chat(&self, body: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<i64> {
        self.ref_id(body, "id", true, errors).flatten()
    }

    /// The chat-action endpoints (`PUT /chats/{action}` with the chat id in the body).
    pub fn chat_action(
        &mut self,
        action: &str,
        body: &Map<String, Value>,
        now: i64,
    ) -> ApiResult<Chat> {
        let mut errors = Vec::new();
        let id = self.action_chat(body, &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let id = id.unwrap_or_default();
        let chat = self.chat(id)?.clone();
        let mut c = chat;
        match action {
            "status" => {
                let status = match body.get("status") {
                    Some(Value::String(s)) => match canonical_status(s).filter(|s| *s != "empty") {
                        Some(s) => s,
                        None => {
                            return Err(ApiError::Validation(vec![msg(
                                "status",
                                "The value you selected is not a valid choice.",
                            )]))
                        }
                    },
                    None | Some(Value::Null) => {
                        return Err(ApiError::Validation(vec![msg(
                            "status",
                            "This value should not be blank.",
                        )]))
                    }
                    Some(_) => {
                        return Err(ApiError::Validation(vec![msg(
                            "status",
                            "This value should be of type string.",
                        )]))
                    }
                };
                if status == "closed" {
                    if c.status != "closed" {
                        c.closed_at = Some(now);
                        c.closed_by = Some("agent".into());
                    }
                } else {
                    c.closed_at = None;
                    c.closed_by = None;
                }
                c.status = status.into();
            }
            "assignee" => {
                let known = |s: &Self, id: i64| s.agents.contains(&id);
                c.assignee_id = self.nullable_ref(body, "assignee", known)?;
            }
            "department" => {
                let known = |s: &Self, id: i64| s.departments.contains(&id);
                c.department_id = self.nullable_ref(body, "department", known)?;
            }
            "snooze" => match body.get("snoozedUntil") {
                None => {
                    return Err(ApiError::Validation(vec![msg(
                        "snoozedUntil",
                        "This value should not be blank.",
                    )]))
                }
                Some(Value::Null) => c.snoozed_until = None,
                Some(v) => match unix_input(v) {
                    Some(t) => c.snoozed_until = Some(t),
                    None => {
                        return Err(ApiError::Validation(vec![msg(
                            "snoozedUntil",
                            "This value should be of type numeric.",
                        )]))
                    }
                },
            },
            "readByAgent" | "readByCustomer" | "read" => {
                let read = match body.get("read") {
                    Some(Value::Bool(b)) => *b,
                    None | Some(Value::Null) => true,
                    Some(_) => {
                        return Err(ApiError::Validation(vec![msg(
                            "read",
                            "This value should be of type bool.",
                        )]))
                    }
                };
                if action == "readByCustomer" {
                    c.read_by_customer = read;
                } else {
                    c.read_by_agent = read;
                }
            }
            "rate" => {
                let rating = match body.get("rating") {
                    Some(Value::String(s)) if RATINGS.contains(&s.as_str()) => s.clone(),
                    None | Some(Value::Null) => {
                        return Err(ApiError::Validation(vec![msg(
                            "rating",
                            "This value should not be blank.",
                        )]))
                    }
                    Some(_) => {
                        return Err(ApiError::Validation(vec![msg(
                            "rating",
                            "The value you selected is not a valid choice.",
                        )]))
                    }
                };
                let has_agent_message = self
                    .messages
                    .values()
                    .any(|m| m.chat == id && m.from == "agent" && m.message_type == "message");
                let refuse = |text: &str| ApiError::Vendor {
                    code: "invalid_request".into(),
                    status: axum::http::StatusCode::BAD_REQUEST,
                    message: text.into(),
                };
                if c.status != "closed" {
                    return Err(refuse("Chat must be closed to rate it"));
                }
                if c.rating.is_some() {
                    return Err(refuse("Chat is already rated"));
                }
                if !has_agent_message {
                    return Err(refuse(
                        "Chat must have at least one agent message to be rated",
                    ));
                }
                c.rating = Some(rating);
            }
            _ => return Err(ApiError::Internal),
        }
        c.updated_at = now;
        self.chats.insert(id, c.clone());
        Ok(c)
    }

    // ---- messages ----------------------------------------------------------------------

    /// Messages of a chat, newest first.
    pub fn chat_messages(&self, chat: i64) -> ApiResult<Vec<&Message>> {
        self.chat(chat)?;
        let mut v: Vec<&Message> = self.messages.values().filter(|m| m.chat == chat).collect();
        v.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(v)
    }

    /// `POST /messages`: as the agent given, else as the chat's customer; `type` message or
    /// private. Updates the chat as the product does (see `mod.rs`).
    pub fn post_message(&mut self, body: &Map<String, Value>, now_ms: i64) -> ApiResult<Message> {
        let mut errors = Vec::new();
        let chat = self.ref_id(body, "chat", true, &mut errors).flatten();
        let agent = self.ref_id(body, "agent", false, &mut errors).flatten();
        let text = match (body.get("text"), body.get("markdownText")) {
            (Some(Value::String(s)), _) if !s.trim().is_empty() => Some(s.clone()),
            (None | Some(Value::Null), Some(Value::String(s))) if !s.trim().is_empty() => {
                Some(s.clone())
            }
            (Some(v), _) if !v.is_string() && !v.is_null() => {
                errors.push(msg("text", "This value should be of type string."));
                None
            }
            _ => {
                errors.push(msg("text", "This value should not be blank."));
                None
            }
        };
        let kind = match body.get("type") {
            None | Some(Value::Null) => "message".to_string(),
            Some(Value::String(s)) if s == "message" || s == "private" => s.clone(),
            Some(_) => {
                errors.push(msg("type", "The value you selected is not a valid choice."));
                String::new()
            }
        };
        if let Some(a) = agent {
            if !self.agents.contains(&a) {
                errors.push(err("agent", Problem::UnknownReference));
            }
        }
        if kind == "private" && agent.is_none() && errors.is_empty() {
            errors.push(msg(
                "agent",
                "Private notes can only be posted by an agent.",
            ));
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let chat_id = chat.unwrap_or_default();
        let mut c = self.chat(chat_id)?.clone();
        let m = Message {
            id: next_id(&self.messages),
            chat: chat_id,
            from: if agent.is_some() { "agent" } else { "customer" }.into(),
            agent_id: agent,
            message_type: kind,
            text: text.unwrap_or_default(),
            read: false,
            created_at: now_ms,
            updated_at: now_ms,
            edited: false,
            broadcast_type: None,
        };
        let now = now_ms.div_euclid(1000);
        c.updated_at = now;
        if m.message_type == "message" {
            c.last_message_at = Some(now);
            c.last_message_text = Some(m.text.clone());
            c.last_message_id = Some(m.id);
            match agent {
                Some(a) => {
                    if !c.agent_ids.contains(&a) {
                        c.agent_ids.push(a);
                    }
                    c.last_communicated_agent_id = Some(a);
                    c.read_by_customer = false;
                    c.read_by_agent = true;
                    if matches!(c.status.as_str(), "new" | "empty") {
                        c.status = "opened".into();
                    }
                }
                None => {
                    c.last_customer_message_at = Some(now);
                    c.read_by_agent = false;
                    c.read_by_customer = true;
                    if matches!(c.status.as_str(), "empty" | "closed") {
                        c.status = "new".into();
                        c.closed_at = None;
                        c.closed_by = None;
                    }
                }
            }
        }
        self.chats.insert(chat_id, c);
        self.messages.insert(m.id, m.clone());
        Ok(m)
    }

    // ---- agents ------------------------------------------------------------------------

    pub fn unsubscribe_agent(&mut self, id: i64) -> ApiResult<()> {
        let a = self
            .agents
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found("Agent", id))?;
        a.unsubscribed = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Timestamps render as documented: whole seconds, or seconds with milliseconds.
    #[test]
    fn timestamp_rendering() {
        assert_eq!(ts(Some(1603885746)), json!("1603885746"));
        assert_eq!(ts(None), Value::Null);
        assert_eq!(ts_ms(1594139170913), json!("1594139170.913"));
        assert_eq!(unix_input(&json!("1603885746")), Some(1603885746));
        assert_eq!(unix_input(&json!("1594139170.913")), Some(1594139170));
        assert_eq!(unix_input(&json!(12)), Some(12));
        assert_eq!(unix_input(&json!("18 Jun 2020")), None);
    }

    /// Every accepted spelling of a status maps to the response spelling.
    #[test]
    fn status_spellings() {
        for s in ["on hold", "on-hold", "onhold", "ON HOLD", "4"] {
            assert_eq!(canonical_status(s), Some("on hold"));
        }
        assert_eq!(canonical_status("3"), Some("pending"));
        assert_eq!(canonical_status("later"), None);
    }

    /// Search validation names the offending filter path.
    #[test]
    fn search_validation_paths() {
        let body = json!({"filter": [
            {"field": "customers.name", "operator": "~", "value": "a"},
            {"field": "customers.shoeSize", "operator": "=", "value": 1},
            {"field": "customers.id", "operator": "~", "value": 1},
            {"field": "customers.lastSeen", "operator": ">", "value": "18 Jun 2020"},
            {"operator": "=", "value": 1}
        ]});
        let Err(ApiError::Validation(e)) =
            parse_search(body.as_object().unwrap(), CUSTOMER_FIELDS, CUSTOMER_SORTS)
        else {
            panic!()
        };
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "filter[1].field",
                "filter[2].operator",
                "filter[3].value",
                "filter[4].field"
            ]
        );
    }
}

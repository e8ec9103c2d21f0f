//! HelpCrunch request parsing and validation into typed inputs. Every problem is a neutral
//! [`Problem`] at the field path HelpCrunch names (`customer`, `tags[0].name`); `errors.rs`
//! words them as the Symfony validator does.

use serde_json::{Map, Value};

use crate::platform::error::{FieldError, Problem};

pub(super) fn err(field: impl Into<String>, problem: Problem) -> FieldError {
    FieldError::new(field, problem)
}

pub(super) fn type_err(field: impl Into<String>, expected: &'static str) -> FieldError {
    FieldError::new(field, Problem::Type { expected })
}

pub(super) fn required(field: impl Into<String>) -> FieldError {
    FieldError::new(field, Problem::Required)
}

pub(super) fn not_a_choice(field: impl Into<String>, allowed: &[&str]) -> FieldError {
    FieldError::new(
        field,
        Problem::OneOf {
            allowed: allowed.iter().map(|s| s.to_string()).collect(),
        },
    )
}

/// Reads a unix timestamp given as an integer, a float or a numeric string (seconds), within
/// the years 1–9999; anything else (huge integers, floats beyond that, NaN) is no timestamp,
/// so the caller answers HelpCrunch's type error instead of rounding silently.
pub(crate) fn unix_input(v: &Value) -> Option<i64> {
    const RANGE: std::ops::RangeInclusive<i64> = -62_135_596_800..=253_402_300_799;
    let from_float = |f: f64| (f.is_finite() && f.abs() < 1.0e12).then(|| f.floor() as i64);
    let secs = match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(from_float)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(from_float))
        }
        _ => None,
    }?;
    RANGE.contains(&secs).then_some(secs)
}

/// An id in a body: an integer or a numeric string (not a float, not a boolean). `Some(None)`
/// when absent or null and not required; `None` after recording the problem.
pub(super) fn ref_id(
    body: &Map<String, Value>,
    key: &str,
    required_key: bool,
    errors: &mut Vec<FieldError>,
) -> Option<Option<i64>> {
    match body.get(key) {
        None | Some(Value::Null) if required_key => {
            errors.push(required(key));
            None
        }
        None | Some(Value::Null) => Some(None),
        Some(v) => match unix_input(v)
            .filter(|_| !v.is_boolean() && !matches!(v, Value::Number(n) if n.is_f64()))
        {
            Some(id) => Some(Some(id)),
            None => {
                errors.push(type_err(key, "number"));
                None
            }
        },
    }
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

/// The customer's writable string fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextField {
    UserId,
    Name,
    Email,
    Phone,
    Company,
    Source,
    Referer,
    LastPage,
    Locale,
    Notes,
}

impl TextField {
    pub(crate) const ALL: [TextField; 10] = [
        TextField::UserId,
        TextField::Name,
        TextField::Email,
        TextField::Phone,
        TextField::Company,
        TextField::Source,
        TextField::Referer,
        TextField::LastPage,
        TextField::Locale,
        TextField::Notes,
    ];

    pub(crate) fn key(self) -> &'static str {
        match self {
            TextField::UserId => "userId",
            TextField::Name => "name",
            TextField::Email => "email",
            TextField::Phone => "phone",
            TextField::Company => "company",
            TextField::Source => "source",
            TextField::Referer => "referer",
            TextField::LastPage => "lastPage",
            TextField::Locale => "locale",
            TextField::Notes => "notes",
        }
    }
}

/// The customer's location fields (nested under `location` or at the top level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LocationField {
    RegionCode,
    CountryCode,
    City,
}

impl LocationField {
    pub(crate) const ALL: [LocationField; 3] = [
        LocationField::RegionCode,
        LocationField::CountryCode,
        LocationField::City,
    ];

    pub(crate) fn key(self) -> &'static str {
        match self {
            LocationField::RegionCode => "regionCode",
            LocationField::CountryCode => "countryCode",
            LocationField::City => "city",
        }
    }
}

/// A validated customer body: each present field as its new value.
#[derive(Debug, Default)]
pub(crate) struct CustomerInput {
    pub text: Vec<(TextField, Option<String>)>,
    pub first_seen: Option<Option<i64>>,
    pub last_seen: Option<Option<i64>>,
    pub location: Vec<(LocationField, Option<String>)>,
    pub unsubscribed: Option<bool>,
    pub blocked: Option<bool>,
    pub tags: Option<Vec<(String, Option<String>)>>,
    pub custom_data: Option<Map<String, Value>>,
    /// `customData: null`: empty it first (also on PATCH, which otherwise merges).
    pub clear_custom_data: bool,
}

impl CustomerInput {
    /// The `userId` the body sets, if it sets one.
    pub(crate) fn user_id(&self) -> Option<&Option<String>> {
        self.text
            .iter()
            .find(|(f, _)| *f == TextField::UserId)
            .map(|(_, v)| v)
    }
}

/// Reads `[{name, color?}]`.
pub(crate) fn tag_list(
    v: &Value,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<Vec<(String, Option<String>)>> {
    let Value::Array(items) = v else {
        errors.push(type_err(field, "array"));
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
                        errors.push(type_err(format!("{field}[{i}].color"), "string"));
                        None
                    }
                };
                out.push((n.trim().to_string(), color));
            }
            Some(Value::String(_)) | None | Some(Value::Null) => {
                errors.push(required(format!("{field}[{i}].name")))
            }
            Some(_) => errors.push(type_err(format!("{field}[{i}].name"), "string")),
        }
    }
    Some(out)
}

/// Reads a customer body (create, PUT, PATCH or a batch item without its `customer`).
pub(crate) fn customer(body: &Map<String, Value>, errors: &mut Vec<FieldError>) -> CustomerInput {
    let mut input = CustomerInput::default();
    for f in TextField::ALL {
        match body.get(f.key()) {
            None => {}
            Some(Value::Null) => input.text.push((f, None)),
            Some(Value::String(s)) => {
                if f == TextField::Email
                    && !s.is_empty()
                    && !crate::platform::input::looks_like_email(s)
                {
                    errors.push(err(f.key(), Problem::Email));
                } else {
                    input.text.push((f, Some(s.clone())));
                }
            }
            Some(Value::Number(n)) if matches!(f, TextField::UserId | TextField::Phone) => {
                input.text.push((f, Some(n.to_string())))
            }
            Some(_) => errors.push(type_err(f.key(), "string")),
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
                None => errors.push(type_err(f, "number")),
            },
        }
    }
    // Location fields come either nested under `location` or at the top level.
    let nested = match body.get("location") {
        Some(Value::Object(m)) => Some(m),
        None | Some(Value::Null) => None,
        Some(_) => {
            errors.push(type_err("location", "object"));
            None
        }
    };
    for f in LocationField::ALL {
        let (v, path) = match nested.and_then(|m| m.get(f.key())) {
            Some(v) => (Some(v), format!("location.{}", f.key())),
            None => (body.get(f.key()), f.key().to_string()),
        };
        match v {
            None => {}
            Some(Value::Null) => input.location.push((f, None)),
            Some(Value::String(s)) => input.location.push((f, Some(s.clone()))),
            Some(_) => errors.push(type_err(path, "string")),
        }
    }
    for (f, slot) in [
        ("unsubscribed", &mut input.unsubscribed),
        ("blocked", &mut input.blocked),
    ] {
        // null is applied as the value a PUT gives an omitted flag (false), not ignored.
        match body.get(f) {
            None => {}
            Some(Value::Null) => *slot = Some(false),
            Some(Value::Bool(b)) => *slot = Some(*b),
            Some(_) => errors.push(type_err(f, "boolean")),
        }
    }
    match body.get("tags") {
        None => {}
        Some(Value::Null) => input.tags = Some(Vec::new()),
        Some(v) => input.tags = tag_list(v, "tags", errors),
    }
    // customData: the documented request form `[{property, value}]`, or the response form
    // (a map), so a read-modify-write round trip works.
    match body.get("customData") {
        None => {}
        Some(Value::Null) => input.clear_custom_data = true,
        Some(Value::Array(items)) => {
            let mut m = Map::new();
            for (i, item) in items.iter().enumerate() {
                match (item.get("property"), item.get("value")) {
                    (Some(Value::String(p)), Some(v))
                        if !p.is_empty() && !v.is_array() && !v.is_object() =>
                    {
                        m.insert(p.clone(), v.clone());
                    }
                    (Some(Value::String(p)), Some(_)) if !p.is_empty() => {
                        errors.push(type_err(format!("customData[{i}].value"), "scalar"))
                    }
                    _ => errors.push(required(format!("customData[{i}].property"))),
                }
            }
            input.custom_data = Some(m);
        }
        Some(Value::Object(map)) => {
            for (k, v) in map {
                if v.is_array() || v.is_object() {
                    errors.push(type_err(format!("customData.{k}"), "scalar"));
                }
            }
            input.custom_data = Some(map.clone());
        }
        Some(_) => errors.push(type_err("customData", "array")),
    }
    input
}

/// `sort` (one of `sorts`, or the field name without the entity prefix) and `order`
/// (`asc`/`desc`, any case).
pub(crate) fn sort(
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
                errors.push(not_a_choice("sort", sorts));
                None
            }
        },
        Some(_) => {
            errors.push(type_err("sort", "string"));
            None
        }
    };
    let descending = match order {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("asc") => false,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("desc") => true,
        Some(_) => {
            errors.push(not_a_choice("order", &["asc", "desc"]));
            false
        }
    };
    (sort, descending)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Timestamps are read from integers, floats and numeric strings.
    #[test]
    fn unix_inputs() {
        assert_eq!(unix_input(&json!("1603885746")), Some(1603885746));
        assert_eq!(unix_input(&json!("1594139170.913")), Some(1594139170));
        assert_eq!(unix_input(&json!(12)), Some(12));
        assert_eq!(unix_input(&json!("18 Jun 2020")), None);
    }

    /// A customer body's problems are neutral and sit at HelpCrunch's field paths.
    #[test]
    fn customer_problems() {
        let mut errors = Vec::new();
        let body = json!({"email": "nope", "name": 5, "location": {"city": 1}, "blocked": "y",
            "tags": [{"name": ""}], "customData": [{"property": "p", "value": [1]}]});
        customer(body.as_object().unwrap(), &mut errors);
        let got: Vec<(&str, &Problem)> = errors
            .iter()
            .map(|e| (e.field.as_str(), &e.problem))
            .collect();
        assert_eq!(
            got,
            [
                ("name", &Problem::Type { expected: "string" }),
                ("email", &Problem::Email),
                ("location.city", &Problem::Type { expected: "string" }),
                (
                    "blocked",
                    &Problem::Type {
                        expected: "boolean"
                    }
                ),
                ("tags[0].name", &Problem::Required),
                ("customData[0].value", &Problem::Type { expected: "scalar" }),
            ]
        );
    }
}

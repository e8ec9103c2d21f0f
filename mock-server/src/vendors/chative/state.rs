//! Chative.IO contacts: state and the PATCH/DELETE rules. No HTTP types.

use chrono::DateTime;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::platform::error::{ApiError, ApiResult, FieldError, Problem};
use crate::platform::input::whole_number;
use crate::platform::store::Collection;

/// The four custom-field types the API can update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    #[default]
    Text,
    Number,
    Date,
    Boolean,
}

/// A custom field defined on the account; contacts hold values keyed by `key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct CustomField {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub gender: Option<String>,
    /// Unix milliseconds.
    pub birthday: Option<i64>,
    /// Guest, Lead or Customer.
    #[serde(rename = "type")]
    pub contact_type: String,
    pub tags: Vec<String>,
    pub custom_fields: Map<String, Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct ChativeState {
    pub custom_fields: Vec<CustomField>,
    /// Oldest first, the order `GET /contacts` lists them.
    pub contacts: Collection<String, Contact>,
}

/// Genders the emulator accepts (the docs only show `male`).
pub const GENDERS: &[&str] = &["male", "female", "other"];

/// A date value: a millisecond timestamp (JSON number, years 1–9999) or an ISO 8601 string.
/// A number beyond that range, or a fraction, is no date (never rounded into one).
pub fn parse_date(v: &Value) -> Option<i64> {
    const RANGE: std::ops::RangeInclusive<i64> = -62_135_596_800_000..=253_402_300_799_999;
    match v {
        Value::Number(n) => whole_number(n).filter(|ms| RANGE.contains(ms)),
        Value::String(s) => DateTime::parse_from_rfc3339(s.trim())
            .or_else(|_| DateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S%z"))
            .ok()
            .map(|t| t.timestamp_millis()),
        _ => None,
    }
}

/// Checks a custom-field value against its type; `None` when it does not fit.
pub fn coerce(field_type: FieldType, v: &Value) -> Option<Value> {
    match (field_type, v) {
        (_, Value::Null) => Some(Value::Null),
        (FieldType::Text, Value::String(s)) => Some(Value::String(s.clone())),
        (FieldType::Number, Value::Number(n)) => Some(Value::Number(n.clone())),
        (FieldType::Boolean, Value::Bool(b)) => Some(Value::Bool(*b)),
        (FieldType::Boolean, Value::String(s)) if s == "true" || s == "false" => {
            Some(Value::Bool(s == "true"))
        }
        (FieldType::Date, v) => parse_date(v).map(Value::from),
        _ => None,
    }
}

fn expected(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::Text => "text",
        FieldType::Number => "number",
        FieldType::Date => "date",
        FieldType::Boolean => "boolean",
    }
}

fn valid_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    digits >= 3
        && s.chars()
            .all(|c| c.is_ascii_digit() || "+-() .".contains(c))
}

/// A standard contact field the API can update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standard {
    FirstName,
    LastName,
    Email,
    Phone,
    Gender,
    Birthday,
}

/// One accepted change, applied only when the whole body is valid.
enum Change {
    Standard(Standard, Value),
    Custom(String, Value),
}

impl ChativeState {
    fn custom(&self, key: &str) -> Option<&CustomField> {
        self.custom_fields.iter().find(|f| f.key == key)
    }

    pub fn contact(&self, id: &str) -> ApiResult<&Contact> {
        self.contacts
            .get(&id.to_ascii_lowercase())
            .ok_or_else(|| ApiError::not_found("Contact", id))
    }

    fn check_custom(
        &self,
        field: &str,
        key: &str,
        v: &Value,
        errors: &mut Vec<FieldError>,
        changes: &mut Vec<Change>,
    ) {
        match self.custom(key) {
            Some(def) => match coerce(def.field_type, v) {
                Some(value) => changes.push(Change::Custom(key.to_string(), value)),
                None => errors.push(FieldError::new(
                    field,
                    Problem::Type {
                        expected: expected(def.field_type),
                    },
                )),
            },
            None => errors.push(FieldError::new(field, Problem::NotAllowed)),
        }
    }

    /// `PATCH /contacts/{id}`: only the documented standard fields and the account's custom
    /// fields (top level, or inside `customFields`) are accepted, each with its type. Nothing
    /// changes unless every field is valid.
    pub fn patch(
        &mut self,
        id: &str,
        body: &Map<String, Value>,
        now_ms: i64,
    ) -> ApiResult<&Contact> {
        self.contact(id)?;
        let mut errors = Vec::new();
        let mut changes = Vec::new();
        if body.is_empty() {
            errors.push(FieldError::new(
                "body",
                Problem::Other("at least one updatable field is required".into()),
            ));
        }
        for (key, v) in body {
            match (key.as_str(), v) {
                ("customFields", Value::Object(m)) => {
                    for (k, cv) in m {
                        let field = format!("customFields.{k}");
                        self.check_custom(&field, k, cv, &mut errors, &mut changes);
                    }
                }
                ("customFields", _) => errors.push(FieldError::new(
                    key.clone(),
                    Problem::Type { expected: "object" },
                )),
                _ => match standard_change(key, v) {
                    Some(Ok(change)) => changes.push(change),
                    Some(Err(e)) => errors.push(e),
                    None => self.check_custom(key, key, v, &mut errors, &mut changes),
                },
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let key = id.to_ascii_lowercase();
        let Some(c) = self.contacts.get_mut(&key) else {
            return Err(ApiError::not_found("Contact", id));
        };
        c.apply(changes);
        c.updated_at = now_ms;
        let c = self.contact(id)?;
        debug_assert_eq!(self.contact_problems(c), Vec::<String>::new());
        Ok(c)
    }

    /// `DELETE /contacts/{id}`.
    pub fn delete(&mut self, id: &str) -> ApiResult<Contact> {
        self.contacts
            .remove(&id.to_ascii_lowercase())
            .ok_or_else(|| ApiError::not_found("Contact", id))
    }
}

/// The change a standard field asks for, or why it is refused; `None` for a field that is not
/// one of the standard ones (a custom field, or unknown).
fn standard_change(key: &str, v: &Value) -> Option<Result<Change, FieldError>> {
    let bad_type = |expected| FieldError::new(key, Problem::Type { expected });
    let set = |field, v: Value| Ok(Change::Standard(field, v));
    Some(match (key, v) {
        ("firstName", Value::String(_)) => set(Standard::FirstName, v.clone()),
        ("lastName", Value::String(_)) => set(Standard::LastName, v.clone()),
        ("firstName" | "lastName", _) => Err(bad_type("text")),
        ("email", Value::Null) => set(Standard::Email, Value::Null),
        ("email", Value::String(s)) if crate::platform::input::looks_like_email(s) => {
            set(Standard::Email, v.clone())
        }
        ("email", Value::String(_)) => Err(FieldError::new("email", Problem::Email)),
        ("email", _) => Err(bad_type("text")),
        ("phone", _) => phone_change(v).map(|v| Change::Standard(Standard::Phone, v)),
        ("gender", Value::Null) => set(Standard::Gender, Value::Null),
        ("gender", Value::String(s)) if GENDERS.contains(&s.as_str()) => {
            set(Standard::Gender, v.clone())
        }
        ("gender", _) => Err(FieldError::new(
            "gender",
            Problem::OneOf {
                allowed: GENDERS.iter().map(|g| g.to_string()).collect(),
            },
        )),
        ("birthday", Value::Null) => set(Standard::Birthday, Value::Null),
        ("birthday", _) => match parse_date(v) {
            Some(ms) => set(Standard::Birthday, Value::from(ms)),
            None => Err(bad_type("date")),
        },
        _ => return None,
    })
}

/// A phone as stored: null, a valid phone text, or a whole number read as its digits (`232.0`
/// is the integer 232, as JSON Schema has it).
fn phone_change(v: &Value) -> Result<Value, FieldError> {
    match v {
        Value::Null => Ok(Value::Null),
        Value::String(s) if valid_phone(s) => Ok(v.clone()),
        Value::Number(n)
            if whole_number(n).is_some_and(|d| d >= 0 && valid_phone(&d.to_string())) =>
        {
            Ok(Value::String(
                whole_number(n).unwrap_or_default().to_string(),
            ))
        }
        Value::String(_) | Value::Number(_) => Err(FieldError::new(
            "phone",
            Problem::Other("phone must be a phone number".into()),
        )),
        _ => Err(FieldError::new("phone", Problem::Type { expected: "text" })),
    }
}

impl Contact {
    /// Applies checked changes.
    fn apply(&mut self, changes: Vec<Change>) {
        for change in changes {
            match change {
                Change::Standard(field, v) => {
                    let s = v.as_str().map(str::to_string);
                    match field {
                        Standard::FirstName => self.first_name = s.unwrap_or_default(),
                        Standard::LastName => self.last_name = s.unwrap_or_default(),
                        Standard::Email => self.email = s,
                        Standard::Phone => self.phone = s,
                        Standard::Gender => self.gender = s,
                        Standard::Birthday => self.birthday = v.as_i64(),
                    }
                }
                Change::Custom(k, v) => {
                    self.custom_fields.insert(k, v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Custom-field values are checked against their type; booleans accept 'true'/'false'.
    #[test]
    fn coercion_by_type() {
        assert_eq!(
            coerce(FieldType::Boolean, &json!("true")),
            Some(json!(true))
        );
        assert_eq!(coerce(FieldType::Boolean, &json!("yes")), None);
        assert_eq!(coerce(FieldType::Number, &json!("12")), None);
        assert_eq!(coerce(FieldType::Text, &json!(12)), None);
        assert_eq!(
            coerce(FieldType::Date, &json!("2023-05-02T00:00:00+00:00")),
            Some(json!(1_682_985_600_000i64))
        );
        assert_eq!(
            coerce(FieldType::Date, &json!(1_682_985_600_000i64)),
            Some(json!(1_682_985_600_000i64))
        );
        assert_eq!(coerce(FieldType::Date, &json!("May 2nd")), None);
        assert_eq!(coerce(FieldType::Date, &json!(null)), Some(json!(null)));
    }

    /// Phone checks.
    #[test]
    fn phone_shape() {
        assert!(valid_phone("0123456789"));
        assert!(valid_phone("+1 (555) 010-0000"));
        assert!(!valid_phone("call me"));
    }
}

crate::keyed!(Contact => id: String);

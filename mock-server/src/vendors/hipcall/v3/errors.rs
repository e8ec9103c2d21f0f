//! Hipcall v3 error bodies (reference §3A): Phoenix with OpenAPI validation.
//! `{"errors": {"detail": "…"}}` for 401/404/405/429 and the like, `{"errors": {"<field>":
//! ["msg", …]}}` for validation (422) and request-shape (400) problems, messages in Ecto's and
//! the OpenAPI validator's wording.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use crate::platform::error::{ApiError, FieldError, Problem};

/// 401 without credentials.
pub(crate) const MISSING_TOKEN: &str =
    "Authentication required. Provide either OAuth Bearer token or API token.";
/// 401 with an unknown or expired token.
pub(crate) const BAD_TOKEN: &str = "Not authorized. Check your API token is valid and not expired.";

fn detail(status: StatusCode, text: &str) -> (StatusCode, Value) {
    (status, json!({"errors": {"detail": text}}))
}

/// One field's message.
pub(crate) fn message(e: &FieldError) -> String {
    let f = e.field.rsplit('.').next().unwrap_or(&e.field);
    match &e.problem {
        Problem::Required => "can't be blank".into(),
        Problem::Type { expected } => match *expected {
            "string" => "Value must be a string.".into(),
            "integer" | "number" => "Value must be an integer.".into(),
            "boolean" => "Value must be a boolean.".into(),
            "array" => "Value must be an array.".into(),
            "object" => "Value must be an object.".into(),
            "date" => "Invalid datetime format (expected ISO8601)".into(),
            other => format!("Value must be a {other}."),
        },
        Problem::OneOf { allowed } if allowed.is_empty() => "is invalid".into(),
        Problem::OneOf { allowed } => {
            format!("is invalid (expected one of: {})", allowed.join(", "))
        }
        Problem::UnknownReference => "does not exist".into(),
        Problem::TooLong { max } => format!("should be at most {max} character(s)"),
        Problem::Range { min, max } => format!("must be between {min} and {max}"),
        Problem::Minimum { min, value } => {
            format!("{value} is smaller than inclusive minimum {min}")
        }
        Problem::Maximum { max, value } => {
            format!("{value} is larger than inclusive maximum {max}")
        }
        Problem::NotAllowed => format!("Unexpected field: {f}"),
        Problem::Taken => "has already been taken".into(),
        Problem::Email => "has invalid format".into(),
        Problem::Count { min, max } => format!("should have between {min} and {max} item(s)"),
        Problem::Missing { .. } => "does not exist".into(),
        Problem::RequiredWhen { .. } => "can't be blank".into(),
        Problem::Other(text) => text.clone(),
    }
}

/// `{"<field>": ["msg", …]}`; a dotted path nests (`custom_fields.tier` →
/// `{"custom_fields": {"tier": [...]}}`).
pub(crate) fn field_errors(list: &[FieldError]) -> Value {
    fn insert(map: &mut Map<String, Value>, path: &[&str], msg: String) {
        match path {
            [] => {}
            [leaf] => {
                let slot = map
                    .entry(leaf.to_string())
                    .or_insert_with(|| Value::Array(vec![]));
                if let Value::Array(items) = slot {
                    items.push(Value::String(msg));
                }
            }
            [head, rest @ ..] => {
                let child = map
                    .entry(head.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !child.is_object() {
                    *child = Value::Object(Map::new());
                }
                if let Value::Object(m) = child {
                    insert(m, rest, msg);
                }
            }
        }
    }
    let mut out = Map::new();
    for e in list {
        let path: Vec<&str> = e.field.split('.').collect();
        insert(&mut out, &path, message(e));
    }
    Value::Object(out)
}

pub(crate) fn render(err: &ApiError) -> (StatusCode, Value) {
    match err {
        ApiError::Unauthenticated { missing: true } => {
            detail(StatusCode::UNAUTHORIZED, MISSING_TOKEN)
        }
        ApiError::Unauthenticated { missing: false } => detail(StatusCode::UNAUTHORIZED, BAD_TOKEN),
        ApiError::NotFound { .. } | ApiError::RouteNotFound { .. } => {
            detail(StatusCode::NOT_FOUND, "Not Found")
        }
        ApiError::MethodNotAllowed { .. } => {
            detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        }
        ApiError::Validation(list) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({ "errors": field_errors(list) }),
        ),
        ApiError::BadRequest { message } => detail(StatusCode::BAD_REQUEST, message),
        ApiError::PayloadTooLarge { .. } => {
            detail(StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large")
        }
        ApiError::RateLimited { .. } => detail(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests. Please try again later.",
        ),
        ApiError::Conflict { message } => detail(StatusCode::CONFLICT, message),
        ApiError::Vendor {
            code,
            status,
            message,
        } => (*status, json!({"errors": {code.as_str(): [message]}})),
        ApiError::Internal => detail(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        // Non-field errors are `{"errors": {"detail": …}}` whatever the status.
        ApiError::Status { status } => detail(*status, ApiError::reason(*status).0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented bodies (reference §3A).
    #[test]
    fn documented_shapes() {
        assert_eq!(
            render(&ApiError::Unauthenticated { missing: true }).1,
            json!({"errors": {"detail": MISSING_TOKEN}})
        );
        assert_eq!(
            render(&ApiError::not_found("Task", 9)),
            (
                StatusCode::NOT_FOUND,
                json!({"errors": {"detail": "Not Found"}})
            )
        );
        let (s, b) = render(&ApiError::Validation(vec![
            FieldError::new(
                "limit",
                Problem::Maximum {
                    max: 100,
                    value: 101,
                },
            ),
            FieldError::new("custom_fields.tier", Problem::Required),
            FieldError::new("created_at", Problem::NotAllowed),
        ]));
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            b,
            json!({"errors": {"limit": ["101 is larger than inclusive maximum 100"],
                "custom_fields": {"tier": ["can't be blank"]},
                "created_at": ["Unexpected field: created_at"]}})
        );
    }
}

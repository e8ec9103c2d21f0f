//! Chative's error bodies. The docs give status codes and messages but no JSON shape; every
//! error here is `{"code": <snake_case code>, "message": <the documented message>}`, and 400s add
//! `details: [{"field", "message"}]` naming each offending field.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::platform::error::{ApiError, FieldError, Problem};

/// Our wording for one invalid field (the docs only say "Bad request").
pub(crate) fn message(e: &FieldError) -> String {
    let f = &e.field;
    match &e.problem {
        Problem::Required => format!("{f} is required"),
        Problem::Type { expected } => match *expected {
            "date" => format!("{f} must be a date (millisecond timestamp or ISO 8601)"),
            "boolean" => format!("{f} must be a boolean (true, false, 'true' or 'false')"),
            "text" => format!("{f} must be a text value"),
            "integer" => format!("{f} must be an integer"),
            other => format!("{f} must be a {other}"),
        },
        Problem::OneOf { allowed } => format!("{f} must be one of: {}", allowed.join(", ")),
        Problem::NotAllowed => format!("{f} is not an updatable field"),
        Problem::Range { min, max } if *max == i64::MAX => format!("{f} must be at least {min}"),
        Problem::Range { min, max } => format!("{f} must be between {min} and {max}"),
        Problem::TooLong { max } => format!("{f} must be at most {max} characters"),
        Problem::UnknownReference => format!("{f} refers to nothing"),
        Problem::Taken => format!("{f} is already taken"),
        Problem::Minimum { min, .. } => format!("{f} must be at least {min}"),
        Problem::Maximum { max, .. } => format!("{f} must be at most {max}"),
        Problem::Email => format!("{f} must be a valid email address"),
        Problem::Count { min, max } => format!("{f} must have between {min} and {max} items"),
        Problem::Missing { resource } => format!("{resource} not found"),
        Problem::RequiredWhen { field, value } => {
            format!("{f} is required when {field} is {value}")
        }
        Problem::Other(text) => text.clone(),
    }
}

fn body(code: &str, message: &str) -> Value {
    json!({"code": code, "message": message})
}

pub(crate) fn render(err: &ApiError) -> (StatusCode, Value) {
    match err {
        ApiError::Unauthenticated { missing: true } => (
            StatusCode::UNAUTHORIZED,
            body("missing_token", "Missing token"),
        ),
        ApiError::Unauthenticated { missing: false } => (
            StatusCode::UNAUTHORIZED,
            body("invalid_token", "Invalid token"),
        ),
        ApiError::NotFound { resource, .. } => (
            StatusCode::NOT_FOUND,
            body("not_found", &format!("{resource} not found")),
        ),
        ApiError::RouteNotFound { .. } => {
            (StatusCode::NOT_FOUND, body("not_found", "Route not found"))
        }
        ApiError::MethodNotAllowed { .. } => (
            StatusCode::METHOD_NOT_ALLOWED,
            body("method_not_allowed", "Method not allowed"),
        ),
        ApiError::Validation(list) => {
            let details: Vec<Value> = list
                .iter()
                .map(|e| json!({"field": e.field, "message": message(e)}))
                .collect();
            let mut b = body("bad_request", "Bad request");
            b["details"] = Value::Array(details);
            (StatusCode::BAD_REQUEST, b)
        }
        ApiError::BadRequest { message } => {
            let mut b = body("bad_request", "Bad request");
            b["details"] = json!([{"field": "body", "message": message}]);
            (StatusCode::BAD_REQUEST, b)
        }
        ApiError::PayloadTooLarge { .. } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            body("payload_too_large", "Payload too large"),
        ),
        ApiError::RateLimited { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            body("rate_limited", "Rate limit exceeded. Retry in 1 minute."),
        ),
        ApiError::Conflict { message } => (StatusCode::CONFLICT, body("conflict", message)),
        ApiError::Vendor {
            code,
            status,
            message,
        } => (*status, body(code, message)),
        ApiError::Status { status } => {
            let (reason, code) = ApiError::reason(*status);
            (*status, body(&code, reason))
        }
        ApiError::Internal => (
            StatusCode::INTERNAL_SERVER_ERROR,
            body("internal_error", "Something went wrong on Chative's end."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented messages: missing vs invalid token, "<resource> not found", rate limit.
    #[test]
    fn documented_messages() {
        assert_eq!(
            render(&ApiError::Unauthenticated { missing: true }).1["message"],
            "Missing token"
        );
        assert_eq!(
            render(&ApiError::Unauthenticated { missing: false }).1["message"],
            "Invalid token"
        );
        assert_eq!(
            render(&ApiError::not_found("Contact", "x")).1["message"],
            "Contact not found"
        );
        let (s, b) = render(&ApiError::RateLimited { retry_after: 60 });
        assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(b["code"], "rate_limited");
        let (s, b) = render(&ApiError::invalid(
            "VIP",
            Problem::Type { expected: "text" },
        ));
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(b["details"][0]["field"], "VIP");
    }
}
